/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Backend selection over a port's selection state (select_priv.h): the
 * writer's build and release, and the readers' choice.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterip/common.h>

#include "random.h"
#include "swrr.h"
#include "table_priv.h"

#define CURSOR_STRIDE 8	 /* uint64_t per cursor: one cache line each */
#define MAGLEV_PROBES 64 /* slots tried before hashing into the candidates */
#define RR_CACHE 256	 /* per-thread round-robin positions */

static _Atomic uint64_t next_id = 1;	 /* states' ids; 0 marks a free cache slot */
static _Atomic uint64_t next_thread = 1; /* threads' ordinals, for their starts */

/* ------------------------------------------------------------------ */
/* Endpoint identity                                                  */
/* ------------------------------------------------------------------ */

/* A 64-bit identity of (address, port): the key of Maglev and affinity,
 * hashed as the table hashes its (address, port) keys. */
static uint64_t endpoint_key(const cip_endpoint *e)
{
	uint64_t h = cip__table_vip_hash(&e->addr, e->port, 0);

	return h ? h : 1; /* 0 means "no backend" to the affinity map */
}

static int keys_index(struct cip__sel *s)
{
	uint32_t cap = 4;

	while (cap < 2 * s->n)
		cap *= 2;
	s->key_slots = calloc(cap, sizeof(*s->key_slots));
	if (!s->key_slots)
		return CIP_ENOMEM;
	s->key_mask = cap - 1;
	for (uint32_t i = 0; i < s->n; i++) {
		uint32_t k = (uint32_t)s->keys[i] & s->key_mask;

		while (s->key_slots[k])
			k = (k + 1) & s->key_mask;
		s->key_slots[k] = i + 1;
	}
	return 0;
}

/* The endpoint with @p key, or UINT32_MAX. */
static uint32_t key_find(const struct cip__sel *s, uint64_t key)
{
	for (uint32_t k = (uint32_t)key & s->key_mask; s->key_slots[k]; k = (k + 1) & s->key_mask)
		if (s->keys[s->key_slots[k] - 1] == key)
			return s->key_slots[k] - 1;
	return UINT32_MAX;
}

/* ------------------------------------------------------------------ */
/* Building                                                           */
/* ------------------------------------------------------------------ */

static int is_ready(const cip_endpoint *e)
{
	return (e->conditions & CIP_EP_READY) != 0;
}

/* kube-proxy's fallback when nothing is ready: serving and terminating. */
static int is_serving_terminating(const cip_endpoint *e)
{
	return !is_ready(e) && (e->conditions & CIP_EP_SERVING) &&
	       (e->conditions & CIP_EP_TERMINATING);
}

static void shuffle(uint32_t *a, uint32_t n, uint64_t *rng)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)cip__bounded_random(rng, i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static int of_family(const cip_endpoint *e, uint8_t family)
{
	return e->addr.family == family;
}

/* usable: the ready endpoints of the state's family, then the
 * serving-terminating ones, each in a random order (round-robin's
 * permutation). */
static int build_usable(struct cip__sel *s, uint64_t *rng)
{
	uint32_t nready = 0, nterm = 0;

	s->usable = malloc(s->n * sizeof(*s->usable));
	if (!s->usable)
		return CIP_ENOMEM;
	for (uint32_t i = 0; i < s->n; i++)
		if (of_family(&s->eps[i], s->family) && is_ready(&s->eps[i]))
			s->usable[nready++] = i;
	for (uint32_t i = 0; i < s->n; i++)
		if (of_family(&s->eps[i], s->family) && is_serving_terminating(&s->eps[i]))
			s->usable[nready + nterm++] = i;
	shuffle(s->usable, nready, rng);
	shuffle(s->usable + nready, nterm, rng);
	s->ready = (struct sel_list){ .idx = s->usable, .n = nready };
	s->terminating = (struct sel_list){ .idx = s->usable + nready, .n = nterm };
	return 0;
}

/* An id of endpoint @p e: which group of a grouping it belongs to. */
typedef uint32_t (*group_of_fn)(const cip_endpoint *e);

static uint32_t hint_zone_of(const cip_endpoint *e)
{
	return e->hint_zone;
}

static uint32_t hint_node_of(const cip_endpoint *e)
{
	return e->hint_node;
}

static uint32_t node_of(const cip_endpoint *e)
{
	return e->node;
}

struct member {
	uint32_t id, pos, idx;
};

static int member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Splits @p from by @p group_of into @p g: each group keeps @p from's
 * order; endpoints without an id (0) belong to none. */
static int build_groups(struct cip__sel *s, const struct sel_list *from, group_of_fn group_of,
			struct sel_groups *g)
{
	struct member *m = malloc((from->n ? from->n : 1) * sizeof(*m));
	uint32_t n = 0;
	int rc = CIP_ENOMEM;

	if (!m)
		return CIP_ENOMEM;
	for (uint32_t p = 0; p < from->n; p++) {
		uint32_t id = group_of(&s->eps[from->idx[p]]);

		if (id)
			m[n++] = (struct member){ id, p, from->idx[p] };
	}
	qsort(m, n, sizeof(*m), member_cmp);
	g->members = malloc((n ? n : 1) * sizeof(*g->members));
	g->ids = malloc((n ? n : 1) * sizeof(*g->ids));
	g->lists = calloc(n ? n : 1, sizeof(*g->lists));
	if (g->members && g->ids && g->lists) {
		for (uint32_t k = 0; k < n; k++) {
			g->members[k] = m[k].idx;
			if (k == 0 || m[k].id != m[k - 1].id) {
				g->ids[g->n] = m[k].id;
				g->lists[g->n++].idx = g->members + k;
			}
			g->lists[g->n - 1].n++;
		}
		rc = 0;
	}
	free(m);
	return rc;
}

/* Every ready endpoint carries a hint of this kind (kube-proxy uses hints
 * only then). */
static int all_hinted(const struct cip__sel *s, group_of_fn hint_of)
{
	for (uint32_t p = 0; p < s->ready.n; p++)
		if (!hint_of(&s->eps[s->ready.idx[p]]))
			return 0;
	return s->ready.n > 0;
}

/* Calls @p fn on every list of @p s until it fails. */
static int each_list(struct cip__sel *s, int (*fn)(struct cip__sel *s, struct sel_list *l))
{
	struct sel_groups *groups[] = { &s->by_zone_hint, &s->by_node_hint, &s->local_ready,
					&s->local_terminating };
	int rc = fn(s, &s->ready);

	if (rc == 0)
		rc = fn(s, &s->terminating);
	for (size_t g = 0; rc == 0 && g < sizeof(groups) / sizeof(groups[0]); g++)
		for (uint32_t k = 0; rc == 0 && k < groups[g]->n; k++)
			rc = fn(s, &groups[g]->lists[k]);
	return rc;
}

static int number_list(struct cip__sel *s, struct sel_list *l)
{
	l->ordinal = s->nlists++;
	l->n_magic = l->n ? cip__mod_magic(l->n) : 0;
	return 0;
}

static int attach_cursor(struct cip__sel *s, struct sel_list *l)
{
	l->cursor = &s->cursors[(size_t)l->ordinal * CURSOR_STRIDE];
	return 0;
}

static int build_schedule(struct cip__sel *s, struct sel_list *l)
{
	uint32_t *w, *sched = NULL;
	size_t len = 0;
	int rc;

	if (l->n == 0)
		return 0;
	w = malloc(l->n * sizeof(*w));
	if (!w)
		return CIP_ENOMEM;
	for (uint32_t p = 0; p < l->n; p++)
		w[p] = s->weights[l->idx[p]];
	rc = cip__swrr_schedule(w, l->n, CIP__SWRR_DEFAULT_MAX_LEN, &sched, &len);
	free(w);
	if (rc)
		return rc == CIP_EINVAL || rc == CIP_EOVERFLOW ? CIP_ENOMEM : rc;
	l->schedule = sched;
	l->schedule_len = (uint32_t)len;
	l->schedule_magic = cip__mod_magic(l->schedule_len);
	return 0;
}

static int build_cursors(struct cip__sel *s)
{
	size_t size = (size_t)s->nlists * CURSOR_STRIDE * sizeof(*s->cursors);

	s->cursors = aligned_alloc(64, size);
	if (!s->cursors)
		return CIP_ENOMEM;
	for (size_t i = 0; i < (size_t)s->nlists * CURSOR_STRIDE; i++)
		atomic_init(&s->cursors[i], 0);
	return each_list(s, attach_cursor);
}

static int build_maglev(struct cip__sel *s)
{
	uint32_t n = s->ready.n + s->terminating.n;
	uint64_t *keys;
	int rc;

	if (n == 0)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return CIP_ENOMEM;
	for (uint32_t p = 0; p < n; p++)
		keys[p] = s->keys[s->usable[p]];
	rc = cip__maglev_build(keys, n, s->maglev_size, &s->maglev);
	free(keys);
	return rc;
}

static int keep_present(uint64_t key, void *ctx)
{
	return key_find(ctx, key) != UINT32_MAX;
}

/* @p old's affinity map, whose clients of endpoints that left go when @p s
 * is published (cip__sel_publish()); or a new one. */
static int build_affinity(struct cip__sel *s, const struct cip__sel *old, uint32_t capacity)
{
	if (old && old->affinity) {
		s->affinity = old->affinity;
		s->affinity->refs++;
		s->affinity_stale = 1;
		return 0;
	}
	s->affinity = calloc(1, sizeof(*s->affinity));
	if (!s->affinity)
		return CIP_ENOMEM;
	s->affinity->refs = 1;
	return cip__affinity_new(capacity, &s->affinity->map) ? CIP_ENOMEM : 0;
}

static void groups_free(struct sel_groups *g)
{
	free(g->ids);
	free(g->lists);
	free(g->members);
}

static int free_schedule(struct cip__sel *s, struct sel_list *l)
{
	(void)s;
	free((void *)l->schedule);
	return 0;
}

static void sel_free(struct cip__sel *s)
{
	if (s->affinity && --s->affinity->refs == 0) {
		cip__affinity_free(s->affinity->map);
		free(s->affinity);
	}
	each_list(s, free_schedule);
	groups_free(&s->by_zone_hint);
	groups_free(&s->by_node_hint);
	groups_free(&s->local_ready);
	groups_free(&s->local_terminating);
	cip__maglev_free(s->maglev);
	free(s->cursors);
	free(s->usable);
	free(s->key_slots);
	free(s->keys);
	free(s->weights);
	free(s->eps);
	free(s);
}

/* The position of the first endpoint of @p family at or after @p i. */
static uint32_t next_of_family(const cip_endpoint *eps, uint32_t n, uint32_t i, uint8_t family)
{
	while (i < n && !of_family(&eps[i], family))
		i++;
	return i;
}

/* Whether @p old has the same endpoints of @p family, with the same
 * weights and at the same positions, as @p eps: the other family's may
 * differ, as they are another proxier's. */
static int same_family_endpoints(const struct cip__sel *old, const cip_endpoint *eps,
				 const uint32_t *weights, uint32_t n, uint8_t family)
{
	uint32_t i = next_of_family(old->eps, old->n, 0, family);
	uint32_t j = next_of_family(eps, n, 0, family);

	while (i < old->n && j < n) {
		if (i != j || memcmp(&old->eps[i], &eps[j], sizeof(*eps)) != 0 ||
		    old->weights[i] != weights[j])
			return 0;
		i = next_of_family(old->eps, old->n, i + 1, family);
		j = next_of_family(eps, n, j + 1, family);
	}
	return i == old->n && j == n;
}

static int same_state(const struct cip__sel *old, const struct cip__sel_config *cfg,
		      const cip_endpoint *eps, const uint32_t *weights, uint32_t n)
{
	return old && old->family == cfg->family && old->policy == cfg->policy &&
	       old->local == cfg->local && old->timeout_ns == cfg->timeout_ns &&
	       old->maglev_size == cfg->maglev_size &&
	       same_family_endpoints(old, eps, weights, n, cfg->family);
}

static int build_lists(struct cip__sel *s, uint64_t *rng)
{
	int rc = build_usable(s, rng);

	if (rc == 0)
		rc = build_groups(s, &s->ready, hint_zone_of, &s->by_zone_hint);
	if (rc == 0)
		rc = build_groups(s, &s->ready, hint_node_of, &s->by_node_hint);
	if (rc == 0)
		rc = build_groups(s, &s->ready, node_of, &s->local_ready);
	if (rc == 0)
		rc = build_groups(s, &s->terminating, node_of, &s->local_terminating);
	if (rc == 0) {
		s->zone_hinted = (uint8_t)all_hinted(s, hint_zone_of);
		s->node_hinted = (uint8_t)all_hinted(s, hint_node_of);
		each_list(s, number_list);
	}
	return rc;
}

static int build_policy(struct cip__sel *s)
{
	switch (s->policy) {
	case CIP_LB_ROUND_ROBIN:
		return build_cursors(s);
	case CIP_LB_WEIGHTED_ROUND_ROBIN: {
		int rc = build_cursors(s);

		return rc ? rc : each_list(s, build_schedule);
	}
	case CIP_LB_MAGLEV:
		return build_maglev(s);
	default:
		return 0;
	}
}

static struct cip__sel *sel_alloc(const struct cip__sel_config *cfg, const cip_endpoint *eps,
				  const uint32_t *weights, uint32_t n)
{
	struct cip__sel *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	s->n = n;
	s->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
	s->generation = cfg->generation;
	s->policy = cfg->policy;
	s->local = cfg->local;
	s->family = cfg->family;
	s->maglev_size = cfg->maglev_size;
	s->timeout_ns = cfg->timeout_ns;
	s->eps = malloc(n * sizeof(*eps));
	s->weights = malloc(n * sizeof(*weights));
	s->keys = malloc(n * sizeof(*s->keys));
	if (!s->eps || !s->weights || !s->keys) {
		sel_free(s);
		return NULL;
	}
	memcpy(s->eps, eps, n * sizeof(*eps));
	memcpy(s->weights, weights, n * sizeof(*weights));
	for (uint32_t i = 0; i < n; i++)
		s->keys[i] = endpoint_key(&eps[i]);
	return s;
}

int cip__sel_build(const struct cip__sel_config *cfg, const cip_endpoint *eps,
		   const uint32_t *weights, uint32_t n, struct cip__sel *old, uint64_t *rng,
		   struct cip__sel **out)
{
	struct cip__sel *s;
	int rc;

	if (next_of_family(eps, n, 0, cfg->family) == n) {
		*out = NULL;
		return 0;
	}
	if (same_state(old, cfg, eps, weights, n)) {
		old->refs++;
		*out = old;
		return 0;
	}
	s = sel_alloc(cfg, eps, weights, n);
	if (!s)
		return CIP_ENOMEM;
	rc = keys_index(s);
	if (rc == 0)
		rc = build_lists(s, rng);
	if (rc == 0)
		rc = build_policy(s);
	if (rc == 0 && cfg->timeout_ns)
		rc = build_affinity(s, old && old->timeout_ns ? old : NULL, cfg->affinity_capacity);
	if (rc) {
		sel_free(s);
		return CIP_ENOMEM;
	}
	*out = s;
	return 0;
}

void cip__sel_publish(struct cip__sel *s)
{
	if (!s || !s->affinity_stale)
		return;
	cip__affinity_retain(s->affinity->map, keep_present, s);
	s->affinity_stale = 0;
}

void cip__sel_release(struct cip__sel *s)
{
	if (s && --s->refs == 0)
		sel_free(s);
}

/* ------------------------------------------------------------------ */
/* Choosing                                                           */
/* ------------------------------------------------------------------ */

/* The candidates of one selection. */
struct pick {
	const struct sel_list *list;
	uint8_t category;
	uint32_t id; /* the node or zone the category is about */
};

static const struct sel_list *group_find(const struct sel_groups *g, uint32_t id)
{
	uint32_t lo = 0, hi = g->n;

	if (id == 0)
		return NULL;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->ids[mid] == id)
			return &g->lists[mid];
		if (g->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int set_pick(struct pick *p, const struct sel_list *list, uint8_t category, uint32_t id)
{
	p->list = list;
	p->category = category;
	p->id = id;
	return 0;
}

/* kube-proxy's CategorizeEndpoints for this proxy's node and zone. */
static int categorize(const struct cip__sel *s, const cip_select_request *req, struct pick *p)
{
	const struct sel_list *l;

	if (s->local) {
		if ((l = group_find(&s->local_ready, req->node)))
			return set_pick(p, l, CIP_CATEGORY_LOCAL, req->node);
		if ((l = group_find(&s->local_terminating, req->node)))
			return set_pick(p, l, CIP_CATEGORY_LOCAL_TERMINATING, req->node);
		return s->ready.n || s->terminating.n ? CIP_EDROP : CIP_ENOBACKEND;
	}
	if (s->ready.n) {
		if (s->node_hinted && (l = group_find(&s->by_node_hint, req->node)))
			return set_pick(p, l, CIP_CATEGORY_SAME_NODE, req->node);
		if (s->zone_hinted && (l = group_find(&s->by_zone_hint, req->zone)))
			return set_pick(p, l, CIP_CATEGORY_SAME_ZONE, req->zone);
		return set_pick(p, &s->ready, CIP_CATEGORY_READY, 0);
	}
	if (s->terminating.n)
		return set_pick(p, &s->terminating, CIP_CATEGORY_TERMINATING, 0);
	return CIP_ENOBACKEND;
}

/* Whether endpoint @p e is one of @p p's candidates. */
static int is_candidate(const cip_endpoint *e, const struct pick *p)
{
	switch (p->category) {
	case CIP_CATEGORY_READY:
		return is_ready(e);
	case CIP_CATEGORY_SAME_NODE:
		return is_ready(e) && e->hint_node == p->id;
	case CIP_CATEGORY_SAME_ZONE:
		return is_ready(e) && e->hint_zone == p->id;
	case CIP_CATEGORY_TERMINATING:
		return is_serving_terminating(e);
	case CIP_CATEGORY_LOCAL:
		return is_ready(e) && e->node == p->id;
	default:
		return is_serving_terminating(e) && e->node == p->id;
	}
}

struct rr_slot {
	uint64_t key;
	uint32_t pos; /* the next position, below the list's n */
};

static _Thread_local struct rr_slot rr_cache[RR_CACHE];
static _Thread_local uint64_t thread_ordinal;
static _Thread_local uint64_t thread_rng;

static uint64_t this_thread(void)
{
	if (!thread_ordinal) {
		thread_ordinal = atomic_fetch_add_explicit(&next_thread, 1, memory_order_relaxed);
		thread_rng = thread_ordinal * GOLDEN_GAMMA;
	}
	return thread_ordinal;
}

/* This thread's next position in @p l: its own rotation. A rotation
 * starts at a random position, when the list is new to the thread and when
 * another list took its cache slot meanwhile (a thread that selects from
 * more lists than the cache holds): so threads spread, and lists that take
 * turns in one slot stay evenly spread instead of restarting at one place. */
static uint32_t per_thread_position(const struct cip__sel *s, const struct sel_list *l)
{
	uint64_t key = s->id << 32 | l->ordinal;
	uint64_t h = key * GOLDEN_GAMMA;
	struct rr_slot *slot = &rr_cache[h >> (64 - 8)];
	uint32_t pos;

	if (slot->key != key) {
		this_thread();
		slot->key = key;
		slot->pos = (uint32_t)cip__bounded_random(&thread_rng, l->n);
	}
	pos = slot->pos;
	slot->pos = pos + 1 == l->n ? 0 : pos + 1;
	return pos;
}

/* The hash of a connection's 5-tuple, Maglev's key. It has no seed, so
 * that every proxy sends a flow to the same backend. Computed only for
 * Maglev: the other policies do not look at it. */
static uint64_t flow_hash(const cip_select_request *req, const cip_addr *vip)
{
	uint64_t server = cip__table_vip_hash(vip, req->port, req->protocol);
	uint64_t client = cip__table_vip_hash(&req->client, req->client_port, 0);

	return cip__rmap_mix(server ^ client * GOLDEN_GAMMA);
}

/* The index of Maglev's choice among @p p's candidates: the table's slot
 * for the flow, or when its endpoint is not a candidate, the next slots of
 * a sequence that depends only on the flow (IPVS' mh-fallback). */
static uint32_t maglev_choice(const struct cip__sel *s, const cip_endpoint *eps,
			      const struct pick *p, uint64_t flow)
{
	uint64_t hi, lo;

	for (uint64_t k = 0; s->maglev && k < MAGLEV_PROBES; k++) {
		uint32_t idx = s->usable[cip__maglev_pick(s->maglev, flow + k * GOLDEN_GAMMA)];

		if (is_candidate(&eps[idx], p))
			return idx;
	}
	cip__mul64(flow, p->list->n, &hi, &lo);
	return p->list->idx[hi];
}

static uint32_t choose(const struct cip__sel *s, const cip_endpoint *eps, const struct pick *p,
		       const cip_select_request *req, const cip_addr *vip)
{
	const struct sel_list *l = p->list;
	uint64_t c;

	switch (s->policy) {
	case CIP_LB_ROUND_ROBIN_PER_THREAD:
		return l->idx[per_thread_position(s, l)];
	case CIP_LB_RANDOM:
		this_thread();
		return l->idx[cip__bounded_random(&thread_rng, l->n)];
	case CIP_LB_MAGLEV:
		return maglev_choice(s, eps, p, flow_hash(req, vip));
	case CIP_LB_WEIGHTED_ROUND_ROBIN:
		c = atomic_fetch_add_explicit(l->cursor, 1, memory_order_relaxed);
		return l->idx[l->schedule[cip__mod_reduce(c, l->schedule_len, l->schedule_magic)]];
	default:
		c = atomic_fetch_add_explicit(l->cursor, 1, memory_order_relaxed);
		return l->idx[cip__mod_reduce(c, l->n, l->n_magic)];
	}
}

static int has_client(const cip_select_request *req)
{
	return req->client.family != 0;
}

/* The client's affine backend, if it is still one of the candidates. */
static uint32_t affine(const struct cip__sel *s, const cip_endpoint *eps,
		       const cip_select_request *req, const struct pick *p)
{
	uint64_t key;
	uint32_t idx;

	if (!cip__affinity_get(s->affinity->map, &req->client, req->now, s->timeout_ns, &key))
		return UINT32_MAX;
	idx = key_find(s, key);
	return idx != UINT32_MAX && is_candidate(&eps[idx], p) ? idx : UINT32_MAX;
}

int cip__sel_choose(const struct cip__sel *s, const cip_endpoint *eps,
		    const cip_select_request *req, const cip_addr *vip, cip_backend *out)
{
	struct pick p;
	uint32_t idx = UINT32_MAX;
	uint8_t flags = 0;
	int rc = s ? categorize(s, req, &p) : CIP_ENOBACKEND;
	int sticky = rc == 0 && s->affinity && has_client(req);

	if (rc)
		return rc;
	if (sticky && !(req->flags & CIP_SELECT_RESET_AFFINITY))
		idx = affine(s, eps, req, &p);
	if (idx != UINT32_MAX) {
		flags = CIP_BACKEND_AFFINITY;
	} else {
		idx = choose(s, eps, &p, req, vip);
		if (sticky)
			cip__affinity_put(s->affinity->map, &req->client, s->keys[idx], req->now,
					  s->timeout_ns);
	}
	memset(out, 0, sizeof(*out));
	out->addr = eps[idx].addr;
	out->port = eps[idx].port;
	out->category = p.category;
	out->flags = flags;
	out->index = idx;
	out->node = eps[idx].node;
	out->zone = eps[idx].zone;
	out->weight = s->weights[idx];
	out->generation = s->generation;
	return 0;
}

size_t cip__sel_expire(const struct cip__sel *s, uint64_t now)
{
	return s && s->affinity ? cip__affinity_expire(s->affinity->map, now, s->timeout_ns) : 0;
}

size_t cip__sel_affinity_count(const struct cip__sel *s, uint64_t now)
{
	return s && s->affinity ? cip__affinity_count(s->affinity->map, now, s->timeout_ns) : 0;
}

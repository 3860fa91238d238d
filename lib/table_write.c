/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_table writers: services, pods and explicit endpoints (see
 * table_priv.h). Every writer takes the table's lock, works on its private
 * state, builds what readers will see, and publishes it by release stores;
 * whatever it replaces is retired through the epoch domain.
 *
 * All or nothing. A writer first does everything that can fail —
 * validation, allocations from the pool and cip_ports, memory for the new
 * version and index entries (with room reserved in the indexes) — and only
 * then changes what readers see. On failure it undoes its own allocations
 * (releasing addresses and ports with CIP_RELEASE_NOW: they were never
 * handed out) and leaves everything as it was.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdlib.h>
#include <string.h>

#include "addr_priv.h"
#include "opts.h"
#include "table_priv.h"

#define UNSET_PORT 0

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */
/* ------------------------------------------------------------------ */

static void copy_name(char *dst, size_t cap, const char *src)
{
	size_t len = src ? strnlen(src, cap - 1) : 0;

	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

static int same_addr(const cip_addr *a, const cip_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Generations: a writer takes the next ones while it builds and commits
 * the last it used once it has published (writers are serialized). */
static uint64_t generation_peek(const cip_table *t)
{
	return atomic_load_explicit(&t->generation, memory_order_relaxed);
}

static void generation_commit(cip_table *t, uint64_t g)
{
	atomic_store_explicit(&t->generation, g, memory_order_release);
}

static void free_labels(struct w_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(labels[i].key);
		free(labels[i].value);
	}
	free(labels);
}

static char *dup_text(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = malloc(len);

	if (d)
		memcpy(d, s, len);
	return d;
}

static int copy_labels(const cip_label *src, size_t n, struct w_label **out)
{
	struct w_label *l = n ? calloc(n, sizeof(*l)) : NULL;

	if (n && !l)
		return CIP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		l[i].key = dup_text(src[i].key);
		l[i].value = dup_text(src[i].value);
		if (!l[i].key || !l[i].value) {
			free_labels(l, n);
			return CIP_ENOMEM;
		}
	}
	*out = l;
	return 0;
}

static int copy_named_ports(const cip_named_port *src, size_t n, struct w_named_port **out)
{
	struct w_named_port *p = n ? calloc(n, sizeof(*p)) : NULL;

	if (n && !p)
		return CIP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		copy_name(p[i].name, sizeof(p[i].name), src[i].name);
		p[i].protocol = (uint8_t)(src[i].protocol ? src[i].protocol : CIP_PROTO_TCP);
		p[i].port = src[i].port;
	}
	*out = p;
	return 0;
}

/*
 * A writer's critical section: the writer lock, and the table's sequence
 * count odd while it lasts, so that a reader that gathers several entries
 * (a PTR answer) can tell that no write overlapped it.
 */
static void write_begin(cip_table *t)
{
	pthread_mutex_lock(&t->lock);
	atomic_fetch_add(&t->seq, 1);
}

static void write_end(cip_table *t)
{
	atomic_fetch_add(&t->seq, 1);
	pthread_mutex_unlock(&t->lock);
}

static void retire_plain(struct cip__epoch_node *node)
{
	free(node); /* every retired object has its node first */
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                         */
/* ------------------------------------------------------------------ */

static int ns_has_name(const void *value, const void *key)
{
	return strcmp(((const struct ns_w *)value)->name, key) == 0;
}

static uint64_t ns_hash(const char *ns)
{
	return cip__rmap_mix(cip__rmap_hash_bytes(CIP__RMAP_HASH_INIT, ns, strlen(ns)));
}

static struct ns_w *ns_find(cip_table *t, const char *ns)
{
	return cip__rmap_find(&t->namespaces, ns_hash(ns), ns, ns_has_name);
}

static struct ns_w *ns_get(cip_table *t, const char *ns)
{
	struct ns_w *n = ns_find(t, ns);

	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->hash = ns_hash(ns);
	copy_name(n->name, sizeof(n->name), ns);
	if (cip__rmap_insert(&t->namespaces, n->hash, n) != 0) {
		free(n);
		return NULL;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Selector terms                                                     */
/* ------------------------------------------------------------------ */

struct term_key {
	const struct ns_w *ns;
	const char *key;
	const char *value;
};

static uint64_t term_hash(const struct ns_w *ns, const char *key, const char *value)
{
	uint64_t h = cip__rmap_hash_bytes(ns->hash, key, strlen(key) + 1);

	return cip__rmap_mix(cip__rmap_hash_bytes(h, value, strlen(value)));
}

static int term_has_key(const void *value, const void *key)
{
	const struct term_w *t = value;
	const struct term_key *k = key;

	return t->ns == k->ns && strcmp(t->key, k->key) == 0 && strcmp(t->value, k->value) == 0;
}

static struct term_w *term_find(cip_table *t, const struct ns_w *ns, const char *key,
				const char *value)
{
	struct term_key k = { ns, key, value };

	return cip__rmap_find(&t->terms, term_hash(ns, key, value), &k, term_has_key);
}

void cip__table_term_destroy(struct term_w *term)
{
	if (!term)
		return;
	free(term->key);
	free(term->value);
	free(term);
}

/* The term of @p w's selector's first term, made if needed; NULL for a
 * service without a selector, or when out of memory (*rc set). Called
 * before a write commits, so that linking later cannot fail. */
static struct term_w *term_get(cip_table *t, const struct svc_w *w, int *rc)
{
	struct term_w *term;

	*rc = 0;
	if (!w->nselector)
		return NULL;
	term = term_find(t, w->ns, w->selector[0].key, w->selector[0].value);
	if (term)
		return term;
	term = calloc(1, sizeof(*term));
	if (term) {
		term->ns = w->ns;
		term->hash = term_hash(w->ns, w->selector[0].key, w->selector[0].value);
		term->key = dup_text(w->selector[0].key);
		term->value = dup_text(w->selector[0].value);
	}
	if (!term || !term->key || !term->value ||
	    cip__rmap_insert(&t->terms, term->hash, term) != 0) {
		cip__table_term_destroy(term);
		*rc = CIP_ENOMEM;
		return NULL;
	}
	return term;
}

static void term_link(struct svc_w *w, struct term_w *term)
{
	w->term = term;
	if (!term)
		return;
	w->term_prev = NULL;
	w->term_next = term->services;
	if (term->services)
		term->services->term_prev = w;
	term->services = w;
}

static void term_unlink(struct svc_w *w)
{
	if (!w->term)
		return;
	if (w->term_prev)
		w->term_prev->term_next = w->term_next;
	else
		w->term->services = w->term_next;
	if (w->term_next)
		w->term_next->term_prev = w->term_prev;
	w->term = NULL;
}

/* ------------------------------------------------------------------ */
/* Selectors and endpoints                                            */
/* ------------------------------------------------------------------ */

static int pod_matches(const struct pod_w *pod, const struct svc_w *w)
{
	if (!w->nselector)
		return 0;
	for (size_t i = 0; i < w->nselector; i++) {
		size_t j = 0;

		while (j < pod->nlabels && strcmp(pod->labels[j].key, w->selector[i].key) != 0)
			j++;
		if (j == pod->nlabels || strcmp(pod->labels[j].value, w->selector[i].value) != 0)
			return 0;
	}
	return 1;
}

/* Which families a service's endpoints are of: those of its ClusterIPs, or
 * for a headless service those its policy asks for. Bit 0 IPv4, bit 1 IPv6. */
static unsigned families(const cip_table *t, const struct svc_w *w)
{
	unsigned f = 0;

	for (size_t i = 0; i < w->nips; i++)
		f |= w->ips[i].family == CIP_FAMILY_IPV4 ? 1u : 2u;
	if (w->headless)
		f = w->policy == CIP_SINGLE_STACK ? (t->primary_family == CIP_FAMILY_IPV4 ? 1u : 2u)
						  : 3u;
	return f;
}

/* An address of a version being built, with the pod it came from (NULL
 * for an explicit endpoint). */
struct cand {
	struct ep_addr a;
	const struct pod_w *owner;
};

/* What a version is built from: distinct addresses, sorted, then refs
 * grouped by port. */
struct build {
	struct cand *cands;
	size_t naddrs, cap_addrs;
	struct ep_ref *refs;
	size_t nrefs, cap_refs;
	uint32_t *first; /* nports + 1 */
	int matched, with_ip, port_found;
};

static void build_free(struct build *b)
{
	free(b->cands);
	free(b->refs);
	free(b->first);
}

static int push_addr(struct build *b, const struct ep_addr *a, const struct pod_w *owner)
{
	if (b->naddrs == b->cap_addrs) {
		size_t cap = b->cap_addrs ? 2 * b->cap_addrs : 16;
		struct cand *n = realloc(b->cands, cap * sizeof(*n));

		if (!n)
			return CIP_ENOMEM;
		b->cands = n;
		b->cap_addrs = cap;
	}
	b->cands[b->naddrs].a = *a;
	b->cands[b->naddrs++].owner = owner;
	return 0;
}

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->a.addr.family != b->a.addr.family)
		return a->a.addr.family < b->a.addr.family ? -1 : 1;
	return memcmp(a->a.addr.bytes, b->a.addr.bytes, sizeof(a->a.addr.bytes));
}

static int push_ref(struct build *b, uint32_t addr, uint16_t port)
{
	if (b->nrefs == b->cap_refs) {
		size_t cap = b->cap_refs ? 2 * b->cap_refs : 16;
		struct ep_ref *n = realloc(b->refs, cap * sizeof(*n));

		if (!n)
			return CIP_ENOMEM;
		b->refs = n;
		b->cap_refs = cap;
	}
	b->refs[b->nrefs].addr = addr;
	b->refs[b->nrefs].port = port;
	b->nrefs++;
	return 0;
}

/* The target port of service port @p p on @p pod; 0 if the pod has no
 * container port of that name and protocol. */
static uint16_t pod_target(const struct pod_w *pod, const struct w_port *p)
{
	if (!p->target_name[0])
		return p->target_port ? p->target_port : p->port;
	for (size_t i = 0; i < pod->nports; i++)
		if (pod->ports[i].protocol == p->protocol &&
		    strcmp(pod->ports[i].name, p->target_name) == 0)
			return pod->ports[i].port;
	return 0;
}

/* The port of explicit endpoints for service port @p p: the slice port
 * with the same name and protocol; 0 if none. */
static uint16_t slice_port(const struct svc_w *w, const struct w_port *p)
{
	for (size_t i = 0; i < w->nep_ports; i++)
		if (strcmp(w->ep_ports[i].name, p->name) == 0 &&
		    w->ep_ports[i].protocol == p->protocol)
			return w->ep_ports[i].port;
	return 0;
}

/* The addresses of the pods @p w selects, of the service's families. */
static int collect_pods(const cip_table *t, const struct svc_w *w, struct build *b)
{
	unsigned fam = families(t, w);

	for (const struct pod_w *pod = w->ns->pods; pod; pod = pod->next) {
		if (!pod_matches(pod, w))
			continue;
		b->matched = 1;
		for (size_t k = 0; k < pod->nips; k++) {
			struct ep_addr a;

			if (!(fam & (pod->ips[k].family == CIP_FAMILY_IPV4 ? 1u : 2u)))
				continue;
			b->with_ip = 1;
			memset(&a, 0, sizeof(a));
			a.addr = pod->ips[k];
			a.conditions = pod->conditions;
			a.node = pod->node;
			a.zone = pod->zone;
			a.hostname = pod->hostname;
			a.weight = pod->weight;
			/* The hints the EndpointSlice controller gives by
			 * trafficDistribution: the endpoint's own place. */
			if (w->distribution >= CIP_DISTRIBUTION_SAME_ZONE)
				a.hint_zone = pod->zone;
			if (w->distribution == CIP_DISTRIBUTION_SAME_NODE)
				a.hint_node = pod->node;
			if (push_addr(b, &a, pod) != 0)
				return CIP_ENOMEM;
		}
	}
	return 0;
}

static int collect_explicit(const struct svc_w *w, struct build *b)
{
	for (size_t k = 0; k < w->neps; k++) {
		const struct w_endpoint *e = &w->eps[k];
		struct ep_addr a;

		memset(&a, 0, sizeof(a));
		a.addr = e->addr;
		a.conditions = e->conditions;
		a.node = e->node;
		a.zone = e->zone;
		a.hint_zone = e->hint_zone;
		a.hint_node = e->hint_node;
		a.hostname = e->hostname;
		a.weight = e->weight;
		if (push_addr(b, &a, NULL) != 0)
			return CIP_ENOMEM;
	}
	return 0;
}

/* Groups refs by port: port i's endpoints are the addresses on which it
 * resolves. */
static int collect_refs(const struct svc_w *w, struct build *b)
{
	/* Sorted by address: stable answers, whatever the order of changes. */
	if (b->naddrs > 1)
		qsort(b->cands, b->naddrs, sizeof(*b->cands), cand_cmp);
	b->first = malloc((w->nports + 1) * sizeof(*b->first));
	if (!b->first)
		return CIP_ENOMEM;
	for (size_t i = 0; i < w->nports; i++) {
		b->first[i] = (uint32_t)b->nrefs;
		for (size_t k = 0; k < b->naddrs; k++) {
			uint16_t port = b->cands[k].owner
						? pod_target(b->cands[k].owner, &w->ports[i])
						: slice_port(w, &w->ports[i]);

			if (port == 0)
				continue;
			b->port_found = 1;
			if (push_ref(b, (uint32_t)k, port) != 0)
				return CIP_ENOMEM;
		}
	}
	b->first[w->nports] = (uint32_t)b->nrefs;
	return 0;
}

static int reason_of(const struct svc_w *w, const struct build *b)
{
	if (w->type == CIP_SERVICE_EXTERNAL_NAME)
		return CIP_EPS_EXTERNAL_NAME;
	if (!w->nselector && !w->neps)
		return CIP_EPS_NO_SELECTOR;
	if (w->nselector && !b->matched)
		return CIP_EPS_NO_MATCHING_POD;
	if (w->nselector && !b->with_ip)
		return CIP_EPS_NO_POD_IP;
	if (w->nports && !b->port_found)
		return CIP_EPS_NO_NAMED_PORT;
	/* Ready endpoints of some port: a ready pod without the named target
	 * port serves none of them. A service without ports (headless) is
	 * served by its ready addresses. */
	for (size_t r = 0; w->nports && r < b->nrefs; r++)
		if (b->cands[b->refs[r].addr].a.conditions & CIP_EP_READY)
			return CIP_EPS_OK;
	for (size_t i = 0; !w->nports && i < b->naddrs; i++)
		if (b->cands[i].a.conditions & CIP_EP_READY)
			return CIP_EPS_OK;
	return CIP_EPS_NONE_READY;
}

/* ------------------------------------------------------------------ */
/* Versions                                                           */
/* ------------------------------------------------------------------ */

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void fill_info(const struct svc_w *w, cip_service_info *info)
{
	memset(info, 0, sizeof(*info));
	copy_name(info->ns, sizeof(info->ns), w->ns->name);
	copy_name(info->name, sizeof(info->name), w->slot->name);
	copy_name(info->external_name, sizeof(info->external_name), w->external_name);
	info->type = w->type;
	info->headless = w->headless;
	info->ncluster_ips = (uint8_t)w->nips;
	info->has_selector = w->nselector > 0;
	for (size_t i = 0; i < w->nips; i++)
		info->cluster_ips[i] = w->ips[i];
	info->ip_family_policy = w->policy;
	info->session_affinity = w->affinity;
	info->internal_traffic_policy = w->traffic;
	info->publish_not_ready_addresses = w->publish_not_ready;
	info->traffic_distribution = w->distribution;
	info->affinity_timeout = w->timeout;
	info->nports = (uint32_t)w->nports;
	info->generation = w->generation;
}

static void fill_port(const struct w_port *p, size_t i, const struct build *b,
		      cip_service_port_info *out)
{
	memset(out, 0, sizeof(*out));
	copy_name(out->name, sizeof(out->name), p->name);
	copy_name(out->target_port_name, sizeof(out->target_port_name), p->target_name);
	out->port = p->port;
	out->target_port = p->target_name[0] ? 0 : (p->target_port ? p->target_port : p->port);
	out->node_port = p->node_port;
	out->protocol = p->protocol;
	out->nendpoints = b->first[i + 1] - b->first[i];
	out->index = (uint32_t)i;
}

static int served_addr(const struct svc_w *w, const struct ep_addr *a)
{
	return (a->conditions & CIP_EP_READY) || w->publish_not_ready;
}

/* The lookup records of @p w: one per (ClusterIP, port) and per node
 * port. */
static size_t count_records(const struct svc_w *w)
{
	size_t n = w->nports * w->nips;

	for (size_t i = 0; i < w->nports; i++)
		n += w->ports[i].node_port != 0;
	return n;
}

/* The bytes of @p w's lookup records (@p b gives each port's endpoints). */
static size_t records_size(const struct svc_w *w, const struct build *b)
{
	size_t size = 0;

	for (size_t i = 0; i < w->nports; i++) {
		size_t copies = w->nips + (w->ports[i].node_port != 0);

		size += copies * cip__record_size(b->first[i + 1] - b->first[i]);
	}
	return size;
}

/* The address entries of @p w, for PTR: one per ClusterIP and per served
 * endpoint of a headless service. */
static size_t count_addr_entries(const struct svc_w *w, const struct build *b)
{
	size_t n = w->nips;

	for (size_t k = 0; w->headless && k < b->naddrs; k++)
		n += (size_t)served_addr(w, &b->cands[k].a);
	return n;
}

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

/* One allocation, 64-byte aligned, holding the version, its lookup records
 * and address entries (each record 64-byte aligned), the arrays the other
 * readers use and its info, in that order (see table_priv.h). */
static struct svc_ver *version_alloc(const struct svc_w *w, const struct build *b)
{
	size_t o_records = align64(sizeof(struct svc_ver));
	size_t o_addr_entries = o_records + records_size(w, b);
	size_t o_first = o_addr_entries + count_addr_entries(w, b) * sizeof(struct ix_entry);
	size_t o_refs = o_first + align8((w->nports + 1) * sizeof(uint32_t));
	size_t o_addrs = o_refs + align8(b->nrefs * sizeof(struct ep_ref));
	size_t o_ports = o_addrs + align8(b->naddrs * sizeof(struct ep_addr));
	size_t o_info = o_ports + align8(w->nports * sizeof(cip_service_port_info));
	size_t o_sels = o_info + align8(sizeof(cip_service_info));
	size_t size = align64(o_sels + 2 * w->nports * sizeof(struct cip__sel *));
	char *mem = aligned_alloc(64, size);
	struct svc_ver *v = (struct svc_ver *)(void *)mem;

	if (!mem)
		return NULL;
	memset(mem, 0, size);
	v->ports = (cip_service_port_info *)(void *)(mem + o_ports);
	v->first = (uint32_t *)(void *)(mem + o_first);
	v->refs = (struct ep_ref *)(void *)(mem + o_refs);
	v->addrs = (struct ep_addr *)(void *)(mem + o_addrs);
	v->records = (struct ix_entry *)(void *)(mem + o_records);
	v->addr_entries = (struct ix_entry *)(void *)(mem + o_addr_entries);
	v->info = (cip_service_info *)(void *)(mem + o_info);
	v->sels = (struct cip__sel **)(void *)(mem + o_sels);
	v->slot = w->slot;
	return v;
}

/* The entry after @p e in @p v (its records, then its address entries), or
 * NULL after the last. */
static struct ix_entry *entry_next(const struct svc_ver *v, struct ix_entry *e)
{
	if (e->kind != IX_ADDR) {
		e = (struct ix_entry *)(void *)((char *)e + cip__record_size(e->neps));
		if (e != v->addr_entries)
			return e;
		return v->naddr_entries ? v->addr_entries : NULL;
	}
	return e + 1 < v->addr_entries + v->naddr_entries ? e + 1 : NULL;
}

/* The first entry of @p v, or NULL if it has none. */
static struct ix_entry *entry_first(const struct svc_ver *v)
{
	if (v->nrecords)
		return v->records;
	return v->naddr_entries ? v->addr_entries : NULL;
}

/* The names of port @p p into the entry @p e, when both fit. */
static void record_names(struct ix_entry *e, const struct w_port *p)
{
	size_t name = strlen(p->name), target = strlen(p->target_name);

	if (name + target > ENTRY_NAMES) {
		e->name_len = NAMES_ELSEWHERE;
		return;
	}
	e->name_len = (uint8_t)name;
	e->target_len = (uint8_t)target;
	memcpy(e->names, p->name, name);
	memcpy(e->names + name, p->target_name, target);
}

/* Fills the lookup record at @p e for port @p i of @p v (@p wp as given)
 * under @p vip (NULL: the node port). @return the record after it. */
static struct ix_entry *record_fill(struct ix_entry *e, struct svc_ver *v, size_t i,
				    const struct w_port *wp, const cip_addr *vip)
{
	const cip_service_port_info *p = &v->ports[i];
	cip_endpoint *eps = (cip_endpoint *)(void *)(e + 1);

	e->protocol = p->protocol;
	e->port_index = (uint32_t)i;
	e->ver = v;
	e->kind = vip ? IX_VIP : IX_NODE_PORT;
	if (vip)
		e->vip = *vip;
	e->port = vip ? p->port : p->node_port;
	e->svc_port = p->port;
	e->target_port = p->target_port;
	e->node_port = p->node_port;
	e->neps = p->nendpoints;
	record_names(e, wp);
	for (uint32_t k = 0; k < e->neps; k++) {
		const struct ep_ref *r = &v->refs[v->first[i] + k];

		eps[k] = cip__endpoint_of(&v->addrs[r->addr], r->port);
	}
	memcpy(eps + e->neps, &v->sels[cip__sel_slot(i, CIP_FAMILY_IPV4)], 2 * sizeof(v->sels[0]));
	return (struct ix_entry *)(void *)((char *)e + cip__record_size(e->neps));
}

/* An address entry: a ClusterIP (@p index UINT32_MAX) or endpoint @p index. */
static void addr_entry_fill(struct ix_entry *e, struct svc_ver *v, const cip_addr *addr,
			    uint32_t index)
{
	e->kind = IX_ADDR;
	e->vip = *addr;
	e->port_index = index;
	e->ver = v;
}

static void version_entries(struct svc_ver *v, const struct svc_w *w)
{
	struct ix_entry *e = v->records;
	uint32_t n = 0;

	for (size_t i = 0; i < w->nports; i++) {
		for (size_t k = 0; k < w->nips; k++)
			e = record_fill(e, v, i, &w->ports[i], &w->ips[k]);
		if (w->ports[i].node_port)
			e = record_fill(e, v, i, &w->ports[i], NULL);
	}
	v->nrecords = (uint32_t)count_records(w);
	for (size_t k = 0; k < w->nips; k++)
		addr_entry_fill(&v->addr_entries[n++], v, &w->ips[k], UINT32_MAX);
	for (uint32_t k = 0; w->headless && k < v->info->nendpoints; k++)
		if (served_addr(w, &v->addrs[k]))
			addr_entry_fill(&v->addr_entries[n++], v, &v->addrs[k].addr, k);
	v->naddr_entries = n;
}

static struct cip__sel_config sel_config(const cip_table *t, const struct svc_w *w)
{
	struct cip__sel_config c;

	memset(&c, 0, sizeof(c));
	c.policy = w->lb_policy ? w->lb_policy : t->lb_policy;
	c.local = w->traffic == CIP_TRAFFIC_LOCAL;
	c.maglev_size = t->maglev_size;
	c.affinity_capacity = t->affinity_capacity;
	if (w->affinity == CIP_AFFINITY_CLIENT_IP)
		c.timeout_ns = (uint64_t)w->timeout * UINT64_C(1000000000);
	c.generation = w->generation;
	return c;
}

/* The selection state for @p family of the port of @p old that is @p p
 * (same protocol, port and name), or NULL. */
static struct cip__sel *previous_sel(const struct svc_ver *old, const struct w_port *p, int family)
{
	for (uint32_t j = 0; old && j < old->info->nports; j++)
		if (old->ports[j].protocol == p->protocol && old->ports[j].port == p->port &&
		    strcmp(old->ports[j].name, p->name) == 0)
			return old->sels[cip__sel_slot(j, family)];
	return NULL;
}

static void sels_release(struct svc_ver *v, size_t nports)
{
	for (size_t i = 0; i < 2 * nports; i++)
		cip__sel_release(v->sels[i]);
}

/* Frees a version that no reader can see, with its share of the ports'
 * selection states. */
static void version_free(struct svc_ver *v)
{
	if (v)
		sels_release(v, v->info->nports);
	free(v);
}

static void retire_version(struct cip__epoch_node *node)
{
	version_free((struct svc_ver *)(void *)node); /* the node is the first member */
}

/* Port @p i's endpoints (and their weights) of @p v, as its lookup records
 * hold them. */
static void port_endpoints(const struct svc_ver *v, size_t i, cip_endpoint *eps, uint32_t *weights)
{
	for (uint32_t k = v->first[i]; k < v->first[i + 1]; k++) {
		const struct ep_ref *r = &v->refs[k];

		eps[k - v->first[i]] = cip__endpoint_of(&v->addrs[r->addr], r->port);
		weights[k - v->first[i]] = v->addrs[r->addr].weight;
	}
}

/* Each port's selection states, one per family of the service's
 * ClusterIPs, each the one of the version @p w has now when nothing
 * changed for the port in that family. @return 0; CIP_ENOMEM (none
 * built). */
static int version_sels(cip_table *t, const struct svc_w *w, struct svc_ver *v)
{
	const struct svc_ver *old = atomic_load_explicit(&w->slot->cur, memory_order_relaxed);
	struct cip__sel_config cfg = sel_config(t, w);
	size_t most = 1;
	cip_endpoint *eps;
	uint32_t *weights;
	int rc = 0;

	for (size_t i = 0; i < w->nports; i++)
		if (v->first[i + 1] - v->first[i] > most)
			most = v->first[i + 1] - v->first[i];
	eps = malloc(most * sizeof(*eps));
	weights = malloc(most * sizeof(*weights));
	if (!eps || !weights)
		rc = CIP_ENOMEM;
	for (size_t i = 0; i < w->nports && rc == 0; i++) {
		port_endpoints(v, i, eps, weights);
		/* A state for each family a lookup record reaches the port by:
		 * its ClusterIPs' (two at most, of different families). */
		for (size_t k = 0; k < w->nips && rc == 0; k++) {
			cfg.family = w->ips[k].family;
			rc = cip__sel_build(&cfg, eps, weights, v->first[i + 1] - v->first[i],
					    previous_sel(old, &w->ports[i], cfg.family), &t->rng,
					    &v->sels[cip__sel_slot(i, cfg.family)]);
		}
	}
	free(eps);
	free(weights);
	if (rc)
		sels_release(v, w->nports);
	return rc;
}

/* Builds the version @p w describes now (its endpoints from the current
 * pods or explicit endpoints, its selection states, its index entries).
 * @return NULL when out of memory. */
static struct svc_ver *version_build(cip_table *t, const struct svc_w *w)
{
	struct build b;
	struct svc_ver *v = NULL;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	if (w->type != CIP_SERVICE_EXTERNAL_NAME)
		rc = w->nselector ? collect_pods(t, w, &b) : collect_explicit(w, &b);
	if (rc == 0)
		rc = collect_refs(w, &b);
	if (rc == 0)
		v = version_alloc(w, &b);
	if (v) {
		fill_info(w, v->info);
		v->info->nendpoints = (uint32_t)b.naddrs;
		for (size_t i = 0; i < w->nports; i++)
			fill_port(&w->ports[i], i, &b, &v->ports[i]);
		memcpy(v->first, b.first, (w->nports + 1) * sizeof(*b.first));
		if (b.nrefs)
			memcpy(v->refs, b.refs, b.nrefs * sizeof(*b.refs));
		for (size_t k = 0; k < b.naddrs; k++)
			v->addrs[k] = b.cands[k].a;
		if (version_sels(t, w, v) != 0) {
			free(v);
			v = NULL;
		}
	}
	if (v) {
		version_entries(v, w);
		v->reason = reason_of(w, &b);
	}
	build_free(&b);
	return v;
}

static struct cip__rmap *index_of(cip_table *t, const struct ix_entry *e)
{
	return e->kind == IX_VIP	 ? &t->by_vip
	       : e->kind == IX_NODE_PORT ? &t->by_node_port
					 : &t->by_addr;
}

/* Removes whatever of @p v's entries is still indexed. */
static void entries_remove(cip_table *t, const struct svc_ver *v)
{
	for (struct ix_entry *e = entry_first(v); e; e = entry_next(v, e))
		cip__rmap_remove(index_of(t, e), cip__table_entry_hash(e), e);
}

static struct ix_entry *indexed(cip_table *t, const struct ix_entry *key)
{
	return cip__rmap_find(index_of(t, key), cip__table_entry_hash(key), key,
			      cip__table_entry_has_key);
}

/* The entry of the same service under the same key (the address index
 * may hold several services' entries under one key). */
static int same_key_and_owner(const void *value, const void *key)
{
	return cip__table_entry_has_key(value, key) &&
	       ((const struct ix_entry *)value)->ver->slot ==
		       ((const struct ix_entry *)key)->ver->slot;
}

/* Another service already owns one of @p v's port keys (addresses may be
 * shared: a pod in two headless services). */
static int entries_conflict(cip_table *t, const struct svc_ver *v, cip_spec_error *err)
{
	for (struct ix_entry *e = entry_first(v); e && e->kind != IX_ADDR; e = entry_next(v, e)) {
		const struct ix_entry *o = indexed(t, e);

		if (o && o->ver->slot != v->slot)
			return cip__table_fail(
				err, CIP_EALLOCATED,
				e->kind == IX_VIP ? CIP_FIELD_CLUSTER_IPS : CIP_FIELD_NODE_PORT,
				e->port_index, 0, "spec: %u/%u is used by %s/%s", e->port,
				e->protocol, o->ver->slot->ns, o->ver->slot->name);
	}
	return 0;
}

/* Room in the indexes for every entry of @p v, so that publishing it
 * cannot fail. */
static int entries_reserve(cip_table *t, const struct svc_ver *v)
{
	size_t n[3] = { 0, 0, 0 };

	for (struct ix_entry *e = entry_first(v); e; e = entry_next(v, e))
		n[e->kind]++;
	if (cip__rmap_reserve(&t->by_vip, n[IX_VIP]) ||
	    cip__rmap_reserve(&t->by_node_port, n[IX_NODE_PORT]) ||
	    cip__rmap_reserve(&t->by_addr, n[IX_ADDR]))
		return CIP_ENOMEM;
	return 0;
}

/* Moves the indexes from @p old's entries (NULL: none) to @p v's. A key the
 * service has in both is switched in place, so that a reader finds the old
 * version or the new one, never neither, and never the old one again once
 * it found the new; keys that come are added, and then whatever of @p old
 * is still indexed (keys that go) is removed. */
static void entries_swap(cip_table *t, const struct svc_ver *old, struct svc_ver *v)
{
	for (struct ix_entry *e = entry_first(v); e; e = entry_next(v, e)) {
		uint64_t hash = cip__table_entry_hash(e);
		struct ix_entry *o = cip__rmap_find(index_of(t, e), hash, e, same_key_and_owner);

		if (o)
			cip__rmap_replace(index_of(t, e), hash, o, e);
		else
			cip__rmap_insert(index_of(t, e), hash, e); /* room reserved */
	}
	if (old)
		entries_remove(t, old);
}

/* Publishes @p v as @p w's version (its index entries included) and
 * retires the previous one. */
static void publish(cip_table *t, struct svc_w *w, struct svc_ver *v)
{
	struct svc_ver *old = atomic_load_explicit(&w->slot->cur, memory_order_relaxed);

	atomic_store_explicit(&w->slot->cur, v, memory_order_release);
	for (uint32_t i = 0; i < 2 * v->info->nports; i++)
		cip__sel_publish(v->sels[i]);
	entries_swap(t, old, v);
	if (old)
		cip__epoch_retire(&t->epoch, &old->node, retire_version);
}

/* ------------------------------------------------------------------ */
/* ClusterIPs and node ports                                          */
/* ------------------------------------------------------------------ */

/* What a create or update allocated, to undo on failure. */
struct grants {
	cip_addr ips[2];
	size_t nips;
	uint16_t node_ports[CIP_TABLE_MAX_PORTS];
	size_t nnode_ports;
};

static void grants_undo(cip_table *t, const struct grants *g)
{
	for (size_t i = 0; i < g->nips; i++)
		cip_pool_release(t->pool, &g->ips[i], 0, CIP_RELEASE_NOW);
	for (size_t i = 0; i < g->nnode_ports; i++)
		cip_ports_release(t->node_ports, g->node_ports[i], 0, CIP_RELEASE_NOW);
}

static int other_family(int family)
{
	return family == CIP_FAMILY_IPV4 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
}

/* Takes requested ClusterIP @p a: from the pool if the table has one. */
static int take_ip(cip_table *t, const cip_addr *a, struct grants *g)
{
	int rc;

	if (!t->pool)
		return 0;
	rc = cip_pool_allocate(t->pool, a, 0);
	if (rc == 0)
		g->ips[g->nips++] = *a;
	return rc;
}

/* A ClusterIP of the other family for a dual-stack policy, next to
 * w->ips[0]. PreferDualStack does without when the pool has no range of
 * that family. */
static int add_secondary(cip_table *t, struct svc_w *w, uint64_t now, struct grants *g,
			 cip_spec_error *err)
{
	cip_addr a;
	int rc = t->pool ? cip_pool_allocate_next(t->pool, other_family(w->ips[0].family), now, 0,
						  &a)
			 : CIP_EUNSUPPORTED;

	if (rc == CIP_EFAMILY && w->policy == CIP_PREFER_DUAL_STACK)
		return 0;
	if (rc)
		return cip__table_fail(err, rc, CIP_FIELD_CLUSTER_IPS, 1, 0,
				       "spec.clusterIPs[1]: %s", cip_strerror(rc));
	g->ips[g->nips++] = a;
	w->ips[w->nips++] = a;
	return 0;
}

/* The ClusterIPs of a new service (or of one that had none): requested
 * ones specifically, the rest by policy. Fills w->ips. */
static int assign_ips(cip_table *t, struct svc_w *w, const cip_service_spec *s, uint64_t now,
		      struct grants *g, cip_spec_error *err)
{
	int rc = 0;

	w->nips = 0;
	if (w->headless || w->type == CIP_SERVICE_EXTERNAL_NAME)
		return 0;
	for (size_t i = 0; i < s->ncluster_ips && rc == 0; i++) {
		rc = take_ip(t, &s->cluster_ips[i], g);
		if (rc == 0)
			w->ips[w->nips++] = s->cluster_ips[i];
	}
	if (rc)
		return cip__table_fail(err, rc, CIP_FIELD_CLUSTER_IPS, w->nips, 0,
				       "spec.clusterIPs[%zu]: %s", w->nips, cip_strerror(rc));
	if (w->nips == 2 || (w->nips == 1 && w->policy == CIP_SINGLE_STACK))
		return 0;
	if (w->nips == 1)
		return add_secondary(t, w, now, g, err);
	if (!t->pool)
		return cip__table_fail(err, CIP_EUNSUPPORTED, CIP_FIELD_CLUSTER_IPS, 0, 0,
				       "spec.clusterIPs: no pool to allocate from");
	rc = cip_pool_allocate_pair(t->pool, w->policy, t->primary_family, now, 0, w->ips,
				    &w->nips);
	for (size_t i = 0; rc == 0 && i < w->nips; i++)
		g->ips[g->nips++] = w->ips[i];
	if (rc) {
		w->nips = 0;
		return cip__table_fail(err, rc, CIP_FIELD_CLUSTER_IPS, 0, 0, "spec.clusterIPs: %s",
				       cip_strerror(rc));
	}
	return 0;
}

static int wants_node_ports(const struct svc_w *w)
{
	return w->type == CIP_SERVICE_NODE_PORT || w->type == CIP_SERVICE_LOAD_BALANCER;
}

/* The node port a port of the previous spec had, for keeping it. */
static uint16_t previous_node_port(const struct svc_w *old, const struct w_port *p)
{
	if (!old || !wants_node_ports(old))
		return 0;
	for (size_t i = 0; i < old->nports; i++)
		if (old->ports[i].protocol == p->protocol && old->ports[i].port == p->port)
			return old->ports[i].node_port;
	return 0;
}

/* Whether the service already holds node port @p np: @p old's ports, or
 * the ports of @p w before @p i (this operation). */
static int holds_node_port(const struct svc_w *old, const struct svc_w *w, size_t i, uint16_t np)
{
	for (size_t k = 0; old && wants_node_ports(old) && k < old->nports; k++)
		if (old->ports[k].node_port == np)
			return 1;
	for (size_t k = 0; k < i; k++)
		if (w->ports[k].node_port == np)
			return 1;
	return 0;
}

/* Whether a port of @p w other than @p i has node port @p np with @p i's
 * protocol (requested, or already given to an earlier port). */
static int node_port_taken(const struct svc_w *w, size_t i, uint16_t np)
{
	for (size_t k = 0; k < w->nports; k++)
		if (k != i && w->ports[k].node_port == np &&
		    w->ports[k].protocol == w->ports[i].protocol)
			return 1;
	return 0;
}

/* Node ports: requested ones specifically, kept ones as they were (unless
 * another port of the same protocol now asks for that number: (protocol,
 * node port) is unique in a service), the rest from the table's
 * cip_ports. */
static int assign_node_ports(cip_table *t, struct svc_w *w, const struct svc_w *old, uint64_t now,
			     struct grants *g, cip_spec_error *err)
{
	for (size_t i = 0; wants_node_ports(w) && i < w->nports; i++) {
		struct w_port *p = &w->ports[i];
		uint16_t kept = previous_node_port(old, p);
		uint32_t got = 0;
		int rc = 0;

		if (!p->node_port && kept && !node_port_taken(w, i, kept)) {
			p->node_port = kept;
			continue;
		}
		/* One number may serve a TCP and a UDP port of the service: it is
		 * allocated once, as Kubernetes does. */
		if (p->node_port && holds_node_port(old, w, i, p->node_port))
			continue;
		if (!t->node_ports && !p->node_port)
			rc = CIP_EUNSUPPORTED;
		else if (!t->node_ports)
			continue;
		else if (p->node_port)
			rc = cip_ports_allocate(t->node_ports, p->node_port, 0);
		else
			rc = cip_ports_allocate_next(t->node_ports, now, 0, &got);
		if (rc)
			return cip__table_fail(err, rc, CIP_FIELD_NODE_PORT, i, 0,
					       "spec.ports[%zu].nodePort: %s", i, cip_strerror(rc));
		if (!p->node_port)
			p->node_port = (uint16_t)got;
		g->node_ports[g->nnode_ports++] = p->node_port;
	}
	return 0;
}

/* Releases ClusterIP @p a into quarantine; at once if the quarantine
 * cannot record it for want of memory (a large range's quarantine state
 * may need some): the write cannot fail any more, and the address must
 * not stay allocated with no service holding it. */
static void release_ip(cip_table *t, const cip_addr *a, uint64_t now)
{
	if (cip_pool_release(t->pool, a, now, 0) == CIP_ENOMEM)
		cip_pool_release(t->pool, a, now, CIP_RELEASE_NOW);
}

/* Releases what @p old held and @p w no longer does (after a successful
 * update), or everything @p old held when @p w is NULL (delete). */
static void release_dropped(cip_table *t, const struct svc_w *old, const struct svc_w *w,
			    uint64_t now)
{
	for (size_t i = 0; t->pool && i < old->nips; i++) {
		int kept = 0;

		for (size_t j = 0; w && j < w->nips; j++)
			kept |= same_addr(&w->ips[j], &old->ips[i]);
		if (!kept)
			release_ip(t, &old->ips[i], now);
	}
	for (size_t i = 0; t->node_ports && wants_node_ports(old) && i < old->nports; i++) {
		int kept = 0;

		for (size_t j = 0; w && wants_node_ports(w) && j < w->nports; j++)
			kept |= w->ports[j].node_port == old->ports[i].node_port;
		if (!kept && old->ports[i].node_port)
			cip_ports_release(t->node_ports, old->ports[i].node_port, now, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Writer state of a service                                          */
/* ------------------------------------------------------------------ */

static void svc_w_free(struct svc_w *w)
{
	if (!w)
		return;
	free(w->ports);
	free_labels(w->selector, w->nselector);
	free(w->eps);
	free(w->ep_ports);
	free(w);
}

/* A writer state for spec @p s (not yet allocated, not yet indexed). */
static struct svc_w *svc_w_new(const cip_table *t, const cip_service_spec *s)
{
	struct svc_w *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->type = (uint8_t)(s->type ? s->type : CIP_SERVICE_CLUSTER_IP);
	w->headless = s->headless != 0;
	w->policy = (uint8_t)s->ip_family_policy;
	if (!w->policy && w->type != CIP_SERVICE_EXTERNAL_NAME)
		w->policy =
			(uint8_t)(s->ncluster_ips == 2 ? CIP_REQUIRE_DUAL_STACK : CIP_SINGLE_STACK);
	(void)t;
	w->affinity = (uint8_t)(s->session_affinity ? s->session_affinity : CIP_AFFINITY_NONE);
	if (w->affinity == CIP_AFFINITY_CLIENT_IP)
		w->timeout =
			s->affinity_timeout ? s->affinity_timeout : CIP_AFFINITY_TIMEOUT_DEFAULT;
	w->lb_policy = (uint8_t)s->lb_policy;
	w->traffic = (uint8_t)(s->internal_traffic_policy ? s->internal_traffic_policy
							  : CIP_TRAFFIC_CLUSTER);
	w->publish_not_ready = s->publish_not_ready_addresses != 0;
	w->distribution = (uint8_t)s->traffic_distribution;
	if (w->type == CIP_SERVICE_EXTERNAL_NAME) {
		copy_name(w->external_name, sizeof(w->external_name), s->external_name);
		size_t len = strlen(w->external_name);

		if (len > 1 && w->external_name[len - 1] == '.')
			w->external_name[len - 1] = '\0';
	}
	w->nports = s->nports;
	w->ports = s->nports ? calloc(s->nports, sizeof(*w->ports)) : NULL;
	if ((s->nports && !w->ports) || copy_labels(s->selector, s->nselector, &w->selector)) {
		svc_w_free(w);
		return NULL;
	}
	w->nselector = s->nselector;
	for (size_t i = 0; i < s->nports; i++) {
		const cip_service_port *p = &s->ports[i];

		copy_name(w->ports[i].name, CIP_NAME_CAP, p->name);
		copy_name(w->ports[i].target_name, CIP_NAME_CAP, p->target_port_name);
		w->ports[i].protocol = (uint8_t)(p->protocol ? p->protocol : CIP_PROTO_TCP);
		w->ports[i].port = p->port;
		w->ports[i].target_port = p->target_port;
		w->ports[i].node_port = p->node_port;
	}
	return w;
}

/* ------------------------------------------------------------------ */
/* Services                                                           */
/* ------------------------------------------------------------------ */

static void err_reset(cip_spec_error *err)
{
	if (err && err->sz >= sizeof(*err)) {
		size_t sz = err->sz;

		memset(err, 0, sizeof(*err));
		err->sz = sz;
	}
}

/* Copies the caller's spec over the defaults (the sz convention). */
static int spec_copy(cip_service_spec *dst, const cip_service_spec *src, cip_spec_error *err)
{
	int rc;

	cip_service_spec_init(dst, sizeof(*dst));
	rc = cip__opts_copy(dst, sizeof(*dst), src);
	if (rc)
		return cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "spec: unknown fields set");
	return 0;
}

static void ns_link(struct ns_w *ns, struct svc_w *w)
{
	w->ns = ns;
	w->prev = NULL;
	w->next = ns->services;
	if (ns->services)
		ns->services->prev = w;
	ns->services = w;
}

static void ns_unlink(struct svc_w *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		w->ns->services = w->next;
	if (w->next)
		w->next->prev = w->prev;
}

/* The first version of @p w, checked against the indexes and with room
 * reserved in them; on success everything is ready to publish. */
static int prepare(cip_table *t, struct svc_w *w, struct svc_ver **v, cip_spec_error *err)
{
	int rc;

	w->generation = generation_peek(t) + 1;
	*v = version_build(t, w);
	rc = *v ? entries_conflict(t, *v, err) : CIP_ENOMEM;
	if (rc == 0 && (cip__rmap_reserve(&t->by_name, 1) || entries_reserve(t, *v)))
		rc = CIP_ENOMEM;
	if (rc) {
		version_free(*v);
		*v = NULL;
		if (rc == CIP_ENOMEM)
			cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "out of memory");
	}
	return rc;
}

static int create_locked(cip_table *t, const cip_service_spec *s, uint64_t now, cip_spec_error *err)
{
	struct grants g = { .nips = 0 };
	struct svc_ver *v = NULL;
	struct term_w *term;
	struct svc_slot *slot;
	struct svc_w *w;
	struct ns_w *ns;
	int rc;

	if (cip__table_slot(t, s->ns, s->name))
		return cip__table_fail(err, CIP_EEXIST, CIP_FIELD_NAME, 0, 0,
				       "services \"%s\" already exists", s->name);
	ns = ns_get(t, s->ns);
	slot = calloc(1, sizeof(*slot));
	w = svc_w_new(t, s);
	if (!ns || !slot || !w) {
		free(slot);
		svc_w_free(w);
		return cip__table_fail(err, CIP_ENOMEM, CIP_FIELD_NONE, 0, 0, "out of memory");
	}
	copy_name(slot->ns, sizeof(slot->ns), s->ns);
	copy_name(slot->name, sizeof(slot->name), s->name);
	slot->hash = cip__table_key_hash(s->ns, s->name);
	slot->w = w;
	w->slot = slot;
	w->ns = ns;
	term = term_get(t, w, &rc);
	if (rc == 0)
		rc = assign_ips(t, w, s, now, &g, err);
	if (rc == 0)
		rc = assign_node_ports(t, w, NULL, now, &g, err);
	if (rc == 0)
		rc = prepare(t, w, &v, err);
	if (rc) {
		grants_undo(t, &g);
		svc_w_free(w);
		free(slot);
		return rc == CIP_ENOMEM
			       ? cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "out of memory")
			       : rc;
	}
	atomic_store_explicit(&slot->cur, v, memory_order_release);
	cip__rmap_insert(&t->by_name, slot->hash, slot); /* room reserved */
	entries_swap(t, NULL, v);
	ns_link(ns, w);
	term_link(w, term);
	generation_commit(t, w->generation);
	return 0;
}

/* Copies, validates and applies a service spec under the writer lock. */
static int
service_write(cip_table *t, const cip_service_spec *spec, uint64_t now, cip_spec_error *err,
	      int (*locked)(cip_table *, const cip_service_spec *, uint64_t, cip_spec_error *))
{
	cip_service_spec s;
	int rc;

	if (!t || !spec)
		return CIP_EINVAL;
	err_reset(err);
	rc = spec_copy(&s, spec, err);
	if (rc == 0)
		rc = cip__table_check_service(t, &s, err);
	if (rc)
		return rc;
	write_begin(t);
	rc = locked(t, &s, now, err);
	write_end(t);
	return rc;
}

int cip_table_service_create(cip_table *t, const cip_service_spec *spec, uint64_t now,
			     cip_spec_error *err)
{
	return service_write(t, spec, now, err, create_locked);
}

/* The ClusterIPs of an update: the old ones stay, a secondary may come or
 * go with the policy; a service that had none gets them as on create. */
static int update_ips(cip_table *t, struct svc_w *w, const struct svc_w *old,
		      const cip_service_spec *s, uint64_t now, struct grants *g,
		      cip_spec_error *err)
{
	if (w->headless != old->headless)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, 0, 0,
				       "spec.clusterIPs[0]: Invalid value: field is immutable");
	if (w->headless || w->type == CIP_SERVICE_EXTERNAL_NAME)
		return 0;
	if (old->nips == 0)
		return assign_ips(t, w, s, now, g, err);
	for (size_t i = 0; i < s->ncluster_ips && i < old->nips; i++)
		if (!same_addr(&s->cluster_ips[i], &old->ips[i]))
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, i, 0,
					       "spec.clusterIPs[%zu]: Invalid value: field is "
					       "immutable",
					       i);
	w->ips[0] = old->ips[0];
	w->nips = 1;
	if (w->policy == CIP_SINGLE_STACK) {
		if (s->ncluster_ips == 2)
			return cip__table_fail(
				err, CIP_ESPEC, CIP_FIELD_IP_FAMILY_POLICY, 0, 0,
				"spec.ipFamilyPolicy: Invalid value: \"SingleStack\"");
		return 0;
	}
	if (old->nips == 2) {
		w->ips[1] = old->ips[1];
		w->nips = 2;
		return 0;
	}
	if (s->ncluster_ips == 2) {
		int rc = take_ip(t, &s->cluster_ips[1], g);

		if (rc)
			return cip__table_fail(err, rc, CIP_FIELD_CLUSTER_IPS, 1, 0,
					       "spec.clusterIPs[1]: %s", cip_strerror(rc));
		w->ips[w->nips++] = s->cluster_ips[1];
		return 0;
	}
	return add_secondary(t, w, now, g, err);
}

/* Moves the explicit endpoints of @p from to @p to (an update keeps them
 * while the service has no selector). */
static void move_endpoints(struct svc_w *to, struct svc_w *from)
{
	to->eps = from->eps;
	to->neps = from->neps;
	to->ep_ports = from->ep_ports;
	to->nep_ports = from->nep_ports;
	from->eps = NULL;
	from->ep_ports = NULL;
	from->neps = from->nep_ports = 0;
}

static void ns_replace(struct svc_w *old, struct svc_w *w)
{
	w->ns = old->ns;
	w->prev = old->prev;
	w->next = old->next;
	if (w->prev)
		w->prev->next = w;
	else
		w->ns->services = w;
	if (w->next)
		w->next->prev = w;
}

static int update_locked(cip_table *t, const cip_service_spec *s, uint64_t now, cip_spec_error *err)
{
	struct svc_slot *slot = cip__table_slot(t, s->ns, s->name);
	struct grants g = { .nips = 0 };
	struct svc_ver *v = NULL;
	struct term_w *term = NULL;
	struct svc_w *w, *old;
	int rc;

	if (!slot)
		return cip__table_fail(err, CIP_ENOTFOUND, CIP_FIELD_NAME, 0, 0,
				       "services \"%s\" not found", s->name);
	old = slot->w;
	w = svc_w_new(t, s);
	if (!w)
		return cip__table_fail(err, CIP_ENOMEM, CIP_FIELD_NONE, 0, 0, "out of memory");
	if (!s->ip_family_policy && w->type != CIP_SERVICE_EXTERNAL_NAME && old->policy)
		w->policy = old->policy; /* the API keeps what was defaulted */
	w->slot = slot;
	w->ns = old->ns;
	if (!w->nselector)
		move_endpoints(w, old);
	rc = update_ips(t, w, old, s, now, &g, err);
	if (rc == 0)
		rc = assign_node_ports(t, w, old, now, &g, err);
	if (rc == 0)
		term = term_get(t, w, &rc);
	if (rc == 0)
		rc = prepare(t, w, &v, err);
	if (rc) {
		if (!w->nselector)
			move_endpoints(old, w);
		grants_undo(t, &g);
		svc_w_free(w);
		return rc == CIP_ENOMEM
			       ? cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "out of memory")
			       : rc;
	}
	publish(t, w, v);
	ns_replace(old, w);
	term_unlink(old);
	term_link(w, term);
	slot->w = w;
	release_dropped(t, old, w, now);
	svc_w_free(old);
	generation_commit(t, w->generation);
	return 0;
}

int cip_table_service_update(cip_table *t, const cip_service_spec *spec, uint64_t now,
			     cip_spec_error *err)
{
	return service_write(t, spec, now, err, update_locked);
}

static int name_arg_ok(const char *s)
{
	return s && *s && strnlen(s, CIP_SUBDOMAIN_CAP) < CIP_SUBDOMAIN_CAP;
}

int cip_table_service_delete(cip_table *t, const char *ns, const char *name, uint64_t now)
{
	struct svc_slot *slot;
	struct svc_w *w;

	if (!t || !name_arg_ok(ns) || !name_arg_ok(name))
		return CIP_EINVAL;
	write_begin(t);
	slot = cip__table_slot(t, ns, name);
	if (!slot) {
		write_end(t);
		return CIP_ENOTFOUND;
	}
	w = slot->w;
	cip__rmap_remove(&t->by_name, slot->hash, slot);
	entries_remove(t, atomic_load_explicit(&slot->cur, memory_order_relaxed));
	release_dropped(t, w, NULL, now);
	ns_unlink(w);
	term_unlink(w);
	cip__epoch_retire(&t->epoch, &atomic_load_explicit(&slot->cur, memory_order_relaxed)->node,
			  retire_version);
	cip__epoch_retire(&t->epoch, &slot->node, retire_plain);
	svc_w_free(w);
	generation_commit(t, generation_peek(t) + 1);
	write_end(t);
	return 0;
}

void cip__table_service_destroy(struct svc_slot *slot)
{
	version_free(atomic_load_explicit(&slot->cur, memory_order_relaxed));
	svc_w_free(slot->w);
	free(slot);
}

/* ------------------------------------------------------------------ */
/* Refreshing the services a change touches                           */
/* ------------------------------------------------------------------ */

/* New versions for the services of @p ns that @p touched says are
 * affected, built all before any is published (all or nothing). */
struct refresh {
	struct svc_w **svc;
	struct svc_ver **ver;
	size_t n;
};

static void refresh_abort(struct refresh *r)
{
	for (size_t i = 0; i < r->n; i++)
		version_free(r->ver[i]);
	free(r->svc);
	free(r->ver);
}

static int affected(const struct svc_w *w, const struct pod_w *a, const struct pod_w *b)
{
	return (a && pod_matches(a, w)) || (b && pod_matches(b, w));
}

/* Calls @p fn on every service that pod @p a or @p b may match, once each:
 * those of the terms of their labels. */
static void each_candidate(cip_table *t, struct ns_w *ns, const struct pod_w *a,
			   const struct pod_w *b, void (*fn)(struct svc_w *w, void *ctx), void *ctx)
{
	const struct pod_w *pods[2] = { a, b };
	uint64_t stamp = ++t->stamp;

	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; pods[p] && i < pods[p]->nlabels; i++) {
			struct term_w *term =
				term_find(t, ns, pods[p]->labels[i].key, pods[p]->labels[i].value);

			for (struct svc_w *w = term ? term->services : NULL; w; w = w->term_next) {
				if (w->stamp == stamp)
					continue;
				w->stamp = stamp;
				fn(w, ctx);
			}
		}
	}
}

struct refresh_pass {
	cip_table *t;
	const struct pod_w *a, *b;
	struct refresh *r;
	size_t count;
	uint64_t g;
	int rc;
};

static void count_affected(struct svc_w *w, void *ctx)
{
	struct refresh_pass *p = ctx;

	p->count += (size_t)affected(w, p->a, p->b);
}

static void build_affected(struct svc_w *w, void *ctx)
{
	struct refresh_pass *p = ctx;
	struct refresh *r = p->r;
	uint64_t saved = w->generation;

	if (p->rc || !affected(w, p->a, p->b))
		return;
	w->generation = ++p->g;
	r->ver[r->n] = version_build(p->t, w);
	w->generation = saved;
	/* Same keys as the version it replaces: room only as a precaution,
	 * entries_swap() switches them in place. */
	if (!r->ver[r->n] || entries_reserve(p->t, r->ver[r->n]) != 0) {
		version_free(r->ver[r->n]);
		p->rc = CIP_ENOMEM;
		return;
	}
	r->svc[r->n++] = w;
}

/* New versions of the services that pod @p a (before) or @p b (after)
 * matches, all built before any is published (all or nothing). */
static int refresh_build(cip_table *t, struct ns_w *ns, const struct pod_w *a,
			 const struct pod_w *b, struct refresh *r)
{
	struct refresh_pass p = { t, a, b, r, 0, generation_peek(t), 0 };

	memset(r, 0, sizeof(*r));
	each_candidate(t, ns, a, b, count_affected, &p);
	if (p.count == 0)
		return 0;
	r->svc = calloc(p.count, sizeof(*r->svc));
	r->ver = calloc(p.count, sizeof(*r->ver));
	if (r->svc && r->ver)
		each_candidate(t, ns, a, b, build_affected, &p);
	if (!r->svc || !r->ver || p.rc) {
		refresh_abort(r);
		return CIP_ENOMEM;
	}
	return 0;
}

static void refresh_publish(cip_table *t, struct refresh *r)
{
	uint64_t last = generation_peek(t);

	for (size_t i = 0; i < r->n; i++) {
		r->svc[i]->generation = r->ver[i]->info->generation;
		last = r->svc[i]->generation;
		publish(t, r->svc[i], r->ver[i]);
	}
	generation_commit(t, last);
	free(r->svc);
	free(r->ver);
}

/* ------------------------------------------------------------------ */
/* Pods                                                               */
/* ------------------------------------------------------------------ */

struct pod_key {
	const char *ns;
	const char *name;
};

static int pod_has_key(const void *value, const void *key)
{
	const struct pod_w *p = value;
	const struct pod_key *k = key;

	return strcmp(p->ns->name, k->ns) == 0 && strcmp(p->name, k->name) == 0;
}

static struct pod_w *pod_find(cip_table *t, const char *ns, const char *name)
{
	struct pod_key k = { ns, name };

	return cip__rmap_find(&t->pods, cip__table_key_hash(ns, name), &k, pod_has_key);
}

void cip__table_pod_destroy(struct pod_w *pod)
{
	if (!pod)
		return;
	free_labels(pod->labels, pod->nlabels);
	free(pod->ports);
	free(pod);
}

static struct pod_w *pod_new(cip_table *t, const cip_pod_spec *s)
{
	struct pod_w *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	copy_name(p->name, sizeof(p->name), s->name);
	p->nips = s->nips;
	for (size_t i = 0; i < s->nips; i++)
		p->ips[i] = s->ips[i];
	p->conditions = (uint8_t)s->conditions;
	p->weight = s->weight ? s->weight : 1;
	p->hash = cip__table_key_hash(s->ns, s->name);
	if (copy_labels(s->labels, s->nlabels, &p->labels) != 0) {
		free(p);
		return NULL;
	}
	/* Counted at once, so that a failure below frees their texts too. */
	p->nlabels = s->nlabels;
	if (copy_named_ports(s->ports, s->nports, &p->ports) ||
	    cip__table_intern(t, s->node_name, &p->node) ||
	    cip__table_intern(t, s->zone, &p->zone) ||
	    cip__table_intern(t, s->hostname, &p->hostname)) {
		cip__table_pod_destroy(p);
		return NULL;
	}
	p->nports = s->nports;
	return p;
}

static void pod_link(struct ns_w *ns, struct pod_w *p)
{
	p->ns = ns;
	p->prev = NULL;
	p->next = ns->pods;
	if (ns->pods)
		ns->pods->prev = p;
	ns->pods = p;
}

static void pod_unlink(struct pod_w *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		p->ns->pods = p->next;
	if (p->next)
		p->next->prev = p->prev;
}

static int pod_apply_locked(cip_table *t, const cip_pod_spec *s, cip_spec_error *err)
{
	struct ns_w *ns = ns_get(t, s->ns);
	struct pod_w *old = ns ? pod_find(t, s->ns, s->name) : NULL, *p;
	struct refresh r;
	int rc;

	p = ns ? pod_new(t, s) : NULL;
	if (!p || cip__rmap_reserve(&t->pods, 1) != 0) {
		cip__table_pod_destroy(p);
		cip__table_names_abort(t);
		return cip__table_fail(err, CIP_ENOMEM, CIP_FIELD_NONE, 0, 0, "out of memory");
	}
	/* Build against the pod list as it will be, and undo on failure. */
	if (old)
		pod_unlink(old);
	pod_link(ns, p);
	rc = refresh_build(t, ns, old, p, &r);
	if (rc) {
		pod_unlink(p);
		if (old)
			pod_link(ns, old);
		cip__table_pod_destroy(p);
		cip__table_names_abort(t);
		return cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "out of memory");
	}
	cip__table_names_commit(t); /* before the versions that carry them */
	refresh_publish(t, &r);
	if (old) {
		cip__rmap_remove(&t->pods, old->hash, old);
		cip__table_pod_destroy(old);
	}
	cip__rmap_insert(&t->pods, p->hash, p); /* room reserved */
	return 0;
}

int cip_table_pod_apply(cip_table *t, const cip_pod_spec *spec, cip_spec_error *err)
{
	cip_pod_spec s;
	int rc;

	if (!t || !spec)
		return CIP_EINVAL;
	err_reset(err);
	cip_pod_spec_init(&s, sizeof(s));
	rc = cip__opts_copy(&s, sizeof(s), spec);
	if (rc)
		return cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "spec: unknown fields set");
	rc = cip__table_check_pod(&s, err);
	if (rc)
		return rc;
	write_begin(t);
	rc = pod_apply_locked(t, &s, err);
	write_end(t);
	return rc;
}

int cip_table_pod_delete(cip_table *t, const char *ns, const char *name)
{
	struct pod_w *p;
	struct refresh r;
	int rc = CIP_ENOTFOUND;

	if (!t || !name_arg_ok(ns) || !name_arg_ok(name))
		return CIP_EINVAL;
	write_begin(t);
	p = pod_find(t, ns, name);
	if (p) {
		struct ns_w *n = p->ns;

		pod_unlink(p);
		rc = refresh_build(t, n, p, NULL, &r);
		if (rc) {
			pod_link(n, p);
		} else {
			refresh_publish(t, &r);
			cip__rmap_remove(&t->pods, p->hash, p);
			cip__table_pod_destroy(p);
		}
	}
	write_end(t);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Explicit endpoints                                                 */
/* ------------------------------------------------------------------ */

static int endpoints_copy(cip_table *t, const cip_endpoint_spec *eps, size_t n,
			  struct w_endpoint **out)
{
	struct w_endpoint *e = n ? calloc(n, sizeof(*e)) : NULL;

	if (n && !e)
		return CIP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		e[i].addr = eps[i].addr;
		e[i].conditions = (uint8_t)eps[i].conditions;
		e[i].weight = eps[i].weight ? eps[i].weight : 1;
		if (cip__table_intern(t, eps[i].node_name, &e[i].node) ||
		    cip__table_intern(t, eps[i].zone, &e[i].zone) ||
		    cip__table_intern(t, eps[i].hint_zone, &e[i].hint_zone) ||
		    cip__table_intern(t, eps[i].hint_node, &e[i].hint_node) ||
		    cip__table_intern(t, eps[i].hostname, &e[i].hostname)) {
			free(e);
			return CIP_ENOMEM;
		}
	}
	*out = e;
	return 0;
}

static int endpoints_set_locked(cip_table *t, struct svc_w *w, const cip_endpoint_spec *eps,
				size_t neps, const cip_named_port *ports, size_t nports,
				cip_spec_error *err)
{
	struct svc_w saved = *w;
	struct svc_ver *v = NULL;
	int rc;

	if (w->nselector)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_SELECTOR, 0, 0,
				       "the service has a selector: its endpoints come from pods");
	rc = endpoints_copy(t, eps, neps, &w->eps);
	if (rc == 0)
		rc = copy_named_ports(ports, nports, &w->ep_ports);
	if (rc == 0) {
		w->neps = neps;
		w->nep_ports = nports;
		w->generation = generation_peek(t) + 1;
		v = version_build(t, w);
	}
	if (v && entries_reserve(t, v) != 0) {
		version_free(v);
		v = NULL;
	}
	if (!v) {
		if (w->eps != saved.eps)
			free(w->eps);
		if (w->ep_ports != saved.ep_ports)
			free(w->ep_ports);
		*w = saved;
		cip__table_names_abort(t);
		return cip__table_fail(err, CIP_ENOMEM, CIP_FIELD_NONE, 0, 0, "out of memory");
	}
	free(saved.eps);
	free(saved.ep_ports);
	cip__table_names_commit(t); /* before the version that carries them */
	publish(t, w, v);
	generation_commit(t, w->generation);
	return 0;
}

int cip_table_endpoints_set(cip_table *t, const char *ns, const char *name,
			    const cip_endpoint_spec *eps, size_t neps, const cip_named_port *ports,
			    size_t nports, cip_spec_error *err)
{
	struct svc_slot *slot;
	int rc;

	if (!t || !name_arg_ok(ns) || !name_arg_ok(name))
		return CIP_EINVAL;
	err_reset(err);
	rc = cip__table_check_endpoints(eps, neps, ports, nports, err);
	if (rc)
		return rc;
	write_begin(t);
	slot = cip__table_slot(t, ns, name);
	rc = slot ? endpoints_set_locked(t, slot->w, eps, neps, ports, nports, err)
		  : cip__table_fail(err, CIP_ENOTFOUND, CIP_FIELD_NAME, 0, 0,
				    "services \"%s\" not found", name);
	write_end(t);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_table: life cycle, interned names and the readers (see table_priv.h
 * for the layout and table_write.c for the writers).
 *
 * A reader enters the epoch domain, finds a slot through an index, loads
 * the slot's current version with acquire (so it sees the version as it
 * was built), copies what it needs out of that one version, and leaves.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "addr_priv.h"
#include "bits.h"
#include "opts.h"
#include "random.h"
#include "table_priv.h"
#include "validate.h"

#define DEFAULT_DOMAIN "cluster.local"
#define FIRST_NAMES 64

/* ------------------------------------------------------------------ */
/* Hashes and keys                                                    */
/* ------------------------------------------------------------------ */

uint64_t cip__table_key_hash(const char *ns, const char *name)
{
	uint64_t h = cip__rmap_hash_bytes(CIP__RMAP_HASH_INIT, ns, strlen(ns) + 1);

	return cip__rmap_mix(cip__rmap_hash_bytes(h, name, strlen(name)));
}

/* Two multiply-mix rounds over the address words and the rest of the key:
 * this is on every lookup, where a byte-at-a-time hash would cost more
 * than the probe. */
uint64_t cip__table_vip_hash(const cip_addr *vip, uint16_t port, int protocol)
{
	uint64_t rest = (uint64_t)vip->family << 32 | (uint64_t)port << 8 | (uint8_t)protocol;
	uint64_t h = load_le64(vip->bytes) * GOLDEN_GAMMA ^ load_le64(vip->bytes + 8);

	return cip__rmap_mix(h * UINT64_C(0xff51afd7ed558ccd) ^ rest);
}

uint64_t cip__table_addr_hash(const cip_addr *a)
{
	return cip__table_vip_hash(a, 0, 0);
}

struct name_key {
	const char *ns;
	const char *name;
};

static int slot_has_key(const void *value, const void *key)
{
	const struct svc_slot *s = value;
	const struct name_key *k = key;

	return strcmp(s->ns, k->ns) == 0 && strcmp(s->name, k->name) == 0;
}

int cip__table_entry_has_key(const void *value, const void *key)
{
	const struct ix_entry *e = value, *k = key;

	return e->port == k->port && e->protocol == k->protocol && e->kind == k->kind &&
	       memcmp(&e->vip, &k->vip, sizeof(e->vip)) == 0;
}

uint64_t cip__table_entry_hash(const struct ix_entry *e)
{
	return e->kind == IX_ADDR ? cip__table_addr_hash(&e->vip)
				  : cip__table_vip_hash(&e->vip, e->port, e->protocol);
}

static int name_has_text(const void *value, const void *key)
{
	return strcmp(((const struct tbl_name *)value)->text, key) == 0;
}

/* One of enum cip_protocol. (An int is not narrowed to the key's byte
 * first: 257 must not find a TCP port.) */
static int protocol_known(int protocol)
{
	return protocol >= CIP_PROTO_TCP && protocol <= CIP_PROTO_SCTP;
}

/* A name that fits the fixed buffers of the public structs. */
static int name_ok(const char *s)
{
	return s && *s && strnlen(s, CIP_NAME_CAP) < CIP_NAME_CAP;
}

struct svc_slot *cip__table_slot(const cip_table *t, const char *ns, const char *name)
{
	struct name_key k = { ns, name };

	return cip__rmap_find(&t->by_name, cip__table_key_hash(ns, name), &k, slot_has_key);
}

/* ------------------------------------------------------------------ */
/* Read sections                                                      */
/* ------------------------------------------------------------------ */

/* Entering a read section writes only the domain's reader counters, which
 * readers own; the table itself stays const. */
unsigned cip__table_enter(const cip_table *t)
{
	return cip__epoch_enter((struct cip__epoch *)&t->epoch);
}

void cip__table_leave(const cip_table *t, unsigned token)
{
	cip__epoch_leave((struct cip__epoch *)&t->epoch, token);
}

/* ------------------------------------------------------------------ */
/* Interned names                                                     */
/* ------------------------------------------------------------------ */

static void names_free(struct cip__epoch_node *node)
{
	free(node); /* the node is the first member */
}

/* Makes room for id @p id in the id -> name array. */
static int names_grow(cip_table *t, uint32_t id)
{
	struct tbl_names *old = atomic_load_explicit(&t->byid, memory_order_relaxed), *a;
	uint32_t capacity = old ? old->capacity : 0, want = capacity ? capacity : FIRST_NAMES;

	if (id < capacity)
		return 0;
	while (want <= id)
		want *= 2;
	a = calloc(1, sizeof(*a) + (size_t)want * sizeof(a->byid[0]));
	if (!a)
		return CIP_ENOMEM;
	a->capacity = want;
	if (old)
		memcpy(a->byid, old->byid, (size_t)capacity * sizeof(a->byid[0]));
	atomic_store_explicit(&t->byid, a, memory_order_release);
	if (old)
		cip__epoch_retire(&t->epoch, &old->node, names_free);
	return 0;
}

/* The name of @p text interned by the write in progress, or NULL. */
static struct tbl_name *pending_find(const cip_table *t, uint64_t hash, const char *text)
{
	struct tbl_names *a = atomic_load_explicit(&t->byid, memory_order_relaxed);
	uint32_t first = atomic_load_explicit(&t->nnames, memory_order_relaxed) + 1;

	for (uint32_t id = first; id < first + t->npending; id++)
		if (a->byid[id]->hash == hash && strcmp(a->byid[id]->text, text) == 0)
			return a->byid[id];
	return NULL;
}

/*
 * A new name is pending until the write commits: it has its id and its
 * place in the id array (readers only look at ids up to nnames), and room
 * in the name index, but readers cannot find it yet. So a write that fails
 * leaves no name behind (cip__table_names_abort()), and publishing cannot
 * fail (cip__table_names_commit()).
 */
int cip__table_intern(cip_table *t, const char *text, uint32_t *id)
{
	uint64_t hash;
	struct tbl_name *n;
	uint32_t next;
	size_t len;

	*id = 0;
	if (!text || !*text)
		return 0;
	len = strlen(text);
	hash = cip__rmap_mix(cip__rmap_hash_bytes(CIP__RMAP_HASH_INIT, text, len));
	n = cip__rmap_find(&t->names, hash, text, name_has_text);
	if (!n)
		n = pending_find(t, hash, text);
	if (n) {
		*id = n->id;
		return 0;
	}
	next = atomic_load_explicit(&t->nnames, memory_order_relaxed) + t->npending + 1;
	n = malloc(sizeof(*n) + len + 1);
	if (!n || names_grow(t, next) != 0 || cip__rmap_reserve(&t->names, t->npending + 1) != 0) {
		free(n);
		return CIP_ENOMEM;
	}
	n->hash = hash;
	n->id = next;
	n->len = (uint32_t)len;
	memcpy(n->text, text, len + 1);
	atomic_load_explicit(&t->byid, memory_order_relaxed)->byid[next] = n;
	t->npending++;
	*id = next;
	return 0;
}

void cip__table_names_commit(cip_table *t)
{
	struct tbl_names *a = atomic_load_explicit(&t->byid, memory_order_relaxed);
	uint32_t first = atomic_load_explicit(&t->nnames, memory_order_relaxed) + 1;
	uint32_t last = first + t->npending - 1;

	if (!t->npending)
		return;
	/* Release: a reader that sees the count sees the names and the array;
	 * one that finds a name in the index sees the count that covers it. */
	atomic_store_explicit(&t->nnames, last, memory_order_release);
	for (uint32_t id = first; id <= last; id++)
		cip__rmap_insert(&t->names, a->byid[id]->hash, a->byid[id]); /* room reserved */
	t->npending = 0;
}

void cip__table_names_abort(cip_table *t)
{
	struct tbl_names *a = atomic_load_explicit(&t->byid, memory_order_relaxed);
	uint32_t first = atomic_load_explicit(&t->nnames, memory_order_relaxed) + 1;

	for (uint32_t id = first; id < first + t->npending; id++) {
		free(a->byid[id]);
		a->byid[id] = NULL;
	}
	t->npending = 0;
}

int cip_table_name_id(const cip_table *t, const char *name, uint32_t *id)
{
	struct tbl_name *n;
	unsigned token;
	uint64_t hash;

	if (!t || !name || !id)
		return CIP_EINVAL;
	hash = cip__rmap_mix(cip__rmap_hash_bytes(CIP__RMAP_HASH_INIT, name, strlen(name)));
	token = cip__table_enter(t);
	n = cip__rmap_find(&t->names, hash, name, name_has_text);
	if (n)
		*id = n->id;
	cip__table_leave(t, token);
	return n ? 0 : CIP_ENOTFOUND;
}

const struct tbl_name *cip__table_name_of(const cip_table *t, uint32_t id)
{
	/* The count first: a reader that sees it sees the name and an array
	 * that holds it (see cip__table_intern()). */
	if (id == 0 || id > atomic_load(&t->nnames))
		return NULL;
	return atomic_load(&t->byid)->byid[id];
}

int cip_table_name(const cip_table *t, uint32_t id, char *buf, size_t cap)
{
	const struct tbl_name *n;
	unsigned token;
	int rc;

	if (!t || (!buf && cap))
		return CIP_EINVAL;
	token = cip__table_enter(t);
	n = cip__table_name_of(t, id);
	if (!n)
		rc = CIP_ENOTFOUND;
	else if (n->len >= cap)
		rc = CIP_EBUFSIZE;
	else {
		memcpy(buf, n->text, n->len + 1);
		rc = (int)n->len;
	}
	cip__table_leave(t, token);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip_table_opts_init(cip_table_opts *opts, size_t sz)
{
	return cip__opts_init(opts, sz, sizeof(size_t));
}

int cip_service_spec_init(cip_service_spec *spec, size_t sz)
{
	return cip__opts_init(spec, sz, sizeof(size_t));
}

int cip_pod_spec_init(cip_pod_spec *spec, size_t sz)
{
	return cip__opts_init(spec, sz, sizeof(size_t));
}

/* The cluster domain: a DNS-1123 subdomain in any case (DNS names ignore
 * it; it is kept in lower case), one trailing dot allowed. */
static int set_domain(cip_table *t, const char *domain)
{
	size_t len, offset;

	if (!domain)
		domain = DEFAULT_DOMAIN;
	len = strnlen(domain, CIP_SUBDOMAIN_CAP + 1);
	if (len > 1 && domain[len - 1] == '.')
		len--;
	if (len >= CIP_SUBDOMAIN_CAP)
		return CIP_EINVAL;
	for (size_t i = 0; i < len; i++)
		t->domain[i] =
			(char)(domain[i] >= 'A' && domain[i] <= 'Z' ? domain[i] + 32 : domain[i]);
	t->domain[len] = '\0';
	return cip__valid_dns1123_subdomain(t->domain, len, &offset) ? CIP_EINVAL : 0;
}

/* Every map of the table, for init and teardown. */
static size_t table_maps(cip_table *t, struct cip__rmap *maps[8])
{
	struct cip__rmap *all[] = { &t->by_name, &t->by_vip,	 &t->by_node_port, &t->by_addr,
				    &t->names,	 &t->namespaces, &t->pods,	   &t->terms };

	_Static_assert(sizeof(all) / sizeof(all[0]) == 8, "the callers' array size");

	memcpy(maps, all, sizeof(all));
	return sizeof(all) / sizeof(all[0]);
}

static int maps_init(cip_table *t)
{
	struct cip__rmap *maps[8];
	size_t n = table_maps(t, maps);

	for (size_t i = 0; i < n; i++)
		if (cip__rmap_init(maps[i], &t->epoch) != 0)
			return CIP_ENOMEM;
	return 0;
}

static void maps_destroy(cip_table *t)
{
	struct cip__rmap *maps[8];
	size_t n = table_maps(t, maps);

	for (size_t i = 0; i < n; i++)
		cip__rmap_destroy(maps[i]);
}

#define AFFINITY_DEFAULT 1024
#define AFFINITY_MAX (1u << 20)

static int selection_opts_valid(const cip_table_opts *o)
{
	return o->lb_policy >= CIP_LB_DEFAULT && o->lb_policy <= CIP_LB_WEIGHTED_ROUND_ROBIN &&
	       (o->maglev_size == 0 ||
		(o->maglev_size <= CIP__MAGLEV_MAX_M && cip__maglev_is_prime(o->maglev_size))) &&
	       o->affinity_capacity <= AFFINITY_MAX;
}

int cip_table_new(cip_table **out, const cip_table_opts *opts)
{
	cip_table_opts o;
	cip_table *t;
	int rc;

	if (!out)
		return CIP_EINVAL;
	cip_table_opts_init(&o, sizeof(o));
	rc = cip__opts_copy(&o, sizeof(o), opts);
	if (rc)
		return rc;
	if ((o.primary_family != 0 && o.primary_family != CIP_FAMILY_IPV4 &&
	     o.primary_family != CIP_FAMILY_IPV6) ||
	    !selection_opts_valid(&o))
		return CIP_EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return CIP_ENOMEM;
	rc = set_domain(t, o.cluster_domain);
	if (rc) {
		free(t);
		return rc;
	}
	if (cip__epoch_init(&t->epoch) != 0) {
		free(t);
		return CIP_ENOMEM;
	}
	if (pthread_mutex_init(&t->lock, NULL) != 0 || maps_init(t) != 0 || names_grow(t, 1) != 0) {
		maps_destroy(t);
		cip__epoch_destroy(&t->epoch);
		free(t);
		return CIP_ENOMEM;
	}
	t->pool = o.pool;
	t->node_ports = o.node_ports;
	t->primary_family = o.primary_family ? o.primary_family : CIP_FAMILY_IPV4;
	t->lb_policy = (uint8_t)(o.lb_policy ? o.lb_policy : CIP_LB_ROUND_ROBIN);
	t->maglev_size = o.maglev_size ? o.maglev_size : CIP__MAGLEV_DEFAULT_M;
	t->affinity_capacity = o.affinity_capacity ? o.affinity_capacity : AFFINITY_DEFAULT;
	t->rng = o.seed ? o.seed : cip__seed_from_os();
	*out = t;
	return 0;
}

static int free_service(void *value, void *ctx)
{
	(void)ctx;
	cip__table_service_destroy(value);
	return 0;
}

static int free_plain(void *value, void *ctx)
{
	(void)ctx;
	free(value);
	return 0;
}

static int free_pod(void *value, void *ctx)
{
	(void)ctx;
	cip__table_pod_destroy(value);
	return 0;
}

static int free_term(void *value, void *ctx)
{
	(void)ctx;
	cip__table_term_destroy(value);
	return 0;
}

void cip_table_free(cip_table *t)
{
	struct tbl_names *a;

	if (!t)
		return;
	/* Retired objects first: the epoch domain frees what it holds. */
	cip__epoch_destroy(&t->epoch);
	cip__rmap_foreach(&t->by_name, free_service, NULL);
	cip__rmap_foreach(&t->pods, free_pod, NULL);
	cip__rmap_foreach(&t->terms, free_term, NULL);
	cip__rmap_foreach(&t->namespaces, free_plain, NULL);
	cip__rmap_foreach(&t->names, free_plain, NULL);
	a = atomic_load_explicit(&t->byid, memory_order_relaxed);
	free(a);
	maps_destroy(t);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Readers                                                            */
/* ------------------------------------------------------------------ */

/* Copies port @p i of @p v and its endpoints out (see cip_table_endpoints()). */
static int copy_port(const struct svc_ver *v, size_t i, cip_endpoint *eps, size_t cap, size_t *n)
{
	uint32_t first = v->first[i], count = v->first[i + 1] - first;

	*n = count;
	if (count > cap)
		return CIP_EBUFSIZE;
	for (uint32_t k = 0; k < count; k++) {
		const struct ep_ref *r = &v->refs[first + k];

		eps[k] = cip__endpoint_of(&v->addrs[r->addr], r->port);
	}
	return 0;
}

/* The port of the lookup record @p e, from the record itself unless its
 * names did not fit there. */
static void record_port(const struct ix_entry *e, cip_service_port_info *out)
{
	if (e->name_len == NAMES_ELSEWHERE) {
		*out = e->ver->ports[e->port_index];
		return;
	}
	memset(out, 0, sizeof(*out));
	/* Most ports target a number: the name alone is in names[], padded
	 * with zeros, and a copy of constant size takes it. */
	if (e->target_len == 0) {
		memcpy(out->name, e->names, ENTRY_NAMES);
	} else {
		memcpy(out->name, e->names, e->name_len);
		memcpy(out->target_port_name, e->names + e->name_len, e->target_len);
	}
	out->port = e->svc_port;
	out->target_port = e->target_port;
	out->node_port = e->node_port;
	out->protocol = e->protocol;
	out->nendpoints = e->neps;
	out->index = e->port_index;
}

/* Copies what cip_table_lookup() returns out of the lookup record @p e. */
static int copy_record(const struct ix_entry *e, cip_service_info *svc,
		       cip_service_port_info *port_info, cip_endpoint *eps, size_t cap, size_t *n)
{
	uint32_t count = e->neps;

	if (port_info)
		record_port(e, port_info);
	if (svc)
		*svc = *e->ver->info;
	*n = count;
	if (count > cap)
		return CIP_EBUFSIZE;
	if (count)
		memcpy(eps, cip__record_eps(e), count * sizeof(*eps));
	return 0;
}

/* The first record from slot @p *i on in @p hash's probe sequence of @p a
 * that is indexed under @p hash (*i is left at its slot), or NULL at the
 * end of the sequence. */
static const struct ix_entry *candidate(const struct cip__rmap_array *a, uint64_t hash, size_t *i)
{
	for (;; *i = (*i + 1) & a->mask) {
		const struct ix_entry *e = atomic_load(&a->slots[*i].value);

		if (!e)
			return NULL;
		if ((const void *)e != CIP__RMAP_TOMBSTONE &&
		    atomic_load_explicit(&a->slots[*i].hash, memory_order_relaxed) == hash)
			return e;
	}
}

/* Asks for the first lines of the record @p e at once: its entry and, with
 * a few endpoints, all of them. */
static void prefetch_record(const struct ix_entry *e)
{
	cip__prefetch(e);
	cip__prefetch((const char *)e + 64);
	cip__prefetch((const char *)e + 128);
}

/*
 * What a reader looks for. The address is the caller's own: the key is not
 * copied into an entry-shaped struct, because loading fields of such a copy
 * right after storing them (the hash's 8-byte halves of the address, the
 * port, protocol and kind as one word) cannot be forwarded from the stores,
 * and a load that waits for its stores to retire also waits for the misses
 * of the caller's previous lookup: back-to-back lookups would no longer
 * overlap (twice the time per lookup at 100k services).
 */
struct lookup_key {
	const cip_addr *vip; /* all zero for node ports */
	uint16_t port;
	uint8_t protocol, kind;
};

static const cip_addr no_vip; /* what node-port entries hold */

/* @p key for a lookup by ClusterIP (@p vip) or, when @p vip is NULL, by
 * node port. @return its hash. */
static uint64_t lookup_key(struct lookup_key *key, const cip_addr *vip, uint16_t port, int protocol)
{
	key->vip = vip ? vip : &no_vip;
	key->port = port;
	key->protocol = (uint8_t)protocol;
	key->kind = vip ? IX_VIP : IX_NODE_PORT;
	return cip__table_vip_hash(key->vip, port, protocol);
}

static int record_has_key(const struct ix_entry *e, const struct lookup_key *key)
{
	return e->port == key->port && e->protocol == key->protocol && e->kind == key->kind &&
	       memcmp(&e->vip, key->vip, sizeof(e->vip)) == 0;
}

/*
 * The lookup record of @p key (hash @p hash) in @p a, probing from slot
 * @p i, or NULL; inside a read section. The rmap's probe, inlined, and as
 * soon as a slot gives a record's address the record's lines are asked for
 * together: the compare, the port and the endpoints then wait for one miss
 * instead of one after the other.
 */
static const struct ix_entry *find_record(const struct cip__rmap_array *a, uint64_t hash, size_t i,
					  const struct lookup_key *key)
{
	for (const struct ix_entry *e; (e = candidate(a, hash, &i)); i = (i + 1) & a->mask) {
		prefetch_record(e);
		if (record_has_key(e, key))
			return e;
	}
	return NULL;
}

static int lookup(const cip_table *t, const struct cip__rmap *ix, uint64_t hash,
		  const struct lookup_key *key, cip_service_info *svc,
		  cip_service_port_info *port_info, cip_endpoint *eps, size_t cap, size_t *n)
{
	unsigned token = cip__table_enter(t);
	const struct cip__rmap_array *a = atomic_load(&ix->array);
	const struct ix_entry *e = find_record(a, hash, hash & a->mask, key);
	int rc = e ? copy_record(e, svc, port_info, eps, cap, n) : CIP_ENOTFOUND;

	cip__table_leave(t, token);
	return rc;
}

int cip_table_lookup(const cip_table *t, const cip_addr *vip, uint16_t port, int protocol,
		     cip_service_info *svc, cip_service_port_info *port_info, cip_endpoint *eps,
		     size_t cap, size_t *n)
{
	struct lookup_key key;
	uint64_t hash;

	if (!t || !vip || !n || (cap && !eps) || !addr_valid(vip) || !protocol_known(protocol))
		return CIP_EINVAL;
	hash = lookup_key(&key, vip, port, protocol);
	return lookup(t, &t->by_vip, hash, &key, svc, port_info, eps, cap, n);
}

int cip_table_lookup_node_port(const cip_table *t, uint16_t node_port, int protocol,
			       cip_service_info *svc, cip_service_port_info *port_info,
			       cip_endpoint *eps, size_t cap, size_t *n)
{
	struct lookup_key key;
	uint64_t hash;

	if (!t || !n || (cap && !eps) || !protocol_known(protocol))
		return CIP_EINVAL;
	hash = lookup_key(&key, NULL, node_port, protocol);
	return lookup(t, &t->by_node_port, hash, &key, svc, port_info, eps, cap, n);
}

/* Lookups of a batch that share a read section and whose memory is asked
 * for together: enough to keep the CPU's outstanding misses busy. */
#define BATCH_GROUP 16

/* The key of @p q in @p key and its hash, or CIP_EINVAL for invalid
 * arguments. */
static int batch_key(cip_lookup *q, struct lookup_key *key, uint64_t *hash)
{
	int by_node_port = (q->flags & CIP_LOOKUP_NODE_PORT) != 0;

	q->n = 0;
	if ((q->cap && !q->eps) || (q->flags & ~CIP_LOOKUP_NODE_PORT) ||
	    !protocol_known(q->protocol) || (!by_node_port && !addr_valid(&q->vip)))
		return CIP_EINVAL;
	*hash = lookup_key(key, by_node_port ? NULL : &q->vip, q->port, q->protocol);
	return 0;
}

/* One group of at most BATCH_GROUP lookups, in three passes: hash the keys
 * and ask for their index slots; probe and ask for the records found; then
 * compare and copy out. @return the lookups that succeeded. */
static int batch_group(const cip_table *t, cip_lookup *q, size_t count)
{
	struct lookup_key keys[BATCH_GROUP];
	uint64_t hashes[BATCH_GROUP];
	const struct cip__rmap_array *arrays[BATCH_GROUP];
	const struct ix_entry *found[BATCH_GROUP];
	size_t at[BATCH_GROUP];
	unsigned token = cip__table_enter(t);
	int ok = 0;

	for (size_t k = 0; k < count; k++) {
		q[k].rc = batch_key(&q[k], &keys[k], &hashes[k]);
		if (q[k].rc)
			continue;
		arrays[k] = atomic_load(keys[k].kind == IX_VIP ? &t->by_vip.array
							       : &t->by_node_port.array);
		at[k] = hashes[k] & arrays[k]->mask;
		cip__prefetch(&arrays[k]->slots[at[k]]);
	}
	for (size_t k = 0; k < count; k++) {
		if (q[k].rc)
			continue;
		found[k] = candidate(arrays[k], hashes[k], &at[k]);
		if (found[k])
			prefetch_record(found[k]);
	}
	for (size_t k = 0; k < count; k++) {
		const struct ix_entry *e = found[k];

		if (q[k].rc)
			continue;
		/* A different key under the same hash: probe on. */
		if (e && !record_has_key(e, &keys[k]))
			e = find_record(arrays[k], hashes[k], (at[k] + 1) & arrays[k]->mask,
					&keys[k]);
		q[k].rc = e ? copy_record(e, q[k].svc, q[k].port_info, q[k].eps, q[k].cap, &q[k].n)
			    : CIP_ENOTFOUND;
		ok += q[k].rc == 0;
	}
	cip__table_leave(t, token);
	return ok;
}

int cip_table_lookup_batch(const cip_table *t, cip_lookup *lookups, size_t count)
{
	int ok = 0;

	if (!t || (count && !lookups) || count > INT_MAX)
		return CIP_EINVAL;
	for (size_t i = 0; i < count; i += BATCH_GROUP)
		ok += batch_group(t, lookups + i,
				  count - i < BATCH_GROUP ? count - i : BATCH_GROUP);
	return ok;
}

static int select_args_ok(const cip_select_request *req)
{
	int node_port = (req->flags & CIP_SELECT_NODE_PORT) != 0;

	return !(req->flags & ~(CIP_SELECT_NODE_PORT | CIP_SELECT_RESET_AFFINITY)) &&
	       req->reserved == 0 && protocol_known(req->protocol) &&
	       (node_port || addr_valid(&req->vip)) &&
	       (req->client.family == 0 || addr_valid(&req->client));
}

/* Whose endpoints a connection goes to: its ClusterIP's family, or by node
 * port its client's (the family of the node address it came to), else the
 * service's primary family. */
static int select_family(const cip_select_request *req, const struct ix_entry *e)
{
	if (!(req->flags & CIP_SELECT_NODE_PORT))
		return req->vip.family;
	if (req->client.family)
		return req->client.family;
	return e->ver->info->cluster_ips[0].family;
}

int cip_table_select(const cip_table *t, const cip_select_request *req, cip_backend *out)
{
	struct lookup_key key;
	const struct cip__rmap *ix;
	const struct cip__rmap_array *a;
	const struct ix_entry *e;
	uint64_t hash;
	unsigned token;
	int rc;

	if (!t || !req || !out || !select_args_ok(req))
		return CIP_EINVAL;
	if (req->flags & CIP_SELECT_NODE_PORT) {
		hash = lookup_key(&key, NULL, req->port, req->protocol);
		ix = &t->by_node_port;
	} else {
		hash = lookup_key(&key, &req->vip, req->port, req->protocol);
		ix = &t->by_vip;
	}
	token = cip__table_enter(t);
	a = atomic_load(&ix->array);
	e = find_record(a, hash, hash & a->mask, &key);
	rc = e ? cip__sel_choose(cip__record_sel(e, select_family(req, e)), cip__record_eps(e), req,
				 key.vip, out)
	       : CIP_ENOTFOUND;
	cip__table_leave(t, token);
	return rc;
}

struct affinity_sweep {
	uint64_t now;
	size_t count;
	int expire; /* else count the live ones */
};

static int affinity_visit(void *value, void *ctx)
{
	const struct svc_ver *v = atomic_load(&((struct svc_slot *)value)->cur);
	struct affinity_sweep *sw = ctx;

	for (uint32_t i = 0; i < 2 * v->info->nports; i++)
		sw->count += sw->expire ? cip__sel_expire(v->sels[i], sw->now)
					: cip__sel_affinity_count(v->sels[i], sw->now);
	return 0;
}

int cip_table_affinity_expire(cip_table *t, uint64_t now)
{
	struct affinity_sweep sw = { now, 0, 1 };
	unsigned token;

	if (!t)
		return CIP_EINVAL;
	token = cip__table_enter(t);
	cip__rmap_foreach(&t->by_name, affinity_visit, &sw);
	cip__table_leave(t, token);
	return sw.count > INT_MAX ? INT_MAX : (int)sw.count;
}

int cip_table_affinity_count(const cip_table *t, const char *ns, const char *name, uint64_t now)
{
	struct affinity_sweep sw = { now, 0, 0 };
	struct svc_slot *s;
	unsigned token;

	if (!t || !name_ok(ns) || !name_ok(name))
		return CIP_EINVAL;
	token = cip__table_enter(t);
	s = cip__table_slot(t, ns, name);
	if (s)
		affinity_visit(s, &sw);
	cip__table_leave(t, token);
	if (!s)
		return CIP_ENOTFOUND;
	return sw.count > INT_MAX ? INT_MAX : (int)sw.count;
}

int cip_table_service_get(const cip_table *t, const char *ns, const char *name,
			  cip_service_info *svc, cip_service_port_info *ports, size_t cap)
{
	unsigned token;
	struct svc_slot *s;
	int rc = CIP_ENOTFOUND;

	if (!t || !name_ok(ns) || !name_ok(name) || !svc || (cap && !ports))
		return CIP_EINVAL;
	token = cip__table_enter(t);
	s = cip__table_slot(t, ns, name);
	if (s) {
		struct svc_ver *v = atomic_load(&s->cur);

		*svc = *v->info;
		rc = 0;
		if (v->info->nports > cap)
			rc = cap ? CIP_EBUFSIZE : 0;
		else if (v->info->nports)
			memcpy(ports, v->ports, v->info->nports * sizeof(*ports));
	}
	cip__table_leave(t, token);
	return rc;
}

int cip_table_endpoints(const cip_table *t, const char *ns, const char *name, size_t port_index,
			cip_endpoint *eps, size_t cap, size_t *n)
{
	unsigned token;
	struct svc_slot *s;
	int rc = CIP_ENOTFOUND;

	if (!t || !name_ok(ns) || !name_ok(name) || !n || (cap && !eps))
		return CIP_EINVAL;
	token = cip__table_enter(t);
	s = cip__table_slot(t, ns, name);
	if (s) {
		struct svc_ver *v = atomic_load(&s->cur);

		if (port_index < v->info->nports)
			rc = copy_port(v, port_index, eps, cap, n);
	}
	cip__table_leave(t, token);
	return rc;
}

struct visit {
	cip_service_visit_fn fn;
	void *ctx;
};

static int visit_slot(void *value, void *ctx)
{
	struct svc_slot *s = value;
	struct visit *v = ctx;
	cip_service_info info = *atomic_load(&s->cur)->info;

	return v->fn(&info, v->ctx);
}

int cip_table_foreach_service(const cip_table *t, cip_service_visit_fn fn, void *ctx)
{
	struct visit v = { fn, ctx };
	unsigned token;
	int rc;

	if (!t || !fn)
		return CIP_EINVAL;
	token = cip__table_enter(t);
	rc = cip__rmap_foreach(&t->by_name, visit_slot, &v);
	cip__table_leave(t, token);
	return rc;
}

int cip_table_endpoints_reason(const cip_table *t, const char *ns, const char *name, int *reason)
{
	unsigned token;
	struct svc_slot *s;

	if (!t || !name_ok(ns) || !name_ok(name) || !reason)
		return CIP_EINVAL;
	token = cip__table_enter(t);
	s = cip__table_slot(t, ns, name);
	if (s)
		*reason = atomic_load(&s->cur)->reason;
	cip__table_leave(t, token);
	return s ? 0 : CIP_ENOTFOUND;
}

int cip_table_generation(const cip_table *t, uint64_t *out)
{
	if (!t || !out)
		return CIP_EINVAL;
	*out = atomic_load(&t->generation);
	return 0;
}

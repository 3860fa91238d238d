/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "table" group: cip_table's lock-free readers and its writers, at
 * Kubernetes scale.
 *
 * Services. Service i ("svc-i" in "default") has one ClusterIP given in its
 * spec, 10.0.0.1 + i in 10.0.0.0/8 (the table has no pool, so requested
 * ClusterIPs are taken as they are), one port "http" 80/TCP -> 8080, no
 * selector and 3 explicit endpoints (cip_table_endpoints_set(), slice port
 * "http" 8080/TCP). One table grows from 1k to 10k to 100k services and
 * each size is measured in turn.
 *
 * table.lookup.nN.tT: cip_table_lookup() of (ClusterIP, 80, TCP), copying
 * out the port and its 3 endpoints, with T = 1 or 2 reader threads. Each
 * reader walks its own precomputed pseudo-random sequence of existing
 * VIPs. The figure is wall time over all lookups of the pass, so with 2
 * readers it is the aggregate throughput; table.lookup.nN.t2.scaling.SIDE
 * is the 1-reader figure over the 2-reader one.
 *
 * table.lookup_batch.nN.tT: the same lookups made 16 at a time with
 * cip_table_lookup_batch(), which asks for the memory of all of them before
 * it copies any out. Its baseline is the same batch against the rwlock
 * table: the read lock taken once per batch, and the same three passes
 * (hash and prefetch the slots, probe and prefetch the entries, copy).
 *
 * The baseline, "rwlock", runs in the same process on the same keys: an
 * open-addressing hash table (linear probing, power-of-two capacity, load
 * at most 1/2) keyed by (VIP and family, port, protocol), whose entries
 * hold what a lookup copies out (the cip_service_port_info and the 3
 * cip_endpoints, read from the table itself), behind a pthread_rwlock_t: a
 * lookup takes the read lock, probes, copies the same bytes out and
 * unlocks.
 *
 * table.lookup_writer.nN.tT: the same while a writer thread updates the
 * endpoints of random services about 1000 times a second (one update, then
 * a 1 ms nanosleep): cip_table_endpoints_set() for ours, the entry changed
 * under the write lock for the baseline. Starting and stopping the writer
 * is not timed. NAME.slowdown.SIDE is how much slower a lookup is than
 * without the writer, in percent of the figure without it (a negative
 * difference is noise, and prints as 0); NAME.updates.SIDE is the rate the
 * writer reached. Scaling and slowdown come from the medians of the same
 * passes as the figures: each pass also records its own time, as
 * bench_run_pair() prints its medians without returning them.
 *
 * table.dns.{fqdn,search}.n10000: cip_table_dns_resolve() of the A record
 * of existing services at 10k services, by "svc-i.default.svc.cluster.local"
 * and by "svc-i" through the search path of a pod in "default".
 *
 * table.update.endpoints.eps1000: cip_table_endpoints_set() replacing the
 * 1000 endpoints of one service, alternately with two prepared sets that
 * differ in one endpoint's readiness. table.update.pod.eps1000:
 * cip_table_pod_apply() of one pod whose readiness flips, in a service
 * whose selector matches 1000 pods.
 *
 * With --quick (10^4 inputs) the table stops at 10k services: building
 * 100k services is most of the group's time under a sanitizer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterip/clusterip.h>

#include "bench.h"
#include "random.h"

#define SEED UINT64_C(0x7ab1e5eedc1a5)
#define MAX_READERS 2
#define NEPS 3	    /* endpoints of each service */
#define EPS_CAP 8   /* a reader's buffer: bigger than needed, as a caller's is */
#define BATCH 16    /* lookups per batch */
#define SVC_PORT 80 /* every service's port */
#define TARGET 8080 /* and the endpoints' */
#define MAX_KEYS (1u << 18)
#define DNS_SERVICES 10000
#define BIG 1000		  /* endpoints of the update cases */
#define WRITER_PERIOD_NS 1000000L /* about 1000 updates a second */
#define READY (CIP_EP_READY | CIP_EP_SERVING)
#define LEAVING (CIP_EP_SERVING | CIP_EP_TERMINATING)

/* Operations per pass at 10^6 inputs (scaled with --quick); lookups by
 * table size, below. */
#define DNS_OPS 200000
#define UPDATE_OPS 200

enum side { OURS, BASE };

static const char *const side_names[] = { "cip", "rwlock" };

static const cip_named_port slice_port = { "http", CIP_PROTO_TCP, TARGET };

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* A power of two of keys per reader: MAX_KEYS, fewer with --quick. */
static size_t key_count(const struct bench_config *config)
{
	size_t want = bench_scaled(config, MAX_KEYS, 1024), k = 1024;

	while (k < want && k < MAX_KEYS)
		k *= 2;
	return k;
}

/* The per-pass figures a side recorded itself (the first is the warm-up),
 * for the scaling and slowdown lines. */
struct timing {
	double *ns;
	int n, cap;
};

static int timing_init(struct timing *tm, const struct bench_config *config)
{
	tm->n = 0;
	tm->cap = config->repetitions + 1;
	tm->ns = calloc((size_t)tm->cap, sizeof(*tm->ns));
	return tm->ns ? 0 : -1;
}

static void timing_add(struct timing *tm, double ns)
{
	if (tm->n < tm->cap)
		tm->ns[tm->n++] = ns;
}

/* The median of the timed passes, as bench_run_pair() takes it. */
static double timing_median(struct timing *tm)
{
	double *v = tm->ns + 1;
	int n = tm->n - 1;

	return n < 1 ? 0 : bench_median(v, n);
}

/* ------------------------------------------------------------------ */
/* The table                                                          */
/* ------------------------------------------------------------------ */

/* Sets service i's endpoints; @p flip takes the last one out of service. */
static int set_endpoints(cip_table *t, size_t i, unsigned flip)
{
	cip_endpoint_spec eps[NEPS];
	char name[CIP_NAME_CAP];

	memset(eps, 0, sizeof(eps));
	for (unsigned k = 0; k < NEPS; k++) {
		eps[k].addr = bench_endpoint_ip(i * NEPS + k);
		eps[k].conditions = READY;
	}
	if (flip)
		eps[NEPS - 1].conditions = LEAVING;
	snprintf(name, sizeof(name), "svc-%zu", i);
	return cip_table_endpoints_set(t, "default", name, eps, NEPS, &slice_port, 1, NULL);
}

static int create_service(cip_table *t, size_t i)
{
	cip_addr vip = bench_service_vip(i);
	char name[CIP_NAME_CAP];

	snprintf(name, sizeof(name), "svc-%zu", i);
	if (bench_service_create(t, name, &vip, SVC_PORT, TARGET, 0, 0) != 0)
		return -1;
	return set_endpoints(t, i, 0);
}

/* ------------------------------------------------------------------ */
/* The baseline: a hash table behind a rwlock                         */
/* ------------------------------------------------------------------ */

struct base_key {
	cip_addr vip; /* family and bytes */
	uint16_t port;
	uint8_t protocol;
	uint8_t used; /* 1 in every key; 0 marks an empty slot */
};

/* The key inline, so that a probe reads one slot line. */
struct base_slot {
	struct base_key key;
	uint32_t entry;
	uint32_t pad;
};

struct base_entry {
	cip_service_port_info port;
	cip_endpoint eps[NEPS];
	size_t neps;
};

struct base {
	pthread_rwlock_t lock;
	struct base_slot *slots;
	size_t mask;
	struct base_entry *entries;
	int lock_ok;
};

static void base_key_make(struct base_key *k, const cip_addr *vip, uint16_t port, int protocol)
{
	memset(k, 0, sizeof(*k));
	k->vip = *vip;
	k->port = port;
	k->protocol = (uint8_t)protocol;
	k->used = 1;
}

/* Two words of address, then MurmurHash3's 64-bit finalizer. */
static uint64_t base_hash(const struct base_key *k)
{
	uint64_t w0, w1, h;

	memcpy(&w0, k->vip.bytes, 8);
	memcpy(&w1, k->vip.bytes + 8, 8);
	h = w0 * GOLDEN_GAMMA ^ w1;
	h ^= (uint64_t)k->vip.family << 32 | (uint64_t)k->port << 8 | k->protocol;
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 33);
}

/* The entry of @p k, or NULL; under either lock. */
static struct base_entry *base_find(const struct base *b, const struct base_key *k, uint64_t h)
{
	for (size_t i = h & b->mask; b->slots[i].key.used; i = (i + 1) & b->mask)
		if (memcmp(&b->slots[i].key, k, sizeof(*k)) == 0)
			return &b->entries[b->slots[i].entry];
	return NULL;
}

/* cip_table_lookup() without the service: same arguments, same copies. */
static int base_lookup(struct base *b, const cip_addr *vip, uint16_t port, int protocol,
		       cip_service_port_info *port_info, cip_endpoint *eps, size_t cap, size_t *n)
{
	struct base_key k;
	uint64_t h;
	const struct base_entry *e;
	int rc = CIP_ENOTFOUND;

	base_key_make(&k, vip, port, protocol);
	h = base_hash(&k);
	pthread_rwlock_rdlock(&b->lock);
	e = base_find(b, &k, h);
	if (e) {
		*port_info = e->port;
		*n = e->neps;
		rc = e->neps > cap ? CIP_EBUFSIZE : 0;
		if (rc == 0)
			memcpy(eps, e->eps, e->neps * sizeof(*eps));
	}
	pthread_rwlock_unlock(&b->lock);
	return rc;
}

/* cip_table_lookup_batch() on the baseline: one read lock for the batch,
 * and its three passes. */
static int base_lookup_batch(struct base *b, cip_lookup *q, size_t count)
{
	struct base_key keys[BATCH];
	uint64_t hashes[BATCH];
	const struct base_entry *found[BATCH];
	int ok = 0;

	for (size_t k = 0; k < count; k++) {
		base_key_make(&keys[k], &q[k].vip, q[k].port, q[k].protocol);
		hashes[k] = base_hash(&keys[k]);
	}
	pthread_rwlock_rdlock(&b->lock);
	for (size_t k = 0; k < count; k++)
		__builtin_prefetch(&b->slots[hashes[k] & b->mask]);
	for (size_t k = 0; k < count; k++) {
		found[k] = base_find(b, &keys[k], hashes[k]);
		if (found[k])
			__builtin_prefetch(found[k]);
	}
	for (size_t k = 0; k < count; k++) {
		const struct base_entry *e = found[k];

		q[k].rc = e ? 0 : CIP_ENOTFOUND;
		if (!e)
			continue;
		*q[k].port_info = e->port;
		q[k].n = e->neps;
		q[k].rc = e->neps > q[k].cap ? CIP_EBUFSIZE : 0;
		if (q[k].rc == 0)
			memcpy(q[k].eps, e->eps, e->neps * sizeof(*q[k].eps));
		ok += q[k].rc == 0;
	}
	pthread_rwlock_unlock(&b->lock);
	return ok;
}

static void base_free(struct base *b)
{
	if (b->lock_ok)
		pthread_rwlock_destroy(&b->lock);
	free(b->slots);
	free(b->entries);
	memset(b, 0, sizeof(*b));
}

/* The baseline of the table's first @p n services, filled from the table
 * (which checks every service's lookup on the way). */
static int base_build(struct base *b, const cip_table *t, size_t n)
{
	size_t cap = 2;

	memset(b, 0, sizeof(*b));
	while (cap < 2 * n)
		cap *= 2;
	b->mask = cap - 1;
	b->slots = calloc(cap, sizeof(*b->slots));
	b->entries = calloc(n, sizeof(*b->entries));
	if (!b->slots || !b->entries || pthread_rwlock_init(&b->lock, NULL) != 0)
		return -1;
	b->lock_ok = 1;
	for (size_t i = 0; i < n; i++) {
		struct base_entry *e = &b->entries[i];
		cip_addr vip = bench_service_vip(i);
		struct base_key k;
		size_t j;

		if (cip_table_lookup(t, &vip, SVC_PORT, CIP_PROTO_TCP, NULL, &e->port, e->eps, NEPS,
				     &e->neps) != 0 ||
		    e->neps != NEPS)
			return -1;
		base_key_make(&k, &vip, SVC_PORT, CIP_PROTO_TCP);
		for (j = base_hash(&k) & b->mask; b->slots[j].key.used; j = (j + 1) & b->mask)
			;
		b->slots[j].key = k;
		b->slots[j].entry = (uint32_t)i;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lookups, with and without a writer                                 */
/* ------------------------------------------------------------------ */

/* The table at its current size, the baseline and the readers' keys. */
struct world {
	cip_table *t;
	size_t n; /* services */
	struct base base;
	cip_addr *keys[MAX_READERS];
	size_t nkeys;	   /* per reader, a power of two */
	size_t lookup_ops; /* per pass, at 10^6 inputs */
};

struct reader {
	struct world *w;
	const cip_addr *keys;
	size_t ops;
	uint64_t sum;
	int failed;
};

struct writer {
	struct world *w;
	int (*update)(struct world *w, size_t i, unsigned flip);
	pthread_t tid;
	int running;
	atomic_int stop;
	uint64_t rng;
	uint64_t updates, ns; /* over every pass, for the rate */
	int failed;
};

struct lookup_case {
	int threads;
	int batch; /* cip_table_lookup_batch() and its baseline */
	int with_writer;
	struct reader readers[MAX_READERS];
	struct writer writer[2]; /* by side */
	struct timing timing[2];
};

static void *ours_reader(void *arg)
{
	struct reader *r = arg;
	const cip_table *t = r->w->t;
	const cip_addr *keys = r->keys;
	size_t mask = r->w->nkeys - 1, ops = r->ops, n;
	cip_service_port_info port_info;
	cip_endpoint eps[EPS_CAP];
	uint64_t sum = 0; /* r->sum only at the end: readers share a line */

	for (size_t i = 0; i < ops; i++) {
		if (cip_table_lookup(t, &keys[i & mask], SVC_PORT, CIP_PROTO_TCP, NULL, &port_info,
				     eps, EPS_CAP, &n) != 0 ||
		    n != NEPS) {
			r->failed = 1;
			break;
		}
		sum += eps[NEPS - 1].conditions + port_info.nendpoints;
	}
	r->sum = sum;
	return NULL;
}

static void *base_reader(void *arg)
{
	struct reader *r = arg;
	struct base *b = &r->w->base;
	const cip_addr *keys = r->keys;
	size_t mask = r->w->nkeys - 1, ops = r->ops, n;
	cip_service_port_info port_info;
	cip_endpoint eps[EPS_CAP];
	uint64_t sum = 0; /* r->sum only at the end: readers share a line */

	for (size_t i = 0; i < ops; i++) {
		if (base_lookup(b, &keys[i & mask], SVC_PORT, CIP_PROTO_TCP, &port_info, eps,
				EPS_CAP, &n) != 0 ||
		    n != NEPS) {
			r->failed = 1;
			break;
		}
		sum += eps[NEPS - 1].conditions + port_info.nendpoints;
	}
	r->sum = sum;
	return NULL;
}

/* A batch reader's requests and buffers. */
struct batch {
	cip_lookup q[BATCH];
	cip_service_port_info port_info[BATCH];
	cip_endpoint eps[BATCH][EPS_CAP];
};

/* Fills the requests for keys [i, i + BATCH), as a caller would. */
static void batch_fill(struct batch *b, const cip_addr *keys, size_t mask, size_t i)
{
	for (size_t k = 0; k < BATCH; k++)
		b->q[k] = (cip_lookup){ .vip = keys[(i + k) & mask],
					.port = SVC_PORT,
					.protocol = CIP_PROTO_TCP,
					.port_info = &b->port_info[k],
					.eps = b->eps[k],
					.cap = EPS_CAP };
}

static void *batch_reader(struct reader *r, enum side side)
{
	const cip_addr *keys = r->keys;
	size_t mask = r->w->nkeys - 1, ops = r->ops;
	struct batch b;
	uint64_t sum = 0;

	for (size_t i = 0; i < ops; i += BATCH) {
		int ok;

		batch_fill(&b, keys, mask, i);
		ok = side == OURS ? cip_table_lookup_batch(r->w->t, b.q, BATCH)
				  : base_lookup_batch(&r->w->base, b.q, BATCH);
		if (ok != BATCH) {
			r->failed = 1;
			break;
		}
		for (size_t k = 0; k < BATCH; k++) {
			r->failed |= b.q[k].n != NEPS;
			sum += b.eps[k][NEPS - 1].conditions + b.port_info[k].nendpoints;
		}
	}
	r->sum = sum;
	return NULL;
}

static void *ours_batch_reader(void *arg)
{
	return batch_reader(arg, OURS);
}

static void *base_batch_reader(void *arg)
{
	return batch_reader(arg, BASE);
}

static int ours_update(struct world *w, size_t i, unsigned flip)
{
	return set_endpoints(w->t, i, flip);
}

/* What the baseline's writer would do: change the entry in place. */
static int base_update(struct world *w, size_t i, unsigned flip)
{
	cip_addr vip = bench_service_vip(i);
	struct base_entry *e;
	struct base_key k;
	uint64_t h;

	base_key_make(&k, &vip, SVC_PORT, CIP_PROTO_TCP);
	h = base_hash(&k);
	pthread_rwlock_wrlock(&w->base.lock);
	e = base_find(&w->base, &k, h);
	if (e)
		e->eps[NEPS - 1].conditions = flip ? LEAVING : READY;
	pthread_rwlock_unlock(&w->base.lock);
	return e ? 0 : -1;
}

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	const struct timespec period = { 0, WRITER_PERIOD_NS };
	uint64_t start = bench_now_ns();

	while (!atomic_load(&wr->stop)) {
		size_t i = (size_t)cip__bounded_random(&wr->rng, wr->w->n);

		if (wr->update(wr->w, i, (unsigned)(wr->updates & 1)) != 0) {
			wr->failed = 1;
			break;
		}
		wr->updates++;
		nanosleep(&period, NULL);
	}
	wr->ns += bench_now_ns() - start;
	return NULL;
}

/* Starting and stopping the writer are not timed: stopping waits for the
 * end of its sleep. */
static void writer_start(struct writer *wr)
{
	bench_pause();
	atomic_store(&wr->stop, 0);
	wr->running = pthread_create(&wr->tid, NULL, writer_main, wr) == 0;
	if (!wr->running)
		wr->failed = 1;
	bench_resume();
}

static void writer_stop(struct writer *wr)
{
	bench_pause();
	atomic_store(&wr->stop, 1);
	if (wr->running)
		pthread_join(wr->tid, NULL);
	wr->running = 0;
	bench_resume();
}

/* One pass: reader 0 on this thread, the others on their own. */
static uint64_t run_pass(struct lookup_case *c, enum side side)
{
	void *(*reader)(void *) = c->batch ? (side == OURS ? ours_batch_reader : base_batch_reader)
					   : (side == OURS ? ours_reader : base_reader);
	pthread_t tid[MAX_READERS];
	uint64_t start, elapsed, sum = 0;
	size_t ops = 0;
	int started = 1;

	if (c->with_writer)
		writer_start(&c->writer[side]);
	start = bench_now_ns();
	for (; started < c->threads; started++) {
		if (pthread_create(&tid[started], NULL, reader, &c->readers[started]) != 0) {
			c->readers[started].failed = 1;
			break;
		}
	}
	reader(&c->readers[0]);
	for (int r = 1; r < started; r++)
		pthread_join(tid[r], NULL);
	elapsed = bench_now_ns() - start;
	if (c->with_writer)
		writer_stop(&c->writer[side]);
	for (int r = 0; r < c->threads; r++) {
		sum += c->readers[r].sum;
		ops += c->readers[r].ops;
	}
	timing_add(&c->timing[side], (double)elapsed / (double)ops);
	return sum;
}

static uint64_t ours_lookup_pass(const void *data)
{
	return run_pass((struct lookup_case *)data, OURS);
}

static uint64_t base_lookup_pass(const void *data)
{
	return run_pass((struct lookup_case *)data, BASE);
}

static void case_init(struct lookup_case *c, struct world *w, int threads, int with_writer,
		      int batch, size_t ops)
{
	memset(c, 0, sizeof(*c));
	c->threads = threads;
	c->batch = batch;
	c->with_writer = with_writer;
	for (int r = 0; r < threads; r++)
		c->readers[r] = (struct reader){ w, w->keys[r], ops / (size_t)threads, 0, 0 };
	for (int s = OURS; s <= BASE; s++) {
		c->writer[s].w = w;
		c->writer[s].update = s == OURS ? ours_update : base_update;
		c->writer[s].rng = SEED ^ (uint64_t)(s + 1);
		atomic_init(&c->writer[s].stop, 0);
	}
}

static int case_failed(const struct lookup_case *c)
{
	int failed = c->writer[OURS].failed || c->writer[BASE].failed;

	for (int r = 0; r < c->threads; r++)
		failed |= c->readers[r].failed;
	return failed;
}

/* Prints what the writer did: its rate and the readers' slowdown. */
static void print_writer(const char *name, const struct lookup_case *c, const double *busy,
			 const double *plain)
{
	char line[128];

	for (int s = OURS; s <= BASE; s++) {
		const struct writer *wr = &c->writer[s];
		double slowdown = plain[s] > 0 ? (busy[s] - plain[s]) / plain[s] * 100.0 : 0;

		snprintf(line, sizeof(line), "%s.slowdown.%s", name, side_names[s]);
		bench_print(line, slowdown > 0 ? slowdown : 0, "%");
		snprintf(line, sizeof(line), "%s.updates.%s", name, side_names[s]);
		bench_print(line, wr->ns ? (double)wr->updates * 1e9 / (double)wr->ns : 0,
			    "updates/s");
	}
}

/* One pair; @p med receives each side's median, @p plain (writer cases)
 * the medians without the writer. */
static int run_lookup(const struct bench_config *config, struct world *w, int threads, int batch,
		      const double *plain, double *med, uint64_t *checksum)
{
	struct lookup_case c;
	struct bench_pair pair;
	char name[96];
	size_t ops = bench_scaled(config, w->lookup_ops, 20000);
	int rc = -1;

	ops -= ops % ((size_t)threads * BATCH);
	case_init(&c, w, threads, plain != NULL, batch, ops);
	snprintf(name, sizeof(name), "table.%s.n%zu.t%d",
		 plain	 ? "lookup_writer"
		 : batch ? "lookup_batch"
			 : "lookup",
		 w->n, threads);
	pair = (struct bench_pair){ .name = name,
				    .data = &c,
				    .ops = ops,
				    .ours = { side_names[OURS], ours_lookup_pass, 0 },
				    .theirs = { side_names[BASE], base_lookup_pass, 0 } };
	if (timing_init(&c.timing[OURS], config) == 0 && timing_init(&c.timing[BASE], config) == 0)
		rc = bench_run_pair(config, &pair, checksum);
	if (rc == 0 && case_failed(&c)) {
		fprintf(stderr, "clusterip-bench: table: %s: a lookup or an update failed\n", name);
		rc = -1;
	}
	for (int s = OURS; rc == 0 && s <= BASE; s++)
		med[s] = timing_median(&c.timing[s]);
	if (rc == 0 && plain)
		print_writer(name, &c, med, plain);
	free(c.timing[OURS].ns);
	free(c.timing[BASE].ns);
	return rc;
}

/* table.KIND.nN.t2.scaling.SIDE: one reader's time per lookup over two
 * readers' (aggregate) time, from the medians @p med[readers - 1][side]. */
static void print_scaling(const char *kind, const struct world *w, double med[][2])
{
	char name[96];

	for (int s = OURS; s <= BASE; s++) {
		snprintf(name, sizeof(name), "table.%s.n%zu.t2.scaling.%s", kind, w->n,
			 side_names[s]);
		bench_print(name, med[1][s] > 0 ? med[0][s] / med[1][s] : 0, "x");
	}
}

/* Every lookup figure of the table at its current size. */
static int run_lookups(const struct bench_config *config, struct world *w, uint64_t *checksum)
{
	double plain[MAX_READERS][2], batched[MAX_READERS][2], busy[2];
	int rc = 0;

	for (int t = 1; t <= MAX_READERS && rc == 0; t++)
		rc = run_lookup(config, w, t, 0, NULL, plain[t - 1], checksum);
	if (rc == 0)
		print_scaling("lookup", w, plain);
	for (int t = 1; t <= MAX_READERS && rc == 0; t++)
		rc = run_lookup(config, w, t, 0, plain[t - 1], busy, checksum);
	for (int t = 1; t <= MAX_READERS && rc == 0; t++)
		rc = run_lookup(config, w, t, 1, NULL, batched[t - 1], checksum);
	if (rc == 0)
		print_scaling("lookup_batch", w, batched);
	return rc;
}

/* Grows the table to @p n services and rebuilds the baseline and keys. */
static int world_grow(struct world *w, const struct bench_config *config, size_t n)
{
	base_free(&w->base);
	for (; w->n < n; w->n++)
		if (create_service(w->t, w->n) != 0)
			return -1;
	if (base_build(&w->base, w->t, n) != 0)
		return -1;
	w->nkeys = key_count(config);
	for (int r = 0; r < MAX_READERS; r++) {
		uint64_t rng = SEED + (uint64_t)r;

		free(w->keys[r]);
		w->keys[r] = malloc(w->nkeys * sizeof(*w->keys[r]));
		if (!w->keys[r])
			return -1;
		for (size_t i = 0; i < w->nkeys; i++)
			w->keys[r][i] = bench_service_vip((size_t)cip__bounded_random(&rng, n));
	}
	return 0;
}

static void world_free(struct world *w)
{
	cip_table_free(w->t);
	base_free(&w->base);
	for (int r = 0; r < MAX_READERS; r++)
		free(w->keys[r]);
}

/* ------------------------------------------------------------------ */
/* DNS                                                                */
/* ------------------------------------------------------------------ */

struct dns_name {
	char text[47];
	unsigned char len;
};

struct dns_case {
	const cip_table *t;
	const struct dns_name *names; /* a power of two of them */
	size_t mask, ops;
	const char *client_ns; /* NULL: fully qualified names */
	int failed;
};

static uint64_t dns_pass(const void *data)
{
	struct dns_case *c = (struct dns_case *)data;
	cip_dns_record rec;
	uint64_t sum = 0;
	size_t n;

	for (size_t i = 0; i < c->ops; i++) {
		const struct dns_name *q = &c->names[i & c->mask];

		if (cip_table_dns_resolve(c->t, q->text, q->len, CIP_DNS_A, c->client_ns, &rec, 1,
					  &n) != 0 ||
		    n != 1) {
			c->failed = 1;
			break;
		}
		sum += rec.addr.bytes[15];
	}
	return sum;
}

/* Pseudo-random existing services, by FQDN or by name alone. */
static void dns_names(struct dns_name *names, size_t count, size_t services, int fqdn)
{
	uint64_t rng = SEED ^ 0xd45;

	for (size_t i = 0; i < count; i++) {
		size_t k = (size_t)cip__bounded_random(&rng, services);
		int len = fqdn ? snprintf(names[i].text, sizeof(names[i].text),
					  "svc-%zu.default.svc.cluster.local", k)
			       : snprintf(names[i].text, sizeof(names[i].text), "svc-%zu", k);

		names[i].len = (unsigned char)len;
	}
}

static int run_dns(const struct bench_config *config, const struct world *w, uint64_t *checksum)
{
	size_t count = key_count(config) / 4;
	struct dns_name *names = malloc(count * sizeof(*names));
	struct dns_case c = {
		w->t, names, count - 1, bench_scaled(config, DNS_OPS, 2000), NULL, 0
	};
	char name[64];
	int rc = 0;

	if (!names) {
		fputs("clusterip-bench: table: out of memory\n", stderr);
		rc = -1;
	}

	for (int fqdn = 1; fqdn >= 0 && rc == 0; fqdn--) {
		struct bench_pair pair = {
			name, &c, c.ops, { "cip", dns_pass, 0 }, { "", NULL, 0 }
		};

		dns_names(names, count, w->n, fqdn);
		c.client_ns = fqdn ? NULL : "default";
		snprintf(name, sizeof(name), "table.dns.%s.n%zu", fqdn ? "fqdn" : "search", w->n);
		rc = bench_run_pair(config, &pair, checksum);
		if (rc == 0 && c.failed) {
			fprintf(stderr, "clusterip-bench: table: %s: a name did not resolve\n",
				name);
			rc = -1;
		}
	}
	free(names);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Updates of a 1000-endpoint service                                 */
/* ------------------------------------------------------------------ */

struct update_case {
	cip_table *t;
	cip_endpoint_spec *eps[2]; /* BIG each, one endpoint's readiness apart */
	cip_pod_spec pod;	   /* the pod that changes */
	cip_addr pod_ip;
	cip_label label;
	size_t ops;
	unsigned flip;
	int failed;
};

static uint64_t endpoints_pass(const void *data)
{
	struct update_case *c = (struct update_case *)data;
	uint64_t sum = 0;

	for (size_t i = 0; i < c->ops; i++) {
		c->flip ^= 1;
		if (cip_table_endpoints_set(c->t, "default", "big", c->eps[c->flip], BIG,
					    &slice_port, 1, NULL) != 0) {
			c->failed = 1;
			break;
		}
		sum += c->flip;
	}
	return sum;
}

static uint64_t pod_pass(const void *data)
{
	struct update_case *c = (struct update_case *)data;
	uint64_t sum = 0;

	for (size_t i = 0; i < c->ops; i++) {
		c->flip ^= 1;
		c->pod.conditions = c->flip ? 0 : CIP_EP_READY;
		if (cip_table_pod_apply(c->t, &c->pod, NULL) != 0) {
			c->failed = 1;
			break;
		}
		sum += c->flip;
	}
	return sum;
}

static int big_service(cip_table *t, const char *name, size_t i, const cip_label *selector)
{
	cip_service_port port = { "http", CIP_PROTO_TCP, SVC_PORT, TARGET, NULL, 0 };
	cip_addr vip = bench_service_vip(i);
	cip_service_spec s;

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = name;
	s.ports = &port;
	s.nports = 1;
	s.cluster_ips = &vip;
	s.ncluster_ips = 1;
	s.selector = selector;
	s.nselector = selector ? 1 : 0;
	return cip_table_service_create(t, &s, 0, NULL);
}

/* Pod i of the BIG that "big-pods" selects, ready; c->pod is left as the
 * last one. */
static int apply_pod(struct update_case *c, size_t i, char *name, size_t cap)
{
	snprintf(name, cap, "pod-%zu", i);
	c->pod_ip = bench_endpoint_ip(BIG + i);
	cip_pod_spec_init(&c->pod, sizeof(c->pod));
	c->pod.ns = "default";
	c->pod.name = name;
	c->pod.ips = &c->pod_ip;
	c->pod.nips = 1;
	c->pod.labels = &c->label;
	c->pod.nlabels = 1;
	c->pod.conditions = CIP_EP_READY;
	return cip_table_pod_apply(c->t, &c->pod, NULL);
}

/* A table with "big" (BIG explicit endpoints) and "big-pods" (selects BIG
 * pods); checks that both have them all. */
static int update_setup(struct update_case *c, char *pod_name, size_t cap)
{
	cip_endpoint *out = malloc(BIG * sizeof(*out));
	int rc = -1;

	c->label = (cip_label){ "app", "big" };
	c->eps[0] = calloc(BIG, sizeof(*c->eps[0]));
	c->eps[1] = calloc(BIG, sizeof(*c->eps[1]));
	if (!out || !c->eps[0] || !c->eps[1] || cip_table_new(&c->t, NULL) != 0)
		goto done;
	for (size_t i = 0; i < BIG; i++) {
		c->eps[0][i].addr = c->eps[1][i].addr = bench_endpoint_ip(i);
		c->eps[0][i].conditions = c->eps[1][i].conditions = READY;
	}
	c->eps[1][0].conditions = LEAVING;
	if (big_service(c->t, "big", 0, NULL) != 0 ||
	    big_service(c->t, "big-pods", 1, &c->label) != 0 ||
	    cip_table_endpoints_set(c->t, "default", "big", c->eps[0], BIG, &slice_port, 1, NULL) !=
		    0)
		goto done;
	for (size_t i = 0; i < BIG; i++)
		if (apply_pod(c, i, pod_name, cap) != 0)
			goto done;
	for (size_t i = 0; i < 2; i++) {
		cip_addr vip = bench_service_vip(i);
		size_t n;

		if (cip_table_lookup(c->t, &vip, SVC_PORT, CIP_PROTO_TCP, NULL, NULL, out, BIG,
				     &n) != 0 ||
		    n != BIG)
			goto done;
	}
	rc = 0;
done:
	free(out);
	return rc;
}

static int run_updates(const struct bench_config *config, uint64_t *checksum)
{
	struct update_case c;
	char pod_name[CIP_NAME_CAP];
	int rc;

	memset(&c, 0, sizeof(c));
	c.ops = bench_scaled(config, UPDATE_OPS, 20);
	rc = update_setup(&c, pod_name, sizeof(pod_name));
	if (rc != 0) {
		fputs("clusterip-bench: table: cannot set up the update cases\n", stderr);
	} else {
		const struct bench_pair pairs[] = {
			{ "table.update.endpoints.eps1000",
			  &c,
			  c.ops,
			  { "cip", endpoints_pass, 0 },
			  { "", NULL, 0 } },
			{ "table.update.pod.eps1000",
			  &c,
			  c.ops,
			  { "cip", pod_pass, 0 },
			  { "", NULL, 0 } },
		};

		for (size_t i = 0; i < 2 && rc == 0; i++)
			rc = bench_run_pair(config, &pairs[i], checksum);
		if (rc == 0 && c.failed) {
			fputs("clusterip-bench: table: an update failed\n", stderr);
			rc = -1;
		}
	}
	cip_table_free(c.t);
	free(c.eps[0]);
	free(c.eps[1]);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The group                                                          */
/* ------------------------------------------------------------------ */

int bench_table(const struct bench_config *config)
{
	/* Services, and lookups per pass: fewer where each one misses the
	 * caches, so that every size takes a few seconds. */
	static const size_t sizes[][2] = { { 1000, 1000000 },
					   { 10000, 1000000 },
					   { 100000, 500000 } };
	struct world w;
	uint64_t checksum = 0;
	int rc;

	memset(&w, 0, sizeof(w));
	rc = cip_table_new(&w.t, NULL) == 0 ? 0 : -1;
	/* 10^6 inputs: every size; --quick's 10^4: up to 10k services. */
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && rc == 0; s++) {
		if (sizes[s][0] > config->inputs)
			break;
		w.lookup_ops = sizes[s][1];
		rc = world_grow(&w, config, sizes[s][0]);
		if (rc != 0)
			fprintf(stderr, "clusterip-bench: table: cannot build %zu services\n",
				sizes[s][0]);
		if (rc == 0)
			rc = run_lookups(config, &w, &checksum);
		if (rc == 0 && w.n == DNS_SERVICES)
			rc = run_dns(config, &w, &checksum);
	}
	world_free(&w);
	if (rc == 0)
		rc = run_updates(config, &checksum);
	if (rc == 0)
		bench_print_count("table.checksum", checksum, "count");
	return rc;
}

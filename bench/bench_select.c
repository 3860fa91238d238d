/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "select" group: what cip_table_select() costs per connection, by
 * load-balancing policy, against the lookup alone and against a naive
 * proxy's mutex round-robin.
 *
 * Services. For each endpoint count N (10, then 1000) one table holds six
 * groups of S services: one group per policy (round_robin,
 * round_robin_per_thread, random, maglev, weighted_round_robin, set by the
 * spec's lb_policy) and one of ClientIP affinity (strict round-robin
 * underneath). Each service has one ClusterIP, 10.0.0.1 + its number, one
 * port "http" 80/TCP -> 8080, no selector and N ready explicit endpoints of
 * weights 1, 2, 3, 1, ... (only weighted round-robin looks at them), at
 * addresses that tell which service they belong to. S is 1000 for N = 10
 * (100 with --quick, as building 1000 Maglev tables takes about a second)
 * and 10 for N = 1000: 10^4 endpoints a group either way, so that a 1000-
 * endpoint table stays at a few tens of MB. The Maglev group alone holds
 * S tables of 128 KiB (M = 65537): 128 MiB at N = 10, which its picks
 * reach at random. At N = 10 the per-thread round-robin group's 1000
 * services also outnumber the 256 positions a thread caches (select.h),
 * so that many of its selections start their rotation afresh.
 *
 * Keys. Each thread walks its own precomputed pseudo-random sequence of
 * NKEYS requests (ClusterIP of a random service, a random client address
 * and port); the sequence of services and clients is the same in every
 * group, only the ClusterIPs differ. NKEYS is small enough that what the
 * passes touch (the requests, and a few lines of index, record, selection
 * state and endpoints per key, plus a Maglev slot) stays in a core's L2
 * cache: the figures show the cost of the work, not of memory latency
 * (but for Maglev at N = 10, whose slots lie on thousands of pages).
 *
 * select.POLICY.Nep.tT: ns per cip_table_select() (lookup and selection)
 * with T = 1 or 2 threads. With 2 the figure is wall time over all the
 * selections of the pass: the aggregate throughput, as in the table group.
 * NAME.over_lookup: the figure minus select.lookup.Nep.tT, what the
 * selection adds to the lookup (a negative difference is noise: 0).
 *
 * select.lookup.Nep.tT: cip_table_lookup() of the same ClusterIPs with no
 * service, no port and no room for endpoints (cap 0). It then finds the
 * record and counts its endpoints and returns CIP_EBUFSIZE: the lookup
 * that cip_table_select() makes too, without the copy of N endpoints that
 * a selection never makes.
 *
 * select.mutex_rr.Nep.tT: what a naive proxy does: the same lookup, then a
 * pthread mutex per service around an index that walks a plain array of
 * the service's endpoints (copied from the table once, before the passes).
 * The proxy's state is found from the ClusterIP by arithmetic, for free,
 * which if anything flatters the baseline.
 * select.round_robin.Nep.tT.speedup_vs_mutex is its time over strict
 * round-robin's.
 *
 * select.affinity_hit.Nep.tT: selections in the ClientIP group, where each
 * service sees 16 clients, all of them affine before the timed passes
 * (the table's affinity_capacity of 256 a service keeps them from evicting
 * each other): the hit path, which refreshes the entry's last use, as the
 * clock of the requests moves on with each selection.
 *
 * All figures of one N and T are measured in the same rounds, each round
 * running every case once, in an order that turns from round to round, so
 * that drift of a busy machine hits them alike. Before the rounds every
 * key's selection is checked once, untimed: rc 0 and a backend that is one
 * of the service's endpoints (and for affinity, a hit); in the timed passes
 * every rc is checked and the addresses go into the checksum.
 *
 * select.maglev.pick: cip__maglev_pick() alone on a table of M = 65537
 * slots and N = 1000 backends, with precomputed random flow hashes. The
 * picks do not depend on each other, so they overlap: the figure is their
 * throughput, not the latency of one.
 * select.maglev.build.N: cip__maglev_build() (and the free of the table)
 * at M = 65537 for N = 10, 100 and 1000, in ms. Each table built is checked
 * first: every backend has floor(M/N) or ceil(M/N) slots.
 *
 * select.goal.*: the figures the design aims at, each followed by its
 * target (reported, not asserted): per-thread and strict round-robin over
 * the lookup, single-threaded, the larger of N = 10 and N = 1000; the
 * Maglev pick; the Maglev build at N = 1000.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterip/clusterip.h>

#include "bench.h"
#include "maglev.h"
#include "random.h"

#define SEED UINT64_C(0x5e1ec75eedc0de)
#define MAX_THREADS 2
#define NKEYS 4096u	      /* requests per thread, a power of two */
#define SELECT_OPS 1000000    /* selections per pass at 10^6 inputs */
#define SVC_PORT 80	      /* every service's port */
#define TARGET 8080	      /* and the endpoints' */
#define AFFINITY_CLIENTS 16   /* per service of the affinity group */
#define AFFINITY_CAPACITY 256 /* entries per service port, 16 times its clients */
#define MIN_HIT_PERCENT 99    /* of affinity selections after the first round */
#define MAGLEV_M CIP__MAGLEV_DEFAULT_M
#define PICK_OPS 10000000 /* Maglev picks per pass at 10^6 inputs */
#define BUILDS 16	  /* Maglev builds per pass at 10^6 inputs */
#define READY (CIP_EP_READY | CIP_EP_SERVING)

/* Goals of the design, for the select.goal.* lines. */
#define GOAL_RR_PER_THREAD_NS 5.0
#define GOAL_RR_STRICT_NS 15.0
#define GOAL_MAGLEV_PICK_NS 10.0
#define GOAL_MAGLEV_BUILD_MS 2.0

/* The groups of services of a table. */
enum group { G_RR, G_RR_PER_THREAD, G_RANDOM, G_MAGLEV, G_WRR, G_AFFINITY, NGROUPS };

static const struct {
	const char *figure; /* in select.FIGURE.Nep.tT */
	const char *prefix; /* of the services' names */
	int policy;
	int affinity;
} groups[NGROUPS] = {
	{ "round_robin", "rr", CIP_LB_ROUND_ROBIN, CIP_AFFINITY_NONE },
	{ "round_robin_per_thread", "rrpt", CIP_LB_ROUND_ROBIN_PER_THREAD, CIP_AFFINITY_NONE },
	{ "random", "random", CIP_LB_RANDOM, CIP_AFFINITY_NONE },
	{ "maglev", "maglev", CIP_LB_MAGLEV, CIP_AFFINITY_NONE },
	{ "weighted_round_robin", "wrr", CIP_LB_WEIGHTED_ROUND_ROBIN, CIP_AFFINITY_NONE },
	{ "affinity_hit", "affinity", CIP_LB_ROUND_ROBIN, CIP_AFFINITY_CLIENT_IP },
};

static const cip_named_port slice_port = { "http", CIP_PROTO_TCP, TARGET };

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* The low 24 bits of an IPv4 address. */
static size_t low24(const cip_addr *a)
{
	return (size_t)a->bytes[13] << 16 | (size_t)a->bytes[14] << 8 | a->bytes[15];
}

/* The service number of a bench_service_vip() address. */
static size_t svc_of_vip(const cip_addr *vip)
{
	return low24(vip) - 1;
}

/* The endpoint number of a bench_endpoint_ip() address (service i's are
 * i * N to i * N + N - 1). */
static size_t ep_of_ip(const cip_addr *a)
{
	return low24(a) - ((size_t)64 << 16);
}

static void print_named(const char *prefix, const char *suffix, double value, const char *unit)
{
	char name[128];

	snprintf(name, sizeof(name), "%s%s", prefix, suffix);
	bench_print(name, value, unit);
}

/* ------------------------------------------------------------------ */
/* Interleaved timing                                                 */
/* ------------------------------------------------------------------ */

/* One figure: a pass of @p ops operations over @p data. */
struct timed {
	uint64_t (*pass)(void *data);
	void *data;
	size_t ops;
	double median; /* ns/op, once measured */
};

/* The case that round @p r runs at step @p k: each round starts at another
 * case and every other round runs them backwards. */
static size_t round_order(size_t n, int r, size_t k)
{
	size_t i = (k + (size_t)r) % n;

	return r % 2 ? n - 1 - i : i;
}

/*
 * Times @p n cases together: one untimed warm-up pass of each, then
 * config->repetitions rounds of one pass of each; sets each case's median.
 * @return 0, or -1 when out of memory.
 */
static int run_interleaved(const struct bench_config *config, struct timed *cases, size_t n,
			   uint64_t *checksum)
{
	int reps = config->repetitions;
	double *ns = calloc(n * (size_t)reps, sizeof(*ns));

	if (!ns) {
		fputs("clusterip-bench: select: out of memory\n", stderr);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		*checksum += cases[i].pass(cases[i].data);
	for (int r = 0; r < reps; r++) {
		for (size_t k = 0; k < n; k++) {
			struct timed *c = &cases[round_order(n, r, k)];
			uint64_t start = bench_now_ns();

			*checksum += c->pass(c->data);
			ns[(size_t)(c - cases) * (size_t)reps + (size_t)r] =
				(double)(bench_now_ns() - start) / (double)c->ops;
		}
	}
	for (size_t i = 0; i < n; i++)
		cases[i].median = bench_median(ns + i * (size_t)reps, reps);
	free(ns);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The table                                                          */
/* ------------------------------------------------------------------ */

/* A mutex round-robin service of the baseline, one cache line each. */
struct mutex_svc {
	_Alignas(64) pthread_mutex_t lock;
	uint32_t next, n;
	const cip_endpoint *eps;
};

struct world {
	cip_table *t;
	size_t neps; /* N */
	size_t nsvc; /* S, services per group */
	cip_select_request *keys[NGROUPS][MAX_THREADS];
	struct mutex_svc *mutexes; /* the round-robin group's */
	size_t nmutexes;	   /* initialised */
	cip_endpoint *mutex_eps;   /* nsvc * neps */
};

/* Creates service number @p i of group @p g with its endpoints. */
static int create_service(const struct world *w, enum group g, size_t i, cip_endpoint_spec *eps)
{
	size_t number = (size_t)g * w->nsvc + i;
	cip_addr vip = bench_service_vip(number);
	char name[CIP_NAME_CAP];

	snprintf(name, sizeof(name), "%s-%zu", groups[g].prefix, i);
	if (bench_service_create(w->t, name, &vip, SVC_PORT, TARGET, groups[g].policy,
				 groups[g].affinity) != 0)
		return -1;
	for (size_t k = 0; k < w->neps; k++) {
		eps[k].addr = bench_endpoint_ip(number * w->neps + k);
		eps[k].conditions = READY;
		eps[k].weight = (uint32_t)(1 + k % 3);
	}
	return cip_table_endpoints_set(w->t, "default", name, eps, w->neps, &slice_port, 1, NULL);
}

static int create_services(struct world *w)
{
	cip_endpoint_spec *eps = calloc(w->neps, sizeof(*eps));
	cip_table_opts opts;
	int rc = eps ? 0 : -1;

	cip_table_opts_init(&opts, sizeof(opts));
	opts.affinity_capacity = AFFINITY_CAPACITY;
	opts.seed = SEED;
	if (rc == 0 && cip_table_new(&w->t, &opts) != 0)
		rc = -1;
	for (int g = 0; g < NGROUPS && rc == 0; g++)
		for (size_t i = 0; i < w->nsvc && rc == 0; i++)
			rc = create_service(w, (enum group)g, i, eps);
	free(eps);
	return rc;
}

/* Fills every group's requests: for each thread, the same services and
 * clients in every group, with the group's ClusterIPs. */
static int make_keys(struct world *w)
{
	for (int r = 0; r < MAX_THREADS; r++) {
		uint64_t rng = SEED + (uint64_t)r;

		for (int g = 0; g < NGROUPS; g++) {
			w->keys[g][r] = calloc(NKEYS, sizeof(cip_select_request));
			if (!w->keys[g][r])
				return -1;
		}
		for (size_t i = 0; i < NKEYS; i++) {
			size_t svc = (size_t)cip__bounded_random(&rng, w->nsvc);
			uint64_t x = cip__splitmix64(&rng);
			size_t affine = (size_t)cip__bounded_random(&rng, AFFINITY_CLIENTS);

			for (int g = 0; g < NGROUPS; g++) {
				cip_select_request *q = &w->keys[g][r][i];

				q->vip = bench_service_vip((size_t)g * w->nsvc + svc);
				q->port = SVC_PORT;
				q->protocol = CIP_PROTO_TCP;
				q->client = g == G_AFFINITY ? bench_v4(192, 168, 0, 1 + affine)
							    : bench_v4(172, 16 + ((x >> 16) & 15),
								       (x >> 8) & 255, x & 255);
				q->client_port = (uint16_t)(1024 + (x >> 32) % 64512);
			}
		}
	}
	return 0;
}

/* The baseline's services: the round-robin group's endpoints, copied out
 * of the table. */
static int make_mutexes(struct world *w)
{
	w->mutexes = aligned_alloc(64, w->nsvc * sizeof(*w->mutexes));
	w->mutex_eps = malloc(w->nsvc * w->neps * sizeof(*w->mutex_eps));
	if (!w->mutexes || !w->mutex_eps)
		return -1;
	for (; w->nmutexes < w->nsvc; w->nmutexes++) {
		struct mutex_svc *m = &w->mutexes[w->nmutexes];
		cip_endpoint *eps = w->mutex_eps + w->nmutexes * w->neps;
		cip_addr vip = bench_service_vip(w->nmutexes);
		size_t n;

		if (cip_table_lookup(w->t, &vip, SVC_PORT, CIP_PROTO_TCP, NULL, NULL, eps, w->neps,
				     &n) != 0 ||
		    n != w->neps || pthread_mutex_init(&m->lock, NULL) != 0)
			return -1;
		m->next = 0;
		m->n = (uint32_t)n;
		m->eps = eps;
	}
	return 0;
}

static void world_free(struct world *w)
{
	cip_table_free(w->t);
	for (int g = 0; g < NGROUPS; g++)
		for (int r = 0; r < MAX_THREADS; r++)
			free(w->keys[g][r]);
	for (size_t i = 0; i < w->nmutexes; i++)
		pthread_mutex_destroy(&w->mutexes[i].lock);
	free(w->mutexes);
	free(w->mutex_eps);
	memset(w, 0, sizeof(*w));
}

static int world_build(struct world *w, size_t neps, size_t nsvc)
{
	memset(w, 0, sizeof(*w));
	w->neps = neps;
	w->nsvc = nsvc;
	if (create_services(w) != 0 || make_keys(w) != 0 || make_mutexes(w) != 0) {
		fprintf(stderr,
			"clusterip-bench: select: cannot build %zu services of %zu endpoints\n",
			NGROUPS * nsvc, neps);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Readers                                                            */
/* ------------------------------------------------------------------ */

struct reader {
	const struct world *w;
	cip_select_request *keys; /* NKEYS */
	size_t ops;
	uint64_t sum;
	int failed;
};

static void *select_reader(void *arg)
{
	struct reader *r = arg;
	size_t ops = r->ops;
	const cip_table *t = r->w->t;
	const cip_select_request *keys = r->keys;
	cip_backend out;
	uint64_t sum = 0; /* r->sum only at the end: readers share a line */

	for (size_t i = 0; i < ops; i++) {
		if (cip_table_select(t, &keys[i & (NKEYS - 1)], &out) != 0) {
			r->failed = 1;
			break;
		}
		sum += out.addr.bytes[15] + out.index;
	}
	r->sum = sum;
	return NULL;
}

/* Affinity entries are refreshed on a hit only when time moves on, as it
 * does for a proxy: each selection is one nanosecond after the last. */
static void *affinity_reader(void *arg)
{
	struct reader *r = arg;
	size_t ops = r->ops;
	const cip_table *t = r->w->t;
	cip_select_request *keys = r->keys;
	uint64_t now = bench_now_ns(), sum = 0;
	cip_backend out;

	for (size_t i = 0; i < ops; i++) {
		cip_select_request *q = &keys[i & (NKEYS - 1)];

		q->now = now + i;
		if (cip_table_select(t, q, &out) != 0) {
			r->failed = 1;
			break;
		}
		sum += out.addr.bytes[15] + out.flags;
	}
	r->sum = sum;
	return NULL;
}

/* The lookup alone; see the top of the file for cap 0. */
static void *lookup_reader(void *arg)
{
	struct reader *r = arg;
	size_t ops = r->ops;
	const cip_table *t = r->w->t;
	const cip_select_request *keys = r->keys;
	uint64_t sum = 0;
	size_t n;

	for (size_t i = 0; i < ops; i++) {
		if (cip_table_lookup(t, &keys[i & (NKEYS - 1)].vip, SVC_PORT, CIP_PROTO_TCP, NULL,
				     NULL, NULL, 0, &n) != CIP_EBUFSIZE) {
			r->failed = 1;
			break;
		}
		sum += n;
	}
	r->sum = sum;
	return NULL;
}

static void *mutex_reader(void *arg)
{
	struct reader *r = arg;
	size_t ops = r->ops;
	const struct world *w = r->w;
	const cip_select_request *keys = r->keys;
	uint64_t sum = 0;
	cip_backend out;
	size_t n;

	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < ops; i++) {
		const cip_select_request *q = &keys[i & (NKEYS - 1)];
		struct mutex_svc *m;
		uint32_t at;

		if (cip_table_lookup(w->t, &q->vip, SVC_PORT, CIP_PROTO_TCP, NULL, NULL, NULL, 0,
				     &n) != CIP_EBUFSIZE) {
			r->failed = 1;
			break;
		}
		m = &w->mutexes[svc_of_vip(&q->vip)];
		pthread_mutex_lock(&m->lock);
		at = m->next;
		m->next = at + 1 == m->n ? 0 : at + 1;
		pthread_mutex_unlock(&m->lock);
		out.addr = m->eps[at].addr;
		out.port = m->eps[at].port;
		out.index = at;
		sum += out.addr.bytes[15] + out.index;
	}
	r->sum = sum;
	return NULL;
}

/* One case of a table's rounds: a reader run by T threads. */
struct select_case {
	void *(*reader)(void *);
	int threads;
	struct reader readers[MAX_THREADS];
};

/* One pass: reader 0 on this thread, the others on their own. */
static uint64_t select_pass(void *data)
{
	struct select_case *c = data;
	pthread_t tid[MAX_THREADS];
	uint64_t sum = 0;
	int started = 1;

	for (; started < c->threads; started++) {
		if (pthread_create(&tid[started], NULL, c->reader, &c->readers[started]) != 0) {
			c->readers[started].failed = 1;
			break;
		}
	}
	c->reader(&c->readers[0]);
	for (int r = 1; r < started; r++)
		pthread_join(tid[r], NULL);
	for (int r = 0; r < c->threads; r++)
		sum += c->readers[r].sum;
	return sum;
}

static int case_failed(const struct select_case *c)
{
	int failed = 0;

	for (int r = 0; r < c->threads; r++)
		failed |= c->readers[r].failed;
	return failed;
}

/* ------------------------------------------------------------------ */
/* Checks                                                             */
/* ------------------------------------------------------------------ */

/* Whether @p b is one of the endpoints of the service that @p q asks for. */
static int is_own_backend(const struct world *w, const cip_select_request *q, const cip_backend *b)
{
	return b->addr.family == CIP_FAMILY_IPV4 && b->port == TARGET && b->index < w->neps &&
	       ep_of_ip(&b->addr) / w->neps == svc_of_vip(&q->vip);
}

/* Selects every key of group @p g once; counts the affinity hits. */
static int check_keys(const struct world *w, enum group g, size_t *hits)
{
	cip_backend out;

	for (int r = 0; r < MAX_THREADS; r++) {
		for (size_t i = 0; i < NKEYS; i++) {
			cip_select_request *q = &w->keys[g][r][i];

			q->now = bench_now_ns();
			if (cip_table_select(w->t, q, &out) != 0 || !is_own_backend(w, q, &out))
				return -1;
			*hits += (out.flags & CIP_BACKEND_AFFINITY) != 0;
		}
	}
	return 0;
}

/* Checks every group's selections, and that the affinity group's clients
 * are affine from the second selection on. */
static int check_world(const struct world *w)
{
	size_t hits = 0, n;

	for (int g = 0; g < NGROUPS; g++) {
		if (check_keys(w, (enum group)g, &hits) != 0) {
			fprintf(stderr,
				"clusterip-bench: select: %s: a selection failed or chose "
				"a backend of another service\n",
				groups[g].figure);
			return -1;
		}
	}
	hits = 0;
	if (check_keys(w, G_AFFINITY, &hits) != 0 ||
	    hits * 100 < (size_t)MAX_THREADS * NKEYS * MIN_HIT_PERCENT) {
		fprintf(stderr, "clusterip-bench: select: affinity: %zu hits out of %u\n", hits,
			MAX_THREADS * NKEYS);
		return -1;
	}
	for (size_t i = 0; i < w->nsvc; i++) {
		cip_addr vip = bench_service_vip(i);

		if (cip_table_lookup(w->t, &vip, SVC_PORT, CIP_PROTO_TCP, NULL, NULL, NULL, 0,
				     &n) != CIP_EBUFSIZE ||
		    n != w->neps) {
			fputs("clusterip-bench: select: a lookup with cap 0 did not count the "
			      "endpoints\n",
			      stderr);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Selections by policy                                               */
/* ------------------------------------------------------------------ */

/* The cases of a table's rounds: one per group, then the baselines. */
enum { C_LOOKUP = NGROUPS, C_MUTEX, NCASES };

/* The median ns/op of each case, by threads, for the goals. */
struct figures {
	double ns[MAX_THREADS][NCASES];
};

static void case_init(struct select_case *c, const struct world *w, int kind, int threads,
		      size_t ops)
{
	enum group g = kind < NGROUPS ? (enum group)kind : G_RR;

	memset(c, 0, sizeof(*c));
	c->threads = threads;
	c->reader = kind == C_LOOKUP	 ? lookup_reader
		    : kind == C_MUTEX	 ? mutex_reader
		    : kind == G_AFFINITY ? affinity_reader
					 : select_reader;
	for (int r = 0; r < threads; r++)
		c->readers[r] = (struct reader){ w, w->keys[g][r], ops / (size_t)threads, 0, 0 };
}

/* The cost of a case over the lookup; a negative difference is noise and
 * counts as 0, as in the table group. */
static double over_lookup(double ns, double lookup_ns)
{
	return ns > lookup_ns ? ns - lookup_ns : 0;
}

static void print_case(const char *name, double ns, double lookup_ns)
{
	bench_print(name, ns, "ns/op");
	print_named(name, ".over_lookup", over_lookup(ns, lookup_ns), "ns/op");
}

static void print_figures(const struct world *w, int threads, const double *ns)
{
	char name[96];

	snprintf(name, sizeof(name), "select.lookup.%zuep.t%d", w->neps, threads);
	bench_print(name, ns[C_LOOKUP], "ns/op");
	for (int g = 0; g < NGROUPS; g++) {
		snprintf(name, sizeof(name), "select.%s.%zuep.t%d", groups[g].figure, w->neps,
			 threads);
		print_case(name, ns[g], ns[C_LOOKUP]);
	}
	snprintf(name, sizeof(name), "select.mutex_rr.%zuep.t%d", w->neps, threads);
	print_case(name, ns[C_MUTEX], ns[C_LOOKUP]);
	snprintf(name, sizeof(name), "select.round_robin.%zuep.t%d.speedup_vs_mutex", w->neps,
		 threads);
	bench_print(name, ns[G_RR] > 0 ? ns[C_MUTEX] / ns[G_RR] : 0, "x");
}

/* Every case of the table with @p threads threads, in the same rounds. */
static int run_threads(const struct bench_config *config, const struct world *w, int threads,
		       double *ns, uint64_t *checksum)
{
	struct select_case cases[NCASES];
	struct timed timed[NCASES];
	size_t ops = bench_scaled(config, SELECT_OPS, NKEYS);
	int rc;

	ops -= ops % (size_t)threads;
	for (int k = 0; k < NCASES; k++) {
		case_init(&cases[k], w, k, threads, ops);
		timed[k] = (struct timed){ select_pass, &cases[k], ops, 0 };
	}
	rc = run_interleaved(config, timed, NCASES, checksum);
	for (int k = 0; k < NCASES && rc == 0; k++) {
		if (case_failed(&cases[k])) {
			fprintf(stderr,
				"clusterip-bench: select: a selection or lookup failed "
				"with %d threads\n",
				threads);
			rc = -1;
		}
		ns[k] = timed[k].median;
	}
	if (rc == 0)
		print_figures(w, threads, ns);
	return rc;
}

/* S for N endpoints: see the top of the file. */
static size_t services_for(const struct bench_config *config, size_t neps)
{
	if (neps >= 1000)
		return 10;
	return config->inputs >= 1000000 ? 1000 : 100;
}

static int run_policies(const struct bench_config *config, size_t neps, struct figures *f,
			uint64_t *checksum)
{
	struct world w;
	int rc = world_build(&w, neps, services_for(config, neps));

	if (rc == 0)
		rc = check_world(&w);
	for (int t = 1; t <= MAX_THREADS && rc == 0; t++)
		rc = run_threads(config, &w, t, f->ns[t - 1], checksum);
	world_free(&w);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Maglev internals                                                   */
/* ------------------------------------------------------------------ */

static const size_t build_sizes[] = { 10, 100, 1000 };

#define NBUILDS (sizeof(build_sizes) / sizeof(build_sizes[0]))
#define PICK_BACKENDS 1000

struct pick_case {
	const struct cip__maglev *m;
	const uint64_t *hashes; /* NKEYS */
	size_t ops;
};

struct build_case {
	const uint64_t *keys;
	size_t n, builds;
	int failed;
};

static uint64_t pick_pass(void *data)
{
	const struct pick_case *c = data;
	uint64_t sum = 0;

	for (size_t i = 0; i < c->ops; i++)
		sum += cip__maglev_pick(c->m, c->hashes[i & (NKEYS - 1)]);
	return sum;
}

static uint64_t build_pass(void *data)
{
	struct build_case *c = data;
	uint64_t sum = 0;

	for (size_t b = 0; b < c->builds; b++) {
		struct cip__maglev *m;

		if (cip__maglev_build(c->keys, c->n, MAGLEV_M, &m) != 0) {
			c->failed = 1;
			break;
		}
		sum += m->slots[b % MAGLEV_M];
		cip__maglev_free(m);
	}
	return sum;
}

/* Whether @p m gives each of its n backends floor(M/n) or ceil(M/n) slots. */
static int maglev_balanced(const struct cip__maglev *m)
{
	uint32_t *count = calloc(m->n, sizeof(*count));
	int ok = count != NULL;

	for (uint32_t s = 0; s < m->m && ok; s++) {
		ok = m->slots[s] < m->n;
		if (ok)
			count[m->slots[s]]++;
	}
	for (uint32_t b = 0; b < m->n && ok; b++)
		ok = count[b] == m->m / m->n || count[b] == m->m / m->n + 1;
	free(count);
	return ok;
}

/* Builds a table of each size once, untimed, and checks it. */
static int check_builds(const uint64_t *keys)
{
	for (size_t k = 0; k < NBUILDS; k++) {
		struct cip__maglev *m = NULL;
		int ok = cip__maglev_build(keys, build_sizes[k], MAGLEV_M, &m) == 0 &&
			 maglev_balanced(m);

		cip__maglev_free(m);
		if (!ok) {
			fprintf(stderr,
				"clusterip-bench: select: a Maglev table of %zu backends "
				"is wrong\n",
				build_sizes[k]);
			return -1;
		}
	}
	return 0;
}

static int run_maglev_cases(const struct bench_config *config, const struct cip__maglev *m,
			    const uint64_t *keys, const uint64_t *hashes, double *pick_ns,
			    double *build_ms, uint64_t *checksum)
{
	struct pick_case pick = { m, hashes, bench_scaled(config, PICK_OPS, NKEYS) };
	struct build_case builds[NBUILDS];
	struct timed timed[1 + NBUILDS];
	char name[64];
	int rc;

	timed[0] = (struct timed){ pick_pass, &pick, pick.ops, 0 };
	for (size_t k = 0; k < NBUILDS; k++) {
		builds[k] = (struct build_case){ keys, build_sizes[k],
						 bench_scaled(config, BUILDS, 1), 0 };
		timed[1 + k] = (struct timed){ build_pass, &builds[k], builds[k].builds, 0 };
	}
	rc = run_interleaved(config, timed, 1 + NBUILDS, checksum);
	for (size_t k = 0; k < NBUILDS && rc == 0; k++) {
		if (builds[k].failed) {
			fputs("clusterip-bench: select: a Maglev build failed\n", stderr);
			rc = -1;
		}
	}
	if (rc != 0)
		return rc;
	*pick_ns = timed[0].median;
	bench_print("select.maglev.pick", *pick_ns, "ns/op");
	for (size_t k = 0; k < NBUILDS; k++) {
		snprintf(name, sizeof(name), "select.maglev.build.%zu", build_sizes[k]);
		*build_ms = timed[1 + k].median / 1e6;
		bench_print(name, *build_ms, "ms");
	}
	return 0;
}

/* select.maglev.*: @p build_ms receives the time of the largest build. */
static int run_maglev(const struct bench_config *config, double *pick_ns, double *build_ms,
		      uint64_t *checksum)
{
	uint64_t *keys = malloc(PICK_BACKENDS * sizeof(*keys));
	uint64_t *hashes = malloc(NKEYS * sizeof(*hashes));
	struct cip__maglev *m = NULL;
	uint64_t rng = SEED ^ 0x3a91e7;
	int rc = -1;

	if (keys && hashes) {
		for (size_t i = 0; i < PICK_BACKENDS; i++)
			keys[i] = cip__splitmix64(&rng);
		for (size_t i = 0; i < NKEYS; i++)
			hashes[i] = cip__splitmix64(&rng);
		rc = cip__maglev_build(keys, PICK_BACKENDS, MAGLEV_M, &m) == 0 ? 0 : -1;
	}
	if (rc != 0)
		fputs("clusterip-bench: select: cannot build a Maglev table\n", stderr);
	if (rc == 0)
		rc = check_builds(keys);
	if (rc == 0)
		rc = run_maglev_cases(config, m, keys, hashes, pick_ns, build_ms, checksum);
	cip__maglev_free(m);
	free(keys);
	free(hashes);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The group                                                          */
/* ------------------------------------------------------------------ */

static const size_t endpoint_counts[] = { 10, 1000 };

#define NCOUNTS (sizeof(endpoint_counts) / sizeof(endpoint_counts[0]))

static void print_goal(const char *name, double value, double target, const char *unit)
{
	bench_print(name, value, unit);
	print_named(name, ".target", target, unit);
}

/* The single-threaded cost of @p kind over the lookup, the larger of the
 * endpoint counts. */
static double worst_over_lookup(const struct figures *f, int kind)
{
	double worst = 0;

	for (size_t k = 0; k < NCOUNTS; k++) {
		double over = over_lookup(f[k].ns[0][kind], f[k].ns[0][C_LOOKUP]);

		if (k == 0 || over > worst)
			worst = over;
	}
	return worst;
}

static void print_goals(const struct figures *f, double pick_ns, double build_ms)
{
	print_goal("select.goal.rr_per_thread_over_lookup", worst_over_lookup(f, G_RR_PER_THREAD),
		   GOAL_RR_PER_THREAD_NS, "ns/op");
	print_goal("select.goal.rr_strict_uncontended_over_lookup", worst_over_lookup(f, G_RR),
		   GOAL_RR_STRICT_NS, "ns/op");
	print_goal("select.goal.maglev_pick", pick_ns, GOAL_MAGLEV_PICK_NS, "ns/op");
	print_goal("select.goal.maglev_build.1000", build_ms, GOAL_MAGLEV_BUILD_MS, "ms");
}

int bench_select(const struct bench_config *config)
{
	struct figures f[NCOUNTS];
	double pick_ns = 0, build_ms = 0;
	uint64_t checksum = 0;
	int rc = 0;

	for (size_t k = 0; k < NCOUNTS && rc == 0; k++)
		rc = run_policies(config, endpoint_counts[k], &f[k], &checksum);
	if (rc == 0)
		rc = run_maglev(config, &pick_ns, &build_ms, &checksum);
	if (rc == 0) {
		print_goals(f, pick_ns, build_ms);
		bench_print_count("select.checksum", checksum, "count");
	}
	return rc;
}

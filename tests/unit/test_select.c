/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_table_select(): kube-proxy's endpoint filtering (table-driven from
 * the cases of its CategorizeEndpoints tests), the policies, session
 * affinity and the errors.
 */
#include <pthread.h>

#include "cip_test.h"

#define NS "default"
#define SVC "web"
#define SVC_PORT 80
#define TARGET 8080
#define SECOND UINT64_C(1000000000)
#define MAX_EPS 16

#define READY (CIP_EP_READY | CIP_EP_SERVING)
#define TERMINATING (CIP_EP_SERVING | CIP_EP_TERMINATING)
#define GONE CIP_EP_TERMINATING /* terminating, no longer serving */

/* An IPv4 address from its four octets (cip_test.h builds it). */
static cip_addr v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	const uint8_t octets[4] = { (uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d };

	return ct_addr_bytes(CIP_FAMILY_IPV4, octets);
}

static const cip_named_port slice_port = { "http", CIP_PROTO_TCP, TARGET };

/* An endpoint of a table row: 10.0.0.<host>. */
struct ep_row {
	unsigned host;
	unsigned conditions;
	const char *node, *zone, *hint_zone, *hint_node;
	uint32_t weight;
};

struct world {
	cip_table *t;
	cip_addr vip;
};

static void world_new(struct world *w, const cip_table_opts *opts, int policy, int local,
		      uint32_t affinity_timeout)
{
	cip_service_port port = { "http", CIP_PROTO_TCP, SVC_PORT, TARGET, NULL, 0 };
	cip_service_spec s;

	memset(w, 0, sizeof(*w));
	assert_int_equal(cip_table_new(&w->t, opts), 0);
	w->vip = v4(10, 96, 0, 10);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = NS;
	s.name = SVC;
	s.ports = &port;
	s.nports = 1;
	s.cluster_ips = &w->vip;
	s.ncluster_ips = 1;
	s.lb_policy = policy;
	s.internal_traffic_policy = local ? CIP_TRAFFIC_LOCAL : CIP_TRAFFIC_CLUSTER;
	if (affinity_timeout) {
		s.session_affinity = CIP_AFFINITY_CLIENT_IP;
		s.affinity_timeout = affinity_timeout;
	}
	assert_int_equal(cip_table_service_create(w->t, &s, 0, NULL), 0);
}

static int set_rows(struct world *w, const struct ep_row *rows, size_t n)
{
	cip_endpoint_spec eps[MAX_EPS];

	memset(eps, 0, sizeof(eps));
	for (size_t i = 0; i < n; i++) {
		eps[i].addr = v4(10, 0, 0, rows[i].host);
		eps[i].conditions = rows[i].conditions;
		eps[i].node_name = rows[i].node;
		eps[i].zone = rows[i].zone;
		eps[i].hint_zone = rows[i].hint_zone;
		eps[i].hint_node = rows[i].hint_node;
		eps[i].weight = rows[i].weight;
	}
	return cip_table_endpoints_set(w->t, NS, SVC, eps, n, &slice_port, 1, NULL);
}

/* The id of @p name, 0 if the table never saw it. */
static uint32_t id_of(const struct world *w, const char *name)
{
	uint32_t id = 0;

	if (name && cip_table_name_id(w->t, name, &id) != 0)
		id = 0;
	return id;
}

static cip_select_request request(const struct world *w, const char *node, const char *zone)
{
	cip_select_request r;

	memset(&r, 0, sizeof(r));
	r.vip = w->vip;
	r.port = SVC_PORT;
	r.protocol = CIP_PROTO_TCP;
	r.node = id_of(w, node);
	r.zone = id_of(w, zone);
	return r;
}

/* ------------------------------------------------------------------ */
/* Filtering                                                          */
/* ------------------------------------------------------------------ */

struct filter_case {
	const char *name;
	int local; /* internalTrafficPolicy Local */
	const char *node, *zone;
	struct ep_row eps[6];
	size_t neps;
	int rc;
	int category;
	unsigned expect[6]; /* the hosts that may be chosen, 0-terminated */
};

static const struct filter_case filter_cases[] = {
	{ "no hints: every ready endpoint",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", NULL, NULL, 0 },
	    { 2, READY, "node-b", "zone-b", NULL, NULL, 0 },
	    { 3, 0, "node-c", "zone-c", NULL, NULL, 0 } },
	  3,
	  0,
	  CIP_CATEGORY_READY,
	  { 1, 2 } },
	{ "zone hints: this zone's endpoints",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, READY, "node-b", "zone-a", "zone-a", NULL, 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", NULL, 0 } },
	  3,
	  0,
	  CIP_CATEGORY_SAME_ZONE,
	  { 1, 2 } },
	{ "a ready endpoint without hint: no filtering",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, READY, "node-b", "zone-b", NULL, NULL, 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", NULL, 0 } },
	  3,
	  0,
	  CIP_CATEGORY_READY,
	  { 1, 2, 3 } },
	{ "an unready endpoint without hint does not matter",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, 0, "node-b", "zone-b", NULL, NULL, 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", NULL, 0 } },
	  3,
	  0,
	  CIP_CATEGORY_SAME_ZONE,
	  { 1 } },
	{ "no hint names this zone: every ready endpoint",
	  0,
	  "node-a",
	  "zone-c",
	  { { 1, READY, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, READY, "node-b", "zone-b", "zone-b", NULL, 0 } },
	  2,
	  0,
	  CIP_CATEGORY_READY,
	  { 1, 2 } },
	{ "only unready endpoints hinted here: every ready endpoint",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, 0, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, READY, "node-b", "zone-b", "zone-b", NULL, 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", NULL, 0 } },
	  3,
	  0,
	  CIP_CATEGORY_READY,
	  { 2, 3 } },
	{ "proxy without a zone: every ready endpoint",
	  0,
	  "node-a",
	  NULL,
	  { { 1, READY, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, READY, "node-b", "zone-b", "zone-b", NULL, 0 } },
	  2,
	  0,
	  CIP_CATEGORY_READY,
	  { 1, 2 } },
	{ "node hints: this node's endpoints first",
	  0,
	  "node-b",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-a", "node-a", 0 },
	    { 2, READY, "node-b", "zone-a", "zone-a", "node-b", 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", "node-c", 0 } },
	  3,
	  0,
	  CIP_CATEGORY_SAME_NODE,
	  { 2 } },
	{ "node hints name other nodes: the zone's",
	  0,
	  "node-x",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-a", "node-a", 0 },
	    { 2, READY, "node-b", "zone-a", "zone-a", "node-b", 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", "node-c", 0 },
	    { 4, READY, "node-x", "zone-c", "zone-c", "node-y", 0 } },
	  4,
	  0,
	  CIP_CATEGORY_SAME_ZONE,
	  { 1, 2 } },
	{ "node hints on some endpoints only: ignored, the zone's",
	  0,
	  "node-b",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, READY, "node-b", "zone-a", "zone-a", "node-b", 0 },
	    { 3, READY, "node-c", "zone-b", "zone-b", "node-c", 0 } },
	  3,
	  0,
	  CIP_CATEGORY_SAME_ZONE,
	  { 1, 2 } },
	{ "none ready: serving and terminating ones",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, TERMINATING, "node-a", "zone-a", NULL, NULL, 0 },
	    { 2, GONE, "node-b", "zone-b", NULL, NULL, 0 },
	    { 3, TERMINATING, "node-c", "zone-b", NULL, NULL, 0 },
	    { 4, 0, "node-c", "zone-b", NULL, NULL, 0 } },
	  4,
	  0,
	  CIP_CATEGORY_TERMINATING,
	  { 1, 3 } },
	{ "none ready, terminating ones ignore topology",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, TERMINATING, "node-a", "zone-a", "zone-a", NULL, 0 },
	    { 2, TERMINATING, "node-b", "zone-b", "zone-b", NULL, 0 } },
	  2,
	  0,
	  CIP_CATEGORY_TERMINATING,
	  { 1, 2 } },
	{ "one ready: terminating ones are not used",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, TERMINATING, "node-a", "zone-a", NULL, NULL, 0 },
	    { 2, READY, "node-b", "zone-b", NULL, NULL, 0 } },
	  2,
	  0,
	  CIP_CATEGORY_READY,
	  { 2 } },
	{ "nothing usable: no backend",
	  0,
	  "node-a",
	  "zone-a",
	  { { 1, GONE, "node-a", "zone-a", NULL, NULL, 0 },
	    { 2, 0, "node-b", "zone-b", NULL, NULL, 0 } },
	  2,
	  CIP_ENOBACKEND,
	  0,
	  { 0 } },
	{ "Local: this node's ready endpoints, hints ignored",
	  1,
	  "node-a",
	  "zone-a",
	  { { 1, READY, "node-a", "zone-a", "zone-b", NULL, 0 },
	    { 2, READY, "node-a", "zone-a", "zone-b", NULL, 0 },
	    { 3, READY, "node-b", "zone-a", "zone-a", NULL, 0 },
	    { 4, TERMINATING, "node-a", "zone-a", NULL, NULL, 0 } },
	  4,
	  0,
	  CIP_CATEGORY_LOCAL,
	  { 1, 2 } },
	{ "Local, none ready here: this node's terminating ones",
	  1,
	  "node-a",
	  "zone-a",
	  { { 1, TERMINATING, "node-a", "zone-a", NULL, NULL, 0 },
	    { 2, 0, "node-a", "zone-a", NULL, NULL, 0 },
	    { 3, READY, "node-b", "zone-a", NULL, NULL, 0 } },
	  3,
	  0,
	  CIP_CATEGORY_LOCAL_TERMINATING,
	  { 1 } },
	{ "Local, none here: drop",
	  1,
	  "node-a",
	  "zone-a",
	  { { 1, READY, "node-b", "zone-a", NULL, NULL, 0 },
	    { 2, TERMINATING, "node-c", "zone-a", NULL, NULL, 0 },
	    { 3, 0, "node-a", "zone-a", NULL, NULL, 0 } },
	  3,
	  CIP_EDROP,
	  0,
	  { 0 } },
	{ "Local, proxy without a node: drop",
	  1,
	  NULL,
	  "zone-a",
	  { { 1, READY, "node-b", "zone-a", NULL, NULL, 0 } },
	  1,
	  CIP_EDROP,
	  0,
	  { 0 } },
	{ "Local, nothing usable anywhere: no backend",
	  1,
	  "node-a",
	  "zone-a",
	  { { 1, 0, "node-a", "zone-a", NULL, NULL, 0 } },
	  1,
	  CIP_ENOBACKEND,
	  0,
	  { 0 } },
};

static int expected_host(const struct filter_case *c, unsigned host)
{
	for (size_t k = 0; k < ARRAY_LEN(c->expect) && c->expect[k]; k++)
		if (c->expect[k] == host)
			return 1;
	return 0;
}

static size_t expected_count(const struct filter_case *c)
{
	size_t n = 0;

	while (n < ARRAY_LEN(c->expect) && c->expect[n])
		n++;
	return n;
}

/* Round-robin over a case's candidates: 3 rounds reach each of them, and
 * nothing else. */
static void test_filtering(void **state)
{
	(void)state;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(filter_cases); i++) {
		const struct filter_case *c = &filter_cases[i];
		struct world w;
		cip_select_request r;
		unsigned seen[256] = { 0 };
		size_t distinct = 0, rounds = 3 * (expected_count(c) ? expected_count(c) : 1);

		world_new(&w, NULL, CIP_LB_ROUND_ROBIN, c->local, 0);
		assert_int_equal(set_rows(&w, c->eps, c->neps), 0);
		r = request(&w, c->node, c->zone);
		for (size_t k = 0; k < rounds; k++) {
			cip_backend b;
			int rc;

			ct_fill(&b, sizeof(b));
			rc = cip_table_select(w.t, &r, &b);
			CHECK(failures, rc == c->rc, "%s: rc %d, want %d\n", c->name, rc, c->rc);
			if (rc != 0) {
				CHECK(failures, ct_untouched(&b, sizeof(b)), "%s: out changed\n",
				      c->name);
				continue;
			}
			CHECK(failures, b.category == c->category, "%s: category %u, want %d\n",
			      c->name, b.category, c->category);
			CHECK(failures, expected_host(c, b.addr.bytes[15]), "%s: chose 10.0.0.%u\n",
			      c->name, b.addr.bytes[15]);
			CHECK(failures, b.port == TARGET && b.flags == 0, "%s: port %u flags %u\n",
			      c->name, b.port, b.flags);
			distinct += seen[b.addr.bytes[15]]++ == 0;
		}
		if (c->rc == 0)
			CHECK(failures, distinct == expected_count(c),
			      "%s: %zu distinct, want %zu\n", c->name, distinct, expected_count(c));
		cip_table_free(w.t);
	}
	CHECK_DONE(failures);
}

/* ------------------------------------------------------------------ */
/* Policies                                                           */
/* ------------------------------------------------------------------ */

static void rows_ready(struct ep_row *rows, size_t n, unsigned first_host)
{
	memset(rows, 0, n * sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		rows[i].host = first_host + (unsigned)i;
		rows[i].conditions = READY;
	}
}

static unsigned pick(const struct world *w, cip_select_request *r)
{
	cip_backend b;

	assert_int_equal(cip_table_select(w->t, r, &b), 0);
	return b.addr.bytes[15];
}

/* Kubernetes' round-robin: a permutation of the endpoints, kept with its
 * position across updates that change nothing, redrawn when they change. */
static void test_round_robin_order(void **state)
{
	(void)state;
	struct ep_row rows[6];
	unsigned order[5], seen[256] = { 0 };
	struct world w;
	cip_select_request r;

	world_new(&w, NULL, CIP_LB_DEFAULT, 0, 0);
	rows_ready(rows, 5, 1);
	assert_int_equal(set_rows(&w, rows, 5), 0);
	r = request(&w, NULL, NULL);
	for (int k = 0; k < 5; k++) {
		order[k] = pick(&w, &r);
		assert_int_equal(seen[order[k]]++, 0); /* a permutation */
	}
	assert_int_equal(pick(&w, &r), order[0]);
	assert_int_equal(pick(&w, &r), order[1]);
	/* The same endpoints again: same order, same position. */
	assert_int_equal(set_rows(&w, rows, 5), 0);
	assert_int_equal(pick(&w, &r), order[2]);
	assert_int_equal(pick(&w, &r), order[3]);
	/* A new endpoint: a new permutation, from its start. */
	rows_ready(rows, 6, 1);
	assert_int_equal(set_rows(&w, rows, 6), 0);
	memset(seen, 0, sizeof(seen));
	for (int k = 0; k < 6; k++)
		assert_int_equal(seen[pick(&w, &r)]++, 0);
	cip_table_free(w.t);
}

/* The order is drawn from the table's seed: two tables with one seed
 * agree, and some other seed gives another order. */
static void test_round_robin_seeded(void **state)
{
	(void)state;
	struct ep_row rows[8];
	unsigned first[8];
	int differs = 0;

	rows_ready(rows, 8, 1);
	for (uint64_t seed = 1; seed <= 8; seed++) {
		cip_table_opts o;
		struct world w;
		cip_select_request r;

		cip_table_opts_init(&o, sizeof(o));
		o.seed = seed == 8 ? 1 : seed; /* the last table repeats seed 1 */
		world_new(&w, &o, CIP_LB_ROUND_ROBIN, 0, 0);
		assert_int_equal(set_rows(&w, rows, 8), 0);
		r = request(&w, NULL, NULL);
		for (int k = 0; k < 8; k++) {
			unsigned h = pick(&w, &r);

			if (seed == 1)
				first[k] = h;
			else if (seed == 8)
				assert_int_equal(h, first[k]);
			else
				differs |= h != first[k];
		}
		cip_table_free(w.t);
	}
	assert_true(differs);
}

struct rr_thread {
	const struct world *w;
	unsigned seen[256];
	int rounds;
};

static void *rr_thread_main(void *arg)
{
	struct rr_thread *a = arg;
	cip_select_request r = request(a->w, NULL, NULL);

	for (int k = 0; k < 5 * a->rounds; k++)
		a->seen[pick(a->w, &r)]++;
	return NULL;
}

/* Per-thread round-robin: every thread goes through every endpoint once
 * per round, whatever the others do. */
static void test_round_robin_per_thread(void **state)
{
	(void)state;
	struct ep_row rows[5];
	struct rr_thread a[3];
	pthread_t th[3];
	struct world w;

	world_new(&w, NULL, CIP_LB_ROUND_ROBIN_PER_THREAD, 0, 0);
	rows_ready(rows, 5, 1);
	assert_int_equal(set_rows(&w, rows, 5), 0);
	for (int i = 0; i < 3; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].w = &w;
		a[i].rounds = 100 + 17 * i;
		assert_int_equal(pthread_create(&th[i], NULL, rr_thread_main, &a[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		for (unsigned h = 1; h <= 5; h++)
			assert_int_equal(a[i].seen[h], a[i].rounds);
	}
	cip_table_free(w.t);
}

/* Random: every endpoint within 20% of its share over 10^4 picks. */
static void test_random(void **state)
{
	(void)state;
	struct ep_row rows[10];
	unsigned seen[256] = { 0 };
	struct world w;
	cip_select_request r;

	world_new(&w, NULL, CIP_LB_RANDOM, 0, 0);
	rows_ready(rows, 10, 1);
	assert_int_equal(set_rows(&w, rows, 10), 0);
	r = request(&w, NULL, NULL);
	for (int k = 0; k < 10000; k++)
		seen[pick(&w, &r)]++;
	for (unsigned h = 1; h <= 10; h++) {
		assert_in_range(seen[h], 800, 1200);
	}
	cip_table_free(w.t);
}

/* Weighted: nginx's smooth order. For weights {5, 1, 1} one period is
 * a a b a c a a, whatever order the endpoints have. */
static void test_weighted(void **state)
{
	(void)state;
	struct ep_row rows[3];
	unsigned got[14];
	struct world w;
	cip_select_request r;

	world_new(&w, NULL, CIP_LB_WEIGHTED_ROUND_ROBIN, 0, 0);
	rows_ready(rows, 3, 1);
	rows[0].weight = 5;
	rows[1].weight = 1;
	/* rows[2].weight 0: the default, 1 */
	assert_int_equal(set_rows(&w, rows, 3), 0);
	r = request(&w, NULL, NULL);
	for (int k = 0; k < 14; k++)
		got[k] = pick(&w, &r);
	for (int k = 0; k < 14; k++) {
		int heavy = k % 7 != 2 && k % 7 != 4;

		assert_int_equal(got[k] == 1, heavy);
		assert_int_equal(got[k], got[k % 7]);
	}
	assert_int_not_equal(got[2], got[4]);
	cip_table_free(w.t);
}

static unsigned maglev_pick(const struct world *w, unsigned client)
{
	cip_select_request r = request(w, NULL, NULL);

	r.client = v4(192, 168, (client >> 8) & 255, client & 255);
	r.client_port = (uint16_t)(40000 + client % 7);
	return pick(w, &r);
}

/* Maglev: a flow always goes to one backend; removing one of N moves its
 * flows and few others; flows spread over every backend. */
static void test_maglev(void **state)
{
	(void)state;
	enum { N = 10, FLOWS = 20000 };
	struct ep_row rows[N];
	static unsigned before[FLOWS];
	unsigned seen[256] = { 0 };
	size_t moved = 0, lost = 0;
	struct world w;

	world_new(&w, NULL, CIP_LB_MAGLEV, 0, 0);
	rows_ready(rows, N, 1);
	assert_int_equal(set_rows(&w, rows, N), 0);
	for (unsigned f = 0; f < FLOWS; f++) {
		before[f] = maglev_pick(&w, f);
		seen[before[f]]++;
		assert_int_equal(maglev_pick(&w, f), before[f]);
	}
	for (unsigned h = 1; h <= N; h++)
		assert_in_range(seen[h], FLOWS / N * 8 / 10, FLOWS / N * 12 / 10);
	/* Without 10.0.0.4. */
	rows[3] = rows[N - 1];
	assert_int_equal(set_rows(&w, rows, N - 1), 0);
	for (unsigned f = 0; f < FLOWS; f++) {
		unsigned h = maglev_pick(&w, f);

		assert_int_not_equal(h, 4);
		lost += before[f] == 4;
		moved += h != before[f] && before[f] != 4;
	}
	assert_int_equal(lost, seen[4]);
	/* Maglev's tables differ in about 1/N of the slots besides the lost
	 * backend's: allow 2/N of all flows. */
	assert_true(moved <= FLOWS * 2 / N);
	cip_table_free(w.t);
}

/* Maglev keeps to the candidates: with Local, only this node's. */
static void test_maglev_subset(void **state)
{
	(void)state;
	struct ep_row rows[6];
	struct world w;

	world_new(&w, NULL, CIP_LB_MAGLEV, 1, 0);
	rows_ready(rows, 6, 1);
	for (size_t i = 0; i < 6; i++)
		rows[i].node = i < 2 ? "node-a" : "node-b";
	assert_int_equal(set_rows(&w, rows, 6), 0);
	for (unsigned f = 0; f < 500; f++) {
		cip_select_request r = request(&w, "node-a", NULL);
		cip_backend b;

		r.client = v4(192, 168, 0, f & 255);
		r.client_port = (uint16_t)f;
		assert_int_equal(cip_table_select(w.t, &r, &b), 0);
		assert_true(b.addr.bytes[15] == 1 || b.addr.bytes[15] == 2);
		assert_int_equal(b.category, CIP_CATEGORY_LOCAL);
	}
	cip_table_free(w.t);
}

/* ------------------------------------------------------------------ */
/* Session affinity                                                   */
/* ------------------------------------------------------------------ */

static int pick_at(const struct world *w, cip_select_request *r, uint64_t now, unsigned *host)
{
	cip_backend b;

	r->now = now;
	assert_int_equal(cip_table_select(w->t, r, &b), 0);
	*host = b.addr.bytes[15];
	return (b.flags & CIP_BACKEND_AFFINITY) != 0;
}

/* A client keeps its backend while now - last_used < timeout (sliding);
 * at exactly the timeout it is balanced again. */
static void test_affinity_timeout(void **state)
{
	(void)state;
	struct ep_row rows[4];
	struct world w;
	cip_select_request r;
	unsigned first, h;
	uint64_t t0 = 1000 * SECOND;

	world_new(&w, NULL, CIP_LB_ROUND_ROBIN, 0, 10);
	rows_ready(rows, 4, 1);
	assert_int_equal(set_rows(&w, rows, 4), 0);
	r = request(&w, NULL, NULL);
	r.client = v4(192, 168, 1, 1);
	assert_false(pick_at(&w, &r, t0, &first));
	assert_true(pick_at(&w, &r, t0 + 9 * SECOND, &h));
	assert_int_equal(h, first);
	/* Sliding: last used at t0 + 9 s, so t0 + 19 s - 1 ns still holds. */
	assert_true(pick_at(&w, &r, t0 + 19 * SECOND - 1, &h));
	assert_int_equal(h, first);
	/* Exactly the timeout after the last use: a new round-robin choice. */
	assert_false(pick_at(&w, &r, t0 + 29 * SECOND - 1, &h));
	assert_int_not_equal(h, first);
	/* Another client is balanced on its own. */
	r.client = v4(192, 168, 1, 2);
	assert_false(pick_at(&w, &r, t0 + 30 * SECOND, &h));
	assert_int_equal(cip_table_affinity_count(w.t, NS, SVC, t0 + 30 * SECOND), 2);
	assert_int_equal(cip_table_affinity_expire(w.t, t0 + 100 * SECOND), 2);
	assert_int_equal(cip_table_affinity_count(w.t, NS, SVC, t0 + 30 * SECOND), 0);
	cip_table_free(w.t);
}

/* A failed connect resets the client's affinity to a new choice; a
 * backend that leaves loses its clients; an update that keeps the
 * endpoints keeps the affinity. */
static void test_affinity_reset_and_removal(void **state)
{
	(void)state;
	struct ep_row rows[4];
	struct world w;
	cip_select_request r;
	unsigned first, h, again;
	uint64_t now = SECOND;

	world_new(&w, NULL, CIP_LB_ROUND_ROBIN, 0, 3600);
	rows_ready(rows, 4, 1);
	assert_int_equal(set_rows(&w, rows, 4), 0);
	r = request(&w, NULL, NULL);
	r.client = v4(192, 168, 1, 1);
	assert_false(pick_at(&w, &r, now, &first));
	r.flags = CIP_SELECT_RESET_AFFINITY;
	assert_false(pick_at(&w, &r, now, &h));
	assert_int_not_equal(h, first);
	r.flags = 0;
	assert_true(pick_at(&w, &r, now, &again));
	assert_int_equal(again, h);
	/* Same endpoints: the affinity stays. */
	assert_int_equal(set_rows(&w, rows, 4), 0);
	assert_true(pick_at(&w, &r, now, &again));
	assert_int_equal(again, h);
	/* Its backend leaves: balanced again, to one that is there. */
	rows[h - 1] = rows[3];
	assert_int_equal(set_rows(&w, rows, 3), 0);
	assert_false(pick_at(&w, &r, now, &again));
	assert_int_not_equal(again, h);
	assert_true(pick_at(&w, &r, now, &h));
	assert_int_equal(again, h);
	cip_table_free(w.t);
}

/* The map is bounded: more clients than its capacity evict the least
 * recently used; the count never exceeds the capacity. */
static void test_affinity_bound(void **state)
{
	(void)state;
	struct ep_row rows[3];
	cip_table_opts o;
	struct world w;
	cip_select_request r;
	unsigned h;

	cip_table_opts_init(&o, sizeof(o));
	o.affinity_capacity = 4;
	world_new(&w, &o, CIP_LB_ROUND_ROBIN, 0, 3600);
	rows_ready(rows, 3, 1);
	assert_int_equal(set_rows(&w, rows, 3), 0);
	r = request(&w, NULL, NULL);
	for (unsigned c = 1; c <= 20; c++) {
		r.client = v4(192, 168, 2, c);
		pick_at(&w, &r, c * SECOND, &h);
		assert_true(cip_table_affinity_count(w.t, NS, SVC, c * SECOND) <= 4);
	}
	/* The most recent client is still held. */
	assert_true(pick_at(&w, &r, 21 * SECOND, &h));
	cip_table_free(w.t);
}

/* ------------------------------------------------------------------ */
/* Results and errors                                                 */
/* ------------------------------------------------------------------ */

/* The backend names the endpoint as cip_table_endpoints() lists it, by
 * ClusterIP and by node port alike. */
static void test_backend_fields(void **state)
{
	(void)state;
	struct ep_row rows[3];
	cip_endpoint eps[3];
	cip_service_info info;
	struct world w;
	cip_select_request r;
	size_t n;

	world_new(&w, NULL, CIP_LB_ROUND_ROBIN, 0, 0);
	rows_ready(rows, 3, 1);
	rows[1].node = "node-b";
	rows[1].zone = "zone-b";
	rows[1].weight = 7;
	assert_int_equal(set_rows(&w, rows, 3), 0);
	assert_int_equal(cip_table_endpoints(w.t, NS, SVC, 0, eps, 3, &n), 0);
	assert_int_equal(cip_table_service_get(w.t, NS, SVC, &info, NULL, 0), 0);
	r = request(&w, NULL, NULL);
	for (int k = 0; k < 3; k++) {
		cip_backend b;

		assert_int_equal(cip_table_select(w.t, &r, &b), 0);
		assert_true(b.index < n);
		assert_memory_equal(&b.addr, &eps[b.index].addr, sizeof(b.addr));
		assert_int_equal(b.port, eps[b.index].port);
		assert_int_equal(b.node, eps[b.index].node);
		assert_int_equal(b.zone, eps[b.index].zone);
		assert_int_equal(b.weight, b.addr.bytes[15] == 2 ? 7 : 1);
		assert_int_equal(b.generation, info.generation);
		assert_int_equal(b.reserved[0] | b.reserved[1], 0);
	}
	cip_table_free(w.t);
}

#define MANY_SERVICES 600 /* more than a thread's 256 cached positions */
#define MANY_ROUNDS 40

/* A per-thread round-robin service "s<i>" at 10.97.<i / 250>.<i % 250 + 1>
 * with 4 ready endpoints 10.1.<i / 250>.<i % 250>:<TARGET + k>. */
static void many_service(cip_table *t, unsigned i, cip_addr *vip)
{
	cip_service_port port = { "http", CIP_PROTO_TCP, SVC_PORT, TARGET, NULL, 0 };
	cip_endpoint_spec eps[4];
	cip_named_port ep_port = slice_port;
	cip_service_spec s;
	char name[16];

	snprintf(name, sizeof(name), "s%u", i);
	*vip = v4(10, 97, i / 250, i % 250 + 1);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = NS;
	s.name = name;
	s.ports = &port;
	s.nports = 1;
	s.cluster_ips = vip;
	s.ncluster_ips = 1;
	s.lb_policy = CIP_LB_ROUND_ROBIN_PER_THREAD;
	assert_int_equal(cip_table_service_create(t, &s, 0, NULL), 0);
	memset(eps, 0, sizeof(eps));
	for (unsigned k = 0; k < 4; k++) {
		eps[k].addr = v4(10, 1 + k, i / 250, i % 250);
		eps[k].conditions = READY;
	}
	assert_int_equal(cip_table_endpoints_set(t, NS, name, eps, 4, &ep_port, 1, NULL), 0);
}

/* A thread that selects from more services than it caches positions for
 * still spreads each service's connections evenly: a lost position
 * restarts at a random place, not at the same one every time. */
static void test_round_robin_per_thread_many(void **state)
{
	(void)state;
	static unsigned seen[MANY_SERVICES][4];
	static cip_addr vips[MANY_SERVICES];
	cip_select_request r;
	cip_table *t;
	unsigned worst = 0;

	assert_int_equal(cip_table_new(&t, NULL), 0);
	for (unsigned i = 0; i < MANY_SERVICES; i++)
		many_service(t, i, &vips[i]);
	memset(seen, 0, sizeof(seen));
	memset(&r, 0, sizeof(r));
	r.port = SVC_PORT;
	r.protocol = CIP_PROTO_TCP;
	for (int round = 0; round < MANY_ROUNDS; round++) {
		for (unsigned i = 0; i < MANY_SERVICES; i++) {
			cip_backend b;

			r.vip = vips[i];
			assert_int_equal(cip_table_select(t, &r, &b), 0);
			assert_int_equal(b.addr.bytes[14], i / 250);
			assert_int_equal(b.addr.bytes[15], i % 250);
			seen[i][b.addr.bytes[13] - 1]++;
		}
	}
	/* 40 picks over 4 endpoints: 10 each on average; 25 is 5.5 standard
	 * deviations of a uniform spread, and 40 what restarting in one place
	 * gives. */
	for (unsigned i = 0; i < MANY_SERVICES; i++)
		for (unsigned k = 0; k < 4; k++)
			worst = seen[i][k] > worst ? seen[i][k] : worst;
	assert_true(worst <= 25);
	cip_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Families                                                           */
/* ------------------------------------------------------------------ */

#define DUAL "dual"
#define DUAL_NODE_PORT 30080

/* fd00::<host>, an IPv6 endpoint. */
static cip_addr v6(unsigned host)
{
	uint8_t b[16] = { 0xfd };

	b[15] = (uint8_t)host;
	return ct_addr_bytes(CIP_FAMILY_IPV6, b);
}

/* A PreferDualStack NodePort service at 10.96.0.20 and fd00::20. */
static void dual_new(struct world *w, cip_addr vips[2])
{
	cip_service_port port = { "http", CIP_PROTO_TCP, SVC_PORT, TARGET, NULL, DUAL_NODE_PORT };
	cip_service_spec s;

	memset(w, 0, sizeof(*w));
	assert_int_equal(cip_table_new(&w->t, NULL), 0);
	vips[0] = v4(10, 96, 0, 20);
	vips[1] = v6(0x20);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = NS;
	s.name = DUAL;
	s.type = CIP_SERVICE_NODE_PORT;
	s.ports = &port;
	s.nports = 1;
	s.cluster_ips = vips;
	s.ncluster_ips = 2;
	s.ip_family_policy = CIP_PREFER_DUAL_STACK;
	assert_int_equal(cip_table_service_create(w->t, &s, 0, NULL), 0);
	w->vip = vips[0];
}

/* Ready endpoints at @p addrs, in that order. */
static int dual_set(struct world *w, const cip_addr *addrs, size_t n)
{
	cip_endpoint_spec eps[MAX_EPS];

	memset(eps, 0, sizeof(eps));
	for (size_t i = 0; i < n; i++) {
		eps[i].addr = addrs[i];
		eps[i].conditions = READY;
	}
	return cip_table_endpoints_set(w->t, NS, DUAL, eps, n, &slice_port, 1, NULL);
}

/* @p rounds selections; counts each chosen host (the last byte), checks
 * that every backend is of @p family and is the endpoint its index says. */
static void dual_spread(const struct world *w, const cip_select_request *r, int family, int rounds,
			unsigned counts[256])
{
	cip_endpoint eps[MAX_EPS];
	size_t n;

	assert_int_equal(cip_table_endpoints(w->t, NS, DUAL, 0, eps, MAX_EPS, &n), 0);
	memset(counts, 0, 256 * sizeof(counts[0]));
	for (int k = 0; k < rounds; k++) {
		cip_backend b;

		assert_int_equal(cip_table_select(w->t, r, &b), 0);
		assert_int_equal(b.addr.family, family);
		assert_true(b.index < n);
		assert_memory_equal(&b.addr, &eps[b.index].addr, sizeof(b.addr));
		counts[b.addr.bytes[15]]++;
	}
}

/* kube-proxy runs one proxier per family: a connection to the IPv4
 * ClusterIP goes to IPv4 endpoints only, one to the IPv6 ClusterIP to IPv6
 * ones, one by node port to its client's family. */
static void test_dual_stack_families(void **state)
{
	(void)state;
	const cip_addr mixed[] = { v4(10, 0, 0, 1), v6(1), v4(10, 0, 0, 2), v6(2),
				   v4(10, 0, 0, 3) };
	unsigned counts[256];
	cip_addr vips[2];
	cip_select_request r;
	cip_backend b;
	struct world w;

	dual_new(&w, vips);
	assert_int_equal(dual_set(&w, mixed, 5), 0);
	r = request(&w, NULL, NULL);
	dual_spread(&w, &r, CIP_FAMILY_IPV4, 30, counts);
	assert_int_equal(counts[1], 10);
	assert_int_equal(counts[2], 10);
	assert_int_equal(counts[3], 10);
	r.vip = vips[1];
	dual_spread(&w, &r, CIP_FAMILY_IPV6, 30, counts);
	assert_int_equal(counts[1], 15);
	assert_int_equal(counts[2], 15);

	/* By node port: the client's family, else the primary ClusterIP's. */
	r.flags = CIP_SELECT_NODE_PORT;
	r.port = DUAL_NODE_PORT;
	memset(&r.vip, 0, sizeof(r.vip));
	r.client = v6(0x99);
	dual_spread(&w, &r, CIP_FAMILY_IPV6, 4, counts);
	r.client = v4(192, 168, 0, 9);
	dual_spread(&w, &r, CIP_FAMILY_IPV4, 3, counts);
	memset(&r.client, 0, sizeof(r.client));
	dual_spread(&w, &r, CIP_FAMILY_IPV4, 3, counts);

	/* No IPv4 endpoint: nothing for the IPv4 ClusterIP, whatever IPv6 has. */
	assert_int_equal(dual_set(&w, mixed + 1, 1), 0);
	r = request(&w, NULL, NULL);
	assert_int_equal(cip_table_select(w.t, &r, &b), CIP_ENOBACKEND);
	r.vip = vips[1];
	assert_int_equal(cip_table_select(w.t, &r, &b), 0);
	assert_int_equal(b.addr.family, CIP_FAMILY_IPV6);
	cip_table_free(w.t);
}

/* A change of one family's endpoints is another proxier's business: the
 * other family keeps its round-robin order and position. */
static void test_dual_stack_order_kept(void **state)
{
	(void)state;
	cip_addr before[] = { v4(10, 0, 0, 1), v6(1), v4(10, 0, 0, 2), v6(2), v4(10, 0, 0, 3) };
	unsigned order[3], seen[256] = { 0 };
	cip_addr vips[2];
	cip_select_request r;
	struct world w;

	dual_new(&w, vips);
	assert_int_equal(dual_set(&w, before, 5), 0);
	r = request(&w, NULL, NULL);
	for (int k = 0; k < 3; k++) {
		order[k] = pick(&w, &r);
		assert_int_equal(seen[order[k]]++, 0);
	}
	assert_int_equal(pick(&w, &r), order[0]);
	before[3] = v6(7); /* IPv6 changes, IPv4 stays where it was */
	assert_int_equal(dual_set(&w, before, 5), 0);
	assert_int_equal(pick(&w, &r), order[1]);
	assert_int_equal(pick(&w, &r), order[2]);
	/* An IPv4 endpoint moves to another position: a new order. Its
	 * first round is a permutation again. */
	before[0] = v6(8);
	before[1] = v4(10, 0, 0, 1);
	assert_int_equal(dual_set(&w, before, 5), 0);
	memset(seen, 0, sizeof(seen));
	for (int k = 0; k < 3; k++)
		assert_int_equal(seen[pick(&w, &r)]++, 0);
	cip_table_free(w.t);
}

static void test_errors(void **state)
{
	(void)state;
	struct ep_row rows[2];
	struct world w;
	cip_select_request r, bad;
	cip_backend b;
	size_t failures = 0;

	world_new(&w, NULL, CIP_LB_ROUND_ROBIN, 0, 0);
	r = request(&w, NULL, NULL);
	/* No endpoints yet. */
	CHECK(failures, cip_table_select(w.t, &r, &b) == CIP_ENOBACKEND, "no endpoints\n");
	rows_ready(rows, 2, 1);
	assert_int_equal(set_rows(&w, rows, 2), 0);
	CHECK(failures, cip_table_select(NULL, &r, &b) == CIP_EINVAL, "NULL table\n");
	CHECK(failures, cip_table_select(w.t, NULL, &b) == CIP_EINVAL, "NULL request\n");
	CHECK(failures, cip_table_select(w.t, &r, NULL) == CIP_EINVAL, "NULL out\n");
	bad = r;
	bad.flags = 0x80;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_EINVAL, "unknown flag\n");
	bad = r;
	bad.reserved = 1;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_EINVAL, "reserved\n");
	bad = r;
	bad.vip.family = 9;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_EINVAL, "bad vip\n");
	bad = r;
	bad.client.family = 5;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_EINVAL, "bad client\n");
	bad = r;
	bad.port = SVC_PORT + 1;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_ENOTFOUND, "other port\n");
	bad = r;
	bad.protocol = CIP_PROTO_UDP;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_ENOTFOUND, "other protocol\n");
	bad = r;
	bad.flags = CIP_SELECT_NODE_PORT;
	CHECK(failures, cip_table_select(w.t, &bad, &b) == CIP_ENOTFOUND, "no node port\n");
	CHECK(failures, cip_table_affinity_expire(NULL, 0) == CIP_EINVAL, "expire NULL\n");
	CHECK(failures, cip_table_affinity_count(w.t, NS, "nope", 0) == CIP_ENOTFOUND,
	      "count unknown\n");
	CHECK(failures, cip_table_affinity_count(w.t, NULL, SVC, 0) == CIP_EINVAL, "count NULL\n");
	CHECK(failures, cip_table_affinity_count(w.t, NS, SVC, 0) == 0, "no affinity\n");
	cip_table_free(w.t);
	CHECK_DONE(failures);
}

static void test_bad_options(void **state)
{
	(void)state;
	static const struct {
		int policy;
		uint32_t maglev, capacity;
	} rows[] = { { -1, 0, 0 }, { 6, 0, 0 },	       { 0, 65536, 0 },
		     { 0, 1, 0 },  { 0, 16777261, 0 }, { 0, 0, (1u << 20) + 1 } };
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		cip_table_opts o;
		cip_table *t = NULL;

		cip_table_opts_init(&o, sizeof(o));
		o.lb_policy = rows[i].policy;
		o.maglev_size = rows[i].maglev;
		o.affinity_capacity = rows[i].capacity;
		CHECK(failures, cip_table_new(&t, &o) == CIP_EINVAL && t == NULL, "row %zu\n", i);
	}
	CHECK_DONE(failures);
}

static void test_bad_spec_policy(void **state)
{
	(void)state;
	cip_service_port port = { "http", CIP_PROTO_TCP, SVC_PORT, TARGET, NULL, 0 };
	cip_service_spec s;
	cip_spec_error e;
	cip_addr vip = v4(10, 96, 0, 10);
	cip_table *t;

	assert_int_equal(cip_table_new(&t, NULL), 0);
	cip_service_spec_init(&s, sizeof(s));
	s.ns = NS;
	s.name = SVC;
	s.ports = &port;
	s.nports = 1;
	s.cluster_ips = &vip;
	s.ncluster_ips = 1;
	s.lb_policy = 42;
	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	assert_int_equal(cip_table_service_create(t, &s, 0, &e), CIP_ESPEC);
	assert_int_equal(e.field, CIP_FIELD_LB_POLICY);
	cip_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filtering),
		cmocka_unit_test(test_round_robin_order),
		cmocka_unit_test(test_round_robin_seeded),
		cmocka_unit_test(test_round_robin_per_thread),
		cmocka_unit_test(test_round_robin_per_thread_many),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_maglev),
		cmocka_unit_test(test_maglev_subset),
		cmocka_unit_test(test_affinity_timeout),
		cmocka_unit_test(test_affinity_reset_and_removal),
		cmocka_unit_test(test_affinity_bound),
		cmocka_unit_test(test_backend_fields),
		cmocka_unit_test(test_dual_stack_families),
		cmocka_unit_test(test_dual_stack_order_kept),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_spec_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

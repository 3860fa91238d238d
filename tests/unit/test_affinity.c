/* SPDX-License-Identifier: Apache-2.0 */
/* lib/affinity.h (ClientIP session affinity), single-threaded: the
 * timeout rules, eviction, the scans and the argument checks, and a
 * randomized run of a one-bucket map against a plain model. Concurrency is
 * exercised by tests/stress/test_affinity_stress.c. */
#include "cip_test.h"

#include "affinity.h"

#define T 1000 /* the timeout of most tests, ns */

static struct cip__affinity *new_map(size_t capacity)
{
	struct cip__affinity *a = NULL;

	assert_int_equal(cip__affinity_new(capacity, &a), 0);
	assert_non_null(a);
	return a;
}

/* The backend of @p client at @p now, or 0 for a miss. */
static uint64_t lookup(struct cip__affinity *a, const char *client, uint64_t now, uint64_t timeout)
{
	cip_addr c = ct_addr(client);
	uint64_t b = 0;

	return cip__affinity_get(a, &c, now, timeout, &b) == 1 ? b : 0;
}

static int put(struct cip__affinity *a, const char *client, uint64_t backend, uint64_t now)
{
	cip_addr c = ct_addr(client);

	return cip__affinity_put(a, &c, backend, now, T);
}

static int forget(struct cip__affinity *a, const char *client)
{
	cip_addr c = ct_addr(client);

	return cip__affinity_forget(a, &c);
}

static void test_new_and_capacity(void **state)
{
	(void)state;
	static const struct {
		size_t asked, got;
	} rows[] = {
		{ 1, 4 },	{ 2, 4 },	{ 3, 4 },	  { 4, 4 },
		{ 5, 8 },	{ 8, 8 },	{ 9, 16 },	  { 1000, 1024 },
		{ 1024, 1024 }, { 1025, 2048 }, { 65535, 65536 }, { (1u << 20) + 1, 1u << 21 },
	};
	struct cip__affinity *a, *sentinel = (struct cip__affinity *)&a;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		a = NULL;
		CHECK(failures, cip__affinity_new(rows[i].asked, &a) == 0, "new(%zu)\n",
		      rows[i].asked);
		CHECK(failures, cip__affinity_capacity(a) == rows[i].got,
		      "capacity %zu: got %zu, want %zu\n", rows[i].asked, cip__affinity_capacity(a),
		      rows[i].got);
		CHECK(failures, cip__affinity_count(a, 0, T) == 0, "a new map is empty\n");
		cip__affinity_free(a);
	}
	/* Refused: nothing written to *out. */
	a = sentinel;
	CHECK(failures, cip__affinity_new(0, &a) == CIP_EINVAL && a == sentinel, "capacity 0\n");
	CHECK(failures, cip__affinity_new(CIP__AFFINITY_MAX + 1, &a) == CIP_EINVAL && a == sentinel,
	      "capacity above the maximum\n");
	CHECK(failures, cip__affinity_new(SIZE_MAX, &a) == CIP_EINVAL && a == sentinel,
	      "capacity SIZE_MAX\n");
	CHECK(failures, cip__affinity_new(4, NULL) == CIP_EINVAL, "NULL out\n");
	CHECK(failures, cip__affinity_capacity(NULL) == 0, "capacity(NULL)\n");
	cip__affinity_free(NULL);
	CHECK_DONE(failures);
}

/* IPv4 and IPv6 clients; the same 16 bytes under two families are two
 * clients; put again overwrites. */
static void test_roundtrip(void **state)
{
	(void)state;
	static const char *const clients[] = { "10.0.0.1", "::10.0.0.1", "::ffff:10.0.0.1",
					       "2001:db8::1", "2001:db8::1:0:0:1" };
	struct cip__affinity *a = new_map(64);
	size_t failures = 0;
	cip_addr v4 = ct_addr("10.0.0.1"), v6 = ct_addr("::10.0.0.1");
	uint64_t b = SENTINEL;

	/* The test's premise: same bytes, different family. */
	assert_memory_equal(v4.bytes, v6.bytes, 16);
	for (size_t i = 0; i < ARRAY_LEN(clients); i++)
		CHECK(failures, put(a, clients[i], 100 + i, 10) == 1, "put %s\n", clients[i]);
	for (size_t i = 0; i < ARRAY_LEN(clients); i++)
		CHECK(failures, lookup(a, clients[i], 20, T) == 100 + i, "get %s: %llu\n",
		      clients[i], (unsigned long long)lookup(a, clients[i], 20, T));
	CHECK(failures, cip__affinity_count(a, 20, T) == ARRAY_LEN(clients), "count\n");
	/* A miss leaves *backend alone. */
	v4.bytes[15] = 2;
	CHECK(failures, cip__affinity_get(a, &v4, 20, T, &b) == 0 && b == SENTINEL,
	      "an unknown client hit\n");
	/* Overwrite in place: the new backend, no second entry. */
	CHECK(failures, put(a, "10.0.0.1", 7, 30) == 1, "put again\n");
	CHECK(failures, lookup(a, "10.0.0.1", 31, T) == 7, "the new backend\n");
	CHECK(failures, lookup(a, "::10.0.0.1", 31, T) == 101, "the twin kept its own\n");
	CHECK(failures, cip__affinity_count(a, 31, T) == ARRAY_LEN(clients), "count after\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

/* last_used slides with each hit; an entry is expired at exactly the
 * timeout; a clock read earlier than last_used neither expires the entry
 * nor moves last_used back. */
static void test_sliding_window(void **state)
{
	(void)state;
	struct cip__affinity *a = new_map(16);
	const uint64_t t0 = 5000;
	uint64_t r;
	size_t failures = 0;

	CHECK(failures, put(a, "10.0.0.1", 1, t0) == 1, "put\n");
	CHECK(failures, lookup(a, "10.0.0.1", t0, T) == 1, "hit at the same instant\n");
	r = t0 + T - 1;
	CHECK(failures, lookup(a, "10.0.0.1", r, T) == 1, "hit at timeout - 1\n");
	CHECK(failures, lookup(a, "10.0.0.1", r + T - 1, T) == 1, "the hit refreshed\n");
	r += T - 1;
	CHECK(failures, lookup(a, "10.0.0.1", r + T, T) == 0, "miss at exactly the timeout\n");
	CHECK(failures, cip__affinity_count(a, r + T - 1, T) == 1, "live before\n");
	CHECK(failures, cip__affinity_count(a, r + T, T) == 0, "expired at the timeout\n");

	/* Without a hit in between: a miss at put + timeout. */
	CHECK(failures, put(a, "10.0.0.2", 2, t0) == 1, "put 2\n");
	CHECK(failures, lookup(a, "10.0.0.2", t0 + T, T) == 0, "no refresh, miss\n");
	/* ...and the miss did not refresh it (nor empty it). */
	CHECK(failures, lookup(a, "10.0.0.2", t0 + 1, T) == 2, "the miss changed the entry\n");

	/* Skew: another thread's earlier clock reading. */
	CHECK(failures, put(a, "10.0.0.3", 3, t0) == 1, "put 3\n");
	CHECK(failures, lookup(a, "10.0.0.3", t0 - 100, T) == 3, "an earlier now hits\n");
	CHECK(failures, lookup(a, "10.0.0.3", t0 + T - 1, T) == 3, "last_used did not move back\n");
	/* Used at 6998, 5001 and 5999: all after now, all live. */
	CHECK(failures, cip__affinity_count(a, t0 - 100, T) == 3, "skewed count\n");

	/* Timeout 0: nothing is live. */
	CHECK(failures, put(a, "10.0.0.4", 4, t0) == 1, "put 4\n");
	CHECK(failures, lookup(a, "10.0.0.4", t0, 0) == 0, "timeout 0\n");
	CHECK(failures, cip__affinity_count(a, t0, 0) == 0, "count at timeout 0\n");
	/* The largest timeout: live at any age. */
	CHECK(failures, lookup(a, "10.0.0.4", UINT64_MAX - 1, UINT64_MAX) == 4, "no timeout\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

static void test_forget(void **state)
{
	(void)state;
	struct cip__affinity *a = new_map(16);
	size_t failures = 0;

	CHECK(failures, put(a, "10.0.0.1", 1, 10) == 1 && put(a, "2001:db8::1", 2, 10) == 1,
	      "puts\n");
	CHECK(failures, forget(a, "10.0.0.1") == 1, "forget\n");
	CHECK(failures, lookup(a, "10.0.0.1", 11, T) == 0, "forgotten\n");
	CHECK(failures, lookup(a, "2001:db8::1", 11, T) == 2, "the other stays\n");
	CHECK(failures, forget(a, "10.0.0.1") == 0, "forget twice\n");
	CHECK(failures, forget(a, "::10.0.0.1") == 0, "the twin was never there\n");
	CHECK(failures, forget(a, "10.9.9.9") == 0, "forget an unknown client\n");
	/* An expired entry is still there to forget (and counts as removed). */
	CHECK(failures, lookup(a, "2001:db8::1", 11 + T, T) == 0, "expired\n");
	CHECK(failures, forget(a, "2001:db8::1") == 1, "forget an expired entry\n");
	CHECK(failures, cip__affinity_count(a, 11, T) == 0, "empty\n");
	/* And the client can come back. */
	CHECK(failures, put(a, "10.0.0.1", 3, 20) == 1 && lookup(a, "10.0.0.1", 21, T) == 3,
	      "put after forget\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

static void test_expire(void **state)
{
	(void)state;
	static const char *const clients[] = { "10.0.0.1", "10.0.0.2", "2001:db8::3",
					       "2001:db8::4" };
	struct cip__affinity *a = new_map(16);
	size_t failures = 0;

	CHECK(failures, cip__affinity_expire(a, 1000000, T) == 0, "an empty map\n");
	/* Four clients always fit, whatever buckets they hash to. */
	for (size_t i = 0; i < ARRAY_LEN(clients); i++)
		CHECK(failures, put(a, clients[i], 1 + i, 100 * (i + 1)) == 1, "put %zu\n", i);
	/* Ages 1000, 900, 800, 700: only the first is at the timeout. */
	CHECK(failures, cip__affinity_expire(a, 1100, T) == 1, "expire at exactly the timeout\n");
	CHECK(failures, cip__affinity_expire(a, 1100, T) == 0, "expire twice\n");
	CHECK(failures, lookup(a, clients[0], 0, UINT64_MAX) == 0, "emptied, not just expired\n");
	/* Ages 1099, 999, 899. */
	CHECK(failures, cip__affinity_expire(a, 1299, T) == 1, "one more\n");
	CHECK(failures, cip__affinity_count(a, 1299, T) == 2, "two live\n");
	/* An entry used after now (skew) is not expired. */
	CHECK(failures, cip__affinity_expire(a, 50, 1) == 0, "skewed expire\n");
	CHECK(failures, cip__affinity_expire(a, 1299, 0) == 2, "timeout 0 expires all\n");
	CHECK(failures, cip__affinity_count(a, 0, UINT64_MAX) == 0, "empty at last\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

struct keep_ctx {
	size_t calls;
	uint64_t odd_seen;
};

/* Keeps even backends (a service whose odd backends left). */
static int keep_even(uint64_t backend, void *ctx)
{
	struct keep_ctx *k = ctx;

	k->calls++;
	k->odd_seen += backend & 1;
	return (backend & 1) == 0;
}

static void test_retain(void **state)
{
	(void)state;
	static const char *const clients[] = { "10.0.0.1", "10.0.0.2", "2001:db8::3",
					       "2001:db8::4" };
	struct cip__affinity *a = new_map(64);
	struct keep_ctx k = { 0, 0 };
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(clients); i++)
		CHECK(failures, put(a, clients[i], 10 + i, 100) == 1, "put %zu\n", i);
	CHECK(failures, cip__affinity_retain(a, keep_even, &k) == 2, "retain\n");
	CHECK(failures, k.calls == 4 && k.odd_seen == 2, "keep saw %zu backends, %llu odd\n",
	      k.calls, (unsigned long long)k.odd_seen);
	for (size_t i = 0; i < ARRAY_LEN(clients); i++)
		CHECK(failures, lookup(a, clients[i], 100, T) == ((i & 1) ? 0 : 10 + i),
		      "after retain %zu\n", i);
	k.calls = 0;
	CHECK(failures, cip__affinity_retain(a, keep_even, &k) == 0 && k.calls == 2,
	      "retain again: %zu calls\n", k.calls);
	CHECK(failures, cip__affinity_retain(a, NULL, &k) == 0, "NULL keep\n");
	CHECK(failures, cip__affinity_count(a, 100, T) == 2, "count\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

/* A map of capacity 4 is one bucket: a fifth client evicts the least
 * recently used, after empty and expired ways are used up. */
static void test_bucket_overflow(void **state)
{
	(void)state;
	struct cip__affinity *a = new_map(4);
	const uint64_t big = 1000000;
	size_t failures = 0;
	cip_addr c;

	CHECK(failures, cip__affinity_capacity(a) == 4, "one bucket\n");
	CHECK(failures,
	      put(a, "10.0.0.1", 1, 1) == 1 && put(a, "10.0.0.2", 2, 2) == 1 &&
		      put(a, "10.0.0.3", 3, 3) == 1 && put(a, "10.0.0.4", 4, 4) == 1,
	      "fill\n");
	/* Overwriting a client's own entry evicts nobody. */
	for (uint64_t t = 5; t < 50; t++)
		CHECK(failures, put(a, "10.0.0.4", 4, t) == 1, "put own at %llu\n",
		      (unsigned long long)t);
	CHECK(failures, cip__affinity_count(a, 50, big) == 4, "still four\n");
	/* A hit makes 10.0.0.1 the most recently used; 10.0.0.2 is now LRU. */
	CHECK(failures, lookup(a, "10.0.0.1", 60, big) == 1, "hit 1\n");
	CHECK(failures, put(a, "10.0.0.5", 5, 61) == 1, "put 5\n");
	CHECK(failures, lookup(a, "10.0.0.2", 62, big) == 0, "10.0.0.2 evicted\n");
	CHECK(failures,
	      lookup(a, "10.0.0.1", 62, big) == 1 && lookup(a, "10.0.0.3", 62, big) == 3 &&
		      lookup(a, "10.0.0.4", 62, big) == 4 && lookup(a, "10.0.0.5", 62, big) == 5,
	      "the others stay\n");
	/* An empty way goes before any eviction. */
	CHECK(failures, forget(a, "10.0.0.3") == 1, "forget 3\n");
	CHECK(failures, put(a, "10.0.0.6", 6, 63) == 1, "put 6\n");
	CHECK(failures,
	      lookup(a, "10.0.0.1", 64, big) == 1 && lookup(a, "10.0.0.4", 65, big) == 4 &&
		      lookup(a, "10.0.0.5", 66, big) == 5 && lookup(a, "10.0.0.6", 67, big) == 6,
	      "nothing evicted for 6\n");
	/* At 68 with timeout 3, 1 (used at 64) and 4 (65) are expired, 5 (66)
	 * and 6 (67) live: the oldest expired way goes first. */
	CHECK(failures, cip__affinity_count(a, 68, 3) == 2, "two live at timeout 3\n");
	c = ct_addr("2001:db8::7");
	CHECK(failures, cip__affinity_put(a, &c, 7, 68, 3) == 1, "put 7\n");
	CHECK(failures,
	      lookup(a, "10.0.0.1", 69, big) == 0 && lookup(a, "10.0.0.4", 69, big) == 4 &&
		      lookup(a, "10.0.0.5", 69, big) == 5 && lookup(a, "10.0.0.6", 69, big) == 6 &&
		      lookup(a, "2001:db8::7", 69, big) == 7,
	      "7 took the oldest expired way\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

static int keep_all(uint64_t backend, void *ctx)
{
	(void)backend;
	(void)ctx;
	return 1;
}

static void test_args(void **state)
{
	(void)state;
	struct cip__affinity *a = new_map(16);
	cip_addr c = ct_addr("10.0.0.1"), bad = c;
	uint64_t b = SENTINEL;
	size_t failures = 0;

	bad.family = 5;
	CHECK(failures, cip__affinity_put(NULL, &c, 1, 0, T) == CIP_EINVAL, "put NULL map\n");
	CHECK(failures, cip__affinity_put(a, NULL, 1, 0, T) == CIP_EINVAL, "put NULL client\n");
	CHECK(failures, cip__affinity_put(a, &c, 0, 0, T) == CIP_EINVAL, "put backend 0\n");
	CHECK(failures, cip__affinity_put(a, &bad, 1, 0, T) == CIP_EINVAL, "put family 5\n");
	bad.family = 0;
	CHECK(failures, cip__affinity_put(a, &bad, 1, 0, T) == CIP_EINVAL, "put family 0\n");
	CHECK(failures, cip__affinity_count(a, 0, T) == 0, "refused puts recorded nothing\n");

	CHECK(failures, cip__affinity_put(a, &c, 9, 0, T) == 1, "a good put\n");
	CHECK(failures, cip__affinity_get(NULL, &c, 0, T, &b) == 0, "get NULL map\n");
	CHECK(failures, cip__affinity_get(a, NULL, 0, T, &b) == 0, "get NULL client\n");
	CHECK(failures, cip__affinity_get(a, &c, 0, T, NULL) == 0, "get NULL backend\n");
	CHECK(failures, cip__affinity_get(a, &bad, 0, T, &b) == 0, "get family 0\n");
	CHECK(failures, b == SENTINEL, "*backend written on a miss\n");
	CHECK(failures, cip__affinity_forget(NULL, &c) == 0, "forget NULL map\n");
	CHECK(failures, cip__affinity_forget(a, NULL) == 0, "forget NULL client\n");
	CHECK(failures, cip__affinity_forget(a, &bad) == 0, "forget family 0\n");
	CHECK(failures, cip__affinity_expire(NULL, 0, 0) == 0, "expire NULL\n");
	CHECK(failures, cip__affinity_retain(NULL, keep_all, NULL) == 0, "retain NULL map\n");
	CHECK(failures, cip__affinity_retain(a, NULL, NULL) == 0, "retain NULL keep\n");
	CHECK(failures, cip__affinity_count(NULL, 0, T) == 0, "count NULL\n");
	/* None of those touched the entry. */
	CHECK(failures, cip__affinity_get(a, &c, 0, T, &b) == 1 && b == 9, "the entry stays\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

static void test_count(void **state)
{
	(void)state;
	static const char *const clients[] = { "10.0.0.1", "10.0.0.2", "2001:db8::3",
					       "2001:db8::4" };
	struct cip__affinity *a = new_map(4);
	size_t failures = 0;

	/* Used at 0, 100, 200, 300. */
	for (size_t i = 0; i < ARRAY_LEN(clients); i++)
		CHECK(failures, put(a, clients[i], 1 + i, 100 * i) == 1, "put %zu\n", i);
	CHECK(failures, cip__affinity_count(a, 300, T) == 4, "all live\n");
	CHECK(failures, cip__affinity_count(a, 1000, T) == 3, "the first at the timeout\n");
	CHECK(failures, cip__affinity_count(a, 1299, T) == 1, "the last one left\n");
	CHECK(failures, cip__affinity_count(a, 1300, T) == 0, "none live\n");
	/* Later than now counts as age 0. */
	CHECK(failures, cip__affinity_count(a, 50, 1) == 3, "skewed count\n");
	CHECK(failures, cip__affinity_count(a, 0, UINT64_MAX) == 4, "no timeout\n");
	/* Counting refreshes nothing and empties nothing. */
	CHECK(failures, lookup(a, clients[0], 1000, T) == 0, "count refreshed\n");
	CHECK(failures, lookup(a, clients[0], 999, T) == 1, "count emptied\n");
	CHECK(failures, forget(a, clients[1]) == 1, "forget\n");
	CHECK(failures, cip__affinity_count(a, 300, T) == 3, "after forget\n");
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

/* ------------------------------------------------------------------ */
/* One bucket against a model                                         */
/* ------------------------------------------------------------------ */

#define MCLIENTS 8

struct model {
	int client[4]; /* -1: empty */
	uint64_t backend[4];
	uint64_t used[4];
};

static cip_addr model_addr(int i)
{
	cip_addr c;

	memset(&c, 0, sizeof(c));
	/* Pairs of twins: the same bytes in both families. */
	c.family = (i & 1) ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
	c.bytes[12] = 10;
	c.bytes[15] = (uint8_t)(i / 2);
	return c;
}

static int model_find(const struct model *m, int client)
{
	for (int w = 0; w < 4; w++)
		if (m->client[w] == client)
			return w;
	return -1;
}

static int model_live(const struct model *m, int w, uint64_t now, uint64_t timeout)
{
	return m->client[w] >= 0 && now - m->used[w] < timeout;
}

static uint64_t model_get(struct model *m, int client, uint64_t now, uint64_t timeout)
{
	int w = model_find(m, client);

	if (w < 0 || !model_live(m, w, now, timeout))
		return 0;
	m->used[w] = now;
	return m->backend[w];
}

static void model_put(struct model *m, int client, uint64_t backend, uint64_t now)
{
	int w = model_find(m, client);

	for (int v = 0; w < 0 && v < 4; v++)
		if (m->client[v] < 0)
			w = v;
	if (w < 0) {
		w = 0;
		for (int v = 1; v < 4; v++)
			if (m->used[v] < m->used[w])
				w = v;
	}
	m->client[w] = client;
	m->backend[w] = backend;
	m->used[w] = now;
}

static size_t model_drop(struct model *m, uint64_t now, uint64_t timeout, int by_backend)
{
	size_t n = 0;

	for (int w = 0; w < 4; w++) {
		if (m->client[w] < 0)
			continue;
		if (by_backend ? m->backend[w] % 3 == 0 : now - m->used[w] >= timeout) {
			m->client[w] = -1;
			n++;
		}
	}
	return n;
}

static size_t model_count(const struct model *m, uint64_t now, uint64_t timeout)
{
	size_t n = 0;

	for (int w = 0; w < 4; w++)
		n += (size_t)model_live(m, w, now, timeout);
	return n;
}

static int keep_not_three(uint64_t backend, void *ctx)
{
	(void)ctx;
	return backend % 3 != 0;
}

/*
 * Random operations on a map of capacity 4 (one bucket, so placement does
 * not depend on the hash seed) and on a model of one LRU bucket, with time
 * strictly increasing so that no two uses tie.
 */
static void test_against_model(void **state)
{
	(void)state;
	static const uint64_t timeouts[] = { 0, 5, 40, 40, 40, 200, UINT64_MAX };
	struct cip__affinity *a = new_map(4);
	struct model m;
	uint64_t rng = 0xaff1, now = 1, next_backend = 1;
	size_t failures = 0;

	for (int w = 0; w < 4; w++)
		m.client[w] = -1;
	for (int step = 0; step < 50000 && failures < 10; step++) {
		uint64_t r = cip__splitmix64(&rng), got = 0, want;
		uint64_t timeout = timeouts[(r >> 8) % ARRAY_LEN(timeouts)];
		int i = (int)((r >> 16) % MCLIENTS);
		cip_addr c = model_addr(i);
		size_t n, wn;

		now += 1 + (r >> 24) % 8;
		switch (r % 16) {
		case 0: /* forget */
			wn = model_find(&m, i) >= 0;
			if (wn)
				m.client[model_find(&m, i)] = -1;
			n = (size_t)cip__affinity_forget(a, &c);
			CHECK(failures, n == wn, "step %d: forget %d: %zu, want %zu\n", step, i, n,
			      wn);
			break;
		case 1: /* expire */
			wn = model_drop(&m, now, timeout, 0);
			n = cip__affinity_expire(a, now, timeout);
			CHECK(failures, n == wn, "step %d: expire: %zu, want %zu\n", step, n, wn);
			break;
		case 2: /* retain */
			wn = model_drop(&m, now, timeout, 1);
			n = cip__affinity_retain(a, keep_not_three, NULL);
			CHECK(failures, n == wn, "step %d: retain: %zu, want %zu\n", step, n, wn);
			break;
		case 3: /* count */
			wn = model_count(&m, now, timeout);
			n = cip__affinity_count(a, now, timeout);
			CHECK(failures, n == wn, "step %d: count: %zu, want %zu\n", step, n, wn);
			break;
		case 4:
		case 5:
		case 6:
		case 7: /* put */
			model_put(&m, i, next_backend, now);
			CHECK(failures, cip__affinity_put(a, &c, next_backend, now, timeout) == 1,
			      "step %d: put %d\n", step, i);
			next_backend++;
			break;
		default: /* get */
			want = model_get(&m, i, now, timeout);
			if (cip__affinity_get(a, &c, now, timeout, &got) != 1)
				got = 0;
			CHECK(failures, got == want, "step %d: get %d: %llu, want %llu\n", step, i,
			      (unsigned long long)got, (unsigned long long)want);
			break;
		}
	}
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

/*
 * Many buckets, many clients, no expiry: a hit always returns the client's
 * last backend, a forgotten client misses until its next put, and the map
 * never holds more than its capacity. (Which clients an overflowing
 * bucket evicts depends on the hash seed, so misses are not predicted.)
 */
static void test_many_clients(void **state)
{
	(void)state;
	enum { N = 600 };
	static uint64_t last[N]; /* 0: none */
	struct cip__affinity *a = new_map(256);
	uint64_t rng = 0xaff2, now = 1, next_backend = 1;
	size_t failures = 0, hits = 0, gets = 0;

	for (int step = 0; step < 100000 && failures < 10; step++) {
		uint64_t r = cip__splitmix64(&rng), got = 0;
		int i = (int)((r >> 8) % N);
		cip_addr c;

		memset(&c, 0, sizeof(c));
		c.family = (i & 1) ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
		c.bytes[14] = (uint8_t)(i / 2 >> 8);
		c.bytes[15] = (uint8_t)(i / 2);
		now++;
		switch (r % 8) {
		case 0:
			cip__affinity_forget(a, &c);
			last[i] = 0;
			break;
		case 1:
		case 2:
		case 3:
			CHECK(failures,
			      cip__affinity_put(a, &c, next_backend, now, UINT64_MAX) == 1,
			      "put %d\n", i);
			last[i] = next_backend++;
			break;
		default:
			gets++;
			if (cip__affinity_get(a, &c, now, UINT64_MAX, &got) != 1)
				break;
			hits++;
			CHECK(failures, got == last[i], "step %d: client %d got %llu, want %llu\n",
			      step, i, (unsigned long long)got, (unsigned long long)last[i]);
			break;
		}
	}
	CHECK(failures, cip__affinity_count(a, now, UINT64_MAX) <= 256, "over capacity\n");
	/* 600 clients, 256 ways: many misses, but not only misses. */
	CHECK(failures, hits > gets / 10 && hits < gets, "%zu hits of %zu gets\n", hits, gets);
	cip__affinity_free(a);
	CHECK_DONE(failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_capacity),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_sliding_window),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_retain),
		cmocka_unit_test(test_bucket_overflow),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_many_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* lib/bitmap.h (the dense allocation engine) and lib/random.h, single-threaded.
 * The concurrent behaviour is in tests/stress/test_bitmap_stress.c. */
#include "cip_test.h"

#include "bitmap.h"
#include "random.h"

static const uint64_t sizes[] = {
	1, 63, 64, 65, 127, 128, 4095, 4096, 4097, UINT64_C(1) << 20, (UINT64_C(1) << 20) + 3,
};

static void init_ok(struct cip__bitmap *b, uint64_t nbits)
{
	int rc = cip__bitmap_init(b, nbits);

	if (rc != 0)
		fail_msg("cip__bitmap_init(%llu) = %d", (unsigned long long)nbits, rc);
}

/* A uniform number in [lo, hi), lo < hi, from the test's own generator. */
static uint64_t rnd_in(uint64_t *seed, uint64_t lo, uint64_t hi)
{
	return lo + cip__splitmix64(seed) % (hi - lo); /* the tiny bias is irrelevant here */
}

/* ------------------------------------------------------------------ */
/* Life cycle and single bits                                         */
/* ------------------------------------------------------------------ */

static void test_init_errors(void **state)
{
	(void)state;
	struct cip__bitmap b;

	memset(&b, 0, sizeof b);
	assert_int_equal(cip__bitmap_init(NULL, 64), CIP_EINVAL);
	assert_int_equal(cip__bitmap_init(&b, 0), CIP_EINVAL);
	assert_int_equal(cip__bitmap_init(&b, CIP__BITMAP_MAX_BITS + 1), CIP_EINVAL);
	assert_int_equal(cip__bitmap_init(&b, UINT64_MAX), CIP_EINVAL);
	assert_null(b.leaf); /* untouched on failure */

	cip__bitmap_destroy(NULL);
	init_ok(&b, 100);
	cip__bitmap_destroy(&b);
	assert_null(b.leaf);
	cip__bitmap_destroy(&b); /* idempotent */

	/* Calls on a destroyed (zeroed) bitmap are refused, not crashes. */
	uint64_t out = 7;
	assert_int_equal(cip__bitmap_set(&b, 0), CIP_EINVAL);
	assert_int_equal(cip__bitmap_clear(&b, 0), CIP_EINVAL);
	assert_int_equal(cip__bitmap_test(&b, 0), CIP_EINVAL);
	assert_int_equal(cip__bitmap_claim(&b, 0, 1, 0, &out), CIP_EINVAL);
	assert_int_equal(cip__bitmap_next_set(&b, 0, &out), CIP_EINVAL);
	assert_int_equal(out, 7);
	assert_int_equal(cip__bitmap_count(&b), 0);
	assert_int_equal(cip__bitmap_count_range(&b, 0, 1), 0);
	assert_int_equal(cip__bitmap_check(&b), -1);
	assert_int_equal(cip__bitmap_count(NULL), 0);
	assert_int_equal(cip__bitmap_check(NULL), -1);
}

/* Every single-bit operation and error code, at the ends of each size. */
static void single_bits(struct cip__bitmap *b, uint64_t n, size_t *failures)
{
	const uint64_t ends[] = { 0, n / 2, n - 1 };
	uint64_t out = 0;

	for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
		uint64_t bit = ends[i];

		if (cip__bitmap_test(b, bit) == 1)
			continue; /* n / 2 == 0 or n - 1 == n / 2 */
		CHECK(*failures, cip__bitmap_set(b, bit) == 0, "n=%llu set %llu\n",
		      (unsigned long long)n, (unsigned long long)bit);
		CHECK(*failures, cip__bitmap_set(b, bit) == CIP_EALLOCATED, "n=%llu reset\n",
		      (unsigned long long)n);
		CHECK(*failures, cip__bitmap_test(b, bit) == 1, "n=%llu test\n",
		      (unsigned long long)n);
		CHECK(*failures, cip__bitmap_next_set(b, bit, &out) == 0 && out == bit,
		      "n=%llu next_set\n", (unsigned long long)n);
	}
	CHECK(*failures, cip__bitmap_count(b) == (n >= 3 ? 3u : n), "n=%llu count %llu\n",
	      (unsigned long long)n, (unsigned long long)cip__bitmap_count(b));
	CHECK(*failures, cip__bitmap_check(b) == 0, "n=%llu check\n", (unsigned long long)n);
	for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
		uint64_t bit = ends[i];

		if (cip__bitmap_test(b, bit) == 0)
			continue;
		CHECK(*failures, cip__bitmap_clear(b, bit) == 0, "n=%llu clear\n",
		      (unsigned long long)n);
		CHECK(*failures, cip__bitmap_clear(b, bit) == CIP_ENOTALLOCATED, "n=%llu reclear\n",
		      (unsigned long long)n);
		CHECK(*failures, cip__bitmap_test(b, bit) == 0, "n=%llu test 0\n",
		      (unsigned long long)n);
	}
	CHECK(*failures, cip__bitmap_next_set(b, 0, &out) == CIP_ENOTFOUND, "n=%llu empty\n",
	      (unsigned long long)n);
}

static void out_of_range(struct cip__bitmap *b, uint64_t n, size_t *failures)
{
	const uint64_t bad[] = { n, n + 1, n + 64, UINT64_MAX };
	uint64_t out = 42;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		CHECK(*failures, cip__bitmap_set(b, bad[i]) == CIP_ERANGE, "n=%llu set row %zu\n",
		      (unsigned long long)n, i);
		CHECK(*failures, cip__bitmap_clear(b, bad[i]) == CIP_ERANGE, "clear row %zu\n", i);
		CHECK(*failures, cip__bitmap_test(b, bad[i]) == CIP_ERANGE, "test row %zu\n", i);
		CHECK(*failures, cip__bitmap_next_set(b, bad[i], &out) == CIP_ENOTFOUND,
		      "next_set row %zu\n", i);
	}
	CHECK(*failures, out == 42, "out changed\n");
	CHECK(*failures, cip__bitmap_set(NULL, 0) == CIP_EINVAL, "NULL set\n");
	CHECK(*failures, cip__bitmap_clear(NULL, 0) == CIP_EINVAL, "NULL clear\n");
	CHECK(*failures, cip__bitmap_test(NULL, 0) == CIP_EINVAL, "NULL test\n");
	CHECK(*failures, cip__bitmap_next_set(b, 0, NULL) == CIP_EINVAL, "NULL out\n");
}

/* Setting every bit makes each word full (and its summary bit set); the
 * padding is never counted. */
static void all_bits(struct cip__bitmap *b, uint64_t n, size_t *failures)
{
	for (uint64_t i = 0; i < n; i++)
		cip__bitmap_set(b, i);
	CHECK(*failures, cip__bitmap_count(b) == n, "n=%llu full count\n", (unsigned long long)n);
	CHECK(*failures, cip__bitmap_count_range(b, 0, UINT64_MAX) == n, "n=%llu full range\n",
	      (unsigned long long)n);
	CHECK(*failures, cip__bitmap_check(b) == 0, "n=%llu full check\n", (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		cip__bitmap_clear(b, i);
	CHECK(*failures, cip__bitmap_count(b) == 0, "n=%llu empty count\n", (unsigned long long)n);
	CHECK(*failures, cip__bitmap_check(b) == 0, "n=%llu empty check\n", (unsigned long long)n);
}

static void test_single_bits_every_size(void **state)
{
	(void)state;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		struct cip__bitmap b;

		init_ok(&b, sizes[i]);
		CHECK(failures, cip__bitmap_check(&b) == 0, "n=%llu fresh check\n",
		      (unsigned long long)sizes[i]);
		CHECK(failures, b.nbits == sizes[i], "nbits\n");
		single_bits(&b, sizes[i], &failures);
		out_of_range(&b, sizes[i], &failures);
		all_bits(&b, sizes[i], &failures);
		cip__bitmap_destroy(&b);
	}
	CHECK_DONE(failures);
}

/* ------------------------------------------------------------------ */
/* Claiming                                                           */
/* ------------------------------------------------------------------ */

static void test_claim_bad_bounds(void **state)
{
	(void)state;
	static const struct {
		uint64_t lo, hi, start;
		int want;
	} rows[] = {
		{ 0, 0, 0, CIP_EINVAL },
		{ 5, 5, 5, CIP_EINVAL },
		{ 6, 5, 5, CIP_EINVAL },
		{ 5, 10, 4, CIP_EINVAL },
		{ 5, 10, 10, CIP_EINVAL },
		{ 5, 10, 11, CIP_EINVAL },
		{ 0, 101, 0, CIP_ERANGE },
		{ 99, 200, 99, CIP_ERANGE },
		{ 0, UINT64_MAX, 0, CIP_ERANGE },
		{ 0, 100, 99, 0 },
		{ 99, 100, 99, 0 },
	};
	struct cip__bitmap b;
	size_t failures = 0;
	uint64_t out;

	init_ok(&b, 100);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		out = 12345;
		int rc = cip__bitmap_claim(&b, rows[i].lo, rows[i].hi, rows[i].start, &out);
		CHECK(failures, rc == rows[i].want, "row %zu: rc %d, want %d\n", i, rc,
		      rows[i].want);
		CHECK(failures, rc == 0 || out == 12345, "row %zu: out changed\n", i);
		if (rc == 0)
			cip__bitmap_clear(&b, out);
	}
	CHECK(failures, cip__bitmap_claim(&b, 0, 10, 0, NULL) == CIP_EINVAL, "NULL out\n");
	CHECK(failures, cip__bitmap_claim(NULL, 0, 10, 0, &out) == CIP_EINVAL, "NULL b\n");
	cip__bitmap_destroy(&b);
	CHECK_DONE(failures);
}

/* The intervals to fill in a bitmap of n bits: whole, word-aligned and not,
 * start at lo, in the middle and at hi - 1. */
struct interval {
	uint64_t lo, hi, start;
};

static size_t intervals_for(uint64_t n, struct interval *iv)
{
	size_t k = 0;

	/* Big bitmaps fill only twice (it costs seconds under TSan). */
	if (n <= 4097) {
		iv[k++] = (struct interval){ 0, n, 0 };
		iv[k++] = (struct interval){ 0, n, n - 1 };
	}
	iv[k++] = (struct interval){ 0, n, n / 2 };
	if (n >= 8)
		iv[k++] = (struct interval){ 3, n - 2, n - 3 }; /* start = hi - 1 */
	if (n >= 200)
		iv[k++] = (struct interval){ 70, 190, 130 };
	if (n >= 4096)
		iv[k++] = (struct interval){ 64, 4096 - 64, 128 }; /* word-aligned */
	if (n >= 4096 && n <= 4097)
		iv[k++] = (struct interval){ 1000, n - 1000, 1001 };
	return k;
}

/* Claims until CIP_EFULL; every bit is new and inside the interval, and
 * "full" comes exactly after hi - lo claims. The first claim starts at
 * iv.start, so it must return start itself; the rest start at random. */
static void fill_interval(struct cip__bitmap *b, struct interval iv, uint8_t *seen, uint64_t *seed,
			  size_t *failures)
{
	uint64_t out, start = iv.start, got = 0;
	int rc;

	while ((rc = cip__bitmap_claim(b, iv.lo, iv.hi, start, &out)) == 0) {
		if (got == 0)
			CHECK(*failures, out == iv.start, "first claim %llu, want start %llu\n",
			      (unsigned long long)out, (unsigned long long)iv.start);
		if (out < iv.lo || out >= iv.hi || seen[out]) {
			CHECK(*failures, 0, "claim returned %llu (outside or twice)\n",
			      (unsigned long long)out);
			return;
		}
		seen[out] = 1;
		got++;
		start = rnd_in(seed, iv.lo, iv.hi);
	}
	CHECK(*failures, rc == CIP_EFULL && got == iv.hi - iv.lo, "rc %d after %llu of %llu\n", rc,
	      (unsigned long long)got, (unsigned long long)(iv.hi - iv.lo));
}

/* In a full interval, released bits come back exactly, wrapping as needed. */
static void release_and_reclaim(struct cip__bitmap *b, struct interval iv, uint64_t *seed,
				size_t *failures)
{
	for (int round = 0; round < 8; round++) {
		uint64_t bit = rnd_in(seed, iv.lo, iv.hi), start = rnd_in(seed, iv.lo, iv.hi), out;

		CHECK(*failures, cip__bitmap_clear(b, bit) == 0, "clear %llu\n",
		      (unsigned long long)bit);
		CHECK(*failures, cip__bitmap_claim(b, iv.lo, iv.hi, start, &out) == 0 && out == bit,
		      "reclaim %llu from %llu got %llu\n", (unsigned long long)bit,
		      (unsigned long long)start, (unsigned long long)out);
	}
	CHECK(*failures,
	      cip__bitmap_claim(b, iv.lo, iv.hi, iv.start, &(uint64_t){ 0 }) == CIP_EFULL,
	      "full again\n");
}

static void test_claim_fill_intervals(void **state)
{
	(void)state;
	uint64_t seed = 1;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		uint64_t n = sizes[i];
		struct interval iv[8];
		size_t k = intervals_for(n, iv);
		uint8_t *seen = malloc(n);

		assert_non_null(seen);
		for (size_t j = 0; j < k; j++) {
			struct cip__bitmap b;

			init_ok(&b, n);
			memset(seen, 0, n);
			fill_interval(&b, iv[j], seen, &seed, &failures);
			CHECK(failures, cip__bitmap_count(&b) == iv[j].hi - iv[j].lo, "count\n");
			CHECK(failures,
			      cip__bitmap_count_range(&b, iv[j].lo, iv[j].hi) ==
				      iv[j].hi - iv[j].lo,
			      "count_range inside\n");
			CHECK(failures,
			      cip__bitmap_count_range(&b, 0, iv[j].lo) +
					      cip__bitmap_count_range(&b, iv[j].hi, n) ==
				      0,
			      "count_range outside\n");
			CHECK(failures, cip__bitmap_check(&b) == 0, "n=%llu row %zu check\n",
			      (unsigned long long)n, j);
			release_and_reclaim(&b, iv[j], &seed, &failures);
			CHECK(failures, cip__bitmap_check(&b) == 0, "check after reclaim\n");
			cip__bitmap_destroy(&b);
		}
		free(seen);
	}
	CHECK_DONE(failures);
}

/*
 * A summary bit that claims "full" over a word with a free bit (the
 * transient state of a concurrent fill) must not hide that bit: the claim
 * falls back to the exact scan.
 */
static void test_claim_stale_summary(void **state)
{
	(void)state;
	struct cip__bitmap b;
	uint64_t out;

	init_ok(&b, 4096);
	for (uint64_t i = 0; i < 4096; i++)
		if (i != 100)
			assert_int_equal(cip__bitmap_set(&b, i), 0);
	atomic_fetch_or(&b.summary[0], UINT64_C(1) << 1); /* word 1 holds bit 100 */
	atomic_fetch_or(&b.top[0], 1); /* ... and the filler's top sync after it */
	assert_int_equal(cip__bitmap_check(&b), 2);
	assert_int_equal(cip__bitmap_claim_fast(&b, 0, 4096, 3000, &out), CIP_EFULL);
	assert_int_equal(cip__bitmap_claim(&b, 0, 4096, 3000, &out), 0);
	assert_int_equal(out, 100);
	assert_int_equal(cip__bitmap_check(&b), 0);
	assert_int_equal(cip__bitmap_claim(&b, 0, 4096, 0, &out), CIP_EFULL);

	/* The same within a sub-interval while bits outside it are free. */
	assert_int_equal(cip__bitmap_clear(&b, 100), 0);
	assert_int_equal(cip__bitmap_clear(&b, 4000), 0);
	atomic_fetch_or(&b.summary[0], UINT64_C(1) << 1);
	assert_int_equal(cip__bitmap_claim(&b, 64, 128, 127, &out), 0);
	assert_int_equal(out, 100);
	assert_int_equal(cip__bitmap_claim(&b, 64, 128, 64, &out), CIP_EFULL);
	assert_int_equal(cip__bitmap_check(&b), 0);
	cip__bitmap_destroy(&b);
}

/* The same one level up: a top bit that (transiently) marks a summary word
 * full while one of its leaf words has room. */
static void test_claim_stale_top(void **state)
{
	(void)state;
	struct cip__bitmap b;
	uint64_t out;

	init_ok(&b, 3 * 4096);
	for (uint64_t i = 0; i < 3 * 4096; i++)
		if (i != 5000)
			assert_int_equal(cip__bitmap_set(&b, i), 0);
	assert_int_equal(atomic_load(&b.top[0]), 5); /* summary words 0 and 2 full */
	atomic_fetch_or(&b.top[0], 2);		     /* word 1 (bit 5000) "full" */
	assert_int_equal(cip__bitmap_check(&b), 4);
	assert_int_equal(cip__bitmap_claim_fast(&b, 0, 3 * 4096, 0, &out), CIP_EFULL);
	assert_int_equal(cip__bitmap_claim(&b, 0, 3 * 4096, 0, &out), 0);
	assert_int_equal(out, 5000);
	assert_int_equal(cip__bitmap_check(&b), 0);
	assert_int_equal(cip__bitmap_clear(&b, 9000), 0); /* summary word 2 */
	assert_int_equal(atomic_load(&b.top[0]), 3);
	assert_int_equal(cip__bitmap_claim_fast(&b, 0, 3 * 4096, 0, &out), 0);
	assert_int_equal(out, 9000);
	assert_int_equal(atomic_load(&b.top[0]), 7);
	cip__bitmap_destroy(&b);
}

/* ------------------------------------------------------------------ */
/* Against a reference model                                          */
/* ------------------------------------------------------------------ */

struct model {
	struct cip__bitmap b;
	uint8_t *ref;
	uint64_t n, set;
	uint64_t seed;
	size_t failures;
};

/* The first clear bit scanning up from start and wrapping to lo. */
static int ref_claim(const struct model *m, uint64_t lo, uint64_t hi, uint64_t start, uint64_t *out)
{
	for (uint64_t i = 0; i < hi - lo; i++) {
		uint64_t at = lo + (start - lo + i) % (hi - lo);

		if (!m->ref[at]) {
			*out = at;
			return 0;
		}
	}
	return CIP_EFULL;
}

static void op_set_or_clear(struct model *m, int set)
{
	uint64_t bit = rnd_in(&m->seed, 0, m->n);
	int rc = set ? cip__bitmap_set(&m->b, bit) : cip__bitmap_clear(&m->b, bit);
	int want = set ? (m->ref[bit] ? CIP_EALLOCATED : 0) : (m->ref[bit] ? 0 : CIP_ENOTALLOCATED);

	CHECK(m->failures, rc == want, "%s %llu: %d want %d\n", set ? "set" : "clear",
	      (unsigned long long)bit, rc, want);
	if (rc == 0) {
		m->ref[bit] = (uint8_t)set;
		m->set += set ? 1 : (uint64_t)-1;
	}
}

static void op_claim(struct model *m)
{
	uint64_t len = rnd_in(&m->seed, 1, m->n < 5000 ? m->n + 1 : 5000);
	uint64_t lo = rnd_in(&m->seed, 0, m->n - len + 1), hi = lo + len;
	uint64_t start = rnd_in(&m->seed, lo, hi), out = 0, want = 0;
	int rc = cip__bitmap_claim(&m->b, lo, hi, start, &out);
	int wrc = ref_claim(m, lo, hi, start, &want);

	CHECK(m->failures, rc == wrc && (rc != 0 || out == want),
	      "claim [%llu,%llu) from %llu: %d/%llu want %d/%llu\n", (unsigned long long)lo,
	      (unsigned long long)hi, (unsigned long long)start, rc, (unsigned long long)out, wrc,
	      (unsigned long long)want);
	if (rc == 0 && !m->ref[out]) {
		m->ref[out] = 1;
		m->set++;
	}
}

static void op_read(struct model *m)
{
	/* Short intervals in big bitmaps (the reference is O(length)), and
	 * now and then the whole bitmap and beyond. */
	uint64_t lo = rnd_in(&m->seed, 0, m->n + 1), want = 0, out = 0;
	uint64_t len = rnd_in(&m->seed, 0, m->n - lo < 5000 ? m->n - lo + 1 : 5000);
	uint64_t hi = cip__splitmix64(&m->seed) % 50 == 0 ? UINT64_MAX : lo + len;
	uint64_t a = rnd_in(&m->seed, 0, m->n);
	int rc, wrc = CIP_ENOTFOUND;

	if (hi == UINT64_MAX)
		lo = 0;

	for (uint64_t i = lo; i < hi && i < m->n; i++)
		want += m->ref[i];
	CHECK(m->failures, cip__bitmap_count_range(&m->b, lo, hi) == want, "count_range\n");
	CHECK(m->failures, cip__bitmap_count(&m->b) == m->set, "count\n");
	CHECK(m->failures, cip__bitmap_test(&m->b, a) == m->ref[a], "test\n");
	rc = cip__bitmap_next_set(&m->b, lo, &out);
	for (uint64_t i = lo; i < m->n && wrc != 0; i++)
		if (m->ref[i]) {
			wrc = 0;
			want = i;
		}
	CHECK(m->failures, rc == wrc && (rc != 0 || out == want), "next_set(%llu)\n",
	      (unsigned long long)lo);
}

/* Random operations in phases that fill and then drain, so the bitmap
 * passes through empty, sparse, nearly full and full states. */
static void run_model(uint64_t n, unsigned ops, uint64_t seed, size_t *failures)
{
	struct model m = { .n = n, .seed = seed };
	unsigned check_every = n > 10000 ? 4096 : 64;

	init_ok(&m.b, n);
	m.ref = calloc(n, 1);
	assert_non_null(m.ref);
	for (unsigned i = 0; i < ops; i++) {
		int filling = (i / (ops / 8)) % 2 == 0;
		unsigned r = (unsigned)(cip__splitmix64(&m.seed) % 100);

		if (r < (filling ? 40u : 15u))
			op_claim(&m);
		else if (r < (filling ? 60u : 30u))
			op_set_or_clear(&m, 1);
		else if (r < 90)
			op_set_or_clear(&m, 0);
		else
			op_read(&m);
		if (i % check_every == 0)
			CHECK(m.failures, cip__bitmap_check(&m.b) == 0, "check at op %u\n", i);
	}
	CHECK(m.failures, cip__bitmap_check(&m.b) == 0, "final check\n");
	*failures += m.failures;
	free(m.ref);
	cip__bitmap_destroy(&m.b);
}

static void test_model_random_ops(void **state)
{
	(void)state;
	size_t failures = 0;

	run_model(65, 100000, 11, &failures);
	run_model(4097, 100000, 12, &failures);
	run_model((UINT64_C(1) << 20) + 3, 20000, 13, &failures);
	CHECK_DONE(failures);
}

/* Walking with next_set visits exactly the set bits, in order. */
static void test_next_set_walk(void **state)
{
	(void)state;
	struct cip__bitmap b;
	const uint64_t n = 4097;
	uint64_t seed = 5, bit, visited = 0, prev = 0;

	init_ok(&b, n);
	for (int i = 0; i < 500; i++)
		cip__bitmap_set(&b, rnd_in(&seed, 0, n));
	cip__bitmap_set(&b, n - 1);
	for (int rc = cip__bitmap_next_set(&b, 0, &bit); rc == 0;
	     rc = cip__bitmap_next_set(&b, bit + 1, &bit)) {
		assert_int_equal(cip__bitmap_test(&b, bit), 1);
		assert_true(visited == 0 || bit > prev);
		prev = bit;
		visited++;
	}
	assert_int_equal(visited, cip__bitmap_count(&b));
	assert_int_equal(prev, n - 1);
	cip__bitmap_destroy(&b);
}

/* ------------------------------------------------------------------ */
/* random.h                                                           */
/* ------------------------------------------------------------------ */

static void test_bounded_random_below_bound(void **state)
{
	(void)state;
	const uint64_t bounds[] = {
		1, 2, 3, 1000, (UINT64_C(1) << 32) + 1, (UINT64_C(1) << 63) + 5, UINT64_MAX,
	};
	uint64_t s = 99;

	assert_int_equal(cip__bounded_random(&s, 0), 0);
	for (size_t i = 0; i < ARRAY_LEN(bounds); i++) {
		uint64_t max = 0;

		for (int k = 0; k < 20000; k++) {
			uint64_t v = cip__bounded_random(&s, bounds[i]);

			assert_true(v < bounds[i]);
			max = v > max ? v : max;
		}
		/* The values reach the top quarter of the range (20000 draws). */
		assert_true(bounds[i] < 4 || max >= bounds[i] / 4 * 3);
	}
}

/* cip__mod_reduce() agrees with % for divisors from 1 to 2^32 - 1, on the
 * edges of each divisor's periods, at 2^32 - 1 and beyond it (where it
 * divides), and on random counters. */
static void test_mod_reduce(void **state)
{
	(void)state;
	const uint32_t divisors[] = { 1,	   2,		3,	    7,	     10,
				      256,	   1000,	65537,	    1000003, 0x7fffffff,
				      0x80000000u, 0xfffffffeu, 0xffffffffu };
	uint64_t s = 5;

	for (size_t i = 0; i < ARRAY_LEN(divisors); i++) {
		uint32_t d = divisors[i];
		uint64_t m = cip__mod_magic(d);
		const uint64_t edges[] = { 0,
					   1,
					   d - 1ull,
					   d,
					   d + 1ull,
					   2ull * d - 1,
					   UINT32_MAX,
					   UINT32_MAX - 1ull,
					   UINT64_C(1) << 32,
					   (UINT64_C(1) << 32) + 7,
					   UINT64_MAX };

		for (size_t k = 0; k < ARRAY_LEN(edges); k++)
			assert_int_equal(cip__mod_reduce(edges[k], d, m), edges[k] % d);
		for (int k = 0; k < 20000; k++) {
			uint64_t c = cip__splitmix64(&s) >> 32;

			assert_int_equal(cip__mod_reduce(c, d, m), c % d);
		}
	}
}

/*
 * Chi-square over a few bounds, 3 * 10^5 draws each, with a fixed seed (so
 * the test is deterministic). The limits are the 1 - 10^-9 quantiles: a
 * fair generator passes for essentially every seed, while a modulo-biased
 * one fails the big bound at once: with bound = 2^63 + 5, x % bound puts
 * about 2/3 of the draws in the lower half.
 */
static void test_bounded_random_uniform(void **state)
{
	(void)state;
	static const struct {
		uint64_t bound;
		unsigned cells;
		double limit; /* chi-square, cells - 1 degrees of freedom */
	} rows[] = {
		{ 3, 3, 41.4 },
		{ 10, 10, 61.5 },
		{ (UINT64_C(1) << 63) + 5, 2, 37.3 }, /* cells: lower and upper half */
	};
	uint64_t s = 2024;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		const unsigned draws = 300000;
		unsigned hist[10] = { 0 };
		double chi2 = 0, expect = (double)draws / rows[i].cells;

		for (unsigned k = 0; k < draws; k++) {
			uint64_t v = cip__bounded_random(&s, rows[i].bound);

			hist[rows[i].cells == 2 ? (v >= rows[i].bound / 2) : v]++;
		}
		for (unsigned c = 0; c < rows[i].cells; c++)
			chi2 += (hist[c] - expect) * (hist[c] - expect) / expect;
		if (chi2 > rows[i].limit)
			fail_msg("bound %llu: chi-square %.2f > %.1f",
				 (unsigned long long)rows[i].bound, chi2, rows[i].limit);
	}
}

/* The portable 64x64->128 multiply against the compiler's. */
static void test_mul64_portable(void **state)
{
	(void)state;
	uint64_t s = 3;
	const uint64_t edge[] = { 0, 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX };

	for (int k = 0; k < 10000 + 25; k++) {
		uint64_t a = k < 25 ? edge[k / 5] : cip__splitmix64(&s),
			 b = k < 25 ? edge[k % 5] : cip__splitmix64(&s);
		uint64_t hi, lo;

		cip__mul64_portable(a, b, &hi, &lo);
#if defined(__SIZEOF_INT128__)
		__extension__ unsigned __int128 p = (unsigned __int128)a * b;
		assert_true(hi == (uint64_t)(p >> 64) && lo == (uint64_t)p);
#else
		assert_true(lo == a * b);
#endif
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_single_bits_every_size),
		cmocka_unit_test(test_claim_bad_bounds),
		cmocka_unit_test(test_claim_fill_intervals),
		cmocka_unit_test(test_claim_stale_summary),
		cmocka_unit_test(test_claim_stale_top),
		cmocka_unit_test(test_model_random_ops),
		cmocka_unit_test(test_next_set_walk),
		cmocka_unit_test(test_bounded_random_below_bound),
		cmocka_unit_test(test_bounded_random_uniform),
		cmocka_unit_test(test_mul64_portable),
		cmocka_unit_test(test_mod_reduce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

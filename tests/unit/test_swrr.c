/* SPDX-License-Identifier: Apache-2.0 */
/* lib/swrr.h (the precomputed smooth weighted round-robin schedule) against
 * hand-worked orders and against nginx's loop, written out below as the
 * reference. */
#include "cip_test.h"

#include "swrr.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifdef ASAN
/* ASan aborts on an allocation it cannot serve unless told to fail it, as
 * malloc() does: test_swrr_enomem needs the failure. ASAN_OPTIONS from the
 * environment still apply on top of this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

#define MAXN 1000

/*
 * nginx's ngx_http_upstream_get_peer() with no failures (effective_weight ==
 * weight), peers of weight 0 left out as if down: every peer's current
 * weight grows by its weight, the first peer with the greatest one (a
 * strict '>' while scanning in order) is picked and loses the total. Writes
 * picks picks to out[]; cw[] is the state, zeroed by the caller.
 */
static void nginx_picks(const uint32_t *w, size_t n, int64_t *cw, size_t picks, uint32_t *out)
{
	for (size_t t = 0; t < picks; t++) {
		int64_t total = 0;
		size_t best = n;

		for (size_t i = 0; i < n; i++) {
			if (w[i] == 0)
				continue;
			cw[i] += w[i];
			total += w[i];
			if (best == n || cw[i] > cw[best])
				best = i;
		}
		cw[best] -= total;
		out[t] = (uint32_t)best;
	}
}

static uint64_t gcd_of(const uint32_t *w, size_t n)
{
	uint64_t g = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t a = g, b = w[i];

		while (b != 0) {
			uint64_t r = a % b;
			a = b;
			b = r;
		}
		g = a;
	}
	return g;
}

static uint64_t sum_of(const uint32_t *w, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += w[i];
	return s;
}

/* Random weights in [0, top], at least one of them > 0. */
static void random_weights(uint64_t *rng, uint32_t *w, size_t n, uint32_t top)
{
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		w[i] = (uint32_t)cip__bounded_random(rng, (uint64_t)top + 1);
		any |= w[i] != 0;
	}
	if (!any)
		w[cip__bounded_random(rng, n)] = 1 + (uint32_t)cip__bounded_random(rng, top);
}

/* How often each peer appears in sched[0 .. len). */
static void count_picks(const uint32_t *sched, size_t len, size_t n, size_t *counts)
{
	memset(counts, 0, n * sizeof(*counts));
	for (size_t t = 0; t < len; t++)
		if (sched[t] < n)
			counts[sched[t]]++;
}

/* Compares sched, repeated, with `periods` periods of nginx's loop over w;
 * returns the number of mismatching picks (the first one is printed). */
static size_t diff_nginx(const uint32_t *w, size_t n, const uint32_t *sched, size_t len,
			 size_t periods, const char *what)
{
	int64_t *cw = calloc(n, sizeof(*cw));
	uint32_t *ref = malloc(len * periods * sizeof(*ref));
	size_t bad = 0;

	assert_non_null(cw);
	assert_non_null(ref);
	nginx_picks(w, n, cw, len * periods, ref);
	for (size_t t = 0; t < len * periods; t++) {
		if (ref[t] == sched[t % len])
			continue;
		if (bad++ == 0)
			print_error("%s: pick %zu is %u, nginx picks %u\n", what, t, sched[t % len],
				    ref[t]);
	}
	free(ref);
	free(cw);
	return bad;
}

/* ---- known orders -------------------------------------------------------- */

struct known {
	const char *name;
	size_t n;
	uint32_t w[8];
	size_t max_len;
	int scaled;
	size_t len;
	uint32_t order[8];
};

static void test_swrr_known_orders(void **state)
{
	(void)state;
	/* Each order worked by hand with nginx's rule (current weights after
	 * each pick in the comments where it is not obvious). */
	static const struct known rows[] = {
		/* (-2,1,1) (-4,2,2) (1,-4,3) (-1,-3,4) (4,-2,-2) (2,-1,-1) (0,0,0) */
		{ "{5,1,1}: a a b a c a a", 3, { 5, 1, 1 }, 65536, 0, 7, { 0, 0, 1, 0, 2, 0, 0 } },
		{ "{1,1,1}", 3, { 1, 1, 1 }, 65536, 0, 3, { 0, 1, 2 } },
		{ "{2,1}", 2, { 2, 1 }, 65536, 0, 3, { 0, 1, 0 } },
		{ "{0,3,0}: one peer", 3, { 0, 3, 0 }, 65536, 0, 1, { 1 } },
		{ "{4,2}: gcd 2", 2, { 4, 2 }, 65536, 0, 3, { 0, 1, 0 } },
		/* (1,-1) (2,-2) (-2,2) (-1,1) (0,0) */
		{ "{1,4}", 2, { 1, 4 }, 65536, 0, 5, { 1, 1, 0, 1, 1 } },
		/* (-2,2) (1,-1) (-1,1) (2,-2) (0,0) */
		{ "{3,2}", 2, { 3, 2 }, 65536, 0, 5, { 0, 1, 0, 1, 0 } },
		/* (1,1,-2) (-2,2,0): tie, first wins; (-1,-1,2) (0,0,0) */
		{ "{1,1,2}: ties", 3, { 1, 1, 2 }, 65536, 0, 4, { 2, 0, 1, 2 } },
		/* (-3,2,1) (-1,-1,2) (1,1,-2) (-2,3,-1) (0,0,0) */
		{ "{2,2,1}", 3, { 2, 2, 1 }, 65536, 0, 5, { 0, 1, 2, 0, 1 } },
		/* {2,1,0,1}: (-2,1,_,1) (0,-2,_,2) (2,-1,_,-1) (0,0,_,0) */
		{ "{6,3,0,3}: gcd 3, a zero", 4, { 6, 3, 0, 3 }, 65536, 0, 4, { 0, 1, 3, 0 } },
		{ "{0,0,7,0,7}", 5, { 0, 0, 7, 0, 7 }, 65536, 0, 2, { 2, 4 } },
		{ "{max,max}", 2, { UINT32_MAX, UINT32_MAX }, 65536, 0, 2, { 0, 1 } },
		{ "{5,1,1}, max_len == W", 3, { 5, 1, 1 }, 7, 0, 7, { 0, 0, 1, 0, 2, 0, 0 } },
		/* Scaled: T = 6 gives {floor(30/7), max(1, 0), max(1, 0)} = {4,1,1},
		 * sum 6; nginx's order for it. */
		{ "{5,1,1} in 6", 3, { 5, 1, 1 }, 6, 1, 6, { 0, 0, 1, 0, 2, 0 } },
		/* Scaled: T = 2 gives {floor(6/4), max(1, 0)} = {1,1}. */
		{ "{3,1} in 2", 2, { 3, 1 }, 2, 1, 2, { 0, 1 } },
		/* Scaled to one pick each: T = 3 gives {2,1,1}, sum 4 > 3, and
		 * T = 2 gives {1,1,1}. */
		{ "{9,1,1} in 3", 3, { 9, 1, 1 }, 3, 1, 3, { 0, 1, 2 } },
	};
	size_t failures = 0;

	for (size_t r = 0; r < ARRAY_LEN(rows); r++) {
		const struct known *k = &rows[r];
		uint32_t *sched = NULL;
		size_t len = 0;
		int rc = cip__swrr_schedule(k->w, k->n, k->max_len, &sched, &len);

		CHECK(failures, rc == 0, "%s: rc %d\n", k->name, rc);
		CHECK(failures, cip__swrr_is_scaled(k->w, k->n, k->max_len) == k->scaled,
		      "%s: is_scaled %d\n", k->name, cip__swrr_is_scaled(k->w, k->n, k->max_len));
		if (rc != 0)
			continue;
		CHECK(failures, len == k->len, "%s: len %zu, want %zu\n", k->name, len, k->len);
		for (size_t t = 0; t < len && t < k->len; t++)
			CHECK(failures, sched[t] == k->order[t], "%s: pick %zu is %u, want %u\n",
			      k->name, t, sched[t], k->order[t]);
		free(sched);
	}
	CHECK_DONE(failures);
}

/* ---- against nginx's loop ------------------------------------------------ */

/* Two periods of the schedule against nginx's loop over the raw (not
 * gcd-reduced) weights, and the period W = sum / gcd. */
static size_t check_exact(const uint32_t *w, size_t n, size_t max_len, const char *what)
{
	uint64_t period = sum_of(w, n) / gcd_of(w, n);
	uint32_t *sched = NULL;
	size_t len = 0, failures = 0;
	int rc = cip__swrr_schedule(w, n, max_len, &sched, &len);

	CHECK(failures, rc == 0, "%s: rc %d\n", what, rc);
	if (rc != 0)
		return failures;
	CHECK(failures, len == period, "%s: len %zu, want %llu\n", what, len,
	      (unsigned long long)period);
	CHECK(failures, cip__swrr_is_scaled(w, n, max_len) == 0, "%s: scaled\n", what);
	if (len == period)
		failures += diff_nginx(w, n, sched, len, 2, what);
	free(sched);
	return failures;
}

static void test_swrr_matches_nginx(void **state)
{
	(void)state;
	uint32_t w[50];
	uint64_t rng = 7;
	size_t failures = 0;
	char what[64];

	for (int round = 0; round < 400; round++) {
		size_t n = 1 + (size_t)cip__bounded_random(&rng, 50);

		random_weights(&rng, w, n, 20);
		snprintf(what, sizeof(what), "round %d (n %zu)", round, n);
		failures += check_exact(w, n, CIP__SWRR_DEFAULT_MAX_LEN, what);
	}
	/* Skewed weights: many small ones and a few large ones, so that the
	 * order of the current weights changes often between picks. */
	for (int round = 0; round < 60; round++) {
		size_t n = 2 + (size_t)cip__bounded_random(&rng, 19);

		random_weights(&rng, w, n, 4);
		for (int big = 0; big < 3; big++)
			w[cip__bounded_random(&rng, n)] =
				1 + (uint32_t)cip__bounded_random(&rng, 3000);
		snprintf(what, sizeof(what), "skewed round %d (n %zu)", round, n);
		failures += check_exact(w, n, CIP__SWRR_DEFAULT_MAX_LEN, what);
	}
	CHECK_DONE(failures);
}

static void test_swrr_counts(void **state)
{
	(void)state;
	static uint32_t w[200];
	static size_t counts[200];
	uint64_t rng = 99;
	size_t failures = 0;

	for (int round = 0; round < 100; round++) {
		size_t n = 1 + (size_t)cip__bounded_random(&rng, 200);
		uint32_t *sched = NULL;
		size_t len = 0;
		uint64_t g;

		random_weights(&rng, w, n, 300);
		/* A common factor half of the time, which must divide out. */
		if (round % 2 == 0)
			for (size_t i = 0; i < n; i++)
				w[i] *= 6;
		g = gcd_of(w, n);
		if (sum_of(w, n) / g > CIP__SWRR_DEFAULT_MAX_LEN)
			continue;
		CHECK(failures,
		      cip__swrr_schedule(w, n, CIP__SWRR_DEFAULT_MAX_LEN, &sched, &len) == 0,
		      "round %d: rc\n", round);
		if (sched == NULL)
			continue;
		count_picks(sched, len, n, counts);
		for (size_t i = 0; i < n; i++)
			CHECK(failures, counts[i] == w[i] / g,
			      "round %d: peer %zu (w %u) appears %zu times, want %llu\n", round, i,
			      w[i], counts[i], (unsigned long long)(w[i] / g));
		free(sched);
	}
	CHECK_DONE(failures);
}

/* ---- argument errors ----------------------------------------------------- */

struct bad_args {
	const char *name;
	const uint32_t *w;
	size_t n;
	size_t max_len;
	int null_out, null_len;
	int want;
};

static void test_swrr_errors(void **state)
{
	(void)state;
	static const uint32_t w3[] = { 5, 1, 1 }, zeros[] = { 0, 0, 0 }, two[] = { 1, 1 };
	static const uint32_t huge2[] = { UINT32_MAX, UINT32_MAX - 1 };
	/* 70000 distinct weights near 2^32: gcd 1, W about 2^48.1, so
	 * (k + 2) * W exceeds INT64_MAX even when max_len allows it. */
	enum { LONG_N = 70000 };
	static uint32_t longw[LONG_N];
	const struct bad_args rows[] = {
		{ "NULL weights", NULL, 3, 100, 0, 0, CIP_EINVAL },
		{ "NULL out", w3, 3, 100, 1, 0, CIP_EINVAL },
		{ "NULL len", w3, 3, 100, 0, 1, CIP_EINVAL },
		{ "n == 0", w3, 0, 100, 0, 0, CIP_EINVAL },
		{ "max_len == 0", w3, 3, 0, 0, 0, CIP_EINVAL },
		{ "all weights 0", zeros, 3, 100, 0, 0, CIP_EINVAL },
		{ "more peers than max_len", w3, 3, 2, 0, 0, CIP_EINVAL },
		{ "two peers in one pick", two, 2, 1, 0, 0, CIP_EINVAL },
#if SIZE_MAX > UINT32_MAX
		/* Rejected before any weight is read. */
		{ "n > 2^32", w3, (size_t)UINT32_MAX + 2, 100, 0, 0, CIP_EOVERFLOW },
		{ "scaled, max_len > 2^32 + 1", huge2, 2, (size_t)UINT32_MAX + 3, 0, 0,
		  CIP_EOVERFLOW },
		{ "period beyond int64 range", longw, LONG_N, SIZE_MAX, 0, 0, CIP_EOVERFLOW },
#endif
	};
	size_t failures = 0;

	for (size_t i = 0; i < LONG_N; i++)
		longw[i] = UINT32_MAX - (uint32_t)i;
	for (size_t r = 0; r < ARRAY_LEN(rows); r++) {
		const struct bad_args *b = &rows[r];
		uint32_t *sched;
		size_t len;
		int rc;

		ct_fill(&sched, sizeof(sched));
		ct_fill(&len, sizeof(len));
		rc = cip__swrr_schedule(b->w, b->n, b->max_len, b->null_out ? NULL : &sched,
					b->null_len ? NULL : &len);
		CHECK(failures, rc == b->want, "%s: rc %d, want %d\n", b->name, rc, b->want);
		CHECK(failures,
		      ct_untouched(&sched, sizeof(sched)) && ct_untouched(&len, sizeof(len)),
		      "%s: outputs written\n", b->name);
		if (!b->null_out && !b->null_len)
			CHECK(failures, cip__swrr_is_scaled(b->w, b->n, b->max_len) == b->want,
			      "%s: is_scaled disagrees\n", b->name);
	}
	CHECK_DONE(failures);
}

/* A period of 2^47 entries (512 TiB) that no host can allocate. */
static void test_swrr_enomem(void **state)
{
	(void)state;
	enum { K = 32768 };
	static uint32_t w[K];
	uint32_t *sched;
	size_t len;

	if (SIZE_MAX <= UINT32_MAX)
		skip();
	for (size_t i = 0; i < K; i++)
		w[i] = UINT32_MAX - (uint32_t)i;
	ct_fill(&sched, sizeof(sched));
	ct_fill(&len, sizeof(len));
	assert_int_equal(cip__swrr_schedule(w, K, SIZE_MAX, &sched, &len), CIP_ENOMEM);
	assert_true(ct_untouched(&sched, sizeof(sched)) && ct_untouched(&len, sizeof(len)));
	assert_int_equal(cip__swrr_is_scaled(w, K, SIZE_MAX), 0);
}

/* ---- scaling ------------------------------------------------------------- */

/*
 * A scaled schedule: len <= max_len, every peer with a weight at least once,
 * nginx's order for the weights it was scaled to (recovered from the
 * counts, which are those weights divided by their gcd), and each count c
 * close to its exact share w * len / sum:
 *	|c - w * len / sum| <= 1 + k * w / sum.
 * Why that bound: swrr.h gives w' = max(1, floor(w * T / sum)), so
 * |w' - w * T / sum| <= 1, and L = sum(w') differs from T by at most k (one
 * per peer); hence |w' - w * L / sum| <= 1 + k * w / sum, and dividing by the
 * gcd (c = w' / g', len = L / g') only shrinks it.
 */
static size_t check_scaled(const uint32_t *w, size_t n, size_t max_len, const char *what)
{
	uint32_t *sched = NULL, *wprime = calloc(n, sizeof(*wprime));
	size_t *counts = calloc(n, sizeof(*counts));
	size_t len = 0, failures = 0, k = 0;
	double sum = (double)sum_of(w, n);
	int rc = cip__swrr_schedule(w, n, max_len, &sched, &len);

	assert_non_null(wprime);
	assert_non_null(counts);
	CHECK(failures, rc == 0, "%s: rc %d\n", what, rc);
	CHECK(failures, cip__swrr_is_scaled(w, n, max_len) == 1, "%s: not scaled\n", what);
	if (rc == 0) {
		CHECK(failures, len >= 1 && len <= max_len, "%s: len %zu\n", what, len);
		count_picks(sched, len, n, counts);
		for (size_t i = 0; i < n; i++)
			k += w[i] != 0;
		for (size_t i = 0; i < n; i++) {
			double exact = (double)w[i] * (double)len / sum;
			double tol = 1.0 + (double)k * (double)w[i] / sum + 1e-9;

			CHECK(failures, (w[i] == 0) == (counts[i] == 0),
			      "%s: peer %zu (w %u) appears %zu times\n", what, i, w[i], counts[i]);
			CHECK(failures, counts[i] - exact <= tol && exact - counts[i] <= tol,
			      "%s: peer %zu appears %zu times, exact share %.3f\n", what, i,
			      counts[i], exact);
			wprime[i] = (uint32_t)counts[i];
		}
		failures += diff_nginx(wprime, n, sched, len, 2, what);
		free(sched);
	}
	free(counts);
	free(wprime);
	return failures;
}

static void test_swrr_scaling(void **state)
{
	(void)state;
	static uint32_t w[MAXN];
	uint64_t rng = 2024;
	size_t failures = 0;
	char what[64];

	/* Wide random weights: the period is millions. */
	for (int round = 0; round < 20; round++) {
		size_t n = 2 + (size_t)cip__bounded_random(&rng, 99);

		random_weights(&rng, w, n, 100000);
		snprintf(what, sizeof(what), "wide round %d (n %zu)", round, n);
		failures += check_scaled(w, n, 1000, what);
	}
	/* One heavy peer and 99 light ones: the light ones' exact shares are
	 * below one pick, so they are raised to 1 at the heavy one's cost. */
	w[0] = 1000000;
	for (size_t i = 1; i < 100; i++)
		w[i] = 1;
	failures += check_scaled(w, 100, 1000, "heavy + 99 light");
	/* As many peers as picks: one pick each. */
	for (size_t i = 0; i < 100; i++)
		w[i] = (uint32_t)(i * 7 + 3);
	failures += check_scaled(w, 100, 100, "k == max_len");
	CHECK_DONE(failures);
}

/* ---- many peers ---------------------------------------------------------- */

static void test_swrr_many_peers(void **state)
{
	(void)state;
	static uint32_t w[MAXN];
	uint64_t rng = 31337;
	size_t failures = 0;

	for (size_t i = 0; i < MAXN; i++)
		w[i] = 1 + (uint32_t)cip__bounded_random(&rng, 100);
	/* These weights sum to about 50500 (gcd 1): exact within the default
	 * limit, scaled within 10000. */
	assert_true(sum_of(w, MAXN) <= CIP__SWRR_DEFAULT_MAX_LEN && gcd_of(w, MAXN) == 1);
	failures += check_exact(w, MAXN, CIP__SWRR_DEFAULT_MAX_LEN, "1000 peers");
	failures += check_scaled(w, MAXN, 10000, "1000 peers in 10000");
	CHECK_DONE(failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swrr_known_orders), cmocka_unit_test(test_swrr_matches_nginx),
		cmocka_unit_test(test_swrr_counts),	  cmocka_unit_test(test_swrr_errors),
		cmocka_unit_test(test_swrr_enomem),	  cmocka_unit_test(test_swrr_scaling),
		cmocka_unit_test(test_swrr_many_peers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/k8s_model.c, the model of Kubernetes' AllocationBitmap with
 * randomScanStrategyWithOffset that clusterip-bench uses as a baseline.
 * The expectations are Kubernetes' observable behaviour
 * (pkg/registry/core/service/allocator/bitmap_test.go and
 * ipallocator/bitmap_test.go), not properties of our allocator.
 */
#include "cip_test.h"

#include "k8s_model.h"

/* A /24: 254 usable addresses, static band of 16 (KEP-3070). */
#define MAX24 254
#define OFF24 16

static void init_ok(struct k8s_model *m, uint64_t max, uint64_t offset, uint64_t seed)
{
	int rc = k8s_model_init(m, max, offset, seed);

	if (rc != 0)
		fail_msg("k8s_model_init(%llu, %llu) = %d", (unsigned long long)max,
			 (unsigned long long)offset, rc);
}

static uint64_t next_ok(struct k8s_model *m)
{
	uint64_t i = UINT64_MAX;

	if (!k8s_model_allocate_next(m, &i))
		fail_msg("allocate_next: full with %llu free",
			 (unsigned long long)k8s_model_free(m));
	return i;
}

static void assert_full(struct k8s_model *m)
{
	uint64_t i = 12345;

	assert_false(k8s_model_allocate_next(m, &i));
	assert_int_equal(i, 12345); /* untouched */
	assert_int_equal(k8s_model_free(m), 0);
}

/*
 * TestAllocateUniqueness (k/k#109928, after k/k#109927): the dynamic band
 * fills first, then the static band, never with a duplicate.
 */
static void test_bands_fill_in_order_unique(void **state)
{
	(void)state;

	for (uint64_t seed = 0; seed < 20; seed++) {
		struct k8s_model m;
		unsigned char seen[MAX24] = { 0 };

		init_ok(&m, MAX24, OFF24, seed);
		for (int n = 0; n < MAX24 - OFF24; n++) {
			uint64_t i = next_ok(&m);

			assert_in_range(i, OFF24, MAX24 - 1);
			assert_false(seen[i]);
			seen[i] = 1;
			assert_true(k8s_model_has(&m, i));
		}
		assert_int_equal(k8s_model_free(&m), OFF24);
		for (int n = 0; n < OFF24; n++) {
			uint64_t i = next_ok(&m);

			assert_in_range(i, 0, OFF24 - 1);
			assert_false(seen[i]);
			seen[i] = 1;
		}
		assert_full(&m);
		assert_full(&m);

		/* A released static-band offset is the only free one: it comes back. */
		k8s_model_release(&m, 3);
		assert_false(k8s_model_has(&m, 3));
		assert_int_equal(k8s_model_free(&m), 1);
		assert_int_equal(next_ok(&m), 3);
		assert_full(&m);

		/* And a released dynamic-band one likewise. */
		k8s_model_release(&m, 200);
		assert_int_equal(next_ok(&m), 200);
		assert_full(&m);
		k8s_model_destroy(&m);
	}
}

/* With the dynamic band full, the static band is used even if mostly free. */
static void test_static_band_only_after_dynamic(void **state)
{
	(void)state;
	struct k8s_model m;

	init_ok(&m, MAX24, OFF24, 7);
	for (uint64_t i = OFF24; i < MAX24; i++)
		assert_int_equal(k8s_model_allocate(&m, i), 1);
	k8s_model_release(&m, 100);
	assert_int_equal(next_ok(&m), 100);
	assert_in_range(next_ok(&m), 0, OFF24 - 1);
	k8s_model_destroy(&m);
}

/* Allocate(offset): true when free, false when set, error out of range. */
static void test_allocate_specific(void **state)
{
	(void)state;
	struct k8s_model m;

	init_ok(&m, MAX24, OFF24, 1);
	assert_int_equal(k8s_model_allocate(&m, 9), 1); /* .10, the DNS IP, static band */
	assert_true(k8s_model_has(&m, 9));
	assert_int_equal(k8s_model_allocate(&m, 9), 0);
	assert_int_equal(k8s_model_allocate(&m, 0), 1);
	assert_int_equal(k8s_model_allocate(&m, MAX24 - 1), 1);
	assert_int_equal(k8s_model_allocate(&m, MAX24), K8S_MODEL_ERANGE);
	assert_int_equal(k8s_model_allocate(&m, UINT64_MAX), K8S_MODEL_ERANGE);
	assert_int_equal(k8s_model_free(&m), MAX24 - 3);

	/* Release: clears a set bit; no-op when clear or past max. */
	k8s_model_release(&m, 9);
	assert_false(k8s_model_has(&m, 9));
	assert_int_equal(k8s_model_free(&m), MAX24 - 2);
	k8s_model_release(&m, 9);
	k8s_model_release(&m, 50);
	k8s_model_release(&m, MAX24);
	k8s_model_release(&m, UINT64_MAX);
	assert_int_equal(k8s_model_free(&m), MAX24 - 2);
	assert_false(k8s_model_has(&m, MAX24));
	assert_false(k8s_model_has(&m, UINT64_MAX));
	assert_int_equal(k8s_model_allocate(&m, 9), 1);

	/* allocate_next skips what Allocate took. */
	for (int n = 0; n < MAX24 - 3; n++) {
		uint64_t i = next_ok(&m);

		assert_true(i != 9 && i != 0 && i != MAX24 - 1);
	}
	assert_full(&m);
	k8s_model_destroy(&m);
}

/* offset 0 (a /28 or smaller, or NewAllocationMap): one band over [0, max). */
static void test_no_band(void **state)
{
	(void)state;
	static const uint64_t maxes[] = { 1, 2, 6, 14, 254, 1000 };

	for (size_t k = 0; k < ARRAY_LEN(maxes); k++) {
		struct k8s_model m;
		unsigned char seen[1000] = { 0 };

		init_ok(&m, maxes[k], 0, k);
		for (uint64_t n = 0; n < maxes[k]; n++) {
			uint64_t i = next_ok(&m);

			assert_true(i < maxes[k]);
			assert_false(seen[i]);
			seen[i] = 1;
		}
		assert_full(&m);
		k8s_model_destroy(&m);
	}
}

/* max 0 (a /32, /31 after the exclusions): full at once. */
static void test_empty_range(void **state)
{
	(void)state;
	struct k8s_model m;

	init_ok(&m, 0, 0, 0);
	assert_full(&m);
	assert_int_equal(k8s_model_allocate(&m, 0), K8S_MODEL_ERANGE);
	k8s_model_release(&m, 0);
	assert_false(k8s_model_has(&m, 0));
	k8s_model_destroy(&m);

	/* Shapes on which Go would panic in rand.Intn are refused. */
	assert_int_equal(k8s_model_init(&m, 16, 16, 0), -1);
	assert_int_equal(k8s_model_init(&m, 16, 17, 0), -1);
	assert_int_equal(k8s_model_init(&m, 0, 1, 0), -1);
}

/* The start is random over the dynamic band: its 8 buckets of 30 offsets
 * (max 256 here, so that [16, 256) splits evenly) are all hit by the first
 * allocation of 800 differently seeded models. */
static void test_random_start(void **state)
{
	(void)state;
	unsigned hits[8] = { 0 };

	for (uint64_t seed = 0; seed < 800; seed++) {
		struct k8s_model m;
		uint64_t i;

		init_ok(&m, 256, 16, seed * 0x9E3779B97F4A7C15u + 1);
		i = next_ok(&m);
		assert_in_range(i, 16, 255);
		hits[(i - 16) / 30]++;
		k8s_model_destroy(&m);
	}
	for (size_t b = 0; b < ARRAY_LEN(hits); b++)
		if (hits[b] == 0)
			fail_msg("bucket %zu of the dynamic band never hit", b);
}

/* count stays the popcount through a random mix of operations. */
static void test_random_ops_against_shadow(void **state)
{
	(void)state;
	enum { MAX = 1022, OFF = 64 }; /* a /22 */
	struct k8s_model m;
	unsigned char shadow[MAX] = { 0 };
	uint64_t used = 0, rng = 42;

	init_ok(&m, MAX, OFF, 99);
	for (int n = 0; n < 200000; n++) {
		uint64_t r = cip__splitmix64(&rng), i = (r >> 8) % MAX;

		switch (r % 4) {
		case 0:
		case 1: {
			uint64_t got = UINT64_MAX;
			bool ok = k8s_model_allocate_next(&m, &got);

			assert_int_equal(ok, used < MAX);
			if (ok) {
				assert_true(got < MAX);
				assert_false(shadow[got]);
				/* Static band only when the dynamic one is full. */
				if (got < OFF)
					for (uint64_t j = OFF; j < MAX; j++)
						assert_true(shadow[j]);
				shadow[got] = 1;
				used++;
			}
			break;
		}
		case 2:
			assert_int_equal(k8s_model_allocate(&m, i), !shadow[i]);
			used += !shadow[i];
			shadow[i] = 1;
			break;
		default:
			k8s_model_release(&m, i);
			used -= shadow[i];
			shadow[i] = 0;
			break;
		}
		assert_int_equal(k8s_model_has(&m, i), shadow[i]);
		assert_int_equal(k8s_model_free(&m), MAX - used);
	}
	k8s_model_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bands_fill_in_order_unique),
		cmocka_unit_test(test_static_band_only_after_dynamic),
		cmocka_unit_test(test_allocate_specific),
		cmocka_unit_test(test_no_band),
		cmocka_unit_test(test_empty_range),
		cmocka_unit_test(test_random_start),
		cmocka_unit_test(test_random_ops_against_shadow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

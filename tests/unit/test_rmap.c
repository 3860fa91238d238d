/* SPDX-License-Identifier: Apache-2.0 */
/* lib/rmap.h (the table's read-mostly index), single-threaded, against a
 * plain array as the reference. Concurrent readers are exercised by
 * tests/stress/test_table_stress.c. */
#include "cip_test.h"

#include "epoch.h"
#include "rmap.h"

struct item {
	uint64_t key;
	int live;
};

static int item_has_key(const void *value, const void *key)
{
	return ((const struct item *)value)->key == *(const uint64_t *)key;
}

/* A deliberately weak hash, so that chains are long and collide. */
static uint64_t hash_of(uint64_t key)
{
	return key % 7;
}

static int count_visit(void *value, void *ctx)
{
	(void)value;
	(*(size_t *)ctx)++;
	return 0;
}

static int stop_at_third(void *value, void *ctx)
{
	(void)value;
	return ++(*(size_t *)ctx) == 3 ? 17 : 0;
}

static void test_rmap_against_array(void **state)
{
	(void)state;
	enum { N = 2000 };
	static struct item items[N];
	struct cip__epoch e;
	struct cip__rmap m;
	uint64_t rng = 11;
	size_t failures = 0, live = 0, seen = 0;

	assert_int_equal(cip__epoch_init(&e), 0);
	assert_int_equal(cip__rmap_init(&m, &e), 0);
	assert_int_equal(cip__rmap_init(NULL, &e), CIP_EINVAL);
	for (uint64_t i = 0; i < N; i++) {
		items[i].key = i * 1000003;
		items[i].live = 0;
	}
	for (int round = 0; round < 20000; round++) {
		size_t i = (size_t)(cip__splitmix64(&rng) % N);
		struct item *it = &items[i];
		void *found = cip__rmap_find(&m, hash_of(it->key), &it->key, item_has_key);

		CHECK(failures, (found != NULL) == it->live && (!found || found == it),
		      "round %d: item %zu found %p live %d\n", round, i, found, it->live);
		if (it->live) {
			CHECK(failures, cip__rmap_remove(&m, hash_of(it->key), it) == 1,
			      "remove %zu\n", i);
			CHECK(failures, cip__rmap_remove(&m, hash_of(it->key), it) == 0,
			      "second remove %zu\n", i);
			it->live = 0;
			live--;
		} else {
			CHECK(failures, cip__rmap_insert(&m, hash_of(it->key), it) == 0,
			      "insert %zu\n", i);
			it->live = 1;
			live++;
		}
		CHECK(failures, m.count == live, "count %zu, want %zu\n", m.count, live);
	}
	cip__rmap_foreach(&m, count_visit, &seen);
	CHECK(failures, seen == live, "foreach saw %zu of %zu\n", seen, live);
	seen = 0;
	CHECK(failures, live < 3 || cip__rmap_foreach(&m, stop_at_third, &seen) == 17,
	      "foreach stop\n");
	/* Arrays replaced by growth and rebuilds went through the domain. */
	cip__epoch_synchronize(&e);
	CHECK(failures, cip__epoch_pending(&e) == 0, "retired arrays not freed\n");
	CHECK_DONE(failures);
	cip__rmap_destroy(&m);
	cip__rmap_destroy(NULL);
	cip__epoch_destroy(&e);
}

static void test_rmap_reserve_and_hashes(void **state)
{
	(void)state;
	struct cip__epoch e;
	struct cip__rmap m;
	struct item it[100];
	struct cip__rmap_array *a;

	assert_int_equal(cip__epoch_init(&e), 0);
	assert_int_equal(cip__rmap_init(&m, &e), 0);
	assert_int_equal(cip__rmap_reserve(&m, 100), 0);
	a = atomic_load(&m.array);
	for (uint64_t i = 0; i < 100; i++) {
		it[i].key = i;
		assert_int_equal(cip__rmap_insert(&m, cip__rmap_mix(i), &it[i]), 0);
	}
	/* Reserved room: no array was replaced by the inserts. */
	assert_ptr_equal(atomic_load(&m.array), a);
	assert_true(2 * m.used <= a->mask + 1);
	assert_int_equal(cip__rmap_reserve(&m, SIZE_MAX / 2), CIP_ENOMEM);
	assert_ptr_equal(cip__rmap_find(&m, cip__rmap_mix(42), &it[42].key, item_has_key), &it[42]);
	assert_null(cip__rmap_find(&m, cip__rmap_mix(1000), &(uint64_t){ 1000 }, item_has_key));
	/* FNV-1a of "a" and the mixer are fixed functions. */
	assert_true(cip__rmap_hash_bytes(CIP__RMAP_HASH_INIT, "a", 1) ==
		    UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(cip__rmap_mix(1) != cip__rmap_mix(2));
	cip__rmap_destroy(&m);
	cip__epoch_destroy(&e);
}

static int count_each(void *value, void *ctx)
{
	(void)value;
	(*(size_t *)ctx)++;
	return 0;
}

/* Several values under one key (the table's address index), replace in
 * place, and removal by pointer. */
static void test_rmap_duplicates_and_replace(void **state)
{
	(void)state;
	struct cip__epoch e;
	struct cip__rmap m;
	struct item it[4] = { { 5, 1 }, { 5, 1 }, { 5, 1 }, { 5, 1 } };
	uint64_t key = 5;
	size_t n = 0;

	assert_int_equal(cip__epoch_init(&e), 0);
	assert_int_equal(cip__rmap_init(&m, &e), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cip__rmap_insert(&m, hash_of(key), &it[i]), 0);
	assert_int_equal(cip__rmap_find_each(&m, hash_of(key), &key, item_has_key, count_each, &n),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(cip__rmap_replace(&m, hash_of(key), &it[1], &it[3]), 1);
	assert_int_equal(cip__rmap_replace(&m, hash_of(key), &it[1], &it[3]), 0);
	assert_int_equal(m.count, 3);
	assert_int_equal(cip__rmap_remove(&m, hash_of(key), &it[1]), 0);
	assert_int_equal(cip__rmap_remove(&m, hash_of(key), &it[3]), 1);
	n = 0;
	cip__rmap_find_each(&m, hash_of(key), &key, item_has_key, count_each, &n);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(
		cip__rmap_find_each(&m, hash_of(key), &key, item_has_key, stop_at_third, &n), 0);
	cip__rmap_destroy(&m);
	cip__epoch_destroy(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rmap_against_array),
		cmocka_unit_test(test_rmap_reserve_and_hashes),
		cmocka_unit_test(test_rmap_duplicates_and_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

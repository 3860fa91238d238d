/* SPDX-License-Identifier: Apache-2.0 */
/* lib/u64map.h (the sparse engine's lock-free index), single-threaded. The
 * concurrent behaviour is in tests/stress/test_sparse_stress.c. */
#include "cip_test.h"

#include "u64map.h"

static void init_ok(struct cip__u64map *m, size_t cap)
{
	int rc = cip__u64map_init(m, cap);

	if (rc != 0)
		fail_msg("cip__u64map_init(%zu) = %d", cap, rc);
}

static _Atomic uint64_t *bind_ok(struct cip__u64map *m, uint64_t key)
{
	_Atomic uint64_t *v = NULL;
	int rc = cip__u64map_bind(m, key, &v);

	if (rc != 0 || !v)
		fail_msg("cip__u64map_bind(%llu) = %d", (unsigned long long)key, rc);
	return v;
}

/* The number of generations and the newest one. */
static unsigned generations(const struct cip__u64map *m, struct cip__u64map_table **newest)
{
	unsigned n = 0;

	for (struct cip__u64map_table *t = m->first; t; t = atomic_load(&t->next)) {
		*newest = t;
		n++;
	}
	return n;
}

static size_t table_bytes(uint64_t cap)
{
	return sizeof(struct cip__u64map_table) + cap * sizeof(struct cip__u64map_slot);
}

/* ------------------------------------------------------------------ */
/* Life cycle and arguments                                           */
/* ------------------------------------------------------------------ */

static int count_fn(uint64_t key, _Atomic uint64_t *value, void *ctx)
{
	(void)key;
	(void)value;
	++*(uint64_t *)ctx;
	return 0;
}

static void test_init_errors(void **state)
{
	(void)state;
	struct cip__u64map m;
	_Atomic uint64_t *v = NULL;
	uint64_t n = 0, key = 7;

	memset(&m, 0, sizeof m);
	assert_int_equal(cip__u64map_init(NULL, 0), CIP_EINVAL);
	assert_int_equal(cip__u64map_init(&m, SIZE_MAX), CIP_EINVAL);
	assert_int_equal(cip__u64map_init(&m, SIZE_MAX / 4), CIP_EINVAL);
	assert_null(m.first); /* untouched on failure */

	/* Capacities round up to a power of two, at least 4; 0 is the default. */
	static const struct {
		size_t ask;
		uint64_t cap;
	} rows[] = {
		{ 0, CIP__U64MAP_DEFAULT_CAPACITY }, { 1, 4 }, { 4, 4 }, { 5, 8 }, { 1000, 1024 },
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		init_ok(&m, rows[i].ask);
		assert_int_equal(m.first->capacity, rows[i].cap);
		assert_int_equal(cip__u64map_memory(&m), table_bytes(rows[i].cap));
		assert_int_equal(cip__u64map_bound(&m), 0);
		assert_int_equal(cip__u64map_check(&m), 0);
		cip__u64map_destroy(&m);
	}

	cip__u64map_destroy(NULL);
	cip__u64map_destroy(&m); /* idempotent */
	assert_null(m.first);

	/* Calls on a destroyed (zeroed) map are refused, not crashes. */
	assert_int_equal(cip__u64map_bind(&m, 1, &v), CIP_EINVAL);
	assert_null(v);
	assert_null(cip__u64map_find(&m, 1));
	assert_int_equal(cip__u64map_bound(&m), 0);
	assert_int_equal(cip__u64map_memory(&m), 0);
	assert_int_equal(cip__u64map_slot_at(&m, 0, &key, &v), 0);
	assert_int_equal(cip__u64map_check(&m), -1);
	assert_int_equal(cip__u64map_bind(NULL, 1, &v), CIP_EINVAL);
	assert_null(cip__u64map_find(NULL, 1));
	assert_int_equal(cip__u64map_bound(NULL), 0);
	assert_int_equal(cip__u64map_memory(NULL), 0);
	assert_int_equal(cip__u64map_foreach(NULL, count_fn, &n), CIP_EINVAL);
	assert_int_equal(cip__u64map_slot_at(NULL, 0, &key, &v), 0);
	assert_int_equal(cip__u64map_check(NULL), -1);
	assert_int_equal(key, 7);

	init_ok(&m, 0);
	assert_int_equal(cip__u64map_bind(&m, 1, NULL), CIP_EINVAL);
	assert_int_equal(cip__u64map_foreach(&m, NULL, NULL), CIP_EINVAL);
	assert_int_equal(cip__u64map_bound(&m), 0);
	cip__u64map_destroy(&m);
}

static void test_key_limits(void **state)
{
	(void)state;
	struct cip__u64map m;
	_Atomic uint64_t *v = NULL, *a, *b;

	init_ok(&m, 4);
	assert_int_equal(cip__u64map_bind(&m, UINT64_MAX, &v), CIP_EINVAL);
	assert_int_equal(cip__u64map_bind(&m, UINT64_MAX - 1, &v), CIP_EINVAL);
	assert_null(v);
	assert_null(cip__u64map_find(&m, UINT64_MAX));
	assert_null(cip__u64map_find(&m, UINT64_MAX - 1));
	a = bind_ok(&m, CIP__U64MAP_KEY_MAX);
	assert_int_equal(CIP__U64MAP_KEY_MAX, UINT64_MAX - 2);
	b = bind_ok(&m, 0);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(cip__u64map_find(&m, UINT64_MAX - 2), a);
	assert_ptr_equal(cip__u64map_find(&m, 0), b);
	/* The marker keys stay refused once neighbours are bound. */
	assert_null(cip__u64map_find(&m, UINT64_MAX - 1));
	assert_int_equal(cip__u64map_bound(&m), 2);
	assert_int_equal(cip__u64map_check(&m), 0);
	cip__u64map_destroy(&m);
}

/* ------------------------------------------------------------------ */
/* Binding, values, growth                                            */
/* ------------------------------------------------------------------ */

static void test_bind_find_values(void **state)
{
	(void)state;
	struct cip__u64map m;
	const uint64_t keys[] = { 0, 1, 2, 63, 64, 1000, UINT64_C(1) << 40, UINT64_C(1) << 58 };
	_Atomic uint64_t *v[ARRAY_LEN(keys)];

	init_ok(&m, 0);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		assert_null(cip__u64map_find(&m, keys[i]));
		v[i] = bind_ok(&m, keys[i]);
		assert_int_equal(atomic_load(v[i]), 0); /* a new binding holds 0 */
		atomic_store(v[i], keys[i] ^ UINT64_C(0xABCD));
		assert_ptr_equal(bind_ok(&m, keys[i]), v[i]); /* found, not rebound */
	}
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		assert_ptr_equal(cip__u64map_find(&m, keys[i]), v[i]);
		assert_int_equal(atomic_load(v[i]), keys[i] ^ UINT64_C(0xABCD));
	}
	/* 0 is a normal value: the key stays bound. */
	atomic_store(v[3], 0);
	assert_ptr_equal(cip__u64map_find(&m, keys[3]), v[3]);
	assert_null(cip__u64map_find(&m, 3));
	assert_int_equal(cip__u64map_bound(&m), ARRAY_LEN(keys));
	assert_int_equal(cip__u64map_check(&m), 0);
	cip__u64map_destroy(&m);
}

#define NKEYS 100000
/* Keys spread over the whole key space, each recoverable from its index. */
#define KEY_STRIDE UINT64_C(0x00002A7F3C1D5E9B) /* * NKEYS < 2^64 */

static uint64_t key_of(uint64_t i)
{
	return i * KEY_STRIDE;
}

struct seen_ctx {
	uint8_t *seen;
	uint64_t visits, bad;
};

static int seen_fn(uint64_t key, _Atomic uint64_t *value, void *arg)
{
	struct seen_ctx *c = arg;
	uint64_t i = key / KEY_STRIDE;

	c->visits++;
	if (key % KEY_STRIDE || i >= NKEYS || c->seen[i]++ || atomic_load(value) != ~key)
		c->bad++;
	return 0;
}

/*
 * 10^5 keys from a first table of 4 slots: about 15 generations. Every key
 * is found with its value, the walk visits each once, the totals add up,
 * and memory stays within the geometric bound of the growth policy.
 */
static void test_growth_many_generations(void **state)
{
	(void)state;
	struct cip__u64map m;
	struct cip__u64map_table *newest = NULL;
	struct seen_ctx c = { 0 };
	size_t memory = 0, failures = 0;
	unsigned gens;

	init_ok(&m, 4);
	for (uint64_t i = 0; i < NKEYS; i++) {
		_Atomic uint64_t *v = bind_ok(&m, key_of(i));

		atomic_store(v, ~key_of(i));
		if (cip__u64map_memory(&m) != memory) {
			/* A growth: the new generation is twice the last. */
			size_t grew = cip__u64map_memory(&m) - memory;

			CHECK(failures, memory == 0 || grew == table_bytes(2 * newest->capacity),
			      "growth at key %llu added %zu bytes\n", (unsigned long long)i, grew);
			memory = cip__u64map_memory(&m);
			generations(&m, &newest);
		}
		if ((i & (i - 1)) == 0) /* powers of two: a check costs O(keys) */
			CHECK(failures, cip__u64map_check(&m) == 0, "check at %llu\n",
			      (unsigned long long)i);
	}
	gens = generations(&m, &newest);
	CHECK(failures, gens >= 14 && gens <= 17, "%u generations\n", gens);
	/* The generations sum to under twice the newest, which is at most
	 * half full: about 2 to 4 slots per key (a little under 2 just before
	 * a growth, as each old generation was frozen one past half full). */
	CHECK(failures,
	      cip__u64map_memory(&m) < 2 * newest->capacity * sizeof(struct cip__u64map_slot) +
					       gens * sizeof(struct cip__u64map_table),
	      "memory sum\n");
	print_message("u64map: %d keys from 4 slots: %u generations, %zu bytes\n", NKEYS, gens,
		      cip__u64map_memory(&m));
	CHECK(failures,
	      cip__u64map_memory(&m) <= NKEYS * 4 * sizeof(struct cip__u64map_slot) + 4096,
	      "memory %zu for %d keys\n", cip__u64map_memory(&m), NKEYS);
	CHECK(failures, cip__u64map_memory(&m) >= NKEYS * 3 / 2 * sizeof(struct cip__u64map_slot),
	      "memory %zu\n", cip__u64map_memory(&m));
	CHECK(failures, cip__u64map_bound(&m) == NKEYS, "bound %llu\n",
	      (unsigned long long)cip__u64map_bound(&m));
	CHECK(failures, atomic_load(&newest->bound) <= newest->capacity / 2 + 1, "newest load\n");
	CHECK(failures, cip__u64map_check(&m) == 0, "final check\n");

	for (uint64_t i = 0; i < NKEYS; i++) {
		_Atomic uint64_t *v = cip__u64map_find(&m, key_of(i));

		if (!v || atomic_load(v) != ~key_of(i))
			CHECK(failures, 0, "key %llu lost\n", (unsigned long long)i);
	}
	CHECK(failures, cip__u64map_find(&m, 1) == NULL, "unbound key found\n");

	c.seen = calloc(NKEYS, 1);
	assert_non_null(c.seen);
	CHECK(failures, cip__u64map_foreach(&m, seen_fn, &c) == 0, "foreach\n");
	CHECK(failures, c.visits == NKEYS && c.bad == 0, "foreach visits %llu, bad %llu\n",
	      (unsigned long long)c.visits, (unsigned long long)c.bad);
	free(c.seen);
	cip__u64map_destroy(&m);
	CHECK_DONE(failures);
}

/* Binding the same keys again, in another order, binds nothing new. */
static void test_rebind_is_find(void **state)
{
	(void)state;
	struct cip__u64map m;
	uint64_t seed = 3;

	init_ok(&m, 4);
	for (uint64_t i = 0; i < 5000; i++)
		bind_ok(&m, key_of(i));
	for (uint64_t k = 0; k < 20000; k++) {
		uint64_t i = cip__splitmix64(&seed) % 5000;

		assert_ptr_equal(bind_ok(&m, key_of(i)), cip__u64map_find(&m, key_of(i)));
	}
	assert_int_equal(cip__u64map_bound(&m), 5000);
	assert_int_equal(cip__u64map_check(&m), 0);
	cip__u64map_destroy(&m);
}

/* ------------------------------------------------------------------ */
/* foreach and slot_at                                                */
/* ------------------------------------------------------------------ */

static int stop_fn(uint64_t key, _Atomic uint64_t *value, void *ctx)
{
	(void)key;
	(void)value;
	return ++*(int *)ctx == 3 ? 42 : 0;
}

static void test_foreach_stops(void **state)
{
	(void)state;
	struct cip__u64map m;
	int calls = 0;
	uint64_t n = 0;

	init_ok(&m, 4);
	assert_int_equal(cip__u64map_foreach(&m, count_fn, &n), 0);
	assert_int_equal(n, 0);
	for (uint64_t i = 0; i < 10; i++)
		bind_ok(&m, i);
	assert_int_equal(cip__u64map_foreach(&m, stop_fn, &calls), 42);
	assert_int_equal(calls, 3);
	assert_int_equal(cip__u64map_foreach(&m, count_fn, &n), 0);
	assert_int_equal(n, 10);
	cip__u64map_destroy(&m);
}

static void test_slot_at(void **state)
{
	(void)state;
	struct cip__u64map m;
	uint64_t slots, found = 0, sum = 0, want = 0;

	init_ok(&m, 4);
	for (uint64_t i = 0; i < 300; i++) {
		bind_ok(&m, i * 3);
		want += i * 3;
	}
	slots = atomic_load(&m.slots);
	for (uint64_t i = 0; i < slots; i++) {
		uint64_t key = UINT64_MAX, key2 = UINT64_MAX;
		_Atomic uint64_t *v = NULL, *v2 = NULL;
		int rc = cip__u64map_slot_at(&m, i, &key, &v);

		/* The index is taken modulo the number of slots. */
		assert_int_equal(cip__u64map_slot_at(&m, i + slots, &key2, &v2), rc);
		assert_int_equal(cip__u64map_slot_at(&m, i + 5 * slots, NULL, NULL), rc);
		if (rc == 1) {
			assert_int_equal(key, key2);
			assert_ptr_equal(v, v2);
			assert_ptr_equal(cip__u64map_find(&m, key), v);
			found++;
			sum += key;
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(key, UINT64_MAX); /* untouched */
			assert_null(v);
		}
	}
	assert_int_equal(found, 300);
	assert_int_equal(sum, want);
	/* Index UINT64_MAX still lands on a slot. */
	assert_true(cip__u64map_slot_at(&m, UINT64_MAX, NULL, NULL) <= 1);
	cip__u64map_destroy(&m);
}

/* ------------------------------------------------------------------ */
/* The helping rule                                                   */
/* ------------------------------------------------------------------ */

/*
 * The state a concurrent growth leaves for a moment: the old table has a
 * successor but its freeze has not reached every EMPTY slot. A bind that
 * meets such a slot must freeze it and bind in the successor; a key bound
 * in the old table before (by a binder that saw no successor) stays found
 * there, and is not bound again.
 */
static void test_helping_rule(void **state)
{
	(void)state;
	struct cip__u64map m;
	struct cip__u64map_table *t;
	_Atomic uint64_t *old, *fresh;
	uint64_t frozen = 0;

	init_ok(&m, 16);
	old = bind_ok(&m, 5);
	t = calloc(1, table_bytes(32));
	assert_non_null(t);
	t->capacity = 32;
	atomic_store(&m.first->next, t); /* installed, nothing frozen */

	assert_ptr_equal(bind_ok(&m, 5), old);
	fresh = bind_ok(&m, 6);
	assert_true((char *)fresh >= (char *)t && (char *)fresh < (char *)t + table_bytes(32));
	assert_ptr_equal(cip__u64map_find(&m, 6), fresh);
	assert_ptr_equal(bind_ok(&m, 6), fresh);
	for (uint64_t i = 0; i < m.first->capacity; i++)
		frozen += atomic_load(&m.first->slots[i].key) == UINT64_MAX;
	assert_int_equal(frozen, 1); /* only the slot that key 6 met */
	assert_int_equal(cip__u64map_bound(&m), 2);
	/* The freeze pass never ran, and the totals miss the hand-made table. */
	assert_int_equal(cip__u64map_check(&m), 2);
	cip__u64map_destroy(&m); /* frees the hand-made table too */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_key_limits),
		cmocka_unit_test(test_bind_find_values),
		cmocka_unit_test(test_growth_many_generations),
		cmocka_unit_test(test_rebind_is_find),
		cmocka_unit_test(test_foreach_stops),
		cmocka_unit_test(test_slot_at),
		cmocka_unit_test(test_helping_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

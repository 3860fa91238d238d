/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/sparse.h and lib/u64map.h under contention.
 *
 * The index race: threads bind the same keys in different orders, from a
 * first table of 4 slots, so that bindings race with each other and with
 * many growths. Every thread must get the same value word for a key, and
 * the map must hold each key once.
 *
 * The engine: threads claim bits from random starts and release random
 * bits of their own, (a) in a 2^64 - 1 bit range, mixed with sets of
 * random bits that bind new words and grow the index, and (b) in a small
 * range kept near full. A per-bit owner table (a lock-free hash table here
 * in the test for (a), an array for (b)) proves that no bit is ever held by
 * two threads at once: a claimer moves owner[bit] from 0 to its id and
 * fails if it was not 0; a releaser resets owner[bit] before clearing the
 * bit. After the run the engine must hold exactly the bits the owners say,
 * with a consistent count and index.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stress.h"
#include "random.h"
#include "sparse.h"
#include "u64map.h"

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------ */
/* The index race                                                     */
/* ------------------------------------------------------------------ */

struct race {
	struct cip__u64map m;
	uint64_t nkeys;
	_Atomic uint64_t **got[4]; /* per thread: the value word of each key */
	atomic_int go;
};

struct racer {
	pthread_t tid;
	struct race *r;
	unsigned id;
	int rc;
};

static void *racer_main(void *arg)
{
	struct racer *w = arg;
	struct race *r = w->r;
	/* Thread t visits the keys in the order i * stride + offset (mod
	 * nkeys, a power of two; an odd stride makes it a permutation). */
	uint64_t stride = 2 * w->id + 1, offset = w->id * (r->nkeys / 3), mask = r->nkeys - 1;

	while (!atomic_load(&r->go))
		;
	for (uint64_t i = 0; i < r->nkeys; i++) {
		uint64_t k = (i * stride + offset) & mask;
		_Atomic uint64_t *v;
		/* Spread the keys over the key space, through the top. */
		int rc =
			cip__u64map_bind(&r->m, CIP__U64MAP_KEY_MAX - k * UINT64_C(0x9E3779B9), &v);

		if (rc) {
			w->rc = rc;
			return NULL;
		}
		atomic_fetch_add(v, 1);
		r->got[w->id][k] = v;
	}
	return NULL;
}

static int run_race(unsigned threads, uint64_t nkeys)
{
	struct race r = { .nkeys = nkeys };
	struct racer ws[4];
	struct timespec t0;
	int bad = 0, rc;

	if (cip__u64map_init(&r.m, 4) != 0)
		return 1;
	atomic_init(&r.go, 0);
	for (unsigned t = 0; t < threads; t++) {
		r.got[t] = calloc(nkeys, sizeof *r.got[t]);
		if (!r.got[t])
			return 1;
		ws[t] = (struct racer){ .r = &r, .id = t };
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned t = 0; t < threads; t++)
		if (pthread_create(&ws[t].tid, NULL, racer_main, &ws[t]) != 0)
			return 1;
	atomic_store(&r.go, 1);
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(ws[t].tid, NULL);
		if (ws[t].rc) {
			fprintf(stderr, "FAIL index race: thread %u: bind = %d\n", t, ws[t].rc);
			bad = 1;
		}
	}
	for (uint64_t k = 0; k < nkeys && !bad; k++) {
		for (unsigned t = 1; t < threads; t++)
			if (r.got[t][k] != r.got[0][k]) {
				fprintf(stderr, "FAIL index race: key %" PRIu64 " bound twice\n",
					k);
				bad = 1;
			}
		if (!bad && atomic_load(r.got[0][k]) != threads) {
			fprintf(stderr, "FAIL index race: key %" PRIu64 " value %" PRIu64 "\n", k,
				atomic_load(r.got[0][k]));
			bad = 1;
		}
	}
	if (!bad && cip__u64map_bound(&r.m) != nkeys) {
		fprintf(stderr, "FAIL index race: %" PRIu64 " bound, want %" PRIu64 "\n",
			cip__u64map_bound(&r.m), nkeys);
		bad = 1;
	}
	rc = cip__u64map_check(&r.m);
	if (!bad && rc != 0) {
		fprintf(stderr, "FAIL index race: cip__u64map_check = %d\n", rc);
		bad = 1;
	}
	printf("index race, %u threads: %" PRIu64 " keys, %zu bytes, %.3f s%s\n", threads, nkeys,
	       cip__u64map_memory(&r.m), seconds_since(&t0), bad ? " FAILED" : "");
	for (unsigned t = 0; t < threads; t++)
		free(r.got[t]);
	cip__u64map_destroy(&r.m);
	return bad;
}

/* ------------------------------------------------------------------ */
/* Owners                                                             */
/* ------------------------------------------------------------------ */

/* The owner of every bit a thread ever touched: an array for small
 * ranges, else an insert-only open-addressing table keyed by bit + 1
 * (never 0: bits are below nbits <= UINT64_MAX). */
struct owner_slot {
	_Atomic uint64_t key;
	_Atomic uint32_t owner;
};

struct owners {
	_Atomic uint32_t *array; /* small ranges */
	struct owner_slot *table;
	uint64_t mask; /* table capacity - 1 */
};

#define OWNER_TABLE_BITS 20

/* The owner word of @p bit, inserting it if needed; NULL if the table is
 * full (a test sizing error). */
static _Atomic uint32_t *owner_of(struct owners *o, uint64_t bit)
{
	uint64_t h = bit * UINT64_C(0x9E3779B97F4A7C15);

	if (o->array)
		return &o->array[bit];
	for (uint64_t n = 0; n <= o->mask; n++) {
		struct owner_slot *s = &o->table[(h + n) & o->mask];
		uint64_t k = atomic_load(&s->key);

		if (k == 0 && atomic_compare_exchange_strong(&s->key, &k, bit + 1))
			return &s->owner;
		if (k == bit + 1)
			return &s->owner;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The engine                                                         */
/* ------------------------------------------------------------------ */

struct scenario {
	const char *name;
	uint64_t nbits;
	unsigned threads;
	unsigned quota;	  /* the most bits one thread holds */
	unsigned iters;	  /* per thread */
	unsigned set_pct; /* share of sets of random bits among the takes */
};

struct shared {
	struct cip__sparse s;
	struct owners o;
	const struct scenario *sc;
	atomic_int go;
	atomic_int failed;
};

struct worker {
	pthread_t tid;
	struct shared *sh;
	uint32_t id;
	uint64_t seed;
	uint64_t *held;
	size_t nheld;
	uint64_t claims, sets, fulls;
	char error[200];
};

static void worker_fail(struct worker *w, const char *what, uint64_t bit, long long v)
{
	snprintf(w->error, sizeof w->error, "thread %u: %s (bit %" PRIu64 ", value %lld)", w->id,
		 what, bit, v);
	atomic_store(&w->sh->failed, 1);
}

/* Records that this thread now holds @p bit. */
static int take(struct worker *w, uint64_t bit)
{
	_Atomic uint32_t *owner = owner_of(&w->sh->o, bit);
	uint32_t expect = 0;

	if (!owner) {
		worker_fail(w, "owner table full", bit, 0);
		return -1;
	}
	if (!atomic_compare_exchange_strong(owner, &expect, w->id)) {
		worker_fail(w, "got a bit another thread holds", bit, (long long)expect);
		return -1;
	}
	w->held[w->nheld++] = bit;
	return 0;
}

static int claim_one(struct worker *w)
{
	const struct scenario *sc = w->sh->sc;
	uint64_t bit, start = cip__bounded_random(&w->seed, sc->nbits), r = w->seed % 16;
	int rc;

	if (r == 0)
		start = sc->nbits - 1; /* the top now and then */
	rc = cip__sparse_claim(&w->sh->s, 0, sc->nbits, start, &bit);
	if (rc == CIP_EFULL && sc->nbits < UINT64_MAX) {
		w->fulls++;
		return 0;
	}
	if (rc != 0) {
		worker_fail(w, "claim failed", start, rc);
		return -1;
	}
	if (bit >= sc->nbits) {
		worker_fail(w, "claim out of range", bit, 0);
		return -1;
	}
	w->claims++;
	return take(w, bit);
}

/* Sets a random bit: in a huge range almost surely in a new word. */
static int set_one(struct worker *w)
{
	uint64_t bit = cip__bounded_random(&w->seed, w->sh->sc->nbits);
	int rc = cip__sparse_set(&w->sh->s, bit);

	if (rc == CIP_EALLOCATED)
		return 0;
	if (rc != 0) {
		worker_fail(w, "set failed", bit, rc);
		return -1;
	}
	w->sets++;
	return take(w, bit);
}

static int release_one(struct worker *w)
{
	size_t k = (size_t)cip__bounded_random(&w->seed, w->nheld);
	uint64_t bit = w->held[k];
	int rc;

	w->held[k] = w->held[--w->nheld];
	/* Owner first: whoever takes the bit after the clear below must find
	 * 0 (the clear's seq_cst RMW publishes this store to that thread). */
	atomic_store(owner_of(&w->sh->o, bit), 0);
	rc = cip__sparse_clear(&w->sh->s, bit);
	if (rc != 0) {
		worker_fail(w, "clear of a held bit failed", bit, rc);
		return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct scenario *sc = w->sh->sc;

	while (!atomic_load(&w->sh->go))
		; /* start together, for the most overlap */
	for (unsigned i = 0;
	     i < sc->iters && !atomic_load_explicit(&w->sh->failed, memory_order_relaxed); i++) {
		int set = cip__bounded_random(&w->seed, 100) < sc->set_pct;

		if (set ? set_one(w) : claim_one(w))
			break;
		if (w->nheld > 0 && (w->nheld > sc->quota || cip__bounded_random(&w->seed, 2)) &&
		    release_one(w))
			break;
	}
	return NULL;
}

static int fail_msg(const struct scenario *sc, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "FAIL %s/%u threads: %s (%" PRIu64 ", %" PRIu64 ")\n", sc->name,
		sc->threads, what, a, b);
	return 1;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The bits the owners hold, ascending, in a new array. */
static uint64_t *owned_bits(const struct shared *sh, size_t *n)
{
	const struct owners *o = &sh->o;
	uint64_t slots = o->array ? sh->sc->nbits : o->mask + 1;
	uint64_t *bits = malloc((size_t)slots * sizeof *bits);

	*n = 0;
	if (!bits)
		return NULL;
	for (uint64_t i = 0; i < slots; i++) {
		if (o->array && atomic_load(&o->array[i]))
			bits[(*n)++] = i;
		if (!o->array && atomic_load(&o->table[i].key) && atomic_load(&o->table[i].owner))
			bits[(*n)++] = atomic_load(&o->table[i].key) - 1;
	}
	qsort(bits, *n, sizeof *bits, by_value);
	return bits;
}

/* After the join: the engine holds exactly what the owners say. */
static int verify(struct shared *sh, struct worker *ws)
{
	const struct scenario *sc = sh->sc;
	uint64_t held = 0, *want, *got = NULL;
	size_t nwant, ngot = 0;
	int rc, bad = 0;

	for (unsigned t = 0; t < sc->threads; t++) {
		held += ws[t].nheld;
		for (size_t k = 0; k < ws[t].nheld; k++) {
			uint64_t bit = ws[t].held[k];

			if (atomic_load(owner_of(&sh->o, bit)) != ws[t].id)
				return fail_msg(sc, "held bit has another owner", bit, t);
			if (cip__sparse_test(&sh->s, bit) != 1)
				return fail_msg(sc, "held bit is clear", bit, t);
		}
	}
	rc = cip__sparse_check(&sh->s);
	if (rc != 0)
		return fail_msg(sc, "cip__sparse_check", (uint64_t)rc, 0);
	if (cip__sparse_count(&sh->s) != held)
		return fail_msg(sc, "count differs from bits held", cip__sparse_count(&sh->s),
				held);
	want = owned_bits(sh, &nwant);
	if (!want)
		return fail_msg(sc, "malloc", 0, 0);
	if (cip__sparse_collect(&sh->s, &got, &ngot) != 0)
		bad = fail_msg(sc, "collect failed", 0, 0);
	else if (ngot != nwant || nwant != held)
		bad = fail_msg(sc, "collect length differs from owners", ngot, nwant);
	else if (nwant && memcmp(got, want, nwant * sizeof *want) != 0)
		bad = fail_msg(sc, "collect differs from owners", 0, 0);
	free(got);
	free(want);
	return bad;
}

static int run_threads(struct shared *sh, struct worker *ws)
{
	const struct scenario *sc = sh->sc;
	int bad = 0;

	for (unsigned t = 0; t < sc->threads; t++)
		if (pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]) != 0)
			return fail_msg(sc, "pthread_create", t, 0);
	atomic_store(&sh->go, 1);
	for (unsigned t = 0; t < sc->threads; t++) {
		pthread_join(ws[t].tid, NULL);
		if (ws[t].error[0]) {
			fprintf(stderr, "FAIL %s/%u threads: %s\n", sc->name, sc->threads,
				ws[t].error);
			bad = 1;
		}
	}
	return bad;
}

static int owners_init(struct owners *o, uint64_t nbits)
{
	memset(o, 0, sizeof *o);
	if (nbits <= 4096) {
		o->array = malloc(nbits * sizeof *o->array);
		if (!o->array)
			return -1;
		for (uint64_t i = 0; i < nbits; i++)
			atomic_init(&o->array[i], 0);
		return 0;
	}
	o->mask = (UINT64_C(1) << OWNER_TABLE_BITS) - 1;
	o->table = malloc((o->mask + 1) * sizeof *o->table);
	if (!o->table)
		return -1;
	for (uint64_t i = 0; i <= o->mask; i++) {
		atomic_init(&o->table[i].key, 0);
		atomic_init(&o->table[i].owner, 0);
	}
	return 0;
}

static int run(const struct scenario *sc, uint64_t seed)
{
	struct shared sh = { .sc = sc };
	struct worker ws[8];
	uint64_t claims = 0, sets = 0, fulls = 0;
	struct timespec t0;
	int rc;

	if (cip__sparse_init(&sh.s, sc->nbits) != 0)
		return fail_msg(sc, "init", sc->nbits, 0);
	if (owners_init(&sh.o, sc->nbits))
		return fail_msg(sc, "malloc", 0, 0);
	atomic_init(&sh.go, 0);
	atomic_init(&sh.failed, 0);
	memset(ws, 0, sizeof ws);
	for (unsigned t = 0; t < sc->threads; t++) {
		ws[t].sh = &sh;
		ws[t].id = t + 1;
		ws[t].seed = seed + t * UINT64_C(0x1000);
		ws[t].held = malloc((sc->quota + 2) * sizeof *ws[t].held);
		if (!ws[t].held)
			return fail_msg(sc, "malloc", 0, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = run_threads(&sh, ws);
	rc = rc ? rc : verify(&sh, ws);
	for (unsigned t = 0; t < sc->threads; t++) {
		claims += ws[t].claims;
		sets += ws[t].sets;
		fulls += ws[t].fulls;
		free(ws[t].held);
	}
	printf("%s, %u threads: %" PRIu64 " claims, %" PRIu64 " sets, %" PRIu64 " full, %" PRIu64
	       " words, %zu bytes, %.3f s%s\n",
	       sc->name, sc->threads, claims, sets, fulls, cip__u64map_bound(&sh.s.map),
	       cip__sparse_memory(&sh.s), seconds_since(&t0), rc ? " FAILED" : "");
	free(sh.o.array);
	free(sh.o.table);
	cip__sparse_destroy(&sh.s);
	return rc;
}

int main(void)
{
	const unsigned iters = SANITIZED ? 20000 : 100000;
	const uint64_t keys = SANITIZED ? UINT64_C(1) << 15 : UINT64_C(1) << 17;
	/* huge: random starts in 2^64 - 1 bits, 10% of the takes are sets of
	 * random bits (new words, index growth); small: 200 bits, quotas
	 * adding up to more than the range, so it is often full. */
	const struct scenario scenarios[] = {
		{ "huge (2^64-1 bits)", UINT64_MAX, 2, 1000, iters, 10 },
		{ "huge (2^64-1 bits)", UINT64_MAX, 4, 500, iters, 10 },
		{ "small (200 bits)", 200, 2, 110, iters, 0 },
		{ "small (200 bits)", 200, 4, 55, iters, 0 },
		{ "small (200 bits, sets)", 200, 4, 55, iters, 30 },
	};
	int failed = 0;

	failed |= run_race(2, keys);
	failed |= run_race(4, keys);
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		failed |= run(&scenarios[i], UINT64_C(0x5EED) + i);
	return failed;
}

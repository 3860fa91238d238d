/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/bitmap.h under contention: threads claim bits from random starts and
 * release random bits of their own, in a nearly full bitmap.
 *
 * During the run a per-bit owner array proves that no bit is ever held by
 * two threads at once: a claimer moves owner[bit] from 0 to its id and
 * fails if it was not 0; a releaser resets owner[bit] before clearing the
 * bitmap bit. After the run the bitmap must hold exactly the bits the
 * threads (and the prefill) hold, with a consistent count and summary.
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
#include "bitmap.h"
#include "random.h"

/* The owner id of bits set before the threads start. */
#define PREFILL UINT32_C(0xFFFF)

struct scenario {
	const char *name;
	uint64_t nbits;
	uint64_t free_bits; /* left clear by the prefill */
	unsigned threads;
	unsigned quota; /* the most bits one thread holds */
	unsigned iters; /* per thread */
};

struct shared {
	struct cip__bitmap b;
	_Atomic uint32_t *owner;
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
	uint64_t claims, fulls;
	char error[200];
};

static void worker_fail(struct worker *w, const char *what, uint64_t bit, long long v)
{
	snprintf(w->error, sizeof w->error, "thread %u: %s (bit %" PRIu64 ", value %lld)", w->id,
		 what, bit, v);
	atomic_store(&w->sh->failed, 1);
}

static int claim_one(struct worker *w)
{
	const struct scenario *sc = w->sh->sc;
	uint64_t bit, start = cip__bounded_random(&w->seed, sc->nbits);
	uint32_t expect = 0;
	int rc = cip__bitmap_claim(&w->sh->b, 0, sc->nbits, start, &bit);

	if (rc == CIP_EFULL) {
		w->fulls++;
		return 0;
	}
	if (rc != 0) {
		worker_fail(w, "claim failed", start, rc);
		return -1;
	}
	if (!atomic_compare_exchange_strong(&w->sh->owner[bit], &expect, w->id)) {
		worker_fail(w, "claimed a bit another thread holds", bit, (long long)expect);
		return -1;
	}
	w->held[w->nheld++] = bit;
	w->claims++;
	return 0;
}

static int release_one(struct worker *w)
{
	size_t k = (size_t)cip__bounded_random(&w->seed, w->nheld);
	uint64_t bit = w->held[k];
	int rc;

	w->held[k] = w->held[--w->nheld];
	/* Owner first: whoever claims the bit after the clear below must find
	 * 0 (the clear's seq_cst RMW publishes this store to that claimer). */
	atomic_store(&w->sh->owner[bit], 0);
	rc = cip__bitmap_clear(&w->sh->b, bit);
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
		if (claim_one(w))
			break;
		if (w->nheld > 0 && (w->nheld > sc->quota || cip__bounded_random(&w->seed, 2)) &&
		    release_one(w))
			break;
	}
	return NULL;
}

/* Sets every bit, then clears free_bits distinct random ones. */
static void prefill(struct shared *sh, uint64_t *seed)
{
	const struct scenario *sc = sh->sc;
	uint64_t cleared = 0;

	for (uint64_t i = 0; i < sc->nbits; i++) {
		cip__bitmap_set(&sh->b, i);
		atomic_init(&sh->owner[i], PREFILL);
	}
	while (cleared < sc->free_bits) {
		uint64_t bit = cip__bounded_random(seed, sc->nbits);

		if (cip__bitmap_clear(&sh->b, bit) == 0) {
			atomic_store(&sh->owner[bit], 0);
			cleared++;
		}
	}
}

static int fail_msg(const struct scenario *sc, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "FAIL %s/%u threads: %s (%" PRIu64 ", %" PRIu64 ")\n", sc->name,
		sc->threads, what, a, b);
	return 1;
}

/* After the join: the bitmap holds exactly what the owners say. */
static int verify(struct shared *sh, struct worker *ws)
{
	const struct scenario *sc = sh->sc;
	uint64_t owned = 0, walked = 0, bit;
	int rc;

	for (unsigned t = 0; t < sc->threads; t++)
		for (size_t k = 0; k < ws[t].nheld; k++)
			if (atomic_load(&sh->owner[ws[t].held[k]]) != ws[t].id)
				return fail_msg(sc, "held bit has another owner", ws[t].held[k], t);
	for (uint64_t i = 0; i < sc->nbits; i++) {
		int owned_now = atomic_load(&sh->owner[i]) != 0;

		owned += (uint64_t)owned_now;
		if (cip__bitmap_test(&sh->b, i) != owned_now)
			return fail_msg(sc, "bitmap bit differs from owner", i,
					(uint64_t)owned_now);
	}
	if (cip__bitmap_count(&sh->b) != owned)
		return fail_msg(sc, "count differs from bits held", cip__bitmap_count(&sh->b),
				owned);
	for (rc = cip__bitmap_next_set(&sh->b, 0, &bit); rc == 0;
	     rc = cip__bitmap_next_set(&sh->b, bit + 1, &bit))
		walked++;
	if (walked != owned)
		return fail_msg(sc, "next_set walk differs from bits held", walked, owned);
	rc = cip__bitmap_check(&sh->b);
	if (rc != 0)
		return fail_msg(sc, "cip__bitmap_check", (uint64_t)rc, 0);
	return 0;
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

static int run(const struct scenario *sc, uint64_t seed)
{
	struct shared sh = { .sc = sc };
	struct worker ws[8];
	uint64_t claims = 0, fulls = 0;
	struct timespec t0, t1;
	int rc;

	if (cip__bitmap_init(&sh.b, sc->nbits) != 0)
		return fail_msg(sc, "init", sc->nbits, 0);
	sh.owner = malloc(sc->nbits * sizeof *sh.owner);
	if (!sh.owner)
		return fail_msg(sc, "malloc", 0, 0);
	atomic_init(&sh.go, 0);
	atomic_init(&sh.failed, 0);
	prefill(&sh, &seed);
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
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = rc ? rc : verify(&sh, ws);
	for (unsigned t = 0; t < sc->threads; t++) {
		claims += ws[t].claims;
		fulls += ws[t].fulls;
		free(ws[t].held);
	}
	printf("%s, %u threads: %" PRIu64 " claims, %" PRIu64 " full, %.3f s%s\n", sc->name,
	       sc->threads, claims, fulls,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       rc ? " FAILED" : "");
	free(sh.owner);
	cip__bitmap_destroy(&sh.b);
	return rc;
}

int main(void)
{
	const unsigned iters = SANITIZED ? 20000 : 100000;
	/* small: quotas add up to more than the bitmap, so it is often full;
	 * top: 2^14 bits (four summary words) with 64 free bits and quotas
	 * above that, so that whole summary words keep turning full and back
	 * and the top level is synchronised under contention;
	 * large: 2^20 bits, 99.9% prefilled, quotas just below the free bits. */
	const struct scenario scenarios[] = {
		{ "small (200 bits)", 200, 200, 2, 110, iters },
		{ "small (200 bits)", 200, 200, 4, 55, iters },
		{ "top (2^14 bits, 64 free)", UINT64_C(1) << 14, 64, 2, 40, iters },
		{ "top (2^14 bits, 64 free)", UINT64_C(1) << 14, 64, 4, 20, iters },
		{ "large (2^20 bits, 99.9% full)", UINT64_C(1) << 20, 1049, 2, 500, iters },
		{ "large (2^20 bits, 99.9% full)", UINT64_C(1) << 20, 1049, 4, 250, iters },
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		failed |= run(&scenarios[i], UINT64_C(0x5EED) + i);
	return failed;
}

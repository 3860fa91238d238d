/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: a Maglev consistent-hashing lookup table (Eisenbud et al.,
 * "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016,
 * section 3.4), which spreads flows over the backends of a Service.
 *
 * Why Maglev: a lookup is one multiply and one load from a flat array, every
 * backend gets an equal share of the table (floor(M/N) or ceil(M/N) of its M
 * slots), and adding or removing a backend moves only a small fraction of
 * the slots that did not belong to it (0.3% to 0.6% of the table at the
 * default M), so most established flows keep their backend across endpoint
 * changes.
 *
 * Backends are identified by a 64-bit key each (a hash of address:port, for
 * example), not by their position in the caller's array: the table is
 * filled in ascending key order, so for the same set of keys each key gets
 * the same slots whatever order the caller lists them in. slots[] holds
 * indices into the caller's keys[] array of the build, so a reordered
 * build gives the same table with the indices permuted accordingly. Equal
 * keys are allowed (they share one permutation and split its slots) and
 * are taken in input order among themselves.
 *
 * Memory: the table is one allocation of sizeof(struct cip__maglev) + 2 * M
 * bytes (128 KiB for the default M). A build also holds, until it returns,
 * 16 bytes of scratch per backend, an M-bit fill marker and a list of about
 * sqrt(M) slots (see maglev.c).
 *
 * Time: a build takes about M ln M steps, almost independent of N: about
 * a millisecond for the default M and a second for the largest, on a 2 GHz
 * core (see maglev.c). A pick is one multiplication and one load.
 *
 * Thread-safety: a table is built by one writer and never changes after
 * cip__maglev_build() returns; once it is published (with the usual release
 * and acquire), any number of readers may call cip__maglev_pick()
 * concurrently. Builds share no state, so they may run in parallel too.
 *
 * Errors are the public CIP_E* codes.
 */
#ifndef CIP_MAGLEV_H
#define CIP_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/common.h>

#include "random.h" /* cip__mul64 */

/*
 * The largest table size: the smallest prime above 2^24. A table is then
 * at most just over 32 MiB, yet M > 100 N (the paper's advice for shares
 * equal within 1%) holds even for the largest N, 65535. It also keeps every
 * position sum of the build (pos + skip < 2M < 2^26) far from overflow.
 */
#define CIP__MAGLEV_MAX_M 16777259u

/* The table size of the paper's evaluation: M > 100 N up to N = 655. */
#define CIP__MAGLEV_DEFAULT_M 65537u

struct cip__maglev {	  /* one allocation; immutable once built */
	uint32_t m;	  /* table size, a prime */
	uint32_t n;	  /* backends */
	uint16_t slots[]; /* m entries, each a backend index < n */
};

/* 1 if @p m is prime, else 0. */
int cip__maglev_is_prime(uint32_t m);

/*
 * Builds the table for @p n backends identified by @p keys[0..n-1] (a
 * 64-bit hash per backend, e.g. of address:port; distinct keys give
 * distinct permutations, but for chance collisions of probability about
 * 1/M^2 per pair). Deterministic: the same keys and @p m give the same
 * table on every run and every host.
 * @return 0 and the table in *out (free it with cip__maglev_free());
 * CIP_EINVAL (NULL args, n == 0, n > 65535, m not prime, m < n,
 * m > CIP__MAGLEV_MAX_M); CIP_ENOMEM. *out is unchanged on failure.
 */
int cip__maglev_build(const uint64_t *keys, size_t n, uint32_t m, struct cip__maglev **out);

/* Frees a table; NULL is fine. */
void cip__maglev_free(struct cip__maglev *t);

/*
 * The backend index for a flow hash: slots[reduce(hash, m)]. reduce() is
 * the high half of the 128-bit product hash * m (Lemire's multiply-shift),
 * which maps [0, 2^64) onto [0, m) in order, evenly (each slot is hit by
 * floor(2^64 / m) or one more hashes) and without a division. The slot
 * comes from the high bits of the hash, so those must be well mixed.
 * @p t must be a built table.
 */
static inline uint32_t cip__maglev_pick(const struct cip__maglev *t, uint64_t hash)
{
	uint64_t hi, lo;

	cip__mul64(hash, t->m, &hi, &lo);
	return t->slots[hi];
}

#endif /* CIP_MAGLEV_H */

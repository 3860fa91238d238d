/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_pool under contention: two threads allocate_next and release on a
 * pool of two small overlapping ranges (a /28 inside a /26, the /28 added
 * first) while a controller thread keeps adding, draining and removing a
 * third range.
 *
 * During the run a per-address owner array proves that no address is ever
 * handed to two threads at once: a thread moves owner[a] from 0 to its id
 * after allocate_next and fails if it was not 0; it resets owner[a] before
 * releasing. After the run: every held address is allocated in the range
 * it belongs to and in no other, the pool's used count equals what the
 * threads hold, and every removed range instance holds nothing.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

#include "stress.h"
#include "random.h"

#define THREADS 2
#define QUOTA 40 /* the most addresses one thread holds */
#define ITERS (SANITIZED ? 20000u : 300000u)
#define CYCLES 60 /* add/drain/remove cycles of the third range */

struct shared {
	cip_pool *pool;
	_Atomic uint32_t owner[128]; /* by the last byte of 10.0.0.x */
	atomic_int running;	     /* allocator threads still running */
	atomic_int failed;
};

struct worker {
	pthread_t tid;
	struct shared *sh;
	uint32_t id;
	uint64_t rng;
	unsigned held;
	cip_addr addr[QUOTA];
	uint64_t allocations, full;
};

#define FAIL(sh, ...)                                                                              \
	do {                                                                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		atomic_store(&(sh)->failed, 1);                                                    \
	} while (0)

static cip_prefix prefix(uint8_t last, unsigned len)
{
	cip_prefix p;

	memset(&p, 0, sizeof(p));
	p.addr.family = CIP_FAMILY_IPV4;
	p.addr.bytes[12] = 10;
	p.addr.bytes[15] = last;
	p.len = (uint8_t)len;
	return p;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;

	for (unsigned i = 0; i < ITERS && !atomic_load(&sh->failed); i++) {
		uint64_t r = cip__splitmix64(&w->rng);

		if (w->held < QUOTA && (w->held == 0 || r % 2 == 0)) {
			cip_addr a;
			int rc = cip_pool_allocate_next(sh->pool, CIP_FAMILY_IPV4, i, 0, &a);
			uint32_t prev = 0;

			if (rc == CIP_EFULL) {
				w->full++;
				continue;
			}
			if (rc != 0) {
				FAIL(sh, "thread %u: allocate_next: %s\n", w->id,
				     cip_error_name(rc));
				break;
			}
			if (a.bytes[15] >= 128 || a.bytes[14] != 0) {
				FAIL(sh, "thread %u: address 10.0.%u.%u outside every range\n",
				     w->id, a.bytes[14], a.bytes[15]);
				break;
			}
			if (!atomic_compare_exchange_strong(&sh->owner[a.bytes[15]], &prev,
							    w->id)) {
				FAIL(sh,
				     "thread %u: 10.0.0.%u handed out, but thread %u holds it\n",
				     w->id, a.bytes[15], prev);
				break;
			}
			w->addr[w->held++] = a;
			w->allocations++;
		} else {
			unsigned k = (unsigned)((r >> 8) % w->held);
			cip_addr a = w->addr[k];
			int rc;

			w->addr[k] = w->addr[--w->held];
			atomic_store(&sh->owner[a.bytes[15]], 0);
			rc = cip_pool_release(sh->pool, &a, i, 0);
			if (rc != 0) {
				FAIL(sh, "thread %u: release 10.0.0.%u: %s\n", w->id, a.bytes[15],
				     cip_error_name(rc));
				break;
			}
		}
	}
	atomic_fetch_sub(&sh->running, 1);
	return NULL;
}

int main(void)
{
	static struct shared sh;
	struct worker w[THREADS];
	cip_pool_opts po;
	cip_prefix small = prefix(16, 28), big = prefix(0, 26), third = prefix(64, 27);
	cip_range *removed[CYCLES];
	unsigned nremoved = 0, cycles = 0;
	uint64_t used = 0, held = 0;
	int rc;

	cip_pool_opts_init(&po, sizeof(po));
	po.seed = 0x5EED;
	po.max_ranges = 64;
	if (cip_pool_new(&sh.pool, &po) != 0 || cip_pool_add(sh.pool, &small, NULL) != 0 ||
	    cip_pool_add(sh.pool, &big, NULL) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	atomic_store(&sh.running, THREADS);
	for (uint32_t t = 0; t < THREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].sh = &sh;
		w[t].id = t + 1;
		w[t].rng = 0x1234 + t;
		if (pthread_create(&w[t].tid, NULL, work, &w[t]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}

	/* The controller: add, let it serve, drain, remove once empty. */
	while (atomic_load(&sh.running) > 0 && cycles < CYCLES && !atomic_load(&sh.failed)) {
		cip_range *r = NULL;

		rc = cip_pool_add(sh.pool, &third, NULL);
		if (rc == 0)
			rc = cip_pool_range(sh.pool, &third, &r);
		if (rc != 0) {
			FAIL(&sh, "controller: add: %s\n", cip_error_name(rc));
			break;
		}
		for (int spin = 0; spin < 2000 && atomic_load(&sh.running) > 0; spin++)
			(void)cip_range_used(r, CIP_BAND_ALL, &used);
		if ((rc = cip_pool_drain(sh.pool, &third)) != 0) {
			FAIL(&sh, "controller: drain: %s\n", cip_error_name(rc));
			break;
		}
		while ((rc = cip_pool_remove(sh.pool, &third)) == CIP_EALLOCATED &&
		       atomic_load(&sh.running) > 0)
			;
		if (rc == CIP_EALLOCATED)
			break; /* the workers are done and hold some: stay drained */
		if (rc != 0) {
			FAIL(&sh, "controller: remove: %s\n", cip_error_name(rc));
			break;
		}
		removed[nremoved++] = r;
		cycles++;
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(w[t].tid, NULL);
	if (atomic_load(&sh.failed))
		return 1;

	/* Every held address: allocated in its owner alone. */
	for (int t = 0; t < THREADS; t++) {
		for (unsigned k = 0; k < w[t].held; k++) {
			const cip_addr *a = &w[t].addr[k];
			unsigned last = a->bytes[15];
			cip_range *rs = NULL, *rb = NULL;
			int in_small = last >= 17 && last <= 30;

			cip_pool_range(sh.pool, &small, &rs);
			cip_pool_range(sh.pool, &big, &rb);
			if (cip_pool_has(sh.pool, a) != 1 ||
			    (last < 64 && (cip_range_has(rs, a) != in_small ||
					   cip_range_has(rb, a) != !in_small))) {
				fprintf(stderr, "10.0.0.%u: held, but not (only) in its owner\n",
					last);
				return 1;
			}
		}
		held += w[t].held;
	}
	for (unsigned i = 0; i < nremoved; i++) {
		if (cip_range_used(removed[i], CIP_BAND_ALL, &used) != 0 || used != 0) {
			fprintf(stderr, "removed range %u holds %" PRIu64 "\n", i, used);
			return 1;
		}
	}
	if (cip_pool_used(sh.pool, CIP_FAMILY_IPV4, &used) != 0 || used != held) {
		fprintf(stderr, "pool used %" PRIu64 ", threads hold %" PRIu64 "\n", used, held);
		return 1;
	}
	printf("pool stress: %u cycles of the third range; per thread: ", cycles);
	for (int t = 0; t < THREADS; t++)
		printf("%" PRIu64 " allocations, %" PRIu64 " full; ", w[t].allocations, w[t].full);
	printf("%" PRIu64 " held at the end\n", held);
	cip_pool_free(sh.pool);
	return 0;
}

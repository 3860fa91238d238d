/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_range under contention: threads allocate_next and release
 * concurrently, on a small range kept near full and on an IPv4 /12 (2^20
 * addresses) at more than 99% fill, with and without quarantine.
 *
 * A per-offset owner table proves that no address is ever granted to two
 * threads at once: a thread moves owner[off] from 0 to its id by CAS right
 * after allocate_next returns off (and fails if it was not 0); a releaser
 * resets owner[off] before calling release. After the join, the range must
 * hold exactly what the owners say: has(), used(), foreach() and the
 * counters.
 *
 * A last scenario checks the concurrent snapshot contract: while threads
 * churn one region, every snapshot (native and Kubernetes) contains all of
 * a region allocated for the whole time and none of a region free for the
 * whole time.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterip/range.h>

#include "stress.h"
#include "random.h"

#define PREFILL UINT32_C(0xFFFF)

struct scenario {
	const char *name;
	uint8_t net[4];
	unsigned len;
	int64_t band;
	uint64_t free_addrs; /* left free by the prefill (all = no prefill) */
	unsigned threads;
	unsigned quota;
	unsigned iters;
	uint64_t quarantine; /* in ticks of the shared clock; 0 = off */
};

struct shared {
	cip_range *r;
	cip_prefix p;
	uint64_t size;
	_Atomic uint32_t *owner;
	const struct scenario *sc;
	_Atomic uint64_t clock;
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
	uint64_t grants, fulls;
	char error[200];
};

static uint32_t v4(const cip_addr *a)
{
	return (uint32_t)a->bytes[12] << 24 | (uint32_t)a->bytes[13] << 16 |
	       (uint32_t)a->bytes[14] << 8 | a->bytes[15];
}

static cip_addr addr_at(const struct shared *sh, uint64_t off)
{
	cip_addr a = sh->p.addr;
	uint32_t v = v4(&a) + (uint32_t)off + 1;

	a.bytes[12] = (uint8_t)(v >> 24);
	a.bytes[13] = (uint8_t)(v >> 16);
	a.bytes[14] = (uint8_t)(v >> 8);
	a.bytes[15] = (uint8_t)v;
	return a;
}

static uint64_t off_of(const struct shared *sh, const cip_addr *a)
{
	return (uint64_t)(v4(a) - v4(&sh->p.addr) - 1);
}

static uint64_t now_tick(struct shared *sh)
{
	return atomic_fetch_add_explicit(&sh->clock, 1, memory_order_relaxed);
}

static void worker_fail(struct worker *w, const char *what, uint64_t off, long long v)
{
	snprintf(w->error, sizeof w->error, "thread %u: %s (offset %" PRIu64 ", value %lld)", w->id,
		 what, off, v);
	atomic_store(&w->sh->failed, 1);
}

static int grant_one(struct worker *w)
{
	struct shared *sh = w->sh;
	cip_addr a;
	uint32_t expect = 0;
	int rc = cip_range_allocate_next(sh->r, now_tick(sh), 0, &a);
	uint64_t off;

	if (rc == CIP_EFULL) {
		w->fulls++;
		return 0;
	}
	if (rc != 0) {
		worker_fail(w, "allocate_next failed", 0, rc);
		return -1;
	}
	off = off_of(sh, &a);
	if (a.family != CIP_FAMILY_IPV4 || off >= sh->size) {
		worker_fail(w, "allocate_next gave an address outside the range", off, 0);
		return -1;
	}
	if (!atomic_compare_exchange_strong(&sh->owner[off], &expect, w->id)) {
		worker_fail(w, "granted an address another thread holds", off, (long long)expect);
		return -1;
	}
	w->held[w->nheld++] = off;
	w->grants++;
	return 0;
}

static int release_one(struct worker *w)
{
	struct shared *sh = w->sh;
	size_t k = (size_t)cip__bounded_random(&w->seed, w->nheld);
	uint64_t off = w->held[k];
	cip_addr a = addr_at(sh, off);
	int rc;

	w->held[k] = w->held[--w->nheld];
	atomic_store(&sh->owner[off], 0);
	rc = cip_range_release(sh->r, &a, now_tick(sh), 0);
	if (rc != 0) {
		worker_fail(w, "release of a held address failed", off, rc);
		return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct scenario *sc = w->sh->sc;

	while (!atomic_load(&w->sh->go))
		;
	for (unsigned i = 0;
	     i < sc->iters && !atomic_load_explicit(&w->sh->failed, memory_order_relaxed); i++) {
		if (w->nheld <= sc->quota && grant_one(w))
			break;
		if (w->nheld > 0 && (w->nheld > sc->quota || cip__bounded_random(&w->seed, 2)) &&
		    release_one(w))
			break;
	}
	return NULL;
}

static int fail(const struct scenario *sc, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "FAIL %s/%u threads: %s (%" PRIu64 ", %" PRIu64 ")\n", sc->name,
		sc->threads, what, a, b);
	return 1;
}

struct walk {
	struct shared *sh;
	uint64_t n, prev;
	int bad;
};

static int walk_fn(const cip_addr *a, void *ctx)
{
	struct walk *w = ctx;
	uint64_t off = off_of(w->sh, a);

	if ((w->n > 0 && off <= w->prev) || off >= w->sh->size ||
	    atomic_load(&w->sh->owner[off]) == 0)
		w->bad = 1;
	w->prev = off;
	w->n++;
	return 0;
}

static int verify(struct shared *sh, struct worker *ws)
{
	const struct scenario *sc = sh->sc;
	uint64_t owned = 0, used = 0, avail = 0;
	struct walk w = { sh, 0, 0, 0 };
	cip_range_stats st;

	for (unsigned t = 0; t < sc->threads; t++)
		for (size_t k = 0; k < ws[t].nheld; k++)
			if (atomic_load(&sh->owner[ws[t].held[k]]) != ws[t].id)
				return fail(sc, "held address has another owner", ws[t].held[k], t);
	/* Every address through the Kubernetes data (one call), a sample and
	 * the held ones through has() (cheap enough under ThreadSanitizer). */
	size_t klen = 0, kcap = (size_t)(sh->size + 7) / 8;
	uint8_t *k = malloc(kcap);
	if (!k || cip_range_export_k8s(sh->r, k, kcap, &klen) != 0)
		return fail(sc, "export_k8s", 0, 0);
	for (uint64_t i = 0; i < sh->size; i++) {
		int owned_now = atomic_load(&sh->owner[i]) != 0;
		int set = i / 8 < klen && (k[klen - 1 - i / 8] >> i % 8 & 1);

		owned += (uint64_t)owned_now;
		if (set != owned_now) {
			free(k);
			return fail(sc, "exported bit differs from the owner", i,
				    (uint64_t)owned_now);
		}
		uint32_t who = atomic_load(&sh->owner[i]);

		if (sh->size <= 4096 || i % 97 == 0 || (who != 0 && who != PREFILL)) {
			cip_addr a = addr_at(sh, i);

			if (cip_range_has(sh->r, &a) != owned_now) {
				free(k);
				return fail(sc, "has() differs from the owner", i,
					    (uint64_t)owned_now);
			}
		}
	}
	free(k);
	if (cip_range_used(sh->r, CIP_BAND_ALL, &used) != 0 || used != owned)
		return fail(sc, "used() differs from the addresses held", used, owned);
	if (cip_range_foreach(sh->r, walk_fn, &w) != 0 || w.bad || w.n != owned)
		return fail(sc, "foreach differs from the owners", w.n, owned);
	st.sz = sizeof st;
	cip_range_stats_get(sh->r, &st);
	if (st.all.used + st.all.available + st.all.quarantined != sh->size)
		return fail(sc, "used + available + quarantined != size", st.all.used,
			    st.all.available);
	if (st.static_band.used + st.dynamic_band.used != used)
		return fail(sc, "band counts do not add up", st.static_band.used,
			    st.dynamic_band.used);
	cip_range_expire(sh->r, UINT64_MAX);
	cip_range_available(sh->r, CIP_BAND_ALL, &avail);
	if (avail + used != sh->size)
		return fail(sc, "available + used != size after expiry", avail, used);
	st.sz = sizeof st;
	cip_range_stats_get(sh->r, &st);
	if (st.all.quarantined != 0)
		return fail(sc, "quarantine left after expiry", st.all.quarantined, 0);
	return 0;
}

static void prefill(struct shared *sh, uint64_t *seed)
{
	const struct scenario *sc = sh->sc;
	uint64_t freed = 0;

	for (uint64_t i = 0; i < sh->size; i++)
		atomic_init(&sh->owner[i], 0);
	if (sc->free_addrs >= sh->size)
		return;
	/* Everything but free_addrs random addresses, imported as Kubernetes
	 * data in one call. */
	size_t len = (size_t)(sh->size + 7) / 8;
	uint8_t *d = calloc(len, 1);
	char spec[CIP_PREFIX_STRLEN];
	int n = cip_range_k8s_spec(sh->r, spec, sizeof spec);

	if (!d || n < 0)
		abort();
	for (uint64_t i = 0; i < sh->size; i++) {
		d[len - 1 - i / 8] |= (uint8_t)(1u << i % 8);
		atomic_store(&sh->owner[i], PREFILL);
	}
	while (freed < sc->free_addrs) {
		uint64_t off = cip__bounded_random(seed, sh->size);

		if (atomic_load(&sh->owner[off]) != 0) {
			d[len - 1 - off / 8] &= (uint8_t) ~(1u << off % 8);
			atomic_store(&sh->owner[off], 0);
			freed++;
		}
	}
	if (cip_range_import_k8s(sh->r, spec, (size_t)n, d, len) != 0)
		abort();
	free(d);
}

static int run(const struct scenario *sc, uint64_t seed)
{
	struct shared sh;
	struct worker ws[8];
	cip_range_opts o;
	uint64_t grants = 0, fulls = 0;
	struct timespec t0, t1;
	int rc = 0;

	memset(&sh, 0, sizeof sh);
	sh.sc = sc;
	sh.p.addr.family = CIP_FAMILY_IPV4;
	memcpy(sh.p.addr.bytes + 12, sc->net, 4);
	sh.p.len = (uint8_t)sc->len;
	sh.size = (UINT64_C(1) << (32 - sc->len)) - 2;
	cip_range_opts_init(&o, sizeof o);
	o.seed = seed;
	o.static_band = sc->band;
	o.quarantine_ns = sc->quarantine;
	if (cip_range_new(&sh.r, &sh.p, &o) != 0)
		return fail(sc, "cip_range_new", 0, 0);
	sh.owner = malloc(sh.size * sizeof *sh.owner);
	if (!sh.owner)
		return fail(sc, "malloc", 0, 0);
	atomic_init(&sh.clock, 1);
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
			return fail(sc, "malloc", 0, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned t = 0; t < sc->threads; t++)
		if (pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]) != 0)
			return fail(sc, "pthread_create", t, 0);
	atomic_store(&sh.go, 1);
	for (unsigned t = 0; t < sc->threads; t++) {
		pthread_join(ws[t].tid, NULL);
		if (ws[t].error[0]) {
			fprintf(stderr, "FAIL %s/%u threads: %s\n", sc->name, sc->threads,
				ws[t].error);
			rc = 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = rc ? rc : verify(&sh, ws);
	for (unsigned t = 0; t < sc->threads; t++) {
		grants += ws[t].grants;
		fulls += ws[t].fulls;
		free(ws[t].held);
	}
	printf("%s, %u threads: %" PRIu64 " grants, %" PRIu64 " full, %.3f s%s\n", sc->name,
	       sc->threads, grants, fulls,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       rc ? " FAILED" : "");
	free(sh.owner);
	cip_range_free(sh.r);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Snapshots during churn                                             */
/* ------------------------------------------------------------------ */

/* A /24 (254): [0, 64) allocated throughout, [64, 128) free throughout,
 * [128, 254) churned by the threads with specific allocate and release. */
#define STABLE_SET 64
#define STABLE_FREE 128

struct churn {
	pthread_t tid;
	cip_range *r;
	cip_prefix p;
	uint64_t seed;
	_Atomic uint64_t *clock;
	atomic_int *stop;
	int error;
};

static cip_addr at24(const cip_prefix *p, uint64_t off)
{
	cip_addr a = p->addr;

	a.bytes[15] = (uint8_t)(off + 1);
	return a;
}

static void *churn_main(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load_explicit(c->stop, memory_order_relaxed)) {
		uint64_t off = STABLE_FREE + cip__bounded_random(&c->seed, 254 - STABLE_FREE);
		cip_addr a = at24(&c->p, off);
		uint64_t now = atomic_fetch_add(c->clock, 1);
		int rc = cip__bounded_random(&c->seed, 2) ? cip_range_allocate(c->r, &a, 0)
							  : cip_range_release(c->r, &a, now, 0);

		if (rc != 0 && rc != CIP_EALLOCATED && rc != CIP_ENOTALLOCATED)
			c->error = rc;
	}
	return NULL;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Bit @p off of a native snapshot's bitmap (header 112 bytes). */
static int native_bit(const uint8_t *buf, uint64_t off)
{
	return (int)(le64(buf + 112 + off / 64 * 8) >> off % 64 & 1);
}

/* Bit @p off of Kubernetes data of @p len bytes. */
static int k8s_bit(const uint8_t *d, size_t len, uint64_t off)
{
	return off / 8 < len && (d[len - 1 - off / 8] >> off % 8 & 1);
}

static int run_snapshots(unsigned threads, uint64_t quarantine, unsigned rounds)
{
	static const struct scenario sc = { .name = "snapshots during churn" };
	struct churn cs[4];
	_Atomic uint64_t clock;
	atomic_int stop;
	cip_range_opts o;
	cip_range *r = NULL;
	cip_prefix p;
	uint8_t buf[4096], k8s[64];
	int rc = 0;

	memset(&p, 0, sizeof p);
	p.addr.family = CIP_FAMILY_IPV4;
	p.addr.bytes[12] = 10;
	p.addr.bytes[13] = 96;
	p.len = 24;
	cip_range_opts_init(&o, sizeof o);
	o.seed = 99;
	o.quarantine_ns = quarantine;
	if (cip_range_new(&r, &p, &o) != 0)
		return fail(&sc, "cip_range_new", 0, 0);
	for (uint64_t off = 0; off < STABLE_SET; off++) {
		cip_addr a = at24(&p, off);
		cip_range_allocate(r, &a, 0);
	}
	atomic_init(&clock, 1);
	atomic_init(&stop, 0);
	for (unsigned t = 0; t < threads; t++) {
		cs[t] = (struct churn){
			.r = r, .p = p, .seed = 7 + t, .clock = &clock, .stop = &stop
		};
		if (pthread_create(&cs[t].tid, NULL, churn_main, &cs[t]) != 0)
			return fail(&sc, "pthread_create", t, 0);
	}
	for (unsigned i = 0; i < rounds && !rc; i++) {
		size_t len = 0, klen = 0;
		int src = cip_range_snapshot(r, atomic_load(&clock), buf, sizeof buf, &len);

		if (src != 0) {
			rc = fail(&sc, "snapshot", (uint64_t)-src, 0);
			break;
		}
		for (uint64_t off = 0; off < STABLE_FREE; off++)
			if (native_bit(buf, off) != (off < STABLE_SET))
				rc = fail(&sc, "native snapshot wrong for a stable address", off,
					  (uint64_t)native_bit(buf, off));
		src = cip_range_export_k8s(r, k8s, sizeof k8s, &klen);
		if (src != 0) {
			rc = fail(&sc, "export_k8s", (uint64_t)-src, 0);
			break;
		}
		for (uint64_t off = 0; off < STABLE_FREE; off++)
			if (k8s_bit(k8s, klen, off) != (off < STABLE_SET))
				rc = fail(&sc, "k8s data wrong for a stable address", off, klen);
	}
	atomic_store(&stop, 1);
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(cs[t].tid, NULL);
		if (cs[t].error)
			rc = fail(&sc, "churn thread error", t, (uint64_t)-cs[t].error);
	}
	printf("%s, %u threads, quarantine %" PRIu64 ": %u rounds%s\n", sc.name, threads,
	       quarantine, rounds, rc ? " FAILED" : "");
	cip_range_free(r);
	return rc;
}

int main(void)
{
	const unsigned iters = SANITIZED ? 10000 : 100000;
	/* small: a /27 (30 addresses, band 16), quotas adding up to more
	 * than the range, so that it is often full; large: a /12, 2000 of
	 * 1048574 free (99.8% full), quotas just below the free addresses. */
	const struct scenario scenarios[] = {
		{ "small /27", { 10, 0, 0, 32 }, 27, CIP_STATIC_BAND_AUTO, 30, 2, 16, iters, 0 },
		{ "small /27", { 10, 0, 0, 32 }, 27, CIP_STATIC_BAND_AUTO, 30, 4, 8, iters, 0 },
		{ "small /27, quarantine",
		  { 10, 0, 0, 32 },
		  27,
		  CIP_STATIC_BAND_AUTO,
		  30,
		  2,
		  12,
		  iters,
		  20 },
		{ "small /27, quarantine",
		  { 10, 0, 0, 32 },
		  27,
		  CIP_STATIC_BAND_AUTO,
		  30,
		  4,
		  6,
		  iters,
		  20 },
		{ "large /12", { 10, 96, 0, 0 }, 12, CIP_STATIC_BAND_AUTO, 2000, 2, 900, iters, 0 },
		{ "large /12", { 10, 96, 0, 0 }, 12, CIP_STATIC_BAND_AUTO, 2000, 4, 450, iters, 0 },
		{ "large /12, quarantine",
		  { 10, 96, 0, 0 },
		  12,
		  CIP_STATIC_BAND_AUTO,
		  2000,
		  4,
		  300,
		  iters,
		  500 },
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		failed |= run(&scenarios[i], UINT64_C(0x5EED) + i);
	failed |= run_snapshots(2, 0, SANITIZED ? 300 : 2000);
	failed |= run_snapshots(2, 50, SANITIZED ? 300 : 2000);
	return failed;
}

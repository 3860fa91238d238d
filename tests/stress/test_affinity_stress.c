/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ClientIP affinity map under contention. Two phases:
 *
 * Owners. NTHREADS threads each own CLIENTS clients (IPv4 and IPv6 twins:
 * the same bytes in both families) and, on the real monotonic clock, put,
 * get and forget them and get other threads' clients (mostly a few hot
 * ones, so that refreshes by other threads meet the owner's puts), while
 * one more thread expires, retains (dropping some backends) and counts. A
 * backend encodes (thread, client, version), and a client's versions only
 * grow, so a reader can tell:
 * - any backend seen (get, retain's callback) belongs to the client it was
 *   found under, or at least to some client, and was handed to put;
 * - an owner's get returns exactly the version of its last put that
 *   returned 1, or misses (eviction, expiry, retain); never an older
 *   version, never one whose put gave up; and it misses after a forget
 *   that returned 1.
 * After the join: every entry holds a backend of its own key (each entry
 * is reached by exactly one client's get, which checks the backend), the
 * hits are each owner's last recorded version, and count <= capacity.
 *
 * Racing puts. All threads put, get and forget the same few clients in one
 * bucket, so that two threads may put one absent client at once and create
 * two entries (rare: it takes a third thread changing the bucket between
 * their looks; the run prints how many are left at the end). A get still
 * only returns backends of the client asked for. After the join, one put
 * per client on one thread leaves no client with two entries.
 *
 * Sanitized builds check for races (TSan) and bad memory accesses (ASan).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterip/clusterip.h>

#include "affinity.h"
#include "random.h"
#include "stress.h"

#define NTHREADS 4
#define CLIENTS 160 /* per owner: 640 clients for 512 ways, so buckets overflow */
#define CAPACITY 512
/* Entries often expire between two visits of their owner (sanitized
 * builds are many times slower, so their entries live longer). */
#define TIMEOUT_NS (SANITIZED ? 5000000 : 500000)
#define HOT 4 /* clients per owner that others read often */
#define OWNERS_NS 1500000000
#define RACE_NS 500000000
#define RACE_CLIENTS 6 /* shared by all threads in the racing phase */
#define RACE_CAPACITY 4

struct shared {
	struct cip__affinity *a;
	atomic_int stop;
	atomic_int failed;
	/* The newest version each client was handed to put with (the version
	 * is stored before the put, so a reader that sees a backend sees at
	 * least its version here). */
	_Atomic uint32_t issued[NTHREADS][CLIENTS];
};

struct owner {
	struct shared *sh;
	unsigned self;
	uint64_t rng;
	uint32_t version[CLIENTS];  /* the last version handed to put */
	uint32_t expected[CLIENTS]; /* the last one recorded; 0: none */
	uint64_t puts, gave_up, gets, hits, forgets, foreign, foreign_hits;
};

struct maintainer {
	struct shared *sh;
	uint64_t rounds, expired, retained, seen;
};

static void fail(struct shared *sh, const char *what, uint64_t detail)
{
	if (atomic_exchange(&sh->failed, 1) == 0)
		fprintf(stderr, "affinity stress: %s (%#" PRIx64 ")\n", what, detail);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Client @p c of thread @p t: twins 2k (IPv4) and 2k + 1 (IPv6) share the
 * bytes ::10.t.k. */
static cip_addr client_addr(unsigned t, unsigned c)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (c & 1) ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
	a.bytes[12] = 10;
	a.bytes[13] = (uint8_t)t;
	a.bytes[14] = (uint8_t)(c / 2 >> 8);
	a.bytes[15] = (uint8_t)(c / 2);
	return a;
}

/* Never 0: the thread field is t + 1. */
static uint64_t backend_of(unsigned t, unsigned c, uint32_t version)
{
	return (uint64_t)(t + 1) << 48 | (uint64_t)c << 32 | version;
}

static unsigned thread_of(uint64_t b)
{
	return (unsigned)(b >> 48) - 1;
}

static unsigned client_of(uint64_t b)
{
	return (unsigned)(b >> 32) & 0xffff;
}

static uint32_t version_of(uint64_t b)
{
	return (uint32_t)b;
}

/* 1 if @p b is a backend some put was given: a known client, a version
 * that was issued. */
static int plausible(struct shared *sh, uint64_t b)
{
	unsigned t = thread_of(b), c = client_of(b);

	return t < NTHREADS && c < CLIENTS && version_of(b) != 0 &&
	       version_of(b) <= atomic_load_explicit(&sh->issued[t][c], memory_order_acquire);
}

/* ------------------------------------------------------------------ */
/* Phase 1: owners                                                    */
/* ------------------------------------------------------------------ */

/* The owner's get of its client @p c: the last recorded version or a
 * miss. */
static void own_get(struct owner *o, unsigned c)
{
	cip_addr a = client_addr(o->self, c);
	uint64_t b = 0;

	o->gets++;
	if (cip__affinity_get(o->sh->a, &a, now_ns(), TIMEOUT_NS, &b) != 1)
		return;
	o->hits++;
	if (thread_of(b) != o->self || client_of(b) != c)
		fail(o->sh, "an owner got another client's backend", b);
	else if (o->expected[c] == 0)
		fail(o->sh, "an owner got a backend after forget", b);
	else if (version_of(b) != o->expected[c])
		fail(o->sh, "an owner got another version than its last recorded", b);
}

static void own_put(struct owner *o, unsigned c)
{
	cip_addr a = client_addr(o->self, c);
	uint32_t v = ++o->version[c];
	int rc;

	atomic_store_explicit(&o->sh->issued[o->self][c], v, memory_order_release);
	rc = cip__affinity_put(o->sh->a, &a, backend_of(o->self, c, v), now_ns(), TIMEOUT_NS);
	o->puts++;
	if (rc == 1)
		o->expected[c] = v;
	else if (rc == 0)
		o->gave_up++;
	else
		fail(o->sh, "put failed", (uint64_t)rc);
}

static void own_forget(struct owner *o, unsigned c)
{
	cip_addr a = client_addr(o->self, c);

	o->forgets++;
	if (cip__affinity_forget(o->sh->a, &a) == 1)
		o->expected[c] = 0;
}

/* Another thread's client: whatever version, but that client's. */
static void foreign_get(struct owner *o, uint64_t r)
{
	unsigned t = (unsigned)(r % NTHREADS), c = (unsigned)((r >> 8) % CLIENTS);
	cip_addr a;
	uint64_t b = 0;

	/* Half of them on a few hot clients, whose owners then often meet
	 * a refresh by another thread. */
	if (r & 0x10000)
		c %= HOT;
	a = client_addr(t, c);

	o->foreign++;
	if (cip__affinity_get(o->sh->a, &a, now_ns(), TIMEOUT_NS, &b) != 1)
		return;
	o->foreign_hits++;
	if (thread_of(b) != t || client_of(b) != c || !plausible(o->sh, b))
		fail(o->sh, "a get returned another client's backend", b);
}

static void *owner_main(void *arg)
{
	struct owner *o = arg;

	while (!atomic_load_explicit(&o->sh->stop, memory_order_relaxed)) {
		uint64_t r = cip__splitmix64(&o->rng);
		unsigned c = (unsigned)(r % CLIENTS), op = (unsigned)(r >> 40) % 16;

		if (op == 0) {
			own_forget(o, c);
			own_get(o, c);
		} else if (op < 7) {
			c = op < 3 ? c % HOT : c;
			own_put(o, c);
			own_get(o, c);
		} else if (op < 13) {
			own_get(o, c);
		} else {
			foreign_get(o, cip__splitmix64(&o->rng));
		}
	}
	return NULL;
}

/* Drops backends whose version is 5 mod 8 (they "left the service"), and
 * checks every backend it is shown. */
static int keep_some(uint64_t b, void *ctx)
{
	struct maintainer *m = ctx;

	m->seen++;
	if (!plausible(m->sh, b))
		fail(m->sh, "retain saw a backend nobody put", b);
	return version_of(b) % 8 != 5;
}

static void *maintainer_main(void *arg)
{
	struct maintainer *m = arg;

	while (!atomic_load_explicit(&m->sh->stop, memory_order_relaxed)) {
		size_t n;

		m->expired += cip__affinity_expire(m->sh->a, now_ns(), TIMEOUT_NS);
		m->retained += cip__affinity_retain(m->sh->a, keep_some, m);
		n = cip__affinity_count(m->sh->a, now_ns(), TIMEOUT_NS);
		if (n > CAPACITY)
			fail(m->sh, "count above capacity", n);
		m->rounds++;
	}
	return NULL;
}

struct tally {
	struct shared *sh;
	size_t entries;
};

static int tally_entry(uint64_t b, void *ctx)
{
	struct tally *t = ctx;

	t->entries++;
	if (!plausible(t->sh, b))
		fail(t->sh, "final: an entry holds a backend nobody put", b);
	return 1;
}

/* With every thread stopped: each entry is found by its own client. */
static void check_owners_final(struct shared *sh, struct owner *o)
{
	struct tally t = { sh, 0 };
	uint64_t now = now_ns() + 1;
	size_t hits = 0;

	if (cip__affinity_retain(sh->a, tally_entry, &t) != 0)
		fail(sh, "final: retain removed an entry it was told to keep", 0);
	for (unsigned i = 0; i < NTHREADS; i++) {
		for (unsigned c = 0; c < CLIENTS; c++) {
			cip_addr a = client_addr(i, c);
			uint64_t b = 0;

			if (cip__affinity_get(sh->a, &a, now, UINT64_MAX, &b) != 1)
				continue;
			hits++;
			if (b != backend_of(i, c, o[i].expected[c]) || o[i].expected[c] == 0)
				fail(sh, "final: a client holds another backend than its last", b);
		}
	}
	/* Every entry's key is one of these clients, and no client has two
	 * entries: so each entry was checked by exactly one get. */
	if (hits != t.entries)
		fail(sh, "final: entries not reached by their own client", t.entries - hits);
	if (cip__affinity_count(sh->a, now, UINT64_MAX) != t.entries || t.entries > CAPACITY)
		fail(sh, "final: count disagrees", t.entries);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static int run_owners(uint64_t seed)
{
	static struct owner o[NTHREADS];
	struct shared *sh = calloc(1, sizeof(*sh));
	struct maintainer m;
	pthread_t tid[NTHREADS + 1];
	unsigned started = 0;
	uint64_t sum[7] = { 0 };
	int rc;

	if (!sh || cip__affinity_new(CAPACITY, &sh->a) != 0)
		return 1;
	memset(&m, 0, sizeof(m));
	m.sh = sh;
	for (unsigned i = 0; i < NTHREADS; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		o[i].sh = sh;
		o[i].self = i;
		o[i].rng = seed * 31 + i;
		started += pthread_create(&tid[i], NULL, owner_main, &o[i]) == 0;
	}
	started += pthread_create(&tid[NTHREADS], NULL, maintainer_main, &m) == 0;
	if (started != NTHREADS + 1)
		fail(sh, "pthread_create", started);
	sleep_ns(OWNERS_NS);
	atomic_store(&sh->stop, 1);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	check_owners_final(sh, o);
	for (unsigned i = 0; i < NTHREADS; i++) {
		sum[0] += o[i].puts;
		sum[1] += o[i].gave_up;
		sum[2] += o[i].gets;
		sum[3] += o[i].hits;
		sum[4] += o[i].forgets;
		sum[5] += o[i].foreign;
		sum[6] += o[i].foreign_hits;
	}
	rc = atomic_load(&sh->failed);
	printf("affinity owners: %u threads + maintainer, %.1f s: %" PRIu64 " puts (%" PRIu64
	       " gave up), %" PRIu64 " own gets (%" PRIu64 " hits), %" PRIu64 " forgets, %" PRIu64
	       " foreign gets (%" PRIu64 " hits); %" PRIu64 " scan rounds: %" PRIu64
	       " expired, %" PRIu64 " retained out%s\n",
	       NTHREADS, OWNERS_NS / 1e9, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6],
	       m.rounds, m.expired, m.retained, rc ? " FAILED" : "");
	cip__affinity_free(sh->a);
	free(sh);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Phase 2: racing puts of the same clients                           */
/* ------------------------------------------------------------------ */

struct racer {
	struct shared *sh;
	_Atomic uint32_t *versions; /* per client, shared by all racers */
	uint64_t rng;
	uint64_t puts, gets, hits;
};

/* In this phase the clients are those of "thread" 0, and versions come
 * from one shared counter per client. */
static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct shared *sh = r->sh;

	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		uint64_t x = cip__splitmix64(&r->rng);
		unsigned c = (unsigned)(x % RACE_CLIENTS);
		cip_addr a = client_addr(0, c);
		uint64_t b = 0;

		if ((x >> 32) % 8 == 0) {
			/* Absent clients make racing puts create entries. */
			cip__affinity_forget(sh->a, &a);
		} else if ((x >> 32) & 1) {
			uint32_t v = atomic_fetch_add(&r->versions[c], 1) + 1;

			/* issued = max(issued, v): racers draw versions in one
			 * order but may publish them in another. */
			for (uint32_t cur = atomic_load(&sh->issued[0][c]); cur < v;)
				atomic_compare_exchange_weak(&sh->issued[0][c], &cur, v);
			if (cip__affinity_put(sh->a, &a, backend_of(0, c, v), now_ns(),
					      UINT64_MAX) < 0)
				fail(sh, "racing put failed", c);
			r->puts++;
		} else {
			r->gets++;
			if (cip__affinity_get(sh->a, &a, now_ns(), UINT64_MAX, &b) != 1)
				continue;
			r->hits++;
			if (thread_of(b) != 0 || client_of(b) != c || !plausible(sh, b))
				fail(sh, "a racing get returned another client's backend", b);
		}
	}
	return NULL;
}

struct per_client {
	struct shared *sh;
	unsigned n[RACE_CLIENTS];
};

static int per_client_entry(uint64_t b, void *ctx)
{
	struct per_client *p = ctx;

	if (thread_of(b) != 0 || client_of(b) >= RACE_CLIENTS)
		fail(p->sh, "race final: a stranger's backend", b);
	else
		p->n[client_of(b)]++;
	return 1;
}

/* Entries per client; @return how many clients have more than one. */
static unsigned count_duplicates(struct shared *sh, struct per_client *p)
{
	unsigned dups = 0;

	memset(p, 0, sizeof(*p));
	p->sh = sh;
	cip__affinity_retain(sh->a, per_client_entry, p);
	for (unsigned c = 0; c < RACE_CLIENTS; c++)
		dups += p->n[c] > 1;
	return dups;
}

static int run_race(uint64_t seed)
{
	static _Atomic uint32_t versions[RACE_CLIENTS];
	struct shared *sh = calloc(1, sizeof(*sh));
	struct racer r[NTHREADS];
	struct per_client p;
	pthread_t tid[NTHREADS];
	unsigned started = 0, dups_before, dups_after;
	uint64_t puts = 0, gets = 0, hits = 0, now;
	int rc;

	if (!sh || cip__affinity_new(RACE_CAPACITY, &sh->a) != 0)
		return 1;
	for (unsigned c = 0; c < RACE_CLIENTS; c++)
		atomic_init(&versions[c], 0);
	for (unsigned i = 0; i < NTHREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].sh = sh;
		r[i].versions = versions;
		r[i].rng = seed * 37 + i;
		started += pthread_create(&tid[i], NULL, racer_main, &r[i]) == 0;
	}
	if (started != NTHREADS)
		fail(sh, "pthread_create", started);
	sleep_ns(RACE_NS);
	atomic_store(&sh->stop, 1);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	dups_before = count_duplicates(sh, &p);
	/* One thread now: a put of each client leaves it one entry, which
	 * get returns. */
	now = now_ns();
	for (unsigned c = 0; c < RACE_CLIENTS; c++) {
		cip_addr a = client_addr(0, c);
		uint32_t v = atomic_load(&versions[c]) + 1;
		uint64_t b = 0;

		atomic_store(&sh->issued[0][c], v);
		if (cip__affinity_put(sh->a, &a, backend_of(0, c, v), now, UINT64_MAX) != 1 ||
		    cip__affinity_get(sh->a, &a, now, UINT64_MAX, &b) != 1 ||
		    b != backend_of(0, c, v))
			fail(sh, "race final: put then get", c);
	}
	dups_after = count_duplicates(sh, &p);
	if (dups_after != 0)
		fail(sh, "race final: a client kept two entries", dups_after);
	for (unsigned i = 0; i < NTHREADS; i++) {
		puts += r[i].puts;
		gets += r[i].gets;
		hits += r[i].hits;
	}
	rc = atomic_load(&sh->failed);
	printf("affinity race: %u threads on %u clients, %.1f s: %" PRIu64 " puts, %" PRIu64
	       " gets (%" PRIu64 " hits); clients with two entries: %u before the final puts, %u"
	       " after%s\n",
	       NTHREADS, RACE_CLIENTS, RACE_NS / 1e9, puts, gets, hits, dups_before, dups_after,
	       rc ? " FAILED" : "");
	cip__affinity_free(sh->a);
	free(sh);
	return rc;
}

int main(void)
{
	int failed = 0;

	failed |= run_owners(0xaff1);
	failed |= run_race(0xaff2);
	return failed;
}

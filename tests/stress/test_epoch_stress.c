/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/epoch.h under contention: reader threads follow a shared pointer
 * inside read sections while one writer (the main thread) keeps replacing
 * the object it points to and retiring the old one.
 *
 * Every object carries a magic value and a checksum of its contents; the
 * free function poisons both before the object goes. Freed objects are
 * kept poisoned in a ring of the last GRAVE ones before free(), so that a
 * reader that reaches a reclaimed object sees the poison even without
 * AddressSanitizer (which, when present, also catches any use after the
 * real free), and ThreadSanitizer sees a race between the reader and the
 * poisoning unless the reclamation waited for the reader.
 *
 * Readers check that the object is intact when they load it, again at the
 * end of the section, in a nested section now and then, and that the ids
 * they see never go back. The "stalled reader" scenarios add a reader that
 * holds one section open while the writer retires many objects: retire
 * must not wait for it and must not free anything retired after it
 * entered; synchronize must wait for it. Churning threads keep starting
 * short-lived readers, one at a time, that make a few sections and exit,
 * so that owned indices are claimed, released and claimed again while the
 * writer scans. Every scenario runs in both modes: asymmetric (where the
 * kernel has membarrier; readers on owned slots) and shared; the
 * "indices exhausted" one lets only two threads at a time hold an owned
 * index, so that owned and shared readers mix in one domain. After the
 * run, a synchronize must leave nothing pending, every object must have
 * been freed exactly once, and every owned index must be free again.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stress.h"
#include "epoch.h"
#include "random.h"

#define MAGIC UINT64_C(0x0B1EC7A11A5C0DE5)
#define POISON UINT64_C(0xDEADBEEFDEADBEEF)
#define NDATA 4
#define GRAVE 4096    /* freed objects kept poisoned before free() */
#define MAX_READERS 8 /* readers and churning threads */
/* Seconds a scenario's writer runs at most: the machine may have fewer
 * cores than threads, and then replacements get slow. */
#define DEADLINE (SANITIZED ? 1.0 : 0.5)

struct shared;

struct obj {
	uint64_t magic;
	uint64_t id;
	uint64_t data[NDATA];
	uint64_t sum; /* checksum(id, data) */
	struct shared *sh;
	struct cip__epoch_node node;
};

struct scenario {
	const char *name;
	unsigned readers;
	unsigned churners;     /* threads that start short-lived readers, one at a time */
	unsigned replacements; /* at most; the run also ends at its deadline */
	unsigned sync_every;   /* the writer synchronizes after every this many */
	unsigned stall;	       /* replacements made while a stalled reader is inside; 0: none */
	unsigned owned_limit;  /* owned indices handed out during the run; 0: all */
};

struct shared {
	struct cip__epoch e;
	_Atomic(struct obj *) cur;
	const struct scenario *sc;
	atomic_int go;
	atomic_int stop;
	atomic_int failed;
	_Atomic uint64_t stall_id; /* 1 + the id the stalled reader holds; 0 before */
	atomic_int stall_release;
	/* The writer's (the free function runs on its thread). */
	struct obj *last;      /* the object it published last */
	uint64_t published;    /* its id: objects 0 .. published exist */
	unsigned char *freed;  /* frees per id */
	uint64_t frees;	       /* calls of the free function */
	uint64_t retire_frees; /* the ones made by retire (not synchronize) */
	struct obj **grave;    /* GRAVE poisoned objects, a ring */
	size_t ngrave;	       /* how many the ring holds */
	size_t grave_next;     /* the slot the next one goes to */
	size_t max_pending;
};

struct reader {
	pthread_t tid;
	struct shared *sh;
	unsigned idx;
	uint64_t reads, nested;
	uint64_t threads; /* a churning thread's readers started so far */
	char error[200];
};

/* ------------------------------------------------------------------ */
/* Objects                                                            */
/* ------------------------------------------------------------------ */

static uint64_t checksum(const struct obj *o)
{
	uint64_t h = o->id * UINT64_C(0x9E3779B97F4A7C15);

	for (int i = 0; i < NDATA; i++)
		h = (h ^ o->data[i]) * UINT64_C(0xBF58476D1CE4E5B9);
	return h ^ (h >> 29);
}

static struct obj *obj_new(struct shared *sh, uint64_t id)
{
	struct obj *o = malloc(sizeof *o);
	uint64_t seed = id;

	if (!o)
		return NULL;
	memset(o, 0, sizeof *o);
	o->magic = MAGIC;
	o->id = id;
	for (int i = 0; i < NDATA; i++)
		o->data[i] = cip__splitmix64(&seed);
	o->sum = checksum(o);
	o->sh = sh;
	return o;
}

static struct obj *obj_of(struct cip__epoch_node *node)
{
	return (struct obj *)(void *)((char *)node - offsetof(struct obj, node));
}

/* The free function: counts the free, poisons the object and puts it in
 * the ring, which frees the oldest object it holds when full. */
static void obj_free(struct cip__epoch_node *node)
{
	struct obj *o = obj_of(node);
	struct shared *sh = o->sh;

	sh->freed[o->id]++;
	sh->frees++;
	o->magic = POISON;
	o->sum = ~o->sum;
	memset(o->data, 0xDD, sizeof o->data);
	if (sh->ngrave == GRAVE)
		free(sh->grave[sh->grave_next]);
	else
		sh->ngrave++;
	sh->grave[sh->grave_next] = o;
	sh->grave_next = (sh->grave_next + 1) % GRAVE;
}

static void grave_empty(struct shared *sh)
{
	for (size_t i = 0; i < sh->ngrave; i++)
		free(sh->grave[i]);
	sh->ngrave = 0;
}

/* ------------------------------------------------------------------ */
/* Readers                                                            */
/* ------------------------------------------------------------------ */

static int reader_fail(struct reader *r, const char *what, const struct obj *o)
{
	snprintf(r->error, sizeof r->error, "reader %u: %s (object %p)", r->idx, what,
		 (const void *)o);
	atomic_store(&r->sh->failed, 1);
	return -1;
}

/* 0 if @p o is a live, intact object. */
static int check(struct reader *r, const struct obj *o)
{
	if (!o)
		return reader_fail(r, "null object", o);
	if (o->magic == POISON)
		return reader_fail(r, "object already reclaimed (poisoned magic)", o);
	if (o->magic != MAGIC)
		return reader_fail(r, "object corrupt (bad magic)", o);
	if (o->sum != checksum(o))
		return reader_fail(r, "object corrupt or reclaimed (bad checksum)", o);
	return 0;
}

/* A nested section: the object now published is intact and not older. */
static int nested_read(struct reader *r, const struct obj *outer)
{
	struct cip__epoch *e = &r->sh->e;
	unsigned t = cip__epoch_enter(e);
	const struct obj *o = atomic_load(&r->sh->cur);
	int rc = check(r, o);

	if (rc == 0 && o->id < outer->id)
		rc = reader_fail(r, "nested read saw an older object", o);
	cip__epoch_leave(e, t);
	r->nested++;
	return rc;
}

/* One section. @p last is the newest id this reader has seen. */
static int read_once(struct reader *r, uint64_t *last)
{
	struct cip__epoch *e = &r->sh->e;
	unsigned t = cip__epoch_enter(e);
	/* seq_cst, as epoch.h requires of the loads of changing links. */
	const struct obj *o = atomic_load(&r->sh->cur);
	int rc = check(r, o);

	if (rc == 0 && o->id < *last)
		rc = reader_fail(r, "the published id went back", o);
	if (rc == 0 && (r->reads & 7) == 0)
		rc = nested_read(r, o);
	if (rc == 0) {
		*last = o->id;
		rc = check(r, o); /* still intact at the end of the section */
	}
	cip__epoch_leave(e, t);
	r->reads++;
	return rc;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct shared *sh = r->sh;
	uint64_t last = 0;

	while (!atomic_load(&sh->go))
		; /* start together, for the most overlap */
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed) &&
	       !atomic_load_explicit(&sh->failed, memory_order_relaxed))
		if (read_once(r, &last))
			break;
	return NULL;
}

/* A short-lived reader: 1 to 16 sections, then it exits. */
static void *child_main(void *arg)
{
	struct reader *r = arg;
	unsigned n = 1 + (unsigned)(r->threads * 7 % 16);
	uint64_t last = 0;

	for (unsigned i = 0; i < n && !atomic_load(&r->sh->failed); i++)
		if (read_once(r, &last))
			break;
	return NULL;
}

/* A churning thread: starts short-lived readers, one at a time. */
static void *churn_main(void *arg)
{
	struct reader *r = arg, child;
	struct shared *sh = r->sh;

	while (!atomic_load(&sh->go))
		;
	while (!atomic_load(&sh->stop) && !atomic_load(&sh->failed)) {
		memset(&child, 0, sizeof child);
		child.sh = sh;
		child.idx = r->idx;
		child.threads = r->threads;
		if (pthread_create(&child.tid, NULL, child_main, &child) != 0) {
			reader_fail(r, "pthread_create", NULL);
			break;
		}
		pthread_join(child.tid, NULL);
		r->reads += child.reads;
		r->nested += child.nested;
		r->threads++;
		if (child.error[0]) {
			memcpy(r->error, child.error, sizeof r->error);
			break;
		}
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* The stalled reader: one section held open until the writer says so,
 * then a pause, so that a synchronize that did not wait would have freed
 * (poisoned) the object before the last check. */
static void *staller_main(void *arg)
{
	struct reader *r = arg;
	struct shared *sh = r->sh;
	unsigned t = cip__epoch_enter(&sh->e);
	const struct obj *o = atomic_load(&sh->cur);

	if (check(r, o) == 0) {
		atomic_store(&sh->stall_id, o->id + 1);
		while (!atomic_load(&sh->stall_release) && !atomic_load(&sh->failed))
			sched_yield();
		sleep_ms(20);
		check(r, o);
		r->reads++;
	}
	cip__epoch_leave(&sh->e, t);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The writer                                                         */
/* ------------------------------------------------------------------ */

static int fail_msg(const struct scenario *sc, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "FAIL %s/%u readers/%u churning: %s (%" PRIu64 ", %" PRIu64 ")\n", sc->name,
		sc->readers, sc->churners, what, a, b);
	return 1;
}

static double seconds(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

/* Publishes a new object @p id and retires the one it replaces. The store
 * that does it is, in turn, a release store, a seq_cst store and a seq_cst
 * exchange: epoch.h allows any of them. */
static int replace(struct shared *sh, uint64_t id)
{
	struct obj *n = obj_new(sh, id), *old = sh->last;
	uint64_t before;
	size_t pending;

	if (!n)
		return fail_msg(sh->sc, "malloc", id, 0);
	if (id % 3 == 0)
		atomic_store_explicit(&sh->cur, n, memory_order_release);
	else if (id % 3 == 1)
		atomic_store(&sh->cur, n);
	else if (atomic_exchange(&sh->cur, n) != old)
		return fail_msg(sh->sc, "exchange returned another object", id, 0);
	sh->last = n;
	sh->published = id;
	before = sh->frees;
	cip__epoch_retire(&sh->e, &old->node, obj_free);
	sh->retire_frees += sh->frees - before;
	pending = cip__epoch_pending(&sh->e);
	if (pending > sh->max_pending)
		sh->max_pending = pending;
	return 0;
}

/*
 * The stall phase: with the stalled reader inside, sc->stall replacements
 * must complete (retire does not wait) without freeing anything retired
 * after the reader's object was published; then synchronize must wait for
 * the reader (which pauses before its last check) and free it all.
 * @return 0 or 1; *next is the next id to publish.
 */
static int stall_phase(struct shared *sh, uint64_t *next, double *waited)
{
	const struct scenario *sc = sh->sc;
	struct timespec t0, t1;
	uint64_t held;

	while ((held = atomic_load(&sh->stall_id)) == 0) {
		if (atomic_load(&sh->failed))
			return 1; /* the stalled reader found a bad object */
		sched_yield();
	}
	held--;
	for (unsigned i = 0; i < sc->stall; i++, (*next)++)
		if (replace(sh, *next))
			return 1;
	for (uint64_t id = held; id < *next - 1; id++)
		if (sh->freed[id] != 0)
			return fail_msg(sc, "freed while a reader that may see it is inside", id,
					held);
	if (cip__epoch_pending(&sh->e) < *next - 1 - held)
		return fail_msg(sc, "fewer pending than retired during the stall",
				cip__epoch_pending(&sh->e), *next - 1 - held);
	atomic_store(&sh->stall_release, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cip__epoch_synchronize(&sh->e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*waited = seconds(&t0, &t1);
	if (sh->freed[held] != 1 || cip__epoch_pending(&sh->e) != 0)
		return fail_msg(sc, "synchronize left the stalled reader's object", sh->freed[held],
				cip__epoch_pending(&sh->e));
	return 0;
}

/* The writer: replacements until the scenario's count or its deadline,
 * synchronizing now and then. */
static int writer(struct shared *sh, const struct timespec *t0, double *waited)
{
	const struct scenario *sc = sh->sc;
	uint64_t id = 1;
	struct timespec now;

	if (sc->stall && stall_phase(sh, &id, waited))
		return 1;
	for (; id <= sc->replacements && !atomic_load(&sh->failed); id++) {
		if (replace(sh, id))
			return 1;
		if (id % sc->sync_every == 0)
			cip__epoch_synchronize(&sh->e);
		if (id % 256 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (seconds(t0, &now) > DEADLINE)
				break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Scenarios                                                          */
/* ------------------------------------------------------------------ */

static int start(struct shared *sh, struct reader *rs, unsigned n)
{
	const struct scenario *sc = sh->sc;

	for (unsigned i = 0; i < n; i++) {
		void *(*fn)(void *) = i < sc->readers		       ? reader_main
				      : i < sc->readers + sc->churners ? churn_main
								       : staller_main;

		rs[i].sh = sh;
		rs[i].idx = i;
		if (pthread_create(&rs[i].tid, NULL, fn, &rs[i]) != 0)
			return fail_msg(sc, "pthread_create", i, 0);
	}
	return 0;
}

static int join(struct shared *sh, struct reader *rs, unsigned n)
{
	int bad = 0;

	for (unsigned i = 0; i < n; i++) {
		pthread_join(rs[i].tid, NULL);
		if (rs[i].error[0]) {
			fprintf(stderr, "FAIL %s/%u readers/%u churning: %s\n", sh->sc->name,
				sh->sc->readers, sh->sc->churners, rs[i].error);
			bad = 1;
		} else if (rs[i].reads == 0 && !atomic_load(&sh->failed)) {
			bad = fail_msg(sh->sc, "a reader never read", i, 0);
		}
	}
	return bad;
}

/* After the join: a synchronize frees everything retired so far. */
static int drain(struct shared *sh)
{
	cip__epoch_synchronize(&sh->e);
	if (cip__epoch_pending(&sh->e) != 0)
		return fail_msg(sh->sc, "pending after synchronize", cip__epoch_pending(&sh->e), 0);
	for (uint64_t id = 0; id < sh->published; id++)
		if (sh->freed[id] != 1)
			return fail_msg(sh->sc, "retired, synchronized, not freed once", id,
					sh->freed[id]);
	return 0;
}

/* Then: unpublishes and retires the last object, and destroys the domain,
 * which frees whatever is still pending. */
static void teardown(struct shared *sh)
{
	atomic_store(&sh->cur, NULL);
	cip__epoch_retire(&sh->e, &sh->last->node, obj_free);
	cip__epoch_destroy(&sh->e);
}

/* After the teardown: every object was freed exactly once. */
static int verify(struct shared *sh, uint64_t frees_during)
{
	const struct scenario *sc = sh->sc;

	if (frees_during == 0)
		return fail_msg(sc, "nothing was reclaimed while readers ran", 0, 0);
	for (uint64_t id = 0; id <= sh->published; id++)
		if (sh->freed[id] != 1)
			return fail_msg(sc, "object not freed exactly once", id, sh->freed[id]);
	if (sh->frees != sh->published + 1)
		return fail_msg(sc, "free calls", sh->frees, sh->published + 1);
	return 0;
}

static int run(const struct scenario *sc, enum cip__epoch_mode mode)
{
	struct shared sh;
	struct reader rs[MAX_READERS + 1];
	unsigned n = sc->readers + sc->churners + (sc->stall ? 1 : 0);
	unsigned in_use = cip__epoch_owned_in_use(), limit = 0;
	uint64_t reads = 0, nested = 0, threads = 0, frees_during;
	struct timespec t0, t1;
	double waited = 0;
	size_t max_pending;
	int rc;

	memset(&sh, 0, sizeof sh);
	memset(rs, 0, sizeof rs);
	sh.sc = sc;
	if (n > MAX_READERS + 1 || cip__epoch_init_mode(&sh.e, mode) != 0)
		return fail_msg(sc, "init", n, 0);
	if (sc->owned_limit)
		limit = cip__epoch_owned_limit(in_use + sc->owned_limit);
	sh.freed = calloc((size_t)sc->replacements + 1, 1);
	sh.grave = malloc(GRAVE * sizeof *sh.grave);
	sh.last = obj_new(&sh, 0);
	if (!sh.freed || !sh.grave || !sh.last)
		return fail_msg(sc, "malloc", 0, 0);
	atomic_init(&sh.cur, sh.last);
	if (start(&sh, rs, n))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_store(&sh.go, 1);
	rc = writer(&sh, &t0, &waited);
	if (rc)
		atomic_store(&sh.failed, 1);
	atomic_store(&sh.stop, 1);
	atomic_store(&sh.stall_release, 1); /* if the writer failed before */
	rc |= join(&sh, rs, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (sc->owned_limit)
		cip__epoch_owned_limit(limit);
	frees_during = sh.frees;
	max_pending = sh.max_pending;
	rc = rc ? rc : drain(&sh);
	/* Every thread of the run has exited: their indices are free again. */
	if (!rc && cip__epoch_owned_in_use() != in_use)
		rc = fail_msg(sc, "owned indices still held", cip__epoch_owned_in_use(), in_use);
	printf("%s mode: ", sh.e.owned ? "asymmetric" : "shared");
	teardown(&sh);
	rc = rc ? rc : verify(&sh, frees_during);
	for (unsigned i = 0; i < n; i++) {
		reads += rs[i].reads;
		nested += rs[i].nested;
		threads += rs[i].threads;
	}
	printf("%s, %u readers, %u churning (%" PRIu64 " threads): %" PRIu64
	       " replacements, %" PRIu64 " reads (%" PRIu64 " nested), %" PRIu64
	       " freed while running (%" PRIu64 " by retire), max pending %zu",
	       sc->name, sc->readers, sc->churners, threads, sh.published, reads, nested,
	       frees_during, sh.retire_frees, max_pending);
	if (sc->stall)
		printf(", synchronize waited %.1f ms", waited * 1e3);
	printf(", %.3f s%s\n", seconds(&t0, &t1), rc ? " FAILED" : "");
	grave_empty(&sh);
	free(sh.grave);
	free(sh.freed);
	return rc;
}

int main(void)
{
	const unsigned n = SANITIZED ? 20000 : 200000;
	const struct scenario scenarios[] = {
		{ "replace", 2, 0, n, 1024, 0, 0 },
		{ "replace", 4, 2, n, 1024, 0, 0 },
		{ "replace, synchronize often", 2, 0, n / 4, 16, 0, 0 },
		{ "replace, synchronize often", 4, 2, n / 4, 16, 0, 0 },
		{ "stalled reader", 2, 0, n / 4, 1024, 1000, 0 },
		{ "stalled reader", 4, 1, n / 4, 1024, 1000, 0 },
		{ "indices exhausted", 4, 2, n, 1024, 0, 2 },
	};
	const enum cip__epoch_mode modes[] = { CIP__EPOCH_AUTO, CIP__EPOCH_SHARED };
	int failed = 0;

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
		for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
			if (modes[m] == CIP__EPOCH_AUTO || !scenarios[i].owned_limit)
				failed |= run(&scenarios[i], modes[m]);
	return failed;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The allocation wrappers and the harness of the oom.* tests (see oom.h).
 *
 * Tracking. Every live block is an entry of a fixed open-addressing table
 * (linear probing, backward-shift deletion): its address, its size and the
 * armed span that made it (0: none). The address is stored scrambled, so
 * that LeakSanitizer, which scans this table like any other global, does
 * not take it for a reference and still reports what the program lost.
 */
#define _GNU_SOURCE /* aligned_alloc, vsnprintf under strict C11 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clusterip/common.h>

#include "oom.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void __wrap_free(void *p);

/* ------------------------------------------------------------------ */
/* Live blocks                                                        */
/* ------------------------------------------------------------------ */

#define TRACK_BITS 18
#define TRACK_SLOTS (1UL << TRACK_BITS)
#define SCRAMBLE ((uintptr_t)0x5bd1e9955bd1e995ULL)

struct block {
	uintptr_t key; /* address ^ SCRAMBLE; 0: empty */
	size_t size;
	unsigned long span;
};

static struct block blocks[TRACK_SLOTS];
static size_t nblocks, nbytes;

/* The armed span: its id (0 before the first), whether it is on, its
 * allocation count, the count that fails, and its live blocks. */
static struct {
	unsigned long id;
	int armed;
	unsigned long calls, fail_at;
	int failed;
	size_t live, live_bytes;
} span;

static int starving; /* every allocation fails (oom_starve()) */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(uintptr_t key)
{
	return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> (64 - TRACK_BITS));
}

static void track_add(void *p, size_t size)
{
	uintptr_t key = (uintptr_t)p ^ SCRAMBLE;
	size_t i = slot_of(key);

	if (nblocks >= TRACK_SLOTS / 4 * 3) {
		fprintf(stderr, "oom: more than %lu live blocks; raise TRACK_BITS\n",
			TRACK_SLOTS / 4 * 3);
		abort();
	}
	while (blocks[i].key)
		i = (i + 1) & (TRACK_SLOTS - 1);
	blocks[i].key = key;
	blocks[i].size = size;
	blocks[i].span = span.armed ? span.id : 0;
	nblocks++;
	nbytes += size;
	if (span.armed) {
		span.live++;
		span.live_bytes += size;
	}
}

/* Empties slot @p hole and moves later entries of its probe runs back
 * into it, so that no probe meets a gap before its key. */
static void track_remove_at(size_t hole)
{
	size_t i = hole;

	blocks[hole].key = 0;
	for (;;) {
		size_t home;

		i = (i + 1) & (TRACK_SLOTS - 1);
		if (!blocks[i].key)
			return;
		home = slot_of(blocks[i].key);
		/* Move the entry if its home is not in (hole, i]. */
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && home <= hole && home > i)) {
			blocks[hole] = blocks[i];
			blocks[i].key = 0;
			hole = i;
		}
	}
}

/* Forgets @p p; a pointer that the wrappers did not hand out is ignored. */
static void track_remove(void *p)
{
	uintptr_t key = (uintptr_t)p ^ SCRAMBLE;

	for (size_t i = slot_of(key); blocks[i].key; i = (i + 1) & (TRACK_SLOTS - 1)) {
		if (blocks[i].key != key)
			continue;
		nblocks--;
		nbytes -= blocks[i].size;
		if (span.id && blocks[i].span == span.id) {
			span.live--;
			span.live_bytes -= blocks[i].size;
		}
		track_remove_at(i);
		return;
	}
}

/* Counts an allocation call of an armed span. @return 1 if it must fail. */
static int must_fail(void)
{
	if (starving)
		return 1;
	if (!span.armed)
		return 0;
	span.calls++;
	if (span.calls != span.fail_at)
		return 0;
	span.failed = 1;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The wrappers                                                       */
/* ------------------------------------------------------------------ */

void *__wrap_malloc(size_t size)
{
	void *p = NULL;

	pthread_mutex_lock(&lock);
	if (!must_fail() && (p = __real_malloc(size)) != NULL)
		track_add(p, size);
	pthread_mutex_unlock(&lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = NULL;

	pthread_mutex_lock(&lock);
	if (!must_fail() && (p = __real_calloc(n, size)) != NULL)
		track_add(p, n * size);
	pthread_mutex_unlock(&lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
	void *p = NULL;

	pthread_mutex_lock(&lock);
	if (!must_fail() && (p = __real_aligned_alloc(align, size)) != NULL)
		track_add(p, size);
	pthread_mutex_unlock(&lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

/* A failed realloc leaves @p p as it was; a successful one moves the
 * block, which counts as made by the span that is armed (if any). */
void *__wrap_realloc(void *p, size_t size)
{
	void *q = NULL;

	pthread_mutex_lock(&lock);
	if (!must_fail() && (q = __real_realloc(p, size)) != NULL) {
		if (p)
			track_remove(p);
		track_add(q, size);
	}
	pthread_mutex_unlock(&lock);
	if (!q)
		errno = ENOMEM;
	return q;
}

void __wrap_free(void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&lock);
	track_remove(p);
	__real_free(p);
	pthread_mutex_unlock(&lock);
}

/* ------------------------------------------------------------------ */
/* Accounting                                                         */
/* ------------------------------------------------------------------ */

void oom_arm(unsigned long fail_at)
{
	pthread_mutex_lock(&lock);
	span.id++;
	span.armed = 1;
	span.calls = 0;
	span.fail_at = fail_at;
	span.failed = 0;
	span.live = span.live_bytes = 0;
	pthread_mutex_unlock(&lock);
}

struct oom_span oom_disarm(void)
{
	struct oom_span s;

	pthread_mutex_lock(&lock);
	span.armed = 0;
	s.calls = span.calls;
	s.failed = span.failed;
	s.live = span.live;
	s.live_bytes = span.live_bytes;
	pthread_mutex_unlock(&lock);
	return s;
}

void oom_starve(int on)
{
	pthread_mutex_lock(&lock);
	starving = on;
	pthread_mutex_unlock(&lock);
}

size_t oom_live(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = nblocks;
	pthread_mutex_unlock(&lock);
	return n;
}

size_t oom_live_bytes(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = nbytes;
	pthread_mutex_unlock(&lock);
	return n;
}

/* ------------------------------------------------------------------ */
/* Buffers                                                            */
/* ------------------------------------------------------------------ */

static void buf_room(struct oom_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	unsigned char *d;

	if (b->len + n <= b->cap)
		return;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		fail_msg("oom: test buffer of %zu bytes", cap);
	b->data = d;
	b->cap = cap;
}

void oom_buf_put(struct oom_buf *b, const void *p, size_t n)
{
	buf_room(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Formats into the room there is, and once more only when it was short. */
void oom_buf_printf(struct oom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	buf_room(b, 256);
	va_start(ap, fmt);
	n = vsnprintf((char *)b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		fail_msg("oom: bad format %s", fmt);
	if ((size_t)n >= b->cap - b->len) {
		buf_room(b, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void oom_buf_hex(struct oom_buf *b, const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = p;

	buf_room(b, 2 * n);
	for (size_t i = 0; i < n; i++) {
		b->data[b->len++] = (unsigned char)digits[s[i] >> 4];
		b->data[b->len++] = (unsigned char)digits[s[i] & 15];
	}
}

void oom_buf_free(struct oom_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ */
/* The harness                                                        */
/* ------------------------------------------------------------------ */

static int is_text(const struct oom_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] != '\n' && b->data[i] != '\t' &&
		    (b->data[i] < 32 || b->data[i] > 126))
			return 0;
	return 1;
}

/* The line of a text snapshot around byte @p at, for messages. */
static void show_line(const char *what, const struct oom_buf *b, size_t at)
{
	size_t from = at < b->len ? at : b->len, to = from;

	while (from > 0 && b->data[from - 1] != '\n')
		from--;
	while (to < b->len && b->data[to] != '\n')
		to++;
	print_error("    %s: %.*s\n", what, (int)(to - from), (const char *)b->data + from);
}

/* Fails unless @p x and @p y are the same bytes, showing where they
 * differ. */
static void same_snapshot(const struct oom_case *c, unsigned long n, const char *what,
			  const struct oom_buf *x, const struct oom_buf *y)
{
	size_t at = 0;

	if (x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0))
		return;
	while (at < x->len && at < y->len && x->data[at] == y->data[at])
		at++;
	print_error("%s, allocation %lu: %s (first difference at byte %zu of %zu/%zu)\n", c->name,
		    n, what, at, x->len, y->len);
	if (is_text(x) && is_text(y)) {
		show_line("expected", x, at);
		show_line("actual  ", y, at);
	}
	fail_msg("%s: the object changed", c->name);
}

/* Builds the fixture and snapshots it, unarmed. */
static void *prepare(const struct oom_case *c, struct oom_buf *snap)
{
	void *fx = c->setup(c->arg);

	if (!fx)
		fail_msg("%s: setup failed", c->name);
	c->snapshot(fx, snap);
	return fx;
}

/* The uninjected run: the fixture's snapshot (@p before) and the result
 * (@p ref) that every injected run is held to. @return the allocations it
 * made. */
static unsigned long reference_run(const struct oom_case *c, struct oom_buf *before,
				   struct oom_buf *ref)
{
	struct oom_span s;
	size_t base = oom_live();
	void *fx = prepare(c, before);
	int rc;

	oom_arm(0);
	rc = c->op(fx);
	s = oom_disarm();
	if (rc != c->want)
		fail_msg("%s: returned %d (%s) without any injected failure, expected %d", c->name,
			 rc, cip_error_name(rc), c->want);
	c->snapshot(fx, ref);
	c->teardown(fx);
	/* Everything but the two snapshots is freed. */
	if (oom_live() != base + (before->data != NULL) + (ref->data != NULL))
		fail_msg("%s: %lld blocks still live after teardown", c->name,
			 (long long)oom_live() - (long long)base - (before->data != NULL) -
				 (ref->data != NULL));
	return s.calls;
}

/*
 * One injected run, counted in @p res. The fixture is the same in every run
 * (fixed seeds), so it is compared with @p before, the reference run's;
 * the first run checks that by taking its own. @return 1 when it succeeded
 * without meeting the failure (the end of the loop).
 */
static int injected_run(const struct oom_case *c, unsigned long n, const struct oom_buf *before,
			const struct oom_buf *ref, struct oom_result *res)
{
	struct oom_buf own = { 0 }, after = { 0 };
	size_t base = oom_live(), base_bytes = oom_live_bytes();
	void *fx = n == 1 ? prepare(c, &own) : c->setup(c->arg);
	struct oom_span s;
	int rc, done = 0;

	if (!fx)
		fail_msg("%s: setup failed", c->name);
	if (n == 1)
		same_snapshot(c, n, "the fixture differs from one run to the next", before, &own);
	oom_buf_free(&own);
	oom_arm(n);
	rc = c->op(fx);
	s = oom_disarm();
	c->snapshot(fx, &after);
	if (rc == CIP_ENOMEM) {
		if (!s.failed)
			fail_msg("%s, allocation %lu: CIP_ENOMEM without a failed allocation",
				 c->name, n);
		same_snapshot(c, n, "not restored after CIP_ENOMEM", before, &after);
		if (s.live > res->retained)
			res->retained = s.live;
		if (s.live && !c->retains)
			fail_msg(
				"%s, allocation %lu: CIP_ENOMEM left %zu of its blocks (%zu bytes) "
				"live",
				c->name, n, s.live, s.live_bytes);
		res->enomem++;
	} else if (rc == c->want) {
		if (s.failed && !c->tolerant)
			fail_msg("%s: allocation %lu failed, yet the call returned %d", c->name, n,
				 rc);
		same_snapshot(c, n, "a different result than without a failure", ref, &after);
		res->absorbed += (unsigned long)s.failed;
		done = !s.failed;
	} else {
		fail_msg("%s, allocation %lu: returned %d (%s), expected CIP_ENOMEM or %d", c->name,
			 n, rc, cip_error_name(rc), c->want);
	}
	oom_buf_free(&after);
	c->teardown(fx);
	if (oom_live() != base || oom_live_bytes() != base_bytes)
		fail_msg("%s, allocation %lu: %lld blocks (%lld bytes) more live after teardown",
			 c->name, n, (long long)oom_live() - (long long)base,
			 (long long)oom_live_bytes() - (long long)base_bytes);
	return done;
}

struct oom_result oom_check(const struct oom_case *c)
{
	struct oom_result res = { 0, 0, 0, 0 };
	struct oom_buf before = { 0 }, ref = { 0 };
	unsigned long calls = reference_run(c, &before, &ref), n;

	for (n = 1; n <= OOM_MAX_POINTS; n++) {
		if (injected_run(c, n, &before, &ref, &res))
			break;
	}
	oom_buf_free(&before);
	oom_buf_free(&ref);
	if (n > OOM_MAX_POINTS)
		fail_msg("%s: still failing after %lu allocation points", c->name, OOM_MAX_POINTS);
	/* The runs are deterministic (fixed seeds): the one that succeeded
	 * made the allocations of the uninjected run. */
	if (n != calls + 1)
		fail_msg("%s: succeeded at allocation point %lu, but the uninjected run makes %lu "
			 "allocations",
			 c->name, n, calls);
	res.points = n;
	return res;
}

void oom_check_all(const struct oom_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct oom_result r = oom_check(&cases[i]);

		print_message("[   oom    ] %-48s %4lu point(s), %4lu CIP_ENOMEM, %lu absorbed, "
			      "%zu kept\n",
			      cases[i].name, r.points, r.enomem, r.absorbed, r.retained);
	}
}

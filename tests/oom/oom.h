/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory injection for the oom.* tests.
 *
 * The test executables are linked with `--wrap` for malloc, calloc,
 * realloc, aligned_alloc and free, so that every allocation the library
 * (and the test) makes goes through oom.c. There it is counted while the
 * harness is *armed*, and the N-th allocation of an armed span fails
 * (NULL, errno ENOMEM). Every live allocation is tracked (count and bytes),
 * and so is which of them an armed span made, so that a failed operation
 * can be shown to have cleaned up after itself in any build; under the
 * asan preset LeakSanitizer checks the same at exit. No test code is in the
 * library: the wrapping happens when the test is linked.
 *
 * oom_check() runs one operation for N = 1, 2, 3, ... on a freshly built
 * object each time, until the operation succeeds without meeting the
 * injected failure (see struct oom_case for what each step asserts).
 * Only allocations are injected: the library allocates with nothing else
 * (no strdup, posix_memalign or mmap).
 */
#ifndef CIP_OOM_H
#define CIP_OOM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer: the snapshots that oom_check() compares. */
struct oom_buf {
	unsigned char *data;
	size_t len, cap;
};

void oom_buf_put(struct oom_buf *b, const void *p, size_t n);
void oom_buf_printf(struct oom_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* @p n bytes as lower-case hex digits. */
void oom_buf_hex(struct oom_buf *b, const void *p, size_t n);
void oom_buf_free(struct oom_buf *b);

/* ---- allocation accounting ---------------------------------------------- */

/* Starts an armed span: allocations are counted from 1, and the one
 * numbered @p fail_at fails (0: none fails). */
void oom_arm(unsigned long fail_at);

/* What an armed span did, as oom_disarm() reports it. */
struct oom_span {
	unsigned long calls; /* allocation calls made while armed */
	int failed;	     /* the injected failure happened */
	size_t live;	     /* allocations made while armed that are still live */
	size_t live_bytes;   /* and their bytes */
};

/* Ends the armed span. */
struct oom_span oom_disarm(void);

/* While on, every allocation fails (for fixtures that must be built in
 * a state only repeated failures reach). Not counted as a span. */
void oom_starve(int on);

/* Every allocation made through the wrappers and not yet freed. */
size_t oom_live(void);
size_t oom_live_bytes(void);

/* ---- the harness --------------------------------------------------------- */

/*
 * One operation under test. oom_check() first runs it without any failure
 * (the reference: the fixture's snapshot, the op's result and how many
 * allocations it makes). Then, for N = 1, 2, 3, ...:
 * - builds a fresh fixture with setup() (unarmed); fixtures use fixed
 *   seeds, so each is the reference's (the first run checks that);
 * - arms "allocation N fails", runs op(), disarms, snapshots;
 * - if op() returned CIP_ENOMEM: asserts that the injected failure
 *   happened, that the snapshot is byte-identical to the fixture's, and
 *   that no allocation made by op() is still live (see @c retains);
 * - if op() returned @c want: asserts that it did not meet the injected
 *   failure (it made fewer than N allocations), unless @c tolerant, and
 *   that its snapshot equals the reference's; the first success without a
 *   failure ends the loop, and must come at N = the reference's
 *   allocations + 1;
 * - any other result fails the test;
 * - tears the fixture down and asserts that every allocation made since
 *   setup() is freed (count and bytes).
 * Constructors use a fixture whose out-pointer starts at a sentinel, and a
 * snapshot that records "none" while it is untouched.
 */
struct oom_case {
	const char *name;
	/* Builds the fixture from @c arg (unarmed); NULL only on a test bug. */
	void *(*setup)(const void *arg);
	const void *arg;
	int (*op)(void *fx);
	void (*snapshot)(void *fx, struct oom_buf *out);
	void (*teardown)(void *fx);
	/* What op() returns on success (usually 0). */
	int want;
	/* op() may absorb a failed allocation and still succeed, with the
	 * same result as without it: a documented, deliberate tolerance
	 * (say which in the case's comment). */
	int tolerant;
	/* A failed op() may keep blocks it allocated inside the object
	 * (capacity of its indexes, bookkeeping records that nothing shows):
	 * then the leak check is that teardown frees them, and the snapshot
	 * must still be unchanged. */
	int retains;
};

/* The most allocation points one operation may have: a bound, so that a
 * bug cannot make the loop run forever. */
#define OOM_MAX_POINTS 100000UL

/* What oom_check() saw. */
struct oom_result {
	unsigned long points;	/* allocation points tried: op()'s allocations + 1 */
	unsigned long enomem;	/* runs that returned CIP_ENOMEM */
	unsigned long absorbed; /* runs of a tolerant op that absorbed the failure */
	size_t retained;	/* the most blocks a failed run kept (retains only) */
};

/* Runs @p c as described above (cmocka assertions). */
struct oom_result oom_check(const struct oom_case *c);

/* Runs every case of @p cases with oom_check(), reporting each count. */
void oom_check_all(const struct oom_case *cases, size_t n);

#endif /* CIP_OOM_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in library for the self-tests of the ABI check. Built without any
 * FAKE_* macro it is the released version; each macro makes one kind of
 * change to it, compatible or not.
 */
#ifndef FAKE_H
#define FAKE_H

#include <stddef.h>

#define FAKE_API __attribute__((visibility("default")))

/* A value type: its layout is frozen. */
typedef struct fake_point {
	int x;
	int y;
#ifdef FAKE_POINT_GROWN
	int z;
#endif
} fake_point;

/* An options struct: sz versions it, so it may grow at the end. */
typedef struct fake_opts {
	size_t sz;
	int flags;
	int level;
#ifdef FAKE_OPTS_GROWN
	long extra;
#endif
} fake_opts;

/* An opaque handle: its layout is private. */
typedef struct fake_ctx fake_ctx;

FAKE_API int fake_point_sum(const fake_point *p);
#ifdef FAKE_SIGNATURE_CHANGED
FAKE_API long fake_scale(long value, int factor);
#else
FAKE_API int fake_scale(int value, int factor);
#endif
FAKE_API int fake_ctx_new(fake_ctx **out, const fake_opts *opts);
#ifndef FAKE_REMOVED
FAKE_API void fake_ctx_free(fake_ctx *ctx);
#endif
#ifdef FAKE_ADDED
FAKE_API int fake_added(void);
FAKE_API extern int fake_added_calls;
#endif

#endif /* FAKE_H */

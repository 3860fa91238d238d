/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture that oom_range.c and oom_ports.c share: one allocator object
 * (a cip_range or a cip_ports) under test, the result of a constructor,
 * the native snapshot and RangeAllocation data of another state (for
 * restore and import), and a caller's output buffer for the writers.
 *
 * The object is compared through its native snapshot (allocations and
 * quarantine with remaining times, as of @c now) and its counters; a
 * writer's output buffer and length, and what a walk visited, are part of
 * the comparison too.
 */
#ifndef CIP_OOM_ALLOC_H
#define CIP_OOM_ALLOC_H

#include "oom.h"

#include <clusterip/clusterip.h>

/* What a constructor's out-pointer holds until it is written. */
#define OOM_UNTOUCHED ((void *)(uintptr_t)0xA5A5A5A5)

/* The functions of one allocator type, on untyped handles. */
struct oom_alloc_type {
	int (*snapshot)(const void *obj, uint64_t now, uint8_t *buf, size_t cap, size_t *len);
	int (*export_k8s)(const void *obj, uint8_t *buf, size_t cap, size_t *len);
	int (*stats)(const void *obj, cip_range_stats *st);
	void (*free)(void *obj);
};

/* The first member of each test's fixture, so that the shared snapshot
 * and teardown callbacks below serve as struct oom_case's. */
struct oom_alloc_fx {
	const struct oom_alloc_type *type;
	uint64_t now;	/* the time of every snapshot */
	void *obj;	/* the object under test */
	void *made;	/* a constructor's result; OOM_UNTOUCHED until then */
	uint8_t *image; /* a native snapshot of another state */
	size_t image_len;
	uint8_t *k8s; /* the RangeAllocation data of that state; empty where
		       * the type cannot export it */
	size_t k8s_len;
	uint8_t *out; /* a writer's output, pre-filled with ct_fill() */
	size_t out_cap, out_len;
	size_t visits; /* what a walk visited */
};

/*
 * Fills @p f for the object @p obj under test: @p other's snapshot and
 * export, and an output buffer with room for any snapshot of @p obj (the
 * size of @p other's plus @p out_slack). Returns what exporting @p other
 * returned: 0, or the error of a type that cannot export (the caller
 * asserts which it expects).
 */
int oom_alloc_fx_init(struct oom_alloc_fx *f, const struct oom_alloc_type *type, uint64_t now,
		      void *obj, const void *other, size_t out_slack);

/* struct oom_case callbacks for a fixture that starts with a struct
 * oom_alloc_fx and was allocated with malloc(): the object under test with
 * the output and the visits; a constructor's result; freeing it all. */
void oom_alloc_snapshot(void *fx, struct oom_buf *out);
void oom_alloc_snapshot_made(void *fx, struct oom_buf *out);
void oom_alloc_teardown(void *fx);

#endif /* CIP_OOM_ALLOC_H */

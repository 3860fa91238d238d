/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the snapshot targets, which treat service ranges and node ports
 * alike: one allocator of either kind, that is a cip_range or a cip_ports
 * (the other pointer is NULL).
 */
#ifndef CIP_FUZZ_ALLOC_ANY_H
#define CIP_FUZZ_ALLOC_ANY_H

#include "fuzz.h"

struct alloc_any {
	cip_range *range;
	cip_ports *ports;
};

static inline void alloc_any_free(struct alloc_any *a)
{
	cip_range_free(a->range);
	cip_ports_free(a->ports);
	a->range = NULL;
	a->ports = NULL;
}

/* new_from_snapshot of the kind @p ports says, into @p a (empty). */
static inline int alloc_any_from_snapshot(struct alloc_any *a, int ports, uint64_t now,
					  const uint8_t *buf, size_t len, uint64_t seed)
{
	return ports ? cip_ports_new_from_snapshot(&a->ports, now, buf, len, seed)
		     : cip_range_new_from_snapshot(&a->range, now, buf, len, seed);
}

enum alloc_any_format { ALLOC_ANY_NATIVE, ALLOC_ANY_K8S };

static inline int alloc_any_write(const struct alloc_any *a, enum alloc_any_format f, uint64_t now,
				  uint8_t *buf, size_t cap, size_t *len)
{
	if (f == ALLOC_ANY_K8S)
		return a->ports ? cip_ports_export_k8s(a->ports, buf, cap, len)
				: cip_range_export_k8s(a->range, buf, cap, len);
	return a->ports ? cip_ports_snapshot(a->ports, now, buf, cap, len)
			: cip_range_snapshot(a->range, now, buf, cap, len);
}

/* The native snapshot at @p now, or the RangeAllocation data, malloc'ed
 * (at least one byte); *len its length. The size is asked first: a native
 * snapshot is never empty, RangeAllocation data may be. */
static inline uint8_t *alloc_any_written(const struct alloc_any *a, enum alloc_any_format f,
					 uint64_t now, size_t *len)
{
	size_t need = 0;
	uint8_t *buf;
	int rc = alloc_any_write(a, f, now, NULL, 0, &need);

	FUZZ_CHECK(rc == CIP_EBUFSIZE || (f == ALLOC_ANY_K8S && rc == 0));
	buf = malloc(need ? need : 1);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK_RC(alloc_any_write(a, f, now, buf, need, len), 0);
	return buf;
}

#endif /* CIP_FUZZ_ALLOC_ANY_H */

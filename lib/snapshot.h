/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the two snapshot formats of an allocator.
 *
 * Kubernetes RangeAllocation `data`: big.Int.Bytes() of the allocation
 * bitmap (big-endian, minimal; offset i is bit i % 8 of byte len-1-i/8).
 *
 * Native (docs/snapshot-format.md), all integers little-endian:
 *   0   8  magic 89 'C' 'I' 'P' 0d 0a 1a 0a
 *   8   2  version (1)            10  2  kind (1 addresses, 2 ports)
 *   12  4  header length (112)
 *   16  1  family                 17  1  prefix length
 *   18  2  reserved (0)           20  4  range flags
 *   24 16  network address (kind 1) | base u32, size u32, 8 zero (kind 2)
 *   40  8  usable size            48  8  static band
 *   56  8  quarantine ns          64  8  quarantine max (0 = default)
 *   72  4  encoding (1 bitmap, 2 offset list)   76  4  reserved (0)
 *   80  8  allocated count        88  8  quarantine entries
 *   96  8  payload length         104 8  reserved (0)
 *   112    payload: bitmap words, or ascending offsets (u64 each)
 *          quarantine entries: (offset u64, remaining ns u64), oldest first
 *   end-8  XXH64 (seed 0) of every byte before it
 */
#ifndef CIP_SNAPSHOT_H
#define CIP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/ports.h>
#include <clusterip/range.h>

#include "alloc.h"

enum cip__snap_kind {
	CIP__SNAP_ADDRESSES = 1,
	CIP__SNAP_PORTS = 2,
};

/* What a native snapshot says about the allocator it came from. */
struct cip__snap_desc {
	unsigned kind;
	cip_prefix prefix;   /* kind 1 */
	unsigned flags;	     /* kind 1: CIP_RANGE_LEGACY_CAP */
	cip_port_range port; /* kind 2 */
	uint64_t size;
	uint64_t band;
	uint64_t quarantine_ns;
	uint64_t quarantine_max;
};

/* XXH64 of @p len bytes with @p seed. */
uint64_t cip__xxh64(const void *data, size_t len, uint64_t seed);

/* Writes the native snapshot of @p a described by @p d. @return 0;
 * CIP_EBUFSIZE (*len = the size needed); CIP_ENOMEM. */
int cip__snap_write(const struct cip__snap_desc *d, const struct cip__alloc *a, uint64_t now,
		    uint8_t *buf, size_t cap, size_t *len);

/* Checks a native snapshot's framing and checksum and reads its
 * description. @return 0; CIP_ESNAPSHOT_CORRUPT; CIP_EUNSUPPORTED. */
int cip__snap_read_desc(const uint8_t *buf, size_t len, struct cip__snap_desc *d);

/* Loads a checked snapshot's content into an empty allocator made from its
 * description. @return 0; CIP_ESNAPSHOT_CORRUPT; CIP_ENOMEM. */
int cip__snap_load(struct cip__alloc *a, const uint8_t *buf, size_t len, uint64_t now);

/* Kubernetes `data`: @return 0; CIP_EBUFSIZE (*len = ceil(size / 8));
 * CIP_EUNSUPPORTED (a sparse allocator); CIP_ENOMEM. */
int cip__k8s_export(const struct cip__alloc *a, uint8_t *buf, size_t cap, size_t *len);

/* Loads Kubernetes `data` into an empty allocator. @return 0;
 * CIP_ESNAPSHOT_CORRUPT (a bit at or past size); CIP_EUNSUPPORTED;
 * CIP_ENOMEM. */
int cip__k8s_import(struct cip__alloc *a, const uint8_t *data, size_t len);

/*
 * Replace @p a's state (caller-synchronized): load Kubernetes data, or a
 * checked native snapshot, into a fresh allocator with @p a's parameters,
 * and swap it in only if everything loaded. On failure @p a is unchanged.
 */
int cip__reload_k8s(struct cip__alloc *a, const uint8_t *data, size_t len);
int cip__reload_native(struct cip__alloc *a, const uint8_t *buf, size_t len, uint64_t now);

/* Whether two descriptions name the same allocator: kind, range, size and
 * band (quarantine options may differ). */
int cip__snap_same(const struct cip__snap_desc *x, const struct cip__snap_desc *y);

/* cip__snap_read_desc() that also requires @p kind (else
 * CIP_ESNAPSHOT_MISMATCH). */
int cip__snap_open(const uint8_t *buf, size_t len, unsigned kind, struct cip__snap_desc *d);

/* restore: the snapshot must describe @p mine; then cip__reload_native(). */
int cip__snap_restore(struct cip__alloc *a, const struct cip__snap_desc *mine, const uint8_t *buf,
		      size_t len, uint64_t now);

/* new_from_snapshot, after creating @p a from @p d: an allocator made from
 * a description (@p mine) that differs from it means a size or band the
 * range cannot have (corrupt); otherwise loads the content. */
int cip__snap_fill(struct cip__alloc *a, const struct cip__snap_desc *mine,
		   const struct cip__snap_desc *d, const uint8_t *buf, size_t len, uint64_t now);

/* The static_band option that recreates @p d's band. */
int64_t cip__snap_band_option(const struct cip__snap_desc *d);

#endif /* CIP_SNAPSHOT_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Native snapshot restore (docs/snapshot-format.md), for service ranges and
 * node ports. Input: a mode byte, the restore time (8 bytes), then the
 * snapshot. Unless the mode says otherwise, the harness rewrites the
 * trailing XXH64 to match, so that mutations reach the content checks
 * instead of stopping at the checksum. Checked:
 * - new_from_snapshot returns a documented code and leaves the output
 *   untouched on failure;
 * - a loaded allocator is consistent: used + available + quarantined =
 *   size per band, foreach() visits `used` addresses in ascending order;
 * - its own snapshot is a fixed point: loading it and snapshotting again at
 *   the same time gives the same bytes;
 * - restore into an existing allocator: a failure changes nothing (same
 *   snapshot before and after), a success gives the same state as
 *   new_from_snapshot.
 * Bounds: snapshots of at most 64 KiB; whatever size they declare, the
 * library must refuse or load them without crashing.
 */
#include "alloc_any.h"
#include "snapshot.h"

#define MAX_SNAPSHOT 65536
#define MODE_PORTS 1u	   /* a node-port snapshot, else a service range */
#define MODE_RAW_SUM 2u	   /* keep the input's checksum */
#define MODE_RESTORE 4u	   /* also restore into an existing allocator */
#define MODE_QUARANTINE 8u /* that allocator has a quarantine */

static int from_snapshot(struct alloc_any *a, int ports, uint64_t now, const uint8_t *buf,
			 size_t len)
{
	return alloc_any_from_snapshot(a, ports, now, buf, len, 7);
}

/* The snapshot at @p now, malloc'ed. */
static uint8_t *snapshot(const struct alloc_any *a, uint64_t now, size_t *len)
{
	return alloc_any_written(a, ALLOC_ANY_NATIVE, now, len);
}

struct walk {
	uint64_t seen;
	cip_addr last_addr;
	uint32_t last_port;
};

static int visit_addr(const cip_addr *x, void *ctx)
{
	struct walk *w = ctx;

	FUZZ_CHECK(w->seen == 0 || cip_addr_compare(&w->last_addr, x) < 0);
	w->last_addr = *x;
	w->seen++;
	return 0;
}

static int visit_port(uint32_t port, void *ctx)
{
	struct walk *w = ctx;

	FUZZ_CHECK(w->seen == 0 || w->last_port < port);
	w->last_port = port;
	w->seen++;
	return 0;
}

static void check_consistent(const struct alloc_any *a)
{
	cip_range_stats st;
	struct walk w;

	memset(&w, 0, sizeof(w));
	st.sz = sizeof(st);
	FUZZ_CHECK_RC(a->ports ? cip_ports_stats_get(a->ports, &st)
			       : cip_range_stats_get(a->range, &st),
		      0);
	for (int b = 0; b < 3; b++) {
		const cip_band_stats *s = b == 0   ? &st.all
					  : b == 1 ? &st.static_band
						   : &st.dynamic_band;

		FUZZ_CHECK(s->used + s->available + s->quarantined == s->size);
	}
	FUZZ_CHECK(st.static_band.size + st.dynamic_band.size == st.all.size);
	FUZZ_CHECK(st.static_band.used + st.dynamic_band.used == st.all.used);
	FUZZ_CHECK_RC(a->ports ? cip_ports_foreach(a->ports, visit_port, &w)
			       : cip_range_foreach(a->range, visit_addr, &w),
		      0);
	FUZZ_CHECK(w.seen == st.all.used);
}

/* Loading our own snapshot and writing it again changes nothing. */
static void check_fixed_point(const struct alloc_any *a, int ports, uint64_t now)
{
	size_t n1, n2;
	uint8_t *s1 = snapshot(a, now, &n1), *s2;
	struct alloc_any b = { NULL, NULL };

	FUZZ_CHECK_RC(from_snapshot(&b, ports, now, s1, n1), 0);
	s2 = snapshot(&b, now, &n2);
	FUZZ_CHECK(n1 == n2 && memcmp(s1, s2, n1) == 0);
	free(s1);
	free(s2);
	alloc_any_free(&b);
}

/* An allocator of the snapshot's own range, or of a fixed one when the
 * description cannot be read, with a few allocations. */
static void make_target(struct alloc_any *a, int ports, const uint8_t *buf, size_t len,
			int quarantine)
{
	struct cip__snap_desc d;
	int known = cip__snap_read_desc(buf, len, &d) == 0;

	if (ports) {
		cip_port_range pr = { 30000, 2768 };
		cip_ports_opts o;

		FUZZ_CHECK_RC(cip_ports_opts_init(&o, sizeof(o)), 0);
		o.seed = 3;
		o.quarantine_ns = quarantine ? 1000 : 0;
		if (known && d.kind == CIP__SNAP_PORTS) {
			pr = d.port;
			o.static_band = cip__snap_band_option(&d);
		}
		if (cip_ports_new(&a->ports, &pr, &o) == 0) {
			(void)cip_ports_allocate(a->ports, pr.base, 0);
		}
		return;
	}
	cip_prefix p;
	cip_range_opts o;

	FUZZ_CHECK_RC(cip_prefix_parse(&p, "10.0.0.0/24", 11, 0, NULL), 0);
	FUZZ_CHECK_RC(cip_range_opts_init(&o, sizeof(o)), 0);
	o.seed = 3;
	o.quarantine_ns = quarantine ? 1000 : 0;
	if (known && d.kind == CIP__SNAP_ADDRESSES) {
		p = d.prefix;
		o.flags = d.flags;
		o.static_band = cip__snap_band_option(&d);
	}
	if (cip_range_new(&a->range, &p, &o) == 0) {
		cip_addr x;
		(void)cip_range_allocate_next(a->range, 0, 0, &x);
	}
}

static void check_restore(int ports, uint64_t now, const uint8_t *buf, size_t len, int quarantine,
			  const struct alloc_any *loaded)
{
	struct alloc_any a = { NULL, NULL };
	size_t n0, n1;
	uint8_t *s0, *s1;
	int rc;

	make_target(&a, ports, buf, len, quarantine);
	if (a.range == NULL && a.ports == NULL) {
		return; /* a description the allocator cannot have */
	}
	s0 = snapshot(&a, now, &n0);
	rc = ports ? cip_ports_restore(a.ports, now, buf, len)
		   : cip_range_restore(a.range, now, buf, len);
	FUZZ_CHECK(rc == 0 || rc == CIP_ESNAPSHOT_CORRUPT || rc == CIP_ESNAPSHOT_MISMATCH ||
		   rc == CIP_EUNSUPPORTED || rc == CIP_ENOMEM);
	if (rc != 0) {
		s1 = snapshot(&a, now, &n1);
		FUZZ_CHECK(n0 == n1 && memcmp(s0, s1, n0) == 0);
		free(s1);
	} else {
		check_consistent(&a);
		/* Without a quarantine of its own the restored allocator frees
		 * the snapshot's quarantine; else it has what loading has. */
		if (loaded != NULL && quarantine) {
			cip_range_stats x, y;

			x.sz = y.sz = sizeof(x);
			FUZZ_CHECK_RC(ports ? cip_ports_stats_get(a.ports, &x)
					    : cip_range_stats_get(a.range, &x),
				      0);
			FUZZ_CHECK_RC(ports ? cip_ports_stats_get(loaded->ports, &y)
					    : cip_range_stats_get(loaded->range, &y),
				      0);
			FUZZ_CHECK(x.all.used == y.all.used);
		}
	}
	free(s0);
	alloc_any_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	unsigned mode = fuzz_u8(&in);
	uint64_t now = fuzz_u64(&in);
	int ports = mode & MODE_PORTS;
	struct alloc_any a = { NULL, NULL }, untouched = { NULL, NULL };
	uint8_t *buf;
	size_t len = in.n;
	int rc;

	if (len > MAX_SNAPSHOT) {
		return 0;
	}
	buf = (uint8_t *)fuzz_dup(in.p, len);
	if (!(mode & MODE_RAW_SUM) && len >= 8) {
		uint64_t sum = cip__xxh64(buf, len - 8, 0);

		for (int i = 0; i < 8; i++) {
			buf[len - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
		}
	}
	rc = from_snapshot(&a, ports, now, buf, len);
	FUZZ_CHECK(rc == 0 || rc == CIP_ESNAPSHOT_CORRUPT || rc == CIP_ESNAPSHOT_MISMATCH ||
		   rc == CIP_EUNSUPPORTED || rc == CIP_ERANGE || rc == CIP_EINVAL ||
		   rc == CIP_ENOMEM);
	if (rc == 0) {
		check_consistent(&a);
		check_fixed_point(&a, ports, now);
	} else {
		FUZZ_CHECK(memcmp(&a, &untouched, sizeof(a)) == 0);
	}
	if (mode & MODE_RESTORE) {
		check_restore(ports, now, buf, len, mode & MODE_QUARANTINE, rc == 0 ? &a : NULL);
	}
	alloc_any_free(&a);
	free(buf);
	return 0;
}

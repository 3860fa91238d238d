/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes RangeAllocation import, for service ranges and node ports.
 * Input: which allocator (1 byte), whether the spec is the right one or
 * taken from the input (1 byte, then a length-prefixed spec), up to 15
 * addresses to allocate first (a count byte, then 2 bytes each), then the
 * `data` bytes. Checked, with the bitmap decoding written here as the
 * oracle (offset i is bit i % 8 of byte len - 1 - i / 8):
 * - the code: a spec that does not name the range is a mismatch, a bit at
 *   or past the usable size is corruption, anything else is accepted;
 * - a failed import changes nothing (the native snapshot is the same
 *   before and after);
 * - after an import exactly the set bits are allocated (has(), used(),
 *   foreach()), and the export gives the data back without its leading
 *   zero bytes, also through a native snapshot round trip.
 * Bounds: 4 KiB of data, ranges of at most 2^16 addresses.
 */
#include "alloc_any.h"

#define MAX_DATA 4096

struct target {
	const char *text; /* a CIDR, or a port range */
	unsigned flags;	  /* CIP_RANGE_LEGACY_CAP */
	int64_t band;
};

static const struct target targets[] = {
	{ "10.0.0.0/24", 0, CIP_STATIC_BAND_AUTO },
	{ "10.96.0.0/20", 0, CIP_STATIC_BAND_AUTO },
	{ "10.0.0.0/30", 0, CIP_STATIC_BAND_AUTO },
	{ "10.0.0.0/29", 0, CIP_STATIC_BAND_OFF },
	{ "fd00::/120", 0, 7 },
	{ "fd00:10:96::/112", 0, CIP_STATIC_BAND_AUTO },
	{ "2001:db8::/64", CIP_RANGE_LEGACY_CAP, CIP_STATIC_BAND_AUTO },
	{ "30000-32767", 0, CIP_STATIC_BAND_AUTO },
	{ "1-64", 0, CIP_STATIC_BAND_OFF },
	{ "80", 0, CIP_STATIC_BAND_AUTO },
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

/* One allocator of either kind, behind the few operations used here. */
struct alloc {
	struct alloc_any any;
	cip_prefix prefix;
	cip_port_range pr;
	uint64_t usable;
	char spec[CIP_PREFIX_STRLEN];
};

static void alloc_new(struct alloc *a, const struct target *t)
{
	memset(a, 0, sizeof(*a));
	if (strchr(t->text, '/') == NULL) {
		cip_ports_opts o;

		FUZZ_CHECK_RC(cip_port_range_parse(&a->pr, t->text, strlen(t->text), NULL), 0);
		FUZZ_CHECK_RC(cip_ports_opts_init(&o, sizeof(o)), 0);
		o.seed = 1;
		o.static_band = t->band;
		FUZZ_CHECK_RC(cip_ports_new(&a->any.ports, &a->pr, &o), 0);
		a->usable = a->pr.size;
		FUZZ_CHECK(cip_port_range_format(&a->pr, a->spec, sizeof(a->spec)) > 0);
		return;
	}
	cip_range_opts o;
	cip_u128 usable;

	FUZZ_CHECK_RC(cip_prefix_parse(&a->prefix, t->text, strlen(t->text), 0, NULL), 0);
	FUZZ_CHECK_RC(cip_range_opts_init(&o, sizeof(o)), 0);
	o.seed = 1;
	o.flags = t->flags;
	o.static_band = t->band;
	FUZZ_CHECK_RC(cip_range_new(&a->any.range, &a->prefix, &o), 0);
	FUZZ_CHECK_RC(cip_service_range_usable(&usable, &a->prefix, t->flags), 0);
	a->usable = usable.lo;
	FUZZ_CHECK(cip_range_k8s_spec(a->any.range, a->spec, sizeof(a->spec)) > 0);
}

/* The address (or port) at usable offset @p off. */
static cip_addr addr_at(const struct alloc *a, uint64_t off)
{
	cip_u128 n = { 0, off + 1 };
	cip_addr x;

	FUZZ_CHECK_RC(cip_prefix_nth(&x, &a->prefix, &n), 0);
	return x;
}

static int take(struct alloc *a, uint64_t off)
{
	if (a->any.ports) {
		return cip_ports_allocate(a->any.ports, a->pr.base + (uint32_t)off, 0);
	}
	cip_addr x = addr_at(a, off);
	return cip_range_allocate(a->any.range, &x, 0);
}

static int has(const struct alloc *a, uint64_t off)
{
	if (a->any.ports) {
		return cip_ports_has(a->any.ports, a->pr.base + (uint32_t)off);
	}
	cip_addr x = addr_at(a, off);
	return cip_range_has(a->any.range, &x);
}

static uint64_t used(const struct alloc *a)
{
	uint64_t n = 0;

	FUZZ_CHECK_RC(a->any.ports ? cip_ports_used(a->any.ports, CIP_BAND_ALL, &n)
				   : cip_range_used(a->any.range, CIP_BAND_ALL, &n),
		      0);
	return n;
}

static int import(struct alloc *a, const char *spec, size_t spec_len, const uint8_t *data,
		  size_t len)
{
	return a->any.ports ? cip_ports_import_k8s(a->any.ports, spec, spec_len, data, len)
			    : cip_range_import_k8s(a->any.range, spec, spec_len, data, len);
}

/* The export, malloc'ed; *len its length. */
static uint8_t *export(const struct alloc *a, size_t *len)
{
	return alloc_any_written(&a->any, ALLOC_ANY_K8S, 0, len);
}

/* The native snapshot, malloc'ed; *len its length. */
static uint8_t *snapshot(const struct alloc *a, size_t *len)
{
	return alloc_any_written(&a->any, ALLOC_ANY_NATIVE, 0, len);
}

static int bit(const uint8_t *data, size_t len, uint64_t i)
{
	return i / 8 < len && (data[len - 1 - i / 8] >> (i % 8) & 1);
}

/* What the import must return, by the oracle. */
static int expected(const struct alloc *a, const char *spec, size_t spec_len, const uint8_t *data,
		    size_t len)
{
	if (a->any.ports) {
		if (spec_len != strlen(a->spec) || memcmp(spec, a->spec, spec_len) != 0) {
			return CIP_ESNAPSHOT_MISMATCH;
		}
	} else {
		cip_prefix p;

		if (cip_prefix_parse(&p, spec, spec_len, CIP_PARSE_LEGACY | CIP_PARSE_MASK, NULL) !=
			    0 ||
		    memcmp(&p, &a->prefix, sizeof(p)) != 0) {
			return CIP_ESNAPSHOT_MISMATCH;
		}
	}
	for (uint64_t i = a->usable; i < (uint64_t)len * 8; i++) {
		if (bit(data, len, i)) {
			return CIP_ESNAPSHOT_CORRUPT;
		}
	}
	return 0;
}

struct walk {
	const struct alloc *a;
	const uint8_t *data;
	size_t len;
	uint64_t seen;
	uint64_t last;
};

static int visit_offset(struct walk *w, uint64_t off)
{
	FUZZ_CHECK(off < w->a->usable && bit(w->data, w->len, off));
	FUZZ_CHECK(w->seen == 0 || off > w->last);
	w->last = off;
	w->seen++;
	return 0;
}

static int visit_port(uint32_t port, void *ctx)
{
	struct walk *w = ctx;
	return visit_offset(w, port - w->a->pr.base);
}

static int visit_addr(const cip_addr *x, void *ctx)
{
	struct walk *w = ctx;
	cip_u128 off;

	FUZZ_CHECK_RC(cip_prefix_offset_of(&off, &w->a->prefix, x), 0);
	FUZZ_CHECK(off.hi == 0 && off.lo >= 1);
	return visit_offset(w, off.lo - 1);
}

static void check_imported(const struct alloc *a, const uint8_t *data, size_t len)
{
	struct walk w = { a, data, len, 0, 0 };
	uint64_t ones = 0;
	size_t skip = 0, out_len;
	uint8_t *out;

	/* The import was checked for bits past the end: count them all. */
	for (size_t i = 0; i < len; i++) {
		ones += (uint64_t)__builtin_popcount(data[i]);
	}
	FUZZ_CHECK(used(a) == ones);
	/* foreach visits only set bits, in order, and as many as there are:
	 * exactly the set bits. has() is checked at both ends of the data. */
	FUZZ_CHECK_RC(a->any.ports ? cip_ports_foreach(a->any.ports, visit_port, &w)
				   : cip_range_foreach(a->any.range, visit_addr, &w),
		      0);
	FUZZ_CHECK(w.seen == ones);
	for (uint64_t i = 0; i < 64 && i < a->usable; i++) {
		FUZZ_CHECK_RC(has(a, i), bit(data, len, i));
		FUZZ_CHECK_RC(has(a, a->usable - 1 - i), bit(data, len, a->usable - 1 - i));
	}

	while (skip < len && data[skip] == 0) {
		skip++;
	}
	out = export(a, &out_len);
	FUZZ_CHECK(out_len == len - skip && memcmp(out, data + skip, out_len) == 0);
	free(out);
}

/* The state survives a native snapshot and a new allocator made from it. */
static void check_native_round_trip(const struct alloc *a)
{
	size_t snap_len, before_len, after_len;
	uint8_t *snap = snapshot(a, &snap_len), *before, *after;
	struct alloc b = *a;

	memset(&b.any, 0, sizeof(b.any));
	FUZZ_CHECK_RC(alloc_any_from_snapshot(&b.any, a->any.ports != NULL, 0, snap, snap_len, 1),
		      0);
	before = export(a, &before_len);
	after = export(&b, &after_len);
	FUZZ_CHECK(before_len == after_len && memcmp(before, after, after_len) == 0);
	free(before);
	free(after);
	free(snap);
	alloc_any_free(&b.any);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	const struct target *t = &targets[fuzz_below(&in, NTARGETS)];
	char fuzzed[256], *spec;
	size_t spec_len, before_len, after_len;
	uint8_t *before, *after, *bits;
	struct alloc a;
	int rc, want;

	if (size > MAX_DATA + 512) {
		return 0;
	}
	alloc_new(&a, t);
	if (fuzz_u8(&in) & 1) {
		spec_len = fuzz_str(&in, fuzzed, sizeof(fuzzed));
		spec = fuzz_dup(fuzzed, spec_len);
	} else {
		spec_len = strlen(a.spec);
		spec = fuzz_dup(a.spec, spec_len);
	}
	for (unsigned k = fuzz_u8(&in) % 16; k > 0; k--) {
		rc = take(&a, fuzz_u16(&in) % a.usable);
		FUZZ_CHECK(rc == 0 || rc == CIP_EALLOCATED);
	}
	bits = (uint8_t *)fuzz_dup(in.p, in.n);

	before = snapshot(&a, &before_len);
	rc = import(&a, spec, spec_len, bits, in.n);
	want = expected(&a, spec, spec_len, bits, in.n);
	FUZZ_CHECK_RC(rc, want);
	if (rc == 0) {
		check_imported(&a, bits, in.n);
		check_native_round_trip(&a);
	} else {
		after = snapshot(&a, &after_len);
		FUZZ_CHECK(before_len == after_len && memcmp(before, after, after_len) == 0);
		free(after);
	}
	free(before);
	free(bits);
	free(spec);
	alloc_any_free(&a.any);
	return 0;
}

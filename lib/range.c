/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_range: the addresses of one service CIDR over the offset allocator.
 * Offset i is the address base + i, base = network + 1; every conversion
 * is 128-bit and checked against the usable size, so no offset outside
 * [0, size) and no address outside the prefix can come out of it.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterip/range.h>

#include "addr_priv.h"
#include "alloc.h"
#include "opts.h"
#include "snapshot.h"

struct cip_range {
	struct cip__alloc alloc;
	cip_prefix prefix;
	cip_u128 base; /* the first usable address */
	unsigned flags;
};

int cip_range_opts_init(cip_range_opts *opts, size_t sz)
{
	return cip__opts_init(opts, sz, offsetof(cip_range_opts, seed));
}

/* The usable size, which must fit 64 bits (an IPv6 /64 at most). */
static int usable_size(const cip_prefix *cidr, unsigned flags, uint64_t *size)
{
	cip_u128 n;
	int rc = cip_service_range_usable(&n, cidr, flags);

	if (rc != 0)
		return rc;
	if (n.hi != 0)
		return CIP_EUNSUPPORTED;
	if (n.lo == 0)
		return CIP_ERANGE;
	*size = n.lo;
	return 0;
}

static int range_create(cip_range **out, const cip_prefix *cidr, const cip_range_opts *o)
{
	cip_range *r;
	uint64_t size, band;
	int auto_band, rc;

	if ((o->flags & ~(unsigned)CIP_RANGE_LEGACY_CAP) != 0)
		return CIP_EINVAL;
	rc = usable_size(cidr, o->flags, &size);
	if (rc != 0)
		return rc;
	auto_band = cip_service_range_static_band(cidr);
	if (auto_band < 0)
		return auto_band;
	rc = cip__alloc_band(o->static_band, (uint64_t)auto_band, size, &band);
	if (rc != 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return CIP_ENOMEM;
	rc = cip__alloc_init(&r->alloc, size, band, o->quarantine_ns, o->quarantine_max, o->seed);
	if (rc != 0) {
		free(r);
		return rc;
	}
	r->prefix = *cidr;
	r->base = u128_add64(addr_value(&cidr->addr), 1);
	r->flags = o->flags;
	*out = r;
	return 0;
}

int cip_range_new(cip_range **out, const cip_prefix *cidr, const cip_range_opts *opts)
{
	cip_range_opts o;
	int rc;

	if (!out || !cidr || !prefix_valid(cidr))
		return CIP_EINVAL;
	cip_range_opts_init(&o, sizeof(o));
	rc = cip__opts_copy(&o, sizeof(o), opts);
	if (rc != 0)
		return rc;
	return range_create(out, cidr, &o);
}

void cip_range_free(cip_range *r)
{
	if (!r)
		return;
	cip__alloc_destroy(&r->alloc);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Address <-> offset                                                 */
/* ------------------------------------------------------------------ */

/* @return 0 and the offset of @p a; CIP_EINVAL; CIP_EFAMILY; CIP_ERANGE. */
static int offset_of(const cip_range *r, const cip_addr *a, uint64_t *off)
{
	cip_u128 d;
	unsigned borrow;

	if (!r || !a || !addr_valid(a))
		return CIP_EINVAL;
	if (a->family != r->prefix.addr.family)
		return CIP_EFAMILY;
	d = u128_sub(addr_value(a), r->base, &borrow);
	if (borrow || d.hi != 0 || d.lo >= r->alloc.size)
		return CIP_ERANGE;
	*off = d.lo;
	return 0;
}

static void addr_at(const cip_range *r, uint64_t off, cip_addr *out)
{
	addr_store(out, r->prefix.addr.family, u128_add64(r->base, off));
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static int flags_valid(unsigned flags, unsigned allowed)
{
	return (flags & ~allowed) == 0;
}

int cip_range_allocate_next(cip_range *r, uint64_t now, unsigned flags, cip_addr *out)
{
	uint64_t off;
	int rc;

	if (!r || !out || !flags_valid(flags, CIP_ALLOC_DRY_RUN))
		return CIP_EINVAL;
	rc = cip__alloc_next(&r->alloc, now, flags, &off);
	if (rc == 0 && (flags & CIP_ALLOC_DRY_RUN))
		*out = r->prefix.addr;
	else if (rc == 0)
		addr_at(r, off, out);
	return rc;
}

int cip_range_allocate(cip_range *r, const cip_addr *addr, unsigned flags)
{
	uint64_t off;
	int rc;

	if (!flags_valid(flags, CIP_ALLOC_DRY_RUN))
		return CIP_EINVAL;
	rc = offset_of(r, addr, &off);
	return rc != 0 ? rc : cip__alloc_take(&r->alloc, off, flags);
}

int cip__range_take_free(cip_range *r, const cip_addr *addr)
{
	uint64_t off;
	int rc = offset_of(r, addr, &off);

	return rc != 0 ? rc : cip__alloc_take(&r->alloc, off, CIP__TAKE_FREE);
}

int cip_range_release(cip_range *r, const cip_addr *addr, uint64_t now, unsigned flags)
{
	uint64_t off;
	int rc;

	if (!flags_valid(flags, CIP_ALLOC_DRY_RUN | CIP_RELEASE_NOW))
		return CIP_EINVAL;
	rc = offset_of(r, addr, &off);
	return rc != 0 ? rc : cip__alloc_release(&r->alloc, off, now, flags);
}

int cip_range_has(const cip_range *r, const cip_addr *addr)
{
	uint64_t off;
	int rc = offset_of(r, addr, &off);

	if (rc == CIP_EFAMILY || rc == CIP_ERANGE)
		return 0;
	return rc != 0 ? rc : cip__alloc_has(&r->alloc, off);
}

int cip_range_expire(cip_range *r, uint64_t now)
{
	return r ? cip__alloc_expire(&r->alloc, now) : CIP_EINVAL;
}

int cip_range_used(const cip_range *r, int band, uint64_t *out)
{
	return r && out ? cip__alloc_count(&r->alloc, band, 0, out) : CIP_EINVAL;
}

int cip_range_available(const cip_range *r, int band, uint64_t *out)
{
	return r && out ? cip__alloc_count(&r->alloc, band, 1, out) : CIP_EINVAL;
}

int cip__stats_out(cip_range_stats *out, const cip_band_stats all[3])
{
	cip_range_stats full;
	size_t sz;

	if (!out || out->sz < offsetof(cip_range_stats, all) + sizeof(cip_band_stats))
		return CIP_EINVAL;
	sz = out->sz < sizeof(full) ? out->sz : sizeof(full);
	full.sz = out->sz;
	full.all = all[0];
	full.static_band = all[1];
	full.dynamic_band = all[2];
	memcpy(out, &full, sz);
	return 0;
}

int cip_range_stats_get(const cip_range *r, cip_range_stats *out)
{
	cip_band_stats s[3];

	if (!r)
		return CIP_EINVAL;
	cip__alloc_stats(&r->alloc, s);
	return cip__stats_out(out, s);
}

int cip_range_prefix(const cip_range *r, cip_prefix *out)
{
	if (!r || !out)
		return CIP_EINVAL;
	*out = r->prefix;
	return 0;
}

int cip_range_static_band_size(const cip_range *r, uint64_t *out)
{
	if (!r || !out)
		return CIP_EINVAL;
	*out = r->alloc.band;
	return 0;
}

struct visit {
	const cip_range *r;
	cip_addr_visit_fn fn;
	void *ctx;
};

static int visit_offset(uint64_t off, void *ctx)
{
	struct visit *v = ctx;
	cip_addr a;

	addr_at(v->r, off, &a);
	return v->fn(&a, v->ctx);
}

int cip_range_foreach(const cip_range *r, cip_addr_visit_fn fn, void *ctx)
{
	struct visit v = { r, fn, ctx };

	if (!r || !fn)
		return CIP_EINVAL;
	return cip__alloc_foreach(&r->alloc, visit_offset, &v);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                          */
/* ------------------------------------------------------------------ */

int cip_range_k8s_spec(const cip_range *r, char *buf, size_t cap)
{
	return r ? cip_prefix_format(&r->prefix, buf, cap) : CIP_EINVAL;
}

int cip_range_export_k8s(const cip_range *r, uint8_t *buf, size_t cap, size_t *len)
{
	if (!r || !len || (!buf && cap))
		return CIP_EINVAL;
	return cip__k8s_export(&r->alloc, buf, cap, len);
}

int cip_range_import_k8s(cip_range *r, const char *spec, size_t spec_len, const uint8_t *data,
			 size_t len)
{
	cip_prefix p;

	if (!r || !spec || (!data && len) || spec_len > (size_t)PTRDIFF_MAX ||
	    len > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	/* As Kubernetes' ParseCIDRSloppy + IP/mask comparison. */
	if (cip_prefix_parse(&p, spec, spec_len, CIP_PARSE_LEGACY | CIP_PARSE_MASK, NULL) != 0 ||
	    memcmp(&p, &r->prefix, sizeof(p)) != 0)
		return CIP_ESNAPSHOT_MISMATCH;
	return cip__reload_k8s(&r->alloc, data, len);
}

static void describe(const cip_range *r, struct cip__snap_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = CIP__SNAP_ADDRESSES;
	d->prefix = r->prefix;
	d->flags = r->flags;
	d->size = r->alloc.size;
	d->band = r->alloc.band;
	d->quarantine_ns = r->alloc.quarantine_ns;
	d->quarantine_max = r->alloc.quarantine_max;
}

int cip_range_snapshot(const cip_range *r, uint64_t now, uint8_t *buf, size_t cap, size_t *len)
{
	struct cip__snap_desc d;

	if (!r || !len || (!buf && cap))
		return CIP_EINVAL;
	describe(r, &d);
	return cip__snap_write(&d, &r->alloc, now, buf, cap, len);
}

int cip_range_restore(cip_range *r, uint64_t now, const uint8_t *buf, size_t len)
{
	struct cip__snap_desc mine;

	if (!r || !buf)
		return CIP_EINVAL;
	describe(r, &mine);
	return cip__snap_restore(&r->alloc, &mine, buf, len, now);
}

int cip_range_new_from_snapshot(cip_range **out, uint64_t now, const uint8_t *buf, size_t len,
				uint64_t seed)
{
	struct cip__snap_desc d, mine;
	cip_range_opts o;
	cip_range *r;
	int rc;

	if (!out || !buf)
		return CIP_EINVAL;
	rc = cip__snap_open(buf, len, CIP__SNAP_ADDRESSES, &d);
	if (rc != 0)
		return rc;
	if (!prefix_valid(&d.prefix))
		return CIP_ESNAPSHOT_CORRUPT;
	cip_range_opts_init(&o, sizeof(o));
	o.seed = seed;
	o.static_band = cip__snap_band_option(&d);
	o.flags = d.flags;
	o.quarantine_ns = d.quarantine_ns;
	o.quarantine_max = d.quarantine_max;
	rc = range_create(&r, &d.prefix, &o);
	if (rc != 0)
		return rc == CIP_ENOMEM ? rc : CIP_ESNAPSHOT_CORRUPT;
	describe(r, &mine);
	rc = cip__snap_fill(&r->alloc, &mine, &d, buf, len, now);
	if (rc != 0) {
		cip_range_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

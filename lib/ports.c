/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_ports: node ports over the offset allocator (offset i = base + i),
 * and Kubernetes' PortRange text forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/ports.h>

#include "addr_priv.h"
#include "alloc.h"
#include "opts.h"
#include "snapshot.h"

#define PORT_MAX 65535u

struct cip_ports {
	struct cip__alloc alloc;
	cip_port_range range;
};

/* ------------------------------------------------------------------ */
/* Port range text                                                    */
/* ------------------------------------------------------------------ */

static int range_valid(const cip_port_range *pr)
{
	return pr && pr->size >= 1 && pr->base <= PORT_MAX && pr->size - 1 <= PORT_MAX - pr->base;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* A decimal number in t[*i, end) up to the next non-digit. @return 0 and
 * the value (saturated above PORT_MAX); CIP_ESYNTAX with *i at the bad
 * byte. */
static int read_number(const char *t, size_t *i, size_t end, uint32_t *out, int *reason)
{
	uint32_t v = 0;
	size_t start = *i;

	for (; *i < end && t[*i] >= '0' && t[*i] <= '9'; (*i)++) {
		v = v * 10 + (uint32_t)(t[*i] - '0');
		if (v > PORT_MAX)
			v = PORT_MAX + 1; /* stays above: saturate */
	}
	if (*i == start) {
		*reason = *i == end	  ? CIP_PARSE_EMPTY_PART
			  : t[*i] == '\0' ? CIP_PARSE_NUL_BYTE
					  : CIP_PARSE_UNEXPECTED_CHAR;
		return CIP_ESYNTAX;
	}
	*out = v;
	return 0;
}

int cip_port_range_parse(cip_port_range *out, const char *text, size_t len, cip_parse_error *err)
{
	size_t i = 0, end = len, first, second = 0;
	uint32_t low, high;
	int reason = CIP_PARSE_OK;
	char sep;

	if (!out || !text || len > (size_t)PTRDIFF_MAX || !cip__parse_err_usable(err))
		return cip__parse_report(err, CIP_EINVAL, CIP_PARSE_OK, 0);
	while (i < end && is_space(text[i])) /* Go's strings.TrimSpace, ASCII */
		i++;
	while (end > i && is_space(text[end - 1]))
		end--;
	if (i == end)
		return cip__parse_report(err, CIP_ESYNTAX, CIP_PARSE_EMPTY, i);
	first = i;
	if (read_number(text, &i, end, &low, &reason) != 0)
		return cip__parse_report(err, CIP_ESYNTAX, reason, i);
	high = low;
	sep = i < end ? text[i] : '\0';
	if (sep == '-' || sep == '+') {
		second = ++i;
		if (read_number(text, &i, end, &high, &reason) != 0)
			return cip__parse_report(err, CIP_ESYNTAX, reason, i);
		if (sep == '+')
			high = low + high; /* both ≤ PORT_MAX + 1: no overflow */
	}
	if (i != end)
		return cip__parse_report(
			err, CIP_ESYNTAX,
			text[i] == '\0' ? CIP_PARSE_NUL_BYTE : CIP_PARSE_UNEXPECTED_CHAR, i);
	if (low > PORT_MAX || high > PORT_MAX)
		return cip__parse_report(err, CIP_ERANGE, CIP_PARSE_PORT_RANGE,
					 low > PORT_MAX ? first : second);
	if (high < low)
		return cip__parse_report(err, CIP_ERANGE, CIP_PARSE_PORT_ORDER, second);
	out->base = low;
	out->size = high - low + 1;
	return cip__parse_report(err, 0, CIP_PARSE_OK, 0);
}

int cip_port_range_format(const cip_port_range *pr, char *buf, size_t cap)
{
	char tmp[CIP_PORT_RANGE_STRLEN];
	int n;

	if (!range_valid(pr) || !buf)
		return CIP_EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%u-%u", (unsigned)pr->base,
		     (unsigned)(pr->base + pr->size - 1));
	if ((size_t)n >= cap)
		return CIP_EBUFSIZE;
	memcpy(buf, tmp, (size_t)n + 1);
	return n;
}

int cip_port_range_contains(const cip_port_range *pr, uint32_t port)
{
	if (!range_valid(pr))
		return CIP_EINVAL;
	return port >= pr->base && port - pr->base < pr->size;
}

/* ------------------------------------------------------------------ */
/* Allocator                                                          */
/* ------------------------------------------------------------------ */

int cip_ports_opts_init(cip_ports_opts *opts, size_t sz)
{
	return cip__opts_init(opts, sz, offsetof(cip_ports_opts, seed));
}

static int ports_create(cip_ports **out, const cip_port_range *pr, const cip_ports_opts *o)
{
	cip_ports *p;
	uint64_t band;
	int rc = cip__alloc_band(o->static_band, (uint64_t)cip_node_port_static_band(pr->size),
				 pr->size, &band);

	if (rc != 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return CIP_ENOMEM;
	rc = cip__alloc_init(&p->alloc, pr->size, band, o->quarantine_ns, o->quarantine_max,
			     o->seed);
	if (rc != 0) {
		free(p);
		return rc;
	}
	p->range = *pr;
	*out = p;
	return 0;
}

int cip_ports_new(cip_ports **out, const cip_port_range *pr, const cip_ports_opts *opts)
{
	cip_ports_opts o;
	int rc;

	if (!out || !range_valid(pr))
		return CIP_EINVAL;
	cip_ports_opts_init(&o, sizeof(o));
	rc = cip__opts_copy(&o, sizeof(o), opts);
	return rc != 0 ? rc : ports_create(out, pr, &o);
}

void cip_ports_free(cip_ports *p)
{
	if (!p)
		return;
	cip__alloc_destroy(&p->alloc);
	free(p);
}

static int offset_of(const cip_ports *p, uint32_t port, uint64_t *off)
{
	if (!p)
		return CIP_EINVAL;
	if (port < p->range.base || port - p->range.base >= p->range.size)
		return CIP_ERANGE;
	*off = port - p->range.base;
	return 0;
}

int cip_ports_allocate_next(cip_ports *p, uint64_t now, unsigned flags, uint32_t *port)
{
	uint64_t off;
	int rc;

	if (!p || !port || (flags & ~(unsigned)CIP_ALLOC_DRY_RUN))
		return CIP_EINVAL;
	rc = cip__alloc_next(&p->alloc, now, flags, &off);
	if (rc == 0)
		*port = flags & CIP_ALLOC_DRY_RUN ? 0 : p->range.base + (uint32_t)off;
	return rc;
}

int cip_ports_allocate(cip_ports *p, uint32_t port, unsigned flags)
{
	uint64_t off;
	int rc;

	if (flags & ~(unsigned)CIP_ALLOC_DRY_RUN)
		return CIP_EINVAL;
	rc = offset_of(p, port, &off);
	return rc != 0 ? rc : cip__alloc_take(&p->alloc, off, flags);
}

int cip_ports_release(cip_ports *p, uint32_t port, uint64_t now, unsigned flags)
{
	uint64_t off;
	int rc;

	if (flags & ~(unsigned)(CIP_ALLOC_DRY_RUN | CIP_RELEASE_NOW))
		return CIP_EINVAL;
	rc = offset_of(p, port, &off);
	return rc != 0 ? rc : cip__alloc_release(&p->alloc, off, now, flags);
}

int cip_ports_has(const cip_ports *p, uint32_t port)
{
	uint64_t off;
	int rc = offset_of(p, port, &off);

	if (rc == CIP_ERANGE)
		return 0;
	return rc != 0 ? rc : cip__alloc_has(&p->alloc, off);
}

int cip_ports_expire(cip_ports *p, uint64_t now)
{
	return p ? cip__alloc_expire(&p->alloc, now) : CIP_EINVAL;
}

int cip_ports_used(const cip_ports *p, int band, uint64_t *out)
{
	return p && out ? cip__alloc_count(&p->alloc, band, 0, out) : CIP_EINVAL;
}

int cip_ports_available(const cip_ports *p, int band, uint64_t *out)
{
	return p && out ? cip__alloc_count(&p->alloc, band, 1, out) : CIP_EINVAL;
}

int cip_ports_stats_get(const cip_ports *p, cip_range_stats *out)
{
	cip_band_stats s[3];

	if (!p)
		return CIP_EINVAL;
	cip__alloc_stats(&p->alloc, s);
	return cip__stats_out(out, s);
}

int cip_ports_range(const cip_ports *p, cip_port_range *out)
{
	if (!p || !out)
		return CIP_EINVAL;
	*out = p->range;
	return 0;
}

int cip_ports_static_band_size(const cip_ports *p, uint64_t *out)
{
	if (!p || !out)
		return CIP_EINVAL;
	*out = p->alloc.band;
	return 0;
}

struct visit {
	const cip_ports *p;
	cip_port_visit_fn fn;
	void *ctx;
};

static int visit_offset(uint64_t off, void *ctx)
{
	struct visit *v = ctx;

	return v->fn(v->p->range.base + (uint32_t)off, v->ctx);
}

int cip_ports_foreach(const cip_ports *p, cip_port_visit_fn fn, void *ctx)
{
	struct visit v = { p, fn, ctx };

	if (!p || !fn)
		return CIP_EINVAL;
	return cip__alloc_foreach(&p->alloc, visit_offset, &v);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                          */
/* ------------------------------------------------------------------ */

int cip_ports_export_k8s(const cip_ports *p, uint8_t *buf, size_t cap, size_t *len)
{
	if (!p || !len || (!buf && cap))
		return CIP_EINVAL;
	return cip__k8s_export(&p->alloc, buf, cap, len);
}

int cip_ports_import_k8s(cip_ports *p, const char *spec, size_t spec_len, const uint8_t *data,
			 size_t len)
{
	char own[CIP_PORT_RANGE_STRLEN];
	int n;

	if (!p || !spec || (!data && len) || spec_len > (size_t)PTRDIFF_MAX ||
	    len > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	/* Kubernetes compares PortRange.String() texts exactly. */
	n = cip_port_range_format(&p->range, own, sizeof(own));
	if (n < 0 || spec_len != (size_t)n || memcmp(spec, own, spec_len) != 0)
		return CIP_ESNAPSHOT_MISMATCH;
	return cip__reload_k8s(&p->alloc, data, len);
}

static void describe(const cip_ports *p, struct cip__snap_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = CIP__SNAP_PORTS;
	d->port = p->range;
	d->size = p->alloc.size;
	d->band = p->alloc.band;
	d->quarantine_ns = p->alloc.quarantine_ns;
	d->quarantine_max = p->alloc.quarantine_max;
}

int cip_ports_snapshot(const cip_ports *p, uint64_t now, uint8_t *buf, size_t cap, size_t *len)
{
	struct cip__snap_desc d;

	if (!p || !len || (!buf && cap))
		return CIP_EINVAL;
	describe(p, &d);
	return cip__snap_write(&d, &p->alloc, now, buf, cap, len);
}

int cip_ports_restore(cip_ports *p, uint64_t now, const uint8_t *buf, size_t len)
{
	struct cip__snap_desc mine;

	if (!p || !buf)
		return CIP_EINVAL;
	describe(p, &mine);
	return cip__snap_restore(&p->alloc, &mine, buf, len, now);
}

int cip_ports_new_from_snapshot(cip_ports **out, uint64_t now, const uint8_t *buf, size_t len,
				uint64_t seed)
{
	struct cip__snap_desc d, mine;
	cip_ports_opts o;
	cip_ports *p;
	int rc;

	if (!out || !buf)
		return CIP_EINVAL;
	rc = cip__snap_open(buf, len, CIP__SNAP_PORTS, &d);
	if (rc != 0)
		return rc;
	if (!range_valid(&d.port))
		return CIP_ESNAPSHOT_CORRUPT;
	cip_ports_opts_init(&o, sizeof(o));
	o.seed = seed;
	o.static_band = cip__snap_band_option(&d);
	o.quarantine_ns = d.quarantine_ns;
	o.quarantine_max = d.quarantine_max;
	rc = ports_create(&p, &d.port, &o);
	if (rc != 0)
		return rc == CIP_ENOMEM ? rc : CIP_ESNAPSHOT_CORRUPT;
	describe(p, &mine);
	rc = cip__snap_fill(&p->alloc, &mine, &d, buf, len, now);
	if (rc != 0) {
		cip_ports_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

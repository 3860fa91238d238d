/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocator operation sequences against a reference model. The first byte
 * picks the object: a cip_range (IPv4 /26, /28, /30, /20; IPv6 /120, /116;
 * and an IPv6 /64 on the sparse engine, whose model tracks a window of 40
 * offsets near the start, the band edge, the middle and the end of the 2^64
 * space plus every offset allocate_next hands out), a cip_ports (30000-30063,
 * 30000-32767, 65530-65535, 0-15) or a cip_pool (five overlapping IPv4 CIDRs
 * and three IPv6 ones, added, drained and removed by the operations). The
 * second byte picks the options: static band (auto, off, explicit),
 * quarantine (off, or 16/100/1000 ns with a limit of 1 to 1000 entries or the
 * default). The seed is always the same non-zero value. The rest is a
 * sequence of operations.
 *
 * The model is an array of per-offset states (free, allocated, quarantined
 * with its 7-bit generation) and the quarantine FIFO of (offset, generation,
 * expiry) entries that alloc.h describes: a release at the limit ends the
 * oldest quarantine early, an entry acts only if the generation still
 * matches, entries expire in FIFO order, a restore keeps only the live
 * entries, oldest first, with fresh generations.
 *
 * Checked for a range or a port range:
 * - every call returns exactly the code the model derives (0, ERANGE,
 *   EFAMILY, EALLOCATED, ENOTALLOCATED, EFULL, ...), and has() agrees;
 * - allocate_next hands out an address the model has free (so never one
 *   that is allocated or in quarantine: never one twice), from the dynamic
 *   band while it has one available; a dry run allocates nothing and writes
 *   the network address (port 0); outputs are untouched on failure;
 * - used/available per band and every stats field (size, used, available,
 *   quarantined, allocations and releases per band, errors) match, with
 *   used + available + quarantined == size; the event counters never go
 *   back, restores included;
 * - foreach visits exactly the allocated set in ascending order, and stops
 *   at the visitor's first non-zero value;
 * - expire() ends exactly the due quarantines the model ends;
 * - snapshot -> restore and snapshot -> new_from_snapshot keep the model
 *   and reproduce the snapshot byte for byte; a truncated copy, a copy with
 *   a flipped byte, a header field changed under a valid checksum, and the
 *   snapshot of another range, band or kind fail with the documented code
 *   and leave the object unchanged (same snapshot before and after); a
 *   damaged payload given to new_from_snapshot either fails or gives a
 *   self-consistent object;
 * - export_k8s writes exactly big.Int.Bytes() of the model's allocated set
 *   (quarantine free), import_k8s into a fresh object and into the same one
 *   (with a sloppy but equal spec) restores it with an empty quarantine; a
 *   wrong spec or a bit past the end fails and changes nothing; the sparse
 *   engine reports CIP_EUNSUPPORTED.
 * Checked for a pool (pool.h):
 * - add (EEXIST, ELIMIT), drain and remove (ENOTFOUND, EUNSUPPORTED,
 *   EALLOCATED) follow the model; foreach_range lists the ranges not
 *   removed, in add order, with their states;
 * - allocate, release and has act on the owning range (the first not
 *   removed, in add order, containing the address as a usable one);
 * - allocate_next returns an address whose owner is active and has it free
 *   (never one held elsewhere, nor one in quarantine), EFAMILY exactly when
 *   the family has no active range, EFULL only when no active range with an
 *   empty quarantine has a free address of its own (the exhaustive search
 *   guarantees the rest); a dry run succeeds exactly when an active range
 *   not contained in an earlier one has an address available;
 * - allocate_pair gives the count the policy asks for and is all or
 *   nothing;
 * - per range (through cip_pool_range()), used/available/quarantined,
 *   foreach, snapshot/restore and damaged restores as above; pool used and
 *   available are the sums the header defines; an address is held by its
 *   owning range only.
 * The quarantines that a pool's allocate_next ends are not chosen by the
 * caller (they depend on which ranges it draws): the model reads them back
 * from each range's quarantined count, after first ending, explicitly, the
 * due entries of ranges whose due entries are all stale (where the count
 * could not tell).
 *
 * Bounds: inputs above 4096 bytes are ignored, at most 256 operations, at
 * most 64 allocations or releases per batch operation (8 on the sparse
 * engine, which also stops allocating past 1024 tracked offsets), dense
 * objects of at most 4095 offsets. After every operation: all stats, has()
 * of the offsets the operation touched and of 16 more in turn, foreach
 * while at most 16 are allocated; every 16 operations used()/available(),
 * foreach and has() of every offset (objects of at most 1024 offsets), and
 * everything at the end. Pools: one family per operation, both and every
 * address every 16. With at most 256
 * operations an offset cannot be released 128 times within one quarantine,
 * so the 7-bit generations never alias.
 */
#include "fuzz.h"
#include "snapshot.h"

#define MAX_INPUT 4096
#define MAX_OPS 256
#define MAX_BATCH 64
#define SPARSE_BATCH 8
#define SPARSE_TRACK_MAX 1024
#define SWEEP_EVERY 16
#define SMALL 16
#define SWEEP_MAX 1024
#define SEED UINT64_C(0x6a09e667f3bcc909)
#define SENTINEL 0xa5
#define VISIT_STOP 7

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL) {
		abort();
	}
	return p;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* ------------------------------------------------------------------ */
/* The reference model of one allocator                               */
/* ------------------------------------------------------------------ */

enum { M_FREE, M_ALLOC, M_QUAR };

struct mslot {
	uint64_t off;
	uint8_t st;
	uint8_t gen; /* quarantine generation, 7 bits, as in alloc.h */
};

struct qent {
	uint64_t off;
	uint64_t expiry;
	uint8_t gen;
};

struct model {
	uint64_t size, band;
	uint64_t qns, qlimit; /* qns 0: no quarantine */
	int sparse;
	struct mslot *slot; /* ascending offsets; dense: slot[i].off == i */
	size_t nslot, capslot;
	struct qent *q; /* the FIFO, q[qhead..qtail) */
	size_t qhead, qtail, qcap;
	uint64_t used[2], quar[2];
	uint64_t allocs[2], rels[2], errs;
};

static void m_init(struct model *m, uint64_t size, uint64_t band, uint64_t qns, uint64_t qmax)
{
	memset(m, 0, sizeof(*m));
	m->size = size;
	m->band = band;
	m->qns = qns;
	m->sparse = size > CIP_RANGE_DENSE_MAX;
	if (qns) {
		uint64_t lim =
			qmax ? qmax
			     : (size < CIP_QUARANTINE_DEFAULT_MAX ? size
								  : CIP_QUARANTINE_DEFAULT_MAX);
		m->qlimit = lim < size ? lim : size;
	}
	if (!m->sparse) {
		m->slot = xrealloc(NULL, (size_t)size * sizeof(*m->slot));
		for (uint64_t i = 0; i < size; i++) {
			m->slot[i].off = i;
			m->slot[i].st = M_FREE;
			m->slot[i].gen = 0;
		}
		m->nslot = m->capslot = (size_t)size;
	}
}

static void m_free(struct model *m)
{
	free(m->slot);
	free(m->q);
	memset(m, 0, sizeof(*m));
}

static int m_band(const struct model *m, uint64_t off)
{
	return off < m->band ? 0 : 1;
}

static uint64_t m_band_size(const struct model *m, int b)
{
	return b ? m->size - m->band : m->band;
}

static uint64_t m_avail(const struct model *m, int b)
{
	return m_band_size(m, b) - m->used[b] - m->quar[b];
}

/* The index of the first slot with an offset >= @p off. */
static size_t m_lower(const struct model *m, uint64_t off)
{
	size_t lo = 0, hi = m->nslot;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->slot[mid].off < off) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static struct mslot *m_find(const struct model *m, uint64_t off)
{
	size_t i;

	if (!m->sparse) {
		return off < m->size ? &m->slot[off] : NULL;
	}
	i = m_lower(m, off);
	return i < m->nslot && m->slot[i].off == off ? &m->slot[i] : NULL;
}

/* The slot of @p off, created free on the sparse engine. */
static struct mslot *m_get(struct model *m, uint64_t off)
{
	size_t i;

	FUZZ_CHECK(off < m->size);
	if (!m->sparse) {
		return &m->slot[off];
	}
	i = m_lower(m, off);
	if (i < m->nslot && m->slot[i].off == off) {
		return &m->slot[i];
	}
	if (m->nslot == m->capslot) {
		m->capslot = m->capslot ? 2 * m->capslot : 64;
		m->slot = xrealloc(m->slot, m->capslot * sizeof(*m->slot));
	}
	memmove(&m->slot[i + 1], &m->slot[i], (m->nslot - i) * sizeof(*m->slot));
	m->nslot++;
	m->slot[i].off = off;
	m->slot[i].st = M_FREE;
	m->slot[i].gen = 0;
	return &m->slot[i];
}

static int m_state(const struct model *m, uint64_t off)
{
	const struct mslot *s = m_find(m, off);

	return s ? s->st : M_FREE;
}

static uint64_t m_used_all(const struct model *m)
{
	return m->used[0] + m->used[1];
}

static uint64_t m_quar_all(const struct model *m)
{
	return m->quar[0] + m->quar[1];
}

static int m_live(const struct model *m, const struct qent *e)
{
	const struct mslot *s = m_find(m, e->off);

	return s && s->st == M_QUAR && s->gen == e->gen;
}

/* Ends the quarantine of the oldest entry, if it is still live. */
static int m_pop(struct model *m)
{
	const struct qent *e = &m->q[m->qhead++];
	struct mslot *s;

	if (!m_live(m, e)) {
		return 0;
	}
	s = m_find(m, e->off);
	s->st = M_FREE;
	m->quar[m_band(m, e->off)]--;
	return 1;
}

static size_t m_qlen(const struct model *m)
{
	return m->qtail - m->qhead;
}

static int m_expire(struct model *m, uint64_t now)
{
	int n = 0;

	while (m_qlen(m) && m->q[m->qhead].expiry <= now) {
		n += m_pop(m);
	}
	return n;
}

/* Due entries at @p now, and how many of them are live. */
static size_t m_due(const struct model *m, uint64_t now, size_t *live)
{
	size_t n = 0;

	*live = 0;
	for (size_t i = m->qhead; i < m->qtail && m->q[i].expiry <= now; i++) {
		n++;
		*live += (size_t)m_live(m, &m->q[i]);
	}
	return n;
}

/* Queues an entry; at the limit the oldest entries go first. */
static void m_push(struct model *m, uint64_t off, uint8_t gen, uint64_t expiry)
{
	while (m_qlen(m) >= m->qlimit) {
		m_pop(m);
	}
	if (m->qtail == m->qcap) {
		if (m->qhead > 0) {
			memmove(m->q, &m->q[m->qhead], m_qlen(m) * sizeof(*m->q));
			m->qtail -= m->qhead;
			m->qhead = 0;
		} else {
			m->qcap = m->qcap ? 2 * m->qcap : 64;
			m->q = xrealloc(m->q, m->qcap * sizeof(*m->q));
		}
	}
	m->q[m->qtail].off = off;
	m->q[m->qtail].gen = gen;
	m->q[m->qtail].expiry = expiry;
	m->qtail++;
}

/* allocate(off): what the call must return, and its effect unless dry. */
static int m_take(struct model *m, uint64_t off, int dry)
{
	struct mslot *s = m_get(m, off);
	int b = m_band(m, off);

	if (s->st == M_ALLOC) {
		m->errs += !dry;
		return CIP_EALLOCATED;
	}
	if (dry) {
		return 0;
	}
	if (s->st == M_QUAR) {
		m->quar[b]--; /* its FIFO entry is stale from now on */
	}
	s->st = M_ALLOC;
	m->used[b]++;
	m->allocs[b]++;
	return 0;
}

static int m_release(struct model *m, uint64_t off, uint64_t now, unsigned flags)
{
	struct mslot *s = m_find(m, off);
	int b = m_band(m, off);

	if (s == NULL || s->st != M_ALLOC) {
		return CIP_ENOTALLOCATED;
	}
	if (flags & CIP_ALLOC_DRY_RUN) {
		return 0;
	}
	m->used[b]--;
	m->rels[b]++;
	if (!m->qns || (flags & CIP_RELEASE_NOW)) {
		s->st = M_FREE;
		return 0;
	}
	s->st = M_QUAR;
	s->gen = (uint8_t)((s->gen + 1u) & 0x7fu);
	m->quar[b]++;
	m_push(m, off, s->gen, add_sat(now, m->qns));
	return 0;
}

struct live {
	uint64_t off, remaining;
};

static int cmp_live(const void *x, const void *y)
{
	const struct live *a = x, *b = y;

	if (a->remaining != b->remaining) {
		return a->remaining < b->remaining ? -1 : 1;
	}
	return a->off < b->off ? -1 : a->off > b->off;
}

/*
 * A restore of this model's own snapshot at @p now (the snapshot taken at
 * the same now): the allocated set stays, the live quarantine entries come
 * back oldest first (by remaining time, then offset) with generation 1 and
 * stale entries are gone; without @p keep_quarantine (Kubernetes data)
 * they are free.
 */
static void m_rebuild(struct model *m, uint64_t now, int keep_quarantine)
{
	struct live *lv = xrealloc(NULL, m_qlen(m) * sizeof(*lv));
	size_t n = 0;

	for (size_t i = m->qhead; i < m->qtail; i++) {
		const struct qent *e = &m->q[i];

		if (m_live(m, e)) {
			lv[n].off = e->off;
			lv[n].remaining = e->expiry > now ? e->expiry - now : 0;
			n++;
		}
	}
	FUZZ_CHECK(n == m_quar_all(m)); /* every quarantined offset has one live entry */
	for (size_t i = 0; i < m->nslot; i++) {
		m->slot[i].gen = 0;
		if (m->slot[i].st == M_QUAR) {
			m->slot[i].st = M_FREE;
		}
	}
	m->quar[0] = m->quar[1] = 0;
	m->qhead = m->qtail = 0;
	if (keep_quarantine && m->qns) {
		qsort(lv, n, sizeof(*lv), cmp_live);
		for (size_t i = 0; i < n; i++) {
			struct mslot *s = m_find(m, lv[i].off);

			s->st = M_QUAR;
			s->gen = 1;
			m->quar[m_band(m, lv[i].off)]++;
			m_push(m, lv[i].off, 1, add_sat(now, lv[i].remaining));
		}
	}
	free(lv);
}

static void m_reset_events(struct model *m)
{
	memset(m->allocs, 0, sizeof(m->allocs));
	memset(m->rels, 0, sizeof(m->rels));
	m->errs = 0;
}

/* The @p k-th slot (mod their number) in state @p st, or NULL. */
static const struct mslot *m_nth(const struct model *m, int st, unsigned k)
{
	uint64_t count = st == M_ALLOC ? m_used_all(m) : m_quar_all(m);

	if (count == 0) {
		return NULL;
	}
	k = (unsigned)(k % count);
	for (size_t i = 0; i < m->nslot; i++) {
		if (m->slot[i].st == st && k-- == 0) {
			return &m->slot[i];
		}
	}
	FUZZ_CHECK(0); /* the counters disagree with the slots */
	return NULL;
}

/* ------------------------------------------------------------------ */
/* A range or a port range under test                                 */
/* ------------------------------------------------------------------ */

enum { K_RANGE, K_PORTS };

struct subj {
	int kind;
	cip_range *r;
	cip_ports *p;
	cip_prefix cidr;
	cip_addr first; /* offset 0 */
	cip_range_opts ropts;
	cip_port_range pr;
	cip_ports_opts popts;
	uint64_t now;
	struct model m;
	uint64_t window[40]; /* sparse: the offsets the operations use */
	size_t nwindow;
	unsigned step;
};

/* Where an operation acts: offset `off` of the range, or (err != 0) an
 * address or port outside it and the code allocate and release give. */
struct pt {
	int err;
	uint64_t off;
	cip_addr addr;
	uint32_t port;
};

static cip_prefix prefix_of(const char *text)
{
	cip_prefix p;

	FUZZ_CHECK_RC(cip_prefix_parse(&p, text, strlen(text), 0, NULL), 0);
	return p;
}

static cip_addr addr_of(const char *text)
{
	cip_addr a;

	FUZZ_CHECK_RC(cip_addr_parse(&a, text, strlen(text), 0, NULL), 0);
	return a;
}

static cip_addr addr_plus(const cip_addr *a, uint64_t off)
{
	cip_u128 d = { 0, off };
	cip_addr out;

	FUZZ_CHECK_RC(cip_addr_add(&out, a, &d), 0);
	return out;
}

static struct pt pt_at(const struct subj *s, uint64_t off)
{
	struct pt t;

	memset(&t, 0, sizeof(t));
	t.off = off;
	if (s->kind == K_RANGE) {
		t.addr = addr_plus(&s->first, off);
	} else {
		t.port = s->pr.base + (uint32_t)off;
	}
	return t;
}

/* The offset of an address or port the object reported. */
static uint64_t off_of_addr(const struct subj *s, const cip_addr *a)
{
	cip_u128 d;

	FUZZ_CHECK_RC(cip_addr_offset(&d, &s->first, a), 0);
	FUZZ_CHECK(d.hi == 0 && d.lo < s->m.size);
	return d.lo;
}

static uint64_t off_of_port(const struct subj *s, uint32_t port)
{
	FUZZ_CHECK(port >= s->pr.base && port - s->pr.base < s->m.size);
	return port - s->pr.base;
}

/* An address or port outside the object. */
static struct pt pt_outside(const struct subj *s, unsigned v)
{
	static const char *far4 = "192.168.1.1", *far6 = "fe80::1";
	int v4 = s->kind == K_RANGE && s->cidr.addr.family == CIP_FAMILY_IPV4;
	cip_u128 one = { 0, 1 };
	struct pt t;

	memset(&t, 0, sizeof(t));
	t.err = CIP_ERANGE;
	if (s->kind == K_PORTS) {
		uint32_t ports[4] = { s->pr.base ? s->pr.base - 1 : 65536, s->pr.base + s->pr.size,
				      65536 + v, UINT32_MAX };

		t.port = ports[v % 4];
		return t;
	}
	switch (v % 4) {
	case 0: /* the network address */
		FUZZ_CHECK_RC(cip_addr_sub(&t.addr, &s->first, &one), 0);
		break;
	case 1: /* one past the last usable address (IPv4: the broadcast) */
		t.addr = addr_plus(&s->first, s->m.size);
		break;
	case 2:
		t.addr = addr_of(v4 ? "fd00::1" : "10.0.0.1");
		t.err = CIP_EFAMILY;
		break;
	default:
		t.addr = addr_of(v4 ? far4 : far6);
		break;
	}
	return t;
}

static struct pt pick_pt(const struct subj *s, struct fuzz_in *in)
{
	unsigned how = fuzz_u8(in) % 8;
	const struct mslot *hit = NULL;
	uint64_t off;

	if (how == 4 || how == 5) {
		hit = m_nth(&s->m, M_ALLOC, fuzz_u16(in));
	} else if (how == 6) {
		hit = m_nth(&s->m, M_QUAR, fuzz_u16(in));
	} else if (how == 7) {
		return pt_outside(s, fuzz_u8(in));
	}
	if (hit) {
		return pt_at(s, hit->off);
	}
	if (s->m.sparse) {
		off = s->window[fuzz_u8(in) % s->nwindow];
	} else {
		off = fuzz_u16(in) % s->m.size;
	}
	return pt_at(s, off);
}

/* ---- thin wrappers over the two APIs ---------------------------------- */

static int s_take(struct subj *s, const struct pt *t, unsigned flags)
{
	return s->kind == K_RANGE ? cip_range_allocate(s->r, &t->addr, flags)
				  : cip_ports_allocate(s->p, t->port, flags);
}

static int s_release(struct subj *s, const struct pt *t, unsigned flags)
{
	return s->kind == K_RANGE ? cip_range_release(s->r, &t->addr, s->now, flags)
				  : cip_ports_release(s->p, t->port, s->now, flags);
}

static int s_has(const struct subj *s, const struct pt *t)
{
	return s->kind == K_RANGE ? cip_range_has(s->r, &t->addr) : cip_ports_has(s->p, t->port);
}

static int s_expire(struct subj *s)
{
	return s->kind == K_RANGE ? cip_range_expire(s->r, s->now) : cip_ports_expire(s->p, s->now);
}

static int s_count(const struct subj *s, int band, int available, uint64_t *out)
{
	if (s->kind == K_RANGE) {
		return available ? cip_range_available(s->r, band, out)
				 : cip_range_used(s->r, band, out);
	}
	return available ? cip_ports_available(s->p, band, out) : cip_ports_used(s->p, band, out);
}

static int s_stats(const struct subj *s, cip_range_stats *st)
{
	return s->kind == K_RANGE ? cip_range_stats_get(s->r, st) : cip_ports_stats_get(s->p, st);
}

static int s_snapshot(const struct subj *s, uint8_t *buf, size_t cap, size_t *len)
{
	return s->kind == K_RANGE ? cip_range_snapshot(s->r, s->now, buf, cap, len)
				  : cip_ports_snapshot(s->p, s->now, buf, cap, len);
}

static int s_restore(struct subj *s, const uint8_t *buf, size_t len)
{
	return s->kind == K_RANGE ? cip_range_restore(s->r, s->now, buf, len)
				  : cip_ports_restore(s->p, s->now, buf, len);
}

static int s_export(const struct subj *s, uint8_t *buf, size_t cap, size_t *len)
{
	return s->kind == K_RANGE ? cip_range_export_k8s(s->r, buf, cap, len)
				  : cip_ports_export_k8s(s->p, buf, cap, len);
}

static int s_import(struct subj *s, const char *spec, const uint8_t *data, size_t len)
{
	return s->kind == K_RANGE ? cip_range_import_k8s(s->r, spec, strlen(spec), data, len)
				  : cip_ports_import_k8s(s->p, spec, strlen(spec), data, len);
}

/* The `range` text of the object's RangeAllocation. */
static void s_spec(const struct subj *s, char *buf, size_t cap)
{
	int n = s->kind == K_RANGE ? cip_range_k8s_spec(s->r, buf, cap)
				   : cip_port_range_format(&s->pr, buf, cap);

	FUZZ_CHECK(n > 0 && (size_t)n < cap);
}

/* A fresh, empty object with the same options. */
static int s_new(struct subj *s, cip_range **r, cip_ports **p)
{
	*r = NULL;
	*p = NULL;
	return s->kind == K_RANGE ? cip_range_new(r, &s->cidr, &s->ropts)
				  : cip_ports_new(p, &s->pr, &s->popts);
}

static void s_replace(struct subj *s, cip_range *r, cip_ports *p)
{
	if (s->kind == K_RANGE) {
		cip_range_free(s->r);
		s->r = r;
	} else {
		cip_ports_free(s->p);
		s->p = p;
	}
}

/* ---- invariant checks ------------------------------------------------- */

struct walk {
	const struct subj *s;
	const struct model *m;
	uint64_t prev;
	uint64_t n;
	uint64_t stop_at; /* 1-based visit that returns VISIT_STOP; 0: never */
};

static int walk_off(struct walk *w, uint64_t off)
{
	FUZZ_CHECK(w->n == 0 || off > w->prev);
	FUZZ_CHECK(m_state(w->m, off) == M_ALLOC);
	w->prev = off;
	w->n++;
	return w->n == w->stop_at ? VISIT_STOP : 0;
}

static int visit_addr(const cip_addr *a, void *ctx)
{
	struct walk *w = ctx;

	return walk_off(w, off_of_addr(w->s, a));
}

static int visit_port(uint32_t port, void *ctx)
{
	struct walk *w = ctx;

	return walk_off(w, off_of_port(w->s, port));
}

/* foreach, stopping at visit @p stop_at (0: never). @return its result. */
static int s_walk(const struct subj *s, uint64_t stop_at, uint64_t *visited)
{
	struct walk w = { s, &s->m, 0, 0, stop_at };
	int rc = s->kind == K_RANGE ? cip_range_foreach(s->r, visit_addr, &w)
				    : cip_ports_foreach(s->p, visit_port, &w);

	*visited = w.n;
	return rc;
}

static void check_band_stats(const cip_band_stats *st, const struct model *m, int b)
{
	uint64_t size = b < 0 ? m->size : m_band_size(m, b);
	uint64_t used = b < 0 ? m_used_all(m) : m->used[b];
	uint64_t quar = b < 0 ? m_quar_all(m) : m->quar[b];
	uint64_t allocs = b < 0 ? m->allocs[0] + m->allocs[1] : m->allocs[b];
	uint64_t rels = b < 0 ? m->rels[0] + m->rels[1] : m->rels[b];

	FUZZ_CHECK(st->size == size);
	FUZZ_CHECK(st->used == used);
	FUZZ_CHECK(st->quarantined == quar);
	FUZZ_CHECK(st->available == size - used - quar);
	FUZZ_CHECK(st->used + st->available + st->quarantined == st->size);
	FUZZ_CHECK(st->allocations == allocs);
	FUZZ_CHECK(st->releases == rels);
	if (b < 0) {
		FUZZ_CHECK(st->errors == m->errs);
	}
}

static void check_has(const struct subj *s, uint64_t off)
{
	struct pt t = pt_at(s, off);

	FUZZ_CHECK_RC(s_has(s, &t), m_state(&s->m, off) == M_ALLOC);
}

/* used() and available() of every band (the stats, by other functions). */
static void check_counts(const struct subj *s)
{
	static const int bands[3] = { CIP_BAND_ALL, CIP_BAND_STATIC, CIP_BAND_DYNAMIC };
	const struct model *m = &s->m;

	for (int b = 0; b < 3; b++) {
		uint64_t used = b == 0 ? m_used_all(m) : m->used[b - 1];
		uint64_t avail = b == 0 ? m_avail(m, 0) + m_avail(m, 1) : m_avail(m, b - 1);
		uint64_t v = UINT64_MAX;

		FUZZ_CHECK_RC(s_count(s, bands[b], 0, &v), 0);
		FUZZ_CHECK(v == used);
		FUZZ_CHECK_RC(s_count(s, bands[b], 1, &v), 0);
		FUZZ_CHECK(v == avail);
	}
}

/*
 * After every step: all stats; foreach and has() of every offset on
 * objects of at most SMALL offsets; on larger ones foreach while at most
 * SMALL are allocated and has() of a rotating slice of SMALL offsets. With
 * @p full, used()/available(), foreach always and has() everywhere on
 * objects of at most SWEEP_MAX offsets; with @p last, has() everywhere.
 */
static void check_subject(const struct subj *s, int full, int last)
{
	const struct model *m = &s->m;
	uint64_t visited;
	cip_range_stats st;

	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	FUZZ_CHECK_RC(s_stats(s, &st), 0);
	check_band_stats(&st.all, m, -1);
	check_band_stats(&st.static_band, m, 0);
	check_band_stats(&st.dynamic_band, m, 1);
	if (full) {
		check_counts(s);
	}
	if (full || m_used_all(m) <= SMALL) {
		FUZZ_CHECK_RC(s_walk(s, 0, &visited), 0);
		FUZZ_CHECK(visited == m_used_all(m));
	}
	if (last || m->nslot <= SMALL || (full && m->nslot <= SWEEP_MAX)) {
		for (size_t i = 0; i < m->nslot; i++) {
			check_has(s, m->slot[i].off);
		}
		for (size_t i = 0; i < s->nwindow; i++) {
			check_has(s, s->window[i]);
		}
		return;
	}
	for (size_t i = 0, at = (size_t)s->step * SMALL; i < SMALL; i++) {
		check_has(s, m->slot[(at + i) % m->nslot].off);
	}
}

/* ---- snapshots -------------------------------------------------------- */

static uint8_t *s_snap(const struct subj *s, size_t *len)
{
	size_t need = 0;
	uint8_t *buf;

	FUZZ_CHECK_RC(s_snapshot(s, NULL, 0, &need), CIP_EBUFSIZE);
	buf = xrealloc(NULL, need);
	FUZZ_CHECK_RC(s_snapshot(s, buf, need, len), 0);
	FUZZ_CHECK(*len == need);
	return buf;
}

static void check_same_snapshot(const struct subj *s, const uint8_t *want, size_t len)
{
	size_t n = 0;
	uint8_t *got = s_snap(s, &n);

	FUZZ_CHECK(n == len && memcmp(got, want, len) == 0);
	free(got);
}

static void refresh_checksum(uint8_t *buf, size_t len)
{
	uint64_t h = cip__xxh64(buf, len - 8, 0);

	for (int i = 0; i < 8; i++) {
		buf[len - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
	}
}

/*
 * Whether @p rc is what a restore must return for a snapshot of this
 * object whose header byte @p pos was changed (checksum recomputed): the
 * field decides (snapshot.h has the layout).
 */
static int header_damage_rc_ok(int kind, size_t pos, const uint8_t *buf, int rc)
{
	unsigned version = (unsigned)(buf[8] | buf[9] << 8);

	if (pos == 8 || pos == 9) {
		return rc == (version > 1 ? CIP_EUNSUPPORTED : CIP_ESNAPSHOT_CORRUPT);
	}
	if (pos == 10 || pos == 11) {
		return rc == CIP_ESNAPSHOT_MISMATCH || rc == CIP_ESNAPSHOT_CORRUPT;
	}
	if (pos >= 16 && pos < 40) {
		int zero_field =
			kind == K_RANGE ? (pos == 18 || pos == 19) : (pos < 24 || pos >= 32);

		return rc == (zero_field ? CIP_ESNAPSHOT_CORRUPT : CIP_ESNAPSHOT_MISMATCH);
	}
	if (pos >= 40 && pos < 56) { /* size, band */
		return rc == CIP_ESNAPSHOT_MISMATCH || rc == CIP_ESNAPSHOT_CORRUPT;
	}
	if (pos >= 56 && pos < 72) { /* quarantine options: a restore keeps its own */
		return rc == 0;
	}
	return rc == CIP_ESNAPSHOT_CORRUPT; /* magic, header length, layout, reserved */
}

/* ------------------------------------------------------------------ */
/* Range and port-range operations                                    */
/* ------------------------------------------------------------------ */

/* allocate_next, checked against the model. @return the code. */
static int do_next(struct subj *s, unsigned flags)
{
	struct model *m = &s->m;
	int dry = (flags & CIP_ALLOC_DRY_RUN) != 0, want, rc;
	uint64_t off = 0;
	int b;

	m_expire(m, s->now);
	if (dry) {
		int room = m->used[0] + m->quar[0] < m->band ||
			   m->used[1] + m->quar[1] < m->size - m->band;

		want = room ? 0 : CIP_EFULL;
		b = -1;
	} else {
		b = m_avail(m, 1) ? 1 : m_avail(m, 0) ? 0 : -1;
		want = b >= 0 ? 0 : CIP_EFULL;
	}
	if (s->kind == K_RANGE) {
		cip_addr a, untouched;

		memset(&a, SENTINEL, sizeof(a));
		untouched = a;
		rc = cip_range_allocate_next(s->r, s->now, flags, &a);
		FUZZ_CHECK_RC(rc, want);
		if (rc != 0) {
			FUZZ_CHECK(memcmp(&a, &untouched, sizeof(a)) == 0);
		} else if (dry) {
			FUZZ_CHECK(cip_addr_equal(&a, &s->cidr.addr) == 1);
		} else {
			off = off_of_addr(s, &a);
		}
	} else {
		uint32_t port = 0xa5a5a5a5u;

		rc = cip_ports_allocate_next(s->p, s->now, flags, &port);
		FUZZ_CHECK_RC(rc, want);
		if (rc != 0) {
			FUZZ_CHECK(port == 0xa5a5a5a5u);
		} else if (dry) {
			FUZZ_CHECK(port == 0);
		} else {
			off = off_of_port(s, port);
		}
	}
	if (rc != 0) {
		m->errs += !dry;
		return rc;
	}
	if (!dry) {
		/* A free address, from the dynamic band while it has one. */
		FUZZ_CHECK(m_band(m, off) == b);
		FUZZ_CHECK(m_state(m, off) == M_FREE);
		FUZZ_CHECK_RC(m_take(m, off, 0), 0);
		check_has(s, off);
	}
	return 0;
}

static void op_next(struct subj *s, struct fuzz_in *in)
{
	unsigned flags = fuzz_u8(in) & 1 ? CIP_ALLOC_DRY_RUN : 0;

	if (s->m.sparse && s->m.nslot >= SPARSE_TRACK_MAX) {
		return;
	}
	do_next(s, flags);
}

static void op_fill(struct subj *s, struct fuzz_in *in)
{
	unsigned n = 1 + fuzz_u8(in) % (s->m.sparse ? SPARSE_BATCH : MAX_BATCH);

	for (unsigned i = 0; i < n; i++) {
		if (s->m.sparse && s->m.nslot >= SPARSE_TRACK_MAX) {
			return;
		}
		if (do_next(s, 0) != 0) {
			return;
		}
	}
}

static void op_take(struct subj *s, struct fuzz_in *in)
{
	unsigned flags = fuzz_u8(in) & 1 ? CIP_ALLOC_DRY_RUN : 0;
	struct pt t = pick_pt(s, in);
	int want = t.err ? t.err : m_take(&s->m, t.off, flags != 0);

	FUZZ_CHECK_RC(s_take(s, &t, flags), want);
	if (!t.err) {
		check_has(s, t.off);
	} else {
		FUZZ_CHECK_RC(s_has(s, &t), 0);
	}
}

static int do_release(struct subj *s, const struct pt *t, unsigned flags)
{
	int want = t->err ? t->err : m_release(&s->m, t->off, s->now, flags);

	FUZZ_CHECK_RC(s_release(s, t, flags), want);
	if (!t->err) {
		check_has(s, t->off);
	}
	return want;
}

static unsigned release_flags(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	return (b & 1 ? CIP_ALLOC_DRY_RUN : 0) | (b & 2 ? CIP_RELEASE_NOW : 0);
}

static void op_release(struct subj *s, struct fuzz_in *in)
{
	unsigned flags = release_flags(in);
	struct pt t = pick_pt(s, in);

	do_release(s, &t, flags);
}

/* Releases up to n allocated offsets, from a drawn position on. */
static void op_release_many(struct subj *s, struct fuzz_in *in)
{
	unsigned flags = release_flags(in);
	unsigned n = 1 + fuzz_u8(in) % (s->m.sparse ? SPARSE_BATCH : MAX_BATCH);
	unsigned k = fuzz_u16(in);

	for (unsigned i = 0; i < n; i++) {
		const struct mslot *hit = m_nth(&s->m, M_ALLOC, k + i);
		struct pt t;

		if (hit == NULL) {
			return;
		}
		t = pt_at(s, hit->off);
		do_release(s, &t, flags);
	}
}

static void op_has(struct subj *s, struct fuzz_in *in)
{
	struct pt t = pick_pt(s, in);

	FUZZ_CHECK_RC(s_has(s, &t), !t.err && m_state(&s->m, t.off) == M_ALLOC);
}

static void op_expire(struct subj *s)
{
	int want = m_expire(&s->m, s->now);

	FUZZ_CHECK_RC(s_expire(s), want);
}

static uint64_t advance(uint64_t now, struct fuzz_in *in)
{
	unsigned v = fuzz_u8(in);

	return now + (v < 128 ? v : (uint64_t)(v - 128) * 16);
}

static void op_foreach_stop(struct subj *s, struct fuzz_in *in)
{
	uint64_t used = m_used_all(&s->m), visited;
	uint64_t stop = 1 + fuzz_u16(in) % (used + 1);
	int rc = s_walk(s, stop, &visited);

	FUZZ_CHECK_RC(rc, stop <= used ? VISIT_STOP : 0);
	FUZZ_CHECK(visited == (stop <= used ? stop : used));
}

/* A caller built against the first version of cip_range_stats, which
 * knew only `all`: nothing past it is written. */
static void op_stats_short(struct subj *s)
{
	cip_range_stats st;
	size_t sz = offsetof(cip_range_stats, all) + sizeof(cip_band_stats);

	memset(&st, SENTINEL, sizeof(st));
	st.sz = sz;
	FUZZ_CHECK_RC(s_stats(s, &st), 0);
	FUZZ_CHECK(st.sz == sz);
	check_band_stats(&st.all, &s->m, -1);
	for (size_t i = sz; i < sizeof(st); i++) {
		FUZZ_CHECK(((const uint8_t *)&st)[i] == SENTINEL);
	}
}

static void op_snap_restore(struct subj *s)
{
	size_t len = 0;
	uint8_t *buf = s_snap(s, &len);

	FUZZ_CHECK_RC(s_restore(s, buf, len), 0);
	m_rebuild(&s->m, s->now, 1);
	check_same_snapshot(s, buf, len);
	free(buf);
}

/* new_from_snapshot; the new object replaces the old one. */
static void op_snap_new(struct subj *s)
{
	size_t len = 0;
	uint8_t *buf = s_snap(s, &len);
	cip_range *r = NULL;
	cip_ports *p = NULL;
	int rc = s->kind == K_RANGE ? cip_range_new_from_snapshot(&r, s->now, buf, len, SEED)
				    : cip_ports_new_from_snapshot(&p, s->now, buf, len, SEED);

	FUZZ_CHECK_RC(rc, 0);
	s_replace(s, r, p);
	m_rebuild(&s->m, s->now, 1);
	m_reset_events(&s->m); /* a new object */
	check_same_snapshot(s, buf, len);
	free(buf);
}

/* A damaged copy of the snapshot: restore fails and changes nothing. */
static void op_restore_damaged(struct subj *s, struct fuzz_in *in)
{
	unsigned how = fuzz_u8(in) % 3;
	size_t len = 0, pos = fuzz_u16(in), cut;
	uint8_t mask = (uint8_t)(fuzz_u8(in) | 1u);
	uint8_t *buf = s_snap(s, &len), *bad = (uint8_t *)fuzz_dup(buf, len);
	int rc, ok;

	if (how == 0) { /* truncated */
		cut = len - 1 - pos % len;
		rc = s_restore(s, bad, cut);
		ok = rc == CIP_ESNAPSHOT_CORRUPT;
	} else if (how == 1) { /* one byte flipped */
		pos %= len;
		bad[pos] ^= mask;
		rc = s_restore(s, bad, len);
		/* The version is read before the checksum. */
		ok = pos == 8 || pos == 9 ? header_damage_rc_ok(s->kind, pos, bad, rc)
					  : rc == CIP_ESNAPSHOT_CORRUPT;
	} else { /* a header field changed under a valid checksum */
		pos %= 112;
		bad[pos] ^= mask;
		refresh_checksum(bad, len);
		rc = s_restore(s, bad, len);
		ok = header_damage_rc_ok(s->kind, pos, bad, rc);
	}
	if (!ok) {
		fprintf(stderr, "damage %u at %zu (len %zu): %s\n", how, pos, len,
			cip_error_name(rc));
	}
	FUZZ_CHECK(ok);
	if (rc == 0) {
		m_rebuild(&s->m, s->now, 1); /* the same state, reloaded */
	}
	check_same_snapshot(s, buf, len);
	free(bad);
	free(buf);
}

/* The snapshot of another range, another band or another kind. */
static void op_restore_foreign(struct subj *s, struct fuzz_in *in)
{
	unsigned how = fuzz_u8(in) % 3;
	cip_range *r = NULL;
	cip_ports *p = NULL;
	uint8_t *buf = NULL, *mine;
	size_t len = 0, mlen = 0;

	if (how == 0) {
		cip_prefix other = prefix_of("10.1.0.0/26");

		FUZZ_CHECK_RC(cip_range_new(&r, &other, NULL), 0);
	} else if (how == 1) {
		cip_port_range other = { 40000, 64 };

		FUZZ_CHECK_RC(cip_ports_new(&p, &other, NULL), 0);
	} else if (s->kind == K_RANGE) { /* same CIDR, other band */
		cip_range_opts o = s->ropts;

		o.static_band = s->m.band ? CIP_STATIC_BAND_OFF : 1;
		FUZZ_CHECK_RC(cip_range_new(&r, &s->cidr, &o), 0);
	} else {
		cip_ports_opts o = s->popts;

		o.static_band = s->m.band ? CIP_STATIC_BAND_OFF : 1;
		FUZZ_CHECK_RC(cip_ports_new(&p, &s->pr, &o), 0);
	}
	if (r) {
		FUZZ_CHECK_RC(cip_range_snapshot(r, 0, NULL, 0, &len), CIP_EBUFSIZE);
		buf = xrealloc(NULL, len);
		FUZZ_CHECK_RC(cip_range_snapshot(r, 0, buf, len, &len), 0);
	} else {
		FUZZ_CHECK_RC(cip_ports_snapshot(p, 0, NULL, 0, &len), CIP_EBUFSIZE);
		buf = xrealloc(NULL, len);
		FUZZ_CHECK_RC(cip_ports_snapshot(p, 0, buf, len, &len), 0);
	}
	mine = s_snap(s, &mlen);
	FUZZ_CHECK_RC(s_restore(s, buf, len), CIP_ESNAPSHOT_MISMATCH);
	check_same_snapshot(s, mine, mlen);
	free(mine);
	free(buf);
	cip_range_free(r);
	cip_ports_free(p);
}

/* Whatever new_from_snapshot accepts is a self-consistent object. */
static void check_consistent(const cip_range *r, const cip_ports *p)
{
	cip_range_stats st;
	cip_band_stats *b[3] = { &st.all, &st.static_band, &st.dynamic_band };

	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	FUZZ_CHECK_RC(r ? cip_range_stats_get(r, &st) : cip_ports_stats_get(p, &st), 0);
	for (int i = 0; i < 3; i++) {
		FUZZ_CHECK(b[i]->used + b[i]->available + b[i]->quarantined == b[i]->size);
	}
	FUZZ_CHECK(st.static_band.size + st.dynamic_band.size == st.all.size);
	FUZZ_CHECK(st.static_band.used + st.dynamic_band.used == st.all.used);
}

static void op_new_from_damaged(struct subj *s, struct fuzz_in *in)
{
	size_t len = 0, pos = fuzz_u16(in);
	uint8_t mask = (uint8_t)(fuzz_u8(in) | 1u);
	uint8_t *buf = s_snap(s, &len), *bad = (uint8_t *)fuzz_dup(buf, len);
	cip_range *r = NULL;
	cip_ports *p = NULL;
	int rc;

	pos %= len - 8;
	bad[pos] ^= mask;
	refresh_checksum(bad, len);
	rc = s->kind == K_RANGE ? cip_range_new_from_snapshot(&r, s->now, bad, len, SEED)
				: cip_ports_new_from_snapshot(&p, s->now, bad, len, SEED);
	if (rc == 0) {
		FUZZ_CHECK(s->kind == K_RANGE ? r != NULL : p != NULL);
		check_consistent(r, p);
	} else {
		FUZZ_CHECK(rc == CIP_ESNAPSHOT_CORRUPT || rc == CIP_ESNAPSHOT_MISMATCH ||
			   rc == CIP_EUNSUPPORTED);
		FUZZ_CHECK(r == NULL && p == NULL);
	}
	cip_range_free(r);
	cip_ports_free(p);
	free(bad);
	free(buf);
}

/* big.Int.Bytes() of the model's allocated set. */
static uint8_t *k8s_expected(const struct model *m, size_t *len)
{
	uint64_t top = 0;
	int any = 0;
	uint8_t *data;

	for (size_t i = 0; i < m->nslot; i++) {
		if (m->slot[i].st == M_ALLOC) {
			top = m->slot[i].off;
			any = 1;
		}
	}
	*len = any ? (size_t)(top / 8 + 1) : 0;
	data = calloc(*len ? *len : 1, 1);
	FUZZ_CHECK(data != NULL);
	for (size_t i = 0; i < m->nslot; i++) {
		if (m->slot[i].st == M_ALLOC) {
			uint64_t off = m->slot[i].off;

			data[*len - 1 - off / 8] |= (uint8_t)(1u << (off % 8));
		}
	}
	return data;
}

/* export_k8s, checked byte for byte. @return the data, or NULL (sparse). */
static uint8_t *k8s_export(const struct subj *s, size_t *len)
{
	size_t need = 0, got = 0, wlen;
	uint8_t *want, *data;

	if (s->m.sparse) {
		FUZZ_CHECK_RC(s_export(s, NULL, 0, &need), CIP_EUNSUPPORTED);
		return NULL;
	}
	want = k8s_expected(&s->m, &wlen);
	if (wlen > 0) {
		FUZZ_CHECK_RC(s_export(s, NULL, 0, &need), CIP_EBUFSIZE);
		FUZZ_CHECK(need == (s->m.size + 7) / 8);
	}
	data = xrealloc(NULL, wlen + 1);
	FUZZ_CHECK_RC(s_export(s, data, wlen, &got), 0);
	FUZZ_CHECK(got == wlen && memcmp(data, want, wlen) == 0);
	free(want);
	*len = wlen;
	return data;
}

/* Kubernetes data into a fresh object, which replaces the old one. */
static void op_k8s_fresh(struct subj *s)
{
	char spec[CIP_PREFIX_STRLEN];
	size_t len = 0;
	uint8_t *data = k8s_export(s, &len);
	cip_range *r;
	cip_ports *p;

	s_spec(s, spec, sizeof(spec));
	if (data == NULL) {
		FUZZ_CHECK_RC(s_import(s, spec, NULL, 0), CIP_EUNSUPPORTED);
		return;
	}
	FUZZ_CHECK_RC(s_new(s, &r, &p), 0);
	FUZZ_CHECK_RC(s->kind == K_RANGE ? cip_range_import_k8s(r, spec, strlen(spec), data, len)
					 : cip_ports_import_k8s(p, spec, strlen(spec), data, len),
		      0);
	s_replace(s, r, p);
	m_rebuild(&s->m, s->now, 0);
	m_reset_events(&s->m);
	free(data);
}

/* A spec Kubernetes reads as this range's CIDR though it is not its text:
 * leading zeros and host bits (ParseCIDRSloppy, then the masked network). */
static void sloppy_spec(const struct subj *s, char *spec, size_t cap)
{
	char text[CIP_PREFIX_STRLEN];
	int n = cip_addr_format(&s->cidr.addr, text, sizeof(text));

	FUZZ_CHECK(n > 0);
	if (s->cidr.addr.family == CIP_FAMILY_IPV4) {
		snprintf(spec, cap, "0%s/%u", text, (unsigned)s->cidr.len); /* "010.0.0.0/26" */
	} else {
		cip_addr host = addr_plus(&s->first, 0);

		n = cip_addr_format(&host, text, sizeof(text));
		FUZZ_CHECK(n > 0);
		snprintf(spec, cap, "%s/%u", text, (unsigned)s->cidr.len); /* "fd00::1/120" */
	}
}

/* Kubernetes data into the object itself: a bad spec or a bit past the
 * end changes nothing; an equal spec reloads the state. */
static void op_k8s_self(struct subj *s, struct fuzz_in *in)
{
	unsigned how = fuzz_u8(in) % 3;
	char spec[CIP_PREFIX_STRLEN + 8];
	size_t len = 0, mlen = 0;
	uint8_t *data = k8s_export(s, &len), *mine;
	int want = 0;

	if (data == NULL) {
		return;
	}
	s_spec(s, spec, sizeof(spec));
	if (how == 0) {
		if (s->kind == K_RANGE) {
			sloppy_spec(s, spec, sizeof(spec));
		}
		/* Ports: the exact text, the only one Kubernetes accepts. */
	} else if (how == 1) {
		if (s->kind == K_RANGE) {
			snprintf(spec, sizeof(spec), "%s",
				 s->cidr.addr.family == CIP_FAMILY_IPV4 ? "10.0.0.0/25"
									: "fd00::/121");
		} else {
			strcat(spec, " "); /* Kubernetes compares the texts exactly */
		}
		want = CIP_ESNAPSHOT_MISMATCH;
	} else {
		/* A bit at offset size: in the top byte, or one byte more. */
		size_t full = (size_t)((s->m.size + 7) / 8);
		uint8_t *big = calloc(full + 1, 1);

		FUZZ_CHECK(big != NULL);
		memcpy(big + (full + 1 - len), data, len);
		if (s->m.size % 8) {
			big[full - (size_t)(s->m.size / 8)] |= (uint8_t)(1u << (s->m.size % 8));
			memmove(big, big + 1, full);
			len = full;
		} else {
			big[0] = 1;
			len = full + 1;
		}
		free(data);
		data = big;
		want = CIP_ESNAPSHOT_CORRUPT;
	}
	mine = s_snap(s, &mlen);
	FUZZ_CHECK_RC(s_import(s, spec, data, len), want);
	if (want == 0) {
		m_rebuild(&s->m, s->now, 0);
	} else {
		check_same_snapshot(s, mine, mlen);
	}
	free(mine);
	free(data);
}

enum {
	OP_NEXT,
	OP_FILL,
	OP_TAKE,
	OP_RELEASE,
	OP_RELEASE_MANY,
	OP_HAS,
	OP_EXPIRE,
	OP_ADVANCE,
	OP_FOREACH_STOP,
	OP_STATS_SHORT,
	OP_SNAP_RESTORE,
	OP_SNAP_NEW,
	OP_RESTORE_DAMAGED,
	OP_RESTORE_FOREIGN,
	OP_NEW_FROM_DAMAGED,
	OP_K8S_FRESH,
	OP_K8S_SELF,
};

/* Operation byte -> operation: the common ones more often. */
static const uint8_t range_ops[32] = {
	/* clang-format off */
	OP_NEXT,              OP_NEXT,              OP_FILL,              OP_FILL,
	OP_TAKE,              OP_TAKE,              OP_TAKE,              OP_RELEASE,
	OP_RELEASE,           OP_RELEASE,           OP_RELEASE_MANY,      OP_RELEASE_MANY,
	OP_HAS,               OP_EXPIRE,            OP_ADVANCE,           OP_ADVANCE,
	OP_ADVANCE,           OP_FOREACH_STOP,      OP_STATS_SHORT,       OP_SNAP_RESTORE,
	OP_SNAP_RESTORE,      OP_SNAP_NEW,          OP_RESTORE_DAMAGED,   OP_RESTORE_DAMAGED,
	OP_RESTORE_FOREIGN,   OP_NEW_FROM_DAMAGED,  OP_K8S_FRESH,         OP_K8S_SELF,
	OP_NEXT,              OP_TAKE,              OP_RELEASE,           OP_ADVANCE,
	/* clang-format on */
};

static void range_op(struct subj *s, struct fuzz_in *in)
{
	switch (range_ops[fuzz_u8(in) % 32]) {
	case OP_NEXT:
		op_next(s, in);
		break;
	case OP_FILL:
		op_fill(s, in);
		break;
	case OP_TAKE:
		op_take(s, in);
		break;
	case OP_RELEASE:
		op_release(s, in);
		break;
	case OP_RELEASE_MANY:
		op_release_many(s, in);
		break;
	case OP_HAS:
		op_has(s, in);
		break;
	case OP_EXPIRE:
		op_expire(s);
		break;
	case OP_ADVANCE:
		s->now = advance(s->now, in);
		break;
	case OP_FOREACH_STOP:
		op_foreach_stop(s, in);
		break;
	case OP_STATS_SHORT:
		op_stats_short(s);
		break;
	case OP_SNAP_RESTORE:
		op_snap_restore(s);
		break;
	case OP_SNAP_NEW:
		op_snap_new(s);
		break;
	case OP_RESTORE_DAMAGED:
		op_restore_damaged(s, in);
		break;
	case OP_RESTORE_FOREIGN:
		op_restore_foreign(s, in);
		break;
	case OP_NEW_FROM_DAMAGED:
		op_new_from_damaged(s, in);
		break;
	case OP_K8S_FRESH:
		op_k8s_fresh(s);
		break;
	default:
		op_k8s_self(s, in);
		break;
	}
}

/* ---- set-up ----------------------------------------------------------- */

struct range_cfg {
	const char *cidr;
	int kind;
	cip_port_range pr;
};

static const struct range_cfg configs[] = {
	{ "10.0.0.0/26", K_RANGE, { 0, 0 } }, { "10.0.0.0/28", K_RANGE, { 0, 0 } },
	{ "10.0.0.0/20", K_RANGE, { 0, 0 } }, { "10.0.0.0/30", K_RANGE, { 0, 0 } },
	{ "fd00::/120", K_RANGE, { 0, 0 } },  { "fd00::/116", K_RANGE, { 0, 0 } },
	{ "fd00::/64", K_RANGE, { 0, 0 } },   { "fd00::/64", K_RANGE, { 0, 0 } },
	{ NULL, K_PORTS, { 30000, 64 } },     { NULL, K_PORTS, { 30000, 2768 } },
	{ NULL, K_PORTS, { 65530, 6 } },      { NULL, K_PORTS, { 0, 16 } },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

static const uint64_t quarantine_ns[4] = { 0, 16, 100, 1000 };
static const uint64_t quarantine_max[8] = { 0, 1, 2, 3, 5, 8, 64, 1000 };

static void sparse_window(struct subj *s)
{
	static const uint64_t mid = UINT64_C(1) << 63;
	size_t n = 0;

	for (uint64_t i = 0; i < 8; i++) {
		s->window[n++] = i;
	}
	for (uint64_t i = 248; i < 264; i++) { /* across the band edge (256) */
		s->window[n++] = i;
	}
	for (uint64_t i = 0; i < 8; i++) {
		s->window[n++] = mid - 4 + i;
	}
	for (uint64_t i = 0; i < 8; i++) {
		s->window[n++] = s->m.size - 8 + i;
	}
	s->nwindow = n;
}

/* Creates the object; @return 0, or non-zero when the options were
 * refused (checked). */
static int subject_new(struct subj *s, const struct range_cfg *c, struct fuzz_in *in)
{
	uint8_t o = fuzz_u8(in);
	uint64_t size, band, auto_band;
	int64_t band_opt;
	cip_u128 usable;
	int rc;

	memset(s, 0, sizeof(*s));
	s->kind = c->kind;
	s->now = 1000;
	if (c->kind == K_RANGE) {
		s->cidr = prefix_of(c->cidr);
		FUZZ_CHECK_RC(cip_service_range_usable(&usable, &s->cidr, 0), 0);
		FUZZ_CHECK_RC(cip_service_range_first(&s->first, &s->cidr, 0), 0);
		size = usable.lo;
		auto_band = (uint64_t)cip_service_range_static_band(&s->cidr);
	} else {
		s->pr = c->pr;
		size = c->pr.size;
		auto_band = (uint64_t)cip_node_port_static_band(c->pr.size);
	}
	switch (o & 3) {
	case 1:
		band_opt = CIP_STATIC_BAND_OFF;
		band = 0;
		break;
	case 2: /* explicit (0 is AUTO), sometimes larger than the range */
		band_opt = (int64_t)(fuzz_u16(in) % ((size < 300 ? size : 300) + 2));
		band = band_opt ? (uint64_t)band_opt : auto_band < size ? auto_band : size;
		break;
	default:
		band_opt = CIP_STATIC_BAND_AUTO;
		band = auto_band < size ? auto_band : size;
		break;
	}
	FUZZ_CHECK_RC(cip_range_opts_init(&s->ropts, sizeof(s->ropts)), 0);
	FUZZ_CHECK_RC(cip_ports_opts_init(&s->popts, sizeof(s->popts)), 0);
	s->ropts.seed = s->popts.seed = SEED;
	s->ropts.static_band = s->popts.static_band = band_opt;
	s->ropts.quarantine_ns = s->popts.quarantine_ns = quarantine_ns[o >> 2 & 3];
	s->ropts.quarantine_max = s->popts.quarantine_max = quarantine_max[o >> 4 & 7];
	rc = c->kind == K_RANGE ? cip_range_new(&s->r, &s->cidr, &s->ropts)
				: cip_ports_new(&s->p, &s->pr, &s->popts);
	if (band > size) {
		FUZZ_CHECK_RC(rc, CIP_ERANGE);
		return 1;
	}
	FUZZ_CHECK_RC(rc, 0);
	{
		uint64_t got = UINT64_MAX;
		cip_prefix cidr;
		cip_port_range pr;

		FUZZ_CHECK_RC(c->kind == K_RANGE ? cip_range_static_band_size(s->r, &got)
						 : cip_ports_static_band_size(s->p, &got),
			      0);
		FUZZ_CHECK(got == band);
		if (c->kind == K_RANGE) {
			FUZZ_CHECK_RC(cip_range_prefix(s->r, &cidr), 0);
			FUZZ_CHECK(memcmp(&cidr, &s->cidr, sizeof(cidr)) == 0);
		} else {
			FUZZ_CHECK_RC(cip_ports_range(s->p, &pr), 0);
			FUZZ_CHECK(pr.base == s->pr.base && pr.size == s->pr.size);
		}
	}
	m_init(&s->m, size, band, s->ropts.quarantine_ns, s->ropts.quarantine_max);
	if (s->m.sparse) {
		sparse_window(s);
	}
	return 0;
}

static void run_subject(const struct range_cfg *c, struct fuzz_in *in)
{
	struct subj s;

	if (subject_new(&s, c, in) != 0) {
		return;
	}
	check_subject(&s, 1, 1);
	for (s.step = 1; s.step <= MAX_OPS && in->n > 0; s.step++) {
		range_op(&s, in);
		check_subject(&s, s.step % SWEEP_EVERY == 0, 0);
	}
	s.now += 5000; /* every quarantine ends */
	op_expire(&s);
	check_subject(&s, 1, 1);
	cip_range_free(s.r);
	cip_ports_free(s.p);
	m_free(&s.m);
}

/* ------------------------------------------------------------------ */
/* Pools                                                              */
/* ------------------------------------------------------------------ */

#define POOL_MAX 16
#define REMOVED 3

static const char *const pool_cidrs[] = {
	"10.0.0.0/24",	"10.0.0.0/26", "10.0.0.128/25", "10.0.0.96/27",
	"10.0.0.16/28", "fd00::/120",  "fd00::/124",	"fd00::f0/124",
};
#define NPOOL_CIDRS (sizeof(pool_cidrs) / sizeof(pool_cidrs[0]))

struct pent {
	unsigned ci; /* pool_cidrs[ci] */
	int state;   /* CIP_POOL_ACTIVE, CIP_POOL_DRAINING or REMOVED */
	cip_prefix cidr;
	cip_range *r; /* borrowed; valid until the pool is freed */
	cip_addr first, last;
	struct model m;
};

struct psubj {
	cip_pool *p;
	uint32_t max_ranges;
	cip_range_opts ropts;
	struct pent e[2][POOL_MAX]; /* [0] IPv4, [1] IPv6, in add order */
	unsigned n[2];
	uint64_t now;
	cip_addr base[2]; /* 10.0.0.0, fd00:: */
};

static int fi_of(int family)
{
	return family == CIP_FAMILY_IPV6;
}

static int family_of_fi(int fi)
{
	return fi ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
}

static int contains(const struct pent *e, const cip_addr *a)
{
	return a->family == e->first.family && memcmp(a->bytes, e->first.bytes, 16) >= 0 &&
	       memcmp(a->bytes, e->last.bytes, 16) <= 0;
}

/* The range @p a belongs to: the first not removed containing it. */
static struct pent *owner(struct psubj *ps, const cip_addr *a)
{
	int fi = fi_of(a->family);

	for (unsigned i = 0; i < ps->n[fi]; i++) {
		struct pent *e = &ps->e[fi][i];

		if (e->state != REMOVED && contains(e, a)) {
			return e;
		}
	}
	return NULL;
}

static struct pent *find_ci(struct psubj *ps, unsigned ci)
{
	cip_prefix c = prefix_of(pool_cidrs[ci]);
	int fi = fi_of(c.addr.family);

	for (unsigned i = 0; i < ps->n[fi]; i++) {
		if (ps->e[fi][i].ci == ci && ps->e[fi][i].state != REMOVED) {
			return &ps->e[fi][i];
		}
	}
	return NULL;
}

static uint64_t e_off(const struct pent *e, const cip_addr *a)
{
	cip_u128 d;

	FUZZ_CHECK_RC(cip_addr_offset(&d, &e->first, a), 0);
	FUZZ_CHECK(d.hi == 0 && d.lo < e->m.size);
	return d.lo;
}

/* Does @p e contain a free address (in the model) of its own? */
static int has_free_own(struct psubj *ps, struct pent *e)
{
	for (uint64_t off = 0; off < e->m.size; off++) {
		cip_addr a;

		if (e->m.slot[off].st != M_FREE) {
			continue;
		}
		a = addr_plus(&e->first, off);
		if (owner(ps, &a) == e) {
			return 1;
		}
	}
	return 0;
}

/* Is @p e contained in an earlier range not removed (pool.c: shadowed)? */
static int shadowed(const struct psubj *ps, const struct pent *e)
{
	int fi = fi_of(e->first.family);

	for (const struct pent *a = ps->e[fi]; a < e; a++) {
		if (a->state != REMOVED && memcmp(a->first.bytes, e->first.bytes, 16) <= 0 &&
		    memcmp(e->last.bytes, a->last.bytes, 16) <= 0) {
			return 1;
		}
	}
	return 0;
}

static int any_active(const struct psubj *ps, int fi)
{
	for (unsigned i = 0; i < ps->n[fi]; i++) {
		if (ps->e[fi][i].state == CIP_POOL_ACTIVE) {
			return 1;
		}
	}
	return 0;
}

/*
 * Whether allocate_next of family @p fi must succeed: some active range
 * has a free address of its own and nothing in quarantine, so that the
 * exhaustive search runs there if the random draws keep missing.
 */
static int must_succeed(struct psubj *ps, int fi)
{
	for (unsigned i = 0; i < ps->n[fi]; i++) {
		struct pent *e = &ps->e[fi][i];

		if (e->state == CIP_POOL_ACTIVE && m_quar_all(&e->m) == 0 && has_free_own(ps, e)) {
			return 1;
		}
	}
	return 0;
}

/* Whether a dry run of family @p fi succeeds: some active range not
 * contained in an earlier one has an address available, or one whose
 * quarantine is due. */
static int dry_succeeds(struct psubj *ps, int fi)
{
	for (unsigned i = 0; i < ps->n[fi]; i++) {
		struct pent *e = &ps->e[fi][i];
		size_t live = 0;

		if (e->state != CIP_POOL_ACTIVE || shadowed(ps, e)) {
			continue;
		}
		m_due(&e->m, ps->now, &live);
		if (m_avail(&e->m, 0) + m_avail(&e->m, 1) > 0 || live > 0) {
			return 1;
		}
	}
	return 0;
}

static uint64_t e_quarantined(const struct pent *e)
{
	cip_range_stats st;

	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	FUZZ_CHECK_RC(cip_range_stats_get(e->r, &st), 0);
	return st.all.quarantined;
}

static void e_expire(struct psubj *ps, struct pent *e)
{
	int want = m_expire(&e->m, ps->now);

	FUZZ_CHECK_RC(cip_range_expire(e->r, ps->now), want);
}

/*
 * Before a pool allocate_next: a range whose due entries are all stale
 * would end them without any visible change, so end them here, where the
 * model sees it.
 */
static void settle_stale(struct psubj *ps)
{
	for (int fi = 0; fi < 2; fi++) {
		for (unsigned i = 0; i < ps->n[fi]; i++) {
			struct pent *e = &ps->e[fi][i];
			size_t live = 0;

			if (e->state != REMOVED && m_due(&e->m, ps->now, &live) > 0 && live == 0) {
				e_expire(ps, e);
			}
		}
	}
}

/* After it: which ranges ended their due quarantines, from their counts. */
static void observe_expiry(struct psubj *ps)
{
	for (int fi = 0; fi < 2; fi++) {
		for (unsigned i = 0; i < ps->n[fi]; i++) {
			struct pent *e = &ps->e[fi][i];
			size_t live = 0;
			uint64_t q;

			if (e->state == REMOVED) {
				continue;
			}
			m_due(&e->m, ps->now, &live);
			if (live == 0) {
				continue; /* nothing could change: check_pool() sees */
			}
			q = e_quarantined(e);
			if (q == m_quar_all(&e->m) - live) {
				m_expire(&e->m, ps->now);
			} else {
				FUZZ_CHECK(q == m_quar_all(&e->m));
			}
		}
	}
}

/* Records an address allocate_next handed out: its owner is active and
 * had it free. */
static void took(struct psubj *ps, const cip_addr *a)
{
	struct pent *e = owner(ps, a);
	uint64_t off;

	FUZZ_CHECK(e != NULL && e->state == CIP_POOL_ACTIVE);
	off = e_off(e, a);
	FUZZ_CHECK(m_state(&e->m, off) == M_FREE);
	FUZZ_CHECK_RC(m_take(&e->m, off, 0), 0);
	FUZZ_CHECK_RC(cip_pool_has(ps->p, a), 1);
}

/* A dry run's address: the network address of an active range. */
static void check_dry_addr(struct psubj *ps, const cip_addr *a, int fi)
{
	for (unsigned i = 0; i < ps->n[fi]; i++) {
		const struct pent *e = &ps->e[fi][i];

		if (e->state == CIP_POOL_ACTIVE && !shadowed(ps, e) &&
		    cip_addr_equal(a, &e->cidr.addr) == 1) {
			return;
		}
	}
	FUZZ_CHECK(0);
}

static int p_next(struct psubj *ps, int fi, unsigned flags)
{
	int dry = (flags & CIP_ALLOC_DRY_RUN) != 0, dry_ok = 0, rc;
	cip_addr a, untouched;

	settle_stale(ps);
	if (dry) {
		dry_ok = dry_succeeds(ps, fi);
	}
	memset(&a, SENTINEL, sizeof(a));
	untouched = a;
	rc = cip_pool_allocate_next(ps->p, family_of_fi(fi), ps->now, flags, &a);
	observe_expiry(ps);
	if (!any_active(ps, fi)) {
		FUZZ_CHECK_RC(rc, CIP_EFAMILY);
	} else if (rc != 0) {
		FUZZ_CHECK_RC(rc, CIP_EFULL);
		FUZZ_CHECK(dry ? !dry_ok : !must_succeed(ps, fi));
	} else if (dry) {
		FUZZ_CHECK(dry_ok);
	}
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&a, &untouched, sizeof(a)) == 0);
	} else if (dry) {
		check_dry_addr(ps, &a, fi);
	} else {
		took(ps, &a);
	}
	return rc;
}

static int pick_fi(struct fuzz_in *in)
{
	return fuzz_u8(in) & 1;
}

static void pop_next(struct psubj *ps, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	p_next(ps, b & 1, b & 2 ? CIP_ALLOC_DRY_RUN : 0);
}

static void pop_fill(struct psubj *ps, struct fuzz_in *in)
{
	int fi = pick_fi(in);
	unsigned n = 1 + fuzz_u8(in) % MAX_BATCH;

	for (unsigned i = 0; i < n && p_next(ps, fi, 0) == 0; i++) {
	}
}

static void pop_pair(struct psubj *ps, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	int policy = b % 4, fi = b >> 2 & 1, other = !fi;
	unsigned flags = b & 8 ? CIP_ALLOC_DRY_RUN : 0;
	int dry = flags != 0, dry1 = 0, dry2 = 0, want_count, rc;
	cip_addr out[2], untouched[2];
	size_t count = 99;

	settle_stale(ps);
	if (dry) {
		dry1 = dry_succeeds(ps, fi);
		dry2 = dry_succeeds(ps, other);
	}
	memset(out, SENTINEL, sizeof(out));
	memcpy(untouched, out, sizeof(out));
	rc = cip_pool_allocate_pair(ps->p, policy, family_of_fi(fi), ps->now, flags, out, &count);
	observe_expiry(ps);
	want_count = policy == CIP_SINGLE_STACK ||
				     (policy == CIP_PREFER_DUAL_STACK && !any_active(ps, other))
			     ? 1
			     : 2;
	if (policy == 0) {
		FUZZ_CHECK_RC(rc, CIP_EINVAL);
	} else if (!any_active(ps, fi) ||
		   (policy == CIP_REQUIRE_DUAL_STACK && !any_active(ps, other))) {
		FUZZ_CHECK_RC(rc, CIP_EFAMILY);
	} else if (rc != 0) {
		/* All or nothing: one of the families it needed was full. */
		FUZZ_CHECK_RC(rc, CIP_EFULL);
		if (dry) {
			FUZZ_CHECK(!dry1 || (want_count == 2 && !dry2));
		} else {
			FUZZ_CHECK(!must_succeed(ps, fi) ||
				   (want_count == 2 && !must_succeed(ps, other)));
		}
	} else if (dry) {
		FUZZ_CHECK(dry1 && (want_count == 1 || dry2));
	}
	if (rc != 0) {
		FUZZ_CHECK(count == 99 && memcmp(out, untouched, sizeof(out)) == 0);
		return;
	}
	FUZZ_CHECK(count == (size_t)want_count);
	FUZZ_CHECK(out[0].family == family_of_fi(fi));
	if (dry) {
		check_dry_addr(ps, &out[0], fi);
	} else {
		took(ps, &out[0]);
	}
	if (count == 2) {
		FUZZ_CHECK(out[1].family == family_of_fi(other));
		if (dry) {
			check_dry_addr(ps, &out[1], other);
		} else {
			took(ps, &out[1]);
		}
	} else {
		FUZZ_CHECK(memcmp(&out[1], &untouched[1], sizeof(out[1])) == 0);
	}
}

/* An address the operations act on: mostly in 10.0.0.0/24 or fd00::/120
 * (where the CIDRs are), sometimes one held or quarantined, or outside. */
static cip_addr pool_addr(struct psubj *ps, struct fuzz_in *in)
{
	unsigned how = fuzz_u8(in) % 8;
	int fi = pick_fi(in);
	unsigned k = fuzz_u8(in);

	if (how == 5 || how == 6) {
		for (unsigned i = 0; i < ps->n[fi]; i++) {
			unsigned j = (i + k) % ps->n[fi];
			const struct pent *e = &ps->e[fi][j];
			const struct mslot *hit;

			if (e->state == REMOVED) {
				continue;
			}
			hit = m_nth(&e->m, how == 5 ? M_ALLOC : M_QUAR, k);
			if (hit) {
				return addr_plus(&e->first, hit->off);
			}
		}
	}
	if (how == 7) {
		return addr_plus(&ps->base[fi], 256 + k);
	}
	return addr_plus(&ps->base[fi], k);
}

static void check_pool_has(struct psubj *ps, const cip_addr *a)
{
	struct pent *e = owner(ps, a);
	int want = e != NULL && m_state(&e->m, e_off(e, a)) == M_ALLOC;

	FUZZ_CHECK_RC(cip_pool_has(ps->p, a), want);
}

static void pop_allocate(struct psubj *ps, struct fuzz_in *in)
{
	unsigned flags = fuzz_u8(in) & 1 ? CIP_ALLOC_DRY_RUN : 0;
	cip_addr a = pool_addr(ps, in);
	struct pent *e = owner(ps, &a);
	int want = e == NULL || e->state != CIP_POOL_ACTIVE
			   ? CIP_ERANGE
			   : m_take(&e->m, e_off(e, &a), flags != 0);

	FUZZ_CHECK_RC(cip_pool_allocate(ps->p, &a, flags), want);
	check_pool_has(ps, &a);
}

static void p_release(struct psubj *ps, const cip_addr *a, unsigned flags)
{
	struct pent *e = owner(ps, a);
	int want = e == NULL ? CIP_ERANGE : m_release(&e->m, e_off(e, a), ps->now, flags);

	FUZZ_CHECK_RC(cip_pool_release(ps->p, a, ps->now, flags), want);
	check_pool_has(ps, a);
}

static void pop_release(struct psubj *ps, struct fuzz_in *in)
{
	unsigned flags = release_flags(in);
	cip_addr a = pool_addr(ps, in);

	p_release(ps, &a, flags);
}

/* Releases up to n addresses held by one range (so that it can go). */
static void pop_release_range(struct psubj *ps, struct fuzz_in *in)
{
	unsigned flags = release_flags(in);
	struct pent *e = find_ci(ps, fuzz_u8(in) % NPOOL_CIDRS);
	unsigned n = 1 + fuzz_u8(in) % MAX_BATCH;

	for (unsigned i = 0; e != NULL && i < n; i++) {
		const struct mslot *hit = m_nth(&e->m, M_ALLOC, 0);
		cip_addr a;

		if (hit == NULL) {
			return;
		}
		a = addr_plus(&e->first, hit->off);
		p_release(ps, &a, flags & ~(unsigned)CIP_ALLOC_DRY_RUN);
	}
}

static void pop_has(struct psubj *ps, struct fuzz_in *in)
{
	cip_addr a = pool_addr(ps, in);

	check_pool_has(ps, &a);
}

static void pop_add(struct psubj *ps, struct fuzz_in *in)
{
	unsigned ci = fuzz_u8(in) % NPOOL_CIDRS;
	cip_prefix c = prefix_of(pool_cidrs[ci]);
	int fi = fi_of(c.addr.family), rc, want;
	struct pent *e;
	cip_u128 usable;
	uint64_t band = UINT64_MAX, auto_band;

	want = find_ci(ps, ci) ? CIP_EEXIST : ps->n[fi] >= ps->max_ranges ? CIP_ELIMIT : 0;
	rc = cip_pool_add(ps->p, &c, &ps->ropts);
	FUZZ_CHECK_RC(rc, want);
	if (rc != 0) {
		return;
	}
	e = &ps->e[fi][ps->n[fi]++];
	memset(e, 0, sizeof(*e));
	e->ci = ci;
	e->state = CIP_POOL_ACTIVE;
	e->cidr = c;
	FUZZ_CHECK_RC(cip_pool_range(ps->p, &c, &e->r), 0);
	FUZZ_CHECK_RC(cip_service_range_first(&e->first, &c, 0), 0);
	FUZZ_CHECK_RC(cip_service_range_last(&e->last, &c, 0), 0);
	FUZZ_CHECK_RC(cip_service_range_usable(&usable, &c, 0), 0);
	FUZZ_CHECK_RC(cip_range_static_band_size(e->r, &band), 0);
	auto_band = (uint64_t)cip_service_range_static_band(&c);
	if (auto_band > usable.lo) {
		auto_band = usable.lo;
	}
	FUZZ_CHECK(band == (ps->ropts.static_band == CIP_STATIC_BAND_OFF ? 0 : auto_band));
	m_init(&e->m, usable.lo, band, ps->ropts.quarantine_ns, ps->ropts.quarantine_max);
}

static void pop_drain(struct psubj *ps, struct fuzz_in *in)
{
	unsigned ci = fuzz_u8(in) % NPOOL_CIDRS;
	cip_prefix c = prefix_of(pool_cidrs[ci]);
	struct pent *e = find_ci(ps, ci);

	FUZZ_CHECK_RC(cip_pool_drain(ps->p, &c), e ? 0 : CIP_ENOTFOUND);
	if (e) {
		e->state = CIP_POOL_DRAINING;
	}
}

static void pop_remove(struct psubj *ps, struct fuzz_in *in)
{
	unsigned ci = fuzz_u8(in) % NPOOL_CIDRS;
	cip_prefix c = prefix_of(pool_cidrs[ci]);
	struct pent *e = find_ci(ps, ci);
	int want = e == NULL			 ? CIP_ENOTFOUND
		   : e->state == CIP_POOL_ACTIVE ? CIP_EUNSUPPORTED
		   : m_used_all(&e->m) != 0	 ? CIP_EALLOCATED
						 : 0;
	cip_range *r = NULL;

	FUZZ_CHECK_RC(cip_pool_remove(ps->p, &c), want);
	if (want == 0) {
		e->state = REMOVED;
		FUZZ_CHECK_RC(cip_pool_range(ps->p, &c, &r), CIP_ENOTFOUND);
	}
}

static uint8_t *e_snap(const struct psubj *ps, const struct pent *e, size_t *len)
{
	size_t need = 0;
	uint8_t *buf;

	FUZZ_CHECK_RC(cip_range_snapshot(e->r, ps->now, NULL, 0, &need), CIP_EBUFSIZE);
	buf = xrealloc(NULL, need);
	FUZZ_CHECK_RC(cip_range_snapshot(e->r, ps->now, buf, need, len), 0);
	return buf;
}

/* A range's snapshot restored through cip_pool_range(), or a damaged copy
 * of it refused. */
static void pop_range_snapshot(struct psubj *ps, struct fuzz_in *in)
{
	unsigned ci = fuzz_u8(in) % NPOOL_CIDRS, how = fuzz_u8(in) % 3;
	size_t pos = fuzz_u16(in), len = 0, len2 = 0;
	cip_prefix c = prefix_of(pool_cidrs[ci]);
	struct pent *e = find_ci(ps, ci);
	cip_range *r = NULL;
	uint8_t *buf, *again, *bad;

	if (e == NULL) {
		FUZZ_CHECK_RC(cip_pool_range(ps->p, &c, &r), CIP_ENOTFOUND);
		return;
	}
	FUZZ_CHECK_RC(cip_pool_range(ps->p, &c, &r), 0);
	FUZZ_CHECK(r == e->r);
	buf = e_snap(ps, e, &len);
	bad = (uint8_t *)fuzz_dup(buf, len);
	if (how == 0) {
		FUZZ_CHECK_RC(cip_range_restore(r, ps->now, buf, len), 0);
		m_rebuild(&e->m, ps->now, 1);
	} else if (how == 1) {
		FUZZ_CHECK_RC(cip_range_restore(r, ps->now, bad, len - 1 - pos % len),
			      CIP_ESNAPSHOT_CORRUPT);
	} else {
		pos %= len;
		bad[pos] ^= 0x10;
		FUZZ_CHECK_RC(cip_range_restore(r, ps->now, bad, len),
			      pos == 8 || pos == 9 ? CIP_EUNSUPPORTED : CIP_ESNAPSHOT_CORRUPT);
	}
	again = e_snap(ps, e, &len2);
	FUZZ_CHECK(len == len2 && memcmp(buf, again, len) == 0);
	free(again);
	free(bad);
	free(buf);
}

static void pop_expire(struct psubj *ps, struct fuzz_in *in)
{
	struct pent *e = find_ci(ps, fuzz_u8(in) % NPOOL_CIDRS);

	if (e) {
		e_expire(ps, e);
	}
}

struct range_list {
	const struct psubj *ps;
	int fi;
	unsigned i; /* next entry of the model to compare */
};

static int visit_range(const cip_prefix *cidr, int state, void *ctx)
{
	struct range_list *l = ctx;
	const struct pent *e;

	while (l->i < l->ps->n[l->fi] && l->ps->e[l->fi][l->i].state == REMOVED) {
		l->i++;
	}
	FUZZ_CHECK(l->i < l->ps->n[l->fi]);
	e = &l->ps->e[l->fi][l->i++];
	FUZZ_CHECK(memcmp(cidr, &e->cidr, sizeof(*cidr)) == 0);
	FUZZ_CHECK(state == e->state);
	return 0;
}

struct pwalk {
	struct psubj *ps;
	struct pent *e;
	uint64_t prev, n;
};

static int visit_pool_range(const cip_addr *a, void *ctx)
{
	struct pwalk *w = ctx;
	uint64_t off = e_off(w->e, a);

	FUZZ_CHECK(w->n == 0 || off > w->prev);
	FUZZ_CHECK(m_state(&w->e->m, off) == M_ALLOC);
	FUZZ_CHECK(owner(w->ps, a) == w->e); /* held by its owner only */
	w->prev = off;
	w->n++;
	return 0;
}

static void check_entry(struct psubj *ps, struct pent *e, int full)
{
	const struct model *m = &e->m;
	cip_range_stats st;
	struct pwalk w = { ps, e, 0, 0 };

	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	FUZZ_CHECK_RC(cip_range_stats_get(e->r, &st), 0);
	FUZZ_CHECK(st.all.used == m_used_all(m));
	FUZZ_CHECK(st.all.quarantined == m_quar_all(m));
	FUZZ_CHECK(st.static_band.used == m->used[0]);
	FUZZ_CHECK(st.dynamic_band.quarantined == m->quar[1]);
	FUZZ_CHECK(st.all.available == m_avail(m, 0) + m_avail(m, 1));
	if (full || m_used_all(m) <= SMALL) {
		FUZZ_CHECK_RC(cip_range_foreach(e->r, visit_pool_range, &w), 0);
		FUZZ_CHECK(w.n == m_used_all(m));
	}
}

/* After every step: one family in turn (its ranges, their counters and
 * the pool's sums); with @p full both, foreach and has() everywhere. */
static void check_pool(struct psubj *ps, unsigned step, int full)
{
	for (int fi = 0; fi < 2; fi++) {
		struct range_list l = { ps, fi, 0 };
		uint64_t used = 0, avail = 0, v = UINT64_MAX;

		if (!full && (int)(step % 2) != fi) {
			continue;
		}

		FUZZ_CHECK_RC(cip_pool_foreach_range(ps->p, family_of_fi(fi), visit_range, &l), 0);
		for (unsigned i = 0; i < ps->n[fi]; i++) {
			struct pent *e = &ps->e[fi][i];

			if (e->state == REMOVED) {
				continue;
			}
			used += m_used_all(&e->m);
			if (e->state == CIP_POOL_ACTIVE) {
				avail += m_avail(&e->m, 0) + m_avail(&e->m, 1);
			}
			check_entry(ps, e, full);
		}
		for (; l.i < ps->n[fi]; l.i++) {
			FUZZ_CHECK(ps->e[fi][l.i].state == REMOVED); /* none left unvisited */
		}
		FUZZ_CHECK_RC(cip_pool_used(ps->p, family_of_fi(fi), &v), 0);
		FUZZ_CHECK(v == used);
		FUZZ_CHECK_RC(cip_pool_available(ps->p, family_of_fi(fi), &v), 0);
		FUZZ_CHECK(v == avail);
		if (!full) {
			continue;
		}
		for (unsigned k = 0; k < 256 + 8; k++) {
			cip_addr a = addr_plus(&ps->base[fi], k);

			check_pool_has(ps, &a);
		}
	}
}

enum {
	POP_ADD,
	POP_DRAIN,
	POP_REMOVE,
	POP_NEXT,
	POP_FILL,
	POP_ALLOCATE,
	POP_RELEASE,
	POP_RELEASE_RANGE,
	POP_HAS,
	POP_PAIR,
	POP_RANGE_SNAPSHOT,
	POP_EXPIRE,
	POP_ADVANCE,
};

static const uint8_t pool_ops[32] = {
	/* clang-format off */
	POP_ADD,             POP_ADD,             POP_ADD,             POP_ADD,
	POP_DRAIN,           POP_DRAIN,           POP_REMOVE,          POP_REMOVE,
	POP_NEXT,            POP_NEXT,            POP_NEXT,            POP_FILL,
	POP_FILL,            POP_ALLOCATE,        POP_ALLOCATE,        POP_RELEASE,
	POP_RELEASE,         POP_RELEASE_RANGE,   POP_RELEASE_RANGE,   POP_HAS,
	POP_PAIR,            POP_PAIR,            POP_PAIR,            POP_RANGE_SNAPSHOT,
	POP_RANGE_SNAPSHOT,  POP_EXPIRE,          POP_ADVANCE,         POP_ADVANCE,
	POP_NEXT,            POP_RELEASE,         POP_ALLOCATE,        POP_ADVANCE,
	/* clang-format on */
};

static void pool_op(struct psubj *ps, struct fuzz_in *in)
{
	switch (pool_ops[fuzz_u8(in) % 32]) {
	case POP_ADD:
		pop_add(ps, in);
		break;
	case POP_DRAIN:
		pop_drain(ps, in);
		break;
	case POP_REMOVE:
		pop_remove(ps, in);
		break;
	case POP_NEXT:
		pop_next(ps, in);
		break;
	case POP_FILL:
		pop_fill(ps, in);
		break;
	case POP_ALLOCATE:
		pop_allocate(ps, in);
		break;
	case POP_RELEASE:
		pop_release(ps, in);
		break;
	case POP_RELEASE_RANGE:
		pop_release_range(ps, in);
		break;
	case POP_HAS:
		pop_has(ps, in);
		break;
	case POP_PAIR:
		pop_pair(ps, in);
		break;
	case POP_RANGE_SNAPSHOT:
		pop_range_snapshot(ps, in);
		break;
	case POP_EXPIRE:
		pop_expire(ps, in);
		break;
	default:
		ps->now = advance(ps->now, in);
		break;
	}
}

static const uint32_t pool_max_ranges[4] = { 0, 2, 3, 5 };

static void run_pool(struct fuzz_in *in)
{
	uint8_t o = fuzz_u8(in);
	struct psubj *ps = calloc(1, sizeof(*ps));
	cip_pool_opts po;

	FUZZ_CHECK(ps != NULL);
	FUZZ_CHECK_RC(cip_pool_opts_init(&po, sizeof(po)), 0);
	po.seed = SEED;
	po.max_ranges = pool_max_ranges[o & 3];
	ps->max_ranges = po.max_ranges ? po.max_ranges : 16;
	FUZZ_CHECK_RC(cip_pool_new(&ps->p, &po), 0);
	FUZZ_CHECK_RC(cip_range_opts_init(&ps->ropts, sizeof(ps->ropts)), 0);
	ps->ropts.static_band = o & 4 ? CIP_STATIC_BAND_OFF : CIP_STATIC_BAND_AUTO;
	ps->ropts.quarantine_ns = quarantine_ns[o >> 3 & 3];
	ps->ropts.quarantine_max = quarantine_max[o >> 5 & 7];
	ps->now = 1000;
	ps->base[0] = addr_of("10.0.0.0");
	ps->base[1] = addr_of("fd00::");
	for (unsigned step = 1; step <= MAX_OPS && in->n > 0; step++) {
		pool_op(ps, in);
		check_pool(ps, step, step % 16 == 0);
	}
	check_pool(ps, 0, 1);
	cip_pool_free(ps->p);
	for (int fi = 0; fi < 2; fi++) {
		for (unsigned i = 0; i < ps->n[fi]; i++) {
			m_free(&ps->e[fi][i].m);
		}
	}
	free(ps);
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	unsigned which;

	if (size > MAX_INPUT || size == 0) {
		return 0;
	}
	which = fuzz_u8(&in) % 16;
	if (which < NCONFIGS) {
		run_subject(&configs[which], &in);
	} else {
		run_pool(&in);
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_pool: several cip_range per family (see pool.h).
 *
 * Publication. Each family has a fixed array of 64 slots, each an atomic
 * pointer to an entry, and an atomic count of the slots published. The one
 * configuring thread (add/drain/remove are serialized by the caller) fills
 * slot n, then publishes count = n + 1 with release order; readers load the
 * count with acquire order and then only look at slots below it. Entries
 * are never moved or freed before cip_pool_free(), so a reader never needs
 * to protect what it reads. An entry's state goes ACTIVE -> DRAINING ->
 * REMOVED and never back.
 *
 * Drain/remove against allocation. An allocator claims an address in a
 * range it saw ACTIVE, then (after a seq_cst fence) reads the state again
 * and undoes the claim if the range is no longer ACTIVE. cip_pool_remove()
 * sees DRAINING (written by cip_pool_drain()), then after a seq_cst fence
 * reads the range's used count. By the fences' total order, either the
 * allocator sees the range not ACTIVE (and undoes its claim), or the
 * remover sees the claim in the count (and refuses with CIP_EALLOCATED): a
 * removed range never hands out an address. (state_after_claim() has the
 * ThreadSanitizer variant.)
 *
 * Overlap. An address belongs to the first non-removed range (by slot)
 * that contains it. Slots are only appended, so that range can only change
 * when it is removed, which needs it to hold nothing. allocate_next claims
 * in the chosen range R; if an earlier non-removed range A contains the
 * address, it claims it in A too (same fence and state check as above) and
 * then releases it from R; if A already holds it, keeps it in quarantine
 * or is draining, it is released from R and another address is drawn. At
 * any instant an address is handed out from at most one range, and a range
 * other than its owner holds it only for the span of one allocate_next
 * call.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <clusterip/pool.h>

#include "alloc.h"
#include "opts.h"
#include "random.h"
#include "sanitize.h"

/* Slots per family: the largest max_ranges, one bit each in a uint64_t. */
#define POOL_SLOTS 64
#define POOL_DEFAULT_MAX_RANGES 16

/* The cap of one range's weight: 64 of them sum to at most 2^63. */
#define WEIGHT_CAP (UINT64_C(1) << 57)

/* How often allocate_next redraws because a range's address belonged to an
 * earlier range that could not take it, before it leaves that range out.
 * When half a range is such addresses, a wrong exclusion needs 32 bad
 * draws in a row: 2^-32. */
#define OVERLAP_TRIES 32

/* Entry states; the first two are the public enum cip_pool_range_state. */
enum {
	ST_ACTIVE = CIP_POOL_ACTIVE,
	ST_DRAINING = CIP_POOL_DRAINING,
	ST_REMOVED = 3,
};

struct entry {
	cip_range *range;
	cip_prefix cidr;
	cip_addr first; /* first usable address */
	cip_addr last;	/* last usable address */
	unsigned slot;
	_Atomic int state;
};

struct family {
	_Atomic(struct entry *) slot[POOL_SLOTS];
	_Atomic unsigned count; /* slots published */
};

struct cip_pool {
	uint64_t seed; /* as given: 0 = no derived range seeds */
	uint32_t max_ranges;
	_Atomic uint64_t rng; /* Weyl state of the weighted choice */
	struct family fam[2]; /* [0] IPv4, [1] IPv6 */
};

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static struct family *family_of(const cip_pool *p, int family)
{
	if (family == CIP_FAMILY_IPV4)
		return (struct family *)&p->fam[0];
	if (family == CIP_FAMILY_IPV6)
		return (struct family *)&p->fam[1];
	return NULL;
}

static unsigned published(const struct family *f)
{
	return atomic_load_explicit(&((struct family *)f)->count, memory_order_acquire);
}

static struct entry *slot_at(const struct family *f, unsigned i)
{
	return atomic_load_explicit(&((struct family *)f)->slot[i], memory_order_acquire);
}

static int state_of(const struct entry *e)
{
	return atomic_load(&((struct entry *)e)->state);
}

/*
 * The state of @p e, read after everything this thread did before (a claim
 * in its range), in one order with cip_pool_drain() and cip_pool_remove():
 * see the top of the file. A seq_cst fence; under ThreadSanitizer, which
 * does not model fences (and which GCC refuses them with), a seq_cst RMW
 * on the state instead: every write of the state is an RMW, so the RMWs
 * form one release sequence and give the same guarantee, at the price of
 * a write to a shared line.
 */
static int state_after_claim(struct entry *e)
{
#if CIP_TSAN
	return atomic_fetch_add(&e->state, 0);
#else
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load(&e->state);
#endif
}

static int prefix_equal(const cip_prefix *a, const cip_prefix *b)
{
	return a->len == b->len && cip_addr_equal(&a->addr, &b->addr) == 1;
}

/* 1 if @p a is a usable address of @p e (@p a is valid). */
static int entry_contains(const struct entry *e, const cip_addr *a)
{
	return a->family == e->first.family && memcmp(a->bytes, e->first.bytes, 16) >= 0 &&
	       memcmp(a->bytes, e->last.bytes, 16) <= 0;
}

/* The non-removed entry of @p cidr, or NULL. */
static struct entry *find_cidr(const struct family *f, const cip_prefix *cidr)
{
	unsigned n = published(f);

	for (unsigned i = 0; i < n; i++) {
		struct entry *e = slot_at(f, i);

		if (state_of(e) != ST_REMOVED && prefix_equal(&e->cidr, cidr))
			return e;
	}
	return NULL;
}

/* The entry @p a belongs to among slots [0, limit): the first non-removed
 * one that contains it; NULL if none. */
static struct entry *owner_below(const struct family *f, const cip_addr *a, unsigned limit)
{
	unsigned n = published(f);

	if (limit < n)
		n = limit;
	for (unsigned i = 0; i < n; i++) {
		struct entry *e = slot_at(f, i);

		if (entry_contains(e, a) && state_of(e) != ST_REMOVED)
			return e;
	}
	return NULL;
}

static struct entry *owner_of(const struct family *f, const cip_addr *a)
{
	return owner_below(f, a, POOL_SLOTS);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* A draw in [0, bound) from the pool's shared, lock-free random state. */
static uint64_t draw(cip_pool *p, uint64_t bound)
{
	uint64_t state = atomic_fetch_add_explicit(&p->rng, GOLDEN_GAMMA, memory_order_relaxed);

	state = cip__splitmix64(&state);
	return cip__bounded_random(&state, bound);
}

/* Checks a prefix without a range: a valid prefix has a network address. */
static int prefix_valid(const cip_prefix *cidr)
{
	cip_addr net;

	return cidr != NULL && cip_prefix_network(&net, cidr) == 0 &&
	       cip_addr_equal(&net, &cidr->addr) == 1;
}

/* ------------------------------------------------------------------ */
/* Life                                                               */
/* ------------------------------------------------------------------ */

int cip_pool_opts_init(cip_pool_opts *opts, size_t sz)
{
	return cip__opts_init(opts, sz, offsetof(cip_pool_opts, seed));
}

int cip_pool_new(cip_pool **out, const cip_pool_opts *opts)
{
	cip_pool_opts o;
	cip_pool *p;
	int rc;

	if (out == NULL)
		return CIP_EINVAL;
	cip_pool_opts_init(&o, sizeof(o));
	rc = cip__opts_copy(&o, sizeof(o), opts);
	if (rc != 0)
		return rc;
	if (o.max_ranges > POOL_SLOTS)
		return CIP_EINVAL;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return CIP_ENOMEM;
	p->seed = o.seed;
	p->max_ranges = o.max_ranges ? o.max_ranges : POOL_DEFAULT_MAX_RANGES;
	atomic_init(&p->rng, o.seed ? o.seed : cip__seed_from_os());
	for (int fi = 0; fi < 2; fi++) {
		for (unsigned i = 0; i < POOL_SLOTS; i++)
			atomic_init(&p->fam[fi].slot[i], NULL);
		atomic_init(&p->fam[fi].count, 0);
	}
	*out = p;
	return 0;
}

void cip_pool_free(cip_pool *p)
{
	if (p == NULL)
		return;
	for (int fi = 0; fi < 2; fi++) {
		unsigned n = atomic_load(&p->fam[fi].count);

		for (unsigned i = 0; i < n; i++) {
			struct entry *e = atomic_load(&p->fam[fi].slot[i]);

			cip_range_free(e->range);
			free(e);
		}
	}
	free(p);
}

/* ------------------------------------------------------------------ */
/* Configuration (serialized by the caller)                           */
/* ------------------------------------------------------------------ */

int cip_pool_add(cip_pool *p, const cip_prefix *cidr, const cip_range_opts *opts)
{
	cip_range_opts o;
	struct family *f;
	struct entry *e;
	unsigned n;
	int rc;

	if (p == NULL || !prefix_valid(cidr))
		return CIP_EINVAL;
	f = family_of(p, cidr->addr.family);
	if (find_cidr(f, cidr) != NULL)
		return CIP_EEXIST;
	n = atomic_load_explicit(&f->count, memory_order_relaxed);
	if (n >= p->max_ranges)
		return CIP_ELIMIT;

	/* The options with the defaults filled in, checked as cip_range_new()
	 * checks them; a zero seed is derived from the pool's. */
	cip_range_opts_init(&o, sizeof(o));
	rc = cip__opts_copy(&o, sizeof(o), opts);
	if (rc != 0)
		return rc;
	if (o.seed == 0 && p->seed != 0) {
		uint64_t s = p->seed ^ ((uint64_t)(cidr->addr.family * POOL_SLOTS + n + 1) *
					UINT64_C(0xD1B54A32D192ED03));

		o.seed = cip__splitmix64(&s) | 1;
	}

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return CIP_ENOMEM;
	rc = cip_range_new(&e->range, cidr, &o);
	if (rc < 0) {
		free(e);
		return rc;
	}
	/* The range accepted the flags, so the bounds exist. */
	e->cidr = *cidr;
	if (cip_service_range_first(&e->first, cidr, o.flags) < 0 ||
	    cip_service_range_last(&e->last, cidr, o.flags) < 0) {
		cip_range_free(e->range);
		free(e);
		return CIP_EINVAL;
	}
	e->slot = n;
	atomic_init(&e->state, ST_ACTIVE);
	atomic_store_explicit(&f->slot[n], e, memory_order_release);
	atomic_store_explicit(&f->count, n + 1, memory_order_release);
	return 0;
}

int cip_pool_drain(cip_pool *p, const cip_prefix *cidr)
{
	struct entry *e;

	if (p == NULL || !prefix_valid(cidr))
		return CIP_EINVAL;
	e = find_cidr(family_of(p, cidr->addr.family), cidr);
	if (e == NULL)
		return CIP_ENOTFOUND;
	atomic_exchange(&e->state, ST_DRAINING); /* an RMW: see the top */
	return 0;
}

int cip_pool_remove(cip_pool *p, const cip_prefix *cidr)
{
	struct entry *e;
	uint64_t used = 0;
	int rc;

	if (p == NULL || !prefix_valid(cidr))
		return CIP_EINVAL;
	e = find_cidr(family_of(p, cidr->addr.family), cidr);
	if (e == NULL)
		return CIP_ENOTFOUND;
	if (state_of(e) != ST_DRAINING)
		return CIP_EUNSUPPORTED;
	(void)state_after_claim(e);
	rc = cip_range_used(e->range, CIP_BAND_ALL, &used);
	if (rc < 0)
		return rc;
	if (used != 0)
		return CIP_EALLOCATED;
	atomic_exchange(&e->state, ST_REMOVED);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queries                                                            */
/* ------------------------------------------------------------------ */

int cip_pool_range(const cip_pool *p, const cip_prefix *cidr, cip_range **out)
{
	struct entry *e;

	if (p == NULL || out == NULL || !prefix_valid(cidr))
		return CIP_EINVAL;
	e = find_cidr(family_of(p, cidr->addr.family), cidr);
	if (e == NULL)
		return CIP_ENOTFOUND;
	*out = e->range;
	return 0;
}

int cip_pool_foreach_range(const cip_pool *p, int family, cip_pool_range_visit_fn fn, void *ctx)
{
	const struct family *f;
	unsigned n;

	if (p == NULL || fn == NULL || (f = family_of(p, family)) == NULL)
		return CIP_EINVAL;
	n = published(f);
	for (unsigned i = 0; i < n; i++) {
		const struct entry *e = slot_at(f, i);
		int state = state_of(e);

		if (state != ST_REMOVED) {
			cip_prefix cidr = e->cidr;
			int rc = fn(&cidr, state, ctx);

			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int cip_pool_has(const cip_pool *p, const cip_addr *addr)
{
	struct entry *e;

	if (p == NULL || cip_addr_family(addr) < 0)
		return CIP_EINVAL;
	e = owner_of(family_of(p, addr->family), addr);
	return e == NULL ? 0 : cip_range_has(e->range, addr);
}

/* Sums cip_range_used() over the non-removed ranges of a family, or with
 * @p available cip_range_available() over its active ranges. */
static int sum_counts(const cip_pool *p, int family, int available, uint64_t *out)
{
	const struct family *f;
	uint64_t sum = 0;
	unsigned n;

	if (p == NULL || out == NULL || (f = family_of(p, family)) == NULL)
		return CIP_EINVAL;
	n = published(f);
	for (unsigned i = 0; i < n; i++) {
		const struct entry *e = slot_at(f, i);
		int state = state_of(e);
		uint64_t v = 0;
		int rc;

		if (state == ST_REMOVED || (available && state != ST_ACTIVE))
			continue;
		rc = available ? cip_range_available(e->range, CIP_BAND_ALL, &v)
			       : cip_range_used(e->range, CIP_BAND_ALL, &v);
		if (rc < 0)
			return rc;
		sum = add_sat(sum, v);
	}
	*out = sum;
	return 0;
}

int cip_pool_used(const cip_pool *p, int family, uint64_t *out)
{
	return sum_counts(p, family, 0, out);
}

int cip_pool_available(const cip_pool *p, int family, uint64_t *out)
{
	return sum_counts(p, family, 1, out);
}

/* ------------------------------------------------------------------ */
/* Allocation                                                         */
/* ------------------------------------------------------------------ */

/* Results of settle() besides 0 and the CIP_E* codes. */
enum {
	AGAIN = 1, /* the claim was undone: draw again */
	GONE = 2,  /* the claim was undone and the range is no longer active */
};

/*
 * Makes the claim of @p a, just taken from @p r by allocate_next, final:
 * 0 when @p a may be handed out (held by the range it belongs to and by no
 * other), AGAIN or GONE when it was undone, or a CIP_E* code (undone too).
 */

static int settle(struct family *f, struct entry *r, const cip_addr *a, uint64_t now)
{
	struct entry *owner;
	int rc;

	if (state_after_claim(r) != ST_ACTIVE) {
		cip_range_release(r->range, a, now, CIP_RELEASE_NOW);
		return GONE;
	}
	owner = owner_below(f, a, r->slot);
	if (owner == NULL)
		return 0;
	if (state_of(owner) == ST_ACTIVE) {
		/* Free in the owner, not in its quarantine: this is an
		 * automatic allocation, which the quarantine holds off. */
		rc = cip__range_take_free(owner->range, a);
		if (rc == 0) {
			if (state_after_claim(owner) == ST_ACTIVE) {
				cip_range_release(r->range, a, now, CIP_RELEASE_NOW);
				return 0;
			}
			cip_range_release(owner->range, a, now, CIP_RELEASE_NOW);
		} else if (rc != CIP_EALLOCATED) {
			cip_range_release(r->range, a, now, CIP_RELEASE_NOW);
			return rc;
		}
	}
	cip_range_release(r->range, a, now, CIP_RELEASE_NOW);
	return AGAIN;
}

/* 1 if every usable address of @p e belongs to an earlier range: it can
 * allocate nothing of its own, so allocate_next leaves it out. */
static int shadowed(const struct family *f, const struct entry *e)
{
	for (unsigned i = 0; i < e->slot; i++) {
		const struct entry *a = slot_at(f, i);

		if (state_of(a) != ST_REMOVED && memcmp(a->first.bytes, e->first.bytes, 16) <= 0 &&
		    memcmp(e->last.bytes, a->last.bytes, 16) <= 0)
			return 1;
	}
	return 0;
}

/* Fills the candidates (active, not excluded, with available addresses)
 * and their weights; returns the weight sum. *active tells whether any
 * active range was seen at all. */
static uint64_t candidates(struct family *f, uint64_t excluded, struct entry **cand,
			   uint64_t *weight, unsigned *ncand, int *active)
{
	unsigned n = published(f), k = 0;
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++) {
		struct entry *e = slot_at(f, i);
		uint64_t avail = 0;

		if (state_of(e) != ST_ACTIVE)
			continue;
		*active = 1;
		if ((excluded >> i) & 1)
			continue;
		if (shadowed(f, e))
			continue;
		if (cip_range_available(e->range, CIP_BAND_ALL, &avail) < 0 || avail == 0)
			continue;
		cand[k] = e;
		weight[k] = avail < WEIGHT_CAP ? avail : WEIGHT_CAP;
		total += weight[k];
		k++;
	}
	*ncand = k;
	return total;
}

/*
 * The exhaustive fallback of allocate_next for a range whose random draws
 * kept landing on addresses of earlier ranges (say, its last free address
 * sits just past such a block, so that nearly every random start scans into
 * the block first): walk the range's allocated addresses in order and
 * claim the first free address of its own, dynamic band first. Only when
 * nothing is in quarantine, because the walk cannot tell a quarantined
 * address from a free one. O(allocated addresses of the range).
 */
struct gap_walk {
	struct family *f;
	struct entry *r;
	cip_addr next; /* the lowest address not looked at yet */
	cip_addr hi;   /* the last address of the walk */
	int done;      /* next is past hi */
	cip_addr got;
};

/* next = x + 1, or done when x is the last address of the walk. */
static void step_past(struct gap_walk *w, const cip_addr *x)
{
	const cip_u128 one = { 0, 1 };

	if (memcmp(x->bytes, w->hi.bytes, 16) >= 0 || cip_addr_add(&w->next, x, &one) < 0)
		w->done = 1;
}

/* Claims the first free own address from next up to, not including,
 * @p limit (NULL: up to hi). @return 1 when claimed (in got). */
static int claim_below(struct gap_walk *w, const cip_addr *limit)
{
	for (;;) {
		struct entry *a;

		while (!w->done && (a = owner_below(w->f, &w->next, w->r->slot)) != NULL)
			step_past(w, &a->last);
		if (w->done || (limit && memcmp(w->next.bytes, limit->bytes, 16) >= 0))
			return 0;
		if (cip_range_allocate(w->r->range, &w->next, 0) == 0) {
			w->got = w->next;
			return 1;
		}
		step_past(w, &w->next);
	}
}

static int gap_visit(const cip_addr *a, void *ctx)
{
	struct gap_walk *w = ctx;

	if (claim_below(w, a))
		return 1;
	if (!w->done && memcmp(a->bytes, w->next.bytes, 16) >= 0)
		step_past(w, a);
	return w->done ? 2 : 0;
}

/* One walk over [lo, hi]. @return 0 (claimed, in *out); CIP_EFULL; a
 * CIP_E* code of cip_range_foreach(). */
static int claim_walk(struct family *f, struct entry *r, const cip_addr *lo, const cip_addr *hi,
		      cip_addr *out)
{
	struct gap_walk w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.f = f;
	w.r = r;
	w.next = *lo;
	w.hi = *hi;
	rc = cip_range_foreach(r->range, gap_visit, &w);
	if (rc < 0)
		return rc;
	if (rc == 1 || claim_below(&w, NULL)) {
		*out = w.got;
		return 0;
	}
	return CIP_EFULL;
}

static int claim_by_walk(struct family *f, struct entry *r, cip_addr *out)
{
	cip_range_stats st;
	uint64_t band = 0;
	cip_u128 off = { 0, 0 };
	cip_addr mid, below;
	int rc;

	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	if (cip_range_stats_get(r->range, &st) < 0 || st.all.quarantined != 0 ||
	    cip_range_static_band_size(r->range, &band) < 0)
		return CIP_EFULL;
	off.lo = band;
	if (band == 0 || cip_addr_add(&mid, &r->first, &off) < 0 ||
	    memcmp(mid.bytes, r->last.bytes, 16) > 0)
		return claim_walk(f, r, &r->first, &r->last, out);
	/* The dynamic band [mid, last], then the static band [first, mid). */
	rc = claim_walk(f, r, &mid, &r->last, out);
	if (rc != CIP_EFULL)
		return rc;
	off.lo = 1;
	if (cip_addr_sub(&below, &mid, &off) < 0)
		return CIP_EFULL;
	return claim_walk(f, r, &r->first, &below, out);
}

/* Ends due quarantines in every active, not excluded range of @p f. */
static void expire_all(struct family *f, uint64_t excluded, uint64_t now)
{
	unsigned n = published(f);

	for (unsigned i = 0; i < n; i++) {
		struct entry *e = slot_at(f, i);

		if (state_of(e) == ST_ACTIVE && !((excluded >> i) & 1))
			cip_range_expire(e->range, now);
	}
}

int cip_pool_allocate_next(cip_pool *p, int family, uint64_t now, unsigned flags, cip_addr *out)
{
	struct entry *cand[POOL_SLOTS];
	uint64_t weight[POOL_SLOTS];
	unsigned char tries[POOL_SLOTS];
	uint64_t excluded = 0;
	struct family *f;
	int active = 0, expired = 0;

	if (p == NULL || out == NULL || (f = family_of(p, family)) == NULL ||
	    (flags & ~(unsigned)CIP_ALLOC_DRY_RUN) != 0)
		return CIP_EINVAL;
	memset(tries, 0, sizeof(tries));
	for (;;) {
		unsigned ncand = 0, k = 0;
		uint64_t total = candidates(f, excluded, cand, weight, &ncand, &active);
		struct entry *r;
		cip_addr a;
		int rc;

		if (total == 0) {
			if (!active)
				return CIP_EFAMILY;
			if (expired)
				return CIP_EFULL;
			/* Counts exclude addresses whose quarantine is due but
			 * not yet ended: end them and look once more. */
			expire_all(f, excluded, now);
			expired = 1;
			continue;
		}
		for (uint64_t x = draw(p, total); x >= weight[k]; k++)
			x -= weight[k];
		r = cand[k];

		rc = cip_range_allocate_next(r->range, now, flags, &a);
		if (rc == CIP_EFULL) {
			excluded |= UINT64_C(1) << r->slot;
			continue;
		}
		if (rc < 0)
			return rc;
		if (flags & CIP_ALLOC_DRY_RUN) {
			*out = a;
			return 0;
		}
		rc = settle(f, r, &a, now);
		if (rc == 0) {
			*out = a;
			return 0;
		}
		if (rc < 0)
			return rc;
		if (rc == GONE) {
			excluded |= UINT64_C(1) << r->slot;
			continue;
		}
		if (++tries[r->slot] < OVERLAP_TRIES)
			continue;
		/* Random draws keep missing: walk the range once, then leave it
		 * out. */
		excluded |= UINT64_C(1) << r->slot;
		rc = claim_by_walk(f, r, &a);
		if (rc == CIP_EFULL)
			continue;
		if (rc < 0)
			return rc;
		rc = settle(f, r, &a, now);
		if (rc == 0) {
			*out = a;
			return 0;
		}
		if (rc < 0)
			return rc;
	}
}

int cip_pool_allocate(cip_pool *p, const cip_addr *addr, unsigned flags)
{
	struct entry *e;
	int rc;

	if (p == NULL || cip_addr_family(addr) < 0 || (flags & ~(unsigned)CIP_ALLOC_DRY_RUN) != 0)
		return CIP_EINVAL;
	e = owner_of(family_of(p, addr->family), addr);
	if (e == NULL || state_of(e) != ST_ACTIVE)
		return CIP_ERANGE;
	rc = cip_range_allocate(e->range, addr, flags);
	if (rc < 0 || (flags & CIP_ALLOC_DRY_RUN))
		return rc;
	if (state_after_claim(e) != ST_ACTIVE) {
		/* Drained meanwhile: never handed out, so no quarantine. */
		cip_range_release(e->range, addr, 0, CIP_RELEASE_NOW);
		return CIP_ERANGE;
	}
	return 0;
}

int cip_pool_release(cip_pool *p, const cip_addr *addr, uint64_t now, unsigned flags)
{
	struct entry *e;

	if (p == NULL || cip_addr_family(addr) < 0 ||
	    (flags & ~(unsigned)(CIP_ALLOC_DRY_RUN | CIP_RELEASE_NOW)) != 0)
		return CIP_EINVAL;
	e = owner_of(family_of(p, addr->family), addr);
	if (e == NULL)
		return CIP_ERANGE;
	return cip_range_release(e->range, addr, now, flags);
}

int cip_pool_allocate_pair(cip_pool *p, int policy, int primary_family, uint64_t now,
			   unsigned flags, cip_addr out[2], size_t *count)
{
	int secondary = primary_family == CIP_FAMILY_IPV4 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
	cip_addr got[2];
	int rc;

	if (p == NULL || out == NULL || count == NULL || family_of(p, primary_family) == NULL ||
	    policy < CIP_SINGLE_STACK || policy > CIP_REQUIRE_DUAL_STACK ||
	    (flags & ~(unsigned)CIP_ALLOC_DRY_RUN) != 0)
		return CIP_EINVAL;
	if (policy == CIP_REQUIRE_DUAL_STACK) {
		/* Fail early rather than allocate and roll back. */
		const struct family *f = family_of(p, secondary);
		unsigned n = published(f), i;

		for (i = 0; i < n; i++)
			if (state_of(slot_at(f, i)) == ST_ACTIVE)
				break;
		if (i == n)
			return CIP_EFAMILY;
	}
	rc = cip_pool_allocate_next(p, primary_family, now, flags, &got[0]);
	if (rc < 0)
		return rc;
	if (policy != CIP_SINGLE_STACK) {
		rc = cip_pool_allocate_next(p, secondary, now, flags, &got[1]);
		if (rc == CIP_EFAMILY && policy == CIP_PREFER_DUAL_STACK) {
			policy = CIP_SINGLE_STACK; /* the pool is single-stack */
		} else if (rc < 0) {
			if (!(flags & CIP_ALLOC_DRY_RUN))
				cip_pool_release(p, &got[0], now, CIP_RELEASE_NOW);
			return rc;
		}
	}
	out[0] = got[0];
	if (policy != CIP_SINGLE_STACK)
		out[1] = got[1];
	*count = policy == CIP_SINGLE_STACK ? 1 : 2;
	return 0;
}

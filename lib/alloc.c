/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The offset allocator under cip_range and cip_ports (see alloc.h).
 *
 * Bands. A claim in a full interval pays an exact scan before it reports
 * full, so allocate_next must not keep claiming in a dynamic band that is
 * full. Counting the bands on every call would cost more than the claim
 * itself, so a hint does it: the first claim that finds the dynamic band
 * full sets `dynamic_full`; while it is set, allocate_next counts the
 * bands first; a release in the dynamic band clears it. The counts may be
 * stale under concurrency; the claim itself is what decides, so a stale
 * count only moves one allocation between bands, never hands out an
 * address twice.
 *
 * Counting. The engines keep no counts; the set bits of a band are derived
 * from the events this file counts anyway, per thread stripe:
 *   set = allocations - releases + quarantined + loaded,
 * because every path that changes a bit changes one of the terms with it:
 *   claim, fresh take:   bit set,    allocations + 1;
 *   take from quarantine: no change, allocations + 1, quarantined - 1;
 *   release now:         bit clear,  releases + 1;
 *   release to quarantine: no change, releases + 1, quarantined + 1;
 *   expiry:              bit clear,  quarantined - 1;
 *   restore:             bits set,   loaded + n (quarantined + 1 for an
 *                                    entry in quarantine).
 * So an allocation pays two locked instructions (its bit and its event),
 * not three. Each term moves right after its bit change, in an order that
 * lets a racing read count fewer set bits than there are but never more
 * than the bits that were set at some moment: "full" from the count is
 * believed by allocate_next only as a clear in flight may be ordered after
 * it (see claim_band()).
 *
 * Quarantine transitions, all on one offset's state byte by CAS:
 *   release:  allocated (engine bit set, Q clear) -> Q set, generation + 1,
 *             then an entry is queued;
 *   take:     Q set -> Q clear (a specific allocate reclaims the address);
 *   expire:   Q set with the entry's generation -> Q clear, then the engine
 *             bit is cleared.
 * Between the last two steps of expire the offset looks allocated, so a
 * specific allocate of it racing with its expiry may report
 * CIP_EALLOCATED; range.h documents this.
 */
/* getentropy() and clock_gettime() under a strict C11 compile. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "random.h"

#define QGEN_MASK 0x7fu

_Static_assert(sizeof(struct cip__alloc_stripe) == 64, "one stripe per cache line");

/* ------------------------------------------------------------------ */
/* Engine dispatch                                                    */
/* ------------------------------------------------------------------ */

static int e_set(struct cip__alloc *a, uint64_t off)
{
	return a->sparse ? cip__sparse_set(&a->engine.sparse, off)
			 : cip__bitmap_set(&a->engine.dense, off);
}

static int e_clear(struct cip__alloc *a, uint64_t off)
{
	return a->sparse ? cip__sparse_clear(&a->engine.sparse, off)
			 : cip__bitmap_clear(&a->engine.dense, off);
}

static int e_test(const struct cip__alloc *a, uint64_t off)
{
	return a->sparse ? cip__sparse_test(&a->engine.sparse, off)
			 : cip__bitmap_test(&a->engine.dense, off);
}

static int band_of(const struct cip__alloc *a, uint64_t off)
{
	return off < a->band ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* Stripes: per-thread random state and event counters                */
/* ------------------------------------------------------------------ */

/*
 * A thread's stripe: a hash of the address of a thread-local object, so
 * that each thread keeps to one stripe without any global counter. The
 * address varies from run to run (address space layout randomisation), so
 * the random state does not depend on it: see draw().
 */
static struct cip__alloc_stripe *my_stripe(const struct cip__alloc *a)
{
	static _Thread_local unsigned char anchor;
	uint64_t h = (uint64_t)(uintptr_t)&anchor * GOLDEN_GAMMA;

	return &a->stripes[h >> 60 & (CIP__ALLOC_STRIPES - 1)];
}

/*
 * A uniformly drawn offset in [0, bound), bound ≥ 1.
 *
 * Each stripe has its own splitmix64 state, so threads do not write one
 * shared line per allocation. A stripe's state is 0 until its first draw,
 * which takes the next state of the allocator's own seeded sequence: the
 * first stripe used, whichever it is, always starts the same way, so one
 * seed gives the same allocations in every run of a single-threaded
 * program, and each further thread gets a different stream. The state is
 * advanced with a plain load and store, not an RMW: two threads that
 * share a stripe may draw the same number, which is harmless (the claim
 * decides), and a thread pays no locked instruction for it.
 */
static uint64_t draw(struct cip__alloc *a, struct cip__alloc_stripe *s, uint64_t bound)
{
	uint64_t state = atomic_load_explicit(&s->rng, memory_order_relaxed);

	if (state == 0) {
		state = atomic_fetch_add_explicit(&a->streams, GOLDEN_GAMMA, memory_order_relaxed);
		state = cip__splitmix64(&state);
	}
	state += GOLDEN_GAMMA;
	atomic_store_explicit(&s->rng, state ? state : GOLDEN_GAMMA, memory_order_relaxed);
	state = cip__splitmix64(&state);
	return cip__bounded_random(&state, bound);
}

static void count_event(_Atomic uint64_t *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static uint64_t sum_stripes(const struct cip__alloc *a, size_t field, int b)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < CIP__ALLOC_STRIPES; i++) {
		const _Atomic uint64_t *c =
			(const _Atomic uint64_t *)((const char *)&a->stripes[i] + field) + b;

		n += atomic_load_explicit(c, memory_order_relaxed);
	}
	return n;
}

static uint64_t band_size(const struct cip__alloc *a, int b)
{
	return b ? a->size - a->band : a->band;
}

/* The set bits of band @p b (see "Counting" above), clamped to the band:
 * the terms are read one after another, not at one instant. */
static uint64_t band_set(const struct cip__alloc *a, int b)
{
	uint64_t n = sum_stripes(a, offsetof(struct cip__alloc_stripe, allocations), b) -
		     sum_stripes(a, offsetof(struct cip__alloc_stripe, releases), b) +
		     (uint64_t)atomic_load_explicit(&a->q.held[b], memory_order_relaxed) +
		     (uint64_t)atomic_load_explicit(&a->loaded[b], memory_order_relaxed);

	if ((int64_t)n < 0)
		return 0;
	return n < band_size(a, b) ? n : band_size(a, b);
}

uint64_t cip__seed_from_os(void)
{
	uint64_t seed = 0;
	struct timespec ts;

#if defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__)
	if (getentropy(&seed, sizeof(seed)) == 0 && seed != 0)
		return seed;
#endif
	/* No entropy source: time and address space layout are still far
	 * better than a constant. */
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	seed ^= (uint64_t)(uintptr_t)&seed;
	return cip__splitmix64(&seed) | 1;
}

/* ------------------------------------------------------------------ */
/* Quarantine state bytes                                             */
/* ------------------------------------------------------------------ */

/* The word holding @p off's state byte; NULL when a sparse word was never
 * created (create = 0) or could not be (create = 1, out of memory). */
static _Atomic uint64_t *q_word(const struct cip__alloc *a, uint64_t off, int create)
{
	_Atomic uint64_t *w = NULL;

	if (!a->q.duration)
		return NULL;
	if (a->q.states)
		return &a->q.states[off / 8];
	if (create) {
		if (cip__u64map_bind(a->q.smap, off / 8, &w) != 0)
			return NULL;
		return w;
	}
	return cip__u64map_find(a->q.smap, off / 8);
}

static unsigned q_byte(uint64_t word, uint64_t off)
{
	return (unsigned)(word >> (off % 8 * 8)) & 0xffu;
}

static uint64_t q_with_byte(uint64_t word, uint64_t off, unsigned byte)
{
	unsigned shift = (unsigned)(off % 8 * 8);

	return (word & ~(UINT64_C(0xff) << shift)) | ((uint64_t)byte << shift);
}

static int q_held(const struct cip__alloc *a, uint64_t off)
{
	_Atomic uint64_t *w = q_word(a, off, 0);

	return w && (q_byte(atomic_load(w), off) & 1u);
}

/*
 * CAS of one state byte from a value @p accept approves to @p next(byte).
 * @return the old byte on success, -1 when @p accept refused it.
 */
static int q_update(_Atomic uint64_t *w, uint64_t off, int (*accept)(unsigned byte, unsigned arg),
		    unsigned (*next)(unsigned byte), unsigned arg)
{
	uint64_t old = atomic_load(w);

	for (;;) {
		unsigned byte = q_byte(old, off);

		if (!accept(byte, arg))
			return -1;
		if (atomic_compare_exchange_weak(w, &old, q_with_byte(old, off, next(byte))))
			return (int)byte;
	}
}

static int is_free_of_q(unsigned byte, unsigned arg)
{
	(void)arg;
	return !(byte & 1u);
}

static int is_held(unsigned byte, unsigned arg)
{
	(void)arg;
	return byte & 1u;
}

static int is_held_gen(unsigned byte, unsigned gen)
{
	return byte == (gen << 1 | 1u);
}

static unsigned enter_next_gen(unsigned byte)
{
	return (((byte >> 1) + 1u) & QGEN_MASK) << 1 | 1u;
}

static unsigned leave(unsigned byte)
{
	return byte & ~1u;
}

/* ------------------------------------------------------------------ */
/* Quarantine ring (bounded MPMC queue)                               */
/* ------------------------------------------------------------------ */

static uint64_t next_pow2(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void q_hold_count(struct cip__alloc *a, uint64_t off, int64_t delta)
{
	atomic_fetch_add_explicit(&a->q.held[band_of(a, off)], delta, memory_order_relaxed);
}

/* Ends the quarantine of (off, gen) if it is still that one. @return 1 if
 * the address became free. */
static int q_end(struct cip__alloc *a, uint64_t off, unsigned gen)
{
	_Atomic uint64_t *w = q_word(a, off, 0);

	if (!w || q_update(w, off, is_held_gen, leave, gen) < 0)
		return 0; /* stale: taken back, or released again since */
	q_hold_count(a, off, -1);
	e_clear(a, off);
	if (band_of(a, off) == 1)
		atomic_store_explicit(&a->dynamic_full, 0, memory_order_relaxed);
	return 1;
}

/*
 * A cell's sequence number is stored less the cell's index: Vyukov's queue
 * starts cell i at sequence i, so zeroed memory is the ring's initial
 * state. The ring is then calloc'ed with no loop over it, and its pages
 * are committed only as releases reach them, however large a limit the
 * options or a snapshot ask for.
 */
static uint64_t cell_seq(const struct cip__quarantine *q, struct cip__qcell *c, memory_order mo)
{
	return atomic_load_explicit(&c->seq, mo) + (uint64_t)(c - q->cells);
}

static void cell_publish(const struct cip__quarantine *q, struct cip__qcell *c, uint64_t seq)
{
	atomic_store_explicit(&c->seq, seq - (uint64_t)(c - q->cells), memory_order_release);
}

/*
 * Dequeues the oldest entry if it is due by @p now (or unconditionally
 * with @p force) and ends its quarantine. @return 1 if an entry was
 * dequeued, 0 if none is due, and stores whether it freed an address.
 */
static int q_pop(struct cip__alloc *a, uint64_t now, int force, int *freed)
{
	struct cip__quarantine *q = &a->q;
	uint64_t pos = atomic_load(&q->head);

	for (;;) {
		struct cip__qcell *c = &q->cells[pos & (q->capacity - 1)];
		uint64_t seq = cell_seq(q, c, memory_order_acquire);
		int64_t dif = (int64_t)(seq - (pos + 1));

		if (dif < 0)
			return 0; /* empty */
		if (dif > 0) {
			pos = atomic_load(&q->head);
			continue;
		}
		if (!force && atomic_load_explicit(&c->expiry, memory_order_relaxed) > now)
			return 0;
		if (atomic_compare_exchange_weak(&q->head, &pos, pos + 1)) {
			uint64_t off = atomic_load_explicit(&c->offset, memory_order_relaxed);
			unsigned gen =
				(unsigned)atomic_load_explicit(&c->gen, memory_order_relaxed);

			cell_publish(q, c, pos + q->capacity);
			*freed = q_end(a, off, gen);
			return 1;
		}
	}
}

/* Queues an entry; when the ring is at its limit, ends the oldest
 * quarantine early to make room. */
static void q_push(struct cip__alloc *a, uint64_t off, unsigned gen, uint64_t expiry)
{
	struct cip__quarantine *q = &a->q;
	int freed;

	for (;;) {
		uint64_t pos = atomic_load(&q->tail);
		struct cip__qcell *c = &q->cells[pos & (q->capacity - 1)];
		uint64_t seq = cell_seq(q, c, memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0 && pos - atomic_load(&q->head) < q->limit) {
			if (atomic_compare_exchange_weak(&q->tail, &pos, pos + 1)) {
				atomic_store_explicit(&c->offset, off, memory_order_relaxed);
				atomic_store_explicit(&c->gen, gen, memory_order_relaxed);
				atomic_store_explicit(&c->expiry, expiry, memory_order_relaxed);
				cell_publish(q, c, pos + 1);
				return;
			}
		} else if (dif <= 0) {
			q_pop(a, 0, 1, &freed); /* at the limit: the oldest goes */
		}
	}
}

static int q_init(struct cip__quarantine *q, uint64_t size, int sparse, uint64_t duration,
		  uint64_t limit)
{
	if (!duration)
		return 0;
	if (!limit)
		limit = size < CIP_QUARANTINE_DEFAULT_MAX ? size : CIP_QUARANTINE_DEFAULT_MAX;
	if (limit > size)
		limit = size; /* more could never be held: do not allocate the ring */
	if (limit > CIP__QUARANTINE_LIMIT)
		return CIP_EINVAL;
	q->duration = duration;
	q->limit = limit;
	q->capacity = next_pow2(limit);
	q->cells = calloc(q->capacity, sizeof(*q->cells));
	if (!q->cells)
		return CIP_ENOMEM;
	if (sparse) {
		q->smap = calloc(1, sizeof(*q->smap));
		if (!q->smap || cip__u64map_init(q->smap, 0) != 0)
			return CIP_ENOMEM;
	} else {
		q->states = calloc(size / 8 + 1, sizeof(*q->states));
		if (!q->states)
			return CIP_ENOMEM;
	}
	return 0;
}

static void q_destroy(struct cip__quarantine *q)
{
	free(q->cells);
	free((void *)q->states);
	if (q->smap)
		cip__u64map_destroy(q->smap);
	free(q->smap);
	memset(q, 0, sizeof(*q));
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__alloc_band(int64_t request, uint64_t auto_band, uint64_t size, uint64_t *band)
{
	if (request == CIP_STATIC_BAND_AUTO) {
		*band = auto_band < size ? auto_band : size;
		return 0;
	}
	if (request == CIP_STATIC_BAND_OFF) {
		*band = 0;
		return 0;
	}
	if (request < 0)
		return CIP_EINVAL;
	if ((uint64_t)request > size)
		return CIP_ERANGE;
	*band = (uint64_t)request;
	return 0;
}

int cip__alloc_init(struct cip__alloc *a, uint64_t size, uint64_t band, uint64_t quarantine_ns,
		    uint64_t quarantine_max, uint64_t seed)
{
	struct cip__alloc tmp;
	int rc;

	if (!a || size == 0 || band > size)
		return CIP_EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	tmp.size = size;
	tmp.band = band;
	tmp.sparse = size > CIP_RANGE_DENSE_MAX;
	tmp.seed = seed ? seed : cip__seed_from_os();
	tmp.quarantine_ns = quarantine_ns;
	tmp.quarantine_max = quarantine_max;
	tmp.stripes = calloc(CIP__ALLOC_STRIPES, sizeof(*tmp.stripes));
	if (!tmp.stripes)
		return CIP_ENOMEM;
	atomic_init(&tmp.streams, tmp.seed); /* the stripes' states start at 0 */
	rc = tmp.sparse ? cip__sparse_init(&tmp.engine.sparse, size)
			: cip__bitmap_init(&tmp.engine.dense, size);
	if (rc != 0) {
		free(tmp.stripes);
		return rc;
	}
	rc = q_init(&tmp.q, size, tmp.sparse, quarantine_ns, quarantine_max);
	if (rc != 0) {
		cip__alloc_destroy(&tmp);
		return rc;
	}
	*a = tmp;
	return 0;
}

void cip__alloc_destroy(struct cip__alloc *a)
{
	if (!a || !a->stripes)
		return;
	if (a->sparse)
		cip__sparse_destroy(&a->engine.sparse);
	else
		cip__bitmap_destroy(&a->engine.dense);
	q_destroy(&a->q);
	free(a->stripes);
	memset(a, 0, sizeof(*a));
}

void cip__alloc_swap(struct cip__alloc *a, struct cip__alloc *b)
{
	struct cip__alloc t;

	memcpy(&t, a, sizeof(t));
	memcpy(a, b, sizeof(t));
	memcpy(b, &t, sizeof(t));
}

static void copy_counter(_Atomic uint64_t *to, const _Atomic uint64_t *from)
{
	atomic_store_explicit(to, atomic_load_explicit(from, memory_order_relaxed),
			      memory_order_relaxed);
}

/*
 * The events move stripe by stripe, and the set bits the fresh allocator
 * counts stay what they are: by "Counting" above, allocations - releases
 * is taken off `loaded` as it is added to the events.
 */
void cip__alloc_keep_events(struct cip__alloc *fresh, const struct cip__alloc *old)
{
	const size_t allocs = offsetof(struct cip__alloc_stripe, allocations);
	const size_t rels = offsetof(struct cip__alloc_stripe, releases);

	for (int b = 0; b < 2; b++) {
		uint64_t net = sum_stripes(old, allocs, b) - sum_stripes(old, rels, b);

		atomic_fetch_sub_explicit(&fresh->loaded[b], (int64_t)net, memory_order_relaxed);
	}
	for (unsigned i = 0; i < CIP__ALLOC_STRIPES; i++) {
		for (int b = 0; b < 2; b++) {
			copy_counter(&fresh->stripes[i].allocations[b],
				     &old->stripes[i].allocations[b]);
			copy_counter(&fresh->stripes[i].releases[b], &old->stripes[i].releases[b]);
			copy_counter(&fresh->stripes[i].errors[b], &old->stripes[i].errors[b]);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

int cip__alloc_expire(struct cip__alloc *a, uint64_t now)
{
	int freed = 0, n = 0;

	if (!a->q.duration)
		return 0;
	while (q_pop(a, now, 0, &freed)) {
		if (freed && n < INT32_MAX)
			n++;
	}
	return n;
}

/*
 * Claims in band @p b from a random start. The bitmap's summary may briefly
 * hide a free bit while other operations are in flight, so its "full" is
 * believed only if the band count agrees; otherwise every word is read. The
 * count can show the band full only while a clear is still in flight (it is
 * counted after the bit changes), and that clear can be ordered after this
 * claim.
 */
static int claim_band(struct cip__alloc *a, struct cip__alloc_stripe *s, int b, uint64_t *out)
{
	uint64_t lo = b ? a->band : 0, hi = b ? a->size : a->band;
	uint64_t start = lo + draw(a, s, hi - lo);
	int rc;

	if (a->sparse)
		return cip__sparse_claim(&a->engine.sparse, lo, hi, start, out);
	rc = cip__bitmap_claim_fast(&a->engine.dense, lo, hi, start, out);
	if (rc == CIP_EFULL && band_set(a, b) < hi - lo)
		rc = cip__bitmap_claim(&a->engine.dense, lo, hi, start, out);
	return rc;
}

int cip__alloc_next(struct cip__alloc *a, uint64_t now, unsigned flags, uint64_t *out)
{
	struct cip__alloc_stripe *s = my_stripe(a);
	uint64_t upper = 0, off;
	int rc = CIP_EFULL;

	cip__alloc_expire(a, now);
	if (flags & CIP_ALLOC_DRY_RUN) {
		int room = band_set(a, 0) < a->band || band_set(a, 1) < a->size - a->band;

		return room ? 0 : CIP_EFULL;
	}
	if (atomic_load_explicit(&a->dynamic_full, memory_order_relaxed))
		upper = band_set(a, 1);
	if (upper < a->size - a->band) {
		rc = claim_band(a, s, 1, &off);
		if (rc != CIP_EFULL)
			goto done;
		atomic_store_explicit(&a->dynamic_full, 1, memory_order_relaxed);
	}
	if (a->band > 0) /* at most 256 addresses: a full one is cheap to scan */
		rc = claim_band(a, s, 0, &off);
done:
	if (rc == 0) {
		count_event(&s->allocations[band_of(a, off)]);
		*out = off;
	} else if (rc == CIP_EFULL) {
		count_event(&s->errors[1]);
	}
	return rc;
}

int cip__alloc_take(struct cip__alloc *a, uint64_t off, unsigned flags)
{
	struct cip__alloc_stripe *s = my_stripe(a);
	_Atomic uint64_t *w;
	int rc;

	if (off >= a->size)
		return CIP_ERANGE;
	if (flags & CIP_ALLOC_DRY_RUN) {
		rc = e_test(a, off);
		if (rc < 0)
			return rc;
		return rc == 0 || q_held(a, off) ? 0 : CIP_EALLOCATED;
	}
	rc = e_set(a, off);
	if (rc == CIP_EALLOCATED && !(flags & CIP__TAKE_FREE) && (w = q_word(a, off, 0)) != NULL &&
	    q_update(w, off, is_held, leave, 0) >= 0) {
		q_hold_count(a, off, -1); /* taken back from quarantine */
		rc = 0;
	}
	if (rc == 0)
		count_event(&s->allocations[band_of(a, off)]);
	else if (rc == CIP_EALLOCATED)
		count_event(&s->errors[band_of(a, off)]);
	return rc;
}

/* Counts a release that just succeeded; it may have ended a full dynamic
 * band. */
static void count_release(struct cip__alloc *a, uint64_t off)
{
	count_event(&my_stripe(a)->releases[band_of(a, off)]);
	if (band_of(a, off) == 1 && atomic_load_explicit(&a->dynamic_full, memory_order_relaxed))
		atomic_store_explicit(&a->dynamic_full, 0, memory_order_relaxed);
}

static int release_now(struct cip__alloc *a, uint64_t off, unsigned flags)
{
	int rc;

	if (q_held(a, off))
		return CIP_ENOTALLOCATED;
	if (flags & CIP_ALLOC_DRY_RUN) {
		rc = e_test(a, off);
		return rc < 0 ? rc : rc ? 0 : CIP_ENOTALLOCATED;
	}
	rc = e_clear(a, off);
	if (rc == 0)
		count_release(a, off);
	return rc;
}

static int release_into_quarantine(struct cip__alloc *a, uint64_t off, uint64_t now, unsigned flags)
{
	_Atomic uint64_t *w;
	uint64_t expiry;
	int rc = e_test(a, off), old;

	if (rc <= 0)
		return rc < 0 ? rc : CIP_ENOTALLOCATED;
	if (flags & CIP_ALLOC_DRY_RUN)
		return q_held(a, off) ? CIP_ENOTALLOCATED : 0;
	w = q_word(a, off, 1);
	if (!w)
		return CIP_ENOMEM;
	old = q_update(w, off, is_free_of_q, enter_next_gen, 0);
	if (old < 0)
		return CIP_ENOTALLOCATED;
	/* The release before the hold, so that a racing count never sees
	 * the address twice (see "Counting"). */
	count_release(a, off);
	q_hold_count(a, off, 1);
	expiry = now + a->q.duration < now ? UINT64_MAX : now + a->q.duration;
	q_push(a, off, enter_next_gen((unsigned)old) >> 1, expiry);
	return 0;
}

int cip__alloc_release(struct cip__alloc *a, uint64_t off, uint64_t now, unsigned flags)
{
	if (off >= a->size)
		return CIP_ERANGE;
	if (!a->q.duration || (flags & CIP_RELEASE_NOW))
		return release_now(a, off, flags);
	return release_into_quarantine(a, off, now, flags);
}

int cip__alloc_has(const struct cip__alloc *a, uint64_t off)
{
	int rc;

	if (off >= a->size)
		return 0;
	rc = e_test(a, off);
	return rc == 1 && !q_held(a, off);
}

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

static uint64_t held(const struct cip__alloc *a, int b)
{
	int64_t n = atomic_load_explicit(&a->q.held[b], memory_order_relaxed);

	return n > 0 ? (uint64_t)n : 0;
}

static uint64_t sat_sub(uint64_t x, uint64_t y)
{
	return x > y ? x - y : 0;
}

void cip__alloc_stats(const struct cip__alloc *a, cip_band_stats out[3])
{
	memset(out, 0, 3 * sizeof(*out));
	for (int b = 0; b < 2; b++) {
		cip_band_stats *s = &out[b + 1];
		uint64_t set = band_set(a, b);

		s->size = band_size(a, b);
		s->quarantined = held(a, b) < set ? held(a, b) : set;
		s->used = set - s->quarantined;
		s->available = sat_sub(s->size, set);
		s->allocations = sum_stripes(a, offsetof(struct cip__alloc_stripe, allocations), b);
		s->releases = sum_stripes(a, offsetof(struct cip__alloc_stripe, releases), b);
		s->errors = sum_stripes(a, offsetof(struct cip__alloc_stripe, errors), b);
		out[0].size += s->size;
		out[0].used += s->used;
		out[0].available += s->available;
		out[0].quarantined += s->quarantined;
		out[0].allocations += s->allocations;
		out[0].releases += s->releases;
		out[0].errors += s->errors;
	}
}

int cip__alloc_count(const struct cip__alloc *a, int band, int available, uint64_t *out)
{
	cip_band_stats s[3];
	int index;

	switch (band) {
	case CIP_BAND_ALL:
		index = 0;
		break;
	case CIP_BAND_STATIC:
		index = 1;
		break;
	case CIP_BAND_DYNAMIC:
		index = 2;
		break;
	default:
		return CIP_EINVAL;
	}
	cip__alloc_stats(a, s);
	*out = available ? s[index].available : s[index].used;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Walks, snapshot views and loading                                  */
/* ------------------------------------------------------------------ */

int cip__alloc_foreach(const struct cip__alloc *a, cip__offset_fn fn, void *ctx)
{
	uint64_t off = 0, *list = NULL;
	size_t n = 0;
	int rc = 0;

	if (!a->sparse) {
		while (rc == 0 && off < a->size &&
		       cip__bitmap_next_set(&a->engine.dense, off, &off) == 0) {
			if (!q_held(a, off))
				rc = fn(off, ctx);
			off++;
		}
		return rc;
	}
	rc = cip__sparse_collect(&a->engine.sparse, &list, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!q_held(a, list[i]))
			rc = fn(list[i], ctx);
	}
	free(list);
	return rc;
}

static int cmp_qentry(const void *x, const void *y)
{
	const struct cip__qentry *p = x, *q = y;

	return p->offset < q->offset ? -1 : p->offset > q->offset;
}

/* Oldest first: by remaining time (the ring's order), then by offset. */
static int cmp_qentry_age(const void *x, const void *y)
{
	const struct cip__qentry *p = x, *q = y;

	if (p->remaining != q->remaining)
		return p->remaining < q->remaining ? -1 : 1;
	return cmp_qentry(x, y);
}

/* One ring cell, read consistently: @return 1 if it held a published
 * entry that is still the live quarantine of its offset. */
static int read_cell(const struct cip__alloc *a, uint64_t pos, uint64_t now, struct cip__qentry *e)
{
	struct cip__qcell *c = &a->q.cells[pos & (a->q.capacity - 1)];
	uint64_t off, expiry;
	unsigned gen;
	_Atomic uint64_t *w;

	if (cell_seq(&a->q, c, memory_order_acquire) != pos + 1)
		return 0;
	/* Acquire loads, so that the re-read of seq below cannot move before
	 * them (a seqlock read; no fence, which GCC's TSan does not model). */
	off = atomic_load_explicit(&c->offset, memory_order_acquire);
	gen = (unsigned)atomic_load_explicit(&c->gen, memory_order_acquire);
	expiry = atomic_load_explicit(&c->expiry, memory_order_acquire);
	if (cell_seq(&a->q, c, memory_order_relaxed) != pos + 1 || off >= a->size)
		return 0; /* reused while we read it */
	w = q_word(a, off, 0);
	if (!w || !is_held_gen(q_byte(atomic_load(w), off), gen))
		return 0;
	e->offset = off;
	e->remaining = expiry > now ? expiry - now : 0;
	return 1;
}

/* The live quarantine entries, ascending by offset, without duplicates. */
static int view_quarantine(const struct cip__alloc *a, uint64_t now, struct cip__alloc_view *v)
{
	uint64_t head = atomic_load(&a->q.head), tail = atomic_load(&a->q.tail), n = 0;

	if (!a->q.duration || tail <= head)
		return 0;
	if (tail - head > a->q.capacity)
		head = tail - a->q.capacity;
	v->q = malloc((size_t)(tail - head) * sizeof(*v->q));
	if (!v->q)
		return CIP_ENOMEM;
	for (uint64_t pos = head; pos < tail; pos++)
		n += (uint64_t)read_cell(a, pos, now, &v->q[n]);
	qsort(v->q, (size_t)n, sizeof(*v->q), cmp_qentry);
	v->nq = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (v->nq == 0 || v->q[v->nq - 1].offset != v->q[i].offset)
			v->q[v->nq++] = v->q[i];
	}
	return 0;
}

static void view_dense(const struct cip__alloc *a, struct cip__alloc_view *v)
{
	const struct cip__bitmap *b = &a->engine.dense;
	unsigned tail = (unsigned)(a->size % 64);

	for (uint64_t i = 0; i < v->nwords; i++)
		v->words[i] = atomic_load_explicit(&b->leaf[i], memory_order_acquire);
	if (tail)
		v->words[v->nwords - 1] &= ~(~UINT64_C(0) << tail); /* padding bits */
	for (uint64_t i = 0; i < v->nq; i++)
		v->words[v->q[i].offset / 64] &= ~(UINT64_C(1) << v->q[i].offset % 64);
}

/* Drops the quarantined offsets from the ascending list (both sorted). */
static void view_sparse_filter(struct cip__alloc_view *v)
{
	uint64_t k = 0, j = 0;

	for (uint64_t i = 0; i < v->nlist; i++) {
		while (j < v->nq && v->q[j].offset < v->list[i])
			j++;
		if (j < v->nq && v->q[j].offset == v->list[i])
			continue;
		v->list[k++] = v->list[i];
	}
	v->nlist = k;
}

int cip__alloc_view(const struct cip__alloc *a, uint64_t now, struct cip__alloc_view *v)
{
	size_t n = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = view_quarantine(a, now, v);
	if (rc != 0)
		return rc;
	if (!a->sparse) {
		v->nwords = (a->size + 63) / 64;
		v->words = malloc((size_t)v->nwords * sizeof(*v->words));
		if (!v->words) {
			cip__alloc_view_free(v);
			return CIP_ENOMEM;
		}
		view_dense(a, v);
	} else {
		rc = cip__sparse_collect(&a->engine.sparse, &v->list, &n);
		if (rc != 0) {
			cip__alloc_view_free(v);
			return rc;
		}
		v->nlist = n;
		view_sparse_filter(v);
	}
	/* The filters needed offset order; a snapshot lists the quarantine
	 * oldest first, so that a restore rebuilds the FIFO ring in expiry
	 * order (the ring only ever looks at its head). */
	if (v->nq > 1)
		qsort(v->q, (size_t)v->nq, sizeof(*v->q), cmp_qentry_age);
	return 0;
}

void cip__alloc_view_free(struct cip__alloc_view *v)
{
	free(v->words);
	free(v->list);
	free(v->q);
	memset(v, 0, sizeof(*v));
}

/* Sets @p off for a restore; a bit set twice means a corrupt snapshot. */
static int load_bit(struct cip__alloc *a, uint64_t off)
{
	int rc = off < a->size ? e_set(a, off) : CIP_ERANGE;

	if (rc == CIP_EALLOCATED || rc == CIP_ERANGE)
		return CIP_ESNAPSHOT_CORRUPT;
	return rc;
}

int cip__alloc_load_set(struct cip__alloc *a, uint64_t off)
{
	int rc = load_bit(a, off);

	if (rc == 0)
		atomic_fetch_add_explicit(&a->loaded[band_of(a, off)], 1, memory_order_relaxed);
	return rc;
}

int cip__alloc_load_quarantine(struct cip__alloc *a, uint64_t off, uint64_t expiry)
{
	_Atomic uint64_t *w;
	int rc, old;

	if (off >= a->size)
		return CIP_ESNAPSHOT_CORRUPT;
	if (!a->q.duration)
		return e_test(a, off) == 1 ? CIP_ESNAPSHOT_CORRUPT : 0; /* restored as free */
	rc = load_bit(a, off);
	if (rc != 0)
		return rc;
	w = q_word(a, off, 1);
	if (!w)
		return CIP_ENOMEM;
	old = q_update(w, off, is_free_of_q, enter_next_gen, 0);
	if (old < 0)
		return CIP_ESNAPSHOT_CORRUPT;
	q_hold_count(a, off, 1); /* counted as quarantined, not loaded */
	q_push(a, off, enter_next_gen((unsigned)old) >> 1, expiry);
	return 0;
}

int cip__alloc_load_words(struct cip__alloc *a, const uint64_t *words)
{
	struct cip__bitmap *b = &a->engine.dense;
	int rc;

	if (a->sparse)
		return CIP_EINVAL;
	rc = cip__bitmap_assign(b, words);
	if (rc != 0)
		return rc;
	atomic_fetch_add_explicit(&a->loaded[0], (int64_t)cip__bitmap_count_range(b, 0, a->band),
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&a->loaded[1],
				  (int64_t)cip__bitmap_count_range(b, a->band, a->size),
				  memory_order_relaxed);
	return 0;
}

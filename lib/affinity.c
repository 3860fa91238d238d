/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ClientIP affinity map (see affinity.h).
 *
 * Layout. A power-of-two array of buckets of 4 ways; a way is one entry
 * {seq, family, key[2], backend, last_used} of 40 bytes, and backend 0
 * marks it empty. A client's bucket is a keyed hash of its address, and
 * the client may sit in any of the 4 ways: lookups compare all of them.
 *
 * Each entry is a seqlock. seq is even while the entry is stable and odd
 * while one thread writes it. Every field is an atomic, so no access is a
 * data race, and the seqlock decides which reads to believe:
 *   writer: claim with a CAS of seq from an even s (the value its own read
 *           of the entry saw) to s + 1, acquire; a release fence; the
 *           fields, relaxed; seq = s + 2, release.
 *   reader: s1 = seq, acquire; the fields, relaxed; an acquire fence;
 *           s2 = seq, relaxed. The read counts only if s1 == s2 and s1 is
 *           even; else it is tried again, READ_TRIES times in all, then
 *           the entry counts as unreadable (a miss for get).
 * The writers are put (every field), get's refresh (last_used) and clear
 * (backend = 0; for forget, expire, retain and put's removal of a
 * duplicate). None waits for another: a failed claim means the entry
 * changed since the writer read it, and the writer gives up on it or
 * starts over once (ROUNDS).
 *
 * Why a reader never returns a torn entry. Let a read count with
 * s1 == s2 == s, and W0 be the writer whose final store wrote s (or the
 * initialisation, for s = 0). Writers of an entry take turns through seq:
 * each claim reads the final store of the writer before it.
 * - No value older than W0's: s1 read W0's release store, so W0's field
 *   stores happen before the reader's field loads, which by coherence
 *   return W0's values or later ones.
 * - No later value: if a field load returned a store of a later writer
 *   W1, W1's release fence (after its claim) synchronizes with the
 *   reader's acquire fence (after the load), so W1's claim happens before
 *   the load of s2, which then reads W1's claim or a later write of seq.
 *   Every write of seq adds 1 to the value before it in its modification
 *   order (a claim is a CAS; the final store is made by the claimer, and
 *   no claim can succeed while seq is odd), and W1's claim comes after s,
 *   so s2 != s.
 * So the fields are the ones W0 left, all of one version. seq has 32 bits:
 * a read is fooled only if one entry is written 2^31 times between its
 * two loads of seq.
 *
 * Why a writer acts on what it saw. A claim expects the seq of the
 * writer's own read, so it succeeds only if nobody wrote the entry since:
 * the client's entry, the empty or least recently used way, the expired
 * entry or the rejected backend is still what the writer decided on. The
 * acquire of the claim makes the previous writer's stores happen before
 * the new ones, which are therefore later in each field's order.
 *
 * Duplicates. A client's entries are created only by a put of that
 * client; otherwise they only change backend (a put of the client), move
 * last_used (a refresh) or disappear. put creates one only when it read
 * every way stably and none held the client, so without a concurrent put
 * of the same client a client never has two entries. Two puts of one new
 * client racing can both create one; get then takes the one used last, and
 * the next put overwrites that one and clears the others.
 *
 * Bound. A call reads at most 4 ways (or every way: expire, retain,
 * count) with at most ROUNDS * READ_TRIES reads each, and claims at most
 * ROUNDS times per way: every call ends in a bounded number of steps. A
 * writer descheduled while it holds an entry makes that entry miss and
 * refuse writes until it runs again; no other entry is affected.
 *
 * ThreadSanitizer does not model fences, so under it the field accesses
 * themselves are acquire and release, which implies the fences' ordering
 * (and is what the hardware does on x86-64 anyway).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/common.h>

#include "affinity.h"
#include "random.h"
#include "sanitize.h"

#define WAYS 4
#define LINE 64
/* A writer holds an entry for a few stores: a reader that finds it held
 * tries this many times, with a pause between, before it gives up. */
#define READ_TRIES 16
/* A writer that loses a race for an entry starts over at most once. */
#define ROUNDS 2

struct entry {
	_Atomic uint32_t seq;	    /* even: stable; odd: being written */
	_Atomic uint32_t family;    /* the client's family */
	_Atomic uint64_t key[2];    /* the client's 16 bytes */
	_Atomic uint64_t backend;   /* 0: empty */
	_Atomic uint64_t last_used; /* ns, the caller's clock */
};

struct bucket {
	struct entry way[WAYS];
};

struct cip__affinity {
	struct bucket *buckets;
	size_t mask;	  /* buckets - 1 */
	uint64_t seed[2]; /* of the hash, for IPv4 and IPv6 */
};

/* An entry as one stable read saw it. */
struct snap {
	uint32_t seq;
	uint32_t family;
	uint64_t key[2];
	uint64_t backend;
	uint64_t last_used;
};

/* A client as entries hold it. */
struct key {
	uint32_t family;
	uint64_t w[2];
};

#if CIP_TSAN
#define FIELD_LOAD memory_order_acquire
#define FIELD_STORE memory_order_release
#else
#define FIELD_LOAD memory_order_relaxed
#define FIELD_STORE memory_order_relaxed
#endif

/* Between a reader's field loads and its second load of seq. */
static inline void reader_fence(void)
{
#if !CIP_TSAN
	atomic_thread_fence(memory_order_acquire);
#endif
}

/* Between a writer's claim and its field stores. */
static inline void writer_fence(void)
{
#if !CIP_TSAN
	atomic_thread_fence(memory_order_release);
#endif
}

/* Lets the thread holding an entry finish (and a sibling hyperthread run)
 * while a reader waits for it. */
static inline void cpu_relax(void)
{
#if defined(__GNUC__) && !defined(CIP_NO_BUILTINS) && (defined(__x86_64__) || defined(__i386__))
	__builtin_ia32_pause();
#elif defined(__GNUC__) && !defined(CIP_NO_BUILTINS) && defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* ------------------------------------------------------------------ */
/* Entries                                                            */
/* ------------------------------------------------------------------ */

/* Reads @p e into @p s. @return 1 for a stable read; 0 if a writer held
 * the entry through every try. */
static int read_entry(const struct entry *e, struct snap *s)
{
	for (int i = 0; i < READ_TRIES; i++) {
		uint32_t seq = atomic_load_explicit(&e->seq, memory_order_acquire);

		if (seq & 1) {
			cpu_relax();
			continue;
		}
		s->family = atomic_load_explicit(&e->family, FIELD_LOAD);
		s->key[0] = atomic_load_explicit(&e->key[0], FIELD_LOAD);
		s->key[1] = atomic_load_explicit(&e->key[1], FIELD_LOAD);
		s->backend = atomic_load_explicit(&e->backend, FIELD_LOAD);
		s->last_used = atomic_load_explicit(&e->last_used, FIELD_LOAD);
		reader_fence();
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) == seq) {
			s->seq = seq;
			return 1;
		}
	}
	return 0;
}

/* Takes @p e for writing if it is still as read with @p seq. Never waits.
 * @return 1 if taken (the caller must then call publish()). */
static int claim(struct entry *e, uint32_t seq)
{
	if (!atomic_compare_exchange_strong_explicit(&e->seq, &seq, seq + 1, memory_order_acquire,
						     memory_order_relaxed))
		return 0;
	writer_fence();
	return 1;
}

/* Publishes the writes to @p e claimed at @p seq. */
static void publish(struct entry *e, uint32_t seq)
{
	atomic_store_explicit(&e->seq, seq + 2, memory_order_release);
}

/* Empties @p e if it is still as read with @p seq. @return 1 if done. */
static int clear(struct entry *e, uint32_t seq)
{
	if (!claim(e, seq))
		return 0;
	atomic_store_explicit(&e->backend, 0, FIELD_STORE);
	publish(e, seq);
	return 1;
}

/* How long before @p now the entry was used: 0 if @p last_used is later
 * (another thread read its clock later than this caller). */
static uint64_t age(uint64_t last_used, uint64_t now)
{
	return now > last_used ? now - last_used : 0;
}

static int live(const struct snap *s, uint64_t now, uint64_t timeout_ns)
{
	return s->backend != 0 && age(s->last_used, now) < timeout_ns;
}

/* ------------------------------------------------------------------ */
/* Keys and buckets                                                   */
/* ------------------------------------------------------------------ */

/* Only these families can be stored; any other misses without a look. */
static int family_ok(uint8_t family)
{
	return family == CIP_FAMILY_IPV4 || family == CIP_FAMILY_IPV6;
}

static struct key key_of(const cip_addr *client)
{
	struct key k;

	k.family = client->family;
	memcpy(k.w, client->bytes, sizeof(k.w));
	return k;
}

/* 1 if @p s is a non-empty entry of the client @p k. */
static int holds(const struct snap *s, const struct key *k)
{
	return s->backend != 0 && s->family == k->family && s->key[0] == k->w[0] &&
	       s->key[1] == k->w[1];
}

/* murmur3's 64-bit finalizer: a bijection in which every input bit
 * affects every output bit. */
static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 33);
}

/*
 * The bucket of @p k. Each word goes through a bijective mixer, the first
 * keyed with its family's random seed, so two clients collide only by a
 * relation that involves the seeds: without them, nobody can pick many
 * addresses that share a bucket (and IPv4 and IPv6 twins do not pair up).
 */
static struct bucket *bucket_of(const struct cip__affinity *a, const struct key *k)
{
	uint64_t h = fmix64(k->w[0] ^ a->seed[k->family == CIP_FAMILY_IPV6]);

	h = fmix64(h ^ k->w[1]);
	return &a->buckets[h & a->mask];
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__affinity_new(size_t capacity, struct cip__affinity **out)
{
	struct cip__affinity *a;
	size_t n = WAYS, nbuckets, size;
	uint64_t seed;

	if (!out || capacity == 0 || capacity > CIP__AFFINITY_MAX)
		return CIP_EINVAL;
	while (n < capacity)
		n *= 2;
	nbuckets = n / WAYS;
	/* Only a 32-bit size_t can overflow here; aligned_alloc wants a
	 * multiple of the alignment. */
	if (nbuckets > (SIZE_MAX - LINE) / sizeof(struct bucket))
		return CIP_ENOMEM;
	size = (nbuckets * sizeof(struct bucket) + LINE - 1) / LINE * LINE;
	a = malloc(sizeof(*a));
	if (!a)
		return CIP_ENOMEM;
	a->buckets = aligned_alloc(LINE, size);
	if (!a->buckets) {
		free(a);
		return CIP_ENOMEM;
	}
	for (size_t i = 0; i < nbuckets; i++) {
		for (int w = 0; w < WAYS; w++) {
			struct entry *e = &a->buckets[i].way[w];

			atomic_init(&e->seq, 0);
			atomic_init(&e->family, 0);
			atomic_init(&e->key[0], 0);
			atomic_init(&e->key[1], 0);
			atomic_init(&e->backend, 0);
			atomic_init(&e->last_used, 0);
		}
	}
	a->mask = nbuckets - 1;
	seed = cip__seed_from_os();
	a->seed[0] = cip__splitmix64(&seed);
	a->seed[1] = cip__splitmix64(&seed);
	*out = a;
	return 0;
}

void cip__affinity_free(struct cip__affinity *a)
{
	if (!a)
		return;
	free(a->buckets);
	free(a);
}

size_t cip__affinity_capacity(const struct cip__affinity *a)
{
	return a ? (a->mask + 1) * WAYS : 0;
}

/* ------------------------------------------------------------------ */
/* One client                                                         */
/* ------------------------------------------------------------------ */

/* Moves last_used of @p e, read with @p seq, forward to @p now; skipped
 * if another thread wrote the entry since. */
static void refresh(struct entry *e, uint32_t seq, uint64_t now)
{
	if (!claim(e, seq))
		return;
	atomic_store_explicit(&e->last_used, now, FIELD_STORE);
	publish(e, seq);
}

int cip__affinity_get(struct cip__affinity *a, const cip_addr *client, uint64_t now,
		      uint64_t timeout_ns, uint64_t *backend)
{
	struct bucket *b;
	struct snap s, best = { 0 }; /* backend 0: none found yet */
	struct key k;
	int found = 0;

	if (!a || !client || !backend || !family_ok(client->family))
		return 0;
	k = key_of(client);
	b = bucket_of(a, &k);
	/* Normally one way holds the client; after racing puts of it, the
	 * one used last wins. */
	for (int w = 0; w < WAYS; w++) {
		if (!read_entry(&b->way[w], &s) || !holds(&s, &k) || !live(&s, now, timeout_ns))
			continue;
		if (best.backend == 0 || s.last_used > best.last_used) {
			best = s;
			found = w;
		}
	}
	if (best.backend == 0)
		return 0;
	*backend = best.backend;
	/* Never move last_used back: another thread may have read a later
	 * clock than ours. */
	if (now > best.last_used)
		refresh(&b->way[found], best.seq, now);
	return 1;
}

/* 1 if @p x is a better way to take than @p y: an empty one first, else
 * the least recently used (which is expired if any way is). */
static int better_victim(const struct snap *x, const struct snap *y)
{
	if (y->backend == 0)
		return 0;
	return x->backend == 0 || x->last_used < y->last_used;
}

/*
 * One look at the bucket for a put of @p k: the way to write (the client's
 * entry used last, else the best victim) in *way, and in *dups the other
 * ways that hold the client. *way is -1 if the client has no stable entry
 * but a way could not be read: it may hold the client.
 */
static void choose(struct bucket *b, const struct key *k, struct snap s[WAYS], int *way,
		   unsigned *dups)
{
	int own = -1, victim = -1, busy = 0;

	*dups = 0;
	for (int w = 0; w < WAYS; w++) {
		if (!read_entry(&b->way[w], &s[w])) {
			busy = 1;
		} else if (!holds(&s[w], k)) {
			if (victim < 0 || better_victim(&s[w], &s[victim]))
				victim = w;
		} else if (own < 0 || s[w].last_used > s[own].last_used) {
			if (own >= 0)
				*dups |= 1u << own;
			own = w;
		} else {
			*dups |= 1u << w;
		}
	}
	*way = own >= 0 ? own : busy ? -1 : victim;
}

int cip__affinity_put(struct cip__affinity *a, const cip_addr *client, uint64_t backend,
		      uint64_t now, uint64_t timeout_ns)
{
	struct bucket *b;
	struct key k;

	/* The least recently used way is expired whenever any is, so the
	 * timeout does not change which way put takes. */
	(void)timeout_ns;
	if (!a || !client || !family_ok(client->family) || backend == 0)
		return CIP_EINVAL;
	k = key_of(client);
	b = bucket_of(a, &k);
	for (int round = 0; round < ROUNDS; round++) {
		struct snap s[WAYS];
		unsigned dups;
		struct entry *e;
		int w;

		choose(b, &k, s, &w, &dups);
		if (w < 0 || !claim(&b->way[w], s[w].seq))
			continue;
		e = &b->way[w];
		atomic_store_explicit(&e->family, k.family, FIELD_STORE);
		atomic_store_explicit(&e->key[0], k.w[0], FIELD_STORE);
		atomic_store_explicit(&e->key[1], k.w[1], FIELD_STORE);
		atomic_store_explicit(&e->backend, backend, FIELD_STORE);
		atomic_store_explicit(&e->last_used, now, FIELD_STORE);
		publish(e, s[w].seq);
		/* Best effort: a duplicate that changed meanwhile is left. */
		for (w = 0; w < WAYS; w++)
			if (dups & (1u << w))
				clear(&b->way[w], s[w].seq);
		return 1;
	}
	return 0;
}

int cip__affinity_forget(struct cip__affinity *a, const cip_addr *client)
{
	struct bucket *b;
	struct key k;
	int removed = 0;

	if (!a || !client || !family_ok(client->family))
		return 0;
	k = key_of(client);
	b = bucket_of(a, &k);
	for (int round = 0; round < ROUNDS; round++) {
		int again = 0;

		for (int w = 0; w < WAYS; w++) {
			struct snap s;

			if (!read_entry(&b->way[w], &s)) {
				again = 1;
				continue;
			}
			if (!holds(&s, &k))
				continue;
			if (clear(&b->way[w], s.seq))
				removed = 1;
			else
				again = 1;
		}
		if (!again)
			break;
	}
	return removed;
}

/* ------------------------------------------------------------------ */
/* Scans                                                              */
/* ------------------------------------------------------------------ */

/* Whether a scan empties an entry, from its stable state. */
typedef int (*doomed_fn)(const struct snap *s, const void *ctx);

/* Empties @p e if @p doomed says so; looks again once if @p e is being
 * written or changes under the decision. @return 1 if emptied. */
static int empty_if(struct entry *e, doomed_fn doomed, const void *ctx)
{
	for (int round = 0; round < ROUNDS; round++) {
		struct snap s;

		if (!read_entry(e, &s))
			continue;
		if (s.backend == 0 || !doomed(&s, ctx))
			return 0;
		if (clear(e, s.seq))
			return 1;
	}
	return 0;
}

static size_t empty_all_if(struct cip__affinity *a, doomed_fn doomed, const void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i <= a->mask; i++)
		for (int w = 0; w < WAYS; w++)
			n += (size_t)empty_if(&a->buckets[i].way[w], doomed, ctx);
	return n;
}

struct expiry {
	uint64_t now;
	uint64_t timeout_ns;
};

static int is_expired(const struct snap *s, const void *ctx)
{
	const struct expiry *x = ctx;

	return age(s->last_used, x->now) >= x->timeout_ns;
}

size_t cip__affinity_expire(struct cip__affinity *a, uint64_t now, uint64_t timeout_ns)
{
	struct expiry x = { now, timeout_ns };

	return a ? empty_all_if(a, is_expired, &x) : 0;
}

struct retention {
	int (*keep)(uint64_t backend, void *ctx);
	void *ctx;
};

static int is_rejected(const struct snap *s, const void *ctx)
{
	const struct retention *r = ctx;

	return r->keep(s->backend, r->ctx) == 0;
}

size_t cip__affinity_retain(struct cip__affinity *a, int (*keep)(uint64_t backend, void *ctx),
			    void *ctx)
{
	struct retention r = { keep, ctx };

	return a && keep ? empty_all_if(a, is_rejected, &r) : 0;
}

size_t cip__affinity_count(const struct cip__affinity *a, uint64_t now, uint64_t timeout_ns)
{
	size_t n = 0;

	if (!a)
		return 0;
	for (size_t i = 0; i <= a->mask; i++) {
		for (int w = 0; w < WAYS; w++) {
			struct snap s;

			n += (size_t)(read_entry(&a->buckets[i].way[w], &s) &&
				      live(&s, now, timeout_ns));
		}
	}
	return n;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lock-free grow-only hash map (see u64map.h for the interface).
 *
 * Slots. A slot's key word is EMPTY (0), FROZEN (UINT64_MAX) or bound (key
 * + 1). It changes at most once, by a CAS from EMPTY, to bound or to FROZEN,
 * and never again: a bound slot is bound to its key for the life of the map
 * and a frozen slot stays frozen. Only the value word changes after that,
 * and it is the caller's. Tables are linearly probed from a splitmix64 mix
 * of the key; the capacity is a power of two.
 *
 * Generations. The tables form a chain, oldest first. Growth: a bind that
 * takes the newest table past half full allocates a table of twice its
 * capacity, installs it with a CAS on the old table's next pointer (a
 * thread that loses that race frees its own table) and then freezes every
 * EMPTY slot of the old table (CAS EMPTY -> FROZEN). Lookups and binds walk
 * the chain oldest first; a FROZEN slot ends a key's probe chain in its
 * table and sends the walk on to the next generation. Nothing ever moves or
 * is freed before destroy, so there is neither migration nor reclamation,
 * and a value pointer stays valid for the life of the map.
 *
 * The growth factor is 2. Every old generation was frozen at about half
 * load and the generations below the newest sum to less than it, so with
 * 16-byte slots the map holds 2 slots (32 bytes) per key just before a
 * growth and 4 (64 bytes) just after; a factor of 4 would range from 2 to
 * 8 slots (up to 128 bytes). The price is more generations for a walk to
 * cross (log2 rather than log4 of the growth), but an old generation is
 * small and costs an unsuccessful probe of about 2.5 slots at half load.
 *
 * The binding rule. To bind key k in table T, walk k's probe chain in T:
 * a slot bound to another key is passed; a slot bound to k is the answer;
 * a FROZEN slot means "not in T, try T->next"; on an EMPTY slot, CAS it to
 * k + 1 if T->next is NULL, and to FROZEN if T->next is set. That last
 * case is the whole helping rule: a thread that finds an EMPTY slot in a
 * table that already has a successor freezes that slot itself rather than
 * waiting for the grower's freeze pass (which may not have reached it).
 * After a failed CAS the thread re-examines the value it found there.
 *
 * Claim: a key is bound in at most one slot over all generations.
 * Fix k and a table T. Slots change once, so each has a final state. Every
 * thread that walks k's chain in T passes exactly the same slots (those
 * whose final state is "bound to another key" are passed, and they already
 * are when it reads them, or it CASes them and then finds them so), and
 * stops at the same slot s: the first of the chain whose final state is not
 * "bound to another key". A walker that finds s EMPTY never passes it: it
 * CASes it, or (at the hard limit, see GROW) first grows the table and then
 * walks T again. So the first successful CAS on s decides s's final state
 * for all of them: k + 1 (every walker of k in T returns s) or FROZEN
 * (every walker of k goes on to T->next). A thread binds k only by a successful
 * CAS at s, so k is bound in at most one slot of T, and if it is, no walker
 * of k ever leaves T. A walker reaches a later table only after seeing s
 * FROZEN in every earlier one, so if k were bound in T and in a later T',
 * the binder in T' would have seen T's s FROZEN, while it is bound to k.
 * (If a chain has no such s, every slot of T is bound to other keys and
 * every walker of k goes on to T->next.)
 * Note that no ordering between the install of T->next and the freezing of
 * T is needed for this: a binder that read T->next == NULL and CASes s
 * after the successor appeared simply wins or loses s, like any other. Its
 * binding in an old table is then found by every later walker of k, which
 * reaches s first. The grower's freeze pass only makes old tables stop
 * taking bindings soon; the helping rule is what makes the argument work.
 *
 * Lookups. find walks the same chains but never writes: a slot bound to k
 * is the answer, FROZEN (or a chain of other keys) goes on to the next
 * table, and EMPTY means "not bound": every binding of k, further along
 * this chain or in a later table, was made by a walker that had already
 * found this slot not EMPTY, and a slot never becomes EMPTY again. So at
 * the moment of the read k was bound nowhere, and the lookup is ordered
 * there.
 *
 * Memory ordering: key words and next pointers use seq_cst (the C11
 * default), so one total order S covers every CAS and load the argument
 * above mentions. The argument itself only needs each slot's modification
 * order, but a walker must see T->next set once it has read FROZEN in T:
 * the freezer read T->next set before its CAS, so in S the install comes
 * before our read of FROZEN, hence before our load of T->next. A new table
 * (zeroed by calloc, its capacity written before the install) is published
 * by the seq_cst CAS on next, which releases. Counters are seq_cst too;
 * they are off the hot path of lookups.
 */
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

#define EMPTY UINT64_C(0)
#define FROZEN UINT64_MAX
#define MIN_CAPACITY 4

enum probe {
	FOUND, /* the key is bound in this table */
	BOUND, /* this call bound it here */
	NEXT,  /* not bindable here: go on to the next generation */
	GROW,  /* the newest table needs a successor before the key fits */
};

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* The splitmix64 finalizer: every key bit affects every hash bit, so the
 * low bits that pick a slot are well mixed even for consecutive keys. */
static uint64_t mix(uint64_t k)
{
	k = (k ^ (k >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	k = (k ^ (k >> 27)) * UINT64_C(0x94D049BB133111EB);
	return k ^ (k >> 31);
}

static int capacity_fits(uint64_t cap)
{
	return cap <=
	       (SIZE_MAX - sizeof(struct cip__u64map_table)) / sizeof(struct cip__u64map_slot);
}

static size_t table_bytes(uint64_t cap)
{
	return sizeof(struct cip__u64map_table) + (size_t)cap * sizeof(struct cip__u64map_slot);
}

/* A new, empty table; NULL if it does not fit or cannot be allocated. The
 * slots are zeroed by calloc: EMPTY keys and 0 values. */
static struct cip__u64map_table *table_new(uint64_t cap)
{
	struct cip__u64map_table *t;

	if (!capacity_fits(cap))
		return NULL;
	t = calloc(1, table_bytes(cap));
	if (!t)
		return NULL;
	atomic_init(&t->next, NULL);
	atomic_init(&t->bound, 0);
	t->capacity = cap;
	return t;
}

/* Past this many bound slots a table takes no new binding until it has a
 * successor: 7/8, where linear probing is still short. */
static uint64_t hard_limit(const struct cip__u64map_table *t)
{
	return t->capacity - t->capacity / 8;
}

static int is_bound(uint64_t w)
{
	return w != EMPTY && w != FROZEN;
}

/* ------------------------------------------------------------------ */
/* Growth                                                             */
/* ------------------------------------------------------------------ */

/* Freezes every EMPTY slot of @p t, which has a successor. A failed CAS
 * means another thread bound or froze the slot: either way it is done. */
static void freeze(struct cip__u64map_table *t)
{
	for (uint64_t i = 0; i < t->capacity; i++) {
		uint64_t w = EMPTY;

		if (atomic_load(&t->slots[i].key) == EMPTY)
			atomic_compare_exchange_strong(&t->slots[i].key, &w, FROZEN);
	}
}

/*
 * Gives @p t (the newest table when it was looked at) a successor of twice
 * its capacity, unless it has one already. @return 0 once t->next is set
 * (by this thread or another); CIP_ENOMEM if it is not and the allocation
 * failed.
 */
static int grow(struct cip__u64map *m, struct cip__u64map_table *t)
{
	struct cip__u64map_table *expect = NULL, *nt;

	if (atomic_load(&t->next))
		return 0;
	if (t->capacity > UINT64_MAX / 2)
		return CIP_ENOMEM;
	nt = table_new(t->capacity * 2);
	if (!nt)
		return CIP_ENOMEM;
	if (!atomic_compare_exchange_strong(&t->next, &expect, nt)) {
		free(nt); /* another thread installed its table first */
		return 0;
	}
	/* Counted after the install, so slot_at never counts a table that is
	 * not reachable yet. */
	atomic_fetch_add(&m->slots, nt->capacity);
	atomic_fetch_add(&m->memory, table_bytes(nt->capacity));
	freeze(t);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__u64map_init(struct cip__u64map *m, size_t initial_capacity)
{
	uint64_t cap = MIN_CAPACITY, want = initial_capacity;
	struct cip__u64map_table *t;

	if (!m)
		return CIP_EINVAL;
	if (want == 0)
		want = CIP__U64MAP_DEFAULT_CAPACITY;
	while (cap < want) {
		if (cap > UINT64_MAX / 2)
			return CIP_EINVAL;
		cap *= 2;
	}
	if (!capacity_fits(cap))
		return CIP_EINVAL;
	t = table_new(cap);
	if (!t)
		return CIP_ENOMEM;
	m->first = t;
	atomic_init(&m->slots, cap);
	atomic_init(&m->memory, table_bytes(cap));
	return 0;
}

void cip__u64map_destroy(struct cip__u64map *m)
{
	struct cip__u64map_table *t, *next;

	if (!m)
		return;
	for (t = m->first; t; t = next) {
		next = atomic_load(&t->next);
		free(t);
	}
	memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ */
/* Lookup and binding                                                 */
/* ------------------------------------------------------------------ */

_Atomic uint64_t *cip__u64map_find(const struct cip__u64map *m, uint64_t key)
{
	uint64_t kw = key + 1, h = mix(key);

	if (!m || !m->first || key > CIP__U64MAP_KEY_MAX)
		return NULL;
	for (struct cip__u64map_table *t = m->first; t; t = atomic_load(&t->next)) {
		uint64_t mask = t->capacity - 1;

		for (uint64_t n = 0; n < t->capacity; n++) {
			struct cip__u64map_slot *s = &t->slots[(h + n) & mask];
			uint64_t w = atomic_load(&s->key);

			if (w == kw)
				return &s->value;
			if (w == EMPTY)
				return NULL; /* see "Lookups" at the top */
			if (w == FROZEN)
				break;
		}
	}
	return NULL;
}

/* Walks key word @p kw's probe chain in @p t by the binding rule (see the
 * top of the file); on FOUND and BOUND the slot is written to @p out. */
static enum probe probe_bind(struct cip__u64map_table *t, uint64_t kw, uint64_t h,
			     struct cip__u64map_slot **out)
{
	uint64_t mask = t->capacity - 1;

	for (uint64_t n = 0; n < t->capacity; n++) {
		struct cip__u64map_slot *s = &t->slots[(h + n) & mask];
		uint64_t w = atomic_load(&s->key);

		while (w == EMPTY) {
			uint64_t want = kw;

			if (atomic_load(&t->next))
				want = FROZEN; /* the helping rule */
			else if (atomic_load(&t->bound) >= hard_limit(t))
				return GROW;
			if (atomic_compare_exchange_strong(&s->key, &w, want)) {
				if (want == FROZEN)
					return NEXT;
				atomic_fetch_add(&t->bound, 1);
				*out = s;
				return BOUND;
			}
			/* Lost the slot: w is what the winner wrote. */
		}
		if (w == kw) {
			*out = s;
			return FOUND;
		}
		if (w == FROZEN)
			return NEXT;
	}
	/* Every slot is bound to another key. */
	return atomic_load(&t->next) ? NEXT : GROW;
}

int cip__u64map_bind(struct cip__u64map *m, uint64_t key, _Atomic uint64_t **value)
{
	uint64_t kw = key + 1, h = mix(key);
	struct cip__u64map_table *t;
	struct cip__u64map_slot *s = NULL;

	if (!m || !m->first || !value || key > CIP__U64MAP_KEY_MAX)
		return CIP_EINVAL;
	t = m->first;
	for (;;) {
		switch (probe_bind(t, kw, h, &s)) {
		case FOUND:
			*value = &s->value;
			return 0;
		case BOUND:
			/* Past half full: grow now. A failure is not this
			 * bind's: the next binds retry, up to the hard limit. */
			if (atomic_load(&t->bound) > t->capacity / 2)
				(void)grow(m, t);
			*value = &s->value;
			return 0;
		case NEXT:
			/* Set: see "Memory ordering" at the top. */
			t = atomic_load(&t->next);
			break;
		case GROW:
			/* Then walk t again: the slot that stopped us gets
			 * frozen, or the key turns up, bound meanwhile. */
			if (grow(m, t))
				return CIP_ENOMEM;
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

uint64_t cip__u64map_bound(const struct cip__u64map *m)
{
	uint64_t n = 0;

	if (!m)
		return 0;
	for (struct cip__u64map_table *t = m->first; t; t = atomic_load(&t->next))
		n += atomic_load(&t->bound);
	return n;
}

size_t cip__u64map_memory(const struct cip__u64map *m)
{
	return m ? atomic_load(&m->memory) : 0;
}

int cip__u64map_foreach(const struct cip__u64map *m,
			int (*fn)(uint64_t key, _Atomic uint64_t *value, void *ctx), void *ctx)
{
	if (!m || !fn)
		return CIP_EINVAL;
	for (struct cip__u64map_table *t = m->first; t; t = atomic_load(&t->next)) {
		for (uint64_t i = 0; i < t->capacity; i++) {
			uint64_t w = atomic_load(&t->slots[i].key);
			int rc;

			if (!is_bound(w))
				continue;
			rc = fn(w - 1, &t->slots[i].value, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int cip__u64map_slot_at(const struct cip__u64map *m, uint64_t index, uint64_t *key,
			_Atomic uint64_t **value)
{
	struct cip__u64map_table *t;
	uint64_t w;

	if (!m || !m->first)
		return 0;
	/* The total may lag an install, never lead it: all it counts is
	 * reachable. */
	index %= atomic_load(&m->slots);
	for (t = m->first; index >= t->capacity; t = atomic_load(&t->next))
		index -= t->capacity;
	w = atomic_load(&t->slots[index].key);
	if (!is_bound(w))
		return 0;
	if (key)
		*key = w - 1;
	if (value)
		*value = &t->slots[index].value;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Invariants, for tests                                              */
/* ------------------------------------------------------------------ */

int cip__u64map_check(const struct cip__u64map *m)
{
	uint64_t slots = 0;
	size_t memory = 0;

	if (!m || !m->first)
		return -1;
	for (struct cip__u64map_table *t = m->first; t; t = atomic_load(&t->next)) {
		int newest = atomic_load(&t->next) == NULL;
		uint64_t n = 0;

		for (uint64_t i = 0; i < t->capacity; i++) {
			uint64_t w = atomic_load(&t->slots[i].key);

			if (w == EMPTY && !newest)
				return 2;
			if (w == FROZEN && newest)
				return 3;
			if (!is_bound(w))
				continue;
			n++;
			/* find returns the first binding of a key in walk
			 * order; a second one would not be it. */
			if (cip__u64map_find(m, w - 1) != &t->slots[i].value)
				return 4;
		}
		if (n != atomic_load(&t->bound))
			return 1;
		slots += t->capacity;
		memory += table_bytes(t->capacity);
	}
	if (slots != atomic_load(&m->slots) || memory != atomic_load(&m->memory))
		return 5;
	return 0;
}

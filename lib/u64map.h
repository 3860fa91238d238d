/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: a lock-free, grow-only hash map from uint64_t keys to
 * _Atomic uint64_t values, the index of the sparse allocation engine.
 *
 * Thread-safety: lock-free. Every function except init and destroy may be
 * called from any thread at any time; none blocks or takes a lock, and only
 * bind allocates (when the map grows). init and destroy must not race with
 * anything on the same map.
 *
 * A key, once bound, stays bound to one value word for the life of the map:
 * there is no removal, and a value pointer returned by find or bind stays
 * valid until destroy. The value word belongs to the caller, who may change
 * it freely with atomics (0 is a normal value; a new binding starts at 0).
 * Keys are 0 .. CIP__U64MAP_KEY_MAX (the two largest uint64_t values are
 * the table's markers).
 *
 * Layout: a chain of tables ("generations"), oldest first, each twice the
 * capacity of the one before; only the newest accepts new bindings. Nothing
 * moves between generations and nothing is freed before destroy, so there
 * is no migration and no memory reclamation; see u64map.c for the protocol
 * and why a key is bound in at most one slot of all the generations.
 *
 * Errors are the public CIP_E* codes.
 */
#ifndef CIP_U64MAP_H
#define CIP_U64MAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <clusterip/common.h>

/* The largest key. */
#define CIP__U64MAP_KEY_MAX (UINT64_MAX - 2)

/* The capacity of the first generation when init is given 0. */
#define CIP__U64MAP_DEFAULT_CAPACITY 64

struct cip__u64map_slot {
	_Atomic uint64_t key;	/* 0 empty, UINT64_MAX frozen, else key + 1 */
	_Atomic uint64_t value; /* the caller's word */
};

struct cip__u64map_table {
	_Atomic(struct cip__u64map_table *) next; /* the next generation, or NULL */
	_Atomic uint64_t bound;			  /* slots bound in this table */
	uint64_t capacity;			  /* a power of two */
	struct cip__u64map_slot slots[];
};

struct cip__u64map {
	struct cip__u64map_table *first; /* the oldest generation */
	_Atomic uint64_t slots;		 /* slots of all installed generations */
	_Atomic size_t memory;		 /* bytes of all installed generations */
};

/*
 * Makes @p m an empty map whose first generation has @p initial_capacity
 * slots, rounded up to a power of two of at least 4 (0 means
 * CIP__U64MAP_DEFAULT_CAPACITY).
 * @return 0; CIP_EINVAL if @p m is NULL or the capacity is too big to
 * allocate; CIP_ENOMEM. On failure *m is not changed.
 */
int cip__u64map_init(struct cip__u64map *m, size_t initial_capacity);

/* Frees every generation. NULL-safe and idempotent (*m is zeroed). */
void cip__u64map_destroy(struct cip__u64map *m);

/* The value word bound to @p key, or NULL if @p key is not bound (also for
 * a NULL or destroyed map and for keys above CIP__U64MAP_KEY_MAX). */
_Atomic uint64_t *cip__u64map_find(const struct cip__u64map *m, uint64_t key);

/*
 * Finds the value word of @p key, binding it to a new word (holding 0) if
 * it is not bound yet, and writes it to @p value.
 *
 * A bind that takes the newest generation past half full allocates the
 * next generation; if that allocation fails, the bind still succeeds and
 * later binds retry the growth. Binding in the newest generation goes on
 * without growth up to 7/8 of its capacity; only a bind that needs a new
 * slot past that point, with the growth failing, reports CIP_ENOMEM. Keys
 * that are already bound are always found.
 *
 * @return 0; CIP_EINVAL if @p m or @p value is NULL or @p key is above
 * CIP__U64MAP_KEY_MAX; CIP_ENOMEM. On failure *value is not changed.
 */
int cip__u64map_bind(struct cip__u64map *m, uint64_t key, _Atomic uint64_t **value);

/* The number of bound keys (0 for NULL). Exact when no bind is in flight. */
uint64_t cip__u64map_bound(const struct cip__u64map *m);

/* The bytes held by the generations (0 for NULL). */
size_t cip__u64map_memory(const struct cip__u64map *m);

/*
 * Calls @p fn on every bound key and its value word, generation by
 * generation in slot order (so in no particular key order). Keys bound
 * during the walk may or may not be visited; each key is visited at most
 * once. @return 0, or the first nonzero result of @p fn, which stops the
 * walk; CIP_EINVAL if @p m or @p fn is NULL.
 */
int cip__u64map_foreach(const struct cip__u64map *m,
			int (*fn)(uint64_t key, _Atomic uint64_t *value, void *ctx), void *ctx);

/*
 * Looks at one slot: slots are numbered 0 .. S-1 over all installed
 * generations, oldest first (S is the total number of slots), and
 * @p index is taken modulo S. Consecutive indices are neighbouring slots of
 * one generation, except across a generation boundary. O(generations).
 * @return 1 if the slot is bound, with its key and value word written to
 * @p key and @p value (either may be NULL); 0 if it is empty or frozen, or
 * @p m is NULL or destroyed.
 */
int cip__u64map_slot_at(const struct cip__u64map *m, uint64_t index, uint64_t *key,
			_Atomic uint64_t **value);

/*
 * Debug accessor for tests: checks the invariants of a map that no thread
 * is changing. @return 0 if they hold, else the number of the first broken
 * one: 1 a generation's bound count differs from its bound slots, 2 an old
 * generation has an empty slot (its freeze did not finish), 3 the newest
 * generation has a frozen slot, 4 a key is bound in two slots (find does
 * not return every bound slot of its key), 5 the slot or memory totals
 * differ from the generations, -1 @p m is NULL or not initialised.
 */
int cip__u64map_check(const struct cip__u64map *m);

#endif /* CIP_U64MAP_H */

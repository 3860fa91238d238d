/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: a read-mostly hash map of pointers, for the service table's
 * indexes. Readers look up without locks and without writing anything;
 * writers (insert, remove, the resize they trigger) must be serialized by
 * the caller.
 *
 * The map stores values only: each value is an object of the caller's that
 * carries its own key, and a lookup gives the key's hash plus a function
 * that tells whether a value has that key. So one index entry is 16 bytes
 * (hash, pointer) and a lookup touches one slot line and the object.
 *
 * Layout: open addressing with linear probing over a power-of-two array of
 * slots {hash, value}. A removed value leaves a tombstone, so that probe
 * chains stay intact for readers in flight; tombstones are dropped when the
 * writer rebuilds the array (at 50% load of values plus tombstones). A
 * rebuilt array is published with a release store and the old one retired
 * through the caller's epoch domain, so a reader that still probes it stays
 * safe; readers must call lookups inside a read section of that domain.
 * Values are published with release stores (a reader that finds a value
 * sees the object as it was written before the insert), and the caller
 * retires removed objects through the same domain.
 */
#ifndef CIP_RMAP_H
#define CIP_RMAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "epoch.h"

/* Whether @p value has the key the lookup is for. */
typedef int (*cip__rmap_eq_fn)(const void *value, const void *key);

/* A removed slot's value: not NULL (the probe goes on), not a value. Hot
 * readers that inline their probe compare with it. */
extern char cip__rmap_tombstone_object;
#define CIP__RMAP_TOMBSTONE ((void *)&cip__rmap_tombstone_object)

struct cip__rmap_slot {
	_Atomic uint64_t hash;
	_Atomic(void *) value; /* NULL: never used; the tombstone: removed */
};

struct cip__rmap_array {
	struct cip__epoch_node node; /* for retiring the array */
	size_t mask;		     /* capacity - 1 */
	struct cip__rmap_slot slots[];
};

struct cip__rmap {
	_Atomic(struct cip__rmap_array *) array;
	struct cip__epoch *epoch; /* retires replaced arrays */
	size_t count;		  /* values (writer's view) */
	size_t used;		  /* values plus tombstones */
};

/* Makes an empty map whose replaced arrays are retired through @p epoch.
 * @return 0; CIP_EINVAL; CIP_ENOMEM. */
int cip__rmap_init(struct cip__rmap *m, struct cip__epoch *epoch);

/* Frees the array (not the values). The caller guarantees no reader. */
void cip__rmap_destroy(struct cip__rmap *m);

/* The value with @p key (hash @p hash), or NULL. Lock-free; call inside a
 * read section of the map's epoch domain (or as the writer). */
void *cip__rmap_find(const struct cip__rmap *m, uint64_t hash, const void *key, cip__rmap_eq_fn eq);

/* Calls @p fn on every value with @p key (a map may hold several under one
 * key), until it returns non-zero, which is returned. Lock-free like find. */
int cip__rmap_find_each(const struct cip__rmap *m, uint64_t hash, const void *key,
			cip__rmap_eq_fn eq, int (*fn)(void *value, void *ctx), void *ctx);

/* Adds @p value under @p hash (find returns the first value with a key;
 * find_each sees every one). Writer only. @return 0; CIP_ENOMEM (nothing
 * changed). */
int cip__rmap_insert(struct cip__rmap *m, uint64_t hash, void *value);

/* Makes room for @p n more inserts, so that they cannot fail. Writer only.
 * @return 0; CIP_ENOMEM (nothing changed). */
int cip__rmap_reserve(struct cip__rmap *m, size_t n);

/* Removes @p value (compared by pointer) from under @p hash. Writer only.
 * @return 1 if it was there, else 0. */
int cip__rmap_remove(struct cip__rmap *m, uint64_t hash, const void *value);

/* Puts @p now in the slot that holds @p old under @p hash, in one store:
 * a reader sees one or the other, never neither. Writer only. @return 1 if
 * @p old was there, else 0. */
int cip__rmap_replace(struct cip__rmap *m, uint64_t hash, const void *old, void *now);

/* Calls @p fn on every value until it returns non-zero (which is returned).
 * Lock-free like find; values inserted or removed meanwhile may or may not
 * be seen, none twice. */
int cip__rmap_foreach(const struct cip__rmap *m, int (*fn)(void *value, void *ctx), void *ctx);

/* FNV-1a over @p len bytes, continuing from @p h (start with
 * CIP__RMAP_HASH_INIT), then finished by cip__rmap_mix(). */
#define CIP__RMAP_HASH_INIT UINT64_C(0xcbf29ce484222325)
uint64_t cip__rmap_hash_bytes(uint64_t h, const void *data, size_t len);
uint64_t cip__rmap_mix(uint64_t h);

#endif /* CIP_RMAP_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The read-mostly hash map (see rmap.h).
 *
 * Ordering. A writer fills a slot by storing the hash (relaxed) and then
 * the value (release); a reader loads the value (seq_cst, as epoch.h asks
 * of every pointer a writer may change) before the hash,
 * so a value it finds comes with its hash and with the object's contents.
 * A tombstone slot may be reused by a later insert: a reader that meets it
 * mid-reuse sees either the tombstone or the new value with its hash, both
 * harmless. The array pointer is published with a release store after the
 * new array is complete.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterip/common.h>

#include "rmap.h"

#define MIN_CAPACITY 16

/* The tombstone: a removed value, never dereferenced. */
char cip__rmap_tombstone_object;
#define TOMBSTONE CIP__RMAP_TOMBSTONE

uint64_t cip__rmap_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* FNV's low bits are weak for a power-of-two table: finish with a mixer. */
uint64_t cip__rmap_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

static struct cip__rmap_array *array_new(size_t capacity)
{
	struct cip__rmap_array *a;

	if (capacity > (SIZE_MAX - sizeof(*a)) / sizeof(a->slots[0]))
		return NULL;
	a = calloc(1, sizeof(*a) + capacity * sizeof(a->slots[0]));
	if (!a)
		return NULL;
	a->mask = capacity - 1;
	for (size_t i = 0; i < capacity; i++) {
		atomic_init(&a->slots[i].hash, 0);
		atomic_init(&a->slots[i].value, NULL);
	}
	return a;
}

static void array_free(struct cip__epoch_node *node)
{
	free(node); /* the node is the array's first member */
}

int cip__rmap_init(struct cip__rmap *m, struct cip__epoch *epoch)
{
	struct cip__rmap_array *a;

	if (!m || !epoch)
		return CIP_EINVAL;
	a = array_new(MIN_CAPACITY);
	if (!a)
		return CIP_ENOMEM;
	atomic_init(&m->array, a);
	m->epoch = epoch;
	m->count = 0;
	m->used = 0;
	return 0;
}

void cip__rmap_destroy(struct cip__rmap *m)
{
	if (!m)
		return;
	free(atomic_load_explicit(&m->array, memory_order_relaxed));
	atomic_store_explicit(&m->array, NULL, memory_order_relaxed);
	m->count = m->used = 0;
}

void *cip__rmap_find(const struct cip__rmap *m, uint64_t hash, const void *key, cip__rmap_eq_fn eq)
{
	struct cip__rmap_array *a = atomic_load(&m->array);

	/* The array is never full (load <= 1/2), so the probe ends at an
	 * empty slot. */
	for (size_t i = hash & a->mask;; i = (i + 1) & a->mask) {
		void *v = atomic_load(&a->slots[i].value);

		if (!v)
			return NULL;
		if (v != TOMBSTONE &&
		    atomic_load_explicit(&a->slots[i].hash, memory_order_relaxed) == hash &&
		    eq(v, key))
			return v;
	}
}

int cip__rmap_find_each(const struct cip__rmap *m, uint64_t hash, const void *key,
			cip__rmap_eq_fn eq, int (*fn)(void *value, void *ctx), void *ctx)
{
	struct cip__rmap_array *a = atomic_load(&m->array);

	for (size_t i = hash & a->mask;; i = (i + 1) & a->mask) {
		void *v = atomic_load(&a->slots[i].value);
		int rc;

		if (!v)
			return 0;
		if (v == TOMBSTONE ||
		    atomic_load_explicit(&a->slots[i].hash, memory_order_relaxed) != hash ||
		    !eq(v, key))
			continue;
		rc = fn(v, ctx);
		if (rc)
			return rc;
	}
}

/* Puts @p value in the first free slot of its chain in @p a (writer). */
static int place(struct cip__rmap_array *a, uint64_t hash, void *value)
{
	for (size_t i = hash & a->mask;; i = (i + 1) & a->mask) {
		void *v = atomic_load_explicit(&a->slots[i].value, memory_order_relaxed);

		if (!v || v == TOMBSTONE) {
			atomic_store_explicit(&a->slots[i].hash, hash, memory_order_relaxed);
			atomic_store_explicit(&a->slots[i].value, value, memory_order_release);
			return v == NULL; /* 1 if a never-used slot was taken */
		}
	}
}

/* Rebuilds into an array of @p capacity slots, without tombstones. */
static int rebuild(struct cip__rmap *m, size_t capacity)
{
	struct cip__rmap_array *old = atomic_load_explicit(&m->array, memory_order_relaxed);
	struct cip__rmap_array *a = array_new(capacity);

	if (!a)
		return CIP_ENOMEM;
	for (size_t i = 0; i <= old->mask; i++) {
		void *v = atomic_load_explicit(&old->slots[i].value, memory_order_relaxed);

		if (v && v != TOMBSTONE)
			place(a, atomic_load_explicit(&old->slots[i].hash, memory_order_relaxed),
			      v);
	}
	atomic_store_explicit(&m->array, a, memory_order_release);
	m->used = m->count;
	cip__epoch_retire(m->epoch, &old->node, array_free);
	return 0;
}

int cip__rmap_reserve(struct cip__rmap *m, size_t n)
{
	struct cip__rmap_array *a = atomic_load_explicit(&m->array, memory_order_relaxed);
	size_t capacity = a->mask + 1, want;

	if (n > SIZE_MAX / 4 - m->count)
		return CIP_ENOMEM;
	/* Every insert may take a never-used slot: keep used + n <= 1/2. */
	if (2 * (m->used + n) <= capacity)
		return 0;
	want = MIN_CAPACITY;
	while (want < 4 * (m->count + n))
		want *= 2;
	return rebuild(m, want);
}

int cip__rmap_insert(struct cip__rmap *m, uint64_t hash, void *value)
{
	int rc = cip__rmap_reserve(m, 1);

	if (rc)
		return rc;
	m->used +=
		(size_t)place(atomic_load_explicit(&m->array, memory_order_relaxed), hash, value);
	m->count++;
	return 0;
}

/* The slot holding @p value in its chain, or NULL. */
static struct cip__rmap_slot *slot_of(struct cip__rmap *m, uint64_t hash, const void *value)
{
	struct cip__rmap_array *a = atomic_load_explicit(&m->array, memory_order_relaxed);

	for (size_t i = hash & a->mask;; i = (i + 1) & a->mask) {
		void *v = atomic_load_explicit(&a->slots[i].value, memory_order_relaxed);

		if (!v)
			return NULL;
		if (v == value)
			return &a->slots[i];
	}
}

int cip__rmap_remove(struct cip__rmap *m, uint64_t hash, const void *value)
{
	struct cip__rmap_slot *s = slot_of(m, hash, value);

	if (!s)
		return 0;
	atomic_store_explicit(&s->value, TOMBSTONE, memory_order_release);
	m->count--;
	return 1;
}

int cip__rmap_replace(struct cip__rmap *m, uint64_t hash, const void *old, void *now)
{
	struct cip__rmap_slot *s = slot_of(m, hash, old);

	if (!s)
		return 0;
	atomic_store_explicit(&s->value, now, memory_order_release);
	return 1;
}

int cip__rmap_foreach(const struct cip__rmap *m, int (*fn)(void *value, void *ctx), void *ctx)
{
	struct cip__rmap_array *a = atomic_load(&m->array);

	for (size_t i = 0; i <= a->mask; i++) {
		void *v = atomic_load(&a->slots[i].value);
		int rc;

		if (!v || v == TOMBSTONE)
			continue;
		rc = fn(v, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

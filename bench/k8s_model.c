/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A C model of kubernetes/kubernetes
 * pkg/registry/core/service/allocator/bitmap.go: AllocationBitmap
 * (Allocate, AllocateNext, Release, Has, Free) with the
 * randomScanStrategyWithOffset strategy, as fixed by k/k#109928. Each
 * function quotes the Go it models; see bench/k8s_model.h.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdlib.h>

#include "k8s_model.h"
#include "random.h"

/* big.Int.Bit(i): one bit, one test. Past max it reads 0, as Bit() does
 * past the last word. */
static inline bool bit_get(const struct k8s_model *m, uint64_t i)
{
	return i < m->max && ((m->bits[i / 8] >> (i % 8)) & 1u) != 0;
}

/* big.Int.SetBit(allocated, i, v), i < max. */
static inline void bit_put(struct k8s_model *m, uint64_t i, bool v)
{
	uint8_t mask = (uint8_t)(1u << (i % 8));

	if (v)
		m->bits[i / 8] |= mask;
	else
		m->bits[i / 8] &= (uint8_t)~mask;
}

/* rss.rand.Intn(n), n >= 1: uniform in [0, n) (Go's Intn is unbiased too). */
static inline uint64_t intn(struct k8s_model *m, uint64_t n)
{
	return cip__bounded_random(&m->rng, n);
}

int k8s_model_init(struct k8s_model *m, uint64_t max, uint64_t offset, uint64_t seed)
{
	if (offset > max || (offset == max && max > 0))
		return -1;
	m->bits = calloc(max / 8 + 1, 1); /* big.NewInt(0) */
	if (m->bits == NULL)
		return -1;
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m->bits);
		m->bits = NULL;
		return -1;
	}
	m->max = max;
	m->offset = offset;
	m->count = 0;
	m->rng = seed;
	return 0;
}

void k8s_model_destroy(struct k8s_model *m)
{
	pthread_mutex_destroy(&m->lock);
	free(m->bits);
	m->bits = NULL;
}

/*
 *	if offset < 0 || offset >= r.max {
 *		return false, fmt.Errorf("offset %d out of range [0,%d]", offset, r.max)
 *	}
 *	if r.allocated.Bit(offset) == 1 {
 *		return false, nil
 *	}
 *	r.allocated = r.allocated.SetBit(r.allocated, offset, 1)
 *	r.count++
 *	return true, nil
 */
int k8s_model_allocate(struct k8s_model *m, uint64_t i)
{
	int rc = 1;

	pthread_mutex_lock(&m->lock);
	if (i >= m->max)
		rc = K8S_MODEL_ERANGE;
	else if (bit_get(m, i))
		rc = 0;
	else {
		bit_put(m, i, true);
		m->count++;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/*
 * randomScanStrategyWithOffset.AllocateBit(allocated, max, count):
 *
 *	if count >= max {
 *		return 0, false
 *	}
 *	subrangeMax := max - rss.offset
 *	start := rss.rand.Intn(subrangeMax)
 *	for i := 0; i < subrangeMax; i++ {
 *		at := rss.offset + ((start + i) % subrangeMax)
 *		if allocated.Bit(at) == 0 {
 *			return at, true
 *		}
 *	}
 *	if rss.offset > 0 {
 *		start = rss.rand.Intn(rss.offset)
 *		for i := 0; i < rss.offset; i++ {
 *			at := (start + i) % rss.offset    // k/k#109928; was the duplicate bug
 *			if allocated.Bit(at) == 0 {
 *				return at, true
 *			}
 *		}
 *	}
 *	return 0, false
 *
 * Runs with r.lock held, as from AllocationBitmap.AllocateNext.
 */
static bool allocate_bit(struct k8s_model *m, uint64_t *out)
{
	uint64_t sub, start;

	if (m->count >= m->max)
		return false;
	sub = m->max - m->offset;
	start = intn(m, sub);
	for (uint64_t i = 0; i < sub; i++) {
		uint64_t at = m->offset + (start + i) % sub;

		if (!bit_get(m, at)) {
			*out = at;
			return true;
		}
	}
	if (m->offset > 0) {
		start = intn(m, m->offset);
		for (uint64_t i = 0; i < m->offset; i++) {
			uint64_t at = (start + i) % m->offset;

			if (!bit_get(m, at)) {
				*out = at;
				return true;
			}
		}
	}
	return false;
}

/*
 *	next, ok := r.strategy.AllocateBit(r.allocated, r.max, r.count)
 *	if !ok {
 *		return 0, false, nil
 *	}
 *	r.count++
 *	r.allocated = r.allocated.SetBit(r.allocated, next, 1)
 *	return next, true, nil
 */
bool k8s_model_allocate_next(struct k8s_model *m, uint64_t *i)
{
	uint64_t next = 0;
	bool ok;

	pthread_mutex_lock(&m->lock);
	ok = allocate_bit(m, &next);
	if (ok) {
		m->count++;
		bit_put(m, next, true);
	}
	pthread_mutex_unlock(&m->lock);
	if (ok)
		*i = next;
	return ok;
}

/*
 *	if r.allocated.Bit(offset) == 0 {
 *		return nil
 *	}
 *	r.allocated = r.allocated.SetBit(r.allocated, offset, 0)
 *	r.count--
 *	return nil
 */
void k8s_model_release(struct k8s_model *m, uint64_t i)
{
	pthread_mutex_lock(&m->lock);
	if (bit_get(m, i)) {
		bit_put(m, i, false);
		m->count--;
	}
	pthread_mutex_unlock(&m->lock);
}

/*	return r.allocated.Bit(offset) == 1 */
bool k8s_model_has(struct k8s_model *m, uint64_t i)
{
	bool set;

	pthread_mutex_lock(&m->lock);
	set = bit_get(m, i);
	pthread_mutex_unlock(&m->lock);
	return set;
}

/*	return r.max - r.count */
uint64_t k8s_model_free(struct k8s_model *m)
{
	uint64_t free_count;

	pthread_mutex_lock(&m->lock);
	free_count = m->max - m->count;
	pthread_mutex_unlock(&m->lock);
	return free_count;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bench-private: a faithful C model of Kubernetes' ClusterIP bitmap,
 * AllocationBitmap with randomScanStrategyWithOffset, from
 * kubernetes/kubernetes pkg/registry/core/service/allocator/bitmap.go.
 *
 * It is the in-process baseline that our allocator is measured against, so
 * it keeps Kubernetes' costs: one mutex around every operation, a plain bit
 * array (bit i is byte i / 8, bit i % 8, as in big.Int) and a search that
 * tests one bit per candidate like big.Int.Bit(). It is not an allocator to
 * use; do not make it faster.
 *
 * Offsets are the AllocationBitmap's offsets in [0, max); [0, offset) is the
 * KEP-3070 lower ("static") band, [offset, max) the dynamic band.
 */
#ifndef CLUSTERIP_BENCH_K8S_MODEL_H
#define CLUSTERIP_BENCH_K8S_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* k8s_model_allocate() for an offset outside [0, max): Go's
 * fmt.Errorf("offset %d out of range [0,%d]"). */
#define K8S_MODEL_ERANGE (-1)

struct k8s_model {
	pthread_mutex_t lock; /* AllocationBitmap.lock (sync.Mutex) */
	uint64_t max;	      /* AllocationBitmap.max */
	uint64_t offset;      /* randomScanStrategyWithOffset.offset */
	uint64_t count;	      /* AllocationBitmap.count: the number of set bits */
	uint8_t *bits;	      /* AllocationBitmap.allocated: bit i = bits[i / 8] >> (i % 8) */
	uint64_t rng;	      /* randomScanStrategyWithOffset.rand (splitmix64 state) */
};

/*
 * NewAllocationMapWithOffset(max, spec, offset) with a fixed seed instead of
 * time.Now().UnixNano(). Returns 0; -1 when offset > max, or offset == max
 * with max > 0 (Go would panic in rand.Intn(0)), or when out of memory.
 */
int k8s_model_init(struct k8s_model *m, uint64_t max, uint64_t offset, uint64_t seed);

void k8s_model_destroy(struct k8s_model *m);

/* Allocate(i): 1 (true) when i was free and is now set, 0 (false) when it
 * was already set, K8S_MODEL_ERANGE when i >= max. */
int k8s_model_allocate(struct k8s_model *m, uint64_t i);

/* AllocateNext(): true and *i = the allocated offset, or false when full. */
bool k8s_model_allocate_next(struct k8s_model *m, uint64_t *i);

/* Release(i): clears bit i; a no-op for a clear bit or one past max. */
void k8s_model_release(struct k8s_model *m, uint64_t i);

/* Has(i): bit i is set (false past max). */
bool k8s_model_has(struct k8s_model *m, uint64_t i);

/* Free(): max - count. */
uint64_t k8s_model_free(struct k8s_model *m);

#endif /* CLUSTERIP_BENCH_K8S_MODEL_H */

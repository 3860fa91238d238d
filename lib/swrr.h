/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: one period of nginx's smooth weighted round-robin (SWRR), the
 * order in which ngx_http_upstream_get_peer() picks peers when none fails,
 * precomputed as an array of peer indices.
 *
 * nginx's rule: on each pick, every peer's current_weight grows by its
 * weight; the peer with the greatest current_weight is chosen (the first in
 * array order on ties: nginx scans in order with a strict '>'), and the
 * chosen one's current_weight drops by the sum of the weights. Weights
 * {5, 1, 1} give a a b a c a a, repeating.
 *
 * Why precompute: the rule needs a read-modify-write of shared state on
 * every pick, which readers would have to serialize. The sequence is
 * periodic instead (scaling all weights by g scales every current_weight by
 * g and leaves the choices alone, and after W = sum(w) / gcd(w) picks every
 * current_weight is back to 0, each peer having been picked w / gcd(w)
 * times), so one period in an immutable array lets any number of readers
 * pick schedule[counter % len] with one atomic increment and one load.
 *
 * Memory: the schedule is len * 4 bytes (256 KiB at the default limit). A
 * build also holds 56 bytes of scratch per peer with a weight, freed before
 * it returns. Time: O(n log n) to plan a scaled schedule, then about
 * O(len log n) for the picks (see swrr.c).
 *
 * Thread-safety: the functions read only their arguments, so any thread may
 * call them at any time; a built schedule is never modified.
 *
 * Errors are the public CIP_E* codes.
 */
#ifndef CIP_SWRR_H
#define CIP_SWRR_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/common.h>

/*
 * A default for max_len: 65536 picks, a 256 KiB schedule that builds in
 * tens of milliseconds. Every period up to it is exact (e.g. 1000 peers
 * with weights averaging 65); longer ones are scaled as
 * cip__swrr_schedule() describes.
 */
#define CIP__SWRR_DEFAULT_MAX_LEN 65536u

/*
 * One period of nginx's smooth weighted round-robin over @p n peers with the
 * given @p weights (0: the peer is never picked).
 *
 * Weights are first divided by their gcd g, giving the period
 * W = sum(w) / g. If W <= @p max_len the schedule is exact: W entries, the
 * order nginx produces, peer i appearing w[i] / g times.
 *
 * If W > @p max_len the schedule is scaled (an approximation, which the
 * caller documents): each weight w > 0 becomes
 *	w' = max(1, floor(w * T / sum(w)))
 * where T is the largest integer in [0, max_len] for which sum(w') <=
 * max_len (a binary search; T >= max_len - k always qualifies, k being the
 * number of peers with a weight, since sum(w') <= T + k). The w' are then
 * divided by their own gcd, and the schedule is nginx's order for them,
 * exactly as above. So every peer with a weight keeps at least one pick,
 * len <= max_len, and each w' is within one pick of w * T / sum(w), the
 * peer's exact share of T picks (below it by the floor, above it only when
 * raised to 1). As sum(w') is within k of T, a peer's count in the schedule
 * is within 1 + k * w / sum(w) picks of its exact share w * len / sum(w).
 *
 * On success *out is a malloc'd array of *len uint32_t peer indices (the
 * caller frees it with free()), 1 <= *len <= max_len.
 * @return 0; CIP_EINVAL (NULL args, n == 0, max_len == 0, all weights 0, or
 * more peers with a weight than max_len, which no schedule of max_len picks
 * can serve); CIP_EOVERFLOW (n > 2^32, so that an index would not fit a
 * uint32_t; a scaled schedule with max_len > 2^32 + 1, whose products
 * w * T would not fit 64 bits; or a period W with (k + 2) * W above
 * INT64_MAX, the range of the current weights, or W * 4 above SIZE_MAX);
 * CIP_ENOMEM. Sums of weights are 64-bit and cannot overflow once
 * n <= 2^32. Outputs untouched on failure.
 */
int cip__swrr_schedule(const uint32_t *weights, size_t n, size_t max_len, uint32_t **out,
		       size_t *len);

/*
 * 1 if cip__swrr_schedule() with the same arguments gives a scaled
 * (approximate) schedule, 0 if an exact one; a helper the caller may use to
 * document it. Allocates nothing.
 * @return 1 or 0; or the error cip__swrr_schedule() would return for these
 * arguments, other than CIP_ENOMEM.
 */
int cip__swrr_is_scaled(const uint32_t *weights, size_t n, size_t max_len);

#endif /* CIP_SWRR_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The precomputed smooth weighted round-robin schedule (see swrr.h for what
 * it is and how scaling works).
 *
 * Finding each pick fast. nginx scans all peers on every pick, which makes a
 * period O(W * k) for k peers with a weight: 6.5e7 steps for W = 65536 and
 * k = 1000. A priority queue keyed by current_weight alone cannot replace
 * the scan: every step adds each peer's own weight to its current_weight, so
 * the keys move at different speeds and their order changes without any peer
 * being touched. Between two picks of a peer, though, its current_weight is
 * a line in the step number t:
 *	cw(t) = base + w * (t - since)
 * where since is the step of its last pick (0 at the start) and base its
 * current_weight right after it. So a kinetic tournament tree keeps the
 * maximum (Basch, Guibas and Hershberger, "Data structures for mobile
 * data", SODA 1997): leaves are the peers, and each internal node holds the
 * better of its two children's winners in nginx's order (greater cw first,
 * then lower index, which is what a strict '>' scan in array order gives)
 * plus a certificate: the first step at which the other child's winner
 * would overtake it. Before step t every node whose certificate has expired
 * is recomputed at t (deepest first, then its path to the root); the root's
 * winner is then the pick, and the pick lowers that peer's line by W and
 * recomputes its path. A recompute is O(1) and a path O(log k); a period
 * costs O(n + (W + E) log k) for E expired certificates. E stayed near one
 * per pick (0 to 1.2) for every weight distribution measured, uniform or
 * skewed, k = 10 to 4096. A plain scan is faster below about 100 peers, but
 * one code path is kept so that the tests' pick-by-pick comparison with
 * nginx's loop covers the tree at every size.
 *
 * Range of the current weights. After every pick they sum to 0 (each step
 * adds W in total and the pick subtracts W), and none is ever <= -W: a
 * peer's value only drops when it is picked, and then it was the maximum of
 * values summing to W, so at least W / k, and drops to above -W. Hence each
 * is < (k - 1) * W after a pick and < k * W before one, every difference of
 * two is < (k + 1) * W, and every certificate step is below (k + 2) * W: the
 * plan requires (k + 2) * W <= INT64_MAX, so int64_t never overflows. The
 * same bound shows the period: after W steps peer i's value is
 * W * (w_i - picks_i) > -W, so picks_i <= w_i, and as the picks sum to W
 * every picks_i == w_i and every value is back to 0.
 */
#include <stdlib.h>

#include "swrr.h"

#define NEVER INT64_MAX

/* What a schedule for some arguments looks like, before any allocation. */
struct plan {
	size_t k;	 /* peers with a weight */
	uint64_t sum;	 /* of the caller's weights (cannot overflow: n <= 2^32) */
	int scaled;	 /* the period sum / gcd exceeded max_len */
	uint64_t target; /* T of the scaling (see swrr.h); scaled only */
	uint64_t div;	 /* gcd of the weights that are scheduled */
	uint64_t period; /* sum of those weights / div: the schedule's length */
};

struct peer {
	int64_t w;	/* weight as scheduled (divided by the gcd), > 0 */
	int64_t base;	/* current_weight right after step since */
	int64_t since;	/* step of the last pick, 0 at the start */
	uint32_t index; /* in the caller's array */
};

/* Array-based tree: internal nodes 1 .. k-1, leaf of peer j at k + j,
 * children of i at 2i and 2i + 1. Any k >= 2 works, not only powers of 2. */
struct tree {
	struct peer *peers; /* k, in the caller's order (the order of nginx's scan) */
	uint32_t *win;	    /* [1, 2k): the winning peer of each node */
	int64_t *fail;	    /* [1, k): first step at which the node's winner loses */
	int64_t *due;	    /* [1, k): the earliest fail in the node's internal subtree */
	size_t k;
	int64_t period;
};

/* ---- planning ------------------------------------------------------------ */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* max(1, floor(w * T / sum)); the caller keeps T <= UINT64_MAX / UINT32_MAX,
 * so that w * T fits 64 bits. */
static uint64_t scaled_weight(uint32_t w, uint64_t target, uint64_t sum)
{
	uint64_t s = (uint64_t)w * target / sum;

	return s != 0 ? s : 1;
}

/* The weight of a peer as scheduled, 0 if it takes no part. */
static uint64_t planned_weight(const struct plan *p, uint32_t w)
{
	if (w == 0)
		return 0;
	return (p->scaled ? scaled_weight(w, p->target, p->sum) : w) / p->div;
}

static uint64_t scaled_sum(const uint32_t *weights, size_t n, uint64_t target, uint64_t sum)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		if (weights[i] != 0)
			total += scaled_weight(weights[i], target, sum);
	return total;
}

/* The largest T in [max_len - k, max_len] whose scaled weights sum to at most
 * max_len. The sum grows with T and is at most T + k (each floor is at most
 * w * T / sum, and each raise to 1 adds at most 1), so max_len - k fits. */
static uint64_t find_target(const uint32_t *weights, size_t n, uint64_t max_len,
			    const struct plan *p)
{
	uint64_t lo = max_len - p->k, hi = max_len;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (scaled_sum(weights, n, mid, p->sum) <= max_len)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Counts the peers with a weight, their sum and gcd. */
static void survey(const uint32_t *weights, size_t n, struct plan *p, uint64_t *gcd)
{
	p->k = 0;
	p->sum = 0;
	*gcd = 0;
	for (size_t i = 0; i < n; i++) {
		if (weights[i] == 0)
			continue;
		p->k++;
		p->sum += weights[i];
		*gcd = gcd64(*gcd, weights[i]);
	}
}

/* Fills in the scaling of a plan whose exact period exceeds max_len. */
static int plan_scaled(const uint32_t *weights, size_t n, size_t max_len, struct plan *p)
{
	uint64_t gcd = 0, total = 0;

	if (p->k > max_len)
		return CIP_EINVAL;
	if ((uint64_t)max_len > UINT64_MAX / UINT32_MAX)
		return CIP_EOVERFLOW;
	p->scaled = 1;
	p->target = find_target(weights, n, max_len, p);
	for (size_t i = 0; i < n; i++) {
		if (weights[i] == 0)
			continue;
		uint64_t s = scaled_weight(weights[i], p->target, p->sum);

		total += s;
		gcd = gcd64(gcd, s);
	}
	p->div = gcd;
	p->period = total / gcd;
	return 0;
}

/* Validates the arguments (other than the output pointers) and plans the
 * schedule. Reads no weight before n is known to be sane. */
static int make_plan(const uint32_t *weights, size_t n, size_t max_len, struct plan *p)
{
	uint64_t gcd;

	if (weights == NULL || n == 0 || max_len == 0)
		return CIP_EINVAL;
	if ((uint64_t)(n - 1) > UINT32_MAX)
		return CIP_EOVERFLOW;
	survey(weights, n, p, &gcd);
	if (p->k == 0)
		return CIP_EINVAL;
	p->scaled = 0;
	p->target = 0;
	p->div = gcd;
	p->period = p->sum / gcd;
	if (p->period > max_len) {
		int rc = plan_scaled(weights, n, max_len, p);

		if (rc != 0)
			return rc;
	}
	/* The range of the current weights (see the top of the file), and the
	 * schedule's byte count. */
	if (p->period > (uint64_t)(INT64_MAX - 1) / (p->k + 2) ||
	    p->period > SIZE_MAX / sizeof(uint32_t))
		return CIP_EOVERFLOW;
	return 0;
}

/* ---- the kinetic tournament ---------------------------------------------- */

static int64_t cw_at(const struct peer *p, int64_t t)
{
	return p->base + p->w * (t - p->since);
}

/* gap / speed and gap % speed for gap >= 0, speed > 0. Both almost always fit
 * 32 bits, and a 32-bit division is several times faster than a 64-bit one
 * on many x86-64 CPUs. */
static int64_t divide(int64_t gap, int64_t speed, int *exact)
{
	if (((uint64_t)gap | (uint64_t)speed) <= UINT32_MAX) {
		uint32_t g = (uint32_t)gap, s = (uint32_t)speed;

		*exact = g % s == 0;
		return g / s;
	}
	*exact = gap % speed == 0;
	return gap / speed;
}

/* The first step after t at which b beats a, given that a beats b at t by
 * gap >= 0 and neither is picked meanwhile; NEVER if not within the period. */
static int64_t loses_at(const struct tree *tr, uint32_t a, uint32_t b, int64_t gap, int64_t t)
{
	int64_t speed = tr->peers[b].w - tr->peers[a].w;
	int64_t steps;
	int exact;

	if (speed <= 0)
		return NEVER;
	/* b catches up after gap / speed steps; a tie is enough only if b
	 * comes first in the scan (gap > 0 then, as a wins at t). */
	steps = divide(gap, speed, &exact);
	if (!exact || a < b)
		steps++;
	return steps > tr->period - t ? NEVER : t + steps;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void refresh_due(struct tree *tr, size_t i)
{
	size_t l = 2 * i, r = l + 1;

	tr->due[i] = tr->fail[i];
	if (l < tr->k)
		tr->due[i] = min64(tr->due[i], tr->due[l]);
	if (r < tr->k)
		tr->due[i] = min64(tr->due[i], tr->due[r]);
}

/* Recomputes internal node i at step t from its children's winners. */
static void recompute(struct tree *tr, size_t i, int64_t t)
{
	uint32_t a = tr->win[2 * i], b = tr->win[2 * i + 1];
	int64_t gap = cw_at(&tr->peers[a], t) - cw_at(&tr->peers[b], t);

	/* nginx's order: the greater current weight, then the lower index. */
	if (gap < 0 || (gap == 0 && b < a)) {
		uint32_t swap = a;

		a = b;
		b = swap;
		gap = -gap;
	}
	tr->win[i] = a;
	tr->fail[i] = loses_at(tr, a, b, gap, t);
	refresh_due(tr, i);
}

/* After a pick at step t: the picked peer's line dropped, and it won every
 * node on its path, so each of them is recomputed. */
static void fix_path(struct tree *tr, size_t i, int64_t t)
{
	for (; i >= 1; i /= 2)
		recompute(tr, i, t);
}

/* After node i's certificate expired at step t. Above the first node whose
 * winner stays the same, no node's inputs changed, so only the earliest
 * expiry of the subtrees needs carrying up. */
static void fix_expired(struct tree *tr, size_t i, int64_t t)
{
	for (; i >= 1; i /= 2) {
		uint32_t before = tr->win[i];

		recompute(tr, i, t);
		if (tr->win[i] == before)
			break;
	}
	while (i > 1) {
		i /= 2;
		refresh_due(tr, i);
	}
}

/* A node whose certificate has expired by step t, below which none has:
 * fixing it first means its ancestors are recomputed once, not per level. */
static size_t deepest_expired(const struct tree *tr, int64_t t)
{
	size_t i = 1;

	for (;;) {
		size_t l = 2 * i, r = l + 1;

		if (l < tr->k && tr->due[l] <= t)
			i = l;
		else if (r < tr->k && tr->due[r] <= t)
			i = r;
		else
			return i;
	}
}

/* Step t: brings every certificate up to date, picks the root's winner and
 * lowers its current_weight by the period. A recompute at t never expires at
 * t, so the loop ends. */
static uint32_t pick(struct tree *tr, int64_t t)
{
	struct peer *p;
	uint32_t j;

	while (tr->due[1] <= t)
		fix_expired(tr, deepest_expired(tr, t), t);
	j = tr->win[1];
	p = &tr->peers[j];
	p->base = cw_at(p, t) - tr->period;
	p->since = t;
	fix_path(tr, (tr->k + j) / 2, t);
	return p->index;
}

/* Fills sched[0 .. period) for k >= 2 peers whose fields w and index are set. */
static void run(struct tree *tr, uint32_t *sched)
{
	for (size_t j = 0; j < tr->k; j++) {
		tr->peers[j].base = 0;
		tr->peers[j].since = 0;
		tr->win[tr->k + j] = (uint32_t)j;
	}
	for (size_t i = tr->k - 1; i >= 1; i--)
		recompute(tr, i, 0);
	for (int64_t t = 1; t <= tr->period; t++)
		sched[t - 1] = pick(tr, t);
}

/* ---- the entry points ---------------------------------------------------- */

static void fill_peers(const uint32_t *weights, size_t n, const struct plan *p, struct peer *peers)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t w = planned_weight(p, weights[i]);

		if (w == 0)
			continue;
		peers[j].w = (int64_t)w;
		peers[j].index = (uint32_t)i;
		j++;
	}
}

/* Builds the schedule of a plan into sched. */
static int build(const uint32_t *weights, size_t n, const struct plan *p, uint32_t *sched)
{
	struct tree tr = { 0 };
	int rc = CIP_ENOMEM;

	tr.k = p->k;
	tr.period = (int64_t)p->period;
	tr.peers = calloc(tr.k, sizeof(*tr.peers));
	if (tr.peers == NULL)
		return CIP_ENOMEM;
	fill_peers(weights, n, p, tr.peers);
	if (tr.k == 1) {
		/* A lone peer's weight divided by itself: the period is 1. */
		sched[0] = tr.peers[0].index;
		free(tr.peers);
		return 0;
	}
	tr.win = calloc(2 * tr.k, sizeof(*tr.win));
	tr.fail = calloc(tr.k, sizeof(*tr.fail));
	tr.due = calloc(tr.k, sizeof(*tr.due));
	if (tr.win != NULL && tr.fail != NULL && tr.due != NULL) {
		run(&tr, sched);
		rc = 0;
	}
	free(tr.due);
	free(tr.fail);
	free(tr.win);
	free(tr.peers);
	return rc;
}

int cip__swrr_schedule(const uint32_t *weights, size_t n, size_t max_len, uint32_t **out,
		       size_t *len)
{
	struct plan p;
	uint32_t *sched;
	int rc;

	if (out == NULL || len == NULL)
		return CIP_EINVAL;
	rc = make_plan(weights, n, max_len, &p);
	if (rc != 0)
		return rc;
	sched = malloc((size_t)p.period * sizeof(*sched));
	if (sched == NULL)
		return CIP_ENOMEM;
	rc = build(weights, n, &p, sched);
	if (rc != 0) {
		free(sched);
		return rc;
	}
	*out = sched;
	*len = (size_t)p.period;
	return 0;
}

int cip__swrr_is_scaled(const uint32_t *weights, size_t n, size_t max_len)
{
	struct plan p;
	int rc = make_plan(weights, n, max_len, &p);

	return rc != 0 ? rc : p.scaled;
}

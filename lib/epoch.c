/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Epoch-based reclamation (see epoch.h for the layout and the contract).
 *
 * The protocol.
 *   Reader enter:  g = load(epoch); fetch_add(slot.active[g & 1], 1)
 *                  (both seq_cst); then seq_cst loads of the links.
 *   Reader leave:  fetch_sub(slot.active[p], 1), release.
 *   Writer:        release or seq_cst stores that unlink an object; retire
 *                  tags it with the current epoch r. To advance from G to
 *                  G + 1, the writer issues a seq_cst fence, scans
 *                  active[(G + 1) & 1] of every slot with seq_cst loads and
 *                  stores G + 1 only if all are 0. A node tagged r is freed
 *                  once epoch >= r + 2.
 * Only the writer (one thread at a time) stores the epoch, so the epoch it
 * reads is always the current one, and it grows by one per advance. Below,
 * "program order" on the writer's side means happens-before when writers
 * on several threads take turns: the caller's mutex orders them, and S is
 * consistent with happens-before.
 *
 * Safety: a node tagged r is freed only when no reader can use it. Let S
 * be the single total order of seq_cst operations. Before the free, the
 * writer stored r + 1 and r + 2, each after a fence and a scan that read 0
 * from every counter of one parity: the scan before r + 1 looked at parity
 * (r + 1) & 1, the scan before r + 2 at parity r & 1. Both come after the
 * retire call, hence after the unlinking stores (contract rule 1), in
 * program order. Together they cover both parities, so whatever parity p a
 * reader R counted itself under, in slot s, one of them made a seq_cst
 * load Q of c = slots[s].active[p] that read 0, after a seq_cst fence X
 * (program order: unlinking stores, X, Q). Let F be R's increment of c
 * and D its decrement. Every modification of c is an RMW, and the value of
 * c at any point of its modification order counts the readers whose
 * increment is before that point and whose decrement is not (a reader's
 * increment precedes its decrement in that order, by coherence). Two
 * cases:
 *  1. Q read D or a later modification. Those are all RMWs, so they belong
 *     to the release sequence headed by D (a release RMW), and Q is seq_cst,
 *     hence an acquire: D synchronizes with Q. Everything R did in its
 *     section happens before Q and so before the free.
 *  2. Q read a modification before D. It cannot be at or after F (the
 *     value would count R and not be 0), so it is before F. Then X
 *     precedes F in S: had F preceded X, Q, which comes after the fence X,
 *     would read the last seq_cst modification of c before X in S or a
 *     later one in c's modification order (C11 7.17.3: a load after a
 *     seq_cst fence), hence F or a later one. F precedes, in program order
 *     and so in S, every link load P that R makes in its section (both
 *     seq_cst; rule 3). So every such P comes after X in S, and every
 *     unlinking store U comes before X in program order: P reads U's value
 *     or a later one (C11 7.17.3 again: a store before a seq_cst fence
 *     against a seq_cst load after it in S), never the link U removed.
 *     After the Us no chain of links from the roots leads to the node,
 *     and none is made again (rule 1), so R, which starts from the roots,
 *     never reaches the node. (In the common pattern, versions reached
 *     through one root pointer that the writer swaps, the root is the only
 *     link and this is immediate.)
 * So either R is done with the node before it is freed, or R never sees
 * it. This is the store-buffering argument (writer: store link, load
 * counter; reader: write counter, load link), and it is why the writer has
 * a fence and the reader's increment and link loads are seq_cst: C11
 * orders the two sides of that pattern only through S. The fence lets the
 * unlinking stores be release stores, at the price of one fence per scan
 * on the writer's side; a fence on the readers' side instead would cost
 * every read section. (Without the fence, a release store may still sit in
 * the writer's store buffer while it scans, even on x86-64.)
 * Sections that nest or share a slot change nothing: the argument uses one
 * increment and its decrement, and counts, not owners, are kept per slot.
 *
 * Note that safety does not depend on which parity a reader picks: each
 * node waits for two scans, one of each parity. The reader's load of the
 * epoch is there for liveness: a reader that entered at epoch G counts
 * under G & 1, and the next advance (to G + 1) scans the other parity, so
 * new readers do not hold the epoch back. Only readers that entered before
 * the last advance (or read the epoch just before it) can delay the next
 * one, and only until they leave; reclaim then simply frees nothing yet.
 * Garbage is thus bounded by what the writer retires while the read
 * sections that overlap the last advances last (a reader preempted inside
 * a section holds it for as long as it is preempted), and
 * cip__epoch_synchronize() bounds it to nothing, at the price of waiting.
 */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "epoch.h"
#include "random.h"
#include "sanitize.h"

_Static_assert(sizeof(struct cip__epoch_slot) == CIP__EPOCH_LINE, "one slot per cache line");
_Static_assert((CIP__EPOCH_SLOTS & (CIP__EPOCH_SLOTS - 1)) == 0, "slots are a power of two");

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__epoch_init(struct cip__epoch *e)
{
	struct cip__epoch_slot *slots;

	if (!e)
		return CIP_EINVAL;
	slots = aligned_alloc(CIP__EPOCH_LINE, CIP__EPOCH_SLOTS * sizeof(*slots));
	if (!slots)
		return CIP_ENOMEM;
	memset(slots, 0, CIP__EPOCH_SLOTS * sizeof(*slots)); /* the padding too */
	for (unsigned i = 0; i < CIP__EPOCH_SLOTS; i++) {
		atomic_init(&slots[i].active[0], 0);
		atomic_init(&slots[i].active[1], 0);
	}
	atomic_init(&e->epoch, 0);
	e->slots = slots;
	e->head = NULL;
	e->tail = NULL;
	e->pending = 0;
	return 0;
}

/* Frees the oldest limbo nodes while they are tagged at most @p upto.
 * Each node leaves the list before its free_fn runs. */
static size_t free_upto(struct cip__epoch *e, uint64_t upto)
{
	size_t n = 0;

	while (e->head && e->head->epoch <= upto) {
		struct cip__epoch_node *node = e->head;

		e->head = node->next;
		if (!e->head)
			e->tail = NULL;
		e->pending--;
		node->free_fn(node);
		n++;
	}
	return n;
}

void cip__epoch_destroy(struct cip__epoch *e)
{
	if (!e)
		return;
	/* No reader is inside (the caller's promise): everything may go. */
	free_upto(e, UINT64_MAX);
	free(e->slots);
	memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------------ */
/* Readers                                                            */
/* ------------------------------------------------------------------ */

/*
 * This thread's slot: a hash of the address of a thread-local object, so
 * that each thread keeps to one slot without registering anywhere. The
 * multiplication spreads the address bits into the top bits, which pick
 * the slot.
 */
static unsigned my_slot(void)
{
	static _Thread_local unsigned char anchor;
	uint64_t h = (uint64_t)(uintptr_t)&anchor * GOLDEN_GAMMA;

	return (unsigned)(h >> (64 - CIP__EPOCH_SLOT_BITS));
}

unsigned cip__epoch_enter(struct cip__epoch *e)
{
	unsigned slot = my_slot();
	unsigned parity = (unsigned)(atomic_load(&e->epoch) & 1);

	/* seq_cst: the reader's half of the store-buffering argument. */
	atomic_fetch_add(&e->slots[slot].active[parity], 1);
	return slot << 1 | parity;
}

void cip__epoch_leave(struct cip__epoch *e, unsigned token)
{
	struct cip__epoch_slot *s = &e->slots[CIP__EPOCH_TOKEN_SLOT(token)];

	/* Release: the section's reads happen before the scan that sees it. */
	atomic_fetch_sub_explicit(&s->active[CIP__EPOCH_TOKEN_PARITY(token)], 1,
				  memory_order_release);
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

/* 1 if no reader is counted under @p parity. seq_cst loads: the writer's
 * half of the argument (and an acquire of each reader's leave). Counters
 * never go below 0, so the sum is 0 exactly when every counter is. */
static int parity_idle(const struct cip__epoch *e, unsigned parity)
{
	for (unsigned i = 0; i < CIP__EPOCH_SLOTS; i++)
		if (atomic_load(&e->slots[i].active[parity]) != 0)
			return 0;
	return 1;
}

/*
 * Orders the writer's earlier stores (the unlinks) before the scan that
 * follows: the writer's half of the store-buffering argument. A seq_cst
 * fence; under ThreadSanitizer, which does not model fences (and with
 * which GCC refuses them), a seq_cst RMW of the epoch instead, which is a
 * full barrier on the hardware it runs on. TSan's own analysis does not
 * need either: what it checks, that a reader's accesses happen before the
 * free, comes from the counters' release and acquire.
 */
static void writer_fence(struct cip__epoch *e)
{
#if CIP_TSAN
	atomic_fetch_add(&e->epoch, 0);
#else
	(void)e;
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Advances the epoch from @p g to g + 1 if no reader holds it back.
 * @return the epoch after the call. */
static uint64_t try_advance(struct cip__epoch *e, uint64_t g)
{
	writer_fence(e);
	if (!parity_idle(e, (unsigned)((g + 1) & 1)))
		return g;
	atomic_store(&e->epoch, g + 1);
	return g + 1;
}

/* The epoch as the writer sees it: only the writer stores it, so a relaxed
 * load returns its own last store. */
static uint64_t current(struct cip__epoch *e)
{
	return atomic_load_explicit(&e->epoch, memory_order_relaxed);
}

size_t cip__epoch_reclaim(struct cip__epoch *e)
{
	uint64_t g;

	if (!e || !e->head)
		return 0;
	g = current(e);
	/* Advance only while the newest node still needs it, so that a writer
	 * with nothing to free does not scan the slots. */
	if (e->tail->epoch + 2 > g)
		g = try_advance(e, g);
	return g >= 2 ? free_upto(e, g - 2) : 0;
}

void cip__epoch_retire(struct cip__epoch *e, struct cip__epoch_node *node,
		       void (*free_fn)(struct cip__epoch_node *node))
{
	node->next = NULL;
	node->epoch = current(e);
	node->free_fn = free_fn;
	if (e->tail)
		e->tail->next = node;
	else
		e->head = node;
	e->tail = node;
	e->pending++;
	cip__epoch_reclaim(e);
}

void cip__epoch_synchronize(struct cip__epoch *e)
{
	uint64_t g;

	if (!e)
		return;
	g = current(e);
	for (int i = 0; i < 2; i++) {
		while (try_advance(e, g) == g)
			sched_yield();
		g++;
	}
	/* Every node in the list was tagged at most g - 2. */
	free_upto(e, g - 2);
}

size_t cip__epoch_pending(const struct cip__epoch *e)
{
	return e ? e->pending : 0;
}

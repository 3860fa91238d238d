/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Epoch-based reclamation (see epoch.h for the modes, the registry, the
 * layout and the contract).
 *
 * The protocol.
 *   Shared reader (a shared domain, or a thread without an owned index):
 *     enter: g = load(epoch); fetch_add(slot.active[g & 1], 1), both
 *            seq_cst; leave: fetch_sub(slot.active[p], 1), release.
 *   Owned reader (an asymmetric domain, the thread's owned index i):
 *     enter: g = relaxed load(epoch); c = &owned[i].active[g & 1];
 *            relaxed store(c, relaxed load(c) + 1); compiler barrier.
 *     leave: compiler barrier; release store(c, relaxed load(c) - 1).
 *   Either reader then loads the links with seq_cst loads.
 *   Claim of index i (once per thread): a seq_cst CAS that sets bit i of
 *     the bitmap, then seq_cst accesses to the high-water mark until one,
 *     O, reads or writes a value above i; all before the first store to an
 *     owned slot i. The exit releases i with a seq_cst RMW of the bitmap.
 *   Writer: release or seq_cst stores that unlink an object; retire tags
 *     it with the current epoch r. To advance from G to G + 1 the writer
 *     issues a seq_cst fence X and scans active[(G + 1) & 1] of every
 *     shared slot with seq_cst loads. In an asymmetric domain it then loads
 *     the high-water mark h (seq_cst) and, if h > 0, calls membarrier(2)
 *     with MEMBARRIER_CMD_PRIVATE_EXPEDITED (call M) and scans the owned
 *     slots below h the same way. (Before M it scans them once more: a
 *     counter seen non-zero ends the attempt without the system call.) It
 *     stores G + 1 only if all the scans after X and M read 0. A node
 *     tagged r is freed once epoch >= r + 2.
 * Only the writer (one thread at a time) stores the epoch, so the epoch it
 * reads is always the current one, and it grows by one per advance. Below,
 * "program order" on the writer's side means happens-before when writers
 * on several threads take turns: the caller's mutex orders them, and S is
 * consistent with happens-before.
 *
 * Safety: a node tagged r is freed only when no reader can use it. Let S
 * be the single total order of seq_cst operations. Before the free, the
 * writer stored r + 1 and r + 2, each after a scan of one parity that read
 * 0 everywhere it looked: the scan before r + 1 looked at parity
 * (r + 1) & 1, the scan before r + 2 at parity r & 1. Both come after the
 * retire call, hence after the unlinking stores U (contract rule 1), in
 * program order. Together they cover both parities, so whatever parity p
 * a reader R of thread T counted itself under, in counter c, one of them
 * had a fence X (program order: the Us, X, then its loads) and either
 * made a load Q of c after X (after M too, if c is owned) that read 0, or
 * (c owned) skipped c. Let F be R's increment of c, D its decrement, and
 * P any link load R makes in its section (seq_cst, rule 3; after F in
 * program order). The goal: either R's section happens before the free,
 * or every P reads U's value or a later one, never the link U removed;
 * in the second case, since after the Us no chain of links from the roots
 * leads to the node and none is made again (rule 1), R, which starts from
 * the roots, never reaches the node. (In the common pattern, versions
 * reached through one root pointer that the writer swaps, the root is the
 * only link and this is immediate.)
 *
 * A shared counter c. Every modification of c is an RMW, and the value of
 * c at any point of its modification order counts the readers whose
 * increment is before that point and whose decrement is not (a reader's
 * increment precedes its decrement in that order, by coherence).
 *  S1. Q read D or a later modification. Those are all RMWs, so they
 *      belong to the release sequence headed by D (a release RMW), and Q is
 *      seq_cst, hence an acquire: D synchronizes with Q. Everything R did
 *      in its section happens before Q and so before the free.
 *  S2. Q read a modification before D. It cannot be at or after F (the
 *      value would count R and not be 0), so it is before F. Then X
 *      precedes F in S: had F preceded X, Q, which comes after the fence X,
 *      would read F or a later modification (C11 7.17.3: a load after a
 *      seq_cst fence sees the last seq_cst modification before the fence
 *      in S, or a later one). F precedes every P in program order, so in S
 *      too, and every P comes after X in S while every U comes before X in
 *      program order: P reads U's value or a later one (C11 7.17.3 again:
 *      a store before a seq_cst fence against a seq_cst load after it in
 *      S).
 *
 * An owned counter c of slot i, held by T. Only T stores c while it holds
 * i (an earlier holder's stores happen before T's claim: its release of i
 * is read by T's claiming CAS), so c's modification order follows T's
 * program order, and each value counts T's open sections under parity p.
 * Enter and leave are a load and a store, not an RMW, but a signal handler
 * that runs between the two makes balanced changes and leaves c as it
 * found it, so the store still writes the right count.
 *  O0. The writer skipped c: its load of the high-water mark read h <= i,
 *      a modification before the one O read or wrote (the mark only
 *      grows). Had O preceded X in S, that load, after X, would read O's
 *      modification or a later one (C11 7.17.3 as in S2), so X precedes O
 *      in S. O precedes every P in program order, so X precedes every P in
 *      S, and P reads U's value or a later one as in S2.
 *  O1. Q read D or a later store. Value 0 is written only by init and by
 *      leaves (enters write at least 1), so Q read a leave's release store
 *      D' at or after D in c's modification order, hence D' is D or comes
 *      after D in T's program order. Q is an acquire, so D' synchronizes
 *      with it, and R's section, sequenced before D, happens before Q and
 *      the free.
 *  O2. Q read a store before D. Not one at or after F (it would count R),
 *      so one before F. Here C11 does not help: F is a relaxed store, and
 *      only a compiler barrier (atomic_signal_fence()) separates it from
 *      the Ps; it does keep F before every P in T's instruction stream.
 *      The argument is the kernel's: M returns only after every thread of
 *      the process has passed through a point B, between two of its
 *      instructions and during M, at which all its memory accesses match
 *      program order. A running thread gets there by an interrupt whose
 *      handler executes a full barrier; a thread that is not running has
 *      been through a context switch, which executes one. M itself begins
 *      and ends with a full barrier. If B came after F, F was visible to
 *      all before M returned, and Q, after M, would read F or a later
 *      store: it did not. So B came before F, hence before every P; the Us
 *      precede M, whose first barrier precedes B, so every P reads U's
 *      value or a later one. This is
 *      the store-buffering pattern (reader: store counter, load link;
 *      writer: store link, membarrier, load counter), and M is what rules
 *      out that both sides read the old values, with no hardware fence on
 *      the reader's side.
 *
 * So either R is done with the node before it is freed, or R never sees
 * it. On the shared path the fence X pairs with the reader's seq_cst
 * increment and loads: C11 orders the two sides of a store-buffering
 * pattern only through S. It lets the unlinking stores be release stores,
 * at the price of one fence per scan on the writer's side. (Without it, a
 * release store may still sit in the writer's store buffer while it
 * scans, even on x86-64.) On the owned path M makes up for the reader's
 * missing fence: one system call per attempt to advance, instead of a
 * locked instruction (a full barrier on x86-64, which also stops the CPU
 * from overlapping the cache misses of consecutive lookups) in every
 * section. Sections that nest or share a slot change nothing: the
 * argument uses one increment and its decrement, and counts, not owners,
 * are kept per slot. Threads on owned and shared slots mix freely in an
 * asymmetric domain, since the writer scans both.
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
 * If membarrier() fails once registered (it should not), the attempt to
 * advance fails too, which is safe: nothing is freed until a call works.
 *
 * The registration for membarrier() belongs to the process: it stays
 * valid in a child made by fork(), where the indices held by the parent's
 * other threads simply stay taken.
 */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#define _DEFAULT_SOURCE 1	/* syscall */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/membarrier.h>)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __NR_membarrier
#define HAVE_MEMBARRIER 1
#endif
#endif
#endif
#ifndef HAVE_MEMBARRIER
#define HAVE_MEMBARRIER 0
#endif

#include "bits.h"
#include "epoch.h"
#include "random.h"
#include "sanitize.h"

_Static_assert(sizeof(struct cip__epoch_slot) == CIP__EPOCH_LINE, "one slot per cache line");
_Static_assert((CIP__EPOCH_SLOTS & (CIP__EPOCH_SLOTS - 1)) == 0, "slots are a power of two");
_Static_assert(CIP__EPOCH_OWNED % 64 == 0, "owned indices fill bitmap words");
_Static_assert(CIP__EPOCH_OWNED <= UINT_MAX >> 2, "owned indices fit in a token");

/* ------------------------------------------------------------------ */
/* The process: membarrier and the thread registry                    */
/* ------------------------------------------------------------------ */

static struct {
	pthread_once_t once;
	int asymmetric;	   /* membarrier registered and the key made: set once */
	pthread_key_t key; /* its destructor releases the thread's index */
	_Atomic uint64_t taken[CIP__EPOCH_OWNED / 64]; /* bit i: index i is held */
	_Atomic unsigned high;			       /* 1 + the highest index ever held */
	_Atomic unsigned limit;			       /* indices handed out: [0, limit) */
} reg = { .once = PTHREAD_ONCE_INIT };

/*
 * This thread's owned index plus 1. 0 until its first section in an
 * asymmetric domain claims one; NO_INDEX while it claims, and for good if
 * it got none or has released its index (at exit: other destructors that
 * run after ours may still enter, on the shared slots).
 */
#define NO_INDEX UINT_MAX
static _Thread_local unsigned my_index;

#if HAVE_MEMBARRIER
static long sys_membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}
#endif

/* Registers the process for expedited private membarrier, if it can.
 * @return 1 if it did. */
static int membarrier_register(void)
{
#if HAVE_MEMBARRIER
	long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);
	long need = MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;

	return cmds >= 0 && (cmds & need) == need &&
	       sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
#else
	return 0;
#endif
}

/* The writer's heavy barrier (call M in the proof). @return 1 if it was
 * made; if not, the caller must not advance. */
static int membarrier_all(void)
{
#if HAVE_MEMBARRIER
	return sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
#else
	return 0;
#endif
}

/* The key's destructor, at the exit of a thread that holds index
 * value - 1. The thread is in no section, so its owned counters are all
 * 0; the seq_cst RMW publishes that to the next holder's claim. */
static void release_index(void *value)
{
	unsigned i = (unsigned)(uintptr_t)value - 1;

	my_index = NO_INDEX;
	atomic_fetch_and(&reg.taken[i / 64], ~(UINT64_C(1) << (i % 64)));
}

static void registry_init(void)
{
	atomic_init(&reg.high, 0);
	atomic_init(&reg.limit, CIP__EPOCH_OWNED);
	for (unsigned w = 0; w < CIP__EPOCH_OWNED / 64; w++)
		atomic_init(&reg.taken[w], 0);
	reg.asymmetric = membarrier_register() && pthread_key_create(&reg.key, release_index) == 0;
}

/* Sets bit @p i of the bitmap if it is clear. @return 1 if this call did. */
static int take(unsigned i)
{
	_Atomic uint64_t *w = &reg.taken[i / 64];
	uint64_t bit = UINT64_C(1) << (i % 64), v = atomic_load(w);

	while (!(v & bit))
		if (atomic_compare_exchange_weak(w, &v, v | bit))
			return 1;
	return 0;
}

/*
 * The first section of this thread in an asymmetric domain: claims the
 * lowest free index. A signal handler that enters meanwhile finds
 * NO_INDEX and uses the shared slots. @return the index, or
 * CIP__EPOCH_OWNED if there is none (for good).
 */
static CIP_NOINLINE unsigned claim_index(void)
{
	unsigned limit = atomic_load(&reg.limit), i, h;

	my_index = NO_INDEX;
	atomic_signal_fence(memory_order_seq_cst);
	for (i = 0; i < limit; i++)
		if (take(i))
			break;
	if (i == limit)
		return CIP__EPOCH_OWNED;
	if (pthread_setspecific(reg.key, (void *)(uintptr_t)(i + 1)) != 0) {
		atomic_fetch_and(&reg.taken[i / 64], ~(UINT64_C(1) << (i % 64)));
		return CIP__EPOCH_OWNED;
	}
	/* Access O of the proof: the last of these reads or writes h > i. */
	h = atomic_load(&reg.high);
	while (h <= i && !atomic_compare_exchange_weak(&reg.high, &h, i + 1))
		;
	atomic_signal_fence(memory_order_seq_cst);
	my_index = i + 1;
	return i;
}

unsigned cip__epoch_owned_limit(unsigned limit)
{
	pthread_once(&reg.once, registry_init);
	return atomic_exchange(&reg.limit, limit < CIP__EPOCH_OWNED ? limit : CIP__EPOCH_OWNED);
}

unsigned cip__epoch_owned_in_use(void)
{
	unsigned n = 0;

	pthread_once(&reg.once, registry_init);
	for (unsigned w = 0; w < CIP__EPOCH_OWNED / 64; w++)
		for (uint64_t v = atomic_load(&reg.taken[w]); v; v &= v - 1)
			n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */
/* ------------------------------------------------------------------ */

int cip__epoch_init_mode(struct cip__epoch *e, enum cip__epoch_mode mode)
{
	struct cip__epoch_slot *slots;
	unsigned n;

	if (!e || (mode != CIP__EPOCH_AUTO && mode != CIP__EPOCH_SHARED))
		return CIP_EINVAL;
	pthread_once(&reg.once, registry_init);
	n = CIP__EPOCH_SLOTS;
	if (mode == CIP__EPOCH_AUTO && reg.asymmetric)
		n += CIP__EPOCH_OWNED;
	slots = aligned_alloc(CIP__EPOCH_LINE, n * sizeof(*slots));
	if (!slots)
		return CIP_ENOMEM;
	memset(slots, 0, n * sizeof(*slots)); /* the padding too */
	for (unsigned i = 0; i < n; i++) {
		atomic_init(&slots[i].active[0], 0);
		atomic_init(&slots[i].active[1], 0);
	}
	atomic_init(&e->epoch, 0);
	e->slots = slots;
	e->owned = n > CIP__EPOCH_SLOTS ? slots + CIP__EPOCH_SLOTS : NULL;
	e->head = NULL;
	e->tail = NULL;
	e->pending = 0;
	return 0;
}

int cip__epoch_init(struct cip__epoch *e)
{
	return cip__epoch_init_mode(e, CIP__EPOCH_AUTO);
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
	free(e->slots); /* the owned slots with them */
	memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------------ */
/* Readers                                                            */
/* ------------------------------------------------------------------ */

/*
 * This thread's shared slot: a hash of the address of a thread-local
 * object, so that each thread keeps to one slot without registering
 * anywhere. The multiplication spreads the address bits into the top bits,
 * which pick the slot.
 */
static unsigned my_slot(void)
{
	static _Thread_local unsigned char anchor;
	uint64_t h = (uint64_t)(uintptr_t)&anchor * GOLDEN_GAMMA;

	return (unsigned)(h >> (64 - CIP__EPOCH_SLOT_BITS));
}

unsigned cip__epoch_enter(struct cip__epoch *e)
{
	unsigned slot, parity;

	if (e->owned) {
		unsigned i = my_index - 1;

		if (i == UINT_MAX)
			i = claim_index();
		if (i < CIP__EPOCH_OWNED) {
			_Atomic uint64_t *c;

			/* Only this thread stores c; the writer's membarrier()
			 * stands in for a fence between the store and the
			 * section's loads, which the compiler must not hoist. */
			parity = (unsigned)(atomic_load_explicit(&e->epoch, memory_order_relaxed) &
					    1);
			c = &e->owned[i].active[parity];
			atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			atomic_signal_fence(memory_order_seq_cst);
			return i << 2 | 2u | parity;
		}
	}
	slot = my_slot();
	parity = (unsigned)(atomic_load(&e->epoch) & 1);
	/* seq_cst: the reader's half of the store-buffering argument. */
	atomic_fetch_add(&e->slots[slot].active[parity], 1);
	return slot << 2 | parity;
}

void cip__epoch_leave(struct cip__epoch *e, unsigned token)
{
	_Atomic uint64_t *c = cip__epoch_counter(e, token);

	/* Release: the section's reads happen before the scan that sees it. */
	if (CIP__EPOCH_TOKEN_OWNED(token)) {
		atomic_signal_fence(memory_order_seq_cst);
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) - 1,
				      memory_order_release);
	} else {
		atomic_fetch_sub_explicit(c, 1, memory_order_release);
	}
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

/* 1 if no reader is counted under @p parity in the @p n slots @p s.
 * seq_cst loads: the writer's half of the argument (and an acquire of each
 * reader's leave). Counters never go below 0. */
static int idle(struct cip__epoch_slot *s, unsigned n, unsigned parity)
{
	for (unsigned i = 0; i < n; i++)
		if (atomic_load(&s[i].active[parity]) != 0)
			return 0;
	return 1;
}

/*
 * 1 if no reader is counted under @p parity in the owned slots, after the
 * fence: the slots below the high-water mark, scanned after membarrier().
 * A first scan before it saves the system call when a reader is inside.
 */
static int owned_idle(struct cip__epoch *e, unsigned parity)
{
	unsigned h = atomic_load(&reg.high);

	if (h == 0)
		return 1; /* no thread has held an index */
	if (!idle(e->owned, h, parity) || !membarrier_all())
		return 0;
	return idle(e->owned, h, parity);
}

/*
 * Orders the writer's earlier stores (the unlinks) before the scan that
 * follows: the writer's half of the store-buffering argument on the shared
 * slots (fence X of the proof). A seq_cst fence; under ThreadSanitizer,
 * which does not model fences (and with which GCC refuses them), a seq_cst
 * RMW of the epoch instead, which is a full barrier on the hardware it runs
 * on. TSan's own analysis does not need either: what it checks, that a
 * reader's accesses happen before the free, comes from the counters'
 * release and acquire, on owned slots as on shared ones.
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
	unsigned parity = (unsigned)((g + 1) & 1);

	writer_fence(e);
	if (!idle(e->slots, CIP__EPOCH_SLOTS, parity) || (e->owned && !owned_idle(e, parity)))
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

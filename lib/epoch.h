/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: epoch-based memory reclamation, so that lock-free readers may
 * follow pointers to objects that a writer replaces and frees meanwhile.
 *
 * A domain (struct cip__epoch, embedded in the structure it protects)
 * tracks which readers are inside a read section. A reader brackets every
 * lock-free traversal with cip__epoch_enter() and cip__epoch_leave(); the
 * writer unlinks an object and hands it to cip__epoch_retire(), which frees
 * it (through a callback) only once no reader can still hold a pointer to
 * it. Callers register nothing: any thread may enter at any time, sections
 * may nest (signal handlers included, if their sections are balanced), and
 * a section must end on the thread that began it. A thread must not exit
 * inside a section.
 *
 * Thread-safety: readers never block or take a lock, and each writes one
 * counter on a cache line that few other threads use. After a thread's
 * first section they are wait-free and allocate nothing; the first section
 * that a thread makes in an asymmetric domain (below) also claims an owned
 * index, lock-free, and records it with pthread_setspecific(), which a C
 * library may implement with a one-time allocation. The writer side
 * (retire, reclaim, synchronize, pending) is single-threaded: the caller
 * serializes writers (the protected structure's writer mutex). retire and
 * reclaim never wait for readers; synchronize does. init and destroy must
 * not race with anything on the same domain.
 *
 * The contract that makes a retired object safe to free (epoch.c has the
 * proof; each rule is needed):
 * 1. The writer makes the object unreachable before it retires it: once
 *    its unlinking stores are done, and before it calls
 *    cip__epoch_retire(), no chain of links from the structure's roots
 *    leads to the object, and none is made again. (Links inside other
 *    retired objects may still point to it.)
 * 2. Links are stored with release or seq_cst stores, so that a reader
 *    that loads a link sees the object it points to initialised.
 * 3. Readers load every link that the writer may change with a seq_cst
 *    load (atomic_load()), inside a section. An acquire load is not enough
 *    in C11: the argument is a store-buffering one (the writer stores a
 *    link, then reads the reader counters; a reader writes its counter,
 *    then reads the link), and C11 only rules that out when each side has
 *    a seq_cst fence or seq_cst accesses. The writer's side has a fence
 *    (in the counter scan); on the shared slots the reader's seq_cst
 *    increment and loads are its side (on owned slots the writer's
 *    membarrier() call stands in for it). On x86-64 a seq_cst load is a
 *    plain load, as an acquire load is; on AArch64 it is LDAR, which is
 *    also what compilers use for acquire unless they target the RCpc
 *    extension (LDAPR), and there an acquire load could indeed be
 *    satisfied before the increment is seen.
 * 4. A reader uses nothing it reached in a section after leaving it.
 *
 * Modes. A domain is asymmetric or shared, fixed at init. Asymmetric
 * domains need membarrier(2) with MEMBARRIER_CMD_PRIVATE_EXPEDITED, for
 * which the process registers at the first init; where that fails (not
 * Linux, an old kernel, a seccomp filter), every domain is shared. In an
 * asymmetric domain a thread that holds an owned index enters and leaves
 * with plain loads and stores on its own slot (no locked instruction, no
 * hardware fence), and the writer pays instead: a membarrier() call per
 * attempt to advance the epoch (one interrupt per CPU that runs a thread
 * of the process). Threads without an index, and every thread in a shared
 * domain, increment and decrement a shared slot with atomic
 * read-modify-writes.
 *
 * Thread registry (process-wide): a thread's first section in an
 * asymmetric domain claims the lowest free index below CIP__EPOCH_OWNED
 * from a bitmap, by compare-and-swap; the thread keeps it, in every
 * asymmetric domain, until it exits, when a thread-specific-data
 * destructor frees it for another thread. A thread that finds none free
 * (or whose first section is a signal handler interrupting that claim)
 * uses the shared slots for the rest of its life. A high-water mark of the
 * indices ever handed out bounds the writer's scan of owned slots.
 *
 * Layout: a global epoch counter and reader slots, each on its own 64-byte
 * cache line with two counters: active[p] is the number of readers in the
 * slot that entered while the epoch had parity p. CIP__EPOCH_SLOTS shared
 * slots (4 KiB), and in an asymmetric domain CIP__EPOCH_OWNED owned slots
 * after them, one per index (8 KiB more, whether threads hold the indices
 * or not). Only the thread that holds an index writes its owned slot. A
 * thread's shared slot is a hash of the address of a thread-local object,
 * so a thread keeps to one slot and threads rarely share one; threads that
 * do share a slot stay correct (the slot holds counts, not owners), they
 * only contend for its line. The writer's limbo list is a FIFO of retired
 * nodes, each tagged with the epoch of its retirement; a node is freed
 * once the epoch has advanced twice past its tag, and the epoch advances
 * past G only when no reader is counted under the parity of G + 1.
 *
 * Errors are the public CIP_E* codes.
 */
#ifndef CIP_EPOCH_H
#define CIP_EPOCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <clusterip/common.h>

/* Shared slots (a power of two), owned slots (a multiple of 64) and the
 * cache line each slot fills. */
#define CIP__EPOCH_SLOT_BITS 6
#define CIP__EPOCH_SLOTS (1u << CIP__EPOCH_SLOT_BITS)
#define CIP__EPOCH_OWNED 128u
#define CIP__EPOCH_LINE 64

/* A token from cip__epoch_enter() is (slot << 2) | (owned << 1) | parity:
 * slot is an index into the owned slots if owned is 1, else into the
 * shared ones. */
#define CIP__EPOCH_TOKEN_SLOT(token) ((token) >> 2)
#define CIP__EPOCH_TOKEN_OWNED(token) (((token) >> 1) & 1u)
#define CIP__EPOCH_TOKEN_PARITY(token) ((token)&1u)

struct cip__epoch_slot {
	_Atomic uint64_t active[2]; /* readers inside, by the parity they entered with */
	unsigned char pad[CIP__EPOCH_LINE - 2 * sizeof(_Atomic uint64_t)];
};

/*
 * A retired object's link in the limbo list. The caller embeds one in each
 * object it may retire and gets the object back in free_fn from the node's
 * address (offsetof). Retiring needs no allocation, so it cannot fail.
 */
struct cip__epoch_node {
	struct cip__epoch_node *next;		       /* the next node retired */
	uint64_t epoch;				       /* the epoch it was retired in */
	void (*free_fn)(struct cip__epoch_node *node); /* frees the object */
};

/*
 * A domain. Readers read only `epoch` (written by each advance), `slots`
 * and `owned` (fixed after init). The limbo fields belong to the writer,
 * which writes them once per retire: no more often than it writes the
 * links the readers follow, so the line they may share costs readers
 * little.
 */
struct cip__epoch {
	_Atomic uint64_t epoch;	       /* the global epoch, starts at 0 */
	struct cip__epoch_slot *slots; /* CIP__EPOCH_SLOTS shared lines, 64-byte aligned */
	struct cip__epoch_slot *owned; /* CIP__EPOCH_OWNED lines after them; NULL: shared mode */
	struct cip__epoch_node *head;  /* the oldest retired node, freed first */
	struct cip__epoch_node *tail;  /* the newest one */
	size_t pending;		       /* nodes in the limbo list */
};

/* The mode a domain is made in (see "Modes" above). */
enum cip__epoch_mode {
	CIP__EPOCH_AUTO,   /* asymmetric if the process could register for membarrier */
	CIP__EPOCH_SHARED, /* shared: every reader on the shared slots */
};

/*
 * Makes @p e an empty domain at epoch 0, asymmetric if the process
 * supports it (cip__epoch_init_mode() with CIP__EPOCH_AUTO).
 * @return 0; CIP_EINVAL if @p e is NULL; CIP_ENOMEM. On failure *e is not
 * changed.
 */
int cip__epoch_init(struct cip__epoch *e);

/* As cip__epoch_init(), in @p mode; CIP_EINVAL for an unknown mode. Tests
 * use CIP__EPOCH_SHARED to run the shared mode on any kernel. */
int cip__epoch_init_mode(struct cip__epoch *e, enum cip__epoch_mode mode);

/*
 * Frees every retired node (calling its free_fn, oldest first) and the
 * slots, and zeroes *e. The caller guarantees that no reader is inside a
 * section and that no other thread uses @p e. NULL-safe and idempotent.
 */
void cip__epoch_destroy(struct cip__epoch *e);

/*
 * Begins a read section on @p e (initialised): until the matching
 * cip__epoch_leave(), no object retired after this call is freed. One load
 * of the epoch and one increment: a plain store on the thread's owned slot
 * (asymmetric domain) or an atomic increment of a shared slot. Sections
 * nest. @return the token to pass to cip__epoch_leave().
 */
unsigned cip__epoch_enter(struct cip__epoch *e);

/*
 * Ends the read section that returned @p token, on the thread that began
 * it. Wait-free: one decrement (a store or an atomic decrement), with
 * release order so that all the section's reads happen before whatever the
 * writer frees next.
 */
void cip__epoch_leave(struct cip__epoch *e, unsigned token);

/* The counter that the section of @p token counts itself in. */
static inline _Atomic uint64_t *cip__epoch_counter(const struct cip__epoch *e, unsigned token)
{
	struct cip__epoch_slot *s = CIP__EPOCH_TOKEN_OWNED(token) ? e->owned : e->slots;

	return &s[CIP__EPOCH_TOKEN_SLOT(token)].active[CIP__EPOCH_TOKEN_PARITY(token)];
}

/*
 * Writer side. Hands @p node, embedded in an object that is no longer
 * reachable by readers (see the contract above), to the domain: tags it with
 * the current epoch, appends it to the limbo list and then runs
 * cip__epoch_reclaim(), which may free it at once if no reader can see it,
 * and may free older nodes. @p free_fn frees the object that embeds @p node;
 * it runs on the writer's thread, from retire, reclaim, synchronize or
 * destroy, and must not call back into @p e. Never waits and never fails.
 * @p e, @p node and @p free_fn must not be NULL.
 */
void cip__epoch_retire(struct cip__epoch *e, struct cip__epoch_node *node,
		       void (*free_fn)(struct cip__epoch_node *node));

/*
 * Writer side. Advances the epoch by one if that is allowed now (no reader
 * still counted under the parity of the next epoch) and something retired
 * still needs it, then frees every node retired at least two epochs ago.
 * Never waits: readers that are inside only postpone frees to a later call.
 * @return the number of nodes freed (0 if @p e is NULL).
 */
size_t cip__epoch_reclaim(struct cip__epoch *e);

/*
 * Writer side, blocking: advances the epoch twice, each time yielding the
 * CPU until the readers that prevent the advance have left, then frees
 * every node retired before the call. For tests and teardown, or for a
 * writer that must bound its garbage. Must not be called from inside a read
 * section on @p e (it would wait for itself). NULL-safe.
 */
void cip__epoch_synchronize(struct cip__epoch *e);

/* Writer side: the number of retired nodes not freed yet (0 for NULL). */
size_t cip__epoch_pending(const struct cip__epoch *e);

/*
 * For tests: how many owned indices (at most CIP__EPOCH_OWNED) are handed
 * out from now on; threads that hold a higher one keep it.
 * @return the previous limit.
 */
unsigned cip__epoch_owned_limit(unsigned limit);

/* For tests: the number of owned indices that threads hold now. */
unsigned cip__epoch_owned_in_use(void);

#endif /* CIP_EPOCH_H */

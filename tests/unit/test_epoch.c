/* SPDX-License-Identifier: Apache-2.0 */
/* lib/epoch.h (epoch-based reclamation): the rules for when a retired node
 * is freed, driven step by step, in both modes (the group "asymmetric"
 * makes its domains with CIP__EPOCH_AUTO, which falls back to the shared
 * mode where membarrier(2) is missing, and "shared" forces the shared
 * mode); then the thread registry, with threads that are started and
 * joined one step at a time. Readers that run freely on other threads are
 * in tests/stress/test_epoch_stress.c. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include "cip_test.h"

#include "epoch.h"

#define NOBJ 64

/* A retirable object: the node sits after other fields on purpose, so that
 * free_fn must really map the node back to its object. */
struct obj {
	unsigned id;
	uint64_t payload;
	struct cip__epoch_node node;
};

/* What the free functions saw, reset by every test. */
static struct {
	unsigned count[NOBJ]; /* frees per object id */
	unsigned order[NOBJ]; /* ids in the order they were freed */
	unsigned n;
} freed;

static struct obj pool[NOBJ];

/* The mode that init_ok() makes domains in: set by each group. */
static enum cip__epoch_mode mode;

static struct obj *obj_of(struct cip__epoch_node *node)
{
	return (struct obj *)(void *)((char *)node - offsetof(struct obj, node));
}

static void record_free(struct cip__epoch_node *node)
{
	struct obj *o = obj_of(node);

	assert_true(o->id < NOBJ);
	freed.count[o->id]++;
	if (freed.n < NOBJ)
		freed.order[freed.n] = o->id;
	freed.n++;
}

static void heap_free(struct cip__epoch_node *node)
{
	record_free(node);
	free(obj_of(node));
}

static int reset(void **state)
{
	(void)state;
	memset(&freed, 0, sizeof freed);
	memset(pool, 0, sizeof pool);
	for (unsigned i = 0; i < NOBJ; i++)
		pool[i].id = i;
	return 0;
}

static int group_asymmetric(void **state)
{
	(void)state;
	mode = CIP__EPOCH_AUTO;
	return 0;
}

static int group_shared(void **state)
{
	(void)state;
	mode = CIP__EPOCH_SHARED;
	return 0;
}

static void init_ok(struct cip__epoch *e)
{
	int rc = cip__epoch_init_mode(e, mode);

	if (rc != 0)
		fail_msg("cip__epoch_init = %d", rc);
}

static void retire(struct cip__epoch *e, unsigned id)
{
	cip__epoch_retire(e, &pool[id].node, record_free);
}

static uint64_t epoch_of(struct cip__epoch *e)
{
	return atomic_load(&e->epoch);
}

static uint64_t active(struct cip__epoch *e, unsigned token)
{
	return atomic_load(cip__epoch_counter(e, token));
}

/* Checks that @p token names a slot of the kind this thread should get in
 * @p e: an owned one in an asymmetric domain (the main thread always gets
 * an index), a shared one otherwise. */
static void assert_token_kind(const struct cip__epoch *e, unsigned token)
{
	if (e->owned) {
		assert_int_equal(CIP__EPOCH_TOKEN_OWNED(token), 1);
		assert_true(CIP__EPOCH_TOKEN_SLOT(token) < CIP__EPOCH_OWNED);
	} else {
		assert_int_equal(CIP__EPOCH_TOKEN_OWNED(token), 0);
		assert_true(CIP__EPOCH_TOKEN_SLOT(token) < CIP__EPOCH_SLOTS);
	}
}

/* ------------------------------------------------------------------ */
/* Life cycle and readers                                             */
/* ------------------------------------------------------------------ */

static void test_init_errors(void **state)
{
	(void)state;
	struct cip__epoch e;

	assert_int_equal(cip__epoch_init(NULL), CIP_EINVAL);
	assert_int_equal(cip__epoch_init_mode(NULL, mode), CIP_EINVAL);
	assert_int_equal(cip__epoch_init_mode(&e, (enum cip__epoch_mode)7), CIP_EINVAL);
	init_ok(&e);
	assert_int_equal(epoch_of(&e), 0);
	assert_int_equal(cip__epoch_pending(&e), 0);
	assert_non_null(e.slots);
	assert_int_equal((uintptr_t)e.slots % CIP__EPOCH_LINE, 0);
	for (unsigned i = 0; i < CIP__EPOCH_SLOTS; i++) {
		assert_int_equal(atomic_load(&e.slots[i].active[0]), 0);
		assert_int_equal(atomic_load(&e.slots[i].active[1]), 0);
	}
	if (mode == CIP__EPOCH_SHARED)
		assert_null(e.owned);
	if (e.owned) {
		assert_ptr_equal(e.owned, e.slots + CIP__EPOCH_SLOTS);
		for (unsigned i = 0; i < CIP__EPOCH_OWNED; i++) {
			assert_int_equal(atomic_load(&e.owned[i].active[0]), 0);
			assert_int_equal(atomic_load(&e.owned[i].active[1]), 0);
		}
	}
	cip__epoch_destroy(&e);
	assert_null(e.slots);
	assert_null(e.owned);
	assert_null(e.head);
	cip__epoch_destroy(&e); /* idempotent */
	cip__epoch_destroy(NULL);

	/* The writer calls that take NULL do nothing. */
	assert_int_equal(cip__epoch_reclaim(NULL), 0);
	assert_int_equal(cip__epoch_pending(NULL), 0);
	cip__epoch_synchronize(NULL);
	assert_int_equal(freed.n, 0);
}

static void test_tokens(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t, u;

	init_ok(&e);
	t = cip__epoch_enter(&e);
	assert_token_kind(&e, t);
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(t), 0); /* epoch 0 */
	assert_int_equal(active(&e, t), 1);
	cip__epoch_leave(&e, t);
	assert_int_equal(active(&e, t), 0);

	/* One thread keeps to one slot; the parity follows the epoch. */
	cip__epoch_synchronize(&e);
	assert_int_equal(epoch_of(&e), 2);
	u = cip__epoch_enter(&e);
	assert_int_equal(u, t); /* the same slot, of the same kind */
	cip__epoch_leave(&e, u);
	retire(&e, 0); /* advances to 3 */
	assert_int_equal(epoch_of(&e), 3);
	u = cip__epoch_enter(&e);
	assert_int_equal(CIP__EPOCH_TOKEN_SLOT(u), CIP__EPOCH_TOKEN_SLOT(t));
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(u), CIP__EPOCH_TOKEN_OWNED(t));
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(u), 1);
	assert_int_equal(active(&e, u), 1);
	assert_int_equal(active(&e, t), 0); /* the other parity is untouched */
	cip__epoch_leave(&e, u);
	assert_int_equal(active(&e, u), 0);
	cip__epoch_destroy(&e);
}

/* ------------------------------------------------------------------ */
/* When retired nodes are freed                                       */
/* ------------------------------------------------------------------ */

static void test_retire_needs_two_advances(void **state)
{
	(void)state;
	struct cip__epoch e;

	init_ok(&e);
	/* Tagged 0; the retire's own reclaim advances to 1, not enough. */
	retire(&e, 0);
	assert_int_equal(epoch_of(&e), 1);
	assert_int_equal(freed.n, 0);
	assert_int_equal(cip__epoch_pending(&e), 1);
	assert_int_equal(pool[0].node.epoch, 0);

	/* The second advance frees it. */
	assert_int_equal(cip__epoch_reclaim(&e), 1);
	assert_int_equal(epoch_of(&e), 2);
	assert_int_equal(freed.count[0], 1);
	assert_int_equal(cip__epoch_pending(&e), 0);

	/* Nothing pending: reclaim frees nothing and does not advance. */
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(epoch_of(&e), 2);
	cip__epoch_destroy(&e);
	assert_int_equal(freed.count[0], 1); /* not freed twice */
}

static void test_reader_blocks_later_retirees(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t;

	init_ok(&e);
	t = cip__epoch_enter(&e); /* epoch 0, parity 0 */
	retire(&e, 1);		  /* tagged 0; advances to 1 (parity 1 is idle) */
	assert_int_equal(epoch_of(&e), 1);

	/* Going to 2 needs parity 0 idle: reclaim gives up at once, every time. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(cip__epoch_reclaim(&e), 0);
		assert_int_equal(epoch_of(&e), 1);
	}
	retire(&e, 2); /* tagged 1, blocked as well */
	assert_int_equal(freed.n, 0);
	assert_int_equal(cip__epoch_pending(&e), 2);

	cip__epoch_leave(&e, t);
	assert_int_equal(cip__epoch_reclaim(&e), 1); /* epoch 2 frees the node tagged 0 */
	assert_int_equal(freed.count[1], 1);
	assert_int_equal(freed.count[2], 0);
	assert_int_equal(cip__epoch_reclaim(&e), 1); /* epoch 3 frees the node tagged 1 */
	assert_int_equal(freed.count[2], 1);
	assert_int_equal(epoch_of(&e), 3);
	assert_int_equal(cip__epoch_pending(&e), 0);
	cip__epoch_destroy(&e);
}

static void test_earlier_retirees_freed_inside(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t;

	init_ok(&e);
	retire(&e, 3); /* tagged 0, epoch now 1 */
	assert_int_equal(epoch_of(&e), 1);

	/* A reader that enters now cannot have seen node 3 (it was unlinked
	 * before), and it does not hold it back: it counts under parity 1,
	 * and the advance to 2 scans parity 0. */
	t = cip__epoch_enter(&e);
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(t), 1);
	assert_int_equal(cip__epoch_reclaim(&e), 1);
	assert_int_equal(freed.count[3], 1);

	/* But what is retired now waits for it. */
	retire(&e, 4); /* tagged 2; the advance to 3 scans parity 1 */
	assert_int_equal(epoch_of(&e), 2);
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(freed.count[4], 0);
	cip__epoch_leave(&e, t);
	cip__epoch_synchronize(&e);
	assert_int_equal(freed.count[4], 1);
	cip__epoch_destroy(&e);
}

static void test_nested_sections(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned outer, inner;

	init_ok(&e);
	outer = cip__epoch_enter(&e);
	inner = cip__epoch_enter(&e);
	assert_int_equal(inner, outer); /* same slot and parity */
	assert_int_equal(active(&e, outer), 2);
	retire(&e, 5);
	cip__epoch_leave(&e, inner);
	assert_int_equal(active(&e, outer), 1);
	/* The outer section still holds the node back. */
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(freed.n, 0);
	cip__epoch_leave(&e, outer);
	assert_int_equal(cip__epoch_reclaim(&e), 1);
	assert_int_equal(freed.count[5], 1);
	cip__epoch_destroy(&e);
}

static void test_nested_across_advance(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned outer, inner;

	init_ok(&e);
	outer = cip__epoch_enter(&e); /* parity 0 */
	retire(&e, 6);		      /* tagged 0, epoch 1 */
	inner = cip__epoch_enter(&e); /* parity 1 */
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(outer), 0);
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(inner), 1);
	assert_int_equal(active(&e, outer), 1);
	assert_int_equal(active(&e, inner), 1);

	/* Both parities are held: nothing moves. */
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(epoch_of(&e), 1);

	/* Sections need not end in order. With only parity 1 held, the epoch
	 * reaches 2 and frees node 6, but node 7 (tagged 2) needs 4. */
	cip__epoch_leave(&e, outer);
	assert_int_equal(cip__epoch_reclaim(&e), 1);
	assert_int_equal(freed.count[6], 1);
	retire(&e, 7);
	assert_int_equal(epoch_of(&e), 2);
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(freed.count[7], 0);
	cip__epoch_leave(&e, inner);
	assert_int_equal(cip__epoch_reclaim(&e), 0); /* epoch 3 */
	assert_int_equal(cip__epoch_reclaim(&e), 1); /* epoch 4 */
	assert_int_equal(epoch_of(&e), 4);
	assert_int_equal(freed.count[7], 1);
	cip__epoch_destroy(&e);
}

static void test_pending_and_order(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t;

	init_ok(&e);
	t = cip__epoch_enter(&e);
	for (unsigned i = 0; i < 20; i++) {
		retire(&e, i);
		assert_int_equal(cip__epoch_pending(&e), i + 1);
	}
	assert_int_equal(freed.n, 0);
	cip__epoch_leave(&e, t);

	/* The first retire advanced to 1 (parity 1 was idle), so node 0 is
	 * tagged 0 and the others 1: one more advance frees node 0, the next
	 * the rest, oldest first. */
	assert_int_equal(epoch_of(&e), 1);
	assert_int_equal(cip__epoch_reclaim(&e), 1);
	assert_int_equal(freed.count[0], 1);
	assert_int_equal(cip__epoch_pending(&e), 19);
	assert_int_equal(cip__epoch_reclaim(&e), 19);
	assert_int_equal(cip__epoch_pending(&e), 0);
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(freed.order[i], i);
		assert_int_equal(freed.count[i], 1);
	}
	cip__epoch_destroy(&e);
	assert_int_equal(freed.n, 20);
}

static void test_destroy_frees_all(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t;

	init_ok(&e);
	t = cip__epoch_enter(&e);
	for (unsigned i = 0; i < NOBJ; i++)
		retire(&e, i);
	cip__epoch_leave(&e, t);
	assert_int_equal(cip__epoch_pending(&e), NOBJ);
	assert_int_equal(freed.n, 0);
	cip__epoch_destroy(&e);
	assert_int_equal(freed.n, NOBJ);
	for (unsigned i = 0; i < NOBJ; i++) {
		assert_int_equal(freed.count[i], 1);
		assert_int_equal(freed.order[i], i);
	}
	assert_int_equal(cip__epoch_pending(&e), 0);
	cip__epoch_destroy(&e); /* nothing is freed twice */
	assert_int_equal(freed.n, NOBJ);
}

static void test_synchronize(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t;

	init_ok(&e);
	/* With nothing pending it still advances twice. */
	cip__epoch_synchronize(&e);
	assert_int_equal(epoch_of(&e), 2);

	/* Nodes held back by a reader that has since left: all freed. */
	t = cip__epoch_enter(&e);
	for (unsigned i = 0; i < 10; i++)
		retire(&e, i);
	assert_int_equal(cip__epoch_pending(&e), 10);
	cip__epoch_leave(&e, t);
	cip__epoch_synchronize(&e);
	assert_int_equal(cip__epoch_pending(&e), 0);
	assert_int_equal(freed.n, 10);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(freed.count[i], 1);
	assert_int_equal(epoch_of(&e), 5); /* 3 after the retires, then two more */

	/* A node retired right before synchronize, with no reader anywhere. */
	retire(&e, 10);
	cip__epoch_synchronize(&e);
	assert_int_equal(freed.count[10], 1);
	assert_int_equal(cip__epoch_pending(&e), 0);
	cip__epoch_destroy(&e);
	assert_int_equal(freed.n, 11);
}

static void test_heap_objects(void **state)
{
	(void)state;
	struct cip__epoch e;
	unsigned t;

	/* Under AddressSanitizer this proves that free_fn gets the node it was
	 * given (so the object maps back exactly) and that each is freed once. */
	init_ok(&e);
	t = cip__epoch_enter(&e);
	for (unsigned i = 0; i < 8; i++) {
		struct obj *o = malloc(sizeof *o);

		assert_non_null(o);
		o->id = i;
		o->payload = UINT64_C(0x0123456789ABCDEF) ^ i;
		cip__epoch_retire(&e, &o->node, heap_free);
	}
	cip__epoch_leave(&e, t);
	assert_int_equal(cip__epoch_reclaim(&e), 1); /* the one tagged 0 */
	assert_int_equal(cip__epoch_reclaim(&e), 7); /* the ones tagged 1 */
	for (unsigned i = 8; i < 16; i++) {
		struct obj *o = malloc(sizeof *o);

		assert_non_null(o);
		o->id = i;
		o->payload = 0;
		cip__epoch_retire(&e, &o->node, heap_free);
	}
	cip__epoch_destroy(&e); /* frees what is still pending */
	assert_int_equal(freed.n, 16);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(freed.count[i], 1);
}

/* ------------------------------------------------------------------ */
/* Signal handlers                                                    */
/* ------------------------------------------------------------------ */

static struct cip__epoch *handler_domain;
static volatile sig_atomic_t handler_token;

static void handler(int sig)
{
	unsigned t = cip__epoch_enter(handler_domain);

	(void)sig;
	handler_token = (sig_atomic_t)t;
	cip__epoch_leave(handler_domain, t);
}

static void test_signal_handler_sections(void **state)
{
	(void)state;
	struct cip__epoch e;
	struct sigaction sa, old;
	unsigned t;

	/* A handler's section nests in the one it interrupts, on the same
	 * slot (under the other parity: the retire advanced the epoch), and
	 * leaves the count as it found it. */
	init_ok(&e);
	handler_domain = &e;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	t = cip__epoch_enter(&e);
	retire(&e, 8);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal((unsigned)handler_token, t ^ 1u);
	assert_int_equal(active(&e, t), 1);
	assert_int_equal(active(&e, t ^ 1u), 0);
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	cip__epoch_leave(&e, t);
	assert_int_equal(active(&e, t), 0);
	assert_int_equal(raise(SIGUSR1), 0); /* outside any section */
	assert_int_equal(active(&e, (unsigned)handler_token), 0);
	cip__epoch_synchronize(&e);
	assert_int_equal(freed.count[8], 1);
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
	cip__epoch_destroy(&e);
}

/* ------------------------------------------------------------------ */
/* The thread registry                                                */
/* ------------------------------------------------------------------ */

/* Skips the test unless domains made in the asymmetric mode are. */
static void need_asymmetric(void)
{
	struct cip__epoch e;
	int asym;

	assert_int_equal(cip__epoch_init_mode(&e, CIP__EPOCH_AUTO), 0);
	asym = e.owned != NULL;
	cip__epoch_destroy(&e);
	if (!asym)
		skip();
}

/* A thread that makes a few sections and notes what it got. */
struct probe {
	struct cip__epoch *e, *e2; /* e2: a second domain, or NULL */
	unsigned first, nested, later, other;
	unsigned in_use; /* cip__epoch_owned_in_use() inside its sections */
	uint64_t count;	 /* its counter inside the nested section */
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;
	unsigned t;

	p->first = cip__epoch_enter(p->e);
	p->nested = cip__epoch_enter(p->e);
	p->count = atomic_load(cip__epoch_counter(p->e, p->nested));
	p->in_use = cip__epoch_owned_in_use();
	cip__epoch_leave(p->e, p->nested);
	cip__epoch_leave(p->e, p->first);
	p->later = cip__epoch_enter(p->e);
	cip__epoch_leave(p->e, p->later);
	if (p->e2) {
		t = cip__epoch_enter(p->e2);
		p->other = t;
		cip__epoch_leave(p->e2, t);
	}
	return NULL;
}

static void run_probe(struct probe *p)
{
	pthread_t tid;

	assert_int_equal(pthread_create(&tid, NULL, probe_main, p), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
}

/* This thread's owned index (claiming one if it has none yet). */
static unsigned main_index(struct cip__epoch *e)
{
	unsigned t = cip__epoch_enter(e);

	cip__epoch_leave(e, t);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(t), 1);
	return CIP__EPOCH_TOKEN_SLOT(t);
}

static void test_index_claimed_once(void **state)
{
	(void)state;
	struct cip__epoch e, e2;
	struct probe p = { 0 };
	unsigned mine, base;

	need_asymmetric();
	init_ok(&e);
	init_ok(&e2);
	mine = main_index(&e);
	assert_int_equal(main_index(&e2), mine); /* one index in every domain */
	base = cip__epoch_owned_in_use();
	assert_true(base >= 1);

	/* A new thread claims an index of its own at its first section and
	 * keeps it for the next ones, nested or not, and in other domains. */
	p.e = &e;
	p.e2 = &e2;
	run_probe(&p);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(p.first), 1);
	assert_int_not_equal(CIP__EPOCH_TOKEN_SLOT(p.first), mine);
	assert_int_equal(p.nested, p.first);
	assert_int_equal(p.later, p.first);
	assert_int_equal(p.count, 2);
	assert_int_equal(p.in_use, base + 1);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(p.other), 1);
	assert_int_equal(CIP__EPOCH_TOKEN_SLOT(p.other), CIP__EPOCH_TOKEN_SLOT(p.first));
	assert_int_equal(active(&e, p.first), 0);
	assert_int_equal(main_index(&e), mine); /* the main thread's is unchanged */
	cip__epoch_destroy(&e2);
	cip__epoch_destroy(&e);
}

static void test_index_released_at_exit(void **state)
{
	(void)state;
	struct cip__epoch e;
	struct probe p = { 0 }, q = { 0 };
	unsigned base;

	need_asymmetric();
	init_ok(&e);
	main_index(&e);
	base = cip__epoch_owned_in_use();

	/* The first thread's index goes back at its exit (pthread_join waits
	 * for the destructors), and the next thread gets it again: the lowest
	 * free one. Its counters start at 0. */
	p.e = &e;
	run_probe(&p);
	assert_int_equal(p.in_use, base + 1);
	assert_int_equal(cip__epoch_owned_in_use(), base);
	q.e = &e;
	run_probe(&q);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(q.first), 1);
	assert_int_equal(CIP__EPOCH_TOKEN_SLOT(q.first), CIP__EPOCH_TOKEN_SLOT(p.first));
	assert_int_equal(q.count, 2);
	assert_int_equal(cip__epoch_owned_in_use(), base);

	/* Many threads in turn: the index count never grows. */
	for (int i = 0; i < 50; i++) {
		memset(&q, 0, sizeof q);
		q.e = &e;
		run_probe(&q);
		assert_int_equal(q.in_use, base + 1);
		assert_int_equal(CIP__EPOCH_TOKEN_SLOT(q.first), CIP__EPOCH_TOKEN_SLOT(p.first));
	}
	assert_int_equal(cip__epoch_owned_in_use(), base);
	cip__epoch_destroy(&e);
}

/* A thread that holds a section until told, then makes one more. */
struct holder {
	pthread_t tid;
	struct cip__epoch *e;
	unsigned token, again;
	atomic_int inside, release;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;

	h->token = cip__epoch_enter(h->e);
	atomic_store(&h->inside, 1);
	while (!atomic_load(&h->release))
		sched_yield();
	cip__epoch_leave(h->e, h->token);
	h->again = cip__epoch_enter(h->e);
	cip__epoch_leave(h->e, h->again);
	return NULL;
}

static void test_owned_indices_exhausted(void **state)
{
	(void)state;
	struct cip__epoch e;
	struct holder h[4];
	unsigned limit, owned = 0, first_owned = 4;

	/* Only the main thread holds an index (the earlier threads exited),
	 * and the limit leaves one more: the first holder to enter gets it,
	 * the others use the shared slots, and they all hold node 9 back. */
	need_asymmetric();
	init_ok(&e);
	assert_int_equal(main_index(&e), 0);
	assert_int_equal(cip__epoch_owned_in_use(), 1);
	limit = cip__epoch_owned_limit(2);
	memset(h, 0, sizeof h);
	for (unsigned i = 0; i < 4; i++) {
		h[i].e = &e;
		assert_int_equal(pthread_create(&h[i].tid, NULL, holder_main, &h[i]), 0);
		while (!atomic_load(&h[i].inside))
			sched_yield();
	}
	retire(&e, 9);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(active(&e, h[i].token) >= 1, 1);
		if (CIP__EPOCH_TOKEN_OWNED(h[i].token)) {
			owned++;
			first_owned = i;
			assert_int_equal(CIP__EPOCH_TOKEN_SLOT(h[i].token), 1);
		}
	}
	assert_int_equal(owned, 1);
	assert_int_equal(first_owned, 0);
	assert_int_equal(cip__epoch_owned_in_use(), 2);
	assert_int_equal(cip__epoch_reclaim(&e), 0);
	assert_int_equal(cip__epoch_reclaim(&e), 0);

	/* They leave one at a time, the owner first: node 9 waits for the
	 * last. Each makes one more section, on a slot of the same kind. */
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(freed.count[9], 0);
		atomic_store(&h[i].release, 1);
		assert_int_equal(pthread_join(h[i].tid, NULL), 0);
		assert_int_equal(CIP__EPOCH_TOKEN_OWNED(h[i].again),
				 CIP__EPOCH_TOKEN_OWNED(h[i].token));
		assert_int_equal(CIP__EPOCH_TOKEN_SLOT(h[i].again),
				 CIP__EPOCH_TOKEN_SLOT(h[i].token));
		cip__epoch_reclaim(&e);
		cip__epoch_reclaim(&e);
	}
	assert_int_equal(freed.count[9], 1);
	assert_int_equal(cip__epoch_pending(&e), 0);
	assert_int_equal(cip__epoch_owned_in_use(), 1);
	assert_int_equal(cip__epoch_owned_limit(limit), 2);

	/* With the limit back, a new thread gets index 1 again. */
	{
		struct probe p = { 0 };

		p.e = &e;
		run_probe(&p);
		assert_int_equal(CIP__EPOCH_TOKEN_OWNED(p.first), 1);
		assert_int_equal(CIP__EPOCH_TOKEN_SLOT(p.first), 1);
	}
	cip__epoch_destroy(&e);
}

static void test_modes_side_by_side(void **state)
{
	(void)state;
	struct cip__epoch a, s;
	struct probe p = { 0 };
	unsigned ta, ts, base;

	/* One thread, sections open in an asymmetric and a shared domain at
	 * once: an owned token for the first, a shared one for the second,
	 * each holding back only its own domain's nodes. */
	need_asymmetric();
	assert_int_equal(cip__epoch_init_mode(&a, CIP__EPOCH_AUTO), 0);
	assert_int_equal(cip__epoch_init_mode(&s, CIP__EPOCH_SHARED), 0);
	assert_null(s.owned);
	ta = cip__epoch_enter(&a);
	ts = cip__epoch_enter(&s);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(ta), 1);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(ts), 0);
	cip__epoch_retire(&a, &pool[10].node, record_free);
	cip__epoch_retire(&s, &pool[11].node, record_free);
	cip__epoch_reclaim(&a);
	cip__epoch_reclaim(&s);
	cip__epoch_leave(&s, ts);
	assert_int_equal(cip__epoch_reclaim(&s), 1);
	assert_int_equal(freed.count[11], 1);
	assert_int_equal(cip__epoch_reclaim(&a), 0);
	assert_int_equal(freed.count[10], 0);
	cip__epoch_leave(&a, ta);
	assert_int_equal(cip__epoch_reclaim(&a), 1);
	assert_int_equal(freed.count[10], 1);

	/* A thread that only ever enters shared domains claims no index. */
	base = cip__epoch_owned_in_use();
	p.e = &s;
	run_probe(&p);
	assert_int_equal(CIP__EPOCH_TOKEN_OWNED(p.first), 0);
	assert_int_equal(p.later, p.first);
	assert_int_equal(p.in_use, base);
	cip__epoch_destroy(&s);
	cip__epoch_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest modes[] = {
		cmocka_unit_test_setup(test_init_errors, reset),
		cmocka_unit_test_setup(test_tokens, reset),
		cmocka_unit_test_setup(test_retire_needs_two_advances, reset),
		cmocka_unit_test_setup(test_reader_blocks_later_retirees, reset),
		cmocka_unit_test_setup(test_earlier_retirees_freed_inside, reset),
		cmocka_unit_test_setup(test_nested_sections, reset),
		cmocka_unit_test_setup(test_nested_across_advance, reset),
		cmocka_unit_test_setup(test_pending_and_order, reset),
		cmocka_unit_test_setup(test_destroy_frees_all, reset),
		cmocka_unit_test_setup(test_synchronize, reset),
		cmocka_unit_test_setup(test_heap_objects, reset),
		cmocka_unit_test_setup(test_signal_handler_sections, reset),
	};
	const struct CMUnitTest registry[] = {
		cmocka_unit_test_setup(test_index_claimed_once, reset),
		cmocka_unit_test_setup(test_index_released_at_exit, reset),
		cmocka_unit_test_setup(test_owned_indices_exhausted, reset),
		cmocka_unit_test_setup(test_modes_side_by_side, reset),
	};
	int failed = 0;

	failed |= cmocka_run_group_tests_name("epoch, shared mode", modes, group_shared, NULL);
	failed |= cmocka_run_group_tests_name("epoch, asymmetric mode", modes, group_asymmetric,
					      NULL);
	failed |= cmocka_run_group_tests_name("epoch, thread registry", registry, group_asymmetric,
					      NULL);
	return failed;
}

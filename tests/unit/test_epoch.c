/* SPDX-License-Identifier: Apache-2.0 */
/* lib/epoch.h (epoch-based reclamation), single-threaded: the rules for
 * when a retired node is freed, driven step by step. Readers on other
 * threads are in tests/stress/test_epoch_stress.c. */
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

static void init_ok(struct cip__epoch *e)
{
	int rc = cip__epoch_init(e);

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
	return atomic_load(
		&e->slots[CIP__EPOCH_TOKEN_SLOT(token)].active[CIP__EPOCH_TOKEN_PARITY(token)]);
}

/* ------------------------------------------------------------------ */
/* Life cycle and readers                                             */
/* ------------------------------------------------------------------ */

static void test_init_errors(void **state)
{
	(void)state;
	struct cip__epoch e;

	assert_int_equal(cip__epoch_init(NULL), CIP_EINVAL);
	init_ok(&e);
	assert_int_equal(epoch_of(&e), 0);
	assert_int_equal(cip__epoch_pending(&e), 0);
	assert_non_null(e.slots);
	assert_int_equal((uintptr_t)e.slots % CIP__EPOCH_LINE, 0);
	for (unsigned i = 0; i < CIP__EPOCH_SLOTS; i++) {
		assert_int_equal(atomic_load(&e.slots[i].active[0]), 0);
		assert_int_equal(atomic_load(&e.slots[i].active[1]), 0);
	}
	cip__epoch_destroy(&e);
	assert_null(e.slots);
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
	assert_true(CIP__EPOCH_TOKEN_SLOT(t) < CIP__EPOCH_SLOTS);
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(t), 0); /* epoch 0 */
	assert_int_equal(active(&e, t), 1);
	cip__epoch_leave(&e, t);
	assert_int_equal(active(&e, t), 0);

	/* One thread keeps to one slot; the parity follows the epoch. */
	cip__epoch_synchronize(&e);
	assert_int_equal(epoch_of(&e), 2);
	u = cip__epoch_enter(&e);
	assert_int_equal(CIP__EPOCH_TOKEN_SLOT(u), CIP__EPOCH_TOKEN_SLOT(t));
	assert_int_equal(CIP__EPOCH_TOKEN_PARITY(u), 0);
	cip__epoch_leave(&e, u);
	retire(&e, 0); /* advances to 3 */
	assert_int_equal(epoch_of(&e), 3);
	u = cip__epoch_enter(&e);
	assert_int_equal(CIP__EPOCH_TOKEN_SLOT(u), CIP__EPOCH_TOKEN_SLOT(t));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

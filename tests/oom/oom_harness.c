/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The harness of the oom.* tests must be able to fail: each way an
 * operation can mishandle a failed allocation is played by a small fake
 * object, and oom_check() must reject it (run in a child process, since a
 * rejection ends the test that makes it), while the correct operation
 * passes with the number of allocation points it has.
 */
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "cip_test.h"
#include "oom.h"

/* A fake object: a value and a list of blocks it owns. */
struct fake {
	int value;
	void *owned[4];
	size_t nowned;
	struct fake *made; /* a constructor's result */
};

#define UNTOUCHED_FAKE ((struct fake *)(uintptr_t)0xA5A5A5A5)

static void *fake_setup(const void *arg)
{
	struct fake *f = calloc(1, sizeof(*f));

	(void)arg;
	assert_non_null(f);
	f->value = 1;
	f->made = UNTOUCHED_FAKE;
	return f;
}

static void fake_free(struct fake *f)
{
	for (size_t i = 0; i < f->nowned; i++)
		free(f->owned[i]);
	free(f);
}

static void fake_teardown(void *fx)
{
	struct fake *f = fx;

	if (f->made != UNTOUCHED_FAKE)
		fake_free(f->made);
	fake_free(f);
}

/* What a caller sees: the value, and whether a constructor made one. The
 * blocks owned are memory, which only the accounting sees. */
static void fake_snapshot(void *fx, struct oom_buf *out)
{
	struct fake *f = fx;

	oom_buf_printf(out, "value=%d made=%s\n", f->value,
		       f->made == UNTOUCHED_FAKE ? "none" : "yes");
}

/* Correct: three allocations, all undone on failure, then one change. */
static int op_correct(void *fx)
{
	struct fake *f = fx;
	void *p[3];

	for (int i = 0; i < 3; i++) {
		p[i] = malloc(16);
		if (!p[i]) {
			while (i-- > 0)
				free(p[i]);
			return CIP_ENOMEM;
		}
	}
	for (int i = 0; i < 3; i++)
		f->owned[f->nowned++] = p[i];
	f->value++;
	return 0;
}

/* Goes on without the block it could not have. */
static int op_swallows(void *fx)
{
	struct fake *f = fx;
	void *p = malloc(16), *q = malloc(16);

	if (p)
		f->owned[f->nowned++] = p;
	if (q)
		f->owned[f->nowned++] = q;
	f->value++;
	return 0;
}

/* Loses its first block when the second fails. */
static int op_leaks(void *fx)
{
	struct fake *f = fx;
	void *p = malloc(16), *q = p ? malloc(16) : NULL;

	if (!q)
		return CIP_ENOMEM;
	f->owned[f->nowned++] = p;
	f->owned[f->nowned++] = q;
	return 0;
}

/* Keeps its first block, in the object, when the second fails: what
 * retains allows. */
static int op_keeps(void *fx)
{
	struct fake *f = fx;
	void *p = malloc(16), *q;

	if (!p)
		return CIP_ENOMEM;
	f->owned[f->nowned++] = p;
	q = malloc(16);
	if (!q)
		return CIP_ENOMEM;
	f->owned[f->nowned++] = q;
	return 0;
}

/* Changes the object before it fails. */
static int op_changes(void *fx)
{
	struct fake *f = fx;
	void *p;

	f->value++;
	p = malloc(16);
	if (!p)
		return CIP_ENOMEM;
	f->owned[f->nowned++] = p;
	return 0;
}

/* Reports another error than CIP_ENOMEM. */
static int op_wrong_code(void *fx)
{
	struct fake *f = fx;
	void *p = malloc(16);

	if (!p)
		return CIP_EINVAL;
	f->owned[f->nowned++] = p;
	return 0;
}

/* Reports CIP_ENOMEM without a failed allocation. */
static int op_spurious(void *fx)
{
	(void)fx;
	return CIP_ENOMEM;
}

/* Absorbs a failure, but the result is not the same. */
static int op_absorbs_badly(void *fx)
{
	struct fake *f = fx;
	void *p = malloc(16);

	if (p)
		f->owned[f->nowned++] = p;
	f->value = p ? 2 : 3;
	return 0;
}

/* A constructor that writes its out-pointer before it fails. */
static int op_ctor_touches(void *fx)
{
	struct fake *f = fx;
	struct fake *m = calloc(1, sizeof(*m));

	if (!m)
		return CIP_ENOMEM;
	f->made = m;
	m->owned[0] = malloc(16);
	if (!m->owned[0]) {
		free(m);
		f->made = NULL;
		return CIP_ENOMEM;
	}
	m->nowned = 1;
	return 0;
}

static struct oom_case fake_case(const char *name, int (*op)(void *fx))
{
	return (struct oom_case){
		.name = name,
		.setup = fake_setup,
		.op = op,
		.snapshot = fake_snapshot,
		.teardown = fake_teardown,
		.want = 0,
	};
}

/* Runs oom_check() on @p c in a child. @return 1 if it passed. */
static int passes(const struct oom_case *c)
{
	int status = 0;
	pid_t pid;

	fflush(stdout); /* or the child would print the parent's buffer too */
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* The rejection's messages are expected: keep the log clean. */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		oom_check(c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_correct_passes(void **state)
{
	struct oom_case c = fake_case("correct", op_correct);
	struct oom_result r;

	(void)state;
	r = oom_check(&c);
	assert_int_equal(r.points, 4);
	assert_int_equal(r.enomem, 3);
	assert_int_equal(r.absorbed, 0);
}

static void test_mistakes_fail(void **state)
{
	struct row {
		const char *name;
		int (*op)(void *fx);
		int tolerant, retains;
	} rows[] = {
		{ "swallows a failure", op_swallows, 0, 0 },
		{ "leaks a block", op_leaks, 0, 0 },
		{ "leaks a block, retains allowed", op_leaks, 0, 1 },
		{ "keeps a block in the object", op_keeps, 0, 0 },
		{ "changes the object, then fails", op_changes, 0, 0 },
		{ "reports CIP_EINVAL", op_wrong_code, 0, 0 },
		{ "reports CIP_ENOMEM without a failure", op_spurious, 0, 0 },
		{ "absorbs with another result", op_absorbs_badly, 1, 0 },
		{ "touches its out-pointer", op_ctor_touches, 0, 0 },
	};
	size_t failures = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct oom_case c = fake_case(rows[i].name, rows[i].op);

		c.tolerant = rows[i].tolerant;
		c.retains = rows[i].retains;
		CHECK(failures, !passes(&c), "the harness accepted an op that %s\n", rows[i].name);
	}
	CHECK_DONE(failures);
}

/* What retains allows: a block kept inside the object, freed with it. */
static void test_retains_allows_kept_blocks(void **state)
{
	struct oom_case c = fake_case("keeps a block in the object", op_keeps);

	(void)state;
	c.retains = 1;
	assert_true(passes(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_correct_passes),
		cmocka_unit_test(test_mistakes_fail),
		cmocka_unit_test(test_retains_allows_kept_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

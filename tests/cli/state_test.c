/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip-test-state: the state-file I/O of the clusterip program (tools/state.c),
 * built with CLI_STATE_FAULTS so that its write(), fsync(), rename() and
 * link() calls fail on demand.
 *
 *   cip-test-state DIR    (DIR: a scratch directory, created if need be)
 *
 * - A writer killed with SIGKILL at random moments leaves the state file
 *   complete, the old or the new snapshot (checksum valid), and the
 *   temporary files it leaves are never read as the state.
 * - A write that fails at any step leaves the old file byte-identical, no
 *   temporary file, and one line on standard error.
 * - The lock excludes another process, also across a replacement of the
 *   file, makes it wait rather than fail, and when it cannot be taken fails
 *   at once with one line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <clusterip/clusterip.h>

#include "cli.h"
#include "state.h"

#define PREFIX "test"
#define LINE_START CLI_PROGRAM " " PREFIX ": "
#define NAME_CAP 4096

static const char *scratch; /* argv[1] */

/* ------------------------------------------------------------------ */
/* Fault injection (see state.c)                                      */
/* ------------------------------------------------------------------ */

enum op { OP_WRITE, OP_FSYNC, OP_RENAME, OP_LINK, OP_COUNT };

/* The nth call (1-based) of op fails with err; nth 0: none does. */
struct fault_spec {
	enum op op;
	int nth;
	int err;
};

static struct {
	struct fault_spec spec[2];
	size_t max_write; /* a write() writes at most this much (0: all) */
	int calls[OP_COUNT];
	char log[64]; /* the calls in order, "wfrf": write, fsync, rename, fsync */
	size_t log_len;
} fault;

static void fault_reset(void)
{
	memset(&fault, 0, sizeof(fault));
}

static int fault_hit(enum op op)
{
	fault.calls[op]++;
	if (fault.log_len + 1 < sizeof(fault.log)) {
		fault.log[fault.log_len++] = "wfrl"[op];
	}
	for (size_t i = 0; i < sizeof(fault.spec) / sizeof(fault.spec[0]); i++) {
		const struct fault_spec *f = &fault.spec[i];

		if (f->nth != 0 && f->op == op && fault.calls[op] == f->nth) {
			errno = f->err;
			return 1;
		}
	}
	return 0;
}

ssize_t cli_fault_write(int fd, const void *buf, size_t len);
int cli_fault_fsync(int fd);
int cli_fault_rename(const char *from, const char *to);
int cli_fault_link(const char *from, const char *to);

ssize_t cli_fault_write(int fd, const void *buf, size_t len)
{
	if (fault_hit(OP_WRITE)) {
		return -1;
	}
	if (fault.max_write != 0 && len > fault.max_write) {
		len = fault.max_write;
	}
	return write(fd, buf, len);
}

int cli_fault_fsync(int fd)
{
	return fault_hit(OP_FSYNC) ? -1 : fsync(fd);
}

int cli_fault_rename(const char *from, const char *to)
{
	return fault_hit(OP_RENAME) ? -1 : rename(from, to);
}

int cli_fault_link(const char *from, const char *to)
{
	return fault_hit(OP_LINK) ? -1 : link(from, to);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* A fresh directory under the scratch directory, in @p out. */
static void make_dir(char *out, const char *tag)
{
	snprintf(out, NAME_CAP, "%s/%s.XXXXXX", scratch, tag);
	assert_non_null(mkdtemp(out));
}

static void join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, NAME_CAP, "%s/%s", dir, name);

	assert_true(n > 0 && n < NAME_CAP);
}

/* How many entries of @p dir are temporary files of "state": "state.XXXXXX". */
static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "state.", 6) == 0 && strlen(e->d_name) == 12 &&
		    strcmp(e->d_name, "state" CLI_STATE_LOCK_SUFFIX) != 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Removes @p dir and the files in it (the tests make no subdirectories). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char name[NAME_CAP];

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			join(name, dir, e->d_name);
			assert_int_equal(unlink(name), 0);
		}
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

/* 1 when the file @p path holds exactly @p len bytes @p want. */
static int holds(const char *path, const uint8_t *want, size_t len)
{
	struct cli_state st;
	int same;

	if (cli_state_read(PREFIX, path, &st) != 0) {
		return 0;
	}
	same = st.len == len && memcmp(st.data, want, len) == 0;
	free(st.data);
	return same;
}

/* Standard error goes to a file between capture_begin() and capture_end(),
 * which returns how many lines were written, all starting with the prefix. */
struct capture {
	int saved;
	char path[NAME_CAP];
};

static void capture_begin(struct capture *c, const char *dir)
{
	int fd;

	join(c->path, dir, "stderr");
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(c->saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static int capture_end(struct capture *c)
{
	char line[1024];
	FILE *f;
	int lines = 0;

	fflush(stderr);
	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	close(c->saved);
	f = fopen(c->path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		fprintf(stderr, "  (stderr: %s", line);
		if (strncmp(line, LINE_START, strlen(LINE_START)) != 0) {
			lines += 1000; /* not one of ours: fail the count */
		}
		lines++;
	}
	fclose(f);
	unlink(c->path);
	return lines;
}

/* splitmix64, for reproducible kill moments. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ */
/* A writer killed mid-write                                          */
/* ------------------------------------------------------------------ */

struct snap {
	uint8_t *data;
	size_t len;
};

/* A snapshot of 10.0.0.0/8 (a 2 MiB bitmap) with @p count addresses taken. */
static void make_snapshot(cip_range *r, uint64_t count, struct snap *out)
{
	cip_addr a;

	for (uint64_t i = 0; i < count; i++) {
		assert_int_equal(cip_range_allocate_next(r, 0, 0, &a), 0);
	}
	assert_int_equal(cip_range_snapshot(r, 0, NULL, 0, &out->len), CIP_EBUFSIZE);
	out->data = malloc(out->len);
	assert_non_null(out->data);
	assert_int_equal(cip_range_snapshot(r, 0, out->data, out->len, &out->len), 0);
}

/* The file is one of the snapshots, byte for byte, and loads. */
static void check_complete(const char *path, const struct snap *snaps, size_t n)
{
	struct cli_state st;
	cip_range *r = NULL;
	int found = 0;

	assert_int_equal(cli_state_read(PREFIX, path, &st), 0);
	for (size_t i = 0; i < n; i++) {
		found |= st.len == snaps[i].len && memcmp(st.data, snaps[i].data, st.len) == 0;
	}
	assert_true(found);
	assert_int_equal(cip_range_new_from_snapshot(&r, 0, st.data, st.len, 1), 0);
	cip_range_free(r);
	free(st.data);
}

/* Replaces @p path with the snapshots in turn until killed. */
static _Noreturn void write_forever(const char *path, const struct snap *snaps)
{
	for (unsigned i = 0;; i++) {
		const struct snap *s = &snaps[i % 2];

		(void)cli_state_write(PREFIX, path, s->data, s->len, 0, 0);
	}
}

#define KILLS_MIN 24
#define KILLS_MAX 400
#define KILL_DELAY_MAX_US 30000

static void test_killed_writer_leaves_old_or_new(void **unused)
{
	char dir[NAME_CAP], path[NAME_CAP];
	struct snap snaps[3];
	cip_range_opts opts;
	cip_prefix cidr;
	cip_range *r;
	uint64_t rng = 7;
	int kills = 0, mid_write = 0, temps = 0;

	(void)unused;
	fault_reset();
	assert_int_equal(cip_prefix_parse(&cidr, "10.0.0.0/8", 10, 0, NULL), 0);
	assert_int_equal(cip_range_opts_init(&opts, sizeof(opts)), 0);
	opts.seed = 1;
	assert_int_equal(cip_range_new(&r, &cidr, &opts), 0);
	for (int i = 0; i < 3; i++) {
		make_snapshot(r, 1000, &snaps[i]);
	}
	cip_range_free(r);
	make_dir(dir, "crash");
	join(path, dir, "state");
	assert_int_equal(cli_state_write(PREFIX, path, snaps[0].data, snaps[0].len, 0, 0), 0);

	/* Until enough kills have hit a write in progress (a temporary file
	 * left behind), so that the test proves something on any machine. */
	while (kills < KILLS_MAX && (kills < KILLS_MIN || mid_write == 0)) {
		struct timespec delay = { 0, 0 };
		pid_t pid = fork();
		int status, now;

		assert_true(pid >= 0);
		if (pid == 0) {
			write_forever(path, snaps);
		}
		delay.tv_nsec = (long)(next_random(&rng) % KILL_DELAY_MAX_US) * 1000;
		nanosleep(&delay, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		kills++;
		check_complete(path, snaps, 2);
		now = count_temps(dir);
		mid_write += now > temps;
		temps = now;
	}
	print_message("%d kills, %d during a write\n", kills, mid_write);
	assert_true(mid_write > 0);

	/* The temporary files left behind are neither read nor reused. */
	assert_int_equal(cli_state_write(PREFIX, path, snaps[2].data, snaps[2].len, 0, 0), 0);
	check_complete(path, &snaps[2], 1);
	assert_int_equal(count_temps(dir), temps);
	remove_dir(dir);
	for (int i = 0; i < 3; i++) {
		free(snaps[i].data);
	}
}

/* ------------------------------------------------------------------ */
/* Writes that fail                                                   */
/* ------------------------------------------------------------------ */

struct fault_case {
	const char *name;
	struct fault_spec spec[2];
	size_t max_write;
	int exclusive; /* init: create, the file does not exist before */
	int rc;	       /* what cli_state_write() returns */
	int replaced;  /* the file holds the new bytes afterwards */
};

#define NO_FAULT                                                                                   \
	{                                                                                          \
		OP_WRITE, 0, 0                                                                     \
	}

static const struct fault_case fault_cases[] = {
	{ "no fault", { NO_FAULT }, 0, 0, 0, 1 },
	{ "short writes are resumed", { NO_FAULT }, 4096, 0, 0, 1 },
	{ "an interrupted write is resumed", { { OP_WRITE, 2, EINTR } }, 4096, 0, 0, 1 },
	{ "the disk is full at once", { { OP_WRITE, 1, ENOSPC } }, 0, 0, -1, 0 },
	{ "the disk fills up midway", { { OP_WRITE, 5, ENOSPC } }, 4096, 0, -1, 0 },
	{ "an I/O error on write", { { OP_WRITE, 3, EIO } }, 4096, 0, -1, 0 },
	{ "syncing the file fails", { { OP_FSYNC, 1, EIO } }, 0, 0, -1, 0 },
	{ "the rename fails", { { OP_RENAME, 1, EACCES } }, 0, 0, -1, 0 },
	{ "syncing the directory fails", { { OP_FSYNC, 2, EIO } }, 0, 0, -1, 1 },
	{ "a directory that cannot be synced", { { OP_FSYNC, 2, EINVAL } }, 0, 0, 0, 1 },
	{ "create: no fault", { NO_FAULT }, 0, 1, 0, 1 },
	{ "create: the disk is full", { { OP_WRITE, 1, ENOSPC } }, 0, 1, -1, 0 },
	{ "create: syncing the file fails", { { OP_FSYNC, 1, EIO } }, 0, 1, -1, 0 },
	/* Only "no hard links here" errors may fall back to a rename. */
	{ "create: the link fails", { { OP_LINK, 1, EIO } }, 0, 1, -1, 0 },
	{ "create: no hard links here", { { OP_LINK, 1, EPERM } }, 0, 1, 0, 1 },
	{ "create: no hard links, the rename fails",
	  { { OP_LINK, 1, EPERM }, { OP_RENAME, 1, EIO } },
	  0,
	  1,
	  -1,
	  0 },
};

static void run_fault_case(const struct fault_case *fc, const uint8_t *old, const uint8_t *new,
			   size_t len)
{
	char dir[NAME_CAP], path[NAME_CAP];
	struct capture cap;
	struct stat st;
	int rc, lines;

	print_message("%s\n", fc->name);
	fault_reset();
	make_dir(dir, "fault");
	join(path, dir, "state");
	if (!fc->exclusive) {
		assert_int_equal(cli_state_write(PREFIX, path, old, len, 0, 0), 0);
	}
	fault_reset();
	memcpy(fault.spec, fc->spec, sizeof(fault.spec));
	fault.max_write = fc->max_write;
	capture_begin(&cap, dir);
	rc = cli_state_write(PREFIX, path, new, len, 0, fc->exclusive);
	lines = capture_end(&cap);
	assert_int_equal(rc, fc->rc);
	assert_int_equal(lines, rc == 0 ? 0 : 1);
	if (rc == 0 && fc->spec[0].op != OP_LINK) {
		/* The data is synced before the rename makes it the file, and the
		 * directory after: the file survives a crash either way. */
		const char *end = fc->exclusive ? "flf" : "frf";

		assert_true(fault.log_len >= 4);
		assert_string_equal(fault.log + fault.log_len - 3, end);
	}
	if (fc->replaced) {
		assert_true(holds(path, new, len));
	} else if (fc->exclusive) {
		assert_int_equal(lstat(path, &st), -1);
	} else {
		assert_true(holds(path, old, len));
	}
	assert_int_equal(count_temps(dir), 0);
	remove_dir(dir);
}

static void test_failed_write_keeps_old_file(void **unused)
{
	enum { LEN = 64 * 1024 };
	uint8_t *old = malloc(LEN), *new = malloc(LEN);

	(void)unused;
	assert_true(old != NULL && new != NULL);
	memset(old, 'o', LEN);
	memset(new, 'n', LEN);
	for (size_t i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
		run_fault_case(&fault_cases[i], old, new, LEN);
	}
	fault_reset();
	free(old);
	free(new);
}

/* init of an existing file fails, with one line, and keeps it. */
static void test_create_keeps_existing_file(void **unused)
{
	static const uint8_t old[] = "old", new[] = "new";
	char dir[NAME_CAP], path[NAME_CAP];
	struct capture cap;

	(void)unused;
	fault_reset();
	make_dir(dir, "exists");
	join(path, dir, "state");
	assert_int_equal(cli_state_write(PREFIX, path, old, sizeof(old), 0, 0), 0);
	capture_begin(&cap, dir);
	assert_int_equal(cli_state_write(PREFIX, path, new, sizeof(new), 0, 1), -1);
	assert_int_equal(capture_end(&cap), 1);
	assert_true(holds(path, old, sizeof(old)));
	assert_int_equal(count_temps(dir), 0);
	remove_dir(dir);
}

/* A directory that does not exist: the temporary file cannot be made. */
static void test_write_without_directory(void **unused)
{
	static const uint8_t data[] = "data";
	char dir[NAME_CAP], path[NAME_CAP];
	struct capture cap;

	(void)unused;
	fault_reset();
	make_dir(dir, "nodir");
	join(path, dir, "missing/state");
	capture_begin(&cap, dir);
	assert_int_equal(cli_state_write(PREFIX, path, data, sizeof(data), 0, 0), -1);
	assert_int_equal(capture_end(&cap), 1);
	remove_dir(dir);
}

/* ------------------------------------------------------------------ */
/* The lock                                                           */
/* ------------------------------------------------------------------ */

/* In a child: 0 if PATH.lock is locked by someone else, 1 if not. */
static int lock_is_taken(const char *lock_path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(lock_path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			_exit(2);
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			_exit(errno == EWOULDBLOCK ? 0 : 2);
		}
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 2);
	return WEXITSTATUS(status) == 0;
}

static void test_lock_excludes_other_processes(void **unused)
{
	static const uint8_t one[] = "one", two[] = "two";
	char dir[NAME_CAP], path[NAME_CAP], lock_path[NAME_CAP];
	struct cli_state_lock lock;
	struct stat st;
	mode_t mask;

	(void)unused;
	fault_reset();
	make_dir(dir, "lock");
	join(path, dir, "state");
	join(lock_path, dir, "state" CLI_STATE_LOCK_SUFFIX);
	assert_int_equal(cli_state_write(PREFIX, path, one, sizeof(one), 0, 0), 0);

	mask = umask(027);
	assert_int_equal(cli_state_lock(PREFIX, path, 1, &lock), 0);
	umask(mask);
	assert_true(lock.fd >= 0);
	assert_int_equal(stat(lock_path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(st.st_size, 0);
	assert_true(lock_is_taken(lock_path));

	/* Replacing the state file does not touch the lock. */
	assert_int_equal(cli_state_write(PREFIX, path, two, sizeof(two), 0, 0), 0);
	assert_true(lock_is_taken(lock_path));

	cli_state_unlock(&lock);
	assert_int_equal(lock.fd, -1);
	assert_false(lock_is_taken(lock_path));
	/* The lock file stays, for the next run. */
	assert_int_equal(stat(lock_path, &st), 0);
	cli_state_unlock(&lock); /* a no-op */
	remove_dir(dir);
}

/* A second process waits for the lock instead of failing, and gets it
 * once it is released. */
static void test_lock_waits(void **unused)
{
	char dir[NAME_CAP], path[NAME_CAP];
	struct cli_state_lock lock;
	struct pollfd pfd;
	int fds[2], status;
	char byte;
	pid_t pid;

	(void)unused;
	fault_reset();
	make_dir(dir, "wait");
	join(path, dir, "state");
	assert_int_equal(cli_state_lock(PREFIX, path, 0, &lock), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cli_state_lock mine;

		/* The parent's descriptor, inherited: it would keep the
		 * parent's lock alive after the parent has released it. */
		cli_state_unlock(&lock);
		close(fds[0]);
		if (cli_state_lock(PREFIX, path, 0, &mine) != 0 || write(fds[1], "L", 1) != 1) {
			_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	/* While the lock is held, the child cannot have it. (A slow child
	 * passes this check too; a lock that does not exclude fails it.) */
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 200), 0);
	cli_state_unlock(&lock);
	/* A deadline only so that a broken lock fails instead of hanging. */
	assert_int_equal(poll(&pfd, 1, 120000), 1);
	assert_int_equal(read(fds[0], &byte, 1), 1);
	assert_int_equal(byte, 'L');
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fds[0]);
	remove_dir(dir);
}

enum lock_setup { LOCK_MISSING_FILE, LOCK_IS_DIRECTORY, LOCK_IS_FIFO, LOCK_IS_SYMLINK };

struct lock_case {
	const char *name;
	enum lock_setup setup;
};

static const struct lock_case lock_cases[] = {
	{ "the state file does not exist", LOCK_MISSING_FILE },
	{ "the lock file is a directory", LOCK_IS_DIRECTORY },
	{ "the lock file is a FIFO", LOCK_IS_FIFO },
	{ "the lock file is a symbolic link", LOCK_IS_SYMLINK },
};

/* A lock that cannot be taken: one line, at once, nothing created. */
static void run_lock_case(const struct lock_case *lc)
{
	static const uint8_t data[] = "data";
	char dir[NAME_CAP], path[NAME_CAP], lock_path[NAME_CAP], target[NAME_CAP];
	struct cli_state_lock lock = { 42 };
	struct capture cap;
	struct stat st;

	print_message("%s\n", lc->name);
	make_dir(dir, "nolock");
	join(path, dir, "state");
	join(lock_path, dir, "state" CLI_STATE_LOCK_SUFFIX);
	join(target, dir, "target");
	if (lc->setup != LOCK_MISSING_FILE) {
		assert_int_equal(cli_state_write(PREFIX, path, data, sizeof(data), 0, 0), 0);
	}
	switch (lc->setup) {
	case LOCK_MISSING_FILE:
		break;
	case LOCK_IS_DIRECTORY:
		assert_int_equal(mkdir(lock_path, 0700), 0);
		break;
	case LOCK_IS_FIFO:
		assert_int_equal(mkfifo(lock_path, 0600), 0);
		break;
	case LOCK_IS_SYMLINK:
		assert_int_equal(symlink("target", lock_path), 0);
		break;
	}
	capture_begin(&cap, dir);
	assert_int_equal(cli_state_lock(PREFIX, path, 1, &lock), -1);
	assert_int_equal(capture_end(&cap), 1);
	assert_int_equal(lock.fd, -1);
	if (lc->setup == LOCK_MISSING_FILE) {
		assert_int_equal(lstat(lock_path, &st), -1);
	} else {
		assert_true(holds(path, data, sizeof(data)));
	}
	assert_int_equal(lstat(target, &st), -1);
	if (lc->setup == LOCK_IS_DIRECTORY) {
		assert_int_equal(rmdir(lock_path), 0);
	}
	remove_dir(dir);
}

static void test_lock_that_cannot_be_taken(void **unused)
{
	(void)unused;
	fault_reset();
	for (size_t i = 0; i < sizeof(lock_cases) / sizeof(lock_cases[0]); i++) {
		run_lock_case(&lock_cases[i]);
	}
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_writer_leaves_old_or_new),
		cmocka_unit_test(test_failed_write_keeps_old_file),
		cmocka_unit_test(test_create_keeps_existing_file),
		cmocka_unit_test(test_write_without_directory),
		cmocka_unit_test(test_lock_excludes_other_processes),
		cmocka_unit_test(test_lock_waits),
		cmocka_unit_test(test_lock_that_cannot_be_taken),
	};

	if (argc != 2) {
		fputs("usage: cip-test-state DIR\n", stderr);
		return 2;
	}
	scratch = argv[1];
	if (mkdir(scratch, 0777) != 0 && errno != EEXIST) {
		perror(scratch);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

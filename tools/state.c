/* SPDX-License-Identifier: Apache-2.0 */
/* State files of the allocator commands; see state.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "state.h"

#define NS_PER_S UINT64_C(1000000000)

/*
 * The calls that commit a state file. The test build of this file
 * (tests/cli, CLI_STATE_FAULTS) routes them to functions of the test that
 * fail on demand, to check that every failure leaves the old file intact.
 */
#ifdef CLI_STATE_FAULTS
ssize_t cli_fault_write(int fd, const void *buf, size_t len);
int cli_fault_fsync(int fd);
int cli_fault_rename(const char *from, const char *to);
int cli_fault_link(const char *from, const char *to);
#define state_write cli_fault_write
#define state_fsync cli_fault_fsync
#define state_rename cli_fault_rename
#define state_link cli_fault_link
#else
#define state_write write
#define state_fsync fsync
#define state_rename rename
#define state_link link
#endif

int cli_now_ns(uint64_t *out)
{
	const char *env = getenv(CLI_NOW_ENV);
	struct timespec ts;

	if (env != NULL) {
		uint64_t v = 0;

		if (env[0] == '\0' || strlen(env) > 20) {
			return -1;
		}
		for (const char *p = env; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
				return -1;
			}
			v = v * 10 + (uint64_t)(*p - '0');
		}
		*out = v;
		return 0;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) {
		*out = 0;
		return 0;
	}
	*out = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	return 0;
}

static int fail(const char *prefix, const char *what, const char *path, int err)
{
	fprintf(stderr, "%s %s: %s %s: %s\n", CLI_PROGRAM, prefix, what, path, strerror(err));
	return -1;
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

static uint64_t mtime_ns(const struct stat *st)
{
	if (st->st_mtim.tv_sec < 0) {
		return 0;
	}
	return (uint64_t)st->st_mtim.tv_sec * NS_PER_S + (uint64_t)st->st_mtim.tv_nsec;
}

/* Reads all of @p fd (at most CLI_STATE_MAX bytes) into *buf, *len. */
static int read_all(int fd, size_t hint, uint8_t **buf, size_t *len, int *too_large)
{
	size_t cap = hint + 1, n = 0;
	uint8_t *data = malloc(cap);

	*too_large = 0;
	if (data == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t grown = cap < CLI_STATE_MAX / 2 ? cap * 2 : CLI_STATE_MAX + 1;
			uint8_t *p;

			if (cap > CLI_STATE_MAX) {
				*too_large = 1;
				free(data);
				return -1;
			}
			p = realloc(data, grown);
			if (p == NULL) {
				free(data);
				errno = ENOMEM;
				return -1;
			}
			data = p;
			cap = grown;
		}
		r = read(fd, data + n, cap - n);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			int saved = errno;

			free(data);
			errno = saved;
			return -1;
		}
		if (r == 0) {
			break;
		}
		n += (size_t)r;
	}
	if (n > CLI_STATE_MAX) {
		*too_large = 1;
		free(data);
		return -1;
	}
	*buf = data;
	*len = n;
	return 0;
}

int cli_state_read(const char *prefix, const char *path, struct cli_state *out)
{
	struct stat st;
	int too_large = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		return fail(prefix, "cannot open state file", path, errno);
	}
	if (fstat(fd, &st) != 0) {
		int saved = errno;

		close(fd);
		return fail(prefix, "cannot read state file", path, saved);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		fprintf(stderr, "%s %s: %s: not a regular file\n", CLI_PROGRAM, prefix, path);
		return -1;
	}
	if ((uint64_t)st.st_size > CLI_STATE_MAX) {
		too_large = 1;
		rc = -1;
	} else {
		rc = read_all(fd, (size_t)st.st_size, &out->data, &out->len, &too_large);
	}
	if (rc != 0) {
		int saved = errno;

		close(fd);
		if (too_large) {
			fprintf(stderr, "%s %s: %s: larger than 1 GiB, not a state file\n",
				CLI_PROGRAM, prefix, path);
			return -1;
		}
		return fail(prefix, "cannot read state file", path, saved);
	}
	close(fd);
	out->time_ns = mtime_ns(&st);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t w = state_write(fd, data, len);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w < 0) {
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The mode of the new file: the old file's, else what open(0666) gives. */
static mode_t file_mode(const char *path)
{
	struct stat st;
	mode_t mask;

	if (stat(path, &st) == 0) {
		return st.st_mode & 07777;
	}
	mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

/* Fills and syncs the temporary file; -1 with errno on failure. */
static int fill_temp(int fd, const uint8_t *data, size_t len, uint64_t time_ns, mode_t mode)
{
	struct timespec times[2];

	times[0].tv_sec = (time_t)(time_ns / NS_PER_S);
	times[0].tv_nsec = (long)(time_ns % NS_PER_S);
	times[1] = times[0];
	if (write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0) {
		return -1;
	}
	/* After the data: writing sets the modification time. */
	if (futimens(fd, times) != 0 || state_fsync(fd) != 0) {
		return -1;
	}
	return 0;
}

/* Syncs the directory that holds @p path. */
static int sync_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0, saved = 0;

	if (slash == NULL) {
		dir = strdup(".");
	} else if (slash == path) {
		dir = strdup("/");
	} else {
		size_t n = (size_t)(slash - path);

		dir = malloc(n + 1);
		if (dir != NULL) {
			memcpy(dir, path, n);
			dir[n] = '\0';
		}
	}
	if (dir == NULL) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0) {
		return -1;
	}
	/* Some file systems cannot sync a directory (EINVAL); nothing to do. */
	if (state_fsync(fd) != 0 && errno != EINVAL) {
		saved = errno;
		rc = -1;
	}
	close(fd);
	errno = saved;
	return rc;
}

/* Whether link() failed because the file system has no hard links (then,
 * and only then, a rename may stand in for it). */
static int no_hard_links(int err)
{
	return err == EPERM || err == ENOTSUP || err == EOPNOTSUPP || err == ENOSYS;
}

/* Moves the finished temporary file to @p path. */
static int commit(const char *tmp, const char *path, int exclusive)
{
	struct stat st;

	if (!exclusive) {
		return state_rename(tmp, path);
	}
	/* link() fails with EEXIST instead of replacing, with no race. */
	if (state_link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (!no_hard_links(errno)) {
		return -1;
	}
	/* A file system without hard links: check, then rename. */
	if (lstat(path, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return state_rename(tmp, path);
}

int cli_state_write(const char *prefix, const char *path, const uint8_t *data, size_t len,
		    uint64_t time_ns, int exclusive)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	mode_t mode = file_mode(path);
	int fd;

	if (tmp == NULL) {
		return fail(prefix, "cannot write", path, ENOMEM);
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	fd = mkstemp(tmp);
	if (fd < 0) {
		int saved = errno;

		free(tmp);
		return fail(prefix, "cannot write", path, saved);
	}
	if (fill_temp(fd, data, len, time_ns, mode) != 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		free(tmp);
		return fail(prefix, "cannot write", path, saved);
	}
	if (close(fd) != 0 || commit(tmp, path, exclusive) != 0) {
		int saved = errno;

		unlink(tmp);
		free(tmp);
		if (saved == EEXIST) {
			fprintf(stderr, "%s %s: %s already exists (--force replaces it)\n",
				CLI_PROGRAM, prefix, path);
			return -1;
		}
		return fail(prefix, "cannot write", path, saved);
	}
	free(tmp);
	if (sync_directory(path) != 0) {
		return fail(prefix, "replaced, but could not sync the directory of", path, errno);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Locking                                                            */
/* ------------------------------------------------------------------ */

static int lock_fail(const char *prefix, const char *path, const char *name, const char *why)
{
	fprintf(stderr, "%s %s: cannot lock state file %s: %s: %s\n", CLI_PROGRAM, prefix, path,
		name, why);
	return -1;
}

/* Opens (creating it if need be) and locks the lock file @p name. */
static int lock_file(const char *prefix, const char *path, const char *name)
{
	/*
	 * Read-only is enough for flock(), also on a lock file that another
	 * user created. O_NOFOLLOW and O_NONBLOCK: a symbolic link or a FIFO
	 * planted under the name must not create a file elsewhere or block.
	 */
	int fd = open(name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		      0666);
	struct stat st;
	int rc;

	if (fd < 0) {
		return lock_fail(prefix, path, name, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		int saved = errno;

		close(fd);
		return lock_fail(prefix, path, name, strerror(saved));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return lock_fail(prefix, path, name, "not a regular file");
	}
	while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
	}
	if (rc != 0) {
		int saved = errno;

		close(fd);
		return lock_fail(prefix, path, name, strerror(saved));
	}
	return fd;
}

int cli_state_lock(const char *prefix, const char *path, int must_exist,
		   struct cli_state_lock *lock)
{
	size_t plen = strlen(path);
	char *name;
	struct stat st;

	lock->fd = -1;
	/* A mistyped FILE should not leave a lock file behind. */
	if (must_exist && stat(path, &st) != 0) {
		return fail(prefix, "cannot open state file", path, errno);
	}
	if (must_exist && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s %s: %s: not a regular file\n", CLI_PROGRAM, prefix, path);
		return -1;
	}
	name = malloc(plen + sizeof(CLI_STATE_LOCK_SUFFIX));
	if (name == NULL) {
		return fail(prefix, "cannot lock state file", path, ENOMEM);
	}
	memcpy(name, path, plen);
	memcpy(name + plen, CLI_STATE_LOCK_SUFFIX, sizeof(CLI_STATE_LOCK_SUFFIX));
	lock->fd = lock_file(prefix, path, name);
	free(name);
	return lock->fd >= 0 ? 0 : -1;
}

void cli_state_unlock(struct cli_state_lock *lock)
{
	/* Closing the only descriptor of the open file releases the lock. */
	if (lock->fd >= 0) {
		close(lock->fd);
	}
	lock->fd = -1;
}

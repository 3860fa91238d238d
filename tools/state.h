/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State files of "clusterip range" and "clusterip ports": a native
 * snapshot of an allocator, read whole and replaced atomically, the lock
 * that serializes the runs that change one, and the clock the program
 * gives the library.
 *
 * A reader never sees half a file: a writer fills a temporary file
 * "PATH.XXXXXX" in the same directory, syncs it, renames it over PATH and
 * syncs the directory. A run killed before the rename leaves PATH as it was
 * and, at worst, its temporary file, which nothing reads (it may be
 * removed).
 *
 * Locking. A run that changes PATH (init, allocate, release, import-k8s)
 * holds an exclusive flock() on "PATH.lock" from before it reads PATH until
 * after the rename and the directory sync, so that runs on one file take
 * turns and none loses another's update; a run that finds the lock taken
 * waits for it. The lock is on a file of its own because PATH is replaced
 * by rename: a lock on PATH's old inode would not exclude a run that opened
 * the new one. PATH.lock is created empty (mode 0666 & ~umask) when first
 * needed and never removed: a run waiting on a removed lock file would get
 * it while another run locks a new one. Runs that only read (show, list,
 * export-k8s) take no lock: the rename gives them a complete old or new
 * file either way, and they keep working where PATH.lock cannot be created
 * (a read-only directory). The lock is advisory: it excludes only programs
 * that take it.
 */
#ifndef CLUSTERIP_TOOLS_STATE_H
#define CLUSTERIP_TOOLS_STATE_H

#include <stddef.h>
#include <stdint.h>

/* The largest state file read (a /64 with many allocations stays far below). */
#define CLI_STATE_MAX ((size_t)1 << 30)

/* The environment variable that overrides the clock (for tests). */
#define CLI_NOW_ENV "CLUSTERIP_NOW_NS"

/* The contents of a state file. */
struct cli_state {
	uint8_t *data;	  /* malloc'ed; free() it */
	size_t len;	  /* bytes in data */
	uint64_t time_ns; /* when the snapshot was taken (the file's mtime) */
};

/*
 * The current time in ns since the epoch: $CLUSTERIP_NOW_NS if set (plain
 * decimal digits), else CLOCK_REALTIME. Returns 0, or -1 when the variable
 * is not a number (nothing printed).
 */
int cli_now_ns(uint64_t *out);

/*
 * Reads the state file @p path whole. Returns 0, or -1 after printing
 * "clusterip PREFIX: ..." to stderr.
 */
int cli_state_read(const char *prefix, const char *path, struct cli_state *out);

/*
 * Replaces (or, when @p exclusive, creates) @p path with @p len bytes,
 * atomically: a temporary file "PATH.XXXXXX" in the same directory is
 * written, its modification time set to @p time_ns, synced, renamed (or,
 * when @p exclusive, linked) to @p path, and the directory synced. Returns
 * 0, or -1 after printing one line; the old file is then unchanged (unless
 * only the final directory sync failed, which the line says).
 */
int cli_state_write(const char *prefix, const char *path, const uint8_t *data, size_t len,
		    uint64_t time_ns, int exclusive);

/* The lock of a state file; fd is -1 when not held. */
struct cli_state_lock {
	int fd;
};

/* What "PATH.lock" adds to PATH. */
#define CLI_STATE_LOCK_SUFFIX ".lock"

/*
 * Takes the exclusive lock of the state file @p path (see "Locking"),
 * waiting while another run holds it. When @p must_exist, fails like
 * cli_state_read() if @p path does not exist or is not a regular file,
 * before creating anything.
 * Returns 0 with @p lock held, or -1 after printing one line
 * "clusterip PREFIX: ..." (lock->fd is then -1).
 */
int cli_state_lock(const char *prefix, const char *path, int must_exist,
		   struct cli_state_lock *lock);

/* Releases @p lock if held (closing its file); lock->fd becomes -1. */
void cli_state_unlock(struct cli_state_lock *lock);

#endif /* CLUSTERIP_TOOLS_STATE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State files of "clusterip range" and "clusterip ports": a native
 * snapshot of an allocator, read whole and replaced atomically, and the
 * clock the program gives the library.
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

#endif /* CLUSTERIP_TOOLS_STATE_H */

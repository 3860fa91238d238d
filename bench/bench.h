/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip-bench plumbing: configuration, a deterministic generator,
 * timing of "ours versus the C library" pairs and the report format
 * ("name: value unit", one figure per line).
 */
#ifndef CLUSTERIP_BENCH_H
#define CLUSTERIP_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/clusterip.h>

struct bench_config {
	size_t inputs;	 /* inputs per set */
	int repetitions; /* timed passes per measurement; the median is kept */
};

/* One timed pass over a whole data set; returns a checksum of the results
 * so that the compiler cannot drop the work. */
typedef uint64_t (*bench_pass)(const void *data);

struct bench_side {
	const char *name; /* last name component, e.g. "cip" or "inet_pton" */
	bench_pass pass;  /* NULL: no such side */
	size_t ops;	  /* operations per pass; 0: the pair's ops */
};

/* A measurement: our implementation against a reference one. */
struct bench_pair {
	const char *name;	  /* e.g. "addr.parse.ipv4" */
	const void *data;	  /* handed to both passes */
	size_t ops;		  /* operations per pass (unless a side has its own) */
	struct bench_side ours;	  /* always set */
	struct bench_side theirs; /* pass may be NULL: ours is reported alone */
};

/*
 * Times @p pair: config->repetitions rounds, each running both sides (their
 * order alternating from round to round so that drift hits both), after one
 * untimed warm-up of each. Prints NAME.OURS and NAME.THEIRS as the median
 * ns/op and NAME.speedup (theirs / ours). Adds the passes' checksums to
 * *checksum. Returns 0, or -1 when out of memory.
 */
int bench_run_pair(const struct bench_config *config, const struct bench_pair *pair,
		   uint64_t *checksum);

/*
 * Stop and restart the clock of the pass being timed, around work that is
 * not part of the figure (such as undoing what the timed part did). For
 * single-threaded passes: the paused time is subtracted from the pass's
 * wall time. Each pause costs two clock reads of the timed time, so pause
 * around batches of operations, not single ones.
 */
void bench_pause(void);
void bench_resume(void);

/* CLOCK_MONOTONIC in ns; exits the program if the clock fails. */
uint64_t bench_now_ns(void);

/* @p ops scaled by config->inputs / 10^6 (--quick runs fewer), at least
 * @p min. */
size_t bench_scaled(const struct bench_config *config, size_t ops, size_t min);

/* The IPv4 address a.b.c.d (each taken modulo 256). */
cip_addr bench_v4(unsigned a, size_t b, size_t c, size_t d);

/* Service number i's ClusterIP: 10.0.0.1 + i. */
cip_addr bench_service_vip(size_t i);

/* Endpoint address number @p e, in 100.64.0.0/10. */
cip_addr bench_endpoint_ip(size_t e);

/* Creates the service default/@p name at @p vip, one port "http" @p port/TCP
 * -> @p target, no selector, with @p lb_policy and @p affinity (0: the
 * defaults). Returns what cip_table_service_create() returns. */
int bench_service_create(cip_table *t, const char *name, const cip_addr *vip, uint16_t port,
			 uint16_t target, int lb_policy, int affinity);

/* The median of @p n >= 1 values (sorted in place). */
double bench_median(double *values, int n);

/* Prints "NAME: VALUE UNIT" with two decimals. */
void bench_print(const char *name, double value, const char *unit);

/* Prints "NAME: VALUE UNIT" for an integer. */
void bench_print_count(const char *name, uint64_t value, const char *unit);

/* The groups. Each returns 0, or -1 after a message on stderr. */
int bench_addr(const struct bench_config *config);
int bench_alloc(const struct bench_config *config);
int bench_table(const struct bench_config *config);
int bench_select(const struct bench_config *config);

#endif /* CLUSTERIP_BENCH_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip-bench: micro-benchmarks of libclusterip against the C library.
 * Usage: clusterip-bench [--quick] [GROUP...]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

/* ------------------------------------------------------------------ */
/* Plumbing                                                           */
/* ------------------------------------------------------------------ */

void bench_print(const char *name, double value, const char *unit)
{
	printf("%s: %.2f %s\n", name, value, unit);
}

void bench_print_count(const char *name, uint64_t value, const char *unit)
{
	printf("%s: %" PRIu64 " %s\n", name, value, unit);
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clusterip-bench: clock_gettime");
		exit(1);
	}
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

size_t bench_scaled(const struct bench_config *config, size_t ops, size_t min)
{
	size_t n = (size_t)((double)ops * ((double)config->inputs / 1e6));

	return n < min ? min : n;
}

cip_addr bench_v4(unsigned a, size_t b, size_t c, size_t d)
{
	cip_addr x;

	memset(&x, 0, sizeof(x));
	x.family = CIP_FAMILY_IPV4;
	x.bytes[12] = (uint8_t)a;
	x.bytes[13] = (uint8_t)b;
	x.bytes[14] = (uint8_t)c;
	x.bytes[15] = (uint8_t)d;
	return x;
}

cip_addr bench_service_vip(size_t i)
{
	size_t k = i + 1;

	return bench_v4(10, (k >> 16) & 255, (k >> 8) & 255, k & 255);
}

cip_addr bench_endpoint_ip(size_t e)
{
	return bench_v4(100, 64 + ((e >> 16) & 63), (e >> 8) & 255, e & 255);
}

int bench_service_create(cip_table *t, const char *name, const cip_addr *vip, uint16_t port,
			 uint16_t target, int lb_policy, int affinity)
{
	cip_service_port sp = { "http", CIP_PROTO_TCP, port, target, NULL, 0 };
	cip_service_spec s;

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = name;
	s.ports = &sp;
	s.nports = 1;
	s.cluster_ips = vip;
	s.ncluster_ips = 1;
	s.lb_policy = lb_policy;
	s.session_affinity = affinity;
	return cip_table_service_create(t, &s, 0, NULL);
}

/* Time paused in the pass being timed, and when the current pause began. */
static uint64_t paused_ns, pause_start;

void bench_pause(void)
{
	pause_start = bench_now_ns();
}

void bench_resume(void)
{
	paused_ns += bench_now_ns() - pause_start;
}

/* Runs one pass; returns its ns/op and adds its checksum. */
static double time_pass(const struct bench_pair *pair, const struct bench_side *side,
			uint64_t *checksum)
{
	size_t ops = side->ops ? side->ops : pair->ops;
	uint64_t start, elapsed;

	paused_ns = 0;
	start = bench_now_ns();
	*checksum += side->pass(pair->data);
	elapsed = bench_now_ns() - start;
	return (double)(elapsed > paused_ns ? elapsed - paused_ns : 0) / (double)ops;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *values, int n)
{
	qsort(values, (size_t)n, sizeof(values[0]), compare_doubles);
	if (n % 2 == 1) {
		return values[n / 2];
	}
	return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

static void print_figure(const char *pair_name, const char *side, double value, const char *unit)
{
	char name[128];

	snprintf(name, sizeof(name), "%s.%s", pair_name, side);
	bench_print(name, value, unit);
}

int bench_run_pair(const struct bench_config *config, const struct bench_pair *pair,
		   uint64_t *checksum)
{
	int reps = config->repetitions;
	int has_theirs = pair->theirs.pass != NULL;
	double *ours = calloc((size_t)reps, sizeof(double));
	double *theirs = calloc((size_t)reps, sizeof(double));
	double ours_ns, theirs_ns;

	if (ours == NULL || theirs == NULL) {
		free(ours);
		free(theirs);
		fputs("clusterip-bench: out of memory\n", stderr);
		return -1;
	}
	*checksum += pair->ours.pass(pair->data);
	if (has_theirs) {
		*checksum += pair->theirs.pass(pair->data);
	}
	for (int r = 0; r < reps; r++) {
		if (has_theirs && r % 2 == 1) {
			theirs[r] = time_pass(pair, &pair->theirs, checksum);
		}
		ours[r] = time_pass(pair, &pair->ours, checksum);
		if (has_theirs && r % 2 == 0) {
			theirs[r] = time_pass(pair, &pair->theirs, checksum);
		}
	}
	ours_ns = bench_median(ours, reps);
	print_figure(pair->name, pair->ours.name, ours_ns, "ns/op");
	if (has_theirs) {
		theirs_ns = bench_median(theirs, reps);
		print_figure(pair->name, pair->theirs.name, theirs_ns, "ns/op");
		print_figure(pair->name, "speedup", ours_ns > 0 ? theirs_ns / ours_ns : 0, "x");
	}
	free(ours);
	free(theirs);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Command line                                                       */
/* ------------------------------------------------------------------ */

struct bench_group {
	const char *name;
	int (*run)(const struct bench_config *config);
};

static const struct bench_group groups[] = {
	{ "addr", bench_addr },
	{ "alloc", bench_alloc },
	{ "table", bench_table },
	{ "select", bench_select },
};

#define GROUP_COUNT (sizeof(groups) / sizeof(groups[0]))

static const char usage[] =
	"Usage: clusterip-bench [--quick] [GROUP...]\n"
	"\n"
	"Benchmark libclusterip against the C library and print one figure per\n"
	"line as 'name: value unit'. Times are the median of the repetitions, in\n"
	"nanoseconds per operation; speedups are the C library's time divided by\n"
	"ours. Results are checked against the C library first; a mismatch stops\n"
	"the run with exit status 1.\n"
	"\n"
	"Groups (default: all):\n"
	"  addr     address and prefix parsing and formatting\n"
	"  alloc    allocate_next + release at constant fill, sparse /64, snapshots,\n"
	"           against a C model of Kubernetes' allocator\n"
	"  table    service lookups by ClusterIP with 1 and 2 readers, with and\n"
	"           without a writer, against a hash table behind a rwlock; DNS\n"
	"           answers; updates of a 1000-endpoint service\n"
	"  select   backend selection by policy with 1 and 2 threads, against the\n"
	"           lookup alone and a per-service mutex round-robin; ClientIP\n"
	"           affinity hits; Maglev pick and build\n"
	"\n"
	"Options:\n"
	"  --quick     10^4 inputs and 1 repetition (a smoke test)\n"
	"  -h, --help  show this help\n";

static const struct bench_group *find_group(const char *name)
{
	for (size_t i = 0; i < GROUP_COUNT; i++) {
		if (strcmp(groups[i].name, name) == 0) {
			return &groups[i];
		}
	}
	return NULL;
}

static int usage_error(const char *message, const char *arg)
{
	fprintf(stderr, "clusterip-bench: %s '%s'\nTry 'clusterip-bench --help'.\n", message, arg);
	return 2;
}

/* Parses the options; marks the chosen groups in @p chosen. Returns -1 to
 * run, or an exit status. */
static int parse_args(int argc, char **argv, struct bench_config *config, int *chosen)
{
	int any = 0;

	for (int i = 1; i < argc; i++) {
		const struct bench_group *group;

		if (strcmp(argv[i], "--quick") == 0) {
			config->inputs = 10000;
			config->repetitions = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			return usage_error("unknown option", argv[i]);
		} else if ((group = find_group(argv[i])) != NULL) {
			chosen[group - groups] = 1;
			any = 1;
		} else {
			return usage_error("unknown group", argv[i]);
		}
	}
	for (size_t g = 0; g < GROUP_COUNT && !any; g++) {
		chosen[g] = 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct bench_config config = { 1000000, 7 };
	int chosen[GROUP_COUNT] = { 0 };
	int status = parse_args(argc, argv, &config, chosen);

	if (status >= 0) {
		return status;
	}
	bench_print_count("inputs", config.inputs, "count");
	bench_print_count("repetitions", (uint64_t)config.repetitions, "count");
	status = 0;
	for (size_t g = 0; g < GROUP_COUNT && status == 0; g++) {
		if (chosen[g] && groups[g].run(&config) != 0) {
			status = 1;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("clusterip-bench: write error on standard output\n", stderr);
		status = 1;
	}
	return status;
}

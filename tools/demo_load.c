/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip demo, phase 5: load. Proxy threads look up and select
 * backends of many services without pause while a controller thread
 * replaces endpoints one at a time (a rolling update that never ends) and
 * recreates other services (their ClusterIPs and node ports go back to
 * the allocators and come out again).
 *
 * How "every backend was live when chosen" is checked: an endpoint's
 * address encodes its service, its slot in the service and its
 * generation: fd00:244:G:G:S:S:E:E (hex groups: generation, service,
 * slot). The controller replaces one slot at a time with the next
 * generation; after cip_table_endpoints_set() returns it records, per slot,
 * the generation now live and the service's update count at that moment,
 * and then the service's update count. A proxy thread reads the update
 * count P before it selects. A backend of generation g whose slot has since
 * moved on, as of an update numbered at most P, was already replaced when
 * the selection began: a stale read, which the table's versioning must
 * never allow.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"

#define LOAD_NS "load"
#define CHURN_NS "load-churn"
#define CHURN_SERVICES 16
#define SERVICE_PORT 80
#define TARGET_PORT 8080
#define AFFINITY_TIMEOUT 60 /* seconds, for every 7th service */
/* The controller's pace: a write every WRITE_PAUSE_NS, 2000/s, a busy
 * cluster's rate rather than a tight loop's. */
#define WRITE_PAUSE_NS 500000
#define SAMPLE_EVERY 8 /* selections per timed one */
#define ROUND 64       /* selections between checks of the stop flag */
#define PROGRESS_NS 250000000ull

static const cip_named_port slice_port = { "http", CIP_PROTO_TCP, TARGET_PORT };

static const int policies[] = { CIP_LB_ROUND_ROBIN, CIP_LB_ROUND_ROBIN_PER_THREAD, CIP_LB_RANDOM,
				CIP_LB_MAGLEV, CIP_LB_WEIGHTED_ROUND_ROBIN };
#define POLICY_COUNT (sizeof(policies) / sizeof(policies[0]))

/* ------------------------------------------------------------------ */
/* Latency histogram                                                  */
/* ------------------------------------------------------------------ */

/* 1 ns buckets below 1024 ns, then 16 per power of two up to 2^40 ns. */
#define LINEAR 1024
#define BUCKETS (LINEAR + 30 * 16)

static size_t bucket_of(uint64_t ns)
{
	unsigned e = 10;

	if (ns < LINEAR) {
		return (size_t)ns;
	}
	while (e < 39 && ns >> (e + 1) != 0) {
		e++;
	}
	if (ns >> (e + 1) != 0) {
		return BUCKETS - 1;
	}
	return LINEAR + (e - 10) * 16 + (size_t)((ns >> (e - 4)) & 15);
}

static uint64_t bucket_floor(size_t b)
{
	size_t e, sub;

	if (b < LINEAR) {
		return b;
	}
	e = 10 + (b - LINEAR) / 16;
	sub = (b - LINEAR) % 16;
	return (uint64_t)(16 + sub) << (e - 4);
}

/* The smallest value with at least @p q of the samples at or below it. */
static uint64_t percentile(const uint64_t *hist, double q)
{
	uint64_t total = 0, seen = 0;

	for (size_t b = 0; b < BUCKETS; b++) {
		total += hist[b];
	}
	for (size_t b = 0; b < BUCKETS; b++) {
		seen += hist[b];
		if (total && (double)seen >= q * (double)total) {
			return bucket_floor(b);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shared state                                                       */
/* ------------------------------------------------------------------ */

struct load;

struct proxy {
	struct load *l;
	pthread_t thread;
	uint64_t rng;
	_Atomic uint64_t done; /* selections, for the progress line */
	uint64_t errors, stale, foreign;
	uint64_t hist[BUCKETS];
};

struct load {
	struct demo *d;
	unsigned services, endpoints;
	cip_addr *vips;		    /* each service's IPv6 ClusterIP */
	_Atomic uint64_t *updates;  /* per service: updates completed */
	_Atomic uint64_t *live;	    /* per slot: generation << 32 | update count */
	uint32_t *generation;	    /* per slot: the controller's own copy */
	cip_endpoint_spec *scratch; /* one service's endpoints */
	_Atomic int stop;
	uint64_t rng; /* the controller's */
	uint64_t endpoint_writes, recreations, write_errors;
	struct proxy *proxies;
	unsigned nproxies;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * DEMO_SECOND + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const uint8_t endpoint_prefix[4] = { 0xfd, 0x00, 0x02, 0x44 };

/* The address of generation @p gen of slot @p slot of service @p svc. */
static cip_addr endpoint_addr(uint32_t gen, uint32_t svc, uint32_t slot)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = CIP_FAMILY_IPV6;
	memcpy(a.bytes, endpoint_prefix, 4);
	put32(a.bytes + 4, gen);
	put32(a.bytes + 8, svc);
	put32(a.bytes + 12, slot);
	return a;
}

/* ------------------------------------------------------------------ */
/* Controller                                                         */
/* ------------------------------------------------------------------ */

/* Writes service @p svc's endpoints from the current generations. */
static int write_service_endpoints(struct load *l, uint32_t svc)
{
	char name[32];

	snprintf(name, sizeof(name), "svc-%u", svc);
	for (uint32_t j = 0; j < l->endpoints; j++) {
		cip_endpoint_spec *e = &l->scratch[j];

		memset(e, 0, sizeof(*e));
		e->addr = endpoint_addr(l->generation[(size_t)svc * l->endpoints + j], svc, j);
		e->conditions = CIP_EP_READY | CIP_EP_SERVING;
		e->weight = 1 + j % 3;
	}
	return cip_table_endpoints_set(l->d->table, LOAD_NS, name, l->scratch, l->endpoints,
				       &slice_port, 1, NULL);
}

/* Replaces one endpoint of one service with its next generation. */
static void replace_endpoint(struct load *l)
{
	uint32_t svc = (uint32_t)(next_random(&l->rng) % l->services);
	uint32_t slot = (uint32_t)(next_random(&l->rng) % l->endpoints);
	size_t k = (size_t)svc * l->endpoints + slot;
	uint64_t update = atomic_load_explicit(&l->updates[svc], memory_order_relaxed) + 1;

	l->generation[k]++;
	if (write_service_endpoints(l, svc) != 0) {
		l->generation[k]--;
		l->write_errors++;
		return;
	}
	atomic_store_explicit(&l->live[k], (uint64_t)l->generation[k] << 32 | (uint32_t)update,
			      memory_order_release);
	atomic_store_explicit(&l->updates[svc], update, memory_order_release);
	l->endpoint_writes++;
}

static int create_churn_service(struct demo *d, unsigned k, uint64_t now)
{
	cip_service_port port = { "http", CIP_PROTO_TCP, SERVICE_PORT, TARGET_PORT, NULL, 0 };
	cip_service_spec spec;
	char name[32];

	snprintf(name, sizeof(name), "churn-%u", k);
	cip_service_spec_init(&spec, sizeof(spec));
	spec.ns = CHURN_NS;
	spec.name = name;
	spec.type = CIP_SERVICE_NODE_PORT;
	spec.ports = &port;
	spec.nports = 1;
	spec.ip_family_policy = CIP_PREFER_DUAL_STACK;
	return cip_table_service_create(d->table, &spec, now, NULL);
}

/* Deletes a churn service and creates it again: new ClusterIPs, a new
 * node port. */
static void recreate_service(struct load *l)
{
	unsigned k = (unsigned)(next_random(&l->rng) % CHURN_SERVICES);
	uint64_t now = mono_ns();
	char name[32];

	snprintf(name, sizeof(name), "churn-%u", k);
	if (cip_table_service_delete(l->d->table, CHURN_NS, name, now) != 0 ||
	    create_churn_service(l->d, k, now) != 0) {
		l->write_errors++;
		return;
	}
	l->recreations++;
}

static void pause_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* Sleeps until mono_ns() reaches @p deadline. */
static void sleep_until(uint64_t deadline)
{
	uint64_t now = mono_ns();

	if (now < deadline) {
		pause_ns((long)(deadline - now));
	}
}

static void *controller_main(void *arg)
{
	struct load *l = arg;
	uint64_t last_sweep = mono_ns(), next = last_sweep;

	while (!atomic_load_explicit(&l->stop, memory_order_relaxed)) {
		if (next_random(&l->rng) % 20 == 0) {
			recreate_service(l);
		} else {
			replace_endpoint(l);
		}
		if (mono_ns() - last_sweep > DEMO_SECOND) {
			last_sweep = mono_ns();
			cip_table_affinity_expire(l->d->table, last_sweep);
		}
		/* A steady pace: a late write is followed by the next at once. */
		next += WRITE_PAUSE_NS;
		sleep_until(next);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Proxies                                                            */
/* ------------------------------------------------------------------ */

/* Checks backend @p b of service @p svc, chosen after the reader saw
 * @p seen updates of it. */
static void verify(struct proxy *p, uint32_t svc, uint64_t seen, const cip_backend *b)
{
	const struct load *l = p->l;
	const uint8_t *a = b->addr.bytes;
	uint32_t gen = get32(a + 4), slot = get32(a + 12);
	uint64_t live;
	uint32_t live_gen, live_since;

	if (b->addr.family != CIP_FAMILY_IPV6 || memcmp(a, endpoint_prefix, 4) != 0 ||
	    get32(a + 8) != svc || slot >= l->endpoints || b->port != TARGET_PORT) {
		p->foreign++;
		return;
	}
	live = atomic_load_explicit(&l->live[(size_t)svc * l->endpoints + slot],
				    memory_order_acquire);
	live_gen = (uint32_t)(live >> 32);
	live_since = (uint32_t)live;
	if (gen > live_gen + 1) {
		p->foreign++; /* a generation never written */
	} else if (gen < live_gen && live_since <= seen) {
		p->stale++;
	}
}

static void select_one(struct proxy *p, cip_select_request *req, int timed)
{
	struct load *l = p->l;
	uint64_t r = next_random(&p->rng);
	uint32_t svc = (uint32_t)(r % l->services);
	uint64_t seen, start = 0;
	cip_backend b;
	int rc;

	req->vip = l->vips[svc];
	put32(req->client.bytes + 12, (uint32_t)(r >> 32));
	req->client_port = (uint16_t)(r >> 16);
	seen = atomic_load_explicit(&l->updates[svc], memory_order_acquire);
	if (timed) {
		start = mono_ns();
	}
	rc = cip_table_select(l->d->table, req, &b);
	if (timed) {
		p->hist[bucket_of(mono_ns() - start)]++;
	}
	if (rc != 0) {
		p->errors++;
	} else {
		verify(p, svc, seen, &b);
	}
}

static void *proxy_main(void *arg)
{
	struct proxy *p = arg;
	cip_select_request req;
	uint64_t done = 0;

	memset(&req, 0, sizeof(req));
	req.port = SERVICE_PORT;
	req.protocol = CIP_PROTO_TCP;
	req.client = endpoint_addr(0, 0, 0);
	req.client.bytes[3] = 0x99; /* fd00:299::/32, outside the endpoints */
	while (!atomic_load_explicit(&p->l->stop, memory_order_relaxed)) {
		req.now = mono_ns();
		for (int k = 0; k < ROUND; k++) {
			select_one(p, &req, k % SAMPLE_EVERY == 0);
		}
		done += ROUND;
		atomic_store_explicit(&p->done, done, memory_order_relaxed);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Setup                                                              */
/* ------------------------------------------------------------------ */

static int create_load_service(struct load *l, uint32_t i)
{
	cip_service_port port = { "http", CIP_PROTO_TCP, SERVICE_PORT, TARGET_PORT, NULL, 0 };
	cip_service_info info;
	cip_service_spec spec;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "svc-%u", i);
	cip_service_spec_init(&spec, sizeof(spec));
	spec.ns = LOAD_NS;
	spec.name = name;
	spec.ports = &port;
	spec.nports = 1;
	spec.ip_family_policy = CIP_PREFER_DUAL_STACK;
	spec.lb_policy = policies[i % POLICY_COUNT];
	if (i % 7 == 0) {
		spec.session_affinity = CIP_AFFINITY_CLIENT_IP;
		spec.affinity_timeout = AFFINITY_TIMEOUT;
	}
	rc = cip_table_service_create(l->d->table, &spec, mono_ns(), NULL);
	if (rc == 0) {
		rc = cip_table_service_get(l->d->table, LOAD_NS, name, &info, NULL, 0);
	}
	if (rc == 0 && (info.ncluster_ips != 2 || info.cluster_ips[1].family != CIP_FAMILY_IPV6)) {
		rc = CIP_EFAMILY;
	}
	if (rc == 0) {
		l->vips[i] = info.cluster_ips[1];
		for (uint32_t j = 0; j < l->endpoints; j++) {
			l->generation[(size_t)i * l->endpoints + j] = 1;
			atomic_init(&l->live[(size_t)i * l->endpoints + j], UINT64_C(1) << 32);
		}
		atomic_init(&l->updates[i], 0);
		rc = write_service_endpoints(l, i);
	}
	return rc;
}

static int load_alloc(struct load *l)
{
	size_t slots = (size_t)l->services * l->endpoints;

	l->vips = calloc(l->services, sizeof(*l->vips));
	l->updates = calloc(l->services, sizeof(*l->updates));
	l->live = calloc(slots, sizeof(*l->live));
	l->generation = calloc(slots, sizeof(*l->generation));
	l->scratch = calloc(l->endpoints, sizeof(*l->scratch));
	l->proxies = calloc(l->nproxies, sizeof(*l->proxies));
	return l->vips && l->updates && l->live && l->generation && l->scratch && l->proxies
		       ? 0
		       : CIP_ENOMEM;
}

static void load_free(struct load *l)
{
	free(l->vips);
	free((void *)l->updates);
	free((void *)l->live);
	free(l->generation);
	free(l->scratch);
	free(l->proxies);
}

static int load_setup(struct load *l)
{
	uint64_t start = mono_ns();
	int rc = load_alloc(l);

	for (uint32_t i = 0; rc == 0 && i < l->services; i++) {
		rc = create_load_service(l, i);
	}
	for (unsigned k = 0; rc == 0 && k < CHURN_SERVICES; k++) {
		rc = create_churn_service(l->d, k, mono_ns());
	}
	demo_check(l->d, rc == 0,
		   "%u dual-stack services with %u endpoints each (round-robin, per-thread "
		   "round-robin, random, Maglev, weighted; every 7th with ClientIP affinity) "
		   "and %d NodePort services to recreate: %s in %.2f s",
		   l->services, l->endpoints, CHURN_SERVICES,
		   rc == 0 ? "created" : cip_strerror(rc), (double)(mono_ns() - start) / 1e9);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Running                                                            */
/* ------------------------------------------------------------------ */

static uint64_t selections(const struct load *l)
{
	uint64_t sum = 0;

	for (unsigned t = 0; t < l->nproxies; t++) {
		sum += atomic_load_explicit(&l->proxies[t].done, memory_order_relaxed);
	}
	return sum;
}

/* Prints the progress line: rewritten in place on a terminal, else a
 * line a second. */
static void progress(const struct load *l, uint64_t elapsed, int tty, int final)
{
	uint64_t n = selections(l);
	double s = (double)elapsed / 1e9;

	printf("%s  %5.1f s  %8.2f M selections  %6.2f M/s  %6llu endpoint updates  %4llu "
	       "services recreated%s",
	       tty ? "\r" : "", s, (double)n / 1e6, s > 0 ? (double)n / s / 1e6 : 0.0,
	       (unsigned long long)l->endpoint_writes, (unsigned long long)l->recreations,
	       tty && !final ? "" : "\n");
	fflush(stdout);
}

static int start_threads(struct load *l, pthread_t *controller)
{
	unsigned started = 0;

	for (; started < l->nproxies; started++) {
		struct proxy *p = &l->proxies[started];

		p->l = l;
		p->rng = l->rng + started + 1;
		if (pthread_create(&p->thread, NULL, proxy_main, p) != 0) {
			break;
		}
	}
	if (started == l->nproxies && pthread_create(controller, NULL, controller_main, l) == 0) {
		return 0;
	}
	atomic_store(&l->stop, 1);
	for (unsigned t = 0; t < started; t++) {
		pthread_join(l->proxies[t].thread, NULL);
	}
	return -1;
}

/* Runs the threads for @p seconds. Returns the elapsed ns, 0 if the
 * threads could not start. */
static uint64_t run(struct load *l, double seconds)
{
	uint64_t start, elapsed, next_line = DEMO_SECOND;
	uint64_t length = (uint64_t)(seconds * 1e9);
	int tty = isatty(STDOUT_FILENO);
	pthread_t controller;

	start = mono_ns();
	if (start_threads(l, &controller) != 0) {
		return 0;
	}
	while ((elapsed = mono_ns() - start) < length) {
		uint64_t left = length - elapsed;

		pause_ns((long)(left < PROGRESS_NS ? left : PROGRESS_NS));
		elapsed = mono_ns() - start;
		if (tty) {
			progress(l, elapsed, 1, 0);
		} else if (elapsed >= next_line && elapsed < length) {
			progress(l, elapsed, 0, 0);
			next_line += DEMO_SECOND;
		}
	}
	atomic_store(&l->stop, 1);
	for (unsigned t = 0; t < l->nproxies; t++) {
		pthread_join(l->proxies[t].thread, NULL);
	}
	pthread_join(controller, NULL);
	elapsed = mono_ns() - start;
	progress(l, elapsed, tty, 1);
	return elapsed;
}

static void format_ns(uint64_t ns, char *buf, size_t cap)
{
	if (ns < 10000) {
		snprintf(buf, cap, "%llu ns", (unsigned long long)ns);
	} else {
		snprintf(buf, cap, "%.1f us", (double)ns / 1e3);
	}
}

static void report(struct load *l, uint64_t elapsed)
{
	static uint64_t hist[BUCKETS];
	uint64_t errors = 0, stale = 0, foreign = 0, total = selections(l);
	char p50[32], p99[32];
	double s = (double)elapsed / 1e9;

	memset(hist, 0, sizeof(hist));
	for (unsigned t = 0; t < l->nproxies; t++) {
		const struct proxy *p = &l->proxies[t];

		errors += p->errors;
		stale += p->stale;
		foreign += p->foreign;
		for (size_t b = 0; b < BUCKETS; b++) {
			hist[b] += p->hist[b];
		}
	}
	format_ns(percentile(hist, 0.50), p50, sizeof(p50));
	format_ns(percentile(hist, 0.99), p99, sizeof(p99));
	printf("\n  %u proxy threads, %.2f s: %.2f M selections, %.2f M selections/s\n",
	       l->nproxies, s, (double)total / 1e6, (double)total / s / 1e6);
	printf("  per selection (lookup + select; 1 in %d timed, two clock reads included): "
	       "p50 %s, p99 %s\n",
	       SAMPLE_EVERY, p50, p99);
	printf("  controller: %llu endpoint updates (%.0f/s), %llu services recreated\n\n",
	       (unsigned long long)l->endpoint_writes, (double)l->endpoint_writes / s,
	       (unsigned long long)l->recreations);
	demo_check(l->d, total > 0 && errors == 0,
		   "every selection returned a backend (%llu errors)", (unsigned long long)errors);
	demo_check(l->d, stale == 0 && foreign == 0,
		   "every backend was an endpoint of its service, live when chosen (%llu stale, "
		   "%llu foreign)",
		   (unsigned long long)stale, (unsigned long long)foreign);
	demo_check(l->d, l->write_errors == 0, "every controller write succeeded (%llu failed)",
		   (unsigned long long)l->write_errors);
	demo_agreement(l->d);
}

int demo_load(struct demo *d, const struct demo_load_opts *opts)
{
	struct load l;
	uint64_t elapsed;

	demo_heading("5. Load");
	memset(&l, 0, sizeof(l));
	l.d = d;
	l.services = opts->services;
	l.endpoints = opts->endpoints;
	l.nproxies = opts->threads;
	l.rng = d->seed ? d->seed : mono_ns();
	if (load_setup(&l) != 0) {
		load_free(&l);
		return -1;
	}
	elapsed = run(&l, opts->seconds);
	if (!demo_check(d, elapsed > 0, "%u proxy threads and a controller started", l.nproxies)) {
		load_free(&l);
		return -1;
	}
	report(&l, elapsed);
	load_free(&l);
	return 0;
}

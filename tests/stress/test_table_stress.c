/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_table under contention: reader threads look services up by VIP,
 * resolve their DNS names and walk the table, continuously, while a writer churns
 * services (create, update, delete) and pods (apply, relabel, delete).
 *
 * The data is built so that a reader can tell a state that existed from
 * one that never did:
 * - service i (svc-i) always has ClusterIP 10.96.(i / 256).(i % 256) + 1,
 *   so the name and the VIP of a result must agree;
 * - pod j always lives at 10.200.(j / 256).(j % 256) and its only possible
 *   service is svc-(j % NSVC) (its label is app=svc-(j % NSVC) or
 *   app=none), so every endpoint of a result must belong to that service;
 * - a result's port info, endpoint count and endpoints come from one
 *   version: the counts must agree;
 * - each reader sees a service's generation never go back.
 * After the run, with the writer stopped: every service that exists is
 * found by its VIP, the pool holds exactly their ClusterIPs, and the
 * endpoints are exactly the pods labelled for them. Sanitized builds check
 * for races (TSan) and use after free (ASan).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

#include "random.h"
#include "stress.h"

#define NSVC 64
#define NPODS 512
#define MAX_READERS 4
#define MAX_EPS (NPODS / NSVC + 1)

struct shared {
	cip_table *t;
	cip_pool *pool;
	atomic_int stop;
	atomic_int failed;
	_Atomic uint64_t reads;
};

static cip_addr vip_of(unsigned i)
{
	cip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = CIP_FAMILY_IPV4;
	a.bytes[12] = 10;
	a.bytes[13] = 96;
	a.bytes[14] = (uint8_t)(i / 256);
	a.bytes[15] = (uint8_t)(i % 256 + 1);
	return a;
}

static cip_addr pod_ip(unsigned j)
{
	cip_addr a = vip_of(0);

	a.bytes[13] = 200;
	a.bytes[14] = (uint8_t)(j / 256);
	a.bytes[15] = (uint8_t)(j % 256);
	return a;
}

static unsigned pod_index(const cip_addr *a)
{
	return (unsigned)a->bytes[14] * 256 + a->bytes[15];
}

static void fail(struct shared *sh, const char *what, unsigned i)
{
	if (atomic_exchange(&sh->failed, 1) == 0)
		fprintf(stderr, "table stress: %s (service %u)\n", what, i);
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

static void svc_name(char *buf, size_t cap, unsigned i)
{
	snprintf(buf, cap, "svc-%u", i);
}

/* Creates (or updates) svc-@p i, "rich" (two ports and ClientIP affinity)
 * or plain (one port, no affinity): a reader that sees two ports without
 * affinity saw a mix of two versions. */
static int svc_write(cip_table *t, unsigned i, int update, int rich)
{
	static const cip_service_port ports[2] = { { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 },
						   { "dns", CIP_PROTO_UDP, 53, 0, NULL, 0 } };
	char name[16], value[16];
	cip_label sel;
	cip_addr vip = vip_of(i);
	cip_service_spec s;

	svc_name(name, sizeof(name), i);
	snprintf(value, sizeof(value), "svc-%u", i);
	sel.key = "app";
	sel.value = value;
	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = name;
	s.ports = ports;
	s.nports = rich ? 2 : 1;
	s.selector = &sel;
	s.nselector = 1;
	s.cluster_ips = &vip;
	s.ncluster_ips = 1;
	s.session_affinity = rich ? CIP_AFFINITY_CLIENT_IP : 0;
	return update ? cip_table_service_update(t, &s, 0, NULL)
		      : cip_table_service_create(t, &s, 0, NULL);
}

static int pod_apply(cip_table *t, unsigned j, int labelled)
{
	char name[16], value[16];
	cip_label label;
	cip_addr a = pod_ip(j);
	cip_pod_spec p;

	snprintf(name, sizeof(name), "pod-%u", j);
	snprintf(value, sizeof(value), "svc-%u", j % NSVC);
	label.key = "app";
	label.value = labelled ? value : "none";
	cip_pod_spec_init(&p, sizeof(p));
	p.ns = "default";
	p.name = name;
	p.ips = &a;
	p.nips = 1;
	p.labels = &label;
	p.nlabels = 1;
	p.conditions = CIP_EP_READY;
	return cip_table_pod_apply(t, &p, NULL);
}

/* The writer's model of what exists. */
struct model {
	int svc[NSVC];	/* 0 absent, 1 present */
	int pod[NPODS]; /* 0 absent, 1 present unlabelled, 2 labelled */
};

static void writer_step(struct shared *sh, struct model *m, uint64_t *rng)
{
	uint64_t r = cip__splitmix64(rng);
	unsigned i = (unsigned)(r % NSVC), j = (unsigned)((r >> 16) % NPODS);
	char name[16];

	switch ((r >> 40) % 5) {
	case 0: /* create or delete a service */
		svc_name(name, sizeof(name), i);
		if (m->svc[i] && cip_table_service_delete(sh->t, "default", name, 0) == 0)
			m->svc[i] = 0;
		else if (!m->svc[i] && svc_write(sh->t, i, 0, 0) == 0)
			m->svc[i] = 1;
		else
			fail(sh, "service create/delete failed", i);
		break;
	case 1: /* update a service's spec */
		if (m->svc[i] && svc_write(sh->t, i, 1, (int)((r >> 50) & 1)) != 0)
			fail(sh, "service update failed", i);
		break;
	case 4: /* delete a pod */
		if (m->pod[j]) {
			snprintf(name, sizeof(name), "pod-%u", j);
			if (cip_table_pod_delete(sh->t, "default", name) != 0)
				fail(sh, "pod delete failed", j);
			m->pod[j] = 0;
			break;
		}
		/* fall through */
	default: /* apply or relabel a pod */
		if (pod_apply(sh->t, j, (int)((r >> 48) & 1)) != 0)
			fail(sh, "pod apply failed", j);
		m->pod[j] = 1 + (int)((r >> 48) & 1);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Readers                                                            */
/* ------------------------------------------------------------------ */

struct reader {
	struct shared *sh;
	uint64_t seed;
	uint64_t last_gen[NSVC];
};

static void check_result(struct reader *rd, unsigned i, const cip_service_info *info,
			 const cip_service_port_info *pi, const cip_endpoint *eps, size_t n)
{
	char name[16];
	cip_addr vip = vip_of(i);

	svc_name(name, sizeof(name), i);
	if (strcmp(info->name, name) != 0 || info->ncluster_ips != 1 ||
	    memcmp(&info->cluster_ips[0], &vip, sizeof(vip)) != 0)
		fail(rd->sh, "name and VIP disagree", i);
	if (pi->nendpoints != n || n > info->nendpoints)
		fail(rd->sh, "counts of one version disagree", i);
	if ((info->nports == 2) != (info->session_affinity == CIP_AFFINITY_CLIENT_IP))
		fail(rd->sh, "a mix of two specs", i);
	for (size_t k = 0; k < n; k++)
		if (pod_index(&eps[k].addr) % NSVC != i || eps[k].port != 8080)
			fail(rd->sh, "an endpoint of another service", i);
	if (info->generation < rd->last_gen[i])
		fail(rd->sh, "generation went back", i);
	rd->last_gen[i] = info->generation;
}

/* DNS: svc-i's name resolves to its VIP, or not at all. */
static void check_dns(struct reader *rd, unsigned i)
{
	char name[64];
	cip_dns_record r;
	cip_addr vip = vip_of(i);
	size_t n = 0;
	int rc;

	snprintf(name, sizeof(name), "svc-%u", i);
	rc = cip_table_dns_resolve(rd->sh->t, name, strlen(name), CIP_DNS_A, "default", &r, 1, &n);
	if (rc == 0 && (n != 1 || memcmp(&r.addr, &vip, sizeof(vip)) != 0))
		fail(rd->sh, "DNS answered another address", i);
	else if (rc != 0 && rc != CIP_ENOTFOUND)
		fail(rd->sh, "DNS error", i);
	/* And back: the VIP's PTR names svc-i, through the address index. */
	snprintf(name, sizeof(name), "%u.%u.96.10.in-addr.arpa", vip.bytes[15], vip.bytes[14]);
	rc = cip_table_dns_resolve(rd->sh->t, name, strlen(name), CIP_DNS_PTR, NULL, &r, 1, &n);
	snprintf(name, sizeof(name), "svc-%u.default.svc.cluster.local", i);
	if (rc == 0 && (n != 1 || strcmp(r.target, name) != 0))
		fail(rd->sh, "PTR named another service", i);
	else if (rc != 0 && rc != CIP_ENOTFOUND)
		fail(rd->sh, "PTR error", i);
}

/* A batch of lookups: each result is one version of its service, as a
 * single lookup's is. */
static void check_batch(struct reader *rd)
{
	enum { BATCH = 8 };
	cip_lookup q[BATCH];
	cip_endpoint eps[BATCH][MAX_EPS];
	cip_service_info info[BATCH];
	cip_service_port_info pi[BATCH];
	unsigned svc[BATCH];
	int ok = 0;

	for (unsigned k = 0; k < BATCH; k++) {
		svc[k] = (unsigned)(cip__splitmix64(&rd->seed) % NSVC);
		q[k] = (cip_lookup){ .vip = vip_of(svc[k]),
				     .port = 80,
				     .protocol = CIP_PROTO_TCP,
				     .svc = &info[k],
				     .port_info = &pi[k],
				     .eps = eps[k],
				     .cap = MAX_EPS };
	}
	ok = cip_table_lookup_batch(rd->sh->t, q, BATCH);
	for (unsigned k = 0; k < BATCH; k++) {
		if (q[k].rc == 0)
			check_result(rd, svc[k], &info[k], &pi[k], eps[k], q[k].n);
		else if (q[k].rc != CIP_ENOTFOUND)
			fail(rd->sh, "batch lookup error", svc[k]);
		ok -= q[k].rc == 0;
	}
	if (ok != 0)
		fail(rd->sh, "batch count disagrees", 0);
}

static int visit(const cip_service_info *info, void *ctx)
{
	struct reader *rd = ctx;

	if (strncmp(info->name, "svc-", 4) != 0)
		fail(rd->sh, "foreach saw a stranger", 0);
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	cip_endpoint eps[MAX_EPS];
	cip_service_info info;
	cip_service_port_info pi;
	uint64_t reads = 0;

	while (!atomic_load(&rd->sh->stop)) {
		unsigned i = (unsigned)(cip__splitmix64(&rd->seed) % NSVC);
		cip_addr vip = vip_of(i);
		size_t n = 0;
		int rc = cip_table_lookup(rd->sh->t, &vip, 80, CIP_PROTO_TCP, &info, &pi, eps,
					  MAX_EPS, &n);

		if (rc == 0)
			check_result(rd, i, &info, &pi, eps, n);
		else if (rc != CIP_ENOTFOUND)
			fail(rd->sh, "lookup error", i);
		if ((reads & 7) == 0)
			check_dns(rd, i);
		if ((reads & 7) == 4)
			check_batch(rd);
		if ((++reads & 1023) == 0 && cip_table_foreach_service(rd->sh->t, visit, rd) != 0)
			fail(rd->sh, "foreach error", 0);
	}
	atomic_fetch_add(&rd->sh->reads, reads);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* After the run                                                      */
/* ------------------------------------------------------------------ */

static int check_final(struct shared *sh, const struct model *m)
{
	uint64_t used = 0, want_used = 0;

	for (unsigned i = 0; i < NSVC; i++) {
		cip_addr vip = vip_of(i);
		cip_endpoint eps[MAX_EPS];
		size_t n = 0, want = 0;
		int rc = cip_table_lookup(sh->t, &vip, 80, CIP_PROTO_TCP, NULL, NULL, eps, MAX_EPS,
					  &n);

		want_used += (uint64_t)m->svc[i];
		if ((rc == 0) != m->svc[i]) {
			fail(sh, "final: presence differs from the writer's", i);
			continue;
		}
		for (unsigned j = i; j < NPODS; j += NSVC)
			want += m->pod[j] == 2;
		if (rc == 0 && n != want)
			fail(sh, "final: endpoints differ from the labelled pods", i);
	}
	cip_pool_used(sh->pool, CIP_FAMILY_IPV4, &used);
	if (used != want_used)
		fail(sh, "final: the pool does not hold exactly the ClusterIPs", 0);
	return atomic_load(&sh->failed);
}

static int run(unsigned readers, unsigned steps, uint64_t seed)
{
	struct shared sh;
	struct model m;
	struct reader rd[MAX_READERS];
	pthread_t tid[MAX_READERS];
	cip_table_opts o;
	cip_prefix pr;
	uint64_t rng = seed;
	unsigned started = 0;
	int rc;

	memset(&sh, 0, sizeof(sh));
	memset(&m, 0, sizeof(m));
	if (cip_pool_new(&sh.pool, NULL) != 0 ||
	    cip_prefix_parse(&pr, "10.96.0.0/16", 12, 0, NULL) != 0 ||
	    cip_pool_add(sh.pool, &pr, NULL) != 0)
		return 1;
	cip_table_opts_init(&o, sizeof(o));
	o.pool = sh.pool;
	if (cip_table_new(&sh.t, &o) != 0)
		return 1;
	for (unsigned i = 0; i < NSVC; i += 2)
		m.svc[i] = svc_write(sh.t, i, 0, 0) == 0;
	for (unsigned r = 0; r < readers; r++) {
		memset(&rd[r], 0, sizeof(rd[r]));
		rd[r].sh = &sh;
		rd[r].seed = seed * 31 + r;
		if (pthread_create(&tid[r], NULL, reader_main, &rd[r]) == 0)
			started++;
	}
	for (unsigned s = 0; s < steps && !atomic_load(&sh.failed); s++)
		writer_step(&sh, &m, &rng);
	atomic_store(&sh.stop, 1);
	for (unsigned r = 0; r < started; r++)
		pthread_join(tid[r], NULL);
	rc = started == readers ? check_final(&sh, &m) : 1;
	printf("table: %u readers, %u writes, %" PRIu64 " reads%s\n", readers, steps,
	       atomic_load(&sh.reads), rc ? " FAILED" : "");
	cip_table_free(sh.t);
	cip_pool_free(sh.pool);
	return rc;
}

int main(void)
{
	/* Under valgrind the readers take turns with the writer on one core. */
	unsigned steps = UNDER_VALGRIND ? 5000 : SANITIZED ? 20000 : 100000;
	int failed = 0;

	failed |= run(2, steps, 0x7ab1e);
	failed |= run(4, steps, 0x7ab1f);
	return failed;
}

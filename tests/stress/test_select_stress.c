/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Selection while the endpoints change: reader threads select, with every
 * policy and with session affinity, while a writer replaces the service's
 * endpoints. Endpoint set k holds the addresses 10.<k % 200>.0.1..NEPS;
 * the writer publishes set k, then announces k. A reader that saw k0
 * announced before its selection and k1 after it must get an endpoint of a
 * set in [k0, k1 + 1]: one that existed while it chose. Under TSan and
 * ASan this also checks the lock-free paths and the reclamation of the
 * replaced selection states.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

#include "stress.h"

#define READERS 3
#define NEPS 5
/* Under valgrind the readers take turns with the writer on one core. */
#define SETS (UNDER_VALGRIND ? 100 : SANITIZED ? 300 : 3000)
#define POLICIES 5

static _Atomic unsigned announced;
static _Atomic int done;
static _Atomic unsigned long failures;

static cip_addr v4(unsigned a, unsigned b, unsigned c, unsigned d)
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

static const cip_named_port slice_port = { "http", CIP_PROTO_TCP, 8080 };

static char service_name(int policy)
{
	return (char)('a' + policy);
}

static int set_endpoints(cip_table *t, int policy, unsigned k)
{
	cip_endpoint_spec eps[NEPS];
	char name[2] = { service_name(policy), 0 };

	memset(eps, 0, sizeof(eps));
	for (unsigned i = 0; i < NEPS; i++) {
		eps[i].addr = v4(10, k % 200, 0, i + 1);
		eps[i].conditions = CIP_EP_READY | CIP_EP_SERVING;
		eps[i].weight = i + 1;
	}
	/* Now and then one of them terminating, for the other lists. */
	if (k % 3 == 1)
		eps[0].conditions = CIP_EP_SERVING | CIP_EP_TERMINATING;
	return cip_table_endpoints_set(t, "default", name, eps, NEPS, &slice_port, 1, NULL);
}

static int create(cip_table *t, int policy)
{
	cip_service_port port = { "http", CIP_PROTO_TCP, 80, 8080, NULL, 0 };
	cip_addr vip = v4(10, 96, 0, (unsigned)policy + 1);
	char name[2] = { service_name(policy), 0 };
	cip_service_spec s;

	cip_service_spec_init(&s, sizeof(s));
	s.ns = "default";
	s.name = name;
	s.ports = &port;
	s.nports = 1;
	s.cluster_ips = &vip;
	s.ncluster_ips = 1;
	s.lb_policy = policy + 1;
	s.session_affinity = policy % 2 ? CIP_AFFINITY_CLIENT_IP : CIP_AFFINITY_NONE;
	if (cip_table_service_create(t, &s, 0, NULL) != 0)
		return -1;
	return set_endpoints(t, policy, 0);
}

/* Whether @p b belongs to a set in [lo, hi]. */
static int in_sets(const cip_backend *b, unsigned lo, unsigned hi)
{
	if (b->addr.bytes[12] != 10 || b->addr.bytes[14] != 0 || b->addr.bytes[15] < 1 ||
	    b->addr.bytes[15] > NEPS || b->port != 8080)
		return 0;
	for (unsigned k = lo; k <= hi; k++)
		if (b->addr.bytes[13] == k % 200)
			return 1;
	return 0;
}

static void *reader(void *arg)
{
	cip_table *t = arg;
	unsigned long n = 0, bad = 0;

	while (!atomic_load(&done)) {
		int policy = (int)(n % POLICIES);
		cip_select_request r;
		cip_backend b;
		unsigned k0, k1;
		int rc;

		memset(&r, 0, sizeof(r));
		r.vip = v4(10, 96, 0, (unsigned)policy + 1);
		r.port = 80;
		r.protocol = CIP_PROTO_TCP;
		r.client = v4(192, 168, 0, (unsigned)(n % 64));
		r.client_port = (uint16_t)n;
		r.now = n;
		r.flags = n % 17 == 0 ? CIP_SELECT_RESET_AFFINITY : 0;
		k0 = atomic_load(&announced);
		rc = cip_table_select(t, &r, &b);
		k1 = atomic_load(&announced);
		if (rc != 0 || !in_sets(&b, k0, k1 + 1))
			bad++;
		if (n % 1024 == 0)
			cip_table_affinity_expire(t, n);
		n++;
	}
	atomic_fetch_add(&failures, bad);
	return NULL;
}

int main(void)
{
	pthread_t th[READERS];
	cip_table *t;
	int rc = 0;

	if (cip_table_new(&t, NULL) != 0)
		return 1;
	for (int p = 0; p < POLICIES && rc == 0; p++)
		rc = create(t, p);
	if (rc != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	for (int i = 0; i < READERS; i++)
		if (pthread_create(&th[i], NULL, reader, t) != 0)
			return 1;
	for (unsigned k = 1; k <= SETS && rc == 0; k++) {
		for (int p = 0; p < POLICIES && rc == 0; p++)
			rc = set_endpoints(t, p, k);
		atomic_store(&announced, k);
	}
	atomic_store(&done, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	cip_table_free(t);
	if (rc != 0 || atomic_load(&failures) != 0) {
		fprintf(stderr, "select stress: rc %d, %lu bad selections\n", rc,
			atomic_load(&failures));
		return 1;
	}
	printf("select stress: %u endpoint sets x %d policies, no bad selection\n", SETS, POLICIES);
	return 0;
}

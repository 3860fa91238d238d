/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip_table_dns_resolve(): Kubernetes DNS-based service discovery (schema
 * 1.1.0, kubernetes/dns docs/specification.md) over the table's current
 * versions, inside one read section. Name parsing, the search path and
 * the classification of a name are dnsname.c's; this file finds what a
 * name refers to and writes the records.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdio.h>
#include <string.h>

#include "dnsname.h"
#include "table_priv.h"
#include "validate.h"

_Static_assert((int)CIP__DNS_PROTO_TCP == (int)CIP_PROTO_TCP &&
		       (int)CIP__DNS_PROTO_UDP == (int)CIP_PROTO_UDP &&
		       (int)CIP__DNS_PROTO_SCTP == (int)CIP_PROTO_SCTP,
	       "SRV protocols are table protocols");
_Static_assert(CIP__DNS_NAME_CAP == CIP_SUBDOMAIN_CAP, "one name buffer size");

/* Whether a name exists, with or without records of the asked type. */
enum outcome { NXDOMAIN, EXISTS };

struct answer {
	const cip_table *t;
	int qtype;
	const char *owner; /* the name being answered, canonical */
	size_t owner_len;
	cip_dns_record *out;
	size_t cap, n;
	cip_dns_record scratch; /* where records past cap are written, unread */
};

/* ------------------------------------------------------------------ */
/* Records                                                            */
/* ------------------------------------------------------------------ */

static cip_dns_record *add(struct answer *a, int type)
{
	cip_dns_record *r = a->n < a->cap ? &a->out[a->n] : &a->scratch;

	a->n++;
	memset(r, 0, sizeof(*r));
	r->type = (uint16_t)type;
	memcpy(r->name, a->owner, a->owner_len + 1); /* a name: it fits */
	return r;
}

static int wants(const struct answer *a, int type)
{
	return a->qtype == type || a->qtype == CIP_DNS_ANY;
}

/* An A or AAAA record for @p addr, if the question asks for its family. */
static void add_addr(struct answer *a, const cip_addr *addr)
{
	int type = addr->family == CIP_FAMILY_IPV4 ? CIP_DNS_A : CIP_DNS_AAAA;
	cip_dns_record *r;

	if (!wants(a, type))
		return;
	r = add(a, type);
	r->addr = *addr;
}

/* Interned text of @p id (names live as long as the table). */
static const char *text_of(const cip_table *t, uint32_t id)
{
	const struct tbl_name *n = cip__table_name_of(t, id);

	return n ? n->text : NULL;
}

/* The label that names an endpoint: its hostname, or its address with
 * dashes as CoreDNS writes it (10-244-0-1, fd00--1). */
static void endpoint_label(const cip_table *t, const struct ep_addr *e, char *buf, size_t cap)
{
	const char *host = text_of(t, e->hostname);
	char text[CIP_ADDR_STRLEN];

	if (host) {
		snprintf(buf, cap, "%s", host);
		return;
	}
	cip_addr_format(&e->addr, text, sizeof(text));
	for (char *c = text; *c; c++)
		if (*c == '.' || *c == ':')
			*c = '-';
	snprintf(buf, cap, "%s", text);
}

static int served(const struct svc_ver *v, const struct ep_addr *e)
{
	return (e->conditions & CIP_EP_READY) || v->info->publish_not_ready_addresses;
}

/* ------------------------------------------------------------------ */
/* Names                                                              */
/* ------------------------------------------------------------------ */

/* Copies a slice into a NUL-terminated name; 0 if it cannot be one. */
static int slice_name(const char *name, struct cip__dns_slice s, char *buf, size_t cap)
{
	if (s.len == 0 || s.len >= cap)
		return 0;
	memcpy(buf, name + s.off, s.len);
	buf[s.len] = '\0';
	return 1;
}

static struct svc_ver *service_of(const cip_table *t, const char *name,
				  const struct cip__dns_query *q)
{
	char ns[CIP_NAME_CAP], svc[CIP_NAME_CAP];
	struct svc_slot *s;

	if (!slice_name(name, q->ns, ns, sizeof(ns)) || !slice_name(name, q->svc, svc, sizeof(svc)))
		return NULL;
	s = cip__table_slot(t, ns, svc);
	return s ? atomic_load(&s->cur) : NULL;
}

/* "@p a.@p b" in @p buf; 0 (and nothing useful written) when it would
 * not be a name of at most 253 bytes. */
static int join(char *buf, size_t cap, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb >= cap)
		return 0;
	memcpy(buf, a, la);
	buf[la] = '.';
	memcpy(buf + la + 1, b, lb + 1);
	return 1;
}

/* <svc>.<ns>.svc.<zone>; 0 if too long for a name. */
static int fqdn(const cip_table *t, const cip_service_info *i, char *buf, size_t cap)
{
	char svc_zone[CIP_SUBDOMAIN_CAP], ns_zone[CIP_SUBDOMAIN_CAP];

	return join(svc_zone, sizeof(svc_zone), "svc", t->domain) &&
	       join(ns_zone, sizeof(ns_zone), i->ns, svc_zone) && join(buf, cap, i->name, ns_zone);
}

/* ------------------------------------------------------------------ */
/* Answers by kind                                                    */
/* ------------------------------------------------------------------ */

static enum outcome answer_service(struct answer *a, const struct svc_ver *v)
{
	size_t served_count = 0;

	if (v->info->type == CIP_SERVICE_EXTERNAL_NAME) {
		if (wants(a, CIP_DNS_CNAME) || wants(a, CIP_DNS_A) || wants(a, CIP_DNS_AAAA))
			snprintf(add(a, CIP_DNS_CNAME)->target, CIP_SUBDOMAIN_CAP, "%s",
				 v->info->external_name);
		return EXISTS;
	}
	if (!v->info->headless) {
		for (unsigned i = 0; i < v->info->ncluster_ips; i++)
			add_addr(a, &v->info->cluster_ips[i]);
		return EXISTS;
	}
	for (uint32_t k = 0; k < v->info->nendpoints; k++) {
		if (!served(v, &v->addrs[k]))
			continue;
		served_count++;
		add_addr(a, &v->addrs[k].addr);
	}
	/* The spec: a headless service without ready endpoints is NXDOMAIN. */
	return served_count ? EXISTS : NXDOMAIN;
}

static enum outcome answer_endpoint(struct answer *a, const struct svc_ver *v, const char *name,
				    const struct cip__dns_query *q)
{
	char host[CIP_NAME_CAP], label[CIP_NAME_CAP];
	enum outcome found = NXDOMAIN;

	if (!v->info->headless || !slice_name(name, q->hostname, host, sizeof(host)))
		return NXDOMAIN;
	for (uint32_t k = 0; k < v->info->nendpoints; k++) {
		/* The label SRV and PTR records name it by: an endpoint
		 * without a hostname answers to its dashed address. */
		endpoint_label(a->t, &v->addrs[k], label, sizeof(label));
		if (strcmp(label, host) != 0 || !served(v, &v->addrs[k]))
			continue;
		found = EXISTS;
		add_addr(a, &v->addrs[k].addr);
	}
	return found;
}

static void add_srv(struct answer *a, const char *target, uint16_t port)
{
	cip_dns_record *r = add(a, CIP_DNS_SRV);

	snprintf(r->target, sizeof(r->target), "%s", target);
	r->port = port;
}

static enum outcome answer_srv(struct answer *a, const struct svc_ver *v, const char *name,
			       const struct cip__dns_query *q)
{
	char port[CIP_NAME_CAP], target[CIP_SUBDOMAIN_CAP], label[CIP_NAME_CAP];
	size_t first = a->n, records = 0;
	long i = -1;

	if (v->info->type == CIP_SERVICE_EXTERNAL_NAME ||
	    !slice_name(name, q->port, port, sizeof(port)))
		return NXDOMAIN;
	for (uint32_t k = 0; k < v->info->nports && i < 0; k++)
		if (v->ports[k].protocol == q->proto && strcmp(v->ports[k].name, port) == 0)
			i = (long)k;
	if (i < 0)
		return NXDOMAIN;
	if (!fqdn(a->t, v->info, target, sizeof(target)))
		return EXISTS;
	/* The records are counted whatever the type asked, so that whether
	 * the name exists does not depend on it. */
	if (!v->info->headless) {
		records = 1;
		if (wants(a, CIP_DNS_SRV))
			add_srv(a, target, v->ports[i].port);
	} else {
		for (uint32_t r = v->first[i]; r < v->first[i + 1]; r++) {
			const struct ep_addr *e = &v->addrs[v->refs[r].addr];
			char host[CIP_SUBDOMAIN_CAP];

			if (!served(v, e))
				continue;
			endpoint_label(a->t, e, label, sizeof(label));
			if (!join(host, sizeof(host), label, target))
				continue;
			records++;
			if (wants(a, CIP_DNS_SRV))
				add_srv(a, host, v->refs[r].port);
		}
	}
	/* Equal weights that add up to about 100, as CoreDNS gives them. */
	for (size_t k = first; k < a->n && k < a->cap; k++)
		a->out[k].weight = (uint16_t)(100 / (a->n - first));
	return records ? EXISTS : NXDOMAIN;
}

/* Distinct names a PTR answer remembers, to give each name once. */
#define PTR_SEEN 16

struct ptr_search {
	struct answer *a;
	int found;
	uint64_t seen[PTR_SEEN]; /* hashes of the names answered */
	size_t nseen;
};

/* Whether @p name was answered already (a walk that overlapped a write may
 * meet a service's old and new entry); remembers it if not. */
static int ptr_seen(struct ptr_search *p, const char *name)
{
	uint64_t h = cip__rmap_hash_bytes(CIP__RMAP_HASH_INIT, name, strlen(name));

	for (size_t i = 0; i < p->nseen; i++)
		if (p->seen[i] == h)
			return 1;
	if (p->nseen < PTR_SEEN)
		p->seen[p->nseen++] = h;
	return 0;
}

/* One address-index entry: a ClusterIP's service, or a served headless
 * endpoint (the index holds only those). */
static int ptr_visit(void *value, void *ctx)
{
	const struct ix_entry *e = value;
	struct ptr_search *p = ctx;
	char target[CIP_SUBDOMAIN_CAP], label[CIP_NAME_CAP], host[CIP_SUBDOMAIN_CAP];
	const char *name = target;

	if (!fqdn(p->a->t, e->ver->info, target, sizeof(target)))
		return 0;
	if (e->port_index != UINT32_MAX) {
		endpoint_label(p->a->t, &e->ver->addrs[e->port_index], label, sizeof(label));
		if (!join(host, sizeof(host), label, target))
			return 0;
		name = host;
	}
	p->found = 1;
	if (wants(p->a, CIP_DNS_PTR) && !ptr_seen(p, name))
		snprintf(add(p->a, CIP_DNS_PTR)->target, CIP_SUBDOMAIN_CAP, "%s", name);
	return 0;
}

/* Attempts at a PTR answer that no write overlapped; after that many (a
 * writer working without pause) the last one stands, which may name both a
 * deleted service and a new one at its address. */
#define PTR_ATTEMPTS 16

/* PTR: every ClusterIP and served headless endpoint with the address,
 * through the address index. Several entries make one answer, so the walk
 * is retried while a write overlapped it (the table's sequence count): a
 * service deleted and another created with its address are never both
 * named. */
static enum outcome answer_ptr(struct answer *a, const cip_addr *addr)
{
	struct ptr_search p = { .a = a };
	size_t first = a->n;
	struct ix_entry key;

	memset(&key, 0, sizeof(key));
	key.kind = IX_ADDR;
	key.vip = *addr;
	for (int attempt = 0; attempt < PTR_ATTEMPTS; attempt++) {
		uint64_t seq = atomic_load(&a->t->seq);

		a->n = first;
		p.found = 0;
		p.nseen = 0;
		cip__rmap_find_each(&a->t->by_addr, cip__table_addr_hash(addr), &key,
				    cip__table_entry_has_key, ptr_visit, &p);
		if (!(seq & 1) && atomic_load(&a->t->seq) == seq)
			break;
	}
	return p.found ? EXISTS : NXDOMAIN;
}

/* Answers one fully qualified, canonical name. */
static enum outcome answer_name(struct answer *a, const char *name, size_t len)
{
	struct cip__dns_query q;
	const struct svc_ver *v;

	if (cip__dns_classify(name, len, a->t->domain, strlen(a->t->domain), &q) != 0)
		return NXDOMAIN;
	switch (q.kind) {
	case CIP__DNS_VERSION:
		if (wants(a, CIP_DNS_TXT))
			snprintf(add(a, CIP_DNS_TXT)->target, CIP_SUBDOMAIN_CAP, "%s",
				 CIP_DNS_SCHEMA_VERSION);
		return EXISTS;
	case CIP__DNS_SERVICE:
		v = service_of(a->t, name, &q);
		return v ? answer_service(a, v) : NXDOMAIN;
	case CIP__DNS_ENDPOINT:
		v = service_of(a->t, name, &q);
		return v ? answer_endpoint(a, v, name, &q) : NXDOMAIN;
	case CIP__DNS_SRV:
		v = service_of(a->t, name, &q);
		return v ? answer_srv(a, v, name, &q) : NXDOMAIN;
	case CIP__DNS_PTR_V4:
	case CIP__DNS_PTR_V6:
		return answer_ptr(a, &q.addr);
	default:
		return NXDOMAIN;
	}
}

/* ------------------------------------------------------------------ */
/* The search path                                                    */
/* ------------------------------------------------------------------ */

static int qtype_valid(int qtype)
{
	switch (qtype) {
	case CIP_DNS_A:
	case CIP_DNS_CNAME:
	case CIP_DNS_PTR:
	case CIP_DNS_TXT:
	case CIP_DNS_AAAA:
	case CIP_DNS_SRV:
	case CIP_DNS_ANY:
		return 1;
	default:
		return 0;
	}
}

/* Tries the candidates in the resolver's order: the first name with
 * records answers; a name that exists without them (NODATA) lets the
 * search go on, as glibc does, and is the answer if nothing else has
 * records. */
static int search(struct answer *a, const char *name, size_t len, int absolute,
		  const char *client_ns)
{
	struct cip__dns_search s = { client_ns, a->t->domain, CIP__DNS_NDOTS_DEFAULT,
				     CIP__DNS_GLIBC };
	char cand[CIP__DNS_NAME_CAP];
	int nodata = 0, rc;

	for (unsigned i = 0;; i++) {
		size_t clen;

		rc = client_ns ? cip__dns_candidate(&s, name, len, absolute, i, cand, sizeof(cand),
						    &clen)
			       : (i == 0 ? 0 : CIP_ENOTFOUND);
		if (!client_ns && rc == 0) {
			memcpy(cand, name, len + 1);
			clen = len;
		}
		if (rc == CIP_ENOTFOUND)
			break;
		if (rc == CIP_ENAME)
			continue;
		if (rc)
			return rc;
		a->owner = cand;
		a->owner_len = clen;
		a->n = 0;
		if (answer_name(a, cand, clen) == EXISTS) {
			if (a->n)
				return 0;
			nodata = 1;
		}
	}
	a->n = 0;
	return nodata ? 0 : CIP_ENOTFOUND;
}

/* Records answered without a second search. */
#define LOCAL_RECORDS 4

int cip_table_dns_resolve(const cip_table *t, const char *name, size_t len, int qtype,
			  const char *client_ns, cip_dns_record *out, size_t cap, size_t *n)
{
	cip_dns_record local[LOCAL_RECORDS];
	char canon[CIP__DNS_NAME_CAP];
	struct answer a;
	size_t clen = 0, offset;
	int absolute = 0, rc;
	unsigned token;

	if (!t || !name || !n || (cap && !out) || !qtype_valid(qtype) || len > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	if (client_ns &&
	    cip__valid_dns1123_label(client_ns, strnlen(client_ns, CIP_NAME_CAP), &offset) != 0)
		return CIP_EINVAL;
	*n = 0; /* a name that is not one has no records */
	rc = cip__dns_normalize(name, len, canon, sizeof(canon), &clen, &absolute);
	if (rc)
		return rc == CIP_EBUFSIZE ? CIP_ENAME : rc;
	memset(&a, 0, sizeof(a));
	a.t = t;
	a.qtype = qtype;
	/* Most answers are a record or two: they go to a local buffer and are
	 * copied out if they fit. More than that are counted, then searched
	 * for again into the caller's buffer if they fit: one read section,
	 * so both passes see the same versions, and the caller's buffer is
	 * written only on success. */
	a.out = local;
	a.cap = LOCAL_RECORDS;
	token = cip__table_enter(t);
	rc = search(&a, canon, clen, absolute, absolute ? NULL : client_ns);
	if (rc == 0 && a.n > cap)
		rc = CIP_EBUFSIZE;
	if (rc == 0 && a.n > LOCAL_RECORDS) {
		a.out = out;
		a.cap = cap;
		rc = search(&a, canon, clen, absolute, absolute ? NULL : client_ns);
	} else if (rc == 0 && a.n) {
		memcpy(out, local, a.n * sizeof(*out));
	}
	cip__table_leave(t, token);
	*n = a.n;
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* lib/dnsname.h: checking, search-list candidates and classification of the
 * DNS names of Kubernetes service discovery. Expected addresses come from
 * inet_pton() (cip_test.h), reverse names from cip_addr_reverse_name(). */
#include "cip_test.h"

#include <limits.h>

#include "dnsname.h"

#define ZONE "cluster.local"

/* Names of exact lengths, built from 63-byte labels. */
#define A10 "aaaaaaaaaa"
#define A30 A10 A10 A10
#define A60 A30 A30
#define L63 A60 "aaa"
#define L64 L63 "a"
#define N192 L63 "." L63 "." L63 "." /* three labels and their dots */
#define N227 N192 A30 "aaaaa"
#define N228 N192 A30 "aaaaaa"
#define N236 N192 A30 A10 "aaaa"
#define N240 N192 A30 A10 "aaaaaaaa"
#define N253 N192 A60 "a"
#define N254 N192 A60 "aa"

/* The search suffixes of a pod in namespace "default". */
#define S0 ".default.svc." ZONE
#define S1 ".svc." ZONE
#define S2 "." ZONE

static void test_data_lengths(void **state)
{
	(void)state;
	assert_int_equal(strlen(L63), 63);
	assert_int_equal(strlen(N227), 227);
	assert_int_equal(strlen(N228), 228);
	assert_int_equal(strlen(N236), 236);
	assert_int_equal(strlen(N240), 240);
	assert_int_equal(strlen(N253), 253);
	assert_int_equal(strlen(N254), 254);
	assert_int_equal(strlen(N227 S0), 253);
	assert_int_equal(strlen(N236 S2), 250);
}

/* ------------------------------------------------------------------ */
/* Normalisation                                                      */
/* ------------------------------------------------------------------ */

struct norm_row {
	const char *in;
	size_t len;
	int rc;
	const char *out; /* rc 0: the canonical name */
	int absolute;
};

static const struct norm_row norm_rows[] = {
	{ S("my-service"), 0, "my-service", 0 },
	{ S("My-Service.Default.SVC.Cluster.Local."), 0, "my-service.default.svc.cluster.local",
	  1 },
	{ S("a"), 0, "a", 0 },
	{ S("A."), 0, "a", 1 },
	{ S("0"), 0, "0", 0 },
	{ S("-a-.1-"), 0, "-a-.1-", 0 },
	{ S("_HTTPS._TCP.x"), 0, "_https._tcp.x", 0 },
	{ S("ABCDEFGHIJKLMNOPQRSTUVWXYZ.abcdefghijklmnopqrstuvwxyz.0123456789"), 0,
	  "abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.0123456789", 0 },
	{ S("1.0.96.10.IN-ADDR.ARPA."), 0, "1.0.96.10.in-addr.arpa", 1 },
	{ S(L63), 0, L63, 0 },
	{ S(L63 "."), 0, L63, 1 },
	{ S(L63 "." L63), 0, L63 "." L63, 0 },
	{ S(N253), 0, N253, 0 },
	{ S(N253 "."), 0, N253, 1 },
	/* Empty names and labels. */
	{ S(""), CIP_ENAME, NULL, 0 },
	{ S("."), CIP_ENAME, NULL, 0 },
	{ S(".."), CIP_ENAME, NULL, 0 },
	{ S(".a"), CIP_ENAME, NULL, 0 },
	{ S("a..b"), CIP_ENAME, NULL, 0 },
	{ S("a.."), CIP_ENAME, NULL, 0 },
	{ S("a.b.."), CIP_ENAME, NULL, 0 },
	/* Lengths. */
	{ S(L64), CIP_ENAME, NULL, 0 },
	{ S(L64 "."), CIP_ENAME, NULL, 0 },
	{ S("a." L64 ".b"), CIP_ENAME, NULL, 0 },
	{ S(N254), CIP_ENAME, NULL, 0 },
	{ S(N254 "."), CIP_ENAME, NULL, 0 },
	/* Bytes. */
	{ S("a b"), CIP_ENAME, NULL, 0 },
	{ S(" a"), CIP_ENAME, NULL, 0 },
	{ S("a\tb"), CIP_ENAME, NULL, 0 },
	{ S("a\nb"), CIP_ENAME, NULL, 0 },
	{ S("a\0b"), CIP_ENAME, NULL, 0 },
	{ S("a\0"), CIP_ENAME, NULL, 0 },
	{ S("\0"), CIP_ENAME, NULL, 0 },
	{ S("caf\xc3\xa9.local"), CIP_ENAME, NULL, 0 }, /* valid UTF-8 */
	{ S("\xff\xfe"), CIP_ENAME, NULL, 0 },		/* invalid UTF-8 */
	{ S("a\x80"), CIP_ENAME, NULL, 0 },
	{ S("a\\.b"), CIP_ENAME, NULL, 0 },
	{ S("a*b"), CIP_ENAME, NULL, 0 },
	{ S("*.b"), CIP_ENAME, NULL, 0 },
	{ S("a/b"), CIP_ENAME, NULL, 0 },
	{ S("a:b"), CIP_ENAME, NULL, 0 },
	{ S("a@b"), CIP_ENAME, NULL, 0 },
	{ S("a[b"), CIP_ENAME, NULL, 0 },
	{ S("a`b"), CIP_ENAME, NULL, 0 },
	{ S("a{b"), CIP_ENAME, NULL, 0 },
	{ S("a+b"), CIP_ENAME, NULL, 0 },
	{ S("a..."), CIP_ENAME, NULL, 0 },
};

static void test_normalize_table(void **state)
{
	(void)state;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(norm_rows); i++) {
		const struct norm_row *r = &norm_rows[i];
		char *in = ct_dup(r->in, r->len);
		char out[CIP__DNS_NAME_CAP + 8];
		size_t out_len = 777;
		int absolute = 7, rc;

		ct_fill(out, sizeof out);
		rc = cip__dns_normalize(in, r->len, out, CIP__DNS_NAME_CAP, &out_len, &absolute);
		CHECK(failures, rc == r->rc, "row %zu \"%.*s\": rc %d, want %d\n", i, (int)r->len,
		      r->in, rc, r->rc);
		if (rc == 0 && r->rc == 0) {
			size_t n = strlen(r->out);

			CHECK(failures, out_len == n && memcmp(out, r->out, n + 1) == 0,
			      "row %zu: got \"%.*s\" (%zu), want \"%s\"\n", i, (int)out_len, out,
			      out_len, r->out);
			CHECK(failures, absolute == r->absolute, "row %zu: absolute %d, want %d\n",
			      i, absolute, r->absolute);
			CHECK(failures, ct_untouched(out + n + 1, sizeof out - n - 1),
			      "row %zu: wrote past the NUL\n", i);
		} else if (rc != 0) {
			CHECK(failures,
			      ct_untouched(out, sizeof out) && out_len == 777 && absolute == 7,
			      "row %zu: outputs written on failure\n", i);
		}
		free(in);
	}
	CHECK_DONE(failures);
}

/* Every byte in the middle of a label: valid exactly when a letter, digit,
 * '-' or '_' (or '.', which splits it), and upper case comes out lower. */
static void test_normalize_every_byte(void **state)
{
	(void)state;
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t failures = 0;

	for (int b = 0; b < 256; b++) {
		const char in[3] = { 'x', (char)b, 'y' };
		const char *lo = b ? memchr(lower, b, sizeof lower - 1) : NULL;
		const char *up = b ? memchr(upper, b, sizeof upper - 1) : NULL;
		char want = up ? lower[up - upper] : (char)b;
		int valid = lo || up || b == '.';
		char out[8];
		size_t out_len = 0;
		int absolute = 0;
		int rc = cip__dns_normalize(in, 3, out, sizeof out, &out_len, &absolute);

		CHECK(failures, rc == (valid ? 0 : CIP_ENAME), "byte %#x: rc %d\n", b, rc);
		if (rc == 0)
			CHECK(failures,
			      out_len == 3 && out[0] == 'x' && out[1] == want && out[2] == 'y' &&
				      out[3] == '\0' && absolute == 0,
			      "byte %#x: got \"%s\"\n", b, out);
	}
	CHECK_DONE(failures);
}

static void test_normalize_buffer_and_args(void **state)
{
	(void)state;
	char out[16];
	size_t out_len = 99;
	int absolute = 9;

	/* "Abc." needs 4 bytes: "abc" and the NUL. */
	ct_fill(out, sizeof out);
	assert_int_equal(cip__dns_normalize("Abc.", 4, out, 3, &out_len, &absolute), CIP_EBUFSIZE);
	assert_true(ct_untouched(out, sizeof out));
	assert_int_equal(out_len, 99);
	assert_int_equal(absolute, 9);
	assert_int_equal(cip__dns_normalize("Abc.", 4, out, 0, &out_len, &absolute), CIP_EBUFSIZE);
	assert_int_equal(cip__dns_normalize("Abc.", 4, out, 4, &out_len, &absolute), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(out_len, 3);
	assert_int_equal(absolute, 1);
	assert_int_equal((unsigned char)out[4], SENTINEL);

	/* The length bounds the name: what follows is not read. */
	assert_int_equal(cip__dns_normalize("ab..", 2, out, sizeof out, &out_len, &absolute), 0);
	assert_string_equal(out, "ab");
	assert_int_equal(absolute, 0);

	/* An invalid name is CIP_ENAME even when the buffer is too small. */
	assert_int_equal(cip__dns_normalize("a..b", 4, out, 1, &out_len, &absolute), CIP_ENAME);

	out_len = 99;
	absolute = 9;
	ct_fill(out, sizeof out);
	assert_int_equal(cip__dns_normalize(NULL, 1, out, sizeof out, &out_len, &absolute),
			 CIP_EINVAL);
	assert_int_equal(cip__dns_normalize(NULL, 0, out, sizeof out, &out_len, &absolute),
			 CIP_EINVAL);
	assert_int_equal(cip__dns_normalize("a", 1, NULL, sizeof out, &out_len, &absolute),
			 CIP_EINVAL);
	assert_int_equal(cip__dns_normalize("a", 1, out, sizeof out, NULL, &absolute), CIP_EINVAL);
	assert_int_equal(cip__dns_normalize("a", 1, out, sizeof out, &out_len, NULL), CIP_EINVAL);
	assert_true(ct_untouched(out, sizeof out));
	assert_int_equal(out_len, 99);
	assert_int_equal(absolute, 9);
}

/* ------------------------------------------------------------------ */
/* Search-list candidates                                             */
/* ------------------------------------------------------------------ */

/* A candidate that is not sent: CIP_ENAME at its index. */
#define SKIP "!"
/* A row that holds for both resolvers. */
#define BOTH (-1)

struct cand_row {
	const char *ns, *zone;
	unsigned ndots;
	int resolver; /* enum cip__dns_resolver, or BOTH */
	const char *name;
	int absolute;
	/* In order, then NULL: CIP_ENOTFOUND from there on. */
	const char *want[CIP__DNS_CANDIDATES_MAX + 1];
};

static const struct cand_row cand_rows[] = {
	/* Fewer dots than ndots: the search list, then the name. */
	{ "default",
	  ZONE,
	  5,
	  BOTH,
	  "my-service",
	  0,
	  { "my-service" S0, "my-service" S1, "my-service" S2, "my-service" } },
	{ "default",
	  ZONE,
	  5,
	  BOTH,
	  "my-service.other-ns",
	  0,
	  { "my-service.other-ns" S0, "my-service.other-ns" S1, "my-service.other-ns" S2,
	    "my-service.other-ns" } },
	{ "default",
	  ZONE,
	  5,
	  BOTH,
	  "My-Service.Other-NS",
	  0,
	  { "my-service.other-ns" S0, "my-service.other-ns" S1, "my-service.other-ns" S2,
	    "my-service.other-ns" } },
	/* A full service name has only 4 dots: searched first under ndots:5. */
	{ "default",
	  ZONE,
	  5,
	  BOTH,
	  "kubernetes.default.svc." ZONE,
	  0,
	  { "kubernetes.default.svc." ZONE S0, "kubernetes.default.svc." ZONE S1,
	    "kubernetes.default.svc." ZONE S2, "kubernetes.default.svc." ZONE } },
	/* Enough dots: glibc tries the name first, musl only the name. */
	{ "default",
	  ZONE,
	  5,
	  CIP__DNS_GLIBC,
	  "a.b.c.d.e.f",
	  0,
	  { "a.b.c.d.e.f", "a.b.c.d.e.f" S0, "a.b.c.d.e.f" S1, "a.b.c.d.e.f" S2 } },
	{ "default", ZONE, 5, CIP__DNS_MUSL, "a.b.c.d.e.f", 0, { "a.b.c.d.e.f" } },
	{ "default",
	  ZONE,
	  5,
	  CIP__DNS_GLIBC,
	  "_http._tcp.web.prod.svc." ZONE,
	  0,
	  { "_http._tcp.web.prod.svc." ZONE, "_http._tcp.web.prod.svc." ZONE S0,
	    "_http._tcp.web.prod.svc." ZONE S1, "_http._tcp.web.prod.svc." ZONE S2 } },
	{ "default",
	  ZONE,
	  1,
	  CIP__DNS_GLIBC,
	  "web.prod",
	  0,
	  { "web.prod", "web.prod" S0, "web.prod" S1, "web.prod" S2 } },
	{ "default", ZONE, 1, CIP__DNS_MUSL, "web.prod", 0, { "web.prod" } },
	{ "default", ZONE, 0, CIP__DNS_GLIBC, "web", 0, { "web", "web" S0, "web" S1, "web" S2 } },
	{ "default", ZONE, 0, CIP__DNS_MUSL, "web", 0, { "web" } },
	/* ndots above 15 counts as 15: 15 dots are enough, 14 are not. */
	{ "default",
	  ZONE,
	  20,
	  CIP__DNS_MUSL,
	  "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
	  0,
	  { "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" } },
	{ "default",
	  ZONE,
	  UINT_MAX,
	  CIP__DNS_GLIBC,
	  "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
	  0,
	  { "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" S0,
	    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" S1, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" S2 } },
	{ "default",
	  ZONE,
	  20,
	  BOTH,
	  "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
	  0,
	  { "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" S0, "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" S1,
	    "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" S2, "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p" } },
	/* Absolute names: as they are, whatever the dots. */
	{ "default", ZONE, 5, BOTH, "my-service", 1, { "my-service" } },
	{ "default",
	  ZONE,
	  5,
	  BOTH,
	  "Kubernetes.Default.svc." ZONE,
	  1,
	  { "kubernetes.default.svc." ZONE } },
	{ "default", ZONE, 0, BOTH, "a.b.c.d.e.f", 1, { "a.b.c.d.e.f" } },
	/* Another namespace and zone, in any case; a trailing dot on the zone. */
	{ "Kube-System",
	  "K8s.Example.",
	  5,
	  BOTH,
	  "dns",
	  0,
	  { "dns.kube-system.svc.k8s.example", "dns.svc.k8s.example", "dns.k8s.example", "dns" } },
	/* Lengths: 253 fits; beyond, musl skips the suffix, glibc ends its
	 * search list there but still tries the name. */
	{ "default", ZONE, 5, BOTH, N227, 0, { N227 S0, N227 S1, N227 S2, N227 } },
	{ "default", ZONE, 5, CIP__DNS_GLIBC, N228, 0, { SKIP, SKIP, SKIP, N228 } },
	{ "default", ZONE, 5, CIP__DNS_MUSL, N228, 0, { SKIP, N228 S1, N228 S2, N228 } },
	{ "default", ZONE, 5, CIP__DNS_GLIBC, N236, 0, { SKIP, SKIP, SKIP, N236 } },
	{ "default", ZONE, 5, CIP__DNS_MUSL, N236, 0, { SKIP, SKIP, N236 S2, N236 } },
	{ "default", ZONE, 5, BOTH, N240, 0, { SKIP, SKIP, SKIP, N240 } },
	{ "default", ZONE, 3, CIP__DNS_GLIBC, N228, 0, { N228, SKIP, SKIP, SKIP } },
	{ "default", ZONE, 3, CIP__DNS_MUSL, N228, 0, { N228 } },
	{ "default", ZONE, 5, BOTH, N253, 0, { SKIP, SKIP, SKIP, N253 } },
	{ "default", ZONE, 5, BOTH, N253, 1, { N253 } },
	/* A long namespace: its suffix never fits, the others do (musl). */
	{ L63, ZONE, 5, CIP__DNS_MUSL, N192 "a", 0, { SKIP, N192 "a" S1, N192 "a" S2, N192 "a" } },
	/* Invalid names: no candidate is sent, and the iteration still ends. */
	{ "default", ZONE, 5, BOTH, "a..b", 0, { SKIP, SKIP, SKIP, SKIP } },
	{ "default", ZONE, 5, BOTH, "a b", 0, { SKIP, SKIP, SKIP, SKIP } },
	{ "default", ZONE, 5, BOTH, "", 0, { SKIP, SKIP, SKIP, SKIP } },
	{ "default", ZONE, 5, BOTH, "a.", 0, { SKIP, SKIP, SKIP, SKIP } },
	{ "default", ZONE, 5, BOTH, "a.", 1, { SKIP } },
	{ "default", ZONE, 5, BOTH, N254, 1, { SKIP } },
};

static void check_cand_row(size_t i, const struct cand_row *r, int resolver, size_t *failures)
{
	const struct cip__dns_search s = { r->ns, r->zone, r->ndots, resolver };
	size_t len = strlen(r->name);
	char *name = ct_dup(r->name, len);
	unsigned k;

	for (k = 0; r->want[k]; k++) {
		char out[CIP__DNS_NAME_CAP + 8];
		size_t out_len = 777;
		int rc;

		ct_fill(out, sizeof out);
		rc = cip__dns_candidate(&s, name, len, r->absolute, k, out, CIP__DNS_NAME_CAP,
					&out_len);
		if (strcmp(r->want[k], SKIP) == 0) {
			CHECK(*failures, rc == CIP_ENAME && ct_untouched(out, sizeof out),
			      "row %zu resolver %d index %u: rc %d, want CIP_ENAME\n", i, resolver,
			      k, rc);
			continue;
		}
		CHECK(*failures, rc == 0, "row %zu resolver %d index %u: rc %d\n", i, resolver, k,
		      rc);
		if (rc)
			continue;
		CHECK(*failures,
		      out_len == strlen(r->want[k]) && memcmp(out, r->want[k], out_len + 1) == 0,
		      "row %zu resolver %d index %u: got \"%s\", want \"%s\"\n", i, resolver, k,
		      out, r->want[k]);
	}
	const unsigned past[] = { k, k + 1, k + 2, UINT_MAX };
	for (size_t p = 0; p < ARRAY_LEN(past); p++) {
		char out[4];
		size_t out_len = 777;
		int rc = cip__dns_candidate(&s, name, len, r->absolute, past[p], out, sizeof out,
					    &out_len);

		CHECK(*failures, rc == CIP_ENOTFOUND && out_len == 777,
		      "row %zu resolver %d index %u: rc %d, want CIP_ENOTFOUND\n", i, resolver,
		      past[p], rc);
	}
	free(name);
}

static void test_candidate_table(void **state)
{
	(void)state;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(cand_rows); i++) {
		const struct cand_row *r = &cand_rows[i];

		if (r->resolver == BOTH || r->resolver == CIP__DNS_GLIBC)
			check_cand_row(i, r, CIP__DNS_GLIBC, &failures);
		if (r->resolver == BOTH || r->resolver == CIP__DNS_MUSL)
			check_cand_row(i, r, CIP__DNS_MUSL, &failures);
	}
	CHECK_DONE(failures);
}

/* Configurations that are not a valid search list. */
static const struct cip__dns_search bad_search_rows[] = {
	{ NULL, ZONE, 5, CIP__DNS_GLIBC },
	{ "default", NULL, 5, CIP__DNS_GLIBC },
	{ "", ZONE, 5, CIP__DNS_GLIBC },
	{ "a.b", ZONE, 5, CIP__DNS_GLIBC },
	{ "default.", ZONE, 5, CIP__DNS_GLIBC },
	{ "de fault", ZONE, 5, CIP__DNS_GLIBC },
	{ L64, ZONE, 5, CIP__DNS_GLIBC },
	{ "default", "", 5, CIP__DNS_GLIBC },
	{ "default", ".", 5, CIP__DNS_GLIBC },
	{ "default", "cluster..local", 5, CIP__DNS_GLIBC },
	{ "default", ".cluster.local", 5, CIP__DNS_GLIBC },
	{ "default", "cluster local", 5, CIP__DNS_GLIBC },
	{ "default", N254, 5, CIP__DNS_GLIBC },
	{ "default", "a." L64, 5, CIP__DNS_GLIBC },
	{ "default", ZONE, 5, 2 },
	{ "default", ZONE, 5, -1 },
};

static void test_candidate_errors(void **state)
{
	(void)state;
	const struct cip__dns_search s = { "default", ZONE, 5, CIP__DNS_GLIBC };
	char out[CIP__DNS_NAME_CAP];
	size_t out_len = 777;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(bad_search_rows); i++) {
		int rc = cip__dns_candidate(&bad_search_rows[i], "web", 3, 0, 0, out, sizeof out,
					    &out_len);

		CHECK(failures, rc == CIP_EINVAL, "bad search row %zu: rc %d\n", i, rc);
	}
	/* The longest valid zone and namespace are accepted. */
	const struct cip__dns_search big = { L63, N253, 5, CIP__DNS_GLIBC };
	CHECK(failures, cip__dns_candidate(&big, "web", 3, 0, 3, out, sizeof out, &out_len) == 0,
	      "longest zone and namespace refused\n");
	CHECK(failures,
	      cip__dns_candidate(&big, "web", 3, 0, 2, out, sizeof out, &out_len) == CIP_ENAME,
	      "web.<253 bytes> is sent\n");
	CHECK_DONE(failures);

	ct_fill(out, sizeof out);
	out_len = 777;
	assert_int_equal(cip__dns_candidate(NULL, "web", 3, 0, 0, out, sizeof out, &out_len),
			 CIP_EINVAL);
	assert_int_equal(cip__dns_candidate(&s, NULL, 3, 0, 0, out, sizeof out, &out_len),
			 CIP_EINVAL);
	assert_int_equal(cip__dns_candidate(&s, "web", 3, 0, 0, NULL, sizeof out, &out_len),
			 CIP_EINVAL);
	assert_int_equal(cip__dns_candidate(&s, "web", 3, 0, 0, out, sizeof out, NULL), CIP_EINVAL);
	assert_true(ct_untouched(out, sizeof out));
	assert_int_equal(out_len, 777);

	/* "web.default.svc.cluster.local" is 29 bytes: it needs 30. */
	assert_int_equal(cip__dns_candidate(&s, "web", 3, 0, 0, out, 29, &out_len), CIP_EBUFSIZE);
	assert_true(ct_untouched(out, sizeof out));
	assert_int_equal(out_len, 777);
	assert_int_equal(cip__dns_candidate(&s, "web", 3, 0, 0, out, 30, &out_len), 0);
	assert_string_equal(out, "web.default.svc.cluster.local");
	assert_int_equal(out_len, 29);
	assert_int_equal(cip__dns_candidate(&s, "web", 3, 0, 3, out, 3, &out_len), CIP_EBUFSIZE);
	assert_int_equal(cip__dns_candidate(&s, "web", 3, 0, 3, out, 4, &out_len), 0);
	assert_string_equal(out, "web");
}

/* ------------------------------------------------------------------ */
/* Classification                                                     */
/* ------------------------------------------------------------------ */

struct class_row {
	const char *name;
	const char *zone; /* NULL: ZONE */
	int kind;
	unsigned depth;
	const char *hostname, *port, *svc, *ns; /* the expected parts; NULL: absent */
	int proto;
	const char *addr; /* PTR: the address, for inet_pton() */
};

#define V6_DB8_1 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"

static const struct class_row class_rows[] = {
	/* Services, endpoints, namespaces. */
	{ .name = "kubernetes.default.svc.cluster.local",
	  .kind = CIP__DNS_SERVICE,
	  .depth = 3,
	  .svc = "kubernetes",
	  .ns = "default" },
	{ .name = "Kubernetes.Default.SVC.Cluster.Local.",
	  .kind = CIP__DNS_SERVICE,
	  .depth = 3,
	  .svc = "Kubernetes",
	  .ns = "Default" },
	{ .name = "kubernetes.default.svc.cluster.local",
	  .zone = "Cluster.Local.",
	  .kind = CIP__DNS_SERVICE,
	  .depth = 3,
	  .svc = "kubernetes",
	  .ns = "default" },
	{ .name = "my-pet.headless.default.svc.cluster.local",
	  .kind = CIP__DNS_ENDPOINT,
	  .depth = 4,
	  .hostname = "my-pet",
	  .svc = "headless",
	  .ns = "default" },
	{ .name = "_tcp.web.prod.svc.cluster.local",
	  .kind = CIP__DNS_ENDPOINT,
	  .depth = 4,
	  .hostname = "_tcp",
	  .svc = "web",
	  .ns = "prod" },
	{ .name = "default.svc.cluster.local.",
	  .kind = CIP__DNS_NAMESPACE,
	  .depth = 2,
	  .ns = "default" },
	{ .name = "dns-version.svc.cluster.local",
	  .kind = CIP__DNS_NAMESPACE,
	  .depth = 2,
	  .ns = "dns-version" },
	{ .name = "a.b.svc.k8s.example.org",
	  .zone = "k8s.example.org",
	  .kind = CIP__DNS_SERVICE,
	  .depth = 3,
	  .svc = "a",
	  .ns = "b" },
	{ .name = "web.prod.svc.local",
	  .zone = "local",
	  .kind = CIP__DNS_SERVICE,
	  .depth = 3,
	  .svc = "web",
	  .ns = "prod" },
	/* SRV. */
	{ .name = "_https._tcp.kubernetes.default.svc.cluster.local",
	  .kind = CIP__DNS_SRV,
	  .depth = 5,
	  .port = "https",
	  .svc = "kubernetes",
	  .ns = "default",
	  .proto = CIP__DNS_PROTO_TCP },
	{ .name = "_DNS._UDP.kube-dns.kube-system.SVC.cluster.local.",
	  .kind = CIP__DNS_SRV,
	  .depth = 5,
	  .port = "DNS",
	  .svc = "kube-dns",
	  .ns = "kube-system",
	  .proto = CIP__DNS_PROTO_UDP },
	{ .name = "_x._sctp.s.n.svc.cluster.local",
	  .kind = CIP__DNS_SRV,
	  .depth = 5,
	  .port = "x",
	  .svc = "s",
	  .ns = "n",
	  .proto = CIP__DNS_PROTO_SCTP },
	{ .name = "__._tcp.s.n.svc.cluster.local",
	  .kind = CIP__DNS_SRV,
	  .depth = 5,
	  .port = "_",
	  .svc = "s",
	  .ns = "n",
	  .proto = CIP__DNS_PROTO_TCP },
	{ .name = "_https._foo.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 5 },
	{ .name = "_https._tc.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 5 },
	{ .name = "_https._tcpx.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 5 },
	{ .name = "_https.tcp.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 5 },
	{ .name = "https._tcp.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 5 },
	{ .name = "_._tcp.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 5 },
	{ .name = "_https._tcp.k.d.cluster.local", .kind = CIP__DNS_OTHER, .depth = 4 },
	{ .name = "a._https._tcp.k.d.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 6 },
	/* Version. */
	{ .name = "dns-version.cluster.local", .kind = CIP__DNS_VERSION, .depth = 1 },
	{ .name = "DNS-Version.Cluster.Local.", .kind = CIP__DNS_VERSION, .depth = 1 },
	{ .name = "dns-version.k8s.example",
	  .zone = "k8s.example",
	  .kind = CIP__DNS_VERSION,
	  .depth = 1 },
	/* Other names in the zone. */
	{ .name = "cluster.local", .kind = CIP__DNS_OTHER, .depth = 0 },
	{ .name = "Cluster.LOCAL.", .kind = CIP__DNS_OTHER, .depth = 0 },
	{ .name = "svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 1 },
	{ .name = "dns-versions.cluster.local", .kind = CIP__DNS_OTHER, .depth = 1 },
	{ .name = "x.dns-version.cluster.local", .kind = CIP__DNS_OTHER, .depth = 2 },
	{ .name = "kubernetes.default.cluster.local", .kind = CIP__DNS_OTHER, .depth = 2 },
	{ .name = "kubernetes.default.svcx.cluster.local", .kind = CIP__DNS_OTHER, .depth = 3 },
	{ .name = "10-0-0-1.default.pod.cluster.local", .kind = CIP__DNS_OTHER, .depth = 3 },
	{ .name = "a.b.c.d.e.svc.cluster.local", .kind = CIP__DNS_OTHER, .depth = 6 },
	{ .name = "1.0.96.10.in-addr.arpa.cluster.local", .kind = CIP__DNS_OTHER, .depth = 6 },
	/* Outside the zone. */
	{ .name = "kubernetes.default.svc.xcluster.local", .kind = CIP__DNS_OUTSIDE },
	{ .name = "xcluster.local", .kind = CIP__DNS_OUTSIDE },
	{ .name = "cluster.local.com", .kind = CIP__DNS_OUTSIDE },
	{ .name = "kubernetes.default.svc.cluster.local.com", .kind = CIP__DNS_OUTSIDE },
	{ .name = "local", .kind = CIP__DNS_OUTSIDE },
	{ .name = "example.com.", .kind = CIP__DNS_OUTSIDE },
	{ .name = "kubernetes.default.svc.cluster.local",
	  .zone = "k8s.example",
	  .kind = CIP__DNS_OUTSIDE },
	{ .name = "arpa", .kind = CIP__DNS_OUTSIDE },
	{ .name = "1.0.96.10.xin-addr.arpa", .kind = CIP__DNS_OUTSIDE },
	{ .name = "1.0.96.10.in-addr.arpax", .kind = CIP__DNS_OUTSIDE },
	{ .name = V6_DB8_1 ".xip6.arpa", .kind = CIP__DNS_OUTSIDE },
	/* IPv4 reverse names. */
	{ .name = "1.0.96.10.in-addr.arpa",
	  .kind = CIP__DNS_PTR_V4,
	  .depth = 4,
	  .addr = "10.96.0.1" },
	{ .name = "1.0.96.10.IN-ADDR.ARPA.",
	  .kind = CIP__DNS_PTR_V4,
	  .depth = 4,
	  .addr = "10.96.0.1" },
	{ .name = "0.0.0.0.in-addr.arpa", .kind = CIP__DNS_PTR_V4, .depth = 4, .addr = "0.0.0.0" },
	{ .name = "255.255.255.255.in-addr.arpa",
	  .kind = CIP__DNS_PTR_V4,
	  .depth = 4,
	  .addr = "255.255.255.255" },
	{ .name = "4.3.2.1.in-addr.arpa", .kind = CIP__DNS_PTR_V4, .depth = 4, .addr = "1.2.3.4" },
	{ .name = "199.100.10.0.in-addr.arpa",
	  .kind = CIP__DNS_PTR_V4,
	  .depth = 4,
	  .addr = "0.10.100.199" },
	{ .name = "256.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "1.0.96.300.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "1000.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "01.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "00.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "1.0.96.010.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "0001.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	/* 2^32 + 1: a number that wraps to 1 in 32 bits. */
	{ .name = "4294967297.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "a.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "-1.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "1_.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = "1.1.0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 5 },
	{ .name = "0.96.10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 3 },
	{ .name = "10.in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 1 },
	{ .name = "in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 0 },
	{ .name = "IN-ADDR.ARPA.", .kind = CIP__DNS_REVERSE_OTHER, .depth = 0 },
	/* IPv6 reverse names. */
	{ .name = V6_DB8_1 ".ip6.arpa",
	  .kind = CIP__DNS_PTR_V6,
	  .depth = 32,
	  .addr = "2001:db8::1" },
	{ .name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
	  .kind = CIP__DNS_PTR_V6,
	  .depth = 32,
	  .addr = "2001:db8::1" },
	{ .name = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
	  .kind = CIP__DNS_PTR_V6,
	  .depth = 32,
	  .addr = "::" },
	{ .name = "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.ip6.arpa",
	  .kind = CIP__DNS_PTR_V6,
	  .depth = 32,
	  .addr = "0123:4567:89ab:cdef:0123:4567:89ab:cdef" },
	{ .name = "4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
	  .kind = CIP__DNS_PTR_V6,
	  .depth = 32,
	  .addr = "::ffff:1.2.3.4" },
	{ .name = "0." V6_DB8_1 ".ip6.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 33 },
	{ .name = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  .kind = CIP__DNS_REVERSE_OTHER,
	  .depth = 31 },
	{ .name = "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  .kind = CIP__DNS_REVERSE_OTHER,
	  .depth = 32 },
	/* 31 labels in the 63 bytes of 32 labels: two labels of two digits,
	 * or one of three, whose bytes at even offsets are all hex digits. */
	{ .name = "10.20.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  .kind = CIP__DNS_REVERSE_OTHER,
	  .depth = 31 },
	{ .name = "100.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  .kind = CIP__DNS_REVERSE_OTHER,
	  .depth = 31 },
	{ .name = "g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  .kind = CIP__DNS_REVERSE_OTHER,
	  .depth = 32 },
	{ .name = "_.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  .kind = CIP__DNS_REVERSE_OTHER,
	  .depth = 32 },
	{ .name = "8.b.d.0.1.0.0.2.ip6.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 8 },
	{ .name = "ip6.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 0 },
	{ .name = "1.0.96.10.ip6.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 4 },
	{ .name = V6_DB8_1 ".in-addr.arpa", .kind = CIP__DNS_REVERSE_OTHER, .depth = 32 },
};

/* Whether slice @p s of name[0..len) is @p want (NULL: absent, {0, 0}). */
static int slice_is(const char *name, size_t len, struct cip__dns_slice s, const char *want)
{
	if (!want)
		return s.off == 0 && s.len == 0;
	return s.len == strlen(want) && s.off + s.len <= len &&
	       memcmp(name + s.off, want, s.len) == 0;
}

static void test_classify_table(void **state)
{
	(void)state;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(class_rows); i++) {
		const struct class_row *r = &class_rows[i];
		const char *zone = r->zone ? r->zone : ZONE;
		size_t len = strlen(r->name), zone_len = strlen(zone);
		char *name = ct_dup(r->name, len), *z = ct_dup(zone, zone_len);
		cip_addr want_addr;
		struct cip__dns_query q;
		int rc;

		memset(&want_addr, 0, sizeof want_addr);
		if (r->addr)
			want_addr = ct_addr(r->addr);
		ct_fill(&q, sizeof q);
		rc = cip__dns_classify(name, len, z, zone_len, &q);
		CHECK(failures, rc == 0, "row %zu \"%s\": rc %d\n", i, r->name, rc);
		if (rc == 0) {
			CHECK(failures, q.kind == r->kind && q.depth == r->depth,
			      "row %zu \"%s\": kind %d depth %u, want %d depth %u\n", i, r->name,
			      q.kind, q.depth, r->kind, r->depth);
			CHECK(failures, q.proto == r->proto, "row %zu \"%s\": proto %d, want %d\n",
			      i, r->name, q.proto, r->proto);
			CHECK(failures,
			      slice_is(name, len, q.hostname, r->hostname) &&
				      slice_is(name, len, q.port, r->port) &&
				      slice_is(name, len, q.svc, r->svc) &&
				      slice_is(name, len, q.ns, r->ns),
			      "row %zu \"%s\": parts differ\n", i, r->name);
			CHECK(failures, memcmp(&q.addr, &want_addr, sizeof q.addr) == 0,
			      "row %zu \"%s\": address differs\n", i, r->name);
		}
		free(name);
		free(z);
	}
	CHECK_DONE(failures);
}

struct class_err_row {
	const char *name;
	size_t len;
	const char *zone;
	size_t zone_len;
	int rc;
};

static const struct class_err_row class_err_rows[] = {
	{ S(""), S(ZONE), CIP_ENAME },
	{ S("."), S(ZONE), CIP_ENAME },
	{ S("a..cluster.local"), S(ZONE), CIP_ENAME },
	{ S(".cluster.local"), S(ZONE), CIP_ENAME },
	{ S("web.prod.svc.cluster.local.."), S(ZONE), CIP_ENAME },
	{ S("web.prod.svc.cluster.local\0"), S(ZONE), CIP_ENAME },
	{ S("w b.prod.svc.cluster.local"), S(ZONE), CIP_ENAME },
	{ S(L64 ".prod.svc.cluster.local"), S(ZONE), CIP_ENAME },
	{ S(N254), S(ZONE), CIP_ENAME },
	{ S("1.0.96.10.in-addr.arpa\x80"), S(ZONE), CIP_ENAME },
	{ S("web.prod.svc.cluster.local"), S(""), CIP_EINVAL },
	{ S("web.prod.svc.cluster.local"), S("."), CIP_EINVAL },
	{ S("web.prod.svc.cluster.local"), S("cluster..local"), CIP_EINVAL },
	{ S("web.prod.svc.cluster.local"), S("cluster.local\0"), CIP_EINVAL },
	{ S("web.prod.svc.cluster.local"), S(N254), CIP_EINVAL },
	/* A bad zone is reported first. */
	{ S("a..b"), S("a..b"), CIP_EINVAL },
};

static void test_classify_errors(void **state)
{
	(void)state;
	struct cip__dns_query q;
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(class_err_rows); i++) {
		const struct class_err_row *r = &class_err_rows[i];
		char *name = ct_dup(r->name, r->len), *zone = ct_dup(r->zone, r->zone_len);
		int rc;

		ct_fill(&q, sizeof q);
		rc = cip__dns_classify(name, r->len, zone, r->zone_len, &q);
		CHECK(failures, rc == r->rc && ct_untouched(&q, sizeof q),
		      "error row %zu: rc %d, want %d\n", i, rc, r->rc);
		free(name);
		free(zone);
	}
	CHECK_DONE(failures);

	ct_fill(&q, sizeof q);
	assert_int_equal(cip__dns_classify(NULL, 3, S(ZONE), &q), CIP_EINVAL);
	assert_int_equal(cip__dns_classify(NULL, 0, S(ZONE), &q), CIP_EINVAL);
	assert_int_equal(cip__dns_classify("web", 3, NULL, 13, &q), CIP_EINVAL);
	assert_int_equal(cip__dns_classify("web", 3, S(ZONE), NULL), CIP_EINVAL);
	assert_true(ct_untouched(&q, sizeof q));

	/* The lengths bound the name and zone. */
	assert_int_equal(cip__dns_classify("web.prod.svc.cluster.localXYZ", 26,
					   "cluster.local.junk", 13, &q),
			 0);
	assert_int_equal(q.kind, CIP__DNS_SERVICE);
}

/* ------------------------------------------------------------------ */
/* Reverse names round-trip with cip_addr_reverse_name()              */
/* ------------------------------------------------------------------ */

#define ROUNDTRIP_ADDRS 4096

static void roundtrip_one(const cip_addr *a, size_t *failures)
{
	int v4 = a->family == CIP_FAMILY_IPV4;
	char shown[96];

	for (unsigned flags = 0; flags <= CIP_NAME_FQDN; flags += CIP_NAME_FQDN) {
		char buf[CIP_REVERSE_NAME_STRLEN], norm[CIP__DNS_NAME_CAP];
		int n = cip_addr_reverse_name(a, flags, buf, sizeof buf);
		size_t norm_len;
		int absolute;

		assert_true(n > 0);
		for (int upper = 0; upper <= 1; upper++) {
			struct cip__dns_query q;
			char *name;
			int rc;

			memset(&q, 0, sizeof q);
			for (int k = 0; upper && k < n; k++)
				if (buf[k] >= 'a' && buf[k] <= 'z')
					buf[k] = (char)(buf[k] - 'a' + 'A');
			name = ct_dup(buf, (size_t)n);
			rc = cip__dns_classify(name, (size_t)n, S(ZONE), &q);
			CHECK(*failures,
			      rc == 0 && q.kind == (v4 ? CIP__DNS_PTR_V4 : CIP__DNS_PTR_V6) &&
				      q.depth == (v4 ? 4u : 32u) &&
				      memcmp(&q.addr, a, sizeof *a) == 0,
			      "%s (\"%.*s\"): rc %d kind %d depth %u\n", ct_show(a, shown), n, buf,
			      rc, q.kind, q.depth);
			/* Normalising gives back the library's own (lower-case) name. */
			rc = cip__dns_normalize(name, (size_t)n, norm, sizeof norm, &norm_len,
						&absolute);
			CHECK(*failures,
			      rc == 0 && absolute == (flags == CIP_NAME_FQDN) &&
				      norm_len == (size_t)n - (size_t)absolute,
			      "%s: normalize rc %d\n", ct_show(a, shown), rc);
			free(name);
		}
		/* buf is upper case now; the library's text is lower case. */
		n = cip_addr_reverse_name(a, 0, buf, sizeof buf);
		CHECK(*failures, memcmp(norm, buf, (size_t)n + 1) == 0, "%s: \"%s\" vs \"%s\"\n",
		      ct_show(a, shown), norm, buf);
	}
}

static void test_reverse_roundtrip(void **state)
{
	(void)state;
	static const char *const fixed[] = {
		"0.0.0.0",
		"255.255.255.255",
		"10.96.0.1",
		"1.2.3.4",
		"100.10.1.0",
		"::",
		"::1",
		"2001:db8::1",
		"fd00::a",
		"::ffff:10.0.0.1",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	uint64_t seed = 0x646e736e616d65; /* fixed: a failure reproduces */
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
		cip_addr a = ct_addr(fixed[i]);

		roundtrip_one(&a, &failures);
	}
	for (int i = 0; i < ROUNDTRIP_ADDRS; i++) {
		uint8_t b[16];
		uint64_t hi = cip__splitmix64(&seed), lo = cip__splitmix64(&seed);
		cip_addr a;

		for (int k = 0; k < 8; k++) {
			b[k] = (uint8_t)(hi >> (56 - 8 * k));
			b[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
		}
		a = ct_addr_bytes(CIP_FAMILY_IPV4, b);
		roundtrip_one(&a, &failures);
		a = ct_addr_bytes(CIP_FAMILY_IPV6, b);
		roundtrip_one(&a, &failures);
	}
	CHECK_DONE(failures);
}

/* ------------------------------------------------------------------ */
/* Resolving as a pod does                                            */
/* ------------------------------------------------------------------ */

/* The services that exist in the scenario below. */
static const char *const services[][2] = {
	{ "my-service", "default" },
	{ "my-service", "other-ns" },
	{ "kubernetes", "default" },
};

static int service_exists(const char *name, const struct cip__dns_query *q)
{
	for (size_t i = 0; i < ARRAY_LEN(services); i++)
		if (slice_is(name, strlen(name), q->svc, services[i][0]) &&
		    slice_is(name, strlen(name), q->ns, services[i][1]))
			return 1;
	return 0;
}

/*
 * Follows the candidates of @p name until one is an existing service;
 * returns its index (-1 for none) and the name in @p found.
 */
static int resolve(const struct cip__dns_search *s, const char *name, char *found)
{
	size_t len = strlen(name), out_len;
	int absolute = len > 0 && name[len - 1] == '.';
	char out[CIP__DNS_NAME_CAP];
	int rc;

	len -= (size_t)absolute;
	for (unsigned i = 0; (rc = cip__dns_candidate(s, name, len, absolute, i, out, sizeof out,
						      &out_len)) != CIP_ENOTFOUND;
	     i++) {
		struct cip__dns_query q;

		/* The list is short, and a regression must fail, not spin. */
		assert_true(i < CIP__DNS_CANDIDATES_MAX);
		if (rc == CIP_ENAME)
			continue;
		assert_int_equal(rc, 0);
		assert_int_equal(cip__dns_classify(out, out_len, S(ZONE), &q), 0);
		if (q.kind == CIP__DNS_SERVICE && service_exists(out, &q)) {
			strcpy(found, out);
			return (int)i;
		}
	}
	return -1;
}

static void test_resolve_scenario(void **state)
{
	(void)state;
	static const struct {
		const char *ns;
		int resolver;
		const char *name;
		int index;
		const char *found;
	} rows[] = {
		{ "default", CIP__DNS_GLIBC, "my-service", 0,
		  "my-service.default.svc.cluster.local" },
		{ "other-ns", CIP__DNS_MUSL, "my-service", 0,
		  "my-service.other-ns.svc.cluster.local" },
		{ "default", CIP__DNS_GLIBC, "my-service.other-ns", 1,
		  "my-service.other-ns.svc.cluster.local" },
		{ "default", CIP__DNS_MUSL, "My-Service.Other-NS.svc", 2,
		  "my-service.other-ns.svc.cluster.local" },
		{ "default", CIP__DNS_GLIBC, "kubernetes.default.svc.cluster.local", 3,
		  "kubernetes.default.svc.cluster.local" },
		{ "default", CIP__DNS_GLIBC, "kubernetes.default.svc.cluster.local.", 0,
		  "kubernetes.default.svc.cluster.local" },
		{ "kube-system", CIP__DNS_GLIBC, "kubernetes", -1, NULL },
		{ "kube-system", CIP__DNS_GLIBC, "kubernetes.default", 1,
		  "kubernetes.default.svc.cluster.local" },
		{ "default", CIP__DNS_GLIBC, "my-service..other-ns", -1, NULL },
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		const struct cip__dns_search s = { rows[i].ns, ZONE, CIP__DNS_NDOTS_DEFAULT,
						   rows[i].resolver };
		char found[CIP__DNS_NAME_CAP] = "";
		int index = resolve(&s, rows[i].name, found);

		if (index != rows[i].index)
			fail_msg("row %zu \"%s\": index %d, want %d", i, rows[i].name, index,
				 rows[i].index);
		if (rows[i].found)
			assert_string_equal(found, rows[i].found);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_lengths),
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_every_byte),
		cmocka_unit_test(test_normalize_buffer_and_args),
		cmocka_unit_test(test_candidate_table),
		cmocka_unit_test(test_candidate_errors),
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_classify_errors),
		cmocka_unit_test(test_reverse_roundtrip),
		cmocka_unit_test(test_resolve_scenario),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

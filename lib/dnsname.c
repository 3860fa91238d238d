/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DNS query names of Kubernetes service discovery: checking, the names a
 * pod's resolver tries, and classification. See dnsname.h for the rules.
 *
 * Bytes are read as ASCII only: lower() and label_byte() stand in for
 * tolower() and isalnum(), whose answers depend on the locale. Every
 * function checks everything before it writes anything, so a failed call
 * leaves its outputs as they were.
 */
#include <stdint.h>
#include <string.h>

#include "dnsname.h"

#define REVERSE_V4 "in-addr.arpa"
#define REVERSE_V6 "ip6.arpa"

/* Length of a string literal. */
#define LIT_LEN(lit) (sizeof(lit) - 1)

/* The three search suffixes are made of the parts "<ns>", "svc", "<zone>":
 * suffix i is parts i..2 joined with dots, so the longest comes first, as
 * in the kubelet's search line. */
#define NSUFFIX 3

static inline unsigned lower(unsigned char c)
{
	return (unsigned)c - 'A' < 26 ? (unsigned)c + ('a' - 'A') : c;
}

/* A byte allowed in a label: a letter, a digit, '-' or '_'. */
static inline int label_byte(unsigned char c)
{
	return lower(c) - 'a' < 26 || (unsigned)c - '0' < 10 || c == '-' || c == '_';
}

/* The value of a hex digit in either case, or -1. */
static inline int hex_value(unsigned char c)
{
	unsigned d = (unsigned)c - '0', l = lower(c) - 'a';

	return d < 10 ? (int)d : l < 6 ? (int)l + 10 : -1;
}

/* Whether a[0..n) and b[0..n) are equal, ignoring ASCII case. */
static int equal_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static void copy_lower(char *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)lower((unsigned char)s[i]);
}

/* The length of a NUL-terminated string, counted only up to max + 1, so
 * that an overlong one is seen as such without reading all of it. */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n])
		n++;
	return n;
}

/*
 * Checks name[0..len) as a name with an optional trailing dot; on success
 * *bare is its length without the dot and *absolute whether it had one.
 * @return 0 or CIP_ENAME.
 */
static int check_name(const char *name, size_t len, size_t *bare, int *absolute)
{
	int abs = len > 0 && name[len - 1] == '.';
	size_t label = 0;

	len -= (size_t)abs;
	if (len == 0 || len > CIP__DNS_NAME_MAX)
		return CIP_ENAME;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return CIP_ENAME;
			label = 0;
		} else if (!label_byte(c) || ++label > CIP__DNS_LABEL_MAX) {
			return CIP_ENAME;
		}
	}
	/* An empty last label: "a.." had its one allowed trailing dot removed. */
	if (label == 0)
		return CIP_ENAME;
	*bare = len;
	*absolute = abs;
	return 0;
}

int cip__dns_normalize(const char *name, size_t len, char *out, size_t cap, size_t *out_len,
		       int *absolute)
{
	size_t n;
	int abs, rc;

	if (!name || !out || !out_len || !absolute)
		return CIP_EINVAL;
	rc = check_name(name, len, &n, &abs);
	if (rc)
		return rc;
	if (cap < n + 1)
		return CIP_EBUFSIZE;
	copy_lower(out, name, n);
	out[n] = '\0';
	*out_len = n;
	*absolute = abs;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Search list                                                        */
/* ------------------------------------------------------------------ */

/* A pod's search list, checked: the parts of the suffixes. */
struct search_list {
	const char *part[NSUFFIX];
	size_t len[NSUFFIX];
};

/* Checks @p s and fills @p l. @return 0 or CIP_EINVAL. */
static int search_list(const struct cip__dns_search *s, struct search_list *l)
{
	size_t ns_len, zone_len, n;
	int abs;

	if (!s->ns || !s->zone)
		return CIP_EINVAL;
	if (s->resolver != CIP__DNS_GLIBC && s->resolver != CIP__DNS_MUSL)
		return CIP_EINVAL;
	/* The namespace is one label: no dot, not even a trailing one. */
	ns_len = bounded_len(s->ns, CIP__DNS_LABEL_MAX);
	if (check_name(s->ns, ns_len, &n, &abs) || memchr(s->ns, '.', ns_len))
		return CIP_EINVAL;
	zone_len = bounded_len(s->zone, CIP__DNS_NAME_MAX + 1);
	if (check_name(s->zone, zone_len, &zone_len, &abs))
		return CIP_EINVAL;
	l->part[0] = s->ns;
	l->len[0] = ns_len;
	l->part[1] = "svc";
	l->len[1] = LIT_LEN("svc");
	l->part[2] = s->zone;
	l->len[2] = zone_len;
	return 0;
}

/* The length suffix @p i adds to a name, its joining dot included. */
static size_t suffix_len(const struct search_list *l, int i)
{
	size_t n = 0;

	for (int k = i; k < NSUFFIX; k++)
		n += 1 + l->len[k];
	return n;
}

/* What a candidate is: the name as it is, search suffix 0..NSUFFIX-1, or
 * nothing (past the last candidate). */
#define AS_IS (-1)
#define NONE (-2)

/* The @p index-th step of the search of a name with @p dots dots. */
static int search_step(unsigned index, int absolute, size_t dots, unsigned ndots, int resolver)
{
	if (ndots > CIP__DNS_NDOTS_MAX)
		ndots = CIP__DNS_NDOTS_MAX;
	/* An absolute name, or musl with enough dots: the name alone. */
	if (absolute || (dots >= ndots && resolver == CIP__DNS_MUSL))
		return index == 0 ? AS_IS : NONE;
	if (dots >= ndots)
		return index == 0 ? AS_IS : index <= NSUFFIX ? (int)index - 1 : NONE;
	return index < NSUFFIX ? (int)index : index == NSUFFIX ? AS_IS : NONE;
}

/*
 * Whether the resolver sends @p name with suffix @p step: never when the
 * result is too long; with glibc, not after such a name either, since the
 * failed query ends its search list.
 */
static int suffix_sent(const struct search_list *l, size_t len, int step, int resolver)
{
	for (int k = resolver == CIP__DNS_GLIBC ? 0 : step; k <= step; k++)
		if (len + suffix_len(l, k) > CIP__DNS_NAME_MAX)
			return 0;
	return 1;
}

int cip__dns_candidate(const struct cip__dns_search *s, const char *name, size_t len, int absolute,
		       unsigned index, char *out, size_t cap, size_t *out_len)
{
	struct search_list l;
	size_t n, dots = 0, total, p;
	int abs, step, rc;

	if (!s || !name || !out || !out_len)
		return CIP_EINVAL;
	rc = search_list(s, &l);
	if (rc)
		return rc;
	for (size_t i = 0; i < len; i++)
		dots += name[i] == '.';
	/* Past the end first, even for an invalid name, so that a caller's
	 * loop that skips CIP_ENAME always ends. */
	step = search_step(index, absolute, dots, s->ndots, s->resolver);
	if (step == NONE)
		return CIP_ENOTFOUND;
	/* The dot that makes a name absolute is @p absolute, not part of it. */
	if (check_name(name, len, &n, &abs) || abs)
		return CIP_ENAME;
	if (step != AS_IS && !suffix_sent(&l, len, step, s->resolver))
		return CIP_ENAME;
	total = step == AS_IS ? len : len + suffix_len(&l, step);
	if (cap < total + 1)
		return CIP_EBUFSIZE;
	copy_lower(out, name, len);
	p = len;
	for (int k = step == AS_IS ? NSUFFIX : step; k < NSUFFIX; k++) {
		out[p++] = '.';
		copy_lower(out + p, l.part[k], l.len[k]);
		p += l.len[k];
	}
	out[p] = '\0';
	*out_len = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Classification                                                     */
/* ------------------------------------------------------------------ */

/*
 * Whether name[0..len) is @p zone or under it. On success *prefix is the
 * length of what stands in front of ".<zone>": 0 for the zone itself (a
 * real prefix is never empty, labels are not).
 */
static int under(const char *name, size_t len, const char *zone, size_t zone_len, size_t *prefix)
{
	if (len == zone_len && equal_nocase(name, zone, len)) {
		*prefix = 0;
		return 1;
	}
	/* The dot in front keeps "xcluster.local" out of "cluster.local". */
	if (len > zone_len + 1 && name[len - zone_len - 1] == '.' &&
	    equal_nocase(name + len - zone_len, zone, zone_len)) {
		*prefix = len - zone_len - 1;
		return 1;
	}
	return 0;
}

/* Splits the checked name s[0..len) into labels; writes the first @p max
 * and returns how many there are (0 when len is 0). */
static unsigned split(const char *s, size_t len, struct cip__dns_slice *out, unsigned max)
{
	unsigned count = 0;
	size_t start = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (count < max) {
			out[count].off = start;
			out[count].len = i - start;
		}
		count++;
		start = i + 1;
	}
	return count;
}

/* Whether label @p l of @p name is @p lit, ignoring case. */
static int label_is(const char *name, struct cip__dns_slice l, const char *lit)
{
	size_t n = strlen(lit);

	return l.len == n && equal_nocase(name + l.off, lit, n);
}

/* The protocol of an SRV name's second label, or CIP__DNS_PROTO_NONE. */
static int srv_proto(const char *name, struct cip__dns_slice l)
{
	if (label_is(name, l, "_tcp"))
		return CIP__DNS_PROTO_TCP;
	if (label_is(name, l, "_udp"))
		return CIP__DNS_PROTO_UDP;
	if (label_is(name, l, "_sctp"))
		return CIP__DNS_PROTO_SCTP;
	return CIP__DNS_PROTO_NONE;
}

/*
 * The address of the labels in front of in-addr.arpa: exactly four
 * decimal labels 0..255 without leading zeros, least significant first.
 * @return 1 with *a set, or 0.
 */
static int reverse_v4(const char *s, size_t len, cip_addr *a)
{
	struct cip__dns_slice l[4];
	uint8_t b[4];

	if (split(s, len, l, 4) != 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		const char *d = s + l[i].off;
		unsigned v = 0;

		/* Three digits at most, so v cannot overflow before the check. */
		if (l[i].len > 3 || (d[0] == '0' && l[i].len > 1))
			return 0;
		for (size_t k = 0; k < l[i].len; k++) {
			unsigned digit = (unsigned)(unsigned char)d[k] - '0';

			if (digit > 9)
				return 0;
			v = v * 10 + digit;
		}
		if (v > 255)
			return 0;
		b[i] = (uint8_t)v;
	}
	memset(a, 0, sizeof *a);
	a->family = CIP_FAMILY_IPV4;
	for (int i = 0; i < 4; i++)
		a->bytes[15 - i] = b[i];
	return 1;
}

/*
 * The address of the labels in front of ip6.arpa: exactly 32 labels of one
 * hex digit, the least significant nibble first; that is 63 bytes with hex
 * digits at the even offsets and dots at the odd ones.
 * @return 1 with *a set, or 0.
 */
static int reverse_v6(const char *s, size_t len, cip_addr *a)
{
	uint8_t b[16] = { 0 };

	if (len != 63)
		return 0;
	for (int i = 0; i < 32; i++) {
		int v = hex_value((unsigned char)s[2 * i]);

		if (v < 0 || (i < 31 && s[2 * i + 1] != '.'))
			return 0;
		b[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
	}
	memset(a, 0, sizeof *a);
	a->family = CIP_FAMILY_IPV6;
	memcpy(a->bytes, b, sizeof b);
	return 1;
}

/* Classifies a reverse name into @p q. @return 1 if the name is at or
 * under in-addr.arpa or ip6.arpa, else 0 (q untouched). */
static int classify_reverse(const char *name, size_t len, struct cip__dns_query *q)
{
	size_t prefix;

	if (under(name, len, REVERSE_V4, LIT_LEN(REVERSE_V4), &prefix)) {
		q->kind = reverse_v4(name, prefix, &q->addr) ? CIP__DNS_PTR_V4
							     : CIP__DNS_REVERSE_OTHER;
	} else if (under(name, len, REVERSE_V6, LIT_LEN(REVERSE_V6), &prefix)) {
		q->kind = reverse_v6(name, prefix, &q->addr) ? CIP__DNS_PTR_V6
							     : CIP__DNS_REVERSE_OTHER;
	} else {
		return 0;
	}
	q->depth = split(name, prefix, NULL, 0);
	return 1;
}

/* The kind of a name of 2..5 labels in front of the zone, the last "svc". */
static const int kind_at_depth[6] = {
	[2] = CIP__DNS_NAMESPACE,
	[3] = CIP__DNS_SERVICE,
	[4] = CIP__DNS_ENDPOINT,
	[5] = CIP__DNS_SRV,
};

/* Classifies a name that is not a reverse name into @p q. */
static void classify_zone(const char *name, size_t len, const char *zone, size_t zone_len,
			  struct cip__dns_query *q)
{
	struct cip__dns_slice l[5];
	size_t prefix;
	unsigned depth;

	if (!under(name, len, zone, zone_len, &prefix)) {
		q->kind = CIP__DNS_OUTSIDE;
		return;
	}
	depth = split(name, prefix, l, 5);
	q->kind = CIP__DNS_OTHER;
	q->depth = depth;
	if (depth == 1 && label_is(name, l[0], "dns-version")) {
		q->kind = CIP__DNS_VERSION;
		return;
	}
	/* Every other record of the schema is under svc.<zone>. */
	if (depth < 2 || depth > 5 || !label_is(name, l[depth - 1], "svc"))
		return;
	/* From here the labels are read from the right: l[depth - 2] is the
	 * namespace, l[depth - 3] the service. */
	if (depth == 5) {
		int proto = srv_proto(name, l[1]);

		if (proto == CIP__DNS_PROTO_NONE || name[l[0].off] != '_' || l[0].len < 2)
			return;
		q->proto = proto;
		q->port.off = l[0].off + 1;
		q->port.len = l[0].len - 1;
	}
	if (depth == 4)
		q->hostname = l[0];
	q->ns = l[depth - 2];
	if (depth >= 3)
		q->svc = l[depth - 3];
	q->kind = kind_at_depth[depth];
}

int cip__dns_classify(const char *name, size_t len, const char *zone, size_t zone_len,
		      struct cip__dns_query *q)
{
	struct cip__dns_query r;
	size_t n, zn;
	int abs, rc;

	if (!name || !zone || !q)
		return CIP_EINVAL;
	if (check_name(zone, zone_len, &zn, &abs))
		return CIP_EINVAL;
	rc = check_name(name, len, &n, &abs);
	if (rc)
		return rc;
	memset(&r, 0, sizeof r);
	if (!classify_reverse(name, n, &r))
		classify_zone(name, n, zone, zn, &r);
	*q = r;
	return 0;
}

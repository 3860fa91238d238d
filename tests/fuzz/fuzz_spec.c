/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service, pod and endpoint spec validation. Input: one mode byte; mode 0
 * is followed by a text, any other mode by up to MAX_OPS spec operations
 * on a fresh table (a dual-stack pool and node ports).
 *
 * Mode 0, the name rules of lib/validate.h against reference definitions
 * written here from the Kubernetes regular expressions and limits
 * (DNS-1035 label, DNS-1123 label and subdomain, IANA port name,
 * qualified name, label value). Checked for each rule:
 * - the same verdict as the reference;
 * - the reason is one the rule documents, and its offset is where the doc
 *   says: for a bad byte, every byte before it can still start a valid
 *   text and that byte cannot; TOO_LONG at the limit of its part; BAD_END
 *   at the last byte of a label; EMPTY_LABEL at a '.'; and so on;
 * - a NULL offset pointer gives the same reason, success leaves *offset
 *   alone, a NULL text is CIP__VALID_NULL.
 *
 * Other modes, specs decoded from the input (names from the input or from
 * pools of valid, nearly valid and limit-length texts; raw enum values,
 * ports, node ports, ClusterIPs, selectors, up to and past
 * CIP_TABLE_MAX_PORTS and CIP_TABLE_MAX_LABELS) and applied with
 * cip_table_service_create(), _update(), cip_table_pod_apply() and
 * cip_table_endpoints_set(). Checked:
 * - CIP_ESPEC exactly when the reference finds the spec invalid (every
 *   field the table validates, counts over their limits included, and on
 *   update the fields that cannot change);
 * - on failure: the cip_spec_error has code == rc, a field the reference
 *   found wrong (for CIP_ESPEC), an index and text offset in range, and a
 *   non-empty NUL-terminated message; nothing changed (table generation,
 *   pool and node-port used counts, the service as cip_table_service_get()
 *   copies it);
 * - on success: cip_table_service_get() reflects the spec with the
 *   documented defaults (type, policies, affinity timeout, protocols,
 *   target ports, ClusterIPs by ipFamilyPolicy, node ports by type);
 * - after every operation the pool and cip_ports hold exactly the
 *   ClusterIPs and node ports of the table's services.
 *
 * Bounds: texts up to 330 bytes, at most MAX_OPS operations per input,
 * ports and selector terms up to 257 and 65, pods up to 4 labels and ports.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdbool.h>

#include "fuzz.h"
#include "validate.h"

#define MAX_OPS 6
#define TEXT_CAP 330
#define SENTINEL_OFFSET ((size_t)0x5eed5eed)

/* ------------------------------------------------------------------ */
/* Reference definitions of the name rules                            */
/* ------------------------------------------------------------------ */

static bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

static bool is_ldh(unsigned char c)
{
	return is_lower(c) || is_digit(c) || c == '-';
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? (RFC 1123), or [a-z]([-a-z0-9]*[a-z0-9])?
 * (RFC 1035), of 1..max bytes. */
static bool ref_label(const char *s, size_t n, size_t max, bool letter_first)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n == 0 || n > max) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_ldh(u[i])) {
			return false;
		}
	}
	if (letter_first ? !is_lower(u[0]) : u[0] == '-') {
		return false;
	}
	return u[n - 1] != '-';
}

/* DNS-1123 labels (no length limit of their own) joined by single dots:
 * the subdomain pattern alone, whatever the length. */
static bool ref_subdomain_pattern(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0) {
		return false;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!ref_label(s + start, i - start, SIZE_MAX, false)) {
				return false;
			}
			start = i + 1;
		}
	}
	return true;
}

/* A DNS-1123 subdomain: the pattern, at most 253 bytes. */
static bool ref_subdomain(const char *s, size_t n)
{
	return n <= CIP__VALID_SUBDOMAIN_MAX && ref_subdomain_pattern(s, n);
}

/* IANA service name: 1..15 of [-a-z0-9], a letter, no "--", no '-' at
 * either end. */
static bool ref_port_name(const char *s, size_t n)
{
	bool letter = false;

	if (n == 0 || n > CIP__VALID_PORT_NAME_MAX || s[0] == '-' || s[n - 1] == '-') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_ldh(c) || (c == '-' && s[i - 1] == '-')) {
			return false;
		}
		letter |= is_lower(c);
	}
	return letter;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], 1..63 bytes. */
static bool ref_name_part(const char *s, size_t n)
{
	if (n == 0 || n > CIP__VALID_LABEL_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
			return false;
		}
	}
	return is_alnum((unsigned char)s[0]) && is_alnum((unsigned char)s[n - 1]);
}

static bool ref_label_value(const char *s, size_t n)
{
	return n == 0 || ref_name_part(s, n);
}

/* [prefix/]name: a non-empty DNS-1123 subdomain prefix and a name part. */
static bool ref_qualified(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	size_t p;

	if (!slash) {
		return ref_name_part(s, n);
	}
	p = (size_t)(slash - s);
	if (memchr(slash + 1, '/', n - p - 1)) {
		return false;
	}
	return ref_subdomain(s, p) && ref_name_part(slash + 1, n - p - 1);
}

/* ------------------------------------------------------------------ */
/* Mode 0: the checkers against the reference                         */
/* ------------------------------------------------------------------ */

enum rule { R_DNS1035, R_DNS1123, R_SUBDOMAIN, R_PORT_NAME, R_LABEL_KEY, R_LABEL_VALUE, R_N };

typedef int (*checker_fn)(const char *s, size_t len, size_t *offset);

struct rule_def {
	checker_fn check;
	bool (*ref)(const char *s, size_t n);
	unsigned reasons; /* the reasons the rule documents, a bit each */
};

static bool ref_dns1035(const char *s, size_t n)
{
	return ref_label(s, n, CIP__VALID_LABEL_MAX, true);
}

static bool ref_dns1123(const char *s, size_t n)
{
	return ref_label(s, n, CIP__VALID_LABEL_MAX, false);
}

#define B(r) (1u << (r))
static const struct rule_def rules[R_N] = {
	[R_DNS1035] = { cip__valid_dns1035_label, ref_dns1035,
			B(CIP__VALID_NULL) | B(CIP__VALID_EMPTY) | B(CIP__VALID_TOO_LONG) |
				B(CIP__VALID_BAD_CHAR) | B(CIP__VALID_START_NOT_LETTER) |
				B(CIP__VALID_BAD_END) },
	[R_DNS1123] = { cip__valid_dns1123_label, ref_dns1123,
			B(CIP__VALID_NULL) | B(CIP__VALID_EMPTY) | B(CIP__VALID_TOO_LONG) |
				B(CIP__VALID_BAD_CHAR) | B(CIP__VALID_BAD_START) |
				B(CIP__VALID_BAD_END) | B(CIP__VALID_DOT) },
	[R_SUBDOMAIN] = { cip__valid_dns1123_subdomain, ref_subdomain,
			  B(CIP__VALID_NULL) | B(CIP__VALID_EMPTY) | B(CIP__VALID_TOO_LONG) |
				  B(CIP__VALID_BAD_CHAR) | B(CIP__VALID_BAD_START) |
				  B(CIP__VALID_BAD_END) | B(CIP__VALID_EMPTY_LABEL) },
	[R_PORT_NAME] = { cip__valid_port_name, ref_port_name,
			  B(CIP__VALID_NULL) | B(CIP__VALID_EMPTY) | B(CIP__VALID_TOO_LONG) |
				  B(CIP__VALID_BAD_CHAR) | B(CIP__VALID_BAD_START) |
				  B(CIP__VALID_BAD_END) | B(CIP__VALID_DOUBLE_HYPHEN) |
				  B(CIP__VALID_NO_LETTER) },
	[R_LABEL_KEY] = { cip__valid_label_key, ref_qualified,
			  B(CIP__VALID_NULL) | B(CIP__VALID_EMPTY) | B(CIP__VALID_EXTRA_SLASH) |
				  B(CIP__VALID_EMPTY_PREFIX) | B(CIP__VALID_PREFIX_TOO_LONG) |
				  B(CIP__VALID_BAD_PREFIX) | B(CIP__VALID_EMPTY_NAME) |
				  B(CIP__VALID_TOO_LONG) | B(CIP__VALID_BAD_NAME_CHAR) |
				  B(CIP__VALID_BAD_START) | B(CIP__VALID_BAD_END) },
	[R_LABEL_VALUE] = { cip__valid_label_value, ref_label_value,
			    B(CIP__VALID_NULL) | B(CIP__VALID_TOO_LONG) |
				    B(CIP__VALID_BAD_NAME_CHAR) | B(CIP__VALID_BAD_START) |
				    B(CIP__VALID_BAD_END) },
};
#undef B

/*
 * Whether the first @p k bytes of @p s can start a valid text of @p rule:
 * some completion makes it valid. "" and "a" complete every rule's texts
 * ("a" mends a '-', '.', '_' or '/' at the end and a name without a
 * letter); a label key may also need "/a" or "a/a" (a long or dotted text
 * that can only be a prefix).
 */
static bool viable(int rule, const char *s, size_t k)
{
	static const char *const completions[] = { "", "a", "/a", "a/a" };
	size_t ncompletions = rule == R_LABEL_KEY ? 4 : 2;
	char buf[TEXT_CAP + 8];

	memcpy(buf, s, k);
	for (size_t i = 0; i < ncompletions; i++) {
		size_t c = strlen(completions[i]);

		memcpy(buf + k, completions[i], c);
		if (rules[rule].ref(buf, k + c)) {
			return true;
		}
	}
	return false;
}

/* Where the part of @p s that offset @p o is in starts: after the '/' of a
 * label key, else 0. */
static size_t part_start(int rule, const char *s, size_t n, size_t o)
{
	const char *slash = rule == R_LABEL_KEY ? memchr(s, '/', n) : NULL;

	return slash && (size_t)(slash - s) < o ? (size_t)(slash - s) + 1 : 0;
}

static size_t limit_of(int rule)
{
	switch (rule) {
	case R_SUBDOMAIN:
		return CIP__VALID_SUBDOMAIN_MAX;
	case R_PORT_NAME:
		return CIP__VALID_PORT_NAME_MAX;
	default:
		return CIP__VALID_LABEL_MAX;
	}
}

/* The first byte at fault: everything before it can start a valid text,
 * and with it no valid text can start. */
static bool first_bad_byte(int rule, const char *s, size_t n, size_t o)
{
	return o < n && viable(rule, s, o) && !viable(rule, s, o + 1);
}

static bool offset_ok(int rule, const char *s, size_t n, int r, size_t o);

/* BAD_PREFIX: the prefix's own subdomain problem, at the same byte. */
static bool bad_prefix_ok(const char *s, size_t n, size_t o)
{
	const char *slash = memchr(s, '/', n);
	size_t p = slash ? (size_t)(slash - s) : n, o2 = SENTINEL_OFFSET;
	int r2;

	if (!slash || o >= p) {
		return false;
	}
	r2 = cip__valid_dns1123_subdomain(s, p, &o2);
	return r2 != 0 && r2 != CIP__VALID_TOO_LONG && o2 == o &&
	       offset_ok(R_SUBDOMAIN, s, p, r2, o2) && viable(R_LABEL_KEY, s, o);
}

static bool offset_ok(int rule, const char *s, size_t n, int r, size_t o)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = part_start(rule, s, n, o);

	switch (r) {
	case CIP__VALID_EMPTY:
		return n == 0 && o == 0;
	case CIP__VALID_NO_LETTER:
		return o == 0 && n > 0;
	case CIP__VALID_TOO_LONG:
		return o == start + limit_of(rule) && o < n;
	case CIP__VALID_PREFIX_TOO_LONG:
		return o == CIP__VALID_SUBDOMAIN_MAX && o < n && !memchr(s, '/', o);
	case CIP__VALID_EMPTY_NAME:
		return o == n && n > 0 && s[n - 1] == '/';
	case CIP__VALID_EMPTY_PREFIX:
		return o == 0 && n > 0 && s[0] == '/';
	case CIP__VALID_EXTRA_SLASH: {
		const char *first = memchr(s, '/', n);

		return o < n && s[o] == '/' && first && (size_t)(first - s) < o &&
		       !memchr(first + 1, '/', o - (size_t)(first - s) - 1);
	}
	case CIP__VALID_BAD_PREFIX:
		return bad_prefix_ok(s, n, o);
	case CIP__VALID_BAD_END:
		/* The last byte of a label or part, not alphanumeric. */
		return o < n && !is_alnum(u[o]) && viable(rule, s, o) &&
		       (o + 1 == n || (rule == R_SUBDOMAIN && s[o + 1] == '.'));
	case CIP__VALID_EMPTY_LABEL:
		return o < n && s[o] == '.' && (o == 0 || s[o - 1] == '.' || o == n - 1) &&
		       viable(rule, s, o);
	case CIP__VALID_DOT:
		return o < n && s[o] == '.' && !memchr(s, '.', o) && ref_subdomain_pattern(s, n) &&
		       viable(rule, s, o);
	case CIP__VALID_START_NOT_LETTER:
		return o == 0 && first_bad_byte(rule, s, n, o);
	case CIP__VALID_BAD_START:
		return (o == start || (rule == R_SUBDOMAIN && o > 0 && s[o - 1] == '.')) &&
		       first_bad_byte(rule, s, n, o);
	case CIP__VALID_DOUBLE_HYPHEN:
		return o > 0 && s[o] == '-' && s[o - 1] == '-' && first_bad_byte(rule, s, n, o);
	case CIP__VALID_BAD_CHAR:
		return !is_ldh(u[o]) && first_bad_byte(rule, s, n, o);
	case CIP__VALID_BAD_NAME_CHAR:
		return first_bad_byte(rule, s, n, o);
	default:
		return false;
	}
}

static void check_rule(int rule, const char *s, size_t n)
{
	const struct rule_def *d = &rules[rule];
	size_t o = SENTINEL_OFFSET, o2 = SENTINEL_OFFSET;
	int r = d->check(s, n, &o);

	FUZZ_CHECK((r == 0) == d->ref(s, n));
	FUZZ_CHECK(d->check(s, n, NULL) == r);
	if (r == 0) {
		FUZZ_CHECK(o == SENTINEL_OFFSET);
		return;
	}
	FUZZ_CHECK(r > 0 && r < CIP__VALID_NREASONS && (d->reasons & (1u << r)));
	FUZZ_CHECK(strlen(cip__valid_reason_text(r)) > 0);
	FUZZ_CHECK(offset_ok(rule, s, n, r, o));
	/* A DNS-1123 label that matches the subdomain pattern (whatever its
	 * length, as in Kubernetes) says "must not contain dots", unless its
	 * first label is already too long. */
	if (rule == R_DNS1123 && ref_subdomain_pattern(s, n) && memchr(s, '.', n)) {
		const char *dot = memchr(s, '.', n);

		if ((size_t)(dot - s) < CIP__VALID_LABEL_MAX) {
			FUZZ_CHECK(r == CIP__VALID_DOT);
		}
	}
	FUZZ_CHECK(d->check(NULL, n, &o2) == CIP__VALID_NULL && o2 == 0);
}

static void check_validators(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size);

	for (int rule = 0; rule < R_N; rule++) {
		check_rule(rule, text, size);
	}
	FUZZ_CHECK(cip__valid_port_number(size) ==
		   (size >= 1 && size <= 65535 ? 0 : CIP__VALID_OUT_OF_RANGE));
	free(text);
}

/* ------------------------------------------------------------------ */
/* Texts for the specs                                                */
/* ------------------------------------------------------------------ */

/* Long texts at and past the limits, built once. */
static char label63[64], label64[65], upper63[64], sub253[254], sub254[255];
static char key253[256], key254[257], name64key[70];

static void build_long_texts(void)
{
	memset(label63, 'a', 63);
	memset(label64, 'b', 64);
	memset(upper63, 'Z', 63);
	/* 253 bytes: four labels of 62 and three dots, then one more byte. */
	for (size_t i = 0; i < 253; i++) {
		sub253[i] = i % 63 == 62 ? '.' : 'c';
	}
	memcpy(sub254, sub253, 253);
	sub254[253] = 'd';
	memcpy(key253, sub253, 253);
	memcpy(key253 + 253, "/k", 2);
	memcpy(key254, sub254, 254);
	memcpy(key254 + 254, "/k", 2);
	memcpy(name64key, "x/", 2);
	memset(name64key + 2, 'N', 64);
}

/* Valid texts, texts a byte away from valid, and limits; NULL and "". */
static const char *const dns_pool[] = { "default", "kube-system", "web",   "a",	   "a1",  "z-9",
					"1a",	   "-a",	  "a-",	   "A",	   "a.b", "a_b",
					"",	   NULL,	  label63, label64 };
static const char *const subdomain_pool[] = { "node-a",
					      "db.example.com",
					      "db.example.com.",
					      "a..b",
					      "A.com",
					      ".",
					      "a.",
					      "-a.b",
					      sub253,
					      sub254,
					      "",
					      NULL };
static const char *const port_name_pool[] = {
	"http", "web-port", "8080", "a--b", "-a", "toolongportname", "toolongportname1",
	"HTTP", "",	    NULL
};
static const char *const key_pool[] = { "app",	  "tier",  "example.com/app",
					"a/b/c",  "/a",	   "a/",
					"App",	  "a_b.c", "-x",
					"x-",	  key253,  key254,
					"",	  NULL,	   upper63,
					name64key };
static const char *const value_pool[] = { "web", "",	  "-x",	   "x-",    "A.b_c",
					  "a b", label63, label64, upper63, NULL };

/* Room for the texts of one operation. */
struct texts {
	char buf[48][TEXT_CAP + 1];
	size_t used;
};

/*
 * A text: one selector byte picks a pool entry, a text from the input
 * (length-prefixed), a pool entry with one byte replaced, or NULL.
 */
static const char *pick_text(struct fuzz_in *in, const char *const *pool, size_t npool,
			     struct texts *tx)
{
	unsigned sel = fuzz_u8(in);
	char *buf;

	if (sel < npool) {
		return pool[sel];
	}
	if (sel >= 0xf8 || tx->used == sizeof(tx->buf) / sizeof(tx->buf[0])) {
		return NULL;
	}
	buf = tx->buf[tx->used++];
	if (sel < 0x80) {
		fuzz_str(in, buf, TEXT_CAP + 1);
		return buf;
	}
	const char *base = pool[sel % npool] ? pool[sel % npool] : "x";
	size_t len = strlen(base);

	memcpy(buf, base, len + 1);
	if (len) {
		buf[fuzz_u8(in) % len] = (char)fuzz_u8(in);
	}
	return buf;
}

#define PICK(in, pool, tx) pick_text(in, pool, sizeof(pool) / sizeof(pool[0]), tx)

static size_t text_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Optional texts: NULL or "" is fine, anything else follows @p ok. */
static bool opt_ok(const char *s, bool (*ok)(const char *, size_t))
{
	return !s || !*s || ok(s, strlen(s));
}

static bool req_ok(const char *s, bool (*ok)(const char *, size_t))
{
	return s && *s && ok(s, strlen(s));
}

static cip_addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	cip_addr x;

	memset(&x, 0, sizeof(x));
	x.family = CIP_FAMILY_IPV4;
	x.bytes[12] = a;
	x.bytes[13] = b;
	x.bytes[14] = c;
	x.bytes[15] = d;
	return x;
}

static cip_addr ip6(uint16_t last)
{
	static const uint8_t fd00_10_96[6] = { 0xfd, 0x00, 0x00, 0x10, 0x00, 0x96 };
	cip_addr x;

	memset(&x, 0, sizeof(x));
	x.family = CIP_FAMILY_IPV6;
	memcpy(x.bytes, fd00_10_96, sizeof(fd00_10_96));
	x.bytes[14] = (uint8_t)(last >> 8);
	x.bytes[15] = (uint8_t)last;
	return x;
}

/* An address: in the pool's ranges or not, valid or not. */
static cip_addr pick_addr(struct fuzz_in *in)
{
	unsigned sel = fuzz_u8(in);
	cip_addr a;

	switch (sel % 8) {
	case 0:
		return ip4(10, 96, 0, (uint8_t)(10 + sel / 8 % 4));
	case 1:
		return ip6((uint16_t)(0x10 + sel / 8 % 4));
	case 2:
		return ip4(10, 96, 1, fuzz_u8(in));
	case 3:
		return ip4(192, 168, 0, 1);
	case 4:
		return ip4(10, 244, 0, (uint8_t)(1 + sel / 8 % 8));
	case 5:
		a = ip6(fuzz_u16(in));
		a.bytes[1] = (uint8_t)(sel / 8); /* sometimes outside fd00:10:96:: */
		return a;
	case 6:
		/* Invalid: a family that is neither, reserved bytes, a v4 with
		 * high bytes. */
		a = ip4(10, 96, 0, 12);
		if (sel & 0x08) {
			a.family = (uint8_t)(sel >> 4);
		} else if (sel & 0x10) {
			a.reserved[sel % 3] = 1;
		} else {
			a.bytes[0] = 1;
		}
		return a;
	default:
		memset(&a, 0, sizeof(a));
		a.family = (uint8_t)(sel >> 6 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4);
		fuzz_bytes(in, a.bytes, sizeof(a.bytes));
		if (a.family == CIP_FAMILY_IPV4) {
			memset(a.bytes, 0, 12);
		}
		return a;
	}
}

static bool addr_ok(const cip_addr *a)
{
	static const uint8_t zero[12];

	if (a->reserved[0] | a->reserved[1] | a->reserved[2]) {
		return false;
	}
	return a->family == CIP_FAMILY_IPV6 ||
	       (a->family == CIP_FAMILY_IPV4 && memcmp(a->bytes, zero, 12) == 0);
}

/* A small signed value around a valid enum range [0, hi]. */
static int pick_enum(struct fuzz_in *in, int hi)
{
	uint8_t b = fuzz_u8(in);

	if (b >= 0xf0) {
		return (int)(int8_t)fuzz_u8(in) * 1000003;
	}
	return (int)(b % (unsigned)(hi + 3)) - 1;
}

/* ------------------------------------------------------------------ */
/* Specs                                                              */
/* ------------------------------------------------------------------ */

#define MANY 257
/* Ports and selector terms taken from the input; past them, generated
 * ones are valid and distinct (so that counts at the limits are cheap). */
#define DECODED 4

struct svc_in {
	cip_service_spec s;
	cip_service_port ports[MANY];
	cip_label sel[CIP_TABLE_MAX_LABELS + 1];
	cip_addr ips[3];
	char names[MANY][24];
	char sel_names[CIP_TABLE_MAX_LABELS + 1][24];
};

/* nports, or a count at the limit: a few up to 256 and 257 beyond. */
static size_t pick_count(struct fuzz_in *in, size_t limit, size_t few)
{
	uint8_t b = fuzz_u8(in);

	if (b >= 0xf8) {
		return limit - 1 + b % 3;
	}
	return b % (few + 1);
}

static void decode_ports(struct fuzz_in *in, struct svc_in *v, struct texts *tx)
{
	static const char *const tpn_pool[] = { "http", "metrics", "8080", "a--b",
						"",	NULL,	   "-a",   "Web" };
	static const uint16_t port_pool[] = { 80, 443, 53, 0, 8080, 65535 };
	static const uint16_t node_pool[] = { 0, 30001, 30002, 30000, 32767, 29999, 0, 0 };
	size_t n = pick_count(in, CIP_TABLE_MAX_PORTS, 4);

	v->s.nports = n;
	v->s.ports = v->ports;
	for (size_t i = 0; i < n; i++) {
		cip_service_port *p = &v->ports[i];

		if (i >= DECODED) {
			/* Past the ones the input describes: distinct and valid. */
			snprintf(v->names[i], sizeof(v->names[i]), "p%zu", i);
			*p = (cip_service_port){ v->names[i], CIP_PROTO_TCP, (uint16_t)(1000 + i),
						 0,	      NULL,	     0 };
			continue;
		}
		uint8_t flags = fuzz_u8(in);

		p->name = PICK(in, dns_pool, tx);
		p->protocol = flags & 0x80 ? pick_enum(in, 3) : (int)(flags & 3);
		p->port = flags & 0x40 ? fuzz_u16(in) : port_pool[fuzz_u8(in) % 6];
		p->target_port = flags & 0x20 ? fuzz_u16(in) : 0;
		p->target_port_name = flags & 0x10 ? PICK(in, tpn_pool, tx) : NULL;
		p->node_port = flags & 0x08 ? node_pool[fuzz_u8(in) % 8] : 0;
	}
}

static void decode_selector(struct fuzz_in *in, cip_label *sel, size_t *n, char (*names)[24],
			    struct texts *tx)
{
	*n = pick_count(in, CIP_TABLE_MAX_LABELS, 3);
	for (size_t i = 0; i < *n; i++) {
		if (i >= DECODED) {
			snprintf(names[i], sizeof(names[i]), "k%zu", i);
			sel[i] = (cip_label){ names[i], "v" };
			continue;
		}
		sel[i].key = PICK(in, key_pool, tx);
		sel[i].value = PICK(in, value_pool, tx);
	}
}

static void decode_service(struct fuzz_in *in, struct svc_in *v, struct texts *tx)
{
	static const char *const ext_pool[] = { "db.example.com",
						"db.example.com.",
						"a..b",
						"",
						NULL,
						"A.com",
						sub253,
						sub254,
						".",
						"a." };
	static const uint32_t timeout_pool[] = { 0, 1, 10800, 86400, 86401, 0 };
	uint8_t flags;

	cip_service_spec_init(&v->s, sizeof(v->s));
	v->s.ns = PICK(in, dns_pool, tx);
	v->s.name = PICK(in, dns_pool, tx);
	v->s.type = pick_enum(in, 4);
	flags = fuzz_u8(in);
	v->s.headless = flags & 1;
	v->s.publish_not_ready_addresses = (flags >> 1) & 1;
	decode_ports(in, v, tx);
	if (flags & 4) {
		decode_selector(in, v->sel, &v->s.nselector, v->sel_names, tx);
		v->s.selector = v->sel;
	}
	v->s.ncluster_ips = (flags >> 3) & 3;
	for (size_t i = 0; i < v->s.ncluster_ips; i++) {
		v->ips[i] = pick_addr(in);
	}
	v->s.cluster_ips = v->s.ncluster_ips ? v->ips : NULL;
	v->s.ip_family_policy = pick_enum(in, 3);
	v->s.session_affinity = pick_enum(in, 2);
	v->s.affinity_timeout = flags & 0x20 ? fuzz_u32(in) : timeout_pool[fuzz_u8(in) % 6];
	v->s.internal_traffic_policy = pick_enum(in, 2);
	v->s.traffic_distribution = pick_enum(in, 2);
	v->s.lb_policy = pick_enum(in, 5);
	if (flags & 0x40) {
		v->s.external_name = PICK(in, ext_pool, tx);
	}
}

/* What the reference finds wrong: a bit per enum cip_spec_field (a count
 * over its limit included: the spec is invalid, as the API says "Too
 * many"). */
struct verdict {
	uint64_t bad;
};

static void mark(struct verdict *v, int field)
{
	v->bad |= UINT64_C(1) << field;
}

static int proto_of(int protocol)
{
	return protocol ? protocol : CIP_PROTO_TCP;
}

static void ref_labels(const cip_label *l, size_t n, int field, struct verdict *v)
{
	if (n > CIP_TABLE_MAX_LABELS) {
		mark(v, field);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!req_ok(l[i].key, ref_qualified) || !l[i].value ||
		    !ref_label_value(l[i].value, strlen(l[i].value))) {
			mark(v, field);
		}
		/* Past the first DECODED terms, keys are distinct by
		 * construction: only the decoded ones can repeat. */
		for (size_t j = 0; j < i && j < DECODED && l[i].key; j++) {
			if (l[j].key && strcmp(l[i].key, l[j].key) == 0) {
				mark(v, field);
			}
		}
	}
}

static bool same_name(const char *a, const char *b)
{
	return a && b && *a && strcmp(a, b) == 0;
}

static void ref_service_ports(const cip_service_spec *s, struct verdict *v)
{
	bool node_ports_ok =
		s->type == CIP_SERVICE_NODE_PORT || s->type == CIP_SERVICE_LOAD_BALANCER;

	if (s->nports > CIP_TABLE_MAX_PORTS) {
		mark(v, CIP_FIELD_PORTS);
		return;
	}
	if (s->nports == 0 && !s->headless && s->type != CIP_SERVICE_EXTERNAL_NAME) {
		mark(v, CIP_FIELD_PORTS);
	}
	for (size_t i = 0; i < s->nports; i++) {
		const cip_service_port *p = &s->ports[i];

		if ((s->nports > 1 && !text_len(p->name)) || !opt_ok(p->name, ref_dns1123)) {
			mark(v, CIP_FIELD_PORT_NAME);
		}
		if (proto_of(p->protocol) < CIP_PROTO_TCP ||
		    proto_of(p->protocol) > CIP_PROTO_SCTP) {
			mark(v, CIP_FIELD_PORT_PROTOCOL);
		}
		if (p->port == 0) {
			mark(v, CIP_FIELD_PORT);
		}
		if (text_len(p->target_port_name) &&
		    (p->target_port ||
		     !ref_port_name(p->target_port_name, strlen(p->target_port_name)))) {
			mark(v, CIP_FIELD_TARGET_PORT);
		}
		if (p->node_port && !node_ports_ok) {
			mark(v, CIP_FIELD_NODE_PORT);
		}
		for (size_t j = 0; j < i && j < DECODED; j++) {
			const cip_service_port *q = &s->ports[j];

			if (same_name(p->name, q->name)) {
				mark(v, CIP_FIELD_PORT_NAME);
			}
			if (proto_of(p->protocol) != proto_of(q->protocol)) {
				continue;
			}
			if (p->port == q->port) {
				mark(v, CIP_FIELD_PORT);
			}
			if (p->node_port && p->node_port == q->node_port) {
				mark(v, CIP_FIELD_NODE_PORT);
			}
		}
	}
}

static void ref_cluster_ips(const cip_service_spec *s, struct verdict *v)
{
	size_t n = s->ncluster_ips;

	if (n > 2 || (s->type == CIP_SERVICE_EXTERNAL_NAME && (n || s->headless)) ||
	    (s->headless && n) ||
	    (s->headless && s->type != 0 && s->type != CIP_SERVICE_CLUSTER_IP) ||
	    (n == 2 && s->cluster_ips[0].family == s->cluster_ips[1].family)) {
		mark(v, CIP_FIELD_CLUSTER_IPS);
	}
	for (size_t i = 0; i < n && i < 3; i++) {
		if (!addr_ok(&s->cluster_ips[i])) {
			mark(v, CIP_FIELD_CLUSTER_IPS);
		}
	}
}

static bool ref_external_name(const char *e)
{
	size_t n = text_len(e);

	if (n > 1 && e[n - 1] == '.') {
		n--;
	}
	return n && ref_subdomain(e, n);
}

static struct verdict ref_service(const cip_service_spec *s)
{
	struct verdict v = { 0 };

	if (!req_ok(s->ns, ref_dns1123)) {
		mark(&v, CIP_FIELD_NAMESPACE);
	}
	if (!req_ok(s->name, ref_dns1035)) {
		mark(&v, CIP_FIELD_NAME);
	}
	if (s->type < 0 || s->type > CIP_SERVICE_EXTERNAL_NAME) {
		mark(&v, CIP_FIELD_TYPE);
	}
	ref_cluster_ips(s, &v);
	ref_service_ports(s, &v);
	ref_labels(s->selector, s->nselector, CIP_FIELD_SELECTOR, &v);
	if (s->ip_family_policy < 0 || s->ip_family_policy > CIP_REQUIRE_DUAL_STACK ||
	    (s->type == CIP_SERVICE_EXTERNAL_NAME && s->ip_family_policy) ||
	    (s->ncluster_ips == 2 && s->ip_family_policy == CIP_SINGLE_STACK)) {
		mark(&v, CIP_FIELD_IP_FAMILY_POLICY);
	}
	if (s->session_affinity < 0 || s->session_affinity > CIP_AFFINITY_CLIENT_IP) {
		mark(&v, CIP_FIELD_SESSION_AFFINITY);
	}
	if ((s->session_affinity != CIP_AFFINITY_CLIENT_IP && s->affinity_timeout) ||
	    s->affinity_timeout > CIP_AFFINITY_TIMEOUT_MAX) {
		mark(&v, CIP_FIELD_AFFINITY_TIMEOUT);
	}
	if (s->internal_traffic_policy < 0 || s->internal_traffic_policy > CIP_TRAFFIC_LOCAL) {
		mark(&v, CIP_FIELD_TRAFFIC_POLICY);
	}
	if (s->traffic_distribution < 0 || s->traffic_distribution > CIP_DISTRIBUTION_SAME_NODE) {
		mark(&v, CIP_FIELD_TRAFFIC_DISTRIBUTION);
	}
	if (s->lb_policy < CIP_LB_DEFAULT || s->lb_policy > CIP_LB_WEIGHTED_ROUND_ROBIN) {
		mark(&v, CIP_FIELD_LB_POLICY);
	}
	if (s->type == CIP_SERVICE_EXTERNAL_NAME && !ref_external_name(s->external_name)) {
		mark(&v, CIP_FIELD_EXTERNAL_NAME);
	}
	return v;
}

/* The policy a service gets: the spec's, else kept from @p old on update,
 * else RequireDualStack for two ClusterIPs and SingleStack otherwise. */
static int effective_policy(const cip_service_spec *s, const cip_service_info *old)
{
	if (s->ip_family_policy || s->type == CIP_SERVICE_EXTERNAL_NAME) {
		return s->ip_family_policy;
	}
	if (old && old->ip_family_policy) {
		return old->ip_family_policy;
	}
	return s->ncluster_ips == 2 ? CIP_REQUIRE_DUAL_STACK : CIP_SINGLE_STACK;
}

/* Update: what may not change (the API's immutable fields). */
static void ref_update(const cip_service_spec *s, const cip_service_info *old, struct verdict *v)
{
	if (!!s->headless != old->headless) {
		mark(v, CIP_FIELD_CLUSTER_IPS);
		return;
	}
	if (s->headless || s->type == CIP_SERVICE_EXTERNAL_NAME || old->ncluster_ips == 0) {
		return;
	}
	for (size_t i = 0; i < s->ncluster_ips && i < old->ncluster_ips; i++) {
		if (memcmp(&s->cluster_ips[i], &old->cluster_ips[i], sizeof(cip_addr)) != 0) {
			mark(v, CIP_FIELD_CLUSTER_IPS);
			return;
		}
	}
	if (effective_policy(s, old) == CIP_SINGLE_STACK && s->ncluster_ips == 2) {
		mark(v, CIP_FIELD_IP_FAMILY_POLICY);
	}
}

/* ------------------------------------------------------------------ */
/* Pods and endpoints                                                 */
/* ------------------------------------------------------------------ */

struct pod_in {
	cip_pod_spec s;
	cip_addr ips[3];
	cip_label labels[CIP_TABLE_MAX_LABELS + 1];
	cip_named_port ports[4];
	char names[CIP_TABLE_MAX_LABELS + 1][24];
};

static void decode_named_ports(struct fuzz_in *in, cip_named_port *p, size_t *n,
			       const char *const *pool, size_t npool, struct texts *tx)
{
	*n = fuzz_u8(in) % 5;
	for (size_t i = 0; i < *n; i++) {
		p[i].name = pick_text(in, pool, npool, tx);
		p[i].protocol = pick_enum(in, 3);
		p[i].port = fuzz_u8(in) & 1 ? fuzz_u16(in) : (uint16_t)(8080 + i);
	}
}

static void decode_pod(struct fuzz_in *in, struct pod_in *v, struct texts *tx)
{
	cip_pod_spec_init(&v->s, sizeof(v->s));
	v->s.ns = PICK(in, dns_pool, tx);
	v->s.name = PICK(in, subdomain_pool, tx);
	v->s.nips = fuzz_u8(in) % 4;
	for (size_t i = 0; i < v->s.nips; i++) {
		v->ips[i] = pick_addr(in);
	}
	v->s.ips = v->s.nips ? v->ips : NULL;
	decode_selector(in, v->labels, &v->s.nlabels, v->names, tx);
	v->s.labels = v->s.nlabels ? v->labels : NULL;
	v->s.node_name = PICK(in, subdomain_pool, tx);
	v->s.zone = PICK(in, value_pool, tx);
	v->s.hostname = PICK(in, dns_pool, tx);
	decode_named_ports(in, v->ports, &v->s.nports, port_name_pool,
			   sizeof(port_name_pool) / sizeof(port_name_pool[0]), tx);
	v->s.ports = v->s.nports ? v->ports : NULL;
	v->s.conditions = fuzz_u8(in) & 0x0f;
	v->s.weight = fuzz_u8(in);
}

static void ref_ips(const cip_addr *ips, size_t n, struct verdict *v)
{
	if (n > 2 || (n == 2 && ips[0].family == ips[1].family)) {
		mark(v, CIP_FIELD_POD_IPS);
	}
	for (size_t i = 0; i < n; i++) {
		if (!addr_ok(&ips[i])) {
			mark(v, CIP_FIELD_POD_IPS);
		}
	}
}

static void ref_named_ports(const cip_named_port *p, size_t n,
			    bool (*name_ok)(const char *, size_t), struct verdict *v)
{
	for (size_t i = 0; i < n; i++) {
		if (!opt_ok(p[i].name, name_ok)) {
			mark(v, CIP_FIELD_PORT_NAME);
		}
		if (proto_of(p[i].protocol) < CIP_PROTO_TCP ||
		    proto_of(p[i].protocol) > CIP_PROTO_SCTP) {
			mark(v, CIP_FIELD_PORT_PROTOCOL);
		}
		if (p[i].port == 0) {
			mark(v, CIP_FIELD_PORT);
		}
		for (size_t j = 0; j < i; j++) {
			if (same_name(p[i].name, p[j].name)) {
				mark(v, CIP_FIELD_PORT_NAME);
			}
		}
	}
}

static struct verdict ref_pod(const cip_pod_spec *s)
{
	struct verdict v = { 0 };

	if (!req_ok(s->ns, ref_dns1123)) {
		mark(&v, CIP_FIELD_NAMESPACE);
	}
	if (!req_ok(s->name, ref_subdomain)) {
		mark(&v, CIP_FIELD_NAME);
	}
	ref_ips(s->ips, s->nips, &v);
	ref_labels(s->labels, s->nlabels, CIP_FIELD_LABELS, &v);
	if (!opt_ok(s->node_name, ref_subdomain)) {
		mark(&v, CIP_FIELD_NODE_NAME);
	}
	if (s->zone && !ref_label_value(s->zone, strlen(s->zone))) {
		mark(&v, CIP_FIELD_ZONE);
	}
	if (!opt_ok(s->hostname, ref_dns1123)) {
		mark(&v, CIP_FIELD_HOSTNAME);
	}
	ref_named_ports(s->ports, s->nports, ref_port_name, &v);
	if (s->conditions & ~(unsigned)(CIP_EP_READY | CIP_EP_SERVING | CIP_EP_TERMINATING)) {
		mark(&v, CIP_FIELD_CONDITIONS);
	}
	return v;
}

struct eps_in {
	cip_endpoint_spec eps[4];
	size_t neps;
	cip_named_port ports[4];
	size_t nports;
};

static void decode_endpoints(struct fuzz_in *in, struct eps_in *v, struct texts *tx)
{
	v->neps = fuzz_u8(in) % 5;
	for (size_t i = 0; i < v->neps; i++) {
		cip_endpoint_spec *e = &v->eps[i];
		uint8_t flags = fuzz_u8(in);

		memset(e, 0, sizeof(*e));
		e->addr = pick_addr(in);
		e->conditions = flags & 0x0f;
		e->node_name = flags & 0x10 ? PICK(in, subdomain_pool, tx) : NULL;
		e->zone = flags & 0x20 ? PICK(in, value_pool, tx) : NULL;
		e->hostname = flags & 0x40 ? PICK(in, dns_pool, tx) : NULL;
		if (flags & 0x80) {
			e->hint_zone = PICK(in, value_pool, tx);
			e->hint_node = PICK(in, subdomain_pool, tx);
			e->weight = fuzz_u8(in);
			e->reserved = fuzz_u8(in) == 0xff;
		}
	}
	decode_named_ports(in, v->ports, &v->nports, dns_pool,
			   sizeof(dns_pool) / sizeof(dns_pool[0]), tx);
}

static struct verdict ref_endpoints(const struct eps_in *v)
{
	struct verdict r = { 0 };

	for (size_t i = 0; i < v->neps; i++) {
		const cip_endpoint_spec *e = &v->eps[i];

		if (!addr_ok(&e->addr)) {
			mark(&r, CIP_FIELD_ENDPOINT_ADDRESS);
		}
		for (size_t j = 0; j < i; j++) {
			if (memcmp(&e->addr, &v->eps[j].addr, sizeof(e->addr)) == 0) {
				mark(&r, CIP_FIELD_ENDPOINT_ADDRESS);
			}
		}
		if (!opt_ok(e->node_name, ref_subdomain) || !opt_ok(e->hint_node, ref_subdomain)) {
			mark(&r, CIP_FIELD_NODE_NAME);
		}
		if (!opt_ok(e->zone, ref_label_value) || !opt_ok(e->hint_zone, ref_label_value)) {
			mark(&r, CIP_FIELD_ZONE);
		}
		if (!opt_ok(e->hostname, ref_dns1123)) {
			mark(&r, CIP_FIELD_HOSTNAME);
		}
		if (e->conditions &
		    ~(unsigned)(CIP_EP_READY | CIP_EP_SERVING | CIP_EP_TERMINATING)) {
			mark(&r, CIP_FIELD_CONDITIONS);
		}
		if (e->reserved) {
			mark(&r, CIP_FIELD_WEIGHT);
		}
	}
	ref_named_ports(v->ports, v->nports, ref_dns1123, &r);
	return r;
}

/* ------------------------------------------------------------------ */
/* The table and what must not change                                 */
/* ------------------------------------------------------------------ */

struct fixture {
	cip_pool *pool;
	cip_ports *ports;
	cip_table *t;
};

static const cip_port_range node_range = { 30000, 2768 };

static void fixture_new(struct fixture *f)
{
	cip_pool_opts po;
	cip_table_opts o;
	cip_prefix p;

	cip_pool_opts_init(&po, sizeof(po));
	po.seed = 1;
	FUZZ_CHECK_RC(cip_pool_new(&f->pool, &po), 0);
	FUZZ_CHECK_RC(cip_prefix_parse(&p, "10.96.0.0/16", 12, 0, NULL), 0);
	FUZZ_CHECK_RC(cip_pool_add(f->pool, &p, NULL), 0);
	FUZZ_CHECK_RC(cip_prefix_parse(&p, "fd00:10:96::/112", 16, 0, NULL), 0);
	FUZZ_CHECK_RC(cip_pool_add(f->pool, &p, NULL), 0);
	FUZZ_CHECK_RC(cip_ports_new(&f->ports, &node_range, NULL), 0);
	cip_table_opts_init(&o, sizeof(o));
	o.pool = f->pool;
	o.node_ports = f->ports;
	o.seed = 1;
	o.maglev_size = 251;
	o.affinity_capacity = 16;
	FUZZ_CHECK_RC(cip_table_new(&f->t, &o), 0);
}

static void fixture_free(struct fixture *f)
{
	cip_table_free(f->t);
	cip_ports_free(f->ports);
	cip_pool_free(f->pool);
}

/* What a failed write must leave as it was. */
struct state {
	uint64_t generation, v4, v6, node_ports;
	int get_rc;
	cip_service_info info;
	cip_service_port_info ports[8];
};

static bool name_arg(const char *s)
{
	return s && *s && strlen(s) < CIP_NAME_CAP;
}

static struct state snapshot(const struct fixture *f, const char *ns, const char *name)
{
	struct state s;

	memset(&s, 0, sizeof(s));
	FUZZ_CHECK_RC(cip_table_generation(f->t, &s.generation), 0);
	FUZZ_CHECK_RC(cip_pool_used(f->pool, CIP_FAMILY_IPV4, &s.v4), 0);
	FUZZ_CHECK_RC(cip_pool_used(f->pool, CIP_FAMILY_IPV6, &s.v6), 0);
	FUZZ_CHECK_RC(cip_ports_used(f->ports, CIP_BAND_ALL, &s.node_ports), 0);
	s.get_rc = name_arg(ns) && name_arg(name)
			   ? cip_table_service_get(f->t, ns, name, &s.info, s.ports, 8)
			   : CIP_EINVAL;
	return s;
}

static void check_unchanged(const struct fixture *f, const struct state *before, const char *ns,
			    const char *name)
{
	struct state now = snapshot(f, ns, name);

	FUZZ_CHECK(now.generation == before->generation);
	FUZZ_CHECK(now.v4 == before->v4 && now.v6 == before->v6);
	FUZZ_CHECK(now.node_ports == before->node_ports);
	FUZZ_CHECK(now.get_rc == before->get_rc);
	FUZZ_CHECK(memcmp(&now.info, &before->info, sizeof(now.info)) == 0);
	FUZZ_CHECK(memcmp(now.ports, before->ports, sizeof(now.ports)) == 0);
}

/* The length of the text a field of the spec holds, for err.offset. */
static size_t err_text_len(const cip_spec_error *e, const cip_service_spec *s)
{
	switch (e->field) {
	case CIP_FIELD_NAMESPACE:
		return text_len(s->ns);
	case CIP_FIELD_NAME:
		return text_len(s->name);
	case CIP_FIELD_EXTERNAL_NAME:
		return text_len(s->external_name);
	case CIP_FIELD_PORT_NAME:
		return e->index < s->nports ? text_len(s->ports[e->index].name) : 0;
	case CIP_FIELD_TARGET_PORT:
		return e->index < s->nports ? text_len(s->ports[e->index].target_port_name) : 0;
	case CIP_FIELD_SELECTOR:
		return e->index < s->nselector ? text_len(s->selector[e->index].key) +
							 text_len(s->selector[e->index].value)
					       : 0;
	default:
		return SIZE_MAX;
	}
}

/* The error of a failed call: filled, and about what was wrong. */
static void check_error(int rc, const cip_spec_error *e, const struct verdict *v, size_t nitems)
{
	size_t mlen = strnlen(e->message, sizeof(e->message));

	FUZZ_CHECK(e->sz == sizeof(*e));
	FUZZ_CHECK(e->code == rc);
	FUZZ_CHECK(mlen > 0 && mlen < sizeof(e->message));
	FUZZ_CHECK(e->field >= CIP_FIELD_NONE && e->field <= CIP_FIELD_WEIGHT);
	if (rc == CIP_ESPEC) {
		FUZZ_CHECK(v->bad & (UINT64_C(1) << e->field));
		FUZZ_CHECK(e->index < nitems || e->index <= 2);
	}
}

static cip_spec_error err_new(void)
{
	cip_spec_error e;

	memset(&e, 0xa5, sizeof(e));
	e.sz = sizeof(e);
	return e;
}

/* CIP_ESPEC exactly when the reference finds something wrong; never
 * CIP_EINVAL, as every pointer the specs hold is valid. */
static void check_verdict(int rc, const struct verdict *v)
{
	if (!v->bad) {
		FUZZ_CHECK(rc != CIP_ESPEC && rc != CIP_EINVAL);
	} else {
		FUZZ_CHECK_RC(rc, CIP_ESPEC);
	}
}

/* ------------------------------------------------------------------ */
/* Success: what service_get shows                                    */
/* ------------------------------------------------------------------ */

static int family_of_other(int family)
{
	return family == CIP_FAMILY_IPV4 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4;
}

static void check_cluster_ips(const cip_service_spec *s, const cip_service_info *i,
			      const cip_service_info *old)
{
	int policy = effective_policy(s, old);
	size_t want;

	if (s->headless || s->type == CIP_SERVICE_EXTERNAL_NAME) {
		FUZZ_CHECK(i->ncluster_ips == 0);
		return;
	}
	/* The pool serves both families: a dual-stack policy gets two. */
	want = policy == CIP_SINGLE_STACK ? 1 : 2;
	FUZZ_CHECK(i->ncluster_ips == want);
	if (old && old->ncluster_ips) {
		FUZZ_CHECK(memcmp(&i->cluster_ips[0], &old->cluster_ips[0], sizeof(cip_addr)) == 0);
	}
	for (size_t k = 0; k < s->ncluster_ips && k < want; k++) {
		FUZZ_CHECK(memcmp(&i->cluster_ips[k], &s->cluster_ips[k], sizeof(cip_addr)) == 0);
	}
	if (s->ncluster_ips == 0 && !(old && old->ncluster_ips)) {
		FUZZ_CHECK(i->cluster_ips[0].family == CIP_FAMILY_IPV4);
	}
	if (want == 2) {
		FUZZ_CHECK(i->cluster_ips[1].family == family_of_other(i->cluster_ips[0].family));
	}
}

static void check_port_info(const cip_service_spec *s, const cip_service_port_info *p, size_t i)
{
	const cip_service_port *q = &s->ports[i];
	bool by_name = text_len(q->target_port_name) > 0;
	bool node_ports = s->type == CIP_SERVICE_NODE_PORT || s->type == CIP_SERVICE_LOAD_BALANCER;

	FUZZ_CHECK(strcmp(p->name, q->name ? q->name : "") == 0);
	FUZZ_CHECK(strcmp(p->target_port_name, by_name ? q->target_port_name : "") == 0);
	FUZZ_CHECK(p->port == q->port && p->protocol == proto_of(q->protocol));
	FUZZ_CHECK(p->target_port == (by_name ? 0 : q->target_port ? q->target_port : q->port));
	FUZZ_CHECK(p->index == i && p->reserved == 0);
	if (!node_ports) {
		FUZZ_CHECK(p->node_port == 0);
	} else if (q->node_port) {
		FUZZ_CHECK(p->node_port == q->node_port);
	} else {
		FUZZ_CHECK(cip_port_range_contains(&node_range, p->node_port) == 1);
	}
}

static void check_service_info(const struct fixture *f, const cip_service_spec *s,
			       const cip_service_info *old)
{
	static cip_service_port_info ports[MANY];
	cip_service_info i;
	int affinity = s->session_affinity ? s->session_affinity : CIP_AFFINITY_NONE;
	size_t ext = text_len(s->external_name);

	FUZZ_CHECK_RC(cip_table_service_get(f->t, s->ns, s->name, &i, ports, MANY), 0);
	FUZZ_CHECK(strcmp(i.ns, s->ns) == 0 && strcmp(i.name, s->name) == 0);
	FUZZ_CHECK(i.type == (s->type ? s->type : CIP_SERVICE_CLUSTER_IP));
	FUZZ_CHECK(i.headless == !!s->headless);
	FUZZ_CHECK(i.has_selector == (s->nselector > 0));
	if (s->type == CIP_SERVICE_EXTERNAL_NAME) {
		if (ext > 1 && s->external_name[ext - 1] == '.') {
			ext--;
		}
		FUZZ_CHECK(strlen(i.external_name) == ext &&
			   memcmp(i.external_name, s->external_name, ext) == 0);
	} else {
		FUZZ_CHECK(i.external_name[0] == '\0');
	}
	FUZZ_CHECK(i.ip_family_policy == effective_policy(s, old));
	FUZZ_CHECK(i.session_affinity == affinity);
	FUZZ_CHECK(i.affinity_timeout ==
		   (affinity == CIP_AFFINITY_CLIENT_IP
			    ? (s->affinity_timeout ? s->affinity_timeout
						   : CIP_AFFINITY_TIMEOUT_DEFAULT)
			    : 0));
	FUZZ_CHECK(i.internal_traffic_policy ==
		   (s->internal_traffic_policy ? s->internal_traffic_policy : CIP_TRAFFIC_CLUSTER));
	FUZZ_CHECK(i.publish_not_ready_addresses == !!s->publish_not_ready_addresses);
	FUZZ_CHECK(i.traffic_distribution == s->traffic_distribution);
	FUZZ_CHECK(i.reserved == 0 && i.nports == s->nports);
	check_cluster_ips(s, &i, old);
	for (size_t k = 0; k < s->nports; k++) {
		check_port_info(s, &ports[k], k);
	}
}

/* ------------------------------------------------------------------ */
/* Allocator accounting                                               */
/* ------------------------------------------------------------------ */

struct held {
	const struct fixture *f;
	uint64_t v4, v6;
	uint8_t node_ports[65536 / 8];
	uint64_t nnode_ports;
};

static int count_held(const cip_service_info *svc, void *ctx)
{
	static cip_service_port_info ports[MANY];
	struct held *h = ctx;
	cip_service_info i;

	for (size_t k = 0; k < svc->ncluster_ips; k++) {
		*(svc->cluster_ips[k].family == CIP_FAMILY_IPV4 ? &h->v4 : &h->v6) += 1;
	}
	FUZZ_CHECK_RC(cip_table_service_get(h->f->t, svc->ns, svc->name, &i, ports, MANY), 0);
	for (size_t k = 0; k < i.nports; k++) {
		uint16_t np = ports[k].node_port;

		if (np && !(h->node_ports[np / 8] & (1u << np % 8))) {
			h->node_ports[np / 8] |= (uint8_t)(1u << np % 8);
			h->nnode_ports++;
		}
	}
	return 0;
}

/* The pool and cip_ports hold exactly what the services hold. */
static void check_accounting(const struct fixture *f)
{
	static struct held h;
	uint64_t v4, v6, np;

	memset(&h, 0, sizeof(h));
	h.f = f;
	FUZZ_CHECK_RC(cip_table_foreach_service(f->t, count_held, &h), 0);
	FUZZ_CHECK_RC(cip_pool_used(f->pool, CIP_FAMILY_IPV4, &v4), 0);
	FUZZ_CHECK_RC(cip_pool_used(f->pool, CIP_FAMILY_IPV6, &v6), 0);
	FUZZ_CHECK_RC(cip_ports_used(f->ports, CIP_BAND_ALL, &np), 0);
	FUZZ_CHECK(v4 == h.v4 && v6 == h.v6);
	FUZZ_CHECK(np == h.nnode_ports);
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static void op_service(struct fixture *f, struct fuzz_in *in, bool update)
{
	static struct svc_in v;
	static struct texts tx;
	cip_service_info old;
	bool had;
	cip_spec_error e = err_new();
	struct verdict ref;
	struct state before;
	int rc;

	tx.used = 0;
	decode_service(in, &v, &tx);
	ref = ref_service(&v.s);
	before = snapshot(f, v.s.ns, v.s.name);
	/* The snapshot holds 8 ports: a larger service is CIP_EBUFSIZE. */
	had = before.get_rc == 0 || before.get_rc == CIP_EBUFSIZE;
	old = before.info;
	if (update && had && !ref.bad) {
		ref_update(&v.s, &old, &ref);
	}
	rc = update ? cip_table_service_update(f->t, &v.s, 1, &e)
		    : cip_table_service_create(f->t, &v.s, 1, &e);
	check_verdict(rc, &ref);
	if (rc != 0) {
		check_error(rc, &e, &ref, v.s.nports > v.s.nselector ? v.s.nports : v.s.nselector);
		if (rc == CIP_ESPEC && e.offset != 0) {
			FUZZ_CHECK(e.offset <= err_text_len(&e, &v.s));
		}
		if (!ref.bad) {
			/* A valid spec fails only by the table's state: the name,
			 * or a requested ClusterIP or node port. */
			FUZZ_CHECK(rc == (update ? CIP_ENOTFOUND : CIP_EEXIST) ||
				   rc == CIP_EALLOCATED || rc == CIP_ERANGE);
			FUZZ_CHECK(rc != CIP_EEXIST || had);
			FUZZ_CHECK(rc != CIP_ENOTFOUND || !had);
		}
		check_unchanged(f, &before, v.s.ns, v.s.name);
		return;
	}
	FUZZ_CHECK(update == had);
	check_service_info(f, &v.s, update ? &old : NULL);
	{
		uint64_t g;

		FUZZ_CHECK_RC(cip_table_generation(f->t, &g), 0);
		FUZZ_CHECK(g > before.generation);
	}
}

static void op_pod(struct fixture *f, struct fuzz_in *in)
{
	static struct pod_in v;
	static struct texts tx;
	cip_spec_error e = err_new();
	struct verdict ref;
	struct state before;
	int rc;

	tx.used = 0;
	decode_pod(in, &v, &tx);
	ref = ref_pod(&v.s);
	before = snapshot(f, NULL, NULL);
	rc = cip_table_pod_apply(f->t, &v.s, &e);
	check_verdict(rc, &ref);
	if (!ref.bad) {
		FUZZ_CHECK_RC(rc, 0);
	}
	if (rc != 0) {
		check_error(rc, &e, &ref, v.s.nlabels > v.s.nports ? v.s.nlabels : v.s.nports);
		check_unchanged(f, &before, NULL, NULL);
		return;
	}
	FUZZ_CHECK(!ref.bad);
}

static void op_endpoints(struct fixture *f, struct fuzz_in *in)
{
	static struct eps_in v;
	static struct texts tx;
	const char *ns, *name;
	cip_service_info info;
	cip_spec_error e = err_new();
	struct verdict ref;
	struct state before;
	int rc, exists;

	tx.used = 0;
	ns = dns_pool[fuzz_u8(in) % 5];
	name = dns_pool[fuzz_u8(in) % 5];
	decode_endpoints(in, &v, &tx);
	ref = ref_endpoints(&v);
	before = snapshot(f, ns, name);
	exists = cip_table_service_get(f->t, ns, name, &info, NULL, 0) == 0;
	rc = cip_table_endpoints_set(f->t, ns, name, v.eps, v.neps, v.ports, v.nports, &e);
	if (ref.bad) {
		FUZZ_CHECK_RC(rc, CIP_ESPEC);
	} else if (!exists) {
		FUZZ_CHECK_RC(rc, CIP_ENOTFOUND);
	} else if (info.has_selector) {
		/* Endpoints of a service with a selector come from its pods. */
		FUZZ_CHECK_RC(rc, CIP_ESPEC);
		mark(&ref, CIP_FIELD_SELECTOR);
	} else {
		FUZZ_CHECK_RC(rc, 0);
	}
	if (rc != 0) {
		check_error(rc, &e, &ref, v.neps > v.nports ? v.neps : v.nports);
		check_unchanged(f, &before, ns, name);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	build_long_texts();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct fuzz_in in;
	struct fixture f;

	if (size < 1 || size > 4096) {
		return 0;
	}
	if (!ready) {
		build_long_texts();
		ready = 1;
	}
	if (data[0] == 0) {
		if (size - 1 <= TEXT_CAP) {
			check_validators(data + 1, size - 1);
		}
		return 0;
	}
	in = fuzz_in(data + 1, size - 1);
	fixture_new(&f);
	for (int op = 0; op < MAX_OPS && in.n; op++) {
		switch (fuzz_u8(&in) % 4) {
		case 0:
			op_service(&f, &in, false);
			break;
		case 1:
			op_service(&f, &in, true);
			break;
		case 2:
			op_pod(&f, &in);
			break;
		default:
			op_endpoints(&f, &in);
			break;
		}
		check_accounting(&f);
	}
	fixture_free(&f);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "addr" group: address parsing and formatting against inet_pton() and
 * inet_ntop(), and prefix parsing against a baseline built from inet_pton()
 * and strtoul() (the C library has no strict CIDR parser).
 *
 * Every set is generated from a fixed seed, so every run measures the same
 * inputs. Before timing, every result is checked against the C library.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

#include "bench.h"
#include "random.h" /* the library's own splitmix64 */

/* Longest text: an IPv6 address, "/128" and a NUL. */
#define TEXT_MAX (INET6_ADDRSTRLEN + 4)

/* How one set of inputs is made. */
struct set_spec {
	const char *name; /* the set's name in figure names */
	int af;		  /* AF_INET or AF_INET6 */
	int prefixes;	  /* "address/length" inputs rather than addresses */
	void (*generate)(uint64_t *rng, unsigned char raw[16], unsigned *len);
	uint64_t seed;
};

/* A generated set of inputs, with everything the passes need. */
struct set {
	const struct set_spec *spec;
	size_t count;
	size_t raw_len;		  /* 4 or 16 */
	unsigned char (*raw)[16]; /* the addresses (IPv4 in the first 4 bytes) */
	unsigned char *plen;	  /* prefix lengths (prefix sets) */
	cip_addr *addrs;	  /* our parse of the text (address sets) */
	char *arena;		  /* the texts, each NUL-terminated */
	const char **text;
	unsigned char *text_len;
};

/* ------------------------------------------------------------------ */
/* Generation                                                         */
/* ------------------------------------------------------------------ */

static void put_u32(unsigned char *out, uint32_t v)
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

static void gen_ipv4(uint64_t *rng, unsigned char raw[16], unsigned *len)
{
	put_u32(raw, (uint32_t)cip__splitmix64(rng));
	*len = 32;
}

/* Random groups of 1-4 significant hex digits; a quarter of the addresses
 * get a run of two or more zero groups, so that "::" occurs. */
static void gen_ipv6_random(uint64_t *rng, unsigned char raw[16], unsigned *len)
{
	uint64_t r = cip__splitmix64(rng);

	for (int g = 0; g < 8; g++) {
		unsigned digits = 1 + (unsigned)((r >> (2 * g)) & 3);
		uint32_t v = (uint32_t)cip__splitmix64(rng) & ((1u << (4 * digits)) - 1);

		raw[2 * g] = (unsigned char)(v >> 8);
		raw[2 * g + 1] = (unsigned char)v;
	}
	if (((r >> 16) & 3) == 0) {
		unsigned start = (unsigned)((r >> 24) % 7);
		unsigned run = 2 + (unsigned)((r >> 32) % (7 - start));

		memset(raw + 2 * start, 0, 2 * run);
	}
	*len = 128;
}

/* fd00:10:96::/108 with random low 20 bits, like "fd00:10:96::a1". */
static void gen_ipv6_service(uint64_t *rng, unsigned char raw[16], unsigned *len)
{
	static const unsigned char base[16] = { 0xfd, 0x00, 0x00, 0x10, 0x00, 0x96 };

	memcpy(raw, base, 16);
	put_u32(raw + 12, (uint32_t)cip__splitmix64(rng) & 0xfffff);
	*len = 128;
}

/* Clears the bits of @p raw (@p n bytes) beyond the first @p len. */
static void clear_host_bits(unsigned char *raw, size_t n, unsigned len)
{
	for (size_t i = 0; i < n; i++) {
		unsigned bits = len > 8 * i ? len - 8 * (unsigned)i : 0;

		if (bits < 8) {
			raw[i] &= (unsigned char)(0xff00u >> bits);
		}
	}
}

static void gen_ipv4_prefix(uint64_t *rng, unsigned char raw[16], unsigned *len)
{
	gen_ipv4(rng, raw, len);
	*len = (unsigned)(cip__splitmix64(rng) % 33);
	clear_host_bits(raw, 4, *len);
}

static void gen_ipv6_prefix(uint64_t *rng, unsigned char raw[16], unsigned *len)
{
	gen_ipv6_random(rng, raw, len);
	*len = (unsigned)(cip__splitmix64(rng) % 129);
	clear_host_bits(raw, 16, *len);
}

static void free_set(struct set *s)
{
	free(s->raw);
	free(s->plen);
	free(s->addrs);
	free(s->arena);
	free(s->text);
	free(s->text_len);
	memset(s, 0, sizeof(*s));
}

static int alloc_set(struct set *s, const struct set_spec *spec, size_t count)
{
	memset(s, 0, sizeof(*s));
	s->spec = spec;
	s->count = count;
	s->raw_len = spec->af == AF_INET ? 4 : 16;
	s->raw = calloc(count, sizeof(s->raw[0]));
	s->plen = calloc(count, 1);
	s->addrs = calloc(count, sizeof(s->addrs[0]));
	s->arena = malloc(count * TEXT_MAX);
	s->text = calloc(count, sizeof(s->text[0]));
	s->text_len = calloc(count, 1);
	if (s->raw == NULL || s->plen == NULL || s->addrs == NULL || s->arena == NULL ||
	    s->text == NULL || s->text_len == NULL) {
		free_set(s);
		fputs("clusterip-bench: out of memory\n", stderr);
		return -1;
	}
	return 0;
}

/* Writes input @p i's text at @p out; returns its length. */
static size_t write_text(const struct set *s, size_t i, char *out)
{
	size_t n;

	if (inet_ntop(s->spec->af, s->raw[i], out, INET6_ADDRSTRLEN) == NULL) {
		perror("clusterip-bench: inet_ntop");
		exit(1);
	}
	n = strlen(out);
	if (s->spec->prefixes) {
		n += (size_t)snprintf(out + n, TEXT_MAX - n, "/%u", (unsigned)s->plen[i]);
	}
	return n;
}

static int make_set(struct set *s, const struct set_spec *spec, size_t count)
{
	uint64_t rng = spec->seed;
	size_t used = 0;

	if (alloc_set(s, spec, count) != 0) {
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		unsigned len;

		spec->generate(&rng, s->raw[i], &len);
		s->plen[i] = (unsigned char)len;
		s->text_len[i] = (unsigned char)write_text(s, i, s->arena + used);
		used += s->text_len[i] + 1u;
	}
	/* Pointers only now: the arena does not move any more. */
	for (size_t i = 0, at = 0; i < count; i++) {
		s->text[i] = s->arena + at;
		at += s->text_len[i] + 1u;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Verification                                                       */
/* ------------------------------------------------------------------ */

static const unsigned char *payload(const cip_addr *a)
{
	return a->family == CIP_FAMILY_IPV4 ? a->bytes + 12 : a->bytes;
}

static int expected_family(const struct set *s)
{
	return s->spec->af == AF_INET ? CIP_FAMILY_IPV4 : CIP_FAMILY_IPV6;
}

static int mismatch(const struct set *s, size_t i, const char *what, const char *detail)
{
	fprintf(stderr, "clusterip-bench: %s input %zu \"%s\": %s%s%s\n", s->spec->name, i,
		s->text[i], what, detail[0] != '\0' ? ": " : "", detail);
	return -1;
}

static int same_addr(const struct set *s, const cip_addr *a, const unsigned char *ref)
{
	return a->family == expected_family(s) && memcmp(payload(a), ref, s->raw_len) == 0;
}

/* Our parse must give inet_pton()'s bytes; keeps our result for formatting. */
static int verify_parse(struct set *s)
{
	for (size_t i = 0; i < s->count; i++) {
		unsigned char ref[16];
		int rc = cip_addr_parse(&s->addrs[i], s->text[i], s->text_len[i], 0, NULL);

		if (inet_pton(s->spec->af, s->text[i], ref) != 1) {
			return mismatch(s, i, "inet_pton rejects it", "");
		}
		if (rc != 0) {
			return mismatch(s, i, "cip_addr_parse fails", cip_strerror(rc));
		}
		if (!same_addr(s, &s->addrs[i], ref)) {
			return mismatch(s, i, "cip_addr_parse differs from inet_pton", "");
		}
	}
	return 0;
}

/* Our text must read back, through inet_pton(), as the same bytes; for
 * IPv4 it must also equal inet_ntop()'s (both are the dotted quad). */
static int verify_format(const struct set *s)
{
	for (size_t i = 0; i < s->count; i++) {
		char buf[CIP_ADDR_STRLEN], ref[INET6_ADDRSTRLEN];
		unsigned char back[16];
		int rc = cip_addr_format(&s->addrs[i], buf, sizeof(buf));

		if (rc < 0 || (size_t)rc != strlen(buf)) {
			return mismatch(s, i, "cip_addr_format fails",
					rc < 0 ? cip_strerror(rc) : "");
		}
		if (inet_pton(s->spec->af, buf, back) != 1 || memcmp(back, s->raw[i], s->raw_len)) {
			return mismatch(s, i, "inet_pton does not read back", buf);
		}
		if (s->spec->af == AF_INET &&
		    (inet_ntop(AF_INET, s->raw[i], ref, sizeof(ref)) == NULL || strcmp(buf, ref))) {
			return mismatch(s, i, "cip_addr_format differs from inet_ntop", buf);
		}
	}
	return 0;
}

static int verify_prefix_parse(const struct set *s)
{
	for (size_t i = 0; i < s->count; i++) {
		cip_prefix p;
		int rc = cip_prefix_parse(&p, s->text[i], s->text_len[i], 0, NULL);

		if (rc != 0) {
			return mismatch(s, i, "cip_prefix_parse fails", cip_strerror(rc));
		}
		if (!same_addr(s, &p.addr, s->raw[i]) || p.len != s->plen[i]) {
			return mismatch(s, i, "cip_prefix_parse differs from the input", "");
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Timed passes                                                       */
/* ------------------------------------------------------------------ */

static uint64_t parse_cip(const void *data)
{
	const struct set *s = data;
	cip_addr a = { 0 };
	uint64_t sum = 0;

	for (size_t i = 0; i < s->count; i++) {
		int rc = cip_addr_parse(&a, s->text[i], s->text_len[i], 0, NULL);

		sum += (uint64_t)(unsigned)rc + a.bytes[15];
	}
	return sum;
}

static uint64_t parse_inet_pton(const void *data)
{
	const struct set *s = data;
	unsigned char buf[16] = { 0 };
	size_t last = s->raw_len - 1;
	uint64_t sum = 0;

	for (size_t i = 0; i < s->count; i++) {
		int rc = inet_pton(s->spec->af, s->text[i], buf);

		sum += (uint64_t)(unsigned)rc + buf[last];
	}
	return sum;
}

static uint64_t format_cip(const void *data)
{
	const struct set *s = data;
	char buf[CIP_ADDR_STRLEN] = { 0 };
	uint64_t sum = 0;

	for (size_t i = 0; i < s->count; i++) {
		int rc = cip_addr_format(&s->addrs[i], buf, sizeof(buf));

		sum += (uint64_t)(unsigned)rc + (unsigned char)buf[0];
	}
	return sum;
}

static uint64_t format_inet_ntop(const void *data)
{
	const struct set *s = data;
	char buf[INET6_ADDRSTRLEN] = { 0 };
	uint64_t sum = 0;

	for (size_t i = 0; i < s->count; i++) {
		const char *p = inet_ntop(s->spec->af, s->raw[i], buf, sizeof(buf));

		sum += (uint64_t)(p != NULL) + (unsigned char)buf[0];
	}
	return sum;
}

static uint64_t prefix_parse_cip(const void *data)
{
	const struct set *s = data;
	cip_prefix p = { 0 };
	uint64_t sum = 0;

	for (size_t i = 0; i < s->count; i++) {
		int rc = cip_prefix_parse(&p, s->text[i], s->text_len[i], 0, NULL);

		sum += (uint64_t)(unsigned)rc + p.len + p.addr.bytes[15];
	}
	return sum;
}

static int has_host_bits(const unsigned char *raw, size_t n, unsigned long len)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long bits = len > 8 * i ? len - 8 * i : 0;

		if (bits < 8 && (raw[i] & (0xffu >> bits)) != 0) {
			return 1;
		}
	}
	return 0;
}

/*
 * The baseline prefix parser: inet_pton() on a NUL-terminated copy of the
 * address part, strtoul() for the length, then the host-bits check. It is
 * told the family; ours finds it. Returns the length, or -1.
 */
static long baseline_prefix_parse(const struct set *s, const char *text, size_t len,
				  unsigned char *out)
{
	const char *slash = memchr(text, '/', len);
	char addr[INET6_ADDRSTRLEN];
	char *end;
	unsigned long plen;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(addr)) {
		return -1;
	}
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	if (inet_pton(s->spec->af, addr, out) != 1) {
		return -1;
	}
	plen = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || end != text + len || plen > 8 * s->raw_len ||
	    has_host_bits(out, s->raw_len, plen)) {
		return -1;
	}
	return (long)plen;
}

static uint64_t prefix_parse_baseline(const void *data)
{
	const struct set *s = data;
	unsigned char buf[16] = { 0 };
	size_t last = s->raw_len - 1;
	uint64_t sum = 0;

	for (size_t i = 0; i < s->count; i++) {
		long plen = baseline_prefix_parse(s, s->text[i], s->text_len[i], buf);

		sum += (uint64_t)plen + buf[last];
	}
	return sum;
}

/* ------------------------------------------------------------------ */
/* The group                                                          */
/* ------------------------------------------------------------------ */

static int run_pair(const struct bench_config *config, const struct set *s, const char *what,
		    struct bench_side ours, struct bench_side theirs, uint64_t *checksum)
{
	char name[96];
	struct bench_pair pair;

	snprintf(name, sizeof(name), "addr.%s.%s", what, s->spec->name);
	pair.name = name;
	pair.data = s;
	pair.ops = s->count;
	pair.ours = ours;
	pair.theirs = theirs;
	return bench_run_pair(config, &pair, checksum);
}

static int bench_address_set(const struct bench_config *config, struct set *s, uint64_t *checksum)
{
	static const struct bench_side parse_ours = { "cip", parse_cip, 0 };
	static const struct bench_side parse_libc = { "inet_pton", parse_inet_pton, 0 };
	static const struct bench_side format_ours = { "cip", format_cip, 0 };
	static const struct bench_side format_libc = { "inet_ntop", format_inet_ntop, 0 };

	if (verify_parse(s) != 0 || verify_format(s) != 0) {
		return -1;
	}
	if (run_pair(config, s, "parse", parse_ours, parse_libc, checksum) != 0) {
		return -1;
	}
	return run_pair(config, s, "format", format_ours, format_libc, checksum);
}

static int bench_prefix_set(const struct bench_config *config, struct set *s, uint64_t *checksum)
{
	static const struct bench_side ours = { "cip", prefix_parse_cip, 0 };
	static const struct bench_side baseline = { "inet_pton_strtoul", prefix_parse_baseline, 0 };

	if (verify_prefix_parse(s) != 0) {
		return -1;
	}
	return run_pair(config, s, "prefix_parse", ours, baseline, checksum);
}

static const struct set_spec specs[] = {
	{ "ipv4", AF_INET, 0, gen_ipv4, UINT64_C(0x636970763401) },
	{ "ipv6_random", AF_INET6, 0, gen_ipv6_random, UINT64_C(0x636970763601) },
	{ "ipv6_service", AF_INET6, 0, gen_ipv6_service, UINT64_C(0x636970763602) },
	{ "ipv4", AF_INET, 1, gen_ipv4_prefix, UINT64_C(0x636970763403) },
	{ "ipv6", AF_INET6, 1, gen_ipv6_prefix, UINT64_C(0x636970763603) },
};

int bench_addr(const struct bench_config *config)
{
	uint64_t checksum = 0;
	int rc = 0;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]) && rc == 0; i++) {
		struct set s;

		if (make_set(&s, &specs[i], config->inputs) != 0) {
			return -1;
		}
		if (specs[i].prefixes) {
			rc = bench_prefix_set(config, &s, &checksum);
		} else {
			rc = bench_address_set(config, &s, &checksum);
		}
		free_set(&s);
	}
	if (rc == 0) {
		bench_print_count("addr.checksum", checksum, "hash");
	}
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* clusterip cidr: describe service CIDRs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cli_cidr_help[] =
	"Usage: clusterip cidr [--json] [--mask] [--legacy] [--legacy-cap] PREFIX...\n"
	"       clusterip cidr [options] -\n"
	"\n"
	"Describe each prefix as a Kubernetes service CIDR (ServiceCIDR semantics):\n"
	"\n"
	"  prefix: 10.96.0.0/12                      canonical form\n"
	"  family: ipv4                              ipv4 or ipv6\n"
	"  network: 10.96.0.0                        first address\n"
	"  last: 10.111.255.255                      last address\n"
	"  size: 1048576                             2^(host bits), exact\n"
	"  usable: 1048574                           allocatable addresses\n"
	"  first_usable: 10.96.0.1                   or 'none'\n"
	"  last_usable: 10.111.255.254               or 'none'\n"
	"  static_band: 256 10.96.0.1-10.96.1.0      count, then span or 'none'\n"
	"  dynamic_band: 10.96.1.1-10.111.255.254    span, or 'none'\n"
	"\n"
	"IPv4 excludes the network and broadcast addresses, IPv6 only the network\n"
	"address. The static band (KEP-3070) is the first usable addresses;\n"
	"the dynamic band is the rest. Prefixes are separated by a blank line.\n"
	"The argument '-' reads one prefix per line from standard input (a\n"
	"trailing \"\\n\" or \"\\r\\n\" is removed; a blank line fails as empty).\n"
	"\n"
	"A prefix that fails prints, in place of its block:\n"
	"  error: <reason> at byte <offset>\n"
	"and, when only host bits were wrong, a second line naming the network:\n"
	"  hint: did you mean 10.96.0.0/12?\n"
	"\n"
	"With --json, each prefix prints one JSON object on one line (JSON Lines)\n"
	"with the same keys. size and usable are strings of decimal digits (they\n"
	"can exceed 2^53); absent addresses are null; static_band is\n"
	"{\"count\":N,\"first\":...,\"last\":...} and dynamic_band {\"first\":...,\n"
	"\"last\":...} or null. A failure prints\n"
	"  {\"input\":\"...\",\"error\":\"<reason>\",\"code\":\"CIP_E...\",\"offset\":N}\n"
	"plus \"network\":\"<prefix>\" for host bits. The input is escaped as JSON;\n"
	"bytes that are not valid UTF-8 appear as \\u00XX (the byte's value).\n"
	"\n"
	"Options:\n"
	"  --json        print JSON Lines\n"
	"  --mask        clear host bits instead of failing (ParseCIDRSloppy)\n"
	"  --legacy      accept leading zeros in IPv4 octets and the length,\n"
	"                read as decimal (Kubernetes ParseCIDRSloppy)\n"
	"  --legacy-cap  cap IPv6 ranges at 65535 usable addresses, as the\n"
	"                Kubernetes bitmap allocator does\n"
	"  --            treat every later argument as a prefix\n"
	"  -h, --help    show this help\n"
	"\n"
	"Exit status: 0 when every prefix succeeded, 1 when any failed or output\n"
	"could not be written, 2 on a usage error.\n";

enum cidr_option {
	CIDR_OPT_JSON = 1u << 0,
	CIDR_OPT_MASK = 1u << 1,
	CIDR_OPT_LEGACY = 1u << 2,
	CIDR_OPT_LEGACY_CAP = 1u << 3,
};

static const struct cli_option cidr_options[] = {
	{ "--json", CIDR_OPT_JSON },
	{ "--mask", CIDR_OPT_MASK },
	{ "--legacy", CIDR_OPT_LEGACY },
	{ "--legacy-cap", CIDR_OPT_LEGACY_CAP },
};

struct cidr_ctx {
	unsigned parse_flags;
	unsigned range_flags;
	int json;
	unsigned long blocks; /* prefixes reported so far */
};

/*
 * What "clusterip cidr" reports about one prefix, as text. An empty string
 * stands for an absent address ("none" / null).
 */
struct cidr_facts {
	char prefix[CIP_PREFIX_STRLEN];
	const char *family;
	char network[CIP_ADDR_STRLEN];
	char last[CIP_ADDR_STRLEN];
	char size[CIP_U128_STRLEN + 1]; /* room for a carry into a new digit */
	char usable[CIP_U128_STRLEN];
	char first_usable[CIP_ADDR_STRLEN];
	char last_usable[CIP_ADDR_STRLEN];
	int static_count;
	char static_first[CIP_ADDR_STRLEN];
	char static_last[CIP_ADDR_STRLEN];
	char dynamic_first[CIP_ADDR_STRLEN];
	char dynamic_last[CIP_ADDR_STRLEN];
};

/* ------------------------------------------------------------------ */
/* Computing the facts                                                */
/* ------------------------------------------------------------------ */

static int addr_text(const cip_addr *a, char *buf)
{
	int rc = cip_addr_format(a, buf, CIP_ADDR_STRLEN);

	return rc < 0 ? rc : 0;
}

static int u128_text(const cip_u128 *v, char *buf, size_t cap)
{
	int rc = cip_u128_format(v, buf, cap);

	return rc < 0 ? rc : 0;
}

/* Adds one to a string of decimal digits in place; @p cap is its buffer's
 * capacity, which must leave room for a carry into a new leading digit. */
static void decimal_increment(char *digits, size_t cap)
{
	size_t len = strlen(digits);

	for (size_t i = len; i > 0; i--) {
		if (digits[i - 1] != '9') {
			digits[i - 1]++;
			return;
		}
		digits[i - 1] = '0';
	}
	if (len + 2 <= cap) {
		memmove(digits + 1, digits, len + 1);
		digits[0] = '1';
	}
}

static int size_text(const cip_prefix *p, char *buf, size_t cap)
{
	cip_u128 size;
	cip_addr last;
	int rc = cip_prefix_size(&size, p);

	if (rc == 0) {
		return u128_text(&size, buf, cap);
	}
	if (rc != CIP_EOVERFLOW) {
		return rc;
	}
	/*
	 * Only ::/0 overflows: its 2^128 addresses are one more than a
	 * cip_u128 can hold. The offset of its last address, 2^128 - 1, does
	 * fit, so the size is that offset plus one, added in decimal.
	 */
	rc = cip_prefix_last(&last, p);
	if (rc == 0) {
		rc = cip_prefix_offset_of(&size, p, &last);
	}
	if (rc == 0) {
		rc = u128_text(&size, buf, cap);
	}
	if (rc == 0) {
		decimal_increment(buf, cap);
	}
	return rc;
}

static int compute_basics(struct cidr_facts *f, const cip_prefix *p)
{
	cip_addr a;
	int rc;

	rc = cip_prefix_format(p, f->prefix, sizeof(f->prefix));
	if (rc < 0) {
		return rc;
	}
	rc = cip_addr_family(&p->addr);
	if (rc < 0) {
		return rc;
	}
	f->family = rc == CIP_FAMILY_IPV4 ? "ipv4" : "ipv6";
	rc = cip_prefix_network(&a, p);
	if (rc == 0) {
		rc = addr_text(&a, f->network);
	}
	if (rc == 0) {
		rc = cip_prefix_last(&a, p);
	}
	if (rc == 0) {
		rc = addr_text(&a, f->last);
	}
	if (rc == 0) {
		rc = size_text(p, f->size, sizeof(f->size));
	}
	return rc;
}

/* Gets the first or last usable address; *found = 0 when nothing is usable. */
typedef int (*range_end_fn)(cip_addr *out, const cip_prefix *p, unsigned flags);

static int range_end(range_end_fn fn, cip_addr *out, const cip_prefix *p, unsigned flags,
		     int *found)
{
	int rc = fn(out, p, flags);

	*found = rc == 0;
	return rc == CIP_ERANGE ? 0 : rc;
}

/* The static band's span and the dynamic band after it. */
static int compute_bands(struct cidr_facts *f, const cip_prefix *p, const cip_addr *first,
			 const cip_addr *last)
{
	cip_u128 off = { 0, 0 };
	cip_addr a;
	int count = cip_service_range_static_band(p);
	int rc;

	if (count < 0) {
		return count;
	}
	f->static_count = count;
	if (count > 0) {
		off.lo = (uint64_t)count - 1;
		rc = cip_addr_add(&a, first, &off);
		if (rc == 0) {
			rc = addr_text(first, f->static_first);
		}
		if (rc == 0) {
			rc = addr_text(&a, f->static_last);
		}
		if (rc != 0) {
			return rc;
		}
	}
	off.lo = (uint64_t)count;
	rc = cip_addr_add(&a, first, &off);
	if (rc == CIP_EOVERFLOW) {
		return 0; /* the static band reaches the end of the family */
	}
	if (rc != 0 || cip_addr_compare(&a, last) > 0) {
		return rc;
	}
	rc = addr_text(&a, f->dynamic_first);
	if (rc == 0) {
		rc = addr_text(last, f->dynamic_last);
	}
	return rc;
}

static int compute_usable(struct cidr_facts *f, const cip_prefix *p, unsigned flags)
{
	cip_u128 usable;
	cip_addr first, last;
	int has_first, has_last;
	int rc;

	rc = cip_service_range_usable(&usable, p, flags);
	if (rc == 0) {
		rc = u128_text(&usable, f->usable, sizeof(f->usable));
	}
	if (rc == 0) {
		rc = range_end(cip_service_range_first, &first, p, flags, &has_first);
	}
	if (rc == 0) {
		rc = range_end(cip_service_range_last, &last, p, flags, &has_last);
	}
	if (rc != 0) {
		return rc;
	}
	if (!has_first || !has_last) {
		/* Nothing usable, so both bands are empty; the static band's
		 * size is still the library's. */
		f->static_count = cip_service_range_static_band(p);
		return f->static_count < 0 ? f->static_count : 0;
	}
	rc = addr_text(&first, f->first_usable);
	if (rc == 0) {
		rc = addr_text(&last, f->last_usable);
	}
	if (rc == 0) {
		rc = compute_bands(f, p, &first, &last);
	}
	return rc;
}

static int compute_facts(struct cidr_facts *f, const cip_prefix *p, unsigned range_flags)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = compute_basics(f, p);
	if (rc == 0) {
		rc = compute_usable(f, p, range_flags);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Text output                                                        */
/* ------------------------------------------------------------------ */

static const char *or_none(const char *s)
{
	return s[0] != '\0' ? s : "none";
}

static void print_span(const char *first, const char *last)
{
	if (first[0] != '\0') {
		printf("%s-%s\n", first, last);
	} else {
		fputs("none\n", stdout);
	}
}

static void print_facts_text(const struct cidr_facts *f)
{
	printf("prefix: %s\n", f->prefix);
	printf("family: %s\n", f->family);
	printf("network: %s\n", f->network);
	printf("last: %s\n", f->last);
	printf("size: %s\n", f->size);
	printf("usable: %s\n", f->usable);
	printf("first_usable: %s\n", or_none(f->first_usable));
	printf("last_usable: %s\n", or_none(f->last_usable));
	printf("static_band: %d ", f->static_count);
	print_span(f->static_first, f->static_last);
	fputs("dynamic_band: ", stdout);
	print_span(f->dynamic_first, f->dynamic_last);
}

static void print_error_text(const cip_parse_error *err, int rc, const char *hint)
{
	cli_print_parse_error(err, rc);
	if (hint != NULL) {
		printf("hint: did you mean %s?\n", hint);
	}
}

/* ------------------------------------------------------------------ */
/* JSON output                                                        */
/* ------------------------------------------------------------------ */

/* Writes ,"key":"value" (or :null for an empty value); no comma if first. */
static void json_member(const char *key, const char *value, int first)
{
	printf("%s\"%s\":", first ? "" : ",", key);
	if (value[0] != '\0') {
		cli_json_string(stdout, value, strlen(value));
	} else {
		fputs("null", stdout);
	}
}

static void print_facts_json(const struct cidr_facts *f)
{
	fputs("{", stdout);
	json_member("prefix", f->prefix, 1);
	json_member("family", f->family, 0);
	json_member("network", f->network, 0);
	json_member("last", f->last, 0);
	json_member("size", f->size, 0);
	json_member("usable", f->usable, 0);
	json_member("first_usable", f->first_usable, 0);
	json_member("last_usable", f->last_usable, 0);
	printf(",\"static_band\":{\"count\":%d", f->static_count);
	json_member("first", f->static_first, 0);
	json_member("last", f->static_last, 0);
	fputs("},\"dynamic_band\":", stdout);
	if (f->dynamic_first[0] != '\0') {
		fputs("{", stdout);
		json_member("first", f->dynamic_first, 1);
		json_member("last", f->dynamic_last, 0);
		fputs("}", stdout);
	} else {
		fputs("null", stdout);
	}
	fputs("}\n", stdout);
}

static void print_error_json(const char *text, size_t len, const cip_parse_error *err, int rc,
			     const char *hint)
{
	fputs("{\"input\":", stdout);
	cli_json_string(stdout, text, len);
	json_member("error", cli_parse_message(err, rc), 0);
	json_member("code", cip_error_name(rc), 0);
	if (err->reason != CIP_PARSE_OK) {
		printf(",\"offset\":%zu", err->offset);
	} else {
		fputs(",\"offset\":null", stdout);
	}
	if (hint != NULL) {
		json_member("network", hint, 0);
	}
	fputs("}\n", stdout);
}

/* ------------------------------------------------------------------ */
/* The command                                                        */
/* ------------------------------------------------------------------ */

static void report_error(const struct cidr_ctx *ctx, const char *text, size_t len,
			 const cip_parse_error *err, int rc)
{
	char hint[CIP_PREFIX_STRLEN];
	int has_hint =
		rc == CIP_EHOSTBITS && cip_prefix_format(&err->network, hint, sizeof(hint)) >= 0;

	if (ctx->json) {
		print_error_json(text, len, err, rc, has_hint ? hint : NULL);
	} else {
		print_error_text(err, rc, has_hint ? hint : NULL);
	}
}

static int cidr_one(const char *text, size_t len, void *vctx)
{
	struct cidr_ctx *ctx = vctx;
	struct cidr_facts facts;
	cip_parse_error err;
	cip_prefix prefix;
	int rc;

	if (!ctx->json && ctx->blocks++ > 0) {
		fputs("\n", stdout);
	}
	rc = cip_parse_error_init(&err, sizeof(err));
	if (rc == 0) {
		rc = cip_prefix_parse(&prefix, text, len, ctx->parse_flags, &err);
	}
	if (rc == 0) {
		/* A failure past parsing has no parse reason or offset. */
		rc = compute_facts(&facts, &prefix, ctx->range_flags);
	}
	if (rc != 0) {
		report_error(ctx, text, len, &err, rc);
		return 1;
	}
	if (ctx->json) {
		print_facts_json(&facts);
	} else {
		print_facts_text(&facts);
	}
	return 0;
}

static void options_to_flags(unsigned options, struct cidr_ctx *ctx)
{
	ctx->json = (options & CIDR_OPT_JSON) != 0;
	if (options & CIDR_OPT_MASK) {
		ctx->parse_flags |= CIP_PARSE_MASK;
	}
	if (options & CIDR_OPT_LEGACY) {
		ctx->parse_flags |= CIP_PARSE_LEGACY;
	}
	if (options & CIDR_OPT_LEGACY_CAP) {
		ctx->range_flags |= CIP_RANGE_LEGACY_CAP;
	}
}

int cli_cmd_cidr(const struct cli_command *self, int argc, char **argv)
{
	struct cli_args args;
	struct cidr_ctx ctx = { 0 };
	int rc;

	rc = cli_start(self, cidr_options, sizeof(cidr_options) / sizeof(cidr_options[0]), argc,
		       argv, "no prefix given", &args);
	if (rc != CLI_CONTINUE) {
		return rc;
	}
	options_to_flags(args.options, &ctx);
	return cli_for_each_input(args.operands, args.count, cidr_one, &ctx);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* clusterip addr: parse addresses, print them in canonical form. */
#include <stdio.h>

#include "cli.h"

const char cli_addr_help[] =
	"Usage: clusterip addr [--legacy] ADDRESS...\n"
	"       clusterip addr [--legacy] -\n"
	"\n"
	"Parse each IPv4 or IPv6 address strictly and print it in canonical form\n"
	"(dotted quad; RFC 5952 for IPv6), one per line, in input order.\n"
	"\n"
	"The argument '-' reads one address per line from standard input; a\n"
	"trailing \"\\n\" or \"\\r\\n\" is removed, a last line without a newline\n"
	"counts, and a blank line is an input like any other (it fails as empty).\n"
	"\n"
	"An input that does not parse prints, in its place on standard output so\n"
	"that output lines stay aligned with input lines:\n"
	"  error: <reason> at byte <offset>\n"
	"where <offset> counts bytes from 0 within that input.\n"
	"\n"
	"Options:\n"
	"  --legacy    accept leading zeros in IPv4 octets and read them as\n"
	"              decimal (Kubernetes ParseIPSloppy)\n"
	"  --          treat every later argument as an address\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 when every input parsed, 1 when any failed or output\n"
	"could not be written, 2 on a usage error.\n";

enum addr_option {
	ADDR_OPT_LEGACY = 1u << 0,
};

static const struct cli_option addr_options[] = {
	{ "--legacy", ADDR_OPT_LEGACY },
};

struct addr_ctx {
	unsigned parse_flags;
};

static int addr_one(const char *text, size_t len, void *vctx)
{
	const struct addr_ctx *ctx = vctx;
	cip_parse_error err;
	cip_addr addr;
	char buf[CIP_ADDR_STRLEN];
	int rc;

	rc = cip_parse_error_init(&err, sizeof(err));
	if (rc != 0) {
		printf("error: %s\n", cip_strerror(rc));
		return 1;
	}
	rc = cip_addr_parse(&addr, text, len, ctx->parse_flags, &err);
	if (rc != 0) {
		cli_print_parse_error(&err, rc);
		return 1;
	}
	rc = cip_addr_format(&addr, buf, sizeof(buf));
	if (rc < 0) {
		printf("error: cannot format address: %s\n", cip_strerror(rc));
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

int cli_cmd_addr(const struct cli_command *self, int argc, char **argv)
{
	struct cli_args args;
	struct addr_ctx ctx = { 0 };
	int rc;

	rc = cli_start(self, addr_options, sizeof(addr_options) / sizeof(addr_options[0]), argc,
		       argv, "no address given", &args);
	if (rc != CLI_CONTINUE) {
		return rc;
	}
	if (args.options & ADDR_OPT_LEGACY) {
		ctx.parse_flags |= CIP_PARSE_LEGACY;
	}
	return cli_for_each_input(args.operands, args.count, addr_one, &ctx);
}

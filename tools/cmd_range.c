/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip range / clusterip ports: a service-IP or node-port allocator
 * whose state lives in a file between runs. Each run reads the file (a
 * native snapshot), applies one action and, when the action changed
 * something, replaces the file atomically (state.c). A run that changes
 * the file holds its lock (state.h, "Locking") from before it reads the file
 * until the new file is in place.
 *
 * Time. The library takes `now` in ns of a clock of the caller's choosing;
 * a snapshot stores each quarantine's time *remaining* at the `now` of the
 * snapshot, and a restore counts it again from the `now` it is given. A
 * state file outlives this process and monotonic clocks restart at boot,
 * so the program uses CLOCK_REALTIME (or $CLUSTERIP_NOW_NS, for tests).
 * So that quarantine also runs while no process holds the state, the
 * file's modification time is set to the `now` of its snapshot, and the
 * snapshot is restored at that time (at the current time if the file
 * claims to be from the future: a quarantine then lasts longer, never
 * shorter); the action then runs at the current time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base64.h"
#include "cli.h"
#include "state.h"

/* ------------------------------------------------------------------ */
/* Help texts                                                         */
/* ------------------------------------------------------------------ */

#define EXIT_STATUS_TEXT                                                                           \
	"Exit status: 0 on success, 1 when the action failed (FILE is then\n"                      \
	"unchanged) or output could not be written, 2 on a usage error.\n"

const char cli_range_help[] =
	"Usage: clusterip range ACTION --state FILE [OPTION...] [ARGUMENT...]\n"
	"\n"
	"Allocate service ClusterIPs from one CIDR as the Kubernetes API server\n"
	"does (reserved addresses, static and dynamic bands, random start),\n"
	"keeping the allocator's state in FILE between runs.\n"
	"\n"
	"Actions:\n"
	"  init        create FILE for a CIDR\n"
	"  allocate    allocate given addresses, or the next free ones\n"
	"  release     release addresses\n"
	"  show        print the size and usage of the range and its bands\n"
	"  list        print the allocated addresses\n"
	"  export-k8s  print the state as a Kubernetes RangeAllocation\n"
	"  import-k8s  replace the state with a Kubernetes RangeAllocation\n"
	"\n"
	"FILE holds the allocator's native snapshot. It is replaced atomically\n"
	"(temporary file, fsync, rename), and an action that fails leaves it\n"
	"unchanged. Actions that change FILE lock FILE.lock (created next to it\n"
	"and kept), so that concurrent runs take turns and no update is lost;\n"
	"show, list and export-k8s read without locking.\n"
	"\n"
	"Run 'clusterip range ACTION --help' for an action's options and output.\n"
	"\n" EXIT_STATUS_TEXT;

const char cli_ports_help[] =
	"Usage: clusterip ports ACTION --state FILE [OPTION...] [ARGUMENT...]\n"
	"\n"
	"Allocate NodePorts from one port range as the Kubernetes API server\n"
	"does (static and dynamic bands, random start), keeping the allocator's\n"
	"state in FILE between runs.\n"
	"\n"
	"Actions:\n"
	"  init        create FILE for a port range\n"
	"  allocate    allocate given ports, or the next free ones\n"
	"  release     release ports\n"
	"  show        print the size and usage of the range and its bands\n"
	"  list        print the allocated ports\n"
	"  export-k8s  print the state as a Kubernetes RangeAllocation\n"
	"  import-k8s  replace the state with a Kubernetes RangeAllocation\n"
	"\n"
	"FILE holds the allocator's native snapshot. It is replaced atomically\n"
	"(temporary file, fsync, rename), and an action that fails leaves it\n"
	"unchanged. Actions that change FILE lock FILE.lock (created next to it\n"
	"and kept), so that concurrent runs take turns and no update is lost;\n"
	"show, list and export-k8s read without locking.\n"
	"\n"
	"Run 'clusterip ports ACTION --help' for an action's options and output.\n"
	"\n" EXIT_STATUS_TEXT;

#define TIME_TEXT                                                                                  \
	"Time: quarantine runs on the wall clock (CLOCK_REALTIME), since FILE\n"                   \
	"outlives the process and monotonic clocks restart at boot; FILE's\n"                      \
	"modification time records when its snapshot was taken. If the\n"                          \
	"environment variable CLUSTERIP_NOW_NS is set, every action takes it as\n"                 \
	"the current time, in nanoseconds since the epoch (for tests).\n"

static const char range_init_help[] =
	"Usage: clusterip range init CIDR --state FILE [OPTION...]\n"
	"\n"
	"Create FILE with an allocator for the usable addresses of CIDR, all\n"
	"free: every address but the network address and, for IPv4, the\n"
	"broadcast address. Nothing is printed.\n"
	"\n"
	"Options:\n"
	"  --state FILE      the state file to create\n"
	"  --force           replace FILE if it exists (default: refuse)\n"
	"  --seed N          seed of the random start (default 0: from the OS);\n"
	"                    not stored in FILE\n"
	"  --static-band B   auto (KEP-3070's size, the default), off, or a\n"
	"                    number of addresses (0 is off)\n"
	"  --quarantine S    keep a released address out of automatic allocation\n"
	"                    for S seconds (default 0: off)\n"
	"  --legacy-cap      cap an IPv6 range at its first 65535 usable\n"
	"                    addresses, as Kubernetes' bitmap allocator does\n"
	"                    (without it an IPv6 CIDR must be a /64 or longer)\n"
	"  -h, --help        show this help\n"
	"\n" TIME_TEXT "\n" EXIT_STATUS_TEXT;

static const char ports_init_help[] =
	"Usage: clusterip ports init RANGE --state FILE [OPTION...]\n"
	"\n"
	"Create FILE with an allocator for the ports of RANGE, all free. RANGE\n"
	"is written as kube-apiserver's --service-node-port-range: MIN-MAX\n"
	"(30000-32767), one port N, or MIN+OFFSET (30000+2767, the ports MIN to\n"
	"MIN + OFFSET). Nothing is printed.\n"
	"\n"
	"Options:\n"
	"  --state FILE      the state file to create\n"
	"  --force           replace FILE if it exists (default: refuse)\n"
	"  --seed N          seed of the random start (default 0: from the OS);\n"
	"                    not stored in FILE\n"
	"  --static-band B   auto (KEP-3668's size, the default), off, or a\n"
	"                    number of ports (0 is off)\n"
	"  --quarantine S    keep a released port out of automatic allocation\n"
	"                    for S seconds (default 0: off)\n"
	"  -h, --help        show this help\n"
	"\n" TIME_TEXT "\n" EXIT_STATUS_TEXT;

static const char range_allocate_help[] =
	"Usage: clusterip range allocate --state FILE [--seed N] ADDRESS...\n"
	"       clusterip range allocate --state FILE [--seed N] [-n COUNT]\n"
	"\n"
	"With addresses, allocate each of them (requested ClusterIPs; one in\n"
	"quarantine may be taken this way). Without, allocate COUNT addresses\n"
	"(default 1) as Kubernetes does: from a random start in the dynamic band,\n"
	"the first free address, falling back to the static band when the\n"
	"dynamic band is full; addresses in quarantine are skipped.\n"
	"\n"
	"Prints each allocated address, one per line, in allocation order. All\n"
	"or nothing: when an allocation fails, one line on standard error names\n"
	"the input and the reason, nothing is printed and FILE is unchanged.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  --seed N      seed of the random start (default 0: from the OS); the\n"
	"                same seed and state give the same addresses\n"
	"  -n COUNT      allocate COUNT addresses, 1 to 16777216\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

static const char ports_allocate_help[] =
	"Usage: clusterip ports allocate --state FILE [--seed N] PORT...\n"
	"       clusterip ports allocate --state FILE [--seed N] [-n COUNT]\n"
	"\n"
	"With ports, allocate each of them (requested NodePorts; one in\n"
	"quarantine may be taken this way). Without, allocate COUNT ports\n"
	"(default 1) as Kubernetes does: from a random start in the dynamic band,\n"
	"the first free port, falling back to the static band when the dynamic\n"
	"band is full; ports in quarantine are skipped.\n"
	"\n"
	"Prints each allocated port, one per line, in allocation order. All or\n"
	"nothing: when an allocation fails, one line on standard error names\n"
	"the input and the reason, nothing is printed and FILE is unchanged.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  --seed N      seed of the random start (default 0: from the OS); the\n"
	"                same seed and state give the same ports\n"
	"  -n COUNT      allocate COUNT ports, 1 to 16777216\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

static const char range_release_help[] =
	"Usage: clusterip range release --state FILE ADDRESS...\n"
	"\n"
	"Release each address; with quarantine, automatic allocation skips it\n"
	"until the quarantine has passed. Releasing an address that is not\n"
	"allocated (free, in quarantine, or outside the range) changes nothing,\n"
	"as in Kubernetes, and is not an error: a warning line on standard error\n"
	"says so. FILE is rewritten only when something was released. Nothing is\n"
	"printed on standard output.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

static const char ports_release_help[] =
	"Usage: clusterip ports release --state FILE PORT...\n"
	"\n"
	"Release each port; with quarantine, automatic allocation skips it until\n"
	"the quarantine has passed. Releasing a port that is not allocated (free,\n"
	"in quarantine, or outside the range) changes nothing, as in Kubernetes,\n"
	"and is not an error: a warning line on standard error says so. FILE is\n"
	"rewritten only when something was released. Nothing is printed on\n"
	"standard output.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

#define SHOW_JSON_TEXT(first)                                                                      \
	"An empty band prints 'none'. With --json, one JSON object on one\n"                       \
	"line, keys in the order above: size, used, available and quarantined\n"                   \
	"are numbers; static_band and dynamic_band are\n"                                          \
	"{\"first\":" first ",\"last\":...,\"size\":N,\"used\":N,\"available\":N},\n"              \
	"first and last null for an empty band.\n"

static const char range_show_help[] =
	"Usage: clusterip range show --state FILE [--json]\n"
	"\n"
	"Print the range's CIDR and its counters, for the whole range and for\n"
	"each band (KEP-3070):\n"
	"\n"
	"  cidr:         10.0.0.0/24\n"
	"  size:         254            usable addresses\n"
	"  used:         2              allocated\n"
	"  available:    252            free and not in quarantine\n"
	"  quarantined:  0              released, still in quarantine\n"
	"  static band:  10.0.0.1-10.0.0.16 (size 16, used 0, available 16)\n"
	"  dynamic band: 10.0.0.17-10.0.0.254 (size 238, used 2, available 236)\n"
	"\n" SHOW_JSON_TEXT("\"10.0.0.1\"") "\n"
					    "Options:\n"
					    "  --state FILE  the state file\n"
					    "  --json        print JSON\n"
					    "  -h, --help    show this help\n"
					    "\n" EXIT_STATUS_TEXT;

static const char ports_show_help[] =
	"Usage: clusterip ports show --state FILE [--json]\n"
	"\n"
	"Print the port range and its counters, for the whole range and for\n"
	"each band (KEP-3668):\n"
	"\n"
	"  range:        30000-32767\n"
	"  size:         2768           ports\n"
	"  used:         1              allocated\n"
	"  available:    2767           free and not in quarantine\n"
	"  quarantined:  0              released, still in quarantine\n"
	"  static band:  30000-30085 (size 86, used 1, available 85)\n"
	"  dynamic band: 30086-32767 (size 2682, used 0, available 2682)\n"
	"\n" SHOW_JSON_TEXT("30000") "\n"
				     "Options:\n"
				     "  --state FILE  the state file\n"
				     "  --json        print JSON\n"
				     "  -h, --help    show this help\n"
				     "\n" EXIT_STATUS_TEXT;

static const char range_list_help[] =
	"Usage: clusterip range list --state FILE\n"
	"\n"
	"Print the allocated addresses in ascending order, one per line.\n"
	"Addresses in quarantine are not allocated.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

static const char ports_list_help[] =
	"Usage: clusterip ports list --state FILE\n"
	"\n"
	"Print the allocated ports in ascending order, one per line. Ports in\n"
	"quarantine are not allocated.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

static const char range_export_help[] =
	"Usage: clusterip range export-k8s --state FILE\n"
	"\n"
	"Print the state as the range and data of a Kubernetes RangeAllocation,\n"
	"one JSON object and a newline (here 10.0.0.1 and 10.0.0.10 allocated):\n"
	"\n"
	"  {\"range\": \"10.0.0.0/24\", \"data\": \"AgE=\"}\n"
	"\n"
	"range is the CIDR as Go's net.IPNet.String() writes it. data is the\n"
	"allocation bitmap as Kubernetes stores it (the bytes of a big-endian\n"
	"big.Int, no leading zero bytes) in standard base64 with padding, as\n"
	"Go's encoding/json writes a []byte; \"\" when nothing is allocated. Bit i\n"
	"of the number stands for the address network + 1 + i. Addresses in\n"
	"quarantine count as free.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

static const char ports_export_help[] =
	"Usage: clusterip ports export-k8s --state FILE\n"
	"\n"
	"Print the state as the range and data of a Kubernetes RangeAllocation,\n"
	"one JSON object and a newline (here port 30000 allocated):\n"
	"\n"
	"  {\"range\": \"30000-32767\", \"data\": \"AQ==\"}\n"
	"\n"
	"range is MIN-MAX as Kubernetes' PortRange.String() writes it. data is\n"
	"the allocation bitmap as Kubernetes stores it (the bytes of a\n"
	"big-endian big.Int, no leading zero bytes) in standard base64 with\n"
	"padding, as Go's encoding/json writes a []byte; \"\" when nothing is\n"
	"allocated. Bit i of the number stands for the port MIN + i. Ports in\n"
	"quarantine count as free.\n"
	"\n"
	"Options:\n"
	"  --state FILE  the state file\n"
	"  -h, --help    show this help\n"
	"\n" EXIT_STATUS_TEXT;

#define IMPORT_OPTIONS_TEXT                                                                        \
	"BASE64 is decoded strictly: standard alphabet, padding, no white space,\n"                \
	"no stray bits. Set bits past the end of the range are rejected. The\n"                    \
	"quarantine is emptied. Nothing is printed.\n"                                             \
	"\n"                                                                                       \
	"Options:\n"                                                                               \
	"  --state FILE   the state file\n"                                                        \
	"  --range SPEC   the RangeAllocation's range\n"                                           \
	"  --data BASE64  the RangeAllocation's data, as in its JSON ('' for none)\n"              \
	"  -h, --help     show this help\n"

static const char range_import_help[] =
	"Usage: clusterip range import-k8s --state FILE --range CIDR --data BASE64\n"
	"\n"
	"Replace the allocations in FILE with those of a Kubernetes\n"
	"RangeAllocation (what export-k8s prints). CIDR must name FILE's "
	"range.\n" IMPORT_OPTIONS_TEXT "\n" EXIT_STATUS_TEXT;

static const char ports_import_help[] =
	"Usage: clusterip ports import-k8s --state FILE --range MIN-MAX --data BASE64\n"
	"\n"
	"Replace the allocations in FILE with those of a Kubernetes\n"
	"RangeAllocation (what export-k8s prints). MIN-MAX must be FILE's range\n"
	"exactly, as Kubernetes compares it.\n" IMPORT_OPTIONS_TEXT "\n" EXIT_STATUS_TEXT;

/* ------------------------------------------------------------------ */
/* Options                                                            */
/* ------------------------------------------------------------------ */

enum opt_index {
	OPT_STATE,
	OPT_SEED,
	OPT_STATIC_BAND,
	OPT_QUARANTINE,
	OPT_LEGACY_CAP,
	OPT_FORCE,
	OPT_COUNT,
	OPT_JSON,
	OPT_RANGE,
	OPT_DATA,
	OPT_TOTAL,
};

#define BIT(i) (1u << (i))

struct opt_spec {
	const char *name;
	int takes_value;
};

static const struct opt_spec opt_specs[OPT_TOTAL] = {
	[OPT_STATE] = { "--state", 1 },
	[OPT_SEED] = { "--seed", 1 },
	[OPT_STATIC_BAND] = { "--static-band", 1 },
	[OPT_QUARANTINE] = { "--quarantine", 1 },
	[OPT_LEGACY_CAP] = { "--legacy-cap", 0 },
	[OPT_FORCE] = { "--force", 0 },
	[OPT_COUNT] = { "-n", 1 },
	[OPT_JSON] = { "--json", 0 },
	[OPT_RANGE] = { "--range", 1 },
	[OPT_DATA] = { "--data", 1 },
};

/* The most items one "allocate -n" takes. */
#define COUNT_MAX (UINT64_C(1) << 24)

enum kind {
	KIND_RANGE,
	KIND_PORTS,
};

struct ctx;

struct action {
	const char *name;
	int (*run)(struct ctx *c);
	unsigned options; /* BIT()s of the options it accepts */
	const char *help[2];
};

/* An address or a port, with the text it came from. */
struct item {
	cip_addr addr;
	uint32_t port;
	const char *text;
};

struct ctx {
	enum kind kind;
	const char *name; /* "range" or "ports" */
	const char *path; /* --state */
	struct cli_command sub;
	char sub_name[32];
	unsigned given; /* BIT()s of the options given */
	const char *value[OPT_TOTAL];
	char **operands;
	int count;
	uint64_t now;
	uint64_t seed;
	cip_range *range;
	cip_ports *ports;
	struct cli_state_lock lock; /* held by actions that change the file */
};

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Prints "clusterip NAME: <message>" on standard error; returns CLI_EXIT_FAIL. */
static int fail(const struct ctx *c, const char *format, ...) PRINTF_LIKE(2, 3);

static int fail(const struct ctx *c, const char *format, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", CLI_PROGRAM, c->name);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

static int find_option(const char *arg, size_t len)
{
	for (int i = 0; i < OPT_TOTAL; i++) {
		if (strlen(opt_specs[i].name) == len && memcmp(opt_specs[i].name, arg, len) == 0) {
			return i;
		}
	}
	return -1;
}

/*
 * Parses the action's arguments (argv[0] is the action): options anywhere
 * until "--", "--name=value" or "--name value", operands gathered at the
 * front of argv. Returns CLI_CONTINUE, or an exit status after the help or
 * a usage error.
 */
static int parse_args(struct ctx *c, const struct action *act, int argc, char **argv)
{
	int only_operands = 0, help = 0;

	c->count = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq;
		size_t len;
		int opt;

		if (only_operands || arg[0] != '-' || arg[1] == '\0') {
			argv[c->count++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_operands = 1;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			help = 1;
			continue;
		}
		eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		opt = find_option(arg, len);
		if (opt < 0 || !(act->options & BIT(opt)) ||
		    (opt == OPT_LEGACY_CAP && c->kind != KIND_RANGE)) {
			return cli_usage_error(&c->sub, "unknown option", arg);
		}
		c->given |= BIT(opt);
		if (!opt_specs[opt].takes_value) {
			if (eq != NULL) {
				return cli_usage_error(&c->sub, "option takes no value", arg);
			}
		} else if (eq != NULL) {
			c->value[opt] = eq + 1;
		} else if (i + 1 < argc) {
			c->value[opt] = argv[++i];
		} else {
			return cli_usage_error(&c->sub, "option requires a value", arg);
		}
	}
	c->operands = argv;
	if (help) {
		fputs(c->sub.help, stdout);
		return CLI_EXIT_OK;
	}
	return CLI_CONTINUE;
}

/* Parses plain decimal digits into *out; -1 when not a number or too large. */
static int parse_u64(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (text[0] == '\0') {
		return -1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (*p < '0' || *p > '9' || v > (max - d) / 10) {
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The two allocators behind one face                                 */
/* ------------------------------------------------------------------ */

static void free_allocator(struct ctx *c)
{
	cip_range_free(c->range);
	cip_ports_free(c->ports);
	c->range = NULL;
	c->ports = NULL;
}

static const char *item_noun(const struct ctx *c)
{
	return c->kind == KIND_RANGE ? "address" : "port";
}

/* Parses an operand; prints the error and returns -1 when it is not one. */
static int parse_item(const struct ctx *c, const char *text, struct item *out)
{
	out->text = text;
	if (c->kind == KIND_PORTS) {
		uint64_t v;

		if (parse_u64(text, UINT32_MAX, &v) != 0) {
			fail(c, "invalid port '%s': not a port number", text);
			return -1;
		}
		out->port = (uint32_t)v;
		return 0;
	}
	cip_parse_error err;
	int rc = cip_parse_error_init(&err, sizeof(err));

	if (rc == 0) {
		rc = cip_addr_parse(&out->addr, text, strlen(text), 0, &err);
	}
	if (rc == 0) {
		return 0;
	}
	if (err.reason != CIP_PARSE_OK) {
		fail(c, "invalid address '%s': %s at byte %zu", text, cli_parse_message(&err, rc),
		     err.offset);
	} else {
		fail(c, "invalid address '%s': %s", text, cip_strerror(rc));
	}
	return -1;
}

static void format_item(const struct ctx *c, const struct item *it, char *buf, size_t cap)
{
	if (c->kind == KIND_PORTS) {
		snprintf(buf, cap, "%u", (unsigned)it->port);
	} else if (cip_addr_format(&it->addr, buf, cap) < 0) {
		snprintf(buf, cap, "?");
	}
}

/* The range's spec: the CIDR, or MIN-MAX. */
static int spec_text(const struct ctx *c, char *buf, size_t cap)
{
	cip_port_range pr;
	int rc;

	if (c->kind == KIND_RANGE) {
		return cip_range_k8s_spec(c->range, buf, cap);
	}
	rc = cip_ports_range(c->ports, &pr);
	return rc < 0 ? rc : cip_port_range_format(&pr, buf, cap);
}

static int allocate_item(struct ctx *c, struct item *it)
{
	if (c->kind == KIND_RANGE) {
		return cip_range_allocate(c->range, &it->addr, 0);
	}
	return cip_ports_allocate(c->ports, it->port, 0);
}

static int allocate_next(struct ctx *c, struct item *it)
{
	it->text = NULL;
	if (c->kind == KIND_RANGE) {
		return cip_range_allocate_next(c->range, c->now, 0, &it->addr);
	}
	return cip_ports_allocate_next(c->ports, c->now, 0, &it->port);
}

static int release_item(struct ctx *c, const struct item *it)
{
	if (c->kind == KIND_RANGE) {
		return cip_range_release(c->range, &it->addr, c->now, 0);
	}
	return cip_ports_release(c->ports, it->port, c->now, 0);
}

static int snapshot(const struct ctx *c, uint8_t *buf, size_t cap, size_t *len)
{
	if (c->kind == KIND_RANGE) {
		return cip_range_snapshot(c->range, c->now, buf, cap, len);
	}
	return cip_ports_snapshot(c->ports, c->now, buf, cap, len);
}

static int export_k8s(const struct ctx *c, uint8_t *buf, size_t cap, size_t *len)
{
	if (c->kind == KIND_RANGE) {
		return cip_range_export_k8s(c->range, buf, cap, len);
	}
	return cip_ports_export_k8s(c->ports, buf, cap, len);
}

typedef int (*fill_fn)(const struct ctx *c, uint8_t *buf, size_t cap, size_t *len);

/* Calls @p fill with a buffer that is large enough; *out is malloc'ed. */
static int fill_buffer(const struct ctx *c, fill_fn fill, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	int rc;

	*len = 0;
	rc = fill(c, NULL, 0, len);
	for (int tries = 0; rc == CIP_EBUFSIZE && tries < 8; tries++) {
		uint8_t *p;

		cap = *len > cap ? *len : cap * 2 + 1;
		p = realloc(buf, cap);
		if (p == NULL) {
			rc = CIP_ENOMEM;
			break;
		}
		buf = p;
		rc = fill(c, buf, cap, len);
	}
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Loading and saving the state                                       */
/* ------------------------------------------------------------------ */

static int load(struct ctx *c)
{
	struct cli_state st;
	uint64_t at;
	int rc;

	if (cli_state_read(c->name, c->path, &st) != 0) {
		return CLI_EXIT_FAIL;
	}
	/* See "Time" at the top. */
	at = st.time_ns <= c->now ? st.time_ns : c->now;
	if (c->kind == KIND_RANGE) {
		rc = cip_range_new_from_snapshot(&c->range, at, st.data, st.len, c->seed);
	} else {
		rc = cip_ports_new_from_snapshot(&c->ports, at, st.data, st.len, c->seed);
	}
	free(st.data);
	switch (rc) {
	case 0:
		return CLI_EXIT_OK;
	case CIP_ESNAPSHOT_MISMATCH:
		return fail(c, "%s: not a %s state file (%s)", c->path,
			    c->kind == KIND_RANGE ? "service IP range" : "node-port range",
			    cip_strerror(rc));
	case CIP_EUNSUPPORTED:
		return fail(c, "%s: %s (written by a newer version?)", c->path, cip_strerror(rc));
	default:
		return fail(c, "%s: %s", c->path, cip_strerror(rc));
	}
}

/* For an action that changes the file: locks it, then loads it. The lock is
 * held until the action has returned (run_kind()), past the save. */
static int load_for_update(struct ctx *c)
{
	if (cli_state_lock(c->name, c->path, 1, &c->lock) != 0) {
		return CLI_EXIT_FAIL;
	}
	return load(c);
}

static int save(struct ctx *c, int exclusive)
{
	uint8_t *buf;
	size_t len;
	int rc = fill_buffer(c, snapshot, &buf, &len);

	if (rc != 0) {
		return fail(c, "cannot take a snapshot: %s", cip_strerror(rc));
	}
	rc = cli_state_write(c->name, c->path, buf, len, c->now, exclusive);
	free(buf);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* init                                                               */
/* ------------------------------------------------------------------ */

/* Parses --static-band into *out; -1 when invalid. */
static int parse_static_band(const char *text, int64_t *out)
{
	uint64_t v;

	if (strcmp(text, "auto") == 0) {
		*out = CIP_STATIC_BAND_AUTO;
	} else if (strcmp(text, "off") == 0) {
		*out = CIP_STATIC_BAND_OFF;
	} else if (parse_u64(text, INT64_MAX, &v) == 0) {
		*out = v == 0 ? CIP_STATIC_BAND_OFF : (int64_t)v;
	} else {
		return -1;
	}
	return 0;
}

struct init_opts {
	int64_t static_band;
	uint64_t quarantine_ns;
};

/* The one line for a text that did not parse: the reason and, when the
 * parser gave one, the byte offset. */
static int fail_parse(const struct ctx *c, const char *what, const char *text,
		      const cip_parse_error *err, int rc)
{
	if (err->reason != CIP_PARSE_OK) {
		return fail(c, "invalid %s '%s': %s at byte %zu", what, text,
			    cli_parse_message(err, rc), err->offset);
	}
	return fail(c, "invalid %s '%s': %s", what, text, cip_strerror(rc));
}

static int create_range(struct ctx *c, const char *text, const struct init_opts *o)
{
	cip_range_opts opts;
	cip_parse_error err;
	cip_prefix cidr;
	char hint[CIP_PREFIX_STRLEN];
	int rc = cip_parse_error_init(&err, sizeof(err));

	if (rc == 0) {
		rc = cip_prefix_parse(&cidr, text, strlen(text), 0, &err);
	}
	if (rc == CIP_EHOSTBITS && cip_prefix_format(&err.network, hint, sizeof(hint)) >= 0) {
		return fail(c, "invalid CIDR '%s': %s (did you mean %s?)", text,
			    cli_parse_message(&err, rc), hint);
	}
	if (rc != 0) {
		return fail_parse(c, "CIDR", text, &err, rc);
	}
	rc = cip_range_opts_init(&opts, sizeof(opts));
	if (rc == 0) {
		opts.seed = c->seed;
		opts.static_band = o->static_band;
		opts.quarantine_ns = o->quarantine_ns;
		opts.flags = (c->given & BIT(OPT_LEGACY_CAP)) ? CIP_RANGE_LEGACY_CAP : 0;
		rc = cip_range_new(&c->range, &cidr, &opts);
	}
	if (rc == CIP_EUNSUPPORTED) {
		return fail(c,
			    "cannot create a range for %s: %s (IPv6 needs a /64 or longer, or "
			    "--legacy-cap)",
			    text, cip_strerror(rc));
	}
	if (rc != 0) {
		return fail(c, "cannot create a range for %s: %s", text, cip_strerror(rc));
	}
	return CLI_EXIT_OK;
}

static int create_ports(struct ctx *c, const char *text, const struct init_opts *o)
{
	cip_ports_opts opts;
	cip_parse_error err;
	cip_port_range pr;
	int rc = cip_parse_error_init(&err, sizeof(err));

	if (rc == 0) {
		rc = cip_port_range_parse(&pr, text, strlen(text), &err);
	}
	if (rc != 0) {
		return fail_parse(c, "port range", text, &err, rc);
	}
	rc = cip_ports_opts_init(&opts, sizeof(opts));
	if (rc == 0) {
		opts.seed = c->seed;
		opts.static_band = o->static_band;
		opts.quarantine_ns = o->quarantine_ns;
		rc = cip_ports_new(&c->ports, &pr, &opts);
	}
	if (rc != 0) {
		return fail(c, "cannot create a port range for %s: %s", text, cip_strerror(rc));
	}
	return CLI_EXIT_OK;
}

static int run_init(struct ctx *c)
{
	struct init_opts o = { CIP_STATIC_BAND_AUTO, 0 };
	int force = (c->given & BIT(OPT_FORCE)) != 0;
	struct stat st;
	uint64_t seconds;
	int rc;

	if (c->count == 0) {
		return cli_usage_error(
			&c->sub, c->kind == KIND_RANGE ? "no CIDR given" : "no port range given",
			NULL);
	}
	if (c->count > 1) {
		return cli_usage_error(&c->sub, "too many arguments", c->operands[1]);
	}
	if ((c->given & BIT(OPT_STATIC_BAND)) &&
	    parse_static_band(c->value[OPT_STATIC_BAND], &o.static_band) != 0) {
		return cli_usage_error(&c->sub, "invalid static band", c->value[OPT_STATIC_BAND]);
	}
	if (c->given & BIT(OPT_QUARANTINE)) {
		if (parse_u64(c->value[OPT_QUARANTINE], UINT64_MAX / 1000000000u, &seconds) != 0) {
			return cli_usage_error(&c->sub, "invalid number of seconds",
					       c->value[OPT_QUARANTINE]);
		}
		o.quarantine_ns = seconds * 1000000000u;
	}
	if (c->kind == KIND_RANGE) {
		rc = create_range(c, c->operands[0], &o);
	} else {
		rc = create_ports(c, c->operands[0], &o);
	}
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	/* Under the lock, so that init --force takes its turn with the runs
	 * that change the file. */
	if (cli_state_lock(c->name, c->path, 0, &c->lock) != 0) {
		return CLI_EXIT_FAIL;
	}
	/* Checked again, without a race, when the file is linked in place. */
	if (!force && lstat(c->path, &st) == 0) {
		return fail(c, "%s already exists (--force replaces it)", c->path);
	}
	return save(c, !force);
}

/* ------------------------------------------------------------------ */
/* allocate, release                                                  */
/* ------------------------------------------------------------------ */

/* Parses every operand into a new array (*out); CLI_EXIT_FAIL on a bad one. */
static int parse_items(const struct ctx *c, struct item **out)
{
	struct item *items = calloc((size_t)c->count, sizeof(*items));

	if (items == NULL) {
		return fail(c, "%s", strerror(ENOMEM));
	}
	for (int i = 0; i < c->count; i++) {
		if (parse_item(c, c->operands[i], &items[i]) != 0) {
			free(items);
			return CLI_EXIT_FAIL;
		}
	}
	*out = items;
	return CLI_EXIT_OK;
}

static int allocate_all(struct ctx *c, struct item *items, size_t n, int given)
{
	for (size_t i = 0; i < n; i++) {
		int rc = given ? allocate_item(c, &items[i]) : allocate_next(c, &items[i]);

		if (rc == 0) {
			continue;
		}
		if (given) {
			return fail(c, "cannot allocate %s: %s", items[i].text, cip_strerror(rc));
		}
		if (n == 1) {
			return fail(c, "cannot allocate %s %s: %s",
				    c->kind == KIND_RANGE ? "an" : "a", item_noun(c),
				    cip_strerror(rc));
		}
		return fail(c, "cannot allocate %s %zu of %zu: %s", item_noun(c), i + 1, n,
			    cip_strerror(rc));
	}
	return CLI_EXIT_OK;
}

static int run_allocate(struct ctx *c)
{
	struct item *items = NULL;
	uint64_t count = 1;
	size_t n;
	int given = c->count > 0;
	int rc;

	if (given && (c->given & BIT(OPT_COUNT))) {
		return cli_usage_error(&c->sub, "-n cannot be combined with", c->operands[0]);
	}
	if ((c->given & BIT(OPT_COUNT)) &&
	    (parse_u64(c->value[OPT_COUNT], COUNT_MAX, &count) != 0 || count == 0)) {
		return cli_usage_error(&c->sub, "invalid count", c->value[OPT_COUNT]);
	}
	if (given) {
		rc = parse_items(c, &items);
		n = (size_t)c->count;
	} else {
		n = (size_t)count;
		items = calloc(n, sizeof(*items));
		rc = items != NULL ? CLI_EXIT_OK : fail(c, "%s", strerror(ENOMEM));
	}
	if (rc == CLI_EXIT_OK) {
		rc = load_for_update(c);
	}
	if (rc == CLI_EXIT_OK) {
		rc = allocate_all(c, items, n, given);
	}
	if (rc == CLI_EXIT_OK) {
		rc = save(c, 0);
	}
	for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++) {
		char buf[CIP_ADDR_STRLEN];

		format_item(c, &items[i], buf, sizeof(buf));
		printf("%s\n", buf);
	}
	free(items);
	return rc;
}

static int run_release(struct ctx *c)
{
	struct item *items = NULL;
	int changed = 0;
	int rc;

	if (c->count == 0) {
		return cli_usage_error(&c->sub,
				       c->kind == KIND_RANGE ? "no address given" : "no port given",
				       NULL);
	}
	rc = parse_items(c, &items);
	if (rc == CLI_EXIT_OK) {
		rc = load_for_update(c);
	}
	for (int i = 0; rc == CLI_EXIT_OK && i < c->count; i++) {
		int r = release_item(c, &items[i]);

		if (r == 0) {
			changed = 1;
		} else if (r == CIP_ENOTALLOCATED) {
			fprintf(stderr, "%s %s: warning: %s was not allocated; nothing to do\n",
				CLI_PROGRAM, c->name, items[i].text);
		} else if (r == CIP_ERANGE || r == CIP_EFAMILY) {
			fprintf(stderr,
				"%s %s: warning: %s was not allocated (%s); nothing to do\n",
				CLI_PROGRAM, c->name, items[i].text, cip_strerror(r));
		} else {
			rc = fail(c, "cannot release %s: %s", items[i].text, cip_strerror(r));
		}
	}
	if (rc == CLI_EXIT_OK && changed) {
		rc = save(c, 0);
	}
	free(items);
	return rc;
}

/* ------------------------------------------------------------------ */
/* show, list                                                         */
/* ------------------------------------------------------------------ */

/* The item at offset @p off of the range, as text. */
static void item_at(const struct ctx *c, uint64_t off, char *buf, size_t cap)
{
	cip_port_range pr;
	cip_prefix p;
	cip_addr net, a;
	cip_u128 delta = { 0, off + 1 };

	if (c->kind == KIND_PORTS) {
		if (cip_ports_range(c->ports, &pr) == 0) {
			snprintf(buf, cap, "%llu", (unsigned long long)(pr.base + off));
			return;
		}
	} else if (cip_range_prefix(c->range, &p) == 0 && cip_prefix_network(&net, &p) == 0 &&
		   cip_addr_add(&a, &net, &delta) == 0 && cip_addr_format(&a, buf, cap) >= 0) {
		return;
	}
	snprintf(buf, cap, "?");
}

struct band_text {
	char first[CIP_ADDR_STRLEN];
	char last[CIP_ADDR_STRLEN];
};

static void band_span(const struct ctx *c, uint64_t start, const cip_band_stats *b,
		      struct band_text *out)
{
	out->first[0] = out->last[0] = '\0';
	if (b->size > 0) {
		item_at(c, start, out->first, sizeof(out->first));
		item_at(c, start + b->size - 1, out->last, sizeof(out->last));
	}
}

static void show_band_text(const char *label, const cip_band_stats *b, const struct band_text *t)
{
	printf("%-14s", label);
	if (t->first[0] == '\0') {
		fputs("none\n", stdout);
		return;
	}
	printf("%s-%s (size %llu, used %llu, available %llu)\n", t->first, t->last,
	       (unsigned long long)b->size, (unsigned long long)b->used,
	       (unsigned long long)b->available);
}

static void show_json_end(int ports, const char *text)
{
	if (text[0] == '\0') {
		fputs("null", stdout);
	} else if (ports) {
		fputs(text, stdout);
	} else {
		cli_json_string(stdout, text, strlen(text));
	}
}

static void show_band_json(const char *key, int ports, const cip_band_stats *b,
			   const struct band_text *t)
{
	printf(",\"%s\":{\"first\":", key);
	show_json_end(ports, t->first);
	fputs(",\"last\":", stdout);
	show_json_end(ports, t->last);
	printf(",\"size\":%llu,\"used\":%llu,\"available\":%llu}", (unsigned long long)b->size,
	       (unsigned long long)b->used, (unsigned long long)b->available);
}

static int run_show(struct ctx *c)
{
	char spec[CIP_PREFIX_STRLEN];
	struct band_text st, dyn;
	cip_range_stats s;
	int ports = c->kind == KIND_PORTS;
	const char *key = ports ? "range" : "cidr";
	int rc = load(c);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.sz = sizeof(s);
	/* Quarantines that ended since the snapshot are not quarantined now. */
	rc = ports ? cip_ports_expire(c->ports, c->now) : cip_range_expire(c->range, c->now);
	if (rc >= 0) {
		rc = ports ? cip_ports_stats_get(c->ports, &s) : cip_range_stats_get(c->range, &s);
	}
	if (rc >= 0) {
		rc = spec_text(c, spec, sizeof(spec));
	}
	if (rc < 0) {
		return fail(c, "%s: %s", c->path, cip_strerror(rc));
	}
	band_span(c, 0, &s.static_band, &st);
	band_span(c, s.static_band.size, &s.dynamic_band, &dyn);
	if (c->given & BIT(OPT_JSON)) {
		printf("{\"%s\":", key);
		cli_json_string(stdout, spec, strlen(spec));
		printf(",\"size\":%llu,\"used\":%llu,\"available\":%llu,\"quarantined\":%llu",
		       (unsigned long long)s.all.size, (unsigned long long)s.all.used,
		       (unsigned long long)s.all.available, (unsigned long long)s.all.quarantined);
		show_band_json("static_band", ports, &s.static_band, &st);
		show_band_json("dynamic_band", ports, &s.dynamic_band, &dyn);
		fputs("}\n", stdout);
		return CLI_EXIT_OK;
	}
	printf("%-14s%s\n", ports ? "range:" : "cidr:", spec);
	printf("%-14s%llu\n", "size:", (unsigned long long)s.all.size);
	printf("%-14s%llu\n", "used:", (unsigned long long)s.all.used);
	printf("%-14s%llu\n", "available:", (unsigned long long)s.all.available);
	printf("%-14s%llu\n", "quarantined:", (unsigned long long)s.all.quarantined);
	show_band_text("static band:", &s.static_band, &st);
	show_band_text("dynamic band:", &s.dynamic_band, &dyn);
	return CLI_EXIT_OK;
}

static int print_addr(const cip_addr *addr, void *ctx)
{
	char buf[CIP_ADDR_STRLEN];
	int rc = cip_addr_format(addr, buf, sizeof(buf));

	(void)ctx;
	if (rc < 0) {
		return rc;
	}
	printf("%s\n", buf);
	return ferror(stdout) ? 1 : 0;
}

static int print_port(uint32_t port, void *ctx)
{
	(void)ctx;
	printf("%u\n", (unsigned)port);
	return ferror(stdout) ? 1 : 0;
}

static int run_list(struct ctx *c)
{
	int rc = load(c);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (c->kind == KIND_RANGE) {
		rc = cip_range_foreach(c->range, print_addr, NULL);
	} else {
		rc = cip_ports_foreach(c->ports, print_port, NULL);
	}
	if (rc < 0) {
		return fail(c, "%s: %s", c->path, cip_strerror(rc));
	}
	/* rc > 0: standard output failed; main() reports it. */
	return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* export-k8s, import-k8s                                             */
/* ------------------------------------------------------------------ */

static int run_export(struct ctx *c)
{
	char spec[CIP_PREFIX_STRLEN];
	uint8_t *data = NULL;
	char *text;
	size_t len;
	int rc = load(c);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	rc = spec_text(c, spec, sizeof(spec));
	if (rc >= 0) {
		rc = fill_buffer(c, export_k8s, &data, &len);
	}
	if (rc == CIP_EUNSUPPORTED) {
		return fail(c, "cannot export %s: %s (too large for a RangeAllocation)", c->path,
			    cip_strerror(rc));
	}
	if (rc < 0) {
		return fail(c, "cannot export %s: %s", c->path, cip_strerror(rc));
	}
	text = malloc(cli_base64_encoded_len(len) + 1);
	if (text == NULL) {
		free(data);
		return fail(c, "%s", strerror(ENOMEM));
	}
	cli_base64_encode(text, data, len);
	fputs("{\"range\": ", stdout);
	cli_json_string(stdout, spec, strlen(spec));
	printf(", \"data\": \"%s\"}\n", text);
	free(text);
	free(data);
	return CLI_EXIT_OK;
}

static int run_import(struct ctx *c)
{
	static const uint8_t none[1];
	const char *spec = c->value[OPT_RANGE];
	const char *b64 = c->value[OPT_DATA];
	size_t b64_len, len = 0, offset = 0;
	uint8_t *data;
	int rc;

	if (c->count > 0) {
		return cli_usage_error(&c->sub, "unexpected argument", c->operands[0]);
	}
	if (!(c->given & BIT(OPT_RANGE))) {
		return cli_usage_error(&c->sub, "missing option", "--range");
	}
	if (!(c->given & BIT(OPT_DATA))) {
		return cli_usage_error(&c->sub, "missing option", "--data");
	}
	b64_len = strlen(b64);
	data = malloc(b64_len / 4 * 3 + 1);
	if (data == NULL) {
		return fail(c, "%s", strerror(ENOMEM));
	}
	rc = cli_base64_decode(data, &len, b64, b64_len, &offset);
	if (rc != CLI_BASE64_OK) {
		free(data);
		return fail(c, "--data is not valid base64: %s at byte %zu",
			    cli_base64_error_string(rc), offset);
	}
	rc = load_for_update(c);
	if (rc == CLI_EXIT_OK) {
		const uint8_t *bytes = len > 0 ? data : none;

		if (c->kind == KIND_RANGE) {
			rc = cip_range_import_k8s(c->range, spec, strlen(spec), bytes, len);
		} else {
			rc = cip_ports_import_k8s(c->ports, spec, strlen(spec), bytes, len);
		}
		if (rc == CIP_ESNAPSHOT_MISMATCH) {
			char mine[CIP_PREFIX_STRLEN];

			if (spec_text(c, mine, sizeof(mine)) < 0) {
				mine[0] = '\0';
			}
			rc = fail(c, "cannot import range '%s' into %s (%s): %s", spec, c->path,
				  mine, cip_strerror(CIP_ESNAPSHOT_MISMATCH));
		} else if (rc != 0) {
			rc = fail(c, "cannot import range '%s': %s", spec, cip_strerror(rc));
		}
	}
	free(data);
	return rc == CLI_EXIT_OK ? save(c, 0) : rc;
}

/* ------------------------------------------------------------------ */
/* The commands                                                       */
/* ------------------------------------------------------------------ */

#define STATE_SEED (BIT(OPT_STATE) | BIT(OPT_SEED))

static const struct action actions[] = {
	{ "init",
	  run_init,
	  STATE_SEED | BIT(OPT_STATIC_BAND) | BIT(OPT_QUARANTINE) | BIT(OPT_LEGACY_CAP) |
		  BIT(OPT_FORCE),
	  { range_init_help, ports_init_help } },
	{ "allocate",
	  run_allocate,
	  STATE_SEED | BIT(OPT_COUNT),
	  { range_allocate_help, ports_allocate_help } },
	{ "release", run_release, BIT(OPT_STATE), { range_release_help, ports_release_help } },
	{ "show", run_show, BIT(OPT_STATE) | BIT(OPT_JSON), { range_show_help, ports_show_help } },
	{ "list", run_list, BIT(OPT_STATE), { range_list_help, ports_list_help } },
	{ "export-k8s", run_export, BIT(OPT_STATE), { range_export_help, ports_export_help } },
	{ "import-k8s",
	  run_import,
	  BIT(OPT_STATE) | BIT(OPT_RANGE) | BIT(OPT_DATA),
	  { range_import_help, ports_import_help } },
};

#define ACTION_COUNT (sizeof(actions) / sizeof(actions[0]))

/* Checks what every action needs: --state, the clock, the seed. */
static int common_checks(struct ctx *c, const struct action *act)
{
	if (act->run != run_init && act->run != run_allocate && act->run != run_release &&
	    act->run != run_import && c->count > 0) {
		return cli_usage_error(&c->sub, "unexpected argument", c->operands[0]);
	}
	if (!(c->given & BIT(OPT_STATE))) {
		return cli_usage_error(&c->sub, "missing option", "--state");
	}
	c->path = c->value[OPT_STATE];
	if (c->path[0] == '\0') {
		return cli_usage_error(&c->sub, "empty file name for", "--state");
	}
	if ((c->given & BIT(OPT_SEED)) &&
	    parse_u64(c->value[OPT_SEED], UINT64_MAX, &c->seed) != 0) {
		return cli_usage_error(&c->sub, "invalid seed", c->value[OPT_SEED]);
	}
	if (cli_now_ns(&c->now) != 0) {
		return cli_usage_error(&c->sub, "invalid " CLI_NOW_ENV " (nanoseconds expected)",
				       getenv(CLI_NOW_ENV));
	}
	return CLI_CONTINUE;
}

static int run_kind(const struct cli_command *self, enum kind kind, int argc, char **argv)
{
	const struct action *act = NULL;
	struct ctx c;
	int rc;

	if (argc < 2) {
		return cli_usage_error(self, "no action given", NULL);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(self->help, stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ACTION_COUNT; i++) {
		if (strcmp(actions[i].name, argv[1]) == 0) {
			act = &actions[i];
		}
	}
	if (act == NULL) {
		return cli_usage_error(self, "unknown action", argv[1]);
	}
	memset(&c, 0, sizeof(c));
	c.lock.fd = -1;
	c.kind = kind;
	c.name = self->name;
	snprintf(c.sub_name, sizeof(c.sub_name), "%s %s", self->name, act->name);
	c.sub.name = c.sub_name;
	c.sub.help = act->help[kind];
	rc = parse_args(&c, act, argc - 1, argv + 1);
	if (rc == CLI_CONTINUE) {
		rc = common_checks(&c, act);
	}
	if (rc == CLI_CONTINUE) {
		rc = act->run(&c);
	}
	cli_state_unlock(&c.lock);
	free_allocator(&c);
	return rc;
}

int cli_cmd_range(const struct cli_command *self, int argc, char **argv)
{
	return run_kind(self, KIND_RANGE, argc, argv);
}

int cli_cmd_ports(const struct cli_command *self, int argc, char **argv)
{
	return run_kind(self, KIND_PORTS, argc, argv);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared plumbing of the clusterip program: the command table entry,
 * option parsing, input iteration (arguments and standard-input lines),
 * error lines and JSON string output.
 */
#ifndef CLUSTERIP_TOOLS_CLI_H
#define CLUSTERIP_TOOLS_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <clusterip/clusterip.h>

/* Exit statuses of the program. */
enum cli_exit {
	CLI_EXIT_OK = 0,    /* every input succeeded */
	CLI_EXIT_FAIL = 1,  /* some input failed, or output/input I/O failed */
	CLI_EXIT_USAGE = 2, /* bad command line */
};

/* The program name used in diagnostics. */
#define CLI_PROGRAM "clusterip"

struct cli_command;

/*
 * A subcommand handler. argv[0] is the subcommand's name; returns an
 * enum cli_exit value.
 */
typedef int (*cli_handler)(const struct cli_command *self, int argc, char **argv);

/* One entry of the command table. */
struct cli_command {
	const char *name;    /* what the user types */
	cli_handler run;     /* the handler */
	const char *summary; /* one line for the command list */
	const char *help;    /* the full text of "clusterip NAME --help" */
};

/* A boolean option ("--json") and the bit it sets in cli_args.options. */
struct cli_option {
	const char *name;
	unsigned bit;
};

/* The result of parsing a subcommand's arguments. */
struct cli_args {
	unsigned options; /* OR of the bits of the options given */
	int help;	  /* -h or --help was given */
	char **operands;  /* the non-option arguments, in order */
	int count;	  /* how many */
};

/* cli_start() returns this when the subcommand should go on. */
#define CLI_CONTINUE (-1)

/*
 * The common start of every subcommand: parses its arguments (argv[0] is
 * skipped; options may appear anywhere until "--"; everything after "--",
 * every argument not starting with '-', and "-" itself are operands,
 * gathered at the front of argv's pointer array), prints its
 * help for -h/--help, and, when @p missing is not NULL, rejects a call
 * without operands with @p missing as the usage message. Returns
 * CLI_CONTINUE when the handler should go on with @p out, otherwise the
 * exit status the handler should return.
 */
int cli_start(const struct cli_command *cmd, const struct cli_option *opts, size_t nopts, int argc,
	      char **argv, const char *missing, struct cli_args *out);

/* Prints "clusterip NAME: <message>" and the --help hint to stderr;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *message, const char *detail);

/*
 * Called once per input text; @p text is not NUL-terminated and may contain
 * NUL bytes. Returns 0 when the input succeeded, non-zero when it failed.
 */
typedef int (*cli_input_fn)(const char *text, size_t len, void *ctx);

/*
 * Calls @p fn for every operand in order; the operand "-" stands for every
 * line of standard input (without its trailing "\n" or "\r\n"; a last line
 * without a newline counts too). Stops early once standard output has
 * failed. Returns CLI_EXIT_OK when every call succeeded, CLI_EXIT_FAIL when
 * any failed or standard input could not be read.
 */
int cli_for_each_input(char **operands, int count, cli_input_fn fn, void *ctx);

/*
 * The message for a failed parse: the reason's phrase when the parser gave
 * one, else the error code's description.
 */
const char *cli_parse_message(const cip_parse_error *err, int rc);

/* Prints "error: <message> at byte N\n" to stdout ("error: <message>\n"
 * when the failure has no parse reason, hence no offset). */
void cli_print_parse_error(const cip_parse_error *err, int rc);

/*
 * Writes @p len bytes as a JSON string, quotes included: '"' and '\\' are
 * escaped, control characters and DEL become \u00XX, valid UTF-8 passes
 * through, and every byte that is not part of valid UTF-8 becomes \u00XX
 * (the byte's value, i.e. read as Latin-1).
 */
void cli_json_string(FILE *out, const char *text, size_t len);

/* The subcommands. */
int cli_cmd_addr(const struct cli_command *self, int argc, char **argv);
int cli_cmd_cidr(const struct cli_command *self, int argc, char **argv);
int cli_cmd_demo(const struct cli_command *self, int argc, char **argv);
int cli_cmd_ports(const struct cli_command *self, int argc, char **argv);
int cli_cmd_range(const struct cli_command *self, int argc, char **argv);

extern const char cli_addr_help[];
extern const char cli_cidr_help[];
extern const char cli_demo_help[];
extern const char cli_ports_help[];
extern const char cli_range_help[];

#endif /* CLUSTERIP_TOOLS_CLI_H */

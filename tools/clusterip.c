/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusterip: the command-line face of libclusterip. main() picks a
 * subcommand from the table below; adding one is adding a row.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_help(const struct cli_command *self, int argc, char **argv);

static const char help_help[] = "Usage: clusterip help [COMMAND]\n"
				"\n"
				"Show the program's usage, or the help of COMMAND.\n";

static const struct cli_command commands[] = {
	{ "addr", cli_cmd_addr, "parse addresses and print them in canonical form", cli_addr_help },
	{ "cidr", cli_cmd_cidr, "describe service CIDRs: size, ranges, bands", cli_cidr_help },
	{ "demo", cli_cmd_demo, "run a small cluster end to end and check every step",
	  cli_demo_help },
	{ "help", cmd_help, "show the usage, or a command's help", help_help },
	{ "ports", cli_cmd_ports, "node-port allocator with a state file", cli_ports_help },
	{ "range", cli_cmd_range, "service-IP allocator with a state file", cli_range_help },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			return &commands[i];
		}
	}
	return NULL;
}

static void print_usage(FILE *out)
{
	fputs("Usage: clusterip COMMAND [OPTION...] [ARGUMENT...]\n"
	      "       clusterip --version\n"
	      "       clusterip --help\n"
	      "\n"
	      "The machinery behind Kubernetes Service ClusterIPs.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		fprintf(out, "  %-6s  %s\n", commands[i].name, commands[i].summary);
	}
	fputs("\n"
	      "Run 'clusterip COMMAND --help' for a command's options and output.\n"
	      "\n"
	      "Exit status: 0 on success, 1 when an input failed or output could not\n"
	      "be written, 2 on a usage error.\n",
	      out);
}

static int cmd_help(const struct cli_command *self, int argc, char **argv)
{
	struct cli_args args;
	const struct cli_command *cmd;
	int rc = cli_start(self, NULL, 0, argc, argv, NULL, &args);

	if (rc != CLI_CONTINUE) {
		return rc;
	}
	if (args.count == 0) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (args.count > 1) {
		return cli_usage_error(self, "too many arguments", NULL);
	}
	cmd = find_command(args.operands[0]);
	if (cmd == NULL) {
		return cli_usage_error(self, "unknown command", args.operands[0]);
	}
	fputs(cmd->help, stdout);
	return CLI_EXIT_OK;
}

static int usage_error(const char *message, const char *detail)
{
	if (detail != NULL) {
		fprintf(stderr, "%s: %s '%s'\n", CLI_PROGRAM, message, detail);
	} else {
		fprintf(stderr, "%s: %s\n", CLI_PROGRAM, message);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", CLI_PROGRAM);
	return CLI_EXIT_USAGE;
}

static int run(int argc, char **argv)
{
	const struct cli_command *cmd;
	const char *name;

	if (argc < 2) {
		return usage_error("no command given", NULL);
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0) {
		printf("%s %s\n", CLI_PROGRAM, cip_version_string());
		return CLI_EXIT_OK;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (name[0] == '-') {
		return usage_error("unknown option", name);
	}
	cmd = find_command(name);
	if (cmd == NULL) {
		return usage_error("unknown command", name);
	}
	return cmd->run(cmd, argc - 1, argv + 1);
}

/* Reports a failure to write standard output, which printf and friends
 * only record in the stream's error flag. */
static int finish_output(int status)
{
	int failed;

	errno = 0;
	failed = fflush(stdout) != 0 || ferror(stdout);
	if (!failed) {
		return status;
	}
	if (errno != 0) {
		fprintf(stderr, "%s: write error on standard output: %s\n", CLI_PROGRAM,
			strerror(errno));
	} else {
		fprintf(stderr, "%s: write error on standard output\n", CLI_PROGRAM);
	}
	return status == CLI_EXIT_USAGE ? status : CLI_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	return finish_output(run(argc, argv));
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared plumbing of the clusterip program; see cli.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"

/* ------------------------------------------------------------------ */
/* Arguments                                                          */
/* ------------------------------------------------------------------ */

int cli_usage_error(const struct cli_command *cmd, const char *message, const char *detail)
{
	if (detail != NULL) {
		fprintf(stderr, "%s %s: %s '%s'\n", CLI_PROGRAM, cmd->name, message, detail);
	} else {
		fprintf(stderr, "%s %s: %s\n", CLI_PROGRAM, cmd->name, message);
	}
	fprintf(stderr, "Try '%s %s --help' for more information.\n", CLI_PROGRAM, cmd->name);
	return CLI_EXIT_USAGE;
}

static const struct cli_option *find_option(const struct cli_option *opts, size_t nopts,
					    const char *arg)
{
	for (size_t i = 0; i < nopts; i++) {
		if (strcmp(opts[i].name, arg) == 0) {
			return &opts[i];
		}
	}
	return NULL;
}

static int is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

static int parse_args(const struct cli_command *cmd, const struct cli_option *opts, size_t nopts,
		      int argc, char **argv, struct cli_args *out)
{
	int only_operands = 0;
	int count = 0;

	out->options = 0;
	out->help = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const struct cli_option *opt;

		if (only_operands || !is_option(arg)) {
			argv[count++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_operands = 1;
		} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			out->help = 1;
		} else if ((opt = find_option(opts, nopts, arg)) != NULL) {
			out->options |= opt->bit;
		} else {
			return cli_usage_error(cmd, "unknown option", arg);
		}
	}
	out->operands = argv;
	out->count = count;
	return CLI_EXIT_OK;
}

int cli_start(const struct cli_command *cmd, const struct cli_option *opts, size_t nopts, int argc,
	      char **argv, const char *missing, struct cli_args *out)
{
	int rc = parse_args(cmd, opts, nopts, argc, argv, out);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (out->help) {
		fputs(cmd->help, stdout);
		return CLI_EXIT_OK;
	}
	if (missing != NULL && out->count == 0) {
		return cli_usage_error(cmd, missing, NULL);
	}
	return CLI_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* Inputs                                                             */
/* ------------------------------------------------------------------ */

/* Removes a trailing "\n" or "\r\n"; returns the new length. */
static size_t strip_newline(const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n') {
		len--;
		if (len > 0 && line[len - 1] == '\r') {
			len--;
		}
	}
	return len;
}

/*
 * Feeds every line of standard input to @p fn. Sets *failed when a call
 * fails. Returns 0, or -1 after a message when standard input could not be
 * read.
 */
static int for_each_stdin_line(cli_input_fn fn, void *ctx, int *failed)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int saved_errno;
	int read_failed;

	errno = 0;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (fn(line, strip_newline(line, (size_t)n), ctx) != 0) {
			*failed = 1;
		}
		if (ferror(stdout)) {
			break;
		}
		errno = 0;
	}
	saved_errno = errno;
	read_failed = n < 0 && (ferror(stdin) || !feof(stdin));
	free(line);
	if (read_failed) {
		fprintf(stderr, "%s: cannot read standard input: %s\n", CLI_PROGRAM,
			strerror(saved_errno != 0 ? saved_errno : EIO));
		return -1;
	}
	return 0;
}

int cli_for_each_input(char **operands, int count, cli_input_fn fn, void *ctx)
{
	int failed = 0;

	for (int i = 0; i < count && !ferror(stdout); i++) {
		const char *text = operands[i];

		if (strcmp(text, "-") == 0) {
			if (for_each_stdin_line(fn, ctx, &failed) != 0) {
				return CLI_EXIT_FAIL;
			}
		} else if (fn(text, strlen(text), ctx) != 0) {
			failed = 1;
		}
	}
	return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

const char *cli_parse_message(const cip_parse_error *err, int rc)
{
	if (err->reason != CIP_PARSE_OK) {
		return cip_parse_reason_string(err->reason);
	}
	return cip_strerror(rc);
}

void cli_print_parse_error(const cip_parse_error *err, int rc)
{
	if (err->reason != CIP_PARSE_OK) {
		printf("error: %s at byte %zu\n", cli_parse_message(err, rc), err->offset);
	} else {
		printf("error: %s\n", cli_parse_message(err, rc));
	}
}

/* ------------------------------------------------------------------ */
/* JSON                                                               */
/* ------------------------------------------------------------------ */

/*
 * Length of the well-formed UTF-8 sequence of two or more bytes at @p s
 * (at most @p len bytes available), or 0 when it is not one (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (len < need || s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
	}
	return need;
}

/* Writes one ASCII byte, escaped as JSON requires. */
static void json_ascii(FILE *out, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", (unsigned)c);
		} else {
			fputc(c, out);
		}
	}
}

void cli_json_string(FILE *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		size_t n;

		if (s[i] < 0x80) {
			json_ascii(out, s[i]);
			i++;
		} else if ((n = utf8_sequence(s + i, len - i)) != 0) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else {
			fprintf(out, "\\u%04x", (unsigned)s[i]);
			i++;
		}
	}
	fputc('"', out);
}

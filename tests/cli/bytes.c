/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip-test-bytes: damages a file for the state-file tests of run_steps.cmake
 * (CMake cannot write binary data).
 *
 *   cip-test-bytes truncate FILE LENGTH       keep the first LENGTH bytes
 *   cip-test-bytes flip FILE OFFSET [BIT]     invert one bit (0-7, default 0)
 *                                             of one byte
 *   cip-test-bytes scramble FILE OFFSET SEED  overwrite the bytes from OFFSET
 *                                             on with pseudo-random ones
 *
 * A negative LENGTH or OFFSET counts from the end of the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "cip-test-bytes: %s %s\n", what, path);
	return 1;
}

static int usage(void)
{
	fputs("usage: cip-test-bytes truncate FILE LENGTH | flip FILE OFFSET [BIT] |"
	      " scramble FILE OFFSET SEED\n",
	      stderr);
	return 2;
}

/* splitmix64: a different byte sequence for every seed, the same each run. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Parses a decimal number, all of @p text; -1 when it is not one. */
static int parse_long(const char *text, long *out)
{
	char *end;

	*out = strtol(text, &end, 10);
	return end != text && *end == '\0' ? 0 : -1;
}

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	const char *verb, *path;
	long pos, extra = 0;
	FILE *f;
	size_t len;

	if (argc < 4 || argc > 5) {
		return usage();
	}
	verb = argv[1];
	path = argv[2];
	if (strcmp(verb, "truncate") != 0 && strcmp(verb, "flip") != 0 &&
	    strcmp(verb, "scramble") != 0) {
		return usage();
	}
	if (parse_long(argv[3], &pos) != 0 || (argc == 5 && parse_long(argv[4], &extra) != 0) ||
	    (argc == 5 && strcmp(verb, "truncate") == 0) ||
	    (argc == 4 && strcmp(verb, "scramble") == 0) ||
	    (strcmp(verb, "flip") == 0 && (extra < 0 || extra > 7))) {
		return usage();
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		return fail("cannot open", path);
	}
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		return fail("cannot read (or too large)", path);
	}
	fclose(f);
	if (pos < 0) {
		pos += (long)len;
	}
	if (pos < 0 || (size_t)pos > len || (strcmp(verb, "flip") == 0 && (size_t)pos == len)) {
		return fail("position out of range for", path);
	}
	if (strcmp(verb, "flip") == 0) {
		buf[pos] ^= (unsigned char)(1u << extra);
	} else if (strcmp(verb, "scramble") == 0) {
		uint64_t state = (uint64_t)extra;

		for (size_t i = (size_t)pos; i < len; i++) {
			buf[i] = (unsigned char)next_random(&state);
		}
	} else {
		len = (size_t)pos;
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		return fail("cannot write", path);
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		return fail("cannot write", path);
	}
	return 0;
}

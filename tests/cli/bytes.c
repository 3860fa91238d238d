/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip-test-bytes: damages a file for the state-file tests of run_steps.cmake
 * (CMake cannot write binary data).
 *
 *   cip-test-bytes truncate FILE LENGTH   keep the first LENGTH bytes
 *   cip-test-bytes flip FILE OFFSET       invert the low bit of one byte
 *
 * A negative LENGTH or OFFSET counts from the end of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "cip-test-bytes: %s %s\n", what, path);
	return 1;
}

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	const char *path;
	FILE *f;
	size_t len;
	long pos;

	if (argc != 4 || (strcmp(argv[1], "truncate") != 0 && strcmp(argv[1], "flip") != 0)) {
		fputs("usage: cip-test-bytes truncate|flip FILE N\n", stderr);
		return 2;
	}
	path = argv[2];
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
	pos = strtol(argv[3], NULL, 10);
	if (pos < 0) {
		pos += (long)len;
	}
	if (pos < 0 || (size_t)pos > len || (strcmp(argv[1], "flip") == 0 && (size_t)pos == len)) {
		return fail("position out of range for", path);
	}
	if (strcmp(argv[1], "flip") == 0) {
		buf[pos] ^= 1;
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

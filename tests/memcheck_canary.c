/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proves that the valgrind test runs fail on what memcheck finds: each mode
 * makes one kind of error and otherwise exits 0, so a test of it passes
 * only if the launcher turned the error into the failing exit status.
 *
 *   memcheck_canary invalid-read | uninitialised | leak
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Volatile, so that the compiler neither sees the error nor removes it. */
static volatile size_t one_past = 16;
static void *volatile lost;

static int invalid_read(void)
{
	char *block = malloc(16);
	volatile char sink;

	if (block == NULL)
		return 1;
	memset(block, 'x', 16);
	sink = block[one_past];
	(void)sink;
	free(block);
	return 0;
}

static int uninitialised(void)
{
	/* Volatile, so that the compiler does not warn of the error either. */
	int *volatile block = malloc(sizeof(*block));
	int odd;

	if (block == NULL)
		return 1;
	odd = *block & 1; /* a decision on a value nobody wrote */
	free(block);
	if (odd)
		puts("odd");
	return 0;
}

static int leak(void)
{
	lost = malloc(64);
	lost = NULL; /* the only pointer to the block is gone */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "invalid-read") == 0)
		return invalid_read();
	if (argc == 2 && strcmp(argv[1], "uninitialised") == 0)
		return uninitialised();
	if (argc == 2 && strcmp(argv[1], "leak") == 0)
		return leak();
	fprintf(stderr, "usage: memcheck_canary invalid-read | uninitialised | leak\n");
	return 2;
}

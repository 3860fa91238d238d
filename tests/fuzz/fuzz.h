/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz targets: invariant checks that abort with a message
 * (libFuzzer then keeps the input as a crash), and a reader that takes
 * typed values from the front of the input. The reader never fails: past
 * the end it yields zeros, so every input decodes to some sequence of
 * operations and short inputs stay meaningful.
 */
#ifndef CIP_FUZZ_H
#define CIP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

/* Each target defines these; the replay driver (replay.c) or libFuzzer
 * calls them. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_STR2(x) #x
#define FUZZ_STR(x) FUZZ_STR2(x)

/* Aborts when @p cond is false: an invariant of the library is broken. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fuzz_fail(__FILE__ ":" FUZZ_STR(__LINE__) ": " #cond);                     \
		}                                                                                  \
	} while (0)

/* Aborts unless @p rc equals @p want, naming both codes. */
#define FUZZ_CHECK_RC(rc, want)                                                                    \
	do {                                                                                       \
		int fuzz_rc_ = (rc), fuzz_want_ = (want);                                          \
		if (fuzz_rc_ != fuzz_want_) {                                                      \
			fuzz_fail_rc(__FILE__ ":" FUZZ_STR(__LINE__) ": " #rc, fuzz_rc_,           \
				     fuzz_want_);                                                  \
		}                                                                                  \
	} while (0)

static inline _Noreturn void fuzz_fail(const char *what)
{
	fprintf(stderr, "invariant broken: %s\n", what);
	fflush(stderr);
	abort();
}

static inline _Noreturn void fuzz_fail_rc(const char *what, int rc, int want)
{
	fprintf(stderr, "invariant broken: %s returned %s (%d), expected %s (%d)\n", what,
		cip_error_name(rc), rc, cip_error_name(want), want);
	fflush(stderr);
	abort();
}

/* The unread rest of an input. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline struct fuzz_in fuzz_in(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	return in;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (in->n == 0) {
		return 0;
	}
	in->n--;
	return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t v = fuzz_u8(in);
	return (uint16_t)(v | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t v = fuzz_u16(in);
	return v | (uint32_t)fuzz_u16(in) << 16;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t v = fuzz_u32(in);
	return v | (uint64_t)fuzz_u32(in) << 32;
}

/* A value in [0, n), n > 0 (a small bias is harmless here). */
static inline unsigned fuzz_below(struct fuzz_in *in, unsigned n)
{
	return fuzz_u8(in) % n;
}

/* Copies up to @p cap bytes into @p out (zeros past the end of the input);
 * returns how many came from the input. */
static inline size_t fuzz_bytes(struct fuzz_in *in, void *out, size_t cap)
{
	size_t k = in->n < cap ? in->n : cap;

	memcpy(out, in->p, k);
	memset((uint8_t *)out + k, 0, cap - k);
	in->p += k;
	in->n -= k;
	return k;
}

/*
 * A length-prefixed string of at most @p cap - 1 bytes, NUL-terminated in
 * @p out: one length byte, then that many bytes (fewer at the end of the
 * input). Embedded NUL bytes are kept; the return value is the length.
 */
static inline size_t fuzz_str(struct fuzz_in *in, char *out, size_t cap)
{
	size_t len = fuzz_u8(in) % cap;

	if (len > in->n) {
		len = in->n;
	}
	memcpy(out, in->p, len);
	out[len] = '\0';
	in->p += len;
	in->n -= len;
	return len;
}

/* A heap copy of exactly @p len bytes, so that AddressSanitizer sees any
 * read past the end of a text the library was told is @p len long. */
static inline char *fuzz_dup(const void *data, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (p == NULL) {
		abort();
	}
	if (len) {
		memcpy(p, data, len);
	}
	return p;
}

#endif /* CIP_FUZZ_H */

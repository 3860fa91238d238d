/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the libclusterip unit tests. Everything here is
 * independent of the library under test: addresses are built from raw bytes
 * or with the C library's inet_pton(), and 128-bit values with plain
 * arithmetic, so that expectations never come from the code being tested.
 */
#ifndef CIP_TEST_H
#define CIP_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

#include "random.h" /* cip__splitmix64: the fixed-seed PRNG of the tests */

/* S("lit") is the literal and its length, embedded NUL bytes included. */
#define S(lit) (lit), (sizeof(lit) - 1)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The byte that outputs are pre-filled with to prove they are untouched. */
#define SENTINEL 0xA5

/*
 * Table-driven checks: CHECK() reports a failing row and counts it, so one
 * run lists every failing row; CHECK_DONE() then fails the test if any did.
 */
#define CHECK(failures, cond, ...)                                                                 \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			print_error(__VA_ARGS__);                                                  \
			print_error("    (%s:%d: %s)\n", __FILE__, __LINE__, #cond);               \
			(failures)++;                                                              \
		}                                                                                  \
	} while (0)

#define CHECK_DONE(failures)                                                                       \
	do {                                                                                       \
		if ((failures) != 0)                                                               \
			fail_msg("%zu check(s) failed", (size_t)(failures));                       \
	} while (0)

static inline void ct_fill(void *p, size_t n)
{
	memset(p, SENTINEL, n);
}

/* 1 when all n bytes of p still hold the sentinel. */
static inline int ct_untouched(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != SENTINEL)
			return 0;
	return 1;
}

/* An exact-size heap copy of text (no NUL after it), so that ASan catches
 * any read past len. Free with free(). */
static inline char *ct_dup(const char *text, size_t len)
{
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	if (len)
		memcpy(p, text, len);
	return p;
}

/* A cip_addr from raw bytes (4 or 16), built by hand. */
static inline cip_addr ct_addr_bytes(int family, const uint8_t *bytes)
{
	cip_addr a;
	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	if (family == CIP_FAMILY_IPV4)
		memcpy(a.bytes + 12, bytes, 4);
	else
		memcpy(a.bytes, bytes, 16);
	return a;
}

/* A cip_addr from text, parsed by the C library (the independent oracle):
 * IPv6 if the text contains ':', else IPv4. */
static inline cip_addr ct_addr(const char *text)
{
	uint8_t b[16];
	int v6 = strchr(text, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, text, b) != 1)
		fail_msg("test data error: inet_pton rejects \"%s\"", text);
	return ct_addr_bytes(v6 ? CIP_FAMILY_IPV6 : CIP_FAMILY_IPV4, b);
}

/* A cip_prefix built by hand (no validation: tests build invalid ones). */
static inline cip_prefix ct_prefix(const char *addr, unsigned len)
{
	cip_prefix p;
	memset(&p, 0, sizeof(p));
	p.addr = ct_addr(addr);
	p.len = (uint8_t)len;
	return p;
}

/* Text of an address for messages: inet_ntop for valid families, else hex. */
static inline const char *ct_show(const cip_addr *a, char buf[96])
{
	if (a->family == CIP_FAMILY_IPV4 && inet_ntop(AF_INET, a->bytes + 12, buf, 96))
		return buf;
	if (a->family == CIP_FAMILY_IPV6 && inet_ntop(AF_INET6, a->bytes, buf, 96))
		return buf;
	int n = snprintf(buf, 96, "family=%u res=%02x%02x%02x bytes=", a->family, a->reserved[0],
			 a->reserved[1], a->reserved[2]);
	for (int i = 0; i < 16 && n > 0 && n < 94; i++)
		n += snprintf(buf + n, (size_t)(96 - n), "%02x", a->bytes[i]);
	return buf;
}

/* ---- 128-bit values ------------------------------------------------------ */

static inline cip_u128 u128(uint64_t hi, uint64_t lo)
{
	cip_u128 v;
	v.hi = hi;
	v.lo = lo;
	return v;
}

static inline int u128_eq(cip_u128 a, cip_u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* 2^n for n < 128. */
static inline cip_u128 u128_pow2(unsigned n)
{
	return n >= 64 ? u128(UINT64_C(1) << (n - 64), 0) : u128(0, UINT64_C(1) << n);
}

static inline cip_u128 u128_dec(cip_u128 v)
{
	if (v.lo == 0)
		v.hi--;
	v.lo--;
	return v;
}

static inline cip_u128 u128_inc(cip_u128 v)
{
	v.lo++;
	if (v.lo == 0)
		v.hi++;
	return v;
}

/* Text of a 128-bit value for messages (hex, independent of the library). */
static inline const char *ct_show_u128(cip_u128 v, char buf[48])
{
	snprintf(buf, 48, "0x%016llx%016llx", (unsigned long long)v.hi, (unsigned long long)v.lo);
	return buf;
}

/* ---- big-endian byte arithmetic on a cip_addr ---------------------------- */

/* First byte of the family's region of cip_addr.bytes. */
static inline int ct_first_byte(const cip_addr *a)
{
	return a->family == CIP_FAMILY_IPV4 ? 12 : 0;
}

/* a + 1 within the family; returns 0 on wrap-around (no such address). */
static inline int ct_inc(cip_addr *a)
{
	for (int i = 15; i >= ct_first_byte(a); i--)
		if (++a->bytes[i] != 0)
			return 1;
	return 0;
}

/* a - 1 within the family; returns 0 on wrap-around. */
static inline int ct_dec(cip_addr *a)
{
	for (int i = 15; i >= ct_first_byte(a); i--)
		if (a->bytes[i]-- != 0)
			return 1;
	return 0;
}

/* Keep the first len bits of the family's address bits, set (ones != 0) or
 * clear the others. */
static inline void ct_mask(cip_addr *a, unsigned len, int ones)
{
	int first = ct_first_byte(a);
	for (unsigned bit = 0; bit < (unsigned)(16 - first) * 8; bit++) {
		if (bit < len)
			continue;
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));
		uint8_t *b = &a->bytes[first + (int)(bit / 8)];
		*b = ones ? (uint8_t)(*b | m) : (uint8_t)(*b & ~m);
	}
}

/* ---- table-driven argument checks ---------------------------------------- */

/*
 * One row of an argument table: a call, made through a thunk, and the code
 * it must return. The tables are written as X-macros,
 *
 *     #define CASES(X) X(name, want, call) ...
 *     CASES(CT_ARG_THUNK)
 *     static const struct ct_arg_case cases[] = { CASES(CT_ARG_ROW) };
 *
 * so that each row is one line that names the function it calls.
 */
struct ct_arg_case {
	const char *name;   /* the row's name */
	const char *call;   /* the call, as written, for messages */
	int (*thunk)(void); /* makes the call */
	int want;	    /* what it must return */
};

#define CT_ARG_THUNK(name, want, call)                                                             \
	static int name(void)                                                                      \
	{                                                                                          \
		return (call);                                                                     \
	}
#define CT_ARG_ROW(name, want, call) { #name, #call, name, (want) },

/* What an _init(o, sz) of a struct with the `sz` protocol must have done
 * to @p buf (@p cap bytes, filled with ct_fill() before the call): written
 * sz into its first member, zeroed the rest up to sz, and left every byte
 * past sz untouched. */
static inline void ct_assert_init_wrote(const void *buf, size_t cap, size_t sz)
{
	const unsigned char *b = buf;
	size_t got;

	memcpy(&got, b, sizeof(got));
	assert_int_equal(got, sz);
	for (size_t i = sizeof(size_t); i < sz; i++)
		assert_int_equal(b[i], 0);
	assert_true(ct_untouched(b + sz, cap - sz));
}

/* FNV-1a over n bytes, continuing from h: a fingerprint of what a fixture
 * shows, to prove that a failed call changed nothing. */
static inline uint64_t ct_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

#define CT_HASH_INIT UINT64_C(0xcbf29ce484222325)

/*
 * Runs the rows: before each call the n_outs bytes at outs are filled with
 * the sentinel. A row that wants a negative code must get it, leave every
 * output byte untouched and, when state is given, leave the fingerprint
 * state() as it was; a row that wants success must get exactly its value.
 * @return the number of failed checks (every row runs).
 */
static inline size_t ct_run_arg_cases(const struct ct_arg_case *cases, size_t n, void *outs,
				      size_t n_outs, uint64_t (*state)(void))
{
	size_t failures = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ct_arg_case *c = &cases[i];
		uint64_t before = state ? state() : 0;
		int rc;

		ct_fill(outs, n_outs);
		rc = c->thunk();
		CHECK(failures, rc == c->want, "%s: %s = %d (%s), want %d (%s)\n", c->name, c->call,
		      rc, cip_error_name(rc), c->want, cip_error_name(c->want));
		if (c->want >= 0)
			continue;
		CHECK(failures, ct_untouched(outs, n_outs), "%s: %s failed but wrote an output\n",
		      c->name, c->call);
		CHECK(failures, !state || state() == before, "%s: %s failed but changed state\n",
		      c->name, c->call);
	}
	return failures;
}

/* An argument table run as one cmocka test (CT_ARG_GROUP()). */
struct ct_arg_group {
	const struct ct_arg_case *cases;
	size_t n;
	void *outs; /* see ct_run_arg_cases() */
	size_t n_outs;
	uint64_t (*state)(void);
};

static inline void ct_arg_group_test(void **state)
{
	const struct ct_arg_group *g = *state;

	CHECK_DONE(ct_run_arg_cases(g->cases, g->n, g->outs, g->n_outs, g->state));
}

/* A struct CMUnitTest, named test_<name>, that runs the array @p cases on
 * the outputs *@p outs with the fingerprint @p state (or NULL). For a
 * tests[] array in main(): the group it points at lives as long as main's
 * block. */
#define CT_ARG_GROUP(name, cases, outs, state)                                                     \
	{                                                                                          \
		"test_" #name, ct_arg_group_test, NULL, NULL, &(struct ct_arg_group)               \
		{                                                                                  \
			(cases), ARRAY_LEN(cases), (outs), sizeof(*(outs)), (state)                \
		}                                                                                  \
	}

#endif /* CIP_TEST_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Port-range parsing. Input: the text. Checked against a transcription of
 * Kubernetes' PortRange.Set() written here as the oracle (its two
 * documented differences: only ASCII white space is trimmed, and an empty
 * text is an error): the verdict, the class of error (syntax or range) and
 * the range; the output untouched and the error details consistent on
 * failure; a canonical format that re-parses to the same range and honours
 * its capacity; contains() exactly at the edges.
 */
#include "fuzz.h"

#define SENTINEL 0xa5
#define NO_NUMBER -1
#define TOO_BIG -2

/* Go's strconv.Atoi on an unsigned decimal, as PortRange.Set can reach it
 * (a sign would be taken for a separator first): the value, TOO_BIG past
 * 65535 (an error either way), or NO_NUMBER. */
static long atoi_port(const char *s, size_t len)
{
	long v = 0;

	if (len == 0) {
		return NO_NUMBER;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return NO_NUMBER;
		}
		if (v <= 65535) {
			v = v * 10 + (s[i] - '0');
		}
	}
	return v > 65535 ? TOO_BIG : v;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static const char *find(const char *s, size_t len, char c)
{
	return memchr(s, c, len);
}

/* The oracle: 0 and *out, CIP_ESYNTAX or CIP_ERANGE. */
static int oracle(const char *s, size_t len, cip_port_range *out)
{
	const char *hyphen, *plus;
	long low, high;

	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1])) {
		len--;
	}
	hyphen = find(s, len, '-');
	plus = find(s, len, '+');
	if (len == 0 || (hyphen && plus)) {
		return CIP_ESYNTAX;
	}
	if (!hyphen && !plus) {
		low = high = atoi_port(s, len);
	} else {
		const char *sep = hyphen ? hyphen : plus;
		size_t head = (size_t)(sep - s);
		long second = atoi_port(sep + 1, len - head - 1);

		low = atoi_port(s, head);
		if (low == NO_NUMBER || second == NO_NUMBER) {
			return CIP_ESYNTAX;
		}
		high = second;
		if (plus && low >= 0 && second >= 0) {
			high = low + second;
		}
	}
	if (low == NO_NUMBER || high == NO_NUMBER) {
		return CIP_ESYNTAX;
	}
	if (low == TOO_BIG || high == TOO_BIG || high > 65535 || high < low) {
		return CIP_ERANGE;
	}
	out->base = (uint32_t)low;
	out->size = (uint32_t)(high - low + 1);
	return 0;
}

static void check_format(const cip_port_range *pr)
{
	char buf[CIP_PORT_RANGE_STRLEN], want[CIP_PORT_RANGE_STRLEN];
	cip_port_range again;
	int n = cip_port_range_format(pr, buf, sizeof(buf));

	FUZZ_CHECK(n == snprintf(want, sizeof(want), "%u-%u", pr->base, pr->base + pr->size - 1));
	FUZZ_CHECK(strcmp(buf, want) == 0);
	FUZZ_CHECK_RC(cip_port_range_parse(&again, buf, (size_t)n, NULL), 0);
	FUZZ_CHECK(again.base == pr->base && again.size == pr->size);
	memset(buf, SENTINEL, sizeof(buf));
	FUZZ_CHECK_RC(cip_port_range_format(pr, buf, (size_t)n), CIP_EBUFSIZE);
	FUZZ_CHECK((uint8_t)buf[0] == SENTINEL);
}

static void check_contains(const cip_port_range *pr)
{
	uint32_t first = pr->base, last = pr->base + pr->size - 1;

	FUZZ_CHECK_RC(cip_port_range_contains(pr, first), 1);
	FUZZ_CHECK_RC(cip_port_range_contains(pr, last), 1);
	FUZZ_CHECK_RC(cip_port_range_contains(pr, last + 1), 0);
	if (first > 0) {
		FUZZ_CHECK_RC(cip_port_range_contains(pr, first - 1), 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cip_port_range got, want = { 0, 0 }, untouched;
	cip_parse_error err;
	char *text;
	int rc, expect;

	if (size > 64) {
		return 0;
	}
	text = fuzz_dup(data, size);
	memset(&got, SENTINEL, sizeof(got));
	untouched = got;
	FUZZ_CHECK_RC(cip_parse_error_init(&err, sizeof(err)), 0);
	rc = cip_port_range_parse(&got, text, size, &err);
	expect = memchr(text, '\0', size) ? CIP_ESYNTAX : oracle(text, size, &want);
	free(text);

	FUZZ_CHECK_RC(rc, expect);
	FUZZ_CHECK(err.code == rc);
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&got, &untouched, sizeof(got)) == 0);
		FUZZ_CHECK(err.reason != CIP_PARSE_OK && err.offset <= size);
		return 0;
	}
	FUZZ_CHECK(got.base == want.base && got.size == want.size);
	check_format(&got);
	check_contains(&got);
	return 0;
}

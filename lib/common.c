/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error texts, error names, the run-time version and 128-bit decimal output.
 */
#include <string.h>

#include <clusterip/common.h>

#include "u128.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Indexed by -code: the codes are 0, -1, -2, ... with no gaps. */
static const char *const error_texts[] = {
	"success",
	"invalid argument",
	"out of memory",
	"malformed text",
	"wrong address family",
	"not in range",
	"range is full",
	"already allocated",
	"not found",
	"already exists",
	"snapshot is of another range",
	"snapshot data is corrupt",
	"buffer too small",
	"unsupported operation or value",
	"address has a zone; service addresses never carry one",
	"prefix has host bits set",
	"result does not fit its type",
	"not allocated",
	"released too recently to reuse",
	"a configured limit was reached",
	"no usable backend",
	"invalid name",
	"invalid specification",
	"dropped by traffic policy: no local endpoint",
};

static const char *const error_names[] = {
	"CIP_OK",
	"CIP_EINVAL",
	"CIP_ENOMEM",
	"CIP_ESYNTAX",
	"CIP_EFAMILY",
	"CIP_ERANGE",
	"CIP_EFULL",
	"CIP_EALLOCATED",
	"CIP_ENOTFOUND",
	"CIP_EEXIST",
	"CIP_ESNAPSHOT_MISMATCH",
	"CIP_ESNAPSHOT_CORRUPT",
	"CIP_EBUFSIZE",
	"CIP_EUNSUPPORTED",
	"CIP_EZONE",
	"CIP_EHOSTBITS",
	"CIP_EOVERFLOW",
	"CIP_ENOTALLOCATED",
	"CIP_EQUARANTINED",
	"CIP_ELIMIT",
	"CIP_ENOBACKEND",
	"CIP_ENAME",
	"CIP_ESPEC",
	"CIP_EDROP",
};

_Static_assert(ARRAY_LEN(error_texts) == 1 - CIP_EDROP, "one text per error code");
_Static_assert(ARRAY_LEN(error_names) == 1 - CIP_EDROP, "one name per error code");

/* The table slot of an error code, or -1; written so that INT_MIN is safe. */
static int error_index(int code, size_t count)
{
	if (code > 0 || code <= -(int)count)
		return -1;
	return -code;
}

const char *cip_strerror(int code)
{
	int i = error_index(code, ARRAY_LEN(error_texts));

	return i < 0 ? "unknown error" : error_texts[i];
}

const char *cip_error_name(int code)
{
	int i = error_index(code, ARRAY_LEN(error_names));

	return i < 0 ? "CIP_EUNKNOWN" : error_names[i];
}

unsigned cip_version(void)
{
	return CIP_VERSION_NUMBER;
}

const char *cip_version_string(void)
{
	return CIP_VERSION_STRING;
}

/*
 * Digits are produced from the right in chunks of nine (10^9 < 2^32, so one
 * chunk costs one u128_divmod_u32), into a local buffer that is copied out
 * only once the length is known.
 */
int cip_u128_format(const cip_u128 *v, char *buf, size_t cap)
{
	char tmp[CIP_U128_STRLEN];
	char *p = tmp + sizeof tmp;
	cip_u128 rest;
	size_t len;

	if (!v || !buf)
		return CIP_EINVAL;
	*--p = '\0';
	rest = *v;
	for (;;) {
		uint32_t chunk;

		rest = u128_divmod_u32(rest, 1000000000u, &chunk);
		if (u128_is_zero(rest)) {
			do {
				*--p = (char)('0' + chunk % 10);
				chunk /= 10;
			} while (chunk);
			break;
		}
		for (int i = 0; i < 9; i++) {
			*--p = (char)('0' + chunk % 10);
			chunk /= 10;
		}
	}
	len = (size_t)(tmp + sizeof tmp - 1 - p);
	if (cap < len + 1)
		return CIP_EBUFSIZE;
	memcpy(buf, p, len + 1);
	return (int)len;
}

/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file common.h
 * @brief Export macro, error codes, versions and the 128-bit value type
 * shared by every libclusterip module.
 *
 * Conventions of the whole library:
 * - Functions return `int`: 0 (or a non-negative count or length) on
 *   success and a negative `CIP_E*` code on failure. On failure nothing the
 *   caller owns is modified.
 * - Sizes: a length or count of an input, or the `sz` of a struct the
 *   library reads, above `PTRDIFF_MAX` (larger than any object can be) is
 *   `CIP_EINVAL`, refused before anything is read. A capacity of an output
 *   only bounds what may be written, so any value is accepted.
 * - Thread-safety: every function in this header is *lock-free*: it reads
 *   only its arguments and static constant data, so any thread may call it
 *   at any time.
 */
#ifndef CLUSTERIP_COMMON_H
#define CLUSTERIP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <clusterip/version.h>

#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(CIP_STATIC)
#define CIP_API
#elif defined(CIP_BUILDING_LIBRARY)
#define CIP_API __declspec(dllexport)
#else
#define CIP_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define CIP_API __attribute__((visibility("default")))
#else
#define CIP_API
#endif

#if defined(__GNUC__) && !defined(CIP_NO_DEPRECATION_WARNINGS)
#define CIP_DEPRECATED_FOR(replacement) __attribute__((deprecated("use " #replacement " instead")))
#else
#define CIP_DEPRECATED_FOR(replacement)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Error codes. Their values are part of the ABI: they are never renumbered
 * or reused, and new codes are only ever appended.
 */
enum cip_error {
	CIP_OK = 0,		      /**< success */
	CIP_EINVAL = -1,	      /**< invalid argument */
	CIP_ENOMEM = -2,	      /**< out of memory */
	CIP_ESYNTAX = -3,	      /**< malformed text */
	CIP_EFAMILY = -4,	      /**< wrong address family */
	CIP_ERANGE = -5,	      /**< not in range */
	CIP_EFULL = -6,		      /**< range is full */
	CIP_EALLOCATED = -7,	      /**< already allocated */
	CIP_ENOTFOUND = -8,	      /**< not found */
	CIP_EEXIST = -9,	      /**< already exists */
	CIP_ESNAPSHOT_MISMATCH = -10, /**< snapshot is of another range */
	CIP_ESNAPSHOT_CORRUPT = -11,  /**< snapshot data is corrupt */
	CIP_EBUFSIZE = -12,	      /**< buffer too small */
	CIP_EUNSUPPORTED = -13,	      /**< unsupported operation or value */
	CIP_EZONE = -14,	      /**< address carries a zone */
	CIP_EHOSTBITS = -15,	      /**< prefix has host bits set */
	CIP_EOVERFLOW = -16,	      /**< result does not fit its type */
	CIP_ENOTALLOCATED = -17,      /**< not allocated */
	CIP_EQUARANTINED = -18,	      /**< released too recently to reuse */
	CIP_ELIMIT = -19,	      /**< a configured limit was reached */
	CIP_ENOBACKEND = -20,	      /**< no usable backend */
	CIP_ENAME = -21,	      /**< invalid name */
	CIP_ESPEC = -22,	      /**< invalid spec: see the cip_spec_error */
	CIP_EDROP = -23,	      /**< dropped by policy: no local endpoint */
};

/**
 * @brief **cip_strerror()** describes an error code.
 * @param code a `CIP_E*` code (or any int).
 * @return a static, NUL-terminated English text; never NULL, never
 * allocated. Unknown codes give a generic text, and 0 gives "success".
 * @since 0.1
 */
CIP_API const char *cip_strerror(int code);

/**
 * @brief **cip_error_name()** gives the symbolic name of an error code.
 * @param code a `CIP_E*` code (or any int).
 * @return the enumerator's name, e.g. "CIP_EINVAL" (for bindings that
 * map codes to exception classes); "CIP_OK" for 0; "CIP_EUNKNOWN" for any
 * code this version does not define. Never NULL.
 * @since 0.1
 */
CIP_API const char *cip_error_name(int code);

/**
 * @brief **cip_version()** gives the version of the library actually loaded.
 * @return `MAJOR * 10000 + MINOR * 100 + PATCH`, equal to
 * `CIP_VERSION_NUMBER` of the headers it was built from. Compare the two to
 * detect a header/library mismatch.
 * @since 0.1
 */
CIP_API unsigned cip_version(void);

/**
 * @brief **cip_version_string()** gives the version of the loaded library.
 * @return a static string such as "0.1.0", equal to `CIP_VERSION_STRING`
 * of the headers it was built from.
 * @since 0.1
 */
CIP_API const char *cip_version_string(void);

/**
 * An unsigned 128-bit integer: offsets and sizes of address ranges. A frozen
 * value type (16 bytes, two host-order halves) that C, C++, Go and Python
 * all lay out alike; the value is `hi * 2^64 + lo`.
 */
typedef struct cip_u128 {
	uint64_t hi; /**< the high 64 bits */
	uint64_t lo; /**< the low 64 bits */
} cip_u128;

/** Capacity that holds any cip_u128 in decimal, with its NUL: 39 + 1. */
#define CIP_U128_STRLEN 40

/**
 * @brief **cip_u128_format()** writes a 128-bit value in decimal.
 * @param v the value.
 * @param buf where to write the digits and a terminating NUL.
 * @param cap the capacity of @p buf in bytes; `CIP_U128_STRLEN` is always
 * enough.
 * @return the number of digits written (without the NUL);
 * `CIP_EINVAL` if @p v or @p buf is NULL; `CIP_EBUFSIZE` if @p cap is too
 * small, in which case @p buf is not written.
 * @since 0.1
 */
CIP_API int cip_u128_format(const cip_u128 *v, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERIP_COMMON_H */

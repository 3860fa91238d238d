/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the options-struct convention of the whole API. An options
 * struct starts with `size_t sz`; a caller built against an older header
 * passes a smaller sz and gets the defaults for the fields it does not
 * know; a caller built against a newer one passes a larger sz, and is
 * refused if any byte this version does not know is non-zero.
 */
#ifndef CIP_OPTS_H
#define CIP_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <clusterip/common.h>

/*
 * Copies the caller's options @p src (NULL for none) over the defaults
 * already in @p dst (a struct of @p dst_size bytes whose first member is
 * size_t sz). @return 0; CIP_EINVAL if sz is smaller than sizeof(size_t),
 * larger than any object can be (PTRDIFF_MAX), or unknown trailing bytes
 * are non-zero.
 */
static inline int cip__opts_copy(void *dst, size_t dst_size, const void *src)
{
	size_t sz;

	if (!src)
		return 0;
	memcpy(&sz, src, sizeof(sz));
	if (sz < sizeof(size_t) || sz > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	for (size_t i = dst_size; i < sz; i++) {
		if (((const unsigned char *)src)[i] != 0)
			return CIP_EINVAL;
	}
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (sz < dst_size ? sz : dst_size) - sizeof(size_t));
	return 0;
}

/* The _opts_init() convention: zero, record sz. @return 0; CIP_EINVAL. */
static inline int cip__opts_init(void *opts, size_t sz, size_t min_sz)
{
	if (!opts || sz < min_sz || sz > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	memset(opts, 0, sz);
	memcpy(opts, &sz, sizeof(sz));
	return 0;
}

#endif /* CIP_OPTS_H */

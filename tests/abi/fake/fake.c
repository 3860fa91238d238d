/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stand-in library of the ABI check's self-tests; include/fake/fake.h
 * says what each FAKE_* macro changes.
 */
#include <stdlib.h>

#include <fake/fake.h>

struct fake_ctx {
	fake_opts opts;
#ifdef FAKE_PRIVATE_CHANGED
	long counters[4];
#endif
};

int fake_point_sum(const fake_point *p)
{
#ifdef FAKE_POINT_GROWN
	return p->x + p->y + p->z;
#else
	return p->x + p->y;
#endif
}

#ifdef FAKE_SIGNATURE_CHANGED
long fake_scale(long value, int factor)
#else
int fake_scale(int value, int factor)
#endif
{
	return value * factor;
}

int fake_ctx_new(fake_ctx **out, const fake_opts *opts)
{
	fake_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -1;
	if (opts)
		ctx->opts = *opts;
	*out = ctx;
	return 0;
}

#ifndef FAKE_REMOVED
void fake_ctx_free(fake_ctx *ctx)
{
	free(ctx);
}
#endif

#ifdef FAKE_ADDED
int fake_added_calls;

int fake_added(void)
{
	return ++fake_added_calls;
}
#endif

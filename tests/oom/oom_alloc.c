/* SPDX-License-Identifier: Apache-2.0 */
/* The allocator fixture of oom_range.c and oom_ports.c (oom_alloc.h). */
#include "cip_test.h"
#include "oom_alloc.h"

/* A copy of @p obj's native snapshot (@p k8s: its RangeAllocation data),
 * sized by asking first; NULL with the error where it cannot be written. */
static uint8_t *written(const void *obj, uint64_t now, const struct oom_alloc_type *t, int k8s,
			size_t *len, int *rc)
{
	uint8_t *buf;

	*len = 0;
	*rc = k8s ? t->export_k8s(obj, NULL, 0, len) : t->snapshot(obj, now, NULL, 0, len);
	if (*rc != CIP_EBUFSIZE) {
		*len = 0;
		return NULL;
	}
	buf = malloc(*len);
	assert_non_null(buf);
	*rc = k8s ? t->export_k8s(obj, buf, *len, len) : t->snapshot(obj, now, buf, *len, len);
	assert_int_equal(*rc, 0);
	return buf;
}

int oom_alloc_fx_init(struct oom_alloc_fx *f, const struct oom_alloc_type *type, uint64_t now,
		      void *obj, const void *other, size_t out_slack)
{
	int rc;

	f->type = type;
	f->now = now;
	f->obj = obj;
	f->made = OOM_UNTOUCHED;
	f->image = written(other, now, type, 0, &f->image_len, &rc);
	assert_int_equal(rc, 0);
	f->k8s = written(other, now, type, 1, &f->k8s_len, &rc);
	if (!f->k8s) { /* an import still gets a valid pointer, of length 0 */
		f->k8s = malloc(1);
		assert_non_null(f->k8s);
	}
	f->out_cap = f->image_len + out_slack;
	f->out = malloc(f->out_cap);
	assert_non_null(f->out);
	ct_fill(f->out, f->out_cap);
	ct_fill(&f->out_len, sizeof(f->out_len));
	return rc;
}

/* The state of @p obj: its native snapshot and its counters. */
static void alloc_state(const struct oom_alloc_fx *f, const void *obj, struct oom_buf *out)
{
	cip_range_stats st;
	size_t len;
	int rc;
	uint8_t *snap = written(obj, f->now, f->type, 0, &len, &rc);

	assert_int_equal(rc, 0);
	oom_buf_put(out, snap, len);
	free(snap);
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	assert_int_equal(f->type->stats(obj, &st), 0);
	oom_buf_put(out, &st, sizeof(st));
}

void oom_alloc_snapshot(void *fx, struct oom_buf *out)
{
	struct oom_alloc_fx *f = fx;

	alloc_state(f, f->obj, out);
	oom_buf_put(out, &f->out_len, sizeof(f->out_len));
	oom_buf_put(out, f->out, f->out_cap);
	oom_buf_put(out, &f->visits, sizeof(f->visits));
}

/* "none" while the out-pointer is untouched. */
void oom_alloc_snapshot_made(void *fx, struct oom_buf *out)
{
	struct oom_alloc_fx *f = fx;

	if (f->made == OOM_UNTOUCHED)
		oom_buf_printf(out, "none");
	else
		alloc_state(f, f->made, out);
}

void oom_alloc_teardown(void *fx)
{
	struct oom_alloc_fx *f = fx;

	f->type->free(f->obj);
	if (f->made != OOM_UNTOUCHED)
		f->type->free(f->made);
	free(f->image);
	free(f->k8s);
	free(f->out);
	free(f);
}

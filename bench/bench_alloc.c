/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "alloc" group: allocate_next at a constant fill of a 2^20 range
 * (10.0.0.0/12, 1,048,574 usable addresses), against the C model of
 * Kubernetes' allocator (bench/k8s_model.c) on an identical fill.
 *
 * Fills. "organic": our allocator fills the range itself with
 * allocate_next, so the allocated addresses cluster the way a random start
 * plus a linear scan makes them cluster (the layout a service range gets
 * from years of allocations); "uniform": a uniformly random subset. Either
 * way the Kubernetes model then gets exactly the same set.
 *
 * Three figures per fill:
 * - alloc.next: allocate_next alone, in batches of BATCH whose releases are
 *   not timed; the fill moves by at most BATCH addresses and comes back.
 * - alloc.pair: allocate_next plus the release of the address it returned,
 *   so that every allocation sees exactly the fill and layout it was built
 *   with. With 2 threads each thread does half of the pairs.
 * - alloc.churn: allocate_next plus the release of a uniformly chosen held
 *   address (the new one takes its place): the count stays constant but
 *   the layout drifts from the fill toward what random churn leaves, so
 *   this figure depends on how many operations ran before it. Both sides
 *   run the same operations. With 2 threads each thread owns half of the
 *   held addresses.
 *
 * Also: the pairs and the churn on a sparse IPv6 /64 with 10^5 addresses
 * held, and the snapshot and restore of a full 2^20 range.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterip/clusterip.h>

#include "bench.h"
#include "k8s_model.h"
#include "random.h"

#define MAX_THREADS 2
#define SEED UINT64_C(0x5eed0a110c)
#define BATCH 64

enum mode { MODE_NEXT, MODE_PAIR, MODE_CHURN };

/* One thread's share: its held addresses (ours and the model's). */
struct share {
	cip_addr *held;	 /* ours */
	uint64_t *mheld; /* the model's offsets */
	size_t n;	 /* how many each side holds */
	uint64_t rng;	 /* which held address to release */
	uint64_t mrng;	 /* the model's copy of it */
	size_t ops;	 /* our operations per pass */
	size_t mops;	 /* the model's */
	uint64_t sum;	 /* checksum of the pass */
	int failed;	 /* an allocation failed: the figure is void */
	struct fill *fill;
};

struct fill {
	cip_range *range;
	struct k8s_model model;
	cip_prefix prefix;
	cip_addr *held; /* all shares' ours, contiguous */
	uint64_t *mheld;
	size_t nheld;
	int threads;
	enum mode mode;
	struct share share[MAX_THREADS];
};

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static uint64_t offset_of(const cip_prefix *p, const cip_addr *a)
{
	cip_u128 off;

	cip_prefix_offset_of(&off, p, a);
	return off.lo - 1; /* offset 0 is network + 1 */
}

static int ours_next(struct share *s, cip_addr *a)
{
	if (cip_range_allocate_next(s->fill->range, 0, 0, a) != 0) {
		s->failed = 1;
		return -1;
	}
	s->sum += a->bytes[15];
	return 0;
}

/* Releases a uniformly chosen held address and keeps @p a in its place. */
static void ours_swap(struct share *s, const cip_addr *a)
{
	size_t j = (size_t)cip__bounded_random(&s->rng, s->n);

	cip_range_release(s->fill->range, &s->held[j], 0, 0);
	s->held[j] = *a;
}

static void *ours_worker(void *arg)
{
	struct share *s = arg;
	enum mode mode = s->fill->mode;
	cip_addr a[BATCH];

	for (size_t i = 0; i < s->ops;) {
		size_t k = 1;

		if (mode == MODE_NEXT)
			k = s->ops - i < BATCH ? s->ops - i : BATCH;
		for (size_t j = 0; j < k; j++)
			if (ours_next(s, &a[j]) != 0)
				return NULL;
		i += k;
		if (mode == MODE_CHURN && s->n > 0) {
			ours_swap(s, &a[0]);
			continue;
		}
		if (mode == MODE_NEXT)
			bench_pause();
		for (size_t j = 0; j < k; j++)
			cip_range_release(s->fill->range, &a[j], 0, 0);
		if (mode == MODE_NEXT)
			bench_resume();
	}
	return NULL;
}

static int model_next(struct share *s, uint64_t *off)
{
	if (!k8s_model_allocate_next(&s->fill->model, off)) {
		s->failed = 1;
		return -1;
	}
	s->sum += *off & 0xff;
	return 0;
}

static void *model_worker(void *arg)
{
	struct share *s = arg;
	enum mode mode = s->fill->mode;
	uint64_t off[BATCH];

	for (size_t i = 0; i < s->mops;) {
		size_t k = 1;

		if (mode == MODE_NEXT)
			k = s->mops - i < BATCH ? s->mops - i : BATCH;
		for (size_t j = 0; j < k; j++)
			if (model_next(s, &off[j]) != 0)
				return NULL;
		i += k;
		if (mode == MODE_CHURN && s->n > 0) {
			size_t j = (size_t)cip__bounded_random(&s->mrng, s->n);

			k8s_model_release(&s->fill->model, s->mheld[j]);
			s->mheld[j] = off[0];
			continue;
		}
		if (mode == MODE_NEXT)
			bench_pause();
		for (size_t j = 0; j < k; j++)
			k8s_model_release(&s->fill->model, off[j]);
		if (mode == MODE_NEXT)
			bench_resume();
	}
	return NULL;
}

/* Runs @p worker on every share, in threads when there are two. */
static uint64_t run_shares(struct fill *f, void *(*worker)(void *))
{
	pthread_t tid[MAX_THREADS];
	uint64_t sum = 0;
	int started = 0;

	for (int t = 0; t < f->threads; t++) {
		f->share[t].sum = 0;
		if (f->threads == 1)
			worker(&f->share[t]);
		else if (pthread_create(&tid[t], NULL, worker, &f->share[t]) == 0)
			started++;
		else
			f->share[t].failed = 1;
	}
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	for (int t = 0; t < f->threads; t++)
		sum += f->share[t].sum;
	return sum;
}

static uint64_t ours_pass(const void *data)
{
	return run_shares((struct fill *)data, ours_worker);
}

static uint64_t model_pass(const void *data)
{
	return run_shares((struct fill *)data, model_worker);
}

/* ------------------------------------------------------------------ */
/* Fills                                                              */
/* ------------------------------------------------------------------ */

static int fill_organic(struct fill *f, size_t target)
{
	for (size_t i = 0; i < target; i++) {
		if (cip_range_allocate_next(f->range, 0, 0, &f->held[i]) != 0)
			return -1;
	}
	return 0;
}

/* A uniformly random subset of @p target offsets (partial Fisher-Yates). */
static int fill_uniform(struct fill *f, size_t target, uint64_t size)
{
	uint32_t *all = malloc((size_t)size * sizeof(*all));
	uint64_t rng = SEED ^ 0x75;

	if (!all)
		return -1;
	for (uint64_t i = 0; i < size; i++)
		all[i] = (uint32_t)i;
	for (size_t i = 0; i < target; i++) {
		size_t j = i + (size_t)cip__bounded_random(&rng, size - i);
		uint32_t t = all[i];
		cip_u128 n = { 0, (uint64_t)all[j] + 1 };

		all[i] = all[j];
		all[j] = t;
		if (cip_prefix_nth(&f->held[i], &f->prefix, &n) != 0 ||
		    cip_range_allocate(f->range, &f->held[i], 0) != 0) {
			free(all);
			return -1;
		}
	}
	free(all);
	return 0;
}

/* Gives the model exactly our allocated set, and splits it into shares. */
static int mirror_and_share(struct fill *f)
{
	size_t per = f->nheld / (size_t)f->threads;

	for (size_t i = 0; i < f->nheld; i++) {
		f->mheld[i] = offset_of(&f->prefix, &f->held[i]);
		if (k8s_model_allocate(&f->model, f->mheld[i]) != 1)
			return -1;
	}
	for (int t = 0; t < f->threads; t++) {
		struct share *s = &f->share[t];

		s->fill = f;
		s->held = f->held + (size_t)t * per;
		s->mheld = f->mheld + (size_t)t * per;
		s->n = per;
		s->rng = s->mrng = SEED + (uint64_t)t;
	}
	return 0;
}

static void fill_free(struct fill *f)
{
	cip_range_free(f->range);
	k8s_model_destroy(&f->model);
	free(f->held);
	free(f->mheld);
}

static int fill_make(struct fill *f, const char *cidr, double fraction, int uniform, int threads)
{
	cip_range_opts o;
	uint64_t size, band;
	size_t target;
	int rc;

	memset(f, 0, sizeof(*f));
	cip_range_opts_init(&o, sizeof(o));
	o.seed = SEED;
	if (cip_prefix_parse(&f->prefix, cidr, strlen(cidr), 0, NULL) != 0 ||
	    cip_range_new(&f->range, &f->prefix, &o) != 0)
		return -1;
	cip_range_available(f->range, CIP_BAND_ALL, &size);
	cip_range_static_band_size(f->range, &band);
	target = (size_t)((double)size * fraction);
	f->threads = threads;
	f->nheld = target;
	f->held = calloc(target + 1, sizeof(*f->held));
	f->mheld = calloc(target + 1, sizeof(*f->mheld));
	if (!f->held || !f->mheld || k8s_model_init(&f->model, size, band, SEED) != 0)
		return -1;
	rc = uniform ? fill_uniform(f, target, size) : fill_organic(f, target);
	return rc != 0 ? rc : mirror_and_share(f);
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

struct fill_case {
	const char *label; /* in the figure name */
	double fraction;
	/* Operations per pass at 10^6 inputs (scaled with --quick): ours and
	 * the model's in alloc.next and alloc.pair, where the model can take
	 * half a millisecond per allocation; both in alloc.churn. */
	size_t ops, model_ops, churn_ops;
};

static const struct fill_case fills[] = {
	{ "f0", 0.0, 200000, 200000, 200000 },	{ "f50", 0.5, 200000, 200000, 200000 },
	{ "f90", 0.9, 200000, 100000, 100000 }, { "f99", 0.99, 200000, 10000, 20000 },
	{ "f99.9", 0.999, 100000, 400, 4000 },
};

static const char *const mode_names[] = { "next", "pair", "churn" };

static size_t scaled(const struct bench_config *config, size_t ops)
{
	size_t n = (size_t)((double)ops * ((double)config->inputs / 1e6));

	return n < 100 ? 100 : n;
}

/* Sets every share's operation counts for @p mode. */
static void set_ops(struct fill *f, const struct bench_config *config, const struct fill_case *c)
{
	size_t ops = f->mode == MODE_CHURN ? c->churn_ops : c->ops;
	size_t mops = f->mode == MODE_CHURN ? c->churn_ops : c->model_ops;

	for (int t = 0; t < f->threads; t++) {
		f->share[t].ops = scaled(config, ops) / (size_t)f->threads;
		f->share[t].mops = scaled(config, mops) / (size_t)f->threads;
	}
}

static int run_mode(const struct bench_config *config, const struct fill_case *c, int uniform,
		    struct fill *f, uint64_t *checksum)
{
	char name[96];
	struct bench_pair pair;
	int rc;

	set_ops(f, config, c);
	snprintf(name, sizeof(name), "alloc.%s.%s.%s.t%d", mode_names[f->mode],
		 uniform ? "uniform" : "organic", c->label, f->threads);
	pair = (struct bench_pair){
		.name = name,
		.data = f,
		.ours = { "cip", ours_pass, f->share[0].ops * (size_t)f->threads },
		.theirs = { "k8s", model_pass, f->share[0].mops * (size_t)f->threads },
	};
	rc = bench_run_pair(config, &pair, checksum);
	for (int t = 0; t < f->threads; t++) {
		if (f->share[t].failed) {
			fprintf(stderr, "clusterip-bench: alloc: %s: an allocation failed\n", name);
			rc = -1;
		}
	}
	return rc;
}

/* One fill, then its figures: those that keep the layout first, the churn
 * last. alloc.next pauses its timer, so it runs single-threaded only. */
static int run_fill(const struct bench_config *config, const struct fill_case *c, int uniform,
		    int threads, uint64_t *checksum)
{
	struct fill f;
	int rc;

	if (fill_make(&f, "10.0.0.0/12", c->fraction, uniform, threads) != 0) {
		fprintf(stderr, "clusterip-bench: alloc: cannot set up %s\n", c->label);
		fill_free(&f);
		return -1;
	}
	rc = 0;
	for (int m = threads == 1 ? MODE_NEXT : MODE_PAIR; m <= MODE_CHURN && rc == 0; m++) {
		f.mode = (enum mode)m;
		rc = run_mode(config, c, uniform, &f, checksum);
	}
	fill_free(&f);
	return rc;
}

/* Sparse: an IPv6 /64 with 10^5 addresses held (scaled by --quick). */
static int run_sparse(const struct bench_config *config, uint64_t *checksum)
{
	struct fill f;
	struct bench_pair pair;
	size_t held = scaled(config, 100000), ops = scaled(config, 200000);
	cip_range_opts o;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	cip_range_opts_init(&o, sizeof(o));
	o.seed = SEED;
	f.threads = 1;
	f.nheld = held;
	f.held = calloc(held, sizeof(*f.held));
	f.mheld = calloc(held, sizeof(*f.mheld));
	if (f.held && f.mheld && cip_prefix_parse(&f.prefix, "fd00:10:96::/64", 15, 0, NULL) == 0 &&
	    cip_range_new(&f.range, &f.prefix, &o) == 0 && fill_organic(&f, held) == 0) {
		f.share[0] = (struct share){ f.held, f.mheld, held, SEED, SEED, ops, 0, 0, 0, &f };
		rc = 0;
		for (int m = MODE_PAIR; m <= MODE_CHURN && rc == 0; m++) {
			char name[64];

			f.mode = (enum mode)m;
			snprintf(name, sizeof(name), "alloc.%s.sparse64.n100000.t1", mode_names[m]);
			pair = (struct bench_pair){ .name = name,
						    .data = &f,
						    .ours = { "cip", ours_pass, ops } };
			rc = bench_run_pair(config, &pair, checksum);
			rc = f.share[0].failed ? -1 : rc;
		}
	}
	if (rc != 0)
		fprintf(stderr, "clusterip-bench: alloc: the sparse case failed\n");
	cip_range_free(f.range);
	free(f.held);
	free(f.mheld);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Snapshots of a full 2^20 range                                     */
/* ------------------------------------------------------------------ */

#define SNAPSHOT_OPS 10

struct snap {
	cip_range *range;
	struct k8s_model model;
	uint8_t *buf; /* the native snapshot */
	size_t cap, len;
	uint8_t *k8s; /* Kubernetes data bytes */
	size_t k8s_cap;
};

static uint64_t native_snapshot_pass(const void *data)
{
	struct snap *s = (struct snap *)data;
	uint64_t sum = 0;

	for (int i = 0; i < SNAPSHOT_OPS; i++) {
		if (cip_range_snapshot(s->range, 0, s->buf, s->cap, &s->len) == 0)
			sum += s->len;
	}
	return sum;
}

static uint64_t native_restore_pass(const void *data)
{
	struct snap *s = (struct snap *)data;
	uint64_t sum = 0;

	for (int i = 0; i < SNAPSHOT_OPS; i++)
		sum += (uint64_t)(cip_range_restore(s->range, 0, s->buf, s->len) == 0);
	return sum;
}

static uint64_t k8s_export_pass(const void *data)
{
	struct snap *s = (struct snap *)data;
	size_t len = 0;
	uint64_t sum = 0;

	for (int i = 0; i < SNAPSHOT_OPS; i++) {
		if (cip_range_export_k8s(s->range, s->k8s, s->k8s_cap, &len) == 0)
			sum += len + s->k8s[0];
	}
	return sum;
}

/* The model's Snapshot(): big.Int.Bytes() of its bit array, under its lock. */
static uint64_t model_export_pass(const void *data)
{
	struct snap *s = (struct snap *)data;
	uint64_t sum = 0;

	for (int i = 0; i < SNAPSHOT_OPS; i++) {
		size_t n = (size_t)((s->model.max + 7) / 8);

		pthread_mutex_lock(&s->model.lock);
		while (n > 0 && s->model.bits[n - 1] == 0)
			n--;
		for (size_t j = 0; j < n; j++)
			s->k8s[n - 1 - j] = s->model.bits[j];
		pthread_mutex_unlock(&s->model.lock);
		sum += n + s->k8s[0];
	}
	return sum;
}

static int snap_make(struct snap *s)
{
	cip_prefix p;
	uint64_t size, band;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (cip_prefix_parse(&p, "10.0.0.0/12", 11, 0, NULL) != 0 ||
	    cip_range_new(&s->range, &p, NULL) != 0)
		return -1;
	cip_range_available(s->range, CIP_BAND_ALL, &size);
	cip_range_static_band_size(s->range, &band);
	n = (size_t)((size + 7) / 8);
	s->k8s_cap = n;
	s->k8s = malloc(n);
	if (!s->k8s || k8s_model_init(&s->model, size, band, SEED) != 0)
		return -1;
	/* Everything allocated: all ones, the top byte cut at the size. */
	memset(s->k8s, 0xff, n);
	s->k8s[0] = (uint8_t)(0xffu >> (8 * n - size));
	if (cip_range_import_k8s(s->range, "10.0.0.0/12", 11, s->k8s, n) != 0)
		return -1;
	for (uint64_t i = 0; i < size; i++)
		k8s_model_allocate(&s->model, i);
	cip_range_snapshot(s->range, 0, NULL, 0, &s->cap);
	s->buf = malloc(s->cap);
	return s->buf ? 0 : -1;
}

static int run_snapshots(const struct bench_config *config, uint64_t *checksum)
{
	struct snap s;
	const struct bench_pair pairs[] = {
		{ "alloc.snapshot.native.full2^20",
		  &s,
		  SNAPSHOT_OPS,
		  { "cip", native_snapshot_pass, 0 },
		  { "k8s", NULL, 0 } },
		{ "alloc.restore.native.full2^20",
		  &s,
		  SNAPSHOT_OPS,
		  { "cip", native_restore_pass, 0 },
		  { "k8s", NULL, 0 } },
		{ "alloc.snapshot.k8s.full2^20",
		  &s,
		  SNAPSHOT_OPS,
		  { "cip", k8s_export_pass, 0 },
		  { "k8s", model_export_pass, 0 } },
	};
	int rc = snap_make(&s);

	if (rc != 0)
		fputs("clusterip-bench: alloc: cannot set up the snapshot case\n", stderr);
	for (size_t i = 0; rc == 0 && i < sizeof(pairs) / sizeof(pairs[0]); i++)
		rc = bench_run_pair(config, &pairs[i], checksum);
	if (rc == 0)
		bench_print_count("alloc.snapshot.native.full2^20.bytes", s.len, "bytes");
	cip_range_free(s.range);
	k8s_model_destroy(&s.model);
	free(s.buf);
	free(s.k8s);
	return rc;
}

int bench_alloc(const struct bench_config *config)
{
	uint64_t checksum = 0;
	int rc = 0;

	for (int uniform = 0; uniform <= 1 && rc == 0; uniform++) {
		for (size_t i = 0; i < sizeof(fills) / sizeof(fills[0]) && rc == 0; i++) {
			for (int threads = 1; threads <= MAX_THREADS && rc == 0; threads++)
				rc = run_fill(config, &fills[i], uniform, threads, &checksum);
		}
	}
	if (rc == 0)
		rc = run_sparse(config, &checksum);
	if (rc == 0)
		rc = run_snapshots(config, &checksum);
	if (rc == 0)
		bench_print_count("alloc.checksum", checksum, "count");
	return rc;
}

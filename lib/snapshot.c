/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot formats (see snapshot.h for the byte layouts).
 *
 * Reading is strict: every length, count, reserved field and offset is
 * checked, the checksum covers everything, and the content is loaded into
 * a fresh allocator that only replaces the caller's when all of it was
 * accepted. A snapshot is untrusted input.
 */
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "snapshot.h"

#define HEADER_LEN 112u
#define TRAILER_LEN 8u
#define FORMAT_VERSION 1u
#define ENC_BITMAP 1u
#define ENC_LIST 2u

static const uint8_t magic[8] = { 0x89, 'C', 'I', 'P', 0x0d, 0x0a, 0x1a, 0x0a };

/* ------------------------------------------------------------------ */
/* XXH64 (Yann Collet's xxHash, 64-bit variant)                       */
/* ------------------------------------------------------------------ */

#define P1 UINT64_C(0x9E3779B185EBCA87)
#define P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P3 UINT64_C(0x165667B19E3779F9)
#define P4 UINT64_C(0x85EBCA77C2B2AE63)
#define P5 UINT64_C(0x27D4EB2F165667C5)

static uint64_t rotl64(uint64_t x, unsigned r)
{
	return x << r | x >> (64 - r);
}

static uint64_t xxh_round(uint64_t acc, uint64_t input)
{
	return rotl64(acc + input * P2, 31) * P1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t v)
{
	return (acc ^ xxh_round(0, v)) * P1 + P4;
}

static uint64_t xxh_stripes(const uint8_t **pp, const uint8_t *end, uint64_t seed)
{
	const uint8_t *p = *pp;
	uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1, h;

	for (; end - p >= 32; p += 32) {
		v1 = xxh_round(v1, load_le64(p));
		v2 = xxh_round(v2, load_le64(p + 8));
		v3 = xxh_round(v3, load_le64(p + 16));
		v4 = xxh_round(v4, load_le64(p + 24));
	}
	*pp = p;
	h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
	return xxh_merge(xxh_merge(xxh_merge(xxh_merge(h, v1), v2), v3), v4);
}

uint64_t cip__xxh64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t h = len >= 32 ? xxh_stripes(&p, end, seed) : seed + P5;

	h += (uint64_t)len;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ xxh_round(0, load_le64(p)), 27) * P1 + P4;
	if (end - p >= 4) {
		h = rotl64(h ^ (uint64_t)load_le32(p) * P1, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ *p * P5, 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	return h ^ h >> 32;
}

/* ------------------------------------------------------------------ */
/* Little-endian fields                                               */
/* ------------------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	store_le64(p, v); /* one store on little-endian hosts: the payload is 2^14 of these */
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* ------------------------------------------------------------------ */
/* Native: writing                                                    */
/* ------------------------------------------------------------------ */

static int is_dense(uint64_t size)
{
	return size <= CIP_RANGE_DENSE_MAX;
}

static void write_header(uint8_t *p, const struct cip__snap_desc *d,
			 const struct cip__alloc_view *v, uint64_t payload)
{
	memset(p, 0, HEADER_LEN);
	memcpy(p, magic, sizeof(magic));
	put16(p + 8, FORMAT_VERSION);
	put16(p + 10, (uint16_t)d->kind);
	put32(p + 12, HEADER_LEN);
	if (d->kind == CIP__SNAP_ADDRESSES) {
		p[16] = d->prefix.addr.family;
		p[17] = d->prefix.len;
		put32(p + 20, d->flags);
		memcpy(p + 24, d->prefix.addr.bytes, 16);
	} else {
		put32(p + 24, d->port.base);
		put32(p + 28, d->port.size);
	}
	put64(p + 40, d->size);
	put64(p + 48, d->band);
	put64(p + 56, d->quarantine_ns);
	put64(p + 64, d->quarantine_max);
	put32(p + 72, is_dense(d->size) ? ENC_BITMAP : ENC_LIST);
	put64(p + 80, v->words ? 0 : v->nlist);
	put64(p + 88, v->nq);
	put64(p + 96, payload);
}

/* The set bits of @p n words; with the POPCNT instruction when the CPU has
 * it (a 2^20 bitmap is 2^14 words: the SWAR fallback costs ~25 µs). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__POPCNT__) && !defined(CIP_NO_BUILTINS)
__attribute__((target("popcnt"))) static uint64_t popcount_words_hw(const uint64_t *w, uint64_t n)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++)
		sum += (uint64_t)__builtin_popcountll(w[i]);
	return sum;
}
#define HAVE_POPCOUNT_DISPATCH 1
#endif

static uint64_t popcount_words(const uint64_t *w, uint64_t n)
{
	uint64_t sum = 0;

#ifdef HAVE_POPCOUNT_DISPATCH
	if (__builtin_cpu_supports("popcnt"))
		return popcount_words_hw(w, n);
#endif
	for (uint64_t i = 0; i < n; i++)
		sum += popcount64(w[i]);
	return sum;
}

static uint64_t view_count(const struct cip__alloc_view *v)
{
	return v->words ? popcount_words(v->words, v->nwords) : v->nlist;
}

int cip__snap_write(const struct cip__snap_desc *d, const struct cip__alloc *a, uint64_t now,
		    uint8_t *buf, size_t cap, size_t *len)
{
	struct cip__alloc_view v;
	uint64_t payload, total;
	uint8_t *p;
	int rc = cip__alloc_view(a, now, &v);

	if (rc != 0)
		return rc;
	payload = 8 * (v.words ? v.nwords : v.nlist);
	total = HEADER_LEN + payload + 16 * v.nq + TRAILER_LEN;
	if (total > SIZE_MAX || !buf || cap < total) {
		*len = (size_t)total;
		cip__alloc_view_free(&v);
		return total > SIZE_MAX ? CIP_ENOMEM : CIP_EBUFSIZE;
	}
	write_header(buf, d, &v, payload);
	put64(buf + 80, view_count(&v));
	p = buf + HEADER_LEN;
	if (v.words) {
		for (uint64_t i = 0; i < v.nwords; i++)
			put64(p + 8 * i, v.words[i]);
	} else {
		for (uint64_t i = 0; i < v.nlist; i++)
			put64(p + 8 * i, v.list[i]);
	}
	p += payload;
	for (uint64_t i = 0; i < v.nq; i++, p += 16) {
		put64(p, v.q[i].offset);
		put64(p + 8, v.q[i].remaining);
	}
	put64(p, cip__xxh64(buf, (size_t)(p - buf), 0));
	*len = (size_t)total;
	cip__alloc_view_free(&v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Native: reading                                                    */
/* ------------------------------------------------------------------ */

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return 0;
	}
	return 1;
}

static int read_range(const uint8_t *p, struct cip__snap_desc *d)
{
	if (d->kind == CIP__SNAP_ADDRESSES) {
		memset(&d->prefix, 0, sizeof(d->prefix));
		d->prefix.addr.family = p[16];
		d->prefix.len = p[17];
		d->flags = load_le32(p + 20);
		memcpy(d->prefix.addr.bytes, p + 24, 16);
		return get16(p + 18) == 0 ? 0 : CIP_ESNAPSHOT_CORRUPT;
	}
	if (d->kind == CIP__SNAP_PORTS) {
		d->port.base = load_le32(p + 24);
		d->port.size = load_le32(p + 28);
		return all_zero(p + 16, 8) && all_zero(p + 32, 8) ? 0 : CIP_ESNAPSHOT_CORRUPT;
	}
	return CIP_ESNAPSHOT_CORRUPT;
}

/* The framing: lengths and counts agree with each other and with len. */
static int check_layout(const uint8_t *buf, size_t len, const struct cip__snap_desc *d)
{
	uint64_t enc = load_le32(buf + 72), count = load_le64(buf + 80);
	uint64_t nq = load_le64(buf + 88), payload = load_le64(buf + 96), want;

	if (load_le32(buf + 76) != 0 || load_le64(buf + 104) != 0 || d->size == 0 ||
	    d->band > d->size || enc != (is_dense(d->size) ? ENC_BITMAP : ENC_LIST))
		return CIP_ESNAPSHOT_CORRUPT;
	/* Bound count by the bytes present before multiplying: count * 8
	 * must not wrap around to a plausible payload length. */
	if (enc == ENC_LIST && (count > d->size || count > (len - HEADER_LEN) / 8))
		return CIP_ESNAPSHOT_CORRUPT;
	want = enc == ENC_BITMAP ? (d->size + 63) / 64 * 8 : count * 8;
	if (payload != want || nq > d->size || nq > (len - HEADER_LEN) / 16)
		return CIP_ESNAPSHOT_CORRUPT;
	if (HEADER_LEN + payload + 16 * nq + TRAILER_LEN != len)
		return CIP_ESNAPSHOT_CORRUPT;
	return 0;
}

int cip__snap_read_desc(const uint8_t *buf, size_t len, struct cip__snap_desc *d)
{
	unsigned version;

	/* No buffer is that long: refused before the trailer is read. */
	if (len > (size_t)PTRDIFF_MAX)
		return CIP_EINVAL;
	if (len < HEADER_LEN + TRAILER_LEN || memcmp(buf, magic, sizeof(magic)) != 0)
		return CIP_ESNAPSHOT_CORRUPT;
	version = get16(buf + 8);
	if (version > FORMAT_VERSION)
		return CIP_EUNSUPPORTED;
	if (version != FORMAT_VERSION || load_le32(buf + 12) != HEADER_LEN ||
	    load_le64(buf + len - TRAILER_LEN) != cip__xxh64(buf, len - TRAILER_LEN, 0))
		return CIP_ESNAPSHOT_CORRUPT;
	memset(d, 0, sizeof(*d));
	d->kind = get16(buf + 10);
	if (read_range(buf, d) != 0)
		return CIP_ESNAPSHOT_CORRUPT;
	d->size = load_le64(buf + 40);
	d->band = load_le64(buf + 48);
	d->quarantine_ns = load_le64(buf + 56);
	d->quarantine_max = load_le64(buf + 64);
	return check_layout(buf, len, d);
}

static int load_bitmap(struct cip__alloc *a, const uint8_t *p, uint64_t count)
{
	uint64_t nwords = (a->size + 63) / 64, n = 0, *words;
	unsigned tail = (unsigned)(a->size % 64);
	int rc;

	words = malloc((size_t)nwords * sizeof(*words));
	if (!words)
		return CIP_ENOMEM;
	for (uint64_t i = 0; i < nwords; i++)
		words[i] = load_le64(p + 8 * i);
	n = popcount_words(words, nwords);
	rc = n == count ? 0 : CIP_ESNAPSHOT_CORRUPT;
	if (rc == 0 && tail && (words[nwords - 1] >> tail) != 0)
		rc = CIP_ESNAPSHOT_CORRUPT; /* bits past the end */
	if (rc == 0)
		rc = cip__alloc_load_words(a, words);
	free(words);
	return rc;
}

static int load_list(struct cip__alloc *a, const uint8_t *p, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = load_le64(p + 8 * i);
		int rc;

		if (i > 0 && off <= load_le64(p + 8 * (i - 1)))
			return CIP_ESNAPSHOT_CORRUPT; /* not ascending */
		rc = cip__alloc_load_set(a, off);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int cmp_offset(const void *x, const void *y)
{
	const struct cip__qentry *p = x, *q = y;

	return p->offset < q->offset ? -1 : p->offset > q->offset;
}

static int cmp_remaining(const void *x, const void *y)
{
	const struct cip__qentry *p = x, *q = y;

	if (p->remaining != q->remaining)
		return p->remaining < q->remaining ? -1 : 1;
	return cmp_offset(x, y);
}

/*
 * The quarantine entries: an offset given twice is corrupt (whether or not
 * this allocator keeps a quarantine); they are loaded oldest first, since
 * the FIFO ring they go into only ever looks at its head.
 */
static int load_quarantine(struct cip__alloc *a, const uint8_t *q, uint64_t nq, uint64_t now)
{
	struct cip__qentry *e;
	int rc = 0;

	if (nq == 0)
		return 0;
	e = malloc((size_t)nq * sizeof(*e)); /* nq is bounded by the input length */
	if (!e)
		return CIP_ENOMEM;
	for (uint64_t i = 0; i < nq; i++, q += 16) {
		e[i].offset = load_le64(q);
		e[i].remaining = load_le64(q + 8);
	}
	qsort(e, (size_t)nq, sizeof(*e), cmp_offset);
	for (uint64_t i = 1; i < nq; i++) {
		if (e[i].offset == e[i - 1].offset)
			rc = CIP_ESNAPSHOT_CORRUPT;
	}
	if (rc == 0)
		qsort(e, (size_t)nq, sizeof(*e), cmp_remaining);
	for (uint64_t i = 0; rc == 0 && i < nq; i++) {
		uint64_t expiry = now + e[i].remaining < now ? UINT64_MAX : now + e[i].remaining;

		rc = cip__alloc_load_quarantine(a, e[i].offset, expiry);
	}
	free(e);
	return rc;
}

int cip__snap_load(struct cip__alloc *a, const uint8_t *buf, size_t len, uint64_t now)
{
	uint64_t count = load_le64(buf + 80), nq = load_le64(buf + 88);
	uint64_t payload = load_le64(buf + 96);
	int rc;

	(void)len; /* checked by cip__snap_read_desc() */
	rc = a->sparse ? load_list(a, buf + HEADER_LEN, count)
		       : load_bitmap(a, buf + HEADER_LEN, count);
	return rc != 0 ? rc : load_quarantine(a, buf + HEADER_LEN + payload, nq, now);
}

/* ------------------------------------------------------------------ */
/* Kubernetes RangeAllocation data                                    */
/* ------------------------------------------------------------------ */

/* The number of big.Int.Bytes() bytes of the bitmap: up to the highest
 * non-zero byte. */
static uint64_t k8s_length(const uint64_t *words, uint64_t nwords)
{
	for (uint64_t i = nwords; i-- > 0;) {
		if (words[i])
			return i * 8 + (uint64_t)(63 - clz64(words[i])) / 8 + 1;
	}
	return 0;
}

int cip__k8s_export(const struct cip__alloc *a, uint8_t *buf, size_t cap, size_t *len)
{
	struct cip__alloc_view v;
	uint64_t n;
	int rc;

	if (a->sparse)
		return CIP_EUNSUPPORTED;
	rc = cip__alloc_view(a, 0, &v);
	if (rc != 0)
		return rc;
	n = k8s_length(v.words, v.nwords);
	if (cap < n) {
		*len = (size_t)((a->size + 7) / 8);
		cip__alloc_view_free(&v);
		return CIP_EBUFSIZE;
	}
	/* Byte j from the end holds offsets 8j..8j+7, so word w, written
	 * big-endian, ends 8w bytes before the end; the top word may be cut. */
	for (uint64_t w = 0; w < (n + 7) / 8; w++) {
		if (8 * w + 8 <= n) {
			store_be64(buf + n - 8 * w - 8, v.words[w]);
			continue;
		}
		for (uint64_t j = 8 * w; j < n; j++)
			buf[n - 1 - j] = (uint8_t)(v.words[w] >> (j % 8 * 8));
	}
	*len = (size_t)n;
	cip__alloc_view_free(&v);
	return 0;
}

int cip__k8s_import(struct cip__alloc *a, const uint8_t *data, size_t len)
{
	uint64_t nwords = (a->size + 63) / 64, *words;
	int rc = 0;

	if (a->sparse)
		return CIP_EUNSUPPORTED;
	words = calloc((size_t)nwords, sizeof(*words));
	if (!words)
		return CIP_ENOMEM;
	for (size_t j = 0; j < len && rc == 0; j++) {
		uint8_t byte = data[len - 1 - j]; /* offsets 8j..8j+7 */

		if (!byte)
			continue;
		if ((uint64_t)j >= (a->size + 7) / 8 ||
		    (8 * (uint64_t)j + 8 > a->size && (byte >> (a->size - 8 * (uint64_t)j)) != 0))
			rc = CIP_ESNAPSHOT_CORRUPT; /* a bit at or past the end */
		else
			words[j / 8] |= (uint64_t)byte << (j % 8 * 8);
	}
	if (rc == 0)
		rc = cip__alloc_load_words(a, words);
	free(words);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Replacing an allocator's state                                     */
/* ------------------------------------------------------------------ */

static int fresh_like(const struct cip__alloc *a, struct cip__alloc *fresh)
{
	return cip__alloc_init(fresh, a->size, a->band, a->quarantine_ns, a->quarantine_max,
			       a->seed);
}

static int adopt(struct cip__alloc *a, struct cip__alloc *fresh, int rc)
{
	if (rc == 0) {
		cip__alloc_keep_events(fresh, a);
		cip__alloc_swap(a, fresh);
	}
	cip__alloc_destroy(fresh);
	return rc;
}

int cip__reload_k8s(struct cip__alloc *a, const uint8_t *data, size_t len)
{
	struct cip__alloc fresh;
	int rc;

	if (a->sparse)
		return CIP_EUNSUPPORTED;
	rc = fresh_like(a, &fresh);
	return rc != 0 ? rc : adopt(a, &fresh, cip__k8s_import(&fresh, data, len));
}

int cip__reload_native(struct cip__alloc *a, const uint8_t *buf, size_t len, uint64_t now)
{
	struct cip__alloc fresh;
	int rc = fresh_like(a, &fresh);

	return rc != 0 ? rc : adopt(a, &fresh, cip__snap_load(&fresh, buf, len, now));
}

int cip__snap_same(const struct cip__snap_desc *x, const struct cip__snap_desc *y)
{
	if (x->kind != y->kind || x->size != y->size || x->band != y->band)
		return 0;
	if (x->kind == CIP__SNAP_ADDRESSES)
		return memcmp(&x->prefix, &y->prefix, sizeof(x->prefix)) == 0 &&
		       x->flags == y->flags;
	return x->port.base == y->port.base && x->port.size == y->port.size;
}

int cip__snap_open(const uint8_t *buf, size_t len, unsigned kind, struct cip__snap_desc *d)
{
	int rc = cip__snap_read_desc(buf, len, d);

	if (rc == 0 && d->kind != kind)
		rc = CIP_ESNAPSHOT_MISMATCH;
	if (rc == 0 && d->band > INT64_MAX)
		rc = CIP_ESNAPSHOT_CORRUPT;
	return rc;
}

int cip__snap_restore(struct cip__alloc *a, const struct cip__snap_desc *mine, const uint8_t *buf,
		      size_t len, uint64_t now)
{
	struct cip__snap_desc d;
	int rc = cip__snap_open(buf, len, mine->kind, &d);

	if (rc != 0)
		return rc;
	if (!cip__snap_same(mine, &d))
		return CIP_ESNAPSHOT_MISMATCH;
	return cip__reload_native(a, buf, len, now);
}

int cip__snap_fill(struct cip__alloc *a, const struct cip__snap_desc *mine,
		   const struct cip__snap_desc *d, const uint8_t *buf, size_t len, uint64_t now)
{
	return cip__snap_same(mine, d) ? cip__snap_load(a, buf, len, now) : CIP_ESNAPSHOT_CORRUPT;
}

int64_t cip__snap_band_option(const struct cip__snap_desc *d)
{
	return d->band ? (int64_t)d->band : CIP_STATIC_BAND_OFF;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Argument checks of every function of common.h and addr.h: each pointer
 * NULL in turn, lengths and capacities 0 and oversize, unknown flag bits,
 * enum-like values out of range, and the sz of cip_parse_error. Each row
 * names the code the header documents; a failing call must leave every
 * output as it was.
 */
#include <limits.h>

#include "cip_test.h"

/* Valid inputs, built once by setup(). */
static struct {
	cip_addr a4, a6, mapped, max4, zero6;
	cip_prefix p4, p6, all6, host32;
	cip_u128 one, max, big;
	uint8_t b16[16];
	cip_parse_error err;	  /* sz = sizeof */
	cip_parse_error err_zero; /* sz = 0 */
	cip_parse_error err_tiny; /* sz below the first version */
} I;

/* Outputs: every byte holds the sentinel before each row. */
static struct {
	cip_addr addr;
	cip_prefix prefix;
	cip_u128 u;
	char buf[128];
	cip_parse_error perr;
} O;

static int setup(void **state)
{
	(void)state;
	I.a4 = ct_addr("10.0.0.1");
	I.a6 = ct_addr("2001:db8::1");
	I.mapped = ct_addr("::ffff:10.0.0.1");
	I.max4 = ct_addr("255.255.255.255");
	I.zero6 = ct_addr("::");
	I.p4 = ct_prefix("10.0.0.0", 8);
	I.p6 = ct_prefix("2001:db8::", 64);
	I.all6 = ct_prefix("::", 0);
	I.host32 = ct_prefix("10.0.0.1", 32);
	I.one = u128(0, 1);
	I.max = u128(UINT64_MAX, UINT64_MAX);
	I.big = u128(1, 0); /* 2^64: beyond every IPv4 address */
	memset(I.b16, 7, sizeof(I.b16));
	memset(&I.err, 0, sizeof(I.err));
	I.err.sz = sizeof(I.err);
	memset(&I.err_zero, 0, sizeof(I.err_zero));
	memset(&I.err_tiny, 0, sizeof(I.err_tiny));
	I.err_tiny.sz = offsetof(cip_parse_error, code);
	return 0;
}

/* Text results: 1 when the call gives the expected static text. */
static int text_is(const char *got, const char *want)
{
	return got != NULL && strcmp(got, want) == 0;
}

static const char *const text_4 = "1.2.3.4";
static const char *const text_p = "10.0.0.0/8";
static const char *const text_host = "10.0.0.1/8";

/* clang-format off */
#define COMMON_CASES(X) \
	X(strerror_int_min, 1, text_is(cip_strerror(INT_MIN), "unknown error")) \
	X(strerror_int_max, 1, text_is(cip_strerror(INT_MAX), "unknown error")) \
	X(strerror_positive, 1, text_is(cip_strerror(1), "unknown error")) \
	X(strerror_past_last, 1, text_is(cip_strerror(CIP_EDROP - 1), "unknown error")) \
	X(strerror_zero, 1, text_is(cip_strerror(0), "success")) \
	X(error_name_int_min, 1, text_is(cip_error_name(INT_MIN), "CIP_EUNKNOWN")) \
	X(error_name_int_max, 1, text_is(cip_error_name(INT_MAX), "CIP_EUNKNOWN")) \
	X(error_name_past_last, 1, text_is(cip_error_name(CIP_EDROP - 1), "CIP_EUNKNOWN")) \
	X(error_name_last, 1, text_is(cip_error_name(CIP_EDROP), "CIP_EDROP")) \
	X(version_no_args, 1, cip_version() == CIP_VERSION_NUMBER) \
	X(version_string_no_args, 1, text_is(cip_version_string(), CIP_VERSION_STRING)) \
	X(u128_format_null_v, CIP_EINVAL, cip_u128_format(NULL, O.buf, sizeof(O.buf))) \
	X(u128_format_null_buf, CIP_EINVAL, cip_u128_format(&I.one, NULL, sizeof(O.buf))) \
	X(u128_format_null_buf_cap0, CIP_EINVAL, cip_u128_format(&I.one, NULL, 0)) \
	X(u128_format_cap0, CIP_EBUFSIZE, cip_u128_format(&I.one, O.buf, 0)) \
	X(u128_format_cap_short, CIP_EBUFSIZE, cip_u128_format(&I.max, O.buf, CIP_U128_STRLEN - 1)) \
	X(u128_format_cap_exact, 39, cip_u128_format(&I.max, O.buf, CIP_U128_STRLEN)) \
	X(u128_format_cap_max, 1, cip_u128_format(&I.one, O.buf, SIZE_MAX))

#define PARSE_CASES(X) \
	X(parse_error_init_null, CIP_EINVAL, cip_parse_error_init(NULL, sizeof(cip_parse_error))) \
	X(parse_error_init_null_sz0, CIP_EINVAL, cip_parse_error_init(NULL, 0)) \
	X(parse_error_init_sz0, CIP_EINVAL, cip_parse_error_init(&O.perr, 0)) \
	X(parse_error_init_sz_below_v1, CIP_EINVAL, cip_parse_error_init(&O.perr, offsetof(cip_parse_error, network) - 1)) \
	X(parse_error_init_sz_max, CIP_EINVAL, cip_parse_error_init(&O.perr, SIZE_MAX)) \
	X(parse_error_init_sz_v1, 0, cip_parse_error_init(&O.perr, offsetof(cip_parse_error, network))) \
	X(parse_reason_string_negative, 1, text_is(cip_parse_reason_string(-1), "unknown parse error")) \
	X(parse_reason_string_int_min, 1, text_is(cip_parse_reason_string(INT_MIN), "unknown parse error")) \
	X(parse_reason_string_past_last, 1, text_is(cip_parse_reason_string(CIP_PARSE_PORT_ORDER + 1), "unknown parse error")) \
	X(parse_reason_string_int_max, 1, text_is(cip_parse_reason_string(INT_MAX), "unknown parse error")) \
	X(text_capacity_zero, 0, (int)cip_text_capacity(0)) \
	X(text_capacity_past_last, 0, (int)cip_text_capacity(CIP_TEXT_U128 + 1)) \
	X(text_capacity_negative, 0, (int)cip_text_capacity(-1)) \
	X(text_capacity_int_max, 0, (int)cip_text_capacity(INT_MAX)) \
	X(text_capacity_int_min, 0, (int)cip_text_capacity(INT_MIN)) \
	X(addr_parse_null_out, CIP_EINVAL, cip_addr_parse(NULL, text_4, 7, 0, NULL)) \
	X(addr_parse_null_text, CIP_EINVAL, cip_addr_parse(&O.addr, NULL, 7, 0, NULL)) \
	X(addr_parse_null_text_len0, CIP_EINVAL, cip_addr_parse(&O.addr, NULL, 0, 0, NULL)) \
	X(addr_parse_len0, CIP_ESYNTAX, cip_addr_parse(&O.addr, text_4, 0, 0, NULL)) \
	X(addr_parse_len_max, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, SIZE_MAX, 0, NULL)) \
	X(addr_parse_len_past_ptrdiff, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, (size_t)PTRDIFF_MAX + 1, 0, NULL)) \
	X(addr_parse_flag_unknown, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, 7, 1u << 4, NULL)) \
	X(addr_parse_flags_all, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, 7, UINT_MAX, NULL)) \
	X(addr_parse_both_only, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, 7, CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY, NULL)) \
	X(addr_parse_err_sz0, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, 7, 0, &I.err_zero)) \
	X(addr_parse_err_tiny, CIP_EINVAL, cip_addr_parse(&O.addr, text_4, 7, 0, &I.err_tiny)) \
	X(addr_parse_excluded_family, CIP_EFAMILY, cip_addr_parse(&O.addr, text_4, 7, CIP_PARSE_IPV6_ONLY, &I.err)) \
	X(addr_parse_zone, CIP_EZONE, cip_addr_parse(&O.addr, S("fe80::1%eth0"), 0, &I.err)) \
	X(addr_parse_mask_ok, 0, cip_addr_parse(&O.addr, text_4, 7, CIP_PARSE_MASK, NULL)) \
	X(prefix_parse_null_out, CIP_EINVAL, cip_prefix_parse(NULL, text_p, 10, 0, NULL)) \
	X(prefix_parse_null_text, CIP_EINVAL, cip_prefix_parse(&O.prefix, NULL, 10, 0, NULL)) \
	X(prefix_parse_null_text_len0, CIP_EINVAL, cip_prefix_parse(&O.prefix, NULL, 0, 0, NULL)) \
	X(prefix_parse_len0, CIP_ESYNTAX, cip_prefix_parse(&O.prefix, text_p, 0, 0, NULL)) \
	X(prefix_parse_len_max, CIP_EINVAL, cip_prefix_parse(&O.prefix, text_p, SIZE_MAX, 0, NULL)) \
	X(prefix_parse_flag_unknown, CIP_EINVAL, cip_prefix_parse(&O.prefix, text_p, 10, 1u << 4, NULL)) \
	X(prefix_parse_flags_all, CIP_EINVAL, cip_prefix_parse(&O.prefix, text_p, 10, UINT_MAX, NULL)) \
	X(prefix_parse_both_only, CIP_EINVAL, cip_prefix_parse(&O.prefix, text_p, 10, CIP_PARSE_IPV4_ONLY | CIP_PARSE_IPV6_ONLY, NULL)) \
	X(prefix_parse_err_sz0, CIP_EINVAL, cip_prefix_parse(&O.prefix, text_p, 10, 0, &I.err_zero)) \
	X(prefix_parse_err_tiny, CIP_EINVAL, cip_prefix_parse(&O.prefix, text_p, 10, 0, &I.err_tiny)) \
	X(prefix_parse_excluded_family, CIP_EFAMILY, cip_prefix_parse(&O.prefix, text_p, 10, CIP_PARSE_IPV6_ONLY, &I.err)) \
	X(prefix_parse_host_bits, CIP_EHOSTBITS, cip_prefix_parse(&O.prefix, text_host, 10, 0, &I.err)) \
	X(prefix_parse_length_over, CIP_ESYNTAX, cip_prefix_parse(&O.prefix, S("10.0.0.0/33"), 0, &I.err))

#define ADDR_CASES(X) \
	X(addr_format_null_a, CIP_EINVAL, cip_addr_format(NULL, O.buf, sizeof(O.buf))) \
	X(addr_format_null_buf, CIP_EINVAL, cip_addr_format(&I.a4, NULL, sizeof(O.buf))) \
	X(addr_format_null_buf_cap0, CIP_EINVAL, cip_addr_format(&I.a4, NULL, 0)) \
	X(addr_format_cap0, CIP_EBUFSIZE, cip_addr_format(&I.a4, O.buf, 0)) \
	X(addr_format_cap_no_nul, CIP_EBUFSIZE, cip_addr_format(&I.a4, O.buf, 8)) \
	X(addr_format_cap_exact, 8, cip_addr_format(&I.a4, O.buf, 9)) \
	X(addr_format_cap_max, 8, cip_addr_format(&I.a4, O.buf, SIZE_MAX)) \
	X(addr_from_bytes_null_out, CIP_EINVAL, cip_addr_from_bytes(NULL, CIP_FAMILY_IPV4, I.b16, 4)) \
	X(addr_from_bytes_null_bytes, CIP_EINVAL, cip_addr_from_bytes(&O.addr, CIP_FAMILY_IPV4, NULL, 4)) \
	X(addr_from_bytes_len0, CIP_EINVAL, cip_addr_from_bytes(&O.addr, CIP_FAMILY_IPV4, I.b16, 0)) \
	X(addr_from_bytes_len_max, CIP_EINVAL, cip_addr_from_bytes(&O.addr, CIP_FAMILY_IPV6, I.b16, SIZE_MAX)) \
	X(addr_from_bytes_v4_len16, CIP_EINVAL, cip_addr_from_bytes(&O.addr, CIP_FAMILY_IPV4, I.b16, 16)) \
	X(addr_from_bytes_v6_len4, CIP_EINVAL, cip_addr_from_bytes(&O.addr, CIP_FAMILY_IPV6, I.b16, 4)) \
	X(addr_from_bytes_family0, CIP_EINVAL, cip_addr_from_bytes(&O.addr, 0, I.b16, 4)) \
	X(addr_from_bytes_family5, CIP_EINVAL, cip_addr_from_bytes(&O.addr, 5, I.b16, 4)) \
	X(addr_from_bytes_family_af_inet6, CIP_EINVAL, cip_addr_from_bytes(&O.addr, 10, I.b16, 16)) \
	X(addr_from_bytes_family_negative, CIP_EINVAL, cip_addr_from_bytes(&O.addr, -4, I.b16, 4)) \
	X(addr_from_bytes_family_wraps_to_4, CIP_EINVAL, cip_addr_from_bytes(&O.addr, 256 + 4, I.b16, 4)) \
	X(addr_from_bytes_family_int_max, CIP_EINVAL, cip_addr_from_bytes(&O.addr, INT_MAX, I.b16, 16)) \
	X(addr_family_null, CIP_EINVAL, cip_addr_family(NULL)) \
	X(addr_compare_null_both, 0, cip_addr_compare(NULL, NULL)) \
	X(addr_compare_null_a, -1, cip_addr_compare(NULL, &I.a4)) \
	X(addr_compare_null_b, 1, cip_addr_compare(&I.a4, NULL)) \
	X(addr_equal_null_both, 0, cip_addr_equal(NULL, NULL)) \
	X(addr_equal_null_a, 0, cip_addr_equal(NULL, &I.a4)) \
	X(addr_equal_null_b, 0, cip_addr_equal(&I.a4, NULL)) \
	X(addr_is_v4_mapped_null, CIP_EINVAL, cip_addr_is_v4_mapped(NULL)) \
	X(addr_unmap_null_out, CIP_EINVAL, cip_addr_unmap(NULL, &I.mapped)) \
	X(addr_unmap_null_a, CIP_EINVAL, cip_addr_unmap(&O.addr, NULL)) \
	X(addr_add_null_out, CIP_EINVAL, cip_addr_add(NULL, &I.a4, &I.one)) \
	X(addr_add_null_a, CIP_EINVAL, cip_addr_add(&O.addr, NULL, &I.one)) \
	X(addr_add_null_off, CIP_EINVAL, cip_addr_add(&O.addr, &I.a4, NULL)) \
	X(addr_add_off_max_v4, CIP_EOVERFLOW, cip_addr_add(&O.addr, &I.a4, &I.max)) \
	X(addr_add_off_max_v6, CIP_EOVERFLOW, cip_addr_add(&O.addr, &I.a6, &I.max)) \
	X(addr_add_off_2_64_v4, CIP_EOVERFLOW, cip_addr_add(&O.addr, &I.a4, &I.big)) \
	X(addr_add_past_last_v4, CIP_EOVERFLOW, cip_addr_add(&O.addr, &I.max4, &I.one)) \
	X(addr_sub_null_out, CIP_EINVAL, cip_addr_sub(NULL, &I.a4, &I.one)) \
	X(addr_sub_null_a, CIP_EINVAL, cip_addr_sub(&O.addr, NULL, &I.one)) \
	X(addr_sub_null_off, CIP_EINVAL, cip_addr_sub(&O.addr, &I.a4, NULL)) \
	X(addr_sub_off_max, CIP_EOVERFLOW, cip_addr_sub(&O.addr, &I.a6, &I.max)) \
	X(addr_sub_below_zero, CIP_EOVERFLOW, cip_addr_sub(&O.addr, &I.zero6, &I.one)) \
	X(addr_offset_null_out, CIP_EINVAL, cip_addr_offset(NULL, &I.a4, &I.a4)) \
	X(addr_offset_null_from, CIP_EINVAL, cip_addr_offset(&O.u, NULL, &I.a4)) \
	X(addr_offset_null_to, CIP_EINVAL, cip_addr_offset(&O.u, &I.a4, NULL)) \
	X(addr_offset_families, CIP_EFAMILY, cip_addr_offset(&O.u, &I.a4, &I.a6)) \
	X(addr_offset_backwards, CIP_ERANGE, cip_addr_offset(&O.u, &I.max4, &I.a4)) \
	X(addr_reverse_name_null_a, CIP_EINVAL, cip_addr_reverse_name(NULL, 0, O.buf, sizeof(O.buf))) \
	X(addr_reverse_name_null_buf, CIP_EINVAL, cip_addr_reverse_name(&I.a4, 0, NULL, sizeof(O.buf))) \
	X(addr_reverse_name_null_buf_cap0, CIP_EINVAL, cip_addr_reverse_name(&I.a4, 0, NULL, 0)) \
	X(addr_reverse_name_flag_unknown, CIP_EINVAL, cip_addr_reverse_name(&I.a4, 1u << 1, O.buf, sizeof(O.buf))) \
	X(addr_reverse_name_flags_all, CIP_EINVAL, cip_addr_reverse_name(&I.a4, UINT_MAX, O.buf, sizeof(O.buf))) \
	X(addr_reverse_name_cap0, CIP_EBUFSIZE, cip_addr_reverse_name(&I.a4, 0, O.buf, 0)) \
	X(addr_reverse_name_cap_no_nul, CIP_EBUFSIZE, cip_addr_reverse_name(&I.a4, 0, O.buf, 21)) \
	X(addr_reverse_name_cap_max, 21, cip_addr_reverse_name(&I.a4, 0, O.buf, SIZE_MAX))

#define PREFIX_CASES(X) \
	X(prefix_format_null_p, CIP_EINVAL, cip_prefix_format(NULL, O.buf, sizeof(O.buf))) \
	X(prefix_format_null_buf, CIP_EINVAL, cip_prefix_format(&I.p4, NULL, sizeof(O.buf))) \
	X(prefix_format_null_buf_cap0, CIP_EINVAL, cip_prefix_format(&I.p4, NULL, 0)) \
	X(prefix_format_cap0, CIP_EBUFSIZE, cip_prefix_format(&I.p4, O.buf, 0)) \
	X(prefix_format_cap_no_nul, CIP_EBUFSIZE, cip_prefix_format(&I.p4, O.buf, 10)) \
	X(prefix_format_cap_max, 10, cip_prefix_format(&I.p4, O.buf, SIZE_MAX)) \
	X(prefix_from_addr_null_out, CIP_EINVAL, cip_prefix_from_addr(NULL, &I.a4, 8, CIP_PARSE_MASK)) \
	X(prefix_from_addr_null_a, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, NULL, 8, CIP_PARSE_MASK)) \
	X(prefix_from_addr_len33, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, &I.a4, 33, CIP_PARSE_MASK)) \
	X(prefix_from_addr_len129, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, &I.a6, 129, CIP_PARSE_MASK)) \
	X(prefix_from_addr_len_wraps_to_8, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, &I.a4, 256 + 8, CIP_PARSE_MASK)) \
	X(prefix_from_addr_len_max, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, &I.a4, UINT_MAX, CIP_PARSE_MASK)) \
	X(prefix_from_addr_flag_legacy, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, &I.a4, 8, CIP_PARSE_LEGACY)) \
	X(prefix_from_addr_flags_all, CIP_EINVAL, cip_prefix_from_addr(&O.prefix, &I.a4, 8, UINT_MAX)) \
	X(prefix_from_addr_host_bits, CIP_EHOSTBITS, cip_prefix_from_addr(&O.prefix, &I.a4, 8, 0)) \
	X(prefix_contains_null_p, CIP_EINVAL, cip_prefix_contains(NULL, &I.a4)) \
	X(prefix_contains_null_a, CIP_EINVAL, cip_prefix_contains(&I.p4, NULL)) \
	X(prefix_contains_families, 0, cip_prefix_contains(&I.p4, &I.a6)) \
	X(prefix_overlaps_null_a, CIP_EINVAL, cip_prefix_overlaps(NULL, &I.p4)) \
	X(prefix_overlaps_null_b, CIP_EINVAL, cip_prefix_overlaps(&I.p4, NULL)) \
	X(prefix_overlaps_families, 0, cip_prefix_overlaps(&I.p4, &I.all6)) \
	X(prefix_network_null_out, CIP_EINVAL, cip_prefix_network(NULL, &I.p4)) \
	X(prefix_network_null_p, CIP_EINVAL, cip_prefix_network(&O.addr, NULL)) \
	X(prefix_last_null_out, CIP_EINVAL, cip_prefix_last(NULL, &I.p4)) \
	X(prefix_last_null_p, CIP_EINVAL, cip_prefix_last(&O.addr, NULL)) \
	X(prefix_size_null_out, CIP_EINVAL, cip_prefix_size(NULL, &I.p4)) \
	X(prefix_size_null_p, CIP_EINVAL, cip_prefix_size(&O.u, NULL)) \
	X(prefix_size_all6, CIP_EOVERFLOW, cip_prefix_size(&O.u, &I.all6)) \
	X(prefix_nth_null_out, CIP_EINVAL, cip_prefix_nth(NULL, &I.p4, &I.one)) \
	X(prefix_nth_null_p, CIP_EINVAL, cip_prefix_nth(&O.addr, NULL, &I.one)) \
	X(prefix_nth_null_n, CIP_EINVAL, cip_prefix_nth(&O.addr, &I.p4, NULL)) \
	X(prefix_nth_n_max, CIP_ERANGE, cip_prefix_nth(&O.addr, &I.p4, &I.max)) \
	X(prefix_nth_n_max_all6, 0, cip_prefix_nth(&O.addr, &I.all6, &I.max)) \
	X(prefix_nth_n_past_host32, CIP_ERANGE, cip_prefix_nth(&O.addr, &I.host32, &I.one)) \
	X(prefix_offset_of_null_out, CIP_EINVAL, cip_prefix_offset_of(NULL, &I.p4, &I.a4)) \
	X(prefix_offset_of_null_p, CIP_EINVAL, cip_prefix_offset_of(&O.u, NULL, &I.a4)) \
	X(prefix_offset_of_null_a, CIP_EINVAL, cip_prefix_offset_of(&O.u, &I.p4, NULL)) \
	X(prefix_offset_of_families, CIP_EFAMILY, cip_prefix_offset_of(&O.u, &I.p4, &I.a6)) \
	X(prefix_offset_of_outside, CIP_ERANGE, cip_prefix_offset_of(&O.u, &I.p4, &I.max4))

#define SERVICE_RANGE_CASES(X) \
	X(service_range_usable_null_out, CIP_EINVAL, cip_service_range_usable(NULL, &I.p4, 0)) \
	X(service_range_usable_null_p, CIP_EINVAL, cip_service_range_usable(&O.u, NULL, 0)) \
	X(service_range_usable_flag_unknown, CIP_EINVAL, cip_service_range_usable(&O.u, &I.p4, 1u << 1)) \
	X(service_range_usable_flags_all, CIP_EINVAL, cip_service_range_usable(&O.u, &I.p4, UINT_MAX)) \
	X(service_range_first_null_out, CIP_EINVAL, cip_service_range_first(NULL, &I.p4, 0)) \
	X(service_range_first_null_p, CIP_EINVAL, cip_service_range_first(&O.addr, NULL, 0)) \
	X(service_range_first_flag_unknown, CIP_EINVAL, cip_service_range_first(&O.addr, &I.p4, 1u << 1)) \
	X(service_range_first_flags_all, CIP_EINVAL, cip_service_range_first(&O.addr, &I.p4, UINT_MAX)) \
	X(service_range_first_none_usable, CIP_ERANGE, cip_service_range_first(&O.addr, &I.host32, 0)) \
	X(service_range_last_null_out, CIP_EINVAL, cip_service_range_last(NULL, &I.p4, 0)) \
	X(service_range_last_null_p, CIP_EINVAL, cip_service_range_last(&O.addr, NULL, 0)) \
	X(service_range_last_flag_unknown, CIP_EINVAL, cip_service_range_last(&O.addr, &I.p4, 1u << 1)) \
	X(service_range_last_flags_all, CIP_EINVAL, cip_service_range_last(&O.addr, &I.p4, UINT_MAX)) \
	X(service_range_last_none_usable, CIP_ERANGE, cip_service_range_last(&O.addr, &I.host32, 0)) \
	X(service_range_static_band_null, CIP_EINVAL, cip_service_range_static_band(NULL)) \
	X(node_port_static_band_zero, CIP_EINVAL, cip_node_port_static_band(0)) \
	X(node_port_static_band_past_max, CIP_EINVAL, cip_node_port_static_band(65537)) \
	X(node_port_static_band_uint32_max, CIP_EINVAL, cip_node_port_static_band(UINT32_MAX)) \
	X(node_port_static_band_max, 128, cip_node_port_static_band(65536)) \
	X(node_port_static_band_one, 0, cip_node_port_static_band(1))
/* clang-format on */

COMMON_CASES(CT_ARG_THUNK)
PARSE_CASES(CT_ARG_THUNK)
ADDR_CASES(CT_ARG_THUNK)
PREFIX_CASES(CT_ARG_THUNK)
SERVICE_RANGE_CASES(CT_ARG_THUNK)

static const struct ct_arg_case common_cases[] = { COMMON_CASES(CT_ARG_ROW) };
static const struct ct_arg_case parse_cases[] = { PARSE_CASES(CT_ARG_ROW) };
static const struct ct_arg_case addr_cases[] = { ADDR_CASES(CT_ARG_ROW) };
static const struct ct_arg_case prefix_cases[] = { PREFIX_CASES(CT_ARG_ROW) };
static const struct ct_arg_case service_range_cases[] = { SERVICE_RANGE_CASES(CT_ARG_ROW) };

/* ---- the sz of cip_parse_error ------------------------------------------ */

/* A cip_parse_error followed by room that a newer caller's struct would
 * have: the library must never write there. */
struct big_err {
	cip_parse_error err;
	unsigned char tail[32];
};

/* init zeroes exactly sz bytes and records sz; a larger sz is a newer
 * caller's struct, and all of it is zeroed. */
static void test_parse_error_init_writes_sz_bytes(void **state)
{
	(void)state;
	struct big_err b;
	const size_t v1 = offsetof(cip_parse_error, network);

	ct_fill(&b, sizeof(b));
	assert_int_equal(cip_parse_error_init(&b.err, v1), 0);
	ct_assert_init_wrote(&b, sizeof(b), v1);

	ct_fill(&b, sizeof(b));
	assert_int_equal(cip_parse_error_init(&b.err, sizeof(b)), 0);
	ct_assert_init_wrote(&b, sizeof(b), sizeof(b));
}

/* An err of the first version (no `network`) or of a newer, larger one is
 * written only within the fields this version knows and that fit its sz. */
static void test_parse_error_sz_bounds_writes(void **state)
{
	(void)state;
	struct big_err b;
	const size_t v1 = offsetof(cip_parse_error, network);
	cip_prefix p;

	ct_fill(&b, sizeof(b));
	b.err.sz = v1;
	assert_int_equal(cip_prefix_parse(&p, S("10.0.0.1/8"), 0, &b.err), CIP_EHOSTBITS);
	assert_int_equal(b.err.code, CIP_EHOSTBITS);
	assert_int_equal(b.err.reason, CIP_PARSE_HOST_BITS);
	assert_true(ct_untouched((unsigned char *)&b + v1, sizeof(b) - v1));

	ct_fill(&b, sizeof(b));
	b.err.sz = sizeof(b);
	assert_int_equal(cip_addr_parse(&O.addr, S("1.2.3.4"), 0, &b.err), 0);
	assert_int_equal(b.err.code, 0);
	assert_true(ct_untouched(b.tail, sizeof(b.tail)));

	ct_fill(&b, sizeof(b));
	b.err.sz = SIZE_MAX;
	assert_int_equal(cip_port_range_parse(&(cip_port_range){ 0, 0 }, S("1-"), &b.err),
			 CIP_ESYNTAX);
	assert_int_equal(b.err.code, CIP_ESYNTAX);
	assert_true(ct_untouched(b.tail, sizeof(b.tail)));
}

/* An err too small to hold `offset` is refused and not written at all,
 * even by the argument error itself. */
static void test_parse_error_too_small_untouched(void **state)
{
	(void)state;
	const size_t sizes[] = { 0, 1, sizeof(size_t), offsetof(cip_parse_error, offset),
				 offsetof(cip_parse_error, network) - 1 };

	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		cip_parse_error e;
		cip_addr a;
		cip_prefix p;
		cip_port_range pr;

		ct_fill(&e, sizeof(e));
		e.sz = sizes[i];
		ct_fill(&a, sizeof(a));
		assert_int_equal(cip_addr_parse(&a, S("1.2.3.4"), 0, &e), CIP_EINVAL);
		assert_true(ct_untouched(&a, sizeof(a)));
		ct_fill(&p, sizeof(p));
		assert_int_equal(cip_prefix_parse(&p, S("10.0.0.0/8"), 0, &e), CIP_EINVAL);
		assert_true(ct_untouched(&p, sizeof(p)));
		ct_fill(&pr, sizeof(pr));
		assert_int_equal(cip_port_range_parse(&pr, S("1-2"), &e), CIP_EINVAL);
		assert_true(ct_untouched(&pr, sizeof(pr)));
		assert_int_equal(e.sz, sizes[i]);
		assert_true(ct_untouched((unsigned char *)&e + sizeof(size_t),
					 sizeof(e) - sizeof(size_t)));
	}
}

/* A length no object can have is refused before a byte is read; a length
 * past the text's NUL is a syntax error at the NUL, not a read beyond. */
static void test_parse_lengths(void **state)
{
	(void)state;
	cip_parse_error e;
	cip_addr a;
	char *text = ct_dup(S("1.2.3.4\0"));

	cip_parse_error_init(&e, sizeof(e));
	ct_fill(&a, sizeof(a));
	assert_int_equal(cip_addr_parse(&a, text, 8, 0, &e), CIP_ESYNTAX);
	assert_int_equal(e.reason, CIP_PARSE_NUL_BYTE);
	assert_int_equal(e.offset, 7);
	assert_true(ct_untouched(&a, sizeof(a)));
	assert_int_equal(cip_addr_parse(&a, text, SIZE_MAX, 0, &e), CIP_EINVAL);
	assert_int_equal(e.code, CIP_EINVAL);
	assert_true(ct_untouched(&a, sizeof(a)));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CT_ARG_GROUP(common_args, common_cases, &O, NULL),
		CT_ARG_GROUP(parse_args, parse_cases, &O, NULL),
		CT_ARG_GROUP(addr_args, addr_cases, &O, NULL),
		CT_ARG_GROUP(prefix_args, prefix_cases, &O, NULL),
		CT_ARG_GROUP(service_range_args, service_range_cases, &O, NULL),
		cmocka_unit_test(test_parse_error_init_writes_sz_bytes),
		cmocka_unit_test(test_parse_error_sz_bounds_writes),
		cmocka_unit_test(test_parse_error_too_small_untouched),
		cmocka_unit_test(test_parse_lengths),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

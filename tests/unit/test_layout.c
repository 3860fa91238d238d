/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frozen ABI: sizes and offsets of every public value type and the
 * values of every public enumerator and capacity macro. A failure here means
 * the ABI changed.
 */
#include "cip_test.h"

#include <stdalign.h>

static void test_cip_addr_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cip_addr), 20);
	assert_int_equal(alignof(cip_addr), 1);
	assert_int_equal(offsetof(cip_addr, family), 0);
	assert_int_equal(sizeof(((cip_addr *)0)->family), 1);
	assert_int_equal(offsetof(cip_addr, reserved), 1);
	assert_int_equal(sizeof(((cip_addr *)0)->reserved), 3);
	assert_int_equal(offsetof(cip_addr, bytes), 4);
	assert_int_equal(sizeof(((cip_addr *)0)->bytes), 16);
}

static void test_cip_prefix_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cip_prefix), 24);
	assert_int_equal(alignof(cip_prefix), 1);
	assert_int_equal(offsetof(cip_prefix, addr), 0);
	assert_int_equal(offsetof(cip_prefix, len), 20);
	assert_int_equal(sizeof(((cip_prefix *)0)->len), 1);
	assert_int_equal(offsetof(cip_prefix, reserved), 21);
	assert_int_equal(sizeof(((cip_prefix *)0)->reserved), 3);
}

static void test_cip_u128_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cip_u128), 16);
	assert_int_equal(alignof(cip_u128), alignof(uint64_t));
	assert_int_equal(offsetof(cip_u128, hi), 0);
	assert_int_equal(offsetof(cip_u128, lo), 8);
	assert_int_equal(sizeof(((cip_u128 *)0)->hi), 8);
	assert_int_equal(sizeof(((cip_u128 *)0)->lo), 8);
}

static void test_cip_parse_error_layout(void **state)
{
	(void)state;
	/* size_t sz; int code; int reason; size_t offset; cip_prefix network */
	const size_t zs = sizeof(size_t);
	const size_t za = alignof(size_t);
	assert_int_equal(sizeof(int), 4);
	assert_int_equal(offsetof(cip_parse_error, sz), 0);
	assert_int_equal(offsetof(cip_parse_error, code), zs);
	assert_int_equal(offsetof(cip_parse_error, reason), zs + 4);
	/* zs + 8 is a multiple of alignof(size_t) on every ABI with size_t of
	 * 4 or 8 bytes, so there is no padding before offset */
	assert_int_equal(offsetof(cip_parse_error, offset), zs + 8);
	assert_int_equal(offsetof(cip_parse_error, network), 2 * zs + 8);
	assert_int_equal(sizeof(((cip_parse_error *)0)->network), 24);
	/* network (alignment 1) ends at 2 * zs + 32; the struct is padded to
	 * its alignment, that of size_t */
	assert_int_equal(sizeof(cip_parse_error), ((2 * zs + 32) + za - 1) / za * za);
	assert_int_equal(alignof(cip_parse_error), za);
}

/* Offsets of a struct of pointers, enums and integers, computed the way
 * the C ABI lays them out (each member at its alignment), so that the
 * expectations do not come from the compiler under test alone. */
static size_t align_up(size_t off, size_t a)
{
	return (off + a - 1) / a * a;
}

static void test_table_value_types(void **state)
{
	(void)state;
	const size_t p = sizeof(void *), zs = sizeof(size_t);

	/* cip_endpoint: addr 20, port 2, conditions 1, reserved 1, 4 x u32 */
	assert_int_equal(sizeof(cip_endpoint), 40);
	assert_int_equal(offsetof(cip_endpoint, port), 20);
	assert_int_equal(offsetof(cip_endpoint, conditions), 22);
	assert_int_equal(offsetof(cip_endpoint, node), 24);
	assert_int_equal(offsetof(cip_endpoint, zone), 28);
	assert_int_equal(offsetof(cip_endpoint, hint_zone), 32);
	assert_int_equal(offsetof(cip_endpoint, hint_node), 36);

	/* cip_label: two pointers; cip_named_port: pointer, int, u16 */
	assert_int_equal(sizeof(cip_label), 2 * p);
	assert_int_equal(offsetof(cip_named_port, protocol), p);
	assert_int_equal(offsetof(cip_named_port, port), p + 4);
	assert_int_equal(sizeof(cip_named_port), align_up(p + 6, p));

	/* cip_service_port: name, protocol, port, target_port, target name,
	 * node_port */
	assert_int_equal(offsetof(cip_service_port, protocol), p);
	assert_int_equal(offsetof(cip_service_port, port), p + 4);
	assert_int_equal(offsetof(cip_service_port, target_port), p + 6);
	assert_int_equal(offsetof(cip_service_port, target_port_name), align_up(p + 8, p));
	assert_int_equal(offsetof(cip_service_port, node_port), align_up(p + 8, p) + p);
	assert_int_equal(sizeof(cip_service_port), align_up(align_up(p + 8, p) + p + 2, p));

	/* cip_endpoint_spec: addr, conditions, five names, weight, reserved */
	assert_int_equal(offsetof(cip_endpoint_spec, conditions), 20);
	assert_int_equal(offsetof(cip_endpoint_spec, node_name), align_up(24, p));
	assert_int_equal(offsetof(cip_endpoint_spec, weight), align_up(24, p) + 5 * p);
	assert_int_equal(sizeof(cip_endpoint_spec), align_up(align_up(24, p) + 5 * p + 8, p));

	/* cip_select_request: address, u16, u8 x2, address, u16 x2, u32 x2,
	 * u64; cip_backend: address, u16, u8 x2, u32 x5, u64 */
	assert_int_equal(offsetof(cip_select_request, port), 20);
	assert_int_equal(offsetof(cip_select_request, protocol), 22);
	assert_int_equal(offsetof(cip_select_request, flags), 23);
	assert_int_equal(offsetof(cip_select_request, client), 24);
	assert_int_equal(offsetof(cip_select_request, client_port), 44);
	assert_int_equal(offsetof(cip_select_request, node), 48);
	assert_int_equal(offsetof(cip_select_request, zone), 52);
	assert_int_equal(offsetof(cip_select_request, now), 56);
	assert_int_equal(sizeof(cip_select_request), 64);
	assert_int_equal(offsetof(cip_backend, port), 20);
	assert_int_equal(offsetof(cip_backend, category), 22);
	assert_int_equal(offsetof(cip_backend, flags), 23);
	assert_int_equal(offsetof(cip_backend, index), 24);
	assert_int_equal(offsetof(cip_backend, node), 28);
	assert_int_equal(offsetof(cip_backend, zone), 32);
	assert_int_equal(offsetof(cip_backend, weight), 36);
	assert_int_equal(offsetof(cip_backend, generation), 48);
	assert_int_equal(sizeof(cip_backend), 56);

	/* cip_service_info: 64 + 64 + 254, then bytes, addresses, u32s, u64 */
	assert_int_equal(offsetof(cip_service_info, name), 64);
	assert_int_equal(offsetof(cip_service_info, external_name), 128);
	assert_int_equal(offsetof(cip_service_info, type), 382);
	assert_int_equal(offsetof(cip_service_info, cluster_ips), 386);
	assert_int_equal(offsetof(cip_service_info, ip_family_policy), 426);
	assert_int_equal(offsetof(cip_service_info, traffic_distribution), 430);
	assert_int_equal(offsetof(cip_service_info, affinity_timeout), 432);
	assert_int_equal(offsetof(cip_service_info, nports), 436);
	assert_int_equal(offsetof(cip_service_info, nendpoints), 440);
	assert_int_equal(offsetof(cip_service_info, generation), 448);
	assert_int_equal(sizeof(cip_service_info), 456);

	/* cip_service_port_info: two names, u16 x3, u8 x2, u32 x2 */
	assert_int_equal(offsetof(cip_service_port_info, port), 128);
	assert_int_equal(offsetof(cip_service_port_info, protocol), 134);
	assert_int_equal(offsetof(cip_service_port_info, nendpoints), 136);
	assert_int_equal(offsetof(cip_service_port_info, index), 140);
	assert_int_equal(sizeof(cip_service_port_info), 144);

	/* cip_lookup: an address, u16, u8 x2, i32, four pointers, two size_t */
	{
		size_t ps = sizeof(void *), o_svc = (24 + 4 + ps - 1) / ps * ps;

		assert_int_equal(offsetof(cip_lookup, port), 20);
		assert_int_equal(offsetof(cip_lookup, protocol), 22);
		assert_int_equal(offsetof(cip_lookup, flags), 23);
		assert_int_equal(offsetof(cip_lookup, rc), 24);
		assert_int_equal(offsetof(cip_lookup, svc), o_svc);
		assert_int_equal(offsetof(cip_lookup, port_info), o_svc + ps);
		assert_int_equal(offsetof(cip_lookup, eps), o_svc + 2 * ps);
		assert_int_equal(offsetof(cip_lookup, cap), o_svc + 3 * ps);
		assert_int_equal(offsetof(cip_lookup, n), o_svc + 3 * ps + zs);
		assert_int_equal(sizeof(cip_lookup), o_svc + 3 * ps + 2 * zs);
	}

	/* cip_dns_record: two names, u16 x4, an address */
	assert_int_equal(offsetof(cip_dns_record, target), 254);
	assert_int_equal(offsetof(cip_dns_record, type), 508);
	assert_int_equal(offsetof(cip_dns_record, port), 514);
	assert_int_equal(offsetof(cip_dns_record, addr), 516);
	assert_int_equal(sizeof(cip_dns_record), 536);

	/* cip_spec_error: sz, code, field, index, offset, message[160] */
	assert_int_equal(offsetof(cip_spec_error, code), zs);
	assert_int_equal(offsetof(cip_spec_error, index), zs + 8);
	assert_int_equal(offsetof(cip_spec_error, message), 3 * zs + 8);
	assert_int_equal(sizeof(cip_spec_error), align_up(3 * zs + 8 + 160, zs));

	/* Enumerators and capacities. */
	assert_int_equal(CIP_NAME_CAP, 64);
	assert_int_equal(CIP_SUBDOMAIN_CAP, 254);
	assert_int_equal(CIP_PROTO_TCP, 1);
	assert_int_equal(CIP_PROTO_UDP, 2);
	assert_int_equal(CIP_PROTO_SCTP, 3);
	assert_int_equal(CIP_SERVICE_CLUSTER_IP, 1);
	assert_int_equal(CIP_SERVICE_EXTERNAL_NAME, 4);
	assert_int_equal(CIP_EP_READY, 1);
	assert_int_equal(CIP_EP_SERVING, 2);
	assert_int_equal(CIP_EP_TERMINATING, 4);
	assert_int_equal(CIP_EPS_OK, 0);
	assert_int_equal(CIP_EPS_EXTERNAL_NAME, 6);
	assert_int_equal(CIP_FIELD_ENDPOINT_ADDRESS, 24);
	assert_int_equal(CIP_FIELD_TRAFFIC_DISTRIBUTION, 25);
	assert_int_equal(CIP_DISTRIBUTION_SAME_ZONE, 1);
	assert_int_equal(CIP_DISTRIBUTION_SAME_NODE, 2);
	assert_int_equal(CIP_DNS_A, 1);
	assert_int_equal(CIP_DNS_AAAA, 28);
	assert_int_equal(CIP_DNS_SRV, 33);
	assert_int_equal(CIP_DNS_PTR, 12);
	assert_int_equal(CIP_DNS_CNAME, 5);
	assert_int_equal(CIP_DNS_TXT, 16);
	assert_int_equal(CIP_DNS_ANY, 255);
}

static void test_error_codes(void **state)
{
	(void)state;
	assert_int_equal(CIP_OK, 0);
	assert_int_equal(CIP_EINVAL, -1);
	assert_int_equal(CIP_ENOMEM, -2);
	assert_int_equal(CIP_ESYNTAX, -3);
	assert_int_equal(CIP_EFAMILY, -4);
	assert_int_equal(CIP_ERANGE, -5);
	assert_int_equal(CIP_EFULL, -6);
	assert_int_equal(CIP_EALLOCATED, -7);
	assert_int_equal(CIP_ENOTFOUND, -8);
	assert_int_equal(CIP_EEXIST, -9);
	assert_int_equal(CIP_ESNAPSHOT_MISMATCH, -10);
	assert_int_equal(CIP_ESNAPSHOT_CORRUPT, -11);
	assert_int_equal(CIP_EBUFSIZE, -12);
	assert_int_equal(CIP_EUNSUPPORTED, -13);
	assert_int_equal(CIP_EZONE, -14);
	assert_int_equal(CIP_EHOSTBITS, -15);
	assert_int_equal(CIP_EOVERFLOW, -16);
	assert_int_equal(CIP_ENOTALLOCATED, -17);
	assert_int_equal(CIP_EQUARANTINED, -18);
	assert_int_equal(CIP_ELIMIT, -19);
	assert_int_equal(CIP_ENOBACKEND, -20);
	assert_int_equal(CIP_ENAME, -21);
	assert_int_equal(CIP_ESPEC, -22);
	assert_int_equal(CIP_EDROP, -23);
}

static void test_families_and_flags(void **state)
{
	(void)state;
	assert_int_equal(CIP_FAMILY_IPV4, 4);
	assert_int_equal(CIP_FAMILY_IPV6, 6);

	assert_int_equal(CIP_PARSE_LEGACY, 1);
	assert_int_equal(CIP_PARSE_MASK, 2);
	assert_int_equal(CIP_PARSE_IPV4_ONLY, 4);
	assert_int_equal(CIP_PARSE_IPV6_ONLY, 8);

	assert_int_equal(CIP_NAME_FQDN, 1);
	assert_int_equal(CIP_RANGE_LEGACY_CAP, 1);

	assert_int_equal(CIP_TEXT_ADDR, 1);
	assert_int_equal(CIP_TEXT_PREFIX, 2);
	assert_int_equal(CIP_TEXT_REVERSE_NAME, 3);
	assert_int_equal(CIP_TEXT_U128, 4);
}

static void test_parse_reasons(void **state)
{
	(void)state;
	assert_int_equal(CIP_PARSE_OK, 0);
	assert_int_equal(CIP_PARSE_EMPTY, 1);
	assert_int_equal(CIP_PARSE_UNEXPECTED_CHAR, 2);
	assert_int_equal(CIP_PARSE_NUL_BYTE, 3);
	assert_int_equal(CIP_PARSE_LEADING_ZERO, 4);
	assert_int_equal(CIP_PARSE_OCTET_RANGE, 5);
	assert_int_equal(CIP_PARSE_TOO_FEW_PARTS, 6);
	assert_int_equal(CIP_PARSE_TOO_MANY_PARTS, 7);
	assert_int_equal(CIP_PARSE_EMPTY_PART, 8);
	assert_int_equal(CIP_PARSE_MULTIPLE_ELLIPSIS, 9);
	assert_int_equal(CIP_PARSE_GROUP_TOO_LONG, 10);
	assert_int_equal(CIP_PARSE_MISPLACED_IPV4, 11);
	assert_int_equal(CIP_PARSE_ZONE, 12);
	assert_int_equal(CIP_PARSE_MISSING_LENGTH, 13);
	assert_int_equal(CIP_PARSE_BAD_LENGTH, 14);
	assert_int_equal(CIP_PARSE_LENGTH_RANGE, 15);
	assert_int_equal(CIP_PARSE_HOST_BITS, 16);
	assert_int_equal(CIP_PARSE_WRONG_FAMILY, 17);
	assert_int_equal(CIP_PARSE_PORT_RANGE, 18);
	assert_int_equal(CIP_PARSE_PORT_ORDER, 19);
}

static void test_capacities(void **state)
{
	(void)state;
	/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 bytes + NUL */
	assert_int_equal(CIP_ADDR_STRLEN, 46);
	/* the same and "/128" */
	assert_int_equal(CIP_PREFIX_STRLEN, 50);
	assert_int_equal(CIP_REVERSE_NAME_STRLEN, 75);
	/* 2^128 - 1 has 39 digits, + NUL */
	assert_int_equal(CIP_U128_STRLEN, 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cip_addr_layout),
		cmocka_unit_test(test_cip_prefix_layout),
		cmocka_unit_test(test_cip_u128_layout),
		cmocka_unit_test(test_cip_parse_error_layout),
		cmocka_unit_test(test_table_value_types),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_families_and_flags),
		cmocka_unit_test(test_parse_reasons),
		cmocka_unit_test(test_capacities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A program built the way a user builds one: against the installed headers
 * and library only. It fails when the library it loads is not the one its
 * headers describe, or when a basic round trip does not hold.
 */
#include <clusterip/clusterip.h>

#include <stdio.h>
#include <string.h>

static int check_round_trip(const char *text, const char *canonical)
{
	cip_addr a;
	char buf[CIP_ADDR_STRLEN];
	int rc = cip_addr_parse(&a, text, strlen(text), 0, NULL);
	if (rc != 0) {
		fprintf(stderr, "parse %s: %s\n", text, cip_strerror(rc));
		return 1;
	}
	rc = cip_addr_format(&a, buf, sizeof(buf));
	if (rc < 0 || strcmp(buf, canonical) != 0) {
		fprintf(stderr, "format %s: got %s\n", text, rc < 0 ? cip_strerror(rc) : buf);
		return 1;
	}
	return 0;
}

int main(void)
{
	cip_prefix p;
	int failures = 0;

	if (cip_version() != CIP_VERSION_NUMBER ||
	    strcmp(cip_version_string(), CIP_VERSION_STRING) != 0) {
		fprintf(stderr, "loaded library %s, headers %s\n", cip_version_string(),
			CIP_VERSION_STRING);
		return 1;
	}
	failures += check_round_trip("FD00:10:96:0:0:0:0:A1", "fd00:10:96::a1");
	failures += check_round_trip("10.96.0.10", "10.96.0.10");
	if (cip_prefix_parse(&p, "10.96.0.0/12", 12, 0, NULL) != 0 ||
	    cip_service_range_static_band(&p) != 256) {
		fprintf(stderr, "prefix 10.96.0.0/12 misbehaves\n");
		failures++;
	}
	if (failures == 0)
		printf("consumer: libclusterip %s OK\n", cip_version_string());
	return failures != 0;
}

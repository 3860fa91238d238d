/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation of service, pod and endpoint specs, as the Kubernetes API
 * validates Services, Pods and EndpointSlices (pkg/apis/core/validation).
 * Each check reports the first invalid field, with its index and, for a
 * text, the byte offset of the first bad byte; messages follow the API's
 * field paths ("spec.ports[1].name: Duplicate value").
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_priv.h"
#include "table_priv.h"
#include "validate.h"

int cip__table_fail(cip_spec_error *err, int code, int field, size_t index, size_t offset,
		    const char *fmt, ...)
{
	va_list ap;

	if (!err || err->sz < sizeof(*err))
		return code;
	err->code = code;
	err->field = field;
	err->index = index;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

/* The checkers of validate.h, by what a field must be. */
typedef int (*text_check)(const char *s, size_t len, size_t *offset);

/* Checks a required (or, with @p optional, NULL-or-empty allowed) text
 * field. @p path is the field's path for the message. */
static int check_text(cip_spec_error *err, int field, size_t index, const char *path, const char *s,
		      int optional, text_check check)
{
	size_t offset = 0, len;
	int reason;

	if (!s || !*s) {
		if (optional)
			return 0;
		return cip__table_fail(err, CIP_ESPEC, field, index, 0, "%s: Required value", path);
	}
	/* Enough for the longest valid text (a label key: 253 + 1 + 63 bytes)
	 * and one more byte, so that anything longer is reported too long. */
	len = strnlen(s, CIP__VALID_SUBDOMAIN_MAX + 1 + CIP__VALID_LABEL_MAX + 1);
	reason = check(s, len, &offset);
	if (reason == 0)
		return 0;
	return cip__table_fail(err, CIP_ESPEC, field, index, offset, "%s: Invalid value: %s", path,
			       cip__valid_reason_text(reason));
}

static int same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ------------------------------------------------------------------ */
/* Labels and selectors                                               */
/* ------------------------------------------------------------------ */

static int check_labels(cip_spec_error *err, int field, const char *path, const cip_label *labels,
			size_t n)
{
	char where[64];
	int rc;

	if (n > CIP_TABLE_MAX_LABELS || (n && !labels))
		return cip__table_fail(err, n > CIP_TABLE_MAX_LABELS ? CIP_ESPEC : CIP_EINVAL,
				       field, 0, 0, "%s: Too many: %zu: must have at most %d items",
				       path, n, CIP_TABLE_MAX_LABELS);
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "%s[%zu]", path, i);
		rc = check_text(err, field, i, where, labels[i].key, 0, cip__valid_label_key);
		if (rc)
			return rc;
		if (!labels[i].value)
			return cip__table_fail(err, CIP_ESPEC, field, i, 0, "%s: Required value",
					       where);
		rc = check_text(err, field, i, where, labels[i].value, 1, cip__valid_label_value);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[j].key, labels[i].key) == 0)
				return cip__table_fail(err, CIP_ESPEC, field, i, 0,
						       "%s: Duplicate value: \"%s\"", where,
						       labels[i].key);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Services                                                           */
/* ------------------------------------------------------------------ */

static int protocol_valid(int protocol)
{
	return protocol >= CIP_PROTO_TCP && protocol <= CIP_PROTO_SCTP;
}

static int port_protocol(const cip_service_port *p)
{
	return p->protocol ? p->protocol : CIP_PROTO_TCP;
}

static int check_port_names(cip_spec_error *err, const cip_service_port *p, size_t i, size_t nports)
{
	char where[64];
	int rc;

	snprintf(where, sizeof(where), "spec.ports[%zu].name", i);
	if (nports > 1 && (!p[i].name || !*p[i].name))
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT_NAME, i, 0,
				       "%s: Required value", where);
	rc = check_text(err, CIP_FIELD_PORT_NAME, i, where, p[i].name, 1, cip__valid_dns1123_label);
	if (rc)
		return rc;
	for (size_t j = 0; j < i; j++)
		if (p[i].name && *p[i].name && same_text(p[j].name, p[i].name))
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT_NAME, i, 0,
					       "%s: Duplicate value: \"%s\"", where, p[i].name);
	return 0;
}

static int check_port_numbers(cip_spec_error *err, const cip_service_spec *s, size_t i)
{
	const cip_service_port *p = s->ports;
	char where[64];
	int node_ports_allowed =
		s->type == CIP_SERVICE_NODE_PORT || s->type == CIP_SERVICE_LOAD_BALANCER;

	if (!protocol_valid(port_protocol(&p[i])))
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT_PROTOCOL, i, 0,
				       "spec.ports[%zu].protocol: Unsupported value: %d", i,
				       p[i].protocol);
	if (p[i].port == 0)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT, i, 0,
				       "spec.ports[%zu].port: Invalid value: 0: must be between 1 "
				       "and 65535, inclusive",
				       i);
	snprintf(where, sizeof(where), "spec.ports[%zu].targetPort", i);
	if (p[i].target_port_name && *p[i].target_port_name) {
		if (p[i].target_port)
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_TARGET_PORT, i, 0,
					       "%s: Invalid value: a number and a name", where);
		if (check_text(err, CIP_FIELD_TARGET_PORT, i, where, p[i].target_port_name, 0,
			       cip__valid_port_name))
			return CIP_ESPEC;
	}
	if (p[i].node_port && !node_ports_allowed)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_NODE_PORT, i, 0,
				       "spec.ports[%zu].nodePort: Forbidden: may not be used when "
				       "`type` is 'ClusterIP'",
				       i);
	for (size_t j = 0; j < i; j++) {
		if (port_protocol(&p[j]) != port_protocol(&p[i]))
			continue;
		if (p[j].port == p[i].port)
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT, i, 0,
					       "spec.ports[%zu]: Duplicate value: %u", i,
					       p[i].port);
		if (p[i].node_port && p[j].node_port == p[i].node_port)
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_NODE_PORT, i, 0,
					       "spec.ports[%zu].nodePort: Duplicate value: %u", i,
					       p[i].node_port);
	}
	return 0;
}

static int check_ports(cip_spec_error *err, const cip_service_spec *s)
{
	int portless_ok = s->headless || s->type == CIP_SERVICE_EXTERNAL_NAME;

	if (s->nports > CIP_TABLE_MAX_PORTS || (s->nports && !s->ports))
		return cip__table_fail(
			err, s->nports > CIP_TABLE_MAX_PORTS ? CIP_ESPEC : CIP_EINVAL,
			CIP_FIELD_PORTS, 0, 0, "spec.ports: Too many: %zu", s->nports);
	if (s->nports == 0 && !portless_ok)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORTS, 0, 0,
				       "spec.ports: Required value");
	for (size_t i = 0; i < s->nports; i++) {
		int rc = check_port_names(err, s->ports, i, s->nports);

		if (rc == 0)
			rc = check_port_numbers(err, s, i);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_cluster_ips(cip_spec_error *err, const cip_service_spec *s)
{
	if (s->ncluster_ips > 2 || (s->ncluster_ips && !s->cluster_ips))
		return cip__table_fail(
			err, s->ncluster_ips > 2 ? CIP_ESPEC : CIP_EINVAL, CIP_FIELD_CLUSTER_IPS, 2,
			0, "spec.clusterIPs: Invalid value: may only hold up to 2 values");
	if (s->type == CIP_SERVICE_EXTERNAL_NAME && (s->ncluster_ips || s->headless))
		return cip__table_fail(
			err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, 0, 0,
			"spec.clusterIPs: Forbidden: may not be set for ExternalName");
	if (s->headless && s->ncluster_ips)
		return cip__table_fail(
			err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, 0, 0,
			"spec.clusterIPs[0]: Invalid value: 'None' must be the first "
			"and only value");
	if (s->headless && s->type != 0 && s->type != CIP_SERVICE_CLUSTER_IP)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, 0, 0,
				       "spec.clusterIPs[0]: Invalid value: 'None' may not be used "
				       "for a NodePort or LoadBalancer service");
	for (size_t i = 0; i < s->ncluster_ips; i++) {
		if (!addr_valid(&s->cluster_ips[i]))
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, i, 0,
					       "spec.clusterIPs[%zu]: Invalid value: not an IP", i);
	}
	if (s->ncluster_ips == 2 && s->cluster_ips[0].family == s->cluster_ips[1].family)
		return cip__table_fail(
			err, CIP_ESPEC, CIP_FIELD_CLUSTER_IPS, 1, 0,
			"spec.clusterIPs[1]: Invalid value: may specify no more than "
			"one IP for each IP family");
	return 0;
}

static int check_policy(cip_spec_error *err, const cip_service_spec *s)
{
	if (s->ip_family_policy < 0 || s->ip_family_policy > CIP_REQUIRE_DUAL_STACK)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_IP_FAMILY_POLICY, 0, 0,
				       "spec.ipFamilyPolicy: Unsupported value: %d",
				       s->ip_family_policy);
	if (s->type == CIP_SERVICE_EXTERNAL_NAME && s->ip_family_policy)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_IP_FAMILY_POLICY, 0, 0,
				       "spec.ipFamilyPolicy: Forbidden: may not be set for "
				       "ExternalName");
	if (s->ncluster_ips == 2 && s->ip_family_policy == CIP_SINGLE_STACK)
		return cip__table_fail(
			err, CIP_ESPEC, CIP_FIELD_IP_FAMILY_POLICY, 0, 0,
			"spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be "
			"'RequireDualStack' or 'PreferDualStack' when multiple "
			"cluster IPs are specified");
	return 0;
}

static int check_affinity(cip_spec_error *err, const cip_service_spec *s)
{
	if (s->session_affinity < 0 || s->session_affinity > CIP_AFFINITY_CLIENT_IP)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_SESSION_AFFINITY, 0, 0,
				       "spec.sessionAffinity: Unsupported value: %d",
				       s->session_affinity);
	if (s->session_affinity != CIP_AFFINITY_CLIENT_IP && s->affinity_timeout)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_AFFINITY_TIMEOUT, 0, 0,
				       "spec.sessionAffinityConfig: Invalid value: must not be set "
				       "when `sessionAffinity` is None");
	if (s->affinity_timeout > CIP_AFFINITY_TIMEOUT_MAX)
		return cip__table_fail(
			err, CIP_ESPEC, CIP_FIELD_AFFINITY_TIMEOUT, 0, 0,
			"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid "
			"value: %u: must be greater than 0 and less than %d",
			s->affinity_timeout, CIP_AFFINITY_TIMEOUT_MAX);
	if (s->internal_traffic_policy < 0 || s->internal_traffic_policy > CIP_TRAFFIC_LOCAL)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_TRAFFIC_POLICY, 0, 0,
				       "spec.internalTrafficPolicy: Unsupported value: %d",
				       s->internal_traffic_policy);
	if (s->traffic_distribution < 0 || s->traffic_distribution > CIP_DISTRIBUTION_SAME_NODE)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_TRAFFIC_DISTRIBUTION, 0, 0,
				       "spec.trafficDistribution: Unsupported value: %d",
				       s->traffic_distribution);
	if (s->lb_policy < CIP_LB_DEFAULT || s->lb_policy > CIP_LB_WEIGHTED_ROUND_ROBIN)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_LB_POLICY, 0, 0,
				       "lbPolicy: Unsupported value: %d", s->lb_policy);
	return 0;
}

/* ExternalName: a DNS-1123 subdomain, one trailing dot allowed. */
static int check_external_name(cip_spec_error *err, const cip_service_spec *s)
{
	size_t len, offset = 0;
	int reason;

	if (s->type != CIP_SERVICE_EXTERNAL_NAME)
		return 0;
	if (!s->external_name || !*s->external_name)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_EXTERNAL_NAME, 0, 0,
				       "spec.externalName: Required value");
	len = strnlen(s->external_name, CIP_SUBDOMAIN_CAP + 1);
	if (len > 1 && s->external_name[len - 1] == '.')
		len--;
	reason = cip__valid_dns1123_subdomain(s->external_name, len, &offset);
	if (reason)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_EXTERNAL_NAME, 0, offset,
				       "spec.externalName: Invalid value: %s",
				       cip__valid_reason_text(reason));
	return 0;
}

int cip__table_check_service(const cip_table *t, const cip_service_spec *s, cip_spec_error *err)
{
	int rc;

	(void)t;
	rc = check_text(err, CIP_FIELD_NAMESPACE, 0, "metadata.namespace", s->ns, 0,
			cip__valid_dns1123_label);
	if (rc == 0)
		rc = check_text(err, CIP_FIELD_NAME, 0, "metadata.name", s->name, 0,
				cip__valid_dns1035_label);
	if (rc == 0 && (s->type < 0 || s->type > CIP_SERVICE_EXTERNAL_NAME))
		rc = cip__table_fail(err, CIP_ESPEC, CIP_FIELD_TYPE, 0, 0,
				     "spec.type: Unsupported value: %d", s->type);
	if (rc == 0)
		rc = check_cluster_ips(err, s);
	if (rc == 0)
		rc = check_ports(err, s);
	if (rc == 0)
		rc = check_labels(err, CIP_FIELD_SELECTOR, "spec.selector", s->selector,
				  s->nselector);
	if (rc == 0)
		rc = check_policy(err, s);
	if (rc == 0)
		rc = check_affinity(err, s);
	if (rc == 0)
		rc = check_external_name(err, s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Pods and endpoints                                                 */
/* ------------------------------------------------------------------ */

/* Container ports are named by IANA service names, EndpointSlice ports by
 * DNS-1123 labels (to match service port names): @p name_check. */
static int check_named_ports(cip_spec_error *err, const char *path, const cip_named_port *p,
			     size_t n, text_check name_check)
{
	char where[64];

	if (n > CIP_TABLE_MAX_PORTS || (n && !p))
		return cip__table_fail(err, n > CIP_TABLE_MAX_PORTS ? CIP_ESPEC : CIP_EINVAL,
				       CIP_FIELD_PORTS, 0, 0, "%s: Too many: %zu", path, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "%s[%zu].name", path, i);
		if (check_text(err, CIP_FIELD_PORT_NAME, i, where, p[i].name, 1, name_check))
			return CIP_ESPEC;
		if (!protocol_valid(p[i].protocol ? p[i].protocol : CIP_PROTO_TCP))
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT_PROTOCOL, i, 0,
					       "%s[%zu].protocol: Unsupported value: %d", path, i,
					       p[i].protocol);
		if (p[i].port == 0)
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT, i, 0,
					       "%s[%zu].port: Invalid value: 0", path, i);
		for (size_t j = 0; j < i; j++)
			if (p[i].name && *p[i].name && same_text(p[i].name, p[j].name))
				return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_PORT_NAME, i, 0,
						       "%s: Duplicate value: \"%s\"", where,
						       p[i].name);
	}
	return 0;
}

static int check_place(cip_spec_error *err, size_t i, const char *node, const char *zone,
		       const char *hostname)
{
	int rc = check_text(err, CIP_FIELD_NODE_NAME, i, "nodeName", node, 1,
			    cip__valid_dns1123_subdomain);

	if (rc == 0)
		rc = check_text(err, CIP_FIELD_ZONE, i, "zone", zone, 1, cip__valid_label_value);
	if (rc == 0)
		rc = check_text(err, CIP_FIELD_HOSTNAME, i, "hostname", hostname, 1,
				cip__valid_dns1123_label);
	return rc;
}

static int check_conditions(cip_spec_error *err, size_t i, unsigned conditions)
{
	if (conditions & ~(unsigned)(CIP_EP_READY | CIP_EP_SERVING | CIP_EP_TERMINATING))
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_CONDITIONS, i, 0,
				       "conditions: Unsupported value: %#x", conditions);
	return 0;
}

int cip__table_check_pod(const cip_pod_spec *s, cip_spec_error *err)
{
	int rc = check_text(err, CIP_FIELD_NAMESPACE, 0, "metadata.namespace", s->ns, 0,
			    cip__valid_dns1123_label);

	if (rc == 0)
		rc = check_text(err, CIP_FIELD_NAME, 0, "metadata.name", s->name, 0,
				cip__valid_dns1123_subdomain);
	if (rc)
		return rc;
	if (s->nips > 2 || (s->nips && !s->ips))
		return cip__table_fail(
			err, s->nips > 2 ? CIP_ESPEC : CIP_EINVAL, CIP_FIELD_POD_IPS, 0, 0,
			"status.podIPs: Too many: %zu: must have at most 2 items", s->nips);
	for (size_t i = 0; i < s->nips; i++)
		if (!addr_valid(&s->ips[i]))
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_POD_IPS, i, 0,
					       "status.podIPs[%zu]: Invalid value: not an IP", i);
	if (s->nips == 2 && s->ips[0].family == s->ips[1].family)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_POD_IPS, 1, 0,
				       "status.podIPs[1]: Invalid value: may specify no more than "
				       "one IP for each IP family");
	rc = check_labels(err, CIP_FIELD_LABELS, "metadata.labels", s->labels, s->nlabels);
	if (rc == 0)
		rc = check_place(err, 0, s->node_name, s->zone, s->hostname);
	if (rc == 0)
		rc = check_named_ports(err, "spec.containers[].ports", s->ports, s->nports,
				       cip__valid_port_name);
	if (rc == 0)
		rc = check_conditions(err, 0, s->conditions);
	return rc;
}

struct addr_at {
	cip_addr addr;
	size_t index;
};

static int addr_at_cmp(const void *x, const void *y)
{
	const struct addr_at *a = x, *b = y;
	int c = memcmp(&a->addr, &b->addr, sizeof(a->addr));

	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* The first endpoint whose address an earlier one has, or @p n: sorted by
 * (address, index), so a service with thousands of endpoints is checked in
 * O(n log n). @return CIP_ENOMEM when the scratch array cannot be had. */
static int first_duplicate(const cip_endpoint_spec *eps, size_t n, size_t *dup)
{
	struct addr_at *a = n > 1 ? malloc(n * sizeof(*a)) : NULL;

	*dup = n;
	if (n <= 1)
		return 0;
	if (!a)
		return CIP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		a[i].addr = eps[i].addr;
		a[i].index = i;
	}
	qsort(a, n, sizeof(*a), addr_at_cmp);
	for (size_t i = 1; i < n; i++)
		if (memcmp(&a[i].addr, &a[i - 1].addr, sizeof(a[i].addr)) == 0 && a[i].index < *dup)
			*dup = a[i].index;
	free(a);
	return 0;
}

int cip__table_check_endpoints(const cip_endpoint_spec *eps, size_t neps,
			       const cip_named_port *ports, size_t nports, cip_spec_error *err)
{
	size_t dup;
	int rc;

	/* A count no array can hold is refused before an element is read. */
	if ((neps && !eps) || neps > PTRDIFF_MAX / sizeof(*eps))
		return CIP_EINVAL;
	for (size_t i = 0; i < neps; i++) {
		const cip_endpoint_spec *e = &eps[i];

		if (!addr_valid(&e->addr))
			return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_ENDPOINT_ADDRESS, i, 0,
					       "endpoints[%zu].addresses[0]: Invalid value: not an "
					       "IP",
					       i);
		rc = check_place(err, i, e->node_name, e->zone, e->hostname);
		if (rc == 0)
			rc = check_text(err, CIP_FIELD_ZONE, i, "hints.forZones[0]", e->hint_zone,
					1, cip__valid_label_value);
		if (rc == 0)
			rc = check_text(err, CIP_FIELD_NODE_NAME, i, "hints.forNodes[0]",
					e->hint_node, 1, cip__valid_dns1123_subdomain);
		if (rc == 0)
			rc = check_conditions(err, i, e->conditions);
		if (rc == 0 && e->reserved)
			rc = cip__table_fail(err, CIP_ESPEC, CIP_FIELD_WEIGHT, i, 0,
					     "endpoints[%zu]: reserved bytes must be zero", i);
		if (rc)
			return rc;
	}
	rc = first_duplicate(eps, neps, &dup);
	if (rc)
		return cip__table_fail(err, rc, CIP_FIELD_NONE, 0, 0, "out of memory");
	if (dup < neps)
		return cip__table_fail(err, CIP_ESPEC, CIP_FIELD_ENDPOINT_ADDRESS, dup, 0,
				       "endpoints[%zu].addresses[0]: Duplicate value", dup);
	return check_named_ports(err, "ports", ports, nports, cip__valid_dns1123_label);
}

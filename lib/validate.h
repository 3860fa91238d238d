/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the Kubernetes API's rules for names, labels and ports, as the
 * API server applies them to Services, Pods and EndpointSlices:
 *
 *   Service name                          DNS-1035 label
 *   namespace, Service port name,         DNS-1123 label
 *   EndpointSlice port name, hostname
 *   node name, ExternalName, label-key    DNS-1123 subdomain
 *   prefix
 *   container port name, target port name IANA service name (port name)
 *   selector and label key, appProtocol   qualified name (label key)
 *   selector and label value              label value
 *   port, target port number              1..65535
 *
 * The rules and limits are exactly those of Kubernetes
 * (k8s.io/apimachinery/pkg/util/validation and pkg/api/validate/content,
 * k8s.io/kubernetes/pkg/apis/core/validation). Preparing the text is the
 * caller's business, as it is in Kubernetes: an ExternalName loses one
 * trailing dot before it is checked, and an optional name that is absent
 * is simply not checked.
 *
 * A text is a pointer and a length. It need not be NUL-terminated and may
 * hold any bytes: NUL, bytes >= 0x80 and invalid UTF-8 are just characters
 * that no rule allows. A NULL pointer is never valid (CIP__VALID_NULL, even
 * with length 0, even where an empty text is valid), so that a missing
 * string is never mistaken for an empty one.
 *
 * Each checker makes one left-to-right pass and stops at the first byte
 * that breaks the rule. It returns 0 if the text is valid, else a reason
 * (enum cip__valid_reason), and, if @p offset is not NULL, stores there
 * the byte offset of that first offending byte; on success *offset is not
 * written. Kubernetes reports every problem of a text; a checker reports
 * the first, which is the one a user fixes first. Offsets are:
 * - EMPTY, NULL and NO_LETTER: 0, as no single byte is at fault;
 * - TOO_LONG: the first byte past the limit, so offset minus the start of
 *   the part is the limit (63, 253 or 15 bytes);
 * - BAD_END: the last byte of the label or name, the one that is not
 *   alphanumeric; EMPTY_LABEL: the '.' that leaves a label empty;
 * - EMPTY_NAME: the end of the text, where the name part should be;
 * - every other reason: the byte at fault.
 *
 * Thread-safety: lock-free; the checkers read only their arguments, never
 * allocate and do not depend on the locale.
 */
#ifndef CIP_VALIDATE_H
#define CIP_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

/* Longest DNS label, label-key name part and label value, in bytes. */
#define CIP__VALID_LABEL_MAX 63
/* Longest DNS subdomain (and label-key prefix), in bytes. */
#define CIP__VALID_SUBDOMAIN_MAX 253
/* Longest port name (IANA service name, RFC 6335), in bytes. */
#define CIP__VALID_PORT_NAME_MAX 15

/*
 * Why a text or number breaks a rule. Each Kubernetes error message of
 * these rules has its reason; the messages that describe a whole regular
 * expression are split into the part that failed (character, start, end).
 * cip__valid_reason_text() gives the English text.
 */
enum cip__valid_reason {
	CIP__VALID_OK = 0,
	CIP__VALID_NULL,	     /* a NULL pointer */
	CIP__VALID_EMPTY,	     /* an empty text where one is required */
	CIP__VALID_TOO_LONG,	     /* longer than the rule's limit */
	CIP__VALID_BAD_CHAR,	     /* not [-a-z0-9] (nor a '.' between labels) */
	CIP__VALID_BAD_NAME_CHAR,    /* label name or value: not [-A-Za-z0-9_.] */
	CIP__VALID_DOT,		     /* DNS-1123 label: a valid subdomain, not a label */
	CIP__VALID_BAD_START,	     /* does not start with an alphanumeric */
	CIP__VALID_START_NOT_LETTER, /* DNS-1035 label: does not start with a-z */
	CIP__VALID_BAD_END,	     /* does not end with an alphanumeric */
	CIP__VALID_EMPTY_LABEL,	     /* subdomain: leading, trailing or doubled '.' */
	CIP__VALID_NO_LETTER,	     /* port name: no letter a-z */
	CIP__VALID_DOUBLE_HYPHEN,    /* port name: "--" */
	CIP__VALID_EMPTY_PREFIX,     /* label key: '/' with nothing before it */
	CIP__VALID_PREFIX_TOO_LONG,  /* label key: prefix longer than 253 bytes */
	CIP__VALID_BAD_PREFIX,	     /* label key: prefix not a DNS-1123 subdomain */
	CIP__VALID_EMPTY_NAME,	     /* label key: '/' with nothing after it */
	CIP__VALID_EXTRA_SLASH,	     /* label key: more than one '/' */
	CIP__VALID_OUT_OF_RANGE,     /* port number not in 1..65535 */
	CIP__VALID_NREASONS	     /* the number of reasons, OK included */
};

/*
 * A short English message for @p reason, in the words of Kubernetes' own
 * (e.g. "must be no more than 63 bytes (253 for a subdomain, 15 for a port
 * name)"), to follow a field path and the value. @return a static string;
 * never NULL, also for an unknown reason.
 */
const char *cip__valid_reason_text(int reason);

/*
 * RFC 1035 label, Kubernetes IsDNS1035Label (Service names):
 * [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 bytes.
 * @return 0; NULL, EMPTY, TOO_LONG, BAD_CHAR, START_NOT_LETTER (a digit or
 * '-' first), BAD_END.
 */
int cip__valid_dns1035_label(const char *s, size_t len, size_t *offset);

/*
 * RFC 1123 label, Kubernetes IsDNS1123Label (namespaces, Service and
 * EndpointSlice port names, hostnames): [a-z0-9]([-a-z0-9]*[a-z0-9])?, at
 * most 63 bytes.
 * @return 0; NULL, EMPTY, TOO_LONG, BAD_CHAR, BAD_START, BAD_END; DOT at
 * the first '.' when the whole text is a valid subdomain (Kubernetes' "must
 * not contain dots"); a '.' in any other text is a BAD_CHAR.
 */
int cip__valid_dns1123_label(const char *s, size_t len, size_t *offset);

/*
 * RFC 1123 subdomain, Kubernetes IsDNS1123Subdomain (node names,
 * ExternalName, label-key prefixes): DNS-1123 labels joined by single dots,
 * [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*, at most
 * 253 bytes in all. A label has no length limit of its own here, exactly
 * as in Kubernetes.
 * @return 0; NULL, EMPTY, TOO_LONG, BAD_CHAR, BAD_START (a label starting
 * with '-'), BAD_END (a label ending with '-'), EMPTY_LABEL.
 */
int cip__valid_dns1123_subdomain(const char *s, size_t len, size_t *offset);

/*
 * IANA service name (RFC 6335 §5.1, lower case only), Kubernetes
 * IsValidPortName (container port names, target port names): at most 15
 * bytes of [-a-z0-9], at least one letter, no "--", no '-' first or last.
 * @return 0; NULL, EMPTY, TOO_LONG, BAD_CHAR, BAD_START, BAD_END,
 * DOUBLE_HYPHEN (at the second '-'), NO_LETTER.
 */
int cip__valid_port_name(const char *s, size_t len, size_t *offset);

/*
 * Qualified name, Kubernetes IsQualifiedName / IsLabelKey (label and
 * selector keys, appProtocol): [prefix/]name, where the optional prefix is a
 * DNS-1123 subdomain of at most 253 bytes and the name part, at most 63
 * bytes, matches ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
 * As in Kubernetes, more than one '/' is reported before anything else
 * (EXTRA_SLASH, at the second '/'), since it leaves no prefix and name to
 * check; then the prefix, then the name part. A problem in the prefix is
 * EMPTY_PREFIX, PREFIX_TOO_LONG or BAD_PREFIX (at the offending byte);
 * offsets in the name part count from the start of the whole text.
 * @return 0; NULL, EMPTY, EXTRA_SLASH, EMPTY_PREFIX, PREFIX_TOO_LONG,
 * BAD_PREFIX, EMPTY_NAME, TOO_LONG, BAD_NAME_CHAR, BAD_START, BAD_END.
 */
int cip__valid_label_key(const char *s, size_t len, size_t *offset);

/*
 * Label value, Kubernetes IsValidLabelValue (label and selector values):
 * empty, or at most 63 bytes matching ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
 * @return 0; NULL, TOO_LONG, BAD_NAME_CHAR, BAD_START, BAD_END.
 */
int cip__valid_label_value(const char *s, size_t len, size_t *offset);

/*
 * Port number, Kubernetes IsValidPortNum (Service ports, numeric target
 * ports, container ports): 1..65535. A negative Kubernetes int32 converts
 * to a uint32_t above 65535 and is rejected as well.
 * @return 0; CIP__VALID_OUT_OF_RANGE.
 */
int cip__valid_port_number(uint32_t port);

#endif /* CIP_VALIDATE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: DNS query names of Kubernetes DNS-based service discovery
 * (schema 1.1.0, kubernetes/dns docs/specification.md), as a pod sees them:
 *
 * - cip__dns_normalize() checks a name and gives its canonical text;
 * - cip__dns_candidate() lists the names a pod's C library resolver actually
 *   queries for a name it is asked for (search list and ndots);
 * - cip__dns_classify() tells which record of the schema a name asks for
 *   and where its parts (service, namespace, port...) are.
 *
 * Names are text without escapes, in the "host name" subset of DNS that
 * service discovery uses: labels of 1..63 bytes, each a letter, a digit,
 * '-' or '_' ('_' for the labels of SRV names), separated by single dots;
 * at most 253 bytes without the optional trailing dot (255 bytes in wire
 * form, the DNS limit). Every other byte (NUL, space, '\\', bytes >= 0x80)
 * makes a name invalid. Comparisons ignore ASCII case, as DNS does; no
 * function depends on the locale, and none allocates.
 *
 * Thread-safety: lock-free. Every function is pure: it reads its arguments
 * and writes only its outputs, and on failure writes nothing at all.
 *
 * Errors are the public CIP_E* codes.
 */
#ifndef CIP_DNSNAME_H
#define CIP_DNSNAME_H

#include <stddef.h>

#include <clusterip/addr.h>
#include <clusterip/common.h>

/* The longest name, without its trailing dot. */
#define CIP__DNS_NAME_MAX 253
/* A buffer that holds any name cip__dns_normalize() or cip__dns_candidate()
 * writes, with its NUL. */
#define CIP__DNS_NAME_CAP 254
/* The longest label. */
#define CIP__DNS_LABEL_MAX 63

/* The cluster domain and ndots that the kubelet uses by default. */
#define CIP__DNS_ZONE_DEFAULT "cluster.local"
#define CIP__DNS_NDOTS_DEFAULT 5
/* glibc and musl read any larger ndots as 15. */
#define CIP__DNS_NDOTS_MAX 15
/* The most candidates of one name: the name itself and three suffixes. */
#define CIP__DNS_CANDIDATES_MAX 4

/*
 * Checks a name and writes its canonical form: ASCII letters in lower case,
 * without the trailing dot, and a NUL.
 * @param name the name; need not be NUL-terminated.
 * @param len its length in bytes.
 * @param out receives the canonical name and a NUL.
 * @param cap capacity of @p out; CIP__DNS_NAME_CAP always suffices.
 * @param out_len receives the length written, without the NUL.
 * @param absolute receives 1 if @p name ended with a dot (an absolute name,
 * which a resolver sends as it is), else 0.
 * @return 0; CIP_EINVAL if a pointer is NULL; CIP_ENAME if @p name is not a
 * valid name (empty, ".", an empty label as in "a..b" or ".a", a label over
 * 63 bytes, over 253 bytes, or a byte other than a letter, digit, '-' or
 * '_'); CIP_EBUFSIZE if @p cap is below the length + 1. On failure nothing
 * is written.
 */
int cip__dns_normalize(const char *name, size_t len, char *out, size_t cap, size_t *out_len,
		       int *absolute);

/* The C library resolvers whose search rules cip__dns_candidate() follows. */
enum cip__dns_resolver {
	CIP__DNS_GLIBC = 0, /* glibc res_search() */
	CIP__DNS_MUSL = 1,  /* musl (Alpine) name_from_dns_search() */
};

/*
 * The resolver configuration of a pod in namespace `ns` with dnsPolicy
 * ClusterFirst, as the kubelet writes its resolv.conf:
 *
 *	search <ns>.svc.<zone> svc.<zone> <zone>
 *	options ndots:5
 *
 * (The kubelet appends the node's own search domains after these; they are
 * outside the cluster and not modelled here.)
 */
struct cip__dns_search {
	const char *ns;	  /* the pod's namespace: one label, NUL-terminated */
	const char *zone; /* the cluster domain, NUL-terminated; a trailing dot is ignored */
	unsigned ndots;	  /* options ndots; above CIP__DNS_NDOTS_MAX counts as that */
	int resolver;	  /* enum cip__dns_resolver */
};

/*
 * Gives the @p index-th name that a pod's resolver queries when it looks up
 * @p name, so that a caller answers a lookup as the pod would see it:
 *
 *	for (i = 0; (rc = cip__dns_candidate(s, n, len, abs, i, buf, ...)) !=
 *	     CIP_ENOTFOUND; i++)
 *		if (rc == 0)
 *			query buf; stop at the first answer that ends the search
 *		else if (rc != CIP_ENAME)
 *			fail with rc
 *
 * With D the number of dots in @p name, the order is that of glibc
 * res_search():
 * - an absolute name: the name only;
 * - D >= ndots: the name, then name.<ns>.svc.<zone>, name.svc.<zone>,
 *   name.<zone>;
 * - D < ndots: the three suffixed names, then the name.
 * musl is the same except that D >= ndots gives the name only (it drops
 * the search list). ndots above 15 counts as 15 in both.
 *
 * A suffixed name over 253 bytes is never sent: its index gives CIP_ENAME,
 * and the caller goes on with the next index. musl skips just that suffix
 * (its search loop checks the length). glibc's query for it fails with
 * NO_RECOVERY, which ends its search list there, so with CIP__DNS_GLIBC
 * the later suffixed names of the list give CIP_ENAME as well, while the
 * name as it is is still tried. (Which answers end a search is the caller's
 * business: NXDOMAIN goes on in both; NODATA goes on in glibc but ends the
 * search in musl.)
 *
 * @param s the pod's configuration; `ns` must be one valid label and
 * `zone` a valid name, in any case.
 * @param name the name as the pod's program gave it, without its trailing
 * dot (as cip__dns_normalize() outputs it, though any case is accepted).
 * @param len its length in bytes.
 * @param absolute non-zero if the program's name ended with a dot.
 * @param index which candidate, from 0.
 * @param out receives the candidate in canonical form and a NUL.
 * @param cap capacity of @p out; CIP__DNS_NAME_CAP always suffices.
 * @param out_len receives the candidate's length, without the NUL.
 * @return 0; CIP_ENOTFOUND if @p index is past the last candidate (at most
 * CIP__DNS_CANDIDATES_MAX); CIP_ENAME if this candidate is not sent (see
 * above), and for every candidate if @p name itself is not valid (a
 * trailing dot included), CIP_ENOTFOUND still ending the list; CIP_EINVAL
 * (a NULL pointer, an invalid `ns` or `zone`, an unknown resolver);
 * CIP_EBUFSIZE. On failure nothing is written.
 */
int cip__dns_candidate(const struct cip__dns_search *s, const char *name, size_t len, int absolute,
		       unsigned index, char *out, size_t cap, size_t *out_len);

/* What a name asks for; see cip__dns_classify(). */
enum cip__dns_kind {
	CIP__DNS_OUTSIDE = 0,	    /* neither under the zone nor a reverse name */
	CIP__DNS_OTHER = 1,	    /* under the zone (or the zone), none of the below */
	CIP__DNS_VERSION = 2,	    /* dns-version.<zone>: TXT of the schema version */
	CIP__DNS_NAMESPACE = 3,	    /* <ns>.svc.<zone> */
	CIP__DNS_SERVICE = 4,	    /* <svc>.<ns>.svc.<zone> */
	CIP__DNS_ENDPOINT = 5,	    /* <hostname>.<svc>.<ns>.svc.<zone> */
	CIP__DNS_SRV = 6,	    /* _<port>._<proto>.<svc>.<ns>.svc.<zone> */
	CIP__DNS_PTR_V4 = 7,	    /* <d>.<c>.<b>.<a>.in-addr.arpa */
	CIP__DNS_PTR_V6 = 8,	    /* 32 nibbles.ip6.arpa */
	CIP__DNS_REVERSE_OTHER = 9, /* under (or at) in-addr.arpa or ip6.arpa, not one address */
};

/* SRV protocols: the values of enum cip_protocol (clusterip/table.h). */
enum cip__dns_proto {
	CIP__DNS_PROTO_NONE = 0,
	CIP__DNS_PROTO_TCP = 1,
	CIP__DNS_PROTO_UDP = 2,
	CIP__DNS_PROTO_SCTP = 3,
};

/* A part of a classified name: name[off .. off + len). len 0: absent. */
struct cip__dns_slice {
	size_t off;
	size_t len;
};

/* A classified name. Slices point into the name given to classify, with
 * its case; the parts that a kind does not have are {0, 0}. */
struct cip__dns_query {
	int kind;  /* enum cip__dns_kind */
	int proto; /* SRV: enum cip__dns_proto; else CIP__DNS_PROTO_NONE */
	/* Labels in front of the zone that decided the kind: the cluster zone
	 * for OTHER to SRV (0: the zone itself; 1 with the label "svc":
	 * svc.<zone>), in-addr.arpa or ip6.arpa for PTR_* and REVERSE_OTHER;
	 * 0 for OUTSIDE. */
	unsigned depth;
	struct cip__dns_slice hostname; /* ENDPOINT */
	struct cip__dns_slice port;	/* SRV: the port name, without its '_' */
	struct cip__dns_slice svc;	/* SERVICE, ENDPOINT, SRV */
	struct cip__dns_slice ns;	/* NAMESPACE, SERVICE, ENDPOINT, SRV */
	cip_addr addr;			/* PTR_V4, PTR_V6: the address; else zero */
};

/*
 * Classifies a name relative to the cluster zone.
 *
 * Under the zone, by the labels in front of it:
 * - "dns-version": VERSION; "<ns>.svc": NAMESPACE; "<svc>.<ns>.svc":
 *   SERVICE; "<hostname>.<svc>.<ns>.svc": ENDPOINT (whatever the hostname,
 *   even one starting with '_': no endpoint has such a hostname, so the
 *   caller's lookup finds none, as CoreDNS does);
 * - "_<port>._<proto>.<svc>.<ns>.svc" with proto tcp, udp or sctp and a
 *   port name of at least one byte: SRV;
 * - anything else (the zone itself, svc.<zone>, an SRV name with another
 *   protocol, the deprecated pod names <a-b-c-d>.<ns>.pod.<zone>, deeper
 *   names): OTHER.
 * The labels are checked only as DNS labels; whether they are valid
 * Kubernetes names is for the caller.
 *
 * Reverse names are checked first, strictly: exactly four decimal labels
 * 0..255 without leading zeros ("0" but not "00" or "01") in front of
 * in-addr.arpa give PTR_V4; exactly 32 labels of one hex digit (either
 * case) in front of ip6.arpa give PTR_V6; any other name under or at those
 * zones (a reverse zone such as 10.in-addr.arpa, a bad label) gives
 * REVERSE_OTHER. Everything else is OUTSIDE ("xcluster.local" is not under
 * "cluster.local").
 *
 * @param name the name, in any case, with or without its trailing dot.
 * @param len its length in bytes.
 * @param zone the cluster domain, e.g. "cluster.local", in any case, with
 * or without a trailing dot; need not be NUL-terminated.
 * @param zone_len its length in bytes.
 * @param q receives the classification.
 * @return 0; CIP_EINVAL (a NULL pointer, or @p zone is not a valid name);
 * CIP_ENAME (@p name is not a valid name). On failure *q is not written.
 */
int cip__dns_classify(const char *name, size_t len, const char *zone, size_t zone_len,
		      struct cip__dns_query *q);

#endif /* CIP_DNSNAME_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/validate.h: the Kubernetes name, label and port rules.
 *
 * One table per checker, each row a text with the expected reason and
 * offset. The tables hold every test vector of Kubernetes' own tests of
 * these rules (k8s.io/apimachinery, pkg/util/validation/validation_test.go
 * and pkg/api/validate/content/{dns,kube}_test.go; marked "k8s"), then
 * boundary lengths, NUL and non-ASCII bytes, invalid UTF-8 and upper case.
 *
 * The verdicts are also compared with an independent oracle: POSIX regular
 * expressions written from Kubernetes' patterns (plus its length limits),
 * over every short text of a small alphabet and over random long texts.
 */
#include "cip_test.h"

#include <limits.h>
#include <regex.h>

#include "validate.h"

/* Repetitions of a literal, still one literal: R63("a") is 63 a's. */
#define X10(s) s s s s s s s s s s
#define X50(s) X10(s) X10(s) X10(s) X10(s) X10(s)
#define R14(s) X10(s) s s s s
#define R15(s) R14(s) s
#define R16(s) R15(s) s
#define R61(s) X50(s) X10(s) s
#define R62(s) R61(s) s
#define R63(s) R62(s) s
#define R64(s) R63(s) s
#define R252(s) X50(s) X50(s) X50(s) X50(s) X50(s) s s
#define R253(s) R252(s) s
#define R254(s) R253(s) s

struct row {
	const char *text;
	size_t len;
	int reason;
	size_t offset; /* when reason != 0 */
};

/* A valid text. */
#define OK(lit)                                                                                    \
	{                                                                                          \
		S(lit), CIP__VALID_OK, 0                                                           \
	}
/* Only the first n bytes of the literal are the text, and they are valid. */
#define OKN(lit, n)                                                                                \
	{                                                                                          \
		(lit), (n), CIP__VALID_OK, 0                                                       \
	}
/* An invalid text, the reason and the offset of the first offending byte. */
#define BAD(lit, why, off)                                                                         \
	{                                                                                          \
		S(lit), CIP__VALID_##why, (off)                                                    \
	}

typedef int (*checker)(const char *s, size_t len, size_t *offset);

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

static const struct row dns1035_rows[] = {
	/* k8s TestIsDNS1035Label, good values */
	OK("a"),
	OK("ab"),
	OK("abc"),
	OK("a1"),
	OK("a-1"),
	OK("a--1--2--b"),
	OK(R63("a")),
	/* k8s, bad values */
	BAD("0", START_NOT_LETTER, 0),
	BAD("01", START_NOT_LETTER, 0),
	BAD("012", START_NOT_LETTER, 0),
	BAD("1a", START_NOT_LETTER, 0),
	BAD("1-a", START_NOT_LETTER, 0),
	BAD("1--a--b--2", START_NOT_LETTER, 0),
	BAD("", EMPTY, 0),
	BAD("A", BAD_CHAR, 0),
	BAD("ABC", BAD_CHAR, 0),
	BAD("aBc", BAD_CHAR, 1),
	BAD("A1", BAD_CHAR, 0),
	BAD("A-1", BAD_CHAR, 0),
	BAD("1-A", START_NOT_LETTER, 0),
	BAD("-", START_NOT_LETTER, 0),
	BAD("a-", BAD_END, 1),
	BAD("-a", START_NOT_LETTER, 0),
	BAD("1-", START_NOT_LETTER, 0),
	BAD("-1", START_NOT_LETTER, 0),
	BAD("_", BAD_CHAR, 0),
	BAD("a_", BAD_CHAR, 1),
	BAD("_a", BAD_CHAR, 0),
	BAD("a_b", BAD_CHAR, 1),
	BAD("1_", START_NOT_LETTER, 0),
	BAD("_1", BAD_CHAR, 0),
	BAD("1_2", START_NOT_LETTER, 0),
	BAD(".", BAD_CHAR, 0),
	BAD("a.", BAD_CHAR, 1),
	BAD(".a", BAD_CHAR, 0),
	BAD("a.b", BAD_CHAR, 1),
	BAD("1.", START_NOT_LETTER, 0),
	BAD(".1", BAD_CHAR, 0),
	BAD("1.2", START_NOT_LETTER, 0),
	BAD(" ", BAD_CHAR, 0),
	BAD("a ", BAD_CHAR, 1),
	BAD(" a", BAD_CHAR, 0),
	BAD("a b", BAD_CHAR, 1),
	BAD("1 ", START_NOT_LETTER, 0),
	BAD(" 1", BAD_CHAR, 0),
	BAD("1 2", START_NOT_LETTER, 0),
	BAD(R64("a"), TOO_LONG, 63),
	/* the examples of Kubernetes' message, and Service names */
	OK("my-name"),
	OK("abc-123"),
	OK("kubernetes"),
	OK("z"),
	OK("z9"),
	OK("my-svc-0"),
	/* lengths */
	OK(R62("a") "0"),
	BAD(R62("a") "-", BAD_END, 62),
	BAD(R63("a") "-", TOO_LONG, 63),
	BAD(R63("a") "\0", TOO_LONG, 63),
	BAD(R63("a") "A", TOO_LONG, 63),
	BAD("a_" R64("a"), BAD_CHAR, 1),
	BAD("-" R64("a"), START_NOT_LETTER, 0),
	BAD(R64("a") "_", TOO_LONG, 63),
	OKN("abc-", 3),
	OKN("a\0", 1),
	OKN(R64("a"), 63),
	/* NUL, non-ASCII, invalid UTF-8 */
	BAD("\0", BAD_CHAR, 0),
	BAD("a\0b", BAD_CHAR, 1),
	BAD("a\0", BAD_CHAR, 1),
	BAD("a\x80", BAD_CHAR, 1),
	BAD("\xc3\xa9t\xc3\xa9", BAD_CHAR, 0),
	BAD("caf\xc3\xa9", BAD_CHAR, 3),
	BAD("a\xff", BAD_CHAR, 1),
	BAD("ab\xc3", BAD_CHAR, 2),
	BAD("\xe0\x80\x80", BAD_CHAR, 0),
	BAD("a\x7f", BAD_CHAR, 1),
	/* upper case and neighbours of the ranges */
	BAD("Z", BAD_CHAR, 0),
	BAD("myName", BAD_CHAR, 2),
	BAD("a`", BAD_CHAR, 1),
	BAD("a{", BAD_CHAR, 1),
	BAD("a/", BAD_CHAR, 1),
	BAD("a:", BAD_CHAR, 1),
	BAD("a@", BAD_CHAR, 1),
	BAD("a[", BAD_CHAR, 1),
};

static const struct row dns1123_label_rows[] = {
	/* k8s TestIsDNS1123Label, good values */
	OK("a"),
	OK("ab"),
	OK("abc"),
	OK("a1"),
	OK("a-1"),
	OK("a--1--2--b"),
	OK("0"),
	OK("01"),
	OK("012"),
	OK("1a"),
	OK("1-a"),
	OK("1--a--b--2"),
	OK(R63("a")),
	/* k8s, bad values */
	BAD("", EMPTY, 0),
	BAD("A", BAD_CHAR, 0),
	BAD("ABC", BAD_CHAR, 0),
	BAD("aBc", BAD_CHAR, 1),
	BAD("A1", BAD_CHAR, 0),
	BAD("A-1", BAD_CHAR, 0),
	BAD("1-A", BAD_CHAR, 2),
	BAD("-", BAD_START, 0),
	BAD("a-", BAD_END, 1),
	BAD("-a", BAD_START, 0),
	BAD("1-", BAD_END, 1),
	BAD("-1", BAD_START, 0),
	BAD("_", BAD_CHAR, 0),
	BAD("a_", BAD_CHAR, 1),
	BAD("_a", BAD_CHAR, 0),
	BAD("a_b", BAD_CHAR, 1),
	BAD("1_", BAD_CHAR, 1),
	BAD("_1", BAD_CHAR, 0),
	BAD("1_2", BAD_CHAR, 1),
	/* "." "a." ".a" "1." ".1" are no subdomains either: no "dots" message */
	BAD(".", BAD_CHAR, 0),
	BAD("a.", BAD_CHAR, 1),
	BAD(".a", BAD_CHAR, 0),
	BAD("a.b", DOT, 1),
	BAD("1.", BAD_CHAR, 1),
	BAD(".1", BAD_CHAR, 0),
	BAD("1.2", DOT, 1),
	BAD(" ", BAD_CHAR, 0),
	BAD("a ", BAD_CHAR, 1),
	BAD(" a", BAD_CHAR, 0),
	BAD("a b", BAD_CHAR, 1),
	BAD("1 ", BAD_CHAR, 1),
	BAD(" 1", BAD_CHAR, 0),
	BAD("1 2", BAD_CHAR, 1),
	BAD(R64("a"), TOO_LONG, 63),
	/* the examples of Kubernetes' message; namespaces and port names */
	OK("my-name"),
	OK("123-abc"),
	OK("default"),
	OK("kube-system"),
	OK("http"),
	OK("9"),
	/* dots: DOT only when the whole text is a subdomain, whatever its length */
	BAD("example.com", DOT, 7),
	BAD("a.b.c", DOT, 1),
	BAD("a..b", BAD_CHAR, 1),
	BAD("a.-b", BAD_CHAR, 1),
	BAD("a.b-", BAD_CHAR, 1),
	BAD("a.B", BAD_CHAR, 1),
	BAD("a.b.", BAD_CHAR, 1),
	BAD("a.b" R64("c"), DOT, 1),
	BAD(R62("a") ".b", DOT, 62),
	BAD(R63("a") ".b", TOO_LONG, 63),
	BAD("a-.b", BAD_CHAR, 2),
	BAD("a.b_", BAD_CHAR, 1),
	/* lengths */
	OK(R63("0")),
	OK(R62("a") "9"),
	BAD(R62("a") "-", BAD_END, 62),
	BAD(R63("a") "-", TOO_LONG, 63),
	BAD("-" R63("a"), BAD_START, 0),
	BAD("a_" R63("a"), BAD_CHAR, 1),
	OKN("abc-", 3),
	OKN(R64("a"), 63),
	OKN("a.b", 1),
	/* NUL, non-ASCII, invalid UTF-8 */
	BAD("\0", BAD_CHAR, 0),
	BAD("a\0", BAD_CHAR, 1),
	BAD("a\0.b", BAD_CHAR, 1),
	BAD("\x80", BAD_CHAR, 0),
	BAD("caf\xc3\xa9", BAD_CHAR, 3),
	BAD("\xff\xfe", BAD_CHAR, 0),
	BAD("a\xc3", BAD_CHAR, 1),
	BAD("a\xed\xa0\x80", BAD_CHAR, 1),
	BAD("MyNamespace", BAD_CHAR, 0),
	BAD("ns-Z", BAD_CHAR, 3),
};

static const struct row subdomain_rows[] = {
	/* k8s TestIsDNS1123Subdomain, good values */
	OK("a"),
	OK("ab"),
	OK("abc"),
	OK("a1"),
	OK("a-1"),
	OK("a--1--2--b"),
	OK("0"),
	OK("01"),
	OK("012"),
	OK("1a"),
	OK("1-a"),
	OK("1--a--b--2"),
	OK("a.a"),
	OK("ab.a"),
	OK("abc.a"),
	OK("a1.a"),
	OK("a-1.a"),
	OK("a--1--2--b.a"),
	OK("a.1"),
	OK("ab.1"),
	OK("abc.1"),
	OK("a1.1"),
	OK("a-1.1"),
	OK("a--1--2--b.1"),
	OK("0.a"),
	OK("01.a"),
	OK("012.a"),
	OK("1a.a"),
	OK("1-a.a"),
	OK("0.1"),
	OK("01.1"),
	OK("012.1"),
	OK("1a.1"),
	OK("1-a.1"),
	OK("1--a--b--2.1"),
	OK("a.b.c.d.e"),
	OK("aa.bb.cc.dd.ee"),
	OK("1.2.3.4.5"),
	OK("11.22.33.44.55"),
	OK(R253("a")),
	/* k8s, bad values */
	BAD("", EMPTY, 0),
	BAD("A", BAD_CHAR, 0),
	BAD("ABC", BAD_CHAR, 0),
	BAD("aBc", BAD_CHAR, 1),
	BAD("A1", BAD_CHAR, 0),
	BAD("A-1", BAD_CHAR, 0),
	BAD("1-A", BAD_CHAR, 2),
	BAD("-", BAD_START, 0),
	BAD("a-", BAD_END, 1),
	BAD("-a", BAD_START, 0),
	BAD("1-", BAD_END, 1),
	BAD("-1", BAD_START, 0),
	BAD("_", BAD_CHAR, 0),
	BAD("a_", BAD_CHAR, 1),
	BAD("_a", BAD_CHAR, 0),
	BAD("a_b", BAD_CHAR, 1),
	BAD("1_", BAD_CHAR, 1),
	BAD("_1", BAD_CHAR, 0),
	BAD("1_2", BAD_CHAR, 1),
	BAD(".", EMPTY_LABEL, 0),
	BAD("a.", EMPTY_LABEL, 1),
	BAD(".a", EMPTY_LABEL, 0),
	BAD("a..b", EMPTY_LABEL, 2),
	BAD("1.", EMPTY_LABEL, 1),
	BAD(".1", EMPTY_LABEL, 0),
	BAD("1..2", EMPTY_LABEL, 2),
	BAD(" ", BAD_CHAR, 0),
	BAD("a ", BAD_CHAR, 1),
	BAD(" a", BAD_CHAR, 0),
	BAD("a b", BAD_CHAR, 1),
	BAD("1 ", BAD_CHAR, 1),
	BAD(" 1", BAD_CHAR, 0),
	BAD("1 2", BAD_CHAR, 1),
	BAD("A.a", BAD_CHAR, 0),
	BAD("aB.a", BAD_CHAR, 1),
	BAD("ab.A", BAD_CHAR, 3),
	BAD("A1.a", BAD_CHAR, 0),
	BAD("a1.A", BAD_CHAR, 3),
	BAD("A.1", BAD_CHAR, 0),
	BAD("aB.1", BAD_CHAR, 1),
	BAD("A1.1", BAD_CHAR, 0),
	BAD("1A.1", BAD_CHAR, 1),
	BAD("0.A", BAD_CHAR, 2),
	BAD("01.A", BAD_CHAR, 3),
	BAD("012.A", BAD_CHAR, 4),
	BAD("1A.a", BAD_CHAR, 1),
	BAD("1a.A", BAD_CHAR, 3),
	BAD("A.B.C.D.E", BAD_CHAR, 0),
	BAD("AA.BB.CC.DD.EE", BAD_CHAR, 0),
	BAD("a.B.c.d.e", BAD_CHAR, 2),
	BAD("aa.bB.cc.dd.ee", BAD_CHAR, 4),
	BAD("a@b", BAD_CHAR, 1),
	BAD("a,b", BAD_CHAR, 1),
	BAD("a;b", BAD_CHAR, 1),
	BAD("a:b", BAD_CHAR, 1),
	BAD("a%b", BAD_CHAR, 1),
	BAD("a?b", BAD_CHAR, 1),
	BAD("a$b", BAD_CHAR, 1),
	BAD(R254("a"), TOO_LONG, 253),
	/* the example of Kubernetes' message; node names, ExternalNames */
	OK("example.com"),
	OK("kubernetes.default.svc.cluster.local"),
	OK("node-1.zone-a"),
	OK("xn--bcher-kva.example"),
	OK("10.0.0.1"),
	/* labels start and end with an alphanumeric */
	BAD("a-.b", BAD_END, 1),
	BAD("a.-b", BAD_START, 2),
	BAD("a.b-", BAD_END, 3),
	BAD("a.b.", EMPTY_LABEL, 3),
	BAD("a...b", EMPTY_LABEL, 2),
	BAD("-.a", BAD_START, 0),
	BAD("a/b", BAD_CHAR, 1),
	BAD("a.b/c", BAD_CHAR, 3),
	/* lengths: no limit per label, 253 in all (as in Kubernetes) */
	OK(R63("a") "." R63("b") "." R63("c") "." R61("d")),
	BAD(R63("a") "." R63("b") "." R63("c") "." R62("d"), TOO_LONG, 253),
	OK(R64("a") ".b"),
	OK(R252("a") "0"),
	BAD(R252("a") ".", EMPTY_LABEL, 252),
	BAD(R252("a") "-", BAD_END, 252),
	BAD(R253("a") ".", TOO_LONG, 253),
	BAD(R253("a") "-", TOO_LONG, 253),
	BAD(R253("a") "\0", TOO_LONG, 253),
	BAD("a_" R253("a"), BAD_CHAR, 1),
	BAD("." R253("a"), EMPTY_LABEL, 0),
	OKN("abc.", 3),
	OKN(R254("a"), 253),
	/* NUL, non-ASCII, invalid UTF-8 */
	BAD("\0", BAD_CHAR, 0),
	BAD("a\0.b", BAD_CHAR, 1),
	BAD("a.\0", BAD_CHAR, 2),
	BAD("a.\x80", BAD_CHAR, 2),
	BAD("\xc3\xa9.com", BAD_CHAR, 0),
	BAD("b\xc3\xbc"
	    "cher.example",
	    BAD_CHAR, 1),
	BAD("a.b\xff", BAD_CHAR, 3),
	BAD("Example.com", BAD_CHAR, 0),
};

static const struct row port_name_rows[] = {
	/* k8s TestIsValidPortName, good values */
	OK("telnet"),
	OK("re-mail-ck"),
	OK("pop3"),
	OK("a"),
	OK("a-1"),
	OK("1-a"),
	OK("a-1-b-2-c"),
	OK("1-a-2-b-3"),
	/* k8s, bad values */
	BAD("longerthan15characters", TOO_LONG, 15),
	BAD("", EMPTY, 0),
	BAD(R16("a"), TOO_LONG, 15),
	BAD("12345", NO_LETTER, 0),
	BAD("1-2-3-4", NO_LETTER, 0),
	BAD("-begin", BAD_START, 0),
	BAD("end-", BAD_END, 3),
	BAD("two--hyphens", DOUBLE_HYPHEN, 4),
	BAD("whois++", BAD_CHAR, 5),
	/* container and target port names */
	OK("http"),
	OK("https"),
	OK("dns-tcp"),
	OK("metrics"),
	OK("z"),
	OK("9z"),
	/* lengths */
	OK(R15("a")),
	OK("a" R14("1")),
	OK("abcdefghijklmno"),
	BAD(R15("1"), NO_LETTER, 0),
	BAD(R16("1"), TOO_LONG, 15),
	BAD(R14("a") "-", BAD_END, 14),
	BAD(R15("a") "-", TOO_LONG, 15),
	BAD("a_" R15("a"), BAD_CHAR, 1),
	BAD("a--" R15("a"), DOUBLE_HYPHEN, 2),
	OKN("abc-", 3),
	OKN(R16("a"), 15),
	/* hyphens */
	BAD("-", BAD_START, 0),
	BAD("--", BAD_START, 0),
	BAD("a-", BAD_END, 1),
	BAD("a--", DOUBLE_HYPHEN, 2),
	BAD("a---b", DOUBLE_HYPHEN, 2),
	BAD("1-", BAD_END, 1),
	BAD("0", NO_LETTER, 0),
	/* other characters, upper case, NUL, non-ASCII, invalid UTF-8 */
	BAD("HTTP", BAD_CHAR, 0),
	BAD("Http", BAD_CHAR, 0),
	BAD("httP", BAD_CHAR, 3),
	BAD("http_alt", BAD_CHAR, 4),
	BAD("a.b", BAD_CHAR, 1),
	BAD("a b", BAD_CHAR, 1),
	BAD("a\0", BAD_CHAR, 1),
	BAD("\0", BAD_CHAR, 0),
	BAD("\xc3\xa9", BAD_CHAR, 0),
	BAD("a\xff", BAD_CHAR, 1),
	BAD("ab\xc3", BAD_CHAR, 2),
};

static const struct row label_key_rows[] = {
	/* k8s TestIsQualifiedName and TestIsLabelKey, success cases */
	OK("simple"),
	OK("now-with-dashes"),
	OK("1-starts-with-num"),
	OK("1234"),
	OK("simple/simple"),
	OK("now-with-dashes/simple"),
	OK("now-with-dashes/now-with-dashes"),
	OK("now.with.dots/simple"),
	OK("now-with.dashes-and.dots/simple"),
	OK("1-num.2-num/3-num"),
	OK("1234/5678"),
	OK("1.2.3.4/5678"),
	OK("Uppercase_Is_OK_123"),
	OK("example.com/Uppercase_Is_OK_123"),
	OK("requests.storage-foo"),
	OK(R63("a")),
	OK(R253("a") "/" R63("b")),
	/* k8s, error cases */
	BAD("nospecialchars%^=@", BAD_NAME_CHAR, 14),
	BAD("cantendwithadash-", BAD_END, 16),
	BAD("-cantstartwithadash-", BAD_START, 0),
	BAD("only/one/slash", EXTRA_SLASH, 8),
	BAD("Example.com/abc", BAD_PREFIX, 0),
	BAD("example_com/abc", BAD_PREFIX, 7),
	BAD("example.com/", EMPTY_NAME, 12),
	BAD("/simple", EMPTY_PREFIX, 0),
	BAD(R64("a"), TOO_LONG, 63),
	BAD(R254("a") "/abc", PREFIX_TOO_LONG, 253),
	/* the examples of Kubernetes' message, well-known keys, appProtocols */
	OK("MyName"),
	OK("my.name"),
	OK("123-abc"),
	OK("example.com/MyName"),
	OK("app.kubernetes.io/name"),
	OK("kubernetes.io/service-name"),
	OK("kubernetes.io/h2c"),
	OK("a/b"),
	OK("a_b"),
	OK("a.b"),
	OK("A"),
	OK("9"),
	OK("a-b_c.D"),
	/* slashes: more than one is reported first */
	BAD("", EMPTY, 0),
	BAD("/", EMPTY_PREFIX, 0),
	BAD("//", EXTRA_SLASH, 1),
	BAD("a//b", EXTRA_SLASH, 2),
	BAD("a/b/", EXTRA_SLASH, 3),
	BAD("Example.com/a/b", EXTRA_SLASH, 13),
	BAD("/a/", EXTRA_SLASH, 2),
	/* the prefix, reported before the name part */
	BAD("a-/b", BAD_PREFIX, 1),
	BAD("a..b/c", BAD_PREFIX, 2),
	BAD(".a/b", BAD_PREFIX, 0),
	BAD("a./b", BAD_PREFIX, 1),
	BAD("-a/b", BAD_PREFIX, 0),
	BAD("A/%", BAD_PREFIX, 0),
	BAD("a b/c", BAD_PREFIX, 1),
	BAD("a\0/b", BAD_PREFIX, 1),
	BAD("\xc3\xa9/b", BAD_PREFIX, 0),
	BAD("a/", EMPTY_NAME, 2),
	BAD(R253("a") "/", EMPTY_NAME, 254),
	BAD(R254("a") "/", PREFIX_TOO_LONG, 253),
	BAD(R253("a") "-/b", PREFIX_TOO_LONG, 253),
	BAD(R252("a") "-/b", BAD_PREFIX, 252),
	/* the name part: offsets count from the start of the whole key */
	OK("example.com/" R63("a")),
	BAD("example.com/" R64("a"), TOO_LONG, 75),
	BAD(R253("a") "/" R64("b"), TOO_LONG, 317),
	BAD("example.com/-a", BAD_START, 12),
	BAD("example.com/a-", BAD_END, 13),
	BAD("example.com/a%", BAD_NAME_CHAR, 13),
	BAD("example.com/_", BAD_START, 12),
	BAD("example.com/.a", BAD_START, 12),
	BAD("_a", BAD_START, 0),
	BAD("a_", BAD_END, 1),
	BAD(".", BAD_START, 0),
	BAD("a.", BAD_END, 1),
	BAD("a%" R64("a"), BAD_NAME_CHAR, 1),
	BAD(R63("a") "%", TOO_LONG, 63),
	BAD(R62("a") "-", BAD_END, 62),
	OKN("a/b/c", 3),
	OKN("ab/", 2),
	OKN(R64("a"), 63),
	/* NUL, non-ASCII, invalid UTF-8 */
	BAD("\0", BAD_NAME_CHAR, 0),
	BAD("a\0b", BAD_NAME_CHAR, 1),
	BAD("a/\0", BAD_NAME_CHAR, 2),
	BAD("k8s.io/\xc3\xa9", BAD_NAME_CHAR, 7),
	BAD("\x80", BAD_NAME_CHAR, 0),
	BAD("a\xff", BAD_NAME_CHAR, 1),
	BAD("a b", BAD_NAME_CHAR, 1),
};

static const struct row label_value_rows[] = {
	/* k8s TestIsValidLabelValue and TestIsLabelValue, success cases */
	OK("simple"),
	OK("now-with-dashes"),
	OK("1-starts-with-num"),
	OK("end-with-num-1"),
	OK("1234"),
	OK(R63("a")),
	OK(""),
	/* k8s, error cases */
	BAD("nospecialchars%^=@", BAD_NAME_CHAR, 14),
	BAD("Tama-nui-te-r\xc4\x81"
	    ".is.M\xc4\x81"
	    "ori.sun",
	    BAD_NAME_CHAR, 13),
	BAD("\\backslashes\\are\\bad", BAD_NAME_CHAR, 0),
	BAD("-starts-with-dash", BAD_START, 0),
	BAD("ends-with-dash-", BAD_END, 14),
	BAD(".starts.with.dot", BAD_START, 0),
	BAD("ends.with.dot.", BAD_END, 13),
	BAD(R64("a"), TOO_LONG, 63),
	/* the examples of Kubernetes' message */
	OK("MyValue"),
	OK("my_value"),
	OK("12345"),
	OK("a"),
	OK("Z"),
	OK("A.b_c-D"),
	OK("a..b"),
	OK("a__b"),
	/* characters */
	BAD("a/b", BAD_NAME_CHAR, 1),
	BAD("a b", BAD_NAME_CHAR, 1),
	BAD("a=b", BAD_NAME_CHAR, 1),
	BAD("_", BAD_START, 0),
	BAD("a_", BAD_END, 1),
	BAD("-", BAD_START, 0),
	BAD(".", BAD_START, 0),
	/* lengths */
	OK(R63("Z")),
	BAD(R62("a") "_", BAD_END, 62),
	BAD(R63("a") "_", TOO_LONG, 63),
	BAD("a%" R64("a"), BAD_NAME_CHAR, 1),
	OKN("abc-", 3),
	OKN(R64("a"), 63),
	OKN("x", 0),
	/* NUL, non-ASCII, invalid UTF-8 */
	BAD("\0", BAD_NAME_CHAR, 0),
	BAD("a\0", BAD_NAME_CHAR, 1),
	BAD("a\xff", BAD_NAME_CHAR, 1),
	BAD("\xc3\xa9", BAD_NAME_CHAR, 0),
	BAD("ab\xc3", BAD_NAME_CHAR, 2),
};

static const struct {
	const char *name;
	checker fn;
	const struct row *rows;
	size_t nrows;
} tables[] = {
	{ "dns1035_label", cip__valid_dns1035_label, dns1035_rows, ARRAY_LEN(dns1035_rows) },
	{ "dns1123_label", cip__valid_dns1123_label, dns1123_label_rows,
	  ARRAY_LEN(dns1123_label_rows) },
	{ "dns1123_subdomain", cip__valid_dns1123_subdomain, subdomain_rows,
	  ARRAY_LEN(subdomain_rows) },
	{ "port_name", cip__valid_port_name, port_name_rows, ARRAY_LEN(port_name_rows) },
	{ "label_key", cip__valid_label_key, label_key_rows, ARRAY_LEN(label_key_rows) },
	{ "label_value", cip__valid_label_value, label_value_rows, ARRAY_LEN(label_value_rows) },
};

/* ------------------------------------------------------------------ */
/* Running the tables                                                 */
/* ------------------------------------------------------------------ */

/* A text for messages: printable ASCII as is, the rest as \xHH, cut. */
static const char *show(const char *s, size_t len, char buf[128])
{
	size_t n = 0, i;

	for (i = 0; i < len && n < 72; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, 128 - n, "\\x%02x", c);
	}
	buf[n] = '\0';
	if (i < len)
		snprintf(buf + n, 128 - n, "...(%zu bytes)", len);
	return buf;
}

/* One row against one copy of its text. */
static void check_row(const char *table, size_t i, const struct row *row, const char *text,
		      const char *copy, checker fn, size_t *failures)
{
	char buf[128];
	size_t off;
	int r;

	ct_fill(&off, sizeof off);
	r = fn(text, row->len, &off);
	CHECK(*failures, r == row->reason, "%s[%zu] (%s) \"%s\": reason %d, want %d\n", table, i,
	      copy, show(row->text, row->len, buf), r, row->reason);
	if (row->reason == CIP__VALID_OK)
		CHECK(*failures, ct_untouched(&off, sizeof off),
		      "%s[%zu] (%s): offset written on success\n", table, i, copy);
	else
		CHECK(*failures, off == row->offset, "%s[%zu] (%s) \"%s\": offset %zu, want %zu\n",
		      table, i, copy, show(row->text, row->len, buf), off, row->offset);
	/* the same verdict without an offset */
	CHECK(*failures, fn(text, row->len, NULL) == r, "%s[%zu] (%s): NULL offset differs\n",
	      table, i, copy);
}

static void test_tables(void **state)
{
	(void)state;
	size_t failures = 0;

	for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
		for (size_t i = 0; i < tables[t].nrows; i++) {
			const struct row *row = &tables[t].rows[i];
			/* an exact-size heap copy, so that ASan sees any over-read */
			char *copy = ct_dup(row->text, row->len);

			check_row(tables[t].name, i, row, row->text, "literal", tables[t].fn,
				  &failures);
			check_row(tables[t].name, i, row, copy, "copy", tables[t].fn, &failures);
			free(copy);
		}
		print_message("%s: %zu rows\n", tables[t].name, tables[t].nrows);
	}
	CHECK_DONE(failures);
}

/* A NULL text is invalid whatever the length and the rule, also where an
 * empty text is valid, and reports offset 0. */
static void test_null_text(void **state)
{
	(void)state;
	static const size_t lens[] = { 0, 1, 63, SIZE_MAX };

	for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
		for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
			size_t off;

			ct_fill(&off, sizeof off);
			assert_int_equal(tables[t].fn(NULL, lens[i], &off), CIP__VALID_NULL);
			assert_int_equal(off, 0);
			assert_int_equal(tables[t].fn(NULL, lens[i], NULL), CIP__VALID_NULL);
		}
	}
	/* a non-NULL empty text, by contrast */
	assert_int_equal(cip__valid_label_value("", 0, NULL), CIP__VALID_OK);
	assert_int_equal(cip__valid_dns1123_label("", 0, NULL), CIP__VALID_EMPTY);
}

/* k8s TestIsValidPortNum, good and bad values, and the ends of uint32_t. */
static void test_port_number(void **state)
{
	(void)state;
	static const struct {
		uint32_t port;
		int reason;
	} rows[] = {
		{ 1, 0 },
		{ 2, 0 },
		{ 1000, 0 },
		{ 16384, 0 },
		{ 32768, 0 },
		{ 65535, 0 },
		{ 0, CIP__VALID_OUT_OF_RANGE },
		{ (uint32_t)-1, CIP__VALID_OUT_OF_RANGE }, /* Kubernetes' -1 */
		{ 65536, CIP__VALID_OUT_OF_RANGE },
		{ 100000, CIP__VALID_OUT_OF_RANGE },
		{ (uint32_t)-1003, CIP__VALID_OUT_OF_RANGE },
		{ UINT32_C(0x80000000), CIP__VALID_OUT_OF_RANGE },
		{ UINT32_MAX - 1, CIP__VALID_OUT_OF_RANGE },
	};
	size_t failures = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		CHECK(failures, cip__valid_port_number(rows[i].port) == rows[i].reason,
		      "port %lu: %d, want %d\n", (unsigned long)rows[i].port,
		      cip__valid_port_number(rows[i].port), rows[i].reason);
	for (uint32_t p = 0; p <= 70000; p++)
		CHECK(failures, (cip__valid_port_number(p) == 0) == (p >= 1 && p <= 65535),
		      "port %lu\n", (unsigned long)p);
	CHECK_DONE(failures);
}

static void test_reason_text(void **state)
{
	(void)state;

	for (int r = 0; r < CIP__VALID_NREASONS; r++) {
		const char *t = cip__valid_reason_text(r);

		assert_non_null(t);
		assert_true(strlen(t) > 0 && strlen(t) < 100);
		for (int q = 0; q < r; q++)
			assert_string_not_equal(t, cip__valid_reason_text(q));
	}
	/* unknown reasons still get a text */
	assert_string_equal(cip__valid_reason_text(-1), "is invalid");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_NREASONS), "is invalid");
	assert_string_equal(cip__valid_reason_text(INT_MAX), "is invalid");
	assert_string_equal(cip__valid_reason_text(INT_MIN), "is invalid");
	/* Kubernetes' own words where a message is a whole sentence */
	assert_string_equal(cip__valid_reason_text(CIP__VALID_EMPTY), "must be non-empty");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_DOT), "must not contain dots");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_NO_LETTER),
			    "must contain at least one letter (a-z)");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_DOUBLE_HYPHEN),
			    "must not contain consecutive hyphens");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_EMPTY_PREFIX),
			    "prefix part must be non-empty");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_EMPTY_NAME),
			    "name part must be non-empty");
	assert_string_equal(cip__valid_reason_text(CIP__VALID_OUT_OF_RANGE),
			    "must be between 1 and 65535, inclusive");
}

/* ------------------------------------------------------------------ */
/* The regular-expression oracle                                      */
/* ------------------------------------------------------------------ */

/* Kubernetes' patterns, anchored, as POSIX extended expressions. */
#define RE_DNS1035 "^[a-z]([-a-z0-9]*[a-z0-9])?$"
#define RE_LABEL "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define RE_DNS1123 "^" RE_LABEL "$"
#define RE_SUBDOMAIN "^" RE_LABEL "(\\." RE_LABEL ")*$"
#define RE_PORT_CHARS "^[-a-z0-9]+$"
#define RE_NAME "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"

enum { O_DNS1035, O_DNS1123, O_SUBDOMAIN, O_PORT_CHARS, O_LETTER, O_NAME, O_COUNT };

static regex_t oracle[O_COUNT];

static int oracle_setup(void **state)
{
	static const char *const patterns[O_COUNT] = {
		[O_DNS1035] = RE_DNS1035,     [O_DNS1123] = RE_DNS1123,
		[O_SUBDOMAIN] = RE_SUBDOMAIN, [O_PORT_CHARS] = RE_PORT_CHARS,
		[O_LETTER] = "[a-z]",	      [O_NAME] = RE_NAME,
	};

	(void)state;
	for (int i = 0; i < O_COUNT; i++)
		if (regcomp(&oracle[i], patterns[i], REG_EXTENDED | REG_NOSUB) != 0)
			return -1;
	return 0;
}

static int oracle_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < O_COUNT; i++)
		regfree(&oracle[i]);
	return 0;
}

/* @p s is NUL-terminated (the oracle texts contain no NUL). */
static int match(int which, const char *s)
{
	return regexec(&oracle[which], s, 0, NULL, 0) == 0;
}

static int ref_port_name(const char *s, size_t len)
{
	return len <= 15 && match(O_PORT_CHARS, s) && match(O_LETTER, s) && !strstr(s, "--") &&
	       s[0] != '-' && s[len - 1] != '-';
}

/* IsLabelKey: split at '/', as Kubernetes does. */
static int ref_label_key(const char *s, size_t len, char *scratch)
{
	const char *slash = strchr(s, '/');
	size_t plen;

	if (!slash)
		return len <= 63 && match(O_NAME, s);
	if (strchr(slash + 1, '/'))
		return 0;
	plen = (size_t)(slash - s);
	memcpy(scratch, s, plen);
	scratch[plen] = '\0';
	return plen > 0 && plen <= 253 && match(O_SUBDOMAIN, scratch) && len - plen - 1 <= 63 &&
	       match(O_NAME, slash + 1);
}

/* Bytes that may precede the first BAD_CHAR of each rule. */
#define LDH "abcdefghijklmnopqrstuvwxyz0123456789-"
#define NAME_CHARS LDH "ABCDEFGHIJKLMNOPQRSTUVWXYZ_."

/*
 * Every checker on one text (NUL-terminated at len, no NUL inside) against
 * the oracle: the verdict, and for a bad character that every byte before
 * it is allowed (an independent check of "first offending byte").
 */
static void compare(const char *s, size_t len, char *scratch, size_t *failures)
{
	char buf[128];
	size_t off = 0;
	int r;

#define VERDICT(fn, want)                                                                          \
	do {                                                                                       \
		r = fn(s, len, &off);                                                              \
		CHECK(*failures, (r == 0) == (want), "%s(\"%s\") = %d, oracle says %s\n", #fn,     \
		      show(s, len, buf), r, (want) ? "valid" : "invalid");                         \
		CHECK(*failures, r == 0 || off <= len, "%s(\"%s\"): offset %zu past %zu\n", #fn,   \
		      show(s, len, buf), off, len);                                                \
	} while (0)

	VERDICT(cip__valid_dns1035_label, len <= 63 && match(O_DNS1035, s));
	if (r == CIP__VALID_BAD_CHAR)
		CHECK(*failures, strspn(s, LDH) == off, "dns1035 \"%s\" at %zu\n",
		      show(s, len, buf), off);

	VERDICT(cip__valid_dns1123_label, len <= 63 && match(O_DNS1123, s));
	if (r == CIP__VALID_BAD_CHAR || r == CIP__VALID_DOT)
		CHECK(*failures, strspn(s, LDH) == off, "dns1123 \"%s\" at %zu\n",
		      show(s, len, buf), off);
	/* "must not contain dots" exactly when the text is a subdomain */
	if (r != 0 && r != CIP__VALID_TOO_LONG)
		CHECK(*failures, (r == CIP__VALID_DOT) == match(O_SUBDOMAIN, s),
		      "dns1123 \"%s\": %d\n", show(s, len, buf), r);

	VERDICT(cip__valid_dns1123_subdomain, len <= 253 && match(O_SUBDOMAIN, s));
	if (r == CIP__VALID_BAD_CHAR)
		CHECK(*failures, strspn(s, LDH ".") == off, "subdomain \"%s\" at %zu\n",
		      show(s, len, buf), off);

	VERDICT(cip__valid_port_name, len > 0 && ref_port_name(s, len));
	if (r == CIP__VALID_BAD_CHAR)
		CHECK(*failures, strspn(s, LDH) == off, "port name \"%s\" at %zu\n",
		      show(s, len, buf), off);

	VERDICT(cip__valid_label_key, len > 0 && ref_label_key(s, len, scratch));
	{
		const char *slash = strchr(s, '/');

		CHECK(*failures,
		      (r == CIP__VALID_EXTRA_SLASH) == (slash && strchr(slash + 1, '/') != NULL),
		      "label key \"%s\": %d\n", show(s, len, buf), r);
	}

	VERDICT(cip__valid_label_value, len == 0 || (len <= 63 && match(O_NAME, s)));
	if (r == CIP__VALID_BAD_NAME_CHAR)
		CHECK(*failures, strspn(s, NAME_CHARS) == off, "label value \"%s\" at %zu\n",
		      show(s, len, buf), off);
#undef VERDICT
}

/* Every text of up to 5 bytes over an alphabet with one byte of each kind
 * the rules tell apart. */
static void test_oracle_exhaustive(void **state)
{
	(void)state;
	static const char alphabet[] = "aZ09-._/\xe9";
	const size_t k = sizeof(alphabet) - 1;
	char text[8], scratch[8];
	size_t failures = 0, count = 0;

	for (size_t len = 0; len <= 5; len++) {
		size_t total = 1;

		for (size_t i = 0; i < len; i++)
			total *= k;
		for (size_t n = 0; n < total; n++) {
			size_t v = n;

			for (size_t i = 0; i < len; i++, v /= k)
				text[i] = alphabet[v % k];
			text[len] = '\0';
			compare(text, len, scratch, &failures);
			count++;
		}
	}
	print_message("%zu texts\n", count);
	CHECK_DONE(failures);
}

/* Random texts of up to 330 bytes, mostly letters and digits with a few
 * other bytes, so that many are valid and the length limits are crossed. */
static void test_oracle_random(void **state)
{
	(void)state;
	static const char common[] = "abcz0189";
	static const char rare[] = "-.-._/AZ\xe9\x80 ";
	uint64_t seed = UINT64_C(0x76616c6964617465);
	char text[336], scratch[336];
	size_t failures = 0;

	for (int n = 0; n < 20000 && failures == 0; n++) {
		size_t len = (size_t)cip__bounded_random(&seed, 331);
		/* per text, 1 in 2^k bytes is rare: from none (k = 9) to many */
		unsigned k = (unsigned)cip__bounded_random(&seed, 10);

		for (size_t i = 0; i < len; i++) {
			int is_rare = k < 9 && cip__bounded_random(&seed, UINT64_C(1) << k) == 0;

			text[i] = is_rare ? rare[cip__bounded_random(&seed, sizeof(rare) - 1)]
					  : common[cip__bounded_random(&seed, sizeof(common) - 1)];
		}
		text[len] = '\0';
		compare(text, len, scratch, &failures);
	}
	CHECK_DONE(failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_null_text),
		cmocka_unit_test(test_port_number),
		cmocka_unit_test(test_reason_text),
		cmocka_unit_test_setup_teardown(test_oracle_exhaustive, oracle_setup,
						oracle_teardown),
		cmocka_unit_test_setup_teardown(test_oracle_random, oracle_setup, oracle_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the stress tests: whether this run is instrumented, by a
 * sanitizer built in or by valgrind at run time. Instrumented runs are
 * several times (sanitizers) to tens of times (valgrind, which also runs
 * one thread at a time) slower, so the tests do fewer iterations there.
 */
#ifndef CIP_STRESS_H
#define CIP_STRESS_H

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SANITIZED_BUILD 1
#endif
#endif
#ifndef SANITIZED_BUILD
#define SANITIZED_BUILD 0
#endif

/* valgrind.h is optional: some systems ship valgrind without it. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define STRESS_HAVE_VALGRIND_H 1
#endif
#endif

/*
 * Whether the program runs under valgrind: valgrind's own client request
 * when its header is there, else CIP_TEST_UNDER_VALGRIND (set to 1 by the
 * build's valgrind test runs).
 */
static inline int stress_under_valgrind(void)
{
	const char *flag = getenv("CIP_TEST_UNDER_VALGRIND");

#ifdef STRESS_HAVE_VALGRIND_H
	if (RUNNING_ON_VALGRIND)
		return 1;
#endif
	return flag != NULL && strcmp(flag, "1") == 0;
}

#define UNDER_VALGRIND stress_under_valgrind()
#define SANITIZED (SANITIZED_BUILD || UNDER_VALGRIND)

#endif /* CIP_STRESS_H */

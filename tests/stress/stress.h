/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the stress tests: whether this build is sanitized (sanitized
 * builds run several times slower, so the tests do fewer iterations).
 */
#ifndef CIP_STRESS_H
#define CIP_STRESS_H

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#endif /* CIP_STRESS_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: whether this translation unit is built with ThreadSanitizer.
 * TSan does not model atomic_thread_fence() (and GCC refuses to compile it
 * with -fsanitize=thread), so the few places that need a full fence use a
 * seq_cst read-modify-write under TSan instead; each says why it is
 * equivalent there.
 */
#ifndef CIP_SANITIZE_H
#define CIP_SANITIZE_H

#if defined(__SANITIZE_THREAD__)
#define CIP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CIP_TSAN 1
#endif
#endif
#ifndef CIP_TSAN
#define CIP_TSAN 0
#endif

#endif /* CIP_SANITIZE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 with the standard alphabet and padding (RFC 4648 §4), as Go's
 * encoding/json writes a []byte: the `data` of a Kubernetes
 * RangeAllocation in JSON.
 */
#ifndef CLUSTERIP_TOOLS_BASE64_H
#define CLUSTERIP_TOOLS_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* The length of the encoding of @p len bytes, NUL excluded. */
size_t cli_base64_encoded_len(size_t len);

/* Writes the encoding of @p len bytes and a NUL to @p out, which has room
 * for cli_base64_encoded_len(len) + 1 bytes. */
void cli_base64_encode(char *out, const uint8_t *data, size_t len);

/* Why a text is not strict base64. */
enum cli_base64_error {
	CLI_BASE64_OK = 0,
	CLI_BASE64_LENGTH,    /* the length is not a multiple of 4 */
	CLI_BASE64_CHARACTER, /* a byte outside the alphabet */
	CLI_BASE64_PADDING,   /* '=' anywhere but at the end of the last group */
	CLI_BASE64_BITS,      /* non-zero bits after the last byte */
};

/* A phrase for an enum cli_base64_error. */
const char *cli_base64_error_string(int error);

/*
 * Decodes @p text strictly: standard alphabet, padding to a multiple of 4,
 * no white space, zero trailing bits (one text per byte string). @p out
 * has room for len / 4 * 3 bytes; *out_len receives the decoded length.
 * Returns CLI_BASE64_OK, or the error with *offset set to the byte where
 * it was found.
 */
int cli_base64_decode(uint8_t *out, size_t *out_len, const char *text, size_t len, size_t *offset);

#endif /* CLUSTERIP_TOOLS_BASE64_H */

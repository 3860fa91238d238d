/* SPDX-License-Identifier: Apache-2.0 */
/* Strict standard base64; see base64.h. */
#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t cli_base64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

void cli_base64_encode(char *out, const uint8_t *data, size_t len)
{
	size_t i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = alphabet[v >> 6 & 63];
		*out++ = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)data[i] << 16;

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = alphabet[v >> 6 & 63];
		*out++ = '=';
	}
	*out = '\0';
}

const char *cli_base64_error_string(int error)
{
	switch (error) {
	case CLI_BASE64_OK:
		return "valid";
	case CLI_BASE64_LENGTH:
		return "length is not a multiple of 4";
	case CLI_BASE64_CHARACTER:
		return "invalid character";
	case CLI_BASE64_PADDING:
		return "misplaced padding";
	case CLI_BASE64_BITS:
		return "non-zero bits after the last byte";
	default:
		return "invalid base64";
	}
}

/* The value of a base64 digit, or -1. */
static int digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '+') {
		return 62;
	}
	if (c == '/') {
		return 63;
	}
	return -1;
}

/* Checks the group of four at @p text; *pad receives its '=' count. */
static int check_group(const char *text, int last, int *pad, size_t *where)
{
	*pad = 0;
	for (size_t j = 0; j < 4; j++) {
		unsigned char c = (unsigned char)text[j];

		if (c == '=') {
			if (!last || j < 2 || (j == 2 && text[3] != '=')) {
				*where = j;
				return CLI_BASE64_PADDING;
			}
			*pad = (int)(4 - j);
			return CLI_BASE64_OK;
		}
		if (digit(c) < 0) {
			*where = j;
			return CLI_BASE64_CHARACTER;
		}
	}
	return CLI_BASE64_OK;
}

int cli_base64_decode(uint8_t *out, size_t *out_len, const char *text, size_t len, size_t *offset)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i += 4) {
		size_t where = 0;
		uint32_t v = 0;
		int pad;
		int rc;

		if (len - i < 4) {
			/* Report a bad character before a bad length. */
			for (size_t j = i; j < len; j++) {
				if (text[j] != '=' && digit((unsigned char)text[j]) < 0) {
					*offset = j;
					return CLI_BASE64_CHARACTER;
				}
			}
			*offset = len;
			return CLI_BASE64_LENGTH;
		}
		rc = check_group(text + i, i + 4 == len, &pad, &where);
		if (rc != CLI_BASE64_OK) {
			*offset = i + where;
			return rc;
		}
		for (size_t j = 0; j < (size_t)(4 - pad); j++) {
			v |= (uint32_t)digit((unsigned char)text[i + j]) << (18 - 6 * j);
		}
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
			*offset = i + 3 - (size_t)pad;
			return CLI_BASE64_BITS;
		}
		out[n++] = (uint8_t)(v >> 16);
		if (pad < 2) {
			out[n++] = (uint8_t)(v >> 8);
		}
		if (pad < 1) {
			out[n++] = (uint8_t)v;
		}
	}
	*out_len = n;
	return CLI_BASE64_OK;
}

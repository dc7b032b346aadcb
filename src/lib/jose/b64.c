/* b64.c - strict base64url without padding (RFC 4648 §5, RFC 7515 §2).
 *
 * The decoder is table driven and refuses rather than skips: a JWS has
 * exactly one valid spelling, so "ab==" or a stray newline never verifies.
 */
#include "config.h"

#include <stdint.h>

#include "jose/b64.h"

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0xff marks a byte outside the alphabet; built once at compile time. */
#define X 0xff
static const uint8_t b64url_value[256] = {
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, 62, X, X,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
	X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
	X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X

size_t
b64url_encode(char *dst, const unsigned char *src, size_t n)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		dst[o++] = b64url_alphabet[v >> 18 & 63];
		dst[o++] = b64url_alphabet[v >> 12 & 63];
		dst[o++] = b64url_alphabet[v >> 6 & 63];
		dst[o++] = b64url_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)src[i] << 16;
		dst[o++] = b64url_alphabet[v >> 18 & 63];
		dst[o++] = b64url_alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		dst[o++] = b64url_alphabet[v >> 18 & 63];
		dst[o++] = b64url_alphabet[v >> 12 & 63];
		dst[o++] = b64url_alphabet[v >> 6 & 63];
	}
	dst[o] = '\0';
	return o;
}

int
b64url_decode(unsigned char *dst, size_t *outlen, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i, o = 0, rem = n % 4;
	uint32_t v = 0;
	uint8_t c[4];
	size_t j;

	/* One leftover character carries only 6 bits: never a whole byte. */
	if (rem == 1)
		return -1;
	for (i = 0; i + 4 <= n; i += 4) {
		for (j = 0; j < 4; j++) {
			c[j] = b64url_value[s[i + j]];
			if (c[j] == 0xff)
				return -1;
		}
		v = (uint32_t)c[0] << 18 | (uint32_t)c[1] << 12 |
		    (uint32_t)c[2] << 6 | c[3];
		dst[o++] = (unsigned char)(v >> 16);
		dst[o++] = (unsigned char)(v >> 8);
		dst[o++] = (unsigned char)v;
	}
	if (rem != 0) {
		for (j = 0; j < rem; j++) {
			c[j] = b64url_value[s[i + j]];
			if (c[j] == 0xff)
				return -1;
		}
		/* Unused low bits must be zero: otherwise "QQ" and "QR" would
		 * both decode to "A" (RFC 4648 §3.5). */
		if (rem == 2) {
			if (c[1] & 0x0f)
				return -1;
			dst[o++] = (unsigned char)(c[0] << 2 | c[1] >> 4);
		} else {
			if (c[2] & 0x03)
				return -1;
			dst[o++] = (unsigned char)(c[0] << 2 | c[1] >> 4);
			dst[o++] = (unsigned char)(c[1] << 4 | c[2] >> 2);
		}
	}
	*outlen = o;
	return 0;
}

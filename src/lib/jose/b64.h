/* b64.h - base64url without padding (RFC 7515 §2, RFC 4648 §5), strict.
 *
 * The decoder refuses anything a canonical encoder would not produce:
 * characters outside [A-Za-z0-9_-], '=' padding, whitespace, a length
 * of 1 mod 4, and non-zero unused bits in the last character. That makes
 * every token have exactly one spelling, which signature checks rely on.
 */
#ifndef JF_B64_H
#define JF_B64_H

#include <stddef.h>

/* Characters b64url_encode writes for n bytes (without the NUL). */
#define B64URL_ENC_LEN(n) (((n) / 3) * 4 + (((n) % 3) ? ((n) % 3) + 1 : 0))
/* Bytes at most b64url_decode writes for n characters. */
#define B64URL_DEC_MAX(n) (((n) / 4) * 3 + 2)

/* Encodes n bytes into dst (room for B64URL_ENC_LEN(n) + 1); NUL-terminates;
 * returns the length written. */
size_t b64url_encode(char *dst, const unsigned char *src, size_t n);

/* Decodes n characters of src into dst (room for B64URL_DEC_MAX(n)).
 * Returns 0 and sets *outlen, or -1 on any non-canonical input. */
int b64url_decode(unsigned char *dst, size_t *outlen, const char *src, size_t n);

#endif

/* fuzz_b64.c - b64url_decode and b64url_encode round trips.
 *
 * The decoder promises one spelling per byte string: when it accepts
 * the input, encoding what it decoded must give back the input exactly.
 * And the encoder's output must always decode to the bytes it came from.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jose/b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *dec = malloc(B64URL_DEC_MAX(size));
	char *enc = malloc(B64URL_ENC_LEN(size) + 1);
	unsigned char *back = malloc(B64URL_DEC_MAX(B64URL_ENC_LEN(size)));
	size_t n, k;

	assert(dec && enc && back);
	if (b64url_decode(dec, &n, (const char *)data, size) == 0) {
		char *again = malloc(B64URL_ENC_LEN(n) + 1);

		assert(again != NULL);
		assert(n <= B64URL_DEC_MAX(size));
		assert(b64url_encode(again, dec, n) == size);
		assert(memcmp(again, data, size) == 0);
		free(again);
	}
	k = b64url_encode(enc, data, size);
	assert(k == B64URL_ENC_LEN(size) && enc[k] == '\0');
	assert(b64url_decode(back, &n, enc, k) == 0);
	assert(n == size && memcmp(back, data, size) == 0);
	free(dec);
	free(enc);
	free(back);
	return 0;
}

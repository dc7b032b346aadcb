/* fuzz_pem.c - key_from_pem.
 *
 * An accepted key must survive its own export: the public PEM parses
 * again to a key with the same RFC 7638 thumbprint, and a private key's
 * PKCS#8 export does as well.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jose/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
again(const struct jf_key *k, char *pem, size_t n)
{
	struct jf_msg m = { .s = "" };
	struct jf_key *k2 = NULL;

	assert(key_from_pem(&k2, pem, n, &m) == JF_OK);
	assert(strcmp(key_thumbprint(k), key_thumbprint(k2)) == 0);
	assert(key_kty(k) == key_kty(k2));
	key_free(k2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct jf_key *k = NULL;
	enum jf_err rc;
	char *pem = NULL;
	size_t n;

	rc = key_from_pem(&k, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(k == NULL);
		assert(rc == JF_E_CONFIG || rc == JF_E_NOMEM ||
		    rc == JF_E_INVALID_REQUEST);
		assert(m.s[0] != '\0');
		return 0;
	}
	assert(key_public_pem(k, &pem, &n) == JF_OK);
	again(k, pem, n);
	free(pem);
	if (key_is_private(k)) {
		assert(key_private_pem(k, &pem, &n) == JF_OK);
		again(k, pem, n);
		key_pem_free(pem, n);
	}
	key_free(k);
	return 0;
}

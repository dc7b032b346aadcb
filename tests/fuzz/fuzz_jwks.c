/* fuzz_jwks.c - jwks_parse of a JWKS document.
 *
 * When a document is accepted, what we publish of it (jwks_to_json) must
 * parse again into the same number of keys with the same kids: the mint
 * serves that text, and a relying party reading it back must agree.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jose/jwks.h"
#include "jose/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct jwks *a = jwks_new(), *b = jwks_new();
	enum jf_err rc;
	char *out;
	size_t i;

	assert(a != NULL && b != NULL);
	rc = jwks_parse(a, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(rc == JF_E_CONFIG || rc == JF_E_INVALID_REQUEST ||
		    rc == JF_E_NOMEM);
		assert(m.s[0] != '\0');
		goto done;
	}
	assert(jwks_count(a) <= JWKS_MAX_KEYS);
	out = jwks_to_json(a);
	assert(out != NULL);
	rc = jwks_parse(b, out, strlen(out), &m);
	assert(rc == JF_OK);
	assert(jwks_count(b) == jwks_count(a));
	for (i = 0; i < jwks_count(a); i++) {
		const struct jf_key *ka = jwks_get(a, i);
		const struct jf_key *kb = jwks_find(b, key_kid(ka));

		assert(kb != NULL);
		assert(strcmp(key_thumbprint(ka), key_thumbprint(kb)) == 0);
		assert(key_sign_alg(ka) == key_sign_alg(kb));
	}
	free(out);
done:
	jwks_free(a);
	jwks_free(b);
	return 0;
}

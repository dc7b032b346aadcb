/* fuzz_token.c - tok_verify on a whole token, against the fixed keys and
 * two issuers of fuzz.h (every algorithm / ES256 with typ at+jwt).
 *
 * Beyond "no crash": a refusal must carry a reason and one of the codes
 * that map to invalid_token (a 500 for a client's token is a bug), and
 * an accepted token must really be one of ours: issuer, key and claims
 * present, the key one that allows the header's alg.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "jose/key.h"
#include "jose/token.h"

static struct jwks *keys;
static struct tok_rules rules;
static int verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	keys = fuzz_keys();
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	fuzz_rules(&rules, keys);
	return 0;
}

static int
client_code(enum jf_err e)
{
	switch (e) {
	case JF_E_TOKEN_MALFORMED: case JF_E_TOKEN_TOO_BIG: case JF_E_ALG:
	case JF_E_HEADER: case JF_E_NO_KEY: case JF_E_SIGNATURE:
	case JF_E_EXPIRED: case JF_E_NOT_YET_VALID: case JF_E_ISSUER:
	case JF_E_AUDIENCE: case JF_E_CLAIM:
		return 1;
	default:
		return 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct tok *t = NULL;
	const struct json_object *h;
	const char *alg;
	enum jf_err rc;

	rc = tok_verify(&rules, (const char *)data, size, &t, &m, NULL, NULL);
	if (verbose)
		fprintf(stderr, "tok_verify: %s: %s\n", jf_strerror(rc), m.s);
	if (rc != JF_OK) {
		assert(t == NULL);
		assert(client_code(rc));
		assert(m.s[0] != '\0');
		return 0;
	}
	assert(t != NULL);
	assert(tok_issuer(t) != NULL);
	assert(tok_claims(t) != NULL);
	h = tok_header(t);
	alg = json_object_get_string(json_object_object_get(
	    (struct json_object *)h, "alg"));
	assert(alg != NULL && jf_alg_from_name(alg) != JF_ALG_NONE);
	assert(jwks_find(keys, tok_key_kid(t)) != NULL);
	assert(key_allows(jwks_find(keys, tok_key_kid(t)),
	    jf_alg_from_name(alg)));
	(void)tok_has_scopes(t, "read write");
	(void)tok_has_scopes(t, "");
	tok_free(t);
	return 0;
}

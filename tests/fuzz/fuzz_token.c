/* fuzz_token.c - tok_verify on a whole token, against the fixed keys and
 * two issuers of fuzz.h (every algorithm / ES256 with typ at+jwt).
 *
 * Beyond "no crash": a refusal must carry a reason and one of the codes
 * that map to invalid_token (a 500 for a client's token is a bug), and
 * an accepted token must really be one of ours: issuer, key and claims
 * present, the key one that allows the header's alg, and its claims
 * within the rules, checked here again from the rules alone (not with
 * the library's code): iss the issuer's, exp present and not past
 * now - leeway, nbf and iat (when present) not after now + leeway, aud
 * a string or non-empty array of strings holding one of the issuer's
 * audiences. A verifier that skipped a check aborts here on the first
 * seed it lets through (corpus/token has expired, nbf-future and
 * wrong-aud tokens with good signatures).
 */
#include "config.h"

#include <assert.h>
#include <math.h>
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
static int claim_date(const struct json_object *cl, const char *name,
	double *out);
static int same_string(const struct json_object *v, const char *s);
static int one_of_ours(const struct tok_issuer *is,
	const struct json_object *v);
static void check_claims(const struct tok *t);

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

/* A NumericDate as RFC 7519 section 2 has it, a JSON number: 1 with
 * *out, 0 when absent, -1 when present and not a number. */
static int
claim_date(const struct json_object *cl, const char *name, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(cl, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_int))
		*out = (double)json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_double))
		*out = json_object_get_double(v);
	else
		return -1;
	return 1;
}

/* v is a JSON string of exactly the bytes of s (no NUL smuggled in). */
static int
same_string(const struct json_object *v, const char *s)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return 0;
	n = (size_t)json_object_get_string_len(v);
	return n == strlen(s) &&
	    memcmp(json_object_get_string((struct json_object *)v), s, n) == 0;
}

static int
one_of_ours(const struct tok_issuer *is, const struct json_object *v)
{
	size_t i;

	for (i = 0; i < is->naud; i++)
		if (same_string(v, is->aud[i]))
			return 1;
	return 0;
}

/* The claims of an accepted token, against the rules. */
static void
check_claims(const struct tok *t)
{
	const struct json_object *cl = tok_claims(t);
	const struct tok_issuer *is = tok_issuer(t);
	const double now = (double)rules.now, lw = (double)rules.leeway;
	struct json_object *v;
	double d;
	size_t i, n;
	int r, found = 0;

	assert(json_object_object_get_ex(cl, "iss", &v));
	assert(same_string(v, is->iss));
	assert(claim_date(cl, "exp", &d) == 1);
	assert(isfinite(d) && now <= d + lw);
	r = claim_date(cl, "nbf", &d);
	assert(r == 0 || (r == 1 && d <= now + lw));
	r = claim_date(cl, "iat", &d);
	assert(r == 0 || (r == 1 && d <= now + lw));
	assert(json_object_object_get_ex(cl, "aud", &v));
	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		assert(n > 0);
		for (i = 0; i < n; i++) {
			assert(json_object_is_type(
			    json_object_array_get_idx(v, i), json_type_string));
			found |= one_of_ours(is, json_object_array_get_idx(v, i));
		}
	} else {
		found = one_of_ours(is, v);
	}
	assert(found);
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
	check_claims(t);
	(void)tok_has_scopes(t, "read write");
	(void)tok_has_scopes(t, "");
	tok_free(t);
	return 0;
}

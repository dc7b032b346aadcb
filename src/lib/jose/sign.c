/* sign.c - tok_sign: one compact JWS JWT from a private key and a
 * claims object.
 *
 * The header is always {"alg","typ","kid"} from the key itself, so what is
 * signed never depends on the caller's claims; the result is checked
 * against TOK_MAX_BYTES_SLIST, the largest tok_verify takes (a Status
 * List Token; an access token so large is refused by its verifiers).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/token.h"

#define TOK_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

enum jf_err
tok_sign(const struct jf_key *k, const char *typ,
	const struct json_object *claims, char **out, struct jf_msg *m)
{
	struct json_object *hdr = NULL;
	unsigned char sig[JF_ALG_SIG_MAX];
	const char *hs, *cs;
	size_t hn, cn, siglen = sizeof(sig), off, room;
	char *buf = NULL;
	enum jf_alg alg;
	enum jf_err rc = JF_E_INTERNAL;

	if (out)
		*out = NULL;
	if (k == NULL || out == NULL || claims == NULL ||
	    !json_object_is_type(claims, json_type_object))
		return jf_fail(m, JF_E_INTERNAL,
		    "tok_sign: needs a key and a claims object");
	if (!key_is_private(k))
		return jf_fail(m, JF_E_CONFIG, "signing needs a private key");
	if ((alg = key_sign_alg(k)) == JF_ALG_NONE)
		return jf_fail(m, JF_E_CONFIG, "key has no signing algorithm");
	if ((hdr = json_object_new_object()) == NULL ||
	    json_object_object_add(hdr, "alg",
	    json_object_new_string(jf_alg_name(alg))) != 0 ||
	    json_object_object_add(hdr, "typ",
	    json_object_new_string(typ ? typ : "JWT")) != 0 ||
	    json_object_object_add(hdr, "kid",
	    json_object_new_string(key_kid(k))) != 0) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	hs = json_object_to_json_string_ext(hdr, TOK_JSON_FLAGS);
	/* json-c caches the text inside the object, hence the cast; the
	 * claims themselves are not changed. */
	cs = json_object_to_json_string_ext((struct json_object *)claims,
	    TOK_JSON_FLAGS);
	if (hs == NULL || cs == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	hn = strlen(hs);
	cn = strlen(cs);
	if (hn > TOK_MAX_BYTES_SLIST || cn > TOK_MAX_BYTES_SLIST) {
		rc = jf_fail(m, JF_E_TOKEN_TOO_BIG, "claims too large to sign "
		    "(%zu bytes)", cn);
		goto fail;
	}
	room = B64URL_ENC_LEN(hn) + B64URL_ENC_LEN(cn) +
	    B64URL_ENC_LEN(sizeof(sig)) + 3;
	if ((buf = malloc(room)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	off = b64url_encode(buf, (const unsigned char *)hs, hn);
	buf[off++] = '.';
	off += b64url_encode(buf + off, (const unsigned char *)cs, cn);
	if ((rc = key_sign(k, buf, off, sig, &siglen)) != JF_OK) {
		jf_fail(m, rc, "signing with %s failed", jf_alg_name(alg));
		goto fail;
	}
	buf[off++] = '.';
	off += b64url_encode(buf + off, sig, siglen);
	if (off > TOK_MAX_BYTES_SLIST) {
		rc = jf_fail(m, JF_E_TOKEN_TOO_BIG, "signed token is %zu bytes, "
		    "over %d", off, TOK_MAX_BYTES_SLIST);
		goto fail;
	}
	*out = buf;
	buf = NULL;
	rc = JF_OK;
fail:
	free(buf);
	json_object_put(hdr);
	return rc;
}

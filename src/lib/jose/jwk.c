/* jwk.c - a key as a JWK: import (RFC 7517/7518/8037) and export.
 *
 * Import checks every member once and hands the raw numbers to GnuTLS;
 * key_finish (key.c) then classifies the key exactly as for PEM, so both
 * paths end in the same checks and the same cached members.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "util/json.h"
#include "jose/key.h"
#include "jose/key-int.h"

/* Members that only a private JWK has (RFC 7518 §6, RFC 8037 §2). */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
};

/* ---- JWK ------------------------------------------------------------- */

/* Decodes string member name into buf (room for want + 2): exactly want
 * bytes, or when !exact 1..want bytes without a leading zero. */
static enum jf_err
jwk_bytes(const struct json_object *jwk, const char *name, unsigned char *buf,
	size_t want, int exact, size_t *len, struct jf_msg *m)
{
	struct json_object *v = NULL;
	size_t n;

	if (!json_object_object_get_ex(jwk, name, &v))
		return jf_fail(m, JF_E_CONFIG, "member \"%s\" missing", name);
	if (!json_object_is_type(v, json_type_string))
		return jf_fail(m, JF_E_CONFIG, "member \"%s\" is not a string",
		    name);
	n = (size_t)json_object_get_string_len(v);
	if (n > B64URL_ENC_LEN(want) ||
	    b64url_decode(buf, len, json_object_get_string(v), n) < 0)
		return jf_fail(m, JF_E_CONFIG, "member \"%s\" is not base64url "
		    "of at most %zu bytes", name, want);
	if (exact && *len != want)
		return jf_fail(m, JF_E_CONFIG, "member \"%s\" must be %zu bytes, "
		    "got %zu", name, want, *len);
	/* RFC 7518 §6.3.1: the minimum number of octets. */
	if (!exact && (*len == 0 || buf[0] == 0))
		return jf_fail(m, JF_E_CONFIG, "member \"%s\" has a leading zero "
		    "byte or is empty", name);
	return JF_OK;
}

/* Checks the members every kty shares; returns the pinned alg in *alg. */
static enum jf_err
jwk_common(const struct json_object *jwk, enum jf_alg *alg, struct jf_msg *m)
{
	struct json_object *v = NULL;
	const char *s;
	size_t i;

	for (i = 0; private_members[i] != NULL; i++)
		if (json_object_object_get_ex(jwk, private_members[i], NULL))
			return jf_fail(m, JF_E_CONFIG, "private member \"%s\" "
			    "refused: publish the public key only",
			    private_members[i]);
	if (json_object_object_get_ex(jwk, "use", &v) &&
	    ((s = json_str(jwk, "use")) == NULL || strcmp(s, "sig") != 0))
		return jf_fail(m, JF_E_CONFIG, "use must be \"sig\"");
	*alg = JF_ALG_NONE;
	if (json_object_object_get_ex(jwk, "alg", &v)) {
		if ((s = json_str(jwk, "alg")) == NULL)
			return jf_fail(m, JF_E_CONFIG, "alg is not a string");
		if ((*alg = jf_alg_from_name(s)) == JF_ALG_NONE)
			return jf_fail(m, JF_E_CONFIG,
			    "alg \"%.16s\" not supported", s);
	}
	if (json_object_object_get_ex(jwk, "kid", &v)) {
		if ((s = json_str(jwk, "kid")) == NULL)
			return jf_fail(m, JF_E_CONFIG, "kid is not a string");
		if (*s == '\0' || strlen(s) > KEY_KID_MAX)
			return jf_fail(m, JF_E_CONFIG, "kid must be 1 to %d "
			    "characters", KEY_KID_MAX);
		/* It ends up in logs and headers: printable ASCII only. */
		for (; *s != '\0'; s++)
			if (*s < 0x20 || *s > 0x7e)
				return jf_fail(m, JF_E_CONFIG, "kid has a byte "
				    "outside printable ASCII");
	}
	return JF_OK;
}

enum jf_err
key_from_jwk(struct jf_key **out, const struct json_object *jwk,
	struct jf_msg *m)
{
	unsigned char a[KEY_RSA_MAX_BITS / 8 + 2], b[KEY_RSA_MAX_BITS / 8 + 2];
	gnutls_datum_t da, db;
	struct jf_key *k = NULL;
	const char *kty, *crv, *kid;
	enum jf_alg alg = JF_ALG_NONE;
	size_t la = 0, lb = 0, clen;
	gnutls_ecc_curve_t curve;
	int r;
	enum jf_err rc = JF_E_CONFIG;

	*out = NULL;
	if (!json_object_is_type(jwk, json_type_object)) {
		jf_fail(m, rc, "not a JSON object");
		goto fail;
	}
	if ((kty = json_str(jwk, "kty")) == NULL) {
		jf_fail(m, rc, "member \"kty\" missing or not a string");
		goto fail;
	}
	if (strcmp(kty, "oct") == 0) {
		jf_fail(m, rc, "kty \"oct\" refused: only asymmetric keys");
		goto fail;
	}
	if ((rc = jwk_common(jwk, &alg, m)) != JF_OK)
		goto fail;
	rc = JF_E_NOMEM;
	if ((k = key_alloc()) == NULL)
		goto fail;
	crv = json_str(jwk, "crv");
	if (strcmp(kty, "EC") == 0 || strcmp(kty, "OKP") == 0) {
		int ec = kty[0] == 'E';

		if (ec && crv != NULL && strcmp(crv, "P-256") == 0) {
			curve = GNUTLS_ECC_CURVE_SECP256R1;
			clen = 32;
		} else if (ec && crv != NULL && strcmp(crv, "P-384") == 0) {
			curve = GNUTLS_ECC_CURVE_SECP384R1;
			clen = 48;
		} else if (!ec && crv != NULL && strcmp(crv, "Ed25519") == 0) {
			curve = GNUTLS_ECC_CURVE_ED25519;
			clen = 32;
		} else {
			rc = jf_fail(m, JF_E_CONFIG, "crv \"%.16s\" not supported "
			    "for kty %s", crv ? crv : "(missing)", kty);
			goto fail;
		}
		if ((rc = jwk_bytes(jwk, "x", a, clen, 1, &la, m)) != JF_OK ||
		    (ec && (rc = jwk_bytes(jwk, "y", b, clen, 1, &lb, m)) != JF_OK))
			goto fail;
		da.data = a;
		da.size = (unsigned)la;
		db.data = b;
		db.size = (unsigned)lb;
		r = gnutls_pubkey_import_ecc_raw(k->pub, curve, &da,
		    ec ? &db : NULL);
	} else if (strcmp(kty, "RSA") == 0) {
		if ((rc = jwk_bytes(jwk, "n", a, KEY_RSA_MAX_BITS / 8, 0, &la,
		    m)) != JF_OK ||
		    (rc = jwk_bytes(jwk, "e", b, 8, 0, &lb, m)) != JF_OK)
			goto fail;
		if ((b[lb - 1] & 1) == 0 || (lb == 1 && b[0] < 3)) {
			rc = jf_fail(m, JF_E_CONFIG, "RSA exponent e must be odd "
			    "and at least 3");
			goto fail;
		}
		da.data = a;
		da.size = (unsigned)la;
		db.data = b;
		db.size = (unsigned)lb;
		r = gnutls_pubkey_import_rsa_raw(k->pub, &da, &db);
	} else {
		rc = jf_fail(m, JF_E_CONFIG, "kty \"%.16s\" not supported", kty);
		goto fail;
	}
	if (r < 0) {
		rc = jf_fail(m, JF_E_CONFIG, "key rejected by GnuTLS: %s",
		    gnutls_strerror(r));
		goto fail;
	}
	if ((rc = key_finish(k, m)) != JF_OK)
		goto fail;
	if (alg != JF_ALG_NONE && (rc = key_pin_alg(k, alg, m)) != JF_OK)
		goto fail;
	if ((kid = json_str(jwk, "kid")) != NULL &&
	    (k->kid = strdup(kid)) == NULL) {
		rc = JF_E_NOMEM;
		goto fail;
	}
	*out = k;
	k = NULL;
	rc = JF_OK;
fail:
	key_free(k);
	return rc;
}

/* ---- JWK export ------------------------------------------------------- */

static int
jwk_add(struct json_object *o, const char *name, const char *val)
{
	struct json_object *v = json_object_new_string(val);

	if (v == NULL || json_object_object_add(o, name, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

struct json_object *
key_to_jwk(const struct jf_key *k)
{
	struct json_object *o = json_object_new_object();
	int r;

	if (o == NULL)
		return NULL;
	switch (k->kty) {
	case JF_KTY_EC:
		r = jwk_add(o, "kty", "EC") | jwk_add(o, "crv", k->len == 32 ?
		    "P-256" : "P-384") | jwk_add(o, "x", k->m1) |
		    jwk_add(o, "y", k->m2);
		break;
	case JF_KTY_RSA:
		r = jwk_add(o, "kty", "RSA") | jwk_add(o, "n", k->m1) |
		    jwk_add(o, "e", k->m2);
		break;
	case JF_KTY_OKP:
	default:
		r = jwk_add(o, "kty", "OKP") | jwk_add(o, "crv", "Ed25519") |
		    jwk_add(o, "x", k->m1);
		break;
	}
	r |= jwk_add(o, "kid", key_kid(k)) | jwk_add(o, "use", "sig") |
	    jwk_add(o, "alg", jf_alg_name(key_sign_alg(k)));
	if (r != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* test_libjwt.c - the libjwt 1.10.2 defects of the shared facts file,
 * reproduced on this platform, each paired with our defence.
 *
 * Every pair is one ok(): it needs both the defect (libjwt does the
 * wrong thing here, so the test documents a live hazard rather than a
 * rumour) and our refusal with the exact code. If a libjwt upgrade
 * fixes a defect the test fails too, which is the cue to revisit the
 * facts file. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <jwt.h>

#include "jose/b64.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "tap.h"
#include "jose/token.h"

#define NOW 1700000000L
#define ISS "https://mint.example"
#define TOKMAX 16384

static struct jf_key *key;      /* owned by set */
static struct jwks *set;
static char *pub, *priv;        /* PEM text of key */
static size_t publen, privlen;
static const char *const auds[] = { "api" };
static struct tok_issuer issuer;
static struct tok_rules rules;

static void
bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

static void
setup(void)
{
	struct jf_msg m = { "" };

	if (key_generate(&key, JF_ALG_ES256, 0, &m) != JF_OK)
		bail(m.s);
	if (key_public_pem(key, &pub, &publen) != JF_OK ||
	    key_private_pem(key, &priv, &privlen) != JF_OK)
		bail("PEM export");
	set = jwks_new();
	if (set == NULL || jwks_add(set, key, &m) != JF_OK)
		bail(m.s);
	issuer = (struct tok_issuer){ ISS, set, JF_ALG_BIT(JF_ALG_ES256),
	    auds, 1, NULL, NULL, NULL, 0 };
	rules = (struct tok_rules){ &issuer, 1, 60, 0, NOW, 0 };
}

static enum jf_err
verify(const struct tok_rules *r, const char *t)
{
	struct tok *tk = NULL;
	struct jf_msg m = { "" };
	enum jf_err rc;

	rc = tok_verify(r, t, strlen(t), &tk, &m, NULL, NULL);
	diag("  tok_verify: %s (%s)", jf_strerror(rc), m.s);
	tok_free(tk);
	return rc;
}

/* libjwt's verdict, with key NULL/0 meaning "no key". */
static int
lj_decode(const char *t, const void *k, size_t klen)
{
	jwt_t *j = NULL;
	int rc = jwt_decode(&j, t, k, (int)klen);

	diag("  jwt_decode: %d%s%s", rc, rc ? " " : "", rc ? strerror(rc) : "");
	jwt_free(j);
	return rc;
}

/* b64(h) "." b64(p) and, when sig is given, "." b64(sig). */
static void
compose(char *out, const char *h, const char *p, const unsigned char *sig,
	size_t siglen)
{
	size_t o;

	o = b64url_encode(out, (const unsigned char *)h, strlen(h));
	out[o++] = '.';
	o += b64url_encode(out + o, (const unsigned char *)p, strlen(p));
	if (sig) {
		out[o++] = '.';
		b64url_encode(out + o, sig, siglen);
	}
}

static char *
our_token(const char *typ, long exp)
{
	struct json_object *c = json_object_new_object();
	struct jf_msg m = { "" };
	char *t = NULL;

	json_object_object_add(c, "iss", json_object_new_string(ISS));
	json_object_object_add(c, "aud", json_object_new_string("api"));
	json_object_object_add(c, "exp", json_object_new_int64(exp));
	if (tok_sign(key, typ, c, &t, &m) != JF_OK)
		bail(m.s);
	json_object_put(c);
	return t;
}

static size_t
sig_bytes(const char *t)
{
	unsigned char sig[1024];
	const char *s = strrchr(t, '.') + 1;
	size_t n = 0;

	if (strlen(s) > B64URL_ENC_LEN(sizeof(sig)) ||
	    b64url_decode(sig, &n, s, strlen(s)) != 0)
		return 0;
	return n;
}

/* (1) HS256 keyed with the public PEM: algorithm confusion. */
static void
test_hmac_confusion(void)
{
	char t[TOKMAX], h[256], p[256];
	unsigned char mac[32];
	int lj;
	enum jf_err ours;

	snprintf(h, sizeof(h), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":"
	    "\"%s\"}", key_kid(key));
	snprintf(p, sizeof(p), "{\"iss\":\"%s\",\"aud\":\"api\",\"exp\":%ld}",
	    ISS, NOW + 60);
	compose(t, h, p, NULL, 0);
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, pub, publen, t, strlen(t), mac);
	compose(t, h, p, mac, sizeof(mac));
	lj = lj_decode(t, pub, publen);
	ours = verify(&rules, t);
	ok(lj == 0 && ours == JF_E_ALG, "HS256 keyed with the public PEM: "
	    "libjwt accepts it, tok_verify says JF_E_ALG");
}

/* (2) key NULL: libjwt checks no signature at all. */
static void
test_null_key(void)
{
	static const unsigned char forged[64] = { 1, 2, 3 };
	struct tok_issuer keyless = issuer;
	struct tok_rules r = rules;
	char t[TOKMAX], h[256], p[256];
	int lj, lj2;
	enum jf_err ours, ours2, ours3;

	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":"
	    "\"%s\"}", key_kid(key));
	snprintf(p, sizeof(p), "{\"iss\":\"%s\",\"aud\":\"api\",\"exp\":%ld,"
	    "\"admin\":true}", ISS, NOW + 60);
	compose(t, h, p, forged, sizeof(forged));
	lj = lj_decode(t, NULL, 0);
	ours = verify(&rules, t);
	keyless.keys = NULL;
	r.issuers = &keyless;
	ours2 = verify(&r, t);
	ok(lj == 0 && ours == JF_E_SIGNATURE && ours2 == JF_E_NO_KEY,
	    "forged ES256 signature: libjwt with key NULL accepts it, "
	    "tok_verify refuses (JF_E_SIGNATURE; no key: JF_E_NO_KEY)");

	compose(t, "{\"alg\":\"none\"}", p, NULL, 0);
	strcat(t, ".");
	lj2 = lj_decode(t, NULL, 0);
	ours3 = verify(&rules, t);
	ok(lj2 == 0 && ours3 == JF_E_TOKEN_MALFORMED, "unsecured alg none "
	    "token: libjwt accepts it, tok_verify refuses (empty signature)");
}

/* (3) libjwt's ES256 signatures are not R||S; ours are, and libjwt
 * verifies ours. */
static void
test_ecdsa_format(void)
{
	jwt_t *j = NULL;
	char *lt = NULL, *ot;
	size_t ln;
	int lj;
	enum jf_err ours;

	if (jwt_new(&j) != 0 ||
	    jwt_set_alg(j, JWT_ALG_ES256, (const unsigned char *)priv,
	    (int)privlen) != 0 ||
	    jwt_add_header(j, "kid", key_kid(key)) != 0 ||
	    jwt_add_grant(j, "iss", ISS) != 0 ||
	    jwt_add_grant(j, "aud", "api") != 0 ||
	    jwt_add_grant_int(j, "exp", NOW + 60) != 0 ||
	    (lt = jwt_encode_str(j)) == NULL)
		bail("libjwt ES256 signing");
	jwt_free(j);
	ln = sig_bytes(lt);
	diag("  libjwt ES256 signature: %zu bytes", ln);
	ours = verify(&rules, lt);
	ok(ln == 132 && ours == JF_E_SIGNATURE, "libjwt signs ES256 with a "
	    "132-byte signature; tok_verify refuses it (JF_E_SIGNATURE)");
	free(lt);

	ot = our_token(NULL, NOW + 60);
	lj = lj_decode(ot, pub, publen);
	ok(sig_bytes(ot) == 64 && lj == 0 && verify(&rules, ot) == JF_OK,
	    "tok_sign ES256 is 64-byte R||S and libjwt verifies it (interop)");
	free(ot);
}

/* (4) libjwt checks no claim: an expired token decodes. */
static void
test_exp(void)
{
	char *t = our_token(NULL, NOW - 3600);
	int lj = lj_decode(t, pub, publen);
	enum jf_err ours = verify(&rules, t);

	ok(lj == 0 && ours == JF_E_EXPIRED, "expired token: libjwt decodes "
	    "it, tok_verify says JF_E_EXPIRED");
	free(t);
}

/* (5) typ "at+jwt" (RFC 9068). */
static void
test_typ(void)
{
	struct tok_issuer at = issuer;
	struct tok_rules r = rules;
	char *t = our_token("at+jwt", NOW + 60);
	char *u = our_token("JWT", NOW + 60);
	int lj = lj_decode(t, pub, publen), lj_jwt = lj_decode(u, pub, publen);
	enum jf_err ours, ours_jwt;

	at.typ = "application/at+jwt";
	r.issuers = &at;
	ours = verify(&r, t);
	ours_jwt = verify(&r, u);
	ok(lj == EINVAL && lj_jwt == 0, "libjwt refuses typ at+jwt (EINVAL) "
	    "but not typ JWT");
	ok(ours == JF_OK && ours_jwt == JF_E_HEADER, "tok_verify with typ "
	    "application/at+jwt configured: accepts at+jwt, refuses JWT");
	free(t);
	free(u);
}

int
main(void)
{
	setup();
	test_hmac_confusion();
	test_null_key();
	test_ecdsa_format();
	test_exp();
	test_typ();
	key_pem_free(priv, privlen);
	free(pub);
	jwks_free(set);
	return done_testing();
}

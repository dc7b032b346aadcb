/* test_token.c - tok_verify against valid and hostile tokens, tok_sign,
 * tok_has_scopes. Hostile tokens are built by hand (base64url of a chosen
 * header and payload plus chosen signature bytes) and every case asserts
 * the exact error code. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "tap.h"
#include "jose/token.h"

#define NOW 1700000000L
#define BUF 80000
#define NKEYS_MANY (TOK_MAX_TRIES + 2)

enum { K_ES256, K_ES384, K_RS256, K_PS256, K_EDDSA, K_B, K_T, K_EVIL, K__N };

static struct jf_key *K[K__N];          /* owned by the jwks below */
static struct jf_key *many[NKEYS_MANY];
static struct jwks *set_a, *set_b, *set_t, *set_many;
static struct tok_issuer iss[5];
static struct tok_rules rules;
static const char *const aud_a[] = { "api-a", "api-x" };
static const char *const aud_b[] = { "api-b" };
static int leaks;

static struct jf_key *
gen(enum jf_alg a)
{
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };

	if (key_generate(&k, a, 0, &m) != JF_OK) {
		printf("Bail out! key_generate %s: %s\n", jf_alg_name(a), m.s);
		exit(1);
	}
	return k;
}

static void
add(struct jwks *s, struct jf_key *k)
{
	struct jf_msg m = { "" };

	if (jwks_add(s, k, &m) != JF_OK) {
		printf("Bail out! jwks_add: %s\n", m.s);
		exit(1);
	}
}

static void
setup(void)
{
	struct jf_msg m = { "" };
	size_t i;

	K[K_ES256] = gen(JF_ALG_ES256);
	K[K_ES384] = gen(JF_ALG_ES384);
	K[K_RS256] = gen(JF_ALG_RS256);
	K[K_PS256] = gen(JF_ALG_PS256);
	if (key_pin_alg(K[K_PS256], JF_ALG_PS256, &m) != JF_OK)
		printf("Bail out! pin PS256: %s\n", m.s), exit(1);
	K[K_EDDSA] = gen(JF_ALG_EDDSA);
	K[K_B] = gen(JF_ALG_ES256);
	K[K_T] = gen(JF_ALG_ES256);
	K[K_EVIL] = gen(JF_ALG_ES256);
	set_a = jwks_new();
	set_b = jwks_new();
	set_t = jwks_new();
	set_many = jwks_new();
	for (i = K_ES256; i <= K_EDDSA; i++)
		add(set_a, K[i]);
	add(set_b, K[K_B]);
	add(set_t, K[K_T]);
	for (i = 0; i < NKEYS_MANY; i++)
		add(set_many, many[i] = gen(JF_ALG_ES256));
	iss[0] = (struct tok_issuer){ "https://a.example", set_a,
	    JF_ALG_BIT(JF_ALG_ES256) | JF_ALG_BIT(JF_ALG_ES384) |
	    JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_PS256) |
	    JF_ALG_BIT(JF_ALG_EDDSA), aud_a, 2, NULL, NULL, NULL, 0 };
	iss[1] = (struct tok_issuer){ "https://b.example", set_b,
	    JF_ALG_BIT(JF_ALG_ES256), aud_b, 1, NULL, NULL, NULL, 0 };
	iss[2] = (struct tok_issuer){ "https://typ.example", set_t,
	    JF_ALG_BIT(JF_ALG_ES256), aud_a, 2, "at+jwt", NULL, NULL, 0 };
	/* EC keys only, but RS256 allowed: an RS256 token finds no key. */
	iss[3] = (struct tok_issuer){ "https://ec.example", set_b,
	    JF_ALG_BIT(JF_ALG_ES256) | JF_ALG_BIT(JF_ALG_RS256), aud_b, 1,
	    NULL, NULL, NULL, 0 };
	iss[4] = (struct tok_issuer){ "https://many.example", set_many,
	    JF_ALG_BIT(JF_ALG_ES256), aud_a, 2, NULL, NULL, NULL, 0 };
	rules = (struct tok_rules){ iss, 5, 60, 0, NOW, 0 };
}

/* A ring of scratch strings so helpers can be nested in one call. */
static char *
scratch(void)
{
	static char ring[16][BUF];
	static int i;

	return ring[i++ & 15];
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *
fmt(const char *f, ...)
{
	char *s = scratch();
	va_list ap;

	va_start(ap, f);
	vsnprintf(s, BUF, f, ap);
	va_end(ap);
	return s;
}

/* {"alg":alg,"kid":<kid of k>} or without kid when k is NULL. */
static char *
hdr(const char *alg, const struct jf_key *k)
{
	return k ? fmt("{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, key_kid(k)) :
	    fmt("{\"alg\":\"%s\"}", alg);
}

/* A standard payload for issuer iss with extra members appended. */
static char *
pay(const char *is, const char *extra)
{
	return fmt("{\"iss\":\"%s\",\"sub\":\"svc\",\"aud\":\"api-a\","
	    "\"exp\":%ld,\"iat\":%ld%s}", is, NOW + 300, NOW - 10,
	    extra ? extra : "");
}

/* b64(h) "." b64(p) "." b64(sig); sig NULL gives an empty segment. */
static char *
raw(const char *h, const char *p, const unsigned char *sig, size_t siglen)
{
	char *s = scratch();
	size_t o;

	o = b64url_encode(s, (const unsigned char *)h, strlen(h));
	s[o++] = '.';
	o += b64url_encode(s + o, (const unsigned char *)p, strlen(p));
	s[o++] = '.';
	if (sig)
		b64url_encode(s + o, sig, siglen);
	else
		s[o] = '\0';
	return s;
}

/* Signs b64(h).b64(p) with k (whatever h claims); *sig gets a copy. */
static char *
signed_tok(const struct jf_key *k, const char *h, const char *p,
	unsigned char *sigout, size_t *sigoutlen)
{
	unsigned char sig[JF_ALG_SIG_MAX];
	size_t siglen = sizeof(sig);
	char *s = raw(h, p, NULL, 0);

	s[strlen(s) - 1] = '\0';
	if (key_sign(k, s, strlen(s), sig, &siglen) != JF_OK)
		printf("Bail out! key_sign\n"), exit(1);
	if (sigout) {
		memcpy(sigout, sig, siglen);
		*sigoutlen = siglen;
	}
	return raw(h, p, sig, siglen);
}

static char *
good(int k, const char *alg, const char *extra)
{
	return signed_tok(K[k], hdr(alg, K[k]), pay("https://a.example",
	    extra), NULL, NULL);
}

static enum jf_err
run(const struct tok_rules *r, const char *t, size_t n, struct jf_msg *m)
{
	struct tok *tk = (struct tok *)&tk;   /* must be reset to NULL */
	enum jf_err rc;
	const char *dot;

	m->s[0] = '\0';
	rc = tok_verify(r, t, n, &tk, m, NULL, NULL);
	if ((rc == JF_OK) != (tk != NULL))
		leaks++;
	/* The message must never carry the token's payload or signature. */
	if ((dot = memchr(t, '.', n)) != NULL && n - (size_t)(dot - t) > 12 &&
	    strstr(m->s, fmt("%.12s", dot + 1)))
		leaks++;
	tok_free(tk);
	return rc;
}

static void
expect_n(const char *name, const struct tok_rules *r, const char *t,
	size_t n, enum jf_err want)
{
	struct jf_msg m;
	enum jf_err rc = run(r, t, n, &m);

	is(rc, want, name);
	diag("  %s -> %s", jf_strerror(rc), m.s);
}

static void
expect(const char *name, const char *t, enum jf_err want)
{
	expect_n(name, &rules, t, strlen(t), want);
}

static void
test_valid(void)
{
	static const struct { int k; const char *alg; } t[] = {
		{ K_ES256, "ES256" }, { K_ES384, "ES384" }, { K_RS256, "RS256" },
		{ K_PS256, "PS256" }, { K_EDDSA, "EdDSA" },
	};
	struct tok *tk = NULL;
	struct jf_msg m = { "" };
	const char *s;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		expect(fmt("valid %s with kid", t[i].alg),
		    good(t[i].k, t[i].alg, NULL), JF_OK);
		expect(fmt("valid %s without kid", t[i].alg),
		    signed_tok(K[t[i].k], hdr(t[i].alg, NULL),
		    pay("https://a.example", NULL), NULL, NULL), JF_OK);
	}
	s = signed_tok(K[K_ES256], hdr("ES256", NULL), fmt("{\"iss\":"
	    "\"https://a.example\",\"aud\":[\"other\",\"api-x\"],\"exp\":%ld,"
	    "\"sub\":\"x\"}", NOW + 1), NULL, NULL);
	is(tok_verify(&rules, s, strlen(s), &tk, &m, NULL, NULL), JF_OK,
	    "aud array with one accepted audience");
	ok(tk != NULL, "token returned");
	is_str(tok_issuer(tk) ? tok_issuer(tk)->iss : NULL,
	    "https://a.example", "tok_issuer");
	is_str(tok_key_kid(tk), key_kid(K[K_ES256]),
	    "tok_key_kid: the key found without a kid");
	is_str(json_object_get_string(json_object_object_get(
	    (struct json_object *)tok_claims(tk), "sub")), "x", "tok_claims");
	is_str(json_object_get_string(json_object_object_get(
	    (struct json_object *)tok_header(tk), "alg")), "ES256",
	    "tok_header");
	tok_free(tk);
	tok_free(NULL);
}

static void
test_alg(void)
{
	static const char *const none[] = { "none", "None", "NONE", "", "HS256",
	    "RS512", "es256" };
	unsigned char mac[32];
	char *pem = NULL, *h, *in;
	size_t i, pemlen = 0;

	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		expect(fmt("alg \"%s\" refused", none[i]),
		    raw(hdr(none[i], NULL), pay("https://a.example", NULL),
		    (const unsigned char *)"sig", 3), JF_E_ALG);
	expect("alg missing", raw("{\"typ\":\"JWT\"}",
	    pay("https://a.example", NULL), (const unsigned char *)"s", 1),
	    JF_E_ALG);
	expect("alg not a string", raw("{\"alg\":[\"ES256\"]}",
	    pay("https://a.example", NULL), (const unsigned char *)"s", 1),
	    JF_E_ALG);
	/* json_parse refuses \u0000; token.c would refuse it as an alg. */
	expect("alg with \\u0000 suffix", raw("{\"alg\":\"ES256\\u0000x\"}",
	    pay("https://a.example", NULL), (const unsigned char *)"s", 1),
	    JF_E_TOKEN_MALFORMED);
	expect("alg none, empty signature: unsecured JWT",
	    raw(hdr("none", NULL), pay("https://a.example", NULL), NULL, 0),
	    JF_E_TOKEN_MALFORMED);
	expect("ES256 header, empty signature",
	    raw(hdr("ES256", K[K_ES256]), pay("https://a.example", NULL),
	    NULL, 0), JF_E_TOKEN_MALFORMED);

	/* Key confusion: HMAC keyed with the issuer's own public PEM. */
	if (key_public_pem(K[K_ES256], &pem, &pemlen) != JF_OK)
		printf("Bail out! key_public_pem\n"), exit(1);
	h = hdr("HS256", K[K_ES256]);
	in = raw(h, pay("https://a.example", NULL), NULL, 0);
	in[strlen(in) - 1] = '\0';
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, pem, pemlen, in, strlen(in), mac);
	expect("HS256 keyed with the public PEM", fmt("%s.%s", in,
	    raw("", "", mac, sizeof(mac)) + 2), JF_E_ALG);
	free(pem);

	expect("RS256 against an EC-only issuer", signed_tok(K[K_RS256],
	    hdr("RS256", NULL), fmt("{\"iss\":\"https://b.example\","
	    "\"aud\":\"api-b\",\"exp\":%ld}", NOW + 60), NULL, NULL), JF_E_ALG);
	expect("RS256 allowed but the issuer has only EC keys",
	    signed_tok(K[K_RS256], hdr("RS256", NULL), fmt("{\"iss\":"
	    "\"https://ec.example\",\"aud\":\"api-b\",\"exp\":%ld}", NOW + 60),
	    NULL, NULL), JF_E_NO_KEY);
	expect("ES384 header with the kid of a P-256 key",
	    signed_tok(K[K_ES256], hdr("ES384", K[K_ES256]),
	    pay("https://a.example", NULL), NULL, NULL), JF_E_NO_KEY);
	expect("RS256 header with the kid of a PS256-pinned key",
	    signed_tok(K[K_PS256], hdr("RS256", K[K_PS256]),
	    pay("https://a.example", NULL), NULL, NULL), JF_E_NO_KEY);
	expect("ES384 token for an ES256-only issuer",
	    signed_tok(K[K_ES384], hdr("ES384", NULL), fmt("{\"iss\":"
	    "\"https://b.example\",\"aud\":\"api-b\",\"exp\":%ld}", NOW + 60),
	    NULL, NULL), JF_E_ALG);
}

static size_t
der_int(unsigned char *o, const unsigned char *v, size_t n)
{
	size_t i = 0, pad;

	while (i + 1 < n && v[i] == 0)
		i++;
	pad = v[i] & 0x80 ? 1 : 0;
	o[0] = 0x02;
	o[1] = (unsigned char)(n - i + pad);
	o[2] = 0;
	memcpy(o + 2 + pad, v + i, n - i);
	return 2 + pad + n - i;
}

static void
test_signature(void)
{
	unsigned char sig[JF_ALG_SIG_MAX], der[80], zero[96] = { 0 };
	char h[512], p[1024], t[4096], *u;
	struct jf_msg m;
	size_t siglen = 0, n;

	snprintf(h, sizeof(h), "%s", hdr("ES256", K[K_ES256]));
	snprintf(p, sizeof(p), "%s", pay("https://a.example", NULL));
	snprintf(t, sizeof(t), "%s", signed_tok(K[K_ES256], h, p, sig,
	    &siglen));
	is(siglen, 64, "ES256 signature is 64 bytes R||S");
	expect("all-zero ES256 signature (CVE-2022-21449)",
	    raw(h, p, zero, 64), JF_E_SIGNATURE);
	expect("all-zero ES256 signature, no kid",
	    raw(hdr("ES256", NULL), p, zero, 64), JF_E_SIGNATURE);
	expect("all-zero ES384 signature", raw(hdr("ES384", K[K_ES384]), p,
	    zero, 96), JF_E_SIGNATURE);
	n = der_int(der + 2, sig, 32);
	n += der_int(der + 2 + n, sig + 32, 32);
	der[0] = 0x30;
	der[1] = (unsigned char)n;
	u = raw(h, p, der, n + 2);
	is(run(&rules, u, strlen(u), &m), JF_E_SIGNATURE,
	    "DER-encoded ECDSA signature");
	ok(strstr(m.s, fmt("is %zu bytes, want 64", n + 2)) != NULL,
	    "DER signature: the message names both lengths");
	diag("  %s", m.s);
	expect("63-byte ES256 signature", raw(h, p, sig, 63), JF_E_SIGNATURE);
	sig[10] ^= 1;
	expect("flipped bit in the signature", raw(h, p, sig, 64),
	    JF_E_SIGNATURE);
	sig[10] ^= 1;
	expect("valid signature over another payload",
	    raw(h, pay("https://a.example", ",\"admin\":true"), sig, 64),
	    JF_E_SIGNATURE);
	expect("the untouched token still verifies", t, JF_OK);

	/* Issuer B's key signs a token claiming issuer A. */
	u = signed_tok(K[K_B], hdr("ES256", K[K_B]), p, NULL, NULL);
	expect("key of another issuer, with its kid", u, JF_E_NO_KEY);
	u = signed_tok(K[K_B], hdr("ES256", NULL), p, NULL, NULL);
	expect("key of another issuer, no kid", u, JF_E_SIGNATURE);
	u = signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    fmt("{\"iss\":\"https://b.example\",\"aud\":\"api-b\",\"exp\":%ld}",
	    NOW + 60), NULL, NULL);
	expect("issuer A's key with its kid, claiming issuer B", u,
	    JF_E_NO_KEY);

	/* Without a kid only TOK_MAX_TRIES keys are tried. */
	u = fmt("{\"iss\":\"https://many.example\",\"aud\":\"api-a\","
	    "\"exp\":%ld}", NOW + 60);
	snprintf(p, sizeof(p), "%s", u);
	expect("no kid, signer is the first key", signed_tok(many[0],
	    hdr("ES256", NULL), p, NULL, NULL), JF_OK);
	expect("no kid, signer beyond TOK_MAX_TRIES",
	    signed_tok(many[NKEYS_MANY - 1], hdr("ES256", NULL), p, NULL,
	    NULL), JF_E_SIGNATURE);
	expect("kid, signer beyond TOK_MAX_TRIES",
	    signed_tok(many[NKEYS_MANY - 1], hdr("ES256", many[NKEYS_MANY - 1]),
	    p, NULL, NULL), JF_OK);
}

static void
test_header(void)
{
	struct json_object *j = key_to_jwk(K[K_EVIL]);
	char p[1024], jwk[1024], kid[512], *t;
	struct jf_msg m;
	size_t i;

	snprintf(p, sizeof(p), "%s", pay("https://a.example", NULL));
	ok(j != NULL, "attacker JWK");
	snprintf(jwk, sizeof(jwk), "%s", json_object_to_json_string_ext(j,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	/* CVE-2018-0114: the attacker's key in the header, signed with it. */
	expect("embedded jwk", signed_tok(K[K_EVIL],
	    fmt("{\"alg\":\"ES256\",\"jwk\":%s}", jwk), p, NULL, NULL),
	    JF_E_HEADER);
	expect("embedded jwk with the attacker's kid", signed_tok(K[K_EVIL],
	    fmt("{\"alg\":\"ES256\",\"kid\":\"%s\",\"jwk\":%s}",
	    key_kid(K[K_EVIL]), jwk), p, NULL, NULL), JF_E_HEADER);
	expect("jku", signed_tok(K[K_EVIL], "{\"alg\":\"ES256\",\"jku\":"
	    "\"https://evil.example/jwks\"}", p, NULL, NULL), JF_E_HEADER);
	expect("x5u", signed_tok(K[K_EVIL], "{\"alg\":\"ES256\",\"x5u\":"
	    "\"https://evil.example/cert\"}", p, NULL, NULL), JF_E_HEADER);
	expect("x5c", signed_tok(K[K_EVIL], "{\"alg\":\"ES256\",\"x5c\":"
	    "[\"MIIB\"]}", p, NULL, NULL), JF_E_HEADER);
	expect("jku even with a valid kid and signature", signed_tok(K[K_ES256],
	    fmt("{\"alg\":\"ES256\",\"kid\":\"%s\",\"jku\":\"https://a\"}",
	    key_kid(K[K_ES256])), p, NULL, NULL), JF_E_HEADER);

	expect("kid path traversal", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"kid\":\"../../etc/passwd\"}", p, NULL, NULL),
	    JF_E_NO_KEY);
	t = signed_tok(K[K_ES256], "{\"alg\":\"ES256\",\"kid\":\"\\u0001\\\""
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "TAIL\"}", p, NULL, NULL);
	is(run(&rules, t, strlen(t), &m), JF_E_NO_KEY, "hostile kid");
	ok(strstr(m.s, "\\x01\\\"xxx") && strstr(m.s, "...") &&
	    !strstr(m.s, "TAIL"), "kid echoed escaped and cut at 64");
	diag("  %s", m.s);
	for (i = 0; i < 300; i++)
		kid[i] = 'k';
	kid[i] = '\0';
	expect("kid over 256 bytes", signed_tok(K[K_ES256],
	    fmt("{\"alg\":\"ES256\",\"kid\":\"%s\"}", kid), p, NULL, NULL),
	    JF_E_HEADER);
	expect("kid a number", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"kid\":7}", p, NULL, NULL), JF_E_HEADER);
	expect("kid with \\u0000 after a real kid", signed_tok(K[K_ES256],
	    fmt("{\"alg\":\"ES256\",\"kid\":\"%s\\u0000x\"}",
	    key_kid(K[K_ES256])), p, NULL, NULL), JF_E_TOKEN_MALFORMED);

	expect("unknown crit", signed_tok(K[K_ES256], fmt("{\"alg\":\"ES256\","
	    "\"kid\":\"%s\",\"crit\":[\"exp\"],\"exp\":1}",
	    key_kid(K[K_ES256])), p, NULL, NULL), JF_E_HEADER);
	expect("crit not an array", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"crit\":\"b64\"}", p, NULL, NULL), JF_E_HEADER);
	expect("crit empty array", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"crit\":[]}", p, NULL, NULL), JF_E_HEADER);
	expect("b64 false (RFC 7797)", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"b64\":false}", p, NULL, NULL), JF_E_HEADER);
	expect("b64 true is the default", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"b64\":true}", p, NULL, NULL), JF_OK);
	expect("typ not a string", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"typ\":5}", p, NULL, NULL), JF_E_HEADER);
	expect("any typ when the issuer requires none", signed_tok(K[K_ES256],
	    "{\"alg\":\"ES256\",\"typ\":\"whatever\"}", p, NULL, NULL), JF_OK);
}

static void
test_typ(void)
{
	static const struct { const char *typ; enum jf_err want; } t[] = {
		{ NULL, JF_E_HEADER }, { "JWT", JF_E_HEADER },
		{ "at+jwt", JF_OK }, { "AT+JWT", JF_OK },
		{ "application/at+jwt", JF_OK }, { "Application/At+JWT", JF_OK },
		{ "text/at+jwt", JF_E_HEADER }, { "at+jwt ", JF_E_HEADER },
		{ "application/", JF_E_HEADER },
	};
	char p[256];
	size_t i;

	snprintf(p, sizeof(p), "{\"iss\":\"https://typ.example\","
	    "\"aud\":\"api-a\",\"exp\":%ld}", NOW + 60);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect(fmt("issuer requires at+jwt, typ %s", t[i].typ ?
		    t[i].typ : "missing"), signed_tok(K[K_T], t[i].typ ?
		    fmt("{\"alg\":\"ES256\",\"typ\":\"%s\"}", t[i].typ) :
		    "{\"alg\":\"ES256\"}", p, NULL, NULL), t[i].want);
}

static void
test_shape(void)
{
	char t[4096], *u;
	size_t n, last;
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	snprintf(t, sizeof(t), "%s", good(K_ES256, "ES256", NULL));
	n = strlen(t);
	expect("reference token", t, JF_OK);
	expect("trailing dot (4 segments)", fmt("%s.", t), JF_E_TOKEN_MALFORMED);
	expect("trailing \" x\"", fmt("%s x", t), JF_E_TOKEN_MALFORMED);
	expect("trailing newline", fmt("%s\n", t), JF_E_TOKEN_MALFORMED);
	expect("leading space", fmt(" %s", t), JF_E_TOKEN_MALFORMED);
	expect("4 segments", fmt("%s.AAAA", t), JF_E_TOKEN_MALFORMED);
	u = fmt("%s", t);
	*strrchr(u, '.') = '\0';
	expect("2 segments", u, JF_E_TOKEN_MALFORMED);
	expect("1 segment", "eyJhbGciOiJFUzI1NiJ9", JF_E_TOKEN_MALFORMED);
	expect("empty string", "", JF_E_TOKEN_MALFORMED);
	expect("empty header", strchr(t, '.'), JF_E_TOKEN_MALFORMED);
	u = fmt("%s", t);
	memmove(strchr(u, '.') + 1, strrchr(u, '.'), strlen(strrchr(u, '.')) + 1);
	expect("empty payload", u, JF_E_TOKEN_MALFORMED);
	expect("'=' padding on the signature", fmt("%s==", t),
	    JF_E_TOKEN_MALFORMED);
	u = fmt("%s", t);
	u[strchr(u, '.') - u + 5] = ' ';
	expect("space inside the payload", u, JF_E_TOKEN_MALFORMED);
	u = fmt("%s", t);
	u[n - 3] = '+';
	expect("standard-alphabet '+'", u, JF_E_TOKEN_MALFORMED);
	/* 64 signature bytes leave 4 unused bits in the last character. */
	u = fmt("%s", t);
	last = (size_t)(strchr(b64, u[n - 1]) - b64);
	u[n - 1] = b64[last | 1];
	expect("non-canonical last character", u, JF_E_TOKEN_MALFORMED);
	expect_n("NUL byte inside", &rules, fmt("%s", t), n + 1,
	    JF_E_TOKEN_MALFORMED);
}

static void
test_json_shape(void)
{
	const unsigned char s[] = "sig";
	char p[1024];

	snprintf(p, sizeof(p), "%s", pay("https://a.example", NULL));
	expect("duplicate alg", raw("{\"alg\":\"ES256\",\"alg\":\"none\"}", p,
	    s, 3), JF_E_TOKEN_MALFORMED);
	expect("duplicate iss", signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    pay("https://a.example", ",\"iss\":\"https://b.example\""), NULL,
	    NULL), JF_E_TOKEN_MALFORMED);
	expect("header an array", raw("[\"ES256\"]", p, s, 3),
	    JF_E_TOKEN_MALFORMED);
	expect("header a string", raw("\"ES256\"", p, s, 3),
	    JF_E_TOKEN_MALFORMED);
	expect("header null", raw("null", p, s, 3), JF_E_TOKEN_MALFORMED);
	expect("header not JSON", raw("{alg:ES256}", p, s, 3),
	    JF_E_TOKEN_MALFORMED);
	expect("header too deep", raw("{\"alg\":\"ES256\",\"x\":[[[[[[[[[[[[[["
	    "[[[[1]]]]]]]]]]]]]]]]]}", p, s, 3), JF_E_TOKEN_MALFORMED);
	expect("payload an array", signed_tok(K[K_ES256],
	    hdr("ES256", K[K_ES256]), "[1]", NULL, NULL), JF_E_TOKEN_MALFORMED);
	expect("payload a number", signed_tok(K[K_ES256],
	    hdr("ES256", K[K_ES256]), "42", NULL, NULL), JF_E_TOKEN_MALFORMED);
	expect("payload trailing bytes", signed_tok(K[K_ES256],
	    hdr("ES256", K[K_ES256]), fmt("%s x", p), NULL, NULL),
	    JF_E_TOKEN_MALFORMED);
}

static void
claims(const char *name, const char *body, enum jf_err want)
{
	expect(name, signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    fmt("{\"iss\":\"https://a.example\"%s}", body), NULL, NULL), want);
}

static void
test_claims(void)
{
	struct jf_msg m;
	char *t;

	claims("aud a number", fmt(",\"aud\":1,\"exp\":%ld", NOW + 60),
	    JF_E_AUDIENCE);
	claims("aud an object", fmt(",\"aud\":{\"api-a\":1},\"exp\":%ld",
	    NOW + 60), JF_E_AUDIENCE);
	claims("aud array with a number (CVE-2020-26160)",
	    fmt(",\"aud\":[\"api-a\",7],\"exp\":%ld", NOW + 60), JF_E_AUDIENCE);
	claims("aud array with a nested array",
	    fmt(",\"aud\":[[\"api-a\"]],\"exp\":%ld", NOW + 60), JF_E_AUDIENCE);
	claims("aud empty array", fmt(",\"aud\":[],\"exp\":%ld", NOW + 60),
	    JF_E_AUDIENCE);
	claims("aud missing", fmt(",\"exp\":%ld", NOW + 60), JF_E_AUDIENCE);
	claims("aud wrong", fmt(",\"aud\":\"api-b\",\"exp\":%ld", NOW + 60),
	    JF_E_AUDIENCE);
	claims("aud case differs", fmt(",\"aud\":\"API-A\",\"exp\":%ld",
	    NOW + 60), JF_E_AUDIENCE);
	claims("aud null", fmt(",\"aud\":null,\"exp\":%ld", NOW + 60),
	    JF_E_AUDIENCE);
	expect("iss wrong", signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    pay("https://evil.example", NULL), NULL, NULL), JF_E_ISSUER);
	expect("iss with trailing slash", signed_tok(K[K_ES256],
	    hdr("ES256", K[K_ES256]), pay("https://a.example/", NULL), NULL,
	    NULL), JF_E_ISSUER);
	expect("iss missing", signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    fmt("{\"aud\":\"api-a\",\"exp\":%ld}", NOW + 60), NULL, NULL),
	    JF_E_ISSUER);
	expect("iss a number", signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    fmt("{\"iss\":1,\"aud\":\"api-a\",\"exp\":%ld}", NOW + 60), NULL,
	    NULL), JF_E_ISSUER);

	/* Times: now = NOW, leeway 60. */
	t = signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    fmt("{\"iss\":\"https://a.example\",\"aud\":\"api-a\",\"exp\":%ld}",
	    NOW - 133), NULL, NULL);
	is(run(&rules, t, strlen(t), &m), JF_E_EXPIRED, "expired");
	is_str(m.s, "token expired 133 s ago (leeway 60 s)", "expired message");
	claims("exp at the leeway edge", fmt(",\"aud\":\"api-a\",\"exp\":%ld",
	    NOW - 60), JF_OK);
	claims("exp one second past the edge", fmt(",\"aud\":\"api-a\","
	    "\"exp\":%ld", NOW - 61), JF_E_EXPIRED);
	claims("exp fractional, inside the edge", fmt(",\"aud\":\"api-a\","
	    "\"exp\":%ld.5", NOW - 60), JF_OK);
	claims("exp fractional, past the edge", fmt(",\"aud\":\"api-a\","
	    "\"exp\":%ld.5", NOW - 61), JF_E_EXPIRED);
	claims("exp missing", ",\"aud\":\"api-a\"", JF_E_CLAIM);
	{
		/* A Status List Token's exp is RECOMMENDED only. */
		struct tok_rules o = rules;

		o.exp_optional = 1;
		t = signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
		    "{\"iss\":\"https://a.example\",\"aud\":\"api-a\"}",
		    NULL, NULL);
		expect_n("exp missing, exp_optional: accepted", &o, t,
		    strlen(t), JF_OK);
		t = signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
		    fmt("{\"iss\":\"https://a.example\",\"aud\":\"api-a\","
		    "\"exp\":%ld}", NOW - 61), NULL, NULL);
		expect_n("exp_optional: a present exp still checked", &o, t,
		    strlen(t), JF_E_EXPIRED);
		t = signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
		    "{\"iss\":\"https://a.example\",\"aud\":\"api-a\","
		    "\"exp\":\"soon\"}", NULL, NULL);
		expect_n("exp_optional: a bad exp still refused", &o, t,
		    strlen(t), JF_E_CLAIM);
	}
	claims("exp a string", fmt(",\"aud\":\"api-a\",\"exp\":\"%ld\"",
	    NOW + 60), JF_E_CLAIM);
	claims("exp true", ",\"aud\":\"api-a\",\"exp\":true", JF_E_CLAIM);
	claims("exp null", ",\"aud\":\"api-a\",\"exp\":null", JF_E_CLAIM);
	claims("exp 1e300", ",\"aud\":\"api-a\",\"exp\":1e300", JF_E_CLAIM);
	claims("exp -1e300", ",\"aud\":\"api-a\",\"exp\":-1e300", JF_E_CLAIM);
	claims("exp 1e400 (infinite)", ",\"aud\":\"api-a\",\"exp\":1e400",
	    JF_E_TOKEN_MALFORMED);
	claims("exp beyond int64", ",\"aud\":\"api-a\","
	    "\"exp\":99999999999999999999", JF_E_TOKEN_MALFORMED);
	claims("exp INT64_MAX", ",\"aud\":\"api-a\","
	    "\"exp\":9223372036854775807", JF_E_CLAIM);
	claims("exp -1", ",\"aud\":\"api-a\",\"exp\":-1", JF_E_EXPIRED);
	claims("exp INT64_MIN", ",\"aud\":\"api-a\","
	    "\"exp\":-9223372036854775808", JF_E_CLAIM);
	claims("exp year 9999", ",\"aud\":\"api-a\",\"exp\":253402300799",
	    JF_OK);
	claims("nbf in the future", fmt(",\"aud\":\"api-a\",\"exp\":%ld,"
	    "\"nbf\":%ld", NOW + 600, NOW + 61), JF_E_NOT_YET_VALID);
	claims("nbf at the leeway edge", fmt(",\"aud\":\"api-a\",\"exp\":%ld,"
	    "\"nbf\":%ld", NOW + 600, NOW + 60), JF_OK);
	claims("nbf a string", fmt(",\"aud\":\"api-a\",\"exp\":%ld,"
	    "\"nbf\":\"0\"", NOW + 600), JF_E_CLAIM);
	claims("iat in the future", fmt(",\"aud\":\"api-a\",\"exp\":%ld,"
	    "\"iat\":%ld", NOW + 600, NOW + 61), JF_E_NOT_YET_VALID);
	claims("iat at the leeway edge", fmt(",\"aud\":\"api-a\",\"exp\":%ld,"
	    "\"iat\":%ld", NOW + 600, NOW + 60), JF_OK);
	claims("iat 1e300", fmt(",\"aud\":\"api-a\",\"exp\":%ld,\"iat\":1e300",
	    NOW + 600), JF_E_CLAIM);
	claims("expired beats wrong aud (order)", fmt(",\"aud\":\"zzz\","
	    "\"exp\":%ld", NOW - 600), JF_E_EXPIRED);
}

static void
test_size(void)
{
	struct tok_rules r = rules;
	char *pad = scratch(), *t, *big;
	size_t i;

	for (i = 0; i < 7000; i++)
		pad[i] = 'p';
	pad[i] = '\0';
	t = strdup(good(K_ES256, "ES256", fmt(",\"pad\":\"%s\"", pad)));
	ok(strlen(t) > TOK_MAX_BYTES_DEFAULT, "padded token over 8 KiB");
	expect("over the default max_bytes", t, JF_E_TOKEN_TOO_BIG);
	r.max_bytes = 16384;
	expect_n("accepted with max_bytes 16384", &r, t, strlen(t), JF_OK);
	r.max_bytes = strlen(t) - 1;
	expect_n("one byte over max_bytes", &r, t, strlen(t),
	    JF_E_TOKEN_TOO_BIG);
	r.max_bytes = strlen(t);
	expect_n("exactly max_bytes", &r, t, strlen(t), JF_OK);
	/* Over TOK_MAX_BYTES_LIMIT: only as a Status List Token may be. */
	for (i = 0; i < 49500; i++)
		pad[i] = 'p';
	pad[i] = '\0';
	free(t);
	t = strdup(good(K_ES256, "ES256", fmt(",\"pad\":\"%s\"", pad)));
	ok(strlen(t) > TOK_MAX_BYTES_LIMIT, "padded token over 64 KiB");
	r.max_bytes = TOK_MAX_BYTES_LIMIT;
	expect_n("refused at TOK_MAX_BYTES_LIMIT", &r, t, strlen(t),
	    JF_E_TOKEN_TOO_BIG);
	r.max_bytes = TOK_MAX_BYTES_SLIST;
	expect_n("accepted with max_bytes TOK_MAX_BYTES_SLIST", &r, t,
	    strlen(t), JF_OK);
	r.max_bytes = (size_t)-1;
	big = malloc(TOK_MAX_BYTES_SLIST + 1);
	if (big != NULL) {
		memset(big, 'A', TOK_MAX_BYTES_SLIST + 1);
		expect_n("max_bytes is capped at TOK_MAX_BYTES_SLIST", &r,
		    big, TOK_MAX_BYTES_SLIST + 1, JF_E_TOKEN_TOO_BIG);
	}
	free(big);
	free(t);
}

struct trace {
	int calls, fails;
	char last[32];
	int last_ok;
};

static void
explain(void *arg, int okay, const char *check, const char *detail)
{
	struct trace *tr = arg;

	tr->calls++;
	tr->fails += !okay;
	tr->last_ok = okay;
	snprintf(tr->last, sizeof(tr->last), "%s", check);
	ok(detail != NULL && *detail, fmt("explain %s: %s", check, detail));
}

static void
test_explain(void)
{
	struct trace tr = { 0, 0, "", 0 };
	struct tok *tk = NULL;
	char *t = good(K_ES256, "ES256", NULL);

	is(tok_verify(&rules, t, strlen(t), &tk, NULL, explain, &tr), JF_OK,
	    "explain: valid token (NULL msg)");
	ok(tr.calls >= 9 && tr.fails == 0, "explain: one call per check");
	is_str(tr.last, "aud", "explain: aud is the last check");
	tok_free(tk);
	memset(&tr, 0, sizeof(tr));
	t = signed_tok(K[K_ES256], hdr("ES256", K[K_ES256]),
	    fmt("{\"iss\":\"https://a.example\",\"aud\":\"api-a\",\"exp\":%ld}",
	    NOW - 600), NULL, NULL);
	is(tok_verify(&rules, t, strlen(t), &tk, NULL, explain, &tr),
	    JF_E_EXPIRED, "explain: expired token");
	ok(tr.fails == 1 && !tr.last_ok && strcmp(tr.last, "exp") == 0,
	    "explain: the refusal is reported last, once");
	ok(tk == NULL, "no token on failure");
}

static void
test_sign(void)
{
	static const int ks[] = { K_ES256, K_ES384, K_RS256, K_PS256, K_EDDSA };
	static const size_t siglen[] = { 64, 96, 256, 256, 64 };
	struct json_object *c = json_object_new_object();
	struct tok *tk = NULL;
	struct jf_msg m = { "" };
	unsigned char sig[JF_ALG_SIG_MAX];
	char *out = NULL;
	size_t i, n;

	json_object_object_add(c, "iss", json_object_new_string("https://a.example"));
	json_object_object_add(c, "aud", json_object_new_string("api-x"));
	json_object_object_add(c, "exp", json_object_new_int64(NOW + 60));
	json_object_object_add(c, "scope", json_object_new_string("read write"));
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		const char *alg = jf_alg_name(key_sign_alg(K[ks[i]]));

		is(tok_sign(K[ks[i]], NULL, c, &out, &m), JF_OK,
		    fmt("tok_sign %s", alg));
		if (out == NULL)
			continue;
		is(tok_verify(&rules, out, strlen(out), &tk, &m, NULL, NULL),
		    JF_OK, fmt("tok_sign %s verifies", alg));
		ok(b64url_decode(sig, &n, strrchr(out, '.') + 1,
		    strlen(strrchr(out, '.') + 1)) == 0 && n == siglen[i],
		    fmt("%s signature is %zu bytes", alg, siglen[i]));
		is_str(json_object_get_string(json_object_object_get(
		    (struct json_object *)tok_header(tk), "typ")), "JWT",
		    "typ defaults to JWT");
		is_str(tok_key_kid(tk), key_kid(K[ks[i]]), "kid in the header");
		tok_free(tk);
		tk = NULL;
		free(out);
		out = NULL;
	}
	is(tok_sign(K[K_ES256], "at+jwt", c, &out, &m), JF_OK, "tok_sign typ");
	ok(out && strncmp(out, "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6",
	    48) == 0, "header {\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":...}");
	free(out);
	out = NULL;
	json_object_put(c);
	c = json_object_new_array();
	is(tok_sign(K[K_ES256], NULL, c, &out, &m), JF_E_INTERNAL,
	    "claims must be an object");
	ok(out == NULL, "no output on failure");
	json_object_put(c);
}

static void
test_scopes(void)
{
	static const struct { const char *extra, *req; int want; } t[] = {
		{ ",\"scope\":\"read write\"", "read", 1 },
		{ ",\"scope\":\"read write\"", "write read", 1 },
		{ ",\"scope\":\"read write\"", "  read   ", 1 },
		{ ",\"scope\":\"read write\"", "read admin", 0 },
		{ ",\"scope\":\"read write\"", "rea", 0 },
		{ ",\"scope\":\"read write\"", "read write ", 1 },
		{ ",\"scope\":\"readwrite\"", "read", 0 },
		{ ",\"scope\":\"read write\"", "", 1 },
		{ ",\"scp\":[\"read\",\"write\"]", "write read", 1 },
		{ ",\"scp\":[\"read\",\"write\"]", "admin", 0 },
		{ ",\"scp\":[\"read write\"]", "read", 0 },
		{ ",\"scp\":[1,\"read\"]", "read", 1 },
		{ ",\"scp\":\"read\"", "read", 0 },
		{ ",\"scope\":[\"read\"]", "read", 0 },
		/* A scope string wins: scp is not read beside it. */
		{ ",\"scope\":\"read\",\"scp\":[\"admin\"]", "admin", 0 },
		{ ",\"scope\":\"read\",\"scp\":[\"admin\"]", "read", 1 },
		{ ",\"scope\":[\"x\"],\"scp\":[\"admin\"]", "admin", 1 },
		{ "", "read", 0 },
		{ "", "", 1 },
	};
	struct jf_msg m = { "" };
	struct tok *tk;
	size_t i;
	char *s;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tk = NULL;
		s = good(K_ES256, "ES256", t[i].extra);
		if (tok_verify(&rules, s, strlen(s), &tk, &m, NULL, NULL) != JF_OK)
			diag("%s", m.s);
		is(tok_has_scopes(tk, t[i].req), t[i].want,
		    fmt("scopes {%s} require \"%s\"", t[i].extra, t[i].req));
		tok_free(tk);
	}
	is(tok_has_scopes(NULL, "read"), 0, "NULL token grants nothing");
}

int
main(void)
{
	setup();
	test_valid();
	test_alg();
	test_signature();
	test_header();
	test_typ();
	test_shape();
	test_json_shape();
	test_claims();
	test_size();
	test_explain();
	test_sign();
	test_scopes();
	is(leaks, 0, "no message echoed the token; *out set iff JF_OK");
	jwks_free(set_a);
	jwks_free(set_b);
	jwks_free(set_t);
	jwks_free(set_many);
	return done_testing();
}

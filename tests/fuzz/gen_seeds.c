/* gen_seeds.c - writes tests/fuzz/keys/fuzz.jwks and the signed seed
 * corpora (token, authz) from the committed private keys, and the
 * authz seeds of tokens bound to tests/unit/certs/billing.pem.
 *
 * Run by `tools/fuzz.sh seeds`; the output is committed, so this only
 * needs re-running when the keys or the token rules change. ECDSA
 * (RFC 6979), Ed25519 and RS256 signatures are deterministic, so only
 * the PS256 seeds (random PSS salt) change on a re-run. Throwaway keys,
 * used for nothing else.
 *
 * Usage: gen_seeds FUZZDIR
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "fuzz.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "jose/token.h"

#define BUF_MAX 16384

static const char *dir;

static void
die(const char *what, const struct jf_msg *m)
{
	fprintf(stderr, "gen_seeds: %s: %s\n", what, m ? m->s : strerror(errno));
	exit(1);
}

static void
put(const char *sub, const char *name, const void *data, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, n, f) != n ||
	    fclose(f) != 0)
		die(path, NULL);
}

static struct jf_key *
load(const char *name)
{
	struct jf_key *k = NULL;
	struct jf_msg m;
	char path[4096];

	snprintf(path, sizeof(path), "%s/keys/%s", dir, name);
	if (key_load_file(&k, path, &m) != JF_OK)
		die(path, &m);
	return k;
}

/* b64url(s) appended at out[*o]. */
static void
enc(char *out, size_t *o, const void *s, size_t n)
{
	if (*o + B64URL_ENC_LEN(n) + 2 > BUF_MAX)
		die("token too long", NULL);
	*o += b64url_encode(out + *o, s, n);
}

/* A compact JWS from raw header and payload text. sigmode: 'k' signs
 * with k, 'z' is a zero signature of k's length, 'e' an empty one, 'h'
 * an HMAC-SHA256 keyed with hkey (algorithm confusion). */
static char *
jws(const char *hdr, const char *pl, const struct jf_key *k, int sigmode,
	const char *hkey)
{
	static char out[BUF_MAX];
	unsigned char sig[JF_ALG_SIG_MAX];
	size_t o = 0, siglen = sizeof(sig);

	enc(out, &o, hdr, strlen(hdr));
	out[o++] = '.';
	enc(out, &o, pl, strlen(pl));
	switch (sigmode) {
	case 'k':
	case 'z':
		if (key_sign(k, out, o, sig, &siglen) != JF_OK)
			die("key_sign", NULL);
		if (sigmode == 'z')
			memset(sig, 0, siglen);
		break;
	case 'h':
		siglen = 32;
		if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, hkey, strlen(hkey), out,
		    o, sig) != 0)
			die("hmac", NULL);
		break;
	default:
		siglen = 0;
	}
	out[o++] = '.';
	enc(out, &o, sig, siglen);
	return out;
}

static char *
hdr_for(char *buf, size_t room, const char *alg, const struct jf_key *k,
	const char *extra)
{
	snprintf(buf, room, "{\"alg\":\"%s\",\"kid\":\"%s\"%s}", alg,
	    k ? key_kid(k) : "", extra ? extra : "");
	return buf;
}

struct seed {
	const char *name;
	const char *alg;        /* header alg */
	int key;                /* 0 es, 1 rs, 2 ed, 3 rs pinned PS256 */
	const char *hextra;     /* more header members */
	const char *payload;
	int sigmode;
};

#define GOOD "\"iss\":\"" FUZZ_ISS "\",\"aud\":\"" FUZZ_AUD "\"," \
	"\"sub\":\"svc-a\",\"exp\":1700000300,\"iat\":1699999900"
#define GOOD_AT "\"iss\":\"" FUZZ_ISS_AT "\",\"aud\":\"" FUZZ_AUD "\"," \
	"\"sub\":\"svc-b\",\"exp\":1700000300"

/* Tokens bound to a certificate (RFC 8705 cnf): %s is billing.pem's
 * x5t#S256. Each goes to the authz corpus with billing.pem, with
 * impostor.pem and with no certificate. */
#define BOUND_AUD "\"aud\":\"" FUZZ_AUD "\",\"sub\":\"svc-c\"," \
	"\"exp\":1700000300"
static const struct {
	const char *name;
	const char *payload;    /* a format with one %s */
} bound_seeds[] = {
	{ "bound", "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD ",\"cnf\":"
	    "{\"x5t#S256\":\"%s\"}}" },
	{ "bound-issuer", "{\"iss\":\"https://bound.fuzz.test\"," BOUND_AUD
	    ",\"cnf\":{\"x5t#S256\":\"%s\"}}" },
	{ "bound-issuer-unbound", "{\"iss\":\"https://bound.fuzz.test\","
	    BOUND_AUD "%.0s}" },
	{ "cnf-string", "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD ",\"cnf\":"
	    "\"%s\"}" },
	{ "cnf-empty", "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD ",\"cnf\":"
	    "{}%.0s}" },
	{ "cnf-short", "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD ",\"cnf\":"
	    "{\"x5t#S256\":\"%.42s\"}}" },
	{ "cnf-jkt", "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD ",\"cnf\":"
	    "{\"jkt\":\"%s\"}}" },
	{ "cnf-x5t-jkt", "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD ",\"cnf\":"
	    "{\"x5t#S256\":\"%1$s\",\"jkt\":\"%1$s\"}}" },
};

static const struct seed seeds[] = {
	{ "es256", "ES256", 0, NULL, "{" GOOD ",\"scope\":\"read write\","
	    "\"roles\":[\"r1\",\"r2\"],\"tier\":2,\"admin\":true}", 'k' },
	{ "rs256", "RS256", 1, NULL, "{" GOOD ",\"scp\":[\"read\"]}", 'k' },
	{ "ps256", "PS256", 3, NULL, "{" GOOD "}", 'k' },
	{ "eddsa", "EdDSA", 2, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":"
	    "[\"x\",\"" FUZZ_AUD "\"],\"exp\":1700000300,\"nbf\":1699999000,"
	    "\"roles\":\"r1\",\"scope\":\"read\"}", 'k' },
	{ "at-jwt", "ES256", 0, ",\"typ\":\"at+jwt\"", "{" GOOD_AT "}", 'k' },
	{ "at-jwt-wrong-typ", "ES256", 0, ",\"typ\":\"JWT\"", "{" GOOD_AT "}",
	    'k' },
	{ "at-jwt-rs256", "RS256", 1, ",\"typ\":\"application/at+jwt\"",
	    "{" GOOD_AT "}", 'k' },
	{ "no-kid", "ES256", -1, NULL, "{" GOOD "}", 'k' },
	{ "alg-none", "none", -1, NULL, "{" GOOD "}", 'e' },
	{ "alg-None", "None", -1, NULL, "{" GOOD "}", 'e' },
	{ "hs256-pubkey", "HS256", 1, NULL, "{" GOOD "}", 'h' },
	{ "psychic-zero", "ES256", 0, NULL, "{" GOOD "}", 'z' },
	{ "es256-with-rs-kid", "ES256", 1, NULL, "{" GOOD "}", 'k' },
	{ "rs256-as-ps256", "PS256", 1, NULL, "{" GOOD "}", 'k' },
	{ "jwk-header", "ES256", 0, ",\"jwk\":{\"kty\":\"EC\"}", "{" GOOD "}",
	    'k' },
	{ "jku-header", "ES256", 0, ",\"jku\":\"https://evil.test/k\"",
	    "{" GOOD "}", 'k' },
	{ "x5c-header", "RS256", 1, ",\"x5c\":[\"MII\"]", "{" GOOD "}", 'k' },
	{ "crit", "ES256", 0, ",\"crit\":[\"exp\"]", "{" GOOD "}", 'k' },
	{ "b64-false", "ES256", 0, ",\"b64\":false", "{" GOOD "}", 'k' },
	{ "dup-alg", "ES256", 0, ",\"alg\":\"none\"", "{" GOOD "}", 'k' },
	{ "dup-iss", "ES256", 0, NULL, "{" GOOD ",\"iss\":\"https://x\"}",
	    'k' },
	{ "escaped-dup", "ES256", 0, NULL, "{" GOOD ",\"\\u0073ub\":\"x\"}",
	    'k' },
	{ "expired", "ES256", 0, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":\""
	    FUZZ_AUD "\",\"exp\":1699990000}", 'k' },
	{ "nbf-future", "ES256", 0, NULL, "{" GOOD ",\"nbf\":1700009000}",
	    'k' },
	{ "exp-string", "ES256", 0, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":\""
	    FUZZ_AUD "\",\"exp\":\"1700000300\"}", 'k' },
	{ "exp-huge", "ES256", 0, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":\""
	    FUZZ_AUD "\",\"exp\":1e300}", 'k' },
	{ "no-exp", "ES256", 0, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":\""
	    FUZZ_AUD "\"}", 'k' },
	{ "wrong-aud", "EdDSA", 2, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":"
	    "[\"https://evil.test\"],\"exp\":1700000300}", 'k' },
	{ "unknown-iss", "ES256", 0, NULL, "{\"iss\":\"https://evil.test\","
	    "\"aud\":\"" FUZZ_AUD "\",\"exp\":1700000300}", 'k' },
	{ "deep", "ES256", 0, NULL, "{" GOOD ",\"x\":[[[[[[[[[[[[[[[[[[1]]]]]]"
	    "]]]]]]]]]]]]}", 'k' },
	{ "ctl-sub", "ES256", 0, NULL, "{\"iss\":\"" FUZZ_ISS "\",\"aud\":\""
	    FUZZ_AUD "\",\"exp\":1700000300,\"sub\":\"a\\r\\nX-Evil: 1\"}",
	    'k' },
};

/* The whole of tests/unit/certs/NAME, NUL-terminated. */
static char *
cert_file(const char *name)
{
	static char buf[3][8192];
	static int next;
	char path[4096];
	FILE *f;
	size_t n;
	int i = next++ % 3;

	snprintf(path, sizeof(path), "%s/../unit/certs/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		die(path, NULL);
	n = fread(buf[i], 1, sizeof(buf[i]) - 1, f);
	fclose(f);
	buf[i][n] = '\0';
	return buf[i];
}

/* authz input: Bearer token, no policy, no offset, cert, route. */
static void
put_bound(const char *name, const char *tok, const char *cert,
	const char *route)
{
	static char buf[BUF_MAX + 8192];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "Bearer %s", tok);
	memcpy(buf + n, "\0\0\0\0", 4);
	n += 4;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", cert);
	if (route != NULL) {
		buf[n++] = '\0';
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", route);
	}
	put("corpus/authz", name, buf, n);
}

static void
bound_corpus(const struct jf_key *k)
{
	char *x5t = cert_file("billing.x5t"), *pem = cert_file("billing.pem"),
	    *other = cert_file("impostor.pem"), hdr[1024], pl[1024],
	    name[128];
	const char *t;
	size_t i;

	x5t[strcspn(x5t, "\n")] = '\0';
	hdr_for(hdr, sizeof(hdr), "ES256", k, NULL);
	for (i = 0; i < sizeof(bound_seeds) / sizeof(bound_seeds[0]); i++) {
		snprintf(pl, sizeof(pl), bound_seeds[i].payload, x5t);
		t = jws(hdr, pl, k, 'k', NULL);
		snprintf(name, sizeof(name), "%s-cert", bound_seeds[i].name);
		put_bound(name, t, pem, NULL);
		snprintf(name, sizeof(name), "%s-other", bound_seeds[i].name);
		put_bound(name, t, other, NULL);
		snprintf(name, sizeof(name), "%s-none", bound_seeds[i].name);
		put_bound(name, t, "", NULL);
	}
	/* JWT_REQUIRE_BOUND=1 on an unbound and on a bound token. */
	snprintf(pl, sizeof(pl), "{\"iss\":\"" FUZZ_ISS "\"," BOUND_AUD "}");
	put_bound("route-bound-unbound", jws(hdr, pl, k, 'k', NULL), pem, "1");
	snprintf(pl, sizeof(pl), bound_seeds[0].payload, x5t);
	put_bound("route-bound-bound", jws(hdr, pl, k, 'k', NULL), pem, "1");
}

int
main(int argc, char **argv)
{
	struct jf_key *k[4], *pub;
	struct jwks *ks;
	struct json_object *doc, *arr;
	struct jf_msg m;
	char hdr[1024], name[128], *pem = NULL, buf[BUF_MAX + 1024];
	const char *t, *s;
	size_t i, n;
	int j;

	if (argc != 2)
		return fprintf(stderr, "usage: gen_seeds FUZZDIR\n"), 2;
	dir = argv[1];
	k[0] = load("es256.key.pem");
	k[1] = load("rs256.key.pem");
	k[2] = load("eddsa.key.pem");
	k[3] = load("rs256.key.pem");
	if (key_pin_alg(k[3], JF_ALG_PS256, &m) != JF_OK)
		die("pin", &m);

	/* The JWKS the harnesses verify with: public halves, RSA unpinned so
	 * that one key serves both RS256 and PS256. */
	doc = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(doc, "keys", arr);
	for (j = 0; j < 3; j++) {
		struct json_object *jwk = key_to_jwk(k[j]);

		if (j == 1)
			json_object_object_del(jwk, "alg");
		json_object_array_add(arr, jwk);
	}
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	put("keys", "fuzz.jwks", s, strlen(s));
	put("corpus/jwks", "fuzz.jwks", s, strlen(s));
	json_object_put(doc);
	ks = jwks_new();
	for (j = 0; j < 3; j++) {
		if (key_public_pem(k[j], &pem, &n) != JF_OK ||
		    key_from_pem(&pub, pem, n, &m) != JF_OK)
			die("public pem", &m);
		free(pem);
		if (jwks_add(ks, pub, &m) != JF_OK)
			die("jwks_add", &m);
	}
	jwks_free(ks);

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		const struct seed *sd = &seeds[i];
		const struct jf_key *key = sd->key < 0 ? NULL : k[sd->key];
		const struct jf_key *signer = key ? key : k[0];

		if (sd->key < 0)
			snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\"%s}", sd->alg,
			    sd->hextra ? sd->hextra : "");
		else
			hdr_for(hdr, sizeof(hdr), sd->alg, key, sd->hextra);
		if (sd->sigmode == 'h') {
			if (key_public_pem(k[1], &pem, &n) != JF_OK)
				die("pem", NULL);
			t = jws(hdr, sd->payload, NULL, 'h', pem);
			free(pem);
		} else {
			t = jws(hdr, sd->payload, signer, sd->sigmode, NULL);
		}
		put("corpus/token", sd->name, t, strlen(t));
		/* The authorizer sees the same tokens behind "Bearer ", with
		 * the route's policy after NUL separators. */
		n = (size_t)snprintf(buf, sizeof(buf), "Bearer %s", t);
		snprintf(name, sizeof(name), "%s", sd->name);
		put("corpus/authz", name, buf, n);
		if (i < 4) {
			static const char pol[] = "read\0roles=r1 tier=2 admin=true";

			memcpy(buf + n, "\0", 1);
			memcpy(buf + n + 1, pol, sizeof(pol));
			snprintf(name, sizeof(name), "%s-policy", sd->name);
			put("corpus/authz", name, buf, n + 1 + sizeof(pol) - 1);
		}
	}
	bound_corpus(k[0]);
	for (j = 0; j < 4; j++)
		key_free(k[j]);
	return 0;
}

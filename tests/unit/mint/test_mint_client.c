/* test_mint_client.c - client authentication at the token endpoint
 * (src/mint/client.c) through mint_token_decide, against a state loaded
 * the way jwt-mint.fcgi loads it: client_secret_basic, client_secret_post
 * and private_key_jwt, each path and attack with its exact code; the
 * per-worker jti cache; the registry's "jwks" member; the metadata and
 * the assertion_max_lifetime key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "x509/cert.h"
#include "util/json.h"
#include "jose/key.h"
#include "util/log.h"
#include "mint.h"
#include "registry/registry.h"
#include "fixture.h"
#include "tap.h"
#include "jose/token.h"

#define FORM "application/x-www-form-urlencoded"
#define GRANT "grant_type=client_credentials"
#define BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ISS "https://mint.test/oauth"
#define TOKEP ISS "/token"
/* 43 characters, what jwt-fcgi register --client-secret prints. */
#define SECRET "Yq3vX0cE1mN4bR7tK9wL2pS5dF8gH6jZ0aB3cD4eF5g"

enum { K_ES, K_ES384, K_RSA, K_PS, K_ED, K_OTHER, K__N };
static struct jf_key *keys[K__N];
static char *billing_pem;

struct cparams {
	const char *verify;
	const char *cert;
	const char *authz;
	int plain;              /* 1: no HTTPS=on (plain HTTP) */
	const char *remote;     /* REMOTE_ADDR */
};

static const char *
param(void *arg, const char *name)
{
	const struct cparams *p = arg;

	if (strcmp(name, "HTTPS") == 0)
		return p->plain ? NULL : "on";
	if (strcmp(name, "REMOTE_ADDR") == 0)
		return p->remote;
	if (strcmp(name, "SSL_CLIENT_VERIFY") == 0)
		return p->verify;
	if (strcmp(name, "SSL_CLIENT_CERT") == 0)
		return p->cert;
	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return p->authz;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return FORM;
	return NULL;
}

/* noreturn: clang -Wsometimes-uninitialized otherwise warns about
 * values used after a bail(). */
static void bail(const char *what, const char *why)
	__attribute__((noreturn));

static void
bail(const char *what, const char *why)
{
	printf("Bail out! %s: %s\n", what, why);
	exit(1);
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, mode) != 0)
		bail("cannot write", path);
}

/* 64 hex digits of SHA-256(s). */
static void
sha256_hex(char out[65], const char *s)
{
	unsigned char d[32];
	size_t i;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), d);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* {"keys":[public JWK of each listed key]} as JSON text. */
static char *
jwks_of(const int *which, size_t n)
{
	struct json_object *o = json_object_new_object(), *a;
	char *t;
	size_t i;

	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, key_to_jwk(keys[which[i]]));
	json_object_object_add(o, "keys", a);
	t = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return t;
}

static struct mint_state *
load_state(const char *dir, const char *extra_conf)
{
	static const int signer[] = { K_ES, K_ES384, K_RSA, K_PS, K_ED };
	static const int other[] = { K_OTHER };
	struct mint_state *s = NULL;
	struct jf_key *k = NULL;
	struct jf_msg m;
	char path[600], text[1 << 16], hash[65], weak[65], *pem, *x5t;
	char *js, *jo;
	size_t len;

	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(k, &pem, &len) != JF_OK)
		bail("key", m.s);
	snprintf(path, sizeof(path), "%s/mint.pem", dir);
	put(path, pem, 0600);
	key_pem_free(pem, len);
	key_free(k);
	sha256_hex(hash, SECRET);
	sha256_hex(weak, "short");
	x5t = fixture_line("billing.x5t");
	js = jwks_of(signer, 5);
	jo = jwks_of(other, 1);
	snprintf(text, sizeof(text), "{\"services\":["
	    "{\"id\":\"app\",\"client_secret_sha256\":\"%s\",\"scopes\":"
	    "[\"read\"],\"default_scope\":[\"read\"],\"audiences\":"
	    "[\"https://a.test\"]},"
	    "{\"id\":\"a:b\",\"client_secret_sha256\":\"%s\",\"audiences\":"
	    "[\"https://a.test\"]},"
	    "{\"id\":\"off\",\"enabled\":false,\"client_secret_sha256\":\"%s\","
	    "\"audiences\":[\"https://a.test\"]},"
	    "{\"id\":\"weak\",\"client_secret_sha256\":\"%s\",\"audiences\":"
	    "[\"https://a.test\"]},"
	    "{\"id\":\"signer\",\"jwks\":%s,\"scopes\":[\"read\"],"
	    "\"audiences\":[\"https://a.test\"]},"
	    "{\"id\":\"other\",\"jwks\":%s,\"audiences\":[\"https://a.test\"]},"
	    "{\"id\":\"billing\",\"match\":{\"fingerprint\":\"%s\"},"
	    "\"client_secret_sha256\":\"%s\",\"audiences\":[\"https://a.test\"]}"
	    "]}", hash, hash, hash, weak, js, jo, x5t, hash);
	free(js);
	free(jo);
	free(x5t);
	snprintf(path, sizeof(path), "%s/registry.json", dir);
	put(path, text, 0644);
	snprintf(text, sizeof(text), "issuer = " ISS "\n"
	    "signing_key = %s/mint.pem\nregistry = %s/registry.json\n"
	    "state_dir = %s\n%s", dir, dir, dir, extra_conf);
	snprintf(path, sizeof(path), "%s/mint.conf", dir);
	put(path, text, 0644);
	if (mint_state_load(&s, path, &m) != JF_OK)
		bail("mint_state_load", m.s);
	return s;
}

/* --- assertions ------------------------------------------------------ */

#define DEF_ID "signer"
#define NOIAT -999999

struct jcase {
	const char *name;
	int key;
	const char *iss, *sub;          /* NULL: "signer"; "-": absent */
	const char *aud;                /* JSON; NULL: "ISS" */
	long exp, iat, nbf;             /* offsets from now; iat NOIAT: none */
	const char *jti;                /* NULL: unique; "-": absent */
	const char *cid;                /* client_id parameter */
	const char *type;               /* NULL: jwt-bearer; "-": absent */
	enum jf_err want;
};

static char *
assertion(const struct jcase *c, time_t now, size_t serial)
{
	struct json_object *cl = json_object_new_object();
	struct jf_msg m;
	char jti[32], *out = NULL;
	const char *iss = c->iss ? c->iss : DEF_ID;
	const char *sub = c->sub ? c->sub : DEF_ID;

	if (strcmp(iss, "-") != 0)
		json_object_object_add(cl, "iss", json_object_new_string(iss));
	if (strcmp(sub, "-") != 0)
		json_object_object_add(cl, "sub", json_object_new_string(sub));
	json_object_object_add(cl, "aud", json_tokener_parse(c->aud ? c->aud :
	    "\"" ISS "\""));
	json_object_object_add(cl, "exp", json_object_new_int64(now +
	    (c->exp ? c->exp : 60)));
	if (c->iat != NOIAT)
		json_object_object_add(cl, "iat", json_object_new_int64(now +
		    c->iat));
	if (c->nbf)
		json_object_object_add(cl, "nbf", json_object_new_int64(now +
		    c->nbf));
	snprintf(jti, sizeof(jti), "jti-%zu", serial);
	if (c->jti == NULL || strcmp(c->jti, "-") != 0)
		json_object_object_add(cl, "jti", json_object_new_string(
		    c->jti ? c->jti : jti));
	if (tok_sign(keys[c->key], NULL, cl, &out, &m) != JF_OK)
		bail("tok_sign", m.s);
	json_object_put(cl);
	return out;
}

/* header.payload.signature by hand, for what tok_sign refuses to make. */
static char *
forged(const char *hdr, const char *payload, const char *hmac_key)
{
	unsigned char mac[32];
	char *out = malloc(8192);
	size_t n;

	n = b64url_encode(out, (const unsigned char *)hdr, strlen(hdr));
	out[n++] = '.';
	n += b64url_encode(out + n, (const unsigned char *)payload,
	    strlen(payload));
	if (hmac_key != NULL) {
		gnutls_hmac_fast(GNUTLS_MAC_SHA256, hmac_key, strlen(hmac_key),
		    out, n, mac);
		out[n++] = '.';
		b64url_encode(out + n, mac, sizeof(mac));
	} else {
		strcpy(out + n, ".AAAA");       /* not empty: reach the alg */
	}
	return out;
}

static enum jf_err
decide(const struct mint_state *s, time_t now, const struct cparams *p,
	const char *body, struct mint_grant *g)
{
	memset(g, 0, sizeof(*g));
	mint_token_decide(s, now, param, (void *)p, body, strlen(body), g);
	return g->err;
}

static enum jf_err
post_assertion(const struct mint_state *s, time_t now, const char *a,
	const char *cid, const char *type, struct mint_grant *g)
{
	char body[12000];
	struct cparams p = { NULL, NULL, NULL, 0, NULL };

	snprintf(body, sizeof(body), GRANT "%s%s%s%s%s%s", type != NULL &&
	    strcmp(type, "-") == 0 ? "" : "&client_assertion_type=",
	    type != NULL && strcmp(type, "-") == 0 ? "" : type ? type : BEARER,
	    a ? "&client_assertion=" : "", a ? a : "",
	    cid ? "&client_id=" : "", cid ? cid : "");
	return decide(s, now, &p, body, g);
}

/* An issued token: sub, no cnf, and g's method. */
static void
check_issued(const struct mint_state *s, const struct mint_grant *g,
	const char *sub, time_t now, const char *name)
{
	struct tok_issuer is = { 0 };
	struct tok_rules r = { 0 };
	const char *auds[1] = { "https://a.test" };
	struct tok *t = NULL;
	struct jf_msg m = { "" };

	is.iss = ISS;
	is.keys = s->conf->keys;
	is.algs = JF_ALG_BIT(JF_ALG_ES256);
	is.aud = auds;
	is.naud = 1;
	is.typ = "at+jwt";
	r.issuers = &is;
	r.nissuers = 1;
	r.now = now;
	is(tok_verify(&r, g->token, strlen(g->token), &t, &m, NULL, NULL),
	    JF_OK, name);
	if (t == NULL) {
		diag("%s", m.s);
		return;
	}
	is_str(json_str(tok_claims(t), "sub"), sub, "  sub");
	ok(!json_object_object_get_ex(tok_claims(t), "cnf", NULL),
	    "  no cnf: a secret or an assertion binds nothing");
	tok_free(t);
}

static const struct jcase jcases[] = {
	{ "ES256, aud the issuer", K_ES, 0, 0, 0, 0, 0, 0, 0, 0, 0, JF_OK },
	{ "aud the issuer alone in an array", K_ES, 0, 0, "[\"" ISS "\"]", 0,
	  0, 0, 0, 0, 0, JF_OK },
	{ "RFC 10070: aud the token endpoint", K_ES, 0, 0, "\"" TOKEP "\"", 0,
	  0, 0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "RFC 10070: aud an array holding the issuer and another", K_ES, 0, 0,
	  "[\"https://x.test\",\"" ISS "\"]", 0, 0, 0, 0, 0, 0,
	  JF_E_INVALID_CLIENT },
	{ "RFC 10070: aud the issuer and the token endpoint", K_ES, 0, 0,
	  "[\"" ISS "\",\"" TOKEP "\"]", 0, 0, 0, 0, 0, 0,
	  JF_E_INVALID_CLIENT },
	{ "ES384", K_ES384, 0, 0, 0, 0, 0, 0, 0, 0, 0, JF_OK },
	{ "RS256", K_RSA, 0, 0, 0, 0, 0, 0, 0, 0, 0, JF_OK },
	{ "PS256", K_PS, 0, 0, 0, 0, 0, 0, 0, 0, 0, JF_OK },
	{ "EdDSA", K_ED, 0, 0, 0, 0, 0, 0, 0, 0, 0, JF_OK },
	{ "client_id given and equal to iss", K_ES, 0, 0, 0, 0, 0, 0, 0,
	  "signer", 0, JF_OK },
	{ "no iat: exp - now alone bounds it", K_ES, 0, 0, 0, 0, NOIAT, 0, 0,
	  0, 0, JF_OK },
	{ "wrong aud", K_ES, 0, 0, "\"https://elsewhere.test/token\"", 0, 0, 0,
	  0, 0, 0, JF_E_INVALID_CLIENT },
	{ "aud the token endpoint of another path", K_ES, 0, 0,
	  "\"" ISS "/token/\"", 0, 0, 0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "expired (beyond the 30 s leeway)", K_ES, 0, 0, 0, -31, -100, 0, 0,
	  0, 0, JF_E_INVALID_CLIENT },
	{ "nbf in the future", K_ES, 0, 0, 0, 0, 0, 100, 0, 0, 0,
	  JF_E_INVALID_CLIENT },
	{ "iss != sub", K_ES, 0, "app", 0, 0, 0, 0, 0, 0, 0,
	  JF_E_INVALID_CLIENT },
	{ "no sub", K_ES, 0, "-", 0, 0, 0, 0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "no iss", K_ES, "-", 0, 0, 0, 0, 0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "iss another service, signed by signer's key", K_ES, "other",
	  "other", 0, 0, 0, 0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "client_id != iss", K_ES, 0, 0, 0, 0, 0, 0, 0, "other", 0,
	  JF_E_INVALID_CLIENT },
	{ "signed by a key not in the service's jwks", K_OTHER, 0, 0, 0, 0, 0,
	  0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "service without jwks (client_secret only)", K_ES, "app", "app", 0,
	  0, 0, 0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "unknown client", K_ES, "nobody", "nobody", 0, 0, 0, 0, 0, 0, 0,
	  JF_E_INVALID_CLIENT },
	{ "no jti", K_ES, 0, 0, 0, 0, 0, 0, "-", 0, 0, JF_E_INVALID_CLIENT },
	{ "exp - now over assertion_max_lifetime", K_ES, 0, 0, 0, 301, NOIAT,
	  0, 0, 0, 0, JF_E_INVALID_CLIENT },
	{ "exp - iat over assertion_max_lifetime", K_ES, 0, 0, 0, 20, -290, 0,
	  0, 0, 0, JF_E_INVALID_CLIENT },
	{ "exp - now exactly assertion_max_lifetime", K_ES, 0, 0, 0, 300, 0,
	  0, 0, 0, 0, JF_OK },
	{ "client_assertion_type another", K_ES, 0, 0, 0, 0, 0, 0, 0, 0,
	  "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
	  JF_E_INVALID_CLIENT },
	{ "client_assertion without its type", K_ES, 0, 0, 0, 0, 0, 0, 0, 0,
	  "-", JF_E_INVALID_REQUEST },
};

static void
test_assertions(const struct mint_state *s, time_t now)
{
	struct mint_grant g;
	size_t i;
	char *a;

	for (i = 0; i < sizeof(jcases) / sizeof(jcases[0]); i++) {
		const struct jcase *c = &jcases[i];

		a = assertion(c, now, i);
		is(post_assertion(s, now, a, c->cid, c->type, &g), c->want,
		    c->name);
		if (g.err != c->want)
			diag("%s", g.msg.s);
		if (c->want == JF_OK) {
			is(g.method, MINT_AUTH_JWT, "  method private_key_jwt");
			check_issued(s, &g, "signer", now, "  token verifies");
		} else {
			ok(g.token == NULL && g.msg.s[0] != '\0',
			    "  no token, a reason");
		}
		mint_grant_clear(&g);
		free(a);
	}
}

static void
test_forged(const struct mint_state *s, time_t now)
{
	char payload[512], hdr[256], *a, *pem;
	struct mint_grant g;
	size_t len;

	snprintf(payload, sizeof(payload), "{\"iss\":\"signer\",\"sub\":"
	    "\"signer\",\"aud\":\"" ISS "\",\"exp\":%ld,\"jti\":\"f1\"}",
	    (long)now + 60);
	a = forged("{\"alg\":\"none\"}", payload, NULL);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "alg none");
	diag("%s", g.msg.s);
	free(a);
	/* Algorithm confusion: the public key as an HMAC secret. */
	if (key_public_pem(keys[K_ES], &pem, &len) != JF_OK)
		bail("key_public_pem", "");
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"kid\":\"%s\"}",
	    key_kid(keys[K_ES]));
	a = forged(hdr, payload, pem);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "HS256 with the public key as secret");
	diag("%s", g.msg.s);
	free(a);
	free(pem);
	is(post_assertion(s, now, "not.a.jwt!", NULL, NULL, &g),
	    JF_E_INVALID_CLIENT, "garbage assertion");
	is(post_assertion(s, now, "e30.e30.AAAA", NULL, NULL, &g),
	    JF_E_INVALID_CLIENT, "assertion without iss, no client_id");
}

/* The same assertion twice; then the cache growing, and full. */
static void
test_replay(struct mint_state *s, time_t now)
{
	struct jcase c = { "replay", K_ES, 0, 0, 0, 0, 0, 0, "once", 0, 0,
		JF_OK };
	struct mint_replay *keep = s->replay, *small = NULL;
	struct mint_grant g;
	char *a, *first = NULL;
	size_t i, bad = 0;

	a = assertion(&c, now, 0);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_OK, "first use");
	mint_grant_clear(&g);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "replayed jti refused");
	ok(strstr(g.msg.s, "jti already used") != NULL, "  says so");
	is(post_assertion(s, now + 80, a, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "after exp + leeway: expired, not accepted again");
	free(a);
	/* The same jti from another client is another assertion. */
	c.key = K_OTHER;
	c.iss = c.sub = "other";
	a = assertion(&c, now, 0);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_OK,
	    "same jti, another client");
	mint_grant_clear(&g);
	free(a);

	/* 3000 entries: nothing forgotten. */
	c.key = K_ES;
	c.iss = c.sub = NULL;
	c.jti = NULL;
	for (i = 0; i < 3000; i++) {
		a = assertion(&c, now, 1000 + i);
		if (post_assertion(s, now, a, NULL, NULL, &g) != JF_OK)
			bad++;
		mint_grant_clear(&g);
		if (i == 0)
			first = a;
		else
			free(a);
	}
	is(bad, 0, "3000 distinct assertions accepted");
	is(post_assertion(s, now, first, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "the first of them still refused after 3000 more");
	free(first);

	/* A cache for two has four slots (twice the entries asked for):
	 * the fifth live assertion finds no room and waits for expiry. */
	if (mint_replay_new(&small, 2) != JF_OK)
		bail("mint_replay_new", "");
	s->replay = small;
	for (i = 0; i < 5; i++) {
		a = assertion(&c, now, 9000 + i);
		post_assertion(s, now, a, NULL, NULL, &g);
		mint_grant_clear(&g);
		free(a);
	}
	is(g.err, JF_E_UNAVAILABLE, "cache full: 503, fail closed");
	a = assertion(&c, now + 100, 9100);
	is(post_assertion(s, now + 100, a, NULL, NULL, &g), JF_OK,
	    "entries past exp + leeway are dropped to make room");
	mint_grant_clear(&g);
	free(a);
	s->replay = keep;
	mint_replay_free(small);

	{
		/* One table for all workers: a jti one process saw is a
		 * replay in every other (the workers are forked processes). */
		struct mint_replay *r = NULL;
		struct jf_msg rm;
		pid_t pid;
		long ra;
		int st = 0;

		if (mint_replay_new(&r, 16) != JF_OK)
			bail("mint_replay_new", "");
		if ((pid = fork()) == 0)
			_exit(mint_replay_add(r, "svc", "j1", now + 60, now,
			    10, &ra, NULL) == JF_OK ? 0 : 1);
		waitpid(pid, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "replay: another process records a jti");
		is(mint_replay_add(r, "svc", "j1", now + 60, now, 10, &ra, &rm),
		    JF_E_INVALID_CLIENT, "replay: this process then refuses it");
		is(mint_replay_add(r, "other", "j1", now + 60, now, 10, &ra, &rm),
		    JF_OK, "replay: the same jti of another client is not a "
		    "replay");
		mint_replay_free(r);
	}
	{
		/* Fairness: a client at its quota is refused (429, with a
		 * Retry-After), the others keep being served, and it gets
		 * room again once its entries expire. */
		struct mint_replay *r = NULL;
		struct jf_msg rm;
		long ra = 0;
		char jti[32];
		int n_ok = 0, first_refused = -1;

		if (mint_replay_new(&r, 1000) != JF_OK)
			bail("mint_replay_new", "");
		for (i = 0; i < 120; i++) {
			snprintf(jti, sizeof(jti), "flood-%zu", i);
			if (mint_replay_add(r, "flooder", jti, now + 60, now, 100,
			    &ra, &rm) == JF_OK)
				n_ok++;
			else if (first_refused < 0)
				first_refused = i;
		}
		is(n_ok, 100, "quota: the flooding client gets its 100 entries");
		is(first_refused, 100, "quota: and is refused from the 101st");
		is(mint_replay_add(r, "flooder", "one-more", now + 60, now, 100,
		    &ra, &rm), JF_E_RATE_LIMITED, "quota: 429 for it");
		diag("retry after %ld s: %s", ra, rm.s);
		ok(ra > 0 && ra <= 60 + 64, "quota: a Retry-After within the "
		    "entries' life");
		ok(strstr(rm.s, "flooder") != NULL &&
		    strstr(rm.s, "replay_quota") != NULL, "quota: says who "
		    "and why");
		for (i = 0, n_ok = 0; i < 50; i++) {
			snprintf(jti, sizeof(jti), "calm-%zu", i);
			n_ok += mint_replay_add(r, "calm", jti, now + 60, now, 100,
			    &ra, &rm) == JF_OK;
		}
		is(n_ok, 50, "quota: another client is still served");
		is(mint_replay_add(r, "flooder", "later", now + 300, now + 200,
		    100, &ra, &rm), JF_OK, "quota: room again once its "
		    "entries expired");
		mint_replay_free(r);
	}
}

/* --- secrets ----------------------------------------------------------- */

struct scase {
	const char *name;
	const char *authz;              /* HTTP_AUTHORIZATION */
	const char *verify;             /* SSL_CLIENT_VERIFY */
	const char *body;
	enum jf_err want;
	enum mint_auth method;
	const char *sub;
	int hide;               /* 1: the answer must say only
	                         * MINT_AUTH_FAILED */
};

/* base64 of "app:" SECRET, "a%3Ab:" SECRET, ... */
#define B_APP "YXBwOllxM3ZYMGNFMW1ONGJSN3RLOXdMMnBTNWRGOGdINmpaMGFCM2NENGVGNWc="
#define B_AB "YSUzQWI6WXEzdlgwY0UxbU40YlI3dEs5d0wycFM1ZEY4Z0g2alowYUIzY0Q0ZUY1Zw=="
#define B_ABRAW "YTpiOllxM3ZYMGNFMW1ONGJSN3RLOXdMMnBTNWRGOGdINmpaMGFCM2NENGVGNWc="
#define B_WRONG "YXBwOllxM3ZYMGNFMW1ONGJSN3RLOXdMMnBTNWRGOGdINmpaMGFCM2NENGVGNWg="
#define B_NOBODY "bm9ib2R5OllxM3ZYMGNFMW1ONGJSN3RLOXdMMnBTNWRGOGdINmpaMGFCM2NENGVGNWc="
#define B_OFF "b2ZmOllxM3ZYMGNFMW1ONGJSN3RLOXdMMnBTNWRGOGdINmpaMGFCM2NENGVGNWc="
#define B_WEAK "d2VhazpzaG9ydA=="
#define B_NOPASS "YXBwOg=="
#define B_NOCOLON "YXBw"
#define B_SIGNER "c2lnbmVyOllxM3ZYMGNFMW1ONGJSN3RLOXdMMnBTNWRGOGdINmpaMGFCM2NENGVGNWc="

static const struct scase scases[] = {
	{ "Basic: right secret", "Basic " B_APP, NULL, GRANT, JF_OK,
	  MINT_AUTH_BASIC, "app", 0 },
	{ "Basic: scheme in lower case, bare POST", "basic " B_APP, NULL, "",
	  JF_OK, MINT_AUTH_BASIC, "app", 0 },
	{ "Basic: client_id with ':' sent as %3A", "Basic " B_AB, NULL, GRANT,
	  JF_OK, MINT_AUTH_BASIC, "a:b", 0 },
	{ "Basic: a raw ':' ends the client_id", "Basic " B_ABRAW, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 1 },
	{ "Basic: wrong secret", "Basic " B_WRONG, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 1 },
	{ "Basic: unknown client", "Basic " B_NOBODY, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 1 },
	{ "Basic: disabled service", "Basic " B_OFF, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 1 },
	{ "Basic: right but short secret", "Basic " B_WEAK, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 0 },
	{ "Basic: service without a secret", "Basic " B_SIGNER, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 1 },
	{ "Basic: bad base64", "Basic !!!!", NULL, GRANT, JF_E_INVALID_CLIENT,
	  MINT_AUTH_BASIC, NULL, 0 },
	{ "Basic: base64 without padding", "Basic YXBwOg", NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 0 },
	{ "Basic: non-zero unused bits", "Basic YXBwOh==", NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 0 },
	{ "Basic: empty secret", "Basic " B_NOPASS, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 0 },
	{ "Basic: no ':'", "Basic " B_NOCOLON, NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 0 },
	{ "Authorization: Bearer", "Bearer abc", NULL, GRANT,
	  JF_E_INVALID_CLIENT, MINT_AUTH_BASIC, NULL, 0 },
	{ "Basic and the same client_id in the body", "Basic " B_APP, NULL,
	  GRANT "&client_id=app", JF_OK, MINT_AUTH_BASIC, "app", 0 },
	{ "Basic and another client_id in the body", "Basic " B_APP, NULL,
	  GRANT "&client_id=signer", JF_E_INVALID_CLIENT, MINT_AUTH_BASIC,
	  NULL, 0 },
	{ "post: right secret", NULL, NULL,
	  GRANT "&client_id=app&client_secret=" SECRET, JF_OK, MINT_AUTH_POST,
	  "app", 0 },
	{ "post: client_id form-encoded", NULL, NULL,
	  GRANT "&client_id=a%3Ab&client_secret=" SECRET, JF_OK,
	  MINT_AUTH_POST, "a:b", 0 },
	{ "post: wrong secret", NULL, NULL,
	  GRANT "&client_id=app&client_secret=" SECRET "x",
	  JF_E_INVALID_CLIENT, MINT_AUTH_POST, NULL, 1 },
	{ "post: unknown client", NULL, NULL,
	  GRANT "&client_id=nobody&client_secret=" SECRET,
	  JF_E_INVALID_CLIENT, MINT_AUTH_POST, NULL, 1 },
	{ "post: disabled service", NULL, NULL,
	  GRANT "&client_id=off&client_secret=" SECRET, JF_E_INVALID_CLIENT,
	  MINT_AUTH_POST, NULL, 1 },
	{ "post: without client_id", NULL, NULL,
	  GRANT "&client_secret=" SECRET, JF_E_INVALID_REQUEST, MINT_AUTH_POST,
	  NULL, 0 },
	{ "two methods: Basic and client_secret", "Basic " B_APP, NULL,
	  GRANT "&client_id=app&client_secret=" SECRET, JF_E_INVALID_REQUEST,
	  MINT_AUTH_NONE, NULL, 0 },
	{ "two methods: Basic and a certificate", "Basic " B_APP, "SUCCESS",
	  GRANT, JF_E_INVALID_REQUEST, MINT_AUTH_NONE, NULL, 0 },
	{ "two methods: client_secret and a certificate", NULL, "SUCCESS",
	  GRANT "&client_id=billing&client_secret=" SECRET,
	  JF_E_INVALID_REQUEST, MINT_AUTH_NONE, NULL, 0 },
	{ "two methods: client_secret and client_assertion", NULL, NULL,
	  GRANT "&client_id=app&client_secret=" SECRET "&client_assertion_type="
	  BEARER "&client_assertion=a.b.c", JF_E_INVALID_REQUEST,
	  MINT_AUTH_NONE, NULL, 0 },
	{ "a certificate that failed, and a secret", NULL, "FAILED:x",
	  GRANT "&client_id=app&client_secret=" SECRET, JF_E_INVALID_REQUEST,
	  MINT_AUTH_NONE, NULL, 0 },
	{ "no certificate (NONE) and a secret", NULL, "NONE",
	  GRANT "&client_id=app&client_secret=" SECRET, JF_OK, MINT_AUTH_POST,
	  "app", 0 },
	{ "no method at all", NULL, NULL, GRANT, JF_E_INVALID_CLIENT,
	  MINT_AUTH_NONE, NULL, 0 },
	{ "the certificate alone still works", NULL, "SUCCESS", GRANT, JF_OK,
	  MINT_AUTH_TLS, NULL, 0 },
};

static void
test_secrets(const struct mint_state *s, time_t now)
{
	struct mint_grant g;
	size_t i;

	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct scase *c = &scases[i];
		struct cparams p = { c->verify, c->verify != NULL ? billing_pem :
			NULL, c->authz, 0, NULL };

		is(decide(s, now, &p, c->body, &g), c->want, c->name);
		if (g.err != c->want)
			diag("%s", g.msg.s);
		is(g.method, c->method, "  method");
		is(g.hide, c->hide, c->hide ? "  the answer says only "
		    MINT_AUTH_FAILED : "  the answer says why");
		if (c->want != JF_OK)
			ok(g.token == NULL && g.msg.s[0] != '\0',
			    "  no token, a reason");
		else if (c->sub != NULL)
			check_issued(s, &g, c->sub, now, "  token verifies");
		else
			is_str(g.service, "billing", "  the certificate's "
			    "service");
		mint_grant_clear(&g);
	}
}

/* `sec=$(jwt-fcgi register ...)` once captured a status line with the
 * secret: a line break in the Basic password is named for what it is. */
static void
test_secret_linebreak(const struct mint_state *s, time_t now)
{
	/* base64("app:jwt-fcgi register: added\n" SECRET) */
	char raw[256], authz[400];
	gnutls_datum_t in, out = { NULL, 0 };
	struct cparams p = { NULL, NULL, NULL, 0, NULL };
	struct mint_grant g;

	snprintf(raw, sizeof(raw), "app:status line\n%s", SECRET);
	in.data = (unsigned char *)raw;
	in.size = (unsigned)strlen(raw);
	if (gnutls_base64_encode2(&in, &out) != 0)
		bail("base64", "");
	snprintf(authz, sizeof(authz), "Basic %.*s", (int)out.size, out.data);
	gnutls_free(out.data);
	p.authz = authz;
	is(decide(s, now, &p, GRANT, &g), JF_E_INVALID_CLIENT,
	    "Basic secret with a line break: invalid_client");
	ok(strstr(g.msg.s, "line break") != NULL &&
	    strstr(g.msg.s, "send the secret alone") != NULL && !g.hide,
	    "  says it holds a line break (not \"form-urlencoding\")");
	diag("%s", g.msg.s);
	mint_grant_clear(&g);
}

/* --- registry, metadata, configuration --------------------------------- */

static void
test_registry(void)
{
	static const struct { const char *json; const char *msg; } bads[] = {
		{ "{\"services\":[{\"id\":\"a\",\"jwks\":[]}]}",
		  "services[0].jwks: expected a JWKS object {\"keys\":[...]}" },
		{ "{\"services\":[{\"id\":\"a\",\"jwks\":{\"keys\":[]}}]}",
		  "services[0].jwks: keys: empty" },
		{ "{\"services\":[{\"id\":\"a\",\"jwks\":{\"keys\":[{\"kty\":"
		  "\"oct\",\"k\":\"AAAA\"}]}}]}", "services[0].jwks: keys[0]: " },
		{ "{\"services\":[{\"id\":\"a\"}]}",
		  "services[0]: missing member \"match\"" },
	};
	static const int one[] = { K_ES };
	struct registry *reg = NULL;
	struct jf_msg m;
	char text[4096], *js;
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		m.s[0] = '\0';
		is(registry_parse(&reg, bads[i].json, strlen(bads[i].json), &m),
		    JF_E_CONFIG, bads[i].msg);
		if (strncmp(m.s, bads[i].msg, strlen(bads[i].msg)) != 0)
			diag("got \"%s\"", m.s);
		ok(strncmp(m.s, bads[i].msg, strlen(bads[i].msg)) == 0,
		    "  message");
	}
	js = jwks_of(one, 1);
	snprintf(text, sizeof(text), "{\"services\":[{\"id\":\"a\",\"jwks\":"
	    "%s}]}", js);
	free(js);
	is(registry_parse(&reg, text, strlen(text), &m), JF_OK,
	    "a service with only jwks (no match) loads");
	ok(reg != NULL && registry_svc_jwks(registry_service(reg, 0)) != NULL &&
	    jwks_count(registry_svc_jwks(registry_service(reg, 0))) == 1,
	    "  its key");
	registry_free(reg);
	/* A private key in the registry is refused (key_from_jwk). */
	snprintf(text, sizeof(text), "{\"services\":[{\"id\":\"a\",\"jwks\":"
	    "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrf"
	    "Vs_7kUVpvjN8CZ2XbWqYFQUTjUaW0Uyg\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJ"
	    "xWl7MmkZcDusAxyuf2A\"}]}}]}");
	is(registry_parse(&reg, text, strlen(text), &m), JF_E_CONFIG,
	    "a private JWK in jwks is refused");
	diag("%s", m.s);
}

static void
test_meta_conf(const struct mint_state *s, const char *dir)
{
	struct mint_conf *c = NULL;
	struct jf_msg m;
	char path[600], text[1024];

	ok(strstr(s->meta_json, "\"token_endpoint_auth_methods_supported\":["
	    "\"tls_client_auth\",\"client_secret_basic\",\"client_secret_post\","
	    "\"private_key_jwt\"]") != NULL, "metadata: the four methods");
	ok(strstr(s->meta_json, "\"token_endpoint_auth_signing_alg_values_"
	    "supported\":[\"ES256\",\"ES384\",\"RS256\",\"PS256\",\"EdDSA\"]") !=
	    NULL, "metadata: the assertion algorithms");
	is(s->conf->assertion_max_lifetime, 300, "assertion_max_lifetime "
	    "defaults to 300");
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = %s/mint.pem"
	    "\nregistry = x\nassertion_max_lifetime = 0\n", dir);
	put(path, text, 0644);
	is(mint_conf_load(&c, path, &m), JF_E_CONFIG,
	    "assertion_max_lifetime = 0 refused");
	ok(strstr(m.s, ":4: assertion_max_lifetime: expected seconds 1..3600, "
	    "got \"0\"") != NULL, "  precisely");
	mint_conf_free(c);
	c = NULL;
	is(s->conf->assertion_aud_rfc7523, 0, "assertion_audience defaults to "
	    "issuer (RFC 10070)");
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = %s/mint.pem"
	    "\nregistry = x\nassertion_audience = token_endpoint\n", dir);
	put(path, text, 0644);
	is(mint_conf_load(&c, path, &m), JF_E_CONFIG,
	    "assertion_audience = token_endpoint refused");
	ok(strstr(m.s, ":4: assertion_audience: expected issuer or rfc7523, "
	    "got \"token_endpoint\"") != NULL, "  precisely");
	mint_conf_free(c);
}

/* RFC 10070: the issuer as the only aud, each refusal saying which rule
 * (the caller holds the key); client-authentication+jwt accepted; and
 * assertion_audience = rfc7523, the compatibility switch. */
static void
test_rfc10070(const struct mint_state *s, const char *dir, time_t now)
{
	static const struct { const char *aud, *why; } t[] = {
		{ "\"" TOKEP "\"", "aud is the token endpoint URL; since RFC "
		  "10070 only the issuer '" ISS "' is (assertion_audience = "
		  "rfc7523 accepts both)" },
		{ "[\"" ISS "\",\"https://x.test\"]", "aud holds 2 values; RFC "
		  "10070 wants the issuer '" ISS "' as its only value" },
	};
	struct jcase c = { "", K_ES, 0, 0, 0, 0, 0, 0, 0, 0, 0, JF_OK };
	struct json_object *cl;
	struct mint_state *compat;
	struct mint_grant g;
	struct jf_msg m;
	char *a, want[300];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c.aud = t[i].aud;
		a = assertion(&c, now, 7000 + i);
		is(post_assertion(s, now, a, NULL, NULL, &g),
		    JF_E_INVALID_CLIENT, t[i].why);
		/* The answer's error_description: quotes become apostrophes. */
		snprintf(want, sizeof(want), "client_assertion: %s", t[i].why);
		for (size_t k = 0; g.msg.s[k] != '\0'; k++)
			if (g.msg.s[k] == '"')
				g.msg.s[k] = '\'';
		is_str(g.msg.s, want, "  says which rule, to the key holder");
		ok(!g.hide, "  not hidden: after the signature");
		free(a);
	}
	/* typ client-authentication+jwt: accepted, never required. */
	cl = json_object_new_object();
	json_object_object_add(cl, "iss", json_object_new_string(DEF_ID));
	json_object_object_add(cl, "sub", json_object_new_string(DEF_ID));
	json_object_object_add(cl, "aud", json_object_new_string(ISS));
	json_object_object_add(cl, "exp", json_object_new_int64(now + 60));
	json_object_object_add(cl, "jti", json_object_new_string("typed-1"));
	a = NULL;
	if (tok_sign(keys[K_ES], "client-authentication+jwt", cl, &a, &m) !=
	    JF_OK)
		bail("tok_sign", m.s);
	json_object_put(cl);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_OK,
	    "typ client-authentication+jwt accepted");
	mint_grant_clear(&g);
	free(a);

	compat = load_state(dir, "assertion_audience = rfc7523\n");
	c.aud = "\"" TOKEP "\"";
	a = assertion(&c, now, 7100);
	is(post_assertion(compat, now, a, NULL, NULL, &g), JF_OK,
	    "assertion_audience = rfc7523: the token endpoint accepted");
	mint_grant_clear(&g);
	free(a);
	c.aud = "[\"https://x.test\",\"" ISS "\"]";
	a = assertion(&c, now, 7101);
	is(post_assertion(compat, now, a, NULL, NULL, &g), JF_OK,
	    "assertion_audience = rfc7523: the issuer among others accepted");
	mint_grant_clear(&g);
	free(a);
	c.aud = "\"https://elsewhere.test/token\"";
	a = assertion(&c, now, 7102);
	is(post_assertion(compat, now, a, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "assertion_audience = rfc7523: another server still refused");
	free(a);
	mint_state_free(compat);
}

/* A shorter assertion_max_lifetime applies. */
static void
test_short_lifetime(const char *dir, time_t now)
{
	struct jcase c = { "", K_ES, 0, 0, 0, 61, 0, 0, 0, 0, 0, JF_OK };
	struct mint_state *s = load_state(dir, "assertion_max_lifetime = 60\n");
	struct mint_grant g;
	char *a;

	a = assertion(&c, now, 1);
	is(post_assertion(s, now, a, NULL, NULL, &g), JF_E_INVALID_CLIENT,
	    "assertion_max_lifetime = 60: a 61 s assertion refused");
	ok(strstr(g.msg.s, "over assertion_max_lifetime (60 s)") != NULL,
	    "  says so");
	free(a);
	mint_state_free(s);
}

int
main(void)
{
	char dir[] = "/tmp/test_mint_client.XXXXXX", cmd[128];
	struct mint_state *s;
	struct cert *crt = NULL;
	struct jf_msg m;
	time_t now;
	size_t i;

	log_init("test_mint_client", LOG_LVL_ERROR, 0);
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp", dir);
	if (key_generate(&keys[K_ES], JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_generate(&keys[K_ES384], JF_ALG_ES384, 0, &m) != JF_OK ||
	    key_generate(&keys[K_RSA], JF_ALG_RS256, 2048, &m) != JF_OK ||
	    key_generate(&keys[K_PS], JF_ALG_PS256, 2048, &m) != JF_OK ||
	    key_generate(&keys[K_ED], JF_ALG_EDDSA, 0, &m) != JF_OK ||
	    key_generate(&keys[K_OTHER], JF_ALG_ES256, 0, &m) != JF_OK)
		bail("key_generate", m.s);
	billing_pem = fixture("billing.pem", NULL);
	if (cert_parse(&crt, billing_pem, strlen(billing_pem), &m) != JF_OK)
		bail("cert_parse", m.s);
	/* Inside the certificate fixture's validity, whatever today is. */
	now = cert_not_before(crt) + 86400;
	cert_free(crt);
	/* Binding on: the secret and assertion tokens must still have no
	 * cnf (check_issued). */
	s = load_state(dir, "bind_certificate = yes\n");

	test_secrets(s, now);
	test_secret_linebreak(s, now);
	test_assertions(s, now);
	test_forged(s, now);
	test_replay(s, now);
	test_rfc10070(s, dir, now);
	test_registry();
	test_meta_conf(s, dir);
	test_short_lifetime(dir, now);

	mint_state_free(s);
	for (i = 0; i < K__N; i++)
		key_free(keys[i]);
	free(billing_pem);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

/* test_mint_cimd.c - client ID metadata document clients at the mint
 * (src/mint/cimdconf.c, cimd.c, assert.c, bearer.c): the mint.conf keys
 * and their refusals, the metadata, and every decision of the jwt-bearer
 * grant and of client_credentials with such a client's assertion, each
 * with its exact code. This process plays the fetcher: it writes each
 * document's keys (or a failed fetch) into the shared table the way the
 * fetcher process would; the fetching itself runs against a real TLS
 * host in tests/cimd_mint.bats.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "jose/key.h"
#include "jose/token.h"
#include "mint.h"
#include "net/docs.h"
#include "tap.h"
#include "util/json.h"
#include "util/log.h"

#define FORM "application/x-www-form-urlencoded"
#define ISS "https://mint.test/oauth"
#define API "https://api.test/counter"
#define API2 "https://reports.test"
#define HOST "https://client.test/cimd/"
#define REG HOST "registered.json"
#define UNREG HOST "stranger.json"
#define OFF HOST "off.json"
#define BROKEN HOST "broken.json"
#define OUTSIDE "https://other.test/cimd/x.json"
#define JWT_GRANT "grant_type=" MINT_GRANT_JWT
#define BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define NOIAT (-999999)

static struct jf_key *ck, *rogue, *signer;
static struct mint_cimd *table;
static char dir[] = "/tmp/test_mint_cimd.XXXXXX";
static time_t now;
static unsigned serial;

struct params {
	const char *verify;
	const char *authz;
};

static const char *
param(void *arg, const char *name)
{
	const struct params *p = arg;

	if (strcmp(name, "HTTPS") == 0)
		return "on";
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return FORM;
	if (p != NULL && strcmp(name, "SSL_CLIENT_VERIFY") == 0)
		return p->verify;
	if (p != NULL && strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return p->authz;
	return NULL;
}

static void bail(const char *what, const char *why)
	__attribute__((noreturn));

static void
bail(const char *what, const char *why)
{
	printf("Bail out! %s: %s\n", what, why);
	exit(1);
}

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0 || chmod(path, mode) != 0)
		bail("cannot write", path);
}

static char *
jwks_of(const struct jf_key *k)
{
	struct json_object *o = json_object_new_object(), *a;
	char *t;

	a = json_object_new_array();
	json_object_array_add(a, key_to_jwk(k));
	json_object_object_add(o, "keys", a);
	t = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return t;
}

/* The fetcher's work, done here: url's keys, or a failed fetch. */
static void
publish(const char *url, const char *why)
{
	struct docs *d = mint_cimd_docs(table);
	char *j = jwks_of(ck);
	int slot = docs_claim(d, url, MINT_CIMD_KIND, now, 3600);

	if (slot < 0)
		bail("docs_claim", url);
	if (why == NULL)
		docs_put(d, slot, url, j, strlen(j), now, now + 300);
	else
		docs_fail(d, slot, url, why, now, now + 300);
	free(j);
}

/* mint.conf (the allowlist and extra) and a registry with a document
 * client, a disabled one and a registered private_key_jwt service. */
static struct mint_state *
load(const char *extra)
{
	struct mint_state *s = NULL;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	char text[8192], *pem, *js;
	size_t len;

	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(k, &pem, &len) != JF_OK)
		bail("key", m.s);
	put("mint.pem", pem, 0600);
	key_pem_free(pem, len);
	key_free(k);
	js = jwks_of(signer);
	snprintf(text, sizeof(text), "{\"services\":["
	    "{\"id\":\"" REG "\",\"scopes\":[\"counter.read\","
	    "\"counter.write\"],\"default_scope\":[\"counter.read\"],"
	    "\"audiences\":[\"" API "\",\"" API2 "\"],\"claims\":{\"tier\":"
	    "\"gold\"}},"
	    "{\"id\":\"" OFF "\",\"enabled\":false,\"audiences\":[\"" API "\"]},"
	    "{\"id\":\"" BROKEN "\",\"audiences\":[\"" API "\"]},"
	    "{\"id\":\"signer\",\"jwks\":%s,\"scopes\":[\"read\"],"
	    "\"audiences\":[\"" API "\"]}]}", js);
	free(js);
	put("registry.json", text, 0644);
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
	    "%s/mint.pem\nregistry = %s/registry.json\ncimd_allow = " HOST
	    "\ncimd_cold_wait = 0\nstate_dir = %s\n%s", dir, dir, dir, extra);
	put("mint.conf", text, 0644);
	snprintf(text, sizeof(text), "%s/mint.conf", dir);
	if (mint_state_load(&s, text, &m) != JF_OK)
		bail("mint_state_load", m.s);
	s->cimd = table;
	return s;
}

/* A JWT iss = sub = id, signed by k; aud JSON; iat NOIAT: none. */
static char *
jwt(const struct jf_key *k, const char *id, const char *aud, const char *typ,
	long iat, const char *jti)
{
	struct json_object *cl = json_object_new_object();
	struct jf_msg m;
	char j[32], *out = NULL;

	json_object_object_add(cl, "iss", json_object_new_string(id));
	json_object_object_add(cl, "sub", json_object_new_string(id));
	json_object_object_add(cl, "aud", json_tokener_parse(aud));
	json_object_object_add(cl, "exp", json_object_new_int64(now + 60));
	if (iat != NOIAT)
		json_object_object_add(cl, "iat", json_object_new_int64(now +
		    iat));
	snprintf(j, sizeof(j), "jti-%u", serial++);
	json_object_object_add(cl, "jti", json_object_new_string(jti ? jti :
	    j));
	if (tok_sign(k, typ, cl, &out, &m) != JF_OK)
		bail("tok_sign", m.s);
	json_object_put(cl);
	return out;
}

static enum jf_err
post(const struct mint_state *s, const struct params *p, const char *body,
	struct mint_grant *g)
{
	memset(g, 0, sizeof(*g));
	mint_token_decide(s, now, param, (void *)p, body, strlen(body), g);
	return g->err;
}

/* The jwt-bearer grant with assertion a and more of the body. */
static enum jf_err
grant(const struct mint_state *s, const char *a, const char *more,
	struct mint_grant *g)
{
	char body[12000];

	snprintf(body, sizeof(body), JWT_GRANT "&assertion=%s%s", a,
	    more ? more : "");
	return post(s, NULL, body, g);
}

/* The token's claims, verified with the mint's keys. */
static struct json_object *
claims_of(const struct mint_state *s, const struct mint_grant *g)
{
	const char *auds[1] = { g->aud };
	struct tok_issuer is = { 0 };
	struct tok_rules r = { 0 };
	struct json_object *c;
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
	if (g->token == NULL || tok_verify(&r, g->token, strlen(g->token), &t,
	    &m, NULL, NULL) != JF_OK) {
		diag("token: %s", m.s);
		return NULL;
	}
	c = json_object_get((struct json_object *)tok_claims(t));
	tok_free(t);
	return c;
}

/* Issued to id for aud with scope: its claims say so. */
static void
check_token(const struct mint_state *s, struct mint_grant *g, const char *id,
	const char *aud, const char *scope, const char *name)
{
	struct json_object *c = claims_of(s, g);

	if (!ok(c != NULL, name))
		return;
	is_str(json_str(c, "sub"), id, "  sub: the client's URL");
	is_str(json_str(c, "client_id"), id, "  client_id");
	is_str(json_str(c, "aud"), aud, "  aud");
	if (scope != NULL)
		is_str(json_str(c, "scope"), scope, "  scope");
	else
		ok(json_str(c, "scope") == NULL, "  no scope");
	json_object_put(c);
	mint_grant_clear(g);
}

static void
test_conf(void)
{
	static const struct { const char *text, *why; } t[] = {
		{ "cimd_refresh = 60\n", ":4: cimd_refresh: client ID metadata "
		  "documents are off: no cimd_allow" },
		{ "jwt_bearer_api_audience = yes\n", ":4: jwt_bearer_api_audience:"
		  " client ID metadata documents are off" },
		{ "cimd_allow = http://a.test/x/\n", ":4: cimd_allow "
		  "http://a.test/x/: client_id URL: " },
		{ "cimd_allow = https://a.test/x?y/\n", ":4: cimd_allow "
		  "https://a.test/x?y/: a prefix ends its path with" },
		{ "cimd_allow = https://a.test/x/ https://a.test/x/\n",
		  ":4: cimd_allow: \"https://a.test/x/\" given twice" },
		{ "cimd_allow =\n", ":4: cimd_allow: expected client ID URLs" },
		{ "cimd_allow = https://a.test/x/\ncimd_default_scopes = a\n",
		  ":5: cimd_default_scopes: only with cimd_unregistered = "
		  "default" },
		{ "cimd_allow = https://a.test/x/\ncimd_unregistered = default\n",
		  ":5: cimd_unregistered = default needs cimd_default_audiences" },
		{ "cimd_allow = https://a.test/x/\ncimd_unregistered = maybe\n",
		  ":5: cimd_unregistered: expected refuse or default, got "
		  "\"maybe\"" },
		{ "cimd_allow = https://a.test/x/\ncimd_refresh = 600\n"
		  "cimd_max_stale = 60\n", ": cimd_max_stale (60 s) is under "
		  "cimd_refresh (600 s)" },
		{ "cimd_allow = https://a.test/x/\ncimd_cold_wait = 11\n",
		  ":5: cimd_cold_wait: expected seconds 0..10, got \"11\"" },
		{ "cimd_allow = https://a.test/x/\nfetch_allow = moon\n",
		  ":5: fetch_allow: " },
		{ "cimd_allow = https://a.test/x/\nfetch_ca_file = /nonexistent\n",
		  ":5: fetch_ca_file: /nonexistent is not a readable file" },
		{ "cimd_allow = https://a.test/x/\nfetch_timeout = 5\n"
		  "fetch_timeout = 6\n", ":6: fetch_timeout: given twice (first "
		  "on line 5)" },
	};
	struct mint_conf *c = NULL;
	struct jf_msg m;
	char text[1024], path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
		    "%s/mint.pem\nregistry = x\n%s", dir, t[i].text);
		put("bad.conf", text, 0644);
		m.s[0] = '\0';
		is(mint_conf_load(&c, path, &m), JF_E_CONFIG, t[i].why);
		ok(strstr(m.s, t[i].why) != NULL, "  message");
		if (strstr(m.s, t[i].why) == NULL)
			diag("got \"%s\"", m.s);
		mint_conf_free(c);
		c = NULL;
	}
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
	    "%s/mint.pem\nregistry = x\ncimd_allow = https://a.test/x/\n"
	    "cimd_allow = https://b.test/one.json\ncimd_unregistered = default\n"
	    "cimd_default_scopes = a b\ncimd_default_audiences = " API "\n"
	    "fetch_allow = loopback private\nfetch_timeout = 1\n"
	    "cimd_cold_wait = 0\ncimd_cooldown = 5\njwt_bearer_api_audience = "
	    "yes\n", dir);
	put("bad.conf", text, 0644);
	if (!ok(mint_conf_load(&c, path, &m) == JF_OK, "every key loads")) {
		diag("%s", m.s);
		return;
	}
	ok(c->cimd.nallow == 2 && c->cimd.unregistered && c->cimd.nscopes == 2 &&
	    c->cimd.nauds == 1 && c->cimd.api_audience &&
	    c->cimd.fetch.total_ms == 1000 && c->cimd.fetch.connect_ms == 1000 &&
	    c->cimd.cold_wait_ms == 0 && c->cimd.cooldown == 5 &&
	    c->cimd.fetch.allow_nets != 0, "  their values");
	ok(mint_cimd_admits(&c->cimd, "https://a.test/x/svc.json") &&
	    mint_cimd_admits(&c->cimd, "https://b.test/one.json") &&
	    !mint_cimd_admits(&c->cimd, "https://b.test/one.jsonx") &&
	    !mint_cimd_admits(&c->cimd, "https://a.test/x/%2e%2e/y") &&
	    !mint_cimd_admits(&c->cimd, "https://a.test/y.json"),
	    "  the allowlist admits as the authorizer's [cimd] does");
	mint_conf_free(c);
}

/* A registry document client that cimd_allow does not admit stops the
 * load; so does a bad default policy. Metadata with and without. */
static void
test_state(void)
{
	struct mint_state *s = NULL;
	struct jf_msg m = { "" };
	char path[256], text[1024];

	s = load("");
	ok(strstr(s->meta_json, "\"grant_types_supported\":[\""
	    "client_credentials\",\"" MINT_GRANT_JWT "\"]") != NULL,
	    "metadata: the jwt-bearer grant with cimd_allow");
	ok(strstr(s->meta_json, "\"client_id_metadata_document_supported\":"
	    "true") != NULL, "metadata: client_id_metadata_document_supported");
	mint_state_free(s);
	snprintf(path, sizeof(path), "%s/mint.conf", dir);
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
	    "%s/mint.pem\nregistry = %s/registry.json\n", dir, dir);
	put("mint.conf", text, 0644);
	is(mint_state_load(&s, path, &m), JF_E_CONFIG, "a document client "
	    "without cimd_allow: refused at load");
	ok(strstr(m.s, "registry: services[0] " REG " is a client ID metadata "
	    "document client (no match, secret or jwks) and no cimd_allow "
	    "admits it") != NULL, "  says which and why");
	diag("%s", m.s);
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
	    "%s/mint.pem\nregistry = %s/registry.json\ncimd_allow = "
	    "https://client.test/cimd/registered.json "
	    "https://client.test/cimd/off.json " BROKEN "\n"
	    "cimd_unregistered = default\n"
	    "cimd_default_audiences = " API "\ncimd_default_scopes = a\"b\n",
	    dir, dir);
	put("mint.conf", text, 0644);
	is(mint_state_load(&s, path, &m), JF_E_CONFIG, "a default scope that "
	    "is no scope-token: refused at load");
	ok(strstr(m.s, "cimd_default_scopes, cimd_default_audiences: "
	    "cimd_default.scopes[0]: ") != NULL, "  says where");
	diag("%s", m.s);
	/* Without cimd_allow, nothing changes. */
	snprintf(text, sizeof(text), "{\"services\":[{\"id\":\"signer\","
	    "\"client_secret_sha256\":\"%064d\"}]}", 0);
	put("plain.json", text, 0644);
	snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
	    "%s/mint.pem\nregistry = %s/plain.json\n", dir, dir);
	put("mint.conf", text, 0644);
	if (mint_state_load(&s, path, &m) != JF_OK)
		bail("plain state", m.s);
	ok(strstr(s->meta_json, "\"grant_types_supported\":[\""
	    "client_credentials\"]") != NULL && strstr(s->meta_json,
	    "client_id_metadata_document") == NULL, "metadata without "
	    "cimd_allow: as before");
	mint_state_free(s);
}

/* The jwt-bearer grant, a table: each case's assertion, body and
 * answer. */
struct gcase {
	const char *name;
	int key;                /* 0: the client's, 1: a rogue key */
	const char *id;
	const char *aud;        /* JSON */
	const char *typ;
	long iat;
	const char *more;       /* more of the body */
	enum jf_err want;
	int hide;
	const char *why;        /* in g.msg */
	const char *scope, *tok_aud;    /* on JF_OK */
};

#define Q(x) "\"" x "\""

static const struct gcase gcases[] = {
	{ "registered document client: token for its only asked API", 0, REG,
	  Q(ISS), NULL, 0, "&resource=" API2, JF_OK, 0, NULL, "counter.read",
	  API2 },
	{ "scope narrowed within its scopes", 0, REG, Q(ISS), NULL, 0,
	  "&resource=" API "&scope=counter.write", JF_OK, 0, NULL,
	  "counter.write", API },
	{ "typ client-authentication+jwt refused as a grant", 0, REG, Q(ISS),
	  "client-authentication+jwt", 0, "&resource=" API,
	  JF_E_INVALID_GRANT, 0, "marks a client authentication JWT", NULL,
	  NULL },
	{ "typ JWT accepted", 0, REG, Q(ISS), "JWT", 0, "&resource=" API,
	  JF_OK, 0, NULL, "counter.read", API },
	{ "a scope it may not have: invalid_scope", 0, REG, Q(ISS), NULL, 0,
	  "&resource=" API "&scope=admin", JF_E_INVALID_SCOPE, 0,
	  "scope \"admin\" is not granted to client " REG, NULL, NULL },
	{ "an API it may not have: invalid_target", 0, REG, Q(ISS), NULL, 0,
	  "&resource=https://elsewhere.test", JF_E_INVALID_TARGET, 0,
	  "is not an audience of client " REG, NULL, NULL },
	{ "two APIs and no resource: invalid_target", 0, REG, Q(ISS), NULL, 0,
	  NULL, JF_E_INVALID_TARGET, 0, "has no default_audience: send "
	  "resource", NULL, NULL },
	{ "no iat: refused for a document client", 0, REG, Q(ISS), NULL,
	  NOIAT, "&resource=" API, JF_E_INVALID_GRANT, 0, "iat is required",
	  NULL, NULL },
	{ "the seed form (aud the API): refused by default", 0, REG, Q(API),
	  NULL, 0, NULL, JF_E_INVALID_GRANT, 0, "aud is the API \""
	  API "\", not this mint's issuer", NULL, NULL },
	{ "RFC 10070: aud the token endpoint", 0, REG, Q(ISS "/token"), NULL,
	  0, "&resource=" API, JF_E_INVALID_GRANT, 0, "since RFC 10070 only "
	  "the issuer", NULL, NULL },
	{ "a key the document does not name: hidden", 1, REG, Q(ISS), NULL, 0,
	  "&resource=" API, JF_E_INVALID_GRANT, 1, "no key", NULL, NULL },
	{ "unregistered, cimd_unregistered = refuse: hidden", 0, UNREG,
	  Q(ISS), NULL, 0, "&resource=" API, JF_E_INVALID_GRANT, 1,
	  "cimd_allow admits it, the registry does not list it, and "
	  "cimd_unregistered = refuse", NULL, NULL },
	{ "not on the allowlist: hidden", 0, OUTSIDE, Q(ISS), NULL, 0,
	  "&resource=" API, JF_E_INVALID_GRANT, 1, "unknown client_id", NULL,
	  NULL },
	{ "a disabled registered client: hidden", 0, OFF, Q(ISS), NULL, 0,
	  "&resource=" API, JF_E_INVALID_GRANT, 1, "is disabled", NULL, NULL },
	{ "a failed fetch of its document: said", 0, BROKEN, Q(ISS), NULL, 0,
	  "&resource=" API, JF_E_INVALID_GRANT, 0, "client " BROKEN ": client "
	  "metadata document refused: client_id mismatch", NULL, NULL },
	{ "client_id naming the same client", 0, REG, Q(ISS), NULL, 0,
	  "&resource=" API "&client_id=" REG, JF_OK, 0, NULL, "counter.read",
	  API },
	{ "client_id naming another: hidden", 0, REG, Q(ISS), NULL, 0,
	  "&resource=" API "&client_id=" UNREG, JF_E_INVALID_GRANT, 1, NULL,
	  NULL, NULL },
	{ "and a client_secret: invalid_request", 0, REG, Q(ISS), NULL, 0,
	  "&client_secret=x", JF_E_INVALID_REQUEST, 0, "send no other client "
	  "authentication (got client_secret", NULL, NULL },
	{ "and a client_assertion: invalid_request", 0, REG, Q(ISS), NULL, 0,
	  "&client_assertion_type=" BEARER "&client_assertion=a.b.c",
	  JF_E_INVALID_REQUEST, 0, "(got client_assertion", NULL, NULL },
};

static void
test_grant(const struct mint_state *s)
{
	struct mint_grant g;
	size_t i;
	char *a;

	for (i = 0; i < sizeof(gcases) / sizeof(gcases[0]); i++) {
		const struct gcase *c = &gcases[i];

		a = jwt(c->key ? rogue : ck, c->id, c->aud, c->typ, c->iat,
		    NULL);
		is(grant(s, a, c->more, &g), c->want, c->name);
		if (g.err != c->want || (c->why != NULL &&
		    strstr(g.msg.s, c->why) == NULL))
			diag("%s", g.msg.s);
		if (c->why != NULL)
			ok(strstr(g.msg.s, c->why) != NULL, "  the reason");
		is(g.hide, c->hide, c->hide ? "  the answer says only "
		    MINT_GRANT_FAILED : "  the answer says why");
		is(g.method, MINT_AUTH_BEARER, "  method jwt-bearer");
		if (c->want == JF_OK)
			check_token(s, &g, c->id, c->tok_aud, c->scope,
			    "  the token");
		mint_grant_clear(&g);
		free(a);
	}
}

/* The rest of the grant: assertion missing, replay, the grant off. */
static void
test_grant_more(const struct mint_state *s)
{
	struct params cert = { "SUCCESS", NULL }, basic = { NULL, "Basic eA==" };
	struct mint_state *off;
	struct mint_grant g;
	char *a, body[12000];

	is(post(s, NULL, JWT_GRANT "&resource=" API, &g), JF_E_INVALID_REQUEST,
	    "no assertion: invalid_request");
	ok(strstr(g.msg.s, "assertion missing") != NULL, "  says so");
	a = jwt(ck, REG, Q(ISS), NULL, 0, "once");
	is(grant(s, a, "&resource=" API, &g), JF_OK, "first use");
	mint_grant_clear(&g);
	is(grant(s, a, "&resource=" API, &g), JF_E_INVALID_GRANT,
	    "replayed jti: invalid_grant");
	ok(strstr(g.msg.s, "jti already used") != NULL && !g.hide,
	    "  says so");
	snprintf(body, sizeof(body), JWT_GRANT "&assertion=%s", a);
	is(post(s, &cert, body, &g), JF_E_INVALID_REQUEST, "with a client "
	    "certificate: invalid_request");
	is(post(s, &basic, body, &g), JF_E_INVALID_REQUEST, "with Basic: "
	    "invalid_request");
	free(a);
	/* A registered private_key_jwt service may use the grant too. */
	a = jwt(signer, "signer", Q(ISS), NULL, NOIAT, NULL);
	is(grant(s, a, NULL, &g), JF_OK, "a service with registry jwks: "
	    "granted (iat optional)");
	check_token(s, &g, "signer", API, NULL, "  its token");
	free(a);
	/* Without cimd_allow the grant does not exist. */
	{
		char path[256], text[1024];
		struct jf_msg m;

		a = jwks_of(signer);
		snprintf(body, sizeof(body), "{\"services\":[{\"id\":\"signer\","
		    "\"jwks\":%s,\"audiences\":[\"" API "\"]}]}", a);
		free(a);
		put("plain.json", body, 0644);
		snprintf(text, sizeof(text), "issuer = " ISS "\nsigning_key = "
		    "%s/mint.pem\nregistry = %s/plain.json\n", dir, dir);
		put("plain.conf", text, 0644);
		snprintf(path, sizeof(path), "%s/plain.conf", dir);
		if (mint_state_load(&off, path, &m) != JF_OK)
			bail("plain state", m.s);
		a = jwt(signer, "signer", Q(ISS), NULL, 0, NULL);
		is(grant(off, a, NULL, &g), JF_E_UNSUPPORTED_GRANT, "without "
		    "cimd_allow: unsupported_grant_type");
		ok(strstr(g.msg.s, "use client_credentials") != NULL, "  says "
		    "what is");
		free(a);
		mint_state_free(off);
	}
}

/* The default policy, and the seed form where allowed. */
static void
test_default_and_seed(void)
{
	struct mint_state *s = load("cimd_unregistered = default\n"
	    "cimd_default_scopes = counter.read\ncimd_default_audiences = " API
	    "\njwt_bearer_api_audience = yes\n");
	struct mint_grant g;
	char *a;

	a = jwt(ck, UNREG, Q(ISS), NULL, 0, NULL);
	is(grant(s, a, NULL, &g), JF_OK, "unregistered, cimd_unregistered = "
	    "default: granted, its only API");
	ok(g.cimd && strcmp(g.service, UNREG) == 0, "  the audit names the "
	    "client's URL");
	check_token(s, &g, UNREG, API, "counter.read", "  the default policy");
	free(a);
	a = jwt(ck, UNREG, Q(ISS), NULL, 0, NULL);
	is(grant(s, a, "&scope=counter.write", &g), JF_E_INVALID_SCOPE,
	    "  and nothing beyond it");
	free(a);
	a = jwt(ck, OFF, Q(ISS), NULL, 0, NULL);
	is(grant(s, a, NULL, &g), JF_E_INVALID_GRANT, "a disabled registered "
	    "client does not fall back to the default");
	free(a);
	/* Seed 001: the JWT the API refused goes to the mint as it is. */
	a = jwt(ck, REG, Q(API2), NULL, 0, NULL);
	is(grant(s, a, NULL, &g), JF_OK, "jwt_bearer_api_audience = yes: aud "
	    "the API, granted for that API");
	check_token(s, &g, REG, API2, "counter.read", "  the token is for it");
	free(a);
	a = jwt(ck, REG, Q(API2), NULL, 0, NULL);
	is(grant(s, a, "&resource=" API2, &g), JF_OK, "  resource may repeat "
	    "it");
	mint_grant_clear(&g);
	free(a);
	a = jwt(ck, REG, Q(API2), NULL, 0, NULL);
	is(grant(s, a, "&resource=" API, &g), JF_E_INVALID_TARGET, "  and "
	    "not name another");
	free(a);
	a = jwt(ck, REG, Q("https://elsewhere.test"), NULL, 0, NULL);
	is(grant(s, a, NULL, &g), JF_E_INVALID_GRANT, "  an API it may not "
	    "have stays refused");
	free(a);
	a = jwt(ck, REG, "[" Q(API) "," Q(ISS) "]", NULL, 0, NULL);
	is(grant(s, a, "&resource=" API, &g), JF_E_INVALID_GRANT, "  two "
	    "values: RFC 10070 still wants one");
	free(a);
	/* Client authentication stays RFC 10070's: the issuer only. */
	{
		char body[12000];

		a = jwt(ck, REG, Q(API), NULL, 0, NULL);
		snprintf(body, sizeof(body), "grant_type=client_credentials&"
		    "client_assertion_type=" BEARER "&client_assertion=%s&"
		    "resource=" API, a);
		is(post(s, NULL, body, &g), JF_E_INVALID_CLIENT, "  never for "
		    "client authentication");
		free(a);
	}
	mint_state_free(s);
}

/* client_credentials with a document client's private_key_jwt. */
static void
test_client_credentials(const struct mint_state *s)
{
	struct mint_grant g;
	char body[12000], *a;

	a = jwt(ck, REG, Q(ISS), "client-authentication+jwt", 0, NULL);
	snprintf(body, sizeof(body), "grant_type=client_credentials&"
	    "client_id=" REG "&client_assertion_type=" BEARER
	    "&client_assertion=%s&resource=" API, a);
	is(post(s, NULL, body, &g), JF_OK, "client_credentials, a document "
	    "client's assertion (typ client-authentication+jwt)");
	is(g.method, MINT_AUTH_JWT, "  method private_key_jwt");
	check_token(s, &g, REG, API, "counter.read", "  the token");
	free(a);
	a = jwt(ck, REG, Q(ISS), NULL, 0, NULL);
	snprintf(body, sizeof(body), "grant_type=client_credentials&"
	    "client_assertion_type=" BEARER "&client_assertion=%s&resource="
	    API2, a);
	is(post(s, NULL, body, &g), JF_OK, "  without client_id: its iss");
	check_token(s, &g, REG, API2, "counter.read", "  the token");
	free(a);
	a = jwt(ck, UNREG, Q(ISS), NULL, 0, NULL);
	snprintf(body, sizeof(body), "grant_type=client_credentials&"
	    "client_assertion_type=" BEARER "&client_assertion=%s", a);
	is(post(s, NULL, body, &g), JF_E_INVALID_CLIENT, "  unregistered: "
	    "invalid_client");
	ok(g.hide, "  hidden: " MINT_AUTH_FAILED);
	free(a);
}

int
main(void)
{
	struct mint_state *s;
	struct jf_msg m = { "" };
	char cmd[128];

	log_init("test_mint_cimd", LOG_LVL_ERROR, 0);
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp", dir);
	now = time(NULL);
	if (key_generate(&ck, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_generate(&rogue, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_generate(&signer, JF_ALG_ES256, 0, &m) != JF_OK ||
	    mint_cimd_new(&table, &m) != JF_OK)
		bail("setup", m.s);
	publish(REG, NULL);
	publish(UNREG, NULL);
	publish(OFF, NULL);
	publish(BROKEN, "client_id mismatch");

	s = load("");
	test_conf();
	test_state();
	mint_state_free(s);
	s = load("");
	test_grant(s);
	test_grant_more(s);
	test_client_credentials(s);
	mint_state_free(s);
	test_default_and_seed();

	mint_cimd_free(table);
	key_free(ck);
	key_free(rogue);
	key_free(signer);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

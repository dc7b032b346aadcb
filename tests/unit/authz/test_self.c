/* test_self.c - self-issued tokens through authz_decide (src/authz/self.c):
 * a [cimd] client's token verified with the keys this process puts in the
 * shared table itself (no network), the rules a self-issued token must
 * meet, the claims the configuration grants, the route's JWT_SELF_ISSUED
 * modes, the access token an exchange route issues and its own
 * verification, and the resource a challenge names. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../../src/authz/authz.h"
#include "../../src/authz/self.h"
#include "conf/cfg.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "jose/tcache.h"
#include "jose/token.h"
#include "net/docs.h"
#include "oauth/cimdkeys.h"
#include "tap.h"

#define NOW 1700000000L
#define CLIENT "https://svc.test/c/a.json"
#define API "https://api.test/v1"

struct params {
	const char *authorization;
	const char *mode;       /* JWT_SELF_ISSUED */
	const char *scope;      /* JWT_REQUIRE_SCOPE */
	const char *resource;   /* JWT_RESOURCE */
};

static const char *
param(void *arg, const char *name)
{
	const struct params *p = arg;

	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return p->authorization;
	if (strcmp(name, "JWT_SELF_ISSUED") == 0)
		return p->mode;
	if (strcmp(name, "JWT_REQUIRE_SCOPE") == 0)
		return p->scope;
	if (strcmp(name, "JWT_RESOURCE") == 0)
		return p->resource;
	return NULL;
}

static const char *
var(const struct authz_verdict *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nvars; i++)
		if (strcmp(v->vars[i].name, name) == 0)
			return v->vars[i].value;
	return NULL;
}

/* "Bearer " and a token signed by k with claims (a JSON object). */
static char *
bearer(const struct jf_key *k, const char *claims)
{
	struct json_object *o = json_tokener_parse(claims);
	struct jf_msg m;
	char *tok = NULL, *h = NULL;

	if (o != NULL && tok_sign(k, NULL, o, &tok, &m) == JF_OK &&
	    (h = malloc(strlen(tok) + 8)) != NULL)
		sprintf(h, "Bearer %s", tok);
	json_object_put(o);
	free(tok);
	return h;
}

static void
write_text(const char *dir, const char *name, const char *text, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fwrite(text, 1, n, f);
	fclose(f);
}

int
main(void)
{
	char dir[] = "/tmp/test_self.XXXXXX", path[600], claims[1024];
	struct jf_key *ck = NULL, *ak = NULL;
	struct jwks *set;
	struct cfg *c = NULL;
	struct docs *d = NULL;
	struct cimdk *k = NULL;
	struct tcache *tc;
	struct authz_verdict *v = calloc(1, sizeof(*v));
	struct authz_hooks h = { NULL, NULL, NULL, NULL };
	struct params p;
	struct jf_msg m = { "" };
	char *pem = NULL, *jwks, *tok, *at;
	size_t n;
	int s;

	if (v == NULL || mkdtemp(dir) == NULL ||
	    key_generate(&ck, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_generate(&ak, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(ak, &pem, &n) != JF_OK) {
		printf("Bail out! setup: %s\n", m.s);
		return 1;
	}
	write_text(dir, "at.pem", pem, n);
	key_pem_free(pem, n);
	snprintf(claims, sizeof(claims), "realm = api\njwks_cold_wait = 0\n"
	    "claim_var = tier JWT_TIER\n"
	    "access_token_issuer = https://api.test\n"
	    "access_token_key = at.pem\naccess_token_lifetime = 120\n"
	    "[cimd https://svc.test/c/]\naudience = " API "\n"
	    "scope = read\nclaim = tier gold\n"
	    "[resource " API "]\nauthorization_servers = https://mint.test\n");
	write_text(dir, "authz.conf", claims, strlen(claims));
	snprintf(path, sizeof(path), "%s/authz.conf", dir);
	if (cfg_load(&c, path, &m) != JF_OK ||
	    docs_new(&d, 4, 65536, &m) != JF_OK ||
	    cimdk_new(&k, d, &m) != JF_OK) {
		printf("Bail out! %s\n", m.s);
		return 1;
	}
	/* Play the fetcher: the client's keys, fetched now. */
	set = jwks_new();
	if (set == NULL || jwks_add(set, ck, &m) != JF_OK ||
	    (jwks = jwks_to_json(set)) == NULL) {
		printf("Bail out! jwks: %s\n", m.s);
		return 1;
	}
	s = docs_claim(d, CLIENT, SELF_KIND_CIMD, NOW, 3600);
	docs_put(d, s, CLIENT, jwks, strlen(jwks), (int64_t)time(NULL),
	    (int64_t)time(NULL) + 300);
	free(jwks);
	ck = NULL;      /* the set owns it */
	h.self = k;
	memset(&p, 0, sizeof(p));

#define TOKEN(fmt, ...) do { \
	snprintf(claims, sizeof(claims), fmt, __VA_ARGS__); \
	free(tok); \
	tok = bearer(jwks_get(set, 0), claims); \
	p.authorization = tok; \
} while (0)
	tok = NULL;
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,"
	    "\"exp\":%ld,\"scope\":\"admin\",\"tier\":\"platinum\"}", CLIENT,
	    CLIENT, API, NOW, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	is(v->err, JF_OK, "self-issued: accepted");
	if (v->err != JF_OK)
		diag("%s", v->msg.s);
	is_str(var(v, "JWT_SUB"), CLIENT, "... sub");
	is_str(var(v, "JWT_CLIENT_ID"), CLIENT, "... client_id = iss");
	is_str(var(v, "JWT_SCOPE"), "read", "... scope from the config, "
	    "not the token's admin");
	is_str(var(v, "JWT_TIER"), "gold", "... claims from the config");
	ok(v->at[0] == '\0', "... no access token on an accept route");
	ok(v->res != NULL && strcmp(v->res->id, API) == 0,
	    "... the challenge's resource: the first [resource]");

	p.scope = "admin";
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	is(v->err, JF_E_SCOPE, "the token's own scope grants nothing");
	p.scope = NULL;

	p.mode = "refuse";
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_ISSUER && strstr(v->msg.s, "does not take "
	    "self-issued tokens") != NULL, "refuse route");
	p.mode = "sometimes";
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	is(v->err, JF_E_CONFIG, "a bad JWT_SELF_ISSUED is the operator's");
	p.mode = NULL;
	p.resource = "https://nowhere.test";
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	is(v->err, JF_E_CONFIG, "an unknown JWT_RESOURCE is the operator's");
	p.resource = NULL;

	/* Flow 2. */
	p.mode = "exchange";
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_OK && v->at[0] != '\0' && v->at_life == 120,
	    "exchange route: an access token on the 200");
	at = malloc(strlen(v->at) + 8);
	sprintf(at, "Bearer %s", v->at);
	p.authorization = at;
	authz_decide(c, NULL, NOW + 1, param, &p, &h, v);
	is(v->err, JF_OK, "the access token opens the API");
	is_str(var(v, "JWT_ISS"), "https://api.test", "... its iss");
	is_str(var(v, "JWT_SUB"), CLIENT, "... its sub: the client");
	is_str(var(v, "JWT_AUD"), API, "... its aud: this API");
	is_str(var(v, "JWT_SCOPE"), "read", "... its scope");
	is_str(var(v, "JWT_TIER"), "gold", "... its claims");
	ok(v->at[0] == '\0', "... and brings no new one");
	authz_decide(c, NULL, NOW + 121 + 60, param, &p, &h, v);
	is(v->err, JF_E_EXPIRED, "... until its lifetime and leeway end");
	p.authorization = tok;
	p.mode = NULL;

	/* The rules of a self-issued token. */
	TOKEN("{\"iss\":\"%s\",\"sub\":\"x\",\"aud\":\"%s\",\"iat\":%ld,"
	    "\"exp\":%ld}", CLIENT, API, NOW, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_CLAIM && strstr(v->msg.s, "sub must equal its iss")
	    != NULL, "sub other than iss refused");
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"exp\":%ld}",
	    CLIENT, CLIENT, API, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_CLAIM && strstr(v->msg.s, "needs \"iat\"") != NULL,
	    "no iat refused");
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,"
	    "\"exp\":%ld}", CLIENT, CLIENT, API, NOW, NOW + 301);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_CLAIM && strstr(v->msg.s, "lives 301 s") != NULL,
	    "exp - iat over max_lifetime refused");
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"https://other\","
	    "\"iat\":%ld,\"exp\":%ld}", CLIENT, CLIENT, NOW, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	is(v->err, JF_E_AUDIENCE, "another API's token refused");
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,"
	    "\"exp\":%ld}", "https://svc.test/other.json",
	    "https://svc.test/other.json", API, NOW, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_ISSUER && strstr(v->msg.s, "not trusted") != NULL,
	    "a client off the allowlist refused");
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,"
	    "\"exp\":%ld}", "https://svc.test/c/b.json",
	    "https://svc.test/c/b.json", API, NOW, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_NO_KEY && strstr(v->msg.s, "client "
	    "https://svc.test/c/b.json: client metadata document not fetched "
	    "yet") != NULL, "a client whose document never came: no key, "
	    "saying why");
	if (v->err != JF_E_NO_KEY)
		diag("%d %s", v->err, v->msg.s);
	h.self = NULL;
	TOKEN("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,"
	    "\"exp\":%ld}", CLIENT, CLIENT, API, NOW, NOW + 60);
	authz_decide(c, NULL, NOW, param, &p, &h, v);
	ok(v->err == JF_E_NO_KEY && strstr(v->msg.s, "no fetcher runs") !=
	    NULL, "no fetcher: no key, saying why");
	h.self = k;

	/* A cached self-issued token on a refuse route is still refused. */
	tc = tcache_new(16);
	authz_decide(c, tc, NOW, param, &p, &h, v);
	is(v->err, JF_OK, "cached: first");
	p.mode = "refuse";
	authz_decide(c, tc, NOW, param, &p, &h, v);
	is(v->err, JF_E_ISSUER, "cached: refuse route still refuses");
	p.mode = NULL;
	tcache_free(tc);

	free(tok);
	free(at);
	jwks_free(set);
	key_free(ak);
	cimdk_free(k);
	docs_free(d);
	cfg_free(c);
	free(v);
	return done_testing();
}

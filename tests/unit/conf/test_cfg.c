/* test_cfg.c - the authorizer configuration: a good file with two issuers
 * and real keys made here, the defaults, every error with its "file:line:"
 * message, and the log module the configuration feeds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conf/cfg.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "util/log.h"
#include "tap.h"

static char dir[] = "/tmp/test_cfg.XXXXXX";
static char kid_ec[64], kid_rsa[64], kid_384[64], kid_jwks[64];

/* Replaces @D@ by the temp dir and @EC@, @RSA@, @384@, @JW@ by kids. */
static char *
subst(const char *t)
{
	static char out[8192];
	size_t n = 0;

	while (*t != '\0' && n < sizeof(out) - 128) {
		const char *r = NULL;
		size_t skip = 0;

		if (strncmp(t, "@D@", 3) == 0)
			r = dir, skip = 3;
		else if (strncmp(t, "@EC@", 4) == 0)
			r = kid_ec, skip = 4;
		else if (strncmp(t, "@RSA@", 5) == 0)
			r = kid_rsa, skip = 5;
		else if (strncmp(t, "@384@", 5) == 0)
			r = kid_384, skip = 5;
		else if (strncmp(t, "@JW@", 4) == 0)
			r = kid_jwks, skip = 4;
		if (r != NULL) {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", r);
			t += skip;
		} else
			out[n++] = *t++;
	}
	out[n] = '\0';
	return out;
}

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static void
make_key(enum jf_alg alg, const char *pub, const char *priv, char *kid)
{
	struct jf_key *k = NULL;
	struct jf_msg m = { .s = "" };
	char *pem = NULL;
	size_t len;

	if (key_generate(&k, alg, 0, &m) != JF_OK ||
	    key_public_pem(k, &pem, &len) != JF_OK) {
		printf("Bail out! key_generate %s: %s\n", jf_alg_name(alg), m.s);
		exit(1);
	}
	write_file(pub, pem);
	free(pem);
	if (priv != NULL) {
		if (key_private_pem(k, &pem, &len) != JF_OK) {
			printf("Bail out! key_private_pem\n");
			exit(1);
		}
		write_file(priv, pem);
		key_pem_free(pem, len);
	}
	snprintf(kid, 64, "%s", key_kid(k));
	key_free(k);
}

/* A JWKS file holding one fresh key of alg. */
static void
make_jwks(enum jf_alg alg, const char *name, char *kid)
{
	struct jf_key *k = NULL;
	struct jwks *s = jwks_new();
	struct jf_msg m = { .s = "" };
	char *json;

	if (s == NULL || key_generate(&k, alg, 0, &m) != JF_OK) {
		printf("Bail out! key_generate: %s\n", m.s);
		exit(1);
	}
	snprintf(kid, 64, "%s", key_kid(k));
	if (jwks_add(s, k, &m) != JF_OK || (json = jwks_to_json(s)) == NULL) {
		printf("Bail out! jwks: %s\n", m.s);
		exit(1);
	}
	write_file(name, json);
	free(json);
	jwks_free(s);
}

static struct cfg *
load(const char *text, enum jf_err *rc, struct jf_msg *m)
{
	struct cfg *c = (struct cfg *)&c;       /* must become NULL on error */
	char path[256];

	write_file("c.conf", subst(text));
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	m->s[0] = '\0';
	*rc = cfg_load(&c, path, m);
	return c;
}

static const char good_conf[] =
	"# two issuers, keys by relative and absolute path\n"
	"realm = api.example\n"
	"leeway = 3600\n"
	"max_token_bytes = 4096\n"
	"log_level = debug\n"
	"claim_var = email JWT_EMAIL\n"
	"claim_var = https://x.test/tenant X_TENANT\n"
	"\n"
	"[issuer https://a.test]\n"
	"key_file = ec.pub.pem\n"
	"jwks_file = @D@/a.jwks\n"
	"audience = https://api.test  https://api2.test\n"
	"audience = https://api3.test https://api.test\n"
	"typ = at+jwt\n"
	"require_bound = yes\n"
	"[issuer https://b.test]\n"
	"require_bound = no\n"
	"algorithms = RS256 EdDSA\n"
	"key_file = rsa.pub.pem\n"
	"key_file = @D@/ed.pub.pem\n"
	"audience = b\n";

static void
test_good(void)
{
	struct jf_msg m;
	struct tok_rules r;
	const struct tok_issuer *a, *b;
	const struct cfg_map *maps;
	const struct jf_key *rsa;
	enum jf_err rc;
	struct cfg *c;
	size_t n;

	c = load(good_conf, &rc, &m);
	is(rc, JF_OK, "good config loads");
	if (rc != JF_OK) {
		diag("%s", m.s);
		return;
	}
	is_str(cfg_realm(c), "api.example", "realm");
	is(cfg_log_level(c), LOG_LVL_DEBUG, "log_level");
	ok(strstr(cfg_path(c), "/c.conf") != NULL, "path kept");
	maps = cfg_maps(c, &n);
	is(n, 2, "two claim_var");
	is_str(maps[0].claim, "email", "claim 0");
	is_str(maps[0].var, "JWT_EMAIL", "var 0");
	is_str(maps[1].claim, "https://x.test/tenant", "claim 1");
	is_str(maps[1].var, "X_TENANT", "var 1");

	memset(&r, 0, sizeof(r));
	r.now = 12345;
	cfg_rules(c, &r);
	is(r.now, 12345, "cfg_rules leaves now alone");
	is(r.leeway, 3600, "leeway");
	is(r.max_bytes, 4096, "max_token_bytes");
	is(r.nissuers, 2, "two issuers");
	a = &r.issuers[0];
	b = &r.issuers[1];
	is_str(a->iss, "https://a.test", "issuer a");
	is(a->algs, JF_ALG_BIT(JF_ALG_ES256), "a: default algorithms ES256");
	is(a->naud, 3, "a: audiences merged, duplicates dropped");
	is_str(a->aud[0], "https://api.test", "a: aud 0");
	is_str(a->aud[2], "https://api3.test", "a: aud 2");
	is_str(a->typ, "at+jwt", "a: typ");
	is(jwks_count(a->keys), 2, "a: key_file + jwks_file");
	ok(jwks_find(a->keys, kid_ec) != NULL, "a: PEM key by relative path");
	ok(jwks_find(a->keys, kid_jwks) != NULL, "a: JWKS key");
	is_str(b->iss, "https://b.test", "issuer b");
	is(b->algs, JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_EDDSA),
	    "b: algorithms");
	is(b->naud, 1, "b: one audience");
	ok(b->typ == NULL, "b: any typ");
	is(jwks_count(b->keys), 2, "b: two keys");
	rsa = jwks_find(b->keys, kid_rsa);
	ok(rsa != NULL && key_allows(rsa, JF_ALG_RS256),
	    "b: RSA key does RS256");
	ok(rsa != NULL && !key_allows(rsa, JF_ALG_PS256),
	    "b: RSA key pinned: PS256 not allowed by this issuer");
	is(cfg_issuer_require_bound(c, a), 1, "a: require_bound = yes");
	is(cfg_issuer_require_bound(c, b), 0, "b: require_bound = no");
	is(cfg_issuer_require_bound(c, NULL), 0,
	    "require_bound of an issuer not in c: 0");
	cfg_free(c);
}

static void
test_defaults(void)
{
	struct jf_msg m;
	struct tok_rules r;
	enum jf_err rc;
	struct cfg *c;
	size_t n;

	c = load("[issuer x]\nkey_file = ec.pub.pem\naudience = y\n", &rc, &m);
	is(rc, JF_OK, "minimal config loads");
	if (rc != JF_OK) {
		diag("%s", m.s);
		return;
	}
	cfg_rules(c, &r);
	is_str(cfg_realm(c), "jwt-fcgi", "default realm");
	is(cfg_log_level(c), LOG_LVL_INFO, "default log_level");
	is(r.leeway, 60, "default leeway");
	is(r.max_bytes, 8192, "default max_token_bytes");
	is(r.issuers[0].algs, JF_ALG_BIT(JF_ALG_ES256), "default algorithms");
	cfg_maps(c, &n);
	is(n, 0, "no claim_var");
	cfg_free(c);
	cfg_free(NULL);
	ok(1, "cfg_free(NULL) is a no-op");
}

#define ISS "[issuer https://a.test]\n"
#define OK_ISS ISS "key_file = ec.pub.pem\naudience = api\n"

struct bad_case {
	const char *name;
	const char *conf;
	enum jf_err rc;
	const char *msg;        /* after "<dir>/c.conf" */
	/* NULL: msg is the whole message. Else msg is its start (the rest
	 * is another module's) and tail its end ("" for any). */
	const char *tail;
};

static const struct bad_case bad[] = {
	{ "unknown global key", "leway = 5\n" OK_ISS, JF_E_CONFIG,
	  ":1: unknown key \"leway\"", NULL },
	{ "unknown issuer key", OK_ISS "leway = 5\n", JF_E_CONFIG,
	  ":4: unknown key \"leway\" in [issuer https://a.test]", NULL },
	{ "global key inside a section", OK_ISS "realm = x\n", JF_E_CONFIG,
	  ":4: unknown key \"realm\" in [issuer https://a.test] (global keys "
	  "go before the first section)", NULL },
	{ "unknown section", OK_ISS "[mint]\n", JF_E_CONFIG,
	  ":4: unknown section [mint] (expected issuer, cimd or resource)",
	  NULL },
	{ "syntax error from the reader", "[Issuer x]\n", JF_E_CONFIG,
	  ":1: section name: expected [a-z0-9_]+, got 'I' at column 2", NULL },
	{ "leeway not a number", "leeway = abc\n" OK_ISS, JF_E_CONFIG,
	  ":1: leeway: expected seconds 0..3600, got \"abc\"", NULL },
	{ "cache_entries too big", "cache_entries = 65537\n" OK_ISS, JF_E_CONFIG,
	  ":1: cache_entries: expected 0..65536, got \"65537\"", NULL },
	{ "cache_entries twice", "cache_entries = 0\ncache_entries = 1\n" OK_ISS,
	  JF_E_CONFIG, ":2: cache_entries: already set on line 1", NULL },
	{ "leeway too big", "leeway = 3601\n" OK_ISS, JF_E_CONFIG,
	  ":1: leeway: expected seconds 0..3600, got \"3601\"", NULL },
	{ "leeway negative", "leeway = -1\n" OK_ISS, JF_E_CONFIG,
	  ":1: leeway: expected seconds 0..3600, got \"-1\"", NULL },
	{ "leeway with unit", "leeway = 60s\n" OK_ISS, JF_E_CONFIG,
	  ":1: leeway: expected seconds 0..3600, got \"60s\"", NULL },
	{ "leeway huge", "leeway = 99999999999999999999999\n" OK_ISS,
	  JF_E_CONFIG, ":1: leeway: expected seconds 0..3600, got "
	  "\"99999999999999999999999\"", NULL },
	{ "leeway twice", "leeway = 1\nleeway = 2\n" OK_ISS, JF_E_CONFIG,
	  ":2: leeway: already set on line 1", NULL },
	{ "max_token_bytes too small", "max_token_bytes = 255\n" OK_ISS,
	  JF_E_CONFIG, ":1: max_token_bytes: expected bytes 256..65536, got "
	  "\"255\"", NULL },
	{ "max_token_bytes too big", "max_token_bytes = 65537\n" OK_ISS,
	  JF_E_CONFIG, ":1: max_token_bytes: expected bytes 256..65536, got "
	  "\"65537\"", NULL },
	{ "log_level unknown", "log_level = verbose\n" OK_ISS, JF_E_CONFIG,
	  ":1: log_level: expected error, warn, info or debug, got "
	  "\"verbose\"", NULL },
	{ "realm with a quote", "realm = a\"b\n" OK_ISS, JF_E_CONFIG,
	  ":1: realm: expected 1..128 printable ASCII characters without "
	  "'\"' or '\\', got \"a\"b\"", NULL },
	{ "realm with a backslash", "realm = a\\\n" OK_ISS, JF_E_CONFIG,
	  ":1: realm: expected 1..128 printable ASCII characters without "
	  "'\"' or '\\', got \"a\\\"", NULL },
	{ "realm with a tab", "realm = a\tb\n" OK_ISS, JF_E_CONFIG,
	  ":1: realm: expected 1..128", "" },
	{ "realm not ASCII", "realm = caf\xc3\xa9\n" OK_ISS, JF_E_CONFIG,
	  ":1: realm: expected 1..128", "" },
	{ "realm empty", "realm =\n" OK_ISS, JF_E_CONFIG,
	  ":1: realm: expected 1..128", "" },
	{ "realm twice", "realm = a\nrealm = b\n" OK_ISS, JF_E_CONFIG,
	  ":2: realm: already set on line 1", NULL },
	{ "claim_var one word", "claim_var = email\n" OK_ISS, JF_E_CONFIG,
	  ":1: claim_var: expected \"CLAIM VARIABLE\", got \"email\"", NULL },
	{ "claim_var three words", "claim_var = a B C\n" OK_ISS, JF_E_CONFIG,
	  ":1: claim_var: expected \"CLAIM VARIABLE\", got \"a B C\"", NULL },
	{ "claim_var lower-case variable", "claim_var = email email\n" OK_ISS,
	  JF_E_CONFIG, ":1: claim_var: variable: expected "
	  "[A-Z][A-Z0-9_]{0,63}, got \"email\"", NULL },
	{ "claim_var variable starts with a digit", "claim_var = e 1E\n"
	  OK_ISS, JF_E_CONFIG, ":1: claim_var: variable: expected "
	  "[A-Z][A-Z0-9_]{0,63}, got \"1E\"", NULL },
	{ "claim_var variable with a dash", "claim_var = e X-Y\n" OK_ISS,
	  JF_E_CONFIG, ":1: claim_var: variable: expected "
	  "[A-Z][A-Z0-9_]{0,63}, got \"X-Y\"", NULL },
	{ "claim_var variable of 65", "claim_var = e "
	  "A1234567890123456789012345678901234567890123456789012345678901234\n"
	  OK_ISS, JF_E_CONFIG, ":1: claim_var: variable: expected "
	  "[A-Z][A-Z0-9_]{0,63}", "" },
	{ "claim_var reserved JWT_SUB", "claim_var = email JWT_SUB\n" OK_ISS,
	  JF_E_CONFIG, ":1: claim_var: JWT_SUB is set by the authorizer "
	  "itself; choose another name", NULL },
	{ "claim_var reserved JWT_CLIENT_ID", "claim_var = c JWT_CLIENT_ID\n"
	  OK_ISS, JF_E_CONFIG, ":1: claim_var: JWT_CLIENT_ID is set by the "
	  "authorizer itself; choose another name", NULL },
	{ "claim_var policy input", "claim_var = s JWT_REQUIRE_SCOPE\n" OK_ISS,
	  JF_E_CONFIG, ":1: claim_var: JWT_REQUIRE_SCOPE: names starting with "
	  "JWT_REQUIRE_ are policy inputs from the web server", NULL },
	{ "claim_var duplicate variable", "claim_var = a X\nclaim_var = b X\n"
	  OK_ISS, JF_E_CONFIG, ":2: claim_var: variable X already set on "
	  "line 1", NULL },
	{ "cimd http prefix", "[cimd http://a.test/x/]\naudience = a\n",
	  JF_E_CONFIG, ":1: [cimd http://a.test/x/]: client_id URL: ", "" },
	{ "cimd no path", "[cimd https://a.test]\naudience = a\n",
	  JF_E_CONFIG, ":1: [cimd https://a.test]: client_id URL: a path is "
	  "required", NULL },
	{ "cimd prefix with query", "[cimd https://a.test/x?y/]\naudience = a\n",
	  JF_E_CONFIG, ":1: [cimd https://a.test/x?y/]: a prefix ends its path "
	  "with \"/\" and has no query", NULL },
	{ "cimd no audience", "[cimd https://a.test/x/]\n", JF_E_CONFIG,
	  ":1: [cimd https://a.test/x/]: audience is required: a self-issued "
	  "token must name this API", NULL },
	{ "cimd duplicate", "[cimd https://a.test/x/]\naudience = a\n"
	  "[cimd https://a.test/x/]\n", JF_E_CONFIG,
	  ":3: duplicate [cimd https://a.test/x/] (first on line 1)", NULL },
	{ "cimd reserved claim", "[cimd https://a.test/x/]\naudience = a\n"
	  "claim = scope all\n", JF_E_CONFIG, ":3: claim: scope is set by "
	  "the authorizer (use scope = for scopes)", NULL },
	{ "cimd lifetime", "[cimd https://a.test/x/]\naudience = a\n"
	  "max_lifetime = 3601\n", JF_E_CONFIG, ":3: max_lifetime: expected "
	  "seconds 1..3600, got \"3601\"", NULL },
	{ "cimd and issuer", "[issuer https://a.test/x/c]\nkey_file = "
	  "ec.pub.pem\naudience = api\n[cimd https://a.test/x/]\naudience = "
	  "a\n", JF_E_CONFIG, ":1: [issuer https://a.test/x/c] is also a "
	  "client of [cimd https://a.test/x/]", NULL },
	{ "access token key alone", "access_token_key = ec.priv.pem\n"
	  "[cimd https://a.test/x/]\naudience = a\n", JF_E_CONFIG,
	  ":1: access_token_key needs access_token_issuer too", NULL },
	{ "access token without cimd", "access_token_issuer = https://b\n"
	  "access_token_key = ec.priv.pem\n" OK_ISS, JF_E_CONFIG,
	  ":1: access_token_issuer: access tokens are issued for [cimd] "
	  "clients, and there is no [cimd] section", NULL },
	{ "access token public key", "access_token_issuer = https://b\n"
	  "access_token_key = ec.pub.pem\n[cimd https://a.test/x/]\n"
	  "audience = a\n", JF_E_CONFIG, ":2: access_token_key @D@/ec.pub.pem "
	  "is a public key: the authorizer signs with it", NULL },
	{ "cimd stale under refresh", "cimd_refresh = 600\ncimd_max_stale = "
	  "60\n[cimd https://a.test/x/]\naudience = a\n", JF_E_CONFIG,
	  ": cimd_max_stale (60 s) is under cimd_refresh (600 s): keys would "
	  "go stale between two looks", NULL },
	{ "resource http", "[resource http://a.test/v1]\n" OK_ISS,
	  JF_E_CONFIG, ":1: [resource]: expected the API's identifier, an "
	  "https URL without fragment, blanks or quotes, as in [resource "
	  "https://api.example.com/v1]", NULL },
	{ "resource http server", "[resource https://a.test/v1]\n"
	  "authorization_servers = http://m\n" OK_ISS, JF_E_CONFIG,
	  ":2: authorization_servers: http://m is not an https URL (an issuer "
	  "identifier)", NULL },
	{ "resource iss without servers", "[resource https://a.test/v1]\n"
	  "challenge_iss = yes\n" OK_ISS, JF_E_CONFIG, ":1: [resource "
	  "https://a.test/v1]: challenge_iss needs authorization_servers",
	  NULL },
	{ "resource same metadata", "[resource https://a.test]\n"
	  "[resource https://a.test/]\n" OK_ISS, JF_E_CONFIG,
	  ":2: [resource https://a.test/] has the metadata URL of line 1",
	  NULL },
	{ "no issuer", "realm = x\n", JF_E_CONFIG,
	  ": no [issuer ...] or [cimd ...] section: every token would be refused", NULL },
	{ "issuer without argument", "[issuer]\n", JF_E_CONFIG,
	  ":1: [issuer]: expected the exact \"iss\" value, as in "
	  "[issuer https://mint.example]", NULL },
	{ "issuer with a blank", "[issuer a b]\n", JF_E_CONFIG,
	  ":1: [issuer]: expected an \"iss\" value without blanks, got "
	  "\"a b\"", NULL },
	{ "duplicate issuer", OK_ISS "\n" OK_ISS, JF_E_CONFIG,
	  ":5: duplicate [issuer https://a.test] (first on line 1)", NULL },
	{ "algorithms none", ISS "algorithms = ES256 none\n", JF_E_CONFIG,
	  ":2: algorithms: \"none\" refused: it accepts unsigned tokens", NULL },
	{ "algorithms HS256", ISS "algorithms = HS256\n", JF_E_CONFIG,
	  ":2: algorithms: \"HS256\" refused: HMAC keys are shared secrets, "
	  "so whoever verifies could also mint tokens", NULL },
	{ "algorithms unknown", ISS "algorithms = RS512\n", JF_E_CONFIG,
	  ":2: algorithms: expected ES256, ES384, RS256, PS256 or EdDSA, got "
	  "\"RS512\"", NULL },
	{ "algorithms case-sensitive", ISS "algorithms = es256\n", JF_E_CONFIG,
	  ":2: algorithms: expected ES256, ES384, RS256, PS256 or EdDSA, got "
	  "\"es256\"", NULL },
	{ "algorithms empty", ISS "algorithms =\n", JF_E_CONFIG,
	  ":2: algorithms: expected ES256, ES384, RS256, PS256 or EdDSA, got "
	  "\"\"", NULL },
	{ "algorithms twice", ISS "algorithms = ES256\nalgorithms = ES384\n",
	  JF_E_CONFIG, ":3: algorithms: already set on line 2", NULL },
	{ "missing audience", "\n" ISS "key_file = ec.pub.pem\n", JF_E_CONFIG,
	  ":2: [issuer https://a.test]: audience is required", NULL },
	{ "empty audience", ISS "audience =\n", JF_E_CONFIG,
	  ":2: audience: expected one or more values, got \"\"", NULL },
	{ "too many audiences", ISS "audience = 1 2 3 4 5 6 7 8 9 10 11 12\n"
	  "audience = 13 14 15 16 17\n", JF_E_CONFIG,
	  ":3: audience: more than 16 values", NULL },
	{ "require_bound not yes or no", ISS "require_bound = 1\n",
	  JF_E_CONFIG, ":2: require_bound: expected yes or no, got \"1\"",
	  NULL },
	{ "require_bound twice", ISS "require_bound = yes\n"
	  "require_bound = yes\n", JF_E_CONFIG,
	  ":3: require_bound: already set on line 2", NULL },
	{ "require_bound is not global", "require_bound = yes\n" ISS,
	  JF_E_CONFIG, ":1: unknown key \"require_bound\"", NULL },
	{ "typ with a blank", ISS "typ = at+jwt jwt\n", JF_E_CONFIG,
	  ":2: typ: expected one media type such as at+jwt, got "
	  "\"at+jwt jwt\"", NULL },
	{ "missing key", "realm = r\n" ISS "audience = api\n", JF_E_CONFIG,
	  ":2: [issuer https://a.test]: no keys: add jwks_uri, metadata, key_file "
	  "or jwks_file",
	  NULL },
	{ "empty key_file", ISS "key_file =\n", JF_E_CONFIG,
	  ":2: key_file: expected a file name, got \"\"", NULL },
	{ "key cannot do the algorithm", ISS "key_file = ec.pub.pem\n"
	  "algorithms = RS256 PS256\naudience = api\n", JF_E_CONFIG,
	  ":2: key @EC@ in file @D@/ec.pub.pem cannot do any of RS256 PS256",
	  NULL },
	{ "P-384 key with the default ES256", ISS "key_file = p384.pub.pem\n"
	  "audience = api\n", JF_E_CONFIG,
	  ":2: key @384@ in file @D@/p384.pub.pem cannot do any of ES256", NULL },
	{ "JWKS key cannot do the algorithm", ISS "jwks_file = a.jwks\n"
	  "algorithms = EdDSA\naudience = api\n", JF_E_CONFIG,
	  ":2: key @JW@ in file @D@/a.jwks cannot do any of EdDSA", NULL },
	{ "private key file", ISS "audience = api\n"
	  "key_file = ec.priv.pem\n", JF_E_CONFIG,
	  ":3: key_file \"@D@/ec.priv.pem\" holds a private key: the "
	  "authorizer only verifies, give it the public key", NULL },
	{ "nonexistent key file", ISS "audience = api\n"
	  "key_file = nope.pem\n", JF_E_CONFIG,
	  ":3: key_file \"@D@/nope.pem\": ", "No such file or directory" },
	{ "nonexistent JWKS file", ISS "audience = api\n"
	  "jwks_file = /nonexistent/x.jwks\n", JF_E_CONFIG,
	  ":3: jwks_file \"/nonexistent/x.jwks\": ", "No such file or directory" },
	{ "same key twice", OK_ISS "key_file = @D@/ec.pub.pem\n", JF_E_CONFIG,
	  ":4: key_file \"@D@/ec.pub.pem\": ", "" },
	{ "not a key", ISS "audience = api\nkey_file = c.conf\n", JF_E_CONFIG,
	  ":3: key_file \"@D@/c.conf\": ", "" },
};

static void
test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[1024];
		struct jf_msg m;
		enum jf_err rc;
		struct cfg *c;
		int match;

		c = load(bad[i].conf, &rc, &m);
		is(rc, bad[i].rc, bad[i].name);
		ok(c == NULL, "nothing returned on error");
		snprintf(want, sizeof(want), "%s/c.conf%s", dir,
		    subst(bad[i].msg));
		want[JF_MSG_MAX - 1] = '\0';    /* messages are bounded */
		match = bad[i].tail ?
		    strncmp(m.s, want, strlen(want)) == 0 :
		    strcmp(m.s, want) == 0;
		if (match && bad[i].tail != NULL)
			match = strlen(m.s) >= strlen(bad[i].tail) &&
			    strcmp(m.s + strlen(m.s) - strlen(bad[i].tail),
			    bad[i].tail) == 0;
		if (!ok(match, bad[i].name))
			diag("got  \"%s\"\n# want \"%s\"%s%s", m.s, want,
			    bad[i].tail ? "..." : "",
			    bad[i].tail ? bad[i].tail : "");
		cfg_free(c);
	}
}

/* [cimd] and [resource]: which section a client ID falls in, the
 * access-token issuer the authorizer then trusts, the documents. */
static void
test_cimd_resource(void)
{
	static const char text[] =
	    "access_token_issuer = https://api.test\n"
	    "access_token_key = ec.priv.pem\n"
	    "[cimd https://a.test/svc/]\n"
	    "audience = https://api.test/v1\n"
	    "scope = read  write\nscope = admin\n"
	    "claim = tier gold plated\n"
	    "[cimd https://a.test/svc/team/]\n"
	    "audience = https://api.test/v2 https://api.test/v1\n"
	    "[cimd https://b.test/one.json]\n"
	    "audience = https://api.test/v1\n"
	    "max_lifetime = 60\n"
	    "[resource https://api.test/v1]\n"
	    "authorization_servers = https://mint.test\n"
	    "challenge_iss = yes\n";
	const struct cfg_cimd *s;
	const struct cfg_resource *r;
	struct tok_rules rules;
	struct jf_msg m;
	enum jf_err rc;
	struct cfg *c;
	const char *iss;
	long life;

	c = load(text, &rc, &m);
	if (!ok(rc == JF_OK && c != NULL, "cimd + resource config loads")) {
		diag("%s", m.s);
		return;
	}
	s = cfg_cimd_find(c, "https://a.test/svc/x.json");
	ok(s != NULL && strcmp(s->match, "https://a.test/svc/") == 0 &&
	    s->prefix && s->max_lifetime == 300, "prefix: defaults");
	is_str(s ? s->scope : NULL, "read write admin", "... scopes merged");
	ok(s != NULL && s->nclaims == 1 && strcmp(s->claims[0], "tier") == 0
	    && strcmp(s->claims[1], "gold plated") == 0, "... claim value "
	    "keeps its blanks");
	s = cfg_cimd_find(c, "https://a.test/svc/team/x.json");
	ok(s != NULL && s->naud == 2, "the longest prefix wins");
	ok(cfg_cimd_find(c, "https://a.test/svc/") == NULL,
	    "the prefix alone is no client");
	ok(cfg_cimd_find(c, "https://a.test/svcx/y") == NULL,
	    "a prefix matches whole path segments");
	ok(cfg_cimd_find(c, "https://a.test/svc/%2e%2e/evil") == NULL &&
	    cfg_cimd_find(c, "https://a.test/svc/%2F/x") == NULL &&
	    cfg_cimd_find(c, "https://a.test/svc/a\\b") == NULL,
	    "encoded dots, slashes and backslashes cannot leave a prefix");
	s = cfg_cimd_find(c, "https://b.test/one.json");
	ok(s != NULL && !s->prefix && s->max_lifetime == 60, "exact client");
	ok(cfg_cimd_find(c, "https://b.test/one.jsonx") == NULL,
	    "exact means exact");
	ok(cfg_at_key(c, &iss, &life) != NULL && strcmp(iss,
	    "https://api.test") == 0 && life == 600, "access-token key");
	memset(&rules, 0, sizeof(rules));
	cfg_rules(c, &rules);
	ok(rules.nissuers == 1 && strcmp(rules.issuers[0].iss,
	    "https://api.test") == 0 && rules.issuers[0].naud == 2 &&
	    strcmp(rules.issuers[0].typ, "at+jwt") == 0,
	    "its own issuer is trusted for every [cimd] audience, at+jwt");
	r = cfg_resource(c, NULL);
	ok(r != NULL && strcmp(r->metadata_path,
	    "/.well-known/oauth-protected-resource/v1") == 0 &&
	    strcmp(r->iss, "https://mint.test") == 0, "resource");
	ok(r != NULL && strstr(r->json, "\"authorization_servers\":"
	    "[\"https://mint.test\"]") != NULL, "... its document");
	ok(cfg_resource_at(c, "/.well-known/oauth-protected-resource/v1") ==
	    r && cfg_resource(c, "https://api.test/v1") == r &&
	    cfg_resource(c, "https://api.test/v2") == NULL, "... found");
	cfg_free(c);
}

static void
test_missing_config(void)
{
	struct cfg *c = (struct cfg *)&c;
	struct jf_msg m = { .s = "" };
	char path[256];

	snprintf(path, sizeof(path), "%s/none.conf", dir);
	is(cfg_load(&c, path, &m), JF_E_IO, "missing config file is JF_E_IO");
	ok(c == NULL, "and nothing is returned");
	ok(strncmp(m.s, path, strlen(path)) == 0 &&
	    strstr(m.s, ": cannot open: No such file or directory") != NULL,
	    "message names the file and the reason");
}

/* Captures what log_msg writes to stderr. */
static void
test_log(void)
{
	char path[256], buf[8192], want[256], *line2, *line3;
	int fd, saved = dup(STDERR_FILENO);
	ssize_t n;

	is(log_level_from_name("error"), LOG_LVL_ERROR, "level error");
	is(log_level_from_name("warn"), LOG_LVL_WARN, "level warn");
	is(log_level_from_name("info"), LOG_LVL_INFO, "level info");
	is(log_level_from_name("debug"), LOG_LVL_DEBUG, "level debug");
	is(log_level_from_name("Info"), -1, "level names are exact");
	is(log_level_from_name("warning"), -1, "unknown level");
	is(log_level_from_name(NULL), -1, "NULL level");

	snprintf(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		printf("Bail out! cannot redirect stderr\n");
		exit(1);
	}
	close(fd);
	log_init("/usr/bin/jwt-authz.fcgi", LOG_LVL_INFO, 0);
	log_debug("not shown");
	errno = EACCES;
	log_info("hello %s", "a\nb\r\x1b[31m\x7f");
	is(errno, EACCES, "log_msg keeps errno");
	memset(buf, 'x', 3000);
	buf[3000] = '\0';
	log_error("%s", buf);
	log_set_level(LOG_LVL_ERROR);
	log_warn("not shown either");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	snprintf(want, sizeof(want), "jwt-authz.fcgi[%ld]: info: hello "
	    "a?b??[31m?\n", (long)getpid());
	line2 = strchr(buf, '\n');
	ok(line2 != NULL && strncmp(buf, want, strlen(want)) == 0,
	    "line: ident[pid]: level: message, control characters as '?'");
	if (line2 == NULL)
		return;
	line2++;
	line3 = strchr(line2, '\n');
	ok(line3 != NULL && line3 - line2 + 1 == 2048,
	    "long line cut at 2048 bytes with its newline");
	ok(line3 != NULL && strncmp(line3 - 3, "...", 3) == 0,
	    "and ends with ...");
	ok(strstr(line2, ": error: xxx") != NULL, "error line prefix");
	ok(line3 != NULL && line3[1] == '\0', "debug and filtered warn not "
	    "written");
	unlink(path);
}

/* cfg_parse_buf: the same checks over a buffer; the name stands for the
 * file in messages and anchors relative key paths. */
static void
test_parse_buf(void)
{
	static const char good[] = "[issuer https://b.test]\n"
	    "key_file = ec.pub.pem\naudience = api\n";
	static const char typo[] = "realm = a\nbogus = 1\n";
	char name[256], want[300];
	struct jf_msg m = { .s = "" };
	struct tok_rules r;
	struct cfg *c = NULL;
	enum jf_err rc;

	snprintf(name, sizeof(name), "%s/buf.conf", dir);
	rc = cfg_parse_buf(&c, name, good, sizeof(good) - 1, &m);
	is(rc, JF_OK, "cfg_parse_buf: good buffer");
	if (rc != JF_OK)
		diag("%s", m.s);
	if (c != NULL) {
		memset(&r, 0, sizeof(r));
		cfg_rules(c, &r);
		ok(r.nissuers == 1 && jwks_count(r.issuers[0].keys) == 1,
		    "cfg_parse_buf: key_file found next to the name");
		is_str(cfg_path(c), name, "cfg_parse_buf: path is the name");
	}
	cfg_free(c);
	c = NULL;
	rc = cfg_parse_buf(&c, name, typo, sizeof(typo) - 1, &m);
	snprintf(want, sizeof(want), "%s:2: unknown key \"bogus\"", name);
	ok(rc == JF_E_CONFIG && c == NULL, "cfg_parse_buf: unknown key");
	is_str(m.s, want, "cfg_parse_buf: message names file and line");
	rc = cfg_parse_buf(&c, "nodir.conf", good, sizeof(good) - 1, &m);
	ok(rc == JF_E_CONFIG && c == NULL,
	    "cfg_parse_buf: no directory, relative key not found");
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	make_key(JF_ALG_ES256, "ec.pub.pem", "ec.priv.pem", kid_ec);
	make_key(JF_ALG_RS256, "rsa.pub.pem", NULL, kid_rsa);
	make_key(JF_ALG_ES384, "p384.pub.pem", NULL, kid_384);
	{
		char kid_ed[64];

		make_key(JF_ALG_EDDSA, "ed.pub.pem", NULL, kid_ed);
	}
	make_jwks(JF_ALG_ES256, "a.jwks", kid_jwks);
	/* Relative key paths must not depend on the working directory. */
	if (chdir("/") != 0)
		return 1;

	test_good();
	test_defaults();
	test_bad();
	test_cimd_resource();
	test_missing_config();
	test_parse_buf();
	test_log();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

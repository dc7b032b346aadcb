/* test_mint_token.c - the token endpoint's decision (src/mint/token.c)
 * driven by a table of request parameters and bodies, against a state
 * loaded the way jwt-mint.fcgi loads it: a config file, a fresh ES256
 * key and a registry matching the certificate fixtures of
 * tests/unit/certs by their x5t#S256. Each refusal asserts its exact
 * code; issued tokens are verified with tok_verify. Binding (RFC 8705
 * cnf, and the metadata that announces it) is checked for each
 * combination of mint.conf's bind_certificate and the registry's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "x509/cert.h"
#include "util/json.h"
#include "jose/key.h"
#include "util/log.h"
#include "mint.h"
#include "fixture.h"
#include "tap.h"
#include "jose/token.h"

struct params {
	const char *verify;
	const char *cert;
	const char *ctype;
	int plain;              /* 1: no HTTPS=on (plain HTTP) */
	const char *remote;     /* REMOTE_ADDR */
};

struct tcase {
	const char *name;
	const char *verify;     /* SSL_CLIENT_VERIFY */
	const char *cert;       /* fixture name, NULL: none */
	const char *ctype;
	const char *body;
	enum jf_err want;
	const char *scope;      /* granted, on JF_OK */
	const char *aud;
};

#define FORM "application/x-www-form-urlencoded"
#define GRANT "grant_type=client_credentials"

static const struct tcase cases[] = {
	{ "plain client_credentials", "SUCCESS", "billing", FORM, GRANT,
	  JF_OK, "read", "https://a.test" },
	{ "bare POST: empty body, no Content-Type", "SUCCESS", "billing", NULL,
	  "", JF_OK, "read", "https://a.test" },
	{ "no SSL_CLIENT_VERIFY", NULL, "billing", FORM, GRANT,
	  JF_E_INVALID_CLIENT, NULL, NULL },
	{ "SSL_CLIENT_VERIFY NONE", "NONE", NULL, FORM, GRANT,
	  JF_E_INVALID_CLIENT, NULL, NULL },
	{ "SSL_CLIENT_VERIFY FAILED", "FAILED:unable to get issuer", "billing",
	  FORM, GRANT, JF_E_INVALID_CLIENT, NULL, NULL },
	{ "SUCCESS without the certificate", "SUCCESS", NULL, FORM, GRANT,
	  JF_E_INVALID_CLIENT, NULL, NULL },
	{ "unregistered certificate", "SUCCESS", "cnonly", FORM, GRANT,
	  JF_E_INVALID_CLIENT, NULL, NULL },
	{ "disabled service", "SUCCESS", "impostor", FORM, GRANT,
	  JF_E_INVALID_CLIENT, NULL, NULL },
	{ "Content-Type missing with a body", "SUCCESS", "billing", NULL, GRANT,
	  JF_E_INVALID_REQUEST, NULL, NULL },
	{ "Content-Type text/plain", "SUCCESS", "billing", "text/plain", GRANT,
	  JF_E_INVALID_REQUEST, NULL, NULL },
	{ "Content-Type with charset", "SUCCESS", "billing",
	  FORM ";charset=UTF-8", GRANT, JF_OK, "read", "https://a.test" },
	{ "Content-Type upper case, quoted charset", "SUCCESS", "billing",
	  "APPLICATION/X-WWW-FORM-URLENCODED; charset=\"utf-8\"", GRANT,
	  JF_OK, "read", "https://a.test" },
	{ "Content-Type charset latin1", "SUCCESS", "billing",
	  FORM "; charset=latin1", GRANT, JF_E_INVALID_REQUEST, NULL, NULL },
	{ "Content-Type other parameter", "SUCCESS", "billing",
	  FORM "; boundary=x", GRANT, JF_E_INVALID_REQUEST, NULL, NULL },
	{ "Content-Type with a suffix", "SUCCESS", "billing", FORM "x", GRANT,
	  JF_E_INVALID_REQUEST, NULL, NULL },
	{ "grant_type password", "SUCCESS", "billing", FORM,
	  "grant_type=password", JF_E_UNSUPPORTED_GRANT, NULL, NULL },
	{ "body without grant_type", "SUCCESS", "billing", FORM, "scope=read",
	  JF_E_INVALID_REQUEST, NULL, NULL },
	{ "repeated parameter", "SUCCESS", "billing", FORM,
	  GRANT "&scope=read&scope=write", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "scope subset, duplicates dropped", "SUCCESS", "billing", FORM,
	  GRANT "&scope=write+read+write", JF_OK, "write read",
	  "https://a.test" },
	{ "scope not granted", "SUCCESS", "billing", FORM,
	  GRANT "&scope=read+admin", JF_E_INVALID_SCOPE, NULL, NULL },
	{ "scope with two spaces", "SUCCESS", "billing", FORM,
	  GRANT "&scope=read++write", JF_E_INVALID_SCOPE, NULL, NULL },
	{ "scope with a trailing space", "SUCCESS", "billing", FORM,
	  GRANT "&scope=read+", JF_E_INVALID_SCOPE, NULL, NULL },
	{ "scope with a quote", "SUCCESS", "billing", FORM,
	  GRANT "&scope=re%22ad", JF_E_INVALID_SCOPE, NULL, NULL },
	{ "resource picks an audience", "SUCCESS", "billing", FORM,
	  GRANT "&resource=https%3A%2F%2Fb.test", JF_OK, "read",
	  "https://b.test" },
	{ "audience picks an audience", "SUCCESS", "billing", FORM,
	  GRANT "&audience=https://b.test", JF_OK, "read", "https://b.test" },
	{ "resource not the service's", "SUCCESS", "billing", FORM,
	  GRANT "&resource=https://c.test", JF_E_INVALID_TARGET, NULL, NULL },
	{ "resource and audience", "SUCCESS", "billing", FORM,
	  GRANT "&resource=https://a.test&audience=https://a.test",
	  JF_E_INVALID_REQUEST, NULL, NULL },
	{ "client_id of the certificate", "SUCCESS", "billing", FORM,
	  GRANT "&client_id=billing", JF_OK, "read", "https://a.test" },
	{ "client_id of another service", "SUCCESS", "billing", FORM,
	  GRANT "&client_id=off", JF_E_INVALID_CLIENT, NULL, NULL },
};

static char *fixtures[3];       /* billing, cnonly, impostor PEM */

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, mode) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static const char *
param(void *arg, const char *name)
{
	const struct params *p = arg;

	if (strcmp(name, "HTTPS") == 0)
		return p->plain ? NULL : "on";
	if (strcmp(name, "REMOTE_ADDR") == 0)
		return p->remote;
	if (strcmp(name, "SSL_CLIENT_VERIFY") == 0)
		return p->verify;
	if (strcmp(name, "SSL_CLIENT_CERT") == 0)
		return p->cert;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return p->ctype;
	return NULL;
}

static const char *
cert_pem(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "billing") == 0)
		return fixtures[0];
	if (strcmp(name, "cnonly") == 0)
		return fixtures[1];
	return fixtures[2];
}

/* Writes key, registry and config into dir and loads them. mint_extra
 * ends mint.conf; bill_extra and off_extra are more members of the
 * services billing and off (",\"bind_certificate\":true"). */
static struct mint_state *
load_state(const char *dir, const char *mint_extra, const char *bill_extra,
	const char *off_extra)
{
	struct jf_key *k = NULL;
	struct mint_state *s = NULL;
	struct jf_msg m;
	char path[600], text[2048], *pem, *x5t, *x5t2;
	size_t len;

	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(k, &pem, &len) != JF_OK) {
		printf("Bail out! key: %s\n", m.s);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/mint.pem", dir);
	put(path, pem, 0600);
	key_pem_free(pem, len);
	key_free(k);
	x5t = fixture_line("billing.x5t");
	x5t[strcspn(x5t, "\n")] = '\0';
	x5t2 = fixture_line("impostor.x5t");
	x5t2[strcspn(x5t2, "\n")] = '\0';
	snprintf(text, sizeof(text),
	    "{\"services\":[{\"id\":\"billing\",\"match\":{\"fingerprint\":"
	    "[\"%s\"]},\"claims\":{\"team\":\"payments\"},\"scopes\":[\"read\","
	    "\"write\"],\"default_scope\":[\"read\"],\"audiences\":["
	    "\"https://a.test\",\"https://b.test\"],\"default_audience\":"
	    "\"https://a.test\",\"token_lifetime\":900%s},{\"id\":\"off\","
	    "\"enabled\":false,\"match\":{\"fingerprint\":[\"%s\"]},"
	    "\"scopes\":[\"read\"],\"audiences\":[\"https://a.test\"]%s}]}",
	    x5t, bill_extra, x5t2, off_extra);
	free(x5t);
	free(x5t2);
	snprintf(path, sizeof(path), "%s/registry.json", dir);
	put(path, text, 0644);
	snprintf(text, sizeof(text), "issuer = https://mint.test\n"
	    "signing_key = %s/mint.pem\nregistry = %s/registry.json\n"
	    "max_token_lifetime = 600\nstate_dir = %s\n%s", dir, dir, dir,
	    mint_extra);
	snprintf(path, sizeof(path), "%s/mint.conf", dir);
	put(path, text, 0644);
	if (mint_state_load(&s, path, &m) != JF_OK) {
		printf("Bail out! mint_state_load: %s\n", m.s);
		exit(1);
	}
	return s;
}

/* The issued token verifies as an at+jwt of our issuer for aud, and
 * carries the service's claims, and the certificate binding if bound. */
static void
check_token(const struct mint_state *s, const struct mint_grant *g,
	const char *aud, time_t now, int bound, const char *name)
{
	struct tok_issuer iss = { 0 };
	struct tok_rules r = { 0 };
	const char *auds[1] = { aud };
	const struct json_object *c;
	struct json_object *v, *cnf;
	struct tok *t = NULL;
	struct jf_msg m;
	char *x5t = fixture_line("billing.x5t");

	x5t[strcspn(x5t, "\n")] = '\0';
	iss.iss = "https://mint.test";
	iss.keys = s->conf->keys;
	iss.algs = JF_ALG_BIT(JF_ALG_ES256);
	iss.aud = auds;
	iss.naud = 1;
	iss.typ = "at+jwt";
	r.issuers = &iss;
	r.nissuers = 1;
	r.now = now;
	m.s[0] = '\0';
	is(tok_verify(&r, g->token, strlen(g->token), &t, &m, NULL, NULL),
	    JF_OK, name);
	if (t == NULL) {
		diag("%s", m.s);
		free(x5t);
		return;
	}
	c = tok_claims(t);
	is_str(json_str(c, "sub"), "billing", "  sub");
	is_str(json_str(c, "client_id"), "billing", "  client_id");
	is_str(json_str(c, "team"), "payments", "  registry claim");
	is_str(json_str(c, "scope"), g->scope, "  scope claim");
	is_str(json_str(c, "jti"), g->jti, "  jti");
	is(strlen(g->jti), 22, "  jti: 16 bytes base64url");
	json_object_object_get_ex(c, "exp", &v);
	is(json_object_get_int64(v), (long long)now + 600,
	    "  exp: 900 s capped at max_token_lifetime");
	is(g->lifetime, 600, "  expires_in");
	cnf = NULL;
	json_object_object_get_ex(c, "cnf", &cnf);
	if (bound) {
		is_str(json_str(cnf, "x5t#S256"), x5t, "  cnf x5t#S256");
		is(json_object_object_length(cnf), 1, "  cnf: x5t#S256 only");
	} else {
		ok(cnf == NULL, "  no cnf: not bound");
	}
	tok_free(t);
	free(x5t);
}

#define BIND_TRUE ",\"bind_certificate\":true"
#define BIND_FALSE ",\"bind_certificate\":false"

/* mint.conf's bind_certificate, then the service's own, decide whether
 * a certificate binds billing's token; the metadata says true when any
 * service with match rules (here billing and the disabled off) binds. */
static void
test_binding(const char *dir, time_t now)
{
	static const struct {
		const char *name, *mint, *bill, *off;
		int bound, meta;
	} t[] = {
		{ "default: no binding", "", "", "", 0, 0 },
		{ "bind_certificate = no", "bind_certificate = no\n", "", "", 0,
		  0 },
		{ "bind_certificate = yes", "bind_certificate = yes\n", "", "", 1,
		  1 },
		{ "yes, billing false", "bind_certificate = yes\n", BIND_FALSE, "",
		  0, 1 },
		{ "yes, both false", "bind_certificate = yes\n", BIND_FALSE,
		  BIND_FALSE, 0, 0 },
		{ "no, billing true", "", BIND_TRUE, "", 1, 1 },
		{ "no, only off true", "bind_certificate = no\n", "", BIND_TRUE,
		  0, 1 },
	};
	char sub[600], name[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct params p = { "SUCCESS", fixtures[0], FORM, 0, NULL };
		struct mint_state *s;
		struct mint_grant g;

		snprintf(sub, sizeof(sub), "%s/bind%zu", dir, i);
		if (mkdir(sub, 0700) != 0) {
			printf("Bail out! mkdir %s\n", sub);
			exit(1);
		}
		s = load_state(sub, t[i].mint, t[i].bill, t[i].off);
		is(s->conf->bind_certificate, strstr(t[i].mint, "yes") != NULL,
		    t[i].name);
		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, GRANT, strlen(GRANT), &g);
		is(g.err, JF_OK, "  issued");
		if (g.token != NULL) {
			snprintf(name, sizeof(name), "  %s: token verifies",
			    t[i].bound ? "bound" : "unbound");
			check_token(s, &g, "https://a.test", now, t[i].bound,
			    name);
		}
		ok((strstr(s->meta_json, "\"tls_client_certificate_bound_access"
		    "_tokens\":true") != NULL) == t[i].meta, t[i].meta ?
		    "  metadata: tls_client_certificate_bound_access_tokens true" :
		    "  metadata: tls_client_certificate_bound_access_tokens false");
		mint_grant_clear(&g);
		mint_state_free(s);
	}
}

/* bind_certificate takes yes or no, once. */
static void
test_bind_conf(const char *dir)
{
	static const struct {
		const char *line, *want;
	} t[] = {
		{ "bind_certificate = true\n", ":4: bind_certificate: expected "
		  "yes or no, got \"true\"" },
		{ "bind_certificate = yes\nbind_certificate = no\n",
		  ":5: bind_certificate: given twice" },
	};
	struct mint_conf *c = NULL;
	struct jf_msg m;
	char path[600], text[1024];
	size_t i;

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "issuer = https://mint.test\n"
		    "signing_key = %s/mint.pem\nregistry = x\n%s", dir,
		    t[i].line);
		put(path, text, 0644);
		m.s[0] = '\0';
		is(mint_conf_load(&c, path, &m), JF_E_CONFIG, t[i].want);
		ok(strstr(m.s, t[i].want) != NULL, "  precisely");
		if (strstr(m.s, t[i].want) == NULL)
			diag("%s", m.s);
		mint_conf_free(c);
		c = NULL;
	}
}

int
main(void)
{
	char dir[] = "/tmp/test_mint_token.XXXXXX", cmd[128];
	struct mint_state *s;
	struct cert *c = NULL;
	struct jf_msg m;
	time_t now;
	size_t i;

	log_init("test_mint_token", LOG_LVL_ERROR, 0);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	fixtures[0] = fixture("billing.pem", NULL);
	fixtures[1] = fixture("cnonly.pem", NULL);
	fixtures[2] = fixture("impostor.pem", NULL);
	s = load_state(dir, "", "", "");
	/* Inside the fixtures' validity, whatever today is. */
	if (cert_parse(&c, fixtures[0], strlen(fixtures[0]), &m) != JF_OK) {
		printf("Bail out! %s\n", m.s);
		return 1;
	}
	now = cert_not_before(c) + 86400;
	cert_free(c);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		struct params p = { tc->verify, cert_pem(tc->cert), tc->ctype, 0,
		    NULL };
		struct mint_grant g;

		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, tc->body, strlen(tc->body),
		    &g);
		is(g.err, tc->want, tc->name);
		if (g.err != tc->want)
			diag("%s", g.msg.s);
		if (tc->want != JF_OK) {
			ok(g.token == NULL, "  no token");
			ok(g.msg.s[0] != '\0', "  a reason");
		} else {
			is_str(g.scope, tc->scope, "  granted scope");
			is_str(g.aud, tc->aud, "  audience");
			if (g.token != NULL)
				check_token(s, &g, tc->aud, now, 0,
				    "  token verifies");
		}
		mint_grant_clear(&g);
	}
	{
		/* RFC 6749 §3.2: no token over plain HTTP, whatever the
		 * client sent, unless plain_http = loopback allows a
		 * loopback client. */
		struct params p = { "SUCCESS", fixtures[0], NULL, 1, NULL };
		struct mint_grant g;
		const char *body = "";

		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, body, 0, &g);
		is(g.err, JF_E_INVALID_REQUEST, "plain HTTP: invalid_request");
		ok(strstr(g.msg.s, "over TLS only") != NULL &&
		    g.token == NULL, "  says TLS is needed, no token");
		p.remote = "127.0.0.1";
		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, body, 0, &g);
		is(g.err, JF_E_INVALID_REQUEST, "plain HTTP from loopback: "
		    "refused by default");
		s->conf->plain_http_loopback = 1;
		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, body, 0, &g);
		is(g.err, JF_OK, "plain_http = loopback: 127.0.0.1 served");
		mint_grant_clear(&g);
		p.remote = "::ffff:127.0.0.2";
		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, body, 0, &g);
		is(g.err, JF_OK, "plain_http = loopback: ::ffff:127.0.0.2 "
		    "served");
		mint_grant_clear(&g);
		p.remote = "10.0.0.1";
		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, body, 0, &g);
		is(g.err, JF_E_INVALID_REQUEST, "plain_http = loopback: "
		    "10.0.0.1 refused");
		p.remote = "128.0.0.1";
		memset(&g, 0, sizeof(g));
		mint_token_decide(s, now, param, &p, body, 0, &g);
		is(g.err, JF_E_INVALID_REQUEST, "plain_http = loopback: "
		    "128.0.0.1 refused");
		s->conf->plain_http_loopback = 0;
	}
	mint_state_free(s);
	test_binding(dir, now);
	test_bind_conf(dir);
	for (i = 0; i < 3; i++)
		free(fixtures[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

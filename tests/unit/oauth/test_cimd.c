/* test_cimd.c - client ID metadata documents (src/lib/oauth/cimd.c): the
 * client_id URL's rules and the document's, each refusal with its reason.
 * The fetching half runs against a real server in tests/cimd.bats. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/cimd.h"
#include "tap.h"

#define URL "https://service-a.example.com/.well-known/cimd-workload-1.json"
/* A public ES256 key as jwt-fcgi jwks writes it. */
#define JWKS \
	"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"XTLvjpb-C7u" \
	"eDJ3_GDJC9076IYute2puerjx3Ges1VI\",\"y\":\"uT9SGogjej1OvBVlQNNKQ" \
	"YyNun2W9rOde0KxW7DGi6s\",\"kid\":\"Zrx51x64wW8YxuIinAMIhkfM_W5jQ" \
	"PNF_liFVvNipss\",\"use\":\"sig\",\"alg\":\"ES256\"}]}"

static void
test_urls(void)
{
	static const struct { const char *u, *why; } t[] = {
		{ URL, NULL },
		{ "https://a.test/c?v=1", NULL },
		{ "https://a.test:8443/c", NULL },
		{ "http://a.test/c", "https only" },
		{ "HTTPS://a.test/c", "the scheme must be" },
		{ "https://a.test", "a path is required" },
		{ "https://a.test/", "a path is required" },
		{ "https://a.test/?x=1", "a path is required" },
		{ "https://a.test/c#f", "fragment" },
		{ "https://u:p@a.test/c", "userinfo" },
		{ "https://a.test/./c", "path segments" },
		{ "https://a.test/a/../c", "path segments" },
		{ "https://a.test/a/..", "path segments" },
		{ "https://a.test/a/.", "path segments" },
		{ "https://a.test/a/...", NULL },
		{ "https://a.test/a/.b", NULL },
		{ "https://a.test/a/b?x=..", NULL },
	};
	struct jf_msg m;
	size_t i;
	char name[160];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "client_id %s: %s", t[i].u,
		    t[i].why ? t[i].why : "ok");
		if (t[i].why == NULL)
			is(cimd_url_check(t[i].u, &m), JF_OK, name);
		else {
			ok(cimd_url_check(t[i].u, &m) == JF_E_INVALID_CLIENT &&
			    strstr(m.s, t[i].why) != NULL, name);
			if (strstr(m.s, t[i].why) == NULL)
				diag("%s", m.s);
		}
	}
}

static void
test_docs(void)
{
	static const struct { const char *doc, *why; int uri; } t[] = {
		{ "{\"client_id\":\"" URL "\",\"jwks\":" JWKS "}", NULL, 0 },
		{ "{\"client_id\":\"" URL "\",\"jwks_uri\":\"https://service-a.example.com/jwks\","
		  "\"token_endpoint_auth_method\":\"private_key_jwt\"}", NULL, 1 },
		{ "{\"client_id\":\"https://other.example.com/c\",\"jwks\":" JWKS "}",
		  "is not the URL it was fetched from", 0 },
		{ "{\"client_id\":\"" URL "/\",\"jwks\":" JWKS "}",
		  "is not the URL it was fetched from", 0 },
		{ "{\"jwks\":" JWKS "}", "no client_id string", 0 },
		{ "{\"client_id\":\"" URL "\",\"client_secret\":\"s3cret\",\"jwks\":"
		  JWKS "}", "\"client_secret\" is not allowed", 0 },
		{ "{\"client_id\":\"" URL "\",\"client_secret_expires_at\":0,\"jwks\":"
		  JWKS "}", "\"client_secret_expires_at\" is not allowed", 0 },
		{ "{\"client_id\":\"" URL "\",\"token_endpoint_auth_method\":"
		  "\"client_secret_basic\",\"jwks\":" JWKS "}", "needs a shared secret", 0 },
		{ "{\"client_id\":\"" URL "\",\"token_endpoint_auth_method\":"
		  "\"client_secret_jwt\",\"jwks\":" JWKS "}", "needs a shared secret", 0 },
		{ "{\"client_id\":\"" URL "\"}", "no keys (jwks or jwks_uri)", 0 },
		{ "{\"client_id\":\"" URL "\",\"jwks\":" JWKS ",\"jwks_uri\":"
		  "\"https://a.test/k\"}", "jwks and jwks_uri together", 0 },
		{ "{\"client_id\":\"" URL "\",\"jwks_uri\":\"http://a.test/k\"}",
		  "jwks_uri: plain http", 0 },
		{ "{\"client_id\":\"" URL "\",\"jwks\":[]}", "not a JWKS object", 0 },
		{ "{\"client_id\":\"" URL "\",\"client_id\":\"" URL "\"}",
		  "client metadata document: ", 0 },
		{ "[1]", "not a JSON object", 0 },
		{ "{", "client metadata document: ", 0 },
	};
	struct jf_msg m;
	char *jwks, *ju;
	size_t i;
	enum jf_err rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m.s[0] = '\0';
		rc = cimd_parse(t[i].doc, strlen(t[i].doc), URL, &jwks, &ju, &m);
		if (t[i].why == NULL) {
			is(rc, JF_OK, t[i].doc);
			ok(t[i].uri ? (ju != NULL && jwks == NULL) :
			    (jwks != NULL && ju == NULL), "  its keys, inline or "
			    "by URL");
		} else {
			ok(rc == JF_E_INVALID_CLIENT && strstr(m.s, t[i].why) !=
			    NULL && jwks == NULL && ju == NULL, t[i].why);
			if (strstr(m.s, t[i].why) == NULL)
				diag("%s", m.s);
		}
		free(jwks);
		free(ju);
	}
}

/* Allowlist entries, and which client IDs each admits: the rules the
 * authorizer's [cimd] sections and the mint's cimd_allow share. */
static void
test_patterns(void)
{
	static const struct { const char *p, *why; int prefix; } pt[] = {
		{ "https://a.test/svc/", NULL, 1 },
		{ "https://a.test/one.json", NULL, 0 },
		{ "https://a.test/x?v=1", NULL, 0 },
		{ "", "expected a client ID URL", 0 },
		{ "http://a.test/svc/", "https only", 1 },
		{ "https://a.test", "a path is required", 0 },
		{ "https://a.test/", NULL, 1 },          /* one whole host */
		{ "https://a.test/x?y/", "has no query", 1 },
		{ "https://a.test/../", "path segments", 1 },
	};
	static const struct { const char *p, *u; size_t want; } mt[] = {
		{ "https://a.test/svc/", "https://a.test/svc/x.json", 19 },
		{ "https://a.test/svc/", "https://a.test/svc/team/x.json", 19 },
		{ "https://a.test/svc/", "https://a.test/svc/", 0 },
		{ "https://a.test/svc/", "https://a.test/svcx/y", 0 },
		{ "https://a.test/svc/", "https://a.test/svc/%2e%2e/evil", 0 },
		{ "https://a.test/svc/", "https://a.test/svc/%2E./evil", 0 },
		{ "https://a.test/svc/", "https://a.test/svc/%2F/x", 0 },
		{ "https://a.test/svc/", "https://a.test/svc/%5cx", 0 },
		{ "https://a.test/svc/", "https://a.test/svc/a\\b", 0 },
		{ "https://a.test/svc/", "https://b.test/svc/x", 0 },
		{ "https://a.test/one.json", "https://a.test/one.json", SIZE_MAX },
		{ "https://a.test/one.json", "https://a.test/one.jsonx", 0 },
		{ "https://a.test/one.json", "https://a.test/one.json?x", 0 },
	};
	struct jf_msg m;
	char name[160];
	size_t i;
	int prefix;

	for (i = 0; i < sizeof(pt) / sizeof(pt[0]); i++) {
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "pattern \"%s\": %s", pt[i].p,
		    pt[i].why ? pt[i].why : "ok");
		if (pt[i].why == NULL) {
			is(cimd_pattern_check(pt[i].p, &prefix, &m), JF_OK, name);
			is(prefix, pt[i].prefix, "  prefix or not");
		} else {
			ok(cimd_pattern_check(pt[i].p, &prefix, &m) ==
			    JF_E_CONFIG && strstr(m.s, pt[i].why) != NULL, name);
			if (strstr(m.s, pt[i].why) == NULL)
				diag("%s", m.s);
		}
	}
	for (i = 0; i < sizeof(mt) / sizeof(mt[0]); i++) {
		prefix = mt[i].p[strlen(mt[i].p) - 1] == '/';
		snprintf(name, sizeof(name), "%s admits %s: %zu", mt[i].p,
		    mt[i].u, mt[i].want);
		ok(cimd_match(mt[i].p, prefix, mt[i].u) == mt[i].want, name);
	}
}

int
main(void)
{
	test_urls();
	test_docs();
	test_patterns();
	return done_testing();
}

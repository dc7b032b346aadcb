/* test_cimd.c - client ID metadata documents (src/lib/oauth/cimd.c): the
 * client_id URL's rules and the document's, each refusal with its reason.
 * The fetching half runs against a real server in tests/cimd.bats. */
#include "config.h"

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

int
main(void)
{
	test_urls();
	test_docs();
	return done_testing();
}

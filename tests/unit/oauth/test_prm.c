/* test_prm.c - RFC 9728 protected resource metadata (oauth/prm.c): the
 * well-known URL, the document both ways, and the challenge parameter a
 * client reads. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/prm.h"
#include "tap.h"

static void
test_url(void)
{
	static const struct { const char *id, *want; } t[] = {
		{ "https://api.example.com/v1",
		  "https://api.example.com/.well-known/oauth-protected-resource/v1" },
		{ "https://api.example.com",
		  "https://api.example.com/.well-known/oauth-protected-resource" },
		{ "https://api.example.com/",
		  "https://api.example.com/.well-known/oauth-protected-resource" },
		{ "https://b.example:8443/api/get-counter?v=1",
		  "https://b.example:8443/.well-known/oauth-protected-resource"
		  "/api/get-counter?v=1" },
		{ "https://h?x=1",
		  "https://h/.well-known/oauth-protected-resource?x=1" },
	};
	char out[PRM_URL_MAX + 1];
	struct jf_msg m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out[0] = '\0';
		ok(prm_url(t[i].id, out, sizeof(out), &m) == JF_OK, t[i].id);
		is_str(out, t[i].want, "... its metadata URL");
	}
	ok(prm_url("http://a/x", out, sizeof(out), &m) ==
	    JF_E_INVALID_REQUEST, "http refused");
	ok(prm_url("https://a/x#f", out, sizeof(out), &m) ==
	    JF_E_INVALID_REQUEST, "fragment refused");
	ok(prm_url("https:///x", out, sizeof(out), &m) ==
	    JF_E_INVALID_REQUEST, "no host refused");
	ok(prm_url("https://a/x", out, 20, &m) == JF_E_INVALID_REQUEST,
	    "too long for the buffer refused");
}

static void
test_doc(void)
{
	const char *as[] = { "https://mint.example/m", "https://b.example" };
	const char *sc[] = { "read", "write" };
	struct prm p = { "https://api.example/v1", as, 2, sc, 2, "API", NULL,
		1 };
	struct prm_info in;
	struct jf_msg m;
	char *j;

	j = prm_build(&p);
	ok(j != NULL, "built");
	is_str(j, "{\"resource\":\"https://api.example/v1\","
	    "\"authorization_servers\":[\"https://mint.example/m\","
	    "\"https://b.example\"],\"scopes_supported\":[\"read\",\"write\"],"
	    "\"bearer_methods_supported\":[\"header\"],\"resource_name\":"
	    "\"API\",\"tls_client_certificate_bound_access_tokens\":true}",
	    "... exactly");
	ok(prm_parse(j, strlen(j), "https://api.example/v1", &in, &m) ==
	    JF_OK && in.nas == 2 && in.bound == 1 &&
	    strcmp(in.as[1], "https://b.example") == 0, "parses back");
	m.s[0] = '\0';
	ok(prm_parse(j, strlen(j), "https://api.example/v2", &in, &m) ==
	    JF_E_INVALID_REQUEST && strstr(m.s, "is not the resource asked "
	    "about") != NULL, "another resource's document refused (9728 3.3)");
	free(j);
	ok(prm_parse("{\"resource\":\"https://a\",\"authorization_servers\":"
	    "[\"http://a\"]}", 56, NULL, &in, &m) == JF_E_INVALID_REQUEST,
	    "an http server refused");
	ok(prm_parse("[]", 2, NULL, &in, &m) == JF_E_INVALID_REQUEST,
	    "not an object");
	ok(prm_parse("{\"resource\":1}", 14, NULL, &in, &m) ==
	    JF_E_INVALID_REQUEST, "resource not a string");
}

static void
test_challenge(void)
{
	char out[128];

	ok(prm_challenge_param("Bearer realm=\"api\", resource_metadata="
	    "\"https://a/.well-known/oauth-protected-resource\"",
	    "resource_metadata", out, sizeof(out)) == 0 &&
	    strcmp(out, "https://a/.well-known/oauth-protected-resource") == 0,
	    "quoted value");
	ok(prm_challenge_param("Bearer error=invalid_token", "error", out,
	    sizeof(out)) == 0 && strcmp(out, "invalid_token") == 0,
	    "token value");
	ok(prm_challenge_param("Basic realm=\"x\", Bearer realm=\"y\"",
	    "realm", out, sizeof(out)) == 0 && strcmp(out, "y") == 0,
	    "the Bearer challenge's, not Basic's");
	ok(prm_challenge_param("Basic realm=\"x\"", "realm", out,
	    sizeof(out)) == -1, "no Bearer challenge");
	ok(prm_challenge_param("Bearer error_description=\"a \\\"b\\\" c\"",
	    "error_description", out, sizeof(out)) == 0 &&
	    strcmp(out, "a \"b\" c") == 0, "quoted-pairs undone");
	ok(prm_challenge_param("Negotiate abc==, Bearer iss=\"https://m\"",
	    "iss", out, sizeof(out)) == 0 && strcmp(out, "https://m") == 0,
	    "after a token68 challenge");
	ok(prm_challenge_param("Bearer realm=\"xxxxxxxxxx\"", "realm", out, 4)
	    == -1, "too long for the buffer");
	ok(prm_challenge_param("Bearer realm=\"open", "realm", out,
	    sizeof(out)) == -1, "unterminated quote");
}

int
main(void)
{
	test_url();
	test_doc();
	test_challenge();
	return done_testing();
}

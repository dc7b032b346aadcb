/* test_asmeta.c - RFC 8414 metadata as a relying party reads it
 * (src/lib/oauth/asmeta.c): the issuer must match exactly (§3.3), the
 * jwks_uri must be there. */
#include "config.h"

#include <string.h>

#include "oauth/asmeta.h"
#include "tap.h"

#define ISS "https://mint.test/mint"

int
main(void)
{
	static const struct { const char *doc, *want, *why; } t[] = {
		{ "{\"issuer\":\"" ISS "\",\"jwks_uri\":\"" ISS "/jwks\"}",
		  ISS "/jwks", NULL },
		{ "{\"issuer\":\"" ISS "/\",\"jwks_uri\":\"x\"}", NULL,
		  "is not \"" ISS "\" (RFC 8414 section 3.3)" },
		{ "{\"issuer\":\"https://MINT.test/mint\",\"jwks_uri\":\"x\"}",
		  NULL, "is not" },
		{ "{\"jwks_uri\":\"x\"}", NULL, "no \"issuer\" string" },
		{ "{\"issuer\":\"" ISS "\"}", NULL, "no \"jwks_uri\" string" },
		{ "{\"issuer\":\"" ISS "\",\"jwks_uri\":\"\"}", NULL,
		  "no \"jwks_uri\" string" },
		{ "{\"issuer\":\"" ISS "\",\"jwks_uri\":7}", NULL,
		  "no \"jwks_uri\" string" },
		{ "[\"" ISS "\"]", NULL, "not a JSON object" },
		{ "{\"issuer\":\"" ISS "\",\"issuer\":\"https://evil\","
		  "\"jwks_uri\":\"x\"}", NULL, "metadata: " },
		{ "not json", NULL, "metadata: " },
	};
	struct jf_msg m;
	char uri[256];
	size_t i;
	enum jf_err rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m.s[0] = '\0';
		rc = asmeta_jwks_uri(t[i].doc, strlen(t[i].doc), ISS, uri,
		    sizeof(uri), &m);
		if (t[i].want != NULL) {
			is(rc, JF_OK, t[i].doc);
			is_str(uri, t[i].want, "  its jwks_uri");
		} else {
			is(rc, JF_E_CONFIG, t[i].doc);
			ok(strstr(m.s, t[i].why) != NULL, "  says why");
			if (strstr(m.s, t[i].why) == NULL)
				diag("%s", m.s);
		}
	}
	ok(asmeta_jwks_uri(t[0].doc, strlen(t[0].doc), ISS, uri, 8, &m) ==
	    JF_E_CONFIG &&
	    strstr(m.s, "over 7 bytes") != NULL, "a jwks_uri too long for the "
	    "room is refused");
	return done_testing();
}

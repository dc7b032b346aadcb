/* asmeta.c - the jwks_uri of RFC 8414 metadata, after checking whose it
 * is. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "oauth/asmeta.h"
#include "util/json.h"

#define ASMETA_DEPTH 16

enum jf_err
asmeta_jwks_uri(const char *doc, size_t n, const char *issuer, char *uri,
	size_t room, struct jf_msg *m)
{
	struct json_object *o = NULL;
	struct jf_msg why;
	const char *iss, *ju;
	enum jf_err rc = JF_E_CONFIG;

	if (n > ASMETA_BYTES_MAX)
		return jf_fail(m, rc, "metadata over %d bytes", ASMETA_BYTES_MAX);
	why.s[0] = '\0';
	if (json_parse(&o, doc, n, ASMETA_DEPTH, &why) != JF_OK)
		return jf_fail(m, rc, "metadata: %s", why.s);
	if (!json_object_is_type(o, json_type_object)) {
		jf_fail(m, rc, "metadata: not a JSON object");
		goto out;
	}
	if ((iss = json_str(o, "issuer")) == NULL) {
		jf_fail(m, rc, "metadata: no \"issuer\" string");
		goto out;
	}
	/* RFC 8414 §3.3: identical, or the metadata must not be used
	 * (an attacker's document for another issuer, mix-up). */
	if (strcmp(iss, issuer) != 0) {
		jf_fail(m, rc, "metadata: issuer \"%.100s\" is not \"%.100s\" "
		    "(RFC 8414 section 3.3)", iss, issuer);
		goto out;
	}
	if ((ju = json_str(o, "jwks_uri")) == NULL || *ju == '\0') {
		jf_fail(m, rc, "metadata: no \"jwks_uri\" string");
		goto out;
	}
	if (strlen(ju) >= room) {
		jf_fail(m, rc, "metadata: jwks_uri over %zu bytes", room - 1);
		goto out;
	}
	memcpy(uri, ju, strlen(ju) + 1);
	rc = JF_OK;
out:
	json_object_put(o);
	return rc;
}

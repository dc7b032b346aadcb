/* meta.c - the RFC 8414 metadata, computed once at load (with the JWKS
 * documents, keys.c) and served as a stored string; and the JSON error
 * body.
 *
 * Metadata choices (RFC 8414 §2), also in jwt-mint.fcgi(8):
 *   - response_types_supported is REQUIRED but names response_type values
 *     of the authorization endpoint, which the mint does not have. It is
 *     the empty array: ["token"] would announce the implicit grant.
 *     oauth4webapi and openid-client do not read it for client
 *     credentials.
 *   - scopes_supported is omitted: scopes are per service (registry).
 *   - token_endpoint_auth_signing_alg_values_supported lists what
 *     private_key_jwt assertions may be signed with; each registered key
 *     allows the ones of its type (key.h).
 *   - tls_client_certificate_bound_access_tokens (RFC 8705 §3.3) is true
 *     only when some service gets bound tokens: it has match rules and
 *     its bind_certificate, or mint.conf's, says yes. Recomputed with
 *     the registry at every reload.
 *   - with cimd_allow, client_id_metadata_document_supported is true
 *     (draft-ietf-oauth-client-id-metadata-document-03 §5) and
 *     grant_types_supported adds the jwt-bearer grant, which is served
 *     then only; without it both stay as they were.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/log.h"
#include "mint.h"

static enum jf_err meta_iss_path(struct mint_state *s);
static struct json_object *meta_strings(const char *const *v, size_t n);
static enum jf_err meta_dup(struct json_object *o, char **out, size_t *len);
static void meta_describe(char *dst, size_t room, const char *s);
static int meta_may_bind(const struct mint_state *s);

/* The issuer URL's path without trailing '/': "" for https://h,
 * "/mint" for https://h/mint/. conf.c checked the URL's shape. */
static enum jf_err
meta_iss_path(struct mint_state *s)
{
	const char *iss = s->conf->issuer, *p;
	size_t n;

	p = strstr(iss, "://");
	p = p != NULL ? strchr(p + 3, '/') : NULL;
	if (p == NULL)
		p = "";
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if ((s->iss_path = strndup(p, n)) == NULL)
		return JF_E_NOMEM;
	return JF_OK;
}

static struct json_object *
meta_strings(const char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_object_array_add(a,
		    json_object_new_string(v[i])) != 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

/* Does any service get certificate-bound tokens? One pass at load. */
static int
meta_may_bind(const struct mint_state *s)
{
	const struct reg_service *svc;
	size_t i;

	for (i = 0; (svc = registry_service(s->reg, i)) != NULL; i++)
		if (registry_svc_bind(svc, s->conf->bind_certificate))
			return 1;
	return 0;
}

static enum jf_err
meta_dup(struct json_object *o, char **out, size_t *len)
{
	const char *t;
	size_t n;

	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (t == NULL || (*out = strdup(t)) == NULL)
		return JF_E_NOMEM;
	n = strlen(t);
	if (n > REQ_BODY_MAX)
		return JF_E_CONFIG;
	*len = n;
	return JF_OK;
}

enum jf_err
mint_meta_build(struct mint_state *s, struct jf_msg *m)
{
	static const char *const grants[] = { MINT_GRANT_CC, MINT_GRANT_JWT };
	static const char *const auths[] = { "tls_client_auth",
		"client_secret_basic", "client_secret_post", "private_key_jwt" };
	static const char *const algs[] = { "ES256", "ES384", "RS256",
		"PS256", "EdDSA" };
	struct json_object *o = NULL;
	int cimd = s->conf->cimd.nallow > 0;
	enum jf_err rc = JF_E_NOMEM;

	if (meta_iss_path(s) != JF_OK)
		goto fail;
	if ((rc = mint_keys_build(s, m)) != JF_OK)
		return rc;
	rc = JF_E_NOMEM;
	if ((o = json_object_new_object()) == NULL)
		goto fail;
	if (json_object_object_add(o, "issuer",
	    json_object_new_string(s->conf->issuer)) != 0 ||
	    json_object_object_add(o, "token_endpoint",
	    json_object_new_string(s->conf->token_endpoint)) != 0 ||
	    json_object_object_add(o, "jwks_uri",
	    json_object_new_string(s->conf->jwks_uri)) != 0 ||
	    json_object_object_add(o, "grant_types_supported",
	    meta_strings(grants, cimd ? 2 : 1)) != 0 ||
	    json_object_object_add(o, "token_endpoint_auth_methods_supported",
	    meta_strings(auths, 4)) != 0 ||
	    json_object_object_add(o, "revocation_endpoint",
	    json_object_new_string(s->conf->revocation_endpoint)) != 0 ||
	    json_object_object_add(o, "revocation_endpoint_auth_methods_supported",
	    meta_strings(auths, 4)) != 0 ||
	    json_object_object_add(o,
	    "revocation_endpoint_auth_signing_alg_values_supported",
	    meta_strings(algs, 5)) != 0 ||
	    json_object_object_add(o,
	    "token_endpoint_auth_signing_alg_values_supported",
	    meta_strings(algs, 5)) != 0 ||
	    json_object_object_add(o, "tls_client_certificate_bound_access_tokens",
	    json_object_new_boolean(meta_may_bind(s))) != 0 ||
	    json_object_object_add(o, "response_types_supported",
	    meta_strings(NULL, 0)) != 0 ||
	    (cimd && json_object_object_add(o,
	    "client_id_metadata_document_supported",
	    json_object_new_boolean(1)) != 0))
		goto fail;
	rc = meta_dup(o, &s->meta_json, &s->meta_len);
fail:
	json_object_put(o);
	if (rc == JF_E_CONFIG)
		return jf_fail(m, rc, "%s: metadata larger than the %d bytes a "
		    "response may hold", s->conf->path, REQ_BODY_MAX);
	if (rc != JF_OK)
		return jf_fail(m, rc, "out of memory");
	return JF_OK;
}

void
mint_meta(const struct mint_state *s, struct req *r, int head)
{
	req_header(r, "Content-Type", "application/json");
	req_header(r, "Cache-Control", "public, max-age=%ld",
	    s->conf->jwks_max_age);
	if (!head)
		req_body(r, s->meta_json, s->meta_len);
}

/* RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E, so
 * quotes become apostrophes and anything else outside it '?'. */
static void
meta_describe(char *dst, size_t room, const char *s)
{
	size_t i;
	unsigned char c;

	for (i = 0; i + 1 < room && s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		dst[i] = c == '"' ? '\'' : c == '\\' ? '/' :
		    (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

void
mint_error(struct req *r, enum jf_err e, const char *description)
{
	struct json_object *o = json_object_new_object();
	const char *code = jf_oauth_error(e), *t;
	char desc[JF_MSG_MAX];

	req_status(r, jf_http_status(e));
	/* RFC 6749 §5.1 and §5.2: errors of the token endpoint are not
	 * cached either. */
	req_header(r, "Content-Type", "application/json");
	req_header(r, "Cache-Control", "no-store");
	req_header(r, "Pragma", "no-cache");
	if (o == NULL)
		return;
	json_object_object_add(o, "error", json_object_new_string(
	    code != NULL ? code : "invalid_request"));
	if (description != NULL && *description != '\0') {
		meta_describe(desc, sizeof(desc), description);
		json_object_object_add(o, "error_description",
		    json_object_new_string(desc));
	}
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (t != NULL)
		req_body(r, t, strlen(t));
	json_object_put(o);
}

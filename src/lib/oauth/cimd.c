/* cimd.c - client ID metadata documents: the URL, the document and its
 * keys (cimd.h has the rules). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "jose/jwks.h"
#include "oauth/cimd.h"
#include "util/json.h"

#define CIMD_DEPTH 16

/* Members that would make the client hold a shared secret. */
static const char *const secret_members[] = {
	"client_secret", "client_secret_expires_at", NULL
};
static const char *const secret_methods[] = {
	"client_secret_basic", "client_secret_post", "client_secret_jwt", NULL
};

enum jf_err
cimd_url_check(const char *url, struct jf_msg *m)
{
	const char *host, *path, *seg, *end;
	size_t n = 0;
	struct jf_msg why;

	why.s[0] = '\0';
	if (fetch_url_check(url, 0, &why) != JF_OK)
		return jf_fail(m, JF_E_INVALID_CLIENT, "client_id URL: %s",
		    why.s);
	/* fetch_url_check took https (any case) and refused userinfo and
	 * fragments; the draft wants the scheme as https exactly. */
	if (strncmp(url, "https://", 8) != 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "client_id URL: the "
		    "scheme must be \"https\"");
	host = url + 8;
	path = host + strcspn(host, "/?");
	if (*path != '/' || path[1] == '\0' || path[1] == '?')
		return jf_fail(m, JF_E_INVALID_CLIENT, "client_id URL: a path "
		    "is required");
	end = path + strcspn(path, "?");
	for (seg = path + 1; seg < end; seg += n + 1) {
		n = strcspn(seg, "/");
		if (seg + n > end)
			n = (size_t)(end - seg);
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return jf_fail(m, JF_E_INVALID_CLIENT, "client_id URL: "
			    "\".\" and \"..\" path segments are not allowed");
	}
	return JF_OK;
}

enum jf_err
cimd_pattern_check(const char *pattern, int *prefix, struct jf_msg *m)
{
	char probe[FETCH_URL_MAX + 2];
	struct jf_msg why;
	size_t n = strlen(pattern);

	*prefix = 0;
	if (n == 0)
		return jf_fail(m, JF_E_CONFIG, "expected a client ID URL, or a "
		    "prefix ending in \"/\"");
	if (n > FETCH_URL_MAX)
		return jf_fail(m, JF_E_CONFIG, "longer than %d bytes",
		    FETCH_URL_MAX);
	*prefix = pattern[n - 1] == '/';
	if (*prefix && strpbrk(pattern, "?#") != NULL)
		return jf_fail(m, JF_E_CONFIG, "a prefix ends its path with "
		    "\"/\" and has no query");
	snprintf(probe, sizeof(probe), "%s%s", pattern, *prefix ? "x" : "");
	why.s[0] = '\0';
	if (cimd_url_check(probe, &why) != JF_OK)
		return jf_fail(m, JF_E_CONFIG, "%s", why.s);
	return JF_OK;
}

/* No encoded dot, slash or backslash, and no backslash. */
static int
cimd_below(const char *rest)
{
	const char *p;

	if (strchr(rest, '\\') != NULL)
		return 0;
	for (p = rest; (p = strchr(p, '%')) != NULL; p++)
		if (strncasecmp(p, "%2e", 3) == 0 ||
		    strncasecmp(p, "%2f", 3) == 0 ||
		    strncasecmp(p, "%5c", 3) == 0)
			return 0;
	return 1;
}

size_t
cimd_match(const char *pattern, int prefix, const char *url)
{
	size_t n;

	if (!prefix)
		return strcmp(pattern, url) == 0 ? SIZE_MAX : 0;
	n = strlen(pattern);
	if (strncmp(pattern, url, n) != 0 || url[n] == '\0' ||
	    !cimd_below(url + n))
		return 0;
	return n;
}

enum jf_err
cimd_parse(const char *doc, size_t n, const char *url, char **jwks,
	char **jwks_uri, struct jf_msg *m)
{
	struct json_object *o = NULL, *v;
	struct jf_msg why;
	const char *cid, *meth, *ju, *t;
	enum jf_err rc = JF_E_INVALID_CLIENT;
	size_t i;

	*jwks = *jwks_uri = NULL;
	if (n > CIMD_BYTES_MAX)
		return jf_fail(m, rc, "client metadata document over %d bytes",
		    CIMD_BYTES_MAX);
	why.s[0] = '\0';
	if (json_parse(&o, doc, n, CIMD_DEPTH, &why) != JF_OK)
		return jf_fail(m, rc, "client metadata document: %s", why.s);
	if (!json_object_is_type(o, json_type_object)) {
		jf_fail(m, rc, "client metadata document: not a JSON object");
		goto out;
	}
	/* The draft: the document's client_id is the URL it came from,
	 * compared as strings. */
	if ((cid = json_str(o, "client_id")) == NULL) {
		jf_fail(m, rc, "client metadata document: no client_id string");
		goto out;
	}
	if (strcmp(cid, url) != 0) {
		jf_fail(m, rc, "client metadata document: client_id \"%.150s\" "
		    "is not the URL it was fetched from", cid);
		goto out;
	}
	for (i = 0; secret_members[i] != NULL; i++)
		if (json_object_object_get_ex(o, secret_members[i], NULL)) {
			jf_fail(m, rc, "client metadata document: \"%s\" is not "
			    "allowed (a document is public: no shared secret)",
			    secret_members[i]);
			goto out;
		}
	if (json_object_object_get_ex(o, "token_endpoint_auth_method", &v)) {
		if ((meth = json_str(o, "token_endpoint_auth_method")) == NULL) {
			jf_fail(m, rc, "client metadata document: "
			    "token_endpoint_auth_method is not a string");
			goto out;
		}
		for (i = 0; secret_methods[i] != NULL; i++)
			if (strcmp(meth, secret_methods[i]) == 0) {
				jf_fail(m, rc, "client metadata document: "
				    "token_endpoint_auth_method \"%s\" needs a "
				    "shared secret, which a public document "
				    "cannot hold", meth);
				goto out;
			}
	}
	ju = json_str(o, "jwks_uri");
	if (json_object_object_get_ex(o, "jwks", &v)) {
		if (ju != NULL) {
			jf_fail(m, rc, "client metadata document: jwks and "
			    "jwks_uri together (RFC 7591 section 2)");
			goto out;
		}
		if (!json_object_is_type(v, json_type_object)) {
			jf_fail(m, rc, "client metadata document: jwks is not "
			    "a JWKS object");
			goto out;
		}
		t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (t == NULL || (*jwks = strdup(t)) == NULL) {
			rc = jf_fail(m, JF_E_NOMEM, "out of memory");
			goto out;
		}
	} else if (ju != NULL) {
		if (fetch_url_check(ju, 0, &why) != JF_OK) {
			jf_fail(m, rc, "client metadata document: jwks_uri: %s",
			    why.s);
			goto out;
		}
		if ((*jwks_uri = strdup(ju)) == NULL) {
			rc = jf_fail(m, JF_E_NOMEM, "out of memory");
			goto out;
		}
	} else if (json_object_object_get_ex(o, "jwks_uri", NULL)) {
		jf_fail(m, rc, "client metadata document: jwks_uri is not a "
		    "string");
		goto out;
	} else {
		jf_fail(m, rc, "client metadata document: no keys (jwks or "
		    "jwks_uri): the client cannot sign");
		goto out;
	}
	rc = JF_OK;
out:
	json_object_put(o);
	return rc;
}

/* The keys, checked strictly: a private member anywhere refuses the
 * document, the rest must be usable public signing keys. */
static enum jf_err
cimd_keys(const char *json, size_t n, char **out, struct jf_msg *m)
{
	struct jwks *k;
	struct jf_msg why;
	enum jf_err rc;

	if ((k = jwks_new()) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	why.s[0] = '\0';
	rc = jwks_parse(k, json, n, &why);
	if (rc == JF_OK && (*out = jwks_to_json(k)) == NULL)
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
	else if (rc != JF_OK)
		rc = jf_fail(m, rc == JF_E_NOMEM ? rc : JF_E_INVALID_CLIENT,
		    "client keys: %s", why.s);
	jwks_free(k);
	return rc;
}

enum jf_err
cimd_resolve(const char *url, const struct fetch_opts *o, size_t doc_max,
	char **out, long *max_age, struct jf_msg *m)
{
	struct fetch_opts fo = *o;
	struct fetch_result dr, kr;
	struct jf_msg why;
	char *jwks = NULL, *ju = NULL;
	enum jf_err rc;

	*out = NULL;
	*max_age = -1;
	memset(&dr, 0, sizeof(dr));
	memset(&kr, 0, sizeof(kr));
	if ((rc = cimd_url_check(url, m)) != JF_OK)
		return rc;
	fo.max_bytes = doc_max > 0 ? doc_max : CIMD_BYTES_DEFAULT;
	fo.accept = "application/json";
	why.s[0] = '\0';
	if ((rc = fetch_get(url, &fo, &dr, &why)) != JF_OK) {
		rc = jf_fail(m, rc, "%s", why.s);
		goto out;
	}
	*max_age = dr.max_age;
	if ((rc = cimd_parse(dr.body, dr.len, url, &jwks, &ju, m)) != JF_OK)
		goto out;
	if (ju != NULL) {
		fo.max_bytes = CIMD_JWKS_BYTES_MAX;
		fo.accept = "application/jwk-set+json, application/json";
		if ((rc = fetch_get(ju, &fo, &kr, &why)) != JF_OK) {
			rc = jf_fail(m, rc, "jwks_uri %s", why.s);
			goto out;
		}
		if (kr.max_age >= 0 && (*max_age < 0 || kr.max_age < *max_age))
			*max_age = kr.max_age;
		rc = cimd_keys(kr.body, kr.len, out, m);
	} else {
		rc = cimd_keys(jwks, strlen(jwks), out, m);
	}
out:
	free(jwks);
	free(ju);
	fetch_result_clear(&dr);
	fetch_result_clear(&kr);
	return rc;
}

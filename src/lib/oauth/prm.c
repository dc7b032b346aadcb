/* prm.c - protected resource metadata (prm.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "oauth/prm.h"
#include "util/json.h"

#define PRM_DEPTH 8

static int prm_tchar(unsigned char c);
static int prm_https(const char *u);

enum jf_err
prm_url(const char *id, char *out, size_t room, struct jf_msg *m)
{
	const char *auth, *rest;
	int n;

	if (strncmp(id, "https://", 8) != 0 || strchr(id, '#') != NULL)
		return jf_fail(m, JF_E_INVALID_REQUEST, "resource %.150s: an "
		    "https URL without a fragment is required", id);
	auth = id + 8;
	rest = auth + strcspn(auth, "/?");
	if (rest == auth)
		return jf_fail(m, JF_E_INVALID_REQUEST, "resource %.150s: no "
		    "host", id);
	/* "https://h/" and "https://h" name the same resource. */
	n = snprintf(out, room, "https://%.*s%s%s", (int)(rest - auth), auth,
	    PRM_WELL_KNOWN, strcmp(rest, "/") == 0 ? "" : rest);
	if (n < 0 || (size_t)n >= room)
		return jf_fail(m, JF_E_INVALID_REQUEST, "resource %.150s: its "
		    "metadata URL is too long", id);
	return JF_OK;
}

static int
prm_add_strs(struct json_object *o, const char *key, const char *const *v,
	size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	if (a == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (json_object_array_add(a, json_object_new_string(v[i])) != 0) {
			json_object_put(a);
			return 1;
		}
	return json_object_object_add(o, key, a) != 0;
}

char *
prm_build(const struct prm *p)
{
	static const char *const header[] = { "header" };
	struct json_object *o;
	const char *s;
	char *out = NULL;
	int bad = 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	bad |= json_object_object_add(o, "resource",
	    json_object_new_string(p->resource)) != 0;
	if (p->nas > 0)
		bad |= prm_add_strs(o, "authorization_servers", p->as, p->nas);
	if (p->nscopes > 0)
		bad |= prm_add_strs(o, "scopes_supported", p->scopes,
		    p->nscopes);
	bad |= prm_add_strs(o, "bearer_methods_supported", header, 1);
	if (p->name != NULL)
		bad |= json_object_object_add(o, "resource_name",
		    json_object_new_string(p->name)) != 0;
	if (p->doc_url != NULL)
		bad |= json_object_object_add(o, "resource_documentation",
		    json_object_new_string(p->doc_url)) != 0;
	/* §2: absent means false; say it only when true. */
	if (p->bound)
		bad |= json_object_object_add(o,
		    "tls_client_certificate_bound_access_tokens",
		    json_object_new_boolean(1)) != 0;
	if (!bad && (s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL)
		out = strdup(s);
	json_object_put(o);
	return out;
}

static int
prm_https(const char *u)
{
	return strncmp(u, "https://", 8) == 0 && u[8] != '\0' &&
	    u[8] != '/' && strchr(u, '#') == NULL;
}

enum jf_err
prm_parse(const char *doc, size_t n, const char *id, struct prm_info *out,
	struct jf_msg *m)
{
	struct json_object *o = NULL, *v, *e;
	struct jf_msg why;
	const char *res, *s;
	enum jf_err rc = JF_E_INVALID_REQUEST;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	if (n > PRM_BYTES_MAX)
		return jf_fail(m, rc, "resource metadata over %d bytes",
		    PRM_BYTES_MAX);
	why.s[0] = '\0';
	if (json_parse(&o, doc, n, PRM_DEPTH, &why) != JF_OK)
		return jf_fail(m, rc, "resource metadata: %s", why.s);
	if (!json_object_is_type(o, json_type_object)) {
		jf_fail(m, rc, "resource metadata: not a JSON object");
		goto out;
	}
	if ((res = json_str(o, "resource")) == NULL) {
		jf_fail(m, rc, "resource metadata: no resource string");
		goto out;
	}
	/* §3.3: else the document must not be used. */
	if (id != NULL && strcmp(res, id) != 0) {
		jf_fail(m, rc, "resource metadata: resource \"%.150s\" is not "
		    "the resource asked about", res);
		goto out;
	}
	if (strlen(res) > PRM_URL_MAX) {
		jf_fail(m, rc, "resource metadata: resource too long");
		goto out;
	}
	memcpy(out->resource, res, strlen(res) + 1);
	if (json_object_object_get_ex(o, "authorization_servers", &v)) {
		if (!json_object_is_type(v, json_type_array)) {
			jf_fail(m, rc, "resource metadata: authorization_servers "
			    "is not an array");
			goto out;
		}
		k = json_object_array_length(v);
		for (i = 0; i < k; i++) {
			e = json_object_array_get_idx(v, i);
			s = json_object_is_type(e, json_type_string) ?
			    json_object_get_string(e) : NULL;
			if (s == NULL || !prm_https(s) ||
			    strlen(s) > PRM_URL_MAX) {
				jf_fail(m, rc, "resource metadata: "
				    "authorization_servers[%zu] is not an https "
				    "URL", i);
				goto out;
			}
			if (out->nas < PRM_MAX_AS)
				memcpy(out->as[out->nas++], s, strlen(s) + 1);
		}
	}
	if (json_object_object_get_ex(o,
	    "tls_client_certificate_bound_access_tokens", &v))
		out->bound = json_object_is_type(v, json_type_boolean) &&
		    json_object_get_boolean(v);
	rc = JF_OK;
out:
	json_object_put(o);
	return rc;
}

/* RFC 9110 §5.6.2 tchar. */
static int
prm_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int
prm_challenge_param(const char *h, const char *name, char *out, size_t room)
{
	const char *p = h, *t, *v;
	size_t tn, o;
	int bearer = 0, found;

	if (room == 0)
		return -1;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		t = p;
		while (prm_tchar((unsigned char)*p))
			p++;
		if ((tn = (size_t)(p - t)) == 0)
			return -1;      /* not a challenge list we can read */
		v = p;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=') {
			/* A scheme: a new challenge, maybe with a token68. */
			bearer = tn == 6 && strncasecmp(t, "Bearer", 6) == 0;
			p = v;
			t = p;
			while (prm_tchar((unsigned char)*p) || *p == '/')
				p++;
			v = p;
			while (*v == ' ' || *v == '\t')
				v++;
			if (p > t && *v == '=' && (v[1] == '=' || v[1] == ',' ||
			    v[1] == '\0')) {
				/* token68 ("abc==") */
				p = v + strspn(v, "=");
				continue;
			}
			p = t;
			continue;
		}
		/* name = value */
		found = bearer && strlen(name) == tn &&
		    strncasecmp(t, name, tn) == 0;
		p = v + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		o = 0;
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (found && o + 1 < room)
					out[o++] = *p;
				else if (found)
					return -1;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			for (; prm_tchar((unsigned char)*p); p++) {
				if (found && o + 1 < room)
					out[o++] = *p;
				else if (found)
					return -1;
			}
		}
		if (found) {
			out[o] = '\0';
			return 0;
		}
	}
	return -1;
}

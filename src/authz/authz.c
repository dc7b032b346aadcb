/* authz.c - one bearer-token decision: parse Authorization, verify the
 * token against the configuration, check its binding to the client
 * certificate (RFC 8705 §3), apply the route's policy, and pass the
 * claims on as Variable-* headers.
 *
 * No file I/O and no key parsing here: the configuration was loaded at
 * start. Nothing the client sends can produce a 500; only a malformed
 * policy variable from the web server's own configuration does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "authz.h"
#include "jose/scache.h"
#include "jose/tcache.h"
#include "jose/token.h"
#include "oauth/prm.h"
#include "self.h"
#include "status.h"
#include "stats.h"
#include "util/log.h"
#include "util/metrics.h"
#include "x509/cert.h"

#define AUTHZ_POLICY_MAX 64     /* name=value pairs in JWT_REQUIRE_CLAIMS */
#define AUTHZ_LOG_FIELD 200     /* bytes of REMOTE_ADDR or REQUEST_URI logged */
/* Bytes of token, route variables and certificate a shared-cache key
 * covers; a request with more does without the shared cache. */
#define AUTHZ_SKEY_MAX (24 * 1024)
/* A shared entry: nvars and the extras' length (2 bytes each), the
 * extras, then the pairs "NAME\0VALUE\0". */
#define AUTHZ_CE_HEAD (4 + AUTHZ_CE_EXTRA_MAX)
/* The start of every refusal of a bound token over the wrong connection. */
#define AUTHZ_BOUND "token is bound to a client certificate (cnf x5t#S256) " \
	"and "

/* The variables every success sets, even to "", so that a proxy copying
 * them always overwrites any a client sent under the same name. */
static const struct {
	const char *var;
	const char *claim;
	const char *alt;        /* used when claim is absent */
	char sep;               /* joins an array of strings */
} authz_std[AUTHZ_STD_VARS] = {
	{ "JWT_SUB", "sub", NULL, ' ' },
	{ "JWT_ISS", "iss", NULL, ' ' },
	{ "JWT_AUD", "aud", NULL, ' ' },
	{ "JWT_SCOPE", "scope", "scp", ' ' },
	{ "JWT_CLIENT_ID", "client_id", NULL, ' ' },
	{ "JWT_JTI", "jti", NULL, ' ' },
	{ "JWT_EXP", "exp", NULL, ' ' },
};

/* The parameters a decision and its log line read, fetched in one pass
 * over the request's (authz_handle). */
static const char *const authz_names[] = {
	"HTTP_AUTHORIZATION", "JWT_RESOURCE", "JWT_REQUIRE_SCOPE",
	"JWT_REQUIRE_CLAIMS", "JWT_SELF_ISSUED", "JWT_REQUIRE_BOUND",
	"SSL_CLIENT_CERT", "REMOTE_ADDR", "REQUEST_URI",
};
#define AUTHZ_NAMES (sizeof(authz_names) / sizeof(authz_names[0]))

struct authz_param {
	const struct req *r;
	const char *v[AUTHZ_NAMES];
};

/* Everything besides the token and the configuration a decision depends
 * on: the route's policy variables and the client certificate. */
struct authz_route {
	const char *v[5];       /* scope, claims, self, bound, cert; NULL: unset */
};

static int authz_is_tchar(unsigned char c);
static int authz_is_token68(unsigned char c);
static enum jf_err authz_bearer(const char *h, const char **tok, size_t *n,
	struct jf_msg *m);
static enum jf_err authz_scope_policy(const char *s, char *out, size_t room,
	struct jf_msg *m);
static const char *authz_json_text(struct json_object *o);
static int authz_matches(struct json_object *o, const char *want,
	size_t wlen);
static enum jf_err authz_claims_policy(const struct tok *t, const char *s,
	struct jf_msg *m);
static enum jf_err authz_bound_policy(const char *s, int *out,
	struct jf_msg *m);
static int authz_is_x5t(struct json_object *o);
static enum jf_err authz_binding(const struct cfg *c, const struct tok *t,
	int route_bound, const char *pem, struct jf_msg *m);
static int authz_append(struct authz_verdict *v, const char *s, size_t n);
static enum jf_err authz_value(struct authz_verdict *v, const char *var,
	const char *claim, struct json_object *o, char sep);
static enum jf_err authz_vars(const struct cfg *c, const struct tok *t,
	struct authz_verdict *v);
static void authz_quoted(const char *s, char *out, size_t room);
static void authz_json_escape(const char *s, char *out, size_t room);
static void authz_clean(const char *s, char *out, size_t room);
static const char *authz_req_param(void *arg, const char *name);
static enum jf_err authz_self_mode(const struct cfg *c, const char *s,
	int *mode, struct jf_msg *m);
static enum jf_err authz_verify(const struct cfg *c, const char *tok,
	size_t n, time_t now, const struct authz_hooks *h, int mode,
	struct tok **out, struct jf_msg *m);
static int authz_shared_key(const char *tok, size_t n,
	const struct authz_route *rt, unsigned char key[SCACHE_KEY_LEN]);
static int authz_shared_get(const struct authz_hooks *h,
	const unsigned char key[SCACHE_KEY_LEN], time_t now,
	struct authz_verdict *v, struct status_ref *sr, char *ex);
static void authz_shared_put(const struct authz_hooks *h,
	const unsigned char key[SCACHE_KEY_LEN], const struct tok *t,
	long leeway, const struct authz_verdict *v,
	const struct status_ref *sr);

/* JWT_SELF_ISSUED: what a route does with tokens [cimd] clients signed. */
enum { SELF_ACCEPT, SELF_REFUSE, SELF_EXCHANGE };

/* RFC 9110 §5.6.2 tchar: the auth-scheme. */
static int
authz_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6750 §2.1 b64token, less the trailing "=" run. */
static int
authz_is_token68(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~+/", c) != NULL;
}

/* "Bearer" 1*SP b64token, and nothing else. Another scheme is no bearer
 * credential at all (401, no error code, RFC 6750 §3.1); a Bearer
 * header we cannot read exactly is a malformed request (400): in
 * particular a comma, which is what a server makes of two Authorization
 * headers, and which must not let one proxy check the first token while
 * the backend reads the second. */
static enum jf_err
authz_bearer(const char *h, const char **tok, size_t *n, struct jf_msg *m)
{
	const char *p = h, *t;

	if (h == NULL || *h == '\0')
		return jf_fail(m, JF_E_NO_TOKEN, "bearer token required");
	while (authz_is_tchar((unsigned char)*p))
		p++;
	if (p == h)
		return jf_fail(m, JF_E_BAD_REQUEST,
		    "malformed Authorization header");
	if (p - h != 6 || strncasecmp(h, "Bearer", 6) != 0)
		return jf_fail(m, JF_E_NO_TOKEN, "bearer token required");
	if (*p != ' ' && *p != '\0')
		return jf_fail(m, JF_E_BAD_REQUEST,
		    "malformed Authorization header: expected a space after "
		    "Bearer");
	while (*p == ' ')
		p++;
	t = p;
	while (authz_is_token68((unsigned char)*p))
		p++;
	if (p == t)
		return jf_fail(m, JF_E_BAD_REQUEST, *p == '\0' ?
		    "empty bearer token" :
		    "malformed Authorization header: bad character in token");
	while (*p == '=')
		p++;
	if (*p == ',')
		return jf_fail(m, JF_E_BAD_REQUEST,
		    "more than one credential in Authorization");
	if (*p != '\0')
		return jf_fail(m, JF_E_BAD_REQUEST,
		    "malformed Authorization header: bad character in token");
	*tok = t;
	*n = (size_t)(p - t);
	return JF_OK;
}

/* JWT_REQUIRE_SCOPE: scope-tokens (RFC 6749 §3.3) separated by spaces.
 * out gets them with single spaces, for tok_has_scopes and scope="". */
static enum jf_err
authz_scope_policy(const char *s, char *out, size_t room, struct jf_msg *m)
{
	size_t o = 0;
	const char *w;

	out[0] = '\0';
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		for (w = s; *s != '\0' && *s != ' '; s++) {
			unsigned char c = (unsigned char)*s;

			if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
				return jf_fail(m, JF_E_CONFIG,
				    "JWT_REQUIRE_SCOPE: bad character 0x%02x",
				    c);
		}
		if (s == w)
			break;
		if (o + (size_t)(s - w) + 2 > room)
			return jf_fail(m, JF_E_CONFIG,
			    "JWT_REQUIRE_SCOPE: longer than %zu bytes",
			    room - 1);
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, w, (size_t)(s - w));
		o += (size_t)(s - w);
		out[o] = '\0';
	}
	return JF_OK;
}

/* JSON text of a scalar or compact JSON of a container. json-c keeps
 * the text a number was parsed from, so 1.50 stays "1.50". */
static const char *
authz_json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* A string equals want; a number or boolean has want as its JSON text;
 * an array has such an element. */
static int
authz_matches(struct json_object *o, const char *want, size_t wlen)
{
	size_t i, k;

	switch (json_object_get_type(o)) {
	case json_type_string:
		return (size_t)json_object_get_string_len(o) == wlen &&
		    memcmp(json_object_get_string(o), want, wlen) == 0;
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		return strlen(authz_json_text(o)) == wlen &&
		    memcmp(authz_json_text(o), want, wlen) == 0;
	case json_type_array:
		k = json_object_array_length(o);
		for (i = 0; i < k; i++) {
			struct json_object *e = json_object_array_get_idx(o, i);

			if (!json_object_is_type(e, json_type_array) &&
			    authz_matches(e, want, wlen))
				return 1;
		}
		return 0;
	case json_type_null:
	case json_type_object:
		return 0;
	}
	return 0;
}

/* JWT_REQUIRE_CLAIMS: "name=value name2=value2", all required. Values
 * cannot contain spaces. With t NULL only the syntax is checked. The
 * refusal names the claim, not the value the route wants, which is the
 * operator's business. */
static enum jf_err
authz_claims_policy(const struct tok *t, const char *s, struct jf_msg *m)
{
	struct json_object *claims = NULL, *o;
	char name[128];
	const char *w, *eq;
	size_t count = 0;

	if (t != NULL)
		claims = (struct json_object *)tok_claims(t);
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		w = s;
		s += strcspn(s, " ");
		if (s == w)
			break;
		eq = memchr(w, '=', (size_t)(s - w));
		if (eq == NULL || eq == w || (size_t)(eq - w) >= sizeof(name))
			return jf_fail(m, JF_E_CONFIG, "JWT_REQUIRE_CLAIMS: "
			    "expected name=value pairs separated by spaces");
		if (++count > AUTHZ_POLICY_MAX)
			return jf_fail(m, JF_E_CONFIG, "JWT_REQUIRE_CLAIMS: "
			    "more than %d pairs", AUTHZ_POLICY_MAX);
		if (t == NULL)
			continue;
		memcpy(name, w, (size_t)(eq - w));
		name[eq - w] = '\0';
		if (!json_object_object_get_ex(claims, name, &o) ||
		    !authz_matches(o, eq + 1, (size_t)(s - eq - 1))) {
			authz_clean(name, name, sizeof(name));
			return jf_fail(m, JF_E_FORBIDDEN, "claim %s does not "
			    "have the value this resource requires", name);
		}
	}
	return JF_OK;
}

/* JWT_REQUIRE_BOUND: "1" requires tokens bound to a client certificate
 * on this route; "0", "" or unset leaves it to the issuer's
 * require_bound. Anything else is the operator's typo, not a "no". */
static enum jf_err
authz_bound_policy(const char *s, int *out, struct jf_msg *m)
{
	char shown[40];

	*out = 0;
	if (s == NULL || *s == '\0' || strcmp(s, "0") == 0)
		return JF_OK;
	if (strcmp(s, "1") == 0) {
		*out = 1;
		return JF_OK;
	}
	authz_clean(s, shown, sizeof(shown));
	return jf_fail(m, JF_E_CONFIG, "JWT_REQUIRE_BOUND: expected 1 or 0, "
	    "got \"%s\"", shown);
}

/* RFC 8705 §3.1: x5t#S256 is the base64url SHA-256 of the DER, no
 * padding: 43 characters. A non-canonical last character passes here
 * and then never equals the certificate's own value. */
static int
authz_is_x5t(struct json_object *o)
{
	const char *s;
	size_t i;

	if (!json_object_is_type(o, json_type_string) ||
	    json_object_get_string_len(o) != CERT_X5T_LEN)
		return 0;
	s = json_object_get_string(o);
	for (i = 0; i < CERT_X5T_LEN; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* RFC 8705 §3: a token with cnf x5t#S256 is good only on a connection
 * whose client certificate hashes to that value. pem is what the web
 * server's TLS layer exported (SSL_CLIENT_CERT): a client header arrives
 * as HTTP_*, never under that name. Called on every request, cache hits
 * included: the token is the same, the connection is not. A cnf we
 * cannot check (not an object, a malformed thumbprint, any other
 * confirmation method) refuses the token: its issuer bound it to
 * something, and accepting it unchecked would make it a bearer token. */
static enum jf_err
authz_binding(const struct cfg *c, const struct tok *t, int route_bound,
	const char *pem, struct jf_msg *m)
{
	struct json_object *claims = (struct json_object *)tok_claims(t);
	struct json_object *cnf, *x5t = NULL;
	struct cert *crt = NULL;
	struct jf_msg why = { .s = "" };
	char name[64];
	enum jf_err rc;

	if (!json_object_object_get_ex(claims, "cnf", &cnf)) {
		if (route_bound)
			return jf_fail(m, JF_E_CLAIM, "token is not bound to a "
			    "client certificate (no cnf claim); this resource "
			    "requires bound tokens");
		if (cfg_issuer_require_bound(c, tok_issuer(t)))
			return jf_fail(m, JF_E_CLAIM, "token is not bound to a "
			    "client certificate (no cnf claim); tokens of its "
			    "issuer must be bound here");
		return JF_OK;
	}
	if (!json_object_is_type(cnf, json_type_object))
		return jf_fail(m, JF_E_CLAIM, "cnf claim: expected an object");
	json_object_object_foreach(cnf, k, v) {
		(void)v;
		if (strcmp(k, "x5t#S256") != 0) {
			authz_clean(k, name, sizeof(name));
			return jf_fail(m, JF_E_CLAIM, "cnf claim: confirmation "
			    "method \"%s\" cannot be checked here (only "
			    "x5t#S256, RFC 8705)", name);
		}
	}
	if (!json_object_object_get_ex(cnf, "x5t#S256", &x5t))
		return jf_fail(m, JF_E_CLAIM, "cnf claim: no confirmation "
		    "method");
	if (!authz_is_x5t(x5t))
		return jf_fail(m, JF_E_CLAIM, "cnf claim: x5t#S256: expected "
		    "43 base64url characters (RFC 8705)");
	if (pem == NULL || *pem == '\0')
		return jf_fail(m, JF_E_CLAIM, AUTHZ_BOUND "the request came "
		    "without one (SSL_CLIENT_CERT is unset or empty)");
	if (cert_parse(&crt, pem, strlen(pem), &why) != JF_OK)
		return jf_fail(m, JF_E_CLAIM, AUTHZ_BOUND "the client "
		    "certificate in SSL_CLIENT_CERT cannot be read: %s", why.s);
	rc = strcmp(cert_x5t_s256(crt), json_object_get_string(x5t)) == 0 ?
	    JF_OK : jf_fail(m, JF_E_CLAIM, AUTHZ_BOUND "this request's client "
	    "certificate is another one");
	cert_free(crt);
	return rc;
}

/* Adds bytes to the value being built. 0 on success, -1 when a byte is a
 * control character (it could end the header line at the web server),
 * -2 when the values no longer fit. */
static int
authz_append(struct authz_verdict *v, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	if (n >= sizeof(v->values) - v->used)
		return -2;
	memcpy(v->values + v->used, s, n);
	v->used += n;
	return 0;
}

/* Variable var from claim o (NULL: absent, ""): a string as is, a number
 * or boolean as its JSON text, an array of strings joined with sep, any
 * other array or object as compact JSON. */
static enum jf_err
authz_value(struct authz_verdict *v, const char *var, const char *claim,
	struct json_object *o, char sep)
{
	const char *value = v->values + v->used, *s;
	size_t i, k = 0;
	int rc = 0, strings = 1;

	if (json_object_is_type(o, json_type_array)) {
		k = json_object_array_length(o);
		for (i = 0; i < k; i++)
			if (!json_object_is_type(json_object_array_get_idx(o,
			    i), json_type_string))
				strings = 0;
	}
	if (o == NULL || json_object_is_type(o, json_type_null)) {
		rc = 0;
	} else if (json_object_is_type(o, json_type_string)) {
		rc = authz_append(v, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	} else if (json_object_is_type(o, json_type_array) && strings) {
		for (i = 0; i < k && rc == 0; i++) {
			struct json_object *e = json_object_array_get_idx(o, i);

			if (i > 0)
				rc = authz_append(v, &sep, 1);
			if (rc == 0)
				rc = authz_append(v, json_object_get_string(e),
				    (size_t)json_object_get_string_len(e));
		}
	} else {
		s = authz_json_text(o);
		rc = authz_append(v, s, strlen(s));
	}
	if (rc == 0 && v->used >= sizeof(v->values))
		rc = -2;
	if (rc == 0)
		v->values[v->used++] = '\0';
	if (rc == -1)
		return jf_fail(&v->msg, JF_E_CLAIM,
		    "claim %s contains control characters", claim);
	if (rc == -2)
		return jf_fail(&v->msg, JF_E_TOKEN_TOO_BIG, "claims too large "
		    "to pass on (limit %zu bytes)", sizeof(v->values));
	v->vars[v->nvars].name = var;
	v->vars[v->nvars].value = value;
	v->nvars++;
	return JF_OK;
}

static enum jf_err
authz_vars(const struct cfg *c, const struct tok *t, struct authz_verdict *v)
{
	struct json_object *claims = (struct json_object *)tok_claims(t), *o;
	const struct cfg_map *maps;
	const char *claim;
	enum jf_err rc;
	size_t i, nmaps;

	for (i = 0; i < AUTHZ_STD_VARS; i++) {
		claim = authz_std[i].claim;
		o = NULL;
		if (!json_object_object_get_ex(claims, claim, &o) &&
		    authz_std[i].alt != NULL) {
			claim = authz_std[i].alt;
			json_object_object_get_ex(claims, claim, &o);
		}
		rc = authz_value(v, authz_std[i].var, claim, o,
		    authz_std[i].sep);
		if (rc != JF_OK)
			return rc;
	}
	maps = cfg_maps(c, &nmaps);
	for (i = 0; i < nmaps && v->nvars < AUTHZ_VARS_MAX; i++) {
		o = NULL;
		json_object_object_get_ex(claims, maps[i].claim, &o);
		rc = authz_value(v, maps[i].var, maps[i].claim, o, ',');
		if (rc != JF_OK)
			return rc;
	}
	return JF_OK;
}

/* JWT_SELF_ISSUED = accept (the default), refuse or exchange. */
static enum jf_err
authz_self_mode(const struct cfg *c, const char *s, int *mode,
	struct jf_msg *m)
{
	*mode = SELF_ACCEPT;
	if (s == NULL || strcmp(s, "accept") == 0)
		return JF_OK;
	if (strcmp(s, "refuse") == 0)
		*mode = SELF_REFUSE;
	else if (strcmp(s, "exchange") == 0)
		*mode = SELF_EXCHANGE;
	else
		return jf_fail(m, JF_E_CONFIG, "JWT_SELF_ISSUED: expected "
		    "accept, refuse or exchange");
	if (*mode == SELF_EXCHANGE && cfg_at_key(c, NULL, NULL) == NULL)
		return jf_fail(m, JF_E_CONFIG, "JWT_SELF_ISSUED=exchange needs "
		    "access_token_issuer and access_token_key in %s",
		    cfg_path(c));
	return JF_OK;
}

/* The token against the configured issuers, then, when its iss is a
 * [cimd] client instead, against that client's own keys. */
static enum jf_err
authz_verify(const struct cfg *c, const char *tok, size_t n, time_t now,
	const struct authz_hooks *h, int mode, struct tok **out,
	struct jf_msg *m)
{
	char iss[FETCH_URL_MAX + 1];
	struct tok_rules rules;
	enum jf_err rc;

	memset(&rules, 0, sizeof(rules));
	cfg_rules(c, &rules);
	rules.now = now;
	rc = tok_verify(&rules, tok, n, out, m, NULL, NULL);
	if (rc == JF_E_ISSUER && cfg_cimd_count(c) > 0 &&
	    tok_peek_iss(tok, n, iss, sizeof(iss)) == 0 &&
	    cfg_cimd_find(c, iss) != NULL) {
		if (mode == SELF_REFUSE)
			return jf_fail(m, JF_E_ISSUER, "this resource does not "
			    "take self-issued tokens: present an access token");
		if (h == NULL || h->self == NULL)
			return jf_fail(m, JF_E_NO_KEY, "client %.200s: no "
			    "fetcher runs for client metadata documents: "
			    "restart jwt-authz.fcgi", iss);
		return self_verify(h->self, c, tok, n, iss, now, out, m);
	}
	/* Remote keys may be missing, or older than the token's kid: one
	 * bounded chance to bring them up to date. */
	if (rc == JF_E_NO_KEY && h != NULL && h->retry != NULL &&
	    tok_peek_iss(tok, n, iss, sizeof(iss)) == 0 &&
	    h->retry(h->rarg, iss)) {
		cfg_rules(c, &rules);
		rules.now = now;
		rc = tok_verify(&rules, tok, n, out, m, NULL, NULL);
	}
	return rc;
}

/* SHA-256 over the token and each route input as a presence byte, its
 * length and its bytes, so that no two inputs run together. 0 when they
 * are too large to key: that request does without the shared cache. */
static int
authz_shared_key(const char *tok, size_t n, const struct authz_route *rt,
	unsigned char key[SCACHE_KEY_LEN])
{
	char buf[AUTHZ_SKEY_MAX];
	size_t o = 0, i, k;

	if (n + sizeof(n) > sizeof(buf))
		return 0;
	memcpy(buf, &n, sizeof(n));
	memcpy(buf + sizeof(n), tok, n);
	o = sizeof(n) + n;
	for (i = 0; i < sizeof(rt->v) / sizeof(rt->v[0]); i++) {
		k = rt->v[i] != NULL ? strlen(rt->v[i]) : 0;
		if (sizeof(buf) - o < 1 + sizeof(k) + k)
			return 0;
		buf[o++] = rt->v[i] != NULL;
		memcpy(buf + o, &k, sizeof(k));
		memcpy(buf + o + sizeof(k), rt->v[i] != NULL ? rt->v[i] : "", k);
		o += sizeof(k) + k;
	}
	tcache_hash(buf, o, key);
	return 1;
}

/* A shared hit: the stored pairs become the verdict's variables, and
 * *sr the token's status list entry (uri NULL: none; its strings in ex,
 * AUTHZ_CE_EXTRA_MAX bytes). */
static int
authz_shared_get(const struct authz_hooks *h,
	const unsigned char key[SCACHE_KEY_LEN], time_t now,
	struct authz_verdict *v, struct status_ref *sr, char *ex)
{
	unsigned char buf[SCACHE_DATA_MAX];
	const char *p, *end, *z;
	uint16_t nvars, extra;
	long len;
	size_t i;

	len = scache_get(h->shared, key, h->gen, (double)now, buf,
	    sizeof(buf));
	if (len < AUTHZ_CE_HEAD ||
	    (size_t)len - AUTHZ_CE_HEAD > sizeof(v->values))
		return 0;
	memcpy(&nvars, buf, sizeof(nvars));
	memcpy(&extra, buf + 2, sizeof(extra));
	if (nvars > AUTHZ_VARS_MAX || extra > AUTHZ_CE_EXTRA_MAX)
		return 0;
	memset(sr, 0, sizeof(*sr));
	if (extra > 0) {
		/* mode, idx, then "uri\0iss\0" */
		memcpy(ex, buf + 4, extra);
		if (extra < 1 + 4 + 4 || ex[extra - 1] != '\0')
			return 0;
		sr->mode = (unsigned char)ex[0];
		memcpy(&sr->idx, ex + 1, 4);
		sr->uri = ex + 5;
		z = memchr(sr->uri, '\0', (size_t)extra - 5);
		if (z == NULL || z + 1 >= ex + extra - 1)
			return 0;
		sr->iss = z + 1;
	}
	v->used = (size_t)len - AUTHZ_CE_HEAD;
	memcpy(v->values, buf + AUTHZ_CE_HEAD, v->used);
	p = v->values;
	end = v->values + v->used;
	for (i = 0; i < nvars; i++) {
		v->vars[i].name = p;
		if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			break;
		v->vars[i].value = p = z + 1;
		if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			break;
		p = z + 1;
	}
	if (i < nvars) {        /* never from our own puts: a miss */
		v->used = 0;
		return 0;
	}
	v->nvars = nvars;
	return 1;
}

/* Stores a successful decision for every worker, in the window of the
 * token t it was made on. Too large a one stays out. */
static void
authz_shared_put(const struct authz_hooks *h,
	const unsigned char key[SCACHE_KEY_LEN], const struct tok *t,
	long leeway, const struct authz_verdict *v,
	const struct status_ref *sr)
{
	unsigned char buf[SCACHE_DATA_MAX];
	uint16_t nvars = (uint16_t)v->nvars, extra = 0;
	size_t o = AUTHZ_CE_HEAD, i, a, b;
	double from, until;

	memset(buf, 0, AUTHZ_CE_HEAD);
	if (sr->uri != NULL) {
		a = strlen(sr->uri) + 1;
		b = strlen(sr->iss) + 1;
		if (1 + 4 + a + b > AUTHZ_CE_EXTRA_MAX)
			return;         /* looked up per worker instead */
		buf[4] = (unsigned char)sr->mode;
		memcpy(buf + 5, &sr->idx, 4);
		memcpy(buf + 9, sr->uri, a);
		memcpy(buf + 9 + a, sr->iss, b);
		extra = (uint16_t)(5 + a + b);
	}
	memcpy(buf, &nvars, sizeof(nvars));
	memcpy(buf + 2, &extra, sizeof(extra));
	for (i = 0; i < v->nvars; i++) {
		a = strlen(v->vars[i].name) + 1;
		b = strlen(v->vars[i].value) + 1;
		if (sizeof(buf) - o < a + b)
			return;
		memcpy(buf + o, v->vars[i].name, a);
		memcpy(buf + o + a, v->vars[i].value, b);
		o += a + b;
	}
	scache_window(t, leeway, &from, &until);
	scache_put(h->shared, key, h->gen, from, until, buf, o);
}

void
authz_decide(const struct cfg *c, struct tcache *tc, time_t now,
	authz_param_fn param, void *arg, const struct authz_hooks *h,
	struct authz_verdict *v)
{
	struct tok_rules rules;
	struct tok *t = NULL;
	const struct tok *ct = NULL;
	unsigned char hash[TCACHE_HASH_LEN], skey[SCACHE_KEY_LEN];
	struct status_ref sref;
	char sex[AUTHZ_CE_EXTRA_MAX];
	struct authz_route rt;
	const char *tok = NULL, *s, *claims;
	size_t n = 0, max;
	char *at = NULL;
	int mode, bound = 0, shared = 0;

	v->err = JF_E_INTERNAL;
	v->msg.s[0] = '\0';
	v->scope = NULL;
	v->nvars = v->used = 0;
	v->scopebuf[0] = '\0';
	v->at[0] = '\0';
	v->at_life = 0;
	v->cache = -1;
	/* Which API this is, for the challenge (RFC 9728 §5.1). */
	s = param(arg, "JWT_RESOURCE");
	if ((v->res = cfg_resource(c, s)) == NULL && s != NULL) {
		v->err = jf_fail(&v->msg, JF_E_CONFIG, "JWT_RESOURCE: no "
		    "[resource %.200s] in %s", s, cfg_path(c));
		goto done;
	}
	/* The policy comes first so a misconfigured route fails for every
	 * request, not only for those that carry a valid token. */
	s = rt.v[0] = param(arg, "JWT_REQUIRE_SCOPE");
	if ((v->err = authz_scope_policy(s != NULL ? s : "", v->scopebuf,
	    sizeof(v->scopebuf), &v->msg)) != JF_OK)
		goto done;
	claims = rt.v[1] = param(arg, "JWT_REQUIRE_CLAIMS");
	if (claims != NULL &&
	    (v->err = authz_claims_policy(NULL, claims, &v->msg)) != JF_OK)
		goto done;
	rt.v[2] = param(arg, "JWT_SELF_ISSUED");
	if ((v->err = authz_self_mode(c, rt.v[2], &mode, &v->msg)) != JF_OK)
		goto done;
	rt.v[3] = param(arg, "JWT_REQUIRE_BOUND");
	if ((v->err = authz_bound_policy(rt.v[3], &bound, &v->msg)) != JF_OK)
		goto done;
	rt.v[4] = param(arg, "SSL_CLIENT_CERT");
	v->err = authz_bearer(param(arg, "HTTP_AUTHORIZATION"), &tok, &n,
	    &v->msg);
	if (v->err != JF_OK)
		goto done;
	/* A token this worker verified before skips the signature check;
	 * the size cap still applies so the hash covers bounded input. */
	memset(&rules, 0, sizeof(rules));
	cfg_rules(c, &rules);
	max = rules.max_bytes ? rules.max_bytes : TOK_MAX_BYTES_DEFAULT;
	/* The same decision another worker (or this one) made for the same
	 * token, route and certificate under the same keys: only its time
	 * window is left to check. */
	if (h != NULL && h->shared != NULL && n <= max &&
	    (shared = authz_shared_key(tok, n, &rt, skey)) &&
	    authz_shared_get(h, skey, now, v, &sref, sex)) {
		v->cache = 1;   /* the metrics count a shared hit as a hit */
		/* Revocation: the list may have changed since. */
		v->err = sref.uri == NULL ? JF_OK : status_lookup(h->status,
		    c, &sref, now, &v->msg);
		goto done;
	}
	if (tc != NULL && n <= max) {
		tcache_hash(tok, n, hash);
		ct = tcache_get(tc, hash, now);
		v->cache = ct != NULL;
	}
	if (ct != NULL && tok_restricted(ct) && mode == SELF_REFUSE) {
		v->err = jf_fail(&v->msg, JF_E_ISSUER, "this resource does not "
		    "take self-issued tokens: present an access token");
		goto done;
	}
	if (ct == NULL) {
		v->err = authz_verify(c, tok, n, now, h, mode, &t, &v->msg);
		if (v->err != JF_OK)
			goto done;
		log_debug("verified a token's signature (not cached)");
		if (tc != NULL) {
			tcache_put(tc, hash, t, rules.leeway);
			ct = t;
			t = NULL;
		} else
			ct = t;
	}
	/* Before the route's scope and claims: a token used over the wrong
	 * connection is no credential at all (401), whatever it grants; and
	 * before its status (draft-ietf-oauth-status-list §8.3: a token
	 * found invalid is not looked up, no list fetched for it). */
	if ((v->err = authz_binding(c, ct, bound, rt.v[4], &v->msg)) != JF_OK)
		goto done;
	/* Revocation, for cached tokens too: their list may have changed
	 * since (status.c; per request an index lookup). */
	if ((v->err = status_ref(c, ct, &sref, &v->msg)) != JF_OK ||
	    (sref.uri != NULL && (v->err = status_lookup(h != NULL ?
	    h->status : NULL, c, &sref, now, &v->msg)) != JF_OK))
		goto done;
	if (v->scopebuf[0] != '\0' && !tok_has_scopes(ct, v->scopebuf)) {
		v->scope = v->scopebuf;
		v->err = jf_fail(&v->msg, JF_E_SCOPE,
		    "token lacks a required scope");
		goto done;
	}
	if (claims != NULL &&
	    (v->err = authz_claims_policy(ct, claims, &v->msg)) != JF_OK)
		goto done;
	if ((v->err = authz_vars(c, ct, v)) != JF_OK)
		goto done;
	/* Flow 2: an access token for the next calls, on the same 200. */
	if (mode == SELF_EXCHANGE && tok_restricted(ct)) {
		v->err = self_exchange(c, ct, now, &at, &v->at_life, &v->msg);
		if (v->err == JF_OK && strlen(at) >= sizeof(v->at))
			v->err = jf_fail(&v->msg, JF_E_INTERNAL, "access token "
			    "over %zu bytes", sizeof(v->at) - 1);
		if (v->err == JF_OK)
			memcpy(v->at, at, strlen(at) + 1);
		free(at);
	}
	/* An exchange answer holds a new token each time: not shared. A
	 * token's status list entry goes with it, looked up on every hit. */
	if (v->err == JF_OK && shared && v->at[0] == '\0')
		authz_shared_put(h, skey, ct, rules.leeway, v, &sref);
done:
	if (v->err != JF_OK) {
		v->nvars = 0;
		v->at[0] = '\0';
	}
	tok_free(t);
}

/* For a quoted-string in WWW-Authenticate. RFC 6750 §3 allows only
 * %x20-21 / %x23-5B / %x5D-7E in error_description, so '"' and '\' are
 * replaced rather than escaped, and anything else outside becomes '?'. */
static void
authz_quoted(const char *s, char *out, size_t room)
{
	size_t o = 0;

	for (; *s != '\0' && o + 1 < room; s++) {
		unsigned char c = (unsigned char)*s;

		out[o++] = c == '"' ? '\'' : c == '\\' ? '/' :
		    c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* A JSON string body, ASCII only. */
static void
authz_json_escape(const char *s, char *out, size_t room)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < room; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			o += (size_t)snprintf(out + o, room - o, "\\u%04x",
			    c < 0x20 ? c : '?');
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* For the log: printable ASCII, bounded. s and out may be the same. */
static void
authz_clean(const char *s, char *out, size_t room)
{
	size_t o = 0;

	if (s == NULL)
		s = "-";
	for (; *s != '\0' && o + 1 < room; s++) {
		unsigned char c = (unsigned char)*s;

		out[o++] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	out[o] = '\0';
}

void
authz_answer(const struct cfg *c, const struct authz_verdict *v,
	struct req *r)
{
	char desc[JF_MSG_MAX], jdesc[JF_MSG_MAX * 6 + 8], body[JF_MSG_MAX * 7];
	char name[96];          /* "Variable-" and a variable of <= 64 */
	char more[2 * PRM_URL_MAX + 48] = "";
	const char *code;
	size_t i;
	int status, k;

	if (v->err == JF_OK) {
		/* Only Variable-* on success: Apache copies an authorizer's
		 * other 200 headers into the client's response. */
		req_status(r, 200);
		memcpy(name, "Variable-", 9);
		for (i = 0; i < v->nvars; i++) {
			size_t nl = strlen(v->vars[i].name);

			if (nl >= sizeof(name) - 9)
				nl = sizeof(name) - 10;  /* never: <= 64 */
			memcpy(name + 9, v->vars[i].name, nl);
			name[9 + nl] = '\0';
			req_header_str(r, name, v->vars[i].value);
		}
		/* RFC 9110 §11.6.3: what the client needs after a successful
		 * authentication. Apache passes it on as is, nginx and Caddy
		 * by configuration; lighttpd drops all but Variable-*, so the
		 * same value also goes as one, for its mod_magnet to move. */
		if (v->at[0] != '\0') {
			char info[AUTHZ_AT_MAX + 96];

			snprintf(info, sizeof(info), "access_token=\"%s\", "
			    "token_type=\"Bearer\", expires_in=%ld", v->at,
			    v->at_life);
			req_header(r, "Authentication-Info", "%s", info);
			/* Apache (which says so in FCGI_APACHE_ROLE) would
			 * only hand the token to the backend's environment. */
			if (req_param(r, "FCGI_APACHE_ROLE") == NULL)
				req_header(r, "Variable-JWT_AUTH_INFO", "%s",
				    info);
		}
		return;
	}
	status = jf_http_status(v->err);
	code = jf_oauth_error(v->err);
	req_status(r, status);
	req_header(r, "Cache-Control", "no-store");
	if (v->err == JF_E_UNAVAILABLE) {
		/* E.g. a status list not at hand now: a fault of ours or of
		 * its host, not of the token (the details are logged). */
		snprintf(desc, sizeof(desc), "%s", "temporarily unavailable "
		    "(the authorizer's log says why): retry later");
		code = "temporarily_unavailable";
		req_header(r, "Retry-After", "%d", 5);
	} else if (status >= 500) {
		/* The details went to the log; the client learns nothing
		 * about the server's configuration. */
		snprintf(desc, sizeof(desc), "%s",
		    "authorizer misconfigured; see its log");
		code = "server_error";
	} else {
		authz_quoted(v->msg.s[0] != '\0' ? v->msg.s :
		    jf_strerror(v->err), desc, sizeof(desc));
		/* RFC 9728 §5.1 and the seed's iss: where to get a token.
		 * Both values were checked at load to need no escaping. */
		if (v->res != NULL)
			snprintf(more, sizeof(more), ", resource_metadata=\"%s\""
			    "%s%s%s", v->res->metadata_url,
			    v->res->iss ? ", iss=\"" : "",
			    v->res->iss ? v->res->iss : "",
			    v->res->iss ? "\"" : "");
		if (code == NULL)
			req_header(r, "WWW-Authenticate", "Bearer realm=\"%s\"%s",
			    cfg_realm(c), more);
		else
			req_header(r, "WWW-Authenticate",
			    "Bearer realm=\"%s\", error=\"%s\", "
			    "error_description=\"%s\"%s%s%s%s",
			    cfg_realm(c), code, desc,
			    v->scope != NULL ? ", scope=\"" : "",
			    v->scope != NULL ? v->scope : "",
			    v->scope != NULL ? "\"" : "", more);
	}
	authz_json_escape(status >= 500 ? desc : v->msg.s[0] != '\0' ?
	    v->msg.s : jf_strerror(v->err), jdesc, sizeof(jdesc));
	if (code == NULL)
		k = snprintf(body, sizeof(body),
		    "{\"error_description\":\"%s\"}\n", jdesc);
	else
		k = snprintf(body, sizeof(body),
		    "{\"error\":\"%s\",\"error_description\":\"%s\"}\n", code,
		    jdesc);
	req_header(r, "Content-Type", "application/json");
	req_body(r, body, (size_t)k < sizeof(body) ? (size_t)k :
	    sizeof(body) - 1);
}

static const char *
authz_req_param(void *arg, const char *name)
{
	const struct authz_param *p = arg;
	size_t i;

	for (i = 0; i < AUTHZ_NAMES; i++)
		if (strcmp(name, authz_names[i]) == 0)
			return p->v[i];
	return req_param(p->r, name);
}

void
authz_handle(const struct cfg *c, struct tcache *tc,
	const struct authz_hooks *h, struct req *r)
{
	struct authz_verdict v;    /* 11 KiB; a worker's stack is 8 MiB */
	struct authz_param p;
	char addr[AUTHZ_LOG_FIELD], uri[AUTHZ_LOG_FIELD], sub[AUTHZ_LOG_FIELD];
	const char *code, *serve;
	uint64_t t0;

	if (req_role(r) == REQ_RESPONDER && (serve = req_param(r, "JWT_SERVE"))
	    != NULL) {
		if (strcmp(serve, "resource-metadata") == 0)
			authz_metadata(c, r);
		else {
			log_error("JWT_SERVE: expected resource-metadata "
			    "or metrics");
			req_status(r, 500);
		}
		return;
	}
	p.r = r;
	req_params(r, authz_names, AUTHZ_NAMES, p.v);
	t0 = met_now_us();
	authz_decide(c, tc, time(NULL), authz_req_param, &p, h, &v);
	authz_answer(c, &v, r);
	stats_decision(h != NULL ? h->stats : NULL, v.err, v.cache, t0);
	/* A success is logged at debug only: nothing to prepare otherwise. */
	if (v.err == JF_OK && !log_wants(LOG_LVL_DEBUG))
		return;
	authz_clean(authz_req_param(&p, "REMOTE_ADDR"), addr, sizeof(addr));
	authz_clean(authz_req_param(&p, "REQUEST_URI"), uri, sizeof(uri));
	/* The path only: a query string may carry a token or a secret
	 * (?access_token=..., which RFC 6750 §2.3 allows clients to send). */
	uri[strcspn(uri, "?#")] = '\0';
	if (v.err == JF_OK) {
		authz_clean(v.vars[0].value[0] != '\0' ? v.vars[0].value :
		    "-", sub, sizeof(sub));
		log_debug("allowed: sub %s (remote %s, uri %s)", sub, addr,
		    uri);
		return;
	}
	code = jf_oauth_error(v.err);
	if (jf_http_status(v.err) >= 500)
		log_error("refused: %d server_error: %s (remote %s, uri %s)",
		    jf_http_status(v.err), v.msg.s, addr, uri);
	else
		log_info("refused: %d %s: %s (remote %s, uri %s)",
		    jf_http_status(v.err), code != NULL ? code : "-",
		    v.msg.s, addr, uri);
}

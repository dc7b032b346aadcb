/* token.c - POST .../token: RFC 6749 client_credentials, or the RFC
 * 7523 §2.1 jwt-bearer grant where client ID metadata documents are on
 * (bearer.c), answered with an RFC 9068 JWT access token. The client of
 * client_credentials authenticates by one method (client.c): the
 * certificate the web server verified (RFC 8705 tls_client_auth; the
 * token is then bound to it, RFC 8705 §3.1 cnf/x5t#S256, where the
 * service's bind_certificate or mint.conf's says so), a client secret,
 * or a private_key_jwt assertion.
 *
 * Order of checks: Content-Type, form, grant_type, client authentication
 * (which needs the form: client_secret and client_assertion live there),
 * scope, audience, then a key that is active now (keys.c): a stranger
 * learns nothing of the schedule, a client learns why it must wait.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "util/form.h"
#include "util/log.h"
#include "util/metrics.h"
#include "mint.h"
#include "jose/token.h"

#define MT_FORM_TYPE "application/x-www-form-urlencoded"
#define MT_SCOPES_MAX 256      /* scope tokens in one request */

static int mt_loopback(const char *addr);
static enum jf_err mt_tls(const struct mint_state *s, mint_param_fn param,
	void *arg, struct jf_msg *m);
static int mt_is_ows(char c);
static enum jf_err mt_content_type(const char *ct, struct jf_msg *m);
static int mt_scope_char(unsigned char c);
static int mt_scope_listed(const char *list, const char *t, size_t n);
static enum jf_err mt_scope(const struct reg_service *svc, const char *who,
	const char *req, char *out, size_t room, struct jf_msg *m);
static enum jf_err mt_audience(const struct reg_service *svc,
	const struct form *f, struct mint_grant *g);
static enum jf_err mt_jti(char *out, size_t room);
static enum jf_err mt_claims(const struct mint_state *s,
	const struct reg_service *svc, time_t now, const struct mint_grant *g,
	struct json_object **out);
static enum jf_err mt_issue(const struct mint_state *s,
	const struct reg_service *svc, time_t now, struct mint_grant *g);
static const char *mt_req_param(void *arg, const char *name);
static void mt_answer(const struct mint_state *s, const struct mint_grant *g,
	struct req *r);

/* 127.0.0.0/8, ::1 and their IPv4-mapped form, as web servers write
 * REMOTE_ADDR. */
static int
mt_loopback(const char *addr)
{
	if (addr == NULL)
		return 0;
	if (strncmp(addr, "::ffff:", 7) == 0)
		addr += 7;
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* RFC 6749 §3.2: the token endpoint MUST require TLS; client secrets
 * (§2.3.1) and the tokens themselves travel through it. The web server
 * says HTTPS=on for a TLS request (lighttpd, Apache mod_ssl, nginx's
 * fastcgi_params, Caddy). plain_http = loopback lets a sidecar mint take
 * plain requests from its own host (seed 002). */
static enum jf_err
mt_tls(const struct mint_state *s, mint_param_fn param, void *arg,
	struct jf_msg *m)
{
	const char *https = param(arg, "HTTPS");

	if (https != NULL && strcasecmp(https, "on") == 0)
		return JF_OK;
	if (s->conf->plain_http_loopback && mt_loopback(param(arg,
	    "REMOTE_ADDR")))
		return JF_OK;
	return jf_fail(m, JF_E_INVALID_REQUEST, "the token endpoint takes "
	    "requests over TLS only (RFC 6749 sections 2.3.1 and 3.2): use "
	    "https; a client secret sent without TLS must be considered "
	    "exposed");
}

enum jf_err
mint_tls_check(const struct mint_state *s, mint_param_fn param, void *arg,
	struct jf_msg *m)
{
	return mt_tls(s, param, arg, m);
}

static int
mt_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 §8.3: type/subtype case-insensitive, then parameters. Only
 * charset is allowed, and only one the form's bytes can be in. */
static enum jf_err
mt_content_type(const char *ct, struct jf_msg *m)
{
	size_t k = strlen(MT_FORM_TYPE), n;
	const char *p;

	if (ct == NULL)
		return jf_fail(m, JF_E_INVALID_REQUEST, "Content-Type must be "
		    MT_FORM_TYPE);
	for (p = ct; mt_is_ows(*p); p++)
		continue;
	if (strncasecmp(p, MT_FORM_TYPE, k) != 0)
		goto bad;
	for (p += k; mt_is_ows(*p); p++)
		continue;
	while (*p == ';') {
		for (p++; mt_is_ows(*p); p++)
			continue;
		if (*p == '\0')
			break;
		if (strncasecmp(p, "charset=", 8) != 0)
			goto bad;
		p += 8;
		n = *p == '"' ? 1 : 0;
		if (strncasecmp(p + n, "utf-8", 5) == 0)
			p += n + 5;
		else if (strncasecmp(p + n, "us-ascii", 8) == 0)
			p += n + 8;
		else
			goto bad;
		if (n && *p++ != '"')
			goto bad;
		while (mt_is_ows(*p))
			p++;
	}
	if (*p == '\0')
		return JF_OK;
bad:
	return jf_fail(m, JF_E_INVALID_REQUEST, "Content-Type must be "
	    MT_FORM_TYPE " (charset UTF-8 if any), got \"%.80s\"", ct);
}

enum jf_err
mint_form_type(const char *ct, struct jf_msg *m)
{
	return mt_content_type(ct, m);
}

/* RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
static int
mt_scope_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

/* The space-separated list already holds the n bytes at t. */
static int
mt_scope_listed(const char *list, const char *t, size_t n)
{
	const char *p = list;
	size_t k;

	while (*p != '\0') {
		k = strcspn(p, " ");
		if (k == n && memcmp(p, t, n) == 0)
			return 1;
		p += k;
		if (*p == ' ')
			p++;
	}
	return 0;
}

/* The granted scope: the request's (every token one of the service's,
 * duplicates dropped) or, without one, the service's default_scope,
 * which may be empty (then the token has no scope claim). */
static enum jf_err
mt_scope(const struct reg_service *svc, const char *who, const char *req,
	char *out, size_t room, struct jf_msg *m)
{
	size_t used = 0, n, i, count = 0;
	const char *p, *t;

	out[0] = '\0';
	if (req == NULL) {
		for (i = 0; i < registry_svc_default_scope_count(svc); i++) {
			t = registry_svc_default_scope(svc, i);
			n = strlen(t);
			if (used + n + 2 > room)
				return jf_fail(m, JF_E_INVALID_SCOPE, "default "
				    "scope longer than %zu bytes", room - 1);
			if (used > 0)
				out[used++] = ' ';
			memcpy(out + used, t, n + 1);
			used += n;
		}
		return JF_OK;
	}
	for (p = req; ; p += n + 1) {
		for (n = 0; p[n] != '\0' && p[n] != ' '; n++)
			if (!mt_scope_char((unsigned char)p[n]))
				return jf_fail(m, JF_E_INVALID_SCOPE, "scope: "
				    "character 0x%02x not allowed (RFC 6749 "
				    "section 3.3)", (unsigned char)p[n]);
		if (n == 0)
			return jf_fail(m, JF_E_INVALID_SCOPE, "scope: empty "
			    "scope token (one space between scopes)");
		if (++count > MT_SCOPES_MAX)
			return jf_fail(m, JF_E_INVALID_SCOPE, "scope: more than "
			    "%d scopes", MT_SCOPES_MAX);
		if (!registry_svc_has_scope(svc, p, n))
			return jf_fail(m, JF_E_INVALID_SCOPE, "scope \"%.*s\" is "
			    "not granted to %s %.200s", (int)(n > 64 ? 64 : n),
			    p, registry_svc_cimd(svc) ? "client" : "service",
			    who);
		if (!mt_scope_listed(out, p, n)) {
			if (used + n + 2 > room)
				return jf_fail(m, JF_E_INVALID_SCOPE, "scope: "
				    "longer than %zu bytes", room - 1);
			if (used > 0)
				out[used++] = ' ';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		if (p[n] == '\0')
			break;
	}
	return JF_OK;
}

/* RFC 8707 resource, or audience (the name other mints use): one of the
 * service's audiences; without either, its default audience, or its
 * only one. A jwt-bearer assertion that named the API (aud_asserted)
 * has chosen already: resource may only repeat it. */
static enum jf_err
mt_audience(const struct reg_service *svc, const struct form *f,
	struct mint_grant *g)
{
	const char *res = form_get(f, "resource");
	const char *aud = form_get(f, "audience");
	const char *who = registry_svc_cimd(svc) ? "client" : "service";
	const char *want;
	struct jf_msg *m = &g->msg;

	if (res != NULL && aud != NULL)
		return jf_fail(m, JF_E_INVALID_REQUEST, "give resource or "
		    "audience, not both");
	want = res != NULL ? res : aud;
	if (g->aud_asserted) {
		if (want != NULL && strcmp(want, g->aud) != 0)
			return jf_fail(m, JF_E_INVALID_TARGET, "%s \"%.100s\" "
			    "is not the API the assertion names as its aud "
			    "(\"%.100s\")", res != NULL ? "resource" :
			    "audience", want, g->aud);
		return JF_OK;
	}
	if (want != NULL) {
		if (!registry_svc_has_audience(svc, want))
			return jf_fail(m, JF_E_INVALID_TARGET, "%s \"%.100s\" is "
			    "not an audience of %s %.200s", res != NULL ?
			    "resource" : "audience", want, who, g->service);
	} else if ((want = registry_svc_default_audience(svc)) == NULL) {
		if (registry_svc_audience_count(svc) != 1)
			return jf_fail(m, JF_E_INVALID_TARGET, "%s %.200s has "
			    "no default_audience: send resource", who,
			    g->service);
		want = registry_svc_audience(svc, 0);
	}
	if (strlen(want) >= sizeof(g->aud))
		return jf_fail(m, JF_E_INVALID_TARGET, "audience longer than "
		    "%zu bytes", sizeof(g->aud) - 1);
	strcpy(g->aud, want);
	return JF_OK;
}

static enum jf_err
mt_jti(char *out, size_t room)
{
	unsigned char rnd[MINT_JTI_BYTES];

	if (room < B64URL_ENC_LEN(MINT_JTI_BYTES) + 1 ||
	    gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0)
		return JF_E_INTERNAL;
	b64url_encode(out, rnd, sizeof(rnd));
	return JF_OK;
}

/* The service's claims first, then the reserved ones, which therefore
 * win even if a registry ever let one through. */
static enum jf_err
mt_claims(const struct mint_state *s, const struct reg_service *svc,
	time_t now, const struct mint_grant *g, struct json_object **out)
{
	const struct json_object *extra = registry_svc_claims(svc);
	struct json_object *c = NULL, *cnf = NULL;
	/* The client: a registry id, or a document client's URL. */
	const char *id = g->service;
	int bad = 0;

	*out = NULL;
	if (extra != NULL) {
		/* deep_copy's source is not const in json-c 0.16 but is only
		 * read. */
		if (json_object_deep_copy((struct json_object *)extra, &c,
		    NULL) != 0)
			return JF_E_NOMEM;
	} else if ((c = json_object_new_object()) == NULL) {
		return JF_E_NOMEM;
	}
	/* Only a certificate binds the token, and only where configured:
	 * every API that accepts a bound token must then ask for the same
	 * certificate. A secret or an assertion gives a bearer token. */
	if (g->method == MINT_AUTH_TLS && g->x5t[0] != '\0' &&
	    registry_svc_bind(svc, s->conf->bind_certificate) &&
	    ((cnf = json_object_new_object()) == NULL ||
	    json_object_object_add(cnf, "x5t#S256",
	    json_object_new_string(g->x5t)) != 0))
		bad = 1;
	bad |= json_object_object_add(c, "iss",
	    json_object_new_string(s->conf->issuer)) != 0;
	bad |= json_object_object_add(c, "sub",
	    json_object_new_string(id)) != 0;
	bad |= json_object_object_add(c, "aud",
	    json_object_new_string(g->aud)) != 0;
	bad |= json_object_object_add(c, "exp",
	    json_object_new_int64((int64_t)now + g->lifetime)) != 0;
	bad |= json_object_object_add(c, "iat",
	    json_object_new_int64((int64_t)now)) != 0;
	bad |= json_object_object_add(c, "nbf",
	    json_object_new_int64((int64_t)now)) != 0;
	bad |= json_object_object_add(c, "jti",
	    json_object_new_string(g->jti)) != 0;
	bad |= json_object_object_add(c, "client_id",
	    json_object_new_string(id)) != 0;
	if (g->scope[0] != '\0')
		bad |= json_object_object_add(c, "scope",
		    json_object_new_string(g->scope)) != 0;
	else
		json_object_object_del(c, "scope");
	json_object_object_del(c, "cnf");
	if (!bad && cnf != NULL) {
		bad = json_object_object_add(c, "cnf", cnf) != 0;
		cnf = bad ? cnf : NULL;
	}
	json_object_put(cnf);
	if (bad) {
		json_object_put(c);
		return JF_E_NOMEM;
	}
	*out = c;
	return JF_OK;
}

static enum jf_err
mt_issue(const struct mint_state *s, const struct reg_service *svc,
	time_t now, struct mint_grant *g)
{
	struct json_object *claims = NULL;
	const struct jf_key *k;
	long life = registry_svc_lifetime(svc);
	enum jf_err rc;

	/* A key not yet due or already retired never signs: better no
	 * token than one the verifiers do not know or have dropped. */
	if ((k = mint_signer(s, now, &g->msg, &g->retry_after)) == NULL)
		return JF_E_UNAVAILABLE;
	if (life <= 0)
		life = s->conf->token_lifetime;
	if (life > s->conf->max_token_lifetime)
		life = s->conf->max_token_lifetime;
	g->lifetime = life;
	if (mt_jti(g->jti, sizeof(g->jti)) != JF_OK)
		return jf_fail(&g->msg, JF_E_INTERNAL, "no random bytes for "
		    "jti");
	if ((rc = mt_claims(s, svc, now, g, &claims)) != JF_OK)
		return jf_fail(&g->msg, rc, "out of memory");
	if ((rc = mint_status_issue(s, now, g, claims)) != JF_OK) {
		json_object_put(claims);
		return rc;
	}
	rc = tok_sign(k, "at+jwt", claims, &g->token, &g->msg);
	json_object_put(claims);
	return rc;
}

void
mint_token_decide(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const char *body, size_t len,
	struct mint_grant *g)
{
	const struct reg_service *svc = NULL;
	struct form *f = NULL;
	const char *grant;
	struct jf_msg *m = &g->msg;

	if ((g->err = mt_tls(s, param, arg, m)) != JF_OK)
		goto out;
	if (len > 0) {
		if ((g->err = mt_content_type(param(arg, "CONTENT_TYPE"),
		    m)) != JF_OK)
			goto out;
	}
	if ((g->err = form_parse(&f, body, len, m)) != JF_OK)
		goto out;
	/* Only a bare POST means client_credentials: a body that names no
	 * grant_type is a malformed request. */
	grant = form_get(f, "grant_type");
	if (grant == NULL && len > 0) {
		g->err = jf_fail(m, JF_E_INVALID_REQUEST, "grant_type missing");
		goto out;
	}
	if (grant == NULL || strcmp(grant, MINT_GRANT_CC) == 0) {
		g->grant = MINT_GRANT_CC;
		g->err = mint_client_auth(s, now, param, arg, f, g, &svc);
	} else if (strcmp(grant, MINT_GRANT_JWT) == 0 &&
	    s->conf->cimd.nallow > 0) {
		g->grant = MINT_GRANT_JWT;
		g->err = mint_bearer(s, now, param, arg, f, g, &svc);
	} else {
		g->err = jf_fail(m, JF_E_UNSUPPORTED_GRANT, "grant_type "
		    "\"%.60s\" not supported: use client_credentials%s", grant,
		    s->conf->cimd.nallow > 0 ? " or " MINT_GRANT_JWT : "");
		goto out;
	}
	if (g->err != JF_OK || (g->err = mint_status_blocked(s, g)) != JF_OK)
		goto out;
	if ((g->err = mt_scope(svc, g->service, form_get(f, "scope"),
	    g->scope, sizeof(g->scope), m)) != JF_OK)
		goto out;
	if ((g->err = mt_audience(svc, f, g)) != JF_OK)
		goto out;
	g->err = mt_issue(s, svc, now, g);
out:
	/* On refusal the audit shows what was asked for. */
	if (g->err != JF_OK && g->scope[0] == '\0' && f != NULL &&
	    form_get(f, "scope") != NULL)
		snprintf(g->scope, sizeof(g->scope), "%s",
		    form_get(f, "scope"));
	form_free(f);
}

void
mint_grant_clear(struct mint_grant *g)
{
	if (g->token != NULL) {
		free(g->token);
		g->token = NULL;
	}
}

static const char *
mt_req_param(void *arg, const char *name)
{
	return req_param(arg, name);
}

static void
mt_answer(const struct mint_state *s, const struct mint_grant *g,
	struct req *r)
{
	struct json_object *o;
	const char *t;

	if (g->err != JF_OK) {
		/* RFC 6749 §5.2: a failed Authorization header gets the
		 * challenge of its scheme. conf.c keeps quotes and
		 * backslashes out of the issuer. */
		if (g->retry_after > 0)
			req_header(r, "Retry-After", "%ld", g->retry_after);
		if (g->err == JF_E_INVALID_CLIENT && g->method == MINT_AUTH_BASIC)
			req_header(r, "WWW-Authenticate", "Basic realm=\"%s\", "
			    "charset=\"UTF-8\"", s->conf->issuer);
		mint_error(r, g->err, !g->hide ? g->msg.s :
		    g->err == JF_E_INVALID_GRANT ? MINT_GRANT_FAILED :
		    MINT_AUTH_FAILED);
		return;
	}
	if ((o = json_object_new_object()) == NULL) {
		mint_error(r, JF_E_NOMEM, NULL);
		return;
	}
	json_object_object_add(o, "access_token",
	    json_object_new_string(g->token));
	json_object_object_add(o, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(g->lifetime));
	if (g->scope[0] != '\0')
		json_object_object_add(o, "scope",
		    json_object_new_string(g->scope));
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	req_header(r, "Content-Type", "application/json");
	req_header(r, "Cache-Control", "no-store");
	req_header(r, "Pragma", "no-cache");
	if (t != NULL)
		req_body(r, t, strlen(t));
	else
		mint_error(r, JF_E_NOMEM, NULL);
	json_object_put(o);
}

void
mint_token(const struct mint_state *s, struct req *r)
{
	char body[FORM_MAX_BYTES + 1];
	struct mint_grant g;
	time_t now = time(NULL);
	uint64_t t0 = met_now_us();
	size_t len = 0;
	enum jf_err rc;

	memset(&g, 0, sizeof(g));
	rc = req_read_body(r, body, FORM_MAX_BYTES, &len);
	if (rc == JF_OK) {
		mint_token_decide(s, now, mt_req_param, r, body, len, &g);
	} else {
		if (rc == JF_E_TOO_LARGE)
			g.err = jf_fail(&g.msg, rc, "body larger than %d bytes",
			    FORM_MAX_BYTES);
		else if (rc == JF_E_INTERNAL)
			g.err = jf_fail(&g.msg, JF_E_INVALID_REQUEST, "no body "
			    "in this FastCGI role: run as a responder");
		else
			g.err = jf_fail(&g.msg, JF_E_INVALID_REQUEST, "body "
			    "shorter than CONTENT_LENGTH, or CONTENT_LENGTH "
			    "malformed");
	}
	/* The body may hold a client secret. */
	explicit_bzero(body, len);
	mt_answer(s, &g, r);
	mint_stats_grant(s->stats, &g, t0);
	mint_audit(&g, now);
	mint_grant_clear(&g);
}

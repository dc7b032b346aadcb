/* revoke.c - POST .../revoke: OAuth 2.0 Token Revocation (RFC 7009) of
 * the mint's access tokens, through their status list index.
 *
 * The client authenticates exactly as at the token endpoint, by any
 * method (client.c; TLS and the form's Content-Type first). Then, in
 * RFC 7009 §2.1's order:
 *   token           required (400 invalid_request without it)
 *   token_type_hint optional; any value, known or not, only a hint: the
 *                   mint has access tokens only and looks there always,
 *                   so it never answers unsupported_token_type (§2.2.1)
 * The token must verify with the mint's own keys (any key it
 * publishes, whatever API the token was for); an expired token has
 * nothing left to revoke. Only the token's own client (its client_id)
 * may revoke it (§2.1: "the authorization server ... verifies whether
 * the token was issued to the client making the revocation request").
 * Whatever the token - malformed, not ours, another client's, expired,
 * already revoked - the answer is 200 with an empty body (§2.2: the
 * client cannot tell, and has nothing to do about it); the audit line
 * says which. A state that cannot be reached is 503, so the client
 * knows to retry (§2.2.1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/token.h"
#include "oauth/slist.h"
#include "state/state.h"
#include "util/form.h"
#include "util/log.h"
#include "mint.h"

static enum jf_err rv_verify(const struct mint_state *s, time_t now,
	const char *token, struct mint_revocation *v);
static const char *rv_req_param(void *arg, const char *name);

/* The token as one of the mint's (its issuer, typ at+jwt, any of its
 * keys) into v->jti and v->owner; JF_OK, or the effect to audit in
 * v->effect with a non-OK code. */
static enum jf_err
rv_verify(const struct mint_state *s, time_t now, const char *token,
	struct mint_revocation *v)
{
	const struct jwks *keys = s->conf->keys;
	char aud[1024 + 1];
	const char *auds[1] = { aud };
	struct tok_issuer is;
	struct tok_rules r;
	struct tok *t = NULL;
	struct json_object *jti, *cid;
	struct jf_msg why = { "" };
	size_t i;
	unsigned algs = 0;
	enum jf_err rc;

	if (mint_revoke_peek_aud(token, strlen(token), aud, sizeof(aud)) != 0) {
		v->effect = "malformed";
		return JF_E_TOKEN_MALFORMED;
	}
	for (i = 0; i < jwks_count(keys); i++)
		algs |= JF_ALG_BIT(key_sign_alg(jwks_get(keys, i)));
	memset(&is, 0, sizeof(is));
	is.iss = s->conf->issuer;
	is.keys = keys;
	is.algs = algs;
	is.aud = auds;
	is.naud = 1;
	is.typ = "at+jwt";
	memset(&r, 0, sizeof(r));
	r.issuers = &is;
	r.nissuers = 1;
	r.leeway = s->conf->leeway;
	r.max_bytes = TOK_MAX_BYTES_LIMIT;
	r.now = now;
	rc = tok_verify(&r, token, strlen(token), &t, &why, NULL, NULL);
	if (rc == JF_E_EXPIRED) {
		/* The signature verified before exp was looked at. */
		v->effect = "expired";
		return rc;
	}
	if (rc != JF_OK) {
		log_debug("revoke: not one of our tokens: %s", why.s);
		v->effect = "unknown";
		return rc;
	}
	if (!json_object_object_get_ex(tok_claims(t), "jti", &jti) ||
	    !json_object_is_type(jti, json_type_string) ||
	    (size_t)json_object_get_string_len(jti) >= sizeof(v->jti) ||
	    !json_object_object_get_ex(tok_claims(t), "client_id", &cid) ||
	    !json_object_is_type(cid, json_type_string) ||
	    (size_t)json_object_get_string_len(cid) >= sizeof(v->owner)) {
		tok_free(t);
		v->effect = "unknown";
		return JF_E_CLAIM;
	}
	strcpy(v->jti, json_object_get_string(jti));
	strcpy(v->owner, json_object_get_string(cid));
	tok_free(t);
	return JF_OK;
}

void
mint_revoke_decide(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const char *body, size_t len,
	struct mint_revocation *v)
{
	const struct reg_service *svc = NULL;
	struct mint_grant *g = &v->g;
	struct jf_msg *m = &g->msg;
	struct form *f = NULL;
	const char *token;

	if ((g->err = mint_tls_check(s, param, arg, m)) != JF_OK ||
	    (g->err = mint_form_type(param(arg, "CONTENT_TYPE"), m)) != JF_OK ||
	    (g->err = form_parse(&f, body, len, m)) != JF_OK)
		goto out;
	/* RFC 7009 §2.1: client authentication as at the token endpoint. */
	if ((g->err = mint_client_auth(s, now, param, arg, f, g, &svc)) !=
	    JF_OK)
		goto out;
	if ((g->err = mint_revoke_form(f, &token, &v->hint, m)) != JF_OK)
		goto out;
	if (rv_verify(s, now, token, v) != JF_OK)
		goto out;
	/* RFC 7009 §2.1: "verifies whether the token was issued to the
	 * client making the revocation request. If this validation fails,
	 * the request is refused and the client is informed of the error"
	 * (RFC 6749 §5.2 invalid_grant: "issued to another client"). The
	 * caller holds the token and can read its client_id: nothing new
	 * is told. */
	if (strcmp(v->owner, g->service) != 0) {
		v->effect = "not_owner";
		g->err = jf_fail(m, JF_E_INVALID_GRANT, "the token was issued "
		    "to another client: a client revokes only its own tokens");
		goto out;
	}
	g->err = mint_status_set(s, ST_BY_JTI, v->jti, g->service,
	    SLIST_INVALID, now, &v->changed, m);
	if (g->err != JF_OK) {
		if (g->err != JF_E_NOMEM) {
			log_error("token status store: %s", m->s);
			g->err = jf_fail(m, JF_E_UNAVAILABLE, "the token status "
			    "store is unavailable: retry later");
		}
		goto out;
	}
	v->effect = v->changed > 0 ? "revoked" : "unchanged";
out:
	/* The hint points into the form; unknown ones are ignored and the
	 * audit needs no more than "other". */
	if (v->hint != NULL && strcmp(v->hint, "access_token") != 0 &&
	    strcmp(v->hint, "refresh_token") != 0)
		v->hint = "other";
	else if (v->hint != NULL)
		v->hint = v->hint[0] == 'a' ? "access_token" : "refresh_token";
	form_free(f);
}

static const char *
rv_req_param(void *arg, const char *name)
{
	return req_param(arg, name);
}

void
mint_revoke(const struct mint_state *s, struct req *r)
{
	char body[FORM_MAX_BYTES + 1];
	struct mint_revocation v;
	time_t now = time(NULL);
	size_t len = 0;
	enum jf_err rc;

	memset(&v, 0, sizeof(v));
	v.g.grant = "revoke";
	rc = req_read_body(r, body, FORM_MAX_BYTES, &len);
	if (rc == JF_OK)
		mint_revoke_decide(s, now, rv_req_param, r, body, len, &v);
	else if (rc == JF_E_TOO_LARGE)
		v.g.err = jf_fail(&v.g.msg, rc, "body larger than %d bytes",
		    FORM_MAX_BYTES);
	else
		v.g.err = jf_fail(&v.g.msg, JF_E_INVALID_REQUEST, "body "
		    "shorter than CONTENT_LENGTH, or CONTENT_LENGTH malformed");
	/* The body holds a token, and may hold a client secret. */
	explicit_bzero(body, len);
	if (v.g.err != JF_OK) {
		if (v.g.err == JF_E_UNAVAILABLE)
			req_header(r, "Retry-After", "%d", MINT_RETRY_AFTER);
		if (v.g.err == JF_E_INVALID_CLIENT &&
		    v.g.method == MINT_AUTH_BASIC)
			req_header(r, "WWW-Authenticate", "Basic realm=\"%s\", "
			    "charset=\"UTF-8\"", s->conf->issuer);
		mint_error(r, v.g.err, !v.g.hide ? v.g.msg.s :
		    MINT_AUTH_FAILED);
	} else {
		/* §2.2: 200; the client ignores the body, so there is none. */
		req_header(r, "Cache-Control", "no-store");
	}
	mint_audit_revoke(&v, now);
}

/* assert.c - a JWT a client signed itself: the private_key_jwt client
 * assertion (RFC 7523 §2.2, §3), and the assertion of the jwt-bearer
 * grant (§2.1). One verification for both:
 *
 *   keys     the client's registry "jwks";
 *   iss, sub the client_id, both;
 *   aud      the mint's issuer as its only value: RFC 10070 (November
 *            2026) updates RFC 7523 §3, whose token endpoint URL among
 *            other values let an assertion made for one server be
 *            replayed at another. assertion_audience = rfc7523 restores
 *            the first rules (the issuer or the token endpoint, in an
 *            array with other values or not);
 *   typ      any; client-authentication+jwt (RFC 10070) is accepted and
 *            never required;
 *   exp      required, at most assertion_max_lifetime away, and from
 *            iat when there is one; 30 s of clock skew;
 *   jti      required, and used once by all workers together (replay.c).
 *
 * Before the signature verified the caller has proved nothing: whether
 * the client exists or the key fits is for the audit line only
 * (mint_grant.hide). What is checked after it may be said.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/token.h"
#include "mint.h"
#include "util/json.h"

#define AS_JTI_MAX 256
#define AS_LEEWAY 30            /* seconds of clock skew */
#define AS_AUDS_MAX 2

static enum jf_err as_keys(const struct mint_state *s, time_t now,
	const char *id, struct mint_grant *g, const struct reg_service **svc,
	const struct jwks **keys);
static enum jf_err as_audience(const struct mint_state *s, const char *what,
	const struct json_object *cl, struct jf_msg *m);
static enum jf_err as_claims(const struct mint_state *s, time_t now,
	const char *what, const char *id, const struct json_object *cl,
	long *retry_after, struct jf_msg *m);

enum jf_err
mint_assertion_iss(const char *a, char *out, size_t room, struct jf_msg *m)
{
	unsigned char buf[B64URL_DEC_MAX(TOK_MAX_BYTES_DEFAULT)];
	struct json_object *o = NULL;
	struct jf_msg why;
	const char *p, *q, *iss;
	size_t n;
	enum jf_err rc = JF_E_INVALID_CLIENT;

	if (strlen(a) > TOK_MAX_BYTES_DEFAULT ||
	    (p = strchr(a, '.')) == NULL || (q = strchr(p + 1, '.')) == NULL ||
	    b64url_decode(buf, &n, p + 1, (size_t)(q - p - 1)) != 0)
		return jf_fail(m, rc, "not a compact JWS of at most %d bytes",
		    TOK_MAX_BYTES_DEFAULT);
	if (json_parse(&o, (const char *)buf, n, TOK_JSON_DEPTH, &why) != JF_OK)
		return jf_fail(m, rc, "payload: %s", why.s);
	if ((iss = json_str(o, "iss")) == NULL)
		jf_fail(m, rc, "iss is required (the client_id)");
	else if (strlen(iss) >= room)
		jf_fail(m, rc, "iss is not a client_id (over %zu bytes)",
		    room - 1);
	else {
		memcpy(out, iss, strlen(iss) + 1);
		rc = JF_OK;
	}
	json_object_put(o);
	return rc;
}

/* The keys of client id, and the service whose policy it gets. */
static enum jf_err
as_keys(const struct mint_state *s, time_t now, const char *id,
	struct mint_grant *g, const struct reg_service **svc,
	const struct jwks **keys)
{
	enum jf_err rc;

	if ((rc = registry_find_id(s->reg, id, now, svc, &g->msg)) != JF_OK)
		return mint_hidden(g, rc);
	g->service = registry_svc_id(*svc);
	if ((*keys = registry_svc_jwks(*svc)) == NULL)
		return mint_hidden(g, jf_fail(&g->msg, JF_E_INVALID_CLIENT,
		    "service %s has no jwks: private_key_jwt is not registered "
		    "for it", g->service));
	return JF_OK;
}

/* tok_verify took aud as naming the issuer or the token endpoint; here
 * what RFC 10070 asks beyond that, saying which rule, since the caller
 * holds the key. */
static enum jf_err
as_audience(const struct mint_state *s, const char *what,
	const struct json_object *cl, struct jf_msg *m)
{
	struct json_object *v, *a;
	const char *iss = s->conf->issuer, *val;
	size_t n;

	if (s->conf->assertion_aud_rfc7523)
		return JF_OK;
	json_object_object_get_ex(cl, "aud", &v);
	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 1;
	a = json_object_is_type(v, json_type_array) ?
	    json_object_array_get_idx(v, 0) : v;
	val = json_object_get_string(a);
	if (n != 1)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: aud holds %zu "
		    "values; RFC 10070 wants the issuer \"%s\" as its only "
		    "value", what, n, iss);
	if (strcmp(val, iss) != 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: aud is the token "
		    "endpoint URL; since RFC 10070 only the issuer \"%s\" is "
		    "(assertion_audience = rfc7523 accepts both)", what, iss);
	return JF_OK;
}

/* After the signature: sub, jti, a short life, and the jti unused. */
static enum jf_err
as_claims(const struct mint_state *s, time_t now, const char *what,
	const char *id, const struct json_object *cl, long *retry_after,
	struct jf_msg *m)
{
	long max = s->conf->assertion_max_lifetime;
	struct json_object *v;
	const char *sub = json_str(cl, "sub"), *jti = json_str(cl, "jti");
	struct jf_msg why = { "" };
	double exp, iat;
	enum jf_err rc;

	if (sub == NULL || strcmp(sub, id) != 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: sub must be the "
		    "client_id, as iss is (RFC 7523 section 3)", what);
	if (jti == NULL || *jti == '\0' || strlen(jti) > AS_JTI_MAX)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: jti is required, a "
		    "string of 1..%d bytes", what, AS_JTI_MAX);
	/* tok_verify checked that exp is there and a NumericDate, and iat
	 * a NumericDate when present. */
	json_object_object_get_ex(cl, "exp", &v);
	exp = json_object_get_double(v);
	if (exp - (double)now > (double)max)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: expires in %.0f s, "
		    "over assertion_max_lifetime (%ld s)", what,
		    exp - (double)now, max);
	if (json_object_object_get_ex(cl, "iat", &v)) {
		iat = json_object_get_double(v);
		if (exp - iat > (double)max)
			return jf_fail(m, JF_E_INVALID_CLIENT, "%s: lifetime exp "
			    "- iat of %.0f s is over assertion_max_lifetime "
			    "(%ld s)", what, exp - iat, max);
	}
	rc = mint_replay_add(s->replay, id, jti, (int64_t)exp + AS_LEEWAY + 1,
	    (int64_t)now, s->conf->replay_quota, retry_after, &why);
	if (rc != JF_OK)
		jf_fail(m, rc, "%s: %s", what, why.s);
	return rc;
}

enum jf_err
mint_assertion(const struct mint_state *s, time_t now, const char *a,
	const char *cid, enum mint_assert_use use, struct mint_grant *g,
	const struct reg_service **svc)
{
	const char *what = use == MINT_ASSERT_GRANT ? "assertion" :
	    "client_assertion";
	const char *auds[AS_AUDS_MAX];
	char id[MINT_CLIENT_ID_MAX + 1];
	struct tok_issuer is;
	struct tok_rules r;
	struct tok *t = NULL;
	struct jf_msg why = { "" };
	enum jf_err rc;

	*svc = NULL;
	if (cid != NULL) {
		if (strlen(cid) > MINT_CLIENT_ID_MAX)
			return mint_hidden(g, jf_fail(&g->msg,
			    JF_E_INVALID_CLIENT, "unknown client_id (over %d "
			    "bytes)", MINT_CLIENT_ID_MAX));
		memcpy(id, cid, strlen(cid) + 1);
	} else if ((rc = mint_assertion_iss(a, id, sizeof(id), &why)) !=
	    JF_OK) {
		return jf_fail(&g->msg, rc, "%s: %s", what, why.s);
	}
	memset(&is, 0, sizeof(is));
	if ((rc = as_keys(s, now, id, g, svc, &is.keys)) != JF_OK)
		return rc;
	/* Every audience that may be meant; as_audience then applies the
	 * rules precisely. */
	auds[0] = s->conf->issuer;
	auds[1] = s->conf->token_endpoint;
	is.iss = g->service;
	is.algs = JF_ALG_BIT(JF_ALG_ES256) | JF_ALG_BIT(JF_ALG_ES384) |
	    JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_PS256) |
	    JF_ALG_BIT(JF_ALG_EDDSA);
	is.aud = auds;
	is.naud = strcmp(auds[0], auds[1]) == 0 ? 1 : 2;
	memset(&r, 0, sizeof(r));
	r.issuers = &is;
	r.nissuers = 1;
	r.leeway = AS_LEEWAY;
	r.now = now;
	rc = tok_verify(&r, a, strlen(a), &t, &why, NULL, NULL);
	if (rc == JF_E_NOMEM || rc == JF_E_INTERNAL)
		return jf_fail(&g->msg, rc, "%s: %s", what, why.s);
	if (rc == JF_E_ISSUER)
		return mint_hidden(g, jf_fail(&g->msg, JF_E_INVALID_CLIENT,
		    "%s: iss must be the client_id \"%s\"", what, g->service));
	if (rc != JF_OK) {
		jf_fail(&g->msg, JF_E_INVALID_CLIENT, "%s: %s", what, why.s);
		/* exp, nbf, iat and aud are checked after the signature: a
		 * caller who gets that far holds the key and may know. */
		if (rc == JF_E_EXPIRED || rc == JF_E_NOT_YET_VALID ||
		    rc == JF_E_CLAIM || rc == JF_E_AUDIENCE)
			return JF_E_INVALID_CLIENT;
		return mint_hidden(g, JF_E_INVALID_CLIENT);
	}
	if ((rc = as_audience(s, what, tok_claims(t), &g->msg)) == JF_OK)
		rc = as_claims(s, now, what, g->service, tok_claims(t),
		    &g->retry_after, &g->msg);
	tok_free(t);
	if (rc != JF_OK)
		*svc = NULL;
	return rc;
}

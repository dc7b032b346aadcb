/* assert.c - a JWT a client signed itself: the private_key_jwt client
 * assertion (RFC 7523 §2.2, §3), and the assertion of the jwt-bearer
 * grant (§2.1). One verification for both:
 *
 *   keys     the client's registry "jwks"; or, for a client whose id
 *            is the URL of its client ID metadata document, the keys
 *            that document names (cimd.c): a registry entry without
 *            credential, or, under cimd_unregistered = default, a client
 *            the registry does not list, either one admitted by
 *            cimd_allow;
 *   iss, sub the client_id, both;
 *   aud      the mint's issuer as its only value: RFC 10070 (November
 *            2026) updates RFC 7523 §3, whose token endpoint URL among
 *            other values let an assertion made for one server be
 *            replayed at another. assertion_audience = rfc7523 restores
 *            the first rules (the issuer or the token endpoint, in an
 *            array with other values or not). A jwt-bearer assertion may
 *            instead name one API of the client where
 *            jwt_bearer_api_audience says so (seed 001's flow 3, where
 *            the JWT the API refused goes to the mint), and the token is
 *            then for that API;
 *   typ      any; client-authentication+jwt (RFC 10070) is accepted and
 *            never required, and refused as a grant (RFC 8725 §3.11);
 *   exp      required, at most assertion_max_lifetime away, and from
 *            iat, which a document client must send (the authorizer's
 *            rule for self-issued tokens); 30 s of clock skew;
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
#include <strings.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/token.h"
#include "mint.h"
#include "oauth/cimd.h"
#include "util/json.h"

#define AS_JTI_MAX 256
#define AS_LEEWAY 30            /* seconds of clock skew */
#define AS_AUDS_MAX (2 + REGISTRY_LIST_MAX)
#define AS_TYP_CLIENT "client-authentication+jwt"

static enum jf_err as_document(const struct mint_state *s, time_t now,
	const char *id, struct mint_grant *g, const struct reg_service **svc,
	const struct jwks **keys);
static enum jf_err as_keys(const struct mint_state *s, time_t now,
	const char *id, struct mint_grant *g, const struct reg_service **svc,
	const struct jwks **keys);
static int as_typ_is(const char *typ, const char *want);
static int as_listed(const char *const *v, size_t n, const char *s);
static enum jf_err as_audience(const struct mint_state *s,
	enum mint_assert_use use, const char *what, const char *const *apis,
	size_t napis, const struct tok *t, struct mint_grant *g,
	struct jf_msg *m);
static enum jf_err as_claims(const struct mint_state *s, time_t now,
	const char *what, const char *id, int need_iat,
	const struct json_object *cl, long *retry_after, struct jf_msg *m);
static enum jf_err as_verify(const struct mint_state *s, time_t now,
	const char *what, const char *a, struct tok_issuer *is,
	struct mint_grant *g, struct tok **t);

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

/* A client whose keys its metadata document names: registered, or
 * unlisted with the default policy. What the document brings is public,
 * so its faults are said (a client that cannot sign learns nothing by
 * them but what anyone may fetch). */
static enum jf_err
as_document(const struct mint_state *s, time_t now, const char *id,
	struct mint_grant *g, const struct reg_service **svc,
	const struct jwks **keys)
{
	struct jf_msg why = { "" };
	enum jf_err rc;

	if (*svc == NULL) {
		snprintf(g->client, sizeof(g->client), "%s", id);
		g->service = g->client;
		*svc = registry_service(s->cimd_default, 0);
	}
	g->cimd = 1;
	if ((rc = mint_cimd_keys(s, g->service, (int64_t)now, keys, &why)) ==
	    JF_OK)
		return JF_OK;
	return jf_fail(&g->msg, rc == JF_E_NO_KEY ? JF_E_INVALID_CLIENT : rc,
	    "client %.200s: %s", g->service, why.s);
}

/* The keys of client id, and the service whose policy it gets. */
static enum jf_err
as_keys(const struct mint_state *s, time_t now, const char *id,
	struct mint_grant *g, const struct reg_service **svc,
	const struct jwks **keys)
{
	const struct mint_cimd_conf *c = &s->conf->cimd;
	struct jf_msg why;
	enum jf_err rc;

	rc = registry_find_id(s->reg, id, now, svc, &g->msg);
	if (rc == JF_OK) {
		g->service = registry_svc_id(*svc);
		if (registry_svc_cimd(*svc))
			return as_document(s, now, id, g, svc, keys);
		if ((*keys = registry_svc_jwks(*svc)) == NULL)
			return mint_hidden(g, jf_fail(&g->msg,
			    JF_E_INVALID_CLIENT, "service %s has no jwks: "
			    "private_key_jwt is not registered for it",
			    g->service));
		return JF_OK;
	}
	/* Disabled or expired: never the default policy instead. */
	if (registry_has_id(s->reg, id) || c->nallow == 0)
		return mint_hidden(g, rc);
	why.s[0] = '\0';
	if (cimd_url_check(id, &why) != JF_OK || !mint_cimd_admits(c, id))
		return mint_hidden(g, rc);
	if (s->cimd_default == NULL)
		return mint_hidden(g, jf_fail(&g->msg, JF_E_INVALID_CLIENT,
		    "client %.200s: cimd_allow admits it, the registry does not "
		    "list it, and cimd_unregistered = refuse", id));
	*svc = NULL;
	return as_document(s, now, id, g, svc, keys);
}

/* RFC 7515 §4.1.9: a media type without "/" means application/...;
 * compared without regard to case. */
static int
as_typ_is(const char *typ, const char *want)
{
	if (strncasecmp(typ, "application/", 12) == 0)
		typ += 12;
	return strcasecmp(typ, want) == 0;
}

static int
as_listed(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* tok_verify took aud as naming the issuer, the token endpoint or (for
 * a grant) one of apis, the client's audiences; here the rules beyond
 * that, saying which, since the caller holds the key. */
static enum jf_err
as_audience(const struct mint_state *s, enum mint_assert_use use,
	const char *what, const char *const *apis, size_t napis,
	const struct tok *t, struct mint_grant *g, struct jf_msg *m)
{
	const char *iss = s->conf->issuer, *tep = s->conf->token_endpoint;
	int api_ok = use == MINT_ASSERT_GRANT && s->conf->cimd.api_audience;
	struct json_object *v, *a;
	const char *val, *api = NULL;
	size_t n, i;

	json_object_object_get_ex(tok_claims(t), "aud", &v);
	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 1;
	for (i = 0; i < n; i++) {
		a = json_object_is_type(v, json_type_array) ?
		    json_object_array_get_idx(v, i) : v;
		val = json_object_get_string(a);
		if (strcmp(val, iss) == 0 || (s->conf->assertion_aud_rfc7523 &&
		    strcmp(val, tep) == 0))
			break;
		if (api == NULL && as_listed(apis, napis, val))
			api = val;
	}
	if (!s->conf->assertion_aud_rfc7523 && n != 1)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: aud holds %zu "
		    "values; RFC 10070 wants the issuer \"%s\" as its only "
		    "value", what, n, iss);
	if (i < n)
		return JF_OK;
	if (api != NULL && api_ok) {
		snprintf(g->aud, sizeof(g->aud), "%s", api);
		g->aud_asserted = 1;
		return JF_OK;
	}
	if (api != NULL)
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: aud is the API "
		    "\"%.200s\", not this mint's issuer \"%s\" "
		    "(jwt_bearer_api_audience = yes accepts an API)", what, api,
		    iss);
	return jf_fail(m, JF_E_INVALID_CLIENT, "%s: aud is the token endpoint "
	    "URL; since RFC 10070 only the issuer \"%s\" is "
	    "(assertion_audience = rfc7523 accepts both)", what, iss);
}
/* After the signature: sub, jti, a short life, and the jti unused. */
static enum jf_err
as_claims(const struct mint_state *s, time_t now, const char *what,
	const char *id, int need_iat, const struct json_object *cl,
	long *retry_after, struct jf_msg *m)
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
	if (need_iat && !json_object_object_get_ex(cl, "iat", NULL))
		return jf_fail(m, JF_E_INVALID_CLIENT, "%s: iat is required of "
		    "a client whose keys its metadata document names", what);
	if (json_object_object_get_ex(cl, "iat", &v)) {
		iat = json_object_get_double(v);
		if (exp - iat > (double)max)
			return jf_fail(m, JF_E_INVALID_CLIENT, "%s: lifetime exp "
			    "- iat of %.0f s is over assertion_max_lifetime "
			    "(%ld s)", what, exp - iat, max);
	}
	rc = mint_status_replay(s, id, jti, (int64_t)exp + AS_LEEWAY + 1,
	    (int64_t)now, retry_after, &why);
	if (rc != JF_OK)
		jf_fail(m, rc, "%s: %s", what, why.s);
	return rc;
}

/* tok_verify, mapped: what fails before the signature is hidden. */
static enum jf_err
as_verify(const struct mint_state *s, time_t now, const char *what,
	const char *a, struct tok_issuer *is, struct mint_grant *g,
	struct tok **t)
{
	struct tok_rules r;
	struct jf_msg why = { "" };
	enum jf_err rc;
	int tries;

	memset(&r, 0, sizeof(r));
	r.issuers = is;
	r.nissuers = 1;
	r.leeway = AS_LEEWAY;
	r.now = now;
	/* Twice at most: a kid a document lacks asks for a fresh one. */
	for (tries = 0; tries < 2; tries++) {
		rc = tok_verify(&r, a, strlen(a), t, &why, NULL, NULL);
		if (rc != JF_E_NO_KEY || !g->cimd || tries > 0 ||
		    !mint_cimd_retry(s, g->service) ||
		    mint_cimd_keys(s, g->service, (int64_t)now, &is->keys,
		    &why) != JF_OK)
			break;
	}
	if (rc == JF_E_NOMEM || rc == JF_E_INTERNAL)
		return jf_fail(&g->msg, rc, "%s: %s", what, why.s);
	if (rc == JF_E_ISSUER)
		return mint_hidden(g, jf_fail(&g->msg, JF_E_INVALID_CLIENT,
		    "%s: iss must be the client_id \"%.200s\"", what,
		    g->service));
	if (rc != JF_OK) {
		jf_fail(&g->msg, JF_E_INVALID_CLIENT, "%s: %s", what, why.s);
		/* exp, nbf, iat and aud are checked after the signature: a
		 * caller who gets that far holds the key and may know. */
		if (rc == JF_E_EXPIRED || rc == JF_E_NOT_YET_VALID ||
		    rc == JF_E_CLAIM || rc == JF_E_AUDIENCE)
			return JF_E_INVALID_CLIENT;
		return mint_hidden(g, JF_E_INVALID_CLIENT);
	}
	return JF_OK;
}

enum jf_err
mint_assertion(const struct mint_state *s, time_t now, const char *a,
	const char *cid, enum mint_assert_use use, struct mint_grant *g,
	const struct reg_service **svc)
{
	const char *what = use == MINT_ASSERT_GRANT ? "assertion" :
	    "client_assertion";
	const char *auds[AS_AUDS_MAX], *typ;
	char id[MINT_CLIENT_ID_MAX + 1];
	struct tok_issuer is;
	struct tok *t = NULL;
	struct jf_msg why = { "" };
	size_t i, napis = 0;
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
	if ((rc = as_keys(s, now, id, g, svc, &is.keys)) != JF_OK) {
		*svc = NULL;
		return rc;
	}
	/* Every audience that may be meant; as_audience then applies the
	 * rules precisely. A grant's may be an API of the client. */
	auds[0] = s->conf->issuer;
	auds[1] = s->conf->token_endpoint;
	for (i = 0; use == MINT_ASSERT_GRANT && i <
	    registry_svc_audience_count(*svc) && 2 + napis < AS_AUDS_MAX; i++)
		auds[2 + napis++] = registry_svc_audience(*svc, i);
	is.iss = g->service;
	is.algs = JF_ALG_BIT(JF_ALG_ES256) | JF_ALG_BIT(JF_ALG_ES384) |
	    JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_PS256) |
	    JF_ALG_BIT(JF_ALG_EDDSA);
	is.aud = auds;
	is.naud = 2 + napis;
	if ((rc = as_verify(s, now, what, a, &is, g, &t)) != JF_OK) {
		*svc = NULL;
		return rc;
	}
	typ = json_str(tok_header(t), "typ");
	if (use == MINT_ASSERT_GRANT && typ != NULL && as_typ_is(typ,
	    AS_TYP_CLIENT))
		rc = jf_fail(&g->msg, JF_E_INVALID_CLIENT, "assertion: typ "
		    AS_TYP_CLIENT " marks a client authentication JWT, not a "
		    "grant");
	if (rc == JF_OK)
		rc = as_audience(s, use, what, auds + 2, napis, t, g, &g->msg);
	if (rc == JF_OK)
		rc = as_claims(s, now, what, g->service, g->cimd, tok_claims(t),
		    &g->retry_after, &g->msg);
	tok_free(t);
	if (rc != JF_OK)
		*svc = NULL;
	return rc;
}

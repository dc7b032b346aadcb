/* self.c - self-issued tokens and the access tokens exchanged for them
 * (self.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/token.h"
#include "oauth/cimd.h"
#include "self.h"
#include "util/json.h"

#define SELF_JTI_BYTES 16

static enum jf_err self_checks(const struct cfg_cimd *sec, const char *iss,
	const struct tok *t, struct jf_msg *m);
static struct json_object *self_claims(const struct cfg_cimd *sec,
	const char *iss, const struct tok *t);
static int self_add_str(struct json_object *o, const char *k,
	const char *v);

void
self_opts(const struct cfg *c, struct cimdk_opts *o)
{
	const struct cfg_fetch *f = cfg_fetch(c);
	const struct cfg_cimd_opts *co = cfg_cimd_opts(c);

	o->kind = SELF_KIND_CIMD;
	o->idle = co->idle;
	o->cooldown = f->cooldown;
	o->cold_wait_ms = f->cold_wait_ms;
	o->max_stale = co->max_stale;
}

/* What tok_verify does not know to ask of a self-issued token. */
static enum jf_err
self_checks(const struct cfg_cimd *sec, const char *iss, const struct tok *t,
	struct jf_msg *m)
{
	struct json_object *cl = (struct json_object *)tok_claims(t), *e, *i;
	const char *sub = json_str(cl, "sub");
	double life;

	/* The draft's client authentication rule, and ours for any use:
	 * a client speaks for itself only. */
	if (sub == NULL || strcmp(sub, iss) != 0)
		return jf_fail(m, JF_E_CLAIM, "a self-issued token's sub must "
		    "equal its iss (the client ID)");
	/* Anyone holding the key mints as many as they like: the lifetime
	 * is the only bound on a replay. */
	if (!json_object_object_get_ex(cl, "iat", &i) ||
	    !(json_object_is_type(i, json_type_int) ||
	    json_object_is_type(i, json_type_double)))
		return jf_fail(m, JF_E_CLAIM, "a self-issued token needs "
		    "\"iat\" (its lifetime is bounded)");
	json_object_object_get_ex(cl, "exp", &e);
	life = json_object_get_double(e) - json_object_get_double(i);
	if (life > (double)sec->max_lifetime)
		return jf_fail(m, JF_E_CLAIM, "self-issued token lives %.0f s "
		    "(exp - iat), over the %ld s this API accepts", life,
		    sec->max_lifetime);
	return JF_OK;
}

static int
self_add_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object *s = json_object_new_string(v);

	return s == NULL || json_object_object_add(o, k, s) != 0;
}

/* The claims this API grants: the token's own registered claims, the
 * rest from configuration. */
static struct json_object *
self_claims(const struct cfg_cimd *sec, const char *iss, const struct tok *t)
{
	static const char *const keep[] = { "iss", "sub", "aud", "exp", "iat",
		"nbf", "jti", NULL };
	struct json_object *cl = (struct json_object *)tok_claims(t), *o, *v;
	size_t i;
	int bad = 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; keep[i] != NULL; i++)
		if (json_object_object_get_ex(cl, keep[i], &v))
			bad |= json_object_object_add(o, keep[i],
			    json_object_get(v)) != 0;
	bad |= self_add_str(o, "client_id", iss);
	if (sec->scope != NULL)
		bad |= self_add_str(o, "scope", sec->scope);
	for (i = 0; i < sec->nclaims; i++)
		bad |= self_add_str(o, sec->claims[2 * i],
		    sec->claims[2 * i + 1]);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

enum jf_err
self_verify(struct cimdk *k, const struct cfg *c, const char *s, size_t n,
	const char *iss, time_t now, struct tok **out, struct jf_msg *m)
{
	const struct cfg_cimd *sec = cfg_cimd_find(c, iss);
	struct cimdk_opts o;
	struct tok_issuer ti;
	struct tok_rules r;
	struct json_object *cl;
	struct jf_msg why;
	enum jf_err rc;
	int tries;

	*out = NULL;
	why.s[0] = '\0';
	if (sec == NULL)
		return jf_fail(m, JF_E_ISSUER, "issuer \"%.200s\" is not "
		    "trusted", iss);
	if (cimd_url_check(iss, &why) != JF_OK)
		return jf_fail(m, JF_E_ISSUER, "issuer: %s", why.s);
	self_opts(c, &o);
	memset(&r, 0, sizeof(r));
	cfg_rules(c, &r);
	r.issuers = &ti;
	r.nissuers = 1;
	r.now = now;
	memset(&ti, 0, sizeof(ti));
	ti.iss = iss;
	ti.algs = sec->algs;
	ti.aud = sec->aud;
	ti.naud = sec->naud;
	ti.typ = sec->typ;
	/* Twice at most: a kid the document lacks asks for a fresh one. */
	for (tries = 0; tries < 2; tries++) {
		if ((rc = cimdk_get(k, iss, &o, (int64_t)now, &ti.keys, &why)) !=
		    JF_OK)
			return jf_fail(m, rc, "client %.200s: %s", iss, why.s);
		rc = tok_verify(&r, s, n, out, m, NULL, NULL);
		if (rc != JF_E_NO_KEY || tries > 0 || !cimdk_retry(k, iss, &o))
			break;
	}
	if (rc != JF_OK)
		return rc;
	if ((rc = self_checks(sec, iss, *out, m)) != JF_OK)
		goto fail;
	if ((cl = self_claims(sec, iss, *out)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	/* The section outlives the token only as long as the cfg does; the
	 * keys not even that: the token forgets both. */
	tok_restrict(*out, cl);
	return JF_OK;
fail:
	tok_free(*out);
	*out = NULL;
	return rc;
}

enum jf_err
self_exchange(const struct cfg *c, const struct tok *t, time_t now,
	char **at, long *life, struct jf_msg *m)
{
	struct json_object *cl = (struct json_object *)tok_claims(t), *o, *v;
	const struct cfg_cimd *sec;
	const struct jf_key *key;
	const char *iss, *sub = json_str(cl, "sub"), *aud = NULL;
	unsigned char rnd[SELF_JTI_BYTES];
	char jti[B64URL_ENC_LEN(SELF_JTI_BYTES) + 1];
	size_t i, j, na;
	enum jf_err rc;
	int bad = 0;

	*at = NULL;
	if ((key = cfg_at_key(c, &iss, life)) == NULL)
		return jf_fail(m, JF_E_CONFIG, "JWT_SELF_ISSUED=exchange: no "
		    "access_token_key in %s", cfg_path(c));
	if (sub == NULL || (sec = cfg_cimd_find(c, sub)) == NULL)
		return jf_fail(m, JF_E_INTERNAL, "exchange: no [cimd] client");
	/* aud: the first of this API's identifiers the token named. */
	if (json_object_object_get_ex(cl, "aud", &v)) {
		na = json_object_is_type(v, json_type_array) ?
		    json_object_array_length(v) : 1;
		for (i = 0; i < na && aud == NULL; i++) {
			struct json_object *a = json_object_is_type(v,
			    json_type_array) ? json_object_array_get_idx(v, i) : v;

			for (j = 0; j < sec->naud && aud == NULL; j++)
				if (strcmp(json_object_get_string(a),
				    sec->aud[j]) == 0)
					aud = sec->aud[j];
		}
	}
	if (aud == NULL)
		aud = sec->aud[0];
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0)
		return jf_fail(m, JF_E_INTERNAL, "no random bytes for jti");
	b64url_encode(jti, rnd, sizeof(rnd));
	if ((o = json_object_new_object()) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	bad |= self_add_str(o, "iss", iss);
	bad |= self_add_str(o, "sub", sub);
	bad |= self_add_str(o, "aud", aud);
	bad |= self_add_str(o, "client_id", sub);
	bad |= json_object_object_add(o, "iat",
	    json_object_new_int64((int64_t)now)) != 0;
	bad |= json_object_object_add(o, "exp",
	    json_object_new_int64((int64_t)now + *life)) != 0;
	bad |= self_add_str(o, "jti", jti);
	if (sec->scope != NULL)
		bad |= self_add_str(o, "scope", sec->scope);
	for (i = 0; i < sec->nclaims; i++)
		bad |= self_add_str(o, sec->claims[2 * i],
		    sec->claims[2 * i + 1]);
	rc = bad ? jf_fail(m, JF_E_NOMEM, "out of memory") :
	    tok_sign(key, "at+jwt", o, at, m);
	json_object_put(o);
	return rc;
}

/* self.h - tokens that services sign themselves (seed 001): "iss" and
 * "sub" are the https URL of the client's metadata document, whose keys
 * verify the signature. Flow 1: such a token is accepted like any other,
 * with the scopes and claims the [cimd] section gives, never the ones it
 * carries. Flow 2: on an exchange route, the authorizer also answers with
 * an access token of its own for this API, which later calls carry and
 * which it verifies offline with its own key.
 */
#ifndef JF_AUTHZ_SELF_H
#define JF_AUTHZ_SELF_H

#include <stddef.h>
#include <time.h>

#include "conf/cfg.h"
#include "oauth/cimdkeys.h"
#include "util/err.h"

#define SELF_KIND_CIMD 2        /* the docs table's slot kind */

struct tok;

/* The keys' lookup rules for c's documents. */
void self_opts(const struct cfg *c, struct cimdk_opts *o);

/* Verifies the n bytes at s, whose unverified iss is a client of a
 * [cimd] section of c, with that client's keys from k: the section's
 * algorithms and audience, sub = iss, iat and exp at most max_lifetime
 * apart. On success *out holds the claims this API grants (iss, sub,
 * aud, exp, iat, nbf, jti as the token says; client_id = iss; scope and
 * claims from the section) and tok_restricted(*out) is 1. */
enum jf_err self_verify(struct cimdk *k, const struct cfg *c, const char *s,
	size_t n, const char *iss, time_t now, struct tok **out,
	struct jf_msg *m);

/* Flow 2: an access token (RFC 9068, typ at+jwt) for the client of t (a
 * token self_verify made), signed with c's access_token_key: aud the API
 * t named, the section's scope and claims, access_token_lifetime. *at
 * is malloc'd; *life its lifetime in s. */
enum jf_err self_exchange(const struct cfg *c, const struct tok *t,
	time_t now, char **at, long *life, struct jf_msg *m);

#endif

/* token.h - compact JWS JWTs: verify against trusted issuers, and sign.
 *
 * Verification follows RFC 7515/7519 and RFC 8725 and trusts nothing in
 * the token to choose how it is checked: the issuer's configuration pins
 * the algorithms and the keys; jku, x5u, jwk and x5c are never used; an
 * unknown crit is refused; every claim is checked here (libjwt checks
 * none). Order: shape -> header -> payload JSON -> iss -> alg -> key ->
 * signature -> exp/nbf/iat -> aud. Nothing of the payload is believed
 * before the signature verified, except iss, which only picks the keys.
 */
#ifndef JF_TOKEN_H
#define JF_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "util/err.h"
#include "jose/jwks.h"
#include "jose/key.h"

struct json_object;

#define TOK_MAX_BYTES_DEFAULT 8192
#define TOK_MAX_BYTES_LIMIT 65536     /* a token that authorizes */
/* A Status List Token: as large as a fetched document's slot (a list of
 * a million tokens with many revoked passes 64 KiB); the largest
 * max_bytes tok_verify takes and the largest token tok_sign makes. */
#define TOK_MAX_BYTES_SLIST JWKS_MAX_BYTES
#define TOK_JSON_DEPTH 16       /* nesting allowed in header and claims */
#define TOK_MAX_TRIES 8         /* keys tried when the token has no kid */

/* One trusted issuer. Owned by whoever built it (the config). */
struct tok_issuer {
	const char *iss;                /* exact match, no normalisation */
	const struct jwks *keys;
	unsigned algs;                  /* JF_ALG_BIT() mask; never 0 */
	const char *const *aud;         /* accepted audiences; naud >= 1 */
	size_t naud;
	const char *typ;                /* required "typ", or NULL for any */
	/* Keys fetched from the issuer's jwks_uri (may be NULL), tried after
	 * keys, and why there are none, said in a "no key" refusal. */
	const struct jwks *rkeys;
	const char *rnote;
	/* 1: no "aud" to check: a Status List Token (draft-ietf-oauth-
	 * status-list §5.1) names its own URL in sub and has no audience. */
	int no_aud;
};

struct tok_rules {
	const struct tok_issuer *issuers;
	size_t nissuers;
	long leeway;                    /* seconds, for exp, nbf and iat */
	size_t max_bytes;               /* 0: TOK_MAX_BYTES_DEFAULT; at
					 * most TOK_MAX_BYTES_SLIST */
	time_t now;
	/* 1: "exp" may be absent (a Status List Token, draft-ietf-oauth-
	 * status-list §5.1: RECOMMENDED); when present it is checked. */
	int exp_optional;
};

/* Called once per check with ok = 1 (passed) or 0 (the refusal), for
 * `jwt-fcgi verify --explain`. check is a short name ("alg"), detail a
 * sentence. May be NULL. */
typedef void (*tok_explain_fn)(void *arg, int ok, const char *check,
	const char *detail);

struct tok;

/* Verifies the n bytes at s. On success *out owns the decoded token. On
 * failure m says precisely why (never echoing the token) and the code
 * maps to invalid_token. */
enum jf_err tok_verify(const struct tok_rules *r, const char *s, size_t n,
	struct tok **out, struct jf_msg *m, tok_explain_fn ex, void *arg);
void tok_free(struct tok *t);

/* The unverified "iss" of the compact JWS at s (n bytes, at most
 * TOK_MAX_BYTES_LIMIT) into out (room bytes): only ever to pick keys or
 * to explain a refusal, never to trust. 0, or -1 when there is none. */
int tok_peek_iss(const char *s, size_t n, char *out, size_t room);

const struct json_object *tok_header(const struct tok *t);
const struct json_object *tok_claims(const struct tok *t);
const struct tok_issuer *tok_issuer(const struct tok *t);
/* Replaces a verified token's claims with claims (t owns them now) and
 * forgets the issuer and key that verified it: for a token checked
 * against an issuer made for one request (a client's own keys), whose
 * claims the caller then rebuilt from configuration. */
void tok_restrict(struct tok *t, struct json_object *claims);
/* 1 for a token tok_restrict made. */
int tok_restricted(const struct tok *t);
/* The kid of the key that verified the token. */
const char *tok_key_kid(const struct tok *t);

/* Every space-separated scope in `required` is granted by the token's
 * "scope" (RFC 9068 space-separated string), or, when it has no scope
 * string, by "scp" (array of strings). Returns 1 if all are, else 0. */
int tok_has_scopes(const struct tok *t, const char *required);

/* Signs claims with k: header {"alg":<key_sign_alg>,"typ":typ,"kid":
 * key_kid(k)}; typ NULL means "JWT". *out is a new NUL-terminated compact
 * JWS the caller frees. */
enum jf_err tok_sign(const struct jf_key *k, const char *typ,
	const struct json_object *claims, char **out, struct jf_msg *m);

#endif

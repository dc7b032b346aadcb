/* cimd.h - OAuth client ID metadata documents
 * (draft-ietf-oauth-client-id-metadata-document-03): a client whose
 * client_id is an https URL publishes its metadata, its public keys
 * included, at that URL. Seed 001's services sign their own JWTs with
 * iss = sub = that URL.
 *
 * The rules, each checked here:
 *   - the client_id URL is https, has a path, no fragment, no userinfo,
 *     no "." or ".." segments, and is compared as a plain string (no port
 *     or case normalisation);
 *   - the document's client_id equals the URL it was fetched from;
 *   - no shared secret: a token_endpoint_auth_method of
 *     client_secret_basic, client_secret_post or client_secret_jwt, a
 *     client_secret or client_secret_expires_at member, and any private
 *     key member in its keys are refused;
 *   - its keys are jwks (inline) or jwks_uri (fetched with the same
 *     rules), not both, not neither.
 * What a client may do (scopes, claims) never comes from the document.
 */
#ifndef JF_OAUTH_CIMD_H
#define JF_OAUTH_CIMD_H

#include <stddef.h>

#include "net/fetch.h"
#include "util/err.h"

#define CIMD_BYTES_DEFAULT 5120         /* the draft's recommendation */
#define CIMD_BYTES_MAX (64 * 1024)
#define CIMD_JWKS_BYTES_MAX (64 * 1024)

/* url as a client ID: JF_E_INVALID_CLIENT saying which rule it breaks. */
enum jf_err cimd_url_check(const char *url, struct jf_msg *m);

/* An allowlist entry (the authorizer's [cimd] sections, the mint's
 * cimd_allow): one client ID exactly, or, ending in "/", every client ID
 * under that path of that host; never "any URL". *prefix says which.
 * A prefix is checked as the shortest client ID it admits, and has no
 * query. JF_E_CONFIG saying which rule it breaks. */
enum jf_err cimd_pattern_check(const char *pattern, int *prefix,
	struct jf_msg *m);

/* How closely pattern (which passed cimd_pattern_check) admits the
 * client ID url (which passed cimd_url_check): 0 not at all, SIZE_MAX as
 * that very client ID, else the prefix's length, so that the longest
 * prefix, the narrowest entry, wins. What follows a prefix stays below
 * it: an encoded dot, slash or backslash, which the client's host may
 * decode into a way out, is never admitted. */
size_t cimd_match(const char *pattern, int prefix, const char *url);

/* The n bytes of a document fetched from url: checked as above. On
 * JF_OK, *jwks (malloc'd) is its inline "jwks" as JSON text, or NULL and
 * *jwks_uri (malloc'd) the URL of its keys. JF_E_INVALID_CLIENT with the
 * reason otherwise. */
enum jf_err cimd_parse(const char *doc, size_t n, const char *url,
	char **jwks, char **jwks_uri, struct jf_msg *m);

/* Fetches url's document (at most doc_max bytes) and its keys, checks
 * both, and gives the keys as a normalised JWKS (malloc'd JSON text,
 * public members only) in *out, with the smallest Cache-Control max-age
 * of the answers in *max_age (-1: none). */
enum jf_err cimd_resolve(const char *url, const struct fetch_opts *o,
	size_t doc_max, char **out, long *max_age, struct jf_msg *m);

#endif

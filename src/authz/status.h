/* status.h - revocation at the authorizer: a token's Token Status List
 * entry (draft-ietf-oauth-status-list §6.2, the "status" claim), checked
 * against the list its issuer publishes.
 *
 * The background fetcher (remote.c) fetches each list a configuration
 * names or a valid token points to, verifies it as a Status List Token
 * signed by the issuer (status_doc_verify) and stores only good ones in
 * the shared table, so a bad body never replaces a good one. Each worker
 * verifies and decodes a stored list once per generation, and per
 * request looks up one index. A list older than status_max_stale, or
 * past its exp, is not used: the issuer's tokens are then refused under
 * status = required and let through under optional.
 */
#ifndef JF_AUTHZ_STATUS_H
#define JF_AUTHZ_STATUS_H

#include <stdint.h>
#include <time.h>

#include "conf/cfg.h"
#include "net/docs.h"
#include "util/err.h"

#define STATUS_KIND 3           /* the docs table's slot kind */
#define STATUS_ENTRIES 64       /* lists one worker keeps decoded */

struct status;
struct slist;
struct tok;

enum jf_err status_new(struct status **out, struct docs *d,
	struct jf_msg *m);
void status_free(struct status *s);

/* Checks body (len bytes) as the Status List Token at url: a JWS of
 * typ statuslist+jwt signed by one of c's issuers whose status lists
 * may come from url (its iss picks the issuer and the keys), sub = url,
 * iat a number not in the future, exp (if any) not passed, ttl (if any)
 * a positive number, and a status_list that decodes. On JF_OK *iss is
 * that issuer's iss (c's), *list the decoded list (caller frees; may be
 * NULL: not wanted), *exp its exp or 0, *ttl its ttl or -1. */
enum jf_err status_doc_verify(const struct cfg *c, const char *url,
	const char *body, size_t len, time_t now, const char **iss,
	struct slist **list, int64_t *exp, long *ttl, struct jf_msg *m);

/* Per request, for verified token t (cached or not): JF_OK, or
 * JF_E_CLAIM with why (revoked, suspended, index out of range, a status
 * claim malformed or missing where required), or JF_E_UNAVAILABLE (503)
 * when its list is unavailable where required: not fetched, stale or
 * expired, a fault of ours or of the list's host, not of the token. s NULL: no fetcher runs (lists are then unavailable). May
 * wait up to jwks_cold_wait for a list never fetched yet. */
enum jf_err status_check(struct status *s, const struct cfg *c,
	const struct tok *t, time_t now, struct jf_msg *m);

/* status_check in two halves, for decisions the workers share (the
 * shared cache keeps the reference and looks it up on every hit):
 * status_ref reads token t's entry under c (JF_OK with uri NULL: nothing
 * to look up; iss and uri point into t or c), status_lookup checks it in
 * its list. */
struct status_ref {
	int mode;               /* CFG_STATUS_* of the token's issuer */
	uint32_t idx;
	const char *uri;
	const char *iss;
};
enum jf_err status_ref(const struct cfg *c, const struct tok *t,
	struct status_ref *r, struct jf_msg *m);
enum jf_err status_lookup(struct status *s, const struct cfg *c,
	const struct status_ref *r, time_t now, struct jf_msg *m);

/* 1 when some issuer of c takes status lists from url. */
int status_url_wanted(const struct cfg *c, const char *url);

/* The fetcher: claims the lists c names (status_list_uris entries that
 * are not prefixes) so that they are fetched from start. */
void status_claim_fixed(struct docs *d, const struct cfg *c, int64_t now);

#endif

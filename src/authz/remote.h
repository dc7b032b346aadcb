/* remote.h - the authorizer's remote keys (jwks_uri, metadata): one
 * background process fetches them, every worker reads them from memory.
 *
 * The fetcher process (remote_fetcher, run by the supervisor beside the
 * workers) is the only one that touches the network. It looks at each
 * source every jwks_refresh seconds (sooner when Cache-Control max-age
 * says so, never sooner than jwks_refresh_min), keeps only the members
 * that are usable signing keys for the issuer's algorithms, and stores
 * the result in a table shared by all processes (net/docs.h). A failing
 * source keeps its last good keys. Workers, on each request, compare one
 * counter per source with what they last saw; only when it moved do they
 * copy and parse the stored keys (once per change per worker). Keys last
 * fetched more than jwks_max_stale seconds ago are dropped, and the
 * issuer's tokens refused saying so.
 *
 * A token whose kid no key has (the issuer rotated before we looked) may
 * ask the fetcher for an early look, at most once per jwks_cooldown for
 * all workers together, and waits for it at most jwks_cold_wait; so does
 * a request that finds an issuer's keys never fetched yet. A request
 * otherwise never waits on the network.
 *
 * The same process fetches the client metadata documents of self-issued
 * tokens (self.h) into the same table, slots of their own kind claimed
 * by the requests that name them; it fetches only URLs a [cimd] section
 * of its current configuration allows. And the issuers' Token Status
 * Lists (status.h): it stores a list only once it verified it as the
 * issuer's Status List Token, with the keys it has then.
 */
#ifndef JF_AUTHZ_REMOTE_H
#define JF_AUTHZ_REMOTE_H

#include <time.h>

#include "conf/cfg.h"
#include "util/err.h"

struct remote;
struct srv_bg;

/* The shared table, made once before the supervisor forks. */
enum jf_err remote_new(struct remote **out, struct jf_msg *m);
void remote_free(struct remote *r);

/* After every configuration load, in the process that loaded it: claims
 * the shared slots of c's remote sources and forgets what was seen under
 * the previous configuration. */
enum jf_err remote_bind(struct remote *r, struct cfg *c, struct jf_msg *m);

/* Worker: brings c's remote keys up to date with the table. No network,
 * no waiting. 1 when a key set changed (flush what was verified with the
 * old ones), else 0. */
int remote_sync(struct remote *r, struct cfg *c, time_t now);

/* Worker, after a "no key" refusal of a token from issuer iss: if that
 * issuer's keys were never fetched, waits for the fetcher; if they were,
 * asks for an early look (once per cooldown) and waits for it; in both
 * cases at most jwks_cold_wait. 1 when the keys changed and the token is
 * worth verifying again. */
int remote_retry(struct remote *r, struct cfg *c, const char *iss);

/* The shared table, for the self-issued tokens' documents too. */
struct docs *remote_docs(struct remote *r);

/* The fetcher process's body (srv_ops.background); *cp is the process's
 * current configuration, replaced by its reload. */
void remote_fetcher(struct remote *r, struct cfg **cp, struct srv_bg *bg);

#endif

/* stats.h - jwt-authz.fcgi's metrics (util/metrics.h): what every worker
 * and the fetcher count, and the responder route that writes them
 * (JWT_SERVE = metrics). jwt-authz.fcgi(8) METRICS lists each one.
 */
#ifndef JF_AUTHZ_STATS_H
#define JF_AUTHZ_STATS_H

#include <stdint.h>
#include <time.h>

#include "util/err.h"
#include "fcgi/req.h"

struct stats;

/* What a fetch was for. */
enum stats_kind {
	STATS_KIND_JWKS,        /* an issuer's jwks_uri or metadata */
	STATS_KIND_CIMD,        /* a client ID metadata document */
	STATS_KIND_STATUS,      /* a Status List Token */
	STATS_KIND__LAST
};

/* The shared values, made once before the supervisor forks. */
enum jf_err stats_new(struct stats **out, struct jf_msg *m);
void stats_free(struct stats *s);

/* One decision: its code, whether the verified-token cache answered (1),
 * did not (0) or was not asked (-1), and when it began (met_now_us). */
void stats_decision(struct stats *s, enum jf_err e, int cache,
	uint64_t t0_us);
/* One fetch of the fetcher: its outcome. */
void stats_fetch(struct stats *s, enum stats_kind k, enum jf_err e);

/* The keys' ages at now: the configuration's (loaded at `loaded`) and
 * the oldest remote key set in use (fetched at `fetched`, 0: none). */
void stats_keys(struct stats *s, time_t now, time_t loaded, int64_t fetched);

/* GET/HEAD: the exposition as text/plain; version=0.0.4. */
void stats_serve(const struct stats *s, struct req *r);

#endif

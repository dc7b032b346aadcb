/* cimdkeys.h - the keys of client ID metadata documents, as a worker sees
 * them: URLs that requests bring, resolved by the program's background
 * fetcher (cimd_resolve) into the shared table (net/docs.h), parsed once
 * per change per process.
 *
 * A worker claims the URL's slot on its first request (a slot unused for
 * `idle` seconds may be given to another URL when the table is full),
 * and when the table has no keys for it yet, asks the fetcher and waits
 * at most cold_wait: many requests arriving together cause one fetch,
 * because one ask per cooldown goes through and everyone waits for the
 * same attempt. A failed fetch keeps the last good keys, for at most
 * max_stale seconds after they were fetched; then the client is refused,
 * saying why. The caller decides which URLs are allowed before asking:
 * nothing here fetches a URL by itself.
 */
#ifndef JF_OAUTH_CIMDKEYS_H
#define JF_OAUTH_CIMDKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "net/docs.h"
#include "util/err.h"

#define CIMDK_ENTRIES 64        /* documents one process keeps parsed */

struct cimdk;
struct jwks;

struct cimdk_opts {
	int kind;               /* the slot kind the fetcher resolves */
	long idle;              /* s: a slot unused this long may be reused */
	long cooldown;          /* s: at most one early look per this */
	long cold_wait_ms;      /* what a request waits for a fetch */
	long max_stale;         /* s: last good keys kept this long */
};

/* A process's view of table d (which it does not own). */
enum jf_err cimdk_new(struct cimdk **out, struct docs *d, struct jf_msg *m);
void cimdk_free(struct cimdk *c);

/* The keys of client url at now: borrowed, valid until the next call
 * with this c. JF_E_NO_KEY with why when there are none (not fetched
 * yet, the last fetch failed and nothing good is left, or stale). */
enum jf_err cimdk_get(struct cimdk *c, const char *url,
	const struct cimdk_opts *o, int64_t now, const struct jwks **keys,
	struct jf_msg *m);

/* After a token of url named a kid its keys lack: an early look (once per
 * cooldown for all processes) and a wait for it. 1 when url's keys
 * changed, so the token is worth verifying again. */
int cimdk_retry(struct cimdk *c, const char *url,
	const struct cimdk_opts *o);

/* 1 when any document's keys this process holds changed or went stale
 * since the last call: tokens verified with them must be forgotten.
 * One atomic load per held document. */
int cimdk_sync(struct cimdk *c, const struct cimdk_opts *o, int64_t now);

#endif

/* state.h - state: what the mint must remember across requests, workers,
 * restarts and (with Redis) hosts: the status-list indexes it gave out,
 * their status bits, the live tokens each subject and client holds (so
 * one command revokes them all), blocked clients, and single-use
 * assertion ids (replay).
 *
 * Two back ends behind one interface, chosen by st_opts.url:
 *   embedded   url NULL or "": a file-backed shared mapping (st_opts.path,
 *              under the mint's state directory) with a robust
 *              process-shared mutex inside it: every worker, the CLI on
 *              the same host and a restarted mint see the same state.
 *              The file is made 0600 with a fixed size from max_live and
 *              bits (about 64 bytes per token plus 1.5 MiB); a file made
 *              for other values, by another layout, of another owner or
 *              readable by others is refused (JF_E_CONFIG). Requests
 *              touch memory only. See embedded.c.
 *   redis      "redis://[user:password@]host[:port][/db]" or
 *              "unix:/path/to/redis.sock[?db=N]" (hiredis): several mints
 *              behind one issuer name share it; keys under st_opts.prefix
 *              (default "jf:"). User and password percent-encoded; the
 *              password never appears in a message. rediss:// (TLS) is
 *              refused. Every multi-key change is one Lua script (atomic
 *              in the server): two mints never hand out the same index.
 *              The first mint to connect records bits under the prefix;
 *              a mint configured otherwise is refused (JF_E_CONFIG).
 *              Standalone Redis only (the scripts build their own keys).
 *              Both back ends keep jti, sub and client ids as truncated
 *              SHA-256 hashes only (state/hash.c).
 *              See redis.c for the keys.
 *
 * Failure is explicit: a back end it cannot reach answers JF_E_UNAVAILABLE
 * (the mint turns it into 503 and refuses to issue); each call retries the
 * connection itself, so the mint recovers when Redis returns (a connection
 * lost since the last call is made again within the call). Calls are
 * synchronous and bounded by st_opts.timeout_ms (twice, for the first
 * call after a loss: the command, then the new connection). A handle is
 * one thread's. The Redis back end never raises SIGPIPE.
 *
 * Index rules (the draft's herd privacy and safe reuse): st_issue draws an
 * index uniformly at random among the free ones of the list; an index is
 * free again only at its token's reuse_at (exp + leeway + the longest time
 * a verifier may keep an old list), and it is handed out again with its
 * status VALID. A token's status is published only until its expires_at
 * (exp + leeway, when no verifier accepts it any more): st_gen and
 * st_list first clear the status of every token past it (its index stays
 * allocated until reuse_at), so a list signed at or after expires_at
 * shows VALID there, and a list signed before expires at most status
 * lifetime later, at reuse_at, before the index's next token exists: no
 * verifier takes one token's status for another's. The generation
 * changes when such a clearing changes a status; st_gen pays for it only
 * when now reaches the earliest pending expires_at of a non-VALID status
 * (the embedded header keeps it; Redis a sorted set). A token past its
 * expires_at is no longer changed by st_set_status. The list is sized to the live tokens: st_list returns
 * (at least) every index in use, the allocation range grows (doubling)
 * only when it is more than half full, down to a floor of ST_LIST_MIN.
 */
#ifndef JF_STATE_STATE_H
#define JF_STATE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define ST_LIST_MIN 1024u       /* smallest allocation range, in indexes */
#define ST_ID_MAX 1024          /* longest jti, sub or client_id, in bytes */

struct st;

struct st_opts {
	const char *url;        /* NULL or "": embedded */
	const char *path;       /* embedded: the state file */
	const char *prefix;     /* redis: key prefix, e.g. "jf:<issuer>:" */
	uint32_t max_live;      /* most live tokens (indexes) at once */
	int bits;               /* 1 or 2 status bits per index */
	long timeout_ms;        /* redis: connect and command bound;
				 * embedded: the longest wait for the lock
				 * (<= 0: 5000) */
};

/* What one issued token holds, for revocation by jti, sub or client. */
struct st_token {
	const char *jti;
	const char *sub;
	const char *client;
	int64_t exp;
	int64_t reuse_at;       /* >= expires_at: when its index may be reused */
	int64_t expires_at;     /* exp + leeway, >= exp: its status is
				 * published (non-VALID) until then only */
};

enum st_by { ST_BY_JTI, ST_BY_SUB, ST_BY_CLIENT };

/* Opens (creating the embedded file 0600 if needed). Redis: parses the
 * URL and connects; a server that does not answer is not an error here
 * (each call connects again; st_count tells whether it answers now); a
 * bad URL, a refused AUTH or SELECT, other status_bits are (JF_E_CONFIG,
 * then and on any later connection). Call st_reopen in a forked child: a
 * Redis connection is never shared between processes (a call in another
 * process than the connection's connects anew anyway); for the file it
 * does nothing (the mapping is inherited). */
enum jf_err st_open(struct st **out, const struct st_opts *o,
	struct jf_msg *m);
enum jf_err st_reopen(struct st *s, struct jf_msg *m);
void st_free(struct st *s);
/* "embedded" or "redis", for logs and metrics. */
const char *st_kind(const struct st *s);

/* A new token: an index for it (status VALID), remembered with its jti,
 * sub and client until reuse_at. JF_E_UNAVAILABLE when the list is full
 * (max_live live indexes) or the back end is down. */
enum jf_err st_issue(struct st *s, const struct st_token *t, int64_t now,
	uint32_t *idx, struct jf_msg *m);

/* Sets the status (SLIST_INVALID or SLIST_SUSPENDED, or SLIST_VALID to
 * resume a suspended one; INVALID is final) of every live token matching
 * by/value, and, when owner is not NULL, only those whose client is
 * owner (RFC 7009: a client revokes only its own). *n: how many changed.
 * No match is not an error (*n = 0). */
enum jf_err st_set_status(struct st *s, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m);

/* A blocked client gets no new token until unblocked. */
enum jf_err st_block(struct st *s, const char *client, int blocked,
	struct jf_msg *m);
enum jf_err st_blocked(struct st *s, const char *client, int *blocked,
	struct jf_msg *m);

/* Single-use ids: JF_E_INVALID_CLIENT when client/jti was seen and is
 * unexpired (a replay), else remembers it until `until`. */
enum jf_err st_replay(struct st *s, const char *client, const char *jti,
	int64_t until, int64_t now, struct jf_msg *m);

/* The list's generation only, as st_list would give it at now: cheap (no
 * copy of the statuses), so a cached signed list is checked with this and
 * st_list called only when it changed. Clears the statuses of tokens past
 * their expires_at first, as st_list does (so it may write). */
enum jf_err st_gen(struct st *s, int64_t now, uint64_t *gen,
	struct jf_msg *m);

/* Live indexes (reuse_at > now) and the allocation range, for metrics and
 * `jwt-fcgi revoke`. O(range) in the embedded back end. */
enum jf_err st_count(struct st *s, int64_t now, uint32_t *live,
	uint32_t *range, struct jf_msg *m);

/* The list as published at now: *bytes (malloc'd, caller frees) packs *n
 * statuses of st_opts.bits bits (see oauth/slist.h), every index in use
 * included, VALID for every token past its expires_at; *gen changes
 * whenever any status or the range changes (for caching the signed
 * list), including a status cleared at its expires_at. */
enum jf_err st_list(struct st *s, int64_t now, unsigned char **bytes,
	size_t *nbytes, uint32_t *n, uint64_t *gen, struct jf_msg *m);

#endif

/* docs.h - net: the documents the background fetcher brought, shared by
 * every worker of a program: the last good body of each URL, and how its
 * fetches went.
 *
 * One anonymous shared mapping made before the supervisor forks, so
 * every worker, the fetcher and their re-forked successors see the same
 * slots. A slot is claimed for a URL when a configuration naming it is
 * loaded (any process may claim; claims are idempotent), and is never
 * given back while the process group lives: configurations rarely
 * change, and a slot is small. Only the fetcher writes bodies; readers
 * never block it (a sequence lock: they copy, then check the copy was
 * not torn). Workers ask for an early refetch (a token with an unknown
 * kid) through docs_ask, rate-limited to one per cooldown per slot
 * across all workers, and wake the fetcher with an eventfd.
 */
#ifndef JF_NET_DOCS_H
#define JF_NET_DOCS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

#define DOCS_WHY_MAX 200

struct docs;

/* What a reader knows of a slot, without its body. */
struct docs_info {
	uint64_t gen;           /* bumps when the body changes; 0: none yet */
	uint64_t attempts;      /* bumps after every fetch, good or bad */
	int64_t fetched;        /* last good fetch (epoch s), 0: never */
	int64_t failed;         /* last failed fetch, 0: none since good */
	int64_t next;           /* when the fetcher means to look again */
	char why[DOCS_WHY_MAX]; /* the last failure, "" after a success */
};

/* A table of `slots` slots of at most body_max bytes each. */
enum jf_err docs_new(struct docs **out, size_t slots, size_t body_max,
	struct jf_msg *m);
/* Unmaps this process's view; the others keep theirs. */
void docs_free(struct docs *d);

size_t docs_body_max(const struct docs *d);
/* The slot of url, claimed on first use (kind 1); -1 when the table is
 * full. For the URLs a configuration names. */
int docs_slot(struct docs *d, const char *url);
/* The slot of url as kind (1..255, the program's numbering), claimed on
 * first use, and marked used at now. A full table gives back the slot
 * longest unused for more than idle seconds, if any (idle 0: never);
 * else -1. For URLs requests bring (client metadata documents). */
int docs_claim(struct docs *d, const char *url, int kind, int64_t now,
	long idle);
/* 1 when slot still holds url (a slot claimed by docs_claim may since
 * have been given to another URL); checked under the sequence lock. */
int docs_holds(const struct docs *d, int slot, const char *url);
/* The kind a slot was claimed as, 0 for a free one. */
int docs_kind(const struct docs *d, int slot);
size_t docs_slots(const struct docs *d);
/* Marks a slot used at now (one atomic store: cheap per request). */
void docs_touch(struct docs *d, int slot, int64_t now);
int64_t docs_last_used(const struct docs *d, int slot);
/* The URL a slot holds ("" for a free one). */
const char *docs_url(const struct docs *d, int slot);

/* Fetcher: a good body (replacing the last one; gen bumps only when the
 * bytes differ), or a failure (the body stays). Both bump attempts and
 * set when the fetcher will look next. Neither does anything when the
 * slot no longer holds url (NULL: do not check): it was given to another
 * URL while the fetch ran. */
void docs_put(struct docs *d, int slot, const char *url, const char *body,
	size_t len, int64_t now, int64_t next);
void docs_fail(struct docs *d, int slot, const char *url, const char *why,
	int64_t now, int64_t next);
/* The slot's URL, copied consistently into buf (cap bytes). */
void docs_url_copy(const struct docs *d, int slot, char *buf, size_t cap);
/* Fetcher: takes the slot's pending ask, if any (1), clearing it. */
int docs_take_ask(struct docs *d, int slot);
/* The eventfd workers write to when they ask; the fetcher polls it. */
int docs_wake_fd(const struct docs *d);
/* Fetcher: empties the eventfd after waking. */
void docs_drain(const struct docs *d);

/* Reader: the slot's fetch count, one atomic load: cheap enough for every
 * request, to learn whether anything happened since the last look. */
uint64_t docs_attempts(const struct docs *d, int slot);
/* Reader: a consistent snapshot of the slot's metadata. */
void docs_info(const struct docs *d, int slot, struct docs_info *i);
/* Reader: the body (NUL-terminated into buf of cap bytes) and its gen.
 * JF_E_UNAVAILABLE when there is none yet, JF_E_TOO_LARGE if cap is too
 * small. */
enum jf_err docs_copy(const struct docs *d, int slot, char *buf, size_t cap,
	size_t *len, uint64_t *gen);
/* Reader: asks the fetcher for an early look at slot, unless one was
 * asked less than cooldown seconds ago (by any process): 1 if asked now,
 * 0 if within the cooldown. */
int docs_ask(struct docs *d, int slot, int64_t now, long cooldown);

#endif

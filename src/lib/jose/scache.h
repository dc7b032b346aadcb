/* scache.h - verified answers every worker of a process group shares.
 *
 * tcache.h keeps verified tokens per worker, so N workers check the same
 * signature N times. This cache lives in one anonymous shared mapping
 * made before the supervisor forks: an answer one worker computed is
 * found by all, so a token is verified once per host (per process
 * group), not once per worker.
 *
 * What is stored is opaque here: a key (a SHA-256 the caller computes
 * over everything its answer depends on), the time window in which the
 * answer holds, the generation it was computed under, and up to
 * SCACHE_DATA_MAX bytes. Too large an answer is simply not stored.
 *
 * Bounded and lock-light: a fixed number of 4-way sets. Readers never
 * lock: each slot has a sequence number that is odd while it is being
 * written (a seqlock), and a read that overlaps a write is a miss. A
 * writer claims a slot by turning its number odd with one atomic
 * compare-and-swap and gives up, storing nothing, if another writer has
 * it: nobody ever waits. A worker killed mid-write leaves that one slot
 * unusable until the next flush, no lock held.
 *
 * Flushing: one shared generation counter. An entry counts only under the
 * generation it was stored with, so scache_flush() (an atomic increment)
 * forgets everything at once without touching a slot. The caller reads
 * the generation before it brings its keys and configuration up to date
 * and stores under that value, so an answer computed with keys older than
 * a flush another process made can never count after it.
 */
#ifndef JF_SCACHE_H
#define JF_SCACHE_H

#include <stddef.h>
#include <stdint.h>

#define SCACHE_KEY_LEN 32
#define SCACHE_DATA_MAX 1536    /* bytes of one answer */
#define SCACHE_WAYS 4

struct scache;
struct tok;

/* A shared cache of about slots entries (rounded up to whole sets);
 * NULL when slots is 0 or the mapping fails. Call before forking. */
struct scache *scache_new(size_t slots);
/* Unmaps; in a process that forked workers, only at exit. */
void scache_free(struct scache *sc);

/* The current generation, and a new one that forgets every entry. */
uint64_t scache_gen(const struct scache *sc);
void scache_flush(struct scache *sc);

/* The configuration generation: bumped by the process that reloads first
 * (the supervisor), adopted by the others when they reload. A process
 * whose own value differs has a reload pending and must not use the
 * cache. */
uint64_t scache_cfg_gen(const struct scache *sc);
void scache_cfg_bump(struct scache *sc);

/* Copies the data stored for key into out (room bytes) and returns its
 * length when an entry exists under generation gen (which must still be
 * the current one) and now is within its window; else -1. */
long scache_get(struct scache *sc, const unsigned char key[SCACHE_KEY_LEN],
	uint64_t gen, double now, void *out, size_t room);

/* Stores n bytes for key, valid from..until, under gen. Does nothing
 * when n > SCACHE_DATA_MAX or another process is writing the slot. */
void scache_put(struct scache *sc, const unsigned char key[SCACHE_KEY_LEN],
	uint64_t gen, double from, double until, const void *data, size_t n);

/* The window in which a verified token stays valid: the same tests
 * tok_verify makes (exp + leeway >= now, nbf and iat <= now + leeway) on
 * the numbers it accepted. */
void scache_window(const struct tok *t, long leeway, double *from,
	double *until);

/* Hits, misses and stores since scache_new, summed over all processes. */
void scache_stats(const struct scache *sc, uint64_t *hits, uint64_t *misses,
	uint64_t *puts);

#endif

/* tcache.h - tokens this worker already verified.
 *
 * A service presents the same token for its whole lifetime, and checking
 * an ES256 signature costs far more than everything else a request does.
 * The cache maps the SHA-256 of the token's exact bytes to the verified
 * token; a hit skips parsing and the signature and re-checks only the
 * time claims (exp, nbf, iat) against the same leeway. Only tokens that
 * fully verified are stored, so refused tokens can neither fill nor
 * poison it. Bounded: a fixed number of direct-mapped slots, a collision
 * replaces the older entry. Each configuration gets a new cache, so a
 * reload (new keys or rules) forgets everything verified before it.
 */
#ifndef JF_TCACHE_H
#define JF_TCACHE_H

#include <stddef.h>
#include <time.h>

#define TCACHE_HASH_LEN 32

struct tok;
struct tcache;

/* slots 0 gives NULL: no cache. */
struct tcache *tcache_new(size_t slots);
void tcache_free(struct tcache *tc);

/* SHA-256 of the n bytes at s. */
void tcache_hash(const char *s, size_t n, unsigned char h[TCACHE_HASH_LEN]);

/* The cached token for h if it is still within its time window at now
 * (the window tcache_put computed with the leeway); NULL otherwise (and
 * an entry out of its window is dropped). tc may be NULL. */
const struct tok *tcache_get(struct tcache *tc,
	const unsigned char h[TCACHE_HASH_LEN], time_t now);

/* Stores a verified token; the cache owns t from now on (and frees it
 * at once when tc is NULL). */
void tcache_put(struct tcache *tc, const unsigned char h[TCACHE_HASH_LEN],
	struct tok *t, long leeway);

/* Hits and misses since tcache_new, for the debug log and tests. */
void tcache_stats(const struct tcache *tc, unsigned long *hits,
	unsigned long *misses);

#endif

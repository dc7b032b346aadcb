/* replay.c - the private_key_jwt jti cache, shared by every worker.
 *
 * An assertion is single-use (RFC 7523 §3, item 7). Each worker is its
 * own process, so a per-process cache would let an assertion through
 * once per worker. The table lives in one anonymous shared mapping made
 * before the supervisor forks: every worker, re-forked ones included,
 * sees the same slots, under one robust process-shared mutex (a worker
 * that dies holding it leaves it recoverable, not locked for ever).
 *
 * Fixed size, open addressing: a key is SHA-256(client_id NUL jti),
 * truncated. An expired slot is reused but never emptied, so the probe
 * chains stay intact; a probe is bounded, and a table too full to find
 * room answers 503 rather than forget an entry it still needs.
 *
 * Fairness: one client flooding assertions must not fill the table and
 * lock the others out, so each client may hold at most `quota`
 * unexpired entries. A second, smaller table counts them per client in
 * buckets of RP_BUCKET_S seconds of expiry time: an entry is counted
 * until the end of its bucket, so the count errs high by at most
 * RP_BUCKET_S seconds' worth of a client's assertions, never low.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "mint.h"

#define RP_KEY_BYTES 16
#define RP_PROBE_MAX 128
#define RP_CLIENTS 4096         /* clients holding entries at one time */
#define RP_CLIENT_PROBE 64
#define RP_BUCKET_S 64
/* 64 buckets of 64 s: more than the longest possible life of an entry
 * (MINT_ASSERTION_LIFETIME_MAX plus leeway), so a bucket is reused only
 * once everything it counted has expired. */
#define RP_BUCKETS 64

struct rp_slot {
	unsigned char key[RP_KEY_BYTES];
	int64_t until;          /* 0: never used; < now: expired, reusable */
};

struct rp_client {
	unsigned char key[RP_KEY_BYTES];        /* SHA-256(client_id) */
	int64_t last;           /* latest until of its entries; 0: unused */
	uint32_t epoch[RP_BUCKETS];     /* until / RP_BUCKET_S counted */
	uint32_t count[RP_BUCKETS];
};

struct mint_replay {
	pthread_mutex_t lock;
	size_t cap;             /* a power of two, >= 2 * max */
	size_t max;
	size_t map_bytes;
	struct rp_client client[RP_CLIENTS];
	struct rp_slot slot[];
};

static int rp_lock(struct mint_replay *c);
static struct rp_client *rp_client(struct mint_replay *c, const char *id,
	int64_t now);
static uint64_t rp_live(const struct rp_client *k, int64_t now,
	int64_t *next_free);

enum jf_err
mint_replay_new(struct mint_replay **out, size_t max)
{
	pthread_mutexattr_t a;
	struct mint_replay *c;
	size_t cap = 2, bytes;

	*out = NULL;
	/* Twice the entries asked for keeps the probe chains short. */
	while (cap < 2 * max)
		cap *= 2;
	bytes = sizeof(*c) + cap * sizeof(c->slot[0]);
	/* Anonymous pages are zero and only touched when used. */
	c = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (c == MAP_FAILED)
		return JF_E_NOMEM;
	c->cap = cap;
	c->max = max;
	c->map_bytes = bytes;
	if (pthread_mutexattr_init(&a) != 0 ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&c->lock, &a) != 0) {
		munmap(c, bytes);
		return JF_E_INTERNAL;
	}
	pthread_mutexattr_destroy(&a);
	*out = c;
	return JF_OK;
}

void
mint_replay_free(struct mint_replay *c)
{
	/* Only this process's view goes: the others keep theirs. */
	if (c != NULL)
		munmap(c, c->map_bytes);
}

/* The client's counting record, found or made; NULL when every record
 * on its probe path belongs to a client that still holds entries. */
static struct rp_client *
rp_client(struct mint_replay *c, const char *id, int64_t now)
{
	unsigned char d[32];
	struct rp_client *k, *free_k = NULL;
	uint64_t i;
	size_t p;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, id, strlen(id), d) != 0)
		return NULL;
	memcpy(&i, d, sizeof(i));
	for (p = 0; p < RP_CLIENT_PROBE; p++) {
		k = &c->client[(i + p) % RP_CLIENTS];
		if (k->last != 0 && memcmp(k->key, d, RP_KEY_BYTES) == 0)
			return k;
		/* A record whose entries all expired counts nothing: reuse
		 * it (the probe does not depend on emptiness). */
		if (k->last < now && free_k == NULL)
			free_k = k;
	}
	if (free_k != NULL) {
		memset(free_k, 0, sizeof(*free_k));
		memcpy(free_k->key, d, RP_KEY_BYTES);
	}
	return free_k;
}

/* Unexpired entries counted for k at now (bucket granularity), and in
 * *next_free when the oldest counted bucket stops counting. */
static uint64_t
rp_live(const struct rp_client *k, int64_t now, int64_t *next_free)
{
	uint64_t n = 0;
	int64_t end;
	size_t b;

	*next_free = 0;
	for (b = 0; b < RP_BUCKETS; b++) {
		if (k->count[b] == 0)
			continue;
		end = ((int64_t)k->epoch[b] + 1) * RP_BUCKET_S;
		if (end <= now)
			continue;
		n += k->count[b];
		if (*next_free == 0 || end < *next_free)
			*next_free = end;
	}
	return n;
}

static int
rp_lock(struct mint_replay *c)
{
	int e = pthread_mutex_lock(&c->lock);

	/* Its last holder died mid-update: a slot is either written or
	 * not, so the table is still sound. */
	if (e == EOWNERDEAD)
		e = pthread_mutex_consistent(&c->lock);
	return e;
}

enum jf_err
mint_replay_add(struct mint_replay *c, const char *id, const char *jti,
	int64_t until, int64_t now, long quota, long *retry_after,
	struct jf_msg *m)
{
	unsigned char d[32];
	gnutls_hash_hd_t h = NULL;
	struct rp_slot *s, *free_slot = NULL;
	struct rp_client *k;
	int64_t next;
	uint64_t i;
	uint32_t epoch = (uint32_t)(until / RP_BUCKET_S);
	size_t b, p;
	enum jf_err rc = JF_OK;

	*retry_after = 0;
	/* client_id cannot hold a NUL, so the pair is unambiguous. */
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0 ||
	    gnutls_hash(h, id, strlen(id) + 1) != 0 ||
	    gnutls_hash(h, jti, strlen(jti)) != 0) {
		if (h != NULL)
			gnutls_hash_deinit(h, NULL);
		return jf_fail(m, JF_E_INTERNAL, "SHA-256 failed");
	}
	gnutls_hash_deinit(h, d);
	memcpy(&i, d, sizeof(i));       /* SHA-256 output is uniform */
	if (rp_lock(c) != 0)
		return jf_fail(m, JF_E_INTERNAL, "replay cache lock failed");
	for (p = 0; p < RP_PROBE_MAX; p++) {
		s = &c->slot[(i + p) & (c->cap - 1)];
		if (s->until == 0) {            /* end of the chain */
			if (free_slot == NULL)
				free_slot = s;
			break;
		}
		if (memcmp(s->key, d, RP_KEY_BYTES) == 0) {
			if (s->until >= now) {
				rc = jf_fail(m, JF_E_INVALID_CLIENT,
				    "jti already used (assertions are "
				    "single-use)");
				goto out;
			}
			free_slot = s;          /* its own expired entry */
			break;
		}
		if (s->until < now && free_slot == NULL)
			free_slot = s;
	}
	if ((k = rp_client(c, id, now)) == NULL) {
		rc = jf_fail(m, JF_E_UNAVAILABLE, "the replay cache holds "
		    "unexpired assertions of %d other clients: try "
		    "again later", RP_CLIENT_PROBE);
		goto out;
	}
	if (rp_live(k, now, &next) >= (uint64_t)quota) {
		*retry_after = next > now ? (long)(next - now) : 1;
		rc = jf_fail(m, JF_E_RATE_LIMITED, "client %.64s holds %ld "
		    "unexpired assertions, its replay_quota: "
		    "try again in %ld s", id, quota, *retry_after);
		goto out;
	}
	if (free_slot == NULL) {
		rc = jf_fail(m, JF_E_UNAVAILABLE, "the replay cache is full "
		    "of unexpired assertions: try again later");
		goto out;
	}
	memcpy(free_slot->key, d, RP_KEY_BYTES);
	free_slot->until = until;
	b = epoch % RP_BUCKETS;
	if (k->epoch[b] != epoch) {
		k->epoch[b] = epoch;
		k->count[b] = 0;
	}
	k->count[b]++;
	if (until > k->last)
		k->last = until;
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

size_t
mint_replay_live(struct mint_replay *c, int64_t now, size_t *max)
{
	size_t i, n = 0;

	*max = c != NULL ? c->max : 0;
	if (c == NULL || rp_lock(c) != 0)
		return 0;
	for (i = 0; i < c->cap; i++)
		if (c->slot[i].until >= now)
			n++;
	pthread_mutex_unlock(&c->lock);
	return n;
}

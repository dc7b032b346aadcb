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

struct rp_slot {
	unsigned char key[RP_KEY_BYTES];
	int64_t until;          /* 0: never used; < now: expired, reusable */
};

struct mint_replay {
	pthread_mutex_t lock;
	size_t cap;             /* a power of two, >= 2 * max */
	size_t map_bytes;
	struct rp_slot slot[];
};

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
	int64_t until, int64_t now, struct jf_msg *m)
{
	unsigned char d[32];
	gnutls_hash_hd_t h = NULL;
	struct rp_slot *s, *free_slot = NULL;
	uint64_t i;
	size_t k;
	enum jf_err rc = JF_OK;

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
	for (k = 0; k < RP_PROBE_MAX; k++) {
		s = &c->slot[(i + k) & (c->cap - 1)];
		if (s->until == 0) {            /* end of the chain */
			if (free_slot == NULL)
				free_slot = s;
			break;
		}
		if (memcmp(s->key, d, RP_KEY_BYTES) == 0) {
			if (s->until >= now) {
				rc = jf_fail(m, JF_E_INVALID_CLIENT,
				    "client_assertion: jti already used "
				    "(assertions are single-use)");
				goto out;
			}
			free_slot = s;          /* its own expired entry */
			break;
		}
		if (s->until < now && free_slot == NULL)
			free_slot = s;
	}
	if (free_slot == NULL) {
		rc = jf_fail(m, JF_E_UNAVAILABLE, "client_assertion: the replay "
		    "cache is full of unexpired assertions: try again later");
		goto out;
	}
	memcpy(free_slot->key, d, RP_KEY_BYTES);
	free_slot->until = until;
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

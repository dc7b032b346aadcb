/* embedded.c - state: the embedded back end, one file mapped MAP_SHARED
 * by every process on the host that opens it (the mint's workers, a
 * restarted mint, `jwt-fcgi revoke`), under a robust process-shared
 * mutex that lives in the file itself.
 *
 * The file has a fixed size, set by max_live and bits when it is made:
 *
 *   header (one page)  magic, version, the sizes below, the mutex, the
 *                      boot it was last opened in, range, live, gen
 *   status bits        ceil(max_live * bits / 8) bytes, the draft's
 *                      layout, so st_list is one copy
 *   records            max_live x emb_rec: reuse_at, exp, expires_at and
 *                      truncated SHA-256 of jti, sub and client of each
 *                      index
 *   blocked clients    EMB_BLOCKED slots, open addressing
 *   replay             EMB_REPLAY slots, open addressing (as replay.c)
 *
 * Requests touch memory only: the kernel writes the pages back. A record
 * is live while reuse_at > now; `live` counts records not yet reclaimed
 * (reuse_at != 0), so it errs high until a sweep, never low.
 *
 * A revoked or suspended token's status is cleared once its expires_at
 * passes (emb_cross, before every st_gen and st_list): the header keeps
 * the earliest expires_at of a non-VALID status (next_exp), so the pass,
 * which reads only the non-zero statuses' records, runs only then.
 *
 * A process that dies holding the mutex leaves it recoverable
 * (EOWNERDEAD). A host that crashes cannot mark it, so the header keeps
 * the boot id: the first opener after a reboot, under flock(2), makes
 * the mutex anew (no process of an earlier boot can hold it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "state/state-int.h"

#define EMB_MAGIC "JFSTATE1"
#define EMB_VERSION 2u          /* 2: expires_at, next_exp */
#define EMB_HEAD 4096u          /* the header's page */
#define EMB_HASH ST_HASH        /* see hash.c */
#define EMB_BLOCKED 4096u       /* blocked clients at one time */
#define EMB_REPLAY 65536u       /* unexpired single-use ids at one time */
#define EMB_PROBE 128
#define EMB_TRIES 64            /* random draws before counting the free */
#define EMB_BOOT_ID "/proc/sys/kernel/random/boot_id"

struct emb_rec {
	int64_t reuse_at;       /* 0: never used or reclaimed */
	int64_t exp;
	int64_t expires_at;     /* exp + leeway: its status published till then */
	unsigned char jti[EMB_HASH], sub[EMB_HASH], client[EMB_HASH];
};

struct emb_slot {
	unsigned char key[EMB_HASH];
	int64_t until;          /* replay: 0 never used; blocked: 1 set, -1 gone */
};

struct emb_head {
	char magic[8];
	uint32_t version, bits, max_live, blocked, replay;
	uint32_t rec_size, slot_size, mutex_size;
	uint64_t file_bytes;
	char boot[40];
	pthread_mutex_t lock;
	uint32_t range;         /* indexes [0, range) may be handed out */
	uint32_t live;          /* records with reuse_at != 0 */
	uint64_t gen;
	int64_t swept;          /* the `now` of the last growth sweep */
	int64_t next_exp;       /* earliest expires_at of a non-VALID status,
				 * or later; INT64_MAX: none */
};

struct emb {
	struct emb_head *h;
	size_t bytes;
	unsigned char *bits;
	struct emb_rec *rec;
	struct emb_slot *blocked, *replay;
	long timeout_ms;
	char path[256];
};

static uint64_t emb_size(uint32_t max_live, int bits);
static void emb_map(struct emb *e);
static void emb_boot(char out[40]);
static enum jf_err emb_init(struct emb *e, const struct st_opts *o,
	struct jf_msg *m);
static enum jf_err emb_check(struct emb *e, const struct st_opts *o,
	struct jf_msg *m);
static enum jf_err emb_mutex(struct emb_head *h, struct jf_msg *m);
static enum jf_err emb_lock(struct emb *e, struct jf_msg *m);
static void emb_unlock(struct emb *e);
static int emb_get(const struct emb *e, uint32_t i);
static void emb_put(struct emb *e, uint32_t i, int v);
static uint32_t emb_sweep(struct emb *e, int64_t now);
static void emb_cross(struct emb *e, int64_t now);
static enum jf_err emb_draw(struct emb *e, int64_t now, uint32_t *idx,
	struct jf_msg *m);
static struct emb_slot *emb_find(struct emb_slot *t, uint32_t cap,
	const unsigned char k[EMB_HASH], int64_t now, struct emb_slot **room);

static uint64_t
emb_size(uint32_t max_live, int bits)
{
	uint64_t b = ((uint64_t)max_live * (uint64_t)bits + 7) / 8;

	b = (b + 63) & ~(uint64_t)63;
	return EMB_HEAD + b + (uint64_t)max_live * sizeof(struct emb_rec) +
	    (uint64_t)(EMB_BLOCKED + EMB_REPLAY) * sizeof(struct emb_slot);
}

static void
emb_map(struct emb *e)
{
	uint64_t b = ((uint64_t)e->h->max_live * e->h->bits + 7) / 8;
	unsigned char *p = (unsigned char *)e->h;

	b = (b + 63) & ~(uint64_t)63;
	e->bits = p + EMB_HEAD;
	e->rec = (struct emb_rec *)(p + EMB_HEAD + b);
	e->blocked = (struct emb_slot *)(e->rec + e->h->max_live);
	e->replay = e->blocked + EMB_BLOCKED;
}

/* This boot's id, or "" where /proc does not say (then a crash while
 * locked needs the file removed, and the lock wait says so). */
static void
emb_boot(char out[40])
{
	FILE *f = fopen(EMB_BOOT_ID, "r");

	memset(out, 0, 40);
	if (f == NULL)
		return;
	if (fgets(out, 40, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static enum jf_err
emb_mutex(struct emb_head *h, struct jf_msg *m)
{
	pthread_mutexattr_t a;
	int ok;

	if (pthread_mutexattr_init(&a) != 0)
		return jf_fail(m, JF_E_INTERNAL, "state: mutex attributes");
	ok = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
	    pthread_mutex_init(&h->lock, &a) == 0;
	pthread_mutexattr_destroy(&a);
	return ok ? JF_OK : jf_fail(m, JF_E_INTERNAL, "state: mutex init");
}

/* A new file (size 0, ours under flock): its size, header and mutex. */
static enum jf_err
emb_init(struct emb *e, const struct st_opts *o, struct jf_msg *m)
{
	struct emb_head *h = e->h;
	uint32_t epoch;
	enum jf_err rc;

	memcpy(h->magic, EMB_MAGIC, sizeof(h->magic));
	h->version = EMB_VERSION;
	h->bits = (uint32_t)o->bits;
	h->max_live = o->max_live;
	h->blocked = EMB_BLOCKED;
	h->replay = EMB_REPLAY;
	h->rec_size = sizeof(struct emb_rec);
	h->slot_size = sizeof(struct emb_slot);
	h->mutex_size = sizeof(pthread_mutex_t);
	h->file_bytes = e->bytes;
	emb_boot(h->boot);
	h->range = o->max_live < ST_LIST_MIN ? o->max_live : ST_LIST_MIN;
	h->live = 0;
	/* A random high half: a list remade from scratch never repeats the
	 * gen of an old one a reader may have cached. */
	if (gnutls_rnd(GNUTLS_RND_NONCE, &epoch, sizeof(epoch)) != 0)
		return jf_fail(m, JF_E_INTERNAL, "random numbers failed");
	h->gen = (uint64_t)epoch << 32 | 1;
	h->next_exp = INT64_MAX;
	if ((rc = emb_mutex(h, m)) != JF_OK)
		return rc;
	emb_map(e);
	return JF_OK;
}

/* An existing file: exactly our layout, or a precise refusal. */
static enum jf_err
emb_check(struct emb *e, const struct st_opts *o, struct jf_msg *m)
{
	struct emb_head *h = e->h;
	char boot[40];
	enum jf_err rc;

	if (memcmp(h->magic, EMB_MAGIC, sizeof(h->magic)) != 0)
		return jf_fail(m, JF_E_CONFIG, "state file %s: not a jwt-fcgi "
		    "state file", e->path);
	if (h->version != EMB_VERSION)
		return jf_fail(m, JF_E_CONFIG, "state file %s: of version %u, "
		    "this build reads version %u (move the file away to start "
		    "a new list; its revocations are lost)", e->path,
		    h->version, EMB_VERSION);
	if (h->rec_size != sizeof(struct emb_rec) ||
	    h->slot_size != sizeof(struct emb_slot) ||
	    h->mutex_size != sizeof(pthread_mutex_t) ||
	    h->blocked != EMB_BLOCKED || h->replay != EMB_REPLAY ||
	    h->file_bytes != e->bytes)
		return jf_fail(m, JF_E_CONFIG, "state file %s: made by a "
		    "build with another layout", e->path);
	if (h->bits != (uint32_t)o->bits || h->max_live != o->max_live)
		return jf_fail(m, JF_E_CONFIG, "state file %s: made for "
		    "max_live_tokens = %u and status_bits = %u, configured: "
		    "%u and %d (move the file away to start a new list; its "
		    "revocations are lost)", e->path, h->max_live, h->bits,
		    o->max_live, o->bits);
	if (h->range == 0 || h->range > h->max_live || h->live > h->max_live)
		return jf_fail(m, JF_E_CONFIG, "state file %s: damaged "
		    "header", e->path);
	emb_map(e);
	emb_boot(boot);
	if (boot[0] != '\0' && strcmp(boot, h->boot) != 0) {
		/* A new boot: whoever held the lock is gone. */
		if ((rc = emb_mutex(h, m)) != JF_OK)
			return rc;
		memcpy(h->boot, boot, sizeof(h->boot));
	}
	return JF_OK;
}

enum jf_err
emb_open(struct emb **out, const struct st_opts *o, struct jf_msg *m)
{
	struct emb *e = NULL;
	struct stat sb;
	uint64_t bytes = emb_size(o->max_live, o->bits);
	void *p;
	int fd = -1, made = 0;
	enum jf_err rc = JF_E_INTERNAL;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return JF_E_NOMEM;
	e->bytes = (size_t)bytes;
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	if (o->path == NULL || o->path[0] != '/' ||
	    strlen(o->path) >= sizeof(e->path)) {
		rc = jf_fail(m, JF_E_CONFIG, "state file: expected an "
		    "absolute path under %zu bytes", sizeof(e->path));
		goto fail;
	}
	snprintf(e->path, sizeof(e->path), "%s", o->path);
	fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = jf_fail(m, JF_E_IO, "state file %s: %s", o->path,
		    strerror(errno));
		goto fail;
	}
	/* Only the opener that finds it empty makes it; the others wait. */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &sb) != 0) {
		rc = jf_fail(m, JF_E_IO, "state file %s: %s", o->path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0 ||
	    (sb.st_uid != geteuid() && geteuid() != 0)) {
		rc = jf_fail(m, JF_E_CONFIG, "state file %s: must be a "
		    "regular file of this user with mode 0600", o->path);
		goto fail;
	}
	if (sb.st_size == 0) {
		if (ftruncate(fd, (off_t)bytes) != 0) {
			rc = jf_fail(m, JF_E_IO, "state file %s: %s",
			    o->path, strerror(errno));
			goto fail;
		}
		made = 1;
	} else if ((uint64_t)sb.st_size != bytes) {
		/* Read the header anyway: it says what the file is. */
		if ((uint64_t)sb.st_size < EMB_HEAD) {
			rc = jf_fail(m, JF_E_CONFIG, "state file %s: not a "
			    "jwt-fcgi state file", o->path);
			goto fail;
		}
		e->bytes = (size_t)sb.st_size;
	}
	p = mmap(NULL, e->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		e->bytes = 0;
		rc = jf_fail(m, JF_E_IO, "state file %s: mmap: %s", o->path,
		    strerror(errno));
		goto fail;
	}
	e->h = p;
	rc = made ? emb_init(e, o, m) : emb_check(e, o, m);
	if (rc != JF_OK)
		goto fail;
	/* The mapping keeps the open file description, and with it the
	 * flock, alive after close: unlock first, or every other opener
	 * (jwt-fcgi revoke, a restarted mint) waits for ever. */
	(void)flock(fd, LOCK_UN);
	close(fd);      /* the mapping stays; the flock goes */
	*out = e;
	return JF_OK;
fail:
	if (made)
		if (ftruncate(fd, 0) != 0)
			(void)0;     /* the next opener finds it damaged */
	if (fd >= 0) {
		(void)flock(fd, LOCK_UN);
		close(fd);
	}
	emb_free(e);
	return rc;
}

void
emb_free(struct emb *e)
{
	if (e == NULL)
		return;
	if (e->h != NULL)
		munmap(e->h, e->bytes);
	free(e);
}

static enum jf_err
emb_lock(struct emb *e, struct jf_msg *m)
{
	struct timespec t;
	int r;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += e->timeout_ms / 1000;
	t.tv_nsec += (e->timeout_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	r = pthread_mutex_timedlock(&e->h->lock, &t);
	/* Its holder died mid-update: the file is still sound (a record is
	 * live only once its reuse_at is stored, last; a status or a slot
	 * is one store; `live` errs high until the next sweep). */
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(&e->h->lock);
	if (r == ETIMEDOUT)
		return jf_fail(m, JF_E_UNAVAILABLE, "state file %s: locked "
		    "for more than %ld ms", e->path, e->timeout_ms);
	if (r != 0)
		return jf_fail(m, JF_E_INTERNAL, "state file %s: lock: %s",
		    e->path, strerror(r));
	return JF_OK;
}

static void
emb_unlock(struct emb *e)
{
	pthread_mutex_unlock(&e->h->lock);
}

/* Status i, bits [i*bits, (i+1)*bits) from the least significant bit of
 * byte 0 (draft §4.1); a status never straddles a byte. */
static int
emb_get(const struct emb *e, uint32_t i)
{
	uint64_t b = (uint64_t)i * e->h->bits;

	return (e->bits[b / 8] >> (b % 8)) & ((1 << e->h->bits) - 1);
}

static void
emb_put(struct emb *e, uint32_t i, int v)
{
	uint64_t b = (uint64_t)i * e->h->bits;
	unsigned mask = ((1u << e->h->bits) - 1) << (b % 8);

	e->bits[b / 8] = (unsigned char)((e->bits[b / 8] & ~mask) |
	    (((unsigned)v << (b % 8)) & mask));
}

/* Reclaims every record past its reuse_at; returns the live count. */
static uint32_t
emb_sweep(struct emb *e, int64_t now)
{
	uint32_t i, live = 0;

	for (i = 0; i < e->h->range; i++) {
		if (e->rec[i].reuse_at == 0)
			continue;
		if (e->rec[i].reuse_at > now)
			live++;
		else
			e->rec[i].reuse_at = 0;
	}
	e->h->live = live;
	return live;
}

/* Clears the status of every token past its expires_at (no verifier
 * accepts it any more, and its index's next holder must not inherit the
 * bit from a list cached before the reuse); the gen changes when one was
 * cleared. Reads the records of non-zero statuses only, and only once
 * now reaches next_exp. */
static void
emb_cross(struct emb *e, int64_t now)
{
	struct emb_head *h = e->h;
	uint32_t i, k, per = 8 / h->bits, nb;
	int64_t next = INT64_MAX;
	int changed = 0;

	if (now < h->next_exp)
		return;
	nb = (uint32_t)(((uint64_t)h->range * h->bits + 7) / 8);
	for (k = 0; k < nb; k++) {
		if (e->bits[k] == 0)
			continue;
		for (i = k * per; i < (k + 1) * per && i < h->range; i++) {
			if (emb_get(e, i) == SLIST_VALID)
				continue;
			if (e->rec[i].expires_at <= now) {
				emb_put(e, i, SLIST_VALID);
				changed = 1;
			} else if (e->rec[i].expires_at < next)
				next = e->rec[i].expires_at;
		}
	}
	h->next_exp = next;
	if (changed)
		h->gen++;
}

/* A uniformly random free index of [0, range): draws, then, when the
 * draws keep hitting live ones, a count of the free ones. */
static enum jf_err
emb_draw(struct emb *e, int64_t now, uint32_t *idx, struct jf_msg *m)
{
	uint32_t r[EMB_TRIES], range = e->h->range, lim, i, k, free_n = 0;

	if (range == 0 || range > e->h->max_live)
		return jf_fail(m, JF_E_INTERNAL, "state file %s: damaged "
		    "header", e->path);
	/* Rejection keeps every index equally likely. */
	lim = UINT32_MAX - UINT32_MAX % range;
	if (gnutls_rnd(GNUTLS_RND_NONCE, r, sizeof(r)) != 0)
		return jf_fail(m, JF_E_INTERNAL, "random numbers failed");
	for (k = 0; k < EMB_TRIES; k++) {
		if (r[k] >= lim)
			continue;
		i = r[k] % range;
		if (e->rec[i].reuse_at <= now) {
			*idx = i;
			return JF_OK;
		}
	}
	for (i = 0; i < range; i++)
		free_n += e->rec[i].reuse_at <= now;
	if (free_n == 0)
		return jf_fail(m, JF_E_UNAVAILABLE, "state: no free index");
	lim = UINT32_MAX - UINT32_MAX % free_n;
	do {
		if (gnutls_rnd(GNUTLS_RND_NONCE, &k, sizeof(k)) != 0)
			return jf_fail(m, JF_E_INTERNAL,
			    "random numbers failed");
	} while (k >= lim);
	k %= free_n;
	for (i = 0; i < range; i++)
		if (e->rec[i].reuse_at <= now && k-- == 0)
			break;
	*idx = i;
	return JF_OK;
}

enum jf_err
emb_issue(struct emb *e, const struct st_token *t, int64_t now,
	uint32_t *idx, struct jf_msg *m)
{
	struct emb_rec r;
	struct emb_head *h = e->h;
	uint32_t i = 0;
	enum jf_err rc;

	memset(&r, 0, sizeof(r));
	if ((rc = st_hash(t->jti, NULL, r.jti, m)) != JF_OK ||
	    (rc = st_hash(t->sub, NULL, r.sub, m)) != JF_OK ||
	    (rc = st_hash(t->client, NULL, r.client, m)) != JF_OK)
		return rc;
	r.exp = t->exp;
	r.expires_at = t->expires_at;
	r.reuse_at = t->reuse_at;
	if ((rc = emb_lock(e, m)) != JF_OK)
		return rc;
	/* More than half full once this one is in: reclaim, then grow. A
	 * sweep is O(range), so at most one a second (live errs high by a
	 * second's expiries at most), and none once the range is at its
	 * ceiling (the draws take expired records as they are); but always
	 * before saying the list is full. */
	if (((uint64_t)h->live + 1) * 2 > h->range &&
	    h->range < h->max_live && h->swept != now) {
		emb_sweep(e, now);
		h->swept = now;
	}
	if (((uint64_t)h->live + 1) * 2 > h->range && h->range < h->max_live) {
		h->range = h->range > h->max_live / 2 ? h->max_live :
		    h->range * 2;
		h->gen++;
	}
	if (h->live >= h->max_live)
		emb_sweep(e, now);
	if (h->live >= h->max_live) {
		rc = jf_fail(m, JF_E_UNAVAILABLE, "state: %u live tokens, "
		    "max_live_tokens: no index free until one expires",
		    h->max_live);
		goto out;
	}
	if ((rc = emb_draw(e, now, &i, m)) != JF_OK)
		goto out;
	if (e->rec[i].reuse_at == 0)
		h->live++;
	if (emb_get(e, i) != SLIST_VALID) {
		emb_put(e, i, SLIST_VALID);
		h->gen++;
	}
	/* reuse_at last: until then the index is free, its bits VALID. */
	e->rec[i].reuse_at = 0;
	memcpy(e->rec[i].jti, r.jti, EMB_HASH);
	memcpy(e->rec[i].sub, r.sub, EMB_HASH);
	memcpy(e->rec[i].client, r.client, EMB_HASH);
	e->rec[i].exp = r.exp;
	e->rec[i].expires_at = r.expires_at;
	e->rec[i].reuse_at = r.reuse_at;
	*idx = i;
out:
	emb_unlock(e);
	return rc;
}

enum jf_err
emb_set_status(struct emb *e, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m)
{
	unsigned char v[EMB_HASH], o[EMB_HASH];
	const unsigned char *f;
	struct emb_rec *r;
	uint32_t i;
	int cur;
	enum jf_err rc;

	*n = 0;
	if ((rc = st_hash(value, NULL, v, m)) != JF_OK ||
	    (owner != NULL && (rc = st_hash(owner, NULL, o, m)) != JF_OK))
		return rc;
	if ((rc = emb_lock(e, m)) != JF_OK)
		return rc;
	for (i = 0; i < e->h->range; i++) {
		r = &e->rec[i];
		/* Past expires_at: no verifier accepts it; nothing to do. */
		if (r->reuse_at <= now || r->expires_at <= now)
			continue;
		f = by == ST_BY_JTI ? r->jti : by == ST_BY_SUB ? r->sub :
		    r->client;
		if (memcmp(f, v, EMB_HASH) != 0 ||
		    (owner != NULL && memcmp(r->client, o, EMB_HASH) != 0))
			continue;
		cur = emb_get(e, i);
		if (!st_may_change(cur, status))
			continue;
		emb_put(e, i, status);
		if (status != SLIST_VALID && r->expires_at < e->h->next_exp)
			e->h->next_exp = r->expires_at;
		(*n)++;
	}
	if (*n > 0)
		e->h->gen++;
	emb_unlock(e);
	return JF_OK;
}

/* The slot holding k in an open-addressed table, or NULL; *room: the
 * first slot k may take (never used, or expired/removed). A slot once
 * used is never emptied, so the probe chains stay intact. */
static struct emb_slot *
emb_find(struct emb_slot *t, uint32_t cap, const unsigned char k[EMB_HASH],
	int64_t now, struct emb_slot **room)
{
	struct emb_slot *s;
	uint64_t i;
	size_t p;

	*room = NULL;
	memcpy(&i, k, sizeof(i));
	for (p = 0; p < EMB_PROBE; p++) {
		s = &t[(i + p) % cap];
		if (s->until == 0) {
			if (*room == NULL)
				*room = s;
			return NULL;
		}
		if (memcmp(s->key, k, EMB_HASH) == 0 && s->until >= now)
			return s;
		if (s->until < now && *room == NULL)
			*room = s;
	}
	return NULL;
}

/* Blocked slots hold until = INT64_MAX while set, -1 once removed. */
enum jf_err
emb_block(struct emb *e, const char *client, int blocked, struct jf_msg *m)
{
	unsigned char k[EMB_HASH];
	struct emb_slot *s, *room;
	enum jf_err rc;

	if ((rc = st_hash(client, NULL, k, m)) != JF_OK ||
	    (rc = emb_lock(e, m)) != JF_OK)
		return rc;
	s = emb_find(e->blocked, EMB_BLOCKED, k, 0, &room);
	if (!blocked && s != NULL)
		s->until = -1;
	if (blocked && s == NULL) {
		if (room == NULL)
			rc = jf_fail(m, JF_E_UNAVAILABLE, "state: the "
			    "blocked-clients table is full");
		else {
			memcpy(room->key, k, EMB_HASH);
			room->until = INT64_MAX;
		}
	}
	emb_unlock(e);
	return rc;
}

enum jf_err
emb_blocked(struct emb *e, const char *client, int *blocked,
	struct jf_msg *m)
{
	unsigned char k[EMB_HASH];
	struct emb_slot *room;
	enum jf_err rc;

	*blocked = 0;
	if ((rc = st_hash(client, NULL, k, m)) != JF_OK ||
	    (rc = emb_lock(e, m)) != JF_OK)
		return rc;
	*blocked = emb_find(e->blocked, EMB_BLOCKED, k, 0, &room) != NULL;
	emb_unlock(e);
	return JF_OK;
}

enum jf_err
emb_replay(struct emb *e, const char *client, const char *jti,
	int64_t until, int64_t now, struct jf_msg *m)
{
	unsigned char k[EMB_HASH];
	struct emb_slot *room;
	enum jf_err rc;

	if ((rc = st_hash(client, jti, k, m)) != JF_OK ||
	    (rc = emb_lock(e, m)) != JF_OK)
		return rc;
	if (emb_find(e->replay, EMB_REPLAY, k, now, &room) != NULL)
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "jti already used "
		    "(assertions are single-use)");
	else if (room == NULL)
		rc = jf_fail(m, JF_E_UNAVAILABLE, "state: the replay table "
		    "is full of unexpired assertions: try again later");
	else {
		memcpy(room->key, k, EMB_HASH);
		room->until = until;
	}
	emb_unlock(e);
	return rc;
}

enum jf_err
emb_list(struct emb *e, int64_t now, unsigned char **bytes, size_t *nbytes,
	uint32_t *n, uint64_t *gen, struct jf_msg *m)
{
	unsigned char *b;
	size_t len;
	enum jf_err rc;

	if ((rc = emb_lock(e, m)) != JF_OK)
		return rc;
	emb_cross(e, now);
	len = ((size_t)e->h->range * e->h->bits + 7) / 8;
	if ((b = malloc(len)) == NULL) {
		emb_unlock(e);
		return JF_E_NOMEM;
	}
	memcpy(b, e->bits, len);
	*n = e->h->range;
	*gen = e->h->gen;
	emb_unlock(e);
	*bytes = b;
	*nbytes = len;
	return JF_OK;
}

enum jf_err
emb_gen(struct emb *e, int64_t now, uint64_t *gen, struct jf_msg *m)
{
	enum jf_err rc;

	if ((rc = emb_lock(e, m)) != JF_OK)
		return rc;
	emb_cross(e, now);
	*gen = e->h->gen;
	emb_unlock(e);
	return JF_OK;
}

enum jf_err
emb_count(struct emb *e, int64_t now, uint32_t *live, uint32_t *range,
	struct jf_msg *m)
{
	uint32_t i, c = 0;
	enum jf_err rc;

	if ((rc = emb_lock(e, m)) != JF_OK)
		return rc;
	for (i = 0; i < e->h->range; i++)
		c += e->rec[i].reuse_at > now;
	*live = c;
	*range = e->h->range;
	emb_unlock(e);
	return JF_OK;
}

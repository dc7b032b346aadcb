/* docs.c - the shared table of fetched documents (docs.h).
 *
 * Each slot is a header and body_max bytes of body. Writers (the one
 * fetcher process) bracket every change with a sequence counter made
 * odd during the change; readers copy, then retry if the counter moved
 * or was odd, so they never wait on a lock and never see a torn body.
 * Claiming a slot and asking for a refetch take one robust process-shared
 * mutex (a process that dies holding it leaves it recoverable).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/docs.h"
#include "net/fetch.h"

struct docs_slot {
	uint32_t seq;           /* odd while the fetcher writes */
	uint32_t claimed;
	uint64_t gen;
	uint64_t attempts;
	int64_t fetched;
	int64_t failed;
	int64_t next;
	int64_t asked_at;       /* last docs_ask that went through */
	uint32_t asked;         /* an ask the fetcher has not taken yet */
	uint32_t len;
	int64_t used;           /* last docs_claim or docs_touch */
	char why[DOCS_WHY_MAX];
	char url[FETCH_URL_MAX + 1];
	/* body_max bytes of body follow */
};

struct docs {
	pthread_mutex_t lock;
	int efd;
	size_t nslots;
	size_t body_max;
	size_t stride;
	size_t map_bytes;
	unsigned char area[];
};

static struct docs_slot *docs_at(const struct docs *d, int slot);
static int docs_lock(struct docs *d);
static void docs_begin(struct docs_slot *s);
static void docs_end(struct docs_slot *s);

static struct docs_slot *
docs_at(const struct docs *d, int slot)
{
	return (struct docs_slot *)(void *)((unsigned char *)d->area +
	    (size_t)slot * d->stride);
}

static int
docs_lock(struct docs *d)
{
	int e = pthread_mutex_lock(&d->lock);

	if (e == EOWNERDEAD)
		e = pthread_mutex_consistent(&d->lock);
	return e;
}

enum jf_err
docs_new(struct docs **out, size_t slots, size_t body_max, struct jf_msg *m)
{
	pthread_mutexattr_t a;
	struct docs *d;
	size_t stride, bytes;

	*out = NULL;
	if (slots == 0 || slots > 65536 || body_max == 0 ||
	    body_max > FETCH_BYTES_MAX)
		return jf_fail(m, JF_E_INTERNAL, "docs: bad table size");
	stride = (sizeof(struct docs_slot) + body_max + 1 + 63) & ~(size_t)63;
	bytes = sizeof(*d) + slots * stride;
	/* Pages are touched only when used: the size is mostly address
	 * space. */
	d = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d == MAP_FAILED)
		return jf_fail(m, JF_E_NOMEM, "docs: cannot map %zu bytes", bytes);
	d->nslots = slots;
	d->body_max = body_max;
	d->stride = stride;
	d->map_bytes = bytes;
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0 || pthread_mutexattr_init(&a) != 0 ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&d->lock, &a) != 0) {
		if (d->efd >= 0)
			close(d->efd);
		munmap(d, bytes);
		return jf_fail(m, JF_E_INTERNAL, "docs: cannot set up the "
		    "shared table: %s", strerror(errno));
	}
	pthread_mutexattr_destroy(&a);
	*out = d;
	return JF_OK;
}

void
docs_free(struct docs *d)
{
	if (d != NULL)
		munmap(d, d->map_bytes);
}

size_t
docs_body_max(const struct docs *d)
{
	return d->body_max;
}

int
docs_slot(struct docs *d, const char *url)
{
	return docs_claim(d, url, 1, 0, 0);
}

int
docs_claim(struct docs *d, const char *url, int kind, int64_t now, long idle)
{
	struct docs_slot *s, *old = NULL;
	size_t i, n = strlen(url);
	int found = -1;

	if (n == 0 || n > FETCH_URL_MAX || kind < 1 || kind > 255 ||
	    docs_lock(d) != 0)
		return -1;
	for (i = 0; i < d->nslots; i++) {
		s = docs_at(d, (int)i);
		if (!s->claimed) {
			memcpy(s->url, url, n + 1);
			s->used = now;
			__atomic_store_n(&s->claimed, (uint32_t)kind,
			    __ATOMIC_RELEASE);
			found = (int)i;
			break;
		}
		if (strcmp(s->url, url) == 0) {
			found = (int)i;
			break;
		}
		/* The longest unused of the slots requests claimed. */
		if (idle > 0 && s->claimed == (uint32_t)kind &&
		    now - s->used > idle && (old == NULL || s->used < old->used))
			old = s;
	}
	if (found < 0 && old != NULL) {
		/* Given back whole: another URL, no body, no history. A
		 * reader holding the old URL's slot checks the URL. */
		docs_begin(old);
		old->gen = 0;
		old->len = 0;
		old->fetched = old->failed = old->next = old->asked_at = 0;
		old->asked = 0;
		old->why[0] = '\0';
		memcpy(old->url, url, n + 1);
		old->used = now;
		__atomic_store_n(&old->attempts, 0, __ATOMIC_RELEASE);
		docs_end(old);
		found = (int)(((unsigned char *)old - d->area) / d->stride);
	}
	if (found >= 0 && now > 0)
		__atomic_store_n(&docs_at(d, found)->used, now, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&d->lock);
	return found;
}

int
docs_holds(const struct docs *d, int slot, const char *url)
{
	struct docs_slot *s = docs_at(d, slot);
	uint32_t a, b;
	int same;

	for (;;) {
		a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (a & 1) {
			sched_yield();
			continue;
		}
		same = strncmp(s->url, url, sizeof(s->url)) == 0;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (a == b)
			return same;
	}
}

int
docs_kind(const struct docs *d, int slot)
{
	if (slot < 0 || (size_t)slot >= d->nslots)
		return 0;
	return (int)__atomic_load_n(&docs_at(d, slot)->claimed,
	    __ATOMIC_ACQUIRE);
}

size_t
docs_slots(const struct docs *d)
{
	return d->nslots;
}

void
docs_touch(struct docs *d, int slot, int64_t now)
{
	__atomic_store_n(&docs_at(d, slot)->used, now, __ATOMIC_RELAXED);
}

int64_t
docs_last_used(const struct docs *d, int slot)
{
	return __atomic_load_n(&docs_at(d, slot)->used, __ATOMIC_RELAXED);
}

const char *
docs_url(const struct docs *d, int slot)
{
	if (slot < 0 || (size_t)slot >= d->nslots)
		return "";
	return docs_at(d, slot)->url;
}

static void
docs_begin(struct docs_slot *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
docs_end(struct docs_slot *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

void
docs_put(struct docs *d, int slot, const char *url, const char *body,
	size_t len, int64_t now, int64_t next)
{
	struct docs_slot *s = docs_at(d, slot);
	char *b = (char *)(s + 1);

	if (len > d->body_max)
		len = d->body_max;
	/* The lock keeps a worker's reclaim of this slot out meanwhile. */
	if (docs_lock(d) != 0)
		return;
	if (url != NULL && strcmp(s->url, url) != 0) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	docs_begin(s);
	if (s->gen == 0 || s->len != len || memcmp(b, body, len) != 0) {
		memcpy(b, body, len);
		b[len] = '\0';
		s->len = (uint32_t)len;
		s->gen++;
	}
	s->fetched = now;
	s->failed = 0;
	s->next = next;
	s->why[0] = '\0';
	__atomic_store_n(&s->attempts, s->attempts + 1, __ATOMIC_RELEASE);
	docs_end(s);
	pthread_mutex_unlock(&d->lock);
}

void
docs_fail(struct docs *d, int slot, const char *url, const char *why,
	int64_t now, int64_t next)
{
	struct docs_slot *s = docs_at(d, slot);

	if (docs_lock(d) != 0)
		return;
	if (url != NULL && strcmp(s->url, url) != 0) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	docs_begin(s);
	s->failed = now;
	s->next = next;
	snprintf(s->why, sizeof(s->why), "%s", why);
	__atomic_store_n(&s->attempts, s->attempts + 1, __ATOMIC_RELEASE);
	docs_end(s);
	pthread_mutex_unlock(&d->lock);
}

void
docs_url_copy(const struct docs *d, int slot, char *buf, size_t cap)
{
	struct docs_slot *s = docs_at(d, slot);
	uint32_t a, b;

	for (;;) {
		a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (a & 1) {
			sched_yield();
			continue;
		}
		snprintf(buf, cap, "%s", s->url);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (a == b)
			return;
	}
}

uint64_t
docs_attempts(const struct docs *d, int slot)
{
	return __atomic_load_n(&docs_at(d, slot)->attempts, __ATOMIC_ACQUIRE);
}

void
docs_info(const struct docs *d, int slot, struct docs_info *i)
{
	struct docs_slot *s = docs_at(d, slot);
	uint32_t a, b;

	for (;;) {
		a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (a & 1) {
			sched_yield();
			continue;
		}
		i->gen = s->gen;
		i->attempts = s->attempts;
		i->fetched = s->fetched;
		i->failed = s->failed;
		i->next = s->next;
		memcpy(i->why, s->why, sizeof(i->why));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (a == b)
			break;
	}
	i->why[sizeof(i->why) - 1] = '\0';
}

enum jf_err
docs_copy(const struct docs *d, int slot, char *buf, size_t cap,
	size_t *len, uint64_t *gen)
{
	struct docs_slot *s = docs_at(d, slot);
	const char *b = (const char *)(s + 1);
	uint32_t a, z;
	size_t n;

	for (;;) {
		a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (a & 1) {
			sched_yield();
			continue;
		}
		if (s->gen == 0)
			return JF_E_UNAVAILABLE;
		n = s->len;
		if (n > d->body_max)
			n = d->body_max;        /* torn: the retry fixes it */
		if (n + 1 > cap)
			return JF_E_TOO_LARGE;
		memcpy(buf, b, n);
		buf[n] = '\0';
		*gen = s->gen;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		z = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (a == z)
			break;
	}
	*len = n;
	return JF_OK;
}

int
docs_ask(struct docs *d, int slot, int64_t now, long cooldown)
{
	struct docs_slot *s = docs_at(d, slot);
	uint64_t one = 1;
	int asked = 0;

	if (docs_lock(d) != 0)
		return 0;
	if (s->asked_at == 0 || now - s->asked_at >= cooldown) {
		s->asked_at = now;
		__atomic_store_n(&s->asked, 1, __ATOMIC_RELEASE);
		asked = 1;
	}
	pthread_mutex_unlock(&d->lock);
	if (asked && write(d->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return asked;   /* the fetcher still looks at its next tick */
	return asked;
}

int
docs_take_ask(struct docs *d, int slot)
{
	return __atomic_exchange_n(&docs_at(d, slot)->asked, 0,
	    __ATOMIC_ACQ_REL) != 0;
}

int
docs_wake_fd(const struct docs *d)
{
	return d->efd;
}

void
docs_drain(const struct docs *d)
{
	uint64_t v;

	while (read(d->efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		continue;
}

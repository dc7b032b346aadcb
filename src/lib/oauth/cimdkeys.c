/* cimdkeys.c - client documents' keys for workers (cimdkeys.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jose/jwks.h"
#include "net/fetch.h"
#include "oauth/cimdkeys.h"

#define CIMDK_POLL_MS 20        /* a waiting request looks this often */

struct cent {
	int slot;               /* -1: not claimed */
	uint64_t attempts;      /* docs_attempts when last looked at */
	uint64_t gen;           /* the body generation parsed into keys */
	int64_t fetched;        /* when those keys were fetched */
	int64_t touched;        /* last docs_touch (once a second at most) */
	uint64_t lru;
	struct jwks *keys;
	char url[FETCH_URL_MAX + 1];
};

struct cimdk {
	struct docs *d;
	uint64_t tick;
	int changed;            /* keys replaced or dropped since cimdk_sync */
	char *buf;
	size_t cap;
	struct cent e[CIMDK_ENTRIES];
};

static struct cent *cimdk_entry(struct cimdk *c, const char *url);
static void cimdk_drop(struct cimdk *c, struct cent *e);
static void cimdk_refresh(struct cimdk *c, struct cent *e,
	const struct cimdk_opts *o, int64_t now);
static void cimdk_wait(const struct cimdk *c, const struct cent *e,
	const struct cimdk_opts *o, uint64_t before);
static enum jf_err cimdk_why(const struct cimdk *c, const struct cent *e,
	const struct cimdk_opts *o, int64_t now, struct jf_msg *m);

enum jf_err
cimdk_new(struct cimdk **out, struct docs *d, struct jf_msg *m)
{
	struct cimdk *c;
	size_t i;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->buf = malloc(docs_body_max(d) + 1)) == NULL) {
		free(c);
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	}
	c->d = d;
	c->cap = docs_body_max(d) + 1;
	for (i = 0; i < CIMDK_ENTRIES; i++)
		c->e[i].slot = -1;
	*out = c;
	return JF_OK;
}

void
cimdk_free(struct cimdk *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CIMDK_ENTRIES; i++)
		jwks_free(c->e[i].keys);
	free(c->buf);
	free(c);
}

/* url's entry, or the least recently used one, emptied for it. */
static struct cent *
cimdk_entry(struct cimdk *c, const char *url)
{
	struct cent *e, *old = &c->e[0];
	size_t i;

	for (i = 0; i < CIMDK_ENTRIES; i++) {
		e = &c->e[i];
		if (e->url[0] != '\0' && strcmp(e->url, url) == 0)
			return e;
		if (e->lru < old->lru)
			old = e;
	}
	/* Tokens verified with the evicted keys stay in the token cache
	 * until they expire: they were valid, and are short-lived. */
	jwks_free(old->keys);
	memset(old, 0, sizeof(*old));
	old->slot = -1;
	snprintf(old->url, sizeof(old->url), "%s", url);
	return old;
}

static void
cimdk_drop(struct cimdk *c, struct cent *e)
{
	if (e->keys != NULL)
		c->changed = 1;
	jwks_free(e->keys);
	e->keys = NULL;
	e->gen = 0;
}

/* Brings e up to date with the table; never waits. */
static void
cimdk_refresh(struct cimdk *c, struct cent *e, const struct cimdk_opts *o,
	int64_t now)
{
	struct docs_info in;
	struct jwks *k;
	struct jf_msg m;
	uint64_t gen;
	size_t len;

	if (docs_attempts(c->d, e->slot) == e->attempts) {
		if (e->keys != NULL && now - e->fetched > o->max_stale)
			cimdk_drop(c, e);
		return;
	}
	if (!docs_holds(c->d, e->slot, e->url)) {
		/* Given to another URL while unused here. */
		cimdk_drop(c, e);
		e->slot = -1;
		return;
	}
	docs_info(c->d, e->slot, &in);
	e->attempts = in.attempts;
	e->fetched = in.fetched;
	if (in.gen == 0 || now - in.fetched > o->max_stale) {
		cimdk_drop(c, e);
		return;
	}
	if (in.gen == e->gen && e->keys != NULL)
		return;
	if (docs_copy(c->d, e->slot, c->buf, c->cap, &len, &gen) != JF_OK)
		return;
	m.s[0] = '\0';
	/* The fetcher stored only keys that parsed: a failure here is
	 * memory, and the entry stays without keys. */
	if ((k = jwks_new()) == NULL || jwks_parse(k, c->buf, len, &m) !=
	    JF_OK) {
		jwks_free(k);
		cimdk_drop(c, e);
		return;
	}
	if (e->keys != NULL)
		c->changed = 1;
	jwks_free(e->keys);
	e->keys = k;
	e->gen = gen;
}

/* Until the fetcher finished an attempt begun after `before`, or
 * cold_wait passed. */
static void
cimdk_wait(const struct cimdk *c, const struct cent *e,
	const struct cimdk_opts *o, uint64_t before)
{
	struct timespec ts = { 0, CIMDK_POLL_MS * 1000000L };
	long waited = 0;

	while (waited < o->cold_wait_ms &&
	    docs_attempts(c->d, e->slot) == before) {
		nanosleep(&ts, NULL);
		waited += CIMDK_POLL_MS;
	}
}

/* Why e has no keys, from the table's record of its fetches. */
static enum jf_err
cimdk_why(const struct cimdk *c, const struct cent *e,
	const struct cimdk_opts *o, int64_t now, struct jf_msg *m)
{
	struct docs_info in;
	const char *w;
	size_t n = strlen(e->url);

	docs_info(c->d, e->slot, &in);
	w = in.why;
	/* The fetcher's reason starts with the URL: say it once. */
	if (strncmp(w, e->url, n) == 0 && w[n] == ':' && w[n + 1] == ' ')
		w += n + 2;
	if (in.attempts == 0)
		return jf_fail(m, JF_E_NO_KEY, "client metadata document not "
		    "fetched yet (no answer within %ld ms): try again",
		    o->cold_wait_ms);
	if (in.gen == 0)
		return jf_fail(m, JF_E_NO_KEY, "client metadata document "
		    "refused: %.300s", *w ? w : "no usable keys");
	return jf_fail(m, JF_E_NO_KEY, "client metadata document is stale: "
	    "last fetched %lld s ago, the limit is %ld s%s%.250s",
	    (long long)(now - in.fetched), o->max_stale, *w ? "; now: " : "",
	    w);
}

enum jf_err
cimdk_get(struct cimdk *c, const char *url, const struct cimdk_opts *o,
	int64_t now, const struct jwks **keys, struct jf_msg *m)
{
	struct docs_info in;
	struct cent *e;

	*keys = NULL;
	e = cimdk_entry(c, url);
	e->lru = ++c->tick;
	if (e->slot < 0 || !docs_holds(c->d, e->slot, url)) {
		/* First use here, or the slot went to another URL while this
		 * one was idle: claim it (again). */
		cimdk_drop(c, e);
		e->attempts = UINT64_MAX;
		e->touched = 0;
		if ((e->slot = docs_claim(c->d, url, o->kind, now, o->idle)) <
		    0)
			return jf_fail(m, JF_E_NO_KEY, "too many client metadata "
			    "documents in use (%zu): try again later",
			    docs_slots(c->d));
	}
	if (e->touched != now) {
		docs_touch(c->d, e->slot, now);
		e->touched = now;
	}
	cimdk_refresh(c, e, o, now);
	if (e->slot < 0)
		return jf_fail(m, JF_E_NO_KEY, "client metadata document: try "
		    "again");
	if (e->keys == NULL) {
		/* Nothing usable: one look, shared by everyone asking within
		 * the cooldown; wait for it when it is ours or the first. */
		docs_info(c->d, e->slot, &in);
		if (docs_ask(c->d, e->slot, now, o->cooldown) ||
		    in.attempts == 0) {
			cimdk_wait(c, e, o, in.attempts);
			cimdk_refresh(c, e, o, (int64_t)time(NULL));
		}
	}
	if (e->slot < 0)
		return jf_fail(m, JF_E_NO_KEY, "client metadata document: try "
		    "again");
	if (e->keys == NULL)
		return cimdk_why(c, e, o, now, m);
	*keys = e->keys;
	return JF_OK;
}

int
cimdk_retry(struct cimdk *c, const char *url, const struct cimdk_opts *o)
{
	struct cent *e = NULL;
	uint64_t before, gen;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	for (i = 0; i < CIMDK_ENTRIES && e == NULL; i++)
		if (c->e[i].slot >= 0 && strcmp(c->e[i].url, url) == 0)
			e = &c->e[i];
	if (e == NULL || !docs_holds(c->d, e->slot, url))
		return 0;
	before = docs_attempts(c->d, e->slot);
	if (!docs_ask(c->d, e->slot, now, o->cooldown))
		return 0;
	gen = e->gen;
	cimdk_wait(c, e, o, before);
	cimdk_refresh(c, e, o, (int64_t)time(NULL));
	return e->slot >= 0 && e->keys != NULL && e->gen != gen;
}

int
cimdk_sync(struct cimdk *c, const struct cimdk_opts *o, int64_t now)
{
	size_t i;
	int changed;

	for (i = 0; i < CIMDK_ENTRIES; i++)
		if (c->e[i].keys != NULL && c->e[i].slot >= 0)
			cimdk_refresh(c, &c->e[i], o, now);
	changed = c->changed;
	c->changed = 0;
	return changed;
}

/* remote.c - fetching the issuers' remote keys in the background, and
 * handing them to the workers (remote.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcgi/server.h"
#include "jose/jwks.h"
#include "net/docs.h"
#include "net/fetch.h"
#include "net/fetcher.h"
#include "oauth/asmeta.h"
#include "oauth/cimd.h"
#include "oauth/slist.h"
#include "remote.h"
#include "self.h"
#include "status.h"
#include "stats.h"
#include "util/log.h"

#define REMOTE_SLOTS 1024       /* key sets, then client documents */
#define REMOTE_POLL_MS 20       /* a waiting request looks this often */
#define REMOTE_KIND_JWKS 1      /* a configuration's jwks_uri or metadata */

/* What one process knows of one source of its configuration. */
struct rsrc {
	int slot;
	uint64_t attempts;      /* docs_attempts when last looked at */
	uint64_t gen;           /* the body generation now parsed */
	int64_t fetched;        /* its last good fetch */
	int has_keys;
};

struct remote {
	struct docs *docs;
	const struct cfg *bound;        /* the configuration rsrc describes */
	struct rsrc src[CFG_MAX_ISSUERS];
	size_t n;
	char *buf;                      /* a copy of one stored key set */
	struct stats *stats;            /* the fetcher counts in it */
};

static void remote_note(struct cfg *c, size_t i, const struct docs_info *in,
	const char *url, long max_stale, int64_t now);
static void remote_skip(void *arg, size_t i, const char *why);
static enum jf_err remote_fetch_one(const struct cfg *c, size_t i,
	char **json, long *max_age, struct jf_msg *m);
static void remote_wait_attempt(struct remote *r, const struct cfg *c,
	size_t i, uint64_t before);

enum jf_err
remote_new(struct remote **out, struct jf_msg *m)
{
	struct remote *r;
	enum jf_err rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->buf = malloc(JWKS_MAX_BYTES + 1)) == NULL) {
		free(r);
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	}
	if ((rc = docs_new(&r->docs, REMOTE_SLOTS, JWKS_MAX_BYTES, m)) !=
	    JF_OK) {
		free(r->buf);
		free(r);
		return rc;
	}
	*out = r;
	return JF_OK;
}

void
remote_free(struct remote *r)
{
	if (r == NULL)
		return;
	docs_free(r->docs);
	free(r->buf);
	free(r);
}

enum jf_err
remote_bind(struct remote *r, struct cfg *c, struct jf_msg *m)
{
	size_t i;

	r->n = cfg_remote_count(c);
	for (i = 0; i < r->n; i++) {
		memset(&r->src[i], 0, sizeof(r->src[i]));
		r->src[i].slot = docs_slot(r->docs, cfg_remote(c, i)->url);
		if (r->src[i].slot < 0)
			return jf_fail(m, JF_E_CONFIG, "more than %d remote key "
			    "sources since start: restart jwt-authz.fcgi",
			    REMOTE_SLOTS);
	}
	r->bound = c;
	return JF_OK;
}

/* Why issuer i has no remote keys, for its tokens' refusals. */
static void
remote_note(struct cfg *c, size_t i, const struct docs_info *in,
	const char *url, long max_stale, int64_t now)
{
	char why[JF_MSG_MAX];
	const char *w = in->why;
	size_t n = strlen(url);

	/* The fetcher's reason starts with the URL it fetched: say it once. */
	if (strncmp(w, url, n) == 0 && w[n] == ':' && w[n + 1] == ' ')
		w += n + 2;
	if (in->gen == 0)
		snprintf(why, sizeof(why), "its keys from %.150s are not "
		    "fetched yet%s%.180s", url, *w ? ": " : "", w);
	else
		snprintf(why, sizeof(why), "its keys from %.150s are stale: last "
		    "fetched %lld s ago, jwks_max_stale is %ld s%s%.150s", url,
		    (long long)(now - in->fetched), max_stale, *w ? "; " : "",
		    w);
	cfg_remote_keys(c, i, NULL, why);
}

int
remote_sync(struct remote *r, struct cfg *c, time_t now)
{
	const struct cfg_fetch *f = cfg_fetch(c);
	struct docs_info in;
	struct jwks *k;
	struct jf_msg m;
	uint64_t a, gen;
	size_t i, len;
	int changed = 0;

	if (r == NULL || r->bound != c)
		return 0;
	for (i = 0; i < r->n; i++) {
		struct rsrc *s = &r->src[i];

		a = docs_attempts(r->docs, s->slot);
		/* Nothing fetched since the last look: only the age of the
		 * keys we have can have changed. */
		if (a == s->attempts && !(s->has_keys && s->fetched > 0 &&
		    now - s->fetched > f->max_stale))
			continue;
		docs_info(r->docs, s->slot, &in);
		s->attempts = in.attempts;
		s->fetched = in.fetched;
		if (in.gen == 0 || now - in.fetched > f->max_stale) {
			if (s->has_keys)
				changed = 1;
			if (s->has_keys || in.gen == 0)
				log_warn("issuer %s: %s keys", cfg_remote(c, i)->iss,
				    in.gen == 0 ? "no" : "stale, dropped");
			s->has_keys = 0;
			s->gen = 0;
			remote_note(c, i, &in, cfg_remote(c, i)->url,
			    f->max_stale, now);
			continue;
		}
		if (in.gen == s->gen && s->has_keys)
			continue;
		if (docs_copy(r->docs, s->slot, r->buf, JWKS_MAX_BYTES + 1, &len,
		    &gen) != JF_OK)
			continue;
		m.s[0] = '\0';
		if ((k = jwks_new()) == NULL ||
		    jwks_parse(k, r->buf, len, &m) != JF_OK) {
			/* The fetcher stored only what parsed: memory, then. */
			log_error("issuer %s: stored keys: %s",
			    cfg_remote(c, i)->iss, m.s[0] ? m.s : "out of memory");
			jwks_free(k);
			continue;
		}
		cfg_remote_keys(c, i, k, NULL);
		s->gen = gen;
		s->has_keys = 1;
		changed = 1;
		log_debug("issuer %s: %zu key%s from %s (generation %llu)",
		    cfg_remote(c, i)->iss, jwks_count(k),
		    jwks_count(k) == 1 ? "" : "s", cfg_remote(c, i)->url,
		    (unsigned long long)gen);
	}
	return changed;
}

/* Until the fetcher finished a fetch of source i begun after `before`
 * attempts, or jwks_cold_wait passed. */
static void
remote_wait_attempt(struct remote *r, const struct cfg *c, size_t i,
	uint64_t before)
{
	long waited = 0, limit = cfg_fetch(c)->cold_wait_ms;
	struct timespec ts = { 0, REMOTE_POLL_MS * 1000000L };

	while (waited < limit &&
	    docs_attempts(r->docs, r->src[i].slot) == before) {
		nanosleep(&ts, NULL);
		waited += REMOTE_POLL_MS;
	}
}

int
remote_retry(struct remote *r, struct cfg *c, const char *iss)
{
	struct docs_info in;
	uint64_t before;
	size_t i;
	time_t now = time(NULL);

	if (r == NULL || r->bound != c)
		return 0;
	for (i = 0; i < r->n; i++)
		if (strcmp(cfg_remote(c, i)->iss, iss) == 0)
			break;
	if (i == r->n)
		return 0;
	docs_info(r->docs, r->src[i].slot, &in);
	before = in.attempts;
	if (in.gen != 0 || in.attempts > 0) {
		/* Fetched (or tried) before: an early look, if nobody asked
		 * for one within the cooldown. */
		if (!docs_ask(r->docs, r->src[i].slot, (int64_t)now,
		    cfg_fetch(c)->cooldown))
			return 0;
	}
	remote_wait_attempt(r, c, i, before);
	/* Verify again when the keys changed, and also when a fetch ended
	 * without keys: the refusal then says what that fetch found. */
	return remote_sync(r, c, time(NULL)) ||
	    docs_attempts(r->docs, r->src[i].slot) != before;
}

/* --- the fetcher process --------------------------------------------- */

struct skip_ctx {
	const char *iss;
	const char *url;
};

static void
remote_skip(void *arg, size_t i, const char *why)
{
	const struct skip_ctx *s = arg;

	log_warn("issuer %s: %s: keys[%zu] ignored: %s", s->iss, s->url, i,
	    why);
}

/* One look at source i: its metadata first when it has one, then the
 * JWKS, filtered to the issuer's usable keys, as JSON in *json. */
static enum jf_err
remote_fetch_one(const struct cfg *c, size_t i, char **json, long *max_age,
	struct jf_msg *m)
{
	const struct cfg_remote *cr = cfg_remote(c, i);
	struct fetch_opts o = cfg_fetch(c)->opts;
	struct fetch_result fr, jr;
	struct skip_ctx sc = { cr->iss, cr->url };
	struct jwks *k = NULL;
	char uri[FETCH_URL_MAX + 1];
	const char *url = cr->url;
	struct jf_msg why = { "" };
	enum jf_err rc;

	*json = NULL;
	memset(&fr, 0, sizeof(fr));
	memset(&jr, 0, sizeof(jr));
	*max_age = -1;
	if (cr->is_metadata) {
		o.accept = "application/json";
		if ((rc = fetch_get(cr->url, &o, &fr, m)) != JF_OK)
			goto out;
		if ((rc = asmeta_jwks_uri(fr.body, fr.len, cr->iss, uri,
		    sizeof(uri), &why)) != JF_OK ||
		    (rc = fetch_url_check(uri, o.allow_http, &why)) != JF_OK) {
			jf_fail(m, rc, "%.150s: %s", cr->url, why.s);
			goto out;
		}
		url = uri;
		sc.url = uri;
		*max_age = fr.max_age;
	}
	o.accept = "application/jwk-set+json, application/json";
	if ((rc = fetch_get(url, &o, &jr, m)) != JF_OK)
		goto out;
	if (jr.max_age >= 0 && (*max_age < 0 || jr.max_age < *max_age))
		*max_age = jr.max_age;
	if ((k = jwks_new()) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = jwks_parse_lenient(k, jr.body, jr.len, cr->algs, remote_skip,
	    &sc, &why)) != JF_OK) {
		jf_fail(m, rc, "%.150s: %s", url, why.s);
		goto out;
	}
	if ((*json = jwks_to_json(k)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto out;
	}
	rc = JF_OK;
out:
	jwks_free(k);
	fetch_result_clear(&fr);
	fetch_result_clear(&jr);
	return rc;
}

/* One look at a status list: fetched, then verified as a Status List
 * Token of an issuer taking lists from url, with the keys this process
 * has now; only a good one goes to the table (a bad one is a failure,
 * and the table keeps the last good list). Looked at again after its
 * ttl or max-age, whichever is sooner. */
static enum jf_err
remote_status(struct remote *r, struct cfg *c, const char *url, char **out,
	long *max_age, struct jf_msg *m)
{
	struct fetch_opts o = cfg_fetch(c)->opts;
	struct fetch_result fr;
	struct jf_msg why = { "" };
	const char *iss;
	int64_t exp;
	long ttl;
	enum jf_err rc;

	*out = NULL;
	*max_age = -1;
	memset(&fr, 0, sizeof(fr));
	o.accept = SLIST_MEDIA;
	if ((rc = fetch_get(url, &o, &fr, m)) != JF_OK)
		goto out;
	/* The issuers' remote keys, as the workers have them. */
	(void)remote_sync(r, c, time(NULL));
	if ((rc = status_doc_verify(c, url, fr.body, fr.len, time(NULL), &iss,
	    NULL, &exp, &ttl, &why)) != JF_OK) {
		rc = rc == JF_E_NOT_FOUND ? JF_E_CLAIM : rc;
		jf_fail(m, rc, "%s", why.s);
		log_warn("status list refused, the last good one kept: %s",
		    why.s);
		goto out;
	}
	/* The list's own ttl and exp over the HTTP cache headers (draft
	 * §8.2: "MUST prioritize the exp and ttl claims"); max-age only
	 * when the list has no ttl. The fetcher clamps to our bounds. */
	*max_age = ttl > 0 ? ttl : fr.max_age;
	if (exp > 0) {
		int64_t left = exp - (int64_t)time(NULL);

		if (*max_age < 0 || left < *max_age)
			*max_age = left > 0 ? (long)left : 0;
	}
	if ((*out = strdup(fr.body)) == NULL)
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
	log_debug("status list %s: good, from issuer %s", url, iss);
out:
	fetch_result_clear(&fr);
	return rc;
}

struct docs *
remote_docs(struct remote *r)
{
	return r->docs;
}

void
remote_stats(struct remote *r, struct stats *s)
{
	r->stats = s;
}

int64_t
remote_oldest(const struct remote *r, const struct cfg *c)
{
	int64_t t = 0;
	size_t i;

	if (r == NULL || r->bound != c)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->src[i].has_keys && (t == 0 || r->src[i].fetched < t))
			t = r->src[i].fetched;
	return t;
}

/* The fetcher loop's view of this program (net/fetcher.h). */
struct rfetch {
	struct remote *r;
	struct cfg **cp;
	const struct cfg *seen;
	struct srv_bg *bg;
};

static int
rf_rebind(void *arg)
{
	struct rfetch *f = arg;
	struct jf_msg m;

	if (*f->cp == f->seen)
		return 0;
	/* A new configuration: claim its slots (ours persist). */
	m.s[0] = '\0';
	if (remote_bind(f->r, *f->cp, &m) != JF_OK)
		log_error("fetcher: %s", m.s);
	status_claim_fixed(f->r->docs, *f->cp, (int64_t)time(NULL));
	f->seen = *f->cp;
	log_info("fetcher: %zu remote key source%s, %zu [cimd] section%s",
	    f->r->n, f->r->n == 1 ? "" : "s", cfg_cimd_count(*f->cp),
	    cfg_cimd_count(*f->cp) == 1 ? "" : "s");
	return 1;
}

static void
rf_timing(void *arg, int kind, struct fetcher_timing *t)
{
	const struct rfetch *f = arg;
	const struct cfg_fetch *c = cfg_fetch(*f->cp);

	const struct cfg_cimd_opts *co = cfg_cimd_opts(*f->cp);

	if (kind == SELF_KIND_CIMD && cfg_cimd_count(*f->cp) > 0) {
		/* Client documents: their own pace, and let go when idle. */
		t->refresh = co->refresh;
		t->refresh_min = c->refresh_min < co->refresh ?
		    c->refresh_min : co->refresh;
		t->idle = co->idle;
		return;
	}
	if (kind == STATUS_KIND) {
		/* Status lists: often, since revocation waits on them. */
		t->refresh = c->status_refresh;
		t->refresh_min = c->status_refresh_min;
		t->idle = 0;
		return;
	}
	if (kind != REMOTE_KIND_JWKS)
		return;
	t->refresh = c->refresh;
	t->refresh_min = c->refresh_min;
	t->idle = 0;
}

static enum jf_err
rf_resolve(void *arg, int kind, const char *url, char **out, long *max_age,
	struct jf_msg *m)
{
	const struct rfetch *f = arg;
	const struct cfg *c = *f->cp;
	enum jf_err rc;
	size_t i;

	/* Only what the configuration allows now: a worker claimed the slot
	 * under it, but it may have been reloaded since. */
	if (kind == SELF_KIND_CIMD) {
		if (cfg_cimd_find(c, url) == NULL)
			return JF_E_NOT_FOUND;
		rc = cimd_resolve(url, &cfg_fetch(c)->opts,
		    cfg_cimd_opts(c)->max_bytes, out, max_age, m);
		stats_fetch(f->r->stats, STATS_KIND_CIMD, rc);
		return rc;
	}
	if (kind == STATUS_KIND) {
		if (!status_url_wanted(c, url))
			return JF_E_NOT_FOUND;
		rc = remote_status(f->r, *f->cp, url, out, max_age, m);
		stats_fetch(f->r->stats, STATS_KIND_STATUS, rc);
		return rc;
	}
	if (kind != REMOTE_KIND_JWKS)
		return JF_E_NOT_FOUND;
	for (i = 0; i < cfg_remote_count(c); i++)
		if (strcmp(cfg_remote(c, i)->url, url) == 0) {
			rc = remote_fetch_one(c, i, out, max_age, m);
			stats_fetch(f->r->stats, STATS_KIND_JWKS, rc);
			return rc;
		}
	return JF_E_NOT_FOUND;
}

static int
rf_wait(void *arg, int fd, long ms)
{
	const struct rfetch *f = arg;

	return srv_bg_wait(f->bg, fd, ms);
}

/* The audit lines' names of the fetcher's kinds. */
static const char *
rf_kind_name(int kind)
{
	switch (kind) {
	case REMOTE_KIND_JWKS:
		return "jwks";
	case SELF_KIND_CIMD:
		return "client_metadata";
	case STATUS_KIND:
		return "status_list";
	default:
		return NULL;
	}
}

void
remote_fetcher(struct remote *r, struct cfg **cp, struct srv_bg *bg)
{
	struct rfetch f = { r, cp, NULL, bg };
	const struct fetcher_ops ops = { &f, rf_rebind, rf_timing, rf_resolve,
		rf_wait, rf_kind_name };

	fetcher_run(r->docs, &ops);
}

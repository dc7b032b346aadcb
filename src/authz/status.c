/* status.c - Token Status Lists at the authorizer (status.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "jose/token.h"
#include "net/fetch.h"
#include "oauth/slist.h"
#include "status.h"
#include "util/json.h"
#include "util/log.h"

#define STATUS_POLL_MS 20       /* a waiting request looks this often */
#define STATUS_IDLE 3600        /* s: a list no request used this long may
                                 * give its slot to another */

struct sent {
	int slot;               /* -1: not claimed */
	uint64_t attempts;      /* docs_attempts when last looked at */
	uint64_t gen;           /* the generation decoded into list */
	uint64_t bad_gen;       /* a generation refused here: not again */
	int64_t fetched;        /* the table's last good fetch */
	int64_t exp;            /* the list's exp, 0: none */
	int64_t touched;
	uint64_t lru;
	struct slist *list;
	char *iss;              /* the issuer that signed list */
	char url[FETCH_URL_MAX + 1];
};

struct status {
	struct docs *d;
	uint64_t tick;
	char *buf;
	size_t cap;
	struct sent e[STATUS_ENTRIES];
};

static struct sent *status_entry(struct status *s, const char *url);
static void status_drop(struct sent *e);
static void status_refresh(struct status *s, const struct cfg *c,
	struct sent *e, int64_t now);
static int status_usable(const struct sent *e, const struct cfg *c,
	int64_t now);
static enum jf_err status_why(const struct status *s, const struct sent *e,
	const struct cfg *c, int64_t now, struct jf_msg *m);
static enum jf_err status_claim(const struct json_object *claims,
	uint32_t *idx, const char **uri, struct jf_msg *m);

enum jf_err
status_new(struct status **out, struct docs *d, struct jf_msg *m)
{
	struct status *s;
	size_t i;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->buf = malloc(docs_body_max(d) + 1)) == NULL) {
		free(s);
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	}
	s->d = d;
	s->cap = docs_body_max(d) + 1;
	for (i = 0; i < STATUS_ENTRIES; i++)
		s->e[i].slot = -1;
	*out = s;
	return JF_OK;
}

void
status_free(struct status *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < STATUS_ENTRIES; i++)
		status_drop(&s->e[i]);
	free(s->buf);
	free(s);
}

/* A number member of o, or -1 (absent) / -2 (not a number). */
static int
status_num(const struct json_object *o, const char *key, double *v)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, key, &x))
		return -1;
	if (!json_object_is_type(x, json_type_int) &&
	    !json_object_is_type(x, json_type_double))
		return -2;
	*v = json_object_get_double(x);
	return 0;
}

enum jf_err
status_doc_verify(const struct cfg *c, const char *url, const char *body,
	size_t len, time_t now, const char **iss, struct slist **list,
	int64_t *exp, long *ttl, struct jf_msg *m)
{
	struct tok_issuer ti[CFG_MAX_ISSUERS + 1];
	struct tok_rules rules, mine;
	struct json_object *cl, *sl;
	struct slist *l = NULL;
	struct tok *t = NULL;
	struct jf_msg why = { "" };
	const char *sub;
	double v;
	size_t i, n = 0;
	enum jf_err rc;
	int r;

	*iss = NULL;
	if (list != NULL)
		*list = NULL;
	/* A file served as is may end in a newline: not part of the JWS. */
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' ||
	    body[len - 1] == ' ' || body[len - 1] == '\t'))
		len--;
	*exp = 0;
	*ttl = -1;
	memset(&rules, 0, sizeof(rules));
	cfg_rules(c, &rules);
	/* Only the issuers whose lists may come from here, each with its
	 * own keys and algorithms, the list's typ and no audience. */
	for (i = 0; i < rules.nissuers && n < CFG_MAX_ISSUERS; i++)
		if (cfg_issuer_status(c, &rules.issuers[i]) !=
		    CFG_STATUS_OFF && cfg_status_allowed(c,
		    &rules.issuers[i], url)) {
			ti[n] = rules.issuers[i];
			ti[n].typ = SLIST_TYP;
			ti[n].no_aud = 1;
			n++;
		}
	if (n == 0)
		return jf_fail(m, JF_E_NOT_FOUND, "%.150s: no issuer takes "
		    "status lists from there", url);
	memset(&mine, 0, sizeof(mine));
	mine.issuers = ti;
	mine.nissuers = n;
	mine.leeway = rules.leeway;
	/* As large as the fetch takes (a list of a million tokens passes
	 * 64 KiB); exp is RECOMMENDED only (§5.1), checked when present. */
	mine.max_bytes = TOK_MAX_BYTES_SLIST;
	mine.exp_optional = 1;
	mine.now = now;
	if ((rc = tok_verify(&mine, body, len, &t, &why, NULL, NULL)) !=
	    JF_OK) {
		rc = jf_fail(m, JF_E_SIGNATURE, "%.150s: not a Status List "
		    "Token of this issuer: %.250s", url, why.s);
		goto fail;
	}
	cl = (struct json_object *)tok_claims(t);
	rc = JF_E_CLAIM;
	if ((sub = json_str(cl, "sub")) == NULL || strcmp(sub, url) != 0) {
		jf_fail(m, rc, "%.150s: sub is not this URL", url);
		goto fail;
	}
	/* iat is required (§5.1); tok_verify refused one in the future. */
	if (status_num(cl, "iat", &v) != 0) {
		jf_fail(m, rc, "%.150s: iat missing or not a number", url);
		goto fail;
	}
	if ((r = status_num(cl, "exp", &v)) == -2) {
		jf_fail(m, rc, "%.150s: exp is not a number", url);
		goto fail;
	}
	if (r == 0)
		*exp = (int64_t)v;
	if ((r = status_num(cl, "ttl", &v)) == -2 || (r == 0 && !(v >= 1))) {
		jf_fail(m, rc, "%.150s: ttl is not a positive number", url);
		goto fail;
	}
	if (r == 0)
		*ttl = v > 30 * 86400 ? 30 * 86400 : (long)v;
	if (!json_object_object_get_ex(cl, "status_list", &sl)) {
		jf_fail(m, rc, "%.150s: no status_list claim", url);
		goto fail;
	}
	why.s[0] = '\0';
	if (slist_parse(&l, sl, &why) != JF_OK) {
		jf_fail(m, rc, "%.150s: %.300s", url, why.s);
		goto fail;
	}
	*iss = tok_issuer(t)->iss;
	if (list != NULL) {
		*list = l;
		l = NULL;
	}
	rc = JF_OK;
fail:
	slist_free(l);
	tok_free(t);
	return rc;
}

/* url's entry, or the least recently used one, emptied for it. */
static struct sent *
status_entry(struct status *s, const char *url)
{
	struct sent *e, *old = &s->e[0];
	size_t i;

	for (i = 0; i < STATUS_ENTRIES; i++) {
		e = &s->e[i];
		if (e->url[0] != '\0' && strcmp(e->url, url) == 0)
			return e;
		if (e->lru < old->lru)
			old = e;
	}
	status_drop(old);
	memset(old, 0, sizeof(*old));
	old->slot = -1;
	snprintf(old->url, sizeof(old->url), "%s", url);
	return old;
}

static void
status_drop(struct sent *e)
{
	slist_free(e->list);
	free(e->iss);
	e->list = NULL;
	e->iss = NULL;
	e->gen = e->bad_gen = 0;
	e->exp = 0;
}

/* Brings e up to date with the table: verifies and decodes a new
 * generation once; a generation refused here keeps the last good list.
 * Never waits. */
static void
status_refresh(struct status *s, const struct cfg *c, struct sent *e,
	int64_t now)
{
	struct docs_info in;
	struct slist *l = NULL;
	struct jf_msg m = { "" };
	const char *iss;
	char *dup;
	uint64_t gen;
	int64_t exp;
	long ttl;
	size_t len;

	if (docs_attempts(s->d, e->slot) == e->attempts)
		return;
	if (!docs_holds(s->d, e->slot, e->url)) {
		status_drop(e);
		e->slot = -1;
		return;
	}
	docs_info(s->d, e->slot, &in);
	e->attempts = in.attempts;
	e->fetched = in.fetched;
	if (in.gen == 0 || in.gen == e->gen || in.gen == e->bad_gen)
		return;
	if (docs_copy(s->d, e->slot, s->buf, s->cap, &len, &gen) != JF_OK)
		return;
	if (status_doc_verify(c, e->url, s->buf, len, (time_t)now, &iss, &l,
	    &exp, &ttl, &m) != JF_OK || (dup = strdup(iss)) == NULL) {
		log_warn("status list %s: generation %llu refused, the last "
		    "good one kept: %s", e->url, (unsigned long long)gen,
		    m.s[0] ? m.s : "out of memory");
		slist_free(l);
		e->bad_gen = gen;
		return;
	}
	slist_free(e->list);
	free(e->iss);
	e->list = l;
	e->iss = dup;
	e->exp = exp;
	e->gen = gen;
	log_debug("status list %s: generation %llu, %u statuses of %d bit%s",
	    e->url, (unsigned long long)gen, slist_len(l), slist_bits(l),
	    slist_bits(l) == 1 ? "" : "s");
}

static int
status_usable(const struct sent *e, const struct cfg *c, int64_t now)
{
	return e->list != NULL &&
	    now - e->fetched <= cfg_fetch(c)->status_max_stale &&
	    (e->exp == 0 || now < e->exp);
}

/* Why e has no usable list, from the table's record of its fetches. */
static enum jf_err
status_why(const struct status *s, const struct sent *e, const struct cfg *c,
	int64_t now, struct jf_msg *m)
{
	struct docs_info in;
	const char *w;
	size_t n = strlen(e->url);

	if (e->slot < 0)
		return jf_fail(m, JF_E_UNAVAILABLE, "status list %.150s: too many "
		    "lists in use (%zu): try again later", e->url,
		    docs_slots(s->d));
	docs_info(s->d, e->slot, &in);
	w = in.why;
	if (strncmp(w, e->url, n) == 0 && w[n] == ':' && w[n + 1] == ' ')
		w += n + 2;
	if (in.attempts == 0)
		return jf_fail(m, JF_E_UNAVAILABLE, "status list %.150s not fetched "
		    "yet (no answer within %ld ms): try again", e->url,
		    cfg_fetch(c)->cold_wait_ms);
	if (e->list == NULL)
		return jf_fail(m, JF_E_UNAVAILABLE, "status list %.150s unavailable: "
		    "%.250s", e->url, *w ? w : "refused");
	if (e->exp != 0 && now >= e->exp)
		return jf_fail(m, JF_E_UNAVAILABLE, "status list %.150s expired %lld "
		    "s ago%s%.200s", e->url, (long long)(now - e->exp),
		    *w ? "; now: " : "", w);
	return jf_fail(m, JF_E_UNAVAILABLE, "status list %.150s is stale: last "
	    "fetched %lld s ago, status_max_stale is %ld s%s%.200s", e->url,
	    (long long)(now - e->fetched), cfg_fetch(c)->status_max_stale,
	    *w ? "; now: " : "", w);
}

/* The token's "status": {"status_list": {"idx": N, "uri": "..."}}
 * (§6.2). JF_E_NOT_FOUND when it has none (or another mechanism only). */
static enum jf_err
status_claim(const struct json_object *claims, uint32_t *idx,
	const char **uri, struct jf_msg *m)
{
	struct json_object *st, *sl, *x;
	int64_t i;

	if (!json_object_object_get_ex(claims, "status", &st))
		return JF_E_NOT_FOUND;
	if (!json_object_is_type(st, json_type_object))
		return jf_fail(m, JF_E_CLAIM, "status claim: expected an "
		    "object");
	if (!json_object_object_get_ex(st, "status_list", &sl))
		return JF_E_NOT_FOUND;
	if (!json_object_is_type(sl, json_type_object))
		return jf_fail(m, JF_E_CLAIM, "status claim: status_list: "
		    "expected an object");
	if (!json_object_object_get_ex(sl, "idx", &x) ||
	    !json_object_is_type(x, json_type_int) ||
	    (i = json_object_get_int64(x)) < 0 || i > (int64_t)UINT32_MAX)
		return jf_fail(m, JF_E_CLAIM, "status claim: idx: expected an "
		    "integer 0..4294967295");
	*idx = (uint32_t)i;
	if (!json_object_object_get_ex(sl, "uri", &x) ||
	    !json_object_is_type(x, json_type_string) ||
	    json_object_get_string_len(x) == 0 ||
	    json_object_get_string_len(x) > FETCH_URL_MAX)
		return jf_fail(m, JF_E_CLAIM, "status claim: uri: expected a "
		    "URL of at most %d bytes", FETCH_URL_MAX);
	*uri = json_object_get_string(x);
	return JF_OK;
}

enum jf_err
status_ref(const struct cfg *c, const struct tok *t, struct status_ref *r,
	struct jf_msg *m)
{
	const struct tok_issuer *ti = tok_issuer(t);
	enum jf_err rc;

	memset(r, 0, sizeof(*r));
	/* Tokens the authorizer rebuilt (self-issued) have no issuer here. */
	if (ti == NULL ||
	    (r->mode = cfg_issuer_status(c, ti)) == CFG_STATUS_OFF)
		return JF_OK;
	r->iss = ti->iss;
	rc = status_claim(tok_claims(t), &r->idx, &r->uri, m);
	if (rc == JF_E_NOT_FOUND) {
		r->uri = NULL;
		return r->mode == CFG_STATUS_REQUIRED ? jf_fail(m, JF_E_CLAIM,
		    "token has no status list entry (status claim); its "
		    "issuer's tokens must have one here") : JF_OK;
	}
	if (rc != JF_OK)
		return rc;
	/* A list this authorizer may not fetch: optional means "where a
	 * list can be had", so only required refuses. */
	if (!cfg_status_allowed(c, ti, r->uri)) {
		r->uri = NULL;
		return r->mode == CFG_STATUS_REQUIRED ? jf_fail(m, JF_E_CLAIM,
		    "status claim: uri is not where this issuer's status "
		    "lists may come from") : JF_OK;
	}
	return JF_OK;
}

enum jf_err
status_check(struct status *s, const struct cfg *c, const struct tok *t,
	time_t now, struct jf_msg *m)
{
	struct status_ref r;
	enum jf_err rc;

	if ((rc = status_ref(c, t, &r, m)) != JF_OK || r.uri == NULL)
		return rc;
	return status_lookup(s, c, &r, now, m);
}

/* One look at e's list by the fetcher, shared by everyone asking within
 * the cooldown; waited for (up to jwks_cold_wait) when the ask is ours or
 * the list was never fetched. 1 when it waited, then *now is new. */
static int
status_look(struct status *s, const struct cfg *c, struct sent *e,
	time_t *now)
{
	const struct cfg_fetch *f = cfg_fetch(c);
	struct timespec ts = { 0, STATUS_POLL_MS * 1000000L };
	struct docs_info in;
	long waited = 0;

	if (e->slot < 0)
		return 0;
	docs_info(s->d, e->slot, &in);
	if (!docs_ask(s->d, e->slot, (int64_t)*now, f->cooldown) &&
	    in.attempts != 0)
		return 0;
	while (waited < f->cold_wait_ms &&
	    docs_attempts(s->d, e->slot) == in.attempts) {
		nanosleep(&ts, NULL);
		waited += STATUS_POLL_MS;
	}
	if (waited > 0)
		*now = time(NULL);
	status_refresh(s, c, e, (int64_t)*now);
	return 1;
}

enum jf_err
status_lookup(struct status *s, const struct cfg *c,
	const struct status_ref *r, time_t now, struct jf_msg *m)
{
	struct sent *e;
	const char *uri = r->uri;
	uint32_t idx = r->idx;
	int mode = r->mode, v;

	if (s == NULL)
		return mode == CFG_STATUS_REQUIRED ? jf_fail(m,
		    JF_E_UNAVAILABLE, "status list unavailable: no fetcher "
		    "runs: restart jwt-authz.fcgi") : JF_OK;
	e = status_entry(s, uri);
	e->lru = ++s->tick;
	if (e->slot < 0 || !docs_holds(s->d, e->slot, uri)) {
		status_drop(e);
		e->attempts = UINT64_MAX;
		e->touched = 0;
		e->slot = docs_claim(s->d, uri, STATUS_KIND, (int64_t)now,
		    STATUS_IDLE);
	}
	if (e->slot >= 0) {
		if (e->touched != (int64_t)now) {
			docs_touch(s->d, e->slot, (int64_t)now);
			e->touched = (int64_t)now;
		}
		status_refresh(s, c, e, (int64_t)now);
	}
	if (e->slot >= 0 && !status_usable(e, c, (int64_t)now))
		status_look(s, c, e, &now);
	if (e->slot < 0 || !status_usable(e, c, (int64_t)now)) {
		if (mode == CFG_STATUS_REQUIRED)
			return status_why(s, e, c, (int64_t)now, m);
		return JF_OK;
	}
	if (strcmp(e->iss, r->iss) != 0)
		return jf_fail(m, JF_E_CLAIM, "status claim: the list at uri "
		    "is another issuer's");
	/* Past the end of our copy: the issuer may have grown its list
	 * since (the mint doubles its range), so one fresh look before the
	 * refusal §8.3 asks for. */
	if (slist_get(e->list, idx) == -1 && status_look(s, c, e, &now) &&
	    (!status_usable(e, c, (int64_t)now) ||
	    strcmp(e->iss, r->iss) != 0))
		return mode == CFG_STATUS_REQUIRED ? status_why(s, e, c,
		    (int64_t)now, m) : JF_OK;
	switch ((v = slist_get(e->list, idx))) {
	case SLIST_VALID:
		return JF_OK;
	case SLIST_INVALID:
		return jf_fail(m, JF_E_CLAIM, "token revoked");
	case SLIST_SUSPENDED:
		return jf_fail(m, JF_E_CLAIM, "token suspended");
	case -1:
		return jf_fail(m, JF_E_CLAIM, "status index out of range");
	default:
		return jf_fail(m, JF_E_CLAIM, "token status %d is not valid "
		    "here", v);
	}
}

int
status_url_wanted(const struct cfg *c, const char *url)
{
	struct tok_rules rules;
	size_t i;

	memset(&rules, 0, sizeof(rules));
	cfg_rules(c, &rules);
	for (i = 0; i < rules.nissuers; i++)
		if (cfg_issuer_status(c, &rules.issuers[i]) !=
		    CFG_STATUS_OFF && cfg_status_allowed(c,
		    &rules.issuers[i], url))
			return 1;
	return 0;
}

void
status_claim_fixed(struct docs *d, const struct cfg *c, int64_t now)
{
	const char *u;
	size_t k;

	for (k = 0; (u = cfg_status_fixed(c, k)) != NULL; k++)
		if (docs_claim(d, u, STATUS_KIND, now, 0) < 0)
			log_error("status list %s: the shared table is full",
			    u);
}

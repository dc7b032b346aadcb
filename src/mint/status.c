/* status.c - token status at the mint (draft-ietf-oauth-status-list-21):
 * an index for every access token, the "status" claim that names it,
 * and the Status List Token served at status_list_uri.
 *
 * The state (state/state.h: embedded file or Redis) is opened on first
 * use in each process, and reopened when the process is a fork of the
 * one that opened it: a Redis connection is never shared, and -t never
 * touches the state. A token that gets no index is not issued (503).
 *
 * Index reuse: a token's index is free again at
 *   reuse_at = expires_at + status_list_lifetime, expires_at = exp + leeway
 * expires_at: until then a verifier still accepts the token, so its
 * status must stay where it is (lists signed from then on show it VALID,
 * state.h); + status_list_lifetime: the longest a verifier may keep a
 * list signed before that (the list's exp - iat).
 *
 * The signed list is cached per process and per state generation (and
 * signing key): a GET signs and compresses again only when a status or
 * the list's range changed, the signer changed, or the copy is ttl old,
 * so every copy served has at least lifetime - ttl left.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jose/token.h"
#include "oauth/slist.h"
#include "state/state.h"
#include "util/log.h"
#include "mint.h"

#define MS_TIMEOUT_MS 500       /* a Redis command, on the request path */

struct mint_status {
	struct st *st;
	pid_t pid;              /* the process st belongs to */
	/* The signed list last served: its state generation, signer, iat. */
	char *jwt;
	size_t len;
	uint64_t gen;
	const struct jf_key *key;
	int64_t iat;
};

static enum jf_err ms_open(const struct mint_state *s, struct jf_msg *m);
static enum jf_err ms_sign(const struct mint_state *s, time_t now,
	struct jf_msg *m);

enum jf_err
mint_status_new(struct mint_status **out)
{
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? JF_OK : JF_E_NOMEM;
}

void
mint_status_free(struct mint_status *ms)
{
	if (ms == NULL)
		return;
	st_free(ms->st);
	free(ms->jwt);
	free(ms);
}

/* The state of this process, opened (or reopened after a fork) now. The
 * embedded state's directory is made if missing (0700: the file says
 * which tokens every client holds); its parent must exist. */
static enum jf_err
ms_open(const struct mint_state *s, struct jf_msg *m)
{
	struct mint_status *ms = s->status;
	const struct mint_conf *c = s->conf;
	struct st_opts o;
	enum jf_err rc;

	if (ms->st != NULL && ms->pid == getpid())
		return JF_OK;
	if (ms->st != NULL) {
		if ((rc = st_reopen(ms->st, m)) == JF_OK)
			ms->pid = getpid();
		return rc;
	}
	memset(&o, 0, sizeof(o));
	o.url = c->state_url;
	o.path = c->state_path;
	o.prefix = c->state_prefix;
	o.max_live = (uint32_t)c->max_live;
	o.bits = c->status_bits;
	o.timeout_ms = MS_TIMEOUT_MS;
	if (c->state_url == NULL && mkdir(c->state_dir, 0700) != 0 &&
	    errno != EEXIST)
		return jf_fail(m, JF_E_UNAVAILABLE, "state_dir %s: %s",
		    c->state_dir, strerror(errno));
	if ((rc = st_open(&ms->st, &o, m)) != JF_OK) {
		ms->st = NULL;
		return rc == JF_E_NOMEM ? rc : JF_E_UNAVAILABLE;
	}
	ms->pid = getpid();
	return JF_OK;
}

enum jf_err
mint_status_issue(const struct mint_state *s, time_t now,
	struct mint_grant *g, struct json_object *claims)
{
	const struct mint_conf *c = s->conf;
	struct json_object *st = NULL, *sl = NULL;
	struct st_token t;
	struct jf_msg why = { "" };
	uint32_t idx;
	enum jf_err rc;

	memset(&t, 0, sizeof(t));
	t.jti = g->jti;
	/* sub and client_id are both the client here (token.c). */
	t.sub = g->service;
	t.client = g->service;
	t.exp = (int64_t)now + g->lifetime;
	t.expires_at = t.exp + c->leeway;
	t.reuse_at = t.expires_at + c->status_lifetime;
	if ((rc = ms_open(s, &why)) == JF_OK)
		rc = st_issue(s->status->st, &t, (int64_t)now, &idx, &why);
	if (rc != JF_OK) {
		if (rc == JF_E_NOMEM)
			return jf_fail(&g->msg, rc, "out of memory");
		/* As /revoke: a few seconds, for a Redis that restarts or
		 * an index that frees. */
		g->retry_after = MINT_RETRY_AFTER;
		/* The store's own words (an address, a path) are for the
		 * operator's log, not the client. */
		log_error("token status store: %s", why.s);
		return jf_fail(&g->msg, JF_E_UNAVAILABLE, "no status list "
		    "index for this token (the token status store is "
		    "unavailable or full), and no token is issued without "
		    "one: retry later");
	}
	g->idx = (long)idx;
	if ((st = json_object_new_object()) == NULL ||
	    (sl = json_object_new_object()) == NULL ||
	    json_object_object_add(st, "status_list", sl) != 0) {
		json_object_put(sl);
		goto nomem;
	}
	if (json_object_object_add(sl, "idx",
	    json_object_new_int64((int64_t)idx)) != 0 ||
	    json_object_object_add(sl, "uri",
	    json_object_new_string(c->status_list_uri)) != 0 ||
	    json_object_object_add(claims, "status", st) != 0)
		goto nomem;
	return JF_OK;
nomem:
	json_object_put(st);
	return jf_fail(&g->msg, JF_E_NOMEM, "out of memory");
}

/* RFC 6749 §5.2: the client authenticated, and is not authorized to
 * use the grant now: unauthorized_client, not invalid_client (which
 * says its authentication failed and would send it to check its
 * credentials). */
enum jf_err
mint_status_blocked(const struct mint_state *s, struct mint_grant *g)
{
	struct jf_msg why = { "" };
	enum jf_err rc;
	int blocked = 0;

	if ((rc = ms_open(s, &why)) == JF_OK)
		rc = st_blocked(s->status->st, g->service, &blocked, &why);
	if (rc != JF_OK) {
		log_error("token status store: %s", why.s);
		return jf_fail(&g->msg, rc == JF_E_NOMEM ? rc :
		    JF_E_UNAVAILABLE, "cannot tell whether the client is "
		    "blocked (the token status store is unavailable): retry "
		    "later");
	}
	if (blocked)
		return jf_fail(&g->msg, JF_E_UNAUTHORIZED_CLIENT, "client "
		    "%.200s is blocked by the issuer's operator: no token "
		    "until it is unblocked", g->service);
	return JF_OK;
}

/* With a shared state (state = redis...) several mints must see one
 * another's assertions; the embedded state keeps the workers' table,
 * which has the per-client quota. */
enum jf_err
mint_status_replay(const struct mint_state *s, const char *id,
	const char *jti, int64_t until, int64_t now, long *retry_after,
	struct jf_msg *m)
{
	enum jf_err rc;

	if (s->conf->state_url == NULL)
		return mint_replay_add(s->replay, id, jti, until, now,
		    s->conf->replay_quota, retry_after, m);
	if ((rc = ms_open(s, m)) != JF_OK)
		return rc;
	return st_replay(s->status->st, id, jti, until, now, m);
}

enum jf_err
mint_status_set(const struct mint_state *s, int by,
	const char *value, const char *owner, int status, time_t now,
	size_t *n, struct jf_msg *m)
{
	enum jf_err rc;

	*n = 0;
	if ((rc = ms_open(s, m)) != JF_OK)
		return rc;
	return st_set_status(s->status->st, (enum st_by)by, value, owner, status,
	    (int64_t)now, n, m);
}

/* Signs the list as it is now into the cache, unless the cached copy is
 * of the same generation and signer and less than ttl old. */
static enum jf_err
ms_sign(const struct mint_state *s, time_t now, struct jf_msg *m)
{
	struct mint_status *ms = s->status;
	const struct mint_conf *c = s->conf;
	struct json_object *sl = NULL, *claims;
	const struct jf_key *k;
	unsigned char *bytes = NULL;
	size_t nbytes = 0;
	uint32_t n = 0;
	uint64_t gen = 0;
	char *jwt = NULL;
	long wait = 0;
	enum jf_err rc;

	if ((rc = ms_open(s, m)) != JF_OK)
		return rc;
	if ((k = mint_signer(s, now, m, &wait)) == NULL)
		return JF_E_UNAVAILABLE;
	/* st_gen copies no status: the common case costs a few bytes. */
	if (ms->jwt != NULL && ms->key == k && (int64_t)now >= ms->iat &&
	    (int64_t)now - ms->iat < c->status_ttl) {
		if ((rc = st_gen(ms->st, (int64_t)now, &gen, m)) != JF_OK)
			return rc == JF_E_NOMEM ? rc : JF_E_UNAVAILABLE;
		if (gen == ms->gen)
			return JF_OK;
	}
	if ((rc = st_list(ms->st, (int64_t)now, &bytes, &nbytes, &n, &gen,
	    m)) != JF_OK)
		return rc == JF_E_NOMEM ? rc : JF_E_UNAVAILABLE;
	if ((rc = slist_encode(bytes, nbytes, c->status_bits, &sl, m)) !=
	    JF_OK)
		goto out;
	/* iss: verifiers pick the keys by it, as for the tokens. */
	if ((claims = slist_claims(c->status_list_uri, (int64_t)now,
	    c->status_lifetime, c->status_ttl, sl)) == NULL ||
	    json_object_object_add(claims, "iss",
	    json_object_new_string(c->issuer)) != 0) {
		json_object_put(claims);
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto out;
	}
	rc = tok_sign(k, SLIST_TYP, claims, &jwt, m);
	json_object_put(claims);
	if (rc != JF_OK)
		goto out;
	free(ms->jwt);
	ms->jwt = jwt;
	ms->len = strlen(jwt);
	ms->gen = gen;
	ms->key = k;
	ms->iat = (int64_t)now;
	log_debug("status list signed: %u statuses, %zu bytes", n, ms->len);
out:
	free(bytes);
	return rc;
}

void
mint_statuslist(const struct mint_state *s, struct req *r, int head)
{
	struct mint_status *ms = s->status;
	struct jf_msg m = { "" };
	time_t now = time(NULL);
	long age;

	const char *q = req_param(r, "QUERY_STRING");

	req_header(r, "Vary", "Accept");
	/* Public data, fetched by verifiers in browsers too (§8.1: CORS). */
	req_header(r, "Access-Control-Allow-Origin", "*");
	/* §8.4: a list as of some time is not kept here; say so. */
	if (q != NULL && (strncmp(q, "time=", 5) == 0 ||
	    strstr(q, "&time=") != NULL)) {
		req_status(r, 501);
		req_header(r, "Content-Type", "text/plain");
		req_body(r, "501 Not Implemented: only the current status "
		    "list is served (no time parameter)\n", strlen("501 Not "
		    "Implemented: only the current status list is served (no "
		    "time parameter)\n"));
		return;
	}
	if (!mint_status_accepts(req_param(r, "HTTP_ACCEPT"))) {
		req_status(r, 406);
		req_header(r, "Content-Type", "text/plain");
		req_body(r, "406 Not Acceptable: the status list is "
		    SLIST_MEDIA "\n", strlen("406 Not Acceptable: the status "
		    "list is " SLIST_MEDIA "\n"));
		return;
	}
	if (ms_sign(s, now, &m) != JF_OK) {
		log_error("status list: %s", m.s);
		req_header(r, "Retry-After", "%d", MINT_RETRY_AFTER);
		mint_error(r, JF_E_UNAVAILABLE, "the status list cannot be "
		    "served now: retry later");
		return;
	}
	/* A cache keeps it no longer than ttl (§13.7), nor past its exp. */
	age = (long)(ms->iat + s->conf->status_lifetime - (int64_t)now);
	if (age > s->conf->status_ttl)
		age = s->conf->status_ttl;
	req_header(r, "Content-Type", SLIST_MEDIA);
	req_header(r, "Cache-Control", "public, max-age=%ld", age < 0 ? 0 :
	    age);
	if (!head)
		req_body(r, ms->jwt, ms->len);
}

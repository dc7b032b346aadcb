/* stats.c - jwt-authz.fcgi's metric families and their label sets, all
 * fixed here: reasons are the names of enum jf_err, never a string a
 * client sent; issuers are not labels (see jwt-authz.fcgi(8) METRICS). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"
#include "stats.h"

enum {
	F_DECISIONS, F_CACHE, F_FETCHES, F_KEY_AGE, F_LATENCY, F__LAST
};

/* 50 us (a cache hit) to 2.5 s (a cold wait for remote keys). */
static const uint64_t stats_le[] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000
};

static const char *const stats_kinds[STATS_KIND__LAST] = {
	"jwks", "client_metadata", "status_list"
};

static int stats_decision_labels(size_t i, char *buf, size_t cap);
static int stats_cache_labels(size_t i, char *buf, size_t cap);
static int stats_fetch_labels(size_t i, char *buf, size_t cap);
static int stats_age_labels(size_t i, char *buf, size_t cap);

static const struct met_family stats_fam[F__LAST] = {
	[F_DECISIONS] = { "jwt_authz_decisions",
	    "Authorization decisions by outcome (allow, deny, error) and "
	    "reason (the error code).", MET_COUNTER, JF_E__LAST,
	    stats_decision_labels, NULL, 0 },
	[F_CACHE] = { "jwt_authz_token_cache_lookups",
	    "Verified-token cache lookups by result (hit, miss).",
	    MET_COUNTER, 2, stats_cache_labels, NULL, 0 },
	[F_FETCHES] = { "jwt_authz_fetches",
	    "Fetches of remote keys and client metadata documents by kind "
	    "and outcome (ok, error).", MET_COUNTER, STATS_KIND__LAST * 2,
	    stats_fetch_labels, NULL, 0 },
	[F_KEY_AGE] = { "jwt_authz_keys_age_seconds",
	    "Seconds since the keys in use were loaded (source config) or "
	    "fetched (source remote: the oldest key set; -1 none).",
	    MET_GAUGE, 2, stats_age_labels, NULL, 0 },
	[F_LATENCY] = { "jwt_authz_decision_duration_seconds",
	    "Time from a request's parameters to its answer.",
	    MET_HISTOGRAM, 1, NULL, stats_le,
	    sizeof(stats_le) / sizeof(stats_le[0]) },
};

struct stats {
	struct met *met;
};

static int
stats_decision_labels(size_t i, char *buf, size_t cap)
{
	enum jf_err e = (enum jf_err)i;
	int st = jf_http_status(e);

	return snprintf(buf, cap, "outcome=\"%s\",reason=\"%s\"",
	    e == JF_OK ? "allow" : st >= 500 ? "error" : "deny",
	    jf_err_name(e)) > 0;
}

static int
stats_cache_labels(size_t i, char *buf, size_t cap)
{
	return snprintf(buf, cap, "result=\"%s\"", i ? "miss" : "hit") > 0;
}

static int
stats_fetch_labels(size_t i, char *buf, size_t cap)
{
	return snprintf(buf, cap, "kind=\"%s\",outcome=\"%s\"",
	    stats_kinds[i / 2], i % 2 ? "error" : "ok") > 0;
}

static int
stats_age_labels(size_t i, char *buf, size_t cap)
{
	return snprintf(buf, cap, "source=\"%s\"", i ? "remote" : "config")
	    > 0;
}

enum jf_err
stats_new(struct stats **out, struct jf_msg *m)
{
	struct stats *s;
	enum jf_err rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if ((rc = met_new(&s->met, stats_fam, F__LAST, m)) != JF_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return JF_OK;
}

void
stats_free(struct stats *s)
{
	if (s == NULL)
		return;
	met_free(s->met);
	free(s);
}

void
stats_decision(struct stats *s, enum jf_err e, int cache, uint64_t t0_us)
{
	if (s == NULL)
		return;
	met_add(s->met, F_DECISIONS, (size_t)e, 1);
	if (cache >= 0)
		met_add(s->met, F_CACHE, cache ? 0 : 1, 1);
	met_observe(s->met, F_LATENCY, 0, met_now_us() - t0_us);
}

void
stats_fetch(struct stats *s, enum stats_kind k, enum jf_err e)
{
	if (s != NULL)
		met_add(s->met, F_FETCHES, (size_t)k * 2 + (e != JF_OK), 1);
}

void
stats_keys(struct stats *s, time_t now, time_t loaded, int64_t fetched)
{
	if (s == NULL)
		return;
	met_set(s->met, F_KEY_AGE, 0, (int64_t)(now - loaded));
	met_set(s->met, F_KEY_AGE, 1, fetched > 0 ? (int64_t)now - fetched :
	    -1);
}

void
stats_serve(const struct stats *s, struct req *r)
{
	/* About 8 KiB today; a response body holds REQ_BODY_MAX. */
	static const size_t cap = REQ_BODY_MAX;
	const char *method = req_param(r, "REQUEST_METHOD");
	char *buf;
	size_t n;

	if (method != NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0) {
		req_status(r, 405);
		req_header(r, "Allow", "GET, HEAD");
		return;
	}
	if (s == NULL || (buf = malloc(cap)) == NULL) {
		req_status(r, 500);
		return;
	}
	if ((n = met_write(s->met, buf, cap)) == 0) {
		free(buf);
		req_status(r, 500);
		return;
	}
	req_status(r, 200);
	req_header(r, "Content-Type", "text/plain; version=0.0.4");
	req_header(r, "Cache-Control", "no-store");
	if (method == NULL || strcmp(method, "HEAD") != 0)
		req_body(r, buf, n);
	free(buf);
}

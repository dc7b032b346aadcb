/* stats.c - jwt-mint.fcgi's metric families and their label sets, all
 * fixed here: methods and reasons are enum names, errors the RFC 6749
 * error codes the mint answers with; never a client_id or anything else
 * a client chose (see jwt-mint.fcgi(8) METRICS). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose/keyset.h"
#include "mint.h"
#include "util/metrics.h"

enum {
	F_ISSUED, F_REFUSED, F_FETCHES, F_REPLAY, F_REPLAY_CAP, F_KEY_AGE,
	F_LATENCY, F__LAST
};

/* 100 us to 2.5 s: a secret's check, a signature, a cold document wait. */
static const uint64_t ms_le[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000
};

static int ms_issued_labels(size_t i, char *buf, size_t cap);
static int ms_refused_labels(size_t i, char *buf, size_t cap);
static int ms_fetch_labels(size_t i, char *buf, size_t cap);
static int ms_age_labels(size_t i, char *buf, size_t cap);

static const struct met_family ms_fam[F__LAST] = {
	[F_ISSUED] = { "jwt_mint_tokens_issued",
	    "Access tokens issued, by client authentication method.",
	    MET_COUNTER, MINT_AUTH__LAST, ms_issued_labels, NULL, 0 },
	[F_REFUSED] = { "jwt_mint_refusals",
	    "Token requests refused, by the OAuth error answered and the "
	    "reason (the error code).", MET_COUNTER, JF_E__LAST,
	    ms_refused_labels, NULL, 0 },
	[F_FETCHES] = { "jwt_mint_fetches",
	    "Fetches of client metadata documents by outcome (ok, error).",
	    MET_COUNTER, 2, ms_fetch_labels, NULL, 0 },
	[F_REPLAY] = { "jwt_mint_replay_entries",
	    "Unexpired assertion jti values in the replay table all "
	    "workers share.", MET_GAUGE, 1, NULL, NULL, 0 },
	[F_REPLAY_CAP] = { "jwt_mint_replay_capacity",
	    "Entries the replay table holds at most (MINT_REPLAY_MAX).",
	    MET_GAUGE, 1, NULL, NULL, 0 },
	[F_KEY_AGE] = { "jwt_mint_keys_age_seconds",
	    "Seconds since the keys in use were loaded (key loaded) and "
	    "since the signing key in use activated or, without a schedule, "
	    "was loaded (key signing; -1 none).",
	    MET_GAUGE, 2, ms_age_labels, NULL, 0 },
	[F_LATENCY] = { "jwt_mint_issuance_duration_seconds",
	    "Time from a token request's body to its answer, issued or "
	    "refused.", MET_HISTOGRAM, 1, NULL, ms_le,
	    sizeof(ms_le) / sizeof(ms_le[0]) },
};

struct mint_stats {
	struct met *met;
};

static int
ms_issued_labels(size_t i, char *buf, size_t cap)
{
	const char *name = mint_auth_name((enum mint_auth)i);

	/* MINT_AUTH_NONE: nothing is issued without authentication. */
	return name != NULL &&
	    snprintf(buf, cap, "method=\"%s\"", name) > 0;
}

/* The error the client was answered (mint_error's choice). */
static int
ms_refused_labels(size_t i, char *buf, size_t cap)
{
	enum jf_err e = (enum jf_err)i;
	const char *code = jf_oauth_error(e);

	return e != JF_OK && snprintf(buf, cap, "error=\"%s\",reason=\"%s\"",
	    code != NULL ? code : "invalid_request", jf_err_name(e)) > 0;
}

static int
ms_fetch_labels(size_t i, char *buf, size_t cap)
{
	return snprintf(buf, cap, "kind=\"client_metadata\",outcome=\"%s\"",
	    i ? "error" : "ok") > 0;
}

static int
ms_age_labels(size_t i, char *buf, size_t cap)
{
	return snprintf(buf, cap, "key=\"%s\"", i ? "signing" : "loaded") > 0;
}

enum jf_err
mint_stats_new(struct mint_stats **out, struct jf_msg *m)
{
	struct mint_stats *s;
	enum jf_err rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if ((rc = met_new(&s->met, ms_fam, F__LAST, m)) != JF_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return JF_OK;
}

void
mint_stats_free(struct mint_stats *s)
{
	if (s == NULL)
		return;
	met_free(s->met);
	free(s);
}

void
mint_stats_grant(struct mint_stats *s, const struct mint_grant *g,
	uint64_t t0_us)
{
	if (s == NULL)
		return;
	if (g->err == JF_OK)
		met_add(s->met, F_ISSUED, (size_t)g->method, 1);
	else
		met_add(s->met, F_REFUSED, (size_t)g->err, 1);
	met_observe(s->met, F_LATENCY, 0, met_now_us() - t0_us);
}

void
mint_stats_fetch(struct mint_stats *s, enum jf_err e)
{
	if (s != NULL)
		met_add(s->met, F_FETCHES, e != JF_OK, 1);
}

void
mint_stats_serve(const struct mint_state *st, struct req *r, int head)
{
	/* About 6 KiB today; a response body holds REQ_BODY_MAX. */
	static const size_t cap = REQ_BODY_MAX;
	struct mint_stats *s = st->stats;
	const struct keyset *ks = st->conf->keyset;
	time_t now = time(NULL);
	size_t n, max;
	int64_t act;
	long i;
	char *buf;

	if (s == NULL || (buf = malloc(cap)) == NULL) {
		mint_error(r, JF_E_NOMEM, NULL);
		return;
	}
	met_set(s->met, F_REPLAY, 0,
	    (int64_t)mint_replay_live(st->replay, (int64_t)now, &max));
	met_set(s->met, F_REPLAY_CAP, 0, (int64_t)max);
	met_set(s->met, F_KEY_AGE, 0, (int64_t)(now - st->loaded));
	/* A plain signing_key has no schedule (activates 0): it became the
	 * signing key when it was loaded. */
	i = ks != NULL ? keyset_signer(ks, (int64_t)now) : -1;
	act = i >= 0 ? keyset_get(ks, (size_t)i)->at[KEYSET_ACTIVATES] : 0;
	met_set(s->met, F_KEY_AGE, 1, i < 0 ? -1 : (int64_t)now -
	    (act > 0 ? act : (int64_t)st->loaded));
	if ((n = met_write(s->met, buf, cap)) == 0) {
		free(buf);
		mint_error(r, JF_E_INTERNAL, NULL);
		return;
	}
	req_status(r, 200);
	req_header(r, "Content-Type", "text/plain; version=0.0.4");
	req_header(r, "Cache-Control", "no-store");
	if (!head)
		req_body(r, buf, n);
	free(buf);
}

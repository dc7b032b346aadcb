/* cimd.c - the keys of client ID metadata document clients at the mint,
 * fetched as the authorizer fetches its [cimd] clients' (net/fetcher.h,
 * oauth/cimdkeys.h): one background process, the only one that touches
 * the network, resolves each document with every rule of the draft
 * (cimd_resolve) into a table all processes share; a worker parses the
 * keys once per change and never waits on the network but for the
 * bounded cimd_cold_wait on a document's first use.
 *
 * The fetcher fetches only what the configuration of the moment admits:
 * a URL cimd_allow admits, that the registry lists as a document client
 * or that the default policy (cimd_unregistered = default) covers. A
 * worker asks for nothing else either (assert.c decides first).
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "fcgi/server.h"
#include "jose/jwks.h"
#include "mint.h"
#include "net/docs.h"
#include "net/fetcher.h"
#include "oauth/cimd.h"
#include "oauth/cimdkeys.h"
#include "util/log.h"

#define MC_SLOTS 1024           /* documents in use at one time */

struct mint_cimd {
	struct docs *docs;
	struct cimdk *keys;     /* this process's parsed keys */
};

/* The fetcher loop's view of the mint (net/fetcher.h). */
struct mc_fetch {
	struct mint_cimd *c;
	struct mint_state **sp;
	const struct mint_state *seen;
	struct srv_bg *bg;
};

static void mc_opts(const struct mint_state *s, struct cimdk_opts *o);
static int mc_rebind(void *arg);
static void mc_timing(void *arg, int kind, struct fetcher_timing *t);
static enum jf_err mc_resolve(void *arg, int kind, const char *url,
	char **out, long *max_age, struct jf_msg *m);
static int mc_wait(void *arg, int fd, long ms);

enum jf_err
mint_cimd_new(struct mint_cimd **out, struct jf_msg *m)
{
	struct mint_cimd *c;
	enum jf_err rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if ((rc = docs_new(&c->docs, MC_SLOTS, JWKS_MAX_BYTES, m)) != JF_OK ||
	    (rc = cimdk_new(&c->keys, c->docs, m)) != JF_OK) {
		mint_cimd_free(c);
		return rc;
	}
	*out = c;
	return JF_OK;
}

void
mint_cimd_free(struct mint_cimd *c)
{
	if (c == NULL)
		return;
	cimdk_free(c->keys);
	docs_free(c->docs);
	free(c);
}

struct docs *
mint_cimd_docs(struct mint_cimd *c)
{
	return c->docs;
}

static void
mc_opts(const struct mint_state *s, struct cimdk_opts *o)
{
	const struct mint_cimd_conf *cc = &s->conf->cimd;

	o->kind = MINT_CIMD_KIND;
	o->idle = cc->idle;
	o->cooldown = cc->cooldown;
	o->cold_wait_ms = cc->cold_wait_ms;
	o->max_stale = cc->max_stale;
}

int
mint_cimd_may_fetch(const struct mint_state *s, const char *url)
{
	const struct reg_service *svc = NULL;
	struct jf_msg m;

	if (!mint_cimd_admits(&s->conf->cimd, url))
		return 0;
	if (registry_find_id(s->reg, url, time(NULL), &svc, &m) == JF_OK)
		return registry_svc_cimd(svc);
	return !registry_has_id(s->reg, url) && s->cimd_default != NULL;
}

enum jf_err
mint_cimd_keys(const struct mint_state *s, const char *url, int64_t now,
	const struct jwks **keys, struct jf_msg *m)
{
	struct cimdk_opts o;

	*keys = NULL;
	/* cimd_allow came with a reload: no table, no fetcher. */
	if (s->cimd == NULL)
		return jf_fail(m, JF_E_UNAVAILABLE, "client ID metadata "
		    "documents are not fetched: jwt-mint.fcgi started without "
		    "cimd_allow and must be restarted");
	mc_opts(s, &o);
	return cimdk_get(s->cimd->keys, url, &o, now, keys, m);
}

int
mint_cimd_retry(const struct mint_state *s, const char *url)
{
	struct cimdk_opts o;

	if (s->cimd == NULL)
		return 0;
	mc_opts(s, &o);
	return cimdk_retry(s->cimd->keys, url, &o);
}

/* --- the fetcher process --------------------------------------------- */

static int
mc_rebind(void *arg)
{
	struct mc_fetch *f = arg;

	if (*f->sp == f->seen)
		return 0;
	f->seen = *f->sp;
	log_info("fetcher: %zu cimd_allow entr%s", f->seen->conf->cimd.nallow,
	    f->seen->conf->cimd.nallow == 1 ? "y" : "ies");
	return 1;
}

static void
mc_timing(void *arg, int kind, struct fetcher_timing *t)
{
	const struct mc_fetch *f = arg;
	const struct mint_cimd_conf *cc = &(*f->sp)->conf->cimd;

	if (kind != MINT_CIMD_KIND || cc->nallow == 0)
		return;
	t->refresh = cc->refresh;
	/* Failures are retried within seconds, backing off to this. */
	t->refresh_min = cc->refresh < 30 ? cc->refresh : 30;
	t->idle = cc->idle;
}

static enum jf_err
mc_resolve(void *arg, int kind, const char *url, char **out, long *max_age,
	struct jf_msg *m)
{
	const struct mc_fetch *f = arg;
	const struct mint_state *s = *f->sp;
	enum jf_err rc;

	/* Only what the configuration admits now: a worker claimed the
	 * slot under it, but it may have been reloaded since. */
	if (kind != MINT_CIMD_KIND || !mint_cimd_may_fetch(s, url))
		return JF_E_NOT_FOUND;
	rc = cimd_resolve(url, &s->conf->cimd.fetch, s->conf->cimd.max_bytes,
	    out, max_age, m);
	mint_stats_fetch(s->stats, rc);
	return rc;
}

static int
mc_wait(void *arg, int fd, long ms)
{
	const struct mc_fetch *f = arg;

	return srv_bg_wait(f->bg, fd, ms);
}

/* The mint fetches client metadata documents only. */
static const char *
mc_kind_name(int kind)
{
	(void)kind;
	return "client_metadata";
}

void
mint_cimd_fetcher(struct mint_cimd *c, struct mint_state **sp,
	struct srv_bg *bg)
{
	struct mc_fetch f = { c, sp, NULL, bg };
	const struct fetcher_ops ops = { &f, mc_rebind, mc_timing, mc_resolve,
		mc_wait, mc_kind_name };

	fetcher_run(c->docs, &ops);
}

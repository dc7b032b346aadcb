/* main.c - jwt-authz.fcgi: options, configuration, then the server loop.
 *
 * The configuration is read once at start and refused whole if anything
 * in it is wrong; SIGHUP re-reads it and keeps the old one if the new
 * one fails.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authz.h"
#include "conf/cfg.h"
#include "remote.h"
#include "fcgi/daemon.h"
#include "util/log.h"
#include "fcgi/server.h"
#include "jose/scache.h"
#include "jose/tcache.h"
#include "net/fetch.h"
#include "oauth/cimdkeys.h"
#include "self.h"
#include "status.h"
#include "stats.h"

/* The process context handed to the server: one per process. */
struct main_ctx {
	struct cfg *cfg;
	struct tcache *tc;      /* verified tokens; new with each cfg */
	struct scache *sc;      /* answers all workers share; NULL: none */
	uint64_t cfg_gen;       /* the scache configuration generation this
	                         * process loaded under */
	pid_t super;            /* the supervisor, which publishes reloads */
	struct remote *remote;  /* the remote keys' shared table */
	struct cimdk *self;     /* self-issued tokens' keys, from that table */
	struct status *status;  /* status lists, from that table */
	int fetcher;            /* 1: a fetcher process runs */
	struct stats *stats;    /* the metrics all processes share */
	time_t loaded;          /* when cfg and its key files were read */
	int flush;              /* 1: main_retry changed keys: forget tc */
	const char *path;
	int log_level;          /* from --log-level, else -1: the config's */
};

static const struct daemon_info main_info = {
	.ident = "jwt-authz.fcgi",
	.env = "JWT_AUTHZ_CONFIG",
	.config = SYSCONFDIR "/jwt-fcgi/authz.conf",
	.about =
	    "Offline JWT bearer-token authorizer for FastCGI (authorizer or\n"
	    "responder role) and CGI.\n",
	.check_help =
	    "                           load the configuration and its keys,\n"
	    "                           print \"FILE: OK\" or the error, exit\n",
	.tail =
	    "Signals: SIGHUP reloads the configuration, SIGTERM stops.\n"
	    "See jwt-authz.fcgi(8) and jwt-fcgi.conf(5).\n",
};

static void main_handle(void *ctx, struct req *r);
static void main_reload(void *ctx);
static int main_retry(void *ctx, const char *iss);
static void main_fetcher(void *ctx, struct srv_bg *bg);
static int main_check(const char *path);

static void
main_handle(void *ctx, struct req *r)
{
	struct main_ctx *m = ctx;
	struct authz_hooks h = { m->fetcher ? main_retry : NULL, m,
		m->fetcher ? m->self : NULL, m->fetcher ? m->status : NULL,
		m->stats, NULL, 0 };
	struct cimdk_opts o;
	time_t now = time(NULL);
	const char *serve = req_param(r, "JWT_SERVE");
	int changed;

	/* Read before the keys are brought up to date: an answer stored
	 * under it can never outlive a key change another process saw. */
	if (m->sc != NULL)
		h.gen = scache_gen(m->sc);

	/* One counter per remote source; keys are parsed only when the
	 * fetcher stored new ones, and tokens verified with the old ones
	 * are forgotten. The same for the client documents in use. */
	changed = remote_sync(m->remote, m->cfg, now);
	if (cfg_cimd_count(m->cfg) > 0) {
		self_opts(m->cfg, &o);
		changed |= cimdk_sync(m->self, &o, (int64_t)now);
	}
	if (changed) {
		tcache_free(m->tc);
		m->tc = tcache_new(cfg_cache_entries(m->cfg));
		if (m->sc != NULL)
			scache_flush(m->sc);
	}
	/* Only where the web server's route says so (a responder entry it
	 * restricts to the monitoring hosts), never for a request at large. */
	if (req_role(r) == REQ_RESPONDER && serve != NULL &&
	    strcmp(serve, "metrics") == 0) {
		stats_keys(m->stats, now, m->loaded,
		    remote_oldest(m->remote, m->cfg));
		stats_serve(m->stats, r);
		return;
	}
	/* Not while this process's keys are new or its reload is pending. */
	if (m->sc != NULL && !changed && cfg_cache_entries(m->cfg) > 0 &&
	    scache_cfg_gen(m->sc) == m->cfg_gen)
		h.shared = m->sc;
	authz_handle(m->cfg, m->tc, &h, r);
	if (m->flush) {
		m->flush = 0;
		tcache_free(m->tc);
		m->tc = tcache_new(cfg_cache_entries(m->cfg));
	}
}

static int
main_retry(void *ctx, const char *iss)
{
	struct main_ctx *m = ctx;

	if (!remote_retry(m->remote, m->cfg, iss))
		return 0;
	/* Not now: the decision that called us holds m->tc and stores the
	 * token in it once verified. main_handle flushes it after. */
	m->flush = 1;
	if (m->sc != NULL)
		scache_flush(m->sc);
	return 1;
}

static void
main_fetcher(void *ctx, struct srv_bg *bg)
{
	struct main_ctx *m = ctx;

	remote_fetcher(m->remote, &m->cfg, bg);
}

static void
main_reload(void *ctx)
{
	struct main_ctx *m = ctx;
	struct cfg *c = NULL;
	struct jf_msg msg;
	uint64_t gen;

	/* The supervisor publishes a new generation before it loads (and
	 * before it signals the workers), whether or not its own load works;
	 * a worker reads it before loading. So a worker that loaded before
	 * the supervisor published, or one forked from a supervisor whose
	 * load failed, holds another generation than the rest and stays
	 * apart from the shared answers until the next reload. */
	if (m->sc != NULL && getpid() == m->super)
		scache_cfg_bump(m->sc);
	gen = m->sc != NULL ? scache_cfg_gen(m->sc) : 0;
	msg.s[0] = '\0';
	if (cfg_load(&c, m->path, &msg) != JF_OK) {
		log_error("reload failed, keeping the previous configuration: "
		    "%s", msg.s);
		return;
	}
	if (remote_bind(m->remote, c, &msg) != JF_OK) {
		log_error("reload failed, keeping the previous configuration: "
		    "%s", msg.s);
		cfg_free(c);
		remote_bind(m->remote, m->cfg, &msg);
		return;
	}
	if ((cfg_remote_count(c) > 0 || cfg_cimd_count(c) > 0 ||
	    cfg_status_any(c)) && !m->fetcher)
		log_error("%s names remote keys (jwks_uri, metadata, [cimd]) "
		    "or status lists "
		    "but none were configured at start, so no fetcher runs: "
		    "restart jwt-authz.fcgi", m->path);
	cfg_free(m->cfg);
	m->cfg = c;
	m->loaded = time(NULL);
	/* Tokens verified under the old keys and rules are forgotten. */
	tcache_free(m->tc);
	m->tc = tcache_new(cfg_cache_entries(c));
	m->cfg_gen = gen;
	daemon_log_level(m->log_level, cfg_log_level(c));
	log_info("configuration %s reloaded", m->path);
}

static int
main_check(const char *path)
{
	struct cfg *c = NULL;
	struct jf_msg msg;

	msg.s[0] = '\0';
	if (cfg_load(&c, path, &msg) != JF_OK) {
		fprintf(stderr, "%s\n", msg.s);
		return 1;
	}
	cfg_free(c);
	printf("%s: OK\n", path);
	return 0;
}

int
main(int argc, char **argv)
{
	struct main_ctx m = { .log_level = -1 };
	struct srv_ops ops = { &m, main_handle, main_reload, NULL, NULL };
	struct daemon_opts o;
	struct jf_msg msg;
	int rc, fetching;

	if ((rc = daemon_parse(&o, argc, argv, &main_info)) != DAEMON_GO_ON)
		return rc;
	if (o.check != NULL)
		return main_check(o.check);
	m.path = o.config;
	m.log_level = o.log_level;
	daemon_log_init(&o, &main_info);
	msg.s[0] = '\0';
	if (cfg_load(&m.cfg, m.path, &msg) != JF_OK) {
		/* Through the log: when stderr is /dev/null (a daemonized
		 * lighttpd spawned us), this goes to syslog, not nowhere. */
		log_error("cannot start: %s", msg.s);
		return 1;
	}
	daemon_log_level(m.log_level, cfg_log_level(m.cfg));
	m.loaded = time(NULL);
	m.tc = tcache_new(cfg_cache_entries(m.cfg));
	/* Sized once, at start: a reload keeps the mapping. */
	m.sc = scache_new(cfg_cache_entries(m.cfg));
	m.super = getpid();
	/* The table every process shares, made before the workers fork;
	 * the fetcher process runs only when there is something to fetch. */
	fetching = cfg_remote_count(m.cfg) > 0 || cfg_cimd_count(m.cfg) > 0 ||
	    cfg_status_any(m.cfg);
	if (remote_new(&m.remote, &msg) != JF_OK ||
	    remote_bind(m.remote, m.cfg, &msg) != JF_OK ||
	    cimdk_new(&m.self, remote_docs(m.remote), &msg) != JF_OK ||
	    status_new(&m.status, remote_docs(m.remote), &msg) != JF_OK ||
	    stats_new(&m.stats, &msg) != JF_OK ||
	    (fetching && fetch_global_init(&msg) != JF_OK)) {
		log_error("cannot start: %s", msg.s);
		return 1;
	}
	remote_stats(m.remote, m.stats);
	if (fetching) {
		m.fetcher = 1;
		ops.background = main_fetcher;
	}
	rc = srv_run(&o.srv, &ops);
	tcache_free(m.tc);
	scache_free(m.sc);
	cfg_free(m.cfg);
	cimdk_free(m.self);
	status_free(m.status);
	remote_free(m.remote);
	stats_free(m.stats);
	return rc;
}

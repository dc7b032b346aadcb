/* main.c - jwt-authz.fcgi: options, configuration, then the server loop.
 *
 * The configuration is read once at start and refused whole if anything
 * in it is wrong; SIGHUP re-reads it and keeps the old one if the new
 * one fails.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "authz.h"
#include "conf/cfg.h"
#include "remote.h"
#include "fcgi/daemon.h"
#include "util/log.h"
#include "fcgi/server.h"
#include "jose/tcache.h"
#include "net/fetch.h"
#include "oauth/cimdkeys.h"
#include "self.h"
#include "status.h"

/* The process context handed to the server: one per process. */
struct main_ctx {
	struct cfg *cfg;
	struct tcache *tc;      /* verified tokens; new with each cfg */
	struct remote *remote;  /* the remote keys' shared table */
	struct cimdk *self;     /* self-issued tokens' keys, from that table */
	struct status *status;  /* status lists, from that table */
	int fetcher;            /* 1: a fetcher process runs */
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
		m->fetcher ? m->self : NULL, m->fetcher ? m->status : NULL };
	struct cimdk_opts o;
	time_t now = time(NULL);
	int changed;

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
	}
	authz_handle(m->cfg, m->tc, &h, r);
}

static int
main_retry(void *ctx, const char *iss)
{
	struct main_ctx *m = ctx;

	if (!remote_retry(m->remote, m->cfg, iss))
		return 0;
	tcache_free(m->tc);
	m->tc = tcache_new(cfg_cache_entries(m->cfg));
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
	/* Tokens verified under the old keys and rules are forgotten. */
	tcache_free(m->tc);
	m->tc = tcache_new(cfg_cache_entries(c));
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
	m.tc = tcache_new(cfg_cache_entries(m.cfg));
	/* The table every process shares, made before the workers fork;
	 * the fetcher process runs only when there is something to fetch. */
	fetching = cfg_remote_count(m.cfg) > 0 || cfg_cimd_count(m.cfg) > 0 ||
	    cfg_status_any(m.cfg);
	if (remote_new(&m.remote, &msg) != JF_OK ||
	    remote_bind(m.remote, m.cfg, &msg) != JF_OK ||
	    cimdk_new(&m.self, remote_docs(m.remote), &msg) != JF_OK ||
	    status_new(&m.status, remote_docs(m.remote), &msg) != JF_OK ||
	    (fetching && fetch_global_init(&msg) != JF_OK)) {
		log_error("cannot start: %s", msg.s);
		return 1;
	}
	if (fetching) {
		m.fetcher = 1;
		ops.background = main_fetcher;
	}
	rc = srv_run(&o.srv, &ops);
	tcache_free(m.tc);
	cfg_free(m.cfg);
	cimdk_free(m.self);
	status_free(m.status);
	remote_free(m.remote);
	return rc;
}

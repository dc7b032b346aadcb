/* main.c - jwt-mint.fcgi: options, the loaded state, then the server loop.
 *
 * The configuration, its keys and the registry are loaded at start and
 * refused whole if anything is wrong. SIGHUP, or a change of the registry
 * or key-set file (the supervisor polls them), loads a new state whole
 * and swaps it in between requests; a state that fails to load is logged
 * with its error and the previous one keeps serving. What the key
 * schedule means for now (no key active, a gap ahead, a key removed too
 * soon) is a warning at start, at each reload and with -t.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fcgi/daemon.h"
#include "util/log.h"
#include "mint.h"
#include "net/fetch.h"
#include "fcgi/server.h"

/* The process context handed to the server: one per process. */
struct main_ctx {
	struct mint_state *state;
	/* Client ID metadata documents: the table every process shares,
	 * made before the workers fork when the configuration at start has
	 * cimd_allow; a fetcher process then runs. */
	struct mint_cimd *cimd;
	struct mint_stats *stats;       /* the metrics all processes share */
	const char *path;
	int log_level;          /* from --log-level, else -1: the config's */
};

static const struct daemon_num main_extra[] = {
	/* An hour between looks is as slow as a watch is still useful. */
	{ "watch-interval", 0, 3600, 2, " seconds" },
};

static const struct daemon_info main_info = {
	.ident = "jwt-mint.fcgi",
	.env = "JWT_MINT_CONFIG",
	.config = SYSCONFDIR "/jwt-fcgi/mint.conf",
	.about =
	    "OAuth 2.0 token mint for FastCGI (responder role) and CGI: a\n"
	    "registered client buys a JWT access token (client_credentials)\n"
	    "with the certificate the web server verified (tls_client_auth),\n"
	    "a client secret (client_secret_basic, client_secret_post) or a\n"
	    "signed assertion (private_key_jwt); with cimd_allow, clients\n"
	    "whose client ID is the URL of their metadata document too, and\n"
	    "the jwt-bearer grant.\n",
	.check_help =
	    "                           load the configuration, its keys and the\n"
	    "                           registry, print \"FILE: OK\" or the error,\n"
	    "                           exit\n",
	.extra_help =
	    "      --watch-interval S   seconds between checks of the registry\n"
	    "                           and key-set files for changes, 0 to not\n"
	    "                           watch (default 2)\n",
	.tail =
	    "Signals: SIGHUP reloads configuration and registry, SIGTERM stops.\n"
	    "See jwt-mint.fcgi(8).\n",
	.extra = main_extra,
	.n_extra = 1,
	.unix_only = 1,
};

static void main_handle(void *ctx, struct req *r);
static int main_peer_ok(void *ctx, const struct srv_peer *p);
static void main_reload(void *ctx);
static void main_fetcher(void *ctx, struct srv_bg *bg);
static int main_check(const char *path);
static void main_warn_log(void *arg, const char *msg);
static void main_warn_stderr(void *arg, const char *msg);

static void
main_handle(void *ctx, struct req *r)
{
	struct main_ctx *m = ctx;

	mint_handle(m->state, r);
}

/* Only the web server may ask: whoever connects to the socket can claim
 * that it verified any certificate. Numbers only, resolved at load: no
 * user database lookup on the request path. */
static int
main_peer_ok(void *ctx, const struct srv_peer *p)
{
	const struct main_ctx *m = ctx;
	const struct mint_conf *c = m->state->conf;
	size_t i;
	int j;

	if (p->uid == 0 || p->uid == (unsigned)getuid() ||
	    p->uid == (unsigned)geteuid())
		return 1;
	for (i = 0; i < c->npeer_uid; i++)
		if (p->uid == (unsigned)c->peer_uid[i])
			return 1;
	for (i = 0; i < c->npeer_gid; i++) {
		if (p->gid == (unsigned)c->peer_gid[i])
			return 1;
		for (j = 0; j < p->ngroups; j++)
			if (p->groups[j] == (unsigned)c->peer_gid[i])
				return 1;
	}
	mint_audit_peer(p, time(NULL));
	return 0;
}

/* Load whole, then swap: a request never sees a half-loaded state. */
static void
main_reload(void *ctx)
{
	struct main_ctx *m = ctx;
	struct mint_state *s = NULL;
	struct jf_msg msg;

	msg.s[0] = '\0';
	if (mint_state_load(&s, m->path, &msg) != JF_OK) {
		log_error("reload failed, keeping the previous configuration "
		    "and registry: %s", msg.s);
		return;
	}
	mint_state_carry(s, m->state);
	s->cimd = m->cimd;
	s->stats = m->stats;
	if (s->conf->cimd.nallow > 0 && m->cimd == NULL)
		log_error("%s names cimd_allow but had none at start, so no "
		    "fetcher runs and document clients are refused: restart "
		    "jwt-mint.fcgi", m->path);
	mint_state_free(m->state);
	m->state = s;
	daemon_log_level(m->log_level, s->conf->log_level);
	log_info("configuration %s and registry %s reloaded (%zu services, "
	    "%zu keys)", m->path, s->conf->registry, registry_count(s->reg),
	    jwks_count(s->conf->keys));
	mint_keys_lint(s, time(NULL), main_warn_log, NULL);
}

static void
main_fetcher(void *ctx, struct srv_bg *bg)
{
	struct main_ctx *m = ctx;

	mint_cimd_fetcher(m->cimd, &m->state, bg);
}

static void
main_warn_log(void *arg, const char *msg)
{
	(void)arg;
	log_warn("%s", msg);
}

static void
main_warn_stderr(void *arg, const char *msg)
{
	fprintf(stderr, "%s: warning: %s\n", (const char *)arg, msg);
}

static int
main_check(const char *path)
{
	struct mint_state *s = NULL;
	struct jf_msg msg;

	msg.s[0] = '\0';
	if (mint_state_load(&s, path, &msg) != JF_OK) {
		fprintf(stderr, "%s\n", msg.s);
		return 1;
	}
	/* tls_client_auth trusts the web server's verification alone. */
	if (s->conf->trust == NULL && registry_cert_count(s->reg) > 0)
		fprintf(stderr, "%s: warning: %zu service%s authenticate by "
		    "certificate (tls_client_auth) and client_ca is not set: "
		    "the mint trusts the web server's SSL_CLIENT_VERIFY alone; "
		    "set client_ca to the CA of the client certificates\n",
		    path, registry_cert_count(s->reg),
		    registry_cert_count(s->reg) == 1 ? "" : "s");
	mint_keys_lint(s, time(NULL), main_warn_stderr, (void *)path);
	printf("%s: OK (%zu signing key%s, %zu service%s in %s)\n", path,
	    jwks_count(s->conf->keys), jwks_count(s->conf->keys) == 1 ? "" :
	    "s", registry_count(s->reg), registry_count(s->reg) == 1 ? "" :
	    "s", s->conf->registry);
	mint_state_free(s);
	return 0;
}

int
main(int argc, char **argv)
{
	struct main_ctx m = { NULL, NULL, NULL, NULL, -1 };
	struct srv_watch sw = { { NULL }, 0 };
	struct srv_ops ops = { &m, main_handle, main_reload, main_peer_ok,
	    NULL };
	struct daemon_opts o;
	struct jf_msg msg;
	char *watch[2] = { NULL, NULL };
	int rc;

	if ((rc = daemon_parse(&o, argc, argv, &main_info)) != DAEMON_GO_ON)
		return rc;
	if (o.check != NULL)
		return main_check(o.check);
	m.path = o.config;
	m.log_level = o.log_level;
	sw.interval = o.extra[0];
	daemon_log_init(&o, &main_info);
	msg.s[0] = '\0';
	if (mint_state_load(&m.state, m.path, &msg) != JF_OK) {
		/* Through the log: when stderr is /dev/null (a daemonized
		 * lighttpd spawned us), this goes to syslog, not nowhere. */
		log_error("cannot start: %s", msg.s);
		return 1;
	}
	daemon_log_level(m.log_level, m.state->conf->log_level);
	if (m.state->conf->trust == NULL &&
	    registry_cert_count(m.state->reg) > 0)
		log_warn("client_ca is not set: tls_client_auth trusts the web "
		    "server's SSL_CLIENT_VERIFY alone (see jwt-mint.fcgi(8))");
	mint_keys_lint(m.state, time(NULL), main_warn_log, NULL);
	if (mint_stats_new(&m.stats, &msg) != JF_OK) {
		log_error("cannot start: %s", msg.s);
		mint_state_free(m.state);
		return 1;
	}
	m.state->stats = m.stats;
	if (m.state->conf->cimd.nallow > 0) {
		if (mint_cimd_new(&m.cimd, &msg) != JF_OK ||
		    fetch_global_init(&msg) != JF_OK) {
			log_error("cannot start: %s", msg.s);
			mint_state_free(m.state);
			mint_cimd_free(m.cimd);
			mint_stats_free(m.stats);
			return 1;
		}
		m.state->cimd = m.cimd;
		ops.background = main_fetcher;
	}
	/* The registry and key set named at start are watched (copies: a
	 * reload frees the state); a reload that names other files serves
	 * them, but watching those needs a restart. */
	if (sw.interval > 0) {
		watch[0] = strdup(m.state->conf->registry);
		if (m.state->conf->keyset_path != NULL)
			watch[1] = strdup(m.state->conf->keyset_path);
		if (watch[0] == NULL || (m.state->conf->keyset_path != NULL &&
		    watch[1] == NULL)) {
			log_error("cannot start: out of memory");
			mint_state_free(m.state);
			mint_cimd_free(m.cimd);
			mint_stats_free(m.stats);
			free(watch[0]);
			free(watch[1]);
			return 1;
		}
		sw.path[0] = watch[0];
		sw.path[1] = watch[1];
	}
	rc = srv_run_watch(&o.srv, &ops, &sw);
	mint_state_free(m.state);
	mint_cimd_free(m.cimd);
	mint_stats_free(m.stats);
	free(watch[0]);
	free(watch[1]);
	return rc;
}

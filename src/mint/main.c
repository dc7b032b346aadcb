/* main.c - jwt-mint.fcgi: options, the loaded state, then the server loop.
 *
 * The configuration, its keys and the registry are loaded at start and
 * refused whole if anything is wrong. SIGHUP, or a change of the registry
 * file (the supervisor polls it), loads a new state whole and swaps it
 * in between requests; a state that fails to load is logged with its
 * error and the previous one keeps serving.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mint.h"
#include "server.h"

#define MAIN_IDENT "jwt-mint.fcgi"
#define MAIN_DEFAULT_CONFIG SYSCONFDIR "/jwt-fcgi/mint.conf"
#define MAIN_DEFAULT_WORKERS 2
#define MAIN_WATCH_MAX 3600

/* The process context handed to the server: one per process. */
struct main_ctx {
	struct mint_state *state;
	const char *path;
	int log_level;          /* from --log-level, else -1: the config's */
};

enum {
	OPT_LISTEN = 256,
	OPT_WORKERS,
	OPT_SOCKET_MODE,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
	OPT_WATCH,
};

static const struct option main_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", optional_argument, NULL, 't' },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "watch-interval", required_argument, NULL, OPT_WATCH },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void main_usage(FILE *f);
static int main_number(const char *s, int lo, int hi, int *out);
static void main_handle(void *ctx, struct req *r);
static void main_reload(void *ctx);
static int main_check(const char *path);

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: " MAIN_IDENT " [options]\n"
	    "OAuth 2.0 token mint for FastCGI (responder role) and CGI: a\n"
	    "registered client buys a JWT access token (client_credentials)\n"
	    "with the certificate the web server verified (tls_client_auth),\n"
	    "a client secret (client_secret_basic, client_secret_post) or a\n"
	    "signed assertion (private_key_jwt).\n"
	    "\n"
	    "  -c, --config FILE        configuration (default: $JWT_MINT_CONFIG,\n"
	    "                           else " MAIN_DEFAULT_CONFIG ")\n"
	    "  -t, --check-config[=FILE]\n"
	    "                           load the configuration, its keys and the\n"
	    "                           registry, print \"FILE: OK\" or the error,\n"
	    "                           exit\n"
	    "      --listen ADDR        host:port, :port or a unix socket path\n"
	    "                           (default: the socket on fd 0, else CGI)\n"
	    "      --workers N          worker processes, 1..%d (default %d)\n"
	    "      --socket-mode MODE   octal mode of a unix socket (default 0660)\n"
	    "      --watch-interval S   seconds between checks of the registry\n"
	    "                           file for changes, 0 to not watch\n"
	    "                           (default 2)\n"
	    "      --log-level LEVEL    error, warn, info or debug (default: the\n"
	    "                           configuration's log_level)\n"
	    "      --syslog             log to syslog (daemon) instead of stderr\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            print the version\n"
	    "\n"
	    "Signals: SIGHUP reloads configuration and registry, SIGTERM stops.\n"
	    "See jwt-mint.fcgi(8).\n",
	    SRV_WORKERS_MAX, MAIN_DEFAULT_WORKERS);
}

static int
main_number(const char *s, int lo, int hi, int *out)
{
	int v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

static void
main_handle(void *ctx, struct req *r)
{
	struct main_ctx *m = ctx;

	mint_handle(m->state, r);
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
	mint_state_free(m->state);
	m->state = s;
	if (m->log_level < 0)
		log_set_level((enum log_level)s->conf->log_level);
	log_info("configuration %s and registry %s reloaded (%zu services)",
	    m->path, s->conf->registry, registry_count(s->reg));
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
	struct main_ctx m = { NULL, NULL, -1 };
	struct srv_opts so = { NULL, MAIN_DEFAULT_WORKERS, 0, NULL };
	struct srv_watch sw = { NULL, 2 };
	struct srv_ops ops = { &m, main_handle, main_reload };
	struct jf_msg msg;
	const char *check = NULL;
	char *watch = NULL;
	int opt, check_only = 0, use_syslog = 0, rc;

	m.path = getenv("JWT_MINT_CONFIG");
	if (m.path == NULL || *m.path == '\0')
		m.path = MAIN_DEFAULT_CONFIG;
	while ((opt = getopt_long(argc, argv, "c:t::hV", main_opts,
	    NULL)) != -1) {
		switch (opt) {
		case 'c':
			m.path = optarg;
			break;
		case 't':
			check_only = 1;
			check = optarg;
			break;
		case OPT_LISTEN:
			so.listen = optarg;
			break;
		case OPT_WORKERS:
			if (main_number(optarg, 1, SRV_WORKERS_MAX,
			    &so.workers) != 0) {
				fprintf(stderr, MAIN_IDENT ": --workers: "
				    "expected 1 to %d, got \"%s\"\n",
				    SRV_WORKERS_MAX, optarg);
				return 1;
			}
			break;
		case OPT_SOCKET_MODE:
			so.unix_mode = optarg;
			break;
		case OPT_WATCH:
			if (main_number(optarg, 0, MAIN_WATCH_MAX,
			    &sw.interval) != 0) {
				fprintf(stderr, MAIN_IDENT ": --watch-interval: "
				    "expected 0 to %d seconds, got \"%s\"\n",
				    MAIN_WATCH_MAX, optarg);
				return 1;
			}
			break;
		case OPT_LOG_LEVEL:
			if ((m.log_level = log_level_from_name(optarg)) < 0) {
				fprintf(stderr, MAIN_IDENT ": --log-level: "
				    "expected error, warn, info or debug, got "
				    "\"%s\"\n", optarg);
				return 1;
			}
			break;
		case OPT_SYSLOG:
			use_syslog = 1;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf(MAIN_IDENT " " PACKAGE_VERSION "\n");
			return 0;
		default:
			main_usage(stderr);
			return 1;
		}
	}
	/* "-t FILE" as well as "-tFILE" and "--check-config=FILE". */
	if (check_only && check == NULL && optind == argc - 1)
		check = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, MAIN_IDENT ": unexpected argument \"%s\"\n",
		    argv[optind]);
		main_usage(stderr);
		return 1;
	}
	if (check_only)
		return main_check(check != NULL ? check : m.path);
	log_init(MAIN_IDENT, m.log_level >= 0 ? (enum log_level)m.log_level :
	    LOG_LVL_INFO, use_syslog);
	msg.s[0] = '\0';
	if (mint_state_load(&m.state, m.path, &msg) != JF_OK) {
		fprintf(stderr, MAIN_IDENT ": %s\n", msg.s);
		return 1;
	}
	if (m.log_level < 0)
		log_set_level((enum log_level)m.state->conf->log_level);
	/* The registry named at start is watched (a copy: a reload frees
	 * the state); a reload that names another file serves it, but
	 * watching that one needs a restart. */
	if (sw.interval > 0) {
		if ((watch = strdup(m.state->conf->registry)) == NULL) {
			fprintf(stderr, MAIN_IDENT ": out of memory\n");
			mint_state_free(m.state);
			return 1;
		}
		sw.path = watch;
	}
	rc = srv_run_watch(&so, &ops, &sw);
	mint_state_free(m.state);
	free(watch);
	return rc;
}

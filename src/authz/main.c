/* main.c - jwt-authz.fcgi: options, configuration, then the server loop.
 *
 * The configuration is read once at start and refused whole if anything
 * in it is wrong; SIGHUP re-reads it and keeps the old one if the new
 * one fails.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "cfg.h"
#include "log.h"
#include "server.h"
#include "tcache.h"

#define MAIN_IDENT "jwt-authz.fcgi"
#define MAIN_DEFAULT_CONFIG SYSCONFDIR "/jwt-fcgi/authz.conf"
#define MAIN_DEFAULT_WORKERS 2

/* The process context handed to the server: one per process. */
struct main_ctx {
	struct cfg *cfg;
	struct tcache *tc;      /* verified tokens; new with each cfg */
	const char *path;
	int log_level;          /* from --log-level, else -1: the config's */
};

enum {
	OPT_LISTEN = 256,
	OPT_WORKERS,
	OPT_SOCKET_MODE,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
};

static const struct option main_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", optional_argument, NULL, 't' },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void main_usage(FILE *f);
static int main_workers(const char *s, int *out);
static void main_handle(void *ctx, struct req *r);
static void main_reload(void *ctx);
static int main_check(const char *path);

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: " MAIN_IDENT " [options]\n"
	    "Offline JWT bearer-token authorizer for FastCGI (authorizer or\n"
	    "responder role) and CGI.\n"
	    "\n"
	    "  -c, --config FILE        configuration (default: $JWT_AUTHZ_CONFIG,\n"
	    "                           else " MAIN_DEFAULT_CONFIG ")\n"
	    "  -t, --check-config[=FILE]\n"
	    "                           load the configuration and its keys,\n"
	    "                           print \"FILE: OK\" or the error, exit\n"
	    "      --listen ADDR        host:port, :port or a unix socket path\n"
	    "                           (default: the socket on fd 0, else CGI)\n"
	    "      --workers N          worker processes, 1..%d (default %d)\n"
	    "      --socket-mode MODE   octal mode of a unix socket (default 0660)\n"
	    "      --log-level LEVEL    error, warn, info or debug (default: the\n"
	    "                           configuration's log_level)\n"
	    "      --syslog             log to syslog (daemon) instead of stderr\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            print the version\n"
	    "\n"
	    "Signals: SIGHUP reloads the configuration, SIGTERM stops.\n"
	    "See jwt-authz.fcgi(8) and jwt-fcgi.conf(5).\n",
	    SRV_WORKERS_MAX, MAIN_DEFAULT_WORKERS);
}

static int
main_workers(const char *s, int *out)
{
	int v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > SRV_WORKERS_MAX)
			return -1;
	}
	if (v < 1)
		return -1;
	*out = v;
	return 0;
}

static void
main_handle(void *ctx, struct req *r)
{
	struct main_ctx *m = ctx;

	authz_handle(m->cfg, m->tc, r);
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
	cfg_free(m->cfg);
	m->cfg = c;
	/* Tokens verified under the old keys and rules are forgotten. */
	tcache_free(m->tc);
	m->tc = tcache_new(cfg_cache_entries(c));
	if (m->log_level < 0)
		log_set_level((enum log_level)cfg_log_level(c));
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
	struct srv_opts so = { .workers = MAIN_DEFAULT_WORKERS };
	struct srv_ops ops = { &m, main_handle, main_reload };
	struct jf_msg msg;
	const char *check = NULL;
	int opt, check_only = 0, use_syslog = 0, rc;

	m.path = getenv("JWT_AUTHZ_CONFIG");
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
			if (main_workers(optarg, &so.workers) != 0) {
				fprintf(stderr, MAIN_IDENT ": --workers: "
				    "expected 1 to %d, got \"%s\"\n",
				    SRV_WORKERS_MAX, optarg);
				return 1;
			}
			break;
		case OPT_SOCKET_MODE:
			so.unix_mode = optarg;
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
	if (cfg_load(&m.cfg, m.path, &msg) != JF_OK) {
		fprintf(stderr, MAIN_IDENT ": %s\n", msg.s);
		return 1;
	}
	if (m.log_level < 0)
		log_set_level((enum log_level)cfg_log_level(m.cfg));
	m.tc = tcache_new(cfg_cache_entries(m.cfg));
	rc = srv_run(&so, &ops);
	tcache_free(m.tc);
	cfg_free(m.cfg);
	return rc;
}

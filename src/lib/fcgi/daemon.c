/* daemon.c - the options both FastCGI programs take, parsed once.
 *
 * Messages name the program ("jwt-mint.fcgi: --workers: expected ...")
 * and a bad option exits 1, as scripts and the tests rely on; --help
 * text is assembled from the shared lines and the program's own.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "fcgi/daemon.h"
#include "util/log.h"
#include "util/num.h"

enum {
	OPT_LISTEN = 256,
	OPT_WORKERS,
	OPT_SOCKET_MODE,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
	OPT_UNSAFE_TCP,
	OPT_EXTRA,              /* OPT_EXTRA + i: info->extra[i] */
};

/* The extras go between these two: the order --help lists them in. */
static const struct option daemon_head[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", optional_argument, NULL, 't' },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "unsafe-allow-tcp", no_argument, NULL, OPT_UNSAFE_TCP },
};
static const struct option daemon_tail[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};
#define DAEMON_N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void daemon_usage(FILE *f, const struct daemon_info *info);
static int daemon_number(const struct daemon_info *info, const char *name,
	int lo, int hi, const char *unit, const char *arg, int *out);

static void
daemon_usage(FILE *f, const struct daemon_info *info)
{
	fprintf(f,
	    "usage: %s [options]\n"
	    "%s"
	    "\n"
	    "  -c, --config FILE        configuration (default: $%s,\n"
	    "                           else %s)\n"
	    "  -t, --check-config[=FILE]\n"
	    "%s"
	    "      --listen ADDR        %s\n"
	    "                           (default: the socket on fd 0, else CGI)\n"
	    "%s"
	    "      --workers N          worker processes, 1..%d (default %d)\n"
	    "      --socket-mode MODE   octal mode of a unix socket (default 0660)\n"
	    "%s"
	    "      --log-level LEVEL    error, warn, info or debug (default: the\n"
	    "                           configuration's log_level)\n"
	    "      --syslog             log to syslog (daemon) instead of stderr\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            print the version\n"
	    "\n"
	    "%s",
	    info->ident, info->about, info->env, info->config,
	    info->check_help, info->unix_only ? "a unix socket path" :
	    "host:port, :port or a unix socket path",
	    info->unix_only ?
	    "      --unsafe-allow-tcp   also accept a TCP socket (--listen\n"
	    "                           host:port, or on fd 0): any local user\n"
	    "                           could then pose as the web server\n" : "",
	    SRV_WORKERS_MAX, DAEMON_DEFAULT_WORKERS,
	    info->extra_help != NULL ? info->extra_help : "", info->tail);
}

/* "--NAME N" with N in lo..hi, else the error on stderr and -1. */
static int
daemon_number(const struct daemon_info *info, const char *name, int lo,
	int hi, const char *unit, const char *arg, int *out)
{
	long v;

	if (num_parse(arg, lo, hi, &v) != 0) {
		fprintf(stderr, "%s: --%s: expected %d to %d%s, got \"%s\"\n",
		    info->ident, name, lo, hi, unit, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
daemon_parse(struct daemon_opts *o, int argc, char **argv,
	const struct daemon_info *info)
{
	struct option opts[DAEMON_N(daemon_head) + DAEMON_EXTRA_MAX +
	    DAEMON_N(daemon_tail)];
	const struct daemon_num *x;
	int opt, i, n, n_extra, check_only = 0;

	n_extra = info->extra != NULL ? info->n_extra : 0;
	if (n_extra < 0 || n_extra > DAEMON_EXTRA_MAX) {
		fprintf(stderr, "%s: internal error: %d extra options\n",
		    info->ident, n_extra);
		return 1;
	}
	for (n = 0; n < DAEMON_N(daemon_head); n++)
		opts[n] = daemon_head[n];
	for (i = 0; i < n_extra; i++) {
		opts[n++] = (struct option){ info->extra[i].name,
		    required_argument, NULL, OPT_EXTRA + i };
		o->extra[i] = info->extra[i].def;
	}
	for (i = 0; i < DAEMON_N(daemon_tail); i++)
		opts[n++] = daemon_tail[i];

	o->check = NULL;
	o->srv = (struct srv_opts){ .workers = DAEMON_DEFAULT_WORKERS,
	    .tcp_ok = !info->unix_only };
	o->log_level = -1;
	o->use_syslog = 0;
	o->config = getenv(info->env);
	if (o->config == NULL || *o->config == '\0')
		o->config = info->config;
	while ((opt = getopt_long(argc, argv, "c:t::hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			check_only = 1;
			o->check = optarg;
			break;
		case OPT_LISTEN:
			o->srv.listen = optarg;
			break;
		case OPT_WORKERS:
			if (daemon_number(info, "workers", 1, SRV_WORKERS_MAX,
			    "", optarg, &o->srv.workers) != 0)
				return 1;
			break;
		case OPT_SOCKET_MODE:
			o->srv.unix_mode = optarg;
			break;
		case OPT_LOG_LEVEL:
			if ((o->log_level = log_level_from_name(optarg)) < 0) {
				fprintf(stderr, "%s: --log-level: expected error, "
				    "warn, info or debug, got \"%s\"\n",
				    info->ident, optarg);
				return 1;
			}
			break;
		case OPT_SYSLOG:
			o->use_syslog = 1;
			break;
		case OPT_UNSAFE_TCP:
			if (!info->unix_only) {
				fprintf(stderr, "%s: --unsafe-allow-tcp: TCP is "
				    "always allowed here\n", info->ident);
				return 1;
			}
			o->srv.tcp_ok = 1;
			break;
		case 'h':
			daemon_usage(stdout, info);
			return 0;
		case 'V':
			printf("%s " PACKAGE_VERSION "\n", info->ident);
			return 0;
		default:
			if (opt >= OPT_EXTRA && opt < OPT_EXTRA + n_extra) {
				x = &info->extra[opt - OPT_EXTRA];
				if (daemon_number(info, x->name, x->lo, x->hi,
				    x->unit, optarg,
				    &o->extra[opt - OPT_EXTRA]) != 0)
					return 1;
				break;
			}
			daemon_usage(stderr, info);
			return 1;
		}
	}
	/* "-t FILE" as well as "-tFILE" and "--check-config=FILE". */
	if (check_only && o->check == NULL && optind == argc - 1)
		o->check = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n",
		    info->ident, argv[optind]);
		daemon_usage(stderr, info);
		return 1;
	}
	if (check_only && o->check == NULL)
		o->check = o->config;
	return DAEMON_GO_ON;
}

void
daemon_log_init(const struct daemon_opts *o, const struct daemon_info *info)
{
	log_init(info->ident, o->log_level >= 0 ?
	    (enum log_level)o->log_level : LOG_LVL_INFO, o->use_syslog);
}

void
daemon_log_level(int cli_level, int conf_level)
{
	if (cli_level < 0)
		log_set_level((enum log_level)conf_level);
}

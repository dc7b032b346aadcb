/* daemon.h - the command line and start-up shared by jwt-authz.fcgi and
 * jwt-mint.fcgi.
 *
 * Both take the same options (-c, -t, --listen, --workers, --socket-mode,
 * --log-level, --syslog, -h, -V; --unsafe-allow-tcp where TCP is refused) with the same messages and exit codes;
 * what differs is named in a struct daemon_info: the program, where its
 * configuration is, the prose of its --help, and a few extra numeric
 * options (the mint's --watch-interval).
 */
#ifndef JF_DAEMON_H
#define JF_DAEMON_H

#include "fcgi/server.h"

#define DAEMON_DEFAULT_WORKERS 2
#define DAEMON_EXTRA_MAX 4      /* extra options a program may add */
#define DAEMON_GO_ON (-1)       /* daemon_parse: not an exit status */

/* An extra option "--NAME N" taking a decimal integer lo..hi. */
struct daemon_num {
	const char *name;       /* without the leading "--" */
	int lo, hi;
	int def;                /* when the option is not given */
	const char *unit;       /* after "expected lo to hi" in the error,
	                         * e.g. " seconds", or "" */
};

struct daemon_info {
	const char *ident;      /* program name: messages, log, --version */
	const char *env;        /* variable naming the configuration */
	const char *config;     /* the configuration when env is unset */
	/* --help, each whole lines ending in "\n": */
	const char *about;      /* what the program is, after "usage:" */
	const char *check_help; /* what -t does, indented to column 27 */
	const char *extra_help; /* the extra options, after --socket-mode */
	const char *tail;       /* signals and man pages, at the end */
	const struct daemon_num *extra;  /* may be NULL */
	int n_extra;            /* 0..DAEMON_EXTRA_MAX */
	/* 1: a TCP socket (--listen host:port, or on fd 0) is refused
	 * unless --unsafe-allow-tcp is given (the mint: whoever reaches
	 * its socket can claim a verified certificate). 0: allowed. */
	int unix_only;
};

struct daemon_opts {
	const char *config;     /* -c, else $env, else info->config */
	const char *check;      /* -t: the file to check, else NULL */
	struct srv_opts srv;    /* --listen, --workers, --socket-mode */
	int log_level;          /* --log-level, else -1: the config's */
	int use_syslog;         /* --syslog */
	int extra[DAEMON_EXTRA_MAX];  /* info->extra[i]'s value */
};

/* Parses argv into *o. Returns DAEMON_GO_ON to start (or to check, when
 * o->check is set), else the status to exit with: 0 after --help or
 * --version, 1 after a bad option, its message already on stderr. The
 * strings in *o point into argv and info. Uses getopt_long: call once. */
int daemon_parse(struct daemon_opts *o, int argc, char **argv,
	const struct daemon_info *info);

/* Starts logging under info->ident at --log-level, else info. */
void daemon_log_init(const struct daemon_opts *o,
	const struct daemon_info *info);

/* After loading a configuration: its log_level applies unless
 * --log-level was given (cli_level >= 0). */
void daemon_log_level(int cli_level, int conf_level);

#endif

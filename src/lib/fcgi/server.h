/* server.h - the process model shared by jwt-authz.fcgi and jwt-mint.fcgi.
 *
 * libfcgi lingers on close, so one process serialises clients: a
 * supervisor pre-forks `workers` processes that all accept on one
 * listening socket and replaces any that die. The socket is --listen
 * (host:port, :port, or a unix socket path), or fd 0 when a web server
 * or spawn-fcgi started us with the socket there. When fd 0 is not a
 * socket and there is no --listen, we run one CGI request and exit.
 *
 * Signals: SIGTERM/SIGINT (and SIGUSR1, libfcgi's graceful stop) stop:
 * workers finish their current request, and any still busy after 10 s
 * are killed. SIGHUP makes each worker call ops->reload between requests,
 * and the supervisor too, so that workers it forks later start with the
 * new configuration. A worker that dies is replaced, with a growing delay
 * while they keep dying within a second of starting.
 */
#ifndef JF_SERVER_H
#define JF_SERVER_H

#include "fcgi/req.h"

#define SRV_WORKERS_MAX 256

struct srv_opts {
	const char *listen;     /* NULL: fd 0 or CGI */
	int workers;            /* >= 1 */
	int backlog;            /* 0: 1024 */
	const char *unix_mode;  /* octal mode for a unix socket, NULL: 0660 */
	/* 0: refuse to serve on a TCP socket (--listen host:port, or one
	 * passed on fd 0): anyone on the host can connect to one, and a
	 * FastCGI peer can claim to be the web server. */
	int tcp_ok;
};

/* Who is on the other end of a unix socket connection (SO_PEERCRED,
 * SO_PEERGROUPS): the credentials of the process that connected. */
#define SRV_PEER_GROUPS_MAX 64
struct srv_peer {
	long pid;
	unsigned uid;
	unsigned gid;
	unsigned groups[SRV_PEER_GROUPS_MAX];   /* supplementary, if known */
	int ngroups;                            /* -1: unknown */
};

/* Files (the mint's registry and key set) whose change acts as a
 * SIGHUP: the supervisor stat()s each every `interval` seconds (0: 2)
 * and a different mtime, size or inode of any reloads the supervisor and
 * the workers once. */
#define SRV_WATCH_MAX 4
struct srv_watch {
	const char *path[SRV_WATCH_MAX];        /* NULL: none (from there) */
	int interval;
};

struct srv_bg;

struct srv_ops {
	void *ctx;
	/* Answers one request; the server then calls req_finish(). */
	void (*handle)(void *ctx, struct req *r);
	/* Re-reads configuration in a worker; keeps the old one on failure. */
	void (*reload)(void *ctx);
	/* NULL, or asked before every request on a unix socket: 1 serves
	 * it, 0 refuses it at the FastCGI level (403, a FastCGI stderr
	 * record, the connection closed) without calling handle; the
	 * callback logs why. A peer whose credentials cannot be read is
	 * refused without asking. */
	int (*peer_ok)(void *ctx, const struct srv_peer *p);
	/* NULL, or the body of one more process the supervisor keeps
	 * running beside the workers (re-forked when it dies), which serves
	 * no request: the authorizer's key fetcher. It loops on
	 * srv_bg_wait and returns when that says stop. */
	void (*background)(void *ctx, struct srv_bg *bg);
};

/* In the background process: waits up to ms for fd to be readable (fd
 * -1: no fd) or a signal. 1: fd readable; 0: time up, or a SIGHUP was
 * handled (ops->reload ran: plan again); -1: stop now. */
int srv_bg_wait(struct srv_bg *bg, int fd, long ms);

/* Runs until stopped; returns the process exit status. */
int srv_run(const struct srv_opts *o, const struct srv_ops *ops);
/* srv_run, also reloading when a w->path changes (w may be NULL). */
int srv_run_watch(const struct srv_opts *o, const struct srv_ops *ops,
	const struct srv_watch *w);

#endif

/* server.c - a supervisor and pre-forked FastCGI workers, or one CGI run.
 *
 * Signals never interrupt a request: workers keep SIGTERM, SIGINT and
 * SIGHUP blocked and unblock them only while waiting in ppoll() for the
 * next connection, so "stop" and "reload" are acted on between requests
 * and a signal that arrives just before the wait is not lost. The
 * listening socket is non-blocking, so a worker that loses the race for
 * a connection to another worker goes back to waiting instead of
 * sleeping in accept() with signals blocked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "fcgi/req-int.h"
#include "fcgi/server.h"

#define SRV_BACKLOG_DEFAULT 1024
#define SRV_STOP_GRACE_MS 10000         /* then SIGKILL */
#define SRV_QUICK_DEATH_MS 1000         /* a worker dying sooner is failing */
#define SRV_BACKOFF_MAX_MS 10000
#define SRV_WATCH_DEFAULT_S 2

/* The only mutable globals: what the signal handlers saw. */
static volatile sig_atomic_t srv_got_term;
static volatile sig_atomic_t srv_got_hup;

struct srv_worker {
	pid_t pid;              /* 0: not running */
	long long started;      /* ms, monotonic */
	long long due;          /* ms: when to start it again */
};

struct srv {
	const struct srv_opts *o;
	const struct srv_ops *ops;
	const struct srv_watch *watch;  /* NULL: none */
	int lsock;
	int peer_check;         /* 1: ask ops->peer_ok (unix socket) */
	pid_t parent;
	unsigned fails;         /* workers in a row that died quickly */
	sigset_t waitmask;      /* the blocked mask minus our signals */
	struct stat wst[SRV_WATCH_MAX]; /* each watched file as last seen */
	int wseen[SRV_WATCH_MAX];       /* 1: wst[i] is valid */
	long long wnext;        /* ms: when to stat it again */
	int nproc;              /* workers, plus the background process */
	struct srv_worker w[SRV_WORKERS_MAX + 1];
};

/* What srv_bg_wait needs of the background process. */
struct srv_bg {
	struct srv *s;
};

static void srv_on_term(int sig);
static void srv_on_hup(int sig);
static void srv_on_chld(int sig);
static long long srv_now_ms(void);
static int srv_parse_tcp(const char *addr, struct sockaddr_in *sin);
static int srv_open(const struct srv_opts *o);
static int srv_fd_is_tcp(int fd);
static int srv_peer(int fd, struct srv_peer *p);
static void srv_refuse_peer(FCGX_Request *fx);
static int srv_signals(struct srv *s);
static int srv_cgi(const struct srv_ops *ops);
static void srv_worker_main(struct srv *s) __attribute__((noreturn));
static void srv_bg_main(struct srv *s) __attribute__((noreturn));
static void srv_child_init(struct srv *s);
static int srv_spawn(struct srv *s, int i);
static int srv_reap(struct srv *s, int stopping);
static void srv_stop(struct srv *s);
static int srv_watch_changed(struct srv *s, int i);

static void
srv_on_term(int sig)
{
	(void)sig;
	srv_got_term = 1;
}

static void
srv_on_hup(int sig)
{
	(void)sig;
	srv_got_hup = 1;
}

/* Only there so that SIGCHLD interrupts the supervisor's ppoll(). */
static void
srv_on_chld(int sig)
{
	(void)sig;
}

static long long
srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "host:port" (IPv4) into sin, else -1 with the reason logged. ":port"
 * and "*:port" mean every address. */
static int
srv_parse_tcp(const char *addr, struct sockaddr_in *sin)
{
	const char *colon = strrchr(addr, ':'), *p;
	struct addrinfo hints, *res = NULL;
	char host[256];
	size_t hl;
	long port = 0;
	int rc;

	if (addr[0] == '[' || strchr(addr, ':') != colon) {
		log_error("--listen %s: IPv6 is not supported by libfcgi; "
		    "use an IPv4 address or a unix socket", addr);
		return -1;
	}
	for (p = colon + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	if (p == colon + 1 || *p != '\0' || port < 1 || port > 65535) {
		log_error("--listen %s: expected host:port with a port from 1 "
		    "to 65535", addr);
		return -1;
	}
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	hl = (size_t)(colon - addr);
	if (hl == 0 || (hl == 1 && addr[0] == '*'))
		return 0;
	if (hl >= sizeof(host)) {
		log_error("--listen %s: host name too long", addr);
		return -1;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		log_error("--listen %s: %s has no IPv4 address: %s", addr,
		    host, gai_strerror(rc));
		return -1;
	}
	sin->sin_addr = ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

/* A listening socket of our own, not libfcgi's FCGX_OpenSocket: that
 * one exit()s with errno as the status on a busy port (the man page
 * promises 1), atoi()s the port, unlinks whatever file is at a unix
 * path and creates the socket with the umask's mode, connectable by
 * anyone until a chmod afterwards. Here the umask around bind() gives
 * the socket its final mode at birth. */
static int
srv_open(const struct srv_opts *o)
{
	const char *addr = o->listen;
	struct sockaddr_un un;
	struct sockaddr_in sin;
	struct stat st;
	mode_t mode = 0660, old;
	char *end;
	int fd = -1, one = 1, rc, e;
	int backlog = o->backlog > 0 ? o->backlog : SRV_BACKLOG_DEFAULT;

	if (o->unix_mode != NULL) {
		unsigned long v = strtoul(o->unix_mode, &end, 8);

		if (*o->unix_mode == '\0' || *end != '\0' || v > 0777) {
			log_error("--socket-mode %s: expected an octal mode "
			    "0000..0777", o->unix_mode);
			return -1;
		}
		mode = (mode_t)v;
	}
	if (strchr(addr, ':') != NULL) {
		if (!o->tcp_ok) {
			log_error("--listen %s: refusing a TCP socket: anyone "
			    "on this host could connect and pose as the web "
			    "server; use a unix socket path", addr);
			return -1;
		}
		if (srv_parse_tcp(addr, &sin) != 0)
			return -1;
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) != 0)
			goto fail;
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			e = errno;
			log_error("--listen %s: cannot bind: %s", addr,
			    strerror(e));
			close(fd);
			return -1;
		}
	} else {
		if (*addr == '\0' || strlen(addr) >= sizeof(un.sun_path)) {
			log_error("--listen %s: unix socket path empty or too "
			    "long (at most %zu bytes)", addr,
			    sizeof(un.sun_path) - 1);
			return -1;
		}
		if (lstat(addr, &st) == 0) {
			if (!S_ISSOCK(st.st_mode)) {
				log_error("--listen %s: exists and is not a "
				    "socket", addr);
				return -1;
			}
			/* A stale socket of an earlier run goes; a live
			 * one (something accepts on it) is not taken over. */
			memset(&un, 0, sizeof(un));
			un.sun_family = AF_UNIX;
			memcpy(un.sun_path, addr, strlen(addr) + 1);
			if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
				goto fail;
			rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
			close(fd);
			fd = -1;
			if (rc == 0) {
				log_error("--listen %s: cannot bind: another "
				    "program is listening there", addr);
				return -1;
			}
			if (unlink(addr) != 0) {
				log_error("--listen %s: cannot remove the old "
				    "socket: %s", addr, strerror(errno));
				return -1;
			}
		}
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		memcpy(un.sun_path, addr, strlen(addr) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			goto fail;
		old = umask(0777 & ~mode);
		rc = bind(fd, (struct sockaddr *)&un, sizeof(un));
		e = errno;
		umask(old);
		if (rc != 0) {
			log_error("--listen %s: cannot bind: %s", addr,
			    strerror(e));
			close(fd);
			return -1;
		}
	}
	if (listen(fd, backlog) != 0)
		goto fail;
	return fd;
fail:
	log_error("--listen %s: cannot open socket: %s", addr,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The family of a socket passed on fd 0, for the TCP refusal. */
static int
srv_fd_is_tcp(int fd)
{
	struct sockaddr_storage ss;
	socklen_t n = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &n) != 0)
		return 0;
	return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

/* The connecting process's credentials: pid, uid and gid from
 * SO_PEERCRED (what it had at connect()), its supplementary groups from
 * SO_PEERGROUPS (Linux 4.13; ngroups -1 where unknown). */
static int
srv_peer(int fd, struct srv_peer *p)
{
	struct ucred uc;
	gid_t g[SRV_PEER_GROUPS_MAX];
	socklen_t n = sizeof(uc);
	int i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &n) != 0 ||
	    n != sizeof(uc))
		return -1;
	p->pid = (long)uc.pid;
	p->uid = (unsigned)uc.uid;
	p->gid = (unsigned)uc.gid;
	p->ngroups = -1;
#ifdef SO_PEERGROUPS
	n = sizeof(g);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &n) == 0) {
		p->ngroups = (int)(n / sizeof(g[0]));
		for (i = 0; i < p->ngroups; i++)
			p->groups[i] = (unsigned)g[i];
	}
#else
	(void)g;
	(void)i;
#endif
	return 0;
}

/* A refused peer gets no answer of the program's: a 403 and a FastCGI
 * stderr record (the web server logs it), and the connection is closed
 * when the request ends. */
static void
srv_refuse_peer(FCGX_Request *fx)
{
	static const char msg[] = "Status: 403 Forbidden\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "this FastCGI peer may not use this program\n";

	fx->keepConnection = 0;
	FCGX_PutS("peer refused: its uid and groups are not allowed "
	    "(see the program's log)\n", fx->err);
	FCGX_PutStr(msg, (int)sizeof(msg) - 1, fx->out);
	FCGX_SetExitStatus(1, fx->out);
	FCGX_Finish_r(fx);
}

/* Blocks our signals for good (they are let in only inside ppoll) and
 * installs the handlers, without SA_RESTART so ppoll returns EINTR. */
static int
srv_signals(struct srv *s)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
		SIGCHLD };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &block, &s->waitmask) != 0)
		return -1;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(&s->waitmask, sigs[i]);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* SIGUSR1 is libfcgi's "graceful stop"; its own handler would make
	 * accept fail forever, so it means SIGTERM here. */
	sa.sa_handler = srv_on_term;
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGUSR1, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = srv_on_hup;
	if (sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = srv_on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) != 0)
		return -1;
	return 0;
}

static int
srv_cgi(const struct srv_ops *ops)
{
	struct req *r;

	if ((r = req_new(NULL)) == NULL) {
		log_error("out of memory");
		return 1;
	}
	ops->handle(ops->ctx, r);
	req_finish(r);
	req_free(r);
	return 0;
}

/* In a new child, worker or background. */
static void
srv_child_init(struct srv *s)
{
	struct sigaction sa;

	/* The supervisor may be killed without a chance to pass SIGTERM on
	 * (lighttpd only signals the pid it spawned; kill -9): follow it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != s->parent)
		_exit(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	srv_got_term = srv_got_hup = 0;
}

/* The background process: no socket, only ops->background, which loops
 * in srv_bg_wait until that says stop. */
static void
srv_bg_main(struct srv *s)
{
	struct srv_bg bg = { s };

	srv_child_init(s);
	if (s->lsock > 0)
		close(s->lsock);
	s->ops->background(s->ops->ctx, &bg);
	exit(0);
}

int
srv_bg_wait(struct srv_bg *bg, int fd, long ms)
{
	struct srv *s = bg->s;
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct timespec ts;
	int n;

	for (;;) {
		if (srv_got_term)
			return -1;
		if (srv_got_hup) {
			srv_got_hup = 0;
			if (s->ops->reload != NULL)
				s->ops->reload(s->ops->ctx);
			return 0;       /* the caller re-plans with the new state */
		}
		if (ms < 0)
			ms = 0;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000;
		n = ppoll(fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0, &ts,
		    &s->waitmask);
		if (n < 0 && errno == EINTR)
			continue;
		if (srv_got_term)
			return -1;
		return n > 0 ? 1 : 0;
	}
}

static void
srv_worker_main(struct srv *s)
{
	FCGX_Request fx;
	struct req *r = NULL;
	struct pollfd pfd;
	sigset_t pend;
	int rc, status = 1;

	srv_child_init(s);
	if (FCGX_InitRequest(&fx, s->lsock, 0) != 0 ||
	    (r = req_new(&fx)) == NULL) {
		log_error("worker %ld: out of memory", (long)getpid());
		goto out;
	}
	for (;;) {
		if (srv_got_term)
			break;
		if (srv_got_hup) {
			srv_got_hup = 0;
			if (s->ops->reload != NULL)
				s->ops->reload(s->ops->ctx);
		}
		/* With FCGI_KEEP_CONN (nginx fastcgi_keep_conn) the next
		 * request comes on the open connection, not the listener.
		 * ipcFd is below libfcgi's "don't use" line but has been
		 * stable since 2.4.0 and is the only way to know. */
		pfd.fd = fx.ipcFd >= 0 ? fx.ipcFd : s->lsock;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (ppoll(&pfd, 1, NULL, &s->waitmask) < 0) {
			if (errno == EINTR)
				continue;
			log_error("worker %ld: poll: %s", (long)getpid(),
			    strerror(errno));
			goto out;
		}
		/* A stop that came in with the connection wins. When an fd
		 * is ready ppoll returns it and leaves a signal that arrived
		 * meanwhile pending (blocked again), so ask. */
		if (sigpending(&pend) == 0 && (sigismember(&pend, SIGTERM) ||
		    sigismember(&pend, SIGINT) || sigismember(&pend, SIGUSR1)))
			break;
		rc = FCGX_Accept_r(&fx);
		if (rc < 0) {
			/* Another worker took the connection, or it closed. */
			if (rc == -EAGAIN || rc == -EWOULDBLOCK ||
			    rc == -EINTR)
				continue;
			log_error("worker %ld: accept failed (%d: %s)",
			    (long)getpid(), rc, rc > -4096 ? strerror(-rc) :
			    "libfcgi error");
			goto out;
		}
		if (s->peer_check) {
			struct srv_peer peer;

			if (srv_peer(fx.ipcFd, &peer) != 0) {
				log_error("refused a request: cannot read the "
				    "peer's credentials: %s", strerror(errno));
				srv_refuse_peer(&fx);
				continue;
			}
			if (!s->ops->peer_ok(s->ops->ctx, &peer)) {
				srv_refuse_peer(&fx);
				continue;
			}
		}
		req_reset(r);
		s->ops->handle(s->ops->ctx, r);
		req_finish(r);
	}
	status = 0;
out:
	req_free(r);
	exit(status);
}

static int
srv_spawn(struct srv *s, int i)
{
	pid_t pid;

	fflush(NULL);   /* or the child would write the parent's buffers */
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (i == s->o->workers)
			srv_bg_main(s);
		srv_worker_main(s);
	}
	s->w[i].pid = pid;
	s->w[i].started = srv_now_ms();
	return 0;
}

/* Collects exited workers; schedules their restart with a back-off that
 * grows while they keep dying young, so a crash loop does not spin.
 * Returns how many are still running. */
static int
srv_reap(struct srv *s, int stopping)
{
	long long now = srv_now_ms(), delay;
	int i, st, running = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < s->nproc; i++)
			if (s->w[i].pid == pid)
				break;
		if (i == s->nproc)
			continue;
		s->w[i].pid = 0;
		if (stopping)
			continue;
		if (now - s->w[i].started < SRV_QUICK_DEATH_MS)
			s->fails++;
		else
			s->fails = 0;
		delay = 0;
		if (s->fails > 0) {
			delay = 100LL << (s->fails > 8 ? 8 : s->fails - 1);
			if (delay > SRV_BACKOFF_MAX_MS)
				delay = SRV_BACKOFF_MAX_MS;
		}
		s->w[i].due = now + delay;
		if (WIFSIGNALED(st))
			log_error("worker %ld killed by signal %d; restarting "
			    "in %lld ms", (long)pid, WTERMSIG(st), delay);
		else
			log_warn("worker %ld exited with status %d; "
			    "restarting in %lld ms", (long)pid,
			    WEXITSTATUS(st), delay);
	}
	for (i = 0; i < s->nproc; i++)
		if (s->w[i].pid != 0)
			running++;
	return running;
}

static void
srv_stop(struct srv *s)
{
	long long deadline = srv_now_ms() + SRV_STOP_GRACE_MS, now;
	struct timespec ts;
	int i;

	for (i = 0; i < s->nproc; i++)
		if (s->w[i].pid != 0)
			kill(s->w[i].pid, SIGTERM);
	while (srv_reap(s, 1) > 0 && (now = srv_now_ms()) < deadline) {
		ts.tv_sec = (deadline - now) / 1000;
		ts.tv_nsec = (deadline - now) % 1000 * 1000000;
		ppoll(NULL, 0, &ts, &s->waitmask);
	}
	for (i = 0; i < s->nproc; i++)
		if (s->w[i].pid != 0) {
			log_error("worker %ld did not stop in %d ms; killing "
			    "it", (long)s->w[i].pid, SRV_STOP_GRACE_MS);
			kill(s->w[i].pid, SIGKILL);
			waitpid(s->w[i].pid, NULL, 0);
			s->w[i].pid = 0;
		}
}

/* 1 when watched file i differs from the last look: another inode
 * (it was replaced by a rename), size or mtime, or it came back after it
 * could not be read. A reload of a half-written file fails and keeps
 * the old state; the writer's next write changes the file again. */
static int
srv_watch_changed(struct srv *s, int i)
{
	struct stat st;
	int was = s->wseen[i];

	if (stat(s->watch->path[i], &st) != 0) {
		if (was)
			log_warn("watch %s: %s; still serving what was loaded",
			    s->watch->path[i], strerror(errno));
		s->wseen[i] = 0;
		return 0;
	}
	s->wseen[i] = 1;
	if (was && st.st_ino == s->wst[i].st_ino &&
	    st.st_dev == s->wst[i].st_dev &&
	    st.st_size == s->wst[i].st_size &&
	    st.st_mtim.tv_sec == s->wst[i].st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == s->wst[i].st_mtim.tv_nsec)
		return 0;
	s->wst[i] = st;
	return 1;
}

int
srv_run(const struct srv_opts *o, const struct srv_ops *ops)
{
	return srv_run_watch(o, ops, NULL);
}

int
srv_run_watch(const struct srv_opts *o, const struct srv_ops *ops,
	const struct srv_watch *w)
{
	struct srv s;
	struct timespec ts, *tp;
	long long now, next, wevery;
	int i, fl;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.ops = ops;
	s.watch = w != NULL && w->path[0] != NULL ? w : NULL;
	s.lsock = -1;
	signal(SIGPIPE, SIG_IGN);       /* a web server hanging up is EPIPE */
	if (o->workers < 1 || o->workers > SRV_WORKERS_MAX) {
		log_error("workers: expected 1 to %d, got %d",
		    SRV_WORKERS_MAX, o->workers);
		return 1;
	}
	if (FCGX_Init() != 0) {
		log_error("cannot initialise libfcgi");
		return 1;
	}
	if (o->listen != NULL) {
		if ((s.lsock = srv_open(o)) < 0)
			return 1;
	} else if (FCGX_IsCGI()) {
		return srv_cgi(ops);
	} else {
		s.lsock = 0;    /* lighttpd bin-path, systemd, spawn-fcgi */
		if (srv_fd_is_tcp(0) && !o->tcp_ok) {
			log_error("refusing the TCP socket on fd 0: anyone on "
			    "this host could connect and pose as the web "
			    "server; pass a unix socket");
			return 1;
		}
	}
	if (srv_fd_is_tcp(s.lsock)) {
		if (ops->peer_ok != NULL)
			log_warn("serving on a TCP socket: any local user (or "
			    "a forged request through another local service) "
			    "can reach this program, and its peers cannot be "
			    "checked");
	} else {
		s.peer_check = ops->peer_ok != NULL;
	}
	fl = fcntl(s.lsock, F_GETFL);
	if (fl < 0 || fcntl(s.lsock, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    srv_signals(&s) != 0) {
		log_error("cannot set up socket or signals: %s",
		    strerror(errno));
		goto out;
	}
	s.parent = getpid();
	s.nproc = o->workers + (ops->background != NULL ? 1 : 0);
	wevery = (s.watch != NULL && s.watch->interval > 0 ?
	    s.watch->interval : SRV_WATCH_DEFAULT_S) * 1000LL;
	if (s.watch != NULL) {
		/* The state loaded before srv_run is what the files held. */
		for (i = 0; i < SRV_WATCH_MAX && s.watch->path[i]; i++) {
			srv_watch_changed(&s, i);
			log_info("watching %s every %lld s", s.watch->path[i],
			    wevery / 1000);
		}
		s.wnext = srv_now_ms() + wevery;
	}
	log_info("starting %d worker%s on %s", o->workers,
	    o->workers == 1 ? "" : "s",
	    o->listen != NULL ? o->listen : "the socket on fd 0");
	for (;;) {
		srv_reap(&s, 0);
		if (srv_got_term)
			break;
		if (s.watch != NULL && srv_now_ms() >= s.wnext) {
			s.wnext = srv_now_ms() + wevery;
			for (i = 0; i < SRV_WATCH_MAX && s.watch->path[i]; i++)
				if (srv_watch_changed(&s, i)) {
					log_info("%s changed; reloading",
					    s.watch->path[i]);
					srv_got_hup = 1;
				}
		}
		if (srv_got_hup) {
			srv_got_hup = 0;
			/* Reload here too, or a worker forked later would
			 * start with the old configuration. */
			if (ops->reload != NULL)
				ops->reload(ops->ctx);
			for (i = 0; i < s.nproc; i++)
				if (s.w[i].pid != 0)
					kill(s.w[i].pid, SIGHUP);
		}
		now = srv_now_ms();
		next = -1;
		for (i = 0; i < s.nproc; i++) {
			if (s.w[i].pid != 0)
				continue;
			if (s.w[i].due <= now && srv_spawn(&s, i) == 0)
				continue;
			if (s.w[i].due <= now)  /* fork failed */
				s.w[i].due = now + 1000;
			if (next < 0 || s.w[i].due < next)
				next = s.w[i].due;
		}
		if (s.watch != NULL && (next < 0 || s.wnext < next))
			next = s.wnext;
		if (next >= 0 && next < now)
			next = now;
		tp = NULL;
		if (next >= 0) {
			ts.tv_sec = (next - now) / 1000;
			ts.tv_nsec = (next - now) % 1000 * 1000000;
			tp = &ts;
		}
		ppoll(NULL, 0, tp, &s.waitmask);
	}
	log_info("stopping");
	srv_stop(&s);
out:
	if (o->listen != NULL && strchr(o->listen, ':') == NULL)
		unlink(o->listen);
	if (s.lsock > 0)
		close(s.lsock);
	return srv_got_term ? 0 : 1;
}

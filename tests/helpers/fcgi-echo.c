/* fcgi-echo - a FastCGI test backend.
 *
 * Default mode: a responder that answers 200 application/json with an
 * object of every CGI variable named JWT_* or HTTP_*, plus REQUEST_URI,
 * REQUEST_METHOD, REMOTE_USER and SSL_CLIENT_CERT, so a test sees exactly
 * what reached the backend (duplicates included, in the order received).
 *
 * --allow: answers 200 with no body in any role: the trivial authorizer
 * that benchmarks compare jwt-authz.fcgi against.
 *
 * --log FILE: appends "ROLE METHOD URI" to FILE for every request, so a
 * test can prove the backend was (or was not) reached.
 *
 * --listen ADDR ("host:port", ":port" or a unix path) opens its own
 * socket; without it the listening socket is fd 0 (lighttpd bin-path,
 * spawn-fcgi).
 *
 * --procs N: N processes accept on the socket (the first and N - 1
 * children that stop when it does), so a benchmark can set it beside an
 * authorizer with as many workers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcgiapp.h>

/* A line of the --log file is cut at this length: enough for any test. */
#define ECHO_LOG_LINE_MAX 2048

struct echo_opts {
	int allow;
	const char *listen;
	const char *log;
	int procs;
};

static int echo_parse_args(struct echo_opts *o, int argc, char **argv);
static int echo_open_socket(const struct echo_opts *o);
static void echo_log(const char *path, FCGX_ParamArray envp);
static int echo_wanted(const char *name, size_t len);
static void echo_json_str(FCGX_Stream *out, const char *s, size_t len);
static size_t echo_utf8_len(const unsigned char *s, size_t left);
static void echo_respond(FCGX_Request *rq);

static void
usage(FILE *f)
{
	fputs("usage: fcgi-echo [--allow] [--listen ADDR] [--log FILE] "
	    "[--procs N]\n", f);
}

static int
echo_parse_args(struct echo_opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--allow") == 0) {
			o->allow = 1;
		} else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			o->listen = argv[++i];
		} else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
			o->log = argv[++i];
		} else if (strcmp(argv[i], "--procs") == 0 && i + 1 < argc) {
			o->procs = atoi(argv[++i]);
			if (o->procs < 1 || o->procs > 64) {
				fputs("fcgi-echo: --procs 1..64\n", stderr);
				return -1;
			}
		} else {
			fprintf(stderr, "fcgi-echo: unknown argument: %s\n",
			    argv[i]);
			return -1;
		}
	}
	return 0;
}

static int
echo_open_socket(const struct echo_opts *o)
{
	int fd, type;
	socklen_t len = sizeof(type);

	if (o->listen != NULL) {
		fd = FCGX_OpenSocket(o->listen, 128);
		if (fd < 0)
			fprintf(stderr, "fcgi-echo: cannot listen on %s\n",
			    o->listen);
		return fd;
	}
	/* Without --listen the server must have handed us a socket on fd 0;
	 * anything else would make FCGX_Accept_r fail on the first call. */
	if (getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
		fputs("fcgi-echo: fd 0 is not a socket; use --listen\n",
		    stderr);
		return -1;
	}
	return 0;
}

static void
echo_log(const char *path, FCGX_ParamArray envp)
{
	char line[ECHO_LOG_LINE_MAX];
	const char *role = FCGX_GetParam("FCGI_ROLE", envp);
	const char *method = FCGX_GetParam("REQUEST_METHOD", envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", envp);
	int n, fd;

	n = snprintf(line, sizeof(line) - 1, "%s %s %s",
	    role ? role : "RESPONDER", method ? method : "-", uri ? uri : "-");
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;   /* cut, keep room for the newline */
	line[n++] = '\n';
	/* Opened per request with O_APPEND so that concurrent processes
	 * write whole lines and a test may truncate the file between cases. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "fcgi-echo: %s: short write\n", path);
	close(fd);
}

static int
echo_wanted(const char *name, size_t len)
{
	return (len >= 4 && strncmp(name, "JWT_", 4) == 0) ||
	    (len >= 5 && strncmp(name, "HTTP_", 5) == 0) ||
	    (len == 11 && strncmp(name, "REQUEST_URI", 11) == 0) ||
	    (len == 14 && strncmp(name, "REQUEST_METHOD", 14) == 0) ||
	    (len == 11 && strncmp(name, "REMOTE_USER", 11) == 0) ||
	    (len == 15 && strncmp(name, "SSL_CLIENT_CERT", 15) == 0);
}

/* Length of the valid UTF-8 sequence at s (at most left bytes), or 0 when
 * the bytes there are not one: overlongs, surrogates and values past
 * U+10FFFF are rejected, as RFC 3629 requires. */
static size_t
echo_utf8_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Writes s as a JSON string. Bytes that are not valid UTF-8 are written
 * as \u00XX (their Latin-1 reading) so the output always parses. */
static void
echo_json_str(FCGX_Stream *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	char esc[8];

	FCGX_PutChar('"', out);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			FCGX_PutStr(esc, 2, out);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			FCGX_PutStr(esc, 6, out);
			i++;
		} else if ((n = echo_utf8_len(p + i, len - i)) == 0) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			FCGX_PutStr(esc, 6, out);
			i++;
		} else {
			FCGX_PutStr((const char *)p + i, (int)n, out);
			i += n;
		}
	}
	FCGX_PutChar('"', out);
}

static void
echo_respond(FCGX_Request *rq)
{
	char **e;
	const char *eq;
	int first = 1;

	FCGX_PutS("Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n\r\n{", rq->out);
	for (e = rq->envp; e != NULL && *e != NULL; e++) {
		eq = strchr(*e, '=');
		if (eq == NULL || !echo_wanted(*e, (size_t)(eq - *e)))
			continue;
		if (!first)
			FCGX_PutChar(',', rq->out);
		first = 0;
		echo_json_str(rq->out, *e, (size_t)(eq - *e));
		FCGX_PutChar(':', rq->out);
		echo_json_str(rq->out, eq + 1, strlen(eq + 1));
	}
	FCGX_PutS("}\n", rq->out);
}

int
main(int argc, char **argv)
{
	struct echo_opts o;
	FCGX_Request rq;
	int fd, i;

	if (echo_parse_args(&o, argc, argv) != 0) {
		usage(stderr);
		return 2;
	}
	if (FCGX_Init() != 0) {
		fputs("fcgi-echo: FCGX_Init failed\n", stderr);
		return 1;
	}
	if ((fd = echo_open_socket(&o)) < 0)
		return 1;
	for (i = 1; i < o.procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
				_exit(1);
			break;
		}
	}
	if (FCGX_InitRequest(&rq, fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&rq) >= 0) {
		if (o.log != NULL)
			echo_log(o.log, rq.envp);
		if (o.allow)
			FCGX_PutS("Status: 200 OK\r\n\r\n", rq.out);
		else
			echo_respond(&rq);
		FCGX_Finish_r(&rq);
	}
	return 0;
}

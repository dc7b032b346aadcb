/* log.c - one bounded line per event, written with a single write(2).
 *
 * Several FastCGI worker processes share one stderr; a line written in
 * one write(2) to a pipe of up to PIPE_BUF bytes (4 KiB on Linux) is not
 * interleaved with another process's line, so the line cap stays below.
 * Control characters in the message become '?', so a value that came
 * from a client cannot forge a second log line (CWE-117).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "util/log.h"

#define LOG_LINE_MAX 2048       /* bytes, newline included; < PIPE_BUF */
#define LOG_IDENT_MAX 64

/* The one per-process static the style guide allows: where log lines go
 * is a property of the process, set once at start-up. */
static struct {
	char ident[LOG_IDENT_MAX];
	enum log_level level;
	int use_syslog;
} log_state = { "jwt-fcgi", LOG_LVL_INFO, 0 };

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static void sanitize(char *s);
static void write_all(int fd, const char *s, size_t n);
static int stderr_is_void(void);

/* 1 when nobody reads stderr: closed, or /dev/null. That is what a
 * daemonized lighttpd gives the FastCGI programs it spawns (without
 * server.breakagelog), and what init scripts often do: a start-up
 * error written there would be lost, and the program would die in a
 * loop with nobody told why. */
static int
stderr_is_void(void)
{
	struct stat e, n;

	if (fstat(STDERR_FILENO, &e) != 0)
		return 1;
	return S_ISCHR(e.st_mode) && stat("/dev/null", &n) == 0 &&
	    S_ISCHR(n.st_mode) && e.st_rdev == n.st_rdev;
}

void
log_init(const char *ident, enum log_level level, int use_syslog)
{
	const char *slash;

	if (ident == NULL)
		ident = "jwt-fcgi";
	/* argv[0] may be a path; the line wants the program's name. */
	if ((slash = strrchr(ident, '/')) != NULL && slash[1] != '\0')
		ident = slash + 1;
	snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident);
	sanitize(log_state.ident);
	log_set_level(level);
	if (log_state.use_syslog)
		closelog();
	log_state.use_syslog = use_syslog != 0 || stderr_is_void();
	/* openlog keeps the pointer: log_state.ident lives forever. */
	if (log_state.use_syslog)
		openlog(log_state.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	if ((int)level < (int)LOG_LVL_ERROR)
		level = LOG_LVL_ERROR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	log_state.level = level;
}

int
log_level_from_name(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void
write_all(int fd, const char *s, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;         /* nowhere left to report it */
		s += r;
		n -= (size_t)r;
	}
}

int
log_wants(enum log_level level)
{
	return level <= log_state.level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = {
		[LOG_LVL_ERROR] = LOG_ERR,
		[LOG_LVL_WARN] = LOG_WARNING,
		[LOG_LVL_INFO] = LOG_INFO,
		[LOG_LVL_DEBUG] = LOG_DEBUG,
	};
	char line[LOG_LINE_MAX + 1];
	int saved = errno, n, p;
	va_list ap;

	if ((int)level < (int)LOG_LVL_ERROR || level > LOG_LVL_DEBUG)
		level = LOG_LVL_ERROR;
	if (level > log_state.level)
		return;
	p = log_state.use_syslog ? 0 : snprintf(line, sizeof(line),
	    "%s[%ld]: %s: ", log_state.ident, (long)getpid(),
	    level_names[level]);
	/* Room for the newline: the message may fill up to LOG_LINE_MAX - 1. */
	va_start(ap, fmt);
	n = vsnprintf(line + p, (size_t)LOG_LINE_MAX - (size_t)p, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = snprintf(line + p, (size_t)LOG_LINE_MAX - (size_t)p,
		    "(bad log format)");
	sanitize(line + p);
	/* n is the length vsnprintf wanted: more than fits means cut. */
	if (p + n > LOG_LINE_MAX - 1) {
		n = LOG_LINE_MAX - 1 - p;
		memcpy(line + LOG_LINE_MAX - 4, "...", 3);
		line[LOG_LINE_MAX - 1] = '\0';
	}
	if (log_state.use_syslog)
		syslog(prio[level], "%s", line);
	else {
		line[p + n] = '\n';
		write_all(STDERR_FILENO, line, (size_t)p + (size_t)n + 1);
	}
	errno = saved;
}

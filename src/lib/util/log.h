/* log.h - one line per event to stderr (which lighttpd, Apache and
 * systemd capture) or syslog. Never pass a token, secret or key here. */
#ifndef JF_LOG_H
#define JF_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident: program name; use_syslog: 0 stderr, 1 syslog(LOG_DAEMON).
 * With 0, lines go to syslog all the same when stderr is closed or
 * /dev/null, where nobody would read them. */
void log_init(const char *ident, enum log_level level, int use_syslog);
void log_set_level(enum log_level level);
/* "error", "warn", "info", "debug"; -1 if unknown. */
int log_level_from_name(const char *s);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 1 when a line at level would be written: lets a hot path skip
 * preparing the fields of a line nobody reads. */
int log_wants(enum log_level level);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif

/* audit.h - util: audit lines. One JSON object per event, after the fixed
 * prefix "audit: ", so that a log shipper (journald, rsyslog) can pick
 * them out and parse them (doc/audit.md). Never a token, a secret or a
 * key: callers pass names, ids, URLs and outcomes only. */
#ifndef JF_UTIL_AUDIT_H
#define JF_UTIL_AUDIT_H

#include <time.h>

#include <json-c/json.h>

#include "util/log.h"

#define AUDIT_STR_MAX 256       /* bytes of one string field */

/* {"time":"<RFC 3339 UTC>","event":event}, or NULL (out of memory). */
struct json_object *audit_new(const char *event, time_t now);
/* Adds key: s cut to AUDIT_STR_MAX bytes on a UTF-8 boundary (NULL:
 * null). */
void audit_str(struct json_object *o, const char *key, const char *s);
/* Writes the line through the program's log at lvl and frees o. */
void audit_emit(struct json_object *o, enum log_level lvl);
/* The admin tool's form: to stderr and to syslog (LOG_AUTH, info, as
 * ident), then frees o. */
void audit_emit_cli(struct json_object *o, const char *ident);

#endif

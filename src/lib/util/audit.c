/* audit.c - audit lines (audit.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "util/audit.h"

static const char *audit_text(struct json_object *o);

struct json_object *
audit_new(const char *event, time_t now)
{
	struct json_object *o = json_object_new_object();
	char when[32];
	struct tm tm;

	if (o == NULL)
		return NULL;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "event", json_object_new_string(event));
	return o;
}

void
audit_str(struct json_object *o, const char *key, const char *s)
{
	size_t n;

	if (o == NULL)
		return;
	if (s == NULL) {
		json_object_object_add(o, key, NULL);
		return;
	}
	n = strlen(s);
	if (n > AUDIT_STR_MAX) {
		n = AUDIT_STR_MAX;
		/* Not inside a UTF-8 sequence: json-c would escape half. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	json_object_object_add(o, key, json_object_new_string_len(s, (int)n));
}

/* json-c escapes every string; "/" left as is for readable URLs. */
static const char *
audit_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

void
audit_emit(struct json_object *o, enum log_level lvl)
{
	const char *t;

	if (o == NULL) {
		log_error("audit: out of memory");
		return;
	}
	if ((t = audit_text(o)) != NULL)
		log_msg(lvl, "audit: %s", t);
	json_object_put(o);
}

void
audit_emit_cli(struct json_object *o, const char *ident)
{
	const char *t;

	if (o == NULL)
		return;
	if ((t = audit_text(o)) != NULL) {
		fprintf(stderr, "audit: %s\n", t);
		openlog(ident, LOG_PID, LOG_AUTH);
		syslog(LOG_INFO, "audit: %s", t);
		closelog();
	}
	json_object_put(o);
}

/* test_audit.c - audit lines: the fixed prefix, the time and event
 * first, strings cut on a UTF-8 boundary, nothing lost to escaping. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/audit.h"
#include "tap.h"

/* The line audit_emit writes to stderr, captured through a pipe. */
static char *
emitted(struct json_object *o)
{
	static char buf[8192];
	int fd[2], saved;
	ssize_t n;

	if (pipe(fd) != 0)
		return NULL;
	fflush(stderr);
	saved = dup(2);
	dup2(fd[1], 2);
	audit_emit(o, LOG_LVL_INFO);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int
main(void)
{
	struct json_object *o, *v;
	char big[600], *line;
	const char *s;

	log_init("test_audit", LOG_LVL_INFO, 0);
	o = audit_new("key_added", 1767225600);
	ok(o != NULL, "audit_new");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	is_str(s, "{\"time\":\"2026-01-01T00:00:00Z\",\"event\":\"key_added\"}",
	    "time (RFC 3339, UTC) then event");

	/* 255 ASCII bytes, then a 2-byte character across the 256 limit. */
	memset(big, 'a', 255);
	memcpy(big + 255, "\xc3\xa9tail", 7);
	audit_str(o, "value", big);
	ok(json_object_object_get_ex(o, "value", &v), "value added");
	is((int)json_object_get_string_len(v), 255,
	    "cut before a character that would cross the limit");
	audit_str(o, "short", "caf\xc3\xa9");
	ok(json_object_object_get_ex(o, "short", &v) &&
	    strcmp(json_object_get_string(v), "caf\xc3\xa9") == 0,
	    "a short string is kept whole");
	audit_str(o, "none", NULL);
	ok(json_object_object_get_ex(o, "none", &v) && v == NULL,
	    "NULL is JSON null");
	audit_str(o, "url", "https://h.example/x\"y\n");

	line = emitted(o);
	ok(line != NULL && strstr(line, "audit: {\"time\":") != NULL,
	    "the fixed prefix, then the object");
	ok(line != NULL && strstr(line, "https://h.example/x\\\"y\\n") !=
	    NULL, "slashes kept, quotes and newlines escaped");
	ok(line != NULL && strchr(line, '\n') == strrchr(line, '\n'),
	    "one line");
	return done_testing();
}

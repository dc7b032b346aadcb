/* fuzz_ini.c - ini_parse_buf: the line reader every configuration uses.
 *
 * The callback checks what ini.h promises each caller: names of
 * [a-z0-9_]+, values and arguments trimmed and free of control bytes,
 * values without an inline comment ('#' first or after a blank), line
 * numbers that only grow. Every third item the callback refuses,
 * so the early-stop path runs too.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "conf/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	unsigned last;
	unsigned items;
	int stop;
};

static void
name_ok(const char *s)
{
	assert(s != NULL && *s != '\0');
	for (; *s != '\0'; s++)
		assert((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_');
}

static void
text_ok(const char *s)
{
	size_t n = strlen(s);

	assert(n <= INI_LINE_MAX);
	if (n > 0) {
		assert(s[0] != ' ' && s[0] != '\t');
		assert(s[n - 1] != ' ' && s[n - 1] != '\t');
	}
	for (; *s != '\0'; s++)
		assert((unsigned char)*s >= 0x20 || *s == '\t');
}

static void
no_comment(const char *s)
{
	const char *p;

	assert(s[0] != '#');
	for (p = s; (p = strchr(p, '#')) != NULL; p++)
		assert(p[-1] != ' ' && p[-1] != '\t');
}

static enum jf_err
on_item(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct st *st = arg;

	assert(strcmp(it->file, "fuzz.conf") == 0);
	assert(it->line > st->last);
	st->last = it->line;
	if (it->key == NULL) {
		name_ok(it->section);
		if (it->arg != NULL) {
			assert(*it->arg != '\0');
			text_ok(it->arg);
		}
	} else {
		name_ok(it->key);
		if (it->section != NULL)
			name_ok(it->section);
		else
			assert(it->arg == NULL);
		text_ok(it->value);
		no_comment(it->value);
	}
	if (st->stop && ++st->items % 3 == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: stop", it->file,
		    it->line);
	return JF_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct st st = { 0, 0, size & 1 };
	enum jf_err rc;

	rc = ini_parse_buf("fuzz.conf", (const char *)data, size, on_item, &st,
	    &m);
	assert(rc == JF_OK || rc == JF_E_CONFIG);
	if (rc != JF_OK)
		assert(strncmp(m.s, "fuzz.conf", 9) == 0);
	return 0;
}

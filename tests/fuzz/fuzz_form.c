/* fuzz_form.c - form_parse of a token endpoint body, and form_unescape.
 *
 * An accepted body must give unique, non-empty names without control
 * characters, and re-encoding the fields (every byte as %XX) must parse
 * back to the same fields: what the mint reads is what was sent.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
clean(const char *s)
{
	for (; *s != '\0'; s++)
		assert((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static size_t
encode(char *out, const char *s)
{
	size_t o = 0;

	for (; *s != '\0'; s++)
		o += (size_t)sprintf(out + o, "%%%02X", (unsigned char)*s);
	return o;
}

static void
roundtrip(const struct form *f, size_t size)
{
	char *buf = malloc(size * 3 + FORM_MAX_FIELDS * 2 + 1);
	struct jf_msg m = { .s = "" };
	struct form *g = NULL;
	size_t i, o = 0;
	const char *v;

	assert(buf != NULL);
	for (i = 0; i < form_count(f); i++) {
		if (i > 0)
			buf[o++] = '&';
		o += encode(buf + o, form_name(f, i));
		v = form_get(f, form_name(f, i));
		if (v != NULL) {
			buf[o++] = '=';
			o += encode(buf + o, v);
		}
	}
	/* Three bytes per byte may pass FORM_MAX_BYTES; then only the size
	 * check is exercised, which is fine. */
	if (o <= FORM_MAX_BYTES) {
		assert(form_parse(&g, buf, o, &m) == JF_OK);
		assert(form_count(g) == form_count(f));
		for (i = 0; i < form_count(f); i++) {
			const char *a = form_get(f, form_name(f, i));
			const char *b = form_get(g, form_name(f, i));

			assert(strcmp(form_name(f, i), form_name(g, i)) == 0);
			assert((a == NULL) == (b == NULL));
			assert(a == NULL || strcmp(a, b) == 0);
		}
		form_free(g);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct form *f = NULL;
	char *dst = malloc(size + 1);
	const char *name, *v;
	enum jf_err rc;
	size_t i, j;
	long k;

	assert(dst != NULL);
	k = form_unescape(dst, (const char *)data, size, size & 1);
	assert(k >= -1 && k <= (long)size);
	if (k >= 0) {
		assert(dst[k] == '\0');
		clean(dst);
	}
	free(dst);

	rc = form_parse(&f, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(f == NULL);
		assert(rc == JF_E_INVALID_REQUEST || rc == JF_E_TOO_LARGE);
		assert(m.s[0] != '\0');
		return 0;
	}
	assert(form_count(f) <= FORM_MAX_FIELDS);
	for (i = 0; i < form_count(f); i++) {
		name = form_name(f, i);
		assert(name != NULL && name[0] != '\0');
		clean(name);
		for (j = 0; j < i; j++)
			assert(strcmp(form_name(f, j), name) != 0);
		if ((v = form_get(f, name)) != NULL) {
			assert(v[0] != '\0');
			clean(v);
		}
	}
	assert(form_name(f, form_count(f)) == NULL);
	roundtrip(f, size);
	form_free(f);
	return 0;
}

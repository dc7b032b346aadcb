/* form.c - strict, bounded x-www-form-urlencoded decoding. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/form.h"

struct form {
	size_t size;            /* of the whole allocation, for zeroing */
	size_t n;
	char *name[FORM_MAX_FIELDS];
	char *value[FORM_MAX_FIELDS];
	char buf[];             /* decoded names and values, NUL-separated */
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
form_unescape(char *dst, const char *s, size_t n, int plus_is_space)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space)
			c = ' ';
		/* Control bytes have no business in OAuth parameters and would
		 * only reach logs or headers later. */
		if (c < 0x20 || c == 0x7f)
			return -1;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return (long)o;
}

enum jf_err
form_parse(struct form **out, const char *body, size_t len, struct jf_msg *m)
{
	struct form *f = NULL;
	const char *p = body, *end = body + len;
	char *w;
	enum jf_err rc = JF_E_INVALID_REQUEST;

	*out = NULL;
	if (len > FORM_MAX_BYTES)
		return jf_fail(m, JF_E_TOO_LARGE, "request body over %d bytes",
		    FORM_MAX_BYTES);
	/* Decoded text is never longer than the input: one buffer, two
	 * NULs per field at most. */
	f = calloc(1, sizeof(*f) + len + 2 * FORM_MAX_FIELDS + 1);
	if (f == NULL)
		return JF_E_NOMEM;
	f->size = sizeof(*f) + len + 2 * FORM_MAX_FIELDS + 1;
	w = f->buf;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *fe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(fe - p));
		const char *ne = eq ? eq : fe;
		long nl, vl;
		size_t i;

		if (fe == p) {          /* "a=1&&b=2": tolerate empty pairs */
			p = fe + 1;
			continue;
		}
		if (f->n == FORM_MAX_FIELDS) {
			jf_fail(m, rc, "more than %d form fields", FORM_MAX_FIELDS);
			goto fail;
		}
		nl = form_unescape(w, p, (size_t)(ne - p), 1);
		if (nl <= 0) {
			jf_fail(m, rc, "malformed form field name");
			goto fail;
		}
		f->name[f->n] = w;
		w += nl + 1;
		vl = eq ? form_unescape(w, eq + 1, (size_t)(fe - eq - 1), 1) : 0;
		if (vl < 0) {
			jf_fail(m, rc, "malformed value for form field \"%.32s\"",
			    f->name[f->n]);
			goto fail;
		}
		if (!eq)
			*w = '\0';
		f->value[f->n] = w;
		w += vl + 1;
		for (i = 0; i < f->n; i++)
			if (strcmp(f->name[i], f->name[f->n]) == 0) {
				jf_fail(m, rc, "form field \"%.32s\" repeated "
				    "(RFC 6749 section 3.2)", f->name[i]);
				goto fail;
			}
		f->n++;
		p = amp ? amp + 1 : end;
	}
	*out = f;
	return JF_OK;
fail:
	form_free(f);
	return rc;
}

/* A form may hold a client_secret: zeroed before it is freed. */
void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	explicit_bzero(f, f->size);
	free(f);
}

const char *
form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i][0] ? f->value[i] : NULL;
	return NULL;
}

size_t
form_count(const struct form *f)
{
	return f->n;
}

const char *
form_name(const struct form *f, size_t i)
{
	return i < f->n ? f->name[i] : NULL;
}

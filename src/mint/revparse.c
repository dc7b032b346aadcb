/* revparse.c - the parsers of outside input that revocation and the
 * status list endpoint add: the revocation form's parameters, the
 * unverified aud of a presented token, and Accept. Nothing here trusts
 * what it reads; tests/fuzz/fuzz_revoke.c drives all three.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/token.h"
#include "oauth/slist.h"
#include "util/form.h"
#include "mint.h"

static int rp_range(const char *p, size_t n, double *q);

enum jf_err
mint_revoke_form(const struct form *f, const char **token, const char **hint,
	struct jf_msg *m)
{
	*token = form_get(f, "token");
	*hint = form_get(f, "token_type_hint");
	if (*token == NULL || **token == '\0')
		return jf_fail(m, JF_E_INVALID_REQUEST, "token missing (RFC 7009 "
		    "section 2.1)");
	return JF_OK;
}

int
mint_revoke_peek_aud(const char *t, size_t n, char *out, size_t room)
{
	const char *p, *q;
	unsigned char *dec = NULL;
	struct json_object *o = NULL, *aud;
	size_t len;
	int rc = -1;

	if (n > TOK_MAX_BYTES_LIMIT || (p = memchr(t, '.', n)) == NULL)
		return -1;
	p++;
	if ((q = memchr(p, '.', n - (size_t)(p - t))) == NULL)
		return -1;
	if ((dec = malloc(B64URL_DEC_MAX((size_t)(q - p)) + 1)) == NULL ||
	    b64url_decode(dec, &len, p, (size_t)(q - p)) != 0)
		goto out;
	dec[len] = '\0';
	if ((o = json_tokener_parse((const char *)dec)) == NULL ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "aud", &aud) ||
	    !json_object_is_type(aud, json_type_string) ||
	    (size_t)json_object_get_string_len(aud) >= room)
		goto out;
	memcpy(out, json_object_get_string(aud),
	    (size_t)json_object_get_string_len(aud) + 1);
	rc = 0;
out:
	json_object_put(o);
	free(dec);
	return rc;
}

/* One media range of Accept (RFC 9110 §12.5.1) of n bytes at p: 1 when
 * it covers application/statuslist+jwt, with its q in *q; 0 otherwise.
 * Specificity: the caller keeps the most specific match. */
static int
rp_range(const char *p, size_t n, double *q)
{
	static const char *const ranges[] = { SLIST_MEDIA, "application/*",
	    "*/*" };
	size_t i, k, t;
	const char *e = p + n, *v;
	char *end;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	t = strcspn(p, ";");
	if (t > (size_t)(e - p))
		t = (size_t)(e - p);
	while (t > 0 && (p[t - 1] == ' ' || p[t - 1] == '\t'))
		t--;
	for (i = 0; i < 3; i++) {
		k = strlen(ranges[i]);
		if (t == k && strncasecmp(p, ranges[i], k) == 0)
			break;
	}
	if (i == 3)
		return 0;
	*q = 1.0;
	for (v = p; v < e && (v = memchr(v, ';', (size_t)(e - v))) != NULL;
	    v++) {
		const char *w = v + 1;

		while (w < e && (*w == ' ' || *w == '\t'))
			w++;
		if (e - w >= 2 && (w[0] == 'q' || w[0] == 'Q') && w[1] == '=') {
			*q = strtod(w + 2, &end);
			if (end == w + 2 || *q < 0 || *q > 1)
				*q = 0;
		}
	}
	return 3 - (int)i;      /* 3: the type, 2: its top type, 1: any */
}

int
mint_status_accepts(const char *accept)
{
	const char *p;
	size_t n;
	double q, best_q = 0;
	int spec, best = 0;

	if (accept == NULL || strspn(accept, " \t") == strlen(accept))
		return 1;
	for (p = accept; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if ((spec = rp_range(p, n, &q)) > best) {
			best = spec;
			best_q = q;
		}
	}
	return best > 0 && best_q > 0;
}


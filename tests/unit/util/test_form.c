/* test_form.c - x-www-form-urlencoded: decoding, limits, RFC 6749 §3.2. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/form.h"
#include "tap.h"

static const struct {
	const char *body;
	int rc;
	const char *name, *want;
} cases[] = {
	{ "grant_type=client_credentials", JF_OK, "grant_type", "client_credentials" },
	{ "scope=a+b%20c", JF_OK, "scope", "a b c" },
	{ "a=1&&b=2", JF_OK, "b", "2" },
	{ "scope=", JF_OK, "scope", NULL },          /* empty = omitted */
	{ "scope", JF_OK, "scope", NULL },
	{ "x=%41%42", JF_OK, "x", "AB" },
	{ "x=%e2%82%ac", JF_OK, "x", "\xe2\x82\xac" },
	{ "", JF_OK, "x", NULL },
	{ "a=1&a=2", JF_E_INVALID_REQUEST, NULL, NULL },   /* repeated */
	{ "a=1&%61=2", JF_E_INVALID_REQUEST, NULL, NULL }, /* repeated, escaped */
	{ "x=%4", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "x=%", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "x=%zz", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "x=%00", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "x=a%0d%0ab", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "=v", JF_E_INVALID_REQUEST, NULL, NULL },
	{ "x=\x01", JF_E_INVALID_REQUEST, NULL, NULL },
};

int
main(void)
{
	struct form *f;
	struct jf_msg m;
	size_t i;
	char big[FORM_MAX_BYTES + 2], many[64 * 8];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = form_parse(&f, cases[i].body, strlen(cases[i].body), &m);

		is(rc, cases[i].rc, cases[i].body);
		if (rc == JF_OK) {
			is_str(form_get(f, cases[i].name), cases[i].want, "value");
			form_free(f);
		} else
			ok(f == NULL, "nothing returned on failure");
	}
	is(form_parse(&f, "a=1&a=2", 7, &m), JF_E_INVALID_REQUEST, "repeat");
	ok(strstr(m.s, "repeated") != NULL, "message says repeated");

	memset(big, 'a', sizeof(big));
	is(form_parse(&f, big, sizeof(big), &m), JF_E_TOO_LARGE, "body too large");

	many[0] = '\0';
	for (i = 0; i < FORM_MAX_FIELDS + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "f%zu=1&", i);
	is(form_parse(&f, many, strlen(many), &m), JF_E_INVALID_REQUEST,
	    "too many fields");

	is(form_parse(&f, "b=2&a=1", 7, &m), JF_OK, "two fields");
	is(form_count(f), 2, "count");
	is_str(form_name(f, 1), "a", "order kept");
	is_str(form_name(f, 2), NULL, "out of range");
	form_free(f);
	return done_testing();
}

/* test_json.c - json_parse: the grammar, bounds and duplicate names. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json.h"
#include "tap.h"

struct jcase {
	const char *in;
	size_t len;             /* 0: strlen(in) */
	int depth;
	enum jf_err want;
	const char *msg;        /* substring of the reason, or NULL */
};

#define OK_ JF_OK
#define BAD JF_E_INVALID_REQUEST

static const struct jcase cases[] = {
	/* accepted */
	{ "{}", 0, 4, OK_, NULL },
	{ " {\"a\":1} \r\n\t", 0, 4, OK_, NULL },
	{ "[1,2.5,-0,1e3,-1E-3,true,false,null,\"x\"]", 0, 4, OK_, NULL },
	{ "\"str\"", 0, 1, OK_, NULL },
	{ "123", 0, 1, OK_, NULL },
	{ "{\"a\":{\"a\":{\"a\":1}}}", 0, 4, OK_, NULL },
	{ "{\"a\":1,\"b\":{\"a\":2}}", 0, 4, OK_, NULL },
	{ "[{\"a\":1},{\"a\":2}]", 0, 4, OK_, NULL },
	{ "{\"\\ud83d\\ude00\":\"\xf0\x9f\x98\x80\"}", 0, 4, OK_, NULL },
	{ "9223372036854775807", 0, 1, OK_, NULL },
	{ "-9223372036854775808", 0, 1, OK_, NULL },
	{ "1e308", 0, 1, OK_, NULL },
	/* depth: 4 levels allowed, 5 refused */
	{ "[[[[1]]]]", 0, 4, OK_, NULL },
	{ "[[[[[1]]]]]", 0, 4, BAD, "nesting deeper than 4" },
	{ "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", 0, 4, BAD, "nesting deeper" },
	{ "{}", 0, 0, JF_E_INTERNAL, "depth 0" },
	/* trailing bytes */
	{ "{} x", 0, 4, BAD, "byte 3: trailing bytes" },
	{ "{}{}", 0, 4, BAD, "trailing" },
	{ "1 2", 0, 4, BAD, "trailing" },
	{ "\"a\" \"b\"", 0, 4, BAD, "trailing" },
	/* duplicates, top level and nested, plain and escaped */
	{ "{\"a\":1,\"a\":2}", 0, 4, BAD, "duplicate member name" },
	{ "{\"alg\":\"ES256\",\"alg\":\"none\"}", 0, 4, BAD, "duplicate" },
	{ "{\"x\":{\"a\":1,\"b\":2,\"a\":1}}", 0, 4, BAD, "duplicate" },
	{ "[1,[{\"k\":1}],{\"q\":{\"k\":1,\"k\":1}}]", 0, 4, BAD, "duplicate" },
	{ "{\"a\":1,\"\\u0061\":2}", 0, 4, BAD, "duplicate" },
	{ "{\"\\u0061lg\":1,\"al\\u0067\":2}", 0, 4, BAD, "duplicate" },
	{ "{\"\\/\":1,\"/\":2}", 0, 4, BAD, "duplicate" },
	{ "{\"\xc3\xa9\":1,\"\\u00e9\":2}", 0, 4, BAD, "duplicate" },
	/* NUL: raw, in a string, escaped */
	{ "{\"a\":1}\0", 8, 4, BAD, "NUL byte" },
	{ "{\"a\0\":1}", 8, 4, BAD, "NUL byte" },
	{ "\0", 1, 4, BAD, "NUL byte" },
	{ "{\"a\\u0000b\":1,\"a\":2}", 0, 4, BAD, "\\u0000" },
	{ "\"admin\\u0000x\"", 0, 4, BAD, "\\u0000" },
	/* numbers json-c would take or saturate */
	{ "123456789012345678901234567890", 0, 1, BAD, "integer out of range" },
	{ "9223372036854775808", 0, 1, BAD, "integer out of range" },
	{ "-9223372036854775809", 0, 1, BAD, "integer out of range" },
	{ "{\"exp\":18446744073709551616}", 0, 4, BAD, "integer out of range" },
	{ "1e400", 0, 1, BAD, "number out of range" },
	{ "[-1e400]", 0, 4, BAD, "number out of range" },
	{ "NaN", 0, 1, BAD, "unexpected character" },
	{ "Infinity", 0, 1, BAD, "unexpected character" },
	{ "1.", 0, 1, BAD, "bad number" },
	{ ".5", 0, 1, BAD, "unexpected character" },
	{ "01", 0, 1, BAD, "leading zero" },
	{ "+1", 0, 1, BAD, "unexpected character" },
	{ "1e", 0, 1, BAD, "bad number" },
	/* other grammar json-c's strict mode lets through */
	{ "{'a':1}", 0, 4, BAD, "expected member name" },
	{ "[1,]", 0, 4, BAD, "unexpected character" },
	{ "{\"a\":1,}", 0, 4, BAD, "expected member name" },
	{ "\"\\ud800\"", 0, 1, BAD, "unpaired surrogate" },
	{ "\"\\udc00\"", 0, 1, BAD, "unpaired surrogate" },
	{ "\"\\ud800\\u0041\"", 0, 1, BAD, "unpaired surrogate" },
	{ "\"\\x41\"", 0, 1, BAD, "bad escape" },
	{ "\"\\u12G4\"", 0, 1, BAD, "bad \\u escape" },
	{ "\"a\tb\"", 0, 1, BAD, "control character" },
	{ "\"\xff\"", 0, 1, BAD, "invalid utf-8" },
	{ "\"abc", 0, 1, BAD, "unterminated string" },
	{ "tru", 0, 1, BAD, "unexpected character" },
	{ "", 0, 1, BAD, "unexpected end" },
	{ "   ", 0, 1, BAD, "unexpected end" },
	{ "{\"a\" 1}", 0, 4, BAD, "expected ':'" },
	{ "[1 2]", 0, 4, BAD, "expected ','" },
	{ "null", 0, 1, BAD, "null document" },
};

int
main(void)
{
	struct json_object *o, *inner;
	struct jf_msg m;
	size_t i;
	enum jf_err rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct jcase *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		char name[128];

		m.s[0] = '\0';
		o = (struct json_object *)&o;   /* must be reset to NULL on failure */
		rc = json_parse(&o, c->in, len, c->depth, &m);
		snprintf(name, sizeof(name), "case %zu: code %d", i, (int)c->want);
		is(rc, c->want, name);
		if (rc != c->want)
			diag("input %.60s: %s", c->in, m.s);
		if (c->want == JF_OK) {
			ok(o != NULL, "value returned");
		} else {
			ok(o == NULL, "no value on failure");
			if (c->msg != NULL && !ok(strstr(m.s, c->msg) != NULL,
			    "reason names the problem"))
				diag("got \"%s\", want \"%s\"", m.s, c->msg);
		}
		json_object_put(o);
	}

	/* Exact length: bytes past n are not read. */
	is(json_parse(&o, "{\"a\":1}GARBAGE", 7, 4, &m), JF_OK,
	    "only n bytes are parsed");
	json_object_put(o);
	is(json_parse(&o, "{\"a\":1}", 6, 4, &m), BAD, "a cut document fails");

	/* json_str */
	{
		const char *doc = "{\"s\":\"v\",\"n\":1,\"o\":{\"s\":\"w\"},\"e\":\"\"}";

		is(json_parse(&o, doc, strlen(doc), 4, &m), JF_OK,
		    "parse for json_str");
	}
	is_str(json_str(o, "s"), "v", "json_str string member");
	is_str(json_str(o, "e"), "", "json_str empty string");
	is_str(json_str(o, "n"), NULL, "json_str of a number is NULL");
	is_str(json_str(o, "o"), NULL, "json_str of an object is NULL");
	is_str(json_str(o, "zz"), NULL, "json_str of a missing member is NULL");
	is_str(json_str(NULL, "s"), NULL, "json_str(NULL) is NULL");
	ok(json_object_object_get_ex(o, "o", &inner), "nested object");
	is_str(json_str(inner, "s"), "w", "json_str nested");
	is_str(json_str(json_object_object_get(o, "n"), "s"), NULL,
	    "json_str on a non-object is NULL");
	json_object_put(o);

	/* Values survive: the escaped member decodes. */
	is(json_parse(&o, "{\"\\u0061\":\"\\u00e9\"}", 19, 4, &m), JF_OK,
	    "escaped name parses");
	is_str(json_str(o, "a"), "\xc3\xa9", "escapes decoded");
	json_object_put(o);
	return done_testing();
}

/* json.c - strict JSON (RFC 8259) in front of json-c.
 *
 * json-c alone is too lenient for input that decides authorization: even
 * with JSON_TOKENER_STRICT it takes 'single quotes', NaN, Infinity, "1.",
 * lone surrogates, silently saturates integers past 64 bits and keeps the
 * last of two equal member names. So a small bounded scanner checks the
 * text against the RFC 8259 grammar first and counts the members it sees;
 * json-c then builds the tree, and a walk of that tree counts members
 * again. json-c merges equal names (after decoding escapes), so fewer
 * members in the tree than in the text means a duplicate somewhere. That
 * treats "a" and "\u0061" as the same name, as every JSON consumer does
 * after decoding, without a second unescaper here.
 *
 * Also refused, because a consumer reading C strings would see something
 * else than the signer meant: "\u0000" in any string (json-c truncates
 * member names there), integers outside int64 and numbers that overflow a
 * double.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json.h"

/* No caller has a reason to go deeper; json-c's own default is 32. */
#define JSON_DEPTH_MAX 64
/* json_tokener_parse_ex takes an int length; our callers cap far lower. */
#define JSON_BYTES_MAX (16 * 1024 * 1024)

struct json_scan {
	const unsigned char *s;
	size_t n, i;
	int depth, max_depth;
	size_t members;
	const char *err;
};

static int scan_value(struct json_scan *c);
static size_t tree_members(struct json_object *o, const char **err);

static int
scan_fail(struct json_scan *c, const char *why)
{
	if (c->err == NULL)
		c->err = why;
	return -1;
}

static void
scan_ws(struct json_scan *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' ||
	    c->s[c->i] == '\n' || c->s[c->i] == '\r'))
		c->i++;
}

static int
scan_hex4(struct json_scan *c, unsigned *v)
{
	size_t k;
	unsigned d;

	*v = 0;
	if (c->n - c->i < 4)
		return scan_fail(c, "truncated \\u escape");
	for (k = 0; k < 4; k++) {
		d = c->s[c->i + k];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d = d - 'a' + 10;
		else if (d >= 'A' && d <= 'F')
			d = d - 'A' + 10;
		else
			return scan_fail(c, "bad \\u escape");
		*v = *v << 4 | d;
	}
	c->i += 4;
	return 0;
}

/* At the opening quote. UTF-8 validity is left to json-c's
 * JSON_TOKENER_VALIDATE_UTF8. */
static int
scan_string(struct json_scan *c)
{
	unsigned char ch;
	unsigned u, lo;

	c->i++;
	while (c->i < c->n) {
		ch = c->s[c->i++];
		if (ch == '"')
			return 0;
		if (ch < 0x20)
			return scan_fail(c, ch == 0 ? "NUL byte" :
			    "control character in string");
		if (ch != '\\')
			continue;
		if (c->i >= c->n)
			break;
		ch = c->s[c->i++];
		if (strchr("\"\\/bfnrt", ch) != NULL && ch != '\0')
			continue;
		if (ch != 'u')
			return scan_fail(c, "bad escape in string");
		if (scan_hex4(c, &u) < 0)
			return -1;
		if (u == 0)
			return scan_fail(c, "\\u0000 in string");
		if (u >= 0xdc00 && u <= 0xdfff)
			return scan_fail(c, "unpaired surrogate escape");
		if (u >= 0xd800 && u <= 0xdbff) {
			if (c->n - c->i < 2 || c->s[c->i] != '\\' ||
			    c->s[c->i + 1] != 'u')
				return scan_fail(c, "unpaired surrogate escape");
			c->i += 2;
			if (scan_hex4(c, &lo) < 0)
				return -1;
			if (lo < 0xdc00 || lo > 0xdfff)
				return scan_fail(c, "unpaired surrogate escape");
		}
	}
	return scan_fail(c, "unterminated string");
}

static size_t
scan_digits(struct json_scan *c)
{
	size_t start = c->i;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i - start;
}

static int
scan_number(struct json_scan *c)
{
	static const char i64max[] = "9223372036854775807";
	static const char i64min[] = "9223372036854775808";
	const unsigned char *digits;
	size_t nd;
	int neg = 0, integral = 1;

	if (c->s[c->i] == '-') {
		neg = 1;
		c->i++;
	}
	digits = c->s + c->i;
	nd = scan_digits(c);
	if (nd == 0)
		return scan_fail(c, "bad number");
	if (nd > 1 && digits[0] == '0')
		return scan_fail(c, "leading zero in number");
	if (c->i < c->n && c->s[c->i] == '.') {
		c->i++;
		integral = 0;
		if (scan_digits(c) == 0)
			return scan_fail(c, "bad number");
	}
	if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		integral = 0;
		if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (scan_digits(c) == 0)
			return scan_fail(c, "bad number");
	}
	/* json-c would saturate silently; an "exp" of 2^64 is not INT64_MAX. */
	if (integral && (nd > 19 || (nd == 19 &&
	    memcmp(digits, neg ? i64min : i64max, 19) > 0)))
		return scan_fail(c, "integer out of range");
	return 0;
}

static int
scan_literal(struct json_scan *c, const char *lit)
{
	size_t len = strlen(lit);

	if (c->n - c->i < len || memcmp(c->s + c->i, lit, len) != 0)
		return scan_fail(c, "unexpected character");
	c->i += len;
	return 0;
}

/* At '{' or '['. */
static int
scan_container(struct json_scan *c)
{
	int obj = c->s[c->i] == '{';
	unsigned char close = obj ? '}' : ']';

	if (++c->depth > c->max_depth)
		return scan_fail(c, "nesting too deep");
	c->i++;
	scan_ws(c);
	if (c->i < c->n && c->s[c->i] == close) {
		c->i++;
		c->depth--;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (c->i >= c->n || c->s[c->i] != '"')
				return scan_fail(c, "expected member name");
			if (scan_string(c) < 0)
				return -1;
			scan_ws(c);
			if (c->i >= c->n || c->s[c->i] != ':')
				return scan_fail(c, "expected ':'");
			c->i++;
			c->members++;
		}
		if (scan_value(c) < 0)
			return -1;
		scan_ws(c);
		if (c->i >= c->n)
			return scan_fail(c, "unexpected end");
		if (c->s[c->i] == close) {
			c->i++;
			c->depth--;
			return 0;
		}
		if (c->s[c->i] != ',')
			return scan_fail(c, "expected ',' or end of container");
		c->i++;
		scan_ws(c);
	}
}

static int
scan_value(struct json_scan *c)
{
	scan_ws(c);
	if (c->i >= c->n)
		return scan_fail(c, "unexpected end");
	switch (c->s[c->i]) {
	case '{':
	case '[':
		return scan_container(c);
	case '"':
		return scan_string(c);
	case 't':
		return scan_literal(c, "true");
	case 'f':
		return scan_literal(c, "false");
	case 'n':
		return scan_literal(c, "null");
	case '\0':
		return scan_fail(c, "NUL byte");
	default:
		if (c->s[c->i] == '-' || (c->s[c->i] >= '0' && c->s[c->i] <= '9'))
			return scan_number(c);
		return scan_fail(c, "unexpected character");
	}
}

/* Members in the json-c tree; recursion is bounded by the depth the
 * scanner already enforced. Also refuses doubles that overflowed. */
static size_t
tree_members(struct json_object *o, const char **err)
{
	size_t total = 0, i, len;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			total += 1 + tree_members(val, err);
		}
		break;
	}
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			total += tree_members(json_object_array_get_idx(o, i), err);
		break;
	case json_type_double:
		if (!isfinite(json_object_get_double(o)))
			*err = "number out of range";
		break;
	case json_type_null:
	case json_type_boolean:
	case json_type_int:
	case json_type_string:
		break;
	}
	return total;
}

enum jf_err
json_parse(struct json_object **out, const char *s, size_t n, int depth,
	struct jf_msg *m)
{
	struct json_scan c = { (const unsigned char *)s, n, 0, 0, depth, 0, NULL };
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	enum json_tokener_error te;
	const char *err = NULL;
	enum jf_err rc = JF_E_INVALID_REQUEST;

	*out = NULL;
	if (depth < 1 || depth > JSON_DEPTH_MAX) {
		rc = jf_fail(m, JF_E_INTERNAL, "JSON: depth %d outside 1..%d",
		    depth, JSON_DEPTH_MAX);
		goto fail;
	}
	if (n > JSON_BYTES_MAX) {
		jf_fail(m, rc, "JSON: document over %d bytes", JSON_BYTES_MAX);
		goto fail;
	}
	if (scan_value(&c) == 0) {
		scan_ws(&c);
		if (c.i < c.n)
			scan_fail(&c, c.s[c.i] == '\0' ? "NUL byte" :
			    "trailing bytes after the value");
	}
	if (c.err != NULL) {
		if (strcmp(c.err, "nesting too deep") == 0)
			jf_fail(m, rc, "JSON: nesting deeper than %d", depth);
		else
			jf_fail(m, rc, "JSON: byte %zu: %s", c.i, c.err);
		goto fail;
	}

	/* json-c counts the top-level value as one level of its depth. */
	if ((tok = json_tokener_new_ex(depth + 1)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "JSON: out of memory");
		goto fail;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)n);
	te = json_tokener_get_error(tok);
	/* A bare top-level number or literal waits for more input; a NUL
	 * tells json-c the document ended. */
	if (o == NULL && te == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		te = json_tokener_get_error(tok);
	}
	if (o == NULL && te == json_tokener_success) {
		/* The literal null: legal JSON, but no caller wants it. */
		jf_fail(m, rc, "JSON: null document");
		goto fail;
	}
	if (o == NULL) {
		jf_fail(m, rc, "JSON: byte %zu: %s",
		    json_tokener_get_parse_end(tok), json_tokener_error_desc(te));
		goto fail;
	}
	if (tree_members(o, &err) != c.members) {
		jf_fail(m, rc, "JSON: duplicate member name");
		goto fail;
	}
	if (err != NULL) {
		jf_fail(m, rc, "JSON: %s", err);
		goto fail;
	}
	*out = o;
	o = NULL;
	rc = JF_OK;
fail:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

const char *
json_str(const struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

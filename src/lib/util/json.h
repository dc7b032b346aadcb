/* json.h - json-c behind the bounds every outside document needs.
 *
 * json-c silently keeps the last of two members with the same name;
 * RFC 7515 §4 and RFC 7519 §4 let a parser refuse such input instead, and
 * we do, everywhere: a header saying {"alg":"ES256","alg":"none"} must not
 * mean one thing to us and another to the next parser down the line.
 */
#ifndef JF_JSON_H
#define JF_JSON_H

#include <stddef.h>

#include "util/err.h"

struct json_object;

/* Parses exactly n bytes as one JSON value: nesting at most depth, no
 * trailing bytes but whitespace, no duplicate member names in any object,
 * no NUL bytes. JF_E_INVALID_REQUEST with a reason on failure.
 * Strict RFC 8259 grammar (no NaN, 'quotes', "1.", lone surrogates).
 * Names are compared after decoding escapes: "a" and "\u0061" are
 * duplicates. Also refused: "\u0000" in any string, integers outside
 * int64, numbers that overflow a double, and a bare top-level null.
 * depth counts containers: "{}" is 1, {"a":[]} is 2 (1..64, else
 * JF_E_INTERNAL). */
enum jf_err json_parse(struct json_object **out, const char *s, size_t n,
	int depth, struct jf_msg *m);

/* The string member key of object o, or NULL if absent or not a string. */
const char *json_str(const struct json_object *o, const char *key);

#endif

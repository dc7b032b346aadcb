/* fuzz_json.c - json_parse, and a differential check against json-c.
 *
 * The first byte picks the depth (0..69, so the out-of-range values that
 * must give JF_E_INTERNAL are reached too); the rest is the document.
 * Whatever our strict parser accepts, json-c on its own must accept as
 * well, in its strict and its default mode, consuming the same bytes,
 * and build an equal tree: otherwise the scanner in front of json-c and
 * json-c disagree about what a document says.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* json-c alone on exactly n bytes; NULL unless it took all but trailing
 * whitespace. */
static struct json_object *
jsonc(const char *s, size_t n, int depth, int flags)
{
	struct json_tokener *tok = json_tokener_new_ex(depth);
	struct json_object *o;
	size_t end;

	assert(tok != NULL);
	json_tokener_set_flags(tok, flags);
	o = json_tokener_parse_ex(tok, s, (int)n);
	end = json_tokener_get_parse_end(tok);
	/* A bare number needs the NUL to end; then it took all n bytes (the
	 * parse end now counts in the one-byte buffer). */
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		end = n;
	}
	json_tokener_free(tok);
	for (; o != NULL && end < n; end++)
		if (strchr(" \t\r\n", s[end]) == NULL || s[end] == '\0') {
			json_object_put(o);
			return NULL;
		}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL, *a, *b;
	struct jf_msg m = { .s = "" };
	const char *s = (const char *)data + 1;
	enum jf_err rc;
	int depth;

	if (size < 1)
		return 0;
	depth = data[0] % 70;
	size--;
	rc = json_parse(&o, s, size, depth, &m);
	if (depth < 1 || depth > 64) {
		assert(rc == JF_E_INTERNAL && o == NULL);
		return 0;
	}
	if (rc != JF_OK) {
		assert(rc == JF_E_INVALID_REQUEST && o == NULL);
		assert(m.s[0] != '\0');
		return 0;
	}
	assert(o != NULL);
	/* json-c's depth counts the top level too; give it room. */
	a = jsonc(s, size, depth + 1, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	b = jsonc(s, size, depth + 1, 0);
	assert(a != NULL);
	assert(b != NULL);
	assert(json_object_equal(o, a));
	assert(json_object_equal(o, b));
	json_object_put(a);
	json_object_put(b);
	json_object_put(o);
	return 0;
}

/* fuzz_asmeta.c - RFC 8414 metadata (src/lib/oauth/asmeta.c).
 *
 * Property: a document is used only when its "issuer" is exactly the one
 * expected, and then the jwks_uri handed back is a NUL-terminated string
 * that fits, equal to the document's own member.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "oauth/asmeta.h"

#define ISS "https://mint.fuzz.test"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o, *v;
	struct jf_msg m;
	char uri[128];
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (asmeta_jwks_uri(s, size, ISS, uri, sizeof(uri), &m) == JF_OK) {
		assert(strlen(uri) < sizeof(uri));
		/* Re-read independently with plain json-c. */
		o = json_tokener_parse(s);
		assert(o != NULL);
		assert(json_object_object_get_ex(o, "issuer", &v));
		assert(strcmp(json_object_get_string(v), ISS) == 0);
		assert(json_object_object_get_ex(o, "jwks_uri", &v));
		assert(strcmp(json_object_get_string(v), uri) == 0);
		json_object_put(o);
	}
	free(s);
	return 0;
}

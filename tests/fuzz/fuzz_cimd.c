/* fuzz_cimd.c - client ID metadata documents (src/lib/oauth/cimd.c).
 *
 * Input: the client_id URL, NUL, the document. Properties: an accepted
 * document has a client_id equal to the URL it came from (which itself
 * passes cimd_url_check), no shared-secret member, and exactly one key
 * source: inline keys that are a JSON object, or a jwks_uri the document
 * itself holds.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "oauth/cimd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o, *v, *k;
	struct jf_msg m;
	const uint8_t *nul = memchr(data, '\0', size);
	char *url, *doc, *jwks = NULL, *uri = NULL;
	size_t ulen, dlen;

	if (nul == NULL)
		return 0;
	ulen = (size_t)(nul - data);
	dlen = size - ulen - 1;
	if ((url = malloc(ulen + 1)) == NULL || (doc = malloc(dlen + 1)) ==
	    NULL) {
		free(url);
		return 0;
	}
	memcpy(url, data, ulen);
	url[ulen] = '\0';
	memcpy(doc, nul + 1, dlen);
	doc[dlen] = '\0';
	m.s[0] = '\0';
	(void)cimd_url_check(url, &m);
	m.s[0] = '\0';
	if (cimd_parse(doc, dlen, url, &jwks, &uri, &m) == JF_OK) {
		assert((jwks == NULL) != (uri == NULL));
		o = json_tokener_parse(doc);
		assert(o != NULL);
		assert(json_object_object_get_ex(o, "client_id", &v));
		assert(strcmp(json_object_get_string(v), url) == 0);
		assert(!json_object_object_get_ex(o, "client_secret", NULL));
		if (jwks != NULL) {
			k = json_tokener_parse(jwks);
			assert(k != NULL && json_object_is_type(k,
			    json_type_object));
			json_object_put(k);
		} else {
			assert(json_object_object_get_ex(o, "jwks_uri", &v));
			assert(strcmp(json_object_get_string(v), uri) == 0);
		}
		json_object_put(o);
	} else {
		assert(jwks == NULL && uri == NULL && m.s[0] != '\0');
	}
	free(jwks);
	free(uri);
	free(url);
	free(doc);
	return 0;
}

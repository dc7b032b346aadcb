/* fuzz_prm.c - protected resource metadata and the Bearer challenge a
 * client reads it from (src/lib/oauth/prm.c).
 *
 * Input: a WWW-Authenticate value, NUL, a metadata document. Properties:
 * a challenge parameter found is NUL-terminated within its buffer and
 * holds no '"' left from the quoting of a plain value; an accepted
 * document's resource is the one asked about, its servers are https
 * URLs, and building a document from what was read parses back to the
 * same resource and servers.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/prm.h"

#define RES "https://api.fuzz.test/v1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct prm_info info, again;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	const char *as[PRM_MAX_AS];
	struct prm p;
	struct jf_msg m;
	char out[256], *h, *doc, *built;
	size_t hlen, dlen, i;

	if (nul == NULL)
		return 0;
	hlen = (size_t)(nul - data);
	dlen = size - hlen - 1;
	if ((h = malloc(hlen + 1)) == NULL || (doc = malloc(dlen + 1)) ==
	    NULL) {
		free(h);
		return 0;
	}
	memcpy(h, data, hlen);
	h[hlen] = '\0';
	memcpy(doc, nul + 1, dlen);
	doc[dlen] = '\0';
	if (prm_challenge_param(h, "resource_metadata", out, sizeof(out)) == 0)
		assert(strlen(out) < sizeof(out));
	(void)prm_challenge_param(h, "error", out, 1);
	m.s[0] = '\0';
	if (prm_parse(doc, dlen, RES, &info, &m) == JF_OK) {
		assert(strcmp(info.resource, RES) == 0);
		assert(info.nas <= PRM_MAX_AS);
		for (i = 0; i < info.nas; i++) {
			assert(strncmp(info.as[i], "https://", 8) == 0);
			as[i] = info.as[i];
		}
		memset(&p, 0, sizeof(p));
		p.resource = info.resource;
		p.as = as;
		p.nas = info.nas;
		p.bound = info.bound;
		built = prm_build(&p);
		assert(built != NULL);
		assert(prm_parse(built, strlen(built), RES, &again, &m) ==
		    JF_OK);
		assert(again.nas == info.nas && again.bound == info.bound);
		for (i = 0; i < info.nas; i++)
			assert(strcmp(again.as[i], info.as[i]) == 0);
		free(built);
	}
	free(h);
	free(doc);
	return 0;
}

/* fuzz_slist.c - Token Status Lists (src/lib/oauth/slist.c).
 *
 * Input: a mode byte, then either (mode & 2) a status_list JSON object,
 * or the raw bytes the harness base64url-encodes as the lst of a list of
 * 1 + (mode & 1) bits, so that libFuzzer works on the zlib stream
 * itself. Properties: an accepted list holds 1..SLIST_MAX_STATUSES
 * statuses, each below 2^bits, idx len is out of range; re-encoding its
 * statuses with slist_encode parses back to the same statuses.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "oauth/slist.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Statuses the round trip re-encodes; longer lists are only sampled. */
#define FUZZ_RT_MAX 65536u

static void
check(const struct slist *l)
{
	struct json_object *o = NULL;
	struct slist *again = NULL;
	struct jf_msg m;
	unsigned char *b;
	uint32_t n = slist_len(l), i, nb;
	int bits = slist_bits(l), v;

	assert(bits == 1 || bits == 2 || bits == 4 || bits == 8);
	assert(n > 0 && n <= SLIST_MAX_STATUSES);
	assert(slist_get(l, n) == -1);
	assert(slist_get(l, UINT32_MAX) == -1);
	if (n > FUZZ_RT_MAX) {
		assert(slist_get(l, n - 1) >= 0);
		return;
	}
	nb = n * (uint32_t)bits / 8;
	b = calloc(1, nb);
	assert(b != NULL);
	for (i = 0; i < n; i++) {
		v = slist_get(l, i);
		assert(v >= 0 && v < (1 << bits));
		b[i * (uint32_t)bits / 8] |= (unsigned char)(v <<
		    (i * (uint32_t)bits % 8));
	}
	/* We write 1 and 2 bits only; 4 and 8 are read. */
	if (bits > 2) {
		assert(slist_encode(b, nb, bits, &o, &m) == JF_E_INTERNAL);
		free(b);
		return;
	}
	assert(slist_encode(b, nb, bits, &o, &m) == JF_OK);
	assert(slist_parse(&again, o, &m) == JF_OK);
	assert(slist_len(again) == n && slist_bits(again) == bits);
	for (i = 0; i < n; i++)
		assert(slist_get(again, i) == slist_get(l, i));
	slist_free(again);
	json_object_put(o);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL;
	struct slist *l = NULL;
	struct jf_msg m;
	char *s, *doc;
	enum jf_err rc;

	if (size < 1)
		return 0;
	m.s[0] = '\0';
	if (data[0] & 2) {
		if (json_parse(&o, (const char *)data + 1, size - 1, 8, &m) !=
		    JF_OK)
			return 0;
	} else {
		s = malloc(B64URL_ENC_LEN(size - 1) + 1);
		doc = malloc(B64URL_ENC_LEN(size - 1) + 32);
		assert(s != NULL && doc != NULL);
		b64url_encode(s, data + 1, size - 1);
		snprintf(doc, B64URL_ENC_LEN(size - 1) + 32,
		    "{\"bits\":%d,\"lst\":\"%s\"}", 1 + (data[0] & 1), s);
		o = json_tokener_parse(doc);
		free(s);
		free(doc);
		assert(o != NULL);
	}
	rc = slist_parse(&l, o, &m);
	if (rc == JF_OK)
		check(l);
	else
		assert(l == NULL && rc == JF_E_CLAIM && m.s[0] != '\0');
	slist_free(l);
	json_object_put(o);
	return 0;
}

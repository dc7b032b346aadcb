/* fuzz_fetchrules.c - the fetcher's text rules (src/lib/net/rules.c): a
 * Cache-Control value, a URL, an fetch_allow list.
 *
 * Properties: fetch_max_age never reads past the n bytes it was given
 * (ASan), and answers -1, 0 or a number of at most 10 digits; a URL
 * fetch_url_check accepts starts with https:// (or http:// when allowed),
 * holds no byte a request line could be split on, and has a host; a
 * class list that parses gives a mask within FETCH_NET_ALL.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m;
	char *s;
	long a;
	size_t i;
	unsigned mask;
	int http;

	/* Exactly size bytes, no NUL after them: over-reads show. */
	if ((s = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	a = fetch_max_age(s, size);
	assert(a >= -1 && a <= 9999999999L);
	free(s);

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (http = 0; http < 2; http++) {
		if (fetch_url_check(s, http, &m) != JF_OK)
			continue;
		assert(strncasecmp(s, "https://", 8) == 0 ||
		    (http && strncasecmp(s, "http://", 7) == 0));
		for (i = 0; s[i] != '\0'; i++)
			assert((unsigned char)s[i] > 0x20 && s[i] != 0x7f &&
			    s[i] != '"' && s[i] != '\\' && s[i] != '#');
		assert(strlen(s) <= FETCH_URL_MAX);
	}
	if (fetch_classes_parse(s, &mask, &m) == 0)
		assert((mask & ~FETCH_NET_ALL) == 0);
	free(s);
	return 0;
}

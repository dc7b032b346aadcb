/* test_cimdkeys.c - client documents' keys as a worker sees them
 * (src/lib/oauth/cimdkeys.c): this process plays the fetcher by writing
 * the shared table itself, so every path (first fetch, a failed fetch
 * keeping the last good keys, staleness, a change, a full table) runs
 * without a network. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jose/jwks.h"
#include "net/docs.h"
#include "oauth/cimdkeys.h"
#include "tap.h"

#define URL "https://service-a.example.com/.well-known/cimd-workload-1.json"
#define URL2 "https://service-c.example.com/cimd.json"
#define KEY1 \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"XTLvjpb-C7u" \
	"eDJ3_GDJC9076IYute2puerjx3Ges1VI\",\"y\":\"uT9SGogjej1OvBVlQNNKQ" \
	"YyNun2W9rOde0KxW7DGi6s\",\"kid\":\"k1\",\"use\":\"sig\"," \
	"\"alg\":\"ES256\"}"
#define KEY2 \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"XTLvjpb-C7u" \
	"eDJ3_GDJC9076IYute2puerjx3Ges1VI\",\"y\":\"uT9SGogjej1OvBVlQNNKQ" \
	"YyNun2W9rOde0KxW7DGi6s\",\"kid\":\"k2\",\"use\":\"sig\"," \
	"\"alg\":\"ES256\"}"
#define JWKS1 "{\"keys\":[" KEY1 "]}"
#define JWKS12 "{\"keys\":[" KEY1 "," KEY2 "]}"

static const struct cimdk_opts opts = { 2, 3600, 30, 40, 100 };

static int
slot_of(struct docs *d, const char *url)
{
	size_t i;

	for (i = 0; i < docs_slots(d); i++)
		if (strcmp(docs_url(d, (int)i), url) == 0)
			return (int)i;
	return -1;
}

int
main(void)
{
	struct docs *d, *d2;
	struct cimdk *c, *c2;
	const struct jwks *k;
	struct jf_msg m;
	int64_t now = (int64_t)time(NULL);
	int s;

	m.s[0] = '\0';
	if (docs_new(&d, 2, 4096, &m) != JF_OK || cimdk_new(&c, d, &m) !=
	    JF_OK)
	{
		diag("setup: %s", m.s);
		return 1;
	}

	/* Nothing fetched: the request asks, waits cold_wait, and says so. */
	ok(cimdk_get(c, URL, &opts, now, &k, &m) == JF_E_NO_KEY && k == NULL,
	    "first request, no fetcher: no key");
	ok(strstr(m.s, "not fetched yet") != NULL, "... saying not fetched");
	s = slot_of(d, URL);
	ok(s >= 0 && docs_kind(d, s) == 2, "slot claimed as kind 2");
	is(docs_take_ask(d, s), 1, "the fetcher was asked");

	/* A first fetch that failed: its reason, the URL said once. */
	docs_fail(d, s, URL, URL ": HTTP 500", now, now + 1);
	m.s[0] = '\0';
	ok(cimdk_get(c, URL, &opts, now, &k, &m) == JF_E_NO_KEY &&
	    strstr(m.s, "refused: HTTP 500") != NULL, "failed fetch: its reason");
	if (strstr(m.s, "refused: HTTP 500") == NULL)
		diag("%s", m.s);

	/* Good keys. */
	docs_put(d, s, URL, JWKS1, strlen(JWKS1), now, now + 300);
	ok(cimdk_get(c, URL, &opts, now, &k, &m) == JF_OK && k != NULL &&
	    jwks_count(k) == 1, "fetched: one key");
	is(cimdk_sync(c, &opts, now), 0, "first keys are no change");
	ok(cimdk_get(c, URL, &opts, now, &k, &m) == JF_OK &&
	    jwks_find(k, "k1") != NULL, "again from this process's copy");

	/* A later failure keeps them within max_stale. */
	docs_fail(d, s, URL, URL ": connection refused", now + 50, now + 51);
	ok(cimdk_get(c, URL, &opts, now + 50, &k, &m) == JF_OK &&
	    jwks_count(k) == 1, "host down: last good keys kept");
	is(cimdk_sync(c, &opts, now + 50), 0, "... and no change");
	/* ... and not beyond. */
	is(cimdk_sync(c, &opts, now + 101), 1, "stale: a change (tokens go)");
	m.s[0] = '\0';
	ok(cimdk_get(c, URL, &opts, now + 101, &k, &m) == JF_E_NO_KEY &&
	    strstr(m.s, "stale: last fetched 101 s ago, the limit is 100 s; "
	    "now: connection refused") != NULL, "stale: refused, saying why");
	if (strstr(m.s, "stale") == NULL)
		diag("%s", m.s);

	/* New keys after a rotation replace the old: a change. */
	docs_put(d, s, URL, JWKS12, strlen(JWKS12), now + 102, now + 400);
	ok(cimdk_get(c, URL, &opts, now + 102, &k, &m) == JF_OK &&
	    jwks_count(k) == 2, "new document: two keys");
	is(cimdk_sync(c, &opts, now + 102), 0,
	    "keys after none are no change");
	docs_put(d, s, URL, JWKS1, strlen(JWKS1), now + 103, now + 400);
	is(cimdk_sync(c, &opts, now + 103), 1, "a key removed: a change");
	ok(cimdk_get(c, URL, &opts, now + 103, &k, &m) == JF_OK &&
	    jwks_find(k, "k2") == NULL, "the removed key is gone");

	/* Retry: an early look goes through once per cooldown (a table of
	 * its own: the looks above were asked at made-up times). */
	if (docs_new(&d2, 1, 4096, &m) != JF_OK || cimdk_new(&c2, d2, &m) !=
	    JF_OK)
		return 1;
	s = docs_claim(d2, URL, 2, now, 3600);
	docs_put(d2, s, URL, JWKS1, strlen(JWKS1), now, now + 300);
	ok(cimdk_get(c2, URL, &opts, now, &k, &m) == JF_OK, "retry: keys");
	is(cimdk_retry(c2, URL, &opts), 0, "retry, no fetcher: nothing new");
	is(docs_take_ask(d2, s), 1, "... but the fetcher was asked");
	is(cimdk_retry(c2, URL, &opts), 0, "a second retry within cooldown");
	is(docs_take_ask(d2, s), 0, "... does not ask again");
	cimdk_free(c2);
	docs_free(d2);

	/* A full table: the second slot, then none. */
	m.s[0] = '\0';
	cimdk_get(c, URL2, &opts, now + 103, &k, &m);
	ok(slot_of(d, URL2) >= 0, "second URL: the table's last slot");
	m.s[0] = '\0';
	ok(cimdk_get(c, "https://d.test/x", &opts, now + 103, &k, &m) ==
	    JF_E_NO_KEY && strstr(m.s, "too many client metadata documents")
	    != NULL, "full table: refused, saying so");
	/* Idle slots go to new URLs. */
	m.s[0] = '\0';
	cimdk_get(c, "https://d.test/x", &opts, now + 4000, &k, &m);
	ok(slot_of(d, "https://d.test/x") >= 0, "an idle slot reused");
	ok(slot_of(d, URL) < 0 || slot_of(d, URL2) < 0,
	    "... in place of an idle URL");

	cimdk_free(c);
	docs_free(d);
	return done_testing();
}

/* test_fetch.c - the fetcher's rules (src/lib/net/rules.c) and the shared
 * document table (src/lib/net/docs.c): RFC 6890 address classes, URL
 * shapes, Cache-Control max-age, and docs across forked processes. The
 * network itself is tested against real servers (tests/remote_keys.bats).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/docs.h"
#include "net/fetch.h"
#include "tap.h"

static unsigned
cls(const char *a)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;

	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, a, &in4.sin_addr) == 1) {
		in4.sin_family = AF_INET;
		return fetch_addr_class((struct sockaddr *)&in4);
	}
	if (inet_pton(AF_INET6, a, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		return fetch_addr_class((struct sockaddr *)&in6);
	}
	return 999;
}

static void
test_classes(void)
{
	static const struct { const char *a; unsigned c; } t[] = {
		{ "127.0.0.1", FETCH_NET_LOOPBACK },
		{ "127.255.255.254", FETCH_NET_LOOPBACK },
		{ "10.1.2.3", FETCH_NET_PRIVATE },
		{ "172.16.0.1", FETCH_NET_PRIVATE },
		{ "172.31.255.255", FETCH_NET_PRIVATE },
		{ "172.32.0.1", 0 },
		{ "192.168.1.1", FETCH_NET_PRIVATE },
		{ "100.64.0.1", FETCH_NET_PRIVATE },
		{ "100.128.0.1", 0 },
		{ "169.254.169.254", FETCH_NET_LINKLOCAL },
		{ "0.0.0.0", FETCH_NET_SPECIAL },
		{ "192.0.2.10", FETCH_NET_SPECIAL },
		{ "198.18.0.1", FETCH_NET_SPECIAL },
		{ "198.51.100.1", FETCH_NET_SPECIAL },
		{ "203.0.113.7", FETCH_NET_SPECIAL },
		{ "224.0.0.1", FETCH_NET_SPECIAL },
		{ "255.255.255.255", FETCH_NET_SPECIAL },
		{ "8.8.8.8", 0 },
		{ "93.184.216.34", 0 },
		{ "::1", FETCH_NET_LOOPBACK },
		{ "::", FETCH_NET_SPECIAL },
		{ "::ffff:127.0.0.1", FETCH_NET_LOOPBACK },
		{ "::ffff:10.0.0.1", FETCH_NET_PRIVATE },
		{ "::ffff:8.8.8.8", 0 },
		{ "64:ff9b::7f00:1", FETCH_NET_LOOPBACK },
		{ "fc00::1", FETCH_NET_PRIVATE },
		{ "fd12:3456::1", FETCH_NET_PRIVATE },
		{ "fe80::1", FETCH_NET_LINKLOCAL },
		{ "ff02::1", FETCH_NET_SPECIAL },
		{ "2001:db8::1", FETCH_NET_SPECIAL },
		{ "2002::1", FETCH_NET_SPECIAL },
		{ "2001:4860:4860::8888", 0 },
	};
	size_t i;
	char name[96];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "%s is %s", t[i].a,
		    fetch_class_name(t[i].c));
		is(cls(t[i].a), t[i].c, name);
	}
}

static void
test_classes_parse(void)
{
	struct jf_msg m;
	unsigned v = 99;

	ok(fetch_classes_parse("none", &v, &m) == 0 && v == 0, "none");
	ok(fetch_classes_parse("loopback private", &v, &m) == 0 &&
	    v == (FETCH_NET_LOOPBACK | FETCH_NET_PRIVATE), "two classes");
	ok(fetch_classes_parse("loopback public", &v, &m) != 0 &&
	    strstr(m.s, "\"public\"") != NULL, "an unknown class is named");
	ok(fetch_classes_parse("", &v, &m) != 0, "empty refused");
}

static void
test_urls(void)
{
	static const struct { const char *u; int http, ok; } t[] = {
		{ "https://mint.example/jwks", 0, 1 },
		{ "HTTPS://mint.example:8443/a?b=c", 0, 1 },
		{ "http://mint.example/jwks", 0, 0 },
		{ "http://mint.example/jwks", 1, 1 },
		{ "ftp://mint.example/jwks", 1, 0 },
		{ "https:///jwks", 0, 0 },
		{ "https://user@mint.example/jwks", 0, 0 },
		{ "https://mint.example/jwks#frag", 0, 0 },
		{ "https://mint.example/a b", 0, 0 },
		{ "https://mint.example/a\"b", 0, 0 },
		{ "", 0, 0 },
	};
	struct jf_msg m;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "URL \"%s\"%s: %s", t[i].u,
		    t[i].http ? " (http allowed)" : "", t[i].ok ? "ok" :
		    "refused");
		is(fetch_url_check(t[i].u, t[i].http, &m) == JF_OK, t[i].ok,
		    name);
	}
}

static void
test_max_age(void)
{
	static const struct { const char *v; long want; } t[] = {
		{ "max-age=300", 300 },
		{ "public, max-age=120", 120 },
		{ "Max-Age=60, public", 60 },
		{ "max-age=\"90\"", 90 },
		{ "no-store", 0 },
		{ "max-age=300, no-cache", 0 },
		{ "s-maxage=10", -1 },
		{ "max-age=-1", -1 },
		{ "max-age=abc", -1 },
		{ "max-age=", -1 },
		{ "max-age=99999999999", -1 },
		{ "", -1 },
		{ "   ,, max-age=5 ,", 5 },
		/* As curl hands a header line over: with its CR LF. */
		{ " max-age=2\r\n", 2 },
		{ " public,\r\n max-age=7\r\n", 7 },
	};
	size_t i;
	char name[96];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "Cache-Control \"%s\": %ld",
		    t[i].v, t[i].want);
		is(fetch_max_age(t[i].v, strlen(t[i].v)), t[i].want, name);
	}
}

static void
test_docs(void)
{
	struct docs *d = NULL;
	struct docs_info in;
	struct jf_msg m;
	char buf[64];
	size_t len = 0;
	uint64_t gen = 0;
	pid_t pid;
	int a, b, st = 0;

	if (docs_new(&d, 2, 32, &m) != JF_OK) {
		printf("Bail out! docs_new: %s\n", m.s);
		exit(1);
	}
	a = docs_slot(d, "https://a.test/jwks");
	b = docs_slot(d, "https://b.test/jwks");
	is(a, 0, "first URL: slot 0");
	is(b, 1, "second URL: slot 1");
	is(docs_slot(d, "https://a.test/jwks"), 0, "claims are idempotent");
	is(docs_slot(d, "https://c.test/jwks"), -1, "a full table says so");
	is(docs_copy(d, a, buf, sizeof(buf), &len, &gen), JF_E_UNAVAILABLE,
	    "no body before the first fetch");
	/* Another process (the fetcher) writes; this one reads. */
	if ((pid = fork()) == 0) {
		docs_put(d, a, NULL, "{\"keys\":[]}", 11, 100, 160);
		docs_fail(d, b, NULL, "HTTP 500, not 200", 100, 105);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	is(docs_copy(d, a, buf, sizeof(buf), &len, &gen), JF_OK,
	    "the other process's body is here");
	ok(len == 11 && strcmp(buf, "{\"keys\":[]}") == 0 && gen == 1,
	    "  whole, generation 1");
	docs_info(d, b, &in);
	ok(in.gen == 0 && in.attempts == 1 && in.failed == 100 &&
	    strcmp(in.why, "HTTP 500, not 200") == 0, "a failure is recorded "
	    "with its reason, no body");
	docs_put(d, a, NULL, "{\"keys\":[]}", 11, 200, 260);
	docs_info(d, a, &in);
	ok(in.gen == 1 && in.attempts == 2 && in.fetched == 200,
	    "the same bytes again: no new generation, a new fetch time");
	docs_fail(d, a, NULL, "timed out", 300, 301);
	is(docs_copy(d, a, buf, sizeof(buf), &len, &gen), JF_OK,
	    "a failure keeps the last good body");
	is(docs_copy(d, a, buf, 5, &len, &gen), JF_E_TOO_LARGE,
	    "a buffer too small is refused, not overrun");
	/* Asks: once per cooldown, for all processes. */
	is(docs_ask(d, a, 1000, 30), 1, "first ask goes through");
	if ((pid = fork()) == 0)
		_exit(docs_ask(d, a, 1010, 30));
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "another process within the cooldown: not asked again");
	is(docs_take_ask(d, a), 1, "the fetcher takes the ask");
	is(docs_take_ask(d, a), 0, "  once");
	is(docs_ask(d, a, 1031, 30), 1, "after the cooldown: asked again");
	docs_drain(d);
	docs_free(d);
}

int
main(void)
{
	test_classes();
	test_classes_parse();
	test_urls();
	test_max_age();
	test_docs();
	return done_testing();
}

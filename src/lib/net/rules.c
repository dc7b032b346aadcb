/* rules.c - the fetcher's rules that need no network: URL shape, RFC 6890
 * address classes, Cache-Control max-age. Pure functions, fuzzed. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "net/fetch.h"

struct net4 {
	uint32_t net;
	unsigned bits;
	unsigned cls;
};

/* RFC 6890 (and its updates, the IANA special-purpose registries). */
static const struct net4 special4[] = {
	{ 0x7f000000u, 8, FETCH_NET_LOOPBACK },         /* 127.0.0.0/8 */
	{ 0x0a000000u, 8, FETCH_NET_PRIVATE },          /* 10.0.0.0/8 */
	{ 0xac100000u, 12, FETCH_NET_PRIVATE },         /* 172.16.0.0/12 */
	{ 0xc0a80000u, 16, FETCH_NET_PRIVATE },         /* 192.168.0.0/16 */
	{ 0x64400000u, 10, FETCH_NET_PRIVATE },         /* 100.64.0.0/10 CGN */
	{ 0xa9fe0000u, 16, FETCH_NET_LINKLOCAL },       /* 169.254.0.0/16 */
	{ 0x00000000u, 8, FETCH_NET_SPECIAL },          /* "this network" */
	{ 0xc0000000u, 24, FETCH_NET_SPECIAL },         /* IETF assignments */
	{ 0xc0000200u, 24, FETCH_NET_SPECIAL },         /* TEST-NET-1 */
	{ 0xc0586300u, 24, FETCH_NET_SPECIAL },         /* 6to4 relay */
	{ 0xc6120000u, 15, FETCH_NET_SPECIAL },         /* benchmarking */
	{ 0xc6336400u, 24, FETCH_NET_SPECIAL },         /* TEST-NET-2 */
	{ 0xcb007100u, 24, FETCH_NET_SPECIAL },         /* TEST-NET-3 */
	{ 0xe0000000u, 4, FETCH_NET_SPECIAL },          /* multicast */
	{ 0xf0000000u, 4, FETCH_NET_SPECIAL },          /* reserved, broadcast */
};

static unsigned
class4(uint32_t a)
{
	size_t i;
	uint32_t mask;

	for (i = 0; i < sizeof(special4) / sizeof(special4[0]); i++) {
		mask = special4[i].bits == 0 ? 0 :
		    0xffffffffu << (32 - special4[i].bits);
		if ((a & mask) == special4[i].net)
			return special4[i].cls;
	}
	return 0;
}

static unsigned
class6(const unsigned char *b)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char zero[16];
	uint32_t v4;

	if (memcmp(b, zero, 15) == 0)           /* :: and ::1 */
		return b[15] == 1 ? FETCH_NET_LOOPBACK : FETCH_NET_SPECIAL;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0) {
		memcpy(&v4, b + 12, 4);
		return class4(ntohl(v4));
	}
	if ((b[0] & 0xfe) == 0xfc)              /* fc00::/7 ULA */
		return FETCH_NET_PRIVATE;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)      /* fe80::/10 */
		return FETCH_NET_LINKLOCAL;
	if (b[0] == 0xff)                       /* multicast */
		return FETCH_NET_SPECIAL;
	if (b[0] == 0x01 && b[1] == 0 && memcmp(b + 2, zero, 6) == 0)
		return FETCH_NET_SPECIAL;       /* 100::/64 discard */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
		return FETCH_NET_SPECIAL;       /* 2001::/23 IETF */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return FETCH_NET_SPECIAL;       /* 2001:db8::/32 docs */
	if (b[0] == 0x20 && b[1] == 0x02)       /* 2002::/16 6to4 */
		return FETCH_NET_SPECIAL;
	return 0;
}

unsigned
fetch_addr_class(const struct sockaddr *sa)
{
	const struct sockaddr_in *in4;
	const struct sockaddr_in6 *in6;

	if (sa == NULL)
		return FETCH_NET_SPECIAL;
	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		return class4(ntohl(in4->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return class6(in6->sin6_addr.s6_addr);
	}
	return FETCH_NET_SPECIAL;       /* unix sockets and the rest */
}

static const struct {
	const char *name;
	unsigned cls;
} class_names[] = {
	{ "loopback", FETCH_NET_LOOPBACK },
	{ "private", FETCH_NET_PRIVATE },
	{ "link-local", FETCH_NET_LINKLOCAL },
	{ "special", FETCH_NET_SPECIAL },
};

const char *
fetch_class_name(unsigned cls)
{
	size_t i;

	for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if (class_names[i].cls == cls)
			return class_names[i].name;
	return "public";
}

int
fetch_classes_parse(const char *s, unsigned *out, struct jf_msg *m)
{
	const char *p = s;
	size_t n, i;
	unsigned mask = 0;

	if (strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
			if (strlen(class_names[i].name) == n &&
			    memcmp(class_names[i].name, p, n) == 0)
				break;
		if (i == sizeof(class_names) / sizeof(class_names[0])) {
			jf_fail(m, JF_E_CONFIG, "expected none, or loopback, "
			    "private, link-local or special, got \"%.*s\"",
			    (int)(n > 40 ? 40 : n), p);
			return -1;
		}
		mask |= class_names[i].cls;
		p += n;
	}
	if (mask == 0) {
		jf_fail(m, JF_E_CONFIG, "expected none, or loopback, private, "
		    "link-local or special");
		return -1;
	}
	*out = mask;
	return 0;
}

enum jf_err
fetch_url_check(const char *url, int allow_http, struct jf_msg *m)
{
	const char *host, *end, *p;
	size_t n = strlen(url);

	if (n == 0 || n > FETCH_URL_MAX)
		return jf_fail(m, JF_E_CONFIG, "URL of %zu bytes (1 to %d)", n,
		    FETCH_URL_MAX);
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f ||
		    *p == '\\' || *p == '"')
			return jf_fail(m, JF_E_CONFIG, "URL holds a space, a "
			    "control byte, a backslash or a quote");
	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0) {
		if (!allow_http)
			return jf_fail(m, JF_E_CONFIG, "plain http:// URL: "
			    "fetches are https only");
		host = url + 7;
	} else
		return jf_fail(m, JF_E_CONFIG, "not an https:// URL");
	end = host + strcspn(host, "/?#");
	if (end == host)
		return jf_fail(m, JF_E_CONFIG, "URL without a host");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return jf_fail(m, JF_E_CONFIG, "URL with userinfo (user@host)");
	if (strchr(url, '#') != NULL)
		return jf_fail(m, JF_E_CONFIG, "URL with a fragment");
	return JF_OK;
}

/* RFC 9111 §5.2: directives are case-insensitive tokens separated by
 * commas, a value after '=' possibly quoted. A header line's CR LF counts
 * as white space. */
static int
ows(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

long
fetch_max_age(const char *v, size_t n)
{
	const char *p = v, *e = v + n, *name, *val;
	size_t nl, vl;
	long age = -1, x;
	int q;

	while (p < e) {
		while (p < e && (ows(*p) || *p == ','))
			p++;
		name = p;
		while (p < e && *p != '=' && *p != ',' && !ows(*p))
			p++;
		nl = (size_t)(p - name);
		while (p < e && ows(*p))
			p++;
		val = NULL;
		vl = 0;
		if (p < e && *p == '=') {
			p++;
			while (p < e && ows(*p))
				p++;
			q = p < e && *p == '"';
			if (q)
				p++;
			val = p;
			while (p < e && (q ? *p != '"' : (*p != ',' &&
			    !ows(*p))))
				p++;
			vl = (size_t)(p - val);
			if (q && p < e)
				p++;
		}
		while (p < e && *p != ',')
			p++;
		if ((nl == 8 && strncasecmp(name, "no-store", 8) == 0) ||
		    (nl == 8 && strncasecmp(name, "no-cache", 8) == 0))
			return 0;
		if (nl == 7 && strncasecmp(name, "max-age", 7) == 0 &&
		    val != NULL && vl > 0 && vl <= 10) {
			size_t i;

			for (i = 0, x = 0; i < vl && val[i] >= '0' &&
			    val[i] <= '9'; i++)
				x = x * 10 + (val[i] - '0');
			if (i == vl && age < 0)
				age = x;
		}
	}
	return age;
}

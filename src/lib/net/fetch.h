/* fetch.h - net: the one place jwt-fcgi touches the network: bounded
 * HTTPS GETs with libcurl (GnuTLS), for remote JWKS, RFC 8414 metadata,
 * client ID metadata documents and status lists.
 *
 * Rules, each enforced here so no caller can forget one:
 *   - https only; plain http only with allow_http, which only tests set;
 *   - no redirects (a 3xx is a failure, its Location never followed);
 *   - a connect time-out and a total time-out;
 *   - a body cap: more is a failure, not a truncation;
 *   - only 200 is a success; nothing here caches, and callers cache only
 *     successes;
 *   - the address actually connected to (curl's open-socket callback,
 *     after its own resolution: DNS rebinding cannot slip past) must not
 *     be in an RFC 6890 special-use range unless its class is allowed
 *     (loopback, private, link-local, other special ranges);
 *   - proxies from the environment are ignored; cookies, .netrc,
 *     content encodings off;
 *   - an optional CA file for private PKIs;
 *   - every fetch is one log line: URL, status, bytes, time, outcome.
 */
#ifndef JF_NET_FETCH_H
#define JF_NET_FETCH_H

#include <stddef.h>

#include "util/err.h"

struct sockaddr;

/* RFC 6890 address classes (bit mask). */
#define FETCH_NET_LOOPBACK   0x1u   /* 127/8, ::1 */
#define FETCH_NET_PRIVATE    0x2u   /* 10/8, 172.16/12, 192.168/16,
                                     * 100.64/10, fc00::/7 */
#define FETCH_NET_LINKLOCAL  0x4u   /* 169.254/16, fe80::/10 */
#define FETCH_NET_SPECIAL    0x8u   /* every other special-use range:
                                     * 0/8, documentation, benchmarking,
                                     * multicast, reserved, ... */
#define FETCH_NET_ALL        0xfu

#define FETCH_URL_MAX 2048
#define FETCH_BYTES_MAX (1024 * 1024)   /* hard ceiling of any cap */

struct fetch_opts {
	long connect_ms;        /* 0: 2000 */
	long total_ms;          /* 0: 5000 */
	size_t max_bytes;       /* 0: 256 KiB; at most FETCH_BYTES_MAX */
	unsigned allow_nets;    /* FETCH_NET_* classes allowed */
	int allow_http;         /* 1: http:// too (tests only) */
	const char *ca_file;    /* NULL: the system's CAs */
	const char *accept;     /* Accept header, or NULL */
};

struct fetch_result {
	long status;            /* HTTP status, 0 if none came */
	char *body;             /* NUL-terminated; NULL unless 200 */
	size_t len;
	long max_age;           /* Cache-Control max-age, -1 if none;
	                         * 0 for no-store / no-cache */
	long ms;                /* time taken */
	char ip[64];            /* the address connected to, or "" */
};

/* GETs url. JF_OK only for a 200 whose body fits; r->body then owns it.
 * Anything else is JF_E_UNAVAILABLE with the reason in m (never the
 * body), and r->body NULL. Logs one line either way. */
enum jf_err fetch_get(const char *url, const struct fetch_opts *o,
	struct fetch_result *r, struct jf_msg *m);
void fetch_result_clear(struct fetch_result *r);

/* The URL's shape before any network: https:// (or http:// with
 * allow_http), a host, no userinfo, no fragment, at most FETCH_URL_MAX
 * bytes, no spaces or control bytes. */
enum jf_err fetch_url_check(const char *url, int allow_http,
	struct jf_msg *m);

/* The FETCH_NET_* class of an IPv4 or IPv6 address, 0 for an ordinary
 * public one. IPv4-mapped and NAT64 IPv6 addresses are judged by the
 * IPv4 address they carry. */
unsigned fetch_addr_class(const struct sockaddr *sa);
/* "loopback", "private", ... for a single class bit; "public" for 0. */
const char *fetch_class_name(unsigned cls);
/* Parses "loopback private ..." (or "none") into a class mask; -1 and
 * the bad word in m on error. */
int fetch_classes_parse(const char *s, unsigned *out, struct jf_msg *m);

/* Cache-Control (RFC 9111 §5.2): the max-age of a response header value
 * of n bytes, -1 if it has none, 0 with no-store or no-cache. s-maxage
 * and the rest are ignored; a malformed max-age counts as absent. */
long fetch_max_age(const char *v, size_t n);

/* Once per process, before any fetch (and before forking workers). */
enum jf_err fetch_global_init(struct jf_msg *m);

#endif

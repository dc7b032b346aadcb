/* fetch.c - bounded HTTPS GETs with libcurl (fetch.h has the rules).
 *
 * One easy handle per fetch: no connection is reused, so every fetch
 * resolves and checks its address afresh. Only the background fetcher
 * process calls this; a worker answering a request never does.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "net/fetch.h"
#include "util/log.h"

#define FETCH_CONNECT_MS 2000
#define FETCH_TOTAL_MS 5000
#define FETCH_BYTES_DEFAULT (256 * 1024)
#define FETCH_WHY_MAX 200

struct fetch_ctx {
	const struct fetch_opts *o;
	size_t cap;
	char *buf;
	size_t len;
	int too_big;
	long max_age;
	unsigned refused_cls;   /* the class of a refused address */
	char refused_ip[64];
};

static size_t fetch_body(char *p, size_t size, size_t n, void *arg);
static size_t fetch_header(char *p, size_t size, size_t n, void *arg);
static curl_socket_t fetch_open(void *arg, curlsocktype purpose,
	struct curl_sockaddr *a);
static void fetch_ip(const struct sockaddr *sa, char *out, size_t room);

enum jf_err
fetch_global_init(struct jf_msg *m)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return jf_fail(m, JF_E_INTERNAL, "libcurl would not initialise");
	return JF_OK;
}

static size_t
fetch_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_ctx *c = arg;
	size_t k = size * n;
	char *nb;

	if (k > c->cap - c->len) {
		c->too_big = 1;
		return 0;               /* curl stops: CURLE_WRITE_ERROR */
	}
	if ((nb = realloc(c->buf, c->len + k + 1)) == NULL)
		return 0;
	c->buf = nb;
	memcpy(c->buf + c->len, p, k);
	c->len += k;
	c->buf[c->len] = '\0';
	return k;
}

/* Cache-Control of the final response (curl calls this for each header
 * line, including those of a 100 Continue, which carry none). */
static size_t
fetch_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_ctx *c = arg;
	size_t k = size * n;

	if (k > 14 && strncasecmp(p, "cache-control:", 14) == 0) {
		long a = fetch_max_age(p + 14, k - 14);

		if (a >= 0 && (c->max_age < 0 || a < c->max_age))
			c->max_age = a;
	}
	return k;
}

static void
fetch_ip(const struct sockaddr *sa, char *out, size_t room)
{
	const void *a = NULL;

	out[0] = '\0';
	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out,
	    (socklen_t)room) == NULL)
		snprintf(out, room, "?");
}

/* The address curl is about to connect to, after its own resolution:
 * refusing here is what makes the check immune to DNS rebinding. */
static curl_socket_t
fetch_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch_ctx *c = arg;
	unsigned cls;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	cls = fetch_addr_class(&a->addr);
	if (cls != 0 && !(cls & c->o->allow_nets)) {
		c->refused_cls = cls;
		fetch_ip(&a->addr, c->refused_ip, sizeof(c->refused_ip));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

void
fetch_result_clear(struct fetch_result *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->max_age = -1;
}

enum jf_err
fetch_get(const char *url, const struct fetch_opts *o,
	struct fetch_result *r, struct jf_msg *m)
{
	struct fetch_ctx c;
	struct curl_slist *hdr = NULL;
	char accept[256], why[FETCH_WHY_MAX] = "", errbuf[CURL_ERROR_SIZE];
	CURL *h = NULL;
	CURLcode cc;
	char *ip = NULL;
	double secs = 0;
	enum jf_err rc;

	memset(r, 0, sizeof(*r));
	r->max_age = -1;
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.cap = o->max_bytes > 0 ? o->max_bytes : FETCH_BYTES_DEFAULT;
	if (c.cap > FETCH_BYTES_MAX)
		c.cap = FETCH_BYTES_MAX;
	c.max_age = -1;
	errbuf[0] = '\0';
	if (fetch_url_check(url, o->allow_http, m) != JF_OK) {
		snprintf(why, sizeof(why), "%.150s", m->s);
		rc = jf_fail(m, JF_E_UNAVAILABLE, "%s", why);
		goto log;
	}
	if ((h = curl_easy_init()) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "libcurl: out of memory");
		snprintf(why, sizeof(why), "out of memory");
		goto log;
	}
	if (o->accept != NULL) {
		snprintf(accept, sizeof(accept), "Accept: %s", o->accept);
		hdr = curl_slist_append(NULL, accept);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
	    o->allow_http ? "http,https" : "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    o->connect_ms > 0 ? o->connect_ms : (long)FETCH_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    o->total_ms > 0 ? o->total_ms : (long)FETCH_TOTAL_MS);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c.cap);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, fetch_open);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &c);
	/* No proxy from the environment: the address check must see the
	 * server itself. No cookies, .netrc or decompression. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	if (hdr != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	if (o->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &secs);
	if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
	    ip != NULL)
		snprintf(r->ip, sizeof(r->ip), "%s", ip);
	r->ms = (long)(secs * 1000);
	rc = JF_E_UNAVAILABLE;
	if (c.refused_cls != 0)
		snprintf(why, sizeof(why), "address %s is %s (RFC 6890), not "
		    "allowed by fetch_allow", c.refused_ip,
		    fetch_class_name(c.refused_cls));
	else if (c.too_big || cc == CURLE_FILESIZE_EXCEEDED)
		snprintf(why, sizeof(why), "body over %zu bytes", c.cap);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, sizeof(why), "timed out: %.150s", errbuf[0] ?
		    errbuf : curl_easy_strerror(cc));
	else if (cc != CURLE_OK)
		snprintf(why, sizeof(why), "%.150s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
	else if (r->status >= 300 && r->status < 400)
		snprintf(why, sizeof(why), "HTTP %ld: redirects are not "
		    "followed", r->status);
	else if (r->status != 200)
		snprintf(why, sizeof(why), "HTTP %ld, not 200", r->status);
	else {
		rc = JF_OK;
		r->body = c.buf != NULL ? c.buf : strdup("");
		r->len = c.len;
		r->max_age = c.max_age;
		c.buf = NULL;
		if (r->body == NULL) {
			rc = JF_E_NOMEM;
			snprintf(why, sizeof(why), "out of memory");
		}
	}
	if (rc != JF_OK)
		jf_fail(m, rc, "%s: %s", url, why);
log:
	if (rc == JF_OK)
		log_info("fetch %s: %ld, %zu bytes, %ld ms, %s, ok", url,
		    r->status, r->len, r->ms, r->ip[0] ? r->ip : "-");
	else
		log_warn("fetch %s: %ld, %zu bytes, %ld ms, %s, failed: %s", url,
		    r->status, c.len, r->ms, r->ip[0] ? r->ip : "-", why);
	free(c.buf);
	curl_slist_free_all(hdr);
	if (h != NULL)
		curl_easy_cleanup(h);
	return rc;
}

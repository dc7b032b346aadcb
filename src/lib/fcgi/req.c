/* req.c - one FastCGI or CGI request, its parameters, body and response.
 *
 * The response is assembled in two fixed buffers and written once by
 * req_finish(), so a handler can set the status after its headers and a
 * half-built answer never reaches the client: if a handler overflows a
 * buffer the whole answer becomes a bare 500.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "fcgi/req-int.h"

struct req {
	FCGX_Request *fx;       /* NULL: plain CGI */
	enum req_role role;
	int status;
	int finished;
	int body_read;
	int overflow;           /* a header or the body did not fit */
	size_t hlen;
	size_t blen;
	char hdr[REQ_HEADERS_MAX];
	char body[REQ_BODY_MAX];
};

static const char *req_reason(int status);
static int req_is_tchar(unsigned char c);
static enum jf_err req_content_length(const char *s, size_t max, size_t *n);
static size_t req_read(struct req *r, char *buf, size_t n);
static void req_write(struct req *r, const char *s, size_t n);

struct req *
req_new(FCGX_Request *fx)
{
	struct req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fx = fx;
	req_reset(r);
	return r;
}

void
req_reset(struct req *r)
{
	r->role = REQ_RESPONDER;
	/* libfcgi sets role from FCGI_BEGIN_REQUEST; plain CGI has none. */
	if (r->fx != NULL && r->fx->role >= REQ_RESPONDER &&
	    r->fx->role <= REQ_FILTER)
		r->role = (enum req_role)r->fx->role;
	r->status = 200;
	r->finished = r->body_read = r->overflow = 0;
	r->hlen = r->blen = 0;
}

void
req_free(struct req *r)
{
	free(r);
}

const char *
req_param(const struct req *r, const char *name)
{
	if (r->fx == NULL)
		return getenv(name);
	/* Returns the first of repeated names (nginx may send CONTENT_LENGTH
	 * twice); a client cannot add a parameter that does not start with
	 * HTTP_. */
	return FCGX_GetParam(name, r->fx->envp);
}

void
req_params(const struct req *r, const char *const *names, size_t n,
	const char **out)
{
	char *const *p;
	const char *e, *eq;
	size_t i, k;

	for (i = 0; i < n; i++)
		out[i] = r->fx == NULL ? getenv(names[i]) : NULL;
	if (r->fx == NULL)
		return;
	for (p = r->fx->envp; p != NULL && *p != NULL; p++) {
		e = *p;
		if ((eq = strchr(e, '=')) == NULL)
			continue;
		k = (size_t)(eq - e);
		/* The first byte and the length rule out nearly every pair
		 * before any compare. */
		for (i = 0; i < n; i++)
			if (out[i] == NULL && names[i][0] == e[0] &&
			    strlen(names[i]) == k && memcmp(names[i], e, k) == 0) {
				out[i] = eq + 1;
				break;
			}
	}
}

enum req_role
req_role(const struct req *r)
{
	return r->role;
}

/* Digits only: no sign, no blanks, no hex; anything else is malformed
 * rather than guessed at, as two parsers disagreeing on a length is how
 * requests get smuggled. */
static enum jf_err
req_content_length(const char *s, size_t max, size_t *n)
{
	size_t v = 0;

	*n = 0;
	if (s == NULL || *s == '\0')
		return JF_OK;           /* no body */
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return JF_E_INVALID_REQUEST;
		if (v > max / 10 || max - v * 10 < (size_t)(*s - '0')) {
			/* Still check that the rest is digits: "9999x" is
			 * malformed, not too large. */
			while (*s >= '0' && *s <= '9')
				s++;
			return *s == '\0' ? JF_E_TOO_LARGE :
			    JF_E_INVALID_REQUEST;
		}
		v = v * 10 + (size_t)(*s - '0');
	}
	*n = v;
	return JF_OK;
}

/* Reads up to n bytes; fewer only at end of input. */
static size_t
req_read(struct req *r, char *buf, size_t n)
{
	size_t got = 0;
	int k;

	if (r->fx == NULL)
		return fread(buf, 1, n, stdin);
	while (got < n) {
		/* FCGX_GetStr takes an int: read in bounded chunks. */
		size_t want = n - got > 65536 ? 65536 : n - got;

		k = FCGX_GetStr(buf + got, (int)want, r->fx->in);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

enum jf_err
req_read_body(struct req *r, char *buf, size_t max, size_t *n)
{
	enum jf_err rc;
	size_t len, got;

	*n = 0;
	buf[0] = '\0';
	/* An authorizer gets no body; waiting for one stalls Apache's
	 * mod_authnz_fcgi until it times out. */
	if (r->role == REQ_AUTHORIZER || r->body_read)
		return JF_E_INTERNAL;
	r->body_read = 1;
	rc = req_content_length(req_param(r, "CONTENT_LENGTH"), max, &len);
	if (rc != JF_OK)
		return rc;
	got = req_read(r, buf, len);
	buf[got] = '\0';
	if (got < len)
		return JF_E_INVALID_REQUEST;
	*n = len;
	return JF_OK;
}

void
req_status(struct req *r, int status)
{
	if (status < 100 || status > 599)
		status = 500;
	r->status = status;
}

/* RFC 9110 §5.6.2 token characters, for header names. */
static int
req_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int
req_header(struct req *r, const char *name, const char *fmt, ...)
{
	size_t nlen = strlen(name), room, start = r->hlen, i;
	char *v;
	va_list ap;
	int k;

	if (nlen == 0 || strcasecmp(name, "Status") == 0)
		return -1;      /* req_status() writes Status */
	for (i = 0; i < nlen; i++)
		if (!req_is_tchar((unsigned char)name[i]))
			return -1;
	/* "Name: " value "\r\n", plus the NUL vsnprintf writes. */
	if (sizeof(r->hdr) - r->hlen < nlen + 2 + 2 + 1) {
		r->overflow = 1;
		return -1;
	}
	memcpy(r->hdr + r->hlen, name, nlen);
	memcpy(r->hdr + r->hlen + nlen, ": ", 2);
	v = r->hdr + r->hlen + nlen + 2;
	room = sizeof(r->hdr) - (r->hlen + nlen + 2) - 2;
	va_start(ap, fmt);
	k = vsnprintf(v, room, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -1;
	if ((size_t)k >= room) {
		r->overflow = 1;
		return -1;
	}
	/* A CR or LF would start a header of the client's choosing; a NUL
	 * (from %c) would cut the value short in the web server. */
	for (i = 0; i < (size_t)k; i++)
		if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0') {
			r->hlen = start;
			return -1;
		}
	memcpy(v + k, "\r\n", 2);
	r->hlen += nlen + 2 + (size_t)k + 2;
	return 0;
}

int
req_header_str(struct req *r, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value), i;
	char *p;

	if (nlen == 0 || strcasecmp(name, "Status") == 0)
		return -1;
	for (i = 0; i < nlen; i++)
		if (!req_is_tchar((unsigned char)name[i]))
			return -1;
	if (strpbrk(value, "\r\n") != NULL)
		return -1;
	if (sizeof(r->hdr) - r->hlen < nlen + 2 + vlen + 2) {
		r->overflow = 1;
		return -1;
	}
	p = r->hdr + r->hlen;
	memcpy(p, name, nlen);
	memcpy(p + nlen, ": ", 2);
	memcpy(p + nlen + 2, value, vlen);
	memcpy(p + nlen + 2 + vlen, "\r\n", 2);
	r->hlen += nlen + 2 + vlen + 2;
	return 0;
}

void
req_body(struct req *r, const void *data, size_t n)
{
	if (n > sizeof(r->body) - r->blen) {
		r->overflow = 1;
		return;
	}
	memcpy(r->body + r->blen, data, n);
	r->blen += n;
}

static const char *
req_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return status < 300 ? "OK" : status < 500 ? "Client Error" :
	    "Server Error";
}

static void
req_write(struct req *r, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (r->fx == NULL) {
		fwrite(s, 1, n, stdout);
		return;
	}
	/* The body is at most REQ_BODY_MAX, well inside an int. A write
	 * error means the web server went away; nothing left to tell it. */
	FCGX_PutStr(s, (int)n, r->fx->out);
}

void
req_finish(struct req *r)
{
	char line[64];
	int k;

	if (r->finished)
		return;
	r->finished = 1;
	/* Read the rest of a responder's stdin before answering. libfcgi
	 * drains it only after sending FCGI_END_REQUEST, and on a kept-alive
	 * connection (nginx fastcgi_keep_conn) that drain can swallow the
	 * start of the next request, which the web server sends as soon as
	 * it sees the end of this one. An authorizer's stdin may never be
	 * sent (Apache), so it is not waited for. */
	if (r->fx != NULL && r->role == REQ_RESPONDER)
		while (FCGX_GetStr(line, (int)sizeof(line), r->fx->in) > 0)
			continue;
	if (r->overflow) {
		log_error("response too large for its buffer (status %d); "
		    "answering 500", r->status);
		r->status = 500;
		r->hlen = r->blen = 0;
	}
	k = snprintf(line, sizeof(line), "Status: %d %s\r\n", r->status,
	    req_reason(r->status));
	req_write(r, line, (size_t)k);
	req_write(r, r->hdr, r->hlen);
	req_write(r, "\r\n", 2);
	req_write(r, r->body, r->blen);
	if (r->fx == NULL)
		fflush(stdout);
	else
		FCGX_Finish_r(r->fx);
}

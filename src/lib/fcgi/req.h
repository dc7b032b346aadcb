/* req.h - one FastCGI (or CGI) request and its response.
 *
 * Wraps libfcgi's FCGX_Request (FCGX_Accept_r, never the global
 * FCGI_Accept) and plain CGI (environ, stdin, stdout) behind one
 * interface. The response is buffered (bounded) and written in one go by
 * req_finish(), so a handler can set headers in any order.
 */
#ifndef JF_REQ_H
#define JF_REQ_H

#include <stddef.h>

#include "util/err.h"

/* FastCGI roles (FastCGI spec §6). */
enum req_role { REQ_RESPONDER = 1, REQ_AUTHORIZER = 2, REQ_FILTER = 3 };

#define REQ_HEADERS_MAX (16 * 1024)   /* response header bytes */
#define REQ_BODY_MAX (64 * 1024)      /* response body bytes */

struct req;

/* A request parameter (CGI variable) or NULL. */
const char *req_param(const struct req *r, const char *name);
enum req_role req_role(const struct req *r);
/* n parameters in one pass over the request's: out[i] is the first
 * value of names[i], or NULL. */
void req_params(const struct req *r, const char *const *names, size_t n,
	const char **out);

/* Reads the whole request body into buf (room for max bytes, NUL added
 * so buf needs max + 1). JF_E_TOO_LARGE if CONTENT_LENGTH or the data
 * exceed max; JF_E_INVALID_REQUEST if CONTENT_LENGTH is malformed or the
 * body is short. Refused (JF_E_INTERNAL) in the AUTHORIZER role, where
 * reading would stall Apache. */
enum jf_err req_read_body(struct req *r, char *buf, size_t max, size_t *n);

/* Response. Status defaults to 200. A header value containing CR, LF or
 * NUL is refused (returns -1) and not written. */
void req_status(struct req *r, int status);
int req_header(struct req *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a plain value, without formatting: the hot path of an
 * authorizer's answer. */
int req_header_str(struct req *r, const char *name, const char *value);
void req_body(struct req *r, const void *data, size_t n);

/* Writes the response ("Status:" line, headers, blank line, body). The
 * server calls it after the handler; handlers need not. */
void req_finish(struct req *r);

#endif

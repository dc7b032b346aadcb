/* req-int.h - what server.c needs of struct req and nobody else does.
 *
 * A worker owns one struct req for its whole life (the response buffers
 * are 80 KiB, too big for a stack and wasteful to allocate per request)
 * and resets it after each FCGX_Accept_r.
 */
#ifndef JF_REQ_INT_H
#define JF_REQ_INT_H

#include <fcgiapp.h>

#include "fcgi/req.h"

/* fx: the worker's FastCGI request, or NULL for one plain CGI request
 * (environ, stdin, stdout). NULL if out of memory. */
struct req *req_new(FCGX_Request *fx);
/* Forgets the previous response; reads the role of the request just
 * accepted. */
void req_reset(struct req *r);
void req_free(struct req *r);

#endif

/* fcgi.h - fcgi: FastCGI serving: one request and its buffered answer
 * (req), the supervisor and its pre-forked workers (server), and the
 * command line both FastCGI programs share (daemon).
 */
#ifndef JF_FCGI_H
#define JF_FCGI_H

#include "fcgi/req.h"
#include "fcgi/server.h"
#include "fcgi/daemon.h"

#endif

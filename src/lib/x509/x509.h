/* x509.h - x509: client certificates: the one the web server verified,
 * parsed by us (cert), and our own check of it against a trust list of
 * CAs (trust).
 */
#ifndef JF_X509_H
#define JF_X509_H

#include "x509/cert.h"
#include "x509/trust.h"
#include "x509/certmemo.h"

#endif

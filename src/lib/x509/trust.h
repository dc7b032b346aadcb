/* trust.h - the CAs a client certificate must chain to, loaded once.
 *
 * The web server verifies client certificates and says so in
 * SSL_CLIENT_VERIFY; a front end misconfigured to pass unverified ones
 * (Apache and nginx "optional_no_ca", Caddy "request", a constant
 * SUCCESS) would then hand the mint any self-made certificate. With a
 * trust list the mint checks the chain itself as well (defence in
 * depth), with GnuTLS: signatures up to one of the CAs, CA constraints,
 * the validity at the time given, and the key purpose (a certificate
 * whose extKeyUsage does not list clientAuth is refused; one without
 * the extension may be used for anything, RFC 5280 §4.2.1.12).
 */
#ifndef JF_TRUST_H
#define JF_TRUST_H

#include <stddef.h>
#include <time.h>

#include "util/err.h"

#define TRUST_FILE_MAX (256 * 1024)
#define TRUST_CAS_MAX 64

struct trust;
struct cert;

/* Every certificate in a PEM file, each of which must be a CA
 * (basicConstraints CA:TRUE). JF_E_CONFIG with the reason, or JF_E_IO. */
enum jf_err trust_load_file(struct trust **out, const char *path,
	struct jf_msg *m);
/* The same from n bytes of PEM. */
enum jf_err trust_load_mem(struct trust **out, const char *pem, size_t n,
	struct jf_msg *m);
void trust_free(struct trust *t);
size_t trust_count(const struct trust *t);

/* JF_OK when c chains to a CA of t, is valid at now and may serve for TLS
 * client authentication; else JF_E_INVALID_CLIENT saying why. t
 * remembers the last TRUST_MEMO certificates that chained (trust.c), so
 * it is not const. */
enum jf_err trust_check_client(struct trust *t, const struct cert *c,
	time_t now, struct jf_msg *m);

#endif

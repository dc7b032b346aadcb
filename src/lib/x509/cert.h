/* cert.h - the client certificate a web server verified, parsed by us.
 *
 * The mint never matches on the DN string the server puts in the
 * environment: lighttpd writes "O = Example, CN = a", Apache "CN=a,O=Example",
 * and a value from one server is no proof of the other's format. It takes
 * the PEM the server exports (SSL_CLIENT_CERT), parses it with GnuTLS and
 * reads every identity from the DER itself.
 *
 * Input forms accepted by cert_parse (the quirks servers apply):
 *   - standard PEM, LF or CRLF line ends (lighttpd, Apache ExportCertData,
 *     nginx $ssl_client_raw_cert);
 *   - PEM whose line breaks became spaces or tabs, or whose continuation
 *     lines start with a tab (nginx's deprecated $ssl_client_cert, servers
 *     and proxies that join lines into one header value);
 *   - the percent-encoded PEM of nginx's $ssl_client_escaped_cert.
 * Anything else is refused with a reason: DER or bare base64, zero or two
 * certificates, another PEM type (a private key), bytes other than
 * whitespace around the block, a DER with trailing bytes.
 *
 * Every failure caused by the input is JF_E_INVALID_CLIENT (RFC 8705 §2:
 * failed mutual-TLS client authentication is invalid_client).
 */
#ifndef JF_CERT_H
#define JF_CERT_H

#include <stddef.h>
#include <time.h>

#include "util/err.h"

struct cert;

/* Input caps. The encoded form may be three times the PEM. */
#define CERT_PEM_MAX (16 * 1024)        /* decoded PEM text */
#define CERT_INPUT_MAX (3 * CERT_PEM_MAX) /* what the server hands us */
#define CERT_SAN_MAX 64                 /* SAN URIs, and SAN DNS names, each */
#define CERT_SAN_ALL_MAX 256            /* SAN entries of any type */
#define CERT_VALUE_MAX 1024             /* one SAN, CN or DN, in bytes */

#define CERT_SHA256_LEN 32
#define CERT_X5T_LEN 43                 /* base64url of 32 bytes */
#define CERT_FP_HEX_LEN 95              /* "AB:CD:..." */

/* Parses exactly one certificate from one of the input forms above.
 * s may be NULL (the variable is unset): refused like an empty value. */
enum jf_err cert_parse(struct cert **out, const char *s, size_t n,
	struct jf_msg *m);
void cert_free(struct cert *c);

/* Undoes the server quirks: writes the single certificate of s as
 * canonical PEM ("-----BEGIN CERTIFICATE-----\n", 64-column lines, END
 * line, "\n") into dst (cap bytes, NUL-terminated) and its length to
 * *len. Checks the form only, not the DER. */
enum jf_err cert_pem_clean(char *dst, size_t cap, size_t *len,
	const char *s, size_t n, struct jf_msg *m);

/* SSL_CLIENT_VERIFY as lighttpd, Apache and nginx set it: JF_OK only for
 * "SUCCESS"; NULL, "NONE", "FAILED:..." and "GENEROUS" are refused. */
enum jf_err cert_check_verify(const char *value, struct jf_msg *m);

/* RFC 4514 strings as GnuTLS prints them (gnutls_x509_crt_get_dn3):
 * most specific RDN first, "CN=billing,O=Example", the same text as the
 * Subject: and Issuer: lines of `certtool -i`. */
const char *cert_subject_dn(const struct cert *c);
const char *cert_issuer_dn(const struct cert *c);
/* The first CN attribute in DER order (the least specific one when a DN
 * has several), or NULL when the subject has none. */
const char *cert_subject_cn(const struct cert *c);

/* SAN entries in certificate order; other SAN types are ignored. */
size_t cert_san_uri_count(const struct cert *c);
const char *cert_san_uri(const struct cert *c, size_t i);
size_t cert_san_dns_count(const struct cert *c);
const char *cert_san_dns(const struct cert *c, size_t i);

time_t cert_not_before(const struct cert *c);
time_t cert_not_after(const struct cert *c);
/* Lower-case hex of the serial's bytes, as `certtool -i` prints it. */
const char *cert_serial_hex(const struct cert *c);

/* SHA-256 of the DER: raw bytes, the RFC 8705 "x5t#S256" value (base64url,
 * no padding) and upper-case hex with colons as openssl prints it. */
const unsigned char *cert_sha256(const struct cert *c);
const char *cert_x5t_s256(const struct cert *c);
const char *cert_sha256_hex(const struct cert *c);

/* keyIdentifier of the Authority Key Identifier extension, as lower-case
 * hex without separators (certtool's form), or NULL when absent. It names
 * the issuing CA's key where two CAs share a DN. */
const char *cert_issuer_key_id(const struct cert *c);

/* The DER itself. */
const unsigned char *cert_der(const struct cert *c, size_t *len);

#endif

/* fuzz_cert.c - cert_parse and cert_pem_clean on what a web server may
 * hand over as SSL_CLIENT_CERT (PEM, joined lines, percent-encoded).
 *
 * cert_pem_clean must be idempotent (its output cleans to itself), and
 * a certificate that parses must parse again from its clean PEM to the
 * same DER. The input is also given to cert_check_verify as a string.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509/cert.h"
#include "fuzz.h"

#define CLEAN_CAP (CERT_PEM_MAX + 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
accessors(const struct cert *c)
{
	size_t i, n;

	assert(cert_subject_dn(c) != NULL && cert_issuer_dn(c) != NULL);
	assert(cert_serial_hex(c) != NULL);
	assert(strlen(cert_x5t_s256(c)) == CERT_X5T_LEN);
	assert(strlen(cert_sha256_hex(c)) == CERT_FP_HEX_LEN);
	assert(cert_san_uri_count(c) <= CERT_SAN_MAX);
	assert(cert_san_dns_count(c) <= CERT_SAN_MAX);
	for (i = 0; i < cert_san_uri_count(c); i++)
		assert(strlen(cert_san_uri(c, i)) <= CERT_VALUE_MAX);
	for (i = 0; i < cert_san_dns_count(c); i++)
		assert(strlen(cert_san_dns(c, i)) <= CERT_VALUE_MAX);
	assert(cert_san_uri(c, cert_san_uri_count(c)) == NULL);
	(void)cert_der(c, &n);
	assert(n > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct cert *c = NULL, *c2 = NULL;
	char *a = malloc(CLEAN_CAP), *b = malloc(CLEAN_CAP), *str;
	size_t alen = 0, blen = 0, d1, d2;
	enum jf_err rc, rc_clean;

	assert(a != NULL && b != NULL);
	rc_clean = cert_pem_clean(a, CLEAN_CAP, &alen, (const char *)data,
	    size, &m);
	if (rc_clean == JF_OK) {
		assert(alen < CLEAN_CAP && a[alen] == '\0' && strlen(a) == alen);
		assert(cert_pem_clean(b, CLEAN_CAP, &blen, a, alen, &m) ==
		    JF_OK);
		assert(blen == alen && memcmp(a, b, alen) == 0);
	} else {
		assert(rc_clean == JF_E_INVALID_CLIENT ||
		    rc_clean == JF_E_NOMEM);
	}

	rc = cert_parse(&c, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(c == NULL);
		assert(rc == JF_E_INVALID_CLIENT || rc == JF_E_NOMEM);
		assert(m.s[0] != '\0');
	} else {
		/* Whatever parses has a clean form, and it is the same DER. */
		assert(rc_clean == JF_OK);
		accessors(c);
		assert(cert_parse(&c2, a, alen, &m) == JF_OK);
		assert(memcmp(cert_sha256(c), cert_sha256(c2),
		    CERT_SHA256_LEN) == 0);
		(void)cert_der(c, &d1);
		(void)cert_der(c2, &d2);
		assert(d1 == d2);
		cert_free(c2);
		cert_free(c);
	}

	str = fuzz_strndup(data, size);
	rc = cert_check_verify(str, &m);
	assert(rc == JF_OK ? strcmp(str, "SUCCESS") == 0 :
	    rc == JF_E_INVALID_CLIENT);
	free(str);
	free(a);
	free(b);
	return 0;
}

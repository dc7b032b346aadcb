/* cert.c - one client certificate from the PEM a web server exports.
 *
 * The PEM framing is scanned here rather than by gnutls_x509_crt_import's
 * PEM mode, which searches for the first "-----BEGIN CERTIFICATE" anywhere
 * and ignores what surrounds it: we want two certificates, a key, or junk
 * around the block refused, not silently skipped.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "jose/b64.h"
#include "x509/cert.h"

#define SERIAL_MAX 64   /* RFC 5280 §4.1.2.2 allows 20 octets; be lenient */
#define AKI_MAX 64

struct cert {
	unsigned char *der;
	size_t der_len;
	char *subject_dn;
	char *issuer_dn;
	char *subject_cn;       /* NULL when absent */
	char *uri[CERT_SAN_MAX];
	size_t nuri;
	char *dns[CERT_SAN_MAX];
	size_t ndns;
	time_t not_before;
	time_t not_after;
	char serial[2 * SERIAL_MAX + 1];
	char *aki;              /* NULL when absent */
	unsigned char sha256[CERT_SHA256_LEN];
	char x5t[CERT_X5T_LEN + 1];
	char sha256_hex[CERT_FP_HEX_LEN + 1];
};

static const char begin_cert[] = "-----BEGIN CERTIFICATE-----";
static const char end_cert[] = "-----END CERTIFICATE-----";

static int is_ws(int ch);
static int is_b64(int ch);
static int hexval(int ch);
static enum jf_err unescape(char *dst, size_t *len, const char *s, size_t n,
	struct jf_msg *m);
static enum jf_err pem_body(char *b64, size_t cap, size_t *blen,
	const char *s, size_t n, struct jf_msg *m);
static int b64_decode(unsigned char *dst, size_t *dlen, const char *s,
	size_t n);
static enum jf_err der_check(const unsigned char *d, size_t n,
	struct jf_msg *m);
static enum jf_err extract(struct cert *c, gnutls_x509_crt_t crt,
	struct jf_msg *m);
static enum jf_err take_datum(char **out, gnutls_datum_t *d, const char *what,
	struct jf_msg *m);
static enum jf_err extract_sans(struct cert *c, gnutls_x509_crt_t crt,
	struct jf_msg *m);
static void hex(char *dst, const unsigned char *src, size_t n, int colons);
static enum jf_err input_b64(char *b64, size_t *blen, const char *s, size_t n,
	struct jf_msg *m);

static int
is_ws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int
is_b64(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=';
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes s (n <= CERT_INPUT_MAX) into dst (room for n bytes).
 * '+' stays '+': it is a base64 character, and nginx encodes it as %2B. */
static enum jf_err
unescape(char *dst, size_t *len, const char *s, size_t n, struct jf_msg *m)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			dst[o++] = s[i];
			continue;
		}
		if (n - i < 3)
			return jf_fail(m, JF_E_INVALID_CLIENT,
			    "certificate: truncated %%-escape at byte %zu", i);
		hi = hexval((unsigned char)s[i + 1]);
		lo = hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0)
			return jf_fail(m, JF_E_INVALID_CLIENT,
			    "certificate: bad %%-escape at byte %zu", i);
		dst[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	*len = o;
	return JF_OK;
}

/* Finds the one CERTIFICATE block of s and writes its base64 text, with
 * all whitespace removed, to b64 (cap bytes). */
static enum jf_err
pem_body(char *b64, size_t cap, size_t *blen, const char *s, size_t n,
    struct jf_msg *m)
{
	const size_t bl = sizeof(begin_cert) - 1, el = sizeof(end_cert) - 1;
	size_t i = 0, o = 0, j;

	while (i < n && is_ws((unsigned char)s[i]))
		i++;
	if (i == n)
		return jf_fail(m, JF_E_INVALID_CLIENT, "no client certificate "
		    "(empty value)");
	if (n - i < 11 || memcmp(s + i, "-----BEGIN ", 11) != 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "client certificate is "
		    "not PEM (no -----BEGIN line)");
	if (n - i < bl || memcmp(s + i, begin_cert, bl) != 0) {
		/* Name the label only if it is plain text. */
		for (j = i + 11; j < n && j - i < 60 &&
		    ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' &&
		    s[j] <= '9') || s[j] == ' '); j++)
			;
		if (j < n && s[j] == '-')
			return jf_fail(m, JF_E_INVALID_CLIENT, "expected a PEM "
			    "CERTIFICATE, got %.*s", (int)(j - i - 11), s + i + 11);
		return jf_fail(m, JF_E_INVALID_CLIENT, "expected a PEM "
		    "CERTIFICATE");
	}
	for (i += bl; i < n && s[i] != '-'; i++) {
		if (is_ws((unsigned char)s[i]))
			continue;
		if (!is_b64((unsigned char)s[i]))
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
			    "unexpected byte 0x%02x in the base64 body",
			    (unsigned char)s[i]);
		if (o + 1 >= cap)
			return jf_fail(m, JF_E_INVALID_CLIENT,
			    "certificate too large");
		b64[o++] = s[i];
	}
	if (i == n)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: no "
		    "-----END CERTIFICATE----- line (truncated?)");
	if (n - i < el || memcmp(s + i, end_cert, el) != 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
		    "unexpected byte 0x2d in the base64 body");
	for (i += el; i < n && is_ws((unsigned char)s[i]); i++)
		;
	if (i < n && n - i >= 11 && memcmp(s + i, "-----BEGIN ", 11) == 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "more than one PEM block: "
		    "export only the client certificate, not its chain");
	if (i < n)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: trailing "
		    "bytes after the END line");
	if (o == 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: empty "
		    "PEM body");
	b64[o] = '\0';
	*blen = o;
	return JF_OK;
}

/* Standard base64 (RFC 4648 §4) with padding; dst has room for n/4*3. */
static int
b64_decode(unsigned char *dst, size_t *dlen, const char *s, size_t n)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0, pad = 0;
	uint32_t acc = 0;
	const char *p;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i++) {
		if (i >= n - pad) {
			if (s[i] != '=')
				return -1;
			acc <<= 6;
		} else {
			if (s[i] == '=' || (p = strchr(alpha, s[i])) == NULL)
				return -1;
			acc = acc << 6 | (uint32_t)(p - alpha);
		}
		if (i % 4 == 3) {
			dst[o++] = (unsigned char)(acc >> 16);
			dst[o++] = (unsigned char)(acc >> 8);
			dst[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	*dlen = o - pad;
	return 0;
}

/* The DER must be one SEQUENCE spanning exactly n bytes: GnuTLS would
 * ignore bytes after it, and they would still change the fingerprint. */
static enum jf_err
der_check(const unsigned char *d, size_t n, struct jf_msg *m)
{
	size_t len, hdr, k;

	if (n < 2 || d[0] != 0x30)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: DER is not "
		    "a SEQUENCE");
	if (d[1] < 0x80) {
		len = d[1];
		hdr = 2;
	} else {
		k = d[1] & 0x7f;
		if (k < 1 || k > 3 || n < 2 + k)
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
			    "bad DER length");
		for (len = 0, hdr = 0; hdr < k; hdr++)
			len = len << 8 | d[2 + hdr];
		hdr = 2 + k;
	}
	if (len != n - hdr)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: DER length "
		    "%zu does not match the %zu bytes given", len + hdr, n);
	return JF_OK;
}

static void
hex(char *dst, const unsigned char *src, size_t n, int colons)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *digits = colons ? up : lo;
	size_t i;

	for (i = 0; i < n; i++) {
		if (colons && i > 0)
			*dst++ = ':';
		*dst++ = digits[src[i] >> 4];
		*dst++ = digits[src[i] & 15];
	}
	*dst = '\0';
}

/* Moves a GnuTLS-allocated string into our own, refusing NULs and
 * over-long values; frees d either way. */
static enum jf_err
take_datum(char **out, gnutls_datum_t *d, const char *what, struct jf_msg *m)
{
	enum jf_err rc = JF_OK;

	if (d->size > CERT_VALUE_MAX)
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "certificate: %s longer "
		    "than %d bytes", what, CERT_VALUE_MAX);
	else if (memchr(d->data, '\0', d->size) != NULL)
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "certificate: %s contains "
		    "a NUL byte", what);
	else if ((*out = strndup((const char *)d->data, d->size)) == NULL)
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
	gnutls_free(d->data);
	d->data = NULL;
	return rc;
}

static enum jf_err
extract_sans(struct cert *c, gnutls_x509_crt_t crt, struct jf_msg *m)
{
	char buf[CERT_VALUE_MAX + 1];
	size_t sz;
	unsigned int seq;
	int r;

	for (seq = 0;; seq++) {
		sz = sizeof(buf);
		r = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &sz,
		    NULL);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return JF_OK;
		if (seq >= CERT_SAN_ALL_MAX)
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate has "
			    "more than %d subjectAltName entries",
			    CERT_SAN_ALL_MAX);
		if (r == GNUTLS_E_SHORT_MEMORY_BUFFER)
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
			    "subjectAltName %u longer than %d bytes", seq,
			    CERT_VALUE_MAX);
		/* A SAN type GnuTLS does not know is no reason to refuse. */
		if (r == GNUTLS_E_X509_UNKNOWN_SAN)
			continue;
		if (r < 0)
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
			    "subjectAltName %u: %s", seq, gnutls_strerror(r));
		if (r != GNUTLS_SAN_URI && r != GNUTLS_SAN_DNSNAME)
			continue;
		/* An embedded NUL would let "a.example\0.evil" pass as
		 * "a.example" to strcmp. */
		if (sz >= sizeof(buf) || strlen(buf) != sz)
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
			    "subjectAltName %u contains a NUL byte", seq);
		if (r == GNUTLS_SAN_URI) {
			if (c->nuri == CERT_SAN_MAX)
				return jf_fail(m, JF_E_INVALID_CLIENT,
				    "certificate has more than %d SAN URIs",
				    CERT_SAN_MAX);
			if ((c->uri[c->nuri] = strdup(buf)) == NULL)
				return jf_fail(m, JF_E_NOMEM, "out of memory");
			c->nuri++;
		} else {
			if (c->ndns == CERT_SAN_MAX)
				return jf_fail(m, JF_E_INVALID_CLIENT,
				    "certificate has more than %d SAN DNS names",
				    CERT_SAN_MAX);
			if ((c->dns[c->ndns] = strdup(buf)) == NULL)
				return jf_fail(m, JF_E_NOMEM, "out of memory");
			c->ndns++;
		}
	}
}

static enum jf_err
extract(struct cert *c, gnutls_x509_crt_t crt, struct jf_msg *m)
{
	gnutls_datum_t d = { NULL, 0 };
	unsigned char bin[SERIAL_MAX > AKI_MAX ? SERIAL_MAX : AKI_MAX];
	char cn[CERT_VALUE_MAX + 1];
	size_t sz;
	enum jf_err rc;
	int r;

	r = gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		c->subject_dn = strdup("");
	else if (r < 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: subject: %s",
		    gnutls_strerror(r));
	else if ((rc = take_datum(&c->subject_dn, &d, "subject DN", m)) != JF_OK)
		return rc;
	r = gnutls_x509_crt_get_issuer_dn3(crt, &d, 0);
	if (r < 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: issuer: %s",
		    gnutls_strerror(r));
	if ((rc = take_datum(&c->issuer_dn, &d, "issuer DN", m)) != JF_OK)
		return rc;
	if (c->subject_dn == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");

	sz = sizeof(cn);
	r = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, cn, &sz);
	if (r == GNUTLS_E_SHORT_MEMORY_BUFFER)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: subject CN "
		    "longer than %d bytes", CERT_VALUE_MAX);
	if (r < 0 && r != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: subject CN: "
		    "%s", gnutls_strerror(r));
	if (r == 0) {
		if (sz >= sizeof(cn) || strlen(cn) != sz)
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: "
			    "subject CN contains a NUL byte");
		if ((c->subject_cn = strdup(cn)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
	}

	if ((rc = extract_sans(c, crt, m)) != JF_OK)
		return rc;

	c->not_before = gnutls_x509_crt_get_activation_time(crt);
	c->not_after = gnutls_x509_crt_get_expiration_time(crt);
	if (c->not_before == (time_t)-1 || c->not_after == (time_t)-1)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: unreadable "
		    "validity dates");

	sz = SERIAL_MAX;
	if ((r = gnutls_x509_crt_get_serial(crt, bin, &sz)) < 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: serial: %s",
		    gnutls_strerror(r));
	hex(c->serial, bin, sz, 0);

	sz = AKI_MAX;
	r = gnutls_x509_crt_get_authority_key_id(crt, bin, &sz, NULL);
	if (r == 0 && sz > 0) {
		if ((c->aki = malloc(2 * sz + 1)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		hex(c->aki, bin, sz, 0);
	} else if (r < 0 && r != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate: authority "
		    "key identifier: %s", gnutls_strerror(r));
	return JF_OK;
}

/* The base64 body (CERT_PEM_MAX bytes of room) of any accepted input form. */
static enum jf_err
input_b64(char *b64, size_t *blen, const char *s, size_t n, struct jf_msg *m)
{
	char *tmp = NULL;
	size_t tlen = 0;
	enum jf_err rc = JF_E_INTERNAL;

	if (s == NULL) {        /* the variable was not set at all */
		s = "";
		n = 0;
	}
	if (n > CERT_INPUT_MAX)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate input is %zu "
		    "bytes, over the limit of %d", n, CERT_INPUT_MAX);
	/* PEM never contains '%', so its presence means percent-encoding. */
	if (n > 0 && memchr(s, '%', n) != NULL) {
		if ((tmp = malloc(n)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		if ((rc = unescape(tmp, &tlen, s, n, m)) != JF_OK)
			goto fail;
		s = tmp;
		n = tlen;
	}
	if (n > CERT_PEM_MAX) {
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "certificate PEM is %zu "
		    "bytes, over the limit of %d", n, CERT_PEM_MAX);
		goto fail;
	}
	rc = pem_body(b64, CERT_PEM_MAX, blen, s, n, m);
fail:
	free(tmp);
	return rc;
}

enum jf_err
cert_pem_clean(char *dst, size_t cap, size_t *len, const char *s, size_t n,
    struct jf_msg *m)
{
	char *b64;
	size_t blen, i, o, k;
	enum jf_err rc;

	if ((b64 = malloc(CERT_PEM_MAX)) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if ((rc = input_b64(b64, &blen, s, n, m)) != JF_OK)
		goto fail;
	/* BEGIN line, body with a newline per 64 characters, END line. */
	if (sizeof(begin_cert) + blen + blen / 64 + 1 + sizeof(end_cert) + 1 >
	    cap) {
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "certificate: no room for "
		    "the clean PEM");
		goto fail;
	}
	o = (size_t)sprintf(dst, "%s\n", begin_cert);
	for (i = 0; i < blen; i += k) {
		k = blen - i < 64 ? blen - i : 64;
		memcpy(dst + o, b64 + i, k);
		o += k;
		dst[o++] = '\n';
	}
	o += (size_t)sprintf(dst + o, "%s\n", end_cert);
	*len = o;
fail:
	free(b64);
	return rc;
}

enum jf_err
cert_parse(struct cert **out, const char *s, size_t n, struct jf_msg *m)
{
	struct cert *c = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;
	char *b64 = NULL;
	size_t blen;
	enum jf_err rc = JF_E_INTERNAL;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (b64 = malloc(CERT_PEM_MAX)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = input_b64(b64, &blen, s, n, m)) != JF_OK)
		goto fail;
	/* calloc: the analyzer cannot tell b64_decode fills what der_check
	 * reads (it loses n % 4 == 0); zeroing 12 KiB at most is cheap. */
	if ((c->der = calloc(1, blen / 4 * 3 + 3)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	if (b64_decode(c->der, &c->der_len, b64, blen) != 0) {
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "certificate: invalid "
		    "base64 in the PEM body");
		goto fail;
	}
	if ((rc = der_check(c->der, c->der_len, m)) != JF_OK)
		goto fail;
	if ((r = gnutls_x509_crt_init(&crt)) < 0) {
		crt = NULL;
		rc = jf_fail(m, JF_E_NOMEM, "gnutls_x509_crt_init: %s",
		    gnutls_strerror(r));
		goto fail;
	}
	d.data = c->der;
	d.size = (unsigned int)c->der_len;
	if ((r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0) {
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "certificate: not a valid "
		    "X.509 certificate: %s", gnutls_strerror(r));
		goto fail;
	}
	if ((rc = extract(c, crt, m)) != JF_OK)
		goto fail;
	if ((r = gnutls_hash_fast(GNUTLS_DIG_SHA256, c->der, c->der_len,
	    c->sha256)) < 0) {
		rc = jf_fail(m, JF_E_INTERNAL, "SHA-256: %s", gnutls_strerror(r));
		goto fail;
	}
	b64url_encode(c->x5t, c->sha256, sizeof(c->sha256));
	hex(c->sha256_hex, c->sha256, sizeof(c->sha256), 1);
	*out = c;
	c = NULL;
	rc = JF_OK;
fail:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	free(b64);
	cert_free(c);
	return rc;
}

void
cert_free(struct cert *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nuri; i++)
		free(c->uri[i]);
	for (i = 0; i < c->ndns; i++)
		free(c->dns[i]);
	free(c->der);
	free(c->subject_dn);
	free(c->issuer_dn);
	free(c->subject_cn);
	free(c->aki);
	free(c);
}

enum jf_err
cert_check_verify(const char *v, struct jf_msg *m)
{
	size_t i;

	if (v == NULL || *v == '\0')
		return jf_fail(m, JF_E_INVALID_CLIENT, "SSL_CLIENT_VERIFY is not "
		    "set: the web server did not ask for a client certificate");
	if (strcmp(v, "SUCCESS") == 0)
		return JF_OK;
	if (strcmp(v, "NONE") == 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "no client certificate "
		    "was presented");
	if (strcmp(v, "GENEROUS") == 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "the web server accepted "
		    "the client certificate without verifying it (GENEROUS)");
	/* Echo the server's reason only while it is plain text. */
	for (i = 0; v[i] != '\0' && i < 120 && v[i] >= 0x20 && v[i] < 0x7f; i++)
		;
	if (strncmp(v, "FAILED", 6) == 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "the web server could not "
		    "verify the client certificate: %.*s", (int)i, v);
	return jf_fail(m, JF_E_INVALID_CLIENT, "unexpected SSL_CLIENT_VERIFY "
	    "value \"%.*s\"", (int)i, v);
}

const char *cert_subject_dn(const struct cert *c) { return c->subject_dn; }
const char *cert_issuer_dn(const struct cert *c) { return c->issuer_dn; }
const char *cert_subject_cn(const struct cert *c) { return c->subject_cn; }
size_t cert_san_uri_count(const struct cert *c) { return c->nuri; }
size_t cert_san_dns_count(const struct cert *c) { return c->ndns; }
time_t cert_not_before(const struct cert *c) { return c->not_before; }
time_t cert_not_after(const struct cert *c) { return c->not_after; }
const char *cert_serial_hex(const struct cert *c) { return c->serial; }
const unsigned char *cert_sha256(const struct cert *c) { return c->sha256; }
const char *cert_x5t_s256(const struct cert *c) { return c->x5t; }
const char *cert_sha256_hex(const struct cert *c) { return c->sha256_hex; }
const char *cert_issuer_key_id(const struct cert *c) { return c->aki; }

const char *
cert_san_uri(const struct cert *c, size_t i)
{
	return i < c->nuri ? c->uri[i] : NULL;
}

const char *
cert_san_dns(const struct cert *c, size_t i)
{
	return i < c->ndns ? c->dns[i] : NULL;
}

const unsigned char *
cert_der(const struct cert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

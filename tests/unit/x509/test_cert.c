/* test_cert.c - cert.c against the fixtures of tests/unit/certs/mkcerts.sh.
 * Expected fingerprints come from openssl (the *.fp, *.x5t, ca.ski files),
 * not from GnuTLS, so the two implementations check each other. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/cert.h"
#include "fixture.h"
#include "tap.h"

/* Re-encodes a certificate the way each web server hands it over. */
static char *
reform(const char *pem, const char *how)
{
	char *out = malloc(strlen(pem) * 3 + 16);
	const char *p;
	char *o = out;

	for (p = pem; *p != '\0'; p++) {
		if (strcmp(how, "crlf") == 0 && *p == '\n')
			*o++ = '\r';
		if (strcmp(how, "spaces") == 0 && *p == '\n') {
			*o++ = ' ';
			continue;
		}
		if (strcmp(how, "escaped") == 0 && !(
		    (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')) {
			o += sprintf(o, "%%%02X", (unsigned char)*p);
			continue;
		}
		*o++ = *p;
		/* nginx $ssl_client_cert: a tab before every line but the first */
		if (strcmp(how, "tabs") == 0 && *p == '\n' && p[1] != '\0')
			*o++ = '\t';
	}
	*o = '\0';
	return out;
}

static void
test_billing(void)
{
	struct jf_msg m = { "" };
	struct cert *c = NULL;
	char *pem = fixture("billing.pem", NULL), *fp = fixture_line("billing.fp");
	char *x5t = fixture_line("billing.x5t"), *ski = fixture_line("ca.ski");
	const unsigned char *der;
	size_t derlen;

	is(cert_parse(&c, pem, strlen(pem), &m), JF_OK, "billing.pem parses");
	if (c == NULL) {
		diag("%s", m.s);
		return;
	}
	is_str(cert_subject_dn(c), "CN=billing,O=Example", "subject DN RFC 4514");
	is_str(cert_issuer_dn(c), "CN=Service CA,O=Example", "issuer DN");
	is_str(cert_subject_cn(c), "billing", "subject CN");
	is(cert_san_uri_count(c), 1, "one SAN URI");
	is_str(cert_san_uri(c, 0), "spiffe://example.test/billing", "SAN URI");
	ok(cert_san_uri(c, 1) == NULL, "SAN URI out of range is NULL");
	is(cert_san_dns_count(c), 2, "two SAN DNS names");
	is_str(cert_san_dns(c, 0), "billing.svc", "SAN DNS 0");
	is_str(cert_san_dns(c, 1), "Billing.Example.TEST", "SAN DNS 1, case kept");
	is(cert_not_before(c), 1704067200, "not before 2024-01-01");
	is(cert_not_after(c), 2082758400, "not after 2036-01-01");
	is_str(cert_serial_hex(c), "1234abcd", "serial");
	is_str(cert_sha256_hex(c), fp, "SHA-256 equals openssl's fingerprint");
	is_str(cert_x5t_s256(c), x5t, "x5t#S256 equals openssl dgst | base64url");
	is(strlen(cert_x5t_s256(c)), CERT_X5T_LEN, "x5t#S256 length");
	is_str(cert_issuer_key_id(c), ski, "AKI equals the CA's SKI");
	der = cert_der(c, &derlen);
	ok(der != NULL && derlen > 300 && der[0] == 0x30, "DER kept");
	cert_free(c);
	free(pem);
	free(fp);
	free(x5t);
	free(ski);
}

/* Each server quirk gives the same certificate and the same clean PEM. */
static void
test_forms(void)
{
	static const char *const forms[] = { "lf", "crlf", "tabs", "spaces",
	    "escaped" };
	char *pem = fixture("billing.pem", NULL), *fp = fixture_line("billing.fp");
	char clean[CERT_PEM_MAX], name[80], *in, *padded;
	struct jf_msg m;
	struct cert *c;
	size_t i, len;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		in = reform(pem, forms[i]);
		c = NULL;
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "form %s parses", forms[i]);
		is(cert_parse(&c, in, strlen(in), &m), JF_OK, name);
		snprintf(name, sizeof(name), "form %s: same fingerprint", forms[i]);
		is_str(c ? cert_sha256_hex(c) : m.s, fp, name);
		cert_free(c);
		snprintf(name, sizeof(name), "form %s: clean PEM is the original",
		    forms[i]);
		len = 0;
		is(cert_pem_clean(clean, sizeof(clean), &len, in, strlen(in), &m),
		    JF_OK, name);
		ok(len == strlen(pem) && memcmp(clean, pem, len) == 0 &&
		    clean[len] == '\0', name);
		free(in);
	}
	padded = malloc(strlen(pem) + 16);
	sprintf(padded, " \r\n\t%s\n\n ", pem);
	c = NULL;
	is(cert_parse(&c, padded, strlen(padded), &m), JF_OK,
	    "whitespace around the block is fine");
	cert_free(c);
	is(cert_pem_clean(clean, 100, &len, pem, strlen(pem), &m),
	    JF_E_INVALID_CLIENT, "clean PEM refuses a short buffer");
	free(padded);
	free(pem);
	free(fp);
}

struct bad {
	const char *name;
	const char *file;       /* fixture, or NULL to use text */
	const char *text;
	const char *reason;     /* substring of the message */
};

static const struct bad bads[] = {
	{ "empty", NULL, "", "empty value" },
	{ "whitespace only", NULL, " \n\t", "empty value" },
	{ "garbage", NULL, "hello world", "not PEM" },
	{ "bare base64", NULL, "MIIBszCCAVmgAwIBAgIE", "not PEM" },
	{ "DER bytes", NULL, "\x30\x82\x01\xb3\x30\x82", "not PEM" },
	{ "truncated", "truncated.pem", NULL, "no -----END CERTIFICATE" },
	{ "two certificates", "two-certs.pem", NULL, "more than one PEM block" },
	{ "private key", "privkey.pem", NULL, "got EC PRIVATE KEY" },
	{ "trailing garbage", "trailing.pem", NULL, "trailing bytes" },
	{ "CRL label", NULL, "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 "
	    "CRL-----\n", "got X509 CRL" },
	{ "BEGIN lookalike", NULL, "-----BEGIN CERTIFICATEX-----\n", "expected a "
	    "PEM CERTIFICATE" },
	{ "RFC 1421 header", NULL, "-----BEGIN CERTIFICATE-----\nProc-Type: 4"
	    "\n-----END CERTIFICATE-----\n", "unexpected byte 0x2d" },
	{ "empty body", NULL, "-----BEGIN CERTIFICATE-----\n-----END "
	    "CERTIFICATE-----\n", "empty PEM body" },
	{ "bad base64 length", NULL, "-----BEGIN CERTIFICATE-----\nMAA\n"
	    "-----END CERTIFICATE-----\n", "invalid base64" },
	{ "padding inside", NULL, "-----BEGIN CERTIFICATE-----\nMA==MAA=\n"
	    "-----END CERTIFICATE-----\n", "invalid base64" },
	{ "DER not a SEQUENCE", NULL, "-----BEGIN CERTIFICATE-----\nAgEB\n"
	    "-----END CERTIFICATE-----\n", "not a SEQUENCE" },
	{ "DER trailing bytes", NULL, "-----BEGIN CERTIFICATE-----\nMAAA\n"
	    "-----END CERTIFICATE-----\n", "does not match" },
	{ "DER truncated", NULL, "-----BEGIN CERTIFICATE-----\nMAUA\n"
	    "-----END CERTIFICATE-----\n", "does not match" },
	{ "empty SEQUENCE", NULL, "-----BEGIN CERTIFICATE-----\nMAA=\n"
	    "-----END CERTIFICATE-----\n", "not a valid X.509" },
	{ "bad escape", NULL, "-----BEGIN%20CERTIFICATE-----%0A%G1", "bad %-escape" },
	{ "truncated escape", NULL, "-----BEGIN%20CERTIFICATE-----%0", "truncated "
	    "%-escape" },
	{ "escaped NUL", NULL, "-----BEGIN%20CERTIFICATE-----%0AMAA%00", "unexpected "
	    "byte 0x00" },
	{ "65 SAN URIs", "uris65.pem", NULL, "more than 64 SAN URIs" },
	{ "1000 SAN DNS names", "dns1000.pem", NULL, "more than 64 SAN DNS names" },
};

static void
test_hostile(void)
{
	struct jf_msg m;
	struct cert *c;
	char *in, name[120];
	size_t i, len;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		in = bads[i].file ? fixture(bads[i].file, &len) : strdup(bads[i].text);
		if (bads[i].file == NULL)
			len = strcmp(bads[i].name, "DER bytes") == 0 ? 6 : strlen(in);
		c = (struct cert *)1;
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "%s: refused as invalid_client",
		    bads[i].name);
		is(cert_parse(&c, in, len, &m), JF_E_INVALID_CLIENT, name);
		ok(c == NULL, "no certificate returned");
		snprintf(name, sizeof(name), "%s: reason", bads[i].name);
		if (!ok(strstr(m.s, bads[i].reason) != NULL, name))
			diag("got \"%s\", want \"%s\"", m.s, bads[i].reason);
		free(in);
	}

	c = (struct cert *)1;
	is(cert_parse(&c, NULL, 0, &m), JF_E_INVALID_CLIENT, "NULL input");
	ok(c == NULL && strstr(m.s, "empty value") != NULL, "NULL: reason");
	in = malloc(CERT_INPUT_MAX + 1);
	memset(in, ' ', CERT_INPUT_MAX + 1);
	is(cert_parse(&c, in, CERT_INPUT_MAX + 1, &m), JF_E_INVALID_CLIENT,
	    "input over CERT_INPUT_MAX refused");
	ok(strstr(m.s, "over the limit") != NULL, "size reason");
	is(cert_parse(&c, in, CERT_PEM_MAX + 1, &m), JF_E_INVALID_CLIENT,
	    "PEM over CERT_PEM_MAX refused");
	ok(strstr(m.s, "over the limit of 16384") != NULL, "PEM size reason");
	free(in);
}

static void
test_limits(void)
{
	struct jf_msg m = { "" };
	struct cert *c = NULL;
	char *pem = fixture("sans64.pem", NULL);

	is(cert_parse(&c, pem, strlen(pem), &m), JF_OK, "64 URIs + 64 DNS names: "
	    "at the limit, accepted");
	if (c != NULL) {
		is(cert_san_uri_count(c), 64, "64 URIs");
		is(cert_san_dns_count(c), 64, "64 DNS names");
		is_str(cert_san_uri(c, 63), "spiffe://t/63", "last URI");
		is_str(cert_san_dns(c, 63), "d63.t", "last DNS name");
	}
	cert_free(c);
	free(pem);

	pem = fixture("cnonly.pem", NULL);
	c = NULL;
	is(cert_parse(&c, pem, strlen(pem), &m), JF_OK, "CN-only cert parses");
	if (c != NULL) {
		is_str(cert_subject_cn(c), "reports", "CN");
		is_str(cert_subject_dn(c), "CN=reports", "DN");
		is(cert_san_uri_count(c) + cert_san_dns_count(c), 0, "no SANs");
	}
	cert_free(c);
	free(pem);

	pem = fixture("ca.pem", NULL);
	c = NULL;
	is(cert_parse(&c, pem, strlen(pem), &m), JF_OK, "self-signed CA parses");
	ok(c != NULL && cert_issuer_key_id(c) == NULL, "no AKI: NULL");
	cert_free(c);
	free(pem);
	cert_free(NULL);
}

static void
test_verify(void)
{
	static const struct { const char *v; enum jf_err rc; const char *why; }
	t[] = {
		{ "SUCCESS", JF_OK, "" },
		{ NULL, JF_E_INVALID_CLIENT, "not set" },
		{ "", JF_E_INVALID_CLIENT, "not set" },
		{ "NONE", JF_E_INVALID_CLIENT, "no client certificate" },
		{ "GENEROUS", JF_E_INVALID_CLIENT, "without verifying" },
		{ "FAILED:certificate has expired", JF_E_INVALID_CLIENT,
		    "could not verify the client certificate: FAILED:certificate "
		    "has expired" },
		{ "success", JF_E_INVALID_CLIENT, "unexpected" },
		{ "SUCCESS ", JF_E_INVALID_CLIENT, "unexpected" },
	};
	struct jf_msg m;
	char name[100];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "SSL_CLIENT_VERIFY \"%s\"",
		    t[i].v ? t[i].v : "(unset)");
		is(cert_check_verify(t[i].v, &m), t[i].rc, name);
		if (!ok(strstr(m.s, t[i].why) != NULL, "reason"))
			diag("got \"%s\"", m.s);
	}
}

int
main(void)
{
	test_billing();
	test_forms();
	test_hostile();
	test_limits();
	test_verify();
	return done_testing();
}

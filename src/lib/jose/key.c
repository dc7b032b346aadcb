/* key.c - one asymmetric JOSE key: PEM, generation, sign, verify (GnuTLS).
 *
 * Everything is parsed and checked once, when the key is loaded: the JWK
 * members and the thumbprint are computed then, so key_verify does no
 * parsing and no allocation of its own (the ECDSA DER it hands GnuTLS is
 * built on the stack).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "jose/b64.h"
#include "util/file.h"
#include "jose/key.h"
#include "jose/key-int.h"

#define KEY_PEM_MAX (64 * 1024)

/* Curve orders (SEC 2), big-endian: R and S of a signature must lie in
 * [1, n-1]. GnuTLS checks too, but we refuse before calling it so that an
 * all-zero signature (CVE-2022-21449) never reaches any library. */
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const unsigned char p384_n[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
	0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};

static const char *const alg_names[JF_ALG__LAST] = {
	[JF_ALG_NONE] = NULL, [JF_ALG_ES256] = "ES256", [JF_ALG_ES384] = "ES384",
	[JF_ALG_RS256] = "RS256", [JF_ALG_PS256] = "PS256",
	[JF_ALG_EDDSA] = "EdDSA",
};


const char *
jf_alg_name(enum jf_alg a)
{
	return (a > JF_ALG_NONE && a < JF_ALG__LAST) ? alg_names[a] : NULL;
}

enum jf_alg
jf_alg_from_name(const char *s)
{
	int a;

	if (s == NULL)
		return JF_ALG_NONE;
	for (a = JF_ALG_NONE + 1; a < JF_ALG__LAST; a++)
		if (strcmp(s, alg_names[a]) == 0)
			return (enum jf_alg)a;
	return JF_ALG_NONE;
}

/* ---- common ---------------------------------------------------------- */

struct jf_key *
key_alloc(void)
{
	struct jf_key *k = calloc(1, sizeof(*k));

	if (k != NULL && gnutls_pubkey_init(&k->pub) < 0) {
		free(k);
		k = NULL;
	}
	return k;
}

void
key_free(struct jf_key *k)
{
	if (k == NULL)
		return;
	gnutls_pubkey_deinit(k->pub);
	if (k->priv != NULL)
		gnutls_privkey_deinit(k->priv);   /* GnuTLS clears the params */
	free(k->kid);
	free(k->m1);
	free(k->m2);
	free(k);
}

/* Classifies k->pub, refuses what JOSE or our bounds do not allow, and
 * caches the JWK members and the thumbprint. */
enum jf_err
key_finish(struct jf_key *k, struct jf_msg *m)
{
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	unsigned bits = 0;
	int pk, r;
	enum jf_err rc = JF_E_CONFIG;

	pk = gnutls_pubkey_get_pk_algorithm(k->pub, &bits);
	if (pk == GNUTLS_PK_RSA) {
		if (bits < KEY_RSA_MIN_BITS || bits > KEY_RSA_MAX_BITS) {
			jf_fail(m, rc, "RSA key of %u bits refused: need %d to %d",
			    bits, KEY_RSA_MIN_BITS, KEY_RSA_MAX_BITS);
			goto fail;
		}
		r = gnutls_pubkey_export_rsa_raw2(k->pub, &a, &b,
		    GNUTLS_EXPORT_FLAG_NO_LZ);
		k->kty = JF_KTY_RSA;
		k->len = (bits + 7) / 8;
		k->algs = JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_PS256);
	} else if (pk == GNUTLS_PK_ECDSA || pk == GNUTLS_PK_EDDSA_ED25519) {
		r = gnutls_pubkey_export_ecc_raw2(k->pub, &k->curve, &a, &b,
		    GNUTLS_EXPORT_FLAG_NO_LZ);
		if (r >= 0 && k->curve == GNUTLS_ECC_CURVE_SECP256R1) {
			k->kty = JF_KTY_EC;
			k->len = 32;
			k->algs = JF_ALG_BIT(JF_ALG_ES256);
		} else if (r >= 0 && k->curve == GNUTLS_ECC_CURVE_SECP384R1) {
			k->kty = JF_KTY_EC;
			k->len = 48;
			k->algs = JF_ALG_BIT(JF_ALG_ES384);
		} else if (r >= 0 && k->curve == GNUTLS_ECC_CURVE_ED25519) {
			k->kty = JF_KTY_OKP;
			k->len = 32;
			k->algs = JF_ALG_BIT(JF_ALG_EDDSA);
		} else if (r >= 0) {
			const char *cn = gnutls_ecc_curve_get_name(k->curve);

			jf_fail(m, rc, "curve %s refused: use P-256, P-384 or "
			    "Ed25519", cn ? cn : "unknown");
			goto fail;
		}
		if (r >= 0 && k->kty == JF_KTY_EC &&
		    gnutls_pubkey_verify_params(k->pub) < 0) {
			jf_fail(m, rc, "EC point is not on the curve");
			goto fail;
		}
	} else {
		const char *pn = gnutls_pk_get_name((gnutls_pk_algorithm_t)pk);

		jf_fail(m, rc, "key type %s refused: use EC, RSA or Ed25519",
		    pn ? pn : "unknown");
		goto fail;
	}
	if (r < 0) {
		rc = jf_fail(m, JF_E_INTERNAL, "cannot export key: %s",
		    gnutls_strerror(r));
		goto fail;
	}
	k->m1 = key_b64(&a, k->kty == JF_KTY_RSA ? 0 : k->len);
	k->m2 = k->kty == JF_KTY_OKP ? NULL :
	    key_b64(&b, k->kty == JF_KTY_RSA ? 0 : k->len);
	if (k->m1 == NULL || (k->kty != JF_KTY_OKP && k->m2 == NULL) ||
	    key_compute_thumbprint(k) < 0) {
		rc = jf_fail(m, JF_E_INTERNAL, "cannot encode key members");
		goto fail;
	}
	rc = JF_OK;
fail:
	gnutls_free(a.data);
	gnutls_free(b.data);
	return rc;
}

/* ---- PEM ------------------------------------------------------------- */

static int
key_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Finds the one PEM block in pem; refuses a second block, text around
 * it, and labels that are not an unencrypted key. */
static enum jf_err
key_pem_block(const char *pem, size_t len, gnutls_datum_t *blk,
	int *is_private, struct jf_msg *m)
{
	static const char *const labels[] = {
		"PUBLIC KEY", "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY",
	};
	const char *p = pem, *end = pem + len, *lab, *lend, *e;
	char endline[64];
	size_t i, ll, el;

	while (p < end && key_is_ws(*p))
		p++;
	if (end - p < 11 || memcmp(p, "-----BEGIN ", 11) != 0)
		return jf_fail(m, JF_E_CONFIG, "PEM: no -----BEGIN line at the "
		    "start");
	lab = p + 11;
	lend = memmem(lab, (size_t)(end - lab), "-----", 5);
	if (lend == NULL || lend - lab > 32 ||
	    memchr(lab, '\n', (size_t)(lend - lab)) != NULL)
		return jf_fail(m, JF_E_CONFIG, "PEM: malformed BEGIN line");
	ll = (size_t)(lend - lab);
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strlen(labels[i]) == ll && memcmp(lab, labels[i], ll) == 0)
			break;
	if (i == sizeof(labels) / sizeof(labels[0])) {
		if (ll == 21 && memcmp(lab, "ENCRYPTED PRIVATE KEY", ll) == 0)
			return jf_fail(m, JF_E_CONFIG, "PEM: encrypted private "
			    "keys are not supported");
		return jf_fail(m, JF_E_CONFIG, "PEM: \"%.*s\" is not a key",
		    (int)ll, lab);
	}
	el = (size_t)snprintf(endline, sizeof(endline), "-----END %s-----",
	    labels[i]);
	e = memmem(lend, (size_t)(end - lend), endline, el);
	if (e == NULL)
		return jf_fail(m, JF_E_CONFIG, "PEM: no \"%s\" line (truncated?)",
		    endline);
	e += el;
	blk->data = (unsigned char *)(uintptr_t)p;
	blk->size = (unsigned)(e - p);
	*is_private = i != 0;
	while (e < end && key_is_ws(*e))
		e++;
	if (e < end)
		return jf_fail(m, JF_E_CONFIG, memmem(e, (size_t)(end - e),
		    "-----BEGIN", 10) ? "PEM: more than one block" :
		    "PEM: text after the END line");
	return JF_OK;
}

enum jf_err
key_from_pem(struct jf_key **out, const char *pem, size_t len,
	struct jf_msg *m)
{
	struct jf_key *k = NULL;
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t blk;
	int priv = 0, r;
	enum jf_err rc;

	*out = NULL;
	if (len > KEY_PEM_MAX) {
		rc = jf_fail(m, JF_E_CONFIG, "PEM: over %d bytes", KEY_PEM_MAX);
		goto fail;
	}
	if ((rc = key_pem_block(pem, len, &blk, &priv, m)) != JF_OK)
		goto fail;
	rc = JF_E_NOMEM;
	if ((k = key_alloc()) == NULL)
		goto fail;
	if (!priv) {
		if ((r = gnutls_pubkey_import(k->pub, &blk,
		    GNUTLS_X509_FMT_PEM)) < 0) {
			rc = jf_fail(m, JF_E_CONFIG, "PEM: cannot read the public "
			    "key: %s", gnutls_strerror(r));
			goto fail;
		}
	} else {
		if (gnutls_x509_privkey_init(&x) < 0 ||
		    gnutls_privkey_init(&k->priv) < 0)
			goto fail;
		if ((r = gnutls_x509_privkey_import2(x, &blk,
		    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0 ||
		    (r = gnutls_x509_privkey_verify_params(x)) < 0) {
			rc = jf_fail(m, JF_E_CONFIG, "PEM: cannot read the private "
			    "key: %s", gnutls_strerror(r));
			goto fail;
		}
		if (gnutls_privkey_import_x509(k->priv, x,
		    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE) < 0)
			goto fail;
		x = NULL;
		if ((r = gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0)) < 0) {
			rc = jf_fail(m, JF_E_CONFIG, "PEM: no public key in the "
			    "private key: %s", gnutls_strerror(r));
			goto fail;
		}
	}
	if ((rc = key_finish(k, m)) != JF_OK)
		goto fail;
	*out = k;
	k = NULL;
fail:
	if (x != NULL)
		gnutls_x509_privkey_deinit(x);
	key_free(k);
	return rc;
}

enum jf_err
key_load_file(struct jf_key **out, const char *path, struct jf_msg *m)
{
	char *buf = NULL;
	size_t len = 0;
	enum jf_err rc;

	*out = NULL;
	if ((rc = file_read(path, KEY_PEM_MAX, &buf, &len, m)) != JF_OK)
		goto fail;
	if ((rc = key_from_pem(out, buf, len, m)) != JF_OK && m != NULL) {
		char why[JF_MSG_MAX];

		snprintf(why, sizeof(why), "%s", m->s);
		jf_fail(m, rc, "%s: %s", path, why);
	}
fail:
	if (buf != NULL) {
		gnutls_memset(buf, 0, len);     /* it may be a private key */
		free(buf);
	}
	return rc;
}

/* ---- generation ------------------------------------------------------- */

enum jf_err
key_generate(struct jf_key **out, enum jf_alg alg, unsigned bits,
	struct jf_msg *m)
{
	struct jf_key *k = NULL;
	gnutls_pk_algorithm_t pk;
	int r;
	enum jf_err rc = JF_E_CONFIG;

	*out = NULL;
	switch (alg) {
	case JF_ALG_ES256:
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
		break;
	case JF_ALG_ES384:
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1);
		break;
	case JF_ALG_EDDSA:
		pk = GNUTLS_PK_EDDSA_ED25519;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
		break;
	case JF_ALG_RS256:
	case JF_ALG_PS256:
		pk = GNUTLS_PK_RSA;
		if (bits == 0)
			bits = KEY_RSA_MIN_BITS;
		if (bits < KEY_RSA_MIN_BITS || bits > KEY_RSA_MAX_BITS ||
		    bits % 8 != 0) {
			jf_fail(m, rc, "RSA size %u refused: need a multiple of 8 "
			    "from %d to %d", bits, KEY_RSA_MIN_BITS,
			    KEY_RSA_MAX_BITS);
			goto fail;
		}
		break;
	case JF_ALG_NONE:
	case JF_ALG__LAST:
	default:
		jf_fail(m, rc, "cannot generate a key for this algorithm");
		goto fail;
	}
	rc = JF_E_NOMEM;
	if ((k = key_alloc()) == NULL || gnutls_privkey_init(&k->priv) < 0)
		goto fail;
	if ((r = gnutls_privkey_generate2(k->priv, pk, bits, 0, NULL, 0)) < 0 ||
	    (r = gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0)) < 0) {
		rc = jf_fail(m, JF_E_INTERNAL, "key generation failed: %s",
		    gnutls_strerror(r));
		goto fail;
	}
	if ((rc = key_finish(k, m)) != JF_OK ||
	    (rc = key_pin_alg(k, alg, m)) != JF_OK)
		goto fail;
	*out = k;
	k = NULL;
fail:
	key_free(k);
	return rc;
}

/* ---- accessors -------------------------------------------------------- */

enum jf_kty
key_kty(const struct jf_key *k)
{
	return k->kty;
}

int
key_is_private(const struct jf_key *k)
{
	return k->priv != NULL;
}

int
key_allows(const struct jf_key *k, enum jf_alg a)
{
	return a > JF_ALG_NONE && a < JF_ALG__LAST &&
	    (k->algs & JF_ALG_BIT(a)) != 0;
}

enum jf_alg
key_sign_alg(const struct jf_key *k)
{
	if (k->pin != JF_ALG_NONE)
		return k->pin;
	switch (k->kty) {
	case JF_KTY_EC: return k->len == 32 ? JF_ALG_ES256 : JF_ALG_ES384;
	case JF_KTY_RSA: return JF_ALG_RS256;
	case JF_KTY_OKP: return JF_ALG_EDDSA;
	}
	return JF_ALG_NONE;
}

enum jf_err
key_pin_alg(struct jf_key *k, enum jf_alg a, struct jf_msg *m)
{
	if (!key_allows(k, a))
		return jf_fail(m, JF_E_CONFIG, "alg %s does not fit this %s key",
		    a > JF_ALG_NONE && a < JF_ALG__LAST ? alg_names[a] : "none",
		    k->kty == JF_KTY_RSA ? "RSA" : k->kty == JF_KTY_OKP ?
		    "Ed25519" : k->len == 32 ? "P-256" : "P-384");
	k->algs = JF_ALG_BIT(a);
	k->pin = a;
	return JF_OK;
}

const char *
key_kid(const struct jf_key *k)
{
	return k->kid != NULL ? k->kid : k->thumb;
}

const char *
key_thumbprint(const struct jf_key *k)
{
	return k->thumb;
}

/* ---- PEM export ------------------------------------------------------- */

/* Copies a GnuTLS datum into a NUL-terminated malloc'd string and wipes
 * the GnuTLS copy (it may hold a private key). */
static enum jf_err
key_pem_take(gnutls_datum_t *d, char **pem, size_t *len)
{
	enum jf_err rc = JF_E_NOMEM;

	if ((*pem = malloc((size_t)d->size + 1)) != NULL) {
		memcpy(*pem, d->data, d->size);
		(*pem)[d->size] = '\0';
		*len = d->size;
		rc = JF_OK;
	}
	gnutls_memset(d->data, 0, d->size);
	gnutls_free(d->data);
	d->data = NULL;
	return rc;
}

enum jf_err
key_public_pem(const struct jf_key *k, char **pem, size_t *len)
{
	gnutls_datum_t d = { NULL, 0 };

	*pem = NULL;
	*len = 0;
	if (gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_PEM, &d) < 0)
		return JF_E_INTERNAL;
	return key_pem_take(&d, pem, len);
}

enum jf_err
key_private_pem(const struct jf_key *k, char **pem, size_t *len)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t d = { NULL, 0 };
	enum jf_err rc = JF_E_CONFIG;

	*pem = NULL;
	*len = 0;
	if (k->priv == NULL)
		goto fail;
	rc = JF_E_INTERNAL;
	/* PKCS#8, unencrypted: what certtool -k and node's
	 * crypto.createPrivateKey read for every key type. */
	if (gnutls_privkey_export_x509(k->priv, &x) < 0 ||
	    gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN, &d) < 0)
		goto fail;
	rc = key_pem_take(&d, pem, len);
fail:
	if (x != NULL)
		gnutls_x509_privkey_deinit(x);
	return rc;
}

void
key_pem_free(char *pem, size_t len)
{
	if (pem == NULL)
		return;
	gnutls_memset(pem, 0, len);
	free(pem);
}

/* ---- sign and verify -------------------------------------------------- */

static gnutls_sign_algorithm_t
key_gnutls_sign(enum jf_alg a)
{
	switch (a) {
	case JF_ALG_ES256: return GNUTLS_SIGN_ECDSA_SHA256;
	case JF_ALG_ES384: return GNUTLS_SIGN_ECDSA_SHA384;
	case JF_ALG_RS256: return GNUTLS_SIGN_RSA_SHA256;
	/* RSAE: PSS with a plain rsaEncryption key; salt = hash length (32),
	 * as RFC 7518 §3.5 wants. */
	case JF_ALG_PS256: return GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
	case JF_ALG_EDDSA: return GNUTLS_SIGN_EDDSA_ED25519;
	case JF_ALG_NONE:
	case JF_ALG__LAST: break;
	}
	return GNUTLS_SIGN_UNKNOWN;
}

/* The JOSE signature length of alg a with key k. */
static size_t
key_sig_len(const struct jf_key *k, enum jf_alg a)
{
	switch (a) {
	case JF_ALG_ES256:
	case JF_ALG_ES384: return 2 * k->len;
	case JF_ALG_RS256:
	case JF_ALG_PS256: return k->len;
	case JF_ALG_EDDSA: return 64;
	case JF_ALG_NONE:
	case JF_ALG__LAST: break;
	}
	return 0;
}

/* Writes d right-aligned into a field of width bytes; -1 if too long. */
static int
key_put_fixed(unsigned char *dst, const gnutls_datum_t *d, size_t width)
{
	const unsigned char *p = d->data;
	size_t n = d->size;

	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (n > width)
		return -1;
	memset(dst, 0, width - n);
	memcpy(dst + (width - n), p, n);
	return 0;
}

enum jf_err
key_sign(const struct jf_key *k, const void *data, size_t n,
	unsigned char *sig, size_t *siglen)
{
	enum jf_alg a = key_sign_alg(k);
	size_t need = key_sig_len(k, a);
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)data, (unsigned)n };
	gnutls_datum_t out = { NULL, 0 }, r = { NULL, 0 }, s = { NULL, 0 };
	enum jf_err rc = JF_E_CONFIG;
	int e;

	if (k->priv == NULL)
		goto fail;
	rc = JF_E_INTERNAL;
	if (*siglen < need || n > UINT32_MAX)
		goto fail;
	/* ECDSA nonces per RFC 6979, so a weak RNG cannot leak the key. Not
	 * for PSS: there the flag would mean an empty salt. */
	if ((e = gnutls_privkey_sign_data2(k->priv, key_gnutls_sign(a),
	    k->kty == JF_KTY_EC ? GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE : 0, &d,
	    &out)) < 0) {
		rc = e == GNUTLS_E_MEMORY_ERROR ? JF_E_NOMEM : JF_E_INTERNAL;
		goto fail;
	}
	if (a == JF_ALG_ES256 || a == JF_ALG_ES384) {
		/* GnuTLS speaks DER; JOSE wants R||S, each the curve size. */
		if (gnutls_decode_rs_value(&out, &r, &s) < 0 ||
		    key_put_fixed(sig, &r, k->len) < 0 ||
		    key_put_fixed(sig + k->len, &s, k->len) < 0)
			goto fail;
	} else if (out.size != need || key_put_fixed(sig, &out, need) < 0) {
		goto fail;
	}
	*siglen = need;
	rc = JF_OK;
fail:
	gnutls_free(out.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
	return rc;
}

/* 0 < v < order, both big-endian of len bytes. */
static int
key_scalar_ok(const unsigned char *v, const unsigned char *order, size_t len)
{
	size_t i;
	unsigned char any = 0;

	for (i = 0; i < len; i++)
		any |= v[i];
	return any != 0 && memcmp(v, order, len) < 0;
}

/* One DER INTEGER of a big-endian unsigned value; returns bytes written. */
static size_t
key_der_int(unsigned char *p, const unsigned char *v, size_t n)
{
	size_t pad;

	while (n > 1 && *v == 0) {
		v++;
		n--;
	}
	pad = (*v & 0x80) ? 1 : 0;
	p[0] = 0x02;
	p[1] = (unsigned char)(n + pad);
	p[2] = 0;
	memcpy(p + 2 + pad, v, n);
	return 2 + pad + n;
}

enum jf_err
key_verify(const struct jf_key *k, enum jf_alg a, const void *data, size_t n,
	const unsigned char *sig, size_t siglen)
{
	/* SEQUENCE { INTEGER r, INTEGER s }: at most 2 + 2 * (3 + 48) = 104
	 * bytes for P-384, so every length fits the short form. */
	unsigned char der[2 + 2 * (3 + 48)];
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)data, (unsigned)n };
	gnutls_datum_t s = { (unsigned char *)(uintptr_t)sig, (unsigned)siglen };
	const unsigned char *order;
	size_t o;
	int r;

	if (!key_allows(k, a))
		return JF_E_ALG;
	if (siglen != key_sig_len(k, a) || n > UINT32_MAX)
		return JF_E_SIGNATURE;
	if (a == JF_ALG_ES256 || a == JF_ALG_ES384) {
		order = k->len == 32 ? p256_n : p384_n;
		if (!key_scalar_ok(sig, order, k->len) ||
		    !key_scalar_ok(sig + k->len, order, k->len))
			return JF_E_SIGNATURE;
		o = 2;
		o += key_der_int(der + o, sig, k->len);
		o += key_der_int(der + o, sig + k->len, k->len);
		der[0] = 0x30;
		der[1] = (unsigned char)(o - 2);
		s.data = der;
		s.size = (unsigned)o;
	}
	r = gnutls_pubkey_verify_data2(k->pub, key_gnutls_sign(a), 0, &d, &s);
	if (r >= 0)
		return JF_OK;
	return r == GNUTLS_E_MEMORY_ERROR ? JF_E_NOMEM : JF_E_SIGNATURE;
}

/* asmeta.h - RFC 8414 authorization server metadata, as a relying party
 * reads it: only what finding an issuer's keys needs. */
#ifndef JF_OAUTH_ASMETA_H
#define JF_OAUTH_ASMETA_H

#include <stddef.h>

#include "util/err.h"

#define ASMETA_BYTES_MAX (64 * 1024)

/* The jwks_uri of the n bytes of JSON at doc, whose "issuer" must equal
 * issuer byte for byte (RFC 8414 §3.3: else the document must not be
 * used). Copies it into uri (room bytes). JF_E_CONFIG with the reason:
 * not JSON, not an object, issuer missing or different, no jwks_uri, or
 * one too long. The URL's own rules are the fetcher's to check. */
enum jf_err asmeta_jwks_uri(const char *doc, size_t n, const char *issuer,
	char *uri, size_t room, struct jf_msg *m);

#endif

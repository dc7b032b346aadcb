/* prm.h - OAuth 2.0 protected resource metadata (RFC 9728): the document
 * a protected resource publishes so that a client refused with a 401
 * learns where to get a token, and the challenge parameter that points
 * at it.
 *
 * The resource side builds the document once at load (prm_build) and
 * names its URL in every Bearer challenge (resource_metadata=). The
 * client side (jwt-fcgi cimd discover) reads the challenge
 * (prm_challenge_param) and the document (prm_parse), whose "resource"
 * must equal the identifier the client derived the URL from (§3.3).
 */
#ifndef JF_OAUTH_PRM_H
#define JF_OAUTH_PRM_H

#include <stddef.h>

#include "util/err.h"

#define PRM_BYTES_MAX (64 * 1024)
#define PRM_WELL_KNOWN "/.well-known/oauth-protected-resource"
#define PRM_MAX_AS 8            /* authorization servers kept */
#define PRM_URL_MAX 2048

/* What a resource says of itself. Strings are the caller's. */
struct prm {
	const char *resource;           /* its identifier: https, no fragment */
	const char *const *as;          /* authorization_servers (issuers) */
	size_t nas;
	const char *const *scopes;      /* scopes_supported */
	size_t nscopes;
	const char *name;               /* resource_name, or NULL */
	const char *doc_url;            /* resource_documentation, or NULL */
	int bound;                      /* tls_client_certificate_bound_
	                                 * access_tokens: true */
};

/* The metadata URL of resource id (§3.1: the well-known path inserted
 * between the authority and the path; a path of "/" alone is dropped)
 * into out. JF_E_INVALID_REQUEST when id is not an https URL without
 * fragment, or the result is over room. */
enum jf_err prm_url(const char *id, char *out, size_t room,
	struct jf_msg *m);

/* The document as compact JSON (malloc'd); NULL when out of memory.
 * bearer_methods_supported is ["header"]: the only one we read. */
char *prm_build(const struct prm *p);

/* A client's reading of a metadata document. */
struct prm_info {
	char resource[PRM_URL_MAX + 1];
	char as[PRM_MAX_AS][PRM_URL_MAX + 1];
	size_t nas;
	int bound;
};

/* Reads the n bytes at doc, fetched for resource id (NULL: do not
 * check). JF_E_INVALID_REQUEST with the reason: not JSON, resource
 * missing or not id, authorization_servers not an array of https URLs. */
enum jf_err prm_parse(const char *doc, size_t n, const char *id,
	struct prm_info *out, struct jf_msg *m);

/* The value of auth-param name (e.g. "resource_metadata", "error") of
 * the Bearer challenge in a WWW-Authenticate value (RFC 9110 §11.6.1:
 * token or quoted-string, quoted-pairs undone) into out. 0, or -1 when
 * there is no Bearer challenge with that parameter or it does not fit. */
int prm_challenge_param(const char *header, const char *name, char *out,
	size_t room);

#endif

/* bearer.c - the jwt-bearer grant (RFC 7523 §2.1): a client sends a JWT
 * it signed itself as "assertion", iss = sub = its client_id, and gets
 * an access token for the API "resource" names (RFC 8707). Seed 001's
 * flow 3: a service whose client ID is the URL of its metadata document
 * is refused by an API, and asks the mint with such a JWT.
 *
 * The assertion is both the grant and the client's authentication, so
 * no other client authentication may come with it (RFC 6749 §2.3: one
 * method); client_id may, naming the same client (oauth4webapi's None()
 * sends it). Served only when client ID metadata documents are on
 * (cimd_allow): the grant then serves every client with keys, listed
 * jwks or document. Its refusals are invalid_grant (RFC 7523 §3.1),
 * hidden as client authentication's are.
 */
#include "config.h"

#include <string.h>

#include "mint.h"
#include "util/form.h"

enum jf_err
mint_bearer(const struct mint_state *s, time_t now, mint_param_fn param,
	void *arg, const struct form *f, struct mint_grant *g,
	const struct reg_service **svc)
{
	const char *verify = param(arg, "SSL_CLIENT_VERIFY");
	const char *authz = param(arg, "HTTP_AUTHORIZATION");
	const char *a = form_get(f, "assertion");
	const char *other = NULL;
	enum jf_err rc;

	*svc = NULL;
	g->method = MINT_AUTH_BEARER;
	if (authz != NULL && *authz != '\0')
		other = "Authorization";
	else if (form_get(f, "client_secret") != NULL)
		other = "client_secret";
	else if (form_get(f, "client_assertion") != NULL ||
	    form_get(f, "client_assertion_type") != NULL)
		other = "client_assertion";
	else if (verify != NULL && *verify != '\0' &&
	    strcmp(verify, "NONE") != 0)
		other = "a client certificate";
	if (other != NULL)
		return jf_fail(&g->msg, JF_E_INVALID_REQUEST, "the jwt-bearer "
		    "grant's assertion authenticates the client: send no other "
		    "client authentication (got %s; RFC 6749 section 2.3)",
		    other);
	if (a == NULL)
		return jf_fail(&g->msg, JF_E_INVALID_REQUEST, "assertion "
		    "missing: the jwt-bearer grant sends the client's JWT as "
		    "\"assertion\" (RFC 7523 section 2.1)");
	rc = mint_assertion(s, now, a, form_get(f, "client_id"),
	    MINT_ASSERT_GRANT, g, svc);
	/* RFC 7523 §3.1: a bad grant assertion is invalid_grant. */
	return rc == JF_E_INVALID_CLIENT ? JF_E_INVALID_GRANT : rc;
}

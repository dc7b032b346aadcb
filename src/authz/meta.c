/* meta.c - the protected resource metadata of the APIs this authorizer
 * guards (RFC 9728), served in the responder role where a route says so
 * (JWT_SERVE = resource-metadata): the web server sends
 * /.well-known/oauth-protected-resource/... here. Only there: an
 * authorizer's 200 would otherwise open whatever URL it was asked about.
 */
#include "config.h"

#include <string.h>

#include "authz.h"

void
authz_metadata(const struct cfg *c, struct req *r)
{
	static const char nf[] =
	    "{\"error\":\"not_found\",\"error_description\":\"no resource "
	    "metadata at this URL\"}\n";
	const struct cfg_resource *res;
	const char *method = req_param(r, "REQUEST_METHOD");
	const char *uri = req_param(r, "REQUEST_URI");

	if (method != NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0) {
		req_status(r, 405);
		req_header(r, "Allow", "GET, HEAD");
		return;
	}
	res = uri != NULL ? cfg_resource_at(c, uri) : NULL;
	if (res == NULL) {
		req_status(r, 404);
		req_header(r, "Content-Type", "application/json");
		req_body(r, nf, sizeof(nf) - 1);
		return;
	}
	req_status(r, 200);
	req_header(r, "Content-Type", "application/json");
	/* It changes with the configuration only. */
	req_header(r, "Cache-Control", "public, max-age=300");
	if (method == NULL || strcmp(method, "HEAD") != 0)
		req_body(r, res->json, strlen(res->json));
}

/* test_err.c - every code maps to a status and the RFC error it must, and
 * has a name of its own fit for a metrics label. */
#include "config.h"

#include <string.h>

#include "util/err.h"
#include "tap.h"

int
main(void)
{
	struct jf_msg m = { "" };
	int e, f;

	for (e = 0; e < JF_E__LAST; e++) {
		int st = jf_http_status(e);
		ok(st >= 200 && st < 600, jf_strerror(e));
		ok(strcmp(jf_strerror(e), "unknown error") != 0, "has text");
		ok(strspn(jf_err_name(e), "abcdefghijklmnopqrstuvwxyz_") ==
		    strlen(jf_err_name(e)) && strcmp(jf_err_name(e), "unknown")
		    != 0, jf_err_name(e));
		for (f = 0; f < e; f++)
			if (strcmp(jf_err_name(e), jf_err_name(f)) == 0)
				break;
		is(f, e, "a name no other code has");
	}
	is_str(jf_err_name(JF_OK), "ok", "JF_OK: ok");
	is_str(jf_err_name(JF_E_EXPIRED), "expired", "JF_E_EXPIRED: expired");
	is(jf_http_status(JF_E_NO_TOKEN), 401, "no token: 401");
	is_str(jf_oauth_error(JF_E_NO_TOKEN), NULL, "no token: no error code (RFC 6750 3.1)");
	is(jf_http_status(JF_E_BAD_REQUEST), 400, "bad request: 400");
	is_str(jf_oauth_error(JF_E_BAD_REQUEST), "invalid_request", "invalid_request");
	is_str(jf_oauth_error(JF_E_SIGNATURE), "invalid_token", "invalid_token");
	is(jf_http_status(JF_E_SCOPE), 403, "scope: 403");
	is_str(jf_oauth_error(JF_E_SCOPE), "insufficient_scope", "insufficient_scope");
	is(jf_http_status(JF_E_INVALID_CLIENT), 401, "invalid_client: 401 (RFC 6749 5.2)");
	is_str(jf_oauth_error(JF_E_INVALID_TARGET), "invalid_target", "RFC 8707");
	is(jf_fail(&m, JF_E_EXPIRED, "expired %d s ago", 5), JF_E_EXPIRED, "jf_fail returns code");
	is_str(m.s, "expired 5 s ago", "jf_fail formats");
	is(jf_fail(NULL, JF_E_IO, "x"), JF_E_IO, "jf_fail NULL-safe");
	return done_testing();
}

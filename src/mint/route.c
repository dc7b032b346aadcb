/* route.c - the mint's loaded state and the routing of a request to an
 * endpoint by the suffix of its path.
 *
 * Routing by suffix lets the web server mount the mint under any prefix
 * ("/mint/token", "/oauth/v1/token") without telling the mint where.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "mint.h"
#include "x509/certmemo.h"

static int route_method(const char *method, const char *want);
static int route_path(const struct req *r, char *out, size_t room);
static int route_suffix(const char *path, size_t n, const char *suffix);
static int route_is_meta(const struct mint_state *s, const char *path,
	size_t n);

enum jf_err
mint_state_load(struct mint_state **out, const char *path, struct jf_msg *m)
{
	struct mint_state *s;
	struct jf_msg rm;
	enum jf_err rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	s->loaded = time(NULL);
	rc = mint_conf_load(&s->conf, path, m);
	if (rc != JF_OK)
		goto fail;
	rm.s[0] = '\0';
	rc = registry_load(&s->reg, s->conf->registry, &rm);
	if (rc != JF_OK) {
		/* registry_load's messages start with the registry's path. */
		jf_fail(m, JF_E_CONFIG, "%s: registry: %s", path, rm.s);
		rc = JF_E_CONFIG;
		goto fail;
	}
	if ((rc = mint_cimd_state(s, m)) != JF_OK)
		goto fail;
	rc = mint_meta_build(s, m);
	if (rc != JF_OK)
		goto fail;
	if ((rc = mint_status_new(&s->status)) != JF_OK ||
	    (rc = mint_replay_new(&s->replay, MINT_REPLAY_MAX)) != JF_OK) {
		jf_fail(m, rc, "out of memory");
		goto fail;
	}
	if ((s->certs = cert_memo_new()) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	*out = s;
	return JF_OK;
fail:
	mint_state_free(s);
	return rc;
}

void
mint_state_free(struct mint_state *s)
{
	if (s == NULL)
		return;
	mint_conf_free(s->conf);
	registry_free(s->reg);
	registry_free(s->cimd_default);
	mint_keys_free(s);
	free(s->meta_json);
	free(s->iss_path);
	mint_replay_free(s->replay);
	cert_memo_free(s->certs);
	mint_status_free(s->status);
	free(s);
}

void
mint_state_carry(struct mint_state *s, struct mint_state *old)
{
	struct mint_replay *t;

	if (s == NULL || old == NULL)
		return;
	t = s->replay;
	s->replay = old->replay;
	old->replay = t;
}

static int
route_method(const char *method, const char *want)
{
	return method != NULL && strcmp(method, want) == 0;
}

/* SCRIPT_NAME + PATH_INFO (decoded and normalised by the web server),
 * else REQUEST_URI up to its query. 0 on success, -1 if too long. */
static int
route_path(const struct req *r, char *out, size_t room)
{
	const char *sn = req_param(r, "SCRIPT_NAME");
	const char *pi = req_param(r, "PATH_INFO");
	const char *uri = req_param(r, "REQUEST_URI");
	size_t a, b;

	out[0] = '\0';
	if ((sn != NULL && *sn != '\0') || (pi != NULL && *pi != '\0')) {
		a = sn != NULL ? strlen(sn) : 0;
		b = pi != NULL ? strlen(pi) : 0;
		if (a + b >= room)
			return -1;
		memcpy(out, sn != NULL ? sn : "", a);
		memcpy(out + a, pi != NULL ? pi : "", b);
		out[a + b] = '\0';
		return 0;
	}
	if (uri == NULL)
		return 0;
	a = strcspn(uri, "?#");
	if (a >= room)
		return -1;
	memcpy(out, uri, a);
	out[a] = '\0';
	return 0;
}

/* path ends with "/suffix" (suffix given with its leading '/'). */
static int
route_suffix(const char *path, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(path + n - k, suffix, k) == 0;
}

/* ".../.well-known/oauth-authorization-server" where the mint is
 * mounted, or RFC 8414 §3.1's form for an issuer with a path: the
 * well-known segment inserted before the issuer's path. */
static int
route_is_meta(const struct mint_state *s, const char *path, size_t n)
{
	size_t k = strlen(MINT_META_PATH), ip = strlen(s->iss_path);

	if (route_suffix(path, n, MINT_META_PATH))
		return 1;
	return ip > 0 && n == k + ip && memcmp(path, MINT_META_PATH, k) == 0 &&
	    memcmp(path + k, s->iss_path, ip) == 0;
}

void
mint_handle(const struct mint_state *s, struct req *r)
{
	const char *method = req_param(r, "REQUEST_METHOD"), *serve;
	char path[MINT_PATH_MAX];
	size_t n;
	int head;

	if (route_path(r, path, sizeof(path)) != 0) {
		mint_error(r, JF_E_NOT_FOUND, "no such endpoint");
		return;
	}
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	head = route_method(method, "HEAD");
	/* Only where the web server's route says so, one it restricts to
	 * the monitoring hosts: never a path anyone may ask for. */
	if ((serve = req_param(r, "JWT_SERVE")) != NULL &&
	    strcmp(serve, "metrics") == 0) {
		if (!head && !route_method(method, "GET")) {
			req_header(r, "Allow", "GET, HEAD");
			mint_error(r, JF_E_METHOD, "use GET");
			return;
		}
		mint_stats_serve(s, r, head);
		return;
	}
	if (route_suffix(path, n, "/token")) {
		if (!route_method(method, "POST")) {
			req_header(r, "Allow", "POST");
			mint_error(r, JF_E_METHOD, "use POST for the token "
			    "endpoint");
			return;
		}
		mint_token(s, r);
		return;
	}
	if (route_suffix(path, n, "/revoke")) {
		if (!route_method(method, "POST")) {
			req_header(r, "Allow", "POST");
			mint_error(r, JF_E_METHOD, "use POST for the revocation "
			    "endpoint (RFC 7009)");
			return;
		}
		mint_revoke(s, r);
		return;
	}
	if (route_suffix(path, n, "/jwks") || route_is_meta(s, path, n) ||
	    route_suffix(path, n, MINT_STATUS_PATH)) {
		if (!head && !route_method(method, "GET")) {
			req_header(r, "Allow", "GET, HEAD");
			mint_error(r, JF_E_METHOD, "use GET");
			return;
		}
		if (route_suffix(path, n, "/jwks"))
			mint_jwks(s, r, head);
		else if (route_suffix(path, n, MINT_STATUS_PATH))
			mint_statuslist(s, r, head);
		else
			mint_meta(s, r, head);
		return;
	}
	log_debug("404 for path %.200s", path);
	mint_error(r, JF_E_NOT_FOUND, "no such endpoint: use .../token, "
	    ".../revoke, .../jwks, .../statuslist or "
	    ".../.well-known/oauth-authorization-server");
}

/* cimd.c - jwt-fcgi cimd init, token and check: what a service operator
 * needs to sign its own tokens (seed 001). Its client ID is the https URL
 * of a client ID metadata document naming its public keys; init makes
 * the key and the document, token signs a short self-issued JWT for an
 * API, check reads a document as the authorizer and the mint would.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "cli.h"
#include "jose/b64.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "jose/token.h"
#include "net/fetch.h"
#include "oauth/cimd.h"

#define CIMD_TTL_DEFAULT 60
#define CIMD_TTL_MAX 3600
#define CIMD_JTI_BYTES 16
#define CIMD_PATH_MAX 4096

static char *cimd_join(const char *dir, const char *name);
static char *cimd_document(const char *id, const char *name,
	const char *jwks_uri, const char *jwks);
static int cimd_put(const char *path, const char *text, mode_t mode,
	int replace);

static char *
cimd_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The document: the draft's members, and the grants it may use. */
static char *
cimd_document(const char *id, const char *name, const char *jwks_uri,
	const char *jwks)
{
	struct json_object *o, *g, *k = NULL;
	const char *s;
	char *out = NULL;
	int bad = 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	bad |= json_object_object_add(o, "client_id",
	    json_object_new_string(id)) != 0;
	if (name != NULL)
		bad |= json_object_object_add(o, "client_name",
		    json_object_new_string(name)) != 0;
	bad |= json_object_object_add(o, "token_endpoint_auth_method",
	    json_object_new_string("private_key_jwt")) != 0;
	if ((g = json_object_new_array()) == NULL ||
	    json_object_array_add(g, json_object_new_string(
	    "urn:ietf:params:oauth:grant-type:jwt-bearer")) != 0 ||
	    json_object_array_add(g, json_object_new_string(
	    "client_credentials")) != 0)
		bad = 1;
	bad |= json_object_object_add(o, "grant_types", g) != 0;
	if (jwks_uri != NULL)
		bad |= json_object_object_add(o, "jwks_uri",
		    json_object_new_string(jwks_uri)) != 0;
	else if ((k = json_tokener_parse(jwks)) == NULL ||
	    json_object_object_add(o, "jwks", k) != 0)
		bad = 1;
	if (!bad && (s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL &&
	    (out = malloc(strlen(s) + 2)) != NULL)
		snprintf(out, strlen(s) + 2, "%s\n", s);
	json_object_put(o);
	return out;
}

static int
cimd_put(const char *path, const char *text, mode_t mode, int replace)
{
	char *tmp = cli_tmp_write(path, text, strlen(text), mode, (uid_t)-1,
	    (gid_t)-1);

	return tmp == NULL ? -1 : cli_tmp_commit(tmp, path, replace);
}

int
cli_cimd_init(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum { O_JWKS_URI = 256 };
	static const struct option lo[] = {
		{ "client-id", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "jwks-uri", required_argument, NULL, O_JWKS_URI },
		{ "alg", required_argument, NULL, 'a' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *id = NULL, *name = NULL, *uri = NULL, *dir = ".";
	enum jf_alg alg = JF_ALG_ES256;
	struct jf_key *k = NULL;
	struct jwks *set = NULL;
	struct jf_msg m = { "" };
	char *jwks = NULL, *doc = NULL, *kp = NULL, *dp = NULL, *jp = NULL;
	char *cj = NULL, *cu = NULL;
	int c, force = 0, have, ret = CLI_EXIT_FAIL;

	while ((c = cli_getopt(cmd, argc, argv, ":i:n:a:o:fh", lo)) != -1) {
		switch (c) {
		case 'i': id = optarg; break;
		case 'n': name = optarg; break;
		case O_JWKS_URI: uri = optarg; break;
		case 'a':
			if (cli_parse_alg(cmd, optarg, &alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'o': dir = optarg; break;
		case 'f': force = 1; break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (id == NULL)
		return cli_usage_err(cmd, "--client-id is required: the https "
		    "URL the document will be published at");
	if (cimd_url_check(id, &m) != JF_OK)
		return cli_usage_err(cmd, "--client-id: %s", m.s);
	if (uri != NULL && fetch_url_check(uri, 0, &m) != JF_OK)
		return cli_usage_err(cmd, "--jwks-uri: %s", m.s);
	if (cli_mkdirs(dir, 0755) != 0)
		return CLI_EXIT_FAIL;
	if ((kp = cimd_join(dir, "client.pem")) == NULL ||
	    (dp = cimd_join(dir, "cimd.json")) == NULL ||
	    (jp = cimd_join(dir, "jwks.json")) == NULL) {
		cli_err("out of memory");
		goto fail;
	}
	if (!force && (access(dp, F_OK) == 0 || (uri != NULL &&
	    access(jp, F_OK) == 0))) {
		cli_err("%s exists: use --force to write the public files again",
		    access(dp, F_OK) == 0 ? dp : jp);
		goto fail;
	}
	/* An existing key is the service's identity: kept, documents made
	 * for it. */
	have = access(kp, F_OK) == 0;
	if (have ? key_load_file(&k, kp, &m) != JF_OK :
	    key_generate(&k, alg, 0, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	if (have && !key_is_private(k)) {
		cli_err("%s: not a private key", kp);
		goto fail;
	}
	/* jwks_add owns k from here, even when it refuses it. */
	if ((set = jwks_new()) == NULL || jwks_add(set, k, &m) != JF_OK) {
		k = NULL;
		cli_err("%s", m.s[0] ? m.s : "out of memory");
		goto fail;
	}
	k = NULL;
	if ((jwks = jwks_to_json(set)) == NULL ||
	    (doc = cimd_document(id, name, uri, jwks)) == NULL) {
		cli_err("out of memory");
		goto fail;
	}
	/* What we write must pass the rules every reader applies. */
	if (cimd_parse(doc, strlen(doc), id, &cj, &cu, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	if ((!have && cli_key_write(kp, jwks_get(set, 0), (uid_t)-1,
	    (gid_t)-1) != 0) ||
	    cimd_put(dp, doc, 0644, force) != 0 ||
	    (uri != NULL && cimd_put(jp, jwks, 0644, force) != 0))
		goto fail;
	printf("%s\n", key_kid(jwks_get(set, 0)));
	cli_err("%s %s (private, mode 0600); wrote %s%s%s", have ? "kept" :
	    "wrote", kp, dp, uri ? " and " : "", uri ? jp : "");
	cli_err("next: publish %s at %s%s%s, then sign tokens with "
	    "'jwt-fcgi cimd token -k %s --client-id %s --aud API'", dp, id,
	    uri ? " and jwks.json at " : "", uri ? uri : "", kp, id);
	ret = CLI_EXIT_OK;
fail:
	key_free(k);
	jwks_free(set);
	free(jwks);
	free(doc);
	free(cj);
	free(cu);
	free(kp);
	free(dp);
	free(jp);
	return ret;
}

int
cli_cimd_token(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum { O_TTL = 256, O_SCOPE };
	static const struct option lo[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "client-id", required_argument, NULL, 'i' },
		{ "aud", required_argument, NULL, 'A' },
		{ "typ", required_argument, NULL, 't' },
		{ "ttl", required_argument, NULL, O_TTL },
		{ "scope", required_argument, NULL, O_SCOPE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *key = NULL, *id = NULL, *aud = NULL, *typ = NULL;
	const char *scope = NULL;
	long long ttl = CIMD_TTL_DEFAULT;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	struct json_object *cl = NULL;
	unsigned char rnd[CIMD_JTI_BYTES];
	char jti[B64URL_ENC_LEN(CIMD_JTI_BYTES) + 1], *tok = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, bad = 0, ret = CLI_EXIT_FAIL;

	while ((c = cli_getopt(cmd, argc, argv, ":k:i:A:t:h", lo)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'i': id = optarg; break;
		case 'A': aud = optarg; break;
		case 't': typ = optarg; break;
		case O_SCOPE: scope = optarg; break;
		case O_TTL:
			if (cli_parse_num(cmd, "--ttl", optarg, 1, CIMD_TTL_MAX,
			    &ttl) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (key == NULL || id == NULL || aud == NULL)
		return cli_usage_err(cmd, "--key, --client-id and --aud are "
		    "required");
	if (cimd_url_check(id, &m) != JF_OK)
		return cli_usage_err(cmd, "--client-id: %s", m.s);
	if (key_load_file(&k, key, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	if (!key_is_private(k)) {
		cli_err("%s: not a private key", key);
		goto fail;
	}
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0) {
		cli_err("no random bytes for jti");
		goto fail;
	}
	b64url_encode(jti, rnd, sizeof(rnd));
	/* iss = sub = the client ID: the client speaks for itself. */
	if ((cl = json_object_new_object()) == NULL)
		bad = 1;
	else {
		bad |= json_object_object_add(cl, "iss",
		    json_object_new_string(id)) != 0;
		bad |= json_object_object_add(cl, "sub",
		    json_object_new_string(id)) != 0;
		bad |= json_object_object_add(cl, "aud",
		    json_object_new_string(aud)) != 0;
		bad |= json_object_object_add(cl, "iat",
		    json_object_new_int64(now)) != 0;
		bad |= json_object_object_add(cl, "exp",
		    json_object_new_int64(now + ttl)) != 0;
		bad |= json_object_object_add(cl, "jti",
		    json_object_new_string(jti)) != 0;
		if (scope != NULL)
			bad |= json_object_object_add(cl, "scope",
			    json_object_new_string(scope)) != 0;
	}
	if (bad) {
		cli_err("out of memory");
		goto fail;
	}
	if (tok_sign(k, typ, cl, &tok, &m) != JF_OK) {
		cli_err("sign: %s", m.s);
		goto fail;
	}
	printf("%s\n", tok);
	ret = CLI_EXIT_OK;
fail:
	free(tok);
	json_object_put(cl);
	key_free(k);
	return ret;
}

int
cli_cimd_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum { O_ALLOW = 256, O_CA, O_MAX };
	static const struct option lo[] = {
		{ "doc", required_argument, NULL, 'd' },
		{ "ca-file", required_argument, NULL, O_CA },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "max-bytes", required_argument, NULL, O_MAX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fetch_opts o;
	struct jwks *set = NULL;
	struct jf_msg m = { "" };
	const char *doc = NULL, *url;
	char *buf = NULL, *keys = NULL, *cj = NULL, *cu = NULL;
	long long max = CIMD_BYTES_DEFAULT;
	long age = -1;
	size_t len = 0, i;
	int c, ret = CLI_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	o.connect_ms = 2000;
	o.total_ms = 5000;
	while ((c = cli_getopt(cmd, argc, argv, ":d:h", lo)) != -1) {
		switch (c) {
		case 'd': doc = optarg; break;
		case O_CA: o.ca_file = optarg; break;
		case O_ALLOW:
			if (fetch_classes_parse(optarg, &o.allow_nets, &m) != 0)
				return cli_usage_err(cmd, "--allow: %s", m.s);
			break;
		case O_MAX:
			if (cli_parse_num(cmd, "--max-bytes", optarg, 512,
			    CIMD_BYTES_MAX, &max) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_err(cmd, "expected one client ID URL");
	url = argv[optind];
	if (doc != NULL) {
		/* Offline: the document as it would be served at url. */
		if (cli_read_file(doc, (size_t)max, &buf, &len, &m) != JF_OK ||
		    cimd_url_check(url, &m) != JF_OK ||
		    cimd_parse(buf, len, url, &cj, &cu, &m) != JF_OK) {
			cli_err("%s", m.s);
			goto fail;
		}
		if (cu != NULL) {
			printf("%s: OK (keys at jwks_uri %s, not fetched)\n",
			    url, cu);
			ret = CLI_EXIT_OK;
			goto fail;
		}
		keys = cj;
		cj = NULL;
		if ((set = jwks_new()) == NULL ||
		    jwks_parse(set, keys, strlen(keys), &m) != JF_OK) {
			cli_err("client keys: %s", m.s);
			goto fail;
		}
	} else {
		if (fetch_global_init(&m) != JF_OK ||
		    cimd_resolve(url, &o, (size_t)max, &keys, &age, &m) !=
		    JF_OK) {
			cli_err("%s", m.s);
			goto fail;
		}
		if ((set = jwks_new()) == NULL ||
		    jwks_parse(set, keys, strlen(keys), &m) != JF_OK) {
			cli_err("client keys: %s", m.s);
			goto fail;
		}
	}
	printf("%s: OK, %zu key%s\n", url, jwks_count(set),
	    jwks_count(set) == 1 ? "" : "s");
	for (i = 0; i < jwks_count(set); i++)
		printf("  kid %s %s\n", key_kid(jwks_get(set, i)),
		    jf_alg_name(key_sign_alg(jwks_get(set, i))));
	if (age >= 0)
		printf("  Cache-Control max-age %ld\n", age);
	ret = CLI_EXIT_OK;
fail:
	jwks_free(set);
	free(buf);
	free(keys);
	free(cj);
	free(cu);
	return ret;
}

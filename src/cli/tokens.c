/* tokens.c - jwt-fcgi sign, verify and check-config.
 *
 * sign is for tests and operators; it writes the claims a mint would
 * (iat, exp, jti) so a token it makes looks like a real one. verify and
 * check-config load the configuration exactly as jwt-authz.fcgi does, so
 * "verify says yes" means "the authorizer says yes".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "conf/cfg.h"
#include "cli.h"
#include "util/json.h"
#include "jose/key.h"
#include "jose/token.h"

#define SIGN_CLAIMS_MAX (64 * 1024)     /* bytes of --claims JSON */
#define SIGN_AUD_MAX 16
#define SIGN_JTI_BYTES 16
#define SIGN_TTL_MAX (10LL * 366 * 24 * 3600)
/* Unix times we accept: 0 to the year 9999. */
#define CLI_TIME_MAX 253402300799LL

struct sign_opts {
	const char *key, *typ, *iss, *sub, *scope, *client_id, *jti, *claims;
	const char *aud[SIGN_AUD_MAX];
	size_t naud;
	enum jf_alg alg;
	long long ttl, nbf, iat, exp;
	int has_ttl, has_nbf, has_iat, has_exp;
};

static int sign_claims(const struct sign_opts *o, struct json_object **out);
static int set_str(struct json_object *o, const char *k, const char *v);
static int set_int(struct json_object *o, const char *k, long long v);
static void explain_line(void *arg, int ok, const char *check,
	const char *detail);
static int read_token(const char *arg, char **tok, size_t *len);

int
cli_sign(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum { O_SCOPE = 256, O_CLIENT_ID, O_JTI, O_TTL, O_NBF, O_IAT, O_EXP };
	static const struct option lo[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "alg", required_argument, NULL, 'a' },
		{ "typ", required_argument, NULL, 't' },
		{ "iss", required_argument, NULL, 'i' },
		{ "sub", required_argument, NULL, 's' },
		{ "aud", required_argument, NULL, 'A' },
		{ "claims", required_argument, NULL, 'c' },
		{ "scope", required_argument, NULL, O_SCOPE },
		{ "client-id", required_argument, NULL, O_CLIENT_ID },
		{ "jti", required_argument, NULL, O_JTI },
		{ "ttl", required_argument, NULL, O_TTL },
		{ "nbf", required_argument, NULL, O_NBF },
		{ "iat", required_argument, NULL, O_IAT },
		{ "exp", required_argument, NULL, O_EXP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sign_opts o;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	struct json_object *claims = NULL;
	char *tok = NULL;
	int c, ret = CLI_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	o.ttl = 300;
	while ((c = cli_getopt(cmd, argc, argv, ":k:a:t:i:s:A:c:h", lo)) != -1) {
		switch (c) {
		case 'k': o.key = optarg; break;
		case 'a':
			if (cli_parse_alg(cmd, optarg, &o.alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 't': o.typ = optarg; break;
		case 'i': o.iss = optarg; break;
		case 's': o.sub = optarg; break;
		case 'A':
			if (o.naud == SIGN_AUD_MAX)
				return cli_usage_err(cmd, "more than %d --aud",
				    SIGN_AUD_MAX);
			o.aud[o.naud++] = optarg;
			break;
		case 'c': o.claims = optarg; break;
		case O_SCOPE: o.scope = optarg; break;
		case O_CLIENT_ID: o.client_id = optarg; break;
		case O_JTI: o.jti = optarg; break;
		case O_TTL:
			if (cli_parse_num(cmd, "--ttl", optarg, 1,
			    SIGN_TTL_MAX, &o.ttl) != 0)
				return CLI_EXIT_USAGE;
			o.has_ttl = 1;
			break;
		case O_NBF:
			if (cli_parse_num(cmd, "--nbf", optarg, -SIGN_TTL_MAX,
			    SIGN_TTL_MAX, &o.nbf) != 0)
				return CLI_EXIT_USAGE;
			o.has_nbf = 1;
			break;
		case O_IAT:
			if (cli_parse_num(cmd, "--iat", optarg, 0,
			    CLI_TIME_MAX, &o.iat) != 0)
				return CLI_EXIT_USAGE;
			o.has_iat = 1;
			break;
		case O_EXP:
			if (cli_parse_num(cmd, "--exp", optarg, 0,
			    CLI_TIME_MAX, &o.exp) != 0)
				return CLI_EXIT_USAGE;
			o.has_exp = 1;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (o.key == NULL)
		return cli_usage_err(cmd, "--key is required");

	if (key_load_file(&k, o.key, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	if (!key_is_private(k)) {
		cli_err("%s: not a private key", o.key);
		goto fail;
	}
	if (o.alg != JF_ALG_NONE && key_pin_alg(k, o.alg, &m) != JF_OK) {
		cli_err("%s: %s", o.key, m.s);
		goto fail;
	}
	if (sign_claims(&o, &claims) != 0)
		goto fail;
	if (tok_sign(k, o.typ, claims, &tok, &m) != JF_OK) {
		cli_err("sign: %s", m.s);
		goto fail;
	}
	printf("%s\n", tok);
	ret = CLI_EXIT_OK;
fail:
	free(tok);
	json_object_put(claims);
	key_free(k);
	return ret;
}

/* The claims: --claims first, then each option over it, then the
 * defaults for iat, exp and jti where neither gave one. */
static int
sign_claims(const struct sign_opts *o, struct json_object **out)
{
	struct jf_msg m = { "" };
	struct json_object *cl = NULL, *aud;
	unsigned char rnd[SIGN_JTI_BYTES];
	char jti[B64URL_ENC_LEN(SIGN_JTI_BYTES) + 1];
	char *buf = NULL;
	size_t len = 0, i;
	long long now = (long long)time(NULL);
	int ret = -1;
	const char *name = o->claims != NULL && strcmp(o->claims, "-") == 0 ?
	    "(stdin)" : o->claims;

	if (o->claims != NULL) {
		if (cli_read_file(o->claims, SIGN_CLAIMS_MAX, &buf, &len,
		    &m) != JF_OK) {
			cli_err("%s", m.s);
			goto fail;
		}
		if (json_parse(&cl, buf, len, TOK_JSON_DEPTH, &m) != JF_OK) {
			cli_err("%s: %s", name, m.s);
			goto fail;
		}
		if (!json_object_is_type(cl, json_type_object)) {
			cli_err("%s: claims must be a JSON object", name);
			goto fail;
		}
	} else if ((cl = json_object_new_object()) == NULL) {
		goto nomem;
	}
	if (set_str(cl, "iss", o->iss) || set_str(cl, "sub", o->sub) ||
	    set_str(cl, "scope", o->scope) ||
	    set_str(cl, "client_id", o->client_id) ||
	    set_str(cl, "jti", o->jti))
		goto nomem;
	if (o->naud == 1 && set_str(cl, "aud", o->aud[0]))
		goto nomem;
	if (o->naud > 1) {
		if ((aud = json_object_new_array()) == NULL)
			goto nomem;
		if (json_object_object_add(cl, "aud", aud) != 0) {
			json_object_put(aud);
			goto nomem;
		}
		for (i = 0; i < o->naud; i++) {
			struct json_object *s =
			    json_object_new_string(o->aud[i]);

			if (s == NULL || json_object_array_add(aud, s) != 0) {
				json_object_put(s);
				goto nomem;
			}
		}
	}
	if (o->has_iat && set_int(cl, "iat", o->iat))
		goto nomem;
	if (!json_object_object_get_ex(cl, "iat", NULL) &&
	    set_int(cl, "iat", now))
		goto nomem;
	if (o->has_nbf && set_int(cl, "nbf", now + o->nbf))
		goto nomem;
	/* --exp, else an explicit --ttl, else the file's exp, else the
	 * default lifetime. */
	if (o->has_exp) {
		if (set_int(cl, "exp", o->exp))
			goto nomem;
	} else if (o->has_ttl || !json_object_object_get_ex(cl, "exp", NULL)) {
		if (set_int(cl, "exp", now + o->ttl))
			goto nomem;
	}
	if (!json_object_object_get_ex(cl, "jti", NULL)) {
		if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0) {
			cli_err("sign: no random bytes for jti");
			goto fail;
		}
		b64url_encode(jti, rnd, sizeof(rnd));
		if (set_str(cl, "jti", jti))
			goto nomem;
	}
	*out = cl;
	cl = NULL;
	ret = 0;
	goto fail;
nomem:
	cli_err("out of memory");
fail:
	free(buf);
	json_object_put(cl);
	return ret;
}

/* Sets o[k] = v when v is given; nonzero when out of memory. */
static int
set_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object *s;

	if (v == NULL)
		return 0;
	if ((s = json_object_new_string(v)) == NULL)
		return 1;
	if (json_object_object_add(o, k, s) != 0) {
		json_object_put(s);
		return 1;
	}
	return 0;
}

static int
set_int(struct json_object *o, const char *k, long long v)
{
	struct json_object *n = json_object_new_int64((int64_t)v);

	if (n == NULL)
		return 1;
	if (json_object_object_add(o, k, n) != 0) {
		json_object_put(n);
		return 1;
	}
	return 0;
}

int
cli_verify(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "explain", no_argument, NULL, 'e' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *arg = "-";
	long long now = -1;
	int c, explain = 0, ret = CLI_EXIT_FAIL;
	struct cfg *cf = NULL;
	struct tok *t = NULL;
	struct tok_rules r;
	struct jf_msg m = { "" };
	enum jf_err e;
	char *tok = NULL;
	size_t len = 0;

	while ((c = cli_getopt(cmd, argc, argv, ":c:en:h", lo)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'e': explain = 1; break;
		case 'n':
			if (cli_parse_num(cmd, "--now", optarg, 0,
			    CLI_TIME_MAX, &now) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (argc - optind > 1)
		return cli_usage_err(cmd, "expected at most one token");
	if (argc - optind == 1)
		arg = argv[optind];
	if (path == NULL)
		return cli_usage_err(cmd, "--config is required");

	if (cfg_load(&cf, path, &m) != JF_OK) {
		cli_err("%s", m.s);
		ret = CLI_EXIT_USAGE;
		goto fail;
	}
	if (read_token(arg, &tok, &len) != 0)
		goto fail;
	memset(&r, 0, sizeof(r));
	cfg_rules(cf, &r);
	r.now = now >= 0 ? (time_t)now : time(NULL);
	e = tok_verify(&r, tok, len, &t, &m, explain ? explain_line : NULL,
	    NULL);
	/* The explain lines and the claims share stdout: keep their order
	 * when stdout and stderr go to one place. */
	fflush(stdout);
	if (e != JF_OK) {
		cli_err("refused: %s: %s", jf_strerror(e), m.s);
		goto fail;
	}
	/* json-c caches the printed text inside the object, hence the cast;
	 * nothing else reads the claims afterwards. */
	printf("%s\n", json_object_to_json_string_ext(
	    (struct json_object *)tok_claims(t),
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = CLI_EXIT_OK;
fail:
	tok_free(t);
	free(tok);
	cfg_free(cf);
	return ret;
}

/* "ok    CHECK: DETAIL" or "FAIL  CHECK: DETAIL": the status in a
 * six-column field so the checks line up (documented in jwt-fcgi(1)). */
static void
explain_line(void *arg, int ok, const char *check, const char *detail)
{
	printf("%-5s %s: %s\n", ok ? "ok" : "FAIL", check,
	    detail != NULL ? detail : "");
}

/* The token from the argument or ("-") stdin, without one trailing
 * newline (CRLF too), so `jwt-fcgi sign ... | jwt-fcgi verify` works.
 * Larger than any configuration allows is refused here already. */
static int
read_token(const char *arg, char **tok, size_t *len)
{
	struct jf_msg m = { "" };
	size_t n;

	if (strcmp(arg, "-") != 0) {
		if ((*tok = strdup(arg)) == NULL) {
			cli_err("out of memory");
			return -1;
		}
		*len = strlen(arg);
		return 0;
	}
	switch (cli_read_file("-", TOK_MAX_BYTES_LIMIT + 2, tok, &n, &m)) {
	case JF_OK:
		break;
	case JF_E_TOO_LARGE:
		cli_err("refused: %s: %s", jf_strerror(JF_E_TOKEN_TOO_BIG),
		    m.s);
		return -1;
	default:
		cli_err("%s", m.s);
		return -1;
	}
	if (n > 0 && (*tok)[n - 1] == '\n') {
		(*tok)[--n] = '\0';
		if (n > 0 && (*tok)[n - 1] == '\r')
			(*tok)[--n] = '\0';
	}
	*len = n;
	return 0;
}

int
cli_check_config(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cfg *cf = NULL;
	struct jf_msg m = { "" };
	int c;

	while ((c = cli_getopt(cmd, argc, argv, ":h", lo)) != -1)
		return cli_opt_exit(c);
	if (argc - optind != 1)
		return cli_usage_err(cmd, "expected one configuration file");
	if (cfg_load(&cf, argv[optind], &m) != JF_OK) {
		cli_err("%s", m.s);
		return CLI_EXIT_USAGE;
	}
	cfg_free(cf);
	printf("%s: OK\n", argv[optind]);
	return CLI_EXIT_OK;
}

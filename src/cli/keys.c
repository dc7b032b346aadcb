/* keys.c - jwt-fcgi keygen, jwks and pubkey.
 *
 * A private key file is never readable by others, not even for a moment:
 * it is created by mkstemp() (O_CREAT|O_EXCL, mode 0600) next to its final
 * name, fchmod()ed so no umask can widen it, written, synced, and only
 * then linked into place (refusing an existing name) or, with --force,
 * renamed over it. A crash leaves a dot-file, never a half-written key.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "jose/jwks.h"
#include "jose/key.h"

#define KEYGEN_BITS_MIN 2048
#define KEYGEN_BITS_MAX 8192    /* beyond this, generation takes minutes */

static char *tmp_write(const char *path, const char *data, size_t n,
	mode_t mode);
static int tmp_commit(char *tmp, const char *path, int force);
static void tmp_discard(char *tmp);
static int key_load_cli(struct jf_key **k, const char *path);

int
cli_keygen(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "pub", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum jf_alg alg = JF_ALG_ES256;
	long long bits = 0;
	const char *out, *pub = NULL;
	int c, force = 0, ret = CLI_EXIT_FAIL;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	char *pem = NULL, *tmp_priv = NULL, *tmp_pub = NULL;
	size_t pemlen = 0;
	struct stat st;

	while ((c = cli_getopt(cmd, argc, argv, ":a:b:p:fh", lo)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_alg(cmd, optarg, &alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'b':
			if (cli_parse_num(cmd, "--bits", optarg,
			    KEYGEN_BITS_MIN, KEYGEN_BITS_MAX, &bits) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'p': pub = optarg; break;
		case 'f': force = 1; break;
		default: return cli_opt_exit(c);
		}
	}
	if (argc - optind != 1)
		return cli_usage_err(cmd, "expected one output file");
	out = argv[optind];
	if (bits != 0 && alg != JF_ALG_RS256 && alg != JF_ALG_PS256)
		return cli_usage_err(cmd, "--bits is only for RS256 and PS256");
	if (pub != NULL && strcmp(pub, out) == 0)
		return cli_usage_err(cmd, "--pub names the output file");
	/* Refuse early, before a slow RSA generation; the link() in
	 * tmp_commit() is what really guarantees it. */
	if (!force && lstat(out, &st) == 0) {
		cli_err("%s: exists; use --force to replace it", out);
		return CLI_EXIT_FAIL;
	}
	if (!force && pub != NULL && lstat(pub, &st) == 0) {
		cli_err("%s: exists; use --force to replace it", pub);
		return CLI_EXIT_FAIL;
	}

	if (key_generate(&k, alg, (unsigned)bits, &m) != JF_OK) {
		cli_err("keygen: %s", m.s);
		goto fail;
	}
	if (key_private_pem(k, &pem, &pemlen) != JF_OK) {
		cli_err("keygen: cannot encode the private key");
		goto fail;
	}
	tmp_priv = tmp_write(out, pem, pemlen, 0600);
	key_pem_free(pem, pemlen);
	pem = NULL;
	if (tmp_priv == NULL)
		goto fail;
	if (pub != NULL) {
		if (key_public_pem(k, &pem, &pemlen) != JF_OK) {
			cli_err("keygen: cannot encode the public key");
			goto fail;
		}
		tmp_pub = tmp_write(pub, pem, pemlen, 0644);
		free(pem);
		pem = NULL;
		if (tmp_pub == NULL)
			goto fail;
	}
	if (tmp_commit(tmp_priv, out, force) != 0) {
		tmp_priv = NULL;
		goto fail;
	}
	tmp_priv = NULL;
	if (tmp_pub != NULL) {
		if (tmp_commit(tmp_pub, pub, force) != 0) {
			tmp_pub = NULL;
			/* Without --force the private key is ours alone: do
			 * not leave half a key pair behind. */
			if (!force)
				unlink(out);
			goto fail;
		}
		tmp_pub = NULL;
	}
	printf("%s\n", key_thumbprint(k));
	ret = CLI_EXIT_OK;
fail:
	tmp_discard(tmp_priv);
	tmp_discard(tmp_pub);
	key_free(k);
	return ret;
}

int
cli_jwks(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum jf_alg alg = JF_ALG_NONE;
	int c, i, ret = CLI_EXIT_FAIL;
	size_t j;
	struct jwks *set = NULL;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	struct json_object *doc = NULL, *keys, *jwk;

	while ((c = cli_getopt(cmd, argc, argv, ":a:h", lo)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_alg(cmd, optarg, &alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind >= argc)
		return cli_usage_err(cmd, "expected at least one key file");

	if ((set = jwks_new()) == NULL)
		goto nomem;
	for (i = optind; i < argc; i++) {
		if (key_load_cli(&k, argv[i]) != 0)
			goto fail;
		if (alg != JF_ALG_NONE && key_pin_alg(k, alg, &m) != JF_OK) {
			cli_err("%s: %s", argv[i], m.s);
			goto fail;
		}
		/* jwks_add owns k from here, even when it refuses it. */
		if (jwks_add(set, k, &m) != JF_OK) {
			k = NULL;
			cli_err("%s: %s", argv[i], m.s);
			goto fail;
		}
		k = NULL;
	}
	if ((doc = json_object_new_object()) == NULL ||
	    (keys = json_object_new_array()) == NULL)
		goto nomem;
	if (json_object_object_add(doc, "keys", keys) != 0) {
		json_object_put(keys);
		goto nomem;
	}
	for (j = 0; j < jwks_count(set); j++) {
		if ((jwk = key_to_jwk(jwks_get(set, j))) == NULL)
			goto nomem;
		if (json_object_array_add(keys, jwk) != 0) {
			json_object_put(jwk);
			goto nomem;
		}
	}
	printf("%s\n", json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = CLI_EXIT_OK;
	goto fail;
nomem:
	cli_err("out of memory");
fail:
	json_object_put(doc);
	key_free(k);
	jwks_free(set);
	return ret;
}

int
cli_pubkey(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = CLI_EXIT_FAIL;
	struct jf_key *k = NULL;
	char *pem = NULL;
	size_t len = 0;

	while ((c = cli_getopt(cmd, argc, argv, ":h", lo)) != -1)
		return cli_opt_exit(c);
	if (argc - optind != 1)
		return cli_usage_err(cmd, "expected one key file");
	if (key_load_cli(&k, argv[optind]) != 0)
		goto fail;
	if (key_public_pem(k, &pem, &len) != JF_OK) {
		cli_err("%s: cannot encode the public key", argv[optind]);
		goto fail;
	}
	fwrite(pem, 1, len, stdout);
	ret = CLI_EXIT_OK;
fail:
	free(pem);
	key_free(k);
	return ret;
}

/* key_load_file with the message on stderr; 0 or -1. */
static int
key_load_cli(struct jf_key **k, const char *path)
{
	struct jf_msg m = { "" };

	if (key_load_file(k, path, &m) == JF_OK)
		return 0;
	/* The message names the file already when it came from reading it. */
	if (strncmp(m.s, path, strlen(path)) == 0)
		cli_err("%s", m.s);
	else
		cli_err("%s: %s", path, m.s);
	return -1;
}

/* Writes data to a new ".NAME.XXXXXX" beside path with exactly mode;
 * returns its malloc()ed name, or NULL after reporting. */
static char *
tmp_write(const char *path, const char *data, size_t n, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	char *tmp = NULL;
	int fd = -1;
	size_t off = 0;
	ssize_t w;
	size_t room = strlen(path) + sizeof("..XXXXXX");

	if ((tmp = malloc(room)) == NULL) {
		cli_err("out of memory");
		goto fail;
	}
	snprintf(tmp, room, "%.*s.%s.XXXXXX", (int)dirlen, path,
	    path + dirlen);
	if ((fd = mkstemp(tmp)) < 0) {
		cli_err("%s: cannot create a file beside it: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (fchmod(fd, mode) != 0)
		goto fail_io;
	while (off < n) {
		w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail_io;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail_io;
	if (close(fd) != 0) {
		fd = -1;
		goto fail_io;
	}
	return tmp;
fail_io:
	cli_err("%s: %s", tmp, strerror(errno));
fail:
	if (fd >= 0)
		close(fd);
	tmp_discard(tmp);
	return NULL;
}

/* Moves tmp to path: link() refuses an existing path, rename() replaces
 * it atomically. Frees tmp either way; 0 or -1 after reporting. */
static int
tmp_commit(char *tmp, const char *path, int force)
{
	int rc = force ? rename(tmp, path) : link(tmp, path);

	if (rc != 0) {
		if (errno == EEXIST)
			cli_err("%s: exists; use --force to replace it", path);
		else
			cli_err("%s: %s", path, strerror(errno));
	}
	if (rc != 0 || !force)
		unlink(tmp);
	free(tmp);
	return rc != 0 ? -1 : 0;
}

static void
tmp_discard(char *tmp)
{
	if (tmp == NULL)
		return;
	unlink(tmp);
	free(tmp);
}

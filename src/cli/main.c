/* main.c - jwt-fcgi: the command table, dispatch and shared helpers.
 *
 * Exit statuses are the same for every command: 0 done, 1 refused or
 * failed, 2 bad usage or a configuration error (see jwt-fcgi(1)).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/log.h"

#define PROG "jwt-fcgi"
#define CLI_WHO_MAX 64          /* "jwt-fcgi " and the longest command name */

/* Every message starts with the program and, once main() has found the
 * command, its name ("jwt-fcgi register: ..."), whichever helper prints
 * it. Set once before the command runs, like a program name. */
static char cli_who[CLI_WHO_MAX] = PROG;

static int cmd_words(const struct cli_cmd *c);
static const struct cli_cmd *cmd_find(int argc, char **argv, int *used);
static int cmd_group(const char *w1, const char *w2);
static void main_usage(FILE *f);

static const struct cli_cmd cli_cmds[] = {
	{ "keygen", cli_keygen, "generate a private signing key",
	  "[--alg ALG] [--bits N] [--pub PUB.pem] [--force] OUT.pem\n"
	  "\n"
	  "  -a, --alg ALG    ES256 (default), ES384, RS256, PS256 or EdDSA\n"
	  "  -b, --bits N     RSA modulus size: 2048 (default) to 8192\n"
	  "  -p, --pub FILE   also write the public key (SPKI PEM, mode 0644)\n"
	  "  -f, --force      replace existing files (atomically)\n"
	  "  -h, --help       this help\n"
	  "\n"
	  "Writes OUT.pem (PKCS#8, mode 0600) and prints the key id (the RFC 7638\n"
	  "thumbprint).\n" },
	{ "jwks", cli_jwks, "print the public JWKS of PEM keys",
	  "[--alg ALG] KEY.pem...\n"
	  "\n"
	  "  -a, --alg ALG    pin every key to ALG (e.g. PS256 for an RSA key)\n"
	  "  -h, --help       this help\n"
	  "\n"
	  "Each key (private or public PEM) becomes a public JWK with kid = its\n"
	  "RFC 7638 thumbprint, use \"sig\" and alg.\n" },
	{ "pubkey", cli_pubkey, "print the public key (SPKI PEM) of a key",
	  "KEY.pem\n"
	  "\n"
	  "  -h, --help       this help\n"
	  "\n"
	  "Works for private and public keys; the output suits key_file in\n"
	  "jwt-fcgi.conf(5).\n" },
	{ "rotate", cli_rotate, "add a new signing key to the mint's key set",
	  "[-c MINT.CONF] [--prepublish S] [--leeway S] [--alg ALG] [options]\n"
	  "\n"
	  "  -c, --config FILE    the mint's configuration, whose keyset is\n"
	  "                       changed (default $JWT_MINT_CONFIG, else\n"
	  "                       " SYSCONFDIR "/jwt-fcgi/mint.conf)\n"
	  "  -p, --prepublish S   seconds between publishing the new key and\n"
	  "                       its first signature (default 1200: longer\n"
	  "                       than the verifiers' 600 s JWKS refresh)\n"
	  "  -l, --leeway S       the verifiers' clock leeway (default: leeway\n"
	  "                       in mint.conf, else 60)\n"
	  "  -a, --alg ALG        the new key's algorithm (default: the signing\n"
	  "                       key's)\n"
	  "  -b, --bits N         RSA size: 2048 (default) to 4096\n"
	  "      --delete-gone    also delete the files of keys that left the\n"
	  "                       JWKS (they are dropped from the set either way)\n"
	  "  -n, --now UNIX       the rotation's time instead of the clock\n"
	  "  -h, --help           this help\n"
	  "\n"
	  "Writes a new key (mode 0600) beside the key set, published now and\n"
	  "signing from now + S; the key that signs now stops then, and leaves the\n"
	  "JWKS max_token_lifetime + leeway later. Prints the new kid on stdout;\n"
	  "what changed goes to stderr. Refused (exit 1) while a key is still\n"
	  "pending. The running jwt-mint.fcgi reloads the key set by itself.\n" },
	{ "keys", cli_keys, "list the mint's keys, their states and dates",
	  "[-c MINT.CONF] [--json] [--now UNIX]\n"
	  "\n"
	  "  -c, --config FILE  the mint's configuration (default\n"
	  "                     $JWT_MINT_CONFIG, else\n"
	  "                     " SYSCONFDIR "/jwt-fcgi/mint.conf)\n"
	  "  -j, --json         one JSON document instead of lines\n"
	  "  -n, --now UNIX     states at UNIX instead of now\n"
	  "  -h, --help         this help\n"
	  "\n"
	  "One line per key, tab-separated: kid, state, alg, published, activates,\n"
	  "retires, removed, file. States: future, pending (published, not yet\n"
	  "signing), signing, active (a newer active key signs), retired\n"
	  "(published, no longer signing), gone. \"never\" is a date not set, \"-\"\n"
	  "since ever (signing_key lines). Warnings about the schedule go to\n"
	  "stderr.\n" },
	{ "keyset init", cli_keyset_init, "make the mint's key set",
	  "[-c MINT.CONF] [--keyset FILE] [--alg ALG] [--bits N]\n"
	  "\n"
	  "  -c, --config FILE  the mint's configuration (default\n"
	  "                     $JWT_MINT_CONFIG, else\n"
	  "                     " SYSCONFDIR "/jwt-fcgi/mint.conf)\n"
	  "  -k, --keyset FILE  where to write it, for signing_key lines\n"
	  "                     (default keyset.json beside the first key)\n"
	  "  -a, --alg ALG      a fresh key's algorithm (default ES256)\n"
	  "  -b, --bits N       RSA size: 2048 (default) to 4096\n"
	  "  -n, --now UNIX     the time instead of the clock\n"
	  "  -h, --help         this help\n"
	  "\n"
	  "With signing_key lines: a key set of those keys (each must be in the\n"
	  "set's directory), the first signing from now, the others published and\n"
	  "never signing; then replace the lines with keyset = FILE. With keyset =\n"
	  "FILE and no such file: a fresh key in FILE's directory, signing from\n"
	  "now. Never replaces a key set. Prints the set's path on stdout.\n" },
	{ "sign", cli_sign, "sign a JWT with a private key",
	  "-k KEY.pem [options]\n"
	  "\n"
	  "  -k, --key FILE        private key (PEM)\n"
	  "  -a, --alg ALG         sign with ALG (RS256 or PS256 for RSA keys)\n"
	  "  -t, --typ TYP         header typ (default JWT; e.g. at+jwt)\n"
	  "  -i, --iss ISS         issuer claim\n"
	  "  -s, --sub SUB         subject claim\n"
	  "  -A, --aud AUD         audience; repeat for an array\n"
	  "      --scope SCOPE     scope claim (space-separated)\n"
	  "      --client-id ID    client_id claim\n"
	  "      --jti ID          token id (default: 16 random bytes, base64url)\n"
	  "      --ttl SECONDS     exp = now + SECONDS (default 300)\n"
	  "      --nbf SECONDS     nbf = now + SECONDS\n"
	  "      --iat UNIX        iat (default now)\n"
	  "      --exp UNIX        exp, overriding --ttl\n"
	  "  -c, --claims FILE|-   a JSON object of claims; the options win\n"
	  "  -h, --help            this help\n"
	  "\n"
	  "Prints the compact JWS and a newline.\n" },
	{ "cimd init", cli_cimd_init, "make a service's key and client metadata",
	  "--client-id URL [--name NAME] [--jwks-uri URL] [options]\n"
	  "\n"
	  "  -i, --client-id URL  the https URL the document will be published\n"
	  "                       at: the service's client ID, and iss and sub\n"
	  "                       of its tokens\n"
	  "  -n, --name NAME      client_name in the document\n"
	  "      --jwks-uri URL   publish the keys there (jwks.json) instead of\n"
	  "                       inline in the document\n"
	  "  -a, --alg ALG        ES256 (default), ES384, RS256, PS256 or EdDSA\n"
	  "  -o, --out-dir DIR    where to write (default: .; made if missing)\n"
	  "  -f, --force          replace existing cimd.json and jwks.json\n"
	  "  -h, --help           this help\n"
	  "\n"
	  "Writes DIR/client.pem (private key, mode 0600; an existing one is\n"
	  "kept and used), DIR/cimd.json (the client ID metadata document) and,\n"
	  "with --jwks-uri, DIR/jwks.json. Prints the key id. Publish cimd.json\n"
	  "at the client ID URL; the authorizer and the mint fetch it there.\n" },
	{ "cimd token", cli_cimd_token, "sign a self-issued token for an API",
	  "-k KEY.pem --client-id URL --aud AUD [--ttl S] [--typ TYP]\n"
	  "\n"
	  "  -k, --key FILE       the service's private key (cimd init's\n"
	  "                       client.pem)\n"
	  "  -i, --client-id URL  its client ID: iss and sub\n"
	  "  -A, --aud AUD        the API (flow 1), or the mint's issuer for a\n"
	  "                       jwt-bearer grant or a client assertion\n"
	  "      --ttl S          exp = now + S (default 60; APIs accept 300 at\n"
	  "                       most unless they say otherwise)\n"
	  "  -t, --typ TYP        header typ (default JWT; client-authentication\n"
	  "                       +jwt for a client assertion)\n"
	  "      --scope SCOPE    a scope claim (APIs grant what their\n"
	  "                       configuration says, whatever it asks)\n"
	  "  -h, --help           this help\n"
	  "\n"
	  "Prints the compact JWS: iss = sub = the client ID, aud, iat, exp and a\n"
	  "random jti.\n" },
	{ "cimd check", cli_cimd_check, "read a client metadata document",
	  "[--doc FILE] [--ca-file FILE] [--allow CLASSES] URL\n"
	  "\n"
	  "  -d, --doc FILE       check FILE as the document served at URL,\n"
	  "                       without fetching\n"
	  "      --ca-file FILE   CAs for the host (default: the system's)\n"
	  "      --allow CLASSES  address classes the fetch may reach: loopback\n"
	  "                       private link-local special (default: none)\n"
	  "      --max-bytes N    the document's cap (default 5120)\n"
	  "  -h, --help           this help\n"
	  "\n"
	  "Fetches URL (and its jwks_uri) with the authorizer's rules and prints\n"
	  "the usable keys, or the reason the document is refused.\n" },
	{ "verify", cli_verify, "verify a token against a configuration",
	  "-c CONFIG [--explain] [--now UNIX] [TOKEN|-]\n"
	  "\n"
	  "  -c, --config FILE  jwt-authz.fcgi configuration (jwt-fcgi.conf(5))\n"
	  "  -e, --explain      print one line per check on stdout\n"
	  "  -n, --now UNIX     check times against UNIX instead of the clock\n"
	  "  -h, --help         this help\n"
	  "\n"
	  "Reads the token from the argument, or stdin when it is absent or \"-\".\n"
	  "Prints the claims (JSON) when the token is accepted.\n" },
	{ "check-config", cli_check_config, "check a configuration and its keys",
	  "FILE\n"
	  "\n"
	  "  -h, --help       this help\n"
	  "\n"
	  "Loads FILE and every key it names, as jwt-authz.fcgi --check-config\n"
	  "does, and prints \"FILE: OK\".\n" },
	{ "ca init", cli_ca_init, "make the service CA for client certificates",
	  "[--dir DIR] [--cn NAME] [--days N] [--alg ALG] [--trust-domain TD]\n"
	  "\n"
	  "  -d, --dir DIR          where to write ca.key and ca.crt (default .;\n"
	  "                         made, with missing parents, mode 0700)\n"
	  "  -n, --cn NAME          the CA's common name (default\n"
	  "                         \"jwt-fcgi service CA\")\n"
	  "  -D, --days N           validity, 1 to 36500 (default 3650)\n"
	  "  -a, --alg ALG          ES256 (default), ES384, RS256 (3072 bits) or\n"
	  "                         EdDSA\n"
	  "      --trust-domain TD  SPIFFE trust domain, put in the CA as the SAN\n"
	  "                         URI spiffe://TD (default: from --cn, lower case,\n"
	  "                         other characters as '-')\n"
	  "  -h, --help             this help\n"
	  "\n"
	  "Writes DIR/ca.key (PKCS#8, mode 0600) and DIR/ca.crt (CA:TRUE, pathlen 0,\n"
	  "keyCertSign and cRLSign); refuses to replace an existing CA.\n" },
	{ "register", cli_register, "issue a client certificate and register it",
	  "ID --registry FILE [options]\n"
	  "\n"
	  "  -r, --registry FILE       the mint's registry (created if missing)\n"
	  "  -C, --ca-dir DIR          the CA from 'ca init' (default .)\n"
	  "  -o, --out-dir DIR         where to write ID.key and ID.crt (default .;\n"
	  "                            made, with missing parents, mode 0700)\n"
	  "  -a, --alg ALG             key: ES256 (default), ES384, RS256 or EdDSA\n"
	  "      --days N              certificate validity (default 365)\n"
	  "      --san-uri URI         SAN URI, repeatable (default\n"
	  "                            spiffe://TRUST-DOMAIN/ID)\n"
	  "      --san-dns NAME        SAN DNS name, repeatable\n"
	  "      --trust-domain TD     for the default SAN URI (default: the CA's)\n"
	  "      --pin                 also match the certificate's SHA-256\n"
	  "      --scope S             a scope it may request, repeatable\n"
	  "      --default-scope S     a scope it gets by default, repeatable\n"
	  "      --audience A          an audience it may request, repeatable\n"
	  "      --default-audience A  its audience by default\n"
	  "      --lifetime N          token lifetime in seconds (1 to 86400)\n"
	  "      --claim NAME=JSON     an extra claim, repeatable\n"
	  "      --description TEXT    for humans\n"
	  "      --disable             register it disabled\n"
	  "      --client-secret       also a fresh client secret (for\n"
	  "                            client_secret_basic/_post), printed once\n"
	  "                            on stdout; only its SHA-256 is stored\n"
	  "      --secret-file FILE    --client-secret, but write the secret to\n"
	  "                            FILE, a new file (mode 0600), not stdout\n"
	  "  -h, --help                this help\n"
	  "\n"
	  "Standard output carries the client secret and nothing else, so\n"
	  "sec=$(jwt-fcgi register ... --client-secret) captures it alone; what\n"
	  "was done is reported on standard error.\n"
	  "\n"
	  "Issues a fresh key (ID.key, mode 0600) and a clientAuth certificate\n"
	  "(ID.crt, CN=ID), then adds or updates service ID in the registry, under\n"
	  "a lock (FILE.lock) and atomically. Its match rules are rewritten from the\n"
	  "certificate: san_uri, issuer_key_id and, with --pin, fingerprint. Other\n"
	  "members change only where an option is given (a list option replaces\n"
	  "the list; --claim replaces one claim). The result is checked as the\n"
	  "mint would load it; an invalid registry is never written.\n" },
	{ "registry check", cli_registry_check, "check a registry file",
	  "FILE\n"
	  "\n"
	  "  -h, --help       this help\n"
	  "\n"
	  "Loads FILE as jwt-mint.fcgi does and prints \"FILE: OK (N services)\",\n"
	  "or the first problem with its JSON path and exits 2.\n" },
	{ "registry list", cli_registry_list, "list a registry's services",
	  "FILE\n"
	  "\n"
	  "  -h, --help       this help\n"
	  "\n"
	  "Checks FILE, then prints one line per service: ID, a tab, enabled,\n"
	  "disabled or expired, a tab, and its match rules as JSON.\n" },
	{ "revoke", cli_revoke, "revoke, suspend or resume live tokens",
	  "(--jti JTI | --sub SUB | --client ID) [--suspend | --resume]\n"
	  "       [-c MINT.CONF]\n"
	  "\n"
	  "  -j, --jti JTI      the token with this jti\n"
	  "  -s, --sub SUB      every live token of this subject\n"
	  "  -C, --client ID    every live token of this client\n"
	  "  -S, --suspend      suspend instead (status_bits = 2)\n"
	  "  -R, --resume       make suspended tokens valid again\n"
	  "  -c, --config FILE  the mint's configuration, whose state is changed\n"
	  "                     (default $JWT_MINT_CONFIG, else\n"
	  "                     " SYSCONFDIR "/jwt-fcgi/mint.conf)\n"
	  "  -h, --help         this help\n"
	  "\n"
	  "Sets the status of the matching live tokens in the mint's state (the\n"
	  "embedded file in state_dir, or state's Redis) and prints how many\n"
	  "changed. Revocation is final; a revoked token is not resumed. Verifiers\n"
	  "see it once they fetch the status list again (status_list_ttl).\n"
	  "One JSON audit line goes to stderr and syslog.\n" },
	{ "client block", cli_client_block, "refuse a client new tokens",
	  "ID [-c MINT.CONF]\n"
	  "\n"
	  "  -c, --config FILE  the mint's configuration (default\n"
	  "                     $JWT_MINT_CONFIG, else\n"
	  "                     " SYSCONFDIR "/jwt-fcgi/mint.conf)\n"
	  "  -h, --help         this help\n"
	  "\n"
	  "The mint refuses the client's token requests (400 unauthorized_client)\n"
	  "until `jwt-fcgi client unblock ID`. Its live tokens stay valid: revoke\n"
	  "them with `jwt-fcgi revoke --client ID`.\n" },
	{ "client unblock", cli_client_block, "let a blocked client get tokens",
	  "ID [-c MINT.CONF]\n"
	  "\n"
	  "  -c, --config FILE  the mint's configuration (default\n"
	  "                     $JWT_MINT_CONFIG, else\n"
	  "                     " SYSCONFDIR "/jwt-fcgi/mint.conf)\n"
	  "  -h, --help         this help\n" },
};
#define CLI_NCMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

int
main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int used = 0, rc;

	/* The library logs warnings (e.g. from cfg_load) to stderr. */
	log_init(PROG, LOG_LVL_WARN, 0);
	if (argc < 2) {
		main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s %s\n", PROG, PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			main_usage(stdout);
			return CLI_EXIT_OK;
		}
		cmd = cmd_find(argc - 2, argv + 2, &used);
		if (cmd == NULL || used != argc - 2) {
			cli_err("unknown command '%s'", argv[2]);
			main_usage(stderr);
			return CLI_EXIT_USAGE;
		}
		cli_usage(cmd, stdout);
		return CLI_EXIT_OK;
	}
	cmd = cmd_find(argc - 1, argv + 1, &used);
	if (cmd == NULL) {
		if (!cmd_group(argv[1], argc > 2 ? argv[2] : NULL))
			cli_err("unknown command '%s'", argv[1]);
		main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	/* argv[0] of the command is its last word; optind 0 makes glibc's
	 * getopt start a fresh scan of that vector. */
	optind = 0;
	snprintf(cli_who, sizeof(cli_who), "%s %s", PROG, cmd->name);
	rc = cmd->fn(cmd, argc - used, argv + used);
	/* A full disk or a closed pipe must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("cannot write the output");
		if (rc == CLI_EXIT_OK)
			rc = CLI_EXIT_FAIL;
	}
	return rc;
}

static int
cmd_words(const struct cli_cmd *c)
{
	return strchr(c->name, ' ') != NULL ? 2 : 1;
}

/* Matches one- and two-word names ("ca init") against argv[0..1]. */
static const struct cli_cmd *
cmd_find(int argc, char **argv, int *used)
{
	size_t i, n1;

	for (i = 0; i < CLI_NCMDS; i++) {
		const struct cli_cmd *c = &cli_cmds[i];

		if (cmd_words(c) == 1) {
			if (strcmp(c->name, argv[0]) == 0) {
				*used = 1;
				return c;
			}
			continue;
		}
		n1 = (size_t)(strchr(c->name, ' ') - c->name);
		if (argc >= 2 && strlen(argv[0]) == n1 &&
		    strncmp(c->name, argv[0], n1) == 0 &&
		    strcmp(c->name + n1 + 1, argv[1]) == 0) {
			*used = 2;
			return c;
		}
	}
	return NULL;
}

/* "ca" or "registry" without a known second word: names the group's
 * commands; 1 if w1 is such a group, else 0. */
static int
cmd_group(const char *w1, const char *w2)
{
	size_t i, n = strlen(w1);
	int found = 0;

	for (i = 0; i < CLI_NCMDS; i++) {
		const char *name = cli_cmds[i].name;

		if (strncmp(name, w1, n) != 0 || name[n] != ' ')
			continue;
		if (!found) {
			if (w2 == NULL || w2[0] == '-')
				fprintf(stderr, PROG ": %s: expected one of:",
				    w1);
			else
				fprintf(stderr, PROG ": unknown command "
				    "'%s %s'; expected one of:", w1, w2);
		}
		fprintf(stderr, " '%s'", name);
		found = 1;
	}
	if (found)
		fputc('\n', stderr);
	return found;
}

static void
main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s COMMAND [OPTIONS] [ARGS]\n"
	    "       %s --help | --version | help COMMAND\n\n"
	    "Administration of jwt-fcgi keys, tokens and configuration.\n\n"
	    "Commands:\n", PROG, PROG);
	for (i = 0; i < CLI_NCMDS; i++)
		fprintf(f, "  %-16s %s\n", cli_cmds[i].name, cli_cmds[i].summary);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options.\n"
	    "Exit status: 0 success, 1 refused or failed, 2 usage or "
	    "configuration error.\n", PROG);
}

void
cli_usage(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: %s %s %s", PROG, cmd->name, cmd->usage);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage_err(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG " %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: %s %s %.*s\n", PROG, cmd->name,
	    (int)strcspn(cmd->usage, "\n"), cmd->usage);
	fprintf(stderr, "Try '%s %s --help'.\n", PROG, cmd->name);
	return CLI_EXIT_USAGE;
}

int
cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
    const char *opts, const struct option *longopts)
{
	int c;

	/* Our own messages, with the "jwt-fcgi: " prefix. */
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	switch (c) {
	case 'h':
		cli_usage(cmd, stdout);
		return CLI_OPT_HELP;
	case ':':
		cli_usage_err(cmd, "option '%s' needs an argument",
		    argv[optind - 1]);
		return CLI_OPT_BAD;
	case '?':
		if (optopt != 0 && optopt != '?')
			cli_usage_err(cmd, "unknown option '-%c'", optopt);
		else
			cli_usage_err(cmd, "unknown option '%s'",
			    argv[optind - 1]);
		return CLI_OPT_BAD;
	default:
		return c;
	}
}

int
cli_opt_exit(int c)
{
	return c == CLI_OPT_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

enum jf_err
cli_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct jf_msg *m)
{
	enum jf_err rc = JF_E_IO;
	int fd = -1, is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "(stdin)" : path;
	char *b = NULL;
	size_t n = 0;
	ssize_t r;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		jf_fail(m, JF_E_IO, "%s: %s", name, strerror(errno));
		goto fail;
	}
	/* One byte of room beyond max tells "exactly max" from "too big". */
	if ((b = malloc(max + 2)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	for (;;) {
		r = read(fd, b + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			jf_fail(m, JF_E_IO, "%s: %s", name, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = jf_fail(m, JF_E_TOO_LARGE,
			    "%s: larger than %zu bytes", name, max);
			goto fail;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = JF_OK;
fail:
	free(b);
	if (fd >= 0 && !is_stdin)
		close(fd);
	return rc;
}

int
cli_parse_num(const struct cli_cmd *cmd, const char *opt, const char *s,
    long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	/* strtoll skips blanks and takes '+'; a number here is digits with
	 * an optional leading '-' and nothing else. */
	if (s[0] == '\0' || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		goto bad;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	cli_usage_err(cmd, "%s: expected an integer from %lld to %lld, got '%s'",
	    opt, min, max, s);
	return -1;
}

int
cli_parse_alg(const struct cli_cmd *cmd, const char *s, enum jf_alg *out)
{
	enum jf_alg a = jf_alg_from_name(s);

	if (a == JF_ALG_NONE) {
		cli_usage_err(cmd, "--alg: expected ES256, ES384, RS256, "
		    "PS256 or EdDSA, got '%s'", s);
		return -1;
	}
	*out = a;
	return 0;
}

char *
cli_tmp_write(const char *path, const void *data, size_t n, mode_t mode,
    uid_t uid, gid_t gid)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	size_t room = strlen(path) + sizeof("..XXXXXX"), off = 0;
	const char *p = data;
	char *tmp = NULL;
	int fd = -1;
	ssize_t w;

	if ((tmp = malloc(room)) == NULL) {
		cli_err("out of memory");
		return NULL;
	}
	snprintf(tmp, room, "%.*s.%s.XXXXXX", (int)dirlen, path,
	    path + dirlen);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		cli_err("%s: cannot create a file beside it: %s", path,
		    strerror(errno));
		free(tmp);
		return NULL;
	}
	/* mkstemp made it 0600; fchmod, not the umask, decides. */
	if (fchmod(fd, mode) != 0 || fchown(fd, uid, gid) != 0)
		goto fail;
	while (off < n) {
		w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	/* A full disk may only show here (delayed allocation, NFS). */
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return tmp;
fail:
	cli_err("%s: cannot write %s: %s", path, tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	cli_tmp_discard(tmp);
	return NULL;
}

int
cli_tmp_commit(char *tmp, const char *path, int replace)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int rc, fd;

	rc = replace ? rename(tmp, path) : link(tmp, path);
	if (rc != 0) {
		if (errno == EEXIST)
			cli_err("%s: exists; not replacing it", path);
		else
			cli_err("%s: %s", path, strerror(errno));
	}
	if (rc != 0 || !replace)
		unlink(tmp);
	free(tmp);
	if (rc != 0)
		return -1;
	/* The new name is durable only once its directory is. */
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL) {
		cli_err("out of memory");
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) != 0)
			rc = -1;
		close(fd);
	} else {
		rc = -1;
	}
	if (rc != 0)
		cli_err("%s: cannot sync the directory: %s", dir,
		    strerror(errno));
	free(dir);
	return rc;
}

int
cli_mkdirs(const char *path, mode_t mode)
{
	struct stat sb;
	char *p = NULL, *s;
	int rc = -1, last;

	if (path[0] == '\0') {
		cli_err("an empty directory name");
		return -1;
	}
	if ((p = strdup(path)) == NULL) {
		cli_err("out of memory");
		return -1;
	}
	/* Each prefix ending before a '/', then the whole path. A leading
	 * '/' and repeated ones are no component. */
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		last = *s == '\0';
		if (s[-1] != '/') {
			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST) {
				cli_err("%s: cannot create the directory: %s",
				    p, strerror(errno));
				goto fail;
			}
			/* EEXIST says nothing of what exists. */
			if (stat(p, &sb) != 0) {
				cli_err("%s: %s", p, strerror(errno));
				goto fail;
			}
			if (!S_ISDIR(sb.st_mode)) {
				cli_err("%s: exists and is not a directory", p);
				goto fail;
			}
			if (!last)
				*s = '/';
		}
		if (last)
			break;
	}
	rc = 0;
fail:
	free(p);
	return rc;
}

void
cli_tmp_discard(char *tmp)
{
	if (tmp == NULL)
		return;
	unlink(tmp);
	free(tmp);
}

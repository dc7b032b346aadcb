/* cli.h - the jwt-fcgi admin tool: a table of commands and the helpers
 * they share.
 *
 * Each command is `int fn(const struct cli_cmd *cmd, int argc, char **argv)`
 * with argv[0] the command's (last) word; it parses its own options with
 * cli_getopt() and returns an exit status. A new command is one function
 * here plus one row in the table in main.c; a name may have two words
 * ("ca init"), matched against the first two arguments.
 */
#ifndef JF_CLI_H
#define JF_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "util/err.h"
#include "jose/key.h"

struct cert;
struct json_object;
struct registry;

/* Exit statuses, the same for every command. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1         /* refused, or the operation failed */
#define CLI_EXIT_USAGE 2        /* bad usage or a configuration error */

struct cli_cmd {
	const char *name;
	int (*fn)(const struct cli_cmd *cmd, int argc, char **argv);
	const char *summary;    /* one line for `jwt-fcgi --help` */
	/* Synopsis line, blank line, options (-h too), optional notes;
	 * ends with '\n'. */
	const char *usage;
};

/* "Usage: jwt-fcgi NAME " and cmd->usage. */
void cli_usage(const struct cli_cmd *cmd, FILE *f);
/* "jwt-fcgi COMMAND: " (before a command is chosen, "jwt-fcgi: ") +
 * message + newline on stderr: errors, warnings and notes alike. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_err(...), then "Try 'jwt-fcgi NAME --help'."; returns
 * CLI_EXIT_USAGE. */
int cli_usage_err(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* getopt_long() for a command, from the start of argv (it resets optind).
 * opts must start with ':' and hold 'h'; longopts must map "help" to 'h'.
 * Returns the next option, -1 at the end, or CLI_OPT_HELP after printing
 * the usage on stdout, or CLI_OPT_BAD after reporting an unknown option
 * or a missing argument on stderr. cli_opt_exit() turns the last two
 * into the exit status. */
#define CLI_OPT_HELP (-2)
#define CLI_OPT_BAD (-3)
int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	const char *opts, const struct option *longopts);
int cli_opt_exit(int c);

/* Whole file into a NUL-terminated buffer; "-" reads stdin. Refuses more
 * than max bytes. JF_E_IO or JF_E_TOO_LARGE with "path: reason" in m. */
enum jf_err cli_read_file(const char *path, size_t max, char **buf,
	size_t *len, struct jf_msg *m);
/* Strict decimal in [min, max]: no sign games, no trailing bytes.
 * Returns 0, or -1 after cli_usage_err() naming the option. */
int cli_parse_num(const struct cli_cmd *cmd, const char *opt,
	const char *s, long long min, long long max, long long *out);
/* An --alg argument; -1 after cli_usage_err() if it is not one we sign
 * or verify with. */
int cli_parse_alg(const struct cli_cmd *cmd, const char *s, enum jf_alg *out);

/* Crash-safe file writes. cli_tmp_write() writes n bytes to a new
 * ".NAME.XXXXXX" beside path (O_EXCL; exactly mode whatever the umask;
 * owner uid/gid unless (uid_t)-1/(gid_t)-1), fsyncs and closes it, and
 * returns its malloc()ed name, or NULL after reporting (the temp file is
 * gone then: a full disk leaves nothing behind). cli_tmp_commit() moves
 * it to path, with link() when replace is 0 (an existing path is refused:
 * "exists") or rename() when 1, then fsyncs the directory; it frees tmp
 * either way and returns 0, or -1 after reporting. cli_tmp_discard()
 * unlinks and frees (NULL does nothing). */
char *cli_tmp_write(const char *path, const void *data, size_t n,
	mode_t mode, uid_t uid, gid_t gid);
int cli_tmp_commit(char *tmp, const char *path, int replace);
void cli_tmp_discard(char *tmp);

/* mkdir -p: path and every missing parent, each made with mode (0700
 * for a directory that will hold a private key; the umask may only take
 * bits away). Existing directories are left as they are. 0, or -1 after
 * reporting the component that failed. */
int cli_mkdirs(const char *path, mode_t mode);

/* The service CA (ca.c), for `register`. Loads DIR/ca.key and DIR/ca.crt
 * and checks they belong together and the certificate is a CA; 0, or -1
 * after reporting. */
struct cli_ca;
int cli_ca_load(struct cli_ca **out, const char *dir);
void cli_ca_free(struct cli_ca *ca);
/* The SPIFFE trust domain in the CA certificate's SAN URI
 * ("spiffe://TD", as `ca init --trust-domain` writes it), or NULL. */
const char *cli_ca_trust_domain(const struct cli_ca *ca);
/* 1 if s is a SPIFFE trust domain: 1-255 bytes of [a-z0-9._-]. */
int cli_trust_domain_ok(const char *s);

/* A client certificate to issue: CN, SANs, validity and key algorithm. */
struct cli_leaf {
	const char *cn;
	const char *const *uri;
	size_t nuri;
	const char *const *dns;
	size_t ndns;
	long days;
	enum jf_alg alg;
};
/* A fresh key and a certificate for it signed by ca: keyUsage
 * digitalSignature, extKeyUsage clientAuth, CA:FALSE, subject and
 * authority key ids. Writes the PKCS#8 key (free with key_pem_free) and
 * the certificate PEM (free); 0, or -1 after reporting. */
int cli_ca_issue(const struct cli_ca *ca, const struct cli_leaf *req,
	char **key_pem, size_t *key_len, char **crt_pem, size_t *crt_len);

/* What `register` sets in a registry entry (register.c fills it,
 * registry.c applies it). Lists hold pointers into argv. */
#define CLI_LIST_MAX 256        /* REGISTRY_SCOPES_MAX, the longest list */
struct cli_strlist {
	const char *v[CLI_LIST_MAX];
	size_t n;
};
struct cli_reg_opts {
	const char *id, *registry, *ca_dir, *out_dir, *td, *desc, *def_aud;
	struct cli_strlist uri, dns, scope, def_scope, aud, claim;
	long long lifetime, days;       /* lifetime 0: not given */
	enum jf_alg alg;
	int pin, disable;
};
/* registry.c, for register. cli_reg_lock() flocks PATH.lock (created if
 * missing, never removed) and returns its fd, or -1 after reporting.
 * cli_reg_read() gives the registry as JSON ({"services": []} when PATH
 * does not exist; *exists and *st describe the file) after checking it
 * with registry_parse; 0, or an exit status after reporting.
 * cli_reg_apply() adds service o->id at the end or updates it in place
 * (*added says which): match rebuilt from c, enabled from o->disable,
 * other members only where an option was given; 0 or an exit status.
 * cli_reg_selects() checks that the mint, shown c, picks service id;
 * 0, or -1 after reporting. */
int cli_reg_lock(const char *path);
int cli_reg_read(const char *path, struct json_object **doc,
	struct stat *st, int *exists);
int cli_reg_apply(const struct cli_reg_opts *o, struct json_object *doc,
	const struct cert *c, int *added);
int cli_reg_selects(const struct registry *reg, const struct cert *c,
	const char *id);

/* keyset.c, for keys, keyset init and rotate: the lines of mint.conf a
 * key set needs. cli_mintconf_read() reads keyset, signing_key,
 * max_token_lifetime, leeway and jwks_max_age (defaults 3600, 60, 300)
 * as strictly as the mint, leaving every other line to jwt-mint.fcgi -t;
 * 0, or -1 after reporting. */
#define CLI_SIGNING_KEYS_MAX 8          /* as the mint's MINT_KEYS_MAX */
struct cli_mintconf {
	const char *path;
	char *keyset;                   /* NULL: signing_key lines */
	char *signing[CLI_SIGNING_KEYS_MAX];
	size_t nsigning;
	long max_token_lifetime, leeway, jwks_max_age;
};
struct keyset;
int cli_mintconf_read(const char *path, struct cli_mintconf *c);
void cli_mintconf_free(struct cli_mintconf *c);
/* -c's default: $JWT_MINT_CONFIG, else SYSCONFDIR/jwt-fcgi/mint.conf. */
const char *cli_mint_conf(void);
/* The keys as the mint loads them: the key set (every key file checked)
 * or the signing_key lines scheduled as the mint does (the first active
 * since ever, the others retired since ever); 0, or -1 after
 * reporting. */
int cli_keyset_load(const struct cli_mintconf *c, struct keyset **out);
/* A private key (PKCS#8, mode 0600, owner uid/gid unless -1) at path,
 * never replacing a file; 0, or -1 after reporting. */
int cli_key_write(const char *path, const struct jf_key *k, uid_t uid,
	gid_t gid);
/* The key set ks written to path, atomically (a temp file beside it,
 * fsync, then link(), or rename() when replace), after checking that
 * it parses back; 0, or -1 after reporting. */
int cli_keyset_write(const char *path, const struct keyset *ks,
	mode_t mode, uid_t uid, gid_t gid, int replace);
/* "key-20260101T000000Z-AbCdEfGh.pem": the date, then the kid's start. */
void cli_key_name(char *out, size_t room, const char *kid, int64_t now);
/* A --now argument (unix seconds, 2000 to 9999); -1 after
 * cli_usage_err(). */
int cli_parse_now(const struct cli_cmd *cmd, const char *s, int64_t *now);
/* The directory part of path ("." or "/" at the ends); NULL after
 * reporting. */
char *cli_dirname(const char *path);

/* commands: cimd.c */
int cli_cimd_init(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cimd_token(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cimd_check(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: keys.c */
int cli_keygen(const struct cli_cmd *cmd, int argc, char **argv);
int cli_jwks(const struct cli_cmd *cmd, int argc, char **argv);
int cli_pubkey(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: tokens.c */
int cli_sign(const struct cli_cmd *cmd, int argc, char **argv);
int cli_verify(const struct cli_cmd *cmd, int argc, char **argv);
int cli_check_config(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: ca.c */
int cli_ca_init(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: register.c */
int cli_register(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: keyset.c */
int cli_keys(const struct cli_cmd *cmd, int argc, char **argv);
int cli_keyset_init(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: rotate.c */
int cli_rotate(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: revoke.c */
int cli_revoke(const struct cli_cmd *cmd, int argc, char **argv);
int cli_client_block(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: registry.c */
int cli_registry_check(const struct cli_cmd *cmd, int argc, char **argv);
int cli_registry_list(const struct cli_cmd *cmd, int argc, char **argv);

#endif

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
#include <stdio.h>
#include <time.h>

#include "err.h"
#include "key.h"

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
/* "jwt-fcgi: " + message + newline on stderr. */
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

/* commands: keys.c */
int cli_keygen(const struct cli_cmd *cmd, int argc, char **argv);
int cli_jwks(const struct cli_cmd *cmd, int argc, char **argv);
int cli_pubkey(const struct cli_cmd *cmd, int argc, char **argv);
/* commands: tokens.c */
int cli_sign(const struct cli_cmd *cmd, int argc, char **argv);
int cli_verify(const struct cli_cmd *cmd, int argc, char **argv);
int cli_check_config(const struct cli_cmd *cmd, int argc, char **argv);

#endif

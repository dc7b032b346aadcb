/* revoke.c - `jwt-fcgi revoke` and `jwt-fcgi client block|unblock`: the
 * operator's side of token status, for incidents. They open the state
 * the mint uses (state/state.h: the embedded file in state_dir, or
 * Redis), as mint.conf names it, and change it there: the mint's next
 * status list shows the change, and a blocked client gets no token.
 *
 * Each change is one JSON audit line, the mint's shape (src/mint/audit.c)
 * with "actor":"cli", on stderr and to syslog (LOG_AUTH): who ran it is
 * in syslog's own fields. Never a token or a secret.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "conf/ini.h"
#include "oauth/slist.h"
#include "state/state.h"
#include "util/audit.h"

/* As the mint's conf.h: defaults and the embedded state's file. */
#define RV_STATE_DIR "/var/lib/jwt-fcgi"
#define RV_STATE_FILE "mint-status.state"
#define RV_LIVE_DEFAULT 1000000L
#define RV_TIMEOUT_MS 5000

/* The lines of mint.conf that say where the state is; the rest is the
 * mint's (jwt-mint.fcgi -t checks it). */
struct rv_conf {
	char *issuer, *state, *state_dir;
	int bits;
	long max_live;
};

static enum jf_err rv_item(void *arg, const struct ini_item *it,
	struct jf_msg *m);
static int rv_open(const char *path, struct st **out, int *bits);
static void rv_audit(const char *event, const char *by, const char *value,
	size_t changed, const char *outcome, const char *reason);

static enum jf_err
rv_item(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct rv_conf *c = arg;
	char **dst = NULL;
	char *end;

	if (it->section != NULL)
		return JF_OK;
	if (strcmp(it->key, "issuer") == 0)
		dst = &c->issuer;
	else if (strcmp(it->key, "state") == 0)
		dst = &c->state;
	else if (strcmp(it->key, "state_dir") == 0)
		dst = &c->state_dir;
	else if (strcmp(it->key, "status_bits") == 0) {
		if (strcmp(it->value, "1") != 0 && strcmp(it->value, "2") != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: status_bits: "
			    "expected 1 or 2", it->file, it->line);
		c->bits = it->value[0] - '0';
	} else if (strcmp(it->key, "max_live_tokens") == 0) {
		errno = 0;
		c->max_live = strtol(it->value, &end, 10);
		if (errno || *end != '\0' || c->max_live < 1 ||
		    c->max_live > (long)SLIST_MAX_STATUSES / 2)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: max_live_tokens: "
			    "expected 1..%u", it->file, it->line,
			    SLIST_MAX_STATUSES / 2);
	}
	if (dst != NULL) {
		free(*dst);
		if ((*dst = strdup(it->value)) == NULL)
			return JF_E_NOMEM;
	}
	return JF_OK;
}

/* The mint's state, from its configuration at path; 0, or an exit
 * status after reporting. */
static int
rv_open(const char *path, struct st **out, int *bits)
{
	struct rv_conf c = { NULL, NULL, NULL, 1, RV_LIVE_DEFAULT };
	struct jf_msg m = { "" };
	struct st_opts o;
	char *file = NULL, *prefix = NULL;
	int rc = CLI_EXIT_USAGE;

	*out = NULL;
	if (ini_parse_file(path, rv_item, &c, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto out;
	}
	if (c.issuer == NULL) {
		cli_err("%s: issuer: required", path);
		goto out;
	}
	rc = CLI_EXIT_FAIL;
	if (asprintf(&file, "%s/" RV_STATE_FILE, c.state_dir != NULL ?
	    c.state_dir : RV_STATE_DIR) < 0 ||
	    asprintf(&prefix, "jf:%s:", c.issuer) < 0) {
		file = prefix = NULL;
		cli_err("out of memory");
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.url = c.state != NULL && *c.state != '\0' ? c.state : NULL;
	o.path = file;
	o.prefix = prefix;
	o.max_live = (uint32_t)c.max_live;
	o.bits = c.bits;
	o.timeout_ms = RV_TIMEOUT_MS;
	/* The embedded file must be the mint's: never make one here. */
	if (o.url == NULL && access(file, F_OK) != 0) {
		cli_err("%s: %s (the mint makes it when it issues its first "
		    "token; is state_dir in %s right?)", file, strerror(errno),
		    path);
		goto out;
	}
	if (st_open(out, &o, &m) != JF_OK) {
		cli_err("state %s: %s", o.url != NULL ? "(redis)" : file, m.s);
		*out = NULL;
		goto out;
	}
	*bits = c.bits;
	rc = 0;
out:
	free(file);
	free(prefix);
	free(c.issuer);
	free(c.state);
	free(c.state_dir);
	return rc;
}

static void
rv_audit(const char *event, const char *by, const char *value,
	size_t changed, const char *outcome, const char *reason)
{
	struct json_object *o = audit_new(event, time(NULL));
	struct passwd *pw = getpwuid(getuid());

	if (o == NULL)
		return;
	json_object_object_add(o, "actor", json_object_new_string("cli"));
	audit_str(o, "user", pw != NULL ? pw->pw_name : NULL);
	audit_str(o, "by", by);
	audit_str(o, "value", value);
	json_object_object_add(o, "changed", json_object_new_int64(
	    (int64_t)changed));
	audit_str(o, "outcome", outcome);
	audit_str(o, "reason", reason);
	audit_emit_cli(o, "jwt-fcgi");
}

int
cli_revoke(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "jti", required_argument, NULL, 'j' },
		{ "sub", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'C' },
		{ "suspend", no_argument, NULL, 'S' },
		{ "resume", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const event[] = { "token_resumed", "token_revoked",
	    "token_suspended" };
	const char *conf = cli_mint_conf(), *value = NULL, *by = NULL;
	enum st_by sel = ST_BY_JTI;
	struct st *st = NULL;
	struct jf_msg m = { "" };
	int c, status = SLIST_INVALID, bits = 1, rc;
	size_t n = 0;

	while ((c = cli_getopt(cmd, argc, argv, ":c:j:s:C:SRh", lo)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'j':
		case 's':
		case 'C':
			if (value != NULL)
				return cli_usage_err(cmd, "give one of --jti, "
				    "--sub and --client");
			value = optarg;
			by = c == 'j' ? "jti" : c == 's' ? "sub" : "client";
			sel = c == 'j' ? ST_BY_JTI : c == 's' ? ST_BY_SUB :
			    ST_BY_CLIENT;
			break;
		case 'S':
		case 'R':
			if (status != SLIST_INVALID)
				return cli_usage_err(cmd, "--suspend and --resume "
				    "exclude each other");
			status = c == 'S' ? SLIST_SUSPENDED : SLIST_VALID;
			break;
		default:
			return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument \"%s\"",
		    argv[optind]);
	if (value == NULL || *value == '\0')
		return cli_usage_err(cmd, "give one of --jti, --sub and "
		    "--client");
	if ((rc = rv_open(conf, &st, &bits)) != 0)
		return rc;
	if (status != SLIST_INVALID && bits != 2) {
		st_free(st);
		cli_err("%s: status_bits = 1: a list of 1 bit has no "
		    "suspension (set status_bits = 2)", conf);
		return CLI_EXIT_USAGE;
	}
	if (st_set_status(st, sel, value, NULL, status, (int64_t)time(NULL),
	    &n, &m) != JF_OK) {
		rv_audit(event[status], by, value, 0, "failed", m.s);
		cli_err("%s", m.s);
		st_free(st);
		return CLI_EXIT_FAIL;
	}
	rv_audit(event[status], by, value, n, "ok", NULL);
	st_free(st);
	printf("%zu token%s %s\n", n, n == 1 ? "" : "s",
	    status == SLIST_INVALID ? "revoked" : status == SLIST_SUSPENDED ?
	    "suspended" : "resumed");
	return CLI_EXIT_OK;
}

/* client block C / client unblock C: argv[0] says which. */
int
cli_client_block(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = cli_mint_conf();
	int block = strcmp(argv[0], "block") == 0, c, bits, rc;
	struct st *st = NULL;
	struct jf_msg m = { "" };

	while ((c = cli_getopt(cmd, argc, argv, ":c:h", lo)) != -1) {
		if (c != 'c')
			return cli_opt_exit(c);
		conf = optarg;
	}
	if (optind + 1 != argc || *argv[optind] == '\0')
		return cli_usage_err(cmd, "expected one client id");
	if ((rc = rv_open(conf, &st, &bits)) != 0)
		return rc;
	if (st_block(st, argv[optind], block, &m) != JF_OK) {
		rv_audit(block ? "client_blocked" : "client_unblocked",
		    "client", argv[optind], 0, "failed", m.s);
		cli_err("%s", m.s);
		st_free(st);
		return CLI_EXIT_FAIL;
	}
	rv_audit(block ? "client_blocked" : "client_unblocked", "client",
	    argv[optind], 1, "ok", NULL);
	st_free(st);
	printf("client %s %s\n", argv[optind], block ? "blocked" :
	    "unblocked");
	return CLI_EXIT_OK;
}

/* registry.c - jwt-fcgi registry check and registry list, and the
 * registry edits of `register` (register.c): the lock, reading, and
 * building one entry with json-c.
 *
 * The mint's own loader (registry_parse) is the one judge of validity;
 * json_parse (strict: duplicate names refused) only gives us a tree to
 * edit or show. Entries are edited in place, so json-c keeps every other
 * entry's members and their order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "x509/cert.h"
#include "cli.h"
#include "util/json.h"
#include "registry/registry.h"

static struct json_object *find_service(struct json_object *svcs,
	const char *id);
static int build_entry(const struct cli_reg_opts *o, struct json_object *svc,
	const struct cert *c);
static int set_claims(const struct cli_reg_opts *o, struct json_object *svc);
static struct json_object *str_array(const struct cli_strlist *l);
static int set(struct json_object *obj, const char *key,
	struct json_object *v);
static int set_idx(struct json_object *arr, struct json_object *v);

int
cli_registry_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct registry *reg = NULL;
	struct jf_msg m = { "" };
	size_t n;
	int c;

	while ((c = cli_getopt(cmd, argc, argv, ":h", lo)) != -1)
		return cli_opt_exit(c);
	if (argc - optind != 1)
		return cli_usage_err(cmd, "expected one registry file");
	if (registry_load(&reg, argv[optind], &m) != JF_OK) {
		cli_err("%s", m.s);
		return CLI_EXIT_USAGE;
	}
	n = registry_count(reg);
	printf("%s: OK (%zu service%s)\n", argv[optind], n, n == 1 ? "" : "s");
	registry_free(reg);
	return CLI_EXIT_OK;
}

int
cli_registry_list(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct registry *reg = NULL;
	struct json_object *doc = NULL, *svcs, *svc, *match;
	struct jf_msg m = { "" };
	char *buf = NULL;
	const char *path, *state;
	size_t len = 0, i;
	time_t na, now = time(NULL);
	int c, ret = CLI_EXIT_USAGE;

	while ((c = cli_getopt(cmd, argc, argv, ":h", lo)) != -1)
		return cli_opt_exit(c);
	if (argc - optind != 1)
		return cli_usage_err(cmd, "expected one registry file");
	path = argv[optind];
	if (cli_read_file(path, REGISTRY_FILE_MAX, &buf, &len, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	/* The mint's loader decides validity; json_parse only shows it. */
	if (registry_parse(&reg, buf, len, &m) != JF_OK ||
	    json_parse(&doc, buf, len, REGISTRY_DEPTH, &m) != JF_OK) {
		cli_err("%s: %s", path, m.s);
		goto fail;
	}
	json_object_object_get_ex(doc, "services", &svcs);
	for (i = 0; i < registry_count(reg); i++) {
		const struct reg_service *s = registry_service(reg, i);

		svc = json_object_array_get_idx(svcs, i);
		json_object_object_get_ex(svc, "match", &match);
		na = registry_svc_not_after(s);
		state = !registry_svc_enabled(s) ? "disabled" :
		    na != 0 && na <= now ? "expired" : "enabled";
		printf("%s\t%s\t%s\n", registry_svc_id(s), state,
		    json_object_to_json_string_ext(match,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	ret = CLI_EXIT_OK;
fail:
	free(buf);
	json_object_put(doc);
	registry_free(reg);
	return ret;
}

/* Opens and flocks FILE.lock; the fd, or -1 after reporting. */
int
cli_reg_lock(const char *path)
{
	size_t n = strlen(path) + sizeof(".lock");
	char *lp = malloc(n);
	int fd = -1;

	if (lp == NULL) {
		cli_err("out of memory");
		return -1;
	}
	snprintf(lp, n, "%s.lock", path);
	/* flock needs no write access: an existing lock file in a
	 * read-only directory still works, and the write fails later with
	 * the real reason. */
	if ((fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		int why = errno;

		if ((fd = open(lp, O_RDONLY | O_CLOEXEC)) < 0) {
			cli_err("%s: cannot create the lock file: %s", lp,
			    strerror(why));
			goto out;
		}
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			cli_err("%s: waiting for another jwt-fcgi to "
			    "finish", lp);
			if (flock(fd, LOCK_EX) == 0)
				goto out;
		}
		cli_err("%s: cannot lock: %s", lp, strerror(errno));
		close(fd);
		fd = -1;
	}
out:
	free(lp);
	return fd;
}

/* The registry as JSON, {"services": []} when there is none yet; *st
 * and *exists describe the file. 0, or an exit status after reporting. */
int
cli_reg_read(const char *path, struct json_object **doc, struct stat *st,
    int *exists)
{
	struct registry *reg = NULL;
	struct json_object *svcs;
	struct jf_msg m = { "" };
	char *buf = NULL;
	size_t len = 0;
	int ret = CLI_EXIT_FAIL;

	*doc = NULL;
	*exists = 0;
	if (stat(path, st) != 0) {
		if (errno != ENOENT) {
			cli_err("%s: %s", path, strerror(errno));
			return CLI_EXIT_FAIL;
		}
		if ((*doc = json_object_new_object()) == NULL ||
		    (svcs = json_object_new_array()) == NULL ||
		    set(*doc, "services", svcs) != 0) {
			cli_err("out of memory");
			return CLI_EXIT_FAIL;
		}
		return 0;
	}
	*exists = 1;
	if (!S_ISREG(st->st_mode)) {
		cli_err("%s: not a regular file", path);
		return CLI_EXIT_FAIL;
	}
	if (cli_read_file(path, REGISTRY_FILE_MAX, &buf, &len, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	if (registry_parse(&reg, buf, len, &m) != JF_OK ||
	    json_parse(doc, buf, len, REGISTRY_DEPTH, &m) != JF_OK) {
		cli_err("%s: the registry is invalid: %s; fix it first "
		    "(jwt-fcgi registry check)", path, m.s);
		ret = CLI_EXIT_USAGE;
		goto fail;
	}
	ret = 0;
fail:
	free(buf);
	registry_free(reg);
	return ret;
}

/* The mint, shown c, must pick service id: 0, or -1 after reporting. */
int
cli_reg_selects(const struct registry *reg, const struct cert *c,
    const char *id)
{
	const struct reg_service *svc = NULL;
	struct jf_msg m = { "" };

	if (registry_match(reg, c, time(NULL), &svc, &m) == JF_OK) {
		if (strcmp(registry_svc_id(svc), id) == 0)
			return 0;
		jf_fail(&m, JF_E_INVALID_CLIENT, "it selects service %s",
		    registry_svc_id(svc));
	}
	cli_err("refused, the new certificate would not select "
	    "service %s: %s", id, m.s);
	return -1;
}

/* Adds service o->id (at the end) or updates it in place; *added says
 * which. 0, or an exit status after reporting. */
int
cli_reg_apply(const struct cli_reg_opts *o, struct json_object *doc,
    const struct cert *c, int *added)
{
	struct json_object *svcs = NULL, *svc;

	*added = 0;
	json_object_object_get_ex(doc, "services", &svcs);
	if ((svc = find_service(svcs, o->id)) == NULL) {
		*added = 1;
		if ((svc = json_object_new_object()) == NULL ||
		    set(svc, "id", json_object_new_string(o->id)) != 0)
			goto nomem;
		if (json_object_array_add(svcs, svc) != 0) {
			json_object_put(svc);
			goto nomem;
		}
	}
	return build_entry(o, svc, c);
nomem:
	cli_err("out of memory");
	return CLI_EXIT_FAIL;
}

static struct json_object *
find_service(struct json_object *svcs, const char *id)
{
	size_t i, n = json_object_array_length(svcs);
	const char *s;

	for (i = 0; i < n; i++) {
		s = json_str(json_object_array_get_idx(svcs, i), "id");
		if (s != NULL && strcmp(s, id) == 0)
			return json_object_array_get_idx(svcs, i);
	}
	return NULL;
}

/* Writes the entry: match rebuilt from the certificate, enabled from
 * --disable, the other members only where an option was given (so a
 * re-register to renew a certificate keeps scopes and claims). */
static int
build_entry(const struct cli_reg_opts *o, struct json_object *svc,
    const struct cert *c)
{
	struct json_object *match, *a;
	size_t i;

	if ((o->desc != NULL && set(svc, "description",
	    json_object_new_string(o->desc)) != 0) ||
	    set(svc, "enabled", json_object_new_boolean(!o->disable)) != 0 ||
	    (match = json_object_new_object()) == NULL)
		goto nomem;
	/* The entry owns match from here. */
	if (set(svc, "match", match) != 0 ||
	    (a = json_object_new_array()) == NULL ||
	    set(match, "san_uri", a) != 0)
		goto nomem;
	for (i = 0; i < cert_san_uri_count(c); i++)
		if (set_idx(a, json_object_new_string(cert_san_uri(c, i))))
			goto nomem;
	/* The CA's key, not only its DN: another CA may share the DN. */
	if ((cert_issuer_key_id(c) != NULL ?
	    set(match, "issuer_key_id",
	    json_object_new_string(cert_issuer_key_id(c))) :
	    set(match, "issuer", json_object_new_string(cert_issuer_dn(c))))
	    != 0)
		goto nomem;
	if (o->pin && set(match, "fingerprint",
	    json_object_new_string(cert_sha256_hex(c))) != 0)
		goto nomem;
	if (o->claim.n > 0 && set_claims(o, svc) != 0)
		return CLI_EXIT_USAGE;
	if ((o->scope.n > 0 && set(svc, "scopes", str_array(&o->scope))) ||
	    (o->def_scope.n > 0 && set(svc, "default_scope",
	    str_array(&o->def_scope))) ||
	    (o->aud.n > 0 && set(svc, "audiences", str_array(&o->aud))) ||
	    (o->def_aud != NULL && set(svc, "default_audience",
	    json_object_new_string(o->def_aud))) ||
	    (o->lifetime > 0 && set(svc, "token_lifetime",
	    json_object_new_int((int)o->lifetime))))
		goto nomem;
	return 0;
nomem:
	cli_err("out of memory");
	return CLI_EXIT_FAIL;
}

/* --claim NAME=JSON, merged into the entry's claims (one replaces a
 * claim of that name); the registry check refuses reserved names. */
static int
set_claims(const struct cli_reg_opts *o, struct json_object *svc)
{
	struct json_object *claims = NULL, *v = NULL;
	struct jf_msg m = { "" };
	const char *eq;
	char name[256];
	size_t i;

	if (!json_object_object_get_ex(svc, "claims", &claims) ||
	    !json_object_is_type(claims, json_type_object)) {
		if ((claims = json_object_new_object()) == NULL ||
		    set(svc, "claims", claims) != 0) {
			cli_err("out of memory");
			return -1;
		}
	}
	for (i = 0; i < o->claim.n; i++) {
		eq = strchr(o->claim.v[i], '=');
		if (eq == NULL || eq == o->claim.v[i] ||
		    (size_t)(eq - o->claim.v[i]) >= sizeof(name)) {
			cli_err("--claim: expected NAME=JSON, got "
			    "'%s'", o->claim.v[i]);
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s",
		    (int)(eq - o->claim.v[i]), o->claim.v[i]);
		if (json_parse(&v, eq + 1, strlen(eq + 1), REGISTRY_DEPTH,
		    &m) != JF_OK) {
			cli_err("--claim %s: not JSON (%s); quote "
			    "a string: %s='\"text\"'", name, m.s, name);
			return -1;
		}
		if (set(claims, name, v) != 0) {
			cli_err("out of memory");
			return -1;
		}
	}
	return 0;
}

static struct json_object *
str_array(const struct cli_strlist *l)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a != NULL && i < l->n; i++)
		if (set_idx(a, json_object_new_string(l->v[i])) != 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

/* json_object_array_add with set()'s rules. */
static int
set_idx(struct json_object *arr, struct json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* json_object_object_add that takes v either way; v NULL (a failed
 * json_object_new_*) is out of memory. 0 or -1. */
static int
set(struct json_object *obj, const char *key, struct json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

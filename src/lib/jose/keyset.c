/* keyset.c - the key set's state file: read, checked whole, written.
 *
 * All or nothing, like a JWKS: one bad member refuses the file, and the
 * message names it ("keys[2].activates: ..."), so a reload keeps the last
 * good set and the operator knows which line to fix. The file names only
 * files in its own directory: the set and its keys move together, and a
 * state file cannot point the mint at a key elsewhere on the host.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "util/file.h"
#include "util/json.h"
#include "jose/keyset.h"

/* {"keys":[{...}]}: three containers, nothing nests deeper. */
#define KEYSET_JSON_DEPTH 3
#define KEYSET_PATH_MAX 4096    /* a file given through keyset_add */
#define KEYSET_SHOW_MAX 64      /* bytes of a refused value in a message */

struct keyset_item {
	struct keyset_entry e;          /* e.file and e.kid point below */
	char *file;
	char kid[KEYSET_KID_LEN + 1];
	const struct jf_key *key;       /* owned by keyset.keys, or NULL */
};

struct keyset {
	struct keyset_item it[KEYSET_KEYS_MAX];
	size_t n;
	struct jwks *keys;              /* every item's key, in order */
};

static const char *const keyset_dates[KEYSET__DATES] = {
	[KEYSET_PUBLISHED] = "published", [KEYSET_ACTIVATES] = "activates",
	[KEYSET_RETIRES] = "retires", [KEYSET_REMOVED] = "removed",
};

static void keyset_clear(struct keyset *ks);
static const char *keyset_show(const char *s, char *buf, size_t room);
static int keyset_name_ok(const char *s);
static int keyset_kid_ok(const char *s);
static enum jf_err keyset_order(const struct keyset_entry *e, size_t i,
	struct jf_msg *m);
static enum jf_err keyset_member(const char *name, struct json_object *v,
	size_t i, struct keyset_entry *e, unsigned *seen, struct jf_msg *m);
static enum jf_err keyset_item(struct keyset *ks, struct json_object *o,
	size_t i, struct jf_msg *m);
static enum jf_err keyset_private(const char *path, struct jf_key **out,
	struct jf_msg *m);
static char *keyset_dir(const char *path);
static struct json_object *keyset_entry_json(const struct keyset_entry *e);

struct keyset *
keyset_new(void)
{
	struct keyset *ks = calloc(1, sizeof(*ks));

	if (ks != NULL && (ks->keys = jwks_new()) == NULL) {
		free(ks);
		ks = NULL;
	}
	return ks;
}

/* Forgets the entries of a set that holds no keys (keyset_parse's). */
static void
keyset_clear(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		free(ks->it[i].file);
	memset(ks->it, 0, sizeof(ks->it));
	ks->n = 0;
}

void
keyset_free(struct keyset *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->it[i].file);
	jwks_free(ks->keys);    /* key_free: GnuTLS clears the private keys */
	free(ks);
}

/* A value for a message: at most KEYSET_SHOW_MAX bytes, anything but
 * printable ASCII as '?', so a log line stays one clean line. */
static const char *
keyset_show(const char *s, char *buf, size_t room)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < room && i < KEYSET_SHOW_MAX; i++)
		buf[i] = (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"') ? '?' :
		    s[i];
	buf[i] = '\0';
	return buf;
}

/* A plain file name: [A-Za-z0-9._-], 1 to KEYSET_FILE_MAX bytes, not
 * starting with '.' (no "..", no hidden or temporary files). */
static int
keyset_name_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-");

	return n > 0 && n <= KEYSET_FILE_MAX && s[n] == '\0' && s[0] != '.';
}

static int
keyset_kid_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-");

	return n == KEYSET_KID_LEN && s[n] == '\0';
}

const char *
keyset_date_name(enum keyset_date d)
{
	return d < KEYSET__DATES ? keyset_dates[d] : "?";
}

int
keyset_time_parse(const char *s, int64_t *t)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm, back;
	time_t v;
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return -1;
	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	v = timegm(&tm);
	/* timegm normalises 02-30 to 03-02 and 23:59:60 to the next day: a
	 * changed field means the text was no real time. */
	if (v == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec ||
	    (int64_t)v < KEYSET_TIME_MIN || (int64_t)v > KEYSET_TIME_MAX)
		return -1;
	*t = (int64_t)v;
	return 0;
}

const char *
keyset_time_fmt(int64_t t, char *buf, size_t room)
{
	time_t v = (time_t)t;
	struct tm tm;

	if (t == KEYSET_NEVER)
		snprintf(buf, room, "never");
	else if (t == 0)
		snprintf(buf, room, "-");
	else if (gmtime_r(&v, &tm) == NULL ||
	    strftime(buf, room, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, room, "%lld", (long long)t);
	return buf;
}

/* published <= activates <= retires <= removed; removed needs retires. */
static enum jf_err
keyset_order(const struct keyset_entry *e, size_t i, struct jf_msg *m)
{
	char a[KEYSET_TIME_ROOM], b[KEYSET_TIME_ROOM];
	int d;

	for (d = 0; d < KEYSET__DATES; d++)
		if (e->at[d] < 0 || (d <= KEYSET_ACTIVATES &&
		    e->at[d] == KEYSET_NEVER))
			return jf_fail(m, JF_E_CONFIG, "keys[%zu].%s: %s", i,
			    keyset_dates[d], e->at[d] < 0 ? "out of range" :
			    "required");
	if (e->at[KEYSET_RETIRES] == KEYSET_NEVER &&
	    e->at[KEYSET_REMOVED] != KEYSET_NEVER)
		return jf_fail(m, JF_E_CONFIG, "keys[%zu].removed: set without "
		    "retires: a key that may sign must stay published", i);
	for (d = KEYSET_ACTIVATES; d < KEYSET__DATES; d++)
		if (e->at[d] < e->at[d - 1])
			return jf_fail(m, JF_E_CONFIG, "keys[%zu].%s: %s is before "
			    "%s %s", i, keyset_dates[d],
			    keyset_time_fmt(e->at[d], a, sizeof(a)),
			    keyset_dates[d - 1],
			    keyset_time_fmt(e->at[d - 1], b, sizeof(b)));
	return JF_OK;
}

enum jf_err
keyset_add(struct keyset *ks, const struct keyset_entry *e,
	struct jf_key *k, struct jf_msg *m)
{
	struct keyset_item *it;
	struct jf_msg km = { "" };
	const char *kid;
	char shown[KEYSET_SHOW_MAX + 1];
	size_t i = ks->n, j;
	enum jf_err rc = JF_E_CONFIG;

	if (i == KEYSET_KEYS_MAX) {
		jf_fail(m, rc, "keys: more than %d keys", KEYSET_KEYS_MAX);
		goto fail;
	}
	if (i > 0 && (k != NULL) != (ks->it[0].key != NULL)) {
		rc = jf_fail(m, JF_E_INTERNAL, "keys[%zu]: a set holds keys for "
		    "every entry or for none", i);
		goto fail;
	}
	if (e->file == NULL || *e->file == '\0' ||
	    strlen(e->file) > KEYSET_PATH_MAX) {
		jf_fail(m, rc, "keys[%zu].file: expected a file name", i);
		goto fail;
	}
	kid = e->kid != NULL ? e->kid : k != NULL ? key_thumbprint(k) : "";
	if (!keyset_kid_ok(kid)) {
		jf_fail(m, rc, "keys[%zu].kid: expected the key's RFC 7638 "
		    "thumbprint (%d base64url characters), got \"%s\"", i,
		    KEYSET_KID_LEN, keyset_show(kid, shown, sizeof(shown)));
		goto fail;
	}
	if (k != NULL && strcmp(kid, key_thumbprint(k)) != 0) {
		jf_fail(m, rc, "keys[%zu].kid: \"%s\" is not the thumbprint of "
		    "%.100s (%s)", i, kid, e->file, key_thumbprint(k));
		goto fail;
	}
	if (e->alg != JF_ALG_NONE && jf_alg_name(e->alg) == NULL) {
		jf_fail(m, rc, "keys[%zu].alg: unknown algorithm", i);
		goto fail;
	}
	if (k != NULL && e->alg != JF_ALG_NONE &&
	    key_pin_alg(k, e->alg, &km) != JF_OK) {
		jf_fail(m, rc, "keys[%zu].alg: %s", i, km.s);
		goto fail;
	}
	if ((rc = keyset_order(e, i, m)) != JF_OK)
		goto fail;
	for (j = 0; j < i; j++) {
		if (strcmp(ks->it[j].kid, kid) == 0) {
			rc = jf_fail(m, JF_E_CONFIG, "keys[%zu].kid: \"%s\" is "
			    "keys[%zu]'s too", i, kid, j);
			goto fail;
		}
		if (strcmp(ks->it[j].file, e->file) == 0) {
			rc = jf_fail(m, JF_E_CONFIG, "keys[%zu].file: \"%s\" is "
			    "keys[%zu]'s too", i, keyset_show(e->file, shown,
			    sizeof(shown)), j);
			goto fail;
		}
	}
	it = &ks->it[i];
	if ((it->file = strdup(e->file)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	if (k != NULL) {
		/* jwks_add owns k from here, even when it refuses it. */
		rc = jwks_add(ks->keys, k, &km);
		k = NULL;
		if (rc != JF_OK) {
			free(it->file);
			it->file = NULL;
			jf_fail(m, rc, "keys[%zu]: %s", i, km.s);
			goto fail;
		}
		it->key = jwks_get(ks->keys, jwks_count(ks->keys) - 1);
	}
	memcpy(it->kid, kid, KEYSET_KID_LEN + 1);
	it->e = *e;
	it->e.file = it->file;
	it->e.kid = it->kid;
	ks->n++;
	rc = JF_OK;
fail:
	key_free(k);
	return rc;
}

/* One member of keys[i] into e; *seen gets its date bit (1 << d) or, for
 * file, kid and alg, bits 8, 9, 10. */
static enum jf_err
keyset_member(const char *name, struct json_object *v, size_t i,
	struct keyset_entry *e, unsigned *seen, struct jf_msg *m)
{
	char shown[KEYSET_SHOW_MAX + 1];
	const char *s;
	int d;

	for (d = 0; d < KEYSET__DATES; d++)
		if (strcmp(name, keyset_dates[d]) == 0)
			break;
	if (d == KEYSET__DATES && strcmp(name, "file") != 0 &&
	    strcmp(name, "kid") != 0 && strcmp(name, "alg") != 0)
		return jf_fail(m, JF_E_CONFIG, "keys[%zu]: unknown member "
		    "\"%s\"", i, keyset_show(name, shown, sizeof(shown)));
	if (!json_object_is_type(v, json_type_string))
		return jf_fail(m, JF_E_CONFIG, "keys[%zu].%s: expected a string",
		    i, name);
	s = json_object_get_string(v);
	if (d < KEYSET__DATES) {
		*seen |= 1u << d;
		if (keyset_time_parse(s, &e->at[d]) != 0)
			return jf_fail(m, JF_E_CONFIG, "keys[%zu].%s: expected an "
			    "RFC 3339 UTC time from 2000 to 9999 such as "
			    "2026-01-01T00:00:00Z, got \"%s\"", i, name,
			    keyset_show(s, shown, sizeof(shown)));
		return JF_OK;
	}
	if (strcmp(name, "file") == 0) {
		*seen |= 1u << 8;
		if (!keyset_name_ok(s))
			return jf_fail(m, JF_E_CONFIG, "keys[%zu].file: expected "
			    "a file name in the key set's directory (1 to %d of "
			    "A-Z a-z 0-9 . _ -, not starting with '.'), got "
			    "\"%s\"", i, KEYSET_FILE_MAX,
			    keyset_show(s, shown, sizeof(shown)));
		e->file = s;
	} else if (strcmp(name, "kid") == 0) {
		*seen |= 1u << 9;
		e->kid = s;     /* keyset_add checks its form */
	} else {
		*seen |= 1u << 10;
		if ((e->alg = jf_alg_from_name(s)) == JF_ALG_NONE)
			return jf_fail(m, JF_E_CONFIG, "keys[%zu].alg: expected "
			    "ES256, ES384, RS256, PS256 or EdDSA, got \"%s\"", i,
			    keyset_show(s, shown, sizeof(shown)));
	}
	return JF_OK;
}

static enum jf_err
keyset_item(struct keyset *ks, struct json_object *o, size_t i,
	struct jf_msg *m)
{
	static const struct {
		unsigned bit;
		const char *name;
	} required[] = {
		{ 1u << 8, "file" }, { 1u << 9, "kid" },
		{ 1u << KEYSET_PUBLISHED, "published" },
		{ 1u << KEYSET_ACTIVATES, "activates" },
	};
	struct keyset_entry e;
	unsigned seen = 0;
	size_t r;
	enum jf_err rc;

	if (!json_object_is_type(o, json_type_object))
		return jf_fail(m, JF_E_CONFIG, "keys[%zu]: expected an object",
		    i);
	memset(&e, 0, sizeof(e));
	e.at[KEYSET_RETIRES] = e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	{
		json_object_object_foreach(o, name, v) {
			if ((rc = keyset_member(name, v, i, &e, &seen, m)) !=
			    JF_OK)
				return rc;
		}
	}
	for (r = 0; r < sizeof(required) / sizeof(required[0]); r++)
		if ((seen & required[r].bit) == 0)
			return jf_fail(m, JF_E_CONFIG, "keys[%zu].%s: required",
			    i, required[r].name);
	return keyset_add(ks, &e, NULL, m);
}

enum jf_err
keyset_parse(struct keyset *ks, const char *json, size_t len,
	struct jf_msg *m)
{
	struct json_object *doc = NULL, *arr = NULL;
	struct jf_msg jm = { "" };
	char shown[KEYSET_SHOW_MAX + 1];
	size_t i, count;
	enum jf_err rc = JF_E_CONFIG;

	if (ks->n != 0)
		return jf_fail(m, JF_E_INTERNAL, "keyset_parse: set not empty");
	if (len > KEYSET_BYTES_MAX) {
		jf_fail(m, rc, "over %d bytes", KEYSET_BYTES_MAX);
		goto fail;
	}
	if ((rc = json_parse(&doc, json, len, KEYSET_JSON_DEPTH, &jm)) !=
	    JF_OK) {
		rc = rc == JF_E_NOMEM ? rc : JF_E_CONFIG;
		jf_fail(m, rc, "%s", jm.s);
		goto fail;
	}
	rc = JF_E_CONFIG;
	if (!json_object_is_type(doc, json_type_object)) {
		jf_fail(m, rc, "expected a key set {\"keys\": [...]}");
		goto fail;
	}
	{
		json_object_object_foreach(doc, name, v) {
			(void)v;
			if (strcmp(name, "keys") != 0) {
				jf_fail(m, rc, "unknown member \"%s\"",
				    keyset_show(name, shown, sizeof(shown)));
				goto fail;
			}
		}
	}
	if (!json_object_object_get_ex(doc, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		jf_fail(m, rc, "keys: expected an array of keys");
		goto fail;
	}
	count = json_object_array_length(arr);
	if (count == 0) {
		jf_fail(m, rc, "keys: empty");
		goto fail;
	}
	if (count > KEYSET_KEYS_MAX) {
		jf_fail(m, rc, "keys: %zu keys, at most %d", count,
		    KEYSET_KEYS_MAX);
		goto fail;
	}
	for (i = 0; i < count; i++)
		if ((rc = keyset_item(ks, json_object_array_get_idx(arr, i), i,
		    m)) != JF_OK)
			goto fail;
	rc = JF_OK;
fail:
	if (rc != JF_OK)
		keyset_clear(ks);
	json_object_put(doc);
	return rc;
}

/* A signing key file: private, not readable by group or others (the
 * same rule as signing_key). */
static enum jf_err
keyset_private(const char *path, struct jf_key **out, struct jf_msg *m)
{
	struct stat st;
	struct jf_key *k = NULL;
	enum jf_err rc;

	*out = NULL;
	if (stat(path, &st) != 0)
		return jf_fail(m, JF_E_CONFIG, "%s: %s", path, strerror(errno));
	if (st.st_mode & 077)
		return jf_fail(m, JF_E_CONFIG, "%s is readable by group or "
		    "others (chmod 600 it)", path);
	if ((rc = key_load_file(&k, path, m)) != JF_OK)
		return rc == JF_E_NOMEM ? rc : JF_E_CONFIG;
	if (!key_is_private(k)) {
		key_free(k);
		return jf_fail(m, JF_E_CONFIG, "%s holds a public key; the mint "
		    "needs the private key", path);
	}
	*out = k;
	return JF_OK;
}

/* The directory part of path: "." without a '/', "/" for "/x". */
static char *
keyset_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

enum jf_err
keyset_load(struct keyset **out, const char *path, struct jf_msg *m)
{
	struct keyset *parsed = NULL, *ks = NULL;
	struct jf_key *k = NULL;
	struct jf_msg km = { "" };
	char *buf = NULL, *dir = NULL, *kp = NULL;
	size_t len = 0, i;
	enum jf_err rc;

	*out = NULL;
	if ((rc = file_read(path, KEYSET_BYTES_MAX, &buf, &len, m)) != JF_OK)
		goto fail;
	rc = JF_E_NOMEM;
	if ((parsed = keyset_new()) == NULL || (ks = keyset_new()) == NULL ||
	    (dir = keyset_dir(path)) == NULL) {
		jf_fail(m, rc, "out of memory");
		goto fail;
	}
	if ((rc = keyset_parse(parsed, buf, len, &km)) != JF_OK) {
		jf_fail(m, rc, "%s: %s", path, km.s);
		goto fail;
	}
	for (i = 0; i < parsed->n; i++) {
		free(kp);
		if (asprintf(&kp, "%s/%s", dir, parsed->it[i].file) < 0) {
			kp = NULL;
			rc = jf_fail(m, JF_E_NOMEM, "out of memory");
			goto fail;
		}
		if ((rc = keyset_private(kp, &k, &km)) != JF_OK) {
			jf_fail(m, rc, "%s: keys[%zu].file: %s", path, i, km.s);
			goto fail;
		}
		/* keyset_add owns k from here and names the member. */
		if ((rc = keyset_add(ks, &parsed->it[i].e, k, &km)) != JF_OK) {
			k = NULL;
			jf_fail(m, rc, "%s: %s", path, km.s);
			goto fail;
		}
		k = NULL;
	}
	*out = ks;
	ks = NULL;
	rc = JF_OK;
fail:
	if (buf != NULL)
		free(buf);
	free(dir);
	free(kp);
	key_free(k);
	keyset_free(parsed);
	keyset_free(ks);
	return rc;
}

/* One entry as a JSON object; NULL if out of memory or a date is one
 * no file may hold (0, "since ever"). */
static struct json_object *
keyset_entry_json(const struct keyset_entry *e)
{
	struct json_object *o = json_object_new_object();
	char t[KEYSET_TIME_ROOM];
	int d, bad = o == NULL;

	if (!bad)
		bad = json_object_object_add(o, "file",
		    json_object_new_string(e->file)) != 0 ||
		    json_object_object_add(o, "kid",
		    json_object_new_string(e->kid)) != 0;
	if (!bad && e->alg != JF_ALG_NONE)
		bad = json_object_object_add(o, "alg",
		    json_object_new_string(jf_alg_name(e->alg))) != 0;
	for (d = 0; !bad && d < KEYSET__DATES; d++) {
		if (e->at[d] == KEYSET_NEVER)
			continue;
		bad = e->at[d] < KEYSET_TIME_MIN || e->at[d] > KEYSET_TIME_MAX ||
		    json_object_object_add(o, keyset_dates[d],
		    json_object_new_string(keyset_time_fmt(e->at[d], t,
		    sizeof(t)))) != 0;
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

char *
keyset_to_json(const struct keyset *ks)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array(), *o;
	const char *text;
	char *out = NULL;
	size_t i;

	if (doc == NULL || arr == NULL ||
	    json_object_object_add(doc, "keys", arr) != 0) {
		json_object_put(arr);
		goto fail;
	}
	/* doc owns arr now. */
	for (i = 0; i < ks->n; i++) {
		if ((o = keyset_entry_json(&ks->it[i].e)) == NULL)
			goto fail;
		if (json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			goto fail;
		}
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL && asprintf(&out, "%s\n", text) < 0)
		out = NULL;
fail:
	json_object_put(doc);
	return out;
}

size_t
keyset_count(const struct keyset *ks)
{
	return ks->n;
}

const struct keyset_entry *
keyset_get(const struct keyset *ks, size_t i)
{
	return i < ks->n ? &ks->it[i].e : NULL;
}

const struct jf_key *
keyset_key(const struct keyset *ks, size_t i)
{
	return i < ks->n ? ks->it[i].key : NULL;
}

const struct jwks *
keyset_jwks(const struct keyset *ks)
{
	return ks->keys;
}

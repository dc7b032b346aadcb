/* check.c - the registry's value checks: one string, time, hex
 * digest, identity value or string list at a time, each failure reported
 * as "path: why" (registry_bad) so the operator can find it.
 *
 * Nothing here walks the schema or touches the indexes beyond the
 * fingerprint store that registry.c sized before validation; registry.c
 * decides which member is checked how.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "x509/cert.h"
#include "registry/registry.h"
#include "registry/registry-int.h"

/* The name is parenthesised so that registry-int.h's analyzer wrapper
 * macro does not expand here. */
enum jf_err
(registry_bad)(struct jf_msg *m, const struct jpath *p, const char *fmt, ...)
{
	char why[JF_MSG_MAX], idx[24] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (p->idx >= 0)
		snprintf(idx, sizeof(idx), "[%ld]", p->idx);
	return jf_fail(m, JF_E_CONFIG, "%s%s%s%s: %s", p->base,
	    p->member ? "." : "", p->member ? p->member : "", idx, why);
}

/* --- value checks ---------------------------------------------------- */

int
registry_in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

enum jf_err
registry_check_members(struct json_object *o, const char *path,
    const char *const *allowed, struct jf_msg *m)
{
	json_object_object_foreach(o, k, v) {
		(void)v;
		if (!registry_in_list(k, allowed))
			return registry_bad(m, AT(path, NULL, -1), "unknown member "
			    "\"%.64s\"", k);
	}
	return JF_OK;
}

/* A string of 1..max bytes without control characters. */
enum jf_err
registry_get_str(struct json_object *o, const struct jpath *p, size_t max,
    const char **out, struct jf_msg *m)
{
	const char *s;
	size_t n, i;

	if (!json_object_is_type(o, json_type_string))
		return registry_bad(m, p, "expected a string");
	s = json_object_get_string(o);
	n = (size_t)json_object_get_string_len(o);
	if (n == 0)
		return registry_bad(m, p, "expected a non-empty string");
	if (n > max)
		return registry_bad(m, p, "longer than %zu bytes", max);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return registry_bad(m, p, "control character in string");
	*out = s;
	return JF_OK;
}

/* RFC 3339 in UTC, to the second: 2027-01-01T00:00:00Z. */
int
registry_parse_time(const char *s, time_t *t)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = { 0 }, back;
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return -1;
	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return -1;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	*t = timegm(&tm);
	/* timegm normalises 02-30 to 03-02; a changed field means invalid. */
	if (*t == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	return 0;
}

/* n bytes from 2n hex digits (either case), colon-separated if asked. */
int
registry_hex_bytes(unsigned char *dst, size_t n, const char *s, int colons)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (colons && i > 0 && *s++ != ':')
			return -1;
		hi = s[0] >= '0' && s[0] <= '9' ? s[0] - '0' :
		    (s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'f' ?
		    (s[0] | 0x20) - 'a' + 10 : -1;
		lo = s[1] >= '0' && s[1] <= '9' ? s[1] - '0' :
		    (s[1] | 0x20) >= 'a' && (s[1] | 0x20) <= 'f' ?
		    (s[1] | 0x20) - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		dst[i] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0' ? 0 : -1;
}

/* Checks one identity value and gives the key it is indexed under. */
enum jf_err
registry_check_value(struct registry *reg, int kind, const char *s,
    const struct jpath *p, const void **key, size_t *klen, struct jf_msg *m)
{
	size_t n = strlen(s), i;
	unsigned char *fp;

	*key = s;
	*klen = n;
	switch (kind) {
	case K_URI:
		for (i = 0; i < n && (isalnum((unsigned char)s[i]) ||
		    (i > 0 && strchr("+-.", s[i]) != NULL)); i++)
			;
		if (i == 0 || s[i] != ':' || !isalpha((unsigned char)s[0]))
			return registry_bad(m, p, "expected an absolute URI (scheme:...)");
		for (i = 0; i < n; i++)
			if (s[i] <= 0x20 || s[i] >= 0x7f)
				return registry_bad(m, p, "URI contains byte 0x%02x",
				    (unsigned char)s[i]);
		return JF_OK;
	case K_DNS:
		if (n > 253)
			return registry_bad(m, p, "DNS name longer than 253 bytes");
		for (i = 0; i < n; i++) {
			if (s[i] >= 'A' && s[i] <= 'Z')
				return registry_bad(m, p, "write DNS names in lower case "
				    "(they match case-insensitively)");
			if (!islower((unsigned char)s[i]) &&
			    !isdigit((unsigned char)s[i]) &&
			    strchr("-._", s[i]) == NULL)
				return registry_bad(m, p, "expected a DNS name, got byte "
				    "0x%02x", (unsigned char)s[i]);
		}
		return JF_OK;
	case K_CN:
		return JF_OK;
	case K_FP:
		fp = reg->fps + 32 * reg->fpused;
		if (!((n == 64 && registry_hex_bytes(fp, 32, s, 0) == 0) ||
		    (n == 95 && registry_hex_bytes(fp, 32, s, 1) == 0) ||
		    (n == CERT_X5T_LEN && b64url_decode(fp, &i, s, n) == 0 &&
		    i == 32)))
			return registry_bad(m, p, "expected a SHA-256 fingerprint: 64 hex "
			    "digits, AB:CD:... or 43 base64url characters");
		reg->fpused++;
		*key = fp;
		*klen = 32;
		return JF_OK;
	}
	return JF_E_INTERNAL;
}

/* An array of distinct strings: scope-tokens (RFC 6749 §3.3: %x21 /
 * %x23-5B / %x5D-7E) for the scope lists, else audiences. */
enum jf_err
registry_parse_strlist(struct json_object *v, const char *base, const char *member,
    size_t max, const char **dst, size_t *n, struct jf_msg *m)
{
	int scopes = strcmp(member, "audiences") != 0;
	const char *s;
	size_t i, j, len;
	enum jf_err rc;

	if (!json_object_is_type(v, json_type_array))
		return registry_bad(m, AT(base, member, -1), "expected an array of "
		    "strings");
	if ((len = json_object_array_length(v)) > max)
		return registry_bad(m, AT(base, member, -1), "more than %zu values", max);
	for (i = 0; i < len; i++) {
		if ((rc = registry_get_str(json_object_array_get_idx(v, i),
		    AT(base, member, (long)i), scopes ? 128 : STR_MAX, &s, m)))
			return rc;
		for (j = 0; scopes && s[j] != '\0'; j++)
			if (s[j] == ' ' || s[j] == '"' || s[j] == '\\' ||
			    (unsigned char)s[j] > 0x7e)
				return registry_bad(m, AT(base, member, (long)i), "not an "
				    "RFC 6749 scope-token: byte 0x%02x",
				    (unsigned char)s[j]);
		for (j = 0; j < i; j++)
			if (strcmp(dst[j], s) == 0)
				return registry_bad(m, AT(base, member, (long)i), "\"%.60s\" "
				    "listed twice", s);
		dst[i] = s;
	}
	*n = len;
	return JF_OK;
}

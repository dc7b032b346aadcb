/* ini.c - split a configuration file into sections and key lines.
 *
 * Everything is checked here that does not depend on meaning: sizes,
 * encoding, the shape of each line. Meaning (which keys exist, what a
 * value may be) belongs to the caller's callback.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/ini.h"

/* The current section, kept across lines: items point into it. */
struct ini_state {
	const char *name;
	unsigned line;
	int in_section;
	char section[INI_LINE_MAX + 1];
	char arg[INI_LINE_MAX + 1];
	int has_arg;
	char buf[INI_LINE_MAX + 1];
};

static int is_blank(char c);
static int is_name_char(char c);
static size_t utf8_check(const unsigned char *s, size_t n);
static char *trim(char *s);
static const char *show_char(char c, char out[16]);
static int has_comment(const char *value);
static enum jf_err check_bytes(struct ini_state *st, const char *s, size_t n,
	struct jf_msg *m);
static enum jf_err parse_section(struct ini_state *st, char *s, ini_fn fn,
	void *arg, struct jf_msg *m);
static enum jf_err parse_key(struct ini_state *st, char *s, ini_fn fn,
	void *arg, struct jf_msg *m);
static enum jf_err parse_line(struct ini_state *st, const char *s, size_t n,
	ini_fn fn, void *arg, struct jf_msg *m);

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF. Returns n if valid, else the offset of the first bad byte. */
static size_t
utf8_check(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned long cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return i;
		if (n - i < len)
			return i;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return i;
		i += len;
	}
	return n;
}

static char *
trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A '#' that starts the trimmed value or follows a blank: what an
 * operator writes as a comment after a value. It was once kept as part
 * of the value, so "signing_key = k.pem   # note" named a file that does
 * not exist; now it is refused. A '#' inside a word (a URL's fragment,
 * "a#b") is text. */
static int
has_comment(const char *value)
{
	const char *p;

	if (value[0] == '#')
		return 1;
	for (p = value; (p = strchr(p, '#')) != NULL; p++)
		if (is_blank(p[-1]))
			return 1;
	return 0;
}

/* 'x' for printable ASCII, else "byte 0xNN" (part of a UTF-8 sequence). */
static const char *
show_char(char c, char out[16])
{
	unsigned char u = (unsigned char)c;

	if (u > 0x20 && u < 0x7f)
		snprintf(out, 16, "'%c'", c);
	else if (u == ' ')
		snprintf(out, 16, "a space");
	else if (u == '\t')
		snprintf(out, 16, "a tab");
	else
		snprintf(out, 16, "byte 0x%02x", u);
	return out;
}

static enum jf_err
check_bytes(struct ini_state *st, const char *s, size_t n, struct jf_msg *m)
{
	size_t i, bad;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return jf_fail(m, JF_E_CONFIG, "%s:%u: NUL byte at "
			    "column %zu", st->name, st->line, i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: control "
			    "character 0x%02x at column %zu", st->name,
			    st->line, c, i + 1);
	}
	bad = utf8_check((const unsigned char *)s, n);
	if (bad != n)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: invalid UTF-8 at "
		    "column %zu", st->name, st->line, bad + 1);
	return JF_OK;
}

/* s is the trimmed line, starting with '['. */
static enum jf_err
parse_section(struct ini_state *st, char *s, ini_fn fn, void *arg,
	struct jf_msg *m)
{
	struct ini_item it;
	char shown[16];
	size_t n = strlen(s), i;
	char *name, *rest;

	if (s[n - 1] != ']') {
		/* "[issuer https://x]  # note": say what is wrong. */
		if ((name = strrchr(s, ']')) != NULL) {
			for (name++; is_blank(*name); name++)
				;
			if (*name == '#')
				return jf_fail(m, JF_E_CONFIG, "%s:%u: inline "
				    "comments are not supported: put the "
				    "comment on its own line", st->name,
				    st->line);
		}
		return jf_fail(m, JF_E_CONFIG, "%s:%u: section line must end "
		    "with ']'", st->name, st->line);
	}
	s[n - 1] = '\0';
	name = s + 1;
	while (is_blank(*name))
		name++;
	for (i = 0; is_name_char(name[i]); i++)
		;
	if (name[i] != '\0' && !is_blank(name[i]))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: section name: expected "
		    "[a-z0-9_]+, got %s at column %zu", st->name, st->line,
		    show_char(name[i], shown), (size_t)(name + i - st->buf) + 1);
	if (i == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: empty section name",
		    st->name, st->line);
	rest = name + i;
	if (*rest != '\0')
		*rest++ = '\0';
	rest = trim(rest);
	memcpy(st->section, name, i + 1);
	st->has_arg = *rest != '\0';
	if (st->has_arg)
		memcpy(st->arg, rest, strlen(rest) + 1);
	st->in_section = 1;

	memset(&it, 0, sizeof(it));
	it.file = st->name;
	it.line = st->line;
	it.section = st->section;
	it.arg = st->has_arg ? st->arg : NULL;
	return fn(arg, &it, m);
}

/* s is the trimmed line, not a comment nor a section. */
static enum jf_err
parse_key(struct ini_state *st, char *s, ini_fn fn, void *arg,
	struct jf_msg *m)
{
	struct ini_item it;
	char shown[16];
	size_t i;
	char *p, *value;

	for (i = 0; is_name_char(s[i]); i++)
		;
	p = s + i;
	while (is_blank(*p))
		p++;
	if (*p != '=' && strchr(s, '=') == NULL)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: expected \"key = value\", "
		    "\"[section]\" or \"# comment\"", st->name, st->line);
	if (*p != '=')
		return jf_fail(m, JF_E_CONFIG, "%s:%u: key: expected "
		    "[a-z0-9_]+, got %s at column %zu", st->name, st->line,
		    show_char(s[i], shown), (size_t)(s + i - st->buf) + 1);
	if (i == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: key: expected "
		    "[a-z0-9_]+ before '='", st->name, st->line);
	s[i] = '\0';
	value = trim(p + 1);
	if (has_comment(value))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: inline comments are not "
		    "supported: put the comment on its own line", st->name,
		    st->line);

	memset(&it, 0, sizeof(it));
	it.file = st->name;
	it.line = st->line;
	it.section = st->in_section ? st->section : NULL;
	it.arg = st->in_section && st->has_arg ? st->arg : NULL;
	it.key = s;
	it.value = value;
	return fn(arg, &it, m);
}

static enum jf_err
parse_line(struct ini_state *st, const char *s, size_t n, ini_fn fn,
	void *arg, struct jf_msg *m)
{
	enum jf_err rc;
	char *t;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > INI_LINE_MAX)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: line longer than %d "
		    "bytes", st->name, st->line, INI_LINE_MAX);
	if ((rc = check_bytes(st, s, n, m)) != JF_OK)
		return rc;
	memcpy(st->buf, s, n);
	st->buf[n] = '\0';
	t = trim(st->buf);
	if (*t == '\0' || *t == '#')
		return JF_OK;
	if (*t == '[')
		return parse_section(st, t, fn, arg, m);
	return parse_key(st, t, fn, arg, m);
}

enum jf_err
ini_parse_buf(const char *name, const char *buf, size_t len, ini_fn fn,
	void *arg, struct jf_msg *m)
{
	struct ini_state *st = NULL;
	enum jf_err rc = JF_E_INTERNAL;
	const char *p, *end, *nl;

	if (len > INI_FILE_MAX) {
		rc = jf_fail(m, JF_E_CONFIG, "%s: larger than %d bytes", name,
		    INI_FILE_MAX);
		goto fail;
	}
	/* Heap, not stack: three line buffers are 12 KiB. */
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	st->name = name;
	p = buf;
	end = buf + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		st->line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((rc = parse_line(st, p, (size_t)(nl - p), fn, arg, m))
		    != JF_OK)
			goto fail;
		p = nl + 1;
	}
	rc = JF_OK;
fail:
	free(st);
	return rc;
}

enum jf_err
ini_parse_file(const char *path, ini_fn fn, void *arg, struct jf_msg *m)
{
	enum jf_err rc = JF_E_INTERNAL;
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = jf_fail(m, JF_E_IO, "%s: cannot open: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = jf_fail(m, JF_E_IO, "%s: not a regular file", path);
		goto fail;
	}
	/* One byte more than the limit tells "too big" from "exactly full",
	 * whatever st_size said (the file may grow while we read). */
	if ((buf = malloc(INI_FILE_MAX + 1)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	while (len < INI_FILE_MAX + 1) {
		r = read(fd, buf + len, INI_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = jf_fail(m, JF_E_IO, "%s: read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	rc = ini_parse_buf(path, buf, len, fn, arg, m);
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

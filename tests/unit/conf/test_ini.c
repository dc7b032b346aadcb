/* test_ini.c - the configuration line reader: what each line becomes,
 * every syntax error with its exact message and line, and the limits. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/ini.h"
#include "tap.h"

/* Each callback call appends "line:section:arg:key=value|" ("-" for NULL). */
struct trace {
	char s[4096];
	int calls;
	const char *stop_key;   /* return JF_E_CONFIG when this key is seen */
};

static enum jf_err
record(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct trace *t = arg;
	size_t n = strlen(t->s);

	t->calls++;
	snprintf(t->s + n, sizeof(t->s) - n, "%u:%s:%s:%s=%s|", it->line,
	    it->section ? it->section : "-", it->arg ? it->arg : "-",
	    it->key ? it->key : "-", it->value ? it->value : "-");
	if (t->stop_key && it->key && strcmp(it->key, t->stop_key) == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: stop here", it->file,
		    it->line);
	return JF_OK;
}

struct good_case {
	const char *name;
	const char *in;
	const char *trace;
};

static const struct good_case good[] = {
	{ "empty input", "", "" },
	{ "comments and blank lines", "# c\n\n   \t# x = y\n\t\n", "" },
	{ "global key", "realm = api\n", "1:-:-:realm=api|" },
	{ "blanks around key and value trimmed",
	  "  key\t=\t value with  spaces  \t\n",
	  "1:-:-:key=value with  spaces|" },
	{ "no blanks around =", "k=v\n", "1:-:-:k=v|" },
	{ "empty value", "k =\n", "1:-:-:k=|" },
	{ "no quoting; '#' inside a word is text",
	  "k = \"a#b\" = c https://x/#f\n",
	  "1:-:-:k=\"a#b\" = c https://x/#f|" },
	{ "'#' in a section argument is text",
	  "[issuer https://x/#a b]\n", "1:issuer:https://x/#a b:-=-|" },
	{ "section with argument", "[issuer https://x]\nk = v\n",
	  "1:issuer:https://x:-=-|2:issuer:https://x:k=v|" },
	{ "section without argument", "a = 1\n[main]\nb = 2\n",
	  "1:-:-:a=1|2:main:-:-=-|3:main:-:b=2|" },
	{ "argument with spaces and brackets, trimmed",
	  "[ issuer  https://[::1]:8443/a b  ] \n",
	  "1:issuer:https://[::1]:8443/a b:-=-|" },
	{ "second section replaces the first",
	  "[a x]\n[b]\nk = v\n", "1:a:x:-=-|2:b:-:-=-|3:b:-:k=v|" },
	{ "CRLF line ends", "a = b\r\nc = d\r\n", "1:-:-:a=b|2:-:-:c=d|" },
	{ "last line without newline", "a = b\nc = d", "1:-:-:a=b|2:-:-:c=d|" },
	{ "UTF-8 BOM skipped", "\xef\xbb\xbf" "a = b\n", "1:-:-:a=b|" },
	{ "UTF-8 value", "realm = caf\xc3\xa9 \xf0\x9f\x94\x91\n",
	  "1:-:-:realm=caf\xc3\xa9 \xf0\x9f\x94\x91|" },
	{ "digits and underscore in names", "[s_2 a]\nk_1 = v\n",
	  "1:s_2:a:-=-|2:s_2:a:k_1=v|" },
};

#define INLINE "inline comments are not supported: put the comment on " \
	"its own line"

struct bad_case {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen(in) */
	const char *msg;
};

static const struct bad_case bad[] = {
	{ "not a key line", "a = 1\ngarbage\n", 0,
	  "t.conf:2: expected \"key = value\", \"[section]\" or \"# comment\"" },
	{ "upper-case key", "\n\nRealm = x\n", 0,
	  "t.conf:3: key: expected [a-z0-9_]+, got 'R' at column 1" },
	{ "key with a space", "  my key = x\n", 0,
	  "t.conf:1: key: expected [a-z0-9_]+, got a space at column 5" },
	{ "key with a dash", "max-token = 1\n", 0,
	  "t.conf:1: key: expected [a-z0-9_]+, got '-' at column 4" },
	{ "key with non-ASCII", "r\xc3\xa9" "alm = 1\n", 0,
	  "t.conf:1: key: expected [a-z0-9_]+, got byte 0xc3 at column 2" },
	{ "missing key", "= x\n", 0,
	  "t.conf:1: key: expected [a-z0-9_]+ before '='" },
	{ "unclosed section", "[issuer x\n", 0,
	  "t.conf:1: section line must end with ']'" },
	{ "text after section", "[issuer x] y\n", 0,
	  "t.conf:1: section line must end with ']'" },
	{ "lone [", "[\n", 0, "t.conf:1: section line must end with ']'" },
	{ "empty section", "a = 1\n[]\n", 0, "t.conf:2: empty section name" },
	{ "blank section", "[ \t]\n", 0, "t.conf:1: empty section name" },
	{ "upper-case section", "[Issuer x]\n", 0,
	  "t.conf:1: section name: expected [a-z0-9_]+, got 'I' at column 2" },
	{ "dash in section", "  [iss-uer x]\n", 0,
	  "t.conf:1: section name: expected [a-z0-9_]+, got '-' at column 7" },
	{ "NUL byte", "a = b\0c\n", 8, "t.conf:1: NUL byte at column 6" },
	{ "NUL in a comment", "# a\n#\0\n", 7, "t.conf:2: NUL byte at column 2" },
	{ "control character", "a = \x01\n", 0,
	  "t.conf:1: control character 0x01 at column 5" },
	{ "escape sequence", "a = \x1b[31m\n", 0,
	  "t.conf:1: control character 0x1b at column 5" },
	{ "DEL", "a = x\x7f\n", 0,
	  "t.conf:1: control character 0x7f at column 6" },
	{ "CR not before LF", "a = b\rc\n", 0,
	  "t.conf:1: control character 0x0d at column 6" },
	{ "two CRs", "a = b\r\r\n", 0,
	  "t.conf:1: control character 0x0d at column 6" },
	{ "Latin-1 byte", "a = caf\xe9\n", 0,
	  "t.conf:1: invalid UTF-8 at column 8" },
	{ "overlong /", "a = \xc0\xaf\n", 0,
	  "t.conf:1: invalid UTF-8 at column 5" },
	{ "overlong 3-byte", "a = \xe0\x80\xaf\n", 0,
	  "t.conf:1: invalid UTF-8 at column 5" },
	{ "surrogate", "a = x\xed\xa0\x80\n", 0,
	  "t.conf:1: invalid UTF-8 at column 6" },
	{ "past U+10FFFF", "a = \xf4\x90\x80\x80\n", 0,
	  "t.conf:1: invalid UTF-8 at column 5" },
	{ "truncated sequence at line end", "a = \xe2\x82\nb = 1\n", 0,
	  "t.conf:1: invalid UTF-8 at column 5" },
	{ "lone continuation byte", "# \x80\n", 0,
	  "t.conf:1: invalid UTF-8 at column 3" },
	/* Inline comments: once kept in the value, now refused. */
	{ "comment after a value", "a = 1\n\nkey = k.pem   # note\n", 0,
	  "t.conf:3: " INLINE },
	{ "comment after a tab", "key = v\t# note\n", 0, "t.conf:1: " INLINE },
	{ "'#' alone after a value", "key = v #\n", 0, "t.conf:1: " INLINE },
	{ "comment as the value", "key = # note\n", 0, "t.conf:1: " INLINE },
	{ "comment without blanks as the value", "key =#x\n", 0,
	  "t.conf:1: " INLINE },
	{ "no quoting hides a comment", "k = \"a # b\"\n", 0,
	  "t.conf:1: " INLINE },
	{ "comment after a section", "[issuer https://x]  # note\n", 0,
	  "t.conf:1: " INLINE },
	{ "comment right after a section", "[main]#\n", 0, "t.conf:1: " INLINE },
};

static void
test_good(void)
{
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct trace t = { .s = "" };
		struct jf_msg m = { .s = "" };
		enum jf_err rc;

		rc = ini_parse_buf("t.conf", good[i].in, strlen(good[i].in),
		    record, &t, &m);
		is(rc, JF_OK, good[i].name);
		is_str(t.s, good[i].trace, good[i].name);
	}
}

static void
test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct trace t = { .s = "" };
		struct jf_msg m = { .s = "" };
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].in);
		enum jf_err rc;

		rc = ini_parse_buf("t.conf", bad[i].in, len, record, &t, &m);
		is(rc, JF_E_CONFIG, bad[i].name);
		is_str(m.s, bad[i].msg, bad[i].name);
	}
}

/* A line of n bytes "k = vvv...", then more lines, with n around the cap. */
static void
test_line_limit(void)
{
	char *buf = malloc(INI_LINE_MAX + 64);
	struct trace t = { .s = "" };
	struct jf_msg m = { .s = "" };
	size_t n;

	if (buf == NULL)
		abort();
	strcpy(buf, "a = 1\n");
	n = strlen(buf);
	memcpy(buf + n, "k = ", 4);
	memset(buf + n + 4, 'v', INI_LINE_MAX - 4);
	memcpy(buf + n + INI_LINE_MAX, "\r\nb = 2\n", 9);
	is(ini_parse_buf("t.conf", buf, strlen(buf), record, &t, &m), JF_OK,
	    "line of exactly INI_LINE_MAX bytes (plus CRLF) is accepted");
	is(t.calls, 3, "and all three lines are seen");

	memcpy(buf + n + INI_LINE_MAX, "v\nb = 2\n", 9);
	t.s[0] = '\0';
	t.calls = 0;
	is(ini_parse_buf("t.conf", buf, strlen(buf), record, &t, &m),
	    JF_E_CONFIG, "line of INI_LINE_MAX + 1 bytes is refused");
	is_str(m.s, "t.conf:2: line longer than 4096 bytes",
	    "with its line number");
	is(t.calls, 1, "lines before it were seen, none after");

	/* The cap holds in comments too: nothing is read unbounded. */
	buf[n] = '#';
	is(ini_parse_buf("t.conf", buf, strlen(buf), record, &t, &m),
	    JF_E_CONFIG, "over-long comment line is refused too");
	free(buf);
}

static void
test_file_limit(void)
{
	char *buf = malloc(INI_FILE_MAX + 1);
	struct trace t = { .s = "" };
	struct jf_msg m = { .s = "" };
	size_t i;

	if (buf == NULL)
		abort();
	/* Comment lines of 64 bytes fill exactly INI_FILE_MAX. */
	for (i = 0; i < INI_FILE_MAX; i += 64) {
		memset(buf + i, '#', 63);
		buf[i + 63] = '\n';
	}
	is(ini_parse_buf("t.conf", buf, INI_FILE_MAX, record, &t, &m), JF_OK,
	    "file of exactly INI_FILE_MAX bytes is accepted");
	buf[INI_FILE_MAX] = '#';
	is(ini_parse_buf("t.conf", buf, INI_FILE_MAX + 1, record, &t, &m),
	    JF_E_CONFIG, "file of INI_FILE_MAX + 1 bytes is refused");
	is_str(m.s, "t.conf: larger than 1048576 bytes", "message says the cap");
	free(buf);
}

static void
test_callback_stops(void)
{
	const char *in = "a = 1\n[s x]\nstop = here\nb = 2\n";
	struct trace t = { .s = "", .stop_key = "stop" };
	struct jf_msg m = { .s = "" };

	is(ini_parse_buf("t.conf", in, strlen(in), record, &t, &m),
	    JF_E_CONFIG, "callback's error code is returned");
	is_str(m.s, "t.conf:3: stop here", "callback's message is kept");
	is(t.calls, 3, "no line after the failing one is read");
}

static void
test_files(void)
{
	char dir[] = "/tmp/test_ini.XXXXXX", path[128];
	struct trace t = { .s = "" };
	struct jf_msg m = { .s = "" };
	FILE *f;
	char *big;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs("# test\nrealm = api\n\n[issuer https://m.test]\nx = y\n", f);
	fclose(f);
	is(ini_parse_file(path, record, &t, &m), JF_OK, "file parses");
	is_str(t.s, "2:-:-:realm=api|4:issuer:https://m.test:-=-|"
	    "5:issuer:https://m.test:x=y|", "file items and line numbers");

	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs("realm = api\n[bad\n", f);
	fclose(f);
	ini_parse_file(path, record, &t, &m);
	ok(strncmp(m.s, path, strlen(path)) == 0 &&
	    strcmp(m.s + strlen(path), ":2: section line must end with ']'")
	    == 0, "file errors start with the path");

	/* The file cap holds for a file larger than the buffer. */
	if ((big = calloc(1, INI_FILE_MAX + 100)) == NULL)
		abort();
	memset(big, '\n', INI_FILE_MAX + 100);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(big, 1, INI_FILE_MAX + 100, f);
	fclose(f);
	free(big);
	is(ini_parse_file(path, record, &t, &m), JF_E_CONFIG,
	    "over-size file is refused");
	ok(strstr(m.s, ": larger than 1048576 bytes") != NULL,
	    "with the size message");
	unlink(path);

	is(ini_parse_file(path, record, &t, &m), JF_E_IO,
	    "missing file is JF_E_IO");
	ok(strstr(m.s, ": cannot open: No such file or directory") != NULL,
	    "and says why");
	is(ini_parse_file(dir, record, &t, &m), JF_E_IO,
	    "a directory is JF_E_IO");
	ok(strstr(m.s, ": not a regular file") != NULL, "and says why");
	rmdir(dir);
}

int
main(void)
{
	test_good();
	test_bad();
	test_line_limit();
	test_file_limit();
	test_callback_stops();
	test_files();
	return done_testing();
}

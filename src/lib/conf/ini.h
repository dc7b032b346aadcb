/* ini.h - the line format shared by every jwt-fcgi configuration file.
 *
 *   # comment
 *   key = value            (value: rest of the line, trimmed)
 *   [section argument]     (e.g. [issuer https://mint.example])
 *
 * Lines end with LF (a CR just before it is dropped). Blanks are spaces
 * and tabs. A comment is a line whose first non-blank is '#'. There are
 * no comments after a value and no quoting: a value that starts with '#'
 * or has a '#' after a blank ("realm = a # b") is refused as an inline
 * comment, so a note after a path never becomes part of the path; "a#b"
 * is a value. Keys and section names are [a-z0-9_]+. A section's argument is
 * everything between the name and the line's final ']', trimmed, so it
 * may hold spaces or ']' (https://[::1]:8443). A value may be empty; the
 * caller decides whether that is allowed.
 *
 * Bounded: 1 MiB per file, 4096 bytes per line (without its newline).
 * The text must be UTF-8 (a leading BOM is skipped) with no NUL and no
 * control character but tab. The reader only splits lines; each caller
 * decides which sections and keys exist and fails on unknown ones, so a
 * typo never silently drops a check.
 */
#ifndef JF_INI_H
#define JF_INI_H

#include <stddef.h>

#include "util/err.h"

#define INI_FILE_MAX (1024 * 1024)
#define INI_LINE_MAX 4096

/* The strings point into the reader's line buffer: valid only during the
 * callback, so copy what you keep. */
struct ini_item {
	const char *file;
	unsigned line;
	const char *section;    /* NULL before the first [section] */
	const char *arg;        /* the section's argument, or NULL */
	const char *key;        /* NULL on the [section] line itself */
	const char *value;
};

/* Returns JF_OK to go on; anything else stops the parse (the callback has
 * filled m with "file:line: ..."). */
typedef enum jf_err (*ini_fn)(void *arg, const struct ini_item *it,
	struct jf_msg *m);

/* Calls fn for each section line and each key line of path. Syntax errors
 * come back as JF_E_CONFIG with "file:line: what is wrong"; a file that
 * cannot be read as JF_E_IO with "file: reason". */
enum jf_err ini_parse_file(const char *path, ini_fn fn, void *arg,
	struct jf_msg *m);
/* The same over a buffer (name is used in messages). */
enum jf_err ini_parse_buf(const char *name, const char *buf, size_t len,
	ini_fn fn, void *arg, struct jf_msg *m);

#endif

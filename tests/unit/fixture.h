/* fixture.h - reads a file from tests/unit/certs/ for a unit test.
 * Under `make check` JF_SRCDIR says where the sources are; run by hand
 * from a build tree, the path this header was compiled from does. */
#ifndef JF_FIXTURE_H
#define JF_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_MAX (1 << 20)

/* The whole file (NUL-terminated, malloc'd), its length in *len if len
 * is not NULL; bails out of the test if it cannot be read. */
static inline char *
fixture(const char *name, size_t *len)
{
	char dir[4096], path[4200];
	const char *src = getenv("JF_SRCDIR");
	FILE *f;
	char *buf;
	size_t n;

	if (src != NULL)
		snprintf(dir, sizeof(dir), "%s/tests/unit/certs", src);
	else {
		snprintf(dir, sizeof(dir), "%s", __FILE__);
		*strrchr(dir, '/') = '\0';
		strcat(dir, "/certs");
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL || (buf = malloc(FIXTURE_MAX)) == NULL) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	n = fread(buf, 1, FIXTURE_MAX - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* The first line of a fixture file, without its newline (.fp, .x5t). */
static inline char *
fixture_line(const char *name)
{
	char *s = fixture(name, NULL);

	s[strcspn(s, "\n")] = '\0';
	return s;
}

#endif

/* num.c - decimal numbers in configuration files and on command lines.
 *
 * Stricter than strtol(): a sign, blanks or a suffix are refused rather
 * than guessed at, so "2k" or " 30" is an error and not 2 or 30.
 */
#include "config.h"

#include "util/num.h"

int
num_parse(const char *s, long min, long max, long *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		/* Stopping as soon as v passes max keeps v from
		 * overflowing, however long s is (max < LONG_MAX / 10). */
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

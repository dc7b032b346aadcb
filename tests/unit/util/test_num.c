/* test_num.c - the decimal parser behind every number in a config or on a
 * command line: strict, bounded, never overflowing. */
#include "config.h"

#include "util/num.h"
#include "tap.h"

static const struct {
	const char *s;
	long min, max;
	int rc;
	long want;
} cases[] = {
	{ "0", 0, 10, 0, 0 },
	{ "10", 0, 10, 0, 10 },
	{ "007", 0, 10, 0, 7 },
	{ "11", 0, 10, -1, 0 },
	{ "1", 2, 10, -1, 0 },
	{ "", 0, 10, -1, 0 },
	{ "-1", -5, 10, -1, 0 },      /* no sign, even when min allows it */
	{ "+1", 0, 10, -1, 0 },
	{ " 3", 0, 10, -1, 0 },
	{ "3 ", 0, 10, -1, 0 },
	{ "2k", 0, 10000, -1, 0 },
	{ "0x10", 0, 100, -1, 0 },
	{ "99999999999999999999999999999", 0, 1000000, -1, 0 },
	{ "65536", 0, 65536, 0, 65536 },
};

int
main(void)
{
	size_t i;
	long v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -42;
		is(num_parse(cases[i].s, cases[i].min, cases[i].max, &v),
		    cases[i].rc, cases[i].s);
		is(v, cases[i].rc == 0 ? cases[i].want : -42,
		    "value set only on success");
	}
	return done_testing();
}

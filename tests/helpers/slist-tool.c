/* slist-tool.c - Token Status Lists by jwt-fcgi's own code (oauth/slist.c),
 * for tests/status_authz.bats to compare with an independent
 * implementation (tests/node/statuslist.mjs):
 *
 *   slist-tool encode BITS N [IDX=VAL ...]   the status_list object of N
 *                                            statuses, all 0 but those
 *   slist-tool decode JSON                   the statuses of a status_list
 *                                            object, one line, spaces
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "oauth/slist.h"

static int
usage(void)
{
	fprintf(stderr, "usage: slist-tool encode BITS N [IDX=VAL ...] | "
	    "decode JSON\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct json_object *o;
	struct slist *l = NULL;
	struct jf_msg m = { "" };
	unsigned char *b;
	unsigned long n, i, idx, val;
	int bits, k;

	if (argc >= 4 && strcmp(argv[1], "encode") == 0) {
		bits = atoi(argv[2]);
		n = strtoul(argv[3], NULL, 10);
		if ((bits != 1 && bits != 2) || n == 0 || n % 8 != 0 ||
		    n > SLIST_MAX_STATUSES)
			return usage();
		if ((b = calloc(1, n * (unsigned long)bits / 8)) == NULL)
			return 1;
		for (k = 4; k < argc; k++) {
			if (sscanf(argv[k], "%lu=%lu", &idx, &val) != 2 ||
			    idx >= n || val >= (1ul << bits))
				return usage();
			b[idx * (unsigned long)bits / 8] |= (unsigned char)(val
			    << (idx * (unsigned long)bits % 8));
		}
		if (slist_encode(b, n * (unsigned long)bits / 8, bits, &o, &m)
		    != JF_OK) {
			fprintf(stderr, "slist-tool: %s\n", m.s);
			return 1;
		}
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		free(b);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "decode") == 0) {
		o = json_tokener_parse(argv[2]);
		if (slist_parse(&l, o, &m) != JF_OK) {
			fprintf(stderr, "slist-tool: %s\n", m.s);
			json_object_put(o);
			return 1;
		}
		for (i = 0; i < slist_len(l); i++)
			printf("%s%d", i ? " " : "", slist_get(l, (uint32_t)i));
		putchar('\n');
		slist_free(l);
		json_object_put(o);
		return 0;
	}
	return usage();
}

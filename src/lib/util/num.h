/* num.h - the one decimal parser for configuration values and options. */
#ifndef JF_NUM_H
#define JF_NUM_H

/* Decimal digits only: no sign, no blanks, no suffix, no hex. Returns 0
 * and sets *out when min <= value <= max, else -1 (out untouched).
 * max must be below LONG_MAX / 10. */
int num_parse(const char *s, long min, long max, long *out);

#endif

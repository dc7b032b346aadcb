/* fuzz_req.c - the FastCGI/CGI parameter checks of req.c that see
 * outside input: CONTENT_LENGTH (static req_content_length, reached by
 * compiling req.c into this harness) and response header names and
 * values (req_header must refuse CR, LF and NUL, never split a line).
 *
 * Input: first byte selects the cap max (0..255 scaled), the rest is the
 * CONTENT_LENGTH text, also tried as a header name and value.
 */
#include "config.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../src/lib/fcgi/req.c"

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct req *rq;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((rq = req_new(NULL)) == NULL)
		fuzz_die("req_new", NULL);
	return 0;
}

/* The reference: digits only, value <= max. */
static enum jf_err
model(const char *s, size_t max, size_t *n)
{
	unsigned long long v = 0;
	int big = 0;

	*n = 0;
	if (*s == '\0')
		return JF_OK;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return JF_E_INVALID_REQUEST;
		if (!big && v > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			big = 1;
		if (!big)
			v = v * 10 + (unsigned)(*s - '0');
	}
	if (big || v > max)
		return JF_E_TOO_LARGE;
	*n = (size_t)v;
	return JF_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 0, 1, 9, 10, 99, 4096, 16384,
	    SIZE_MAX / 10, SIZE_MAX };
	char *s;
	size_t max, n = 0, want = 0, i;
	enum jf_err rc, w;

	if (size < 1)
		return 0;
	max = caps[data[0] % (sizeof(caps) / sizeof(caps[0]))];
	s = fuzz_strndup(data + 1, size - 1);
	rc = req_content_length(s, max, &n);
	w = model(s, max, &want);
	assert(rc == w);
	assert(n == want);

	req_reset(rq);
	if (req_header(rq, s, "%s", "v") == 0)
		for (i = 0; s[i] != '\0'; i++)
			assert(req_is_tchar((unsigned char)s[i]));
	if (req_header(rq, "X-Fuzz", "%s", s) == 0)
		assert(strpbrk(s, "\r\n") == NULL);
	/* CR and LF only as the CRLF that ends each header. */
	for (i = 0; i < rq->hlen; i++)
		if (rq->hdr[i] == '\r')
			assert(i + 1 < rq->hlen && rq->hdr[i + 1] == '\n');
		else if (rq->hdr[i] == '\n')
			assert(i > 0 && rq->hdr[i - 1] == '\r');
		else
			assert(rq->hdr[i] != '\0');
	free(s);
	return 0;
}

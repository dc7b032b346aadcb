/* file.c - bounded whole-file reads for keys and key sets. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

enum jf_err
file_read(const char *path, size_t max, char **buf, size_t *len,
	struct jf_msg *m)
{
	struct stat sb;
	char *b = NULL;
	size_t n = 0;
	ssize_t got;
	int fd;
	enum jf_err rc;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return jf_fail(m, JF_E_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = jf_fail(m, JF_E_IO, "%s: not a regular file", path);
		goto fail;
	}
	if ((b = malloc(max + 2)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	while (n <= max) {
		got = read(fd, b + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = jf_fail(m, JF_E_IO, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		rc = jf_fail(m, JF_E_CONFIG, "%s: over %zu bytes", path, max);
		goto fail;
	}
	b[n] = '\0';
	close(fd);
	*buf = b;
	*len = n;
	return JF_OK;
fail:
	close(fd);
	if (b != NULL)
		explicit_bzero(b, n < max + 2 ? n : max + 2);   /* maybe a key */
	free(b);
	return rc;
}

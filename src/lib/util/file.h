/* file.h - reading a whole key or JWKS file, bounded.
 *
 * Only regular files: a FIFO or a device named by mistake in a
 * configuration would otherwise block the start-up (or a reload) for
 * ever. One byte more than the limit is read to tell "too big" from
 * "exactly full", whatever st_size said.
 */
#ifndef JF_FILE_H
#define JF_FILE_H

#include <stddef.h>

#include "util/err.h"

/* *buf (NUL-terminated, caller frees) holds the *len bytes of path.
 * JF_E_IO: cannot open or read, or not a regular file ("path: reason");
 * JF_E_CONFIG: over max bytes; JF_E_NOMEM. */
enum jf_err file_read(const char *path, size_t max, char **buf, size_t *len,
	struct jf_msg *m);

#endif

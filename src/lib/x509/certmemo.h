/* certmemo.h - the last client certificates a process parsed.
 *
 * A service shows the same certificate on every request, and the web
 * server hands it over as the same PEM text; parsing it (base64, DER,
 * the names and extensions the registry matches on) is a fifth of what
 * the mint spends on a token. The memo keeps the last CERT_MEMO_N
 * certificates that parsed, keyed by the exact text: the same bytes
 * always parse the same way, so this skips no check (the caller still
 * checks validity, chain and registry on every request). Refusals are
 * not kept. One per process, never shared.
 */
#ifndef JF_CERTMEMO_H
#define JF_CERTMEMO_H

#include <stddef.h>

#include "util/err.h"

#define CERT_MEMO_N 8

struct cert;
struct cert_memo;

struct cert_memo *cert_memo_new(void);
void cert_memo_free(struct cert_memo *cm);

/* As cert_parse, but *out is borrowed from the memo: valid until the
 * next call or cert_memo_free. */
enum jf_err cert_memo_parse(struct cert_memo *cm, const struct cert **out,
	const char *s, size_t n, struct jf_msg *m);

#endif

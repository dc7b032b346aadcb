/* slist.c - Token Status Lists: the bit array and its compressed form
 * (slist.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zlib.h>

#include "jose/b64.h"
#include "oauth/slist.h"

/* The compressed list a reader accepts: deflate gains at most ~1032:1,
 * so 4 MiB of statuses never need more; this bounds the base64 decode
 * before zlib sees a byte. */
#define SLIST_LST_MAX (4u * 1024 * 1024)
#define SLIST_BYTES_MAX (SLIST_MAX_STATUSES / 4)   /* 2 bits each */

struct slist {
	int bits;
	size_t n;               /* bytes */
	unsigned char *b;
};

static enum jf_err slist_inflate(const unsigned char *z, size_t zn,
	size_t max, unsigned char **out, size_t *outn, struct jf_msg *m);

/* What lists we write: 1 or 2 bits (valid, revoked, suspended). */
static int
slist_bits_ok(int64_t b)
{
	return b == 1 || b == 2;
}

/* What lists we read: every size the draft allows (§4.2), so another
 * issuer's 4- or 8-bit list is checked, not refused. */
static int
slist_bits_read(int64_t b)
{
	return b == 1 || b == 2 || b == 4 || b == 8;
}

enum jf_err
slist_parse(struct slist **out, const struct json_object *sl,
	struct jf_msg *m)
{
	struct json_object *jb, *jl;
	struct slist *l = NULL;
	unsigned char *z = NULL;
	const char *lst;
	size_t ln, zn = 0, max;
	int64_t bits;
	enum jf_err rc = JF_E_NOMEM;

	*out = NULL;
	if (sl == NULL || !json_object_is_type(sl, json_type_object))
		return jf_fail(m, JF_E_CLAIM, "status_list: not an object");
	if (!json_object_object_get_ex(sl, "bits", &jb) ||
	    !json_object_is_type(jb, json_type_int))
		return jf_fail(m, JF_E_CLAIM, "status_list: bits missing or "
		    "not an integer");
	bits = json_object_get_int64(jb);
	if (!slist_bits_read(bits))
		return jf_fail(m, JF_E_CLAIM, "status_list: bits %lld (1, 2, "
		    "4 or 8)", (long long)bits);
	if (!json_object_object_get_ex(sl, "lst", &jl) ||
	    !json_object_is_type(jl, json_type_string))
		return jf_fail(m, JF_E_CLAIM, "status_list: lst missing or "
		    "not a string");
	lst = json_object_get_string(jl);
	ln = (size_t)json_object_get_string_len(jl);
	if (ln == 0 || ln > B64URL_ENC_LEN(SLIST_LST_MAX))
		return jf_fail(m, JF_E_CLAIM, "status_list: lst of %zu "
		    "characters (1..%u)", ln,
		    (unsigned)B64URL_ENC_LEN(SLIST_LST_MAX));
	if ((z = malloc(B64URL_DEC_MAX(ln))) == NULL)
		goto fail;
	if (b64url_decode(z, &zn, lst, ln) != 0) {
		rc = jf_fail(m, JF_E_CLAIM, "status_list: lst is not "
		    "base64url");
		goto fail;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto fail;
	l->bits = (int)bits;
	max = (size_t)SLIST_MAX_STATUSES * (size_t)bits / 8;
	if ((rc = slist_inflate(z, zn, max, &l->b, &l->n, m)) != JF_OK)
		goto fail;
	*out = l;
	l = NULL;
	rc = JF_OK;
fail:
	free(z);
	slist_free(l);
	return rc;
}

/* Inflates one zlib stream of exactly zn bytes into at most max bytes;
 * anything longer (a bomb), shorter (truncated), after the stream
 * (trailing data) or empty is refused. */
static enum jf_err
slist_inflate(const unsigned char *z, size_t zn, size_t max,
	unsigned char **out, size_t *outn, struct jf_msg *m)
{
	z_stream s;
	unsigned char *b = NULL, *nb;
	size_t room = 4096;
	enum jf_err rc = JF_E_NOMEM;
	int zr;

	memset(&s, 0, sizeof(s));
	if (inflateInit(&s) != Z_OK)
		return jf_fail(m, JF_E_NOMEM, "status_list: zlib init failed");
	if ((b = malloc(room)) == NULL)
		goto fail;
	s.next_in = (unsigned char *)(uintptr_t)z;
	s.avail_in = (uInt)zn;
	s.next_out = b;
	s.avail_out = (uInt)room;
	for (;;) {
		zr = inflate(&s, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && s.avail_in == 0) {
			rc = jf_fail(m, JF_E_CLAIM, "status_list: lst is a "
			    "truncated zlib stream");
			goto fail;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = jf_fail(m, JF_E_CLAIM, "status_list: lst is not "
			    "zlib (%s)", s.msg != NULL ? s.msg : "bad data");
			goto fail;
		}
		if (s.avail_out == 0) {
			if (room > max) {
				rc = jf_fail(m, JF_E_CLAIM, "status_list: "
				    "inflates past %u statuses",
				    SLIST_MAX_STATUSES);
				goto fail;
			}
			room = room * 2 > max + 1 ? max + 1 : room * 2;
			if ((nb = realloc(b, room)) == NULL)
				goto fail;
			b = nb;
			s.next_out = b + s.total_out;
			s.avail_out = (uInt)(room - s.total_out);
		}
	}
	if (s.total_out > max) {
		rc = jf_fail(m, JF_E_CLAIM, "status_list: inflates past %u "
		    "statuses", SLIST_MAX_STATUSES);
		goto fail;
	}
	if (s.avail_in != 0) {
		rc = jf_fail(m, JF_E_CLAIM, "status_list: data after the zlib "
		    "stream");
		goto fail;
	}
	if (s.total_out == 0) {
		rc = jf_fail(m, JF_E_CLAIM, "status_list: the list is empty");
		goto fail;
	}
	*outn = s.total_out;
	*out = b;
	b = NULL;
	rc = JF_OK;
fail:
	inflateEnd(&s);
	free(b);
	return rc;
}

void
slist_free(struct slist *l)
{
	if (l == NULL)
		return;
	free(l->b);
	free(l);
}

int
slist_bits(const struct slist *l)
{
	return l->bits;
}

uint32_t
slist_len(const struct slist *l)
{
	return (uint32_t)(l->n * 8 / (size_t)l->bits);
}

int
slist_get(const struct slist *l, uint32_t idx)
{
	uint64_t bit = (uint64_t)idx * (uint64_t)l->bits;

	if (idx >= slist_len(l))
		return -1;
	return (l->b[bit / 8] >> (bit % 8)) & ((1 << l->bits) - 1);
}

enum jf_err
slist_encode(const unsigned char *bytes, size_t nbytes, int bits,
	struct json_object **out, struct jf_msg *m)
{
	struct json_object *o = NULL;
	unsigned char *z = NULL;
	char *s = NULL;
	uLongf zn;
	enum jf_err rc = JF_E_NOMEM;

	*out = NULL;
	if (!slist_bits_ok(bits))
		return jf_fail(m, JF_E_INTERNAL, "status_list: bits %d", bits);
	if (nbytes == 0 || nbytes > (size_t)SLIST_MAX_STATUSES * (size_t)bits /
	    8)
		return jf_fail(m, JF_E_INTERNAL, "status_list: %zu bytes "
		    "(1..%zu)", nbytes, (size_t)SLIST_MAX_STATUSES *
		    (size_t)bits / 8);
	zn = compressBound((uLong)nbytes);
	if ((z = malloc(zn)) == NULL)
		goto fail;
	/* Level 9: the draft's examples (§4.1) are written at it, so the
	 * same statuses give the same lst byte for byte. */
	if (compress2(z, &zn, bytes, (uLong)nbytes, Z_BEST_COMPRESSION) !=
	    Z_OK) {
		rc = jf_fail(m, JF_E_INTERNAL, "status_list: zlib failed");
		goto fail;
	}
	if ((s = malloc(B64URL_ENC_LEN((size_t)zn) + 1)) == NULL)
		goto fail;
	b64url_encode(s, z, (size_t)zn);
	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "bits", json_object_new_int(bits)) != 0
	    || json_object_object_add(o, "lst", json_object_new_string(s)) !=
	    0)
		goto fail;
	*out = o;
	o = NULL;
	rc = JF_OK;
fail:
	if (rc == JF_E_NOMEM)
		jf_fail(m, rc, "status_list: out of memory");
	json_object_put(o);
	free(z);
	free(s);
	return rc;
}

struct json_object *
slist_claims(const char *uri, int64_t now, long lifetime, long ttl,
	struct json_object *status_list)
{
	struct json_object *o;
	int bad = 0;

	if ((o = json_object_new_object()) == NULL) {
		json_object_put(status_list);
		return NULL;
	}
	bad |= json_object_object_add(o, "sub",
	    json_object_new_string(uri)) != 0;
	bad |= json_object_object_add(o, "iat", json_object_new_int64(now))
	    != 0;
	bad |= json_object_object_add(o, "exp",
	    json_object_new_int64(now + lifetime)) != 0;
	if (ttl > 0)
		bad |= json_object_object_add(o, "ttl",
		    json_object_new_int64(ttl)) != 0;
	if (json_object_object_add(o, "status_list", status_list) != 0) {
		json_object_put(status_list);
		bad = 1;
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

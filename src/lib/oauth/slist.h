/* slist.h - oauth: Token Status Lists (draft-ietf-oauth-status-list-21):
 * the bit array, its compressed form, and the claims of a Status List
 * Token, for the mint that publishes one and the authorizer that reads it.
 *
 * A list holds n statuses of `bits` bits each (1 or 2 written, 1, 2, 4 or
 * 8 read), status i in bits
 * [i*bits, (i+1)*bits) counted from the least significant bit of byte 0
 * (§4.1). `lst` is the base64url (no padding) of the zlib (RFC 1950)
 * deflate of those bytes. Values: 0 VALID, 1 INVALID, 2 SUSPENDED (§7.1);
 * 3 is application specific and a reader treats it as not valid.
 */
#ifndef JF_OAUTH_SLIST_H
#define JF_OAUTH_SLIST_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util/err.h"

#define SLIST_VALID 0
#define SLIST_INVALID 1
#define SLIST_SUSPENDED 2

/* The largest list either side will handle, in statuses (2^24: 4 MiB at
 * 2 bits, far above any live-token count one issuer sees); a reader
 * refuses a longer one rather than inflate it (a zlib bomb). */
#define SLIST_MAX_STATUSES (1u << 24)
#define SLIST_TYP "statuslist+jwt"
#define SLIST_MEDIA "application/statuslist+jwt"

struct slist;   /* a decoded list: bits and statuses, immutable */

/* Decodes a "status_list" claim object ({"bits":1|2|4|8,"lst":"..."}, an
 * optional "aggregation_uri" ignored). Refuses other bits, bad base64url,
 * bad zlib, trailing data and anything inflating past the maximum. */
enum jf_err slist_parse(struct slist **out, const struct json_object *sl,
	struct jf_msg *m);
void slist_free(struct slist *l);
int slist_bits(const struct slist *l);
/* Number of statuses the list holds (its bytes * 8 / bits). */
uint32_t slist_len(const struct slist *l);
/* The status at idx, or -1 when idx is past the end (the caller refuses
 * the token: an out-of-range idx is an error, §8.3). */
int slist_get(const struct slist *l, uint32_t idx);

/* Encodes n statuses of `bits` bits packed as above (bytes: ceil(n*bits/8)
 * bytes) into a new "status_list" object {"bits":b,"lst":"..."}. */
enum jf_err slist_encode(const unsigned char *bytes, size_t nbytes, int bits,
	struct json_object **out, struct jf_msg *m);

/* The claims of a Status List Token (§5.1): sub = uri, iat = now,
 * exp = now + lifetime, ttl (when > 0), status_list. The caller adds
 * "iss" (the issuer of the tokens the list is for: jwt-authz.fcgi picks
 * the keys by it and refuses a list without it) and signs them with typ
 * SLIST_TYP. Takes ownership of status_list; NULL when out of memory. */
struct json_object *slist_claims(const char *uri, int64_t now, long lifetime,
	long ttl, struct json_object *status_list);

#endif

/* state-int.h - state: what state.c, the one entry point, calls in its
 * two back ends. state.c checks the arguments (lengths, status values,
 * bits) once; the back ends trust them. Calls run one way: state.c ->
 * embedded.c, redis.c -> hash.c.
 */
#ifndef JF_STATE_INT_H
#define JF_STATE_INT_H

#include "oauth/slist.h"
#include "state/state.h"

/* The one transition rule: INVALID is final, only a VALID token is
 * suspended, only a SUSPENDED one resumes; 0 when nothing changes. (The
 * Redis scripts in redis.c say the same in Lua.) */
static inline int
st_may_change(int cur, int to)
{
	if (cur == to || cur == SLIST_INVALID)
		return 0;
	if (to == SLIST_SUSPENDED)
		return cur == SLIST_VALID;
	if (to == SLIST_VALID)
		return cur == SLIST_SUSPENDED;
	return to == SLIST_INVALID;
}

struct emb;
struct rds;

#define ST_HASH 16

enum jf_err st_hash(const char *s, const char *t, unsigned char d[ST_HASH],
	struct jf_msg *m);
enum jf_err st_hash_hex(const char *s, const char *t,
	char out[2 * ST_HASH + 1], struct jf_msg *m);

enum jf_err emb_open(struct emb **out, const struct st_opts *o,
	struct jf_msg *m);
void emb_free(struct emb *e);
enum jf_err emb_issue(struct emb *e, const struct st_token *t, int64_t now,
	uint32_t *idx, struct jf_msg *m);
enum jf_err emb_set_status(struct emb *e, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m);
enum jf_err emb_block(struct emb *e, const char *client, int blocked,
	struct jf_msg *m);
enum jf_err emb_blocked(struct emb *e, const char *client, int *blocked,
	struct jf_msg *m);
enum jf_err emb_replay(struct emb *e, const char *client, const char *jti,
	int64_t until, int64_t now, struct jf_msg *m);
enum jf_err emb_list(struct emb *e, int64_t now, unsigned char **bytes,
	size_t *nbytes, uint32_t *n, uint64_t *gen, struct jf_msg *m);
enum jf_err emb_gen(struct emb *e, int64_t now, uint64_t *gen,
	struct jf_msg *m);
enum jf_err emb_count(struct emb *e, int64_t now, uint32_t *live,
	uint32_t *range, struct jf_msg *m);

enum jf_err rds_open(struct rds **out, const struct st_opts *o,
	struct jf_msg *m);
enum jf_err rds_reopen(struct rds *r, struct jf_msg *m);
void rds_free(struct rds *r);
enum jf_err rds_issue(struct rds *r, const struct st_token *t, int64_t now,
	uint32_t *idx, struct jf_msg *m);
enum jf_err rds_set_status(struct rds *r, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m);
enum jf_err rds_block(struct rds *r, const char *client, int blocked,
	struct jf_msg *m);
enum jf_err rds_blocked(struct rds *r, const char *client, int *blocked,
	struct jf_msg *m);
enum jf_err rds_replay(struct rds *r, const char *client, const char *jti,
	int64_t until, int64_t now, struct jf_msg *m);
enum jf_err rds_list(struct rds *r, int64_t now, unsigned char **bytes,
	size_t *nbytes, uint32_t *n, uint64_t *gen, struct jf_msg *m);
enum jf_err rds_gen(struct rds *r, int64_t now, uint64_t *gen,
	struct jf_msg *m);
enum jf_err rds_count(struct rds *r, int64_t now, uint32_t *live,
	uint32_t *range, struct jf_msg *m);

#endif

/* redis.c - state: the Redis back end (placeholder: the hiredis one
 * follows). Refuses a Redis URL rather than fall back to the file. */
#include "config.h"

#include "state/state-int.h"

struct rds {
	int unused;
};

enum jf_err
rds_open(struct rds **out, const struct st_opts *o, struct jf_msg *m)
{
	(void)o;
	*out = NULL;
	return jf_fail(m, JF_E_CONFIG, "state: redis is not supported by "
	    "this build");
}

enum jf_err rds_reopen(struct rds *r, struct jf_msg *m) { (void)r; (void)m; return JF_OK; }
void rds_free(struct rds *r) { (void)r; }
enum jf_err rds_issue(struct rds *r, const struct st_token *t, int64_t now,
	uint32_t *idx, struct jf_msg *m) { (void)r; (void)t; (void)now; (void)idx; return jf_fail(m, JF_E_INTERNAL, "redis"); }
enum jf_err rds_set_status(struct rds *r, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m) { (void)r; (void)by; (void)value; (void)owner; (void)status; (void)now; (void)n; return jf_fail(m, JF_E_INTERNAL, "redis"); }
enum jf_err rds_block(struct rds *r, const char *client, int blocked,
	struct jf_msg *m) { (void)r; (void)client; (void)blocked; return jf_fail(m, JF_E_INTERNAL, "redis"); }
enum jf_err rds_blocked(struct rds *r, const char *client, int *blocked,
	struct jf_msg *m) { (void)r; (void)client; (void)blocked; return jf_fail(m, JF_E_INTERNAL, "redis"); }
enum jf_err rds_replay(struct rds *r, const char *client, const char *jti,
	int64_t until, int64_t now, struct jf_msg *m) { (void)r; (void)client; (void)jti; (void)until; (void)now; return jf_fail(m, JF_E_INTERNAL, "redis"); }
enum jf_err rds_list(struct rds *r, int64_t now, unsigned char **bytes,
	size_t *nbytes, uint32_t *n, uint64_t *gen, struct jf_msg *m) { (void)r; (void)now; (void)bytes; (void)nbytes; (void)n; (void)gen; return jf_fail(m, JF_E_INTERNAL, "redis"); }
enum jf_err rds_count(struct rds *r, int64_t now, uint32_t *live,
	uint32_t *range, struct jf_msg *m) { (void)r; (void)now; (void)live; (void)range; return jf_fail(m, JF_E_INTERNAL, "redis"); }

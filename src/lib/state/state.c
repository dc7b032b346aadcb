/* state.c - state: the one entry point. Checks what callers pass once
 * (sizes, status values, the list's bits) and hands the call to the
 * embedded file or to Redis; the back ends trust what reaches them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "state/state-int.h"

struct st {
	struct emb *emb;        /* exactly one of the two */
	struct rds *rds;
	int bits;
};

static enum jf_err st_id(const char *what, const char *s, struct jf_msg *m);

/* Ids are the client's, the subject's or a token's: bounded, never empty
 * where they key something. */
static enum jf_err
st_id(const char *what, const char *s, struct jf_msg *m)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return jf_fail(m, JF_E_INVALID_REQUEST, "%s: empty", what);
	n = strnlen(s, ST_ID_MAX + 1);
	if (n > ST_ID_MAX)
		return jf_fail(m, JF_E_INVALID_REQUEST, "%s: longer than %d "
		    "bytes", what, ST_ID_MAX);
	return JF_OK;
}

enum jf_err
st_open(struct st **out, const struct st_opts *o, struct jf_msg *m)
{
	struct st *s;
	enum jf_err rc;

	*out = NULL;
	if (o->bits != 1 && o->bits != 2)
		return jf_fail(m, JF_E_CONFIG, "status_bits: expected 1 or 2, "
		    "got %d", o->bits);
	if (o->max_live < 1 || o->max_live > SLIST_MAX_STATUSES)
		return jf_fail(m, JF_E_CONFIG, "max_live_tokens: expected 1 "
		    "to %u, got %u", SLIST_MAX_STATUSES, o->max_live);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return JF_E_NOMEM;
	s->bits = o->bits;
	if (o->url == NULL || o->url[0] == '\0')
		rc = emb_open(&s->emb, o, m);
	else
		rc = rds_open(&s->rds, o, m);
	if (rc != JF_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return JF_OK;
}

enum jf_err
st_reopen(struct st *s, struct jf_msg *m)
{
	/* The file's mapping is inherited across fork and stays valid. */
	return s->rds != NULL ? rds_reopen(s->rds, m) : JF_OK;
}

void
st_free(struct st *s)
{
	if (s == NULL)
		return;
	emb_free(s->emb);
	rds_free(s->rds);
	free(s);
}

const char *
st_kind(const struct st *s)
{
	return s->rds != NULL ? "redis" : "embedded";
}

enum jf_err
st_issue(struct st *s, const struct st_token *t, int64_t now, uint32_t *idx,
	struct jf_msg *m)
{
	enum jf_err rc;

	if ((rc = st_id("jti", t->jti, m)) != JF_OK ||
	    (rc = st_id("sub", t->sub, m)) != JF_OK ||
	    (rc = st_id("client_id", t->client, m)) != JF_OK)
		return rc;
	if (t->reuse_at < t->expires_at || t->expires_at < t->exp ||
	    t->exp <= now)
		return jf_fail(m, JF_E_INTERNAL, "state: a token must expire "
		    "after now, and its status be kept until expires_at, "
		    "before its index is reused");
	return s->rds != NULL ? rds_issue(s->rds, t, now, idx, m) :
	    emb_issue(s->emb, t, now, idx, m);
}

enum jf_err
st_set_status(struct st *s, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m)
{
	enum jf_err rc;

	*n = 0;
	if ((rc = st_id(by == ST_BY_JTI ? "jti" : by == ST_BY_SUB ? "sub" :
	    "client_id", value, m)) != JF_OK ||
	    (owner != NULL && (rc = st_id("client_id", owner, m)) != JF_OK))
		return rc;
	if (status != SLIST_VALID && status != SLIST_INVALID &&
	    status != SLIST_SUSPENDED)
		return jf_fail(m, JF_E_INTERNAL, "state: status %d", status);
	if (status == SLIST_SUSPENDED && s->bits < 2)
		return jf_fail(m, JF_E_INVALID_REQUEST, "suspending needs "
		    "status_bits = 2 (this list has 1 bit per token)");
	return s->rds != NULL ?
	    rds_set_status(s->rds, by, value, owner, status, now, n, m) :
	    emb_set_status(s->emb, by, value, owner, status, now, n, m);
}

enum jf_err
st_block(struct st *s, const char *client, int blocked, struct jf_msg *m)
{
	enum jf_err rc;

	if ((rc = st_id("client_id", client, m)) != JF_OK)
		return rc;
	return s->rds != NULL ? rds_block(s->rds, client, blocked != 0, m) :
	    emb_block(s->emb, client, blocked != 0, m);
}

enum jf_err
st_blocked(struct st *s, const char *client, int *blocked, struct jf_msg *m)
{
	enum jf_err rc;

	*blocked = 0;
	if ((rc = st_id("client_id", client, m)) != JF_OK)
		return rc;
	return s->rds != NULL ? rds_blocked(s->rds, client, blocked, m) :
	    emb_blocked(s->emb, client, blocked, m);
}

enum jf_err
st_replay(struct st *s, const char *client, const char *jti, int64_t until,
	int64_t now, struct jf_msg *m)
{
	enum jf_err rc;

	if ((rc = st_id("client_id", client, m)) != JF_OK ||
	    (rc = st_id("jti", jti, m)) != JF_OK)
		return rc;
	return s->rds != NULL ? rds_replay(s->rds, client, jti, until, now, m) :
	    emb_replay(s->emb, client, jti, until, now, m);
}

enum jf_err
st_list(struct st *s, int64_t now, unsigned char **bytes, size_t *nbytes,
	uint32_t *n, uint64_t *gen, struct jf_msg *m)
{
	*bytes = NULL;
	*nbytes = 0;
	*n = 0;
	*gen = 0;
	return s->rds != NULL ?
	    rds_list(s->rds, now, bytes, nbytes, n, gen, m) :
	    emb_list(s->emb, now, bytes, nbytes, n, gen, m);
}

enum jf_err
st_gen(struct st *s, int64_t now, uint64_t *gen, struct jf_msg *m)
{
	*gen = 0;
	return s->rds != NULL ? rds_gen(s->rds, now, gen, m) :
	    emb_gen(s->emb, now, gen, m);
}

enum jf_err
st_count(struct st *s, int64_t now, uint32_t *live, uint32_t *range,
	struct jf_msg *m)
{
	*live = 0;
	*range = 0;
	return s->rds != NULL ? rds_count(s->rds, now, live, range, m) :
	    emb_count(s->emb, now, live, range, m);
}

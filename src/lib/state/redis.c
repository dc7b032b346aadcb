/* redis.c - state: the Redis back end (hiredis), for several mints that
 * share one list. Every call that reads and writes more than one key is a
 * Lua script, run atomically by the server, so two mints never hand out
 * the same index nor lose a revocation between a read and a write.
 *
 * Keys, under the prefix P (standalone Redis: the scripts build their
 * keys from P, so they are not Redis Cluster safe):
 *   P meta        hash: bits (the first mint sets it; others must match)
 *   P range       allocation range; P gen: INCR on every list change
 *   P st          the status bytes in the draft's layout (LSB first, so
 *                 not BITFIELD's MSB-first order: the scripts shift bytes
 *                 themselves and st_list is one GETRANGE)
 *   P live        sorted set: index -> reuse_at (live while > now)
 *   P i:<idx>     hash j, s, c, x: the jti, sub and client of the index,
 *                 and its token's expires_at (x; a token issued before x
 *                 was kept counts its reuse_at)
 *   P pend        sorted set: index -> expires_at of each index set
 *                 non-VALID (possibly stale: cross() checks x): list
 *                 and gen clear the status once expires_at <= now
 *   P j:<jti>     its index; P s:<sub>, P c:<client>: sets of indexes.
 *                 (Every jti, sub and client id here is its hash, see
 *                 hash.c: Redis holds none in clear, and no chosen id
 *                 makes a key another's.)
 *                 These expire with their tokens, for tidiness only: the
 *                 scripts check `live` and P i:<idx> before trusting them.
 *   P blocked     set of blocked client ids
 *   P r:<hash of client NUL jti>  single-use ids: until, expiring after
 *
 * The range is the list's, shared: a mint with a smaller max_live than
 * another's draws in the whole range, grows it only up to its own value,
 * and refuses to issue when its own value of tokens are live.
 *
 * The caller's `now` decides, not the server's clock; only expiry for
 * tidiness uses the server's. Connection trouble (refused, timed out,
 * reset) drops the connection and answers JF_E_UNAVAILABLE; the next
 * call connects again. A connection is never used by two processes: a
 * forked child (or st_reopen) connects anew.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <hiredis/hiredis.h>

#include "state/state-int.h"

#define RDS_URL_MAX 1024
#define RDS_PREFIX_MAX 256
#define RDS_DRAWS 48            /* random draws per issue before counting */
#define RDS_ARGS 64

/* What every script starts with. ARGV: 1 prefix, 2 bits, 3 max_live,
 * 4 now, 5 ST_LIST_MIN, 6 a random epoch; then each script's own (7..).
 * The first script under a prefix records bits and the epoch; a script
 * of a mint with other bits stops with JFBITS. The epoch is gen's high
 * half: a Redis restarted empty counts gen from 0 again, and a mint's
 * cached list must not match a new list of the same count. */
#define RDS_LUA_HEAD \
"local p, bits = ARGV[1], tonumber(ARGV[2])\n" \
"local max, now, lmin = tonumber(ARGV[3]), tonumber(ARGV[4]), " \
"tonumber(ARGV[5])\n" \
"local mb = redis.call('HGET', p .. 'meta', 'bits')\n" \
"if not mb then\n" \
"  redis.call('HSET', p .. 'meta', 'bits', bits, 'epoch', ARGV[6])\n" \
"elseif tonumber(mb) ~= bits then\n" \
"  return redis.error_reply('JFBITS ' .. mb)\n" \
"end\n" \
"local function getst(i)\n" \
"  local b = i * bits\n" \
"  local o = math.floor(b / 8)\n" \
"  local s = redis.call('GETRANGE', p .. 'st', o, o)\n" \
"  if #s == 0 then return 0 end\n" \
"  return bit.band(bit.rshift(string.byte(s), b % 8), 2 ^ bits - 1)\n" \
"end\n" \
"local function putst(i, v)\n" \
"  local b = i * bits\n" \
"  local o = math.floor(b / 8)\n" \
"  local s = redis.call('GETRANGE', p .. 'st', o, o)\n" \
"  local x = 0\n" \
"  if #s == 1 then x = string.byte(s) end\n" \
"  local mask = bit.lshift(2 ^ bits - 1, b % 8)\n" \
"  x = bit.bor(bit.band(x, bit.bnot(mask)), bit.lshift(v, b % 8))\n" \
"  redis.call('SETRANGE', p .. 'st', o, string.char(bit.band(x, 255)))\n" \
"end\n" \
"local function getrange()\n" \
"  local r = tonumber(redis.call('GET', p .. 'range') or '0')\n" \
"  if r == 0 then\n" \
"    r = math.min(lmin, max)\n" \
"    redis.call('SET', p .. 'range', r)\n" \
"  end\n" \
"  return r\n" \
"end\n" \
"local function keep(k, ms)\n" \
"  if redis.call('PTTL', k) < ms then redis.call('PEXPIRE', k, ms) end\n" \
"end\n"

/* list and gen: clears the status of every token past its expires_at
 * (the index's next holder must not inherit the bit from a list cached
 * before the reuse); gen changes when one was cleared. A stale entry (the
 * index given out again since) finds a later x and is dropped: a status
 * set since has put the index back with its own x (ZADD replaces). */
#define RDS_LUA_CROSS \
"local pk = p .. 'pend'\n" \
"local due = redis.call('ZRANGEBYSCORE', pk, '-inf', now)\n" \
"if #due > 0 then\n" \
"  local changed = false\n" \
"  for _, i in ipairs(due) do\n" \
"    local x = tonumber(redis.call('HGET', p .. 'i:' .. i, 'x') or '0')\n" \
"    if x <= now and getst(tonumber(i)) ~= 0 then\n" \
"      putst(tonumber(i), 0)\n" \
"      changed = true\n" \
"    end\n" \
"  end\n" \
"  redis.call('ZREMRANGEBYSCORE', pk, '-inf', now)\n" \
"  if changed then redis.call('INCR', p .. 'gen') end\n" \
"end\n"

/* ARGV 7 reuse_at, 8 jti, 9 sub, 10 client, 11 expires_at, 12.. uniform
 * 32-bit draws.
 * Returns {idx, 0} or {-1, live} when max_live tokens are live. */
static const char rds_lua_issue[] = RDS_LUA_HEAD
"local z = p .. 'live'\n"
"local ru = tonumber(ARGV[7])\n"
"local range = getrange()\n"
"local live = redis.call('ZCARD', z)\n"
"if (live + 1) * 2 > range then\n"
"  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)\n"
"  live = redis.call('ZCARD', z)\n"
"  if (live + 1) * 2 > range and range < max then\n"
"    range = math.min(range * 2, max)\n"
"    redis.call('SET', p .. 'range', range)\n"
"    redis.call('INCR', p .. 'gen')\n"
"  end\n"
"end\n"
"if live >= max then\n"
"  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)\n"
"  live = redis.call('ZCARD', z)\n"
"end\n"
"if live >= max then return {-1, live} end\n"
/* Rejection: every free index equally likely. */
"local idx = -1\n"
"local lim = 4294967296 - 4294967296 % range\n"
"for k = 12, #ARGV do\n"
"  local r = tonumber(ARGV[k])\n"
"  if r < lim then\n"
"    local sc = redis.call('ZSCORE', z, r % range)\n"
"    if not sc or tonumber(sc) <= now then idx = r % range break end\n"
"  end\n"
"end\n"
/* Nearly full: count the free ones and take one of them. */
"if idx < 0 then\n"
"  local used, n = {}, 0\n"
"  for _, m in ipairs(redis.call('ZRANGEBYSCORE', z, '(' .. now, '+inf')) do\n"
"    used[tonumber(m)] = true\n"
"    n = n + 1\n"
"  end\n"
"  if n >= range then return {-1, n} end\n"
"  local k = tonumber(ARGV[12]) % (range - n)\n"
"  for i = 0, range - 1 do\n"
"    if not used[i] then\n"
"      if k == 0 then idx = i break end\n"
"      k = k - 1\n"
"    end\n"
"  end\n"
"end\n"
"local ms = math.max(1000, (ru - now) * 1000)\n"
"redis.call('ZADD', z, ru, idx)\n"
"if getst(idx) ~= 0 then\n"
"  putst(idx, 0)\n"
"  redis.call('INCR', p .. 'gen')\n"
"end\n"
"local rk = p .. 'i:' .. idx\n"
"redis.call('DEL', rk)\n"
"redis.call('HSET', rk, 'j', ARGV[8], 's', ARGV[9], 'c', ARGV[10],\n"
"  'x', ARGV[11])\n"
"redis.call('PEXPIRE', rk, ms)\n"
"redis.call('SET', p .. 'j:' .. ARGV[8], idx, 'PX', ms)\n"
"redis.call('SADD', p .. 's:' .. ARGV[9], idx)\n"
"keep(p .. 's:' .. ARGV[9], ms)\n"
"redis.call('SADD', p .. 'c:' .. ARGV[10], idx)\n"
"keep(p .. 'c:' .. ARGV[10], ms)\n"
"return {idx, 0}\n";

/* ARGV 7 by (j, s or c), 8 value, 9 owner ('' none), 10 status.
 * Returns how many changed. Same rule as st_may_change. */
static const char rds_lua_status[] = RDS_LUA_HEAD
"local by, val, owner, to = ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10])\n"
"local function may(cur)\n"
"  if cur == to or cur == 1 then return false end\n"
"  if to == 2 then return cur == 0 end\n"
"  if to == 0 then return cur == 2 end\n"
"  return to == 1\n"
"end\n"
"local cands = {}\n"
"if by == 'j' then\n"
"  local i = redis.call('GET', p .. 'j:' .. val)\n"
"  if i then cands = {i} end\n"
"else\n"
"  cands = redis.call('SMEMBERS', p .. by .. ':' .. val)\n"
"end\n"
"local n = 0\n"
"for _, i in ipairs(cands) do\n"
"  local sc = redis.call('ZSCORE', p .. 'live', i)\n"
"  local h = redis.call('HMGET', p .. 'i:' .. i, by, 'c', 'x')\n"
"  local x = tonumber(h[3] or sc or '0')\n"
"  if sc and tonumber(sc) > now and h[1] == val then\n"
/* Past expires_at: no verifier accepts it; nothing to do. */
"    if (owner == '' or h[2] == owner) and x > now then\n"
"      local cur = getst(tonumber(i))\n"
"      if may(cur) then\n"
"        putst(tonumber(i), to)\n"
"        if to ~= 0 then redis.call('ZADD', p .. 'pend', x, i) end\n"
"        n = n + 1\n"
"      end\n"
"    end\n"
"  elseif by ~= 'j' then\n"
"    redis.call('SREM', p .. by .. ':' .. val, i)\n"
"  end\n"
"end\n"
"if n > 0 then redis.call('INCR', p .. 'gen') end\n"
"return n\n";

/* ARGV 7 the pair's hash, 8 until. 1: a replay; 0: remembered. */
static const char rds_lua_replay[] = RDS_LUA_HEAD
"local k = p .. 'r:' .. ARGV[7]\n"
"local u = tonumber(ARGV[8])\n"
"local v = redis.call('GET', k)\n"
"if v and tonumber(v) >= now then return 1 end\n"
"redis.call('SET', k, u, 'PX', math.max(1000, (u - now + 1) * 1000))\n"
"return 0\n";

/* {range, gen, the status bytes of [0, range), epoch} */
static const char rds_lua_list[] = RDS_LUA_HEAD RDS_LUA_CROSS
"local range = getrange()\n"
"local gen = redis.call('GET', p .. 'gen') or '0'\n"
"local e = math.ceil(range * bits / 8) - 1\n"
"return {range, gen, redis.call('GETRANGE', p .. 'st', 0, e),\n"
"  redis.call('HGET', p .. 'meta', 'epoch') or '0'}\n";

/* {gen, epoch}: st_list's generation without the statuses. getrange()
 * first, as st_list: a list never listed gets its range (no change). */
static const char rds_lua_gen[] = RDS_LUA_HEAD RDS_LUA_CROSS
"getrange()\n"
"return {redis.call('GET', p .. 'gen') or '0',\n"
"  redis.call('HGET', p .. 'meta', 'epoch') or '0'}\n";

/* {live, range} */
static const char rds_lua_count[] = RDS_LUA_HEAD
"return {redis.call('ZCOUNT', p .. 'live', '(' .. now, '+inf'), getrange()}\n";

/* On each connection: the head checks bits. */
static const char rds_lua_init[] = RDS_LUA_HEAD
"return bits\n";

enum { RDS_ISSUE, RDS_STATUS, RDS_REPLAY, RDS_LIST, RDS_COUNT, RDS_INIT,
	RDS_GEN, RDS__N };

static const char *const rds_lua[RDS__N] = {
	rds_lua_issue, rds_lua_status, rds_lua_replay, rds_lua_list,
	rds_lua_count, rds_lua_init, rds_lua_gen,
};

struct rds {
	redisContext *c;
	pid_t pid;              /* the process c belongs to */
	int connecting;         /* in rds_connect: no retry inside it */
	char host[256], sock[256];
	int port, db;
	char user[128], pass[256];
	char where[300];        /* for messages: never the password */
	char prefix[RDS_PREFIX_MAX + 1];
	char sha[RDS__N][41];
	long timeout_ms;
	uint32_t max_live, epoch;
	int bits;
};

struct rds_args {
	int n;
	const char *v[RDS_ARGS];
	size_t l[RDS_ARGS];
	char num[RDS_ARGS][24];
};

static enum jf_err rds_parse(struct rds *r, const char *url,
	struct jf_msg *m);
static int rds_unpct(char *out, size_t cap, const char *s, size_t n);
static enum jf_err rds_connect(struct rds *r, struct jf_msg *m);
static enum jf_err rds_connect1(struct rds *r, struct jf_msg *m);
static enum jf_err rds_err(struct rds *r, redisReply **y,
	struct jf_msg *m);
static void rds_drop(struct rds *r);
static enum jf_err rds_raw(struct rds *r, struct rds_args *a,
	redisReply **out, struct jf_msg *m);
static enum jf_err rds_cmd(struct rds *r, struct rds_args *a,
	redisReply **out, struct jf_msg *m);
static enum jf_err rds_eval(struct rds *r, int script, struct rds_args *a,
	int64_t now, redisReply **out, struct jf_msg *m);
static void rds_s(struct rds_args *a, const char *s);
static void rds_i(struct rds_args *a, int64_t v);

static void
rds_s(struct rds_args *a, const char *s)
{
	if (a->n >= RDS_ARGS)
		return;
	a->v[a->n] = s;
	a->l[a->n] = strlen(s);
	a->n++;
}

static void
rds_i(struct rds_args *a, int64_t v)
{
	if (a->n >= RDS_ARGS)
		return;
	snprintf(a->num[a->n], sizeof(a->num[0]), "%lld", (long long)v);
	rds_s(a, a->num[a->n]);
}

/* Percent-decoding of the URL's user and password; -1 on a bad escape,
 * a NUL or no room. */
static int
rds_unpct(char *out, size_t cap, const char *s, size_t n)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (o + 1 >= cap)
			return -1;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]) ||
		    sscanf(s + i + 1, "%2x", &v) != 1 || v == 0)
			return -1;
		out[o++] = (char)v;
		i += 2;
	}
	out[o] = '\0';
	return 0;
}

/* redis://[user[:password]@]host[:port][/db] or unix:/path[?db=N]. */
static enum jf_err
rds_parse(struct rds *r, const char *url, struct jf_msg *m)
{
	const char *s, *at, *e, *hs, *he, *colon;
	char *end;
	long v;

	if (strlen(url) > RDS_URL_MAX)
		return jf_fail(m, JF_E_CONFIG, "state: URL longer than %d "
		    "bytes", RDS_URL_MAX);
	r->port = 6379;
	r->db = 0;
	if (strncmp(url, "unix:", 5) == 0) {
		s = url + 5;
		e = strchr(s, '?');
		if (s[0] != '/' || (size_t)((e ? e : s + strlen(s)) - s) >=
		    sizeof(r->sock))
			return jf_fail(m, JF_E_CONFIG, "state: expected "
			    "unix:/absolute/path[?db=N]");
		snprintf(r->sock, sizeof(r->sock), "%.*s",
		    (int)((e ? e : s + strlen(s)) - s), s);
		if (e != NULL) {
			if (strncmp(e, "?db=", 4) != 0 ||
			    !isdigit((unsigned char)e[4]))
				return jf_fail(m, JF_E_CONFIG, "state: %s: "
				    "expected ?db=N after the path", r->sock);
			v = strtol(e + 4, &end, 10);
			if (*end != '\0' || v > 65535)
				return jf_fail(m, JF_E_CONFIG, "state: %s: "
				    "db: expected 0 to 65535", r->sock);
			r->db = (int)v;
		}
		snprintf(r->where, sizeof(r->where), "redis at unix:%s",
		    r->sock);
		return JF_OK;
	}
	if (strncmp(url, "rediss://", 9) == 0)
		return jf_fail(m, JF_E_CONFIG, "state: rediss:// (TLS) is not "
		    "supported: use a unix socket or a loopback tunnel");
	if (strncmp(url, "redis://", 8) != 0)
		return jf_fail(m, JF_E_CONFIG, "state: expected empty (the "
		    "embedded file), redis://[user:password@]host[:port][/db] "
		    "or unix:/path[?db=N]");
	s = url + 8;
	e = s + strcspn(s, "/?#");
	at = memchr(s, '@', (size_t)(e - s));
	/* The password may hold '@' only percent-encoded: take the last. */
	while (at != NULL && memchr(at + 1, '@', (size_t)(e - at - 1)) != NULL)
		at = memchr(at + 1, '@', (size_t)(e - at - 1));
	if (at != NULL) {
		colon = memchr(s, ':', (size_t)(at - s));
		if (colon == NULL)
			colon = at;     /* user alone */
		if (rds_unpct(r->user, sizeof(r->user), s,
		    (size_t)(colon - s)) != 0 ||
		    (colon < at && rds_unpct(r->pass, sizeof(r->pass),
		    colon + 1, (size_t)(at - colon - 1)) != 0))
			return jf_fail(m, JF_E_CONFIG, "state: redis URL: bad "
			    "user or password (percent-encode reserved "
			    "characters)");
		if (r->pass[0] == '\0' && r->user[0] != '\0')
			return jf_fail(m, JF_E_CONFIG, "state: redis URL: a "
			    "user needs a password (user:password@)");
		hs = at + 1;
	} else
		hs = s;
	if (*hs == '[') {
		he = memchr(hs, ']', (size_t)(e - hs));
		if (he == NULL)
			return jf_fail(m, JF_E_CONFIG, "state: redis URL: "
			    "unclosed [");
		snprintf(r->host, sizeof(r->host), "%.*s",
		    (int)(he - hs - 1), hs + 1);
		he++;
	} else {
		he = hs + strcspn(hs, ":/?#");
		if (he > e)
			he = e;
		snprintf(r->host, sizeof(r->host), "%.*s", (int)(he - hs), hs);
	}
	if (r->host[0] == '\0' || (size_t)(he - hs) >= sizeof(r->host))
		return jf_fail(m, JF_E_CONFIG, "state: redis URL: no host");
	if (he < e && *he == ':') {
		v = strtol(he + 1, &end, 10);
		if (end == he + 1 || end != e || v < 1 || v > 65535)
			return jf_fail(m, JF_E_CONFIG, "state: redis URL: "
			    "port: expected 1 to 65535");
		r->port = (int)v;
	} else if (he != e)
		return jf_fail(m, JF_E_CONFIG, "state: redis URL: unexpected "
		    "characters after the host");
	if (*e == '/' && e[1] != '\0') {
		v = strtol(e + 1, &end, 10);
		if (!isdigit((unsigned char)e[1]) || *end != '\0' || v > 65535)
			return jf_fail(m, JF_E_CONFIG, "state: redis URL: db: "
			    "expected /0 to /65535");
		r->db = (int)v;
	} else if (*e != '\0' && strcmp(e, "/") != 0)
		return jf_fail(m, JF_E_CONFIG, "state: redis URL: no query or "
		    "fragment expected");
	snprintf(r->where, sizeof(r->where), "redis at %s:%d", r->host,
	    r->port);
	return JF_OK;
}

static void
rds_drop(struct rds *r)
{
	/* Closes our descriptor only: a parent's copy stays open. */
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
}

/* One command on the open connection. An error reply comes back to the
 * caller (NOSCRIPT); a lost connection is dropped. */
static enum jf_err
rds_raw(struct rds *r, struct rds_args *a, redisReply **out,
	struct jf_msg *m)
{
	static const struct timespec zero = { 0, 0 };
	redisReply *y;
	sigset_t pipe, old;

	*out = NULL;
	/* A server gone since the last call makes the write EPIPE, which
	 * must not kill a caller that did not ignore SIGPIPE (the CLI):
	 * block it, and take a SIGPIPE this write raised before unblocking. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	y = redisCommandArgv(r->c, a->n, a->v, a->l);
	if (!sigismember(&old, SIGPIPE)) {
		while (sigtimedwait(&pipe, NULL, &zero) > 0)
			;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (y == NULL) {
		jf_fail(m, JF_E_UNAVAILABLE, "%s: %s", r->where,
		    r->c->errstr[0] ? r->c->errstr : "no answer");
		rds_drop(r);
		return JF_E_UNAVAILABLE;
	}
	*out = y;
	return JF_OK;
}

static enum jf_err
rds_connect(struct rds *r, struct jf_msg *m)
{
	enum jf_err rc;

	r->connecting = 1;
	rc = rds_connect1(r, m);
	r->connecting = 0;
	return rc;
}

static enum jf_err
rds_connect1(struct rds *r, struct jf_msg *m)
{
	struct timeval tv;
	struct rds_args a;
	redisReply *y = NULL;
	enum jf_err rc;

	tv.tv_sec = r->timeout_ms / 1000;
	tv.tv_usec = (r->timeout_ms % 1000) * 1000;
	rds_drop(r);
	r->c = r->sock[0] ? redisConnectUnixWithTimeout(r->sock, tv) :
	    redisConnectWithTimeout(r->host, r->port, tv);
	if (r->c == NULL)
		return JF_E_NOMEM;
	r->pid = getpid();
	if (r->c->err) {
		rc = jf_fail(m, JF_E_UNAVAILABLE, "%s: %s", r->where,
		    r->c->errstr);
		rds_drop(r);
		return rc;
	}
	if (redisSetTimeout(r->c, tv) != REDIS_OK) {
		rds_drop(r);
		return jf_fail(m, JF_E_INTERNAL, "%s: cannot set a timeout",
		    r->where);
	}
	if (r->pass[0] != '\0') {
		memset(&a, 0, sizeof(a));
		rds_s(&a, "AUTH");
		if (r->user[0] != '\0')
			rds_s(&a, r->user);
		rds_s(&a, r->pass);
		if ((rc = rds_raw(r, &a, &y, m)) != JF_OK)
			return rc;
		if (y->type == REDIS_REPLY_ERROR) {
			rc = jf_fail(m, JF_E_CONFIG, "%s: AUTH refused: "
			    "%.120s", r->where, y->str);
			goto fail;
		}
		freeReplyObject(y);
		y = NULL;
	}
	if (r->db != 0) {
		memset(&a, 0, sizeof(a));
		rds_s(&a, "SELECT");
		rds_i(&a, r->db);
		if ((rc = rds_raw(r, &a, &y, m)) != JF_OK)
			return rc;
		if (y->type == REDIS_REPLY_ERROR) {
			rc = jf_fail(m, JF_E_CONFIG, "%s: SELECT %d "
			    "refused: %.120s", r->where, r->db, y->str);
			goto fail;
		}
		freeReplyObject(y);
		y = NULL;
	}
	memset(&a, 0, sizeof(a));
	if ((rc = rds_eval(r, RDS_INIT, &a, 0, &y, m)) != JF_OK) {
		rds_drop(r);
		return rc;
	}
	freeReplyObject(y);
	return JF_OK;
fail:
	freeReplyObject(y);
	rds_drop(r);
	return rc;
}

/* An error reply as our error: another status_bits under the prefix is
 * the configuration's fault, anything else the server's. Frees it. */
static enum jf_err
rds_err(struct rds *r, redisReply **y, struct jf_msg *m)
{
	enum jf_err rc;

	if (strncmp((*y)->str, "JFBITS ", 7) == 0)
		rc = jf_fail(m, JF_E_CONFIG, "%s: the list under prefix "
		    "\"%.64s\" has status_bits = %.8s, configured: %d",
		    r->where, r->prefix, (*y)->str + 7, r->bits);
	else
		rc = jf_fail(m, JF_E_UNAVAILABLE, "%s: %.160s", r->where,
		    (*y)->str);
	freeReplyObject(*y);
	*y = NULL;
	return rc;
}

/* Connected (again, in a new process or after a loss), then one
 * command; an error reply but NOSCRIPT is an error. A connection that
 * answered before may have been closed since (the server's idle
 * timeout, a restart): the command is tried once more on a new one. A
 * command the server ran before the connection broke may so run twice:
 * an index is then held until its reuse_at, an assertion id refused as
 * used; either is safe. */
static enum jf_err
rds_cmd(struct rds *r, struct rds_args *a, redisReply **out,
	struct jf_msg *m)
{
	enum jf_err rc;
	int fresh = 0;

	*out = NULL;
	if (r->c != NULL && r->pid != getpid())
		rds_drop(r);
	if (r->c == NULL) {
		if ((rc = rds_connect(r, m)) != JF_OK)
			return rc;
		fresh = 1;
	}
	rc = rds_raw(r, a, out, m);
	if (rc == JF_E_UNAVAILABLE && !fresh && !r->connecting) {
		if ((rc = rds_connect(r, m)) != JF_OK)
			return rc;
		rc = rds_raw(r, a, out, m);
	}
	if (rc != JF_OK)
		return rc;
	if ((*out)->type == REDIS_REPLY_ERROR &&
	    strncmp((*out)->str, "NOSCRIPT", 8) != 0)
		return rds_err(r, out, m);
	return JF_OK;
}

/* EVALSHA, and EVAL the first time a server has not seen the script.
 * a holds the script's own ARGV (from 6 on); the head is put first. */
static enum jf_err
rds_eval(struct rds *r, int script, struct rds_args *a, int64_t now,
	redisReply **out, struct jf_msg *m)
{
	struct rds_args b;
	enum jf_err rc;
	int i;

	memset(&b, 0, sizeof(b));
	rds_s(&b, "EVALSHA");
	rds_s(&b, r->sha[script]);
	rds_s(&b, "0");
	rds_s(&b, r->prefix);
	rds_i(&b, r->bits);
	rds_i(&b, r->max_live);
	rds_i(&b, now);
	rds_i(&b, ST_LIST_MIN);
	rds_i(&b, r->epoch);
	for (i = 0; i < a->n && b.n < RDS_ARGS; i++) {
		b.v[b.n] = a->v[i];
		b.l[b.n] = a->l[i];
		b.n++;
	}
	if ((rc = rds_cmd(r, &b, out, m)) != JF_OK)
		return rc;
	if ((*out)->type == REDIS_REPLY_ERROR &&
	    strncmp((*out)->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(*out);
		*out = NULL;
		b.v[0] = "EVAL";
		b.l[0] = 4;
		b.v[1] = rds_lua[script];
		b.l[1] = strlen(rds_lua[script]);
		if ((rc = rds_raw(r, &b, out, m)) != JF_OK)
			return rc;
	}
	if ((*out)->type == REDIS_REPLY_ERROR)
		return rds_err(r, out, m);
	return JF_OK;
}

enum jf_err
rds_open(struct rds **out, const struct st_opts *o, struct jf_msg *m)
{
	struct rds *r;
	unsigned char d[20];
	enum jf_err rc;
	int i, k;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return JF_E_NOMEM;
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 2000;
	r->max_live = o->max_live;
	r->bits = o->bits;
	if ((rc = rds_parse(r, o->url, m)) != JF_OK)
		goto fail;
	if (strlen(o->prefix ? o->prefix : "jf:") > RDS_PREFIX_MAX) {
		rc = jf_fail(m, JF_E_CONFIG, "state: key prefix longer than "
		    "%d bytes", RDS_PREFIX_MAX);
		goto fail;
	}
	snprintf(r->prefix, sizeof(r->prefix), "%s",
	    o->prefix ? o->prefix : "jf:");
	if (gnutls_rnd(GNUTLS_RND_NONCE, &r->epoch, sizeof(r->epoch)) != 0) {
		rc = jf_fail(m, JF_E_INTERNAL, "random numbers failed");
		goto fail;
	}
	for (i = 0; i < RDS__N; i++) {
		if (gnutls_hash_fast(GNUTLS_DIG_SHA1, rds_lua[i],
		    strlen(rds_lua[i]), d) != 0) {
			rc = jf_fail(m, JF_E_INTERNAL, "SHA-1 failed");
			goto fail;
		}
		for (k = 0; k < 20; k++)
			snprintf(r->sha[i] + 2 * k, 3, "%02x", d[k]);
	}
	/* Reachable now or not, the handle is made (each call connects
	 * again); only what no retry can fix is fatal here. */
	rc = rds_connect(r, m);
	if (rc != JF_OK && rc != JF_E_UNAVAILABLE)
		goto fail;
	*out = r;
	return JF_OK;
fail:
	rds_free(r);
	return rc;
}

enum jf_err
rds_reopen(struct rds *r, struct jf_msg *m)
{
	rds_drop(r);
	return rds_connect(r, m);
}

void
rds_free(struct rds *r)
{
	if (r == NULL)
		return;
	rds_drop(r);
	gnutls_memset(r->pass, 0, sizeof(r->pass));
	free(r);
}

enum jf_err
rds_issue(struct rds *r, const struct st_token *t, int64_t now,
	uint32_t *idx, struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	uint32_t rnd[RDS_DRAWS];
	char j[2 * ST_HASH + 1], sub[2 * ST_HASH + 1], c[2 * ST_HASH + 1];
	enum jf_err rc;
	int k;

	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0)
		return jf_fail(m, JF_E_INTERNAL, "random numbers failed");
	if ((rc = st_hash_hex(t->jti, NULL, j, m)) != JF_OK ||
	    (rc = st_hash_hex(t->sub, NULL, sub, m)) != JF_OK ||
	    (rc = st_hash_hex(t->client, NULL, c, m)) != JF_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	rds_i(&a, t->reuse_at);
	rds_s(&a, j);
	rds_s(&a, sub);
	rds_s(&a, c);
	rds_i(&a, t->expires_at);
	for (k = 0; k < RDS_DRAWS; k++)
		rds_i(&a, rnd[k]);
	if ((rc = rds_eval(r, RDS_ISSUE, &a, now, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_ARRAY || y->elements != 2 ||
	    y->element[0]->type != REDIS_REPLY_INTEGER ||
	    y->element[0]->integer >= (long long)SLIST_MAX_STATUSES) {
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "issue", r->where);
		goto out;
	}
	if (y->element[0]->integer < 0) {
		rc = jf_fail(m, JF_E_UNAVAILABLE, "state: %u live tokens, "
		    "max_live_tokens: no index free until one expires",
		    r->max_live);
		goto out;
	}
	*idx = (uint32_t)y->element[0]->integer;
out:
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_set_status(struct rds *r, enum st_by by, const char *value,
	const char *owner, int status, int64_t now, size_t *n,
	struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	char v[2 * ST_HASH + 1], o[2 * ST_HASH + 1] = "";
	enum jf_err rc;

	if ((rc = st_hash_hex(value, NULL, v, m)) != JF_OK ||
	    (owner != NULL && (rc = st_hash_hex(owner, NULL, o, m)) != JF_OK))
		return rc;
	memset(&a, 0, sizeof(a));
	rds_s(&a, by == ST_BY_JTI ? "j" : by == ST_BY_SUB ? "s" : "c");
	rds_s(&a, v);
	rds_s(&a, o);
	rds_i(&a, status);
	if ((rc = rds_eval(r, RDS_STATUS, &a, now, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_INTEGER || y->integer < 0)
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "status", r->where);
	else
		*n = (size_t)y->integer;
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_block(struct rds *r, const char *client, int blocked, struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	char k[RDS_PREFIX_MAX + 16], c[2 * ST_HASH + 1];
	enum jf_err rc;

	if ((rc = st_hash_hex(client, NULL, c, m)) != JF_OK)
		return rc;
	snprintf(k, sizeof(k), "%sblocked", r->prefix);
	memset(&a, 0, sizeof(a));
	rds_s(&a, blocked ? "SADD" : "SREM");
	rds_s(&a, k);
	rds_s(&a, c);
	if ((rc = rds_cmd(r, &a, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_INTEGER)
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "block", r->where);
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_blocked(struct rds *r, const char *client, int *blocked,
	struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	char k[RDS_PREFIX_MAX + 16], c[2 * ST_HASH + 1];
	enum jf_err rc;

	if ((rc = st_hash_hex(client, NULL, c, m)) != JF_OK)
		return rc;
	snprintf(k, sizeof(k), "%sblocked", r->prefix);
	memset(&a, 0, sizeof(a));
	rds_s(&a, "SISMEMBER");
	rds_s(&a, k);
	rds_s(&a, c);
	if ((rc = rds_cmd(r, &a, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_INTEGER)
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "blocked", r->where);
	else
		*blocked = y->integer != 0;
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_replay(struct rds *r, const char *client, const char *jti,
	int64_t until, int64_t now, struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	char k[2 * ST_HASH + 1];
	enum jf_err rc;

	if ((rc = st_hash_hex(client, jti, k, m)) != JF_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	rds_s(&a, k);
	rds_i(&a, until);
	if ((rc = rds_eval(r, RDS_REPLAY, &a, now, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_INTEGER)
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "replay", r->where);
	else if (y->integer != 0)
		rc = jf_fail(m, JF_E_INVALID_CLIENT, "jti already used "
		    "(assertions are single-use)");
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_list(struct rds *r, int64_t now, unsigned char **bytes, size_t *nbytes,
	uint32_t *n, uint64_t *gen, struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	unsigned char *b;
	size_t len;
	long long range;
	enum jf_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = rds_eval(r, RDS_LIST, &a, now, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_ARRAY || y->elements != 4 ||
	    y->element[0]->type != REDIS_REPLY_INTEGER ||
	    y->element[1]->type != REDIS_REPLY_STRING ||
	    y->element[2]->type != REDIS_REPLY_STRING ||
	    y->element[3]->type != REDIS_REPLY_STRING ||
	    (range = y->element[0]->integer) < 1 ||
	    range > (long long)SLIST_MAX_STATUSES) {
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "list", r->where);
		goto out;
	}
	len = ((size_t)range * (size_t)r->bits + 7) / 8;
	if (y->element[2]->len > len) {
		rc = jf_fail(m, JF_E_INTERNAL, "%s: status bytes past the "
		    "range", r->where);
		goto out;
	}
	/* Bytes never written are VALID statuses. */
	if ((b = calloc(1, len)) == NULL) {
		rc = JF_E_NOMEM;
		goto out;
	}
	memcpy(b, y->element[2]->str, y->element[2]->len);
	*bytes = b;
	*nbytes = len;
	*n = (uint32_t)range;
	*gen = strtoull(y->element[3]->str, NULL, 10) << 32 |
	    (strtoull(y->element[1]->str, NULL, 10) & 0xffffffffu);
out:
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_gen(struct rds *r, int64_t now, uint64_t *gen, struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	enum jf_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = rds_eval(r, RDS_GEN, &a, now, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_ARRAY || y->elements != 2 ||
	    y->element[0]->type != REDIS_REPLY_STRING ||
	    y->element[1]->type != REDIS_REPLY_STRING)
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "gen", r->where);
	else
		*gen = strtoull(y->element[1]->str, NULL, 10) << 32 |
		    (strtoull(y->element[0]->str, NULL, 10) & 0xffffffffu);
	freeReplyObject(y);
	return rc;
}

enum jf_err
rds_count(struct rds *r, int64_t now, uint32_t *live, uint32_t *range,
	struct jf_msg *m)
{
	struct rds_args a;
	redisReply *y = NULL;
	enum jf_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = rds_eval(r, RDS_COUNT, &a, now, &y, m)) != JF_OK)
		return rc;
	if (y->type != REDIS_REPLY_ARRAY || y->elements != 2 ||
	    y->element[0]->type != REDIS_REPLY_INTEGER ||
	    y->element[1]->type != REDIS_REPLY_INTEGER)
		rc = jf_fail(m, JF_E_INTERNAL, "%s: unexpected answer to "
		    "count", r->where);
	else {
		*live = (uint32_t)y->element[0]->integer;
		*range = (uint32_t)y->element[1]->integer;
	}
	freeReplyObject(y);
	return rc;
}

#!/bin/bash
# run-mint.sh - jwt-mint.fcgi's throughput behind lighttpd over mTLS
# keep-alive, beside a trivial FastCGI responder in the same run.
#
# One lighttpd with the shipped conf/lighttpd/50-jwt-mint.conf (the PKI,
# keys and registry of tests/helpers/mint.bash), and on the same
# client-certificate socket a second FastCGI responder:
#   a  POST /trivial/token  fcgi-echo --allow: 200, no body, spawned by
#                           lighttpd with max-procs = the mint's workers;
#   b  POST /mint/token     grant_type=client_credentials with the
#                           "billing" client certificate: 200 and an
#                           ES256 access token.
# Both rows use the same client, bench/mint-load.mjs (node: wrk cannot
# present a client certificate): BENCH_CONNS requests in flight, each on
# its own keep-alive TLS connection, a BENCH_WARMUP s warm-up and then
# BENCH_DURATION s measured. Every answer must be 200 (and for b carry an
# access_token); any other answer or failed request fails the run.
#
# Rewrites the section between the mint-lighttpd markers of
# doc/benchmarks.md. Loopback only; about 35 s. Run as `make bench-mint`, or:
#   JF_BUILDDIR=/path/to/build bench/run-mint.sh
# Rows c, d: the same with a client secret on a TLS socket without client
# certificates; rows e, f: node oidc-provider (one process, then a
# cluster of BENCH_WORKERS), when `npm ci --prefix bench/node` installed it.
# BENCH_ROUNDS more rounds of every row, interleaved, give the ratios.
# Knobs (recorded in the doc): BENCH_CONNS, BENCH_DURATION, BENCH_WARMUP,
# BENCH_WORKERS, BENCH_MINT_LOG_LEVEL (info: one audit line per token, as
# shipped); BENCH_DOC writes elsewhere.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

SRCDIR=${JF_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${JF_BUILDDIR:-$SRCDIR}
export JF_SRCDIR=$SRCDIR JF_BUILDDIR=$BUILDDIR
DOC=${BENCH_DOC:-$SRCDIR/doc/benchmarks.md}
CONNS=${BENCH_CONNS:-16}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
WORKERS=${BENCH_WORKERS:-2}
LOG_LEVEL=${BENCH_MINT_LOG_LEVEL:-info}
MARK_BEGIN='<!-- mint-lighttpd:begin -->'
MARK_END='<!-- mint-lighttpd:end -->'
LOAD=$SRCDIR/bench/mint-load.mjs
BODY=grant_type=client_credentials

# shellcheck source=../tests/helpers/common.bash
. "$SRCDIR/tests/helpers/common.bash"
. "$SRCDIR/tests/helpers/pki.bash"
. "$SRCDIR/tests/helpers/mint.bash"
. "$SRCDIR/tests/helpers/redis.bash"

die() {
	echo "run-mint.sh: $*" >&2
	if [ -n "${TMP:-}" ] && [ -s "$TMP/lighttpd.error.log" ]; then
		echo "run-mint.sh: the end of lighttpd's error log:" >&2
		tail -n 10 "$TMP/lighttpd.error.log" >&2
	fi
	exit 1
}

for c in lighttpd node curl certtool jq awk ps pgrep; do
	command -v "$c" >/dev/null || die "$c not installed"
done
for p in jwt-fcgi jwt-mint.fcgi tests/helpers/fcgi-echo; do
	[ -x "$BUILDDIR/$p" ] ||
		die "$BUILDDIR/$p not built (make jwt-fcgi jwt-mint.fcgi tests/helpers/fcgi-echo)"
done
case $LOG_LEVEL in error|warn|info|debug) ;; *) die "BENCH_MINT_LOG_LEVEL: $LOG_LEVEL" ;; esac
MINT=$BUILDDIR/jwt-mint.fcgi
ECHO=$BUILDDIR/tests/helpers/fcgi-echo

START=$SECONDS
# Other work on the machine shows in every number: record how busy it was.
LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l > 0.5) }'; then
	echo "run-mint.sh: warning: 1-min load average is $LOAD_BEFORE; numbers will be noisy" >&2
fi
TMP=$(mktemp -d /tmp/jf-bench-mint.XXXXXX)
DIR=$TMP

cleanup() {
	stop_daemon "$TMP/lighttpd.pid"
	stop_daemon "$TMP/op1.pid"
	stop_daemon "$TMP/op2.pid"
	stop_daemon "$TMP/redis/redis.pid"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PKI, keys, registry, mint.conf (as tests/mint_lighttpd.bats) ----------

mint_fixture "$TMP" >"$TMP/fixture.log" 2>&1 ||
	die "fixture failed: $(tail -n 5 "$TMP/fixture.log")"
free_port PORT && free_port MTLS_PORT && free_port TLS_PORT ||
	die "no free loopback port"
ISSUER=https://127.0.0.1:$MTLS_PORT/mint
mint_confs "$TMP"
sed -i "s/^log_level = .*/log_level = $LOG_LEVEL/" "$TMP/mint.conf"

# The shipped snippet, its settings overridden the documented way, and
# the trivial responder mounted beside it (fastcgi.server is global, so
# it answers on the mTLS socket too). The mint runs a supervisor and
# WORKERS workers; the trivial responder WORKERS processes.
cat >"$TMP/jwt-mint.local.conf" <<EOF
var.jwt_mint_bin := "$MINT"
var.jwt_mint_conf := "$TMP/mint.conf"
var.jwt_mint_workers := $WORKERS
# Not left "": the snippet appends it after a space, and lighttpd then
# passes an empty last argument, which jwt-mint.fcgi refuses. 2 is the
# default interval.
var.jwt_mint_options := "--watch-interval 2"
var.jwt_mint_socket := "$TMP/mint.sock"
var.jwt_mint_listen := "127.0.0.1:$MTLS_PORT"
var.jwt_mint_pemfile := "$TMP/pki/server.pem"
var.jwt_mint_privkey := "$TMP/pki/server.key"
var.jwt_mint_client_ca := "$TMP/pki/ca.pem"
EOF
cat >"$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/htdocs"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$TMP/lighttpd.error.log"
server.modules = ( "mod_rewrite", "mod_setenv", "mod_fastcgi", "mod_openssl" )
server.max-keep-alive-requests = 100000
include "$SRCDIR/conf/lighttpd/50-jwt-mint.conf"
fastcgi.server += (
	"/trivial/" => ((
		"bin-path" => "$ECHO --allow",
		"socket" => "$TMP/trivial.sock",
		"check-local" => "disable",
		"max-procs" => $WORKERS,
	)),
)
EOF
# Row g: the same mint, its state in Redis (state = redis://...), on
# /mint-r/ beside the embedded one: what shared state costs per token.
REDIS_ROW=
if command -v redis-server >/dev/null && start_redis "$TMP/redis" >/dev/null 2>&1; then
	REDIS_ROW=g
	sed '/^state *=/d' "$TMP/mint.conf" >"$TMP/mint-redis.conf"
	echo "state = $REDIS_URL" >>"$TMP/mint-redis.conf"
	chmod 600 "$TMP/mint-redis.conf"
	cat >>"$TMP/lighttpd.conf" <<EOF
fastcgi.server += (
	"/mint-r/" => ((
		"bin-path" => "$MINT -c $TMP/mint-redis.conf --workers $WORKERS",
		"socket" => "$TMP/mint-r.sock",
		"check-local" => "disable",
		"max-procs" => 1,
	)),
)
EOF
fi
# A TLS socket that asks for no certificate, for the client-secret rows
# (c, d): the same responders, fastcgi.server being global.
cat >>"$TMP/lighttpd.conf" <<EOF
\$SERVER["socket"] == "127.0.0.1:$TLS_PORT" {
	ssl.engine = "enable"
	ssl.pemfile = "$TMP/pki/server.pem"
	ssl.privkey = "$TMP/pki/server.key"
}
EOF
mkdir -p "$TMP/htdocs"
lighttpd -tt -f "$TMP/lighttpd.conf" >"$TMP/lighttpd-tt.log" 2>&1 ||
	die "lighttpd rejects $TMP/lighttpd.conf: $(cat "$TMP/lighttpd-tt.log")"
start_daemon "$TMP" lighttpd lighttpd -D -f "$TMP/lighttpd.conf"
LPID=$(cat "$TMP/lighttpd.pid")
wait_for_port "$MTLS_PORT" 10 "$TMP/lighttpd.pid" ||
	die "lighttpd: $(cat "$TMP/lighttpd.log" "$TMP/lighttpd.error.log" 2>/dev/null)"

URL_A=https://127.0.0.1:$MTLS_PORT/trivial/token
URL_B=https://127.0.0.1:$MTLS_PORT/mint/token
CERT=(--cacert "$TMP/pki/ca.pem" --cert "$TMP/pki/billing.pem" --key "$TMP/pki/billing.key")

# Both must answer 200 before anything is measured; the mint with a
# token for billing.
code=$(curl -sS --max-time 5 "${CERT[@]}" -o "$TMP/a.body" -w '%{http_code}' \
	-d "$BODY" "$URL_A") || die "curl $URL_A failed"
[ "$code" = 200 ] || die "$URL_A: $code, expected 200"
code=$(curl -sS --max-time 5 "${CERT[@]}" -o "$TMP/b.body" -w '%{http_code}' \
	-d "$BODY" "$URL_B") || die "curl $URL_B failed"
[ "$code" = 200 ] || die "$URL_B: $code, expected 200: $(head -c 300 "$TMP/b.body")"
jq -e '.token_type == "Bearer" and (.access_token | length > 0)' \
	"$TMP/b.body" >/dev/null || die "$URL_B: no token: $(head -c 300 "$TMP/b.body")"
TOKEN_BYTES=$(jq -r '.access_token | length' "$TMP/b.body")
# Without a client certificate the socket refuses the handshake: the
# rows below really measure mTLS.
if curl -sS --max-time 5 --cacert "$TMP/pki/ca.pem" -o /dev/null -d "$BODY" \
	"$URL_B" 2>/dev/null; then
	die "$URL_B answered a client without a certificate"
fi

# The embedded-state mint: not row g's (its command line names mint-redis.conf).
MSUP=$(for p in $(pgrep -P "$LPID" -f jwt-mint.fcgi); do
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -q mint-redis.conf || echo "$p"
done)
[ -n "$MSUP" ] || die "no jwt-mint.fcgi under lighttpd"
BACKENDS="$(pgrep -P "$LPID" | tr '\n' ' ')$(pgrep -P "$MSUP" | tr '\n' ' ')"
NTRIV=$(pgrep -P "$LPID" -f fcgi-echo | wc -l)
NMW=$(pgrep -P "$MSUP" | wc -l)
[ "$NTRIV" = "$WORKERS" ] && [ "$NMW" = "$WORKERS" ] ||
	die "expected $WORKERS processes each: fcgi-echo $NTRIV, mint workers $NMW"

# --- measure -------------------------------------------------------------------

declare -A R
# measure NAME URL [mint-load ARGS...]: warm-up, then the measured run,
# whose JSON line goes to R[NAME]; any bad answer fails the run.
measure() {
	local name=$1 url=$2 who
	shift 2
	# Rows c and d: the "worker" service's client secret, no certificate.
	case $name in
	c* | d* | e* | f* | g*) who=(--basic "worker:$(cat "$TMP/worker.secret")") ;;
	*) who=(--cert "$TMP/pki/billing.pem" --key "$TMP/pki/billing.key") ;;
	esac
	local args=(--url "$url" --ca "$TMP/pki/ca.pem" "${who[@]}"
		--conns "$CONNS" --body "$BODY" "$@")
	node "$LOAD" "${args[@]}" --duration "$WARMUP" >"$TMP/$name.warm" ||
		die "$name warm-up: $(cat "$TMP/$name.warm")"
	node "$LOAD" "${args[@]}" --duration "$DURATION" >"$TMP/$name.json" ||
		die "$name: bad answers: $(cat "$TMP/$name.json")"
	R[$name]=$(cat "$TMP/$name.json")
	jq -e --argjson c "$CONNS" '.bad == 0 and .errors == 0 and .good > 0 and
		.tls_connections == $c' "$TMP/$name.json" >/dev/null ||
		die "$name: $(cat "$TMP/$name.json")"
	echo "$name: $(jq -r '"\(.rps) req/s, avg \(.avg_ms) ms, p99 \(.p99_ms) ms"' "$TMP/$name.json")" >&2
}
# Rows e and f: node oidc-provider (bench/node/oidc-provider.mjs) with
# the same client and secret, an ES256 JWT access token, over HTTPS with
# the same server certificate: one process, then node:cluster with
# WORKERS workers. Only when `npm ci --prefix bench/node` installed it.
ROWS="a b c d"
OPDIR=$SRCDIR/bench/node
if [ -d "$OPDIR/node_modules/oidc-provider" ]; then
	free_port OP1_PORT && free_port OP2_PORT || die "no free loopback port"
	for i in 1 2; do
		port=OP${i}_PORT
		n=1
		[ "$i" = 2 ] && n=$WORKERS
		(cd "$OPDIR" && start_daemon "$TMP" "op$i" node oidc-provider.mjs \
			"${!port}" "$TMP/pki/server.pem" "$TMP/pki/server.key" \
			"$(cat "$TMP/worker.secret")" "$n")
		wait_for_port "${!port}" 20 "$TMP/op$i.pid" ||
			die "oidc-provider: $(cat "$TMP/op$i.log")"
	done
	URL_E=https://127.0.0.1:$OP1_PORT/token
	URL_F=https://127.0.0.1:$OP2_PORT/token
	ROWS="a b c d e f"
fi
ROWS="$ROWS $REDIS_ROW"
URL_G=https://127.0.0.1:$TLS_PORT/mint-r/token
URL_C=https://127.0.0.1:$TLS_PORT/trivial/token
URL_D=https://127.0.0.1:$TLS_PORT/mint/token
measure a "$URL_A"
measure b "$URL_B" --expect-token
measure c "$URL_C"
measure d "$URL_D" --expect-token
if [ -n "${URL_E:-}" ]; then
	measure e "$URL_E" --expect-token
	measure f "$URL_F" --expect-token
fi
if [ -n "$REDIS_ROW" ]; then
	measure g "$URL_G" --expect-token
fi

# CPU per answer: what the backends' processes ran (schedstat, ns) over
# a row, divided by its answers; and, with BENCH_PROFILE=1, the mint
# workers' top symbols under the same load (perf record).
cpu_ns() {
	local p s=0 v
	for p in "$@"; do
		v=$(cut -d ' ' -f 1 "/proc/$p/schedstat" 2>/dev/null || echo 0)
		s=$((s + v))
	done
	echo "$s"
}
# In BENCH_ROUNDS rounds (default 3), each row once more, interleaved,
# with its CPU: the ratios are taken per round, then their median and
# spread, so a burst of other work sinks no single row.
ROUNDS=${BENCH_ROUNDS:-3}
declare -A CPUREQ
TRIVP=$(pgrep -P "$LPID" -f fcgi-echo | tr '\n' ' ')
MINTP="$MSUP $(pgrep -P "$MSUP" | tr '\n' ' ')"
MINTR=
if [ -n "$REDIS_ROW" ]; then
	MRSUP=$(pgrep -P "$LPID" -f mint-redis.conf) || die "no Redis mint under lighttpd"
	MINTR="$MRSUP $(pgrep -P "$MRSUP" | tr '\n' ' ')"
fi
for i in $(seq 1 "$ROUNDS"); do
for n in $ROWS; do
	# shellcheck disable=SC2086
	case $n in
	a) P=$TRIVP U=$URL_A X= ;;
	b) P=$MINTP U=$URL_B X=--expect-token ;;
	c) P=$TRIVP U=$URL_C X= ;;
	d) P=$MINTP U=$URL_D X=--expect-token ;;
	e) P=$(cat "$TMP/op1.pid") U=$URL_E X=--expect-token ;;
	f) P="$(cat "$TMP/op2.pid") $(pgrep -P "$(cat "$TMP/op2.pid")" | tr '\n' ' ')"
	   U=$URL_F X=--expect-token ;;
	g) P=$MINTR U=$URL_G X=--expect-token ;;
	esac
	# shellcheck disable=SC2086
	c0=$(cpu_ns $P)
	measure "$n-cpu" "$U" $X
	# shellcheck disable=SC2086
	c1=$(cpu_ns $P)
	CPUREQ[$n]=$(awk -v ns=$((c1 - c0)) -v n="$(jq -r .requests "$TMP/$n-cpu.json")" \
		'BEGIN { printf "%.1f", ns / n / 1000 }')
	echo "$(jq -r .rps "$TMP/$n-cpu.json") ${CPUREQ[$n]}" >>"$TMP/$n.rounds"
done
done
# rmed A B COL: median (min-max) over the rounds of A's column / B's.
rmed() {
	paste -d ' ' "$TMP/$1.rounds" "$TMP/$2.rounds" |
		awk -v k="$3" '{ print $k / $(k + 2) }' | sort -g |
		awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}
PROF=
if [ "${BENCH_PROFILE:-0}" != 0 ] && command -v perf >/dev/null; then
	# shellcheck disable=SC2086
	perf record -q ${BENCH_PERF_OPTS:-} -F 2000 -o "$TMP/mint.perf" -p "$(echo $MINTP | tr ' ' ,)" \
		-- sleep "$DURATION" >/dev/null 2>&1 &
	ppid=$!
	measure b-prof "$URL_B" --expect-token
	wait "$ppid" || true
	[ -z "${BENCH_KEEP:-}" ] || cp "$TMP/mint.perf" /tmp/mint.perf.keep
	PROF=$(perf report -q -i "$TMP/mint.perf" --no-children --sort dso,symbol \
		2>/dev/null | grep '%' | head -n 25 || true)
fi

# Every backend must still be the one started: a crash would have been
# restarted silently and the numbers would include it.
for pid in $BACKENDS; do
	kill -0 "$pid" 2>/dev/null || die "backend $pid died during the run"
done
# The mint logs to the stderr lighttpd gave it (lighttpd.log here).
# Anything but its audit lines, start-up and the refused handshake of the
# check above is shown: a warning there may explain a number.
AUDIT_LINES=$(cat "$TMP/lighttpd.log" "$TMP/lighttpd.error.log" | grep -c 'audit: ' || true)
unexpected() {
	cat "$TMP/lighttpd.log" "$TMP/lighttpd.error.log" 2>/dev/null |
		grep -v -e 'server started' -e 'server stopped' -e 'audit: ' \
		-e 'peer did not return a certificate' -e 'jwt-mint.fcgi\[[0-9]*\]: info: '
}
if unexpected | grep -q .; then
	echo "run-mint.sh: the server logged:" >&2
	unexpected | tail -n 10 >&2
fi

# --- report --------------------------------------------------------------------

f() { jq -r ".$2" <<<"${R[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

CPU=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
LIGHTTPD_V=$(lighttpd -v 2>&1 | head -n 1)
COMMIT=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=
if git -C "$SRCDIR" status --porcelain 2>/dev/null | grep -q .; then
	DIRTY=", uncommitted changes"
fi
TLS_V="$(f b protocol), $(f b cipher)"
LOADCMD="node bench/mint-load.mjs --conns $CONNS --duration $DURATION --body $BODY --ca ca.pem --cert billing.pem --key billing.key"

SECTION=$TMP/section.md
{
	echo "$MARK_BEGIN"
	echo "## jwt-mint.fcgi behind lighttpd: tokens/s over mTLS keep-alive"
	echo
	echo "Written by \`bench/run-mint.sh\` on $(date -u +%Y-%m-%d), commit $COMMIT$DIRTY."
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| CPU | $CPU |"
	echo "| kernel | $(uname -sr) |"
	echo "| server | $LIGHTTPD_V |"
	echo "| TLS | $TLS_V |"
	echo "| client | node $(node -v) \`bench/mint-load.mjs\` (https.Agent keepAlive) |"
	echo "| 1-min load average at start | $LOAD_BEFORE |"
	echo
	echo "Each row: a ${WARMUP} s warm-up run, then, over loopback, with the client certificate"
	echo "\`billing\`, $CONNS requests in flight on $CONNS keep-alive TLS connections:"
	echo
	echo '```'
	echo "$LOADCMD --url https://127.0.0.1:PORT/trivial/token"
	echo "$LOADCMD --url https://127.0.0.1:PORT/mint/token --expect-token"
	echo "node bench/mint-load.mjs --conns $CONNS --duration $DURATION --body $BODY --ca ca.pem --basic worker:SECRET --url https://127.0.0.1:TLS_PORT/trivial/token"
	echo "node bench/mint-load.mjs --conns $CONNS --duration $DURATION --body $BODY --ca ca.pem --basic worker:SECRET --url https://127.0.0.1:TLS_PORT/mint/token --expect-token"
	echo '```'
	echo
	echo "| | request | requests | TLS connections | req/s | avg ms | p50 ms | p99 ms | max ms |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for n in $ROWS; do
		case $n in
		a) what="trivial responder (\`fcgi-echo --allow\`), 200, no body" ;;
		b) what="\`jwt-mint.fcgi\` client_credentials, 200 + ES256 token (${TOKEN_BYTES} bytes)" ;;
		c) what="trivial responder, TLS without a client certificate, Basic client secret" ;;
		d) what="\`jwt-mint.fcgi\` client_credentials, client_secret_basic (\`worker\`), 200 + token" ;;
		e) what="node oidc-provider $(jq -r .version "$OPDIR/node_modules/oidc-provider/package.json"), one process, the same client, ES256 JWT" ;;
		f) what="node oidc-provider, node:cluster with $WORKERS workers" ;;
		g) what="\`jwt-mint.fcgi\` as d, its state in Redis (\`state = redis://127.0.0.1:PORT\`, one local redis-server)" ;;
		esac
		echo "| $n | $what | $(f $n requests) | $(f $n tls_connections) | $(f $n rps) | $(f $n avg_ms) | $(f $n p50_ms) | $(f $n p99_ms) | $(f $n max_ms) |"
	done
	echo
	echo "**The mint issues $(f b rps) tokens/s; b/a = $(ratio "$(f b rps)" "$(f a rps)")** (what minting costs"
	echo "over any FastCGI responder behind the same mTLS socket); with a client secret on a"
	echo "TLS socket that asks for no certificate, **d/c = $(ratio "$(f d rps)" "$(f c rps)")**."
	echo
	echo "$ROUNDS more rounds of every row, interleaved (a b c d, a b c d, ...); per round"
	echo "the ratio, then the median (min-max) over the rounds:"
	echo
	echo "| | req/s | CPU per answer (same ratio) | target |"
	echo "|---|---:|---:|---|"
	echo "| mTLS, b/a | $(rmed b a 1) | $(rmed b a 2) | req/s >= 0.7 |"
	echo "| client secret, d/c | $(rmed d c 1) | $(rmed d c 2) | req/s >= 0.7 |"
	if [ -n "${URL_E:-}" ]; then
		echo "| mint / oidc-provider, one process, d/e | $(rmed d e 1) | $(rmed d e 2) | req/s >= 3 |"
		echo "| mint / oidc-provider, $WORKERS cluster workers, d/f | $(rmed d f 1) | $(rmed d f 2) | req/s >= 3 |"
	else
		echo "| mint / oidc-provider | not run: \`npm ci --prefix bench/node\` installs it | | |"
	fi
	if [ -n "$REDIS_ROW" ]; then
		echo "| Redis state / embedded state, client secret, g/d | $(rmed g d 1) | $(rmed g d 2) | report |"
	fi
	echo
	echo "CPU per answer (the backends' processes, \`/proc/PID/schedstat\`), last round: mTLS: trivial responder ${CPUREQ[a]} us, mint ${CPUREQ[b]} us: **$(ratio "${CPUREQ[b]}" "${CPUREQ[a]}")x**;"
	echo "client secret: trivial ${CPUREQ[c]} us, mint ${CPUREQ[d]} us: **$(ratio "${CPUREQ[d]}" "${CPUREQ[c]}")x**."
	if [ -n "$PROF" ]; then
		echo
		echo "Top symbols in the mint's processes under row b (\`perf record\`, \`perf report"
		echo "--no-children --sort dso,symbol\`, self time):"
		echo
		echo '```'
		echo "$PROF" | cut -c 1-100
		echo '```'
	fi
	echo
	echo "Setup: one lighttpd process, one TLS socket with \`ssl.verifyclient.enforce\`, the"
	echo "shipped \`conf/lighttpd/50-jwt-mint.conf\` (overrides in \`jwt-mint.local.conf\`):"
	echo "\`jwt-mint.fcgi --workers $WORKERS\` (a supervisor and $WORKERS workers), ES256 signing key,"
	echo "\`log_level = $LOG_LEVEL\` ($AUDIT_LINES audit lines, to the stderr lighttpd gave it);"
	echo "\`fcgi-echo --allow\` spawned by lighttpd with \`max-procs\` $WORKERS. Before measuring, curl"
	echo "checked a 200 from both, an access token from the mint, and a refused handshake"
	echo "without a client certificate. Every measured answer was 200 (and for b carried an"
	echo "\`access_token\`), no request failed, each run opened exactly $CONNS TLS connections, and"
	echo "no backend process was replaced. The node client is single-threaded and shares the"
	echo "$(nproc) CPUs with the server, so row a is bounded by the client as much as by the"
	echo "server and b/a understates what the mint costs on its own; compare ratios of one run."
	echo "$MARK_END"
} >"$SECTION"

bench_write_section "$DOC" "$SECTION" "$MARK_BEGIN" "$MARK_END"
echo "wrote $DOC in $((SECONDS - START)) s" >&2

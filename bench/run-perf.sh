#!/bin/bash
# run-perf.sh - jwt-authz.fcgi against a FastCGI authorizer that does
# nothing, in rounds, by throughput and by the CPU its processes spend.
#
# One lighttpd on a loopback high port; both authorizers spawned by it
# (bin-path, "mode" => "authorizer", max-procs BENCH_PROCS; jwt-authz with
# --workers 1, so the same count of serving processes). Rows:
#   triv  /triv/  fcgi-echo --allow, the do-nothing authorizer;
#   hit   /jwt/   a valid ES256 at+jwt, found in the verified-token cache;
#   cold  /jwt0/  the same token with cache_entries = 0: parse + verify;
#   none  /jwt/   no token: 401.
# The rows are interleaved: BENCH_ROUNDS rounds, each running every row
# once for BENCH_DURATION s, so a burst of other work on the machine
# spreads over all rows instead of sinking one. Reported: the median and
# min-max of each figure over the rounds, and per row the CPU time the
# authorizer's processes (supervisors and workers, from
# /proc/PID/schedstat, ns) spent per request: that figure does not depend
# on wrk sharing the CPUs. bench/p256 measures a raw GnuTLS P-256 verify
# in the same run, the floor of the cold row's extra cost.
#
# Then: many distinct tokens across one jwt-authz.fcgi with 4 workers
# must each be verified once (the debug log says "verified" once per
# signature check; the cache is shared by the workers).
#
# BENCH_PROFILE=1 also records `perf record` on the authorizer's
# processes for each row (and the mint, when BENCH_MINT=1 ran first) and
# writes the top symbols. Rewrites the authz-perf section of
# doc/benchmarks.md. Knobs: BENCH_ROUNDS BENCH_DURATION BENCH_CONNS
# BENCH_THREADS BENCH_PROCS BENCH_TOKENS BENCH_PROFILE BENCH_DOC.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

SRCDIR=${JF_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${JF_BUILDDIR:-$SRCDIR}
DOC=${BENCH_DOC:-$SRCDIR/doc/benchmarks.md}
ROUNDS=${BENCH_ROUNDS:-5}
DURATION=${BENCH_DURATION:-5}
THREADS=${BENCH_THREADS:-1}
CONNS=${BENCH_CONNS:-32}
PROCS=${BENCH_PROCS:-2}
NTOK=${BENCH_TOKENS:-200}
PROFILE=${BENCH_PROFILE:-0}
ISS=https://mint.bench.test
AUD=https://api.bench.test
MARK_BEGIN='<!-- authz-perf:begin -->'
MARK_END='<!-- authz-perf:end -->'
ROWS="triv hit cold none"

JWT_FCGI=$BUILDDIR/jwt-fcgi
AUTHZ=$BUILDDIR/jwt-authz.fcgi
ECHO=$BUILDDIR/tests/helpers/fcgi-echo
P256=$BUILDDIR/bench/p256

die() {
	echo "run-perf.sh: $*" >&2
	exit 1
}

for c in lighttpd wrk curl awk ps; do
	command -v "$c" >/dev/null || die "$c not installed"
done
[ "$PROFILE" = 0 ] || command -v perf >/dev/null ||
	die "BENCH_PROFILE=1 needs perf (Debian: linux-perf)"
for p in "$JWT_FCGI" "$AUTHZ" "$ECHO" "$P256"; do
	[ -x "$p" ] || die "$p not built (make jwt-fcgi jwt-authz.fcgi tests/helpers/fcgi-echo bench/p256)"
done

START=$SECONDS
LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
TMP=$(mktemp -d /tmp/jf-perf.XXXXXX)
LPID=
APID=

stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
	stop_pid "$LPID"
	stop_pid "$APID"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
pick_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 12000))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	die "no free loopback port"
}

# --- keys, tokens, configs ---------------------------------------------------

"$JWT_FCGI" keygen --alg ES256 "$TMP/bench.pem" >/dev/null
"$JWT_FCGI" jwks --alg ES256 "$TMP/bench.pem" >"$TMP/bench.jwks"
TTL=$((ROUNDS * DURATION * 8 + 600))
TOKEN=$("$JWT_FCGI" sign -k "$TMP/bench.pem" --iss "$ISS" --aud "$AUD" \
	--sub bench-client --scope read --typ at+jwt --ttl "$TTL")
cat >"$TMP/authz.conf" <<EOF
realm = bench
log_level = warn

[issuer $ISS]
jwks_file = $TMP/bench.jwks
algorithms = ES256
audience = $AUD
typ = at+jwt
EOF
sed 's/^log_level = warn$/log_level = warn\ncache_entries = 0/' \
	"$TMP/authz.conf" >"$TMP/authz-nocache.conf"
mkdir -p "$TMP/www/triv" "$TMP/www/jwt" "$TMP/www/jwt0"
for d in triv jwt jwt0; do
	head -c 1024 /dev/zero | tr '\0' x >"$TMP/www/$d/file.txt"
done

# --- lighttpd ----------------------------------------------------------------

PORT=$(pick_port)
cat >"$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$TMP/lighttpd-error.log"
server.modules = ( "mod_fastcgi" )
server.max-keep-alive-requests = 1000000
mimetype.assign = ( ".txt" => "text/plain" )
fastcgi.server = (
	"/triv/" => (( "bin-path" => "$ECHO --allow",
		"socket" => "$TMP/triv.sock", "mode" => "authorizer",
		"max-procs" => $PROCS )),
	"/jwt/" => (( "bin-path" => "$AUTHZ -c $TMP/authz.conf --workers 1",
		"socket" => "$TMP/jwt.sock", "mode" => "authorizer",
		"max-procs" => $PROCS )),
	"/jwt0/" => (( "bin-path" => "$AUTHZ -c $TMP/authz-nocache.conf --workers 1",
		"socket" => "$TMP/jwt0.sock", "mode" => "authorizer",
		"max-procs" => $PROCS )),
)
EOF
lighttpd -D -f "$TMP/lighttpd.conf" </dev/null >"$TMP/lighttpd.out" 2>&1 &
LPID=$!
for _ in $(seq 1 200); do
	port_in_use "$PORT" && break
	kill -0 "$LPID" 2>/dev/null || die "lighttpd exited: $(cat "$TMP/lighttpd.out")"
	sleep 0.1
done
port_in_use "$PORT" || die "lighttpd does not listen on $PORT"
BASE=http://127.0.0.1:$PORT

expect() {
	local want=$1 url=$2 got
	shift 2
	got=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@" "$url") ||
		die "curl $url failed"
	[ "$got" = "$want" ] || die "$url: expected $want, got $got"
}
expect 200 "$BASE/triv/file.txt"
expect 200 "$BASE/jwt/file.txt" -H "Authorization: Bearer $TOKEN"
expect 200 "$BASE/jwt0/file.txt" -H "Authorization: Bearer $TOKEN"
expect 401 "$BASE/jwt/file.txt"

# The process tree serving one socket: lighttpd's children whose command
# line names it, and their children (jwt-authz.fcgi's workers).
pids_of() {
	local top p
	top=$(ps -o pid=,args= --ppid "$LPID" | awk -v s="$1" 'index($0, s) {print $1}')
	for p in $top; do
		echo "$p"
		ps -o pid= --ppid "$p" || true
	done | tr -s ' \n' ' '
}
# ns of CPU the processes ran, from schedstat (no tick rounding).
cpu_ns() {
	local p s=0 v
	for p in "$@"; do
		v=$(cut -d ' ' -f 1 "/proc/$p/schedstat" 2>/dev/null || echo 0)
		s=$((s + v))
	done
	echo "$s"
}
declare -A PIDS URL HDR WANT
PIDS[triv]=$(pids_of "fcgi-echo")
PIDS[hit]=$(pids_of "$TMP/authz.conf")
PIDS[cold]=$(pids_of "$TMP/authz-nocache.conf")
PIDS[none]=${PIDS[hit]}
for r in $ROWS; do
	[ -n "${PIDS[$r]}" ] || die "no processes found for row $r"
done
URL[triv]=/triv/file.txt URL[hit]=/jwt/file.txt URL[cold]=/jwt0/file.txt URL[none]=/jwt/file.txt
HDR[triv]="Authorization: Bearer $TOKEN" HDR[hit]="Authorization: Bearer $TOKEN"
HDR[cold]="Authorization: Bearer $TOKEN" HDR[none]="X-None: 1"
WANT[triv]=2xx WANT[hit]=2xx WANT[cold]=2xx WANT[none]=401

to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n
		else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# run ROW ROUND: one wrk run; appends "rps p99 us_per_req" to $TMP/ROW.
run() {
	local r=$1 out=$TMP/$1.$2.wrk c0 c1 total non2xx
	# shellcheck disable=SC2086
	c0=$(cpu_ns ${PIDS[$r]})
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
		-H "${HDR[$r]}" "$BASE${URL[$r]}" >"$out"
	# shellcheck disable=SC2086
	c1=$(cpu_ns ${PIDS[$r]})
	total=$(awk '/ requests in /{print $1}' "$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")
	non2xx=${non2xx:-0}
	grep -q 'Socket errors' "$out" && die "$r: socket errors: $(cat "$out")"
	if [ "${WANT[$r]}" = 2xx ] && [ "$non2xx" != 0 ]; then
		die "$r: $non2xx non-2xx answers"
	fi
	if [ "${WANT[$r]}" = 401 ] && [ "$non2xx" != "$total" ]; then
		die "$r: expected only 401s"
	fi
	awk -v rps="$(awk '/^Requests\/sec:/{print $2}' "$out")" \
	    -v p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")" \
	    -v ns=$((c1 - c0)) -v n="$total" \
	    'BEGIN { printf "%.0f %.3f %.2f\n", rps, p99, ns / n / 1000 }' >>"$TMP/$r"
	echo "round $2 $r: $(tail -n 1 "$TMP/$r")" >&2
}

# stat ROW COLUMN: "median (min-max)" of a column over the rounds.
stat() {
	sort -n -k "$2" "$TMP/$1" | awk -v k="$2" '{ v[NR] = $k }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %s %s\n", m, v[1], v[NR] }'
}
med() { stat "$1" "$2" | cut -d ' ' -f 1; }
fmt() { stat "$1" "$2" | awk -v d="$3" '{ printf "%." d "f (%." d "f-%." d "f)", $1, $2, $3 }'; }
# ratio per round, then its median and spread: A/B of column K.
rratio() {
	paste -d ' ' "$TMP/$1" "$TMP/$2" | awk -v k="$3" -v w="${4:-}" '{
		print (w == "rev" ? $(k + 3) / $k : $k / $(k + 3)) }' | sort -n |
		awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

for r in $ROWS; do   # warm-up: fills the cache, wakes every process
	wrk -t"$THREADS" -c"$CONNS" -d1s -H "${HDR[$r]}" "$BASE${URL[$r]}" >/dev/null
done
for i in $(seq 1 "$ROUNDS"); do
	for r in $ROWS; do
		run "$r" "$i"
	done
done

# Raw GnuTLS P-256 verify, same run: us of CPU per verify.
P256_US=$("$P256" 2000)

declare -A PROF
if [ "$PROFILE" != 0 ]; then
	for r in $ROWS; do
		# shellcheck disable=SC2086
		perf record -q -o "$TMP/$r.perf" -p "$(echo ${PIDS[$r]} | tr ' ' ,)" \
			-- sleep "$DURATION" 2>/dev/null &
		ppid=$!
		sleep 0.2
		wrk -t"$THREADS" -c"$CONNS" -d"$((DURATION - 1))s" -H "${HDR[$r]}" \
			"$BASE${URL[$r]}" >/dev/null
		wait "$ppid" || true
		PROF[$r]=$(perf report -q -i "$TMP/$r.perf" --no-children \
			--sort dso,symbol 2>/dev/null | grep '%' | head -n 15 || true)
	done
fi

for pid in ${PIDS[hit]} ${PIDS[cold]} ${PIDS[triv]}; do
	kill -0 "$pid" 2>/dev/null || die "backend $pid died during the run"
done
stop_pid "$LPID"
LPID=

# --- many distinct tokens, 4 workers: each verified once --------------------

APORT=$(pick_port)
sed 's/^log_level = warn$/log_level = debug/' "$TMP/authz.conf" >"$TMP/authz-debug.conf"
"$AUTHZ" -c "$TMP/authz-debug.conf" --workers 4 --listen "$TMP/w4.sock" \
	2>"$TMP/w4.log" &
APID=$!
cat >"$TMP/l4.conf" <<EOF
server.document-root = "$TMP/www"
server.bind = "127.0.0.1"
server.port = $APORT
server.errorlog = "$TMP/l4-error.log"
server.modules = ( "mod_fastcgi" )
mimetype.assign = ( ".txt" => "text/plain" )
fastcgi.server = ( "/jwt/" => (( "socket" => "$TMP/w4.sock",
	"mode" => "authorizer", "check-local" => "disable" )) )
EOF
for _ in $(seq 1 200); do [ -S "$TMP/w4.sock" ] && break; sleep 0.1; done
lighttpd -D -f "$TMP/l4.conf" </dev/null >"$TMP/l4.out" 2>&1 &
LPID=$!
for _ in $(seq 1 200); do port_in_use "$APORT" && break; sleep 0.1; done
: >"$TMP/tokens.lua.list"
for i in $(seq 1 "$NTOK"); do
	"$JWT_FCGI" sign -k "$TMP/bench.pem" --iss "$ISS" --aud "$AUD" \
		--sub "c$i" --scope read --typ at+jwt --ttl "$TTL" >>"$TMP/tokens.lua.list"
done
cat >"$TMP/tokens.lua" <<EOF
local toks = {}
for l in io.lines("$TMP/tokens.lua.list") do toks[#toks + 1] = l end
local i = 0
request = function()
	i = i + 1
	return wrk.format(nil, nil,
		{ ["Authorization"] = "Bearer " .. toks[(i % #toks) + 1] })
end
EOF
# Each token's first use one at a time (so no two workers race to verify
# the same new token: there is no in-flight de-duplication), then all of
# them again and again over 8 connections.
while read -r t; do
	expect 200 "http://127.0.0.1:$APORT/jwt/file.txt" -H "Authorization: Bearer $t"
done <"$TMP/tokens.lua.list"
W4_FIRST=$(grep -c ': verified' "$TMP/w4.log" || true)
wrk -t1 -c8 -d"$DURATION"s -s "$TMP/tokens.lua" "http://127.0.0.1:$APORT/jwt/file.txt" \
	>"$TMP/w4.wrk"
W4_REQS=$(awk '/ requests in /{print $1}' "$TMP/w4.wrk")
grep -q 'Non-2xx' "$TMP/w4.wrk" && die "distinct tokens: non-2xx answers: $(cat "$TMP/w4.wrk")"
VERIFIED=$(grep -c ': verified' "$TMP/w4.log" || true)
stop_pid "$LPID"
LPID=
stop_pid "$APID"
APID=

# --- report ------------------------------------------------------------------

cpu_extra_cold=$(awk -v a="$(med cold 3)" -v b="$(med triv 3)" 'BEGIN { printf "%.1f", a - b }')
SECTION=$TMP/section.md
{
	echo "$MARK_BEGIN"
	echo "## jwt-authz.fcgi against a do-nothing authorizer, in rounds (lighttpd)"
	echo
	echo "Written by \`bench/run-perf.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)."
	echo "Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), $(uname -sr);"
	echo "$(lighttpd -v 2>&1 | head -n 1); **1-min load average at start $LOAD_BEFORE, at end $(cut -d ' ' -f 1 /proc/loadavg)**."
	echo
	echo "$ROUNDS rounds; in each, every row for ${DURATION} s: \`wrk -t$THREADS -c$CONNS -d${DURATION}s --latency -H 'Authorization: Bearer <ES256 at+jwt>'\`."
	echo "Figures are the median over the rounds and (min-max). CPU is what the row's"
	echo "authorizer processes ran (\`/proc/PID/schedstat\`) divided by the requests answered."
	echo
	echo "| row | req/s | p99 ms | CPU us/request |"
	echo "|---|---:|---:|---:|"
	for r in $ROWS; do
		case $r in
		triv) w="do-nothing authorizer (\`fcgi-echo --allow\`)" ;;
		hit) w="jwt-authz.fcgi, token in the cache" ;;
		cold) w="jwt-authz.fcgi, \`cache_entries = 0\`: every request verifies" ;;
		none) w="jwt-authz.fcgi, no token: 401" ;;
		esac
		echo "| $w | $(fmt "$r" 1 0) | $(fmt "$r" 2 2) | $(fmt "$r" 3 1) |"
	done
	echo
	echo "| figure | per round: median (min-max) | target |"
	echo "|---|---|---|"
	echo "| req/s, cached / do-nothing | $(rratio hit triv 1) | >= 0.95 |"
	echo "| CPU per request, cached / do-nothing | $(rratio hit triv 3) | <= 1.15 |"
	echo "| CPU per request, 401 / do-nothing | $(rratio none triv 3) | |"
	echo "| p99 added, cached - do-nothing (ms) | $(awk -v a="$(med hit 2)" -v b="$(med triv 2)" 'BEGIN { printf "%.3f", a - b }') | < 0.5 |"
	echo "| CPU per cold request - do-nothing's (us) | $cpu_extra_cold | |"
	echo "| raw GnuTLS P-256 verify, \`bench/p256\` (us CPU) | $P256_US | |"
	echo "| (cold - do-nothing) / raw verify | $(awk -v a="$cpu_extra_cold" -v b="$P256_US" 'BEGIN { printf "%.2f", a / b }') | <= 1.1 |"
	echo "| $NTOK distinct tokens, 4 workers: first uses one by one, then $W4_REQS requests over 8 connections: signature checks | $W4_FIRST, then $((VERIFIED - W4_FIRST)) more | $NTOK, then 0 |"
	if [ "$PROFILE" != 0 ]; then
		echo
		echo "Top symbols, \`perf record\` on the row's authorizer processes under the same wrk"
		echo "(\`perf report --no-children --sort dso,symbol\`, self time):"
		for r in $ROWS; do
			echo
			echo "$r:"
			echo
			echo '```'
			echo "${PROF[$r]}" | cut -c 1-110
			echo '```'
		done
	fi
	echo "$MARK_END"
} >"$SECTION"
bench_write_section "$DOC" "$SECTION" "$MARK_BEGIN" "$MARK_END"
cat "$SECTION" >&2
echo "wrote $DOC in $((SECONDS - START)) s" >&2

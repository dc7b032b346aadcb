#!/bin/bash
# run-authz.sh - what jwt-authz.fcgi costs in front of lighttpd.
#
# One lighttpd on a loopback high port, one config, four URLs serving the
# same static file, each measured with wrk after a warm-up:
#   a  /open/  the static file alone;
#   b  /triv/  behind a trivial FastCGI authorizer (fcgi-echo --allow);
#   c  /jwt/   behind jwt-authz.fcgi, with a valid ES256 at+jwt token;
#   d  /jwt/   behind jwt-authz.fcgi, no token: the 401 path.
# Both authorizers are spawned by lighttpd (bin-path, "mode" => "authorizer")
# with the same number of processes. Before measuring, curl proves that a,
# b and c answer 200 with the file and that a bad or missing token gets
# 401, and afterwards wrk must report no non-2xx answers for a, b and c
# (and only non-2xx for d), so no row measures an error path by mistake.
#
# Rewrites the section between the authz-lighttpd markers of
# doc/benchmarks.md. Loopback only; about 60 s. Run as `make bench`, or:
#   JF_BUILDDIR=/path/to/build bench/run-authz.sh
# Knobs (recorded in the doc): BENCH_THREADS, BENCH_CONNS, BENCH_DURATION,
# BENCH_WARMUP, BENCH_PROCS; BENCH_DOC writes elsewhere.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

SRCDIR=${JF_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${JF_BUILDDIR:-$SRCDIR}
DOC=${BENCH_DOC:-$SRCDIR/doc/benchmarks.md}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-32}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
PROCS=${BENCH_PROCS:-2}
FILE_BYTES=1024
ISS=https://mint.bench.test
AUD=https://api.bench.test
MARK_BEGIN='<!-- authz-lighttpd:begin -->'
MARK_END='<!-- authz-lighttpd:end -->'

JWT_FCGI=$BUILDDIR/jwt-fcgi
AUTHZ=$BUILDDIR/jwt-authz.fcgi
ECHO=$BUILDDIR/tests/helpers/fcgi-echo

die() {
	echo "run-authz.sh: $*" >&2
	exit 1
}

for c in lighttpd wrk curl awk; do
	command -v "$c" >/dev/null || die "$c not installed"
done
for p in "$JWT_FCGI" "$AUTHZ" "$ECHO"; do
	[ -x "$p" ] || die "$p not built (make jwt-fcgi jwt-authz.fcgi tests/helpers/fcgi-echo)"
done

START=$SECONDS
# Other work on the machine shows in every number: record how busy it was.
LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l > 0.5) }'; then
	echo "run-authz.sh: warning: 1-min load average is $LOAD_BEFORE; numbers will be noisy" >&2
fi
TMP=$(mktemp -d /tmp/jf-bench.XXXXXX)
LPID=
CHILDREN=

# Stops lighttpd (which stops the backends it spawned) by PID, then any
# of its children still alive, by the PIDs recorded at start.
cleanup() {
	local pid
	if [ -n "$LPID" ] && kill -0 "$LPID" 2>/dev/null; then
		kill -TERM "$LPID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$LPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$LPID" 2>/dev/null || true
	fi
	for pid in $CHILDREN; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 12000))   # below the ephemeral range
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	die "no free loopback port"
}

# --- keys, token, authorizer config, document root ---------------------

"$JWT_FCGI" keygen --alg ES256 "$TMP/bench.pem" >/dev/null
"$JWT_FCGI" keygen --alg ES256 "$TMP/other.pem" >/dev/null
"$JWT_FCGI" jwks --alg ES256 "$TMP/bench.pem" >"$TMP/bench.jwks"
TTL=$((WARMUP * 4 + DURATION * 4 + 300))
TOKEN=$("$JWT_FCGI" sign -k "$TMP/bench.pem" --iss "$ISS" --aud "$AUD" \
	--sub bench-client --scope read --typ at+jwt --ttl "$TTL")
BAD_TOKEN=$("$JWT_FCGI" sign -k "$TMP/other.pem" --iss "$ISS" --aud "$AUD" \
	--sub bench-client --scope read --typ at+jwt --ttl "$TTL")

# log_level warn: the row measures verification, not a log line per
# request into lighttpd's error log.
cat >"$TMP/authz.conf" <<EOF
realm = bench
log_level = warn

[issuer $ISS]
jwks_file = $TMP/bench.jwks
algorithms = ES256
audience = $AUD
typ = at+jwt
EOF
"$JWT_FCGI" check-config "$TMP/authz.conf" >/dev/null ||
	die "jwt-fcgi check-config refused $TMP/authz.conf"
# Row e: the same with the verified-token cache off, so every request
# pays for parsing and the ES256 signature check (the cold path).
sed 's/^log_level = warn$/log_level = warn\ncache_entries = 0/' \
	"$TMP/authz.conf" >"$TMP/authz-nocache.conf"

mkdir -p "$TMP/www/open" "$TMP/www/triv" "$TMP/www/jwt" "$TMP/www/jwt0"
head -c "$FILE_BYTES" /dev/zero | tr '\0' 'x' >"$TMP/www/open/file.txt"
cp "$TMP/www/open/file.txt" "$TMP/www/triv/file.txt"
cp "$TMP/www/open/file.txt" "$TMP/www/jwt/file.txt"
cp "$TMP/www/open/file.txt" "$TMP/www/jwt0/file.txt"

# --- lighttpd ------------------------------------------------------------

PORT=$(pick_port)
# An authorizer that answers 200 makes lighttpd restart the request
# without the authorizer (gw_authorizer_ok in gw_backend.c), so
# mod_staticfile serves the file from server.document-root. The same
# count of serving processes for both: PROCS sockets, one process serving
# each (jwt-authz.fcgi adds its idle supervisor).
cat >"$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$TMP/lighttpd-error.log"
server.modules = ( "mod_fastcgi" )
server.max-keep-alive-requests = 10000
mimetype.assign = ( ".txt" => "text/plain" )
fastcgi.server = (
	"/triv/" => ((
		"bin-path" => "$ECHO --allow",
		"socket" => "$TMP/triv.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
	"/jwt/" => ((
		"bin-path" => "$AUTHZ -c $TMP/authz.conf --workers 1",
		"socket" => "$TMP/jwt.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
	"/jwt0/" => ((
		"bin-path" => "$AUTHZ -c $TMP/authz-nocache.conf --workers 1",
		"socket" => "$TMP/jwt0.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
)
EOF
lighttpd -tt -f "$TMP/lighttpd.conf" >/dev/null ||
	die "lighttpd rejects $TMP/lighttpd.conf"
lighttpd -D -f "$TMP/lighttpd.conf" </dev/null >"$TMP/lighttpd.out" 2>&1 &
LPID=$!
for _ in $(seq 1 100); do
	port_in_use "$PORT" && break
	kill -0 "$LPID" 2>/dev/null ||
		die "lighttpd exited: $(cat "$TMP/lighttpd.out" "$TMP/lighttpd-error.log" 2>/dev/null)"
	sleep 0.1
done
port_in_use "$PORT" || die "lighttpd does not listen on $PORT"
sleep 0.5	# backends spawned
CHILDREN=$( (ps -o pid= --ppid "$LPID" || true) | tr '\n' ' ')
[ -n "$CHILDREN" ] || die "lighttpd spawned no backend: $(cat "$TMP/lighttpd-error.log")"

BASE=http://127.0.0.1:$PORT

# expect CODE URL [CURL ARGS...]: one request must answer CODE; 200 must
# carry the file, 401 a Bearer challenge.
expect() {
	local want=$1 url=$2 got
	shift 2
	got=$(curl -sS --max-time 5 -o "$TMP/body" -D "$TMP/hdrs" \
		-w '%{http_code}' "$@" "$url") || die "curl $url failed"
	[ "$got" = "$want" ] || die "$url: expected $want, got $got: $(head -c 300 "$TMP/body")"
	if [ "$want" = 200 ]; then
		cmp -s "$TMP/body" "$TMP/www/open/file.txt" ||
			die "$url: 200 without the static file"
	elif [ "$want" = 401 ]; then
		grep -qi '^WWW-Authenticate: Bearer' "$TMP/hdrs" ||
			die "$url: 401 without WWW-Authenticate: Bearer"
	fi
}
expect 200 "$BASE/open/file.txt"
expect 200 "$BASE/triv/file.txt"
expect 200 "$BASE/jwt/file.txt" -H "Authorization: Bearer $TOKEN"
expect 401 "$BASE/jwt/file.txt" -H "Authorization: Bearer $BAD_TOKEN"
expect 401 "$BASE/jwt/file.txt"
expect 200 "$BASE/jwt0/file.txt" -H "Authorization: Bearer $TOKEN"
expect 401 "$BASE/jwt0/file.txt" -H "Authorization: Bearer $BAD_TOKEN"

# --- measure ---------------------------------------------------------------

# to_ms VALUE: wrk's "812.00us", "1.20ms" or "1.01s" in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000
		else if (v ~ /ms$/) n = n
		else if (v ~ /m$/) n *= 60000
		else if (v ~ /s$/) n *= 1000
		printf "%.3f", n }'
}

# measure NAME PATH EXPECT [wrk -H ARG]: EXPECT is 2xx (no non-2xx
# answer allowed) or 401 (every answer must be non-2xx). Sets R_NAME.
declare -A RPS AVG P50 P99 MAX REQS
measure() {
	local name=$1 path=$2 expect=$3 out total non2xx
	shift 3
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$@" "$BASE$path" >/dev/null
	out=$TMP/$name.wrk
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$@" \
		"$BASE$path" >"$out"
	total=$(awk '/ requests in /{print $1}' "$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")
	non2xx=${non2xx:-0}
	if grep -q 'Socket errors' "$out"; then
		die "$name: wrk saw socket errors: $(cat "$out")"
	fi
	if [ "$expect" = 2xx ] && [ "$non2xx" != 0 ]; then
		die "$name: $non2xx non-2xx answers: $(cat "$out")"
	fi
	if [ "$expect" = 401 ] && [ "$non2xx" != "$total" ]; then
		die "$name: $non2xx of $total answers were non-2xx, expected all"
	fi
	REQS[$name]=$total
	RPS[$name]=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$out")
	AVG[$name]=$(to_ms "$(awk '$1 == "Latency" {print $2; exit}' "$out")")
	P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
	P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
	MAX[$name]=$(to_ms "$(awk '$1 == "Latency" {print $4; exit}' "$out")")
	echo "$name: ${RPS[$name]} req/s, avg ${AVG[$name]} ms, p99 ${P99[$name]} ms" >&2
}

measure a /open/file.txt 2xx
measure b /triv/file.txt 2xx
measure c /jwt/file.txt 2xx -H "Authorization: Bearer $TOKEN"
measure d /jwt/file.txt 401
measure e /jwt0/file.txt 2xx -H "Authorization: Bearer $TOKEN"

# Every backend must still be the one lighttpd started: a crash would
# have been restarted silently and the numbers would include it.
for pid in $CHILDREN; do
	kill -0 "$pid" 2>/dev/null || die "backend $pid died during the run"
done

# Anything the server or the backends logged is shown: a warning there
# may explain a number.
if grep -hv -e 'server started' -e 'server stopped' \
	"$TMP/lighttpd.out" "$TMP/lighttpd-error.log" 2>/dev/null | grep -q .; then
	echo "run-authz.sh: the server logged:" >&2
	grep -hv -e 'server started' -e 'server stopped' \
		"$TMP/lighttpd.out" "$TMP/lighttpd-error.log" | tail -n 20 >&2
fi

# --- report ----------------------------------------------------------------

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

CPU=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
LIGHTTPD_V=$(lighttpd -v 2>&1 | head -n 1)
# wrk -v exits 1 after printing its version.
WRK_V=$( (wrk -v 2>&1 || true) | awk 'NR == 1 {print $1, $2}')
COMMIT=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=
if git -C "$SRCDIR" status --porcelain 2>/dev/null | grep -q .; then
	DIRTY=", uncommitted changes"
fi
WRK="wrk -t$THREADS -c$CONNS -d${DURATION}s --latency"

SECTION=$TMP/section.md
{
	echo "$MARK_BEGIN"
	echo "## jwt-authz.fcgi behind lighttpd (FastCGI authorizer mode)"
	echo
	echo "Written by \`bench/run-authz.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d), commit $COMMIT$DIRTY."
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| CPU | $CPU |"
	echo "| kernel | $(uname -sr) |"
	echo "| server | $LIGHTTPD_V |"
	echo "| client | $WRK_V |"
	echo "| 1-min load average at start | $LOAD_BEFORE |"
	echo
	echo "Each row: a ${WARMUP} s warm-up run, then, over loopback with keep-alive:"
	echo
	echo '```'
	echo "$WRK http://127.0.0.1:PORT/open/file.txt"
	echo "$WRK http://127.0.0.1:PORT/triv/file.txt"
	echo "$WRK -H 'Authorization: Bearer <ES256 at+jwt, ${#TOKEN} bytes>' http://127.0.0.1:PORT/jwt/file.txt"
	echo "$WRK http://127.0.0.1:PORT/jwt/file.txt"
	echo "$WRK -H 'Authorization: Bearer <the same token>' http://127.0.0.1:PORT/jwt0/file.txt"
	echo '```'
	echo
	echo "| | request | requests | req/s | avg ms | p50 ms | p99 ms | max ms | vs static |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for n in a b c d e; do
		case $n in
		a) what="static file, no authorizer" ;;
		b) what="trivial authorizer (\`fcgi-echo --allow\`), 200" ;;
		c) what="\`jwt-authz.fcgi\`, valid ES256 token, 200" ;;
		d) what="\`jwt-authz.fcgi\`, no token, 401" ;;
		e) what="\`jwt-authz.fcgi\`, \`cache_entries = 0\`, valid ES256 token, 200" ;;
		esac
		echo "| $n | $what | ${REQS[$n]} | ${RPS[$n]} | ${AVG[$n]} | ${P50[$n]} | ${P99[$n]} | ${MAX[$n]} | $(ratio "${RPS[$n]}" "${RPS[a]}") |"
	done
	echo
	echo "Throughput ratios: b/a = $(ratio "${RPS[b]}" "${RPS[a]}"), c/a = $(ratio "${RPS[c]}" "${RPS[a]}"),"
	echo "**c/b = $(ratio "${RPS[c]}" "${RPS[b]}")** (what verifying the token costs over any FastCGI"
	echo "authorizer), c/d = $(ratio "${RPS[c]}" "${RPS[d]}") (authorized over unauthenticated)."
	echo "Row e repeats c with the verified-token cache off (\`cache_entries = 0\`), so every"
	echo "request parses the token and checks its ES256 signature: e/b = $(ratio "${RPS[e]}" "${RPS[b]}"),"
	echo "c/e = $(ratio "${RPS[c]}" "${RPS[e]}") (what the cache saves when a client reuses its token, as"
	echo "services do for the token's lifetime)."
	echo
	echo "Setup: one lighttpd process; each authorizer spawned by lighttpd (\`bin-path\`,"
	echo "\`\"mode\" => \"authorizer\"\`) with \`max-procs\` $PROCS, \`jwt-authz.fcgi\` with \`--workers 1\`,"
	echo "so both run $PROCS serving processes; on 200 lighttpd serves the ${FILE_BYTES}-byte file itself."
	echo "\`jwt-authz.fcgi\` has one issuer with one ES256 key and \`log_level = warn\`. Before"
	echo "measuring, curl checked a 200 with the file for a, b, c and a 401 with a Bearer"
	echo "challenge for a token from an unknown key and for no token; wrk reported no non-2xx"
	echo "answer for a, b, c and only non-2xx for d, and no socket errors. wrk shares the"
	echo "$(nproc) CPUs with the server, so compare the ratios, not the absolute numbers."
	echo "$MARK_END"
} >"$SECTION"

bench_write_section "$DOC" "$SECTION" "$MARK_BEGIN" "$MARK_END"
echo "wrote $DOC in $((SECONDS - START)) s" >&2

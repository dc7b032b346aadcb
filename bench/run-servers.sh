#!/bin/bash
# run-servers.sh - authorized vs. unauthenticated throughput of
# jwt-authz.fcgi behind Apache, nginx and Caddy, in one run.
#
# Each server is started by the test harness (tests/helpers/apache.bash,
# nginx.bash, caddy.bash) from the shipped conf/<server>/ files, with the
# authorizer on a loopback port (--listen, --workers 2) and the keys,
# config and tokens of authz_fixture (tests/helpers/common.bash). Per
# server, one after the other, wrk measures after a warm-up:
#   a  /bench.txt      a static file outside the protected prefix;
#   b  /api/bench.txt  the same file under /api, with a valid ES256 token;
#   c  /api/bench.txt  no token: the 401 path.
# curl first proves a and b answer 200 with the file and c (and a token
# from an unknown key) 401 with a Bearer challenge; afterwards wrk must
# report no non-2xx answer for a and b and only non-2xx for c. The ratios
# b/a (what authorizing costs over serving the file) and b/c (authorized
# over unauthenticated) are the result.
#
# Rewrites the section between the authz-servers markers of
# doc/benchmarks.md. Loopback only; about 90 s. A server that is not
# installed is skipped and shown as skipped. Run as:
#   JF_BUILDDIR=/path/to/build bench/run-servers.sh
# Knobs (recorded in the doc): BENCH_THREADS, BENCH_CONNS, BENCH_DURATION,
# BENCH_WARMUP, BENCH_SERVERS ("apache nginx caddy"); BENCH_DOC writes
# elsewhere.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

SRCDIR=${JF_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${JF_BUILDDIR:-$SRCDIR}
DOC=${BENCH_DOC:-$SRCDIR/doc/benchmarks.md}
THREADS=${BENCH_THREADS:-2}
# nginx's test config has worker_connections 64, and every client
# connection holds a second one to the authorizer during row b: 16 fits.
CONNS=${BENCH_CONNS:-16}
# The harness's Apache has 8 threads; with more connections than threads
# the event MPM closes keep-alive connections whenever all are busy.
APACHE_CONNS=${BENCH_APACHE_CONNS:-8}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-1}
# Rounds of the do-nothing comparison: b with jwt-authz.fcgi, then d
# with fcgi-echo --allow --procs 2 on the same port, alternated.
ROUNDS=${BENCH_ROUNDS:-3}
SERVERS=${BENCH_SERVERS:-apache nginx caddy}
FILE_BYTES=1024
MARK_BEGIN='<!-- authz-servers:begin -->'
MARK_END='<!-- authz-servers:end -->'

die() {
	echo "run-servers.sh: $*" >&2
	exit 1
}

for c in wrk curl awk certtool; do
	command -v "$c" >/dev/null || die "$c not installed"
done

# The harness, as the bats files load it.
export JF_SRCDIR=$SRCDIR JF_BUILDDIR=$BUILDDIR
# shellcheck source=/dev/null
for h in common pki apache nginx caddy; do
	. "$SRCDIR/tests/helpers/$h.bash"
done
JWT_FCGI=$(jf_bin jwt-fcgi) && AUTHZ=$(jf_bin jwt-authz.fcgi) &&
	jf_bin tests/helpers/fcgi-echo >/dev/null ||
	die "build first: make jwt-fcgi jwt-authz.fcgi tests/helpers/fcgi-echo"

START=$SECONDS
LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l > 0.5) }'; then
	echo "run-servers.sh: warning: 1-min load average is $LOAD_BEFORE; numbers will be noisy" >&2
fi
TMP=$(mktemp -d /tmp/jf-bench-srv.XXXXXX)
# The server running now: its stop function and dir, for the trap.
CUR_STOP=
CUR_DIR=

cleanup() {
	if [ -n "$CUR_STOP" ]; then
		"$CUR_STOP" "$CUR_DIR" || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TTL=$((WARMUP * 10 + DURATION * 10 + 300))

# expect CODE URL [CURL ARGS...]: one request must answer CODE; 200 must
# carry the file, 401 a Bearer challenge.
expect() {
	local want=$1 url=$2 got
	shift 2
	got=$(curl -sS --max-time 5 -o "$TMP/body" -D "$TMP/hdrs" \
		-w '%{http_code}' "$@" "$url") || die "curl $url failed"
	[ "$got" = "$want" ] || die "$url: expected $want, got $got: $(head -c 300 "$TMP/body")"
	if [ "$want" = 200 ]; then
		cmp -s "$TMP/body" "$TMP/file.txt" || die "$url: 200 without the static file"
	elif [ "$want" = 401 ]; then
		grep -qi '^WWW-Authenticate: Bearer' "$TMP/hdrs" ||
			die "$url: 401 without WWW-Authenticate: Bearer"
	fi
}

# measure KEY URL EXPECT [wrk -H ARG]: EXPECT is 2xx (no non-2xx answer
# allowed) or 401 (every answer non-2xx). Sets RPS[KEY], REQS[KEY],
# P99[KEY] (ms).
declare -A RPS REQS P99 SKIP VERSION READS CONNS_OF
measure() {
	local key=$1 url=$2 expect=$3 out total non2xx errs reads
	shift 3
	wrk -t"$THREADS" -c"$C" -d"${WARMUP}s" "$@" "$url" >/dev/null
	out=$TMP/$key.wrk
	wrk -t"$THREADS" -c"$C" -d"${DURATION}s" --latency "$@" "$url" >"$out"
	total=$(awk '/ requests in /{print $1}' "$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")
	non2xx=${non2xx:-0}
	# "Socket errors: connect 0, read N, write 0, timeout 0". Apache
	# closes a keep-alive connection after MaxKeepAliveRequests (100)
	# answers and when its threads are all busy, which wrk counts as read
	# errors: there they are reconnects, counted and reported, not fatal.
	# Nothing else is allowed anywhere.
	errs=$(awk -F'[ ,]+' '/Socket errors/{print $5 + $9 + $11}' "$out")
	reads=$(awk -F'[ ,]+' '/Socket errors/{print $7}' "$out")
	if [ "${errs:-0}" != 0 ] ||
		{ [ "$READ_OK" != 1 ] && [ "${reads:-0}" -gt 0 ]; }; then
		die "$key: wrk saw socket errors: $(cat "$out")"
	fi
	READS[$key]=${reads:-0}
	if [ "$expect" = 2xx ] && [ "$non2xx" != 0 ]; then
		die "$key: $non2xx non-2xx answers: $(cat "$out")"
	fi
	if [ "$expect" = 401 ] && [ "$non2xx" != "$total" ]; then
		die "$key: $non2xx of $total answers were non-2xx, expected all"
	fi
	REQS[$key]=$total
	RPS[$key]=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$out")
	P99[$key]=$(awk '$1 == "99%" {
		v = $2; n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
		printf "%.2f", n }' "$out")
	echo "$key: ${RPS[$key]} req/s, p99 ${P99[$key]} ms" >&2
}

# bench_server NAME: start NAME through its harness, check, measure a, b,
# c, check nothing died, stop it.
bench_server() {
	local s=$1 dir base pidfile tok
	# jf_skip records why a server is missing in BATS_FILE_TMPDIR.
	export BATS_FILE_TMPDIR=$TMP/skip-$s
	mkdir -p "$BATS_FILE_TMPDIR"
	if ! "need_$s" || ! need_certtool; then
		SKIP[$s]=$(head -n 1 "$BATS_FILE_TMPDIR/skip-reason")
		echo "run-servers.sh: skipping $s: ${SKIP[$s]}" >&2
		return 0
	fi
	if [ "$s" = apache ]; then
		# Apache's children run as nobody: a world-readable dir of its
		# own, which apache_stop removes.
		dir=$(apache_dir) || die "apache_dir failed"
	else
		dir=$TMP/$s
		mkdir -p "$dir"
	fi
	authz_fixture "$dir" >/dev/null || die "$s: authz_fixture failed"
	# The rows measure verification, not a log line per request.
	sed -i '1a log_level = warn' "$dir/authz.conf"
	"$JWT_FCGI" check-config "$dir/authz.conf" >/dev/null ||
		die "$s: check-config refused $dir/authz.conf"
	tok=$(jf_sign "$dir/mint.key" svc-a "read write" --ttl "$TTL") ||
		die "$s: jf_sign failed"
	TOKEN_BYTES=${#tok}
	CUR_STOP=${s}_stop CUR_DIR=$dir
	"${s}_start" "$dir" "$AUTHZ" || die "$s: ${s}_start failed"
	pidfile=$dir/$s.pid
	head -c "$FILE_BYTES" /dev/zero | tr '\0' 'x' >"$TMP/file.txt"
	cp "$TMP/file.txt" "$dir/htdocs/bench.txt"
	cp "$TMP/file.txt" "$dir/htdocs/api/bench.txt"
	chmod a+r "$dir/htdocs/bench.txt" "$dir/htdocs/api/bench.txt"
	base=http://127.0.0.1:$PORT
	C=$CONNS READ_OK=0
	if [ "$s" = apache ]; then
		C=$APACHE_CONNS READ_OK=1
	fi
	CONNS_OF[$s]=$C

	expect 200 "$base/bench.txt"
	expect 200 "$base/api/bench.txt" -H "Authorization: Bearer $tok"
	expect 401 "$base/api/bench.txt" -H "Authorization: Bearer $TOK_OTHERKEY"
	expect 401 "$base/api/bench.txt"

	measure "$s.a" "$base/bench.txt" 2xx
	measure "$s.b" "$base/api/bench.txt" 2xx -H "Authorization: Bearer $tok"
	measure "$s.c" "$base/api/bench.txt" 401

	# jwt-authz.fcgi against an authorizer that does nothing, in its
	# place (same port, as many processes), alternated in rounds so that
	# a burst of other work on the machine spreads over both.
	local i e tree
	e=$(jf_bin tests/helpers/fcgi-echo)
	: >"$TMP/$s.rounds"
	for i in $(seq 1 "$ROUNDS"); do
		tree=$(authz_tree "$dir/authz.pid")
		c0=$(cpu_ns $tree)
		measure "$s.b$i" "$base/api/bench.txt" 2xx -H "Authorization: Bearer $tok"
		c1=$(cpu_ns $tree)
		stop_daemon "$dir/authz.pid"
		start_daemon "$dir" triv "$e" --allow --procs 2 \
			--listen "127.0.0.1:$AUTHZ_PORT"
		wait_for_port "$AUTHZ_PORT" 10 "$dir/triv.pid" ||
			die "$s: fcgi-echo does not listen on $AUTHZ_PORT"
		tree=$(authz_tree "$dir/triv.pid")
		d0=$(cpu_ns $tree)
		measure "$s.d$i" "$base/api/bench.txt" 2xx -H "Authorization: Bearer $tok"
		d1=$(cpu_ns $tree)
		stop_daemon "$dir/triv.pid"
		start_daemon "$dir" authz "$AUTHZ" -c "$dir/authz.conf" \
			--listen "127.0.0.1:$AUTHZ_PORT" --workers 2
		wait_for_port "$AUTHZ_PORT" 10 "$dir/authz.pid" ||
			die "$s: jwt-authz.fcgi does not listen on $AUTHZ_PORT"
		echo "${RPS[$s.b$i]} ${RPS[$s.d$i]} ${P99[$s.b$i]} ${P99[$s.d$i]}" \
		    "$(awk -v a=$((c1 - c0)) -v n="${REQS[$s.b$i]}" 'BEGIN { printf "%.1f", a / n / 1000 }')" \
		    "$(awk -v a=$((d1 - d0)) -v n="${REQS[$s.d$i]}" 'BEGIN { printf "%.1f", a / n / 1000 }')" \
		    >>"$TMP/$s.rounds"
		echo "$s round $i: $(tail -n 1 "$TMP/$s.rounds")" >&2
	done

	# A crashed authorizer or server would have skewed the rows.
	kill -0 "$(cat "$pidfile")" 2>/dev/null || die "$s died during the run"
	kill -0 "$(cat "$dir/authz.pid")" 2>/dev/null ||
		die "$s: jwt-authz.fcgi died during the run"
	if grep -q . "$dir/authz.log"; then
		echo "run-servers.sh: $s: jwt-authz.fcgi logged:" >&2
		tail -n 10 "$dir/authz.log" >&2
	fi
	case $s in
	apache) VERSION[$s]=$(apache2 -v | awk -F': ' 'NR == 1 {print $2}') ;;
	nginx) VERSION[$s]=$(nginx -v 2>&1 | awk -F': ' '{print $2}') ;;
	caddy) VERSION[$s]="caddy $(caddy version | awk '{print $1}')" ;;
	esac
	"${s}_stop" "$dir"
	CUR_STOP= CUR_DIR=
}

# authz_tree PIDFILE: the daemon and its children (workers).
authz_tree() {
	local p
	p=$(cat "$1")
	echo "$p $(ps -o pid= --ppid "$p" | tr '\n' ' ')"
}
# cpu_ns PID...: ns of CPU the processes ran (schedstat).
cpu_ns() {
	local p t=0 v
	for p in "$@"; do
		v=$(cut -d ' ' -f 1 "/proc/$p/schedstat" 2>/dev/null || echo 0)
		t=$((t + v))
	done
	echo "$t"
}
# rstat SERVER EXPR: median (min-max) over the rounds of an awk
# expression of the columns b_rps d_rps b_p99 d_p99 b_cpu d_cpu.
rstat() {
	awk "{ print $2 }" "$TMP/$1.rounds" | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

TOKEN_BYTES=0
for s in $SERVERS; do
	case $s in apache | nginx | caddy) ;; *) die "unknown server $s" ;; esac
	bench_server "$s"
done

# --- report ----------------------------------------------------------------

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

CPU=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
WRK_V=$( (wrk -v 2>&1 || true) | awk 'NR == 1 {print $1, $2}')
COMMIT=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=
if git -C "$SRCDIR" status --porcelain 2>/dev/null | grep -q .; then
	DIRTY=", uncommitted changes"
fi
WRK="wrk -t$THREADS -c<conns> -d${DURATION}s --latency"
SERVERS_V=
for s in $SERVERS; do
	[ -n "${VERSION[$s]:-}" ] && SERVERS_V="$SERVERS_V${SERVERS_V:+, }${VERSION[$s]}"
done
ELAPSED=$((SECONDS - START))

SECTION=$TMP/section.md
{
	echo "$MARK_BEGIN"
	echo "## jwt-authz.fcgi behind Apache, nginx and Caddy: authorized vs. unauthenticated"
	echo
	echo "Written by \`bench/run-servers.sh\` on $(date -u +%Y-%m-%d), commit $COMMIT$DIRTY, in $ELAPSED s."
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| CPU | $CPU |"
	echo "| kernel | $(uname -sr) |"
	echo "| servers | ${SERVERS_V:-none} |"
	echo "| client | $WRK_V |"
	echo "| 1-min load average at start | $LOAD_BEFORE |"
	echo
	echo "Per server, each row a ${WARMUP} s warm-up run, then, over loopback with keep-alive:"
	echo
	echo '```'
	echo "$WRK http://127.0.0.1:PORT/bench.txt"
	echo "$WRK -H 'Authorization: Bearer <ES256 token, $TOKEN_BYTES bytes>' http://127.0.0.1:PORT/api/bench.txt"
	echo "$WRK http://127.0.0.1:PORT/api/bench.txt"
	echo '```'
	echo
	echo "| server | conns | a: static, req/s | b: /api, valid token, 200, req/s | c: /api, no token, 401, req/s | p99 ms a / b / c | **b/a** | **b/c** |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for s in $SERVERS; do
		if [ -n "${SKIP[$s]:-}" ]; then
			echo "| $s | skipped: ${SKIP[$s]} | | | | | | |"
			continue
		fi
		echo "| ${VERSION[$s]} | ${CONNS_OF[$s]} | ${RPS[$s.a]} | ${RPS[$s.b]} | ${RPS[$s.c]} | ${P99[$s.a]} / ${P99[$s.b]} / ${P99[$s.c]} | $(ratio "${RPS[$s.b]}" "${RPS[$s.a]}") | $(ratio "${RPS[$s.b]}" "${RPS[$s.c]}") |"
	done
	echo
	echo "b/a: what authorizing costs over serving the file; b/c: authorized over"
	echo "unauthenticated (b verifies one ES256 signature per request, c none)."
	echo
	echo "Against an authorizer that does nothing: $ROUNDS rounds, each row b again with"
	echo "jwt-authz.fcgi, then d, the same request with \`fcgi-echo --allow --procs 2\` in its"
	echo "place (same port, as many processes). Median (min-max) over the rounds; CPU is what"
	echo "the authorizer's processes ran (\`/proc/PID/schedstat\`) per request answered."
	echo
	echo "| server | **b/d req/s** | p99 added, b - d, ms | CPU us/request b / d | **CPU b/d** |"
	echo "|---|---:|---:|---:|---:|"
	for s in $SERVERS; do
		[ -z "${SKIP[$s]:-}" ] || continue
		echo "| ${VERSION[$s]} | $(rstat "$s" '$1 / $2') | $(rstat "$s" '$3 - $4') | $(rstat "$s" '$5') / $(rstat "$s" '$6') | $(rstat "$s" '$5 / $6') |"
	done
	echo
	echo "Setup: each server started by the test harness (\`tests/helpers/<server>.bash\`) from"
	echo "the shipped \`conf/<server>/\` files, as \`tests/authz_<server>.bats\` starts it, with"
	echo "its access log on; \`jwt-authz.fcgi --listen 127.0.0.1:PORT --workers 2\` with the"
	echo "\`authz_fixture\` config (one issuer, one ES256 key) plus \`log_level = warn\`. The file"
	echo "is ${FILE_BYTES} bytes, the same under / and /api/. Before measuring, curl checked a"
	echo "200 with the file for a and b and a 401 with a Bearer challenge for no token and"
	echo "for a token from an unknown key; wrk reported no non-2xx answer for a and b, only"
	echo "non-2xx for c, and no socket errors. Servers run one after the other, never at the"
	echo "same time. wrk shares the $(nproc) CPUs with the server and the authorizer, and the"
	echo "harness configs are test-sized (Apache: one process of 8 threads; nginx: one worker),"
	echo "so compare the ratios within a row, not the absolute numbers or servers. Apache runs"
	echo "with $APACHE_CONNS connections (its 8 threads; with more, the event MPM closes keep-alive"
	echo "connections whenever all threads are busy) and closes each after 100 answers"
	echo "(MaxKeepAliveRequests): wrk's read errors, $(for r in a b c; do printf '%s ' "${READS[apache.$r]:-0}"; done)for a b c, are those reconnects."
	echo "$MARK_END"
} >"$SECTION"

bench_write_section "$DOC" "$SECTION" "$MARK_BEGIN" "$MARK_END"
echo "wrote $DOC in $((SECONDS - START)) s" >&2

#!/bin/bash
# soak.sh - jwt-authz.fcgi and jwt-mint.fcgi under long load with faults:
# reloads (good and broken), killed workers, a registry rewritten under
# the mint. Asserts zero wrong answers and reports RSS before and after.
#
# Part 1, the authorizer: lighttpd with jwt-authz.fcgi (--workers 2)
# through the shipped 50-jwt-authz.conf, protecting /api/ok/file.txt and
# /api/bad/file.txt. wrk with bench/soak.lua sends a deterministic mix of
# valid tokens (expected 200) and expired, forged-signature, wrong-audience,
# unknown-key and missing tokens (expected 401) and counts every answer
# that differs; SOAK_REQUESTS in all, in phases:
#   warm  2%  mix1: caches and allocator reach their steady state; RSS
#   p1   30%  mix1; at 1/3 key b is added to the JWKS and SIGHUP sent
#             (all three processes log the reload), at 2/3 the config is
#             replaced by one that cannot load and SIGHUP sent (all three
#             log the refusal and keep serving)
#   p2   35%  mix2 = mix1 + tokens of key b, expected 200 although the
#             file on disk is broken; at 1/2 a worker is SIGKILLed at a
#             moment it holds no request (SIGSTOP, no connection fd, then
#             SIGKILL): the supervisor forks a new one, from the kept
#             state, and no request fails
#   p3   33%  mix2; at 1/4 the good config (keys a and b) is back and
#             SIGHUP sent, at 1/2 the other original worker is SIGKILLed
#             blindly: the request it was serving, if any, is lost (lighttpd
#             answers 500), which is the one failure allowed, and reported
# RSS (ps -o rss) of lighttpd, the supervisor and each worker is taken
# after warm, p1, p2 and p3.
#
# Part 2, the mint: the lighttpd mTLS setup of tests/mint_lighttpd.bats;
# SOAK_MINT_REQUESTS POSTs to /mint/token by curl over keep-alive (4
# parallel connections: 2 x billing, expected 200; retired and stranger,
# expected 401 invalid_client) while the registry is rewritten every 1.5 s
# (good -> truncated -> good with a new claim -> ...), watched each second.
#
# Writes the section between the soak markers of doc/benchmarks.md when
# every check passed (exit 0); otherwise prints why and exits 1.
# Run as `make soak`, or:  JF_BUILDDIR=/path/to/build bench/soak.sh
# Knobs (recorded in the doc): SOAK_REQUESTS (1000000; CI: 50000),
# SOAK_DURATION (cap in seconds for part 1, 1200), SOAK_THREADS (wrk
# threads = connections, 4), SOAK_MINT_REQUESTS (20000; CI: 2000),
# SOAK_LOG_LEVEL (info), SOAK_DOC (another output file).
set -uo pipefail
. "$(dirname "$0")/lib.bash"

SRCDIR=${JF_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${JF_BUILDDIR:-$SRCDIR}
export JF_SRCDIR=$SRCDIR JF_BUILDDIR=$BUILDDIR
DOC=${SOAK_DOC:-$SRCDIR/doc/benchmarks.md}
TOTAL=${SOAK_REQUESTS:-1000000}
CAP=${SOAK_DURATION:-1200}
THREADS=${SOAK_THREADS:-4}
MINT_TOTAL=${SOAK_MINT_REQUESTS:-20000}
export SOAK_LOG_LEVEL=${SOAK_LOG_LEVEL:-info}
MARK_BEGIN='<!-- soak:begin -->'
MARK_END='<!-- soak:end -->'

# shellcheck source=../tests/helpers/common.bash
. "$SRCDIR/tests/helpers/common.bash"
. "$SRCDIR/tests/helpers/pki.bash"
. "$SRCDIR/tests/helpers/lighttpd.bash"
. "$SRCDIR/tests/helpers/mint.bash"
. "$SRCDIR/tests/helpers/soak.bash"

die() {
	echo "soak.sh: $*" >&2
	exit 1
}

for c in lighttpd wrk curl certtool jq awk ps pgrep; do
	command -v "$c" >/dev/null || die "$c not installed"
done
for p in jwt-fcgi jwt-authz.fcgi jwt-mint.fcgi tests/helpers/fcgi-echo; do
	[ -x "$BUILDDIR/$p" ] || die "$BUILDDIR/$p not built"
done
if ! { [ "$THREADS" -ge 1 ] && [ "$TOTAL" -ge 2000 ] &&
	[ "$MINT_TOTAL" -ge 40 ]; }; then
	die "SOAK_THREADS >= 1, SOAK_REQUESTS >= 2000, SOAK_MINT_REQUESTS >= 40"
fi

START=$SECONDS
LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
SOAK_DIR=$(mktemp -d /tmp/jf-soak.XXXXXX)
A=$SOAK_DIR/authz
M=$SOAK_DIR/mint
mkdir -p "$A" "$M"
FAILS=()

cleanup() {
	lighttpd_stop "$A"
	mint_lighttpd_stop "$M"
	rm -rf "$SOAK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check WHAT CONDITION...: records a failed check, goes on.
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what" >&2
	else
		echo "FAILED: $what" >&2
		FAILS+=("$what")
	fi
}

# phase_budget: seconds left of the cap (at least 5).
phase_budget() {
	local left=$((CAP - (SECONDS - START)))
	[ "$left" -lt 5 ] && left=5
	echo "$left"
}

declare -A RSS
# sample LABEL: RSS of lighttpd, the supervisor and every worker seen.
sample() {
	local p
	for p in $LPID $SUP $WORKERS_SEEN; do
		RSS[$p,$1]=$(soak_rss "$p")
	done
}

declare -A PH
# end_phase NAME: collects the phase's results into PH[NAME,*].
end_phase() {
	soak_phase_end "$1" || die "phase $1 failed"
	soak_phase_report "$1" >&2
	PH[$1,req]=$SR_REQUESTS PH[$1,ok]=$SR_OK_SENT PH[$1,bad]=$SR_BAD_SENT
	PH[$1,wrong]=$((SR_OK_WRONG + SR_BAD_WRONG)) PH[$1,s5xx]=$SR_S5XX
	PH[$1,other]=$SR_OTHER PH[$1,err]=$SR_ERRORS
	PH[$1,ms]=$((SR_DURATION_US / 1000)) PH[$1,first]=$SR_FIRST_WRONG
}

# --- part 1: the authorizer ------------------------------------------------

echo "soak.sh: authorizer: $TOTAL requests, $THREADS connections, cap ${CAP}s" >&2
soak_fixture "$A" || die "cannot make keys and tokens"
soak_start "$A" || die "cannot start lighttpd"
ALOG=$A/lighttpd.log
LPID=$(cat "$A/lighttpd.pid")
for _ in $(seq 1 100); do
	SUP=$(soak_supervisor "$A") && [ "$(soak_workers "$SUP" | wc -w)" = 2 ] &&
		break
	sleep 0.05
done
[ -n "${SUP:-}" ] || die "no jwt-authz.fcgi under lighttpd"
WORKERS0=$(soak_workers "$SUP")
WORKERS_SEEN=$WORKERS0
RELOADED="configuration $A/authz.conf reloaded"
REFUSED="reload failed, keeping the previous configuration"

N_WARM=$((TOTAL / 50))
N1=$((TOTAL * 30 / 100))
N2=$((TOTAL * 35 / 100))
N3=$((TOTAL - N_WARM - N1 - N2))

soak_phase warm "$A/mix1" "$N_WARM" "$(phase_budget)" "$THREADS"
end_phase warm
sample before

soak_phase p1 "$A/mix1" "$N1" "$(phase_budget)" "$THREADS"
soak_wait_progress p1 $((N1 / 3)) || die "p1 ended early: raise SOAK_DURATION"
soak_trust "$A" a b || die "cannot write the JWKS"
kill -HUP "$SUP"
check "p1: SIGHUP with key b: supervisor and both workers reloaded" \
	soak_wait_log "$ALOG" "$RELOADED" 3
soak_wait_progress p1 $((N1 * 2 / 3)) || die "p1 ended early: raise SOAK_DURATION"
soak_break "$A"
kill -HUP "$SUP"
check "p1: SIGHUP with a broken config: all three refused it" \
	soak_wait_log "$ALOG" "$REFUSED" 3
end_phase p1
check "p1: no wrong answer" test "${PH[p1,wrong]}" = 0
sample p1

soak_phase p2 "$A/mix2" "$N2" "$(phase_budget)" "$THREADS"
soak_wait_progress p2 $((N2 / 2)) || die "p2 ended early: raise SOAK_DURATION"
# shellcheck disable=SC2086 # two PIDs
soak_kill_idle $WORKERS0 || die "no worker was ever idle"
IDLE_KILLED=$KILLED IDLE_TRIES=$KILL_TRIES
check "p2: the worker killed while idle ($IDLE_KILLED) is replaced" \
	soak_wait_replaced "$SUP" "$IDLE_KILLED" "$WORKERS0"
IDLE_NEW=$NEWPID
WORKERS_SEEN="$WORKERS_SEEN $IDLE_NEW"
end_phase p2
check "p2: no wrong answer, no 5xx (broken config on disk, idle kill)" \
	test "${PH[p2,wrong]}" = 0 -a "${PH[p2,s5xx]}" = 0
sample p2

soak_phase p3 "$A/mix2" "$N3" "$(phase_budget)" "$THREADS"
soak_wait_progress p3 $((N3 / 4)) || die "p3 ended early: raise SOAK_DURATION"
soak_conf "$A"
kill -HUP "$SUP"
check "p3: SIGHUP with the good config: all three reloaded" \
	soak_wait_log "$ALOG" "$RELOADED" 6
soak_wait_progress p3 $((N3 / 2)) || die "p3 ended early: raise SOAK_DURATION"
BLIND_KILLED=$(tr ' ' '\n' <<<"$WORKERS0" | grep -vx "$IDLE_KILLED")
BEFORE=$(soak_workers "$SUP")
kill -KILL "$BLIND_KILLED"
check "p3: the worker killed blindly ($BLIND_KILLED) is replaced" \
	soak_wait_replaced "$SUP" "$BLIND_KILLED" "$BEFORE"
BLIND_NEW=$NEWPID
WORKERS_SEEN="$WORKERS_SEEN $BLIND_NEW"
end_phase p3
check "p3: at most the one request in flight in the killed worker failed" \
	test "${PH[p3,s5xx]}" -le 1 -a "${PH[p3,wrong]}" = "${PH[p3,s5xx]}"
sample after
A_SECS=$((SECONDS - START))

for p in warm p1 p2 p3; do
	check "$p: no socket error, no status but 200, 401 and 5xx" \
		test "${PH[$p,err]}" = 0 -a "${PH[$p,other]}" = 0
done

# Memory: every process alive at two samples grew by at most 1 MiB + 5%.
# The supervisor and lighttpd span the whole run; the worker forked in
# p2 spans p3.
rss_flat() {
	local p first last s
	for p in $LPID $SUP $WORKERS_SEEN; do
		first='' last=''
		for s in before p1 p2 after; do
			[ "${RSS[$p,$s]:--}" = - ] && continue
			[ -z "$first" ] && first=${RSS[$p,$s]}
			last=${RSS[$p,$s]}
		done
		[ -z "$first" ] && continue
		if [ "$last" -gt $((first + 1024 + first / 20)) ]; then
			echo "RSS of $p grew from $first to $last KiB" >&2
			return 1
		fi
	done
}
check "RSS flat (at most +1 MiB +5% per process)" rss_flat
A_LOG_BYTES=$(stat -c %s "$ALOG")
lighttpd_stop "$A"

# --- part 2: the mint --------------------------------------------------------

echo "soak.sh: mint: $MINT_TOTAL requests" >&2
MSTART=$SECONDS
DIR=$M
mint_lighttpd_start "$M" || die "cannot start the mint's lighttpd"
MLOG=$M/lighttpd.log
MSUP=$(pgrep -P "$(cat "$M/lighttpd.pid")" -f jwt-mint.fcgi) ||
	die "no jwt-mint.fcgi under lighttpd"
MW0=$(soak_workers "$MSUP")
NB=$((MINT_TOTAL * 4 / 10)) NR=$((MINT_TOTAL / 10))
NS=$((MINT_TOTAL - 2 * NB - NR))
soak_mint_load b1 billing "$NB"
soak_mint_load b2 billing "$NB"
soak_mint_load r retired "$NR"
soak_mint_load s stranger "$NS"
# Six rewrites under load, at 1/7 .. 6/7 of the requests: truncated,
# good with "gen": 2, truncated, ..., good with "gen": 6. Each must be
# seen (watch interval 1 s) and logged by the supervisor and both workers
# before the next.
MREF="reload failed, keeping the previous configuration and registry"
MREL="and registry $M/registry.json reloaded ("
FLIPS=0 BAD_FLIPS=0
for k in 1 2 3 4 5 6; do
	soak_mint_wait_progress $((MINT_TOTAL * k / 7)) ||
		die "the mint clients stalled"
	if [ "$k" = 1 ]; then
		MRSS0=$(for p in $MSUP $MW0; do soak_rss "$p"; done | tr '\n' ' ')
	fi
	if [ $((k % 2)) = 1 ]; then
		want=$(($(soak_log_count "$MLOG" "$MREF") + 3))
		soak_registry_bad "$M/registry.json"
		check "mint: truncated registry $k refused by all three, logged" \
			soak_wait_log "$MLOG" "$MREF" "$want"
		BAD_FLIPS=$((BAD_FLIPS + 1))
	else
		want=$(($(soak_log_count "$MLOG" "$MREL") + 3))
		mint_registry "$M/registry.json" "\"gen\": $k"
		check "mint: good registry $k reloaded by all three" \
			soak_wait_log "$MLOG" "$MREL" "$want"
	fi
	FLIPS=$((FLIPS + 1))
done
soak_mint_stop
declare -A MR
for n in b1 b2 r s; do
	soak_mint_wait "$n"
	MR[$n]="$SM_TOTAL $SM_S200 $SM_S401 $SM_S5XX $SM_OTHER $SM_CONNECTS"
	echo "mint $n: total 200 401 5xx other connects: ${MR[$n]}" >&2
done
BATCH=${SOAK_MINT_BATCH:-500}
mint_ok() {
	local n t a b e o c
	for n in b1 b2 r s; do
		read -r t a b e o c <<<"${MR[$n]}"
		case $n in
		b*) [ "$t" -ge "$NB" ] && [ "$a" = "$t" ] ;;
		r) [ "$t" -ge "$NR" ] && [ "$b" = "$t" ] ;;
		s) [ "$t" -ge "$NS" ] && [ "$b" = "$t" ] ;;
		esac || return 1
		[ "$e" = 0 ] && [ "$o" = 0 ] &&
			[ "$c" = $(((t + BATCH - 1) / BATCH)) ] || return 1
	done
}
check "mint: every answer 200 (billing) or 401 (retired, stranger), no 5xx, one connection per batch" mint_ok
MINT_TOTAL_DONE=$(soak_mint_progress)
# The last registry written is the one served.
GEN=$(curl -sS --cacert "$M/pki/ca.pem" --cert "$M/pki/billing.pem" \
	--key "$M/pki/billing.key" -d '' \
	"https://127.0.0.1:$MTLS_PORT/mint/token" | jq -r .access_token)
GEN=$(jwt_payload "$GEN" | jq -r '.gen // "none"')
check "mint: the last good registry serves (gen $GEN, expected 6)" test "$GEN" = 6
MINT_REFUSED=$(soak_log_count "$MLOG" "$MREF")
MINT_RELOADED=$(soak_log_count "$MLOG" "$MREL")
check "mint: no worker was replaced" test "$(soak_workers "$MSUP")" = "$MW0"
MRSS1=$(for p in $MSUP $MW0; do soak_rss "$p"; done | tr '\n' ' ')
mint_rss_flat() {
	local -a a b
	read -r -a a <<<"$MRSS0"
	read -r -a b <<<"$MRSS1"
	local i
	for i in 0 1 2; do
		[ "${b[i]}" != - ] && [ "${b[i]}" -le $((a[i] + 1024 + a[i] / 20)) ] ||
			return 1
	done
}
check "mint: RSS flat (at most +1 MiB +5% per process): $MRSS0-> $MRSS1" mint_rss_flat
M_SECS=$((SECONDS - MSTART))
mint_lighttpd_stop "$M"

if [ "${#FAILS[@]}" -gt 0 ]; then
	printf 'soak.sh: %d check(s) failed:\n' "${#FAILS[@]}" >&2
	printf '  %s\n' "${FAILS[@]}" >&2
	for p in warm p1 p2 p3; do
		[ -n "${PH[$p,first]}" ] && echo "  $p first wrong: ${PH[$p,first]}" >&2
	done
	grep -v -e 'info: refused' -e 'info: audit' "$ALOG" | tail -n 20 >&2
	echo "soak.sh: $DOC not written" >&2
	exit 1
fi

# --- report --------------------------------------------------------------------

CPU=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
COMMIT=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=
if git -C "$SRCDIR" status --porcelain 2>/dev/null | grep -q .; then
	DIRTY=", uncommitted changes"
fi
# role PID: what the process is, for the RSS table.
role() {
	case " $1 " in
	" $LPID ") echo "lighttpd" ;;
	" $SUP ") echo "jwt-authz.fcgi supervisor" ;;
	" $IDLE_KILLED ") echo "worker 1 (killed idle in p2)" ;;
	" $BLIND_KILLED ") echo "worker 2 (killed blindly in p3)" ;;
	" $IDLE_NEW ") echo "worker forked in p2" ;;
	" $BLIND_NEW ") echo "worker forked in p3" ;;
	esac
}
rate() {
	awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }'
}
{
	echo "$MARK_BEGIN"
	echo "## Soak: both programs under load with reloads and killed workers"
	echo
	echo "Written by \`bench/soak.sh\` (\`make soak\`) on $(date -u +%Y-%m-%d), commit $COMMIT$DIRTY,"
	echo "in $((SECONDS - START)) s: the authorizer part $A_SECS s, the mint part $M_SECS s."
	echo
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| CPU | $CPU |"
	echo "| kernel | $(uname -sr) |"
	echo "| server | $(lighttpd -v 2>&1 | head -n 1) |"
	echo "| client | $( (wrk -v 2>&1 || true) | awk 'NR == 1 {print $1, $2}'), $(curl --version | head -n 1 | cut -d' ' -f1-2) |"
	echo "| 1-min load average at start | $LOAD_BEFORE |"
	echo
	echo "\`SOAK_REQUESTS=$TOTAL SOAK_THREADS=$THREADS SOAK_MINT_REQUESTS=$MINT_TOTAL SOAK_LOG_LEVEL=$SOAK_LOG_LEVEL make soak\`;"
	echo "each authorizer phase is"
	echo
	echo '```'
	echo "wrk -t$THREADS -c$THREADS -d<rest of ${CAP} s> --timeout 10s -s bench/soak.lua http://127.0.0.1:PORT/"
	echo '```'
	echo
	echo "### jwt-authz.fcgi: lighttpd bin-path, \`--workers 2\`, \`cache_entries = 8\`"
	echo
	echo "A wrong answer is a valid token not answered 200 or a refused one not answered 401;"
	echo "a 5xx is counted in both columns."
	echo
	echo "| phase | tokens | fault during the phase | requests | valid | refused | wrong | 5xx | socket errors | s | req/s |"
	echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for p in warm p1 p2 p3; do
		case $p in
		warm) mix=mix1 f="none (warm-up)" ;;
		p1) mix=mix1 f="key b added + SIGHUP; then broken config + SIGHUP" ;;
		p2) mix=mix2 f="broken config on disk; worker SIGKILLed while idle" ;;
		p3) mix=mix2 f="good config + SIGHUP; worker SIGKILLed blindly" ;;
		esac
		echo "| $p | $mix | $f | ${PH[$p,req]} | ${PH[$p,ok]} | ${PH[$p,bad]} | ${PH[$p,wrong]} | ${PH[$p,s5xx]} | ${PH[$p,err]} | $(awk -v m="${PH[$p,ms]}" 'BEGIN { printf "%.1f", m / 1000 }') | $(rate "${PH[$p,req]}" "${PH[$p,ms]}") |"
	done
	echo
	echo "mix1: per 40 requests 20 valid ES256 \`at+jwt\` tokens (2 hot, 10 cold subjects, so the"
	echo "8-entry verified-token cache keeps evicting) and 20 refused: expired, forged signature,"
	echo "wrong audience, unknown key, no token. mix2: mix1 plus 5 valid tokens of key b, which"
	echo "only the reloaded state trusts, and 5 more refused. The idle kill stops the worker"
	echo "(SIGSTOP) until it holds no connection (attempt $IDLE_TRIES), then SIGKILLs it; the"
	echo "blind kill may land during a request, which lighttpd then answers 500 (\`response not"
	echo "received, request sent\`): that request alone is lost and counted above."
	echo
	echo "RSS in KiB (\`ps -o rss\`), after each phase:"
	echo
	echo "| process | PID | after warm | after p1 | after p2 | after p3 |"
	echo "|---|---:|---:|---:|---:|---:|"
	for p in $LPID $SUP $WORKERS_SEEN; do
		echo "| $(role "$p") | $p | ${RSS[$p,before]:--} | ${RSS[$p,p1]:--} | ${RSS[$p,p2]:--} | ${RSS[$p,after]:--} |"
	done
	echo
	echo "Refusals are logged at \`info\`: the authorizer wrote $((A_LOG_BYTES / 1024)) KiB of log."
	echo
	echo "### jwt-mint.fcgi: POST /mint/token over mTLS keep-alive, registry rewritten"
	echo
	echo "Four curl clients at once, each with one keep-alive connection per batch; the registry replaced"
	echo "(by rename) at 1/7 ... 6/7 of the requests, alternately by a truncated file and by a"
	echo "good one with a new claim ($FLIPS times, $BAD_FLIPS truncated); the mint's supervisor"
	echo "checks it every second. Each was seen and logged by the supervisor and both workers"
	echo "before the next ($MINT_REFUSED refusals, $MINT_RELOADED reloads logged), and the last good"
	echo "one was served at the end. $MINT_TOTAL_DONE requests in batches of $BATCH per connection:"
	echo
	echo "| client certificate | expected | requests | 200 | 401 | 5xx | other | TLS connections |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for n in b1 b2 r s; do
		read -r t a b e o c <<<"${MR[$n]}"
		case $n in
		b1|b2) what="billing ($n)" want=200 ;;
		r) what="retired (disabled)" want="401 invalid_client" ;;
		s) what="stranger (not registered)" want="401 invalid_client" ;;
		esac
		echo "| $what | $want | $t | $a | $b | $e | $o | $c |"
	done
	echo
	echo "Mint RSS in KiB, supervisor / worker / worker: at 1/7 of the requests $(echo "$MRSS0" | tr -s ' ' '/' | sed 's:/$::'), at the end $(echo "$MRSS1" | tr -s ' ' '/' | sed 's:/$::')."
	echo "$MARK_END"
} >"$SOAK_DIR/section.md"
bench_write_section "$DOC" "$SOAK_DIR/section.md" "$MARK_BEGIN" "$MARK_END"
echo "soak.sh: all checks passed; wrote $DOC in $((SECONDS - START)) s" >&2

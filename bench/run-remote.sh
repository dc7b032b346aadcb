#!/bin/bash
# run-remote.sh - what learning the keys from a URL costs the authorizer:
# jwt-authz.fcgi with its issuer's keys from a local JWKS file against the
# same keys from a jwks_uri (https, on the same lighttpd), refreshed every
# second so that background fetches happen all through the measurement.
#
# One lighttpd on loopback: a TLS socket serving the JWKS file and a
# client ID metadata document, and three URL prefixes of one static file,
# each behind its own jwt-authz.fcgi (lighttpd-spawned authorizers, the
# same process count):
#   local   /local/   jwks_file = the JWKS
#   remote  /remote/  jwks_uri = https://127.0.0.1:TLSPORT/keys.jwks,
#                     jwks_refresh = 1 (a fetch a second, in a process of
#                     its own; the workers only compare a counter)
#   cimd    /cimd/    a self-issued token whose keys come from the client
#                     ID metadata document https://127.0.0.1:TLSPORT/
#                     cimd.json, cimd_refresh = 1 (the same)
#   status  /status/  remote, plus status = required: the token has a
#                     Token Status List entry, its list (https://127.0.0.1:
#                     TLSPORT/sl/1, made by tests/helpers/slist-tool)
#                     refreshed every second (status_refresh = 1); each
#                     request reads one entry
# The rows are measured in BENCH_ROUNDS rounds, local then remote in each
# round, so drift and other load hit both alike; the table gives the
# median of the rounds with their range, requests/s and wrk's p99. Every
# answer must be 200 (wrk's non-2xx count must be 0).
#
# Rewrites the section between the authz-remote markers of
# doc/benchmarks.md. Loopback only; about 2 x ROUNDS x (DURATION + 1) s.
#   JF_BUILDDIR=/path/to/build bench/run-remote.sh
# Knobs: BENCH_THREADS, BENCH_CONNS, BENCH_DURATION, BENCH_ROUNDS,
# BENCH_PROCS, BENCH_DOC.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

SRCDIR=${JF_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${JF_BUILDDIR:-$SRCDIR}
DOC=${BENCH_DOC:-$SRCDIR/doc/benchmarks.md}
THREADS=${BENCH_THREADS:-1}
CONNS=${BENCH_CONNS:-32}
DURATION=${BENCH_DURATION:-8}
ROUNDS=${BENCH_ROUNDS:-5}
PROCS=${BENCH_PROCS:-2}
ISS=https://mint.bench.test
AUD=https://api.bench.test
MARK_BEGIN='<!-- authz-remote:begin -->'
MARK_END='<!-- authz-remote:end -->'

JWT_FCGI=$BUILDDIR/jwt-fcgi
AUTHZ=$BUILDDIR/jwt-authz.fcgi
SLIST=$BUILDDIR/tests/helpers/slist-tool

die() {
	echo "run-remote.sh: $*" >&2
	exit 1
}

for c in lighttpd wrk curl awk certtool; do
	command -v "$c" >/dev/null || die "$c not installed"
done
for p in "$JWT_FCGI" "$AUTHZ" "$SLIST"; do
	[ -x "$p" ] || die "$p not built"
done

LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
TMP=$(mktemp -d /tmp/jf-bench-remote.XXXXXX)
LPID=

cleanup() {
	if [ -n "$LPID" ] && kill -0 "$LPID" 2>/dev/null; then
		kill -TERM "$LPID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$LPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$LPID" 2>/dev/null || true
	fi
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
		p=$((20000 + RANDOM % 12000))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	die "no free loopback port"
}

# --- a CA and a server certificate for 127.0.0.1 ------------------------
JF_SRCDIR=$SRCDIR
# shellcheck source=../tests/helpers/pki.bash
. "$SRCDIR/tests/helpers/pki.bash"
pki_init "$TMP/pki" >/dev/null && pki_server "$TMP/pki" >/dev/null ||
	die "certtool failed"

"$JWT_FCGI" keygen --alg ES256 "$TMP/bench.pem" >/dev/null
mkdir -p "$TMP/keys/sl" "$TMP/www/local" "$TMP/www/remote" "$TMP/www/cimd" \
	"$TMP/www/status"
"$JWT_FCGI" jwks "$TMP/bench.pem" >"$TMP/keys/keys.jwks"
TOKEN=$("$JWT_FCGI" sign -k "$TMP/bench.pem" --iss "$ISS" --aud "$AUD" \
	--sub bench-client --scope read --typ at+jwt \
	--ttl $((ROUNDS * 2 * (DURATION + 2) + 600)))
printf 'x%.0s' $(seq 1 1024) >"$TMP/www/local/file.txt"
cp "$TMP/www/local/file.txt" "$TMP/www/remote/file.txt"
cp "$TMP/www/local/file.txt" "$TMP/www/cimd/file.txt"
cp "$TMP/www/local/file.txt" "$TMP/www/status/file.txt"

PORT=$(pick_port)
TLSPORT=$(pick_port)
[ "$PORT" != "$TLSPORT" ] || die "port clash"
cat >"$TMP/local.conf" <<EOF
realm = bench
log_level = warn
[issuer $ISS]
jwks_file = $TMP/keys/keys.jwks
audience = $AUD
typ = at+jwt
EOF
cat >"$TMP/remote.conf" <<EOF
realm = bench
log_level = warn
fetch_allow = loopback
fetch_ca_file = $TMP/pki/ca.pem
jwks_refresh = 1
jwks_refresh_min = 1
[issuer $ISS]
jwks_uri = https://127.0.0.1:$TLSPORT/keys.jwks
audience = $AUD
typ = at+jwt
EOF
CLIENT=https://127.0.0.1:$TLSPORT/cimd.json
"$JWT_FCGI" cimd init --client-id "$CLIENT" -o "$TMP/svc" >/dev/null 2>&1 ||
	die "cimd init failed"
cp "$TMP/svc/cimd.json" "$TMP/keys/cimd.json"
SELF=$("$JWT_FCGI" cimd token -k "$TMP/svc/client.pem" --client-id "$CLIENT" \
	--aud "$AUD" --ttl 3600)
cat >"$TMP/cimd.conf" <<EOF
realm = bench
log_level = warn
fetch_allow = loopback
fetch_ca_file = $TMP/pki/ca.pem
cimd_refresh = 1
[cimd $CLIENT]
audience = $AUD
scope = read
max_lifetime = 3600
EOF
SLURL=https://127.0.0.1:$TLSPORT/sl/1
printf '{"status":{"status_list":{"idx":7,"uri":"%s"}}}' "$SLURL" |
	"$JWT_FCGI" sign -k "$TMP/bench.pem" --iss "$ISS" --aud "$AUD" \
	--sub bench-client --scope read --typ at+jwt --claims - \
	--ttl $((ROUNDS * 2 * (DURATION + 2) + 600)) >"$TMP/status.jwt"
STOKEN=$(cat "$TMP/status.jwt")
printf '{"status_list":%s}' "$("$SLIST" encode 1 4096 3=1 1000=1)" |
	"$JWT_FCGI" sign -k "$TMP/bench.pem" --iss "$ISS" --sub "$SLURL" \
	--typ statuslist+jwt --ttl 86400 --claims - >"$TMP/keys/sl/1"
cat >"$TMP/status.conf" <<EOF
realm = bench
log_level = warn
fetch_allow = loopback
fetch_ca_file = $TMP/pki/ca.pem
jwks_refresh = 1
jwks_refresh_min = 1
status_refresh = 1
status_refresh_min = 1
[issuer $ISS]
jwks_uri = https://127.0.0.1:$TLSPORT/keys.jwks
audience = $AUD
typ = at+jwt
status = required
EOF
cat >"$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$TMP/lighttpd-error.log"
server.modules = ( "mod_fastcgi", "mod_openssl", "mod_accesslog" )
server.max-keep-alive-requests = 100000
mimetype.assign = ( ".txt" => "text/plain", ".jwks" => "application/json" )
\$SERVER["socket"] == "127.0.0.1:$TLSPORT" {
	ssl.engine = "enable"
	ssl.pemfile = "$TMP/pki/server.pem"
	ssl.privkey = "$TMP/pki/server.key"
	server.document-root = "$TMP/keys"
	accesslog.filename = "|/bin/cat >> $TMP/keys-access.log"
}
fastcgi.server = (
	"/local/" => ((
		"bin-path" => "$AUTHZ -c $TMP/local.conf --workers 1",
		"socket" => "$TMP/local.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
	"/remote/" => ((
		"bin-path" => "$AUTHZ -c $TMP/remote.conf --workers 1",
		"socket" => "$TMP/remote.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
	"/cimd/" => ((
		"bin-path" => "$AUTHZ -c $TMP/cimd.conf --workers 1",
		"socket" => "$TMP/cimd.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
	"/status/" => ((
		"bin-path" => "$AUTHZ -c $TMP/status.conf --workers 1",
		"socket" => "$TMP/status.sock",
		"mode" => "authorizer",
		"max-procs" => $PROCS,
	)),
)
EOF
lighttpd -tt -f "$TMP/lighttpd.conf" >/dev/null || die "lighttpd rejects the config"
lighttpd -D -f "$TMP/lighttpd.conf" </dev/null >"$TMP/lighttpd.out" 2>&1 &
LPID=$!
for _ in $(seq 1 100); do
	port_in_use "$PORT" && break
	sleep 0.1
done
port_in_use "$PORT" || die "lighttpd does not listen: $(cat "$TMP/lighttpd.out")"
BASE=http://127.0.0.1:$PORT
# tok ROW: the token of a row.
tok() {
	case $1 in
	cimd) echo "$SELF" ;;
	status) echo "$STOKEN" ;;
	*) echo "$TOKEN" ;;
	esac
}
for u in local remote cimd status; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(tok "$u")" \
		"$BASE/$u/file.txt")
	[ "$code" = 200 ] || die "$u: expected 200, got $code: $(tail -n 5 "$TMP/lighttpd.out")"
done
# Every authorizer process fetches its first copy on its first request,
# and lighttpd gives a lone request to the first: warm them all under
# load before measuring.
for u in local remote cimd status; do
	wrk -t "$THREADS" -c "$CONNS" -d 1s -H "Authorization: Bearer $(tok "$u")" \
		"$BASE/$u/file.txt" >/dev/null
done

# measure NAME: one wrk run; appends "NAME RPS P99_MS" to TMP/rows.
measure() {
	local out
	out=$(wrk -t "$THREADS" -c "$CONNS" -d "${DURATION}s" --latency \
		-H "Authorization: Bearer $(tok "$1")" "$BASE/$1/file.txt")
	if grep -q 'Non-2xx' <<<"$out"; then
		die "$1: non-2xx answers: $(grep Non-2xx <<<"$out")"
	fi
	awk -v n="$1" '
		/Requests\/sec:/ { rps = $2 }
		$1 == "99%" { v = $2; ms = v + 0
			if (v ~ /us$/) ms = ms / 1000; else if (v ~ /s$/ && v !~ /ms$/) ms = ms * 1000
			p99 = ms }
		END { printf "%s %.0f %.3f\n", n, rps, p99 }' <<<"$out" >>"$TMP/rows"
}

: >"$TMP/rows"
for r in $(seq 1 "$ROUNDS"); do
	measure local
	measure remote
	measure cimd
	measure status
	echo "run-remote.sh: round $r: $(tail -n 4 "$TMP/rows" | tr '\n' ' ')" >&2
done
FETCHES=$(grep -c 'GET /keys.jwks HTTP/[0-9.]*" 200' "$TMP/keys-access.log" || true)
CFETCHES=$(grep -c 'GET /cimd.json HTTP/[0-9.]*" 200' "$TMP/keys-access.log" || true)
SFETCHES=$(grep -c 'GET /sl/1 HTTP/[0-9.]*" 200' "$TMP/keys-access.log" || true)

# median COLUMN NAME / range: over the rounds.
stat() {
	awk -v n="$2" -v c="$1" '$1 == n { print $c }' "$TMP/rows" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
read -r LR LRmin LRmax < <(stat 2 local)
read -r RR RRmin RRmax < <(stat 2 remote)
read -r LP LPmin LPmax < <(stat 3 local)
read -r RP RPmin RPmax < <(stat 3 remote)
read -r CR CRmin CRmax < <(stat 2 cimd)
read -r CP CPmin CPmax < <(stat 3 cimd)
read -r SR SRmin SRmax < <(stat 2 status)
read -r SP SPmin SPmax < <(stat 3 status)
SRATIO=$(awk -v a="$SR" -v b="$RR" 'BEGIN { printf "%.3f", a / b }')
SDELTA=$(awk -v a="$SP" -v b="$RP" 'BEGIN { printf "%+.3f", a - b }')
RATIO=$(awk -v a="$RR" -v b="$LR" 'BEGIN { printf "%.3f", a / b }')
CRATIO=$(awk -v a="$CR" -v b="$LR" 'BEGIN { printf "%.3f", a / b }')
CDELTA=$(awk -v a="$CP" -v b="$LP" 'BEGIN { printf "%+.3f", a - b }')
PDELTA=$(awk -v a="$RP" -v b="$LP" 'BEGIN { printf "%+.3f", a - b }')

SEC=$(mktemp)
{
	echo "$MARK_BEGIN"
	echo "## Remote keys (jwks_uri) and client metadata documents against a local JWKS file"
	echo
	echo "\`bench/run-remote.sh\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), 1-min load $LOAD_BEFORE at start; commit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown))."
	echo "One lighttpd, a static 1 KiB file behind jwt-authz.fcgi ($PROCS processes of 1 worker each,"
	echo "lighttpd-spawned authorizers), the same ES256 token; \`wrk -t$THREADS -c$CONNS -d${DURATION}s --latency\`,"
	echo "$ROUNDS rounds, local, remote, cimd in each; medians with [min, max]. The remote"
	echo "authorizer's fetcher looked at the key set every second all through the runs"
	echo "($FETCHES fetches, all 200, the bytes unchanged, so no worker re-parsed a key); the"
	echo "cimd authorizer's at the client's document ($CFETCHES fetches), its token self-issued;"
	echo "the status authorizer's at the key set and at the token's status list ($SFETCHES list"
	echo "fetches), its token carrying a status list entry checked on every request."
	echo
	echo "| row | requests/s | p99 (ms) |"
	echo "| --- | --- | --- |"
	echo "| local: \`jwks_file\` | $LR [$LRmin, $LRmax] | $LP [$LPmin, $LPmax] |"
	echo "| remote: \`jwks_uri\`, refreshed every 1 s | $RR [$RRmin, $RRmax] | $RP [$RPmin, $RPmax] |"
	echo "| cimd: \`[cimd]\` client, document refreshed every 1 s | $CR [$CRmin, $CRmax] | $CP [$CPmin, $CPmax] |"
	echo "| status: remote + \`status = required\`, list refreshed every 1 s | $SR [$SRmin, $SRmax] | $SP [$SPmin, $SPmax] |"
	echo
	echo "remote/local requests/s: **$RATIO**, cimd/local: **$CRATIO** (target >= 0.95 each);"
	echo "p99 remote - local: **$PDELTA ms**, cimd - local: **$CDELTA ms**."
	echo "status on / off (status / remote) requests/s: **$SRATIO**; p99 status - remote: **$SDELTA ms**."
	echo "$MARK_END"
} >"$SEC"
bench_write_section "$DOC" "$SEC" "$MARK_BEGIN" "$MARK_END"
rm -f "$SEC"
cat "$TMP/rows" >&2
echo "run-remote.sh: wrote the authz-remote section of $DOC"

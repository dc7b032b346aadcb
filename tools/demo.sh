#!/usr/bin/env bash
# demo.sh BUILD_DIR - the jwt-fcgi demo on loopback: an API under lighttpd
# protected by jwt-authz.fcgi (the shipped conf/lighttpd snippet), a token
# made with the jwt-fcgi CLI, one allowed and one refused call, each shown
# with its HTTP status. Everything lives in a temp dir, removed at the end.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export JF_BUILDDIR=${1:-$top/build} JF_SRCDIR=$top
BATS_FILE_TMPDIR=$(mktemp -d /tmp/jwt-fcgi-demo.XXXXXX)
export BATS_FILE_TMPDIR DIR=$BATS_FILE_TMPDIR

# The test harness's helpers: the same configs, PKI and start/stop by PID.
. "$top/tests/helpers/common.bash"
. "$top/tests/helpers/pki.bash"
. "$top/tests/helpers/lighttpd.bash"

cli=$(jf_bin jwt-fcgi)
authz=$(jf_bin jwt-authz.fcgi)
bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
cleanup() {
	lighttpd_stop "$DIR" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

bold "1. The issuer's key and public JWKS (jwt-fcgi keygen, jwt-fcgi jwks)"
authz_fixture "$DIR"
echo "key id (RFC 7638 thumbprint): $(cat "$DIR/mint.kid")"
echo "authorizer configuration ($DIR/authz.conf):"
sed 's/^/    /' "$DIR/authz.conf"

bold "2. lighttpd on 127.0.0.1 with conf/lighttpd/50-jwt-authz.conf protecting /api"
lighttpd_start "$DIR" "$authz"
echo "lighttpd listening on http://127.0.0.1:$PORT (pid $(cat "$DIR/lighttpd.pid"))"

bold "3. A token for service svc-a (jwt-fcgi sign), checked by jwt-fcgi verify --explain"
tok=$(jf_sign "$DIR/mint.key" svc-a "read write")
echo "token: ${tok:0:40}... (${#tok} bytes)"
"$cli" verify -c "$DIR/authz.conf" --explain "$tok" >"$DIR/explain.txt"
grep -E '^(ok|FAIL)' "$DIR/explain.txt" | sed 's/^/    /'

call() {
	local what=$1
	shift
	bold "$what"
	echo "\$ curl $*" | sed -E 's/(Bearer [A-Za-z0-9_-]{12})[^ "]*/\1.../'
	code=$(curl -sS -o "$DIR/body" -D "$DIR/hdrs" -w '%{http_code}' "$@")
	echo "HTTP $code"
	grep -i '^WWW-Authenticate' "$DIR/hdrs" || true
	# The backend echoes what it received: show the claims it was given.
	jq -c 'if has("JWT_SUB") then with_entries(select(.key | startswith("JWT_")))
		else . end' "$DIR/body" 2>/dev/null || cat "$DIR/body"
}

call "4. Allowed: the API backend answers and sees the verified claims" \
	-H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
[ "$code" = 200 ] || { echo "demo: expected 200" >&2; exit 1; }

call "5. Refused: no token" "http://127.0.0.1:$PORT/api/echo"
[ "$code" = 401 ] || { echo "demo: expected 401" >&2; exit 1; }

call "6. Refused: the token lacks the admin scope this route requires" \
	-H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/admin/echo"
[ "$code" = 403 ] || { echo "demo: expected 403" >&2; exit 1; }

bold "Demo finished: 200 with a token, 401 without, 403 without the scope."

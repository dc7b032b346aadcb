#!/usr/bin/env bash
# demo.sh BUILD_DIR - the jwt-fcgi demo, on loopback only: one lighttpd
# (the shipped conf/lighttpd snippets) runs the mint behind mutual TLS and
# an API protected by the authorizer. A service CA and a service
# certificate are made with the jwt-fcgi CLI, the certificate is exchanged
# for a token at the mint, the token opens the API, and calls without it
# (or without the scope the route needs) are refused. Everything lives in
# a temp dir, removed at the end.
set -euo pipefail

usage() {
	cat <<-EOF
	Usage: tools/demo.sh [BUILD_DIR]
	       tools/demo.sh --help

	The jwt-fcgi demo on loopback: one lighttpd runs the mint behind
	mutual TLS and an API behind the authorizer; a service certificate
	is exchanged for a token, the token opens the API, and calls without
	it are refused. BUILD_DIR holds the built programs (default: build/
	in the source tree). Needs lighttpd, certtool, curl and jq; everything
	lives in a temp dir, removed at the end. Exit 0 when every step went
	as expected.
	EOF
}
case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) echo "demo.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
	echo "demo.sh: expected at most one BUILD_DIR" >&2
	usage >&2
	exit 2
fi

top=$(cd "$(dirname "$0")/.." && pwd)
# Absolute: lighttpd spawns the programs from its own directory.
JF_BUILDDIR=$(cd "${1:-$top/build}" && pwd) || exit 2
export JF_BUILDDIR JF_SRCDIR=$top
BATS_FILE_TMPDIR=$(mktemp -d /tmp/jwt-fcgi-demo.XXXXXX)
export BATS_FILE_TMPDIR DIR=$BATS_FILE_TMPDIR

# The test harness's helpers: the same configs, PKI and start/stop by PID.
. "$top/tests/helpers/common.bash"
. "$top/tests/helpers/pki.bash"
. "$top/tests/helpers/mint.bash"

cli=$(jf_bin jwt-fcgi)
step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; }
cleanup() {
	mint_lighttpd_stop "$DIR" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

# mint_confs, as mint.bash's, but the mint signs from its key set and the
# API's proxy learns the mint's keys from the mint's /jwks URL: nothing
# to copy between them, before or after a rotation.
mint_confs() {
	local d=$1
	cat >"$d/mint.conf" <<-EOF
	issuer = $ISSUER
	keyset = $d/keys/keyset.json
	registry = $d/registry.json
	token_lifetime = 5
	max_token_lifetime = 5
	leeway = 1
	jwks_max_age = 2
	client_ca = $d/pki/ca.pem
	jwks_uri = https://127.0.0.1:$TLS_PORT/mint/jwks
	log_level = info
	state_dir = $d/state
	EOF
	if [ "$(id -u)" = 0 ]; then
		echo "peer_users = nobody" >>"$d/mint.conf"
	fi
	cat >"$d/authz.conf" <<-EOF
	realm = api
	fetch_allow = loopback
	fetch_ca_file = $d/pki/ca.pem
	jwks_refresh = 1
	jwks_refresh_min = 1

	[issuer $ISSUER]
	jwks_uri = https://127.0.0.1:$TLS_PORT/mint/jwks
	algorithms = ES256
	audience = $MINT_AUD
	typ = at+jwt
	EOF
}

# mint_fixture, as mint.bash's but with the CLI doing what an operator
# does: a service CA, the mint's keys, and one registered service.
mint_fixture() {
	local d=$1
	step "1. A service CA and a registered service (jwt-fcgi ca init, register)"
	show "$cli" ca init --dir "$d/ca" --cn "Demo Service CA"
	show "$cli" register billing --registry "$d/registry.json" \
		--ca-dir "$d/ca" --out-dir "$d/billing" \
		--scope invoices:read --scope invoices:write \
		--default-scope invoices:read --audience "$MINT_AUD" \
		--claim 'team="payments"'
	echo "    registry entry:"
	jq -c '.services[0]' "$d/registry.json" | sed 's/^/      /'

	step "2. The mint's signing key, in a key set it can rotate (jwt-fcgi keygen, keyset init)"
	mkdir -p "$d/keys"
	show "$cli" keygen "$d/keys/mint.pem"
	printf 'signing_key = %s\n' "$d/keys/mint.pem" >"$d/init.conf"
	show "$cli" keyset init -c "$d/init.conf" --keyset "$d/keys/keyset.json"
	# mint.bash's tests want these two; the demo's proxy does not read them.
	cp "$d/keys/mint.pem" "$d/mint.key"
	"$cli" keygen "$d/mint-next.key" >/dev/null
	"$cli" jwks "$d/mint.key" >"$d/mint.jwks"
	# The web server's own TLS certificate, and the CA it trusts for
	# client certificates: the service CA.
	pki_init "$d/pki" >/dev/null && pki_server "$d/pki" >/dev/null
	cat "$d/ca/ca.crt" >>"$d/pki/ca.pem"
}

mint_lighttpd_start "$DIR"
step "3. lighttpd on 127.0.0.1: mint on :$MTLS_PORT (client certificates required), API on :$PORT"
echo "    the mint (mint.conf; client_ca: it checks certificates itself too):"
sed 's/^/      /' "$DIR/mint.conf"
echo "    issuer $ISSUER; the API accepts its tokens, and learns the mint's"
echo "    keys from the mint's /jwks URL (authz.conf):"
sed 's/^/      /' "$DIR/authz.conf"

step "4. The service exchanges its certificate for a token (RFC 8705 client_credentials)"
echo "    \$ curl --cert billing.crt --key billing.key -d grant_type=client_credentials $ISSUER/token"
resp=$(curl -sS --cacert "$DIR/pki/ca.pem" --cert "$DIR/billing/billing.crt" \
	--key "$DIR/billing/billing.key" -d grant_type=client_credentials \
	"$ISSUER/token")
tok=$(jq -r .access_token <<<"$resp")
jq -c '.access_token |= .[0:24] + "..."' <<<"$resp" | sed 's/^/    /'
echo "    token header and claims:"
jwt_header "$tok" | jq -c . | sed 's/^/      /'
jwt_payload "$tok" | jq -c . | sed 's/^/      /'

call() {
	local what=$1 want=$2 code
	shift 2
	step "$what"
	echo "    \$ curl $*" | sed -E 's/(Bearer [A-Za-z0-9_-]{12})[^ "]*/\1.../'
	code=$(curl -sS -o "$DIR/body" -D "$DIR/hdrs" -w '%{http_code}' "$@")
	echo "    HTTP $code"
	grep -i '^WWW-Authenticate' "$DIR/hdrs" | sed 's/^/    /' || true
	# The backend echoes what it received: show the claims it was given.
	jq -c 'if has("JWT_SUB") then with_entries(select(.key | startswith("JWT_")))
		else . end' "$DIR/body" 2>/dev/null | sed 's/^/    /' ||
		sed 's/^/    /' "$DIR/body"
	if [ "$code" != "$want" ]; then
		echo "demo: expected HTTP $want" >&2
		exit 1
	fi
}

call "5. Allowed: the API backend answers and sees the verified claims" 200 \
	-H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
call "6. Refused: a call without the token" 401 \
	"http://127.0.0.1:$PORT/api/echo"
# One signature character changed (not the last: it may carry only
# padding bits), so the signature has the right length but is wrong.
sig=${tok##*.}
c=${sig:10:1}
[ "$c" = A ] && c=B || c=A
call "7. Refused: the same token with one signature character changed" 401 \
	-H "Authorization: Bearer ${tok%.*}.${sig:0:10}$c${sig:11}" \
	"http://127.0.0.1:$PORT/api/echo"
step "8. Refused: no client certificate, no token"
echo "    \$ curl -d grant_type=client_credentials $ISSUER/token"
if out=$(curl -sS --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
	"$ISSUER/token" 2>&1); then
	echo "demo: the mint answered without a certificate: $out" >&2
	exit 1
fi
echo "    ${out:0:150}"

# token_kid_status: a fresh token, its kid, and what the API says to it.
token_kid_status() {
	local t code
	t=$(curl -sS --cacert "$DIR/pki/ca.pem" --cert "$DIR/billing/billing.crt" \
		--key "$DIR/billing/billing.key" -d grant_type=client_credentials \
		"$ISSUER/token" | jq -r .access_token)
	code=$(curl -sS -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $t" "http://127.0.0.1:$PORT/api/echo")
	printf '%s %s\n' "$(jwt_header "$t" | jq -r .kid)" "$code"
}

step "9. Key rotation (jwt-fcgi rotate): the proxy learns the new key from /jwks, no request refused"
echo "    (a schedule of seconds for the demo: the defaults are a 20-minute"
echo "    pre-publication against the proxies' 10-minute refresh, hence the warning)"
show "$cli" rotate -c "$DIR/mint.conf" --prepublish 3
show "$cli" keys -c "$DIR/mint.conf"
echo "    a token and an API call every half second (kid -> API status):"
seen=
end=$((SECONDS + 7))
while [ "$SECONDS" -lt "$end" ]; do
	read -r kid code < <(token_kid_status)
	[ "$code" = 200 ] || { echo "demo: the API refused a fresh token ($code)" >&2; exit 1; }
	case " $seen " in *" $kid "*) ;; *) seen="$seen $kid"; echo "      ${kid:0:16}... -> $code" ;; esac
	sleep 0.5
done
[ "$(wc -w <<<"$seen")" -ge 2 ] || { echo "demo: no token of the new key" >&2; exit 1; }
echo "    every token of both keys opened the API; neither lighttpd nor the proxy restarted"

step "Demo finished: certificate -> token -> 200; no token or a forged one -> 401; a key rotation without a refused request."

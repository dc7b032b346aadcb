# mint.bash - helpers for tests/mint_lighttpd.bats: a PKI with client
# certificates, the mint's keys, registry and configuration, the
# authorizer's configuration trusting the mint, and a lighttpd that
# serves both through the shipped snippets. Needs common.bash and
# pki.bash loaded.
#
#   mint_fixture DIR          everything below, in DIR
#   mint_lighttpd_start DIR   the backend and lighttpd; sets PORT,
#                             TLS_PORT, MTLS_PORT, LAX_PORT and ISSUER
#                             (MINT_AUTHZ_WORKERS: the authorizer's
#                             workers, default 2)
#   mint_lighttpd_stop DIR

MINT_AUD=https://api.test
MINT_AUD2=https://reports.test

# mint_registry FILE [EXTRA-CLAIM-JSON]: the test registry. billing gets
# EXTRA-CLAIM-JSON merged into its claims (for the reload test). search's
# tokens are bound to its certificate (bind_certificate), billing's are
# not (mint.conf's default). worker
# authenticates with the client secret in FILE's dir (worker.secret),
# signer and flooder with private_key_jwt (signer.jwks); none of them has
# a certificate.
mint_registry() {
	local extra=${2:-} d hash jwks
	d=$(dirname "$1")
	hash=$(printf '%s' "$(cat "$d/worker.secret")" | sha256sum | cut -d' ' -f1)
	jwks=$(cat "$d/signer.jwks")
	[ -n "$extra" ] && extra=", $extra"
	cat >"$1.tmp" <<-EOF
	{
	  "services": [
	    {
	      "id": "worker",
	      "client_secret_sha256": "$hash",
	      "scopes": ["invoices:read", "index:read"],
	      "default_scope": ["invoices:read"],
	      "audiences": ["$MINT_AUD"]
	    },
	    {
	      "id": "signer",
	      "jwks": $jwks,
	      "scopes": ["invoices:read"],
	      "audiences": ["$MINT_AUD"]
	    },
	    {
	      "id": "flooder",
	      "jwks": $jwks,
	      "scopes": ["invoices:read"],
	      "audiences": ["$MINT_AUD"]
	    },
	    {
	      "id": "billing",
	      "match": { "subject_cn": "billing" },
	      "claims": { "team": "payments", "roles": ["reader"]$extra },
	      "scopes": ["invoices:read", "invoices:write", "admin"],
	      "default_scope": ["invoices:read"],
	      "audiences": ["$MINT_AUD", "$MINT_AUD2"],
	      "default_audience": "$MINT_AUD",
	      "token_lifetime": 900
	    },
	    {
	      "id": "search",
	      "match": { "subject_cn": "search" },
	      "bind_certificate": true,
	      "scopes": ["index:read"],
	      "audiences": ["$MINT_AUD"]
	    },
	    {
	      "id": "retired",
	      "enabled": false,
	      "match": { "subject_cn": "retired" },
	      "scopes": ["invoices:read"],
	      "audiences": ["$MINT_AUD"]
	    },
	    {
	      "id": "expired",
	      "not_after": "2020-01-01T00:00:00Z",
	      "match": { "subject_cn": "expired" },
	      "scopes": ["invoices:read"],
	      "audiences": ["$MINT_AUD"]
	    }
	  ]
	}
	EOF
	# A rename, so the mint's watcher never sees half a file.
	mv -f "$1.tmp" "$1"
}

# mint_fixture DIR: PKI (DIR/pki: CA, server, clients billing, search,
# retired, expired, stranger, billing-expired (validity over),
# billing-server (serverAuth only); DIR/pki-other: another CA with its
# own "billing"), two signing keys (the first signs) and the registry.
mint_fixture() {
	local d=$1 cli c
	cli=$(jf_bin jwt-fcgi) || return 1
	pki_init "$d/pki" && pki_server "$d/pki" || return 1
	for c in billing search retired expired stranger; do
		pki_client "$d/pki" "$c" || return 1
	done
	pki_init "$d/pki-other" && pki_client "$d/pki-other" billing || return 1
	# For client_ca: certificates the registry would take (CN billing),
	# each wrong in one way only.
	pki_client_expired "$d/pki" billing-expired &&
	pki_client_serveronly "$d/pki" billing-server || return 1
	"$cli" keygen --alg ES256 "$d/mint.key" >"$d/mint.kid" &&
	"$cli" keygen --alg ES256 "$d/mint-next.key" >"$d/mint-next.kid" &&
	chmod 600 "$d/mint.key" "$d/mint-next.key" &&
	"$cli" jwks "$d/mint.key" "$d/mint-next.key" >"$d/mint.jwks" || return 1
	# private_key_jwt: signer's registered key, and one that is not.
	"$cli" keygen --alg ES256 "$d/signer.key" >"$d/signer.kid" &&
	"$cli" keygen --alg ES256 "$d/rogue.key" >"$d/rogue.kid" &&
	chmod 600 "$d/signer.key" "$d/rogue.key" &&
	"$cli" jwks "$d/signer.key" >"$d/signer.jwks" || return 1
	# A 256-bit secret, as jwt-fcgi register --client-secret makes them.
	head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' \
		>"$d/worker.secret" || return 1
	mint_registry "$d/registry.json"
}

# mint_confs DIR: mint.conf and authz.conf for the issuer $ISSUER
# (mint.conf ends with $MINT_CONF_EXTRA, if set; MINT_LIFETIME and
# MINT_LEEWAY set token_lifetime and leeway). The token status state is
# the embedded file in DIR/state.
mint_confs() {
	local d=$1 src
	mkdir -p "$d/state" || return 1
	cat >"$d/mint.conf" <<-EOF
	issuer = $ISSUER
	signing_key = $d/mint.key
	signing_key = $d/mint-next.key
	registry = $d/registry.json
	state_dir = $d/state
	token_lifetime = ${MINT_LIFETIME:-300}
	leeway = ${MINT_LEEWAY:-60}
	max_token_lifetime = 600
	jwks_max_age = 120
	replay_quota = 10
	client_ca = $d/pki/ca.pem
	log_level = info
	EOF
	# Relying parties fetch the JWKS where no client certificate is
	# asked for (the issuer's own URL is the mTLS socket).
	# The status list too: a token's status_list uri must be where the
	# authorizer may fetch from (the origin it learns keys from).
	if [ -n "${MINT_AUTHZ_REMOTE:-}" ]; then
		echo "jwks_uri = https://127.0.0.1:$TLS_PORT/mint/jwks" >>"$d/mint.conf"
		echo "status_list_uri = https://127.0.0.1:$TLS_PORT/mint/statuslist" >>"$d/mint.conf"
	fi
	# As root, test servers run their children as nobody (Apache) and
	# spawn the mint as root: let nobody connect to the mint's socket.
	if [ "$(id -u)" = 0 ]; then
		echo "peer_users = nobody" >>"$d/mint.conf"
	fi
	# MINT_CONF_EXTRA: more mint.conf lines (tests/cimd_mint.bats);
	# @TLS_PORT@ there is the TLS socket's port (tests/revoke.bats).
	if [ -n "${MINT_CONF_EXTRA:-}" ]; then
		printf '%s\n' "${MINT_CONF_EXTRA//@TLS_PORT@/$TLS_PORT}" >>"$d/mint.conf"
	fi
	# MINT_AUTHZ_REMOTE=jwks_uri (or metadata): the authorizer learns the
	# mint's keys from its own URL on the TLS socket that asks for no
	# certificate, instead of a copied JWKS file.
	case ${MINT_AUTHZ_REMOTE:-} in
	jwks_uri) src="jwks_uri = https://127.0.0.1:$TLS_PORT/mint/jwks" ;;
	metadata) src="metadata = https://127.0.0.1:$TLS_PORT/.well-known/oauth-authorization-server/mint" ;;
	*) src="jwks_file = $d/mint.jwks" ;;
	esac
	cat >"$d/authz.conf" <<-EOF
	realm = api
	leeway = 60
	$([ -n "${MINT_AUTHZ_REMOTE:-}" ] && printf 'fetch_allow = loopback\nfetch_ca_file = %s\njwks_refresh = 5\njwks_refresh_min = 1' "$d/pki/ca.pem")

	[issuer $ISSUER]
	$src
	algorithms = ES256
	audience = $MINT_AUD
	typ = at+jwt
	EOF
}

# mint_lighttpd_start DIR: fixture, backend, then ports, configs and
# lighttpd, trying other ports when one was taken meanwhile (other test
# files pick ports at the same time).
mint_lighttpd_start() {
	local dir=$1 echo try
	echo=$(jf_bin tests/helpers/fcgi-echo) || return 1
	MINT=$(jf_bin jwt-mint.fcgi) || return 1
	AUTHZ=$(jf_bin jwt-authz.fcgi) || return 1
	DIR=$dir SRCDIR=$JF_SRCDIR
	mkdir -p "$dir/htdocs" || return 1
	mint_fixture "$dir" || return 1
	start_daemon "$dir" echo "$echo" --listen "$dir/echo.sock" \
		--log "$dir/backend.log" &&
	wait_for_file "$dir/echo.sock" || return 1
	for try in 1 2 3; do
		mint_lighttpd_try "$dir" && return 0
		grep -q 'Address already in use' "$dir/lighttpd.log" || break
	done
	cat "$dir/lighttpd.log" "$dir/lighttpd.error.log" >&2
	return 1
}

mint_lighttpd_try() {
	local dir=$1 i
	free_port PORT && free_port TLS_PORT && free_port MTLS_PORT &&
	free_port LAX_PORT || return 1
	ISSUER=https://127.0.0.1:$MTLS_PORT/mint
	export PORT TLS_PORT MTLS_PORT LAX_PORT ISSUER
	mint_confs "$dir" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/mint-lighttpd.conf.in" \
		"$dir/lighttpd.conf" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/jwt-mint.local.conf.in" \
		"$dir/jwt-mint.local.conf" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/jwt-authz.local.conf.in" \
		"$dir/jwt-authz.local.conf" || return 1
	# MINT_AUTHZ_WORKERS: the authorizer's workers, when a test needs
	# one worker's cache (tests/metrics.bats).
	if [ -n "${MINT_AUTHZ_WORKERS:-}" ]; then
		echo "var.jwt_authz_workers := $MINT_AUTHZ_WORKERS" \
			>>"$dir/jwt-authz.local.conf"
	fi
	if ! lighttpd -tt -f "$dir/lighttpd.conf" >"$dir/lighttpd-tt.log" 2>&1; then
		echo "lighttpd -tt rejected $dir/lighttpd.conf:" >&2
		cat "$dir/lighttpd-tt.log" >&2
		return 1
	fi
	start_daemon "$dir" lighttpd lighttpd -D -f "$dir/lighttpd.conf" || return 1
	for i in "$PORT" "$TLS_PORT" "$MTLS_PORT" "$LAX_PORT"; do
		if ! wait_for_port "$i" 10 "$dir/lighttpd.pid" 2>/dev/null; then
			stop_daemon "$dir/lighttpd.pid"
			return 1
		fi
	done
}

mint_lighttpd_stop() {
	stop_daemon "$1/lighttpd.pid"
	stop_daemon "$1/echo.pid"
}

# mint_post_plain [CURL ARGS...]: POST to the token endpoint on the TLS
# socket that asks for no certificate, as a client with a secret or an
# assertion does. Response as for http().
mint_post_plain() {
	http --cacert "$DIR/pki/ca.pem" "$@" "https://127.0.0.1:$TLS_PORT/mint/token"
}

# mint_assertion [ARGS...]: node assertion.mjs with signer's key, for the
# issuer; extra ARGS as assertion.mjs takes them.
mint_assertion() {
	node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/assertion.mjs" \
		"$DIR/signer.key" signer "$ISSUER" --kid "$(cat "$DIR/signer.kid")" "$@"
}

# mint_post NAME [CURL ARGS...]: POST to the mint's token endpoint on the
# enforcing socket with client certificate NAME (from DIR/pki; "-" for
# none). Response as for http().
mint_post() {
	local name=$1
	shift
	local cert=()
	[ "$name" != - ] && cert=(--cert "$DIR/pki/$name.pem" \
		--key "$DIR/pki/$name.key")
	http --cacert "$DIR/pki/ca.pem" "${cert[@]}" "$@" \
		"https://127.0.0.1:$MTLS_PORT/mint/token"
}

# b64url_decode: stdin base64url (no padding) to stdout bytes.
b64url_decode() {
	local s
	s=$(tr -d '\n' | tr '_-' '/+')
	while [ $((${#s} % 4)) -ne 0 ]; do s+='='; done
	printf '%s' "$s" | base64 -d
}

# jwt_header TOKEN / jwt_payload TOKEN: the decoded JSON.
jwt_header() { printf '%s' "${1%%.*}" | b64url_decode; }
jwt_payload() {
	local p=${1#*.}
	printf '%s' "${p%%.*}" | b64url_decode
}

# cert_x5t PEM-FILE: RFC 8705 x5t#S256 of the certificate, computed
# without our code: SHA-256 of the DER, base64url.
cert_x5t() {
	local hex
	hex=$(sed '/-----/d' "$1" | base64 -d | sha256sum | cut -d' ' -f1)
	# shellcheck disable=SC2059 # the format is the point
	printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64 -w0 |
		tr '+/' '-_' | tr -d '='
}

# wait_for_log FILE TEXT [SECONDS]: until FILE has a line with TEXT.
wait_for_log() {
	local i
	for i in $(seq 1 $((${3:-10} * 10))); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "wait_for_log: \"$2\" not in $1 after ${3:-10}s; its tail:" >&2
	tail -n 5 "$1" >&2
	return 1
}

# mint_npm_setup: the node packages of tests/node (jose, oauth4webapi,
# undici) in the build tree's copy, installed from the lock file unless
# they already match it. Prints why and returns 1 when impossible.
mint_npm_setup() {
	local dir=${JF_BUILDDIR:-$JF_SRCDIR}/tests/node src=$JF_SRCDIR/tests/node p want have ok=1
	command -v node >/dev/null || { echo "node not installed"; return 1; }
	command -v npm >/dev/null || { echo "npm not installed"; return 1; }
	if [ "$dir" != "$src" ]; then
		mkdir -p "$dir" && cp "$src"/package.json "$src"/package-lock.json \
			"$src"/*.mjs "$dir"/ || { echo "cannot copy $src"; return 1; }
	fi
	for p in jose oauth4webapi undici; do
		want=$(node -p "require(process.argv[1]).packages['node_modules/$p'].version" \
			"$dir/package-lock.json") || { echo "bad package-lock.json"; return 1; }
		have=$(node -p 'require(process.argv[1]).version' \
			"$dir/node_modules/$p/package.json" 2>/dev/null) || have=
		[ "$have" = "$want" ] || ok=0
	done
	[ "$ok" = 1 ] && return 0
	if ! (cd "$dir" && timeout 120 npm ci --no-audit --no-fund \
		--loglevel=error --fetch-retries=1 --fetch-retry-mintimeout=1000 \
		--fetch-retry-maxtimeout=3000 >"$dir/npm-ci.log" 2>&1); then
		echo "npm ci failed in $dir (log: $dir/npm-ci.log)"
		return 1
	fi
}

# assert_auth_failed LOG REASON: the one invalid_client answer a stranger
# gets (401, "client authentication failed", no token: the mint says
# nothing of its registry), and the detail in LOG's newest refusal audit
# line, whose reason must contain REASON.
assert_auth_failed() {
	local log=$1 want=$2 got
	assert_status 401 &&
	assert_json .error invalid_client &&
	assert_json .error_description 'client authentication failed' &&
	assert_json '.access_token // "none"' none || return 1
	wait_for_log "$log" '"event":"token_refused"' || return 1
	# The audit line is written after the answer: give it a moment.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		got=$(grep 'audit: .*"event":"token_refused"' "$log" | tail -n 1 |
			sed 's/.*audit: //' | jq -r .reason)
		[[ $got == *"$want"* ]] && return 0
		sleep 0.1
	done
	printf 'expected the audit reason to contain: %s\nactual reason: %s\n' \
		"$want" "$got" >&2
	return 1
}

# mint_forge SOCK CERT [USER]: one FastCGI request straight to a mint's
# unix socket, as any local process could send it: POST .../token over
# "TLS", claiming the web server verified CERT (SSL_CLIENT_VERIFY
# SUCCESS, SSL_CLIENT_CERT). As USER (setpriv, no supplementary groups)
# when given. Prints cgi-fcgi's output (the CGI response, then the
# FastCGI stderr record); its status is cgi-fcgi's. Use with `run`.
mint_forge() {
	local sock=$1 cert=$2 user=${3:-} body=grant_type=client_credentials
	local as=() cgi
	cgi=$(command -v cgi-fcgi) || { echo "cgi-fcgi not installed" >&2; return 127; }
	if [ -n "$user" ]; then
		as=("$(command -v setpriv)" --reuid="$user" \
			--regid="$(id -g "$user")" --clear-groups)
	fi
	printf '%s' "$body" | env -i REQUEST_METHOD=POST \
		SCRIPT_NAME=/mint/token REQUEST_URI=/mint/token HTTPS=on \
		SSL_CLIENT_VERIFY=SUCCESS SSL_CLIENT_CERT="$(cat "$cert")" \
		CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=${#body} REMOTE_ADDR=127.0.0.1 \
		"${as[@]}" "$cgi" -bind -connect "$sock"
}

# mint_check_local_user SOCK CERT LOG: a local user (daemon) who is not
# the web server cannot get a token through SOCK, the mint socket a
# shipped config set up: either the socket's mode keeps it out, or the
# mint's peer check refuses it (403, and a peer_refused audit line).
mint_check_local_user() {
	local sock=$1 cert=$2 log=$3
	run mint_forge "$sock" "$cert" daemon
	if [[ $output == *'Status: 403'* ]]; then
		[[ $output == *'may not use this program'* ]] || return 1
		wait_for_log "$log" '"event":"peer_refused","peer_uid":1,' ||
			return 1
	else
		# cgi-fcgi exits with connect()'s errno: 13 is EACCES.
		[ "$status" -eq 13 ] || {
			echo "expected EACCES (13) or a 403, got $status: $output" >&2
			return 1
		}
	fi
	[[ $output != *access_token* ]]
}

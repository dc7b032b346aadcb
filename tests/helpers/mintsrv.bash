# mintsrv.bash - the mint and the authorizer behind a server that does
# not spawn FastCGI programs (Apache, nginx, Caddy), for
# tests/mint_{apache,nginx,caddy}.bats. Needs common.bash, pki.bash and
# mint.bash (mint_fixture, mint_confs, jwt_payload, cert_x5t) loaded.
#
# The test starts jwt-mint.fcgi, jwt-authz.fcgi and the API backend
# (fcgi-echo) on loopback ports, then the server from a template that
# includes the shipped conf/<server>/ files unmodified. Every URL uses
# the name localhost (the server certificate's, and the SNI Caddy needs),
# resolved to 127.0.0.1 by curl --resolve.
#
#   msrv_start DIR SERVER-FN   ports, fixture, daemons, then SERVER-FN DIR
#                              (renders, checks and starts the server);
#                              the whole start is retried on a port clash
#   msrv_stop DIR              the server (DIR/server.pid) and daemons
#
# Ports (exported): PORT (HTTP), TLS_PORT (TLS, no client certificates),
# MTLS_PORT (the shipped client-certificate host), LAX_PORT (a test host
# that lets unverified clients through, where the server can), LIAR_PORT
# (nginx only: a front end that calls every certificate verified),
# AUTHZ_PORT, ECHO_PORT; the mint's unix socket MINT_SOCK. ISSUER is
# https://localhost:MTLS_PORT/mint.

# msrv_start DIR SERVER-FN
msrv_start() {
	local dir=$1 fn=$2 _
	MINT=$(jf_bin jwt-mint.fcgi) && AUTHZ=$(jf_bin jwt-authz.fcgi) &&
	ECHO=$(jf_bin tests/helpers/fcgi-echo) || return 1
	DIR=$dir SRCDIR=$JF_SRCDIR
	export DIR SRCDIR
	mint_fixture "$dir" || return 1
	for _ in 1 2 3; do
		msrv_try "$dir" "$fn" && return 0
		msrv_stop "$dir"
		grep -qi 'address already in use' "$dir"/*.log 2>/dev/null ||
			break
	done
	echo "msrv_start: could not start the server; logs:" >&2
	tail -n 20 "$dir"/*.log >&2
	return 1
}

msrv_try() {
	local dir=$1 fn=$2 p
	free_port PORT && free_port TLS_PORT && free_port MTLS_PORT &&
	free_port LAX_PORT && free_port LIAR_PORT && free_port AUTHZ_PORT &&
	free_port ECHO_PORT || return 1
	ISSUER=https://localhost:$MTLS_PORT/mint
	export PORT TLS_PORT MTLS_PORT LAX_PORT LIAR_PORT AUTHZ_PORT ECHO_PORT \
		ISSUER
	mint_confs "$dir" || return 1
	# The mint as the READMEs say to run it: on a unix socket made for
	# it the way conf/systemd/jwt-mint.socket makes one (owner root,
	# the web server's group, 0660), here by spawn-fcgi. As root the
	# servers run their children as nobody, whom mint.conf lets in.
	MINT_SOCK=$dir/mint.sock
	export MINT_SOCK
	msrv_spawn_mint "$dir" &&
	start_daemon "$dir" authz "$AUTHZ" -c "$dir/authz.conf" \
		--listen "127.0.0.1:$AUTHZ_PORT" --workers 2 &&
	start_daemon "$dir" echo "$ECHO" --listen "127.0.0.1:$ECHO_PORT" \
		--log "$dir/backend.log" || return 1
	wait_for_file "$MINT_SOCK" 10 &&
	wait_for_port "$AUTHZ_PORT" 10 "$dir/authz.pid" &&
	wait_for_port "$ECHO_PORT" 10 "$dir/echo.pid" || return 1
	"$fn" "$dir" || return 1
	for p in "$PORT" "$TLS_PORT" "$MTLS_PORT" "$LAX_PORT"; do
		wait_for_port "$p" 10 "$dir/server.pid" || return 1
	done
	export MTLS=https://localhost:$MTLS_PORT
	export LAX=https://localhost:$LAX_PORT
	export TLS=https://localhost:$TLS_PORT
	export PLAIN=http://localhost:$PORT
}

# msrv_spawn_mint DIR: jwt-mint.fcgi on $MINT_SOCK (a socket spawn-fcgi
# makes and hands over on fd 0, like systemd's socket unit), its output
# in DIR/mint.log and its PID in DIR/mint.pid.
msrv_spawn_mint() {
	local dir=$1 owner=()
	if [ "$(id -u)" = 0 ]; then
		owner=(-G "$(id -gn nobody 2>/dev/null || echo nogroup)")
	fi
	rm -f "$MINT_SOCK"
	start_daemon "$dir" mint spawn-fcgi -n -s "$MINT_SOCK" -M 0660 \
		"${owner[@]}" -- "$MINT" -c "$dir/mint.conf" --workers 2
}

msrv_stop() {
	stop_daemon "$1/server.pid"
	stop_daemon "$1/mint.pid"
	stop_daemon "$1/authz.pid"
	stop_daemon "$1/echo.pid"
}

# msrv_resolve: sets MSRV_RES, curl arguments resolving localhost to
# 127.0.0.1 on every test port.
msrv_resolve() {
	local p
	MSRV_RES=()
	for p in "$PORT" "$TLS_PORT" "$MTLS_PORT" "$LAX_PORT" "$LIAR_PORT"; do
		MSRV_RES+=(--resolve "localhost:$p:127.0.0.1")
	done
}

# msrv_http [CURL ARGS...] URL: http() with the test CA and localhost.
msrv_http() {
	msrv_resolve
	http "${MSRV_RES[@]}" --cacert "$DIR/pki/ca.pem" "$@"
}

# msrv_curl [CURL ARGS...] URL: the same as a bare curl, for the calls
# that must fail (run it with `run`). HTTP/1.1: over HTTP/2 a TLS alert
# after the handshake may show as a send failure (curl 16) instead.
msrv_curl() {
	msrv_resolve
	curl -sS --max-time 10 --http1.1 "${MSRV_RES[@]}" \
		--cacert "$DIR/pki/ca.pem" "$@"
}

# msrv_cert NAME: curl arguments for client certificate NAME of DIR/pki
# ("other" for DIR/pki-other's billing, which no server trusts).
msrv_cert() {
	if [ "$1" = other ]; then
		printf '%s\n' --cert "$DIR/pki-other/billing.pem" \
			--key "$DIR/pki-other/billing.key"
	else
		printf '%s\n' --cert "$DIR/pki/$1.pem" --key "$DIR/pki/$1.key"
	fi
}

# msrv_post NAME BASE [CURL ARGS...]: POST BASE/mint/token with client
# certificate NAME ("-" for none).
msrv_post() {
	local name=$1 base=$2 cert=()
	shift 2
	if [ "$name" != - ]; then mapfile -t cert < <(msrv_cert "$name"); fi
	msrv_http "${cert[@]}" "$@" "$base/mint/token"
}

# assert_oauth_error STATUS ERROR: an RFC 6749 §5.2 error, and no token.
assert_oauth_error() {
	assert_status "$1" &&
	assert_json .error "$2" &&
	assert_json '.access_token // "none"' none &&
	assert_header_contains Content-Type application/json &&
	assert_header_contains Cache-Control no-store
}

# assert_handshake_refused: the last `run msrv_curl ...` failed in TLS
# (curl 35: handshake, 56: the alert arriving after a TLS 1.3 handshake,
# 55/52: the server closing), with no token anywhere.
assert_handshake_refused() {
	case $status in
	35 | 52 | 55 | 56) ;;
	*)
		printf 'expected a TLS failure (curl 35/52/55/56), got %s: %s\n' \
			"$status" "$output" >&2
		return 1
		;;
	esac
	[[ $output != *access_token* ]]
}

# The mint's answer to a request with no client authentication at all
# (no verified certificate, secret or assertion): the start of it.
MSRV_NO_AUTH='no client authentication'

# msrv_audit_count: the mint's audit lines so far.
msrv_audit_count() {
	grep -c 'audit: ' "$DIR/mint.log" || true
}

# --- scenarios shared by the three files ---------------------------------

# msrv_check_token: certificate -> token on the client-certificate host:
# RFC 6749 §5.1 answer, RFC 9068 header and claims, not bound to the
# certificate (no cnf: billing's registry entry leaves binding to
# mint.conf, whose default is no; bound tokens: bind.bash). Leaves the
# token in MSRV_TOKEN.
msrv_check_token() {
	local claims
	msrv_post billing "$MTLS" -d grant_type=client_credentials || return 1
	assert_status 200 &&
	assert_header_contains Content-Type application/json &&
	assert_header_contains Cache-Control no-store &&
	assert_json .token_type Bearer &&
	assert_json .expires_in 600 &&
	assert_json .scope invoices:read || return 1
	MSRV_TOKEN=$(jq -r .access_token "$JF_BODY")
	claims=$(jwt_payload "$MSRV_TOKEN")
	assert_equal "$(jwt_header "$MSRV_TOKEN" | jq -r .typ)" at+jwt &&
	assert_equal "$(jq -r .iss <<<"$claims")" "$ISSUER" &&
	assert_equal "$(jq -r .sub <<<"$claims")" billing &&
	assert_equal "$(jq -r .aud <<<"$claims")" "$MINT_AUD" &&
	assert_equal "$(jq -r '.cnf // "unbound"' <<<"$claims")" unbound
}

# msrv_check_api URL: the minted token opens URL (behind jwt-authz.fcgi
# on the same server), which answers with what the backend got; no
# token, or a token the mint did not sign, is 401.
msrv_check_api() {
	local url=$1
	msrv_check_token || return 1
	msrv_http -H "Authorization: Bearer $MSRV_TOKEN" "$url" || return 1
	assert_status 200 &&
	assert_json .JWT_SUB billing &&
	assert_json .JWT_ISS "$ISSUER" &&
	assert_json .JWT_SCOPE invoices:read || return 1
	msrv_http "$url" || return 1
	assert_status 401 &&
	assert_header_contains WWW-Authenticate 'Bearer realm="api"' || return 1
	msrv_http -H "Authorization: Bearer ${MSRV_TOKEN%.*}.AAAA" "$url" ||
		return 1
	assert_status 401 &&
	assert_header_contains WWW-Authenticate 'error="invalid_token"'
}

# msrv_check_refused_by_mint BASE WHY: POST with a valid, registered
# certificate where the server does not verify client certificates: the
# mint itself answers 401 invalid_client, its description starting with
# WHY. Headers named like the variables change nothing (servers pass
# them as HTTP_*).
msrv_check_refused_by_mint() {
	local n0
	n0=$(msrv_audit_count)
	msrv_post billing "$1" -H 'SSL-Client-Verify: SUCCESS' \
		-H 'SSL_CLIENT_VERIFY: SUCCESS' -d grant_type=client_credentials ||
		return 1
	assert_oauth_error 401 invalid_client &&
	assert_json ".error_description | startswith(\"$2\")" true &&
	wait_for_log "$DIR/mint.log" '"outcome":"invalid_client"' &&
	[ "$(msrv_audit_count)" -gt "$n0" ]
}

# msrv_check_plain_refused BASE: over plain HTTP (BASE http://...) the
# token endpoint answers nobody, not even a client with its right secret
# (RFC 6749 §2.3.1, §3.2): 400 invalid_request saying TLS is needed.
msrv_check_plain_refused() {
	msrv_http -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials "$1/mint/token" || return 1
	assert_oauth_error 400 invalid_request &&
	assert_json '.error_description | contains("over TLS only")' true
}

# msrv_check_public BASE [CERT-NAME]: JWKS and both RFC 8414 locations,
# served at BASE (with client certificate CERT-NAME if given).
msrv_check_public() {
	local base=$1 cert=() url
	if [ -n "${2:-}" ]; then mapfile -t cert < <(msrv_cert "$2"); fi
	msrv_http "${cert[@]}" "$base/mint/jwks" || return 1
	assert_status 200 &&
	assert_header_contains Content-Type application/jwk-set+json &&
	assert_json '[.keys[].kid] | sort | join(" ")' \
		"$(jq -r '[.keys[].kid] | sort | join(" ")' "$DIR/mint.jwks")" &&
	assert_json '[.keys[] | has("d")] | any' false || return 1
	for url in "$base/.well-known/oauth-authorization-server/mint" \
		"$base/mint/.well-known/oauth-authorization-server"; do
		msrv_http "${cert[@]}" "$url" || return 1
		assert_status 200 &&
		assert_json .issuer "$ISSUER" &&
		assert_json .token_endpoint "$ISSUER/token" &&
		assert_json .jwks_uri "$ISSUER/jwks" &&
		assert_json '.token_endpoint_auth_methods_supported |
			index("tls_client_auth") != null' true &&
		assert_json .tls_client_certificate_bound_access_tokens true ||
			return 1
	done
}

# msrv_check_revoke BASE: the shipped config routes the status list
# (public GET, application/statuslist+jwt) and RFC 7009 revocation (POST,
# the client authenticated as at /token): worker revokes its own token
# and the mint's audit line says so.
msrv_check_revoke() {
	local tok jti
	msrv_http -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials "$1/mint/token" || return 1
	assert_status 200 || return 1
	tok=$(jq -r .access_token "$JF_BODY")
	jti=$(jwt_payload "$tok" | jq -r .jti)
	assert_equal "$(jwt_payload "$tok" | jq -r .status.status_list.uri)" \
		"$ISSUER/statuslist" || return 1
	msrv_http -H 'Accept: application/statuslist+jwt' "$1/mint/statuslist" ||
		return 1
	assert_status 200 &&
	assert_header_contains Content-Type application/statuslist+jwt || return 1
	assert_equal "$(jwt_header "$(cat "$JF_BODY")" | jq -r .typ)" statuslist+jwt ||
		return 1
	msrv_http -u "worker:$(cat "$DIR/worker.secret")" \
		--data-urlencode "token=$tok" "$1/mint/revoke" || return 1
	assert_status 200 || return 1
	wait_for_log "$DIR/mint.log" "\"jti\":\"$jti\",\"owner\":\"worker\",\"effect\":\"revoked\""
}

# msrv_check_secret BASE: client_secret_basic where no certificate is
# asked for: the server must pass the Authorization header to the mint.
# The token is not bound to a certificate (no cnf).
msrv_check_secret() {
	msrv_http -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials "$1/mint/token" || return 1
	assert_status 200 &&
	assert_json .token_type Bearer || return 1
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r '[.sub, (.cnf // "unbound")] | join(" ")')" "worker unbound"
}

# msrv_check_token_audited: certificate -> token, and one audit line
# saying so (service, certificate hash).
msrv_check_token_audited() {
	local n0
	n0=$(msrv_audit_count)
	msrv_check_token
	wait_for_log "$DIR/mint.log" '"outcome":"issued"'
	assert_equal "$(grep 'audit: ' "$DIR/mint.log" | tail -n +"$((n0 + 1))" |
		sed 's/.*audit: //' | jq -r '[.event, .service, .cert_sha256] | join(" ")')" \
		"token_issued billing $(cert_x5t "$DIR/pki/billing.pem")"
}

# msrv_check_lax: on $LAX, a socket whose server asks for certificates
# but passes unverified ones on (Apache and nginx optional_no_ca), the
# mint itself refuses NONE and FAILED:..., and takes the registered one.
msrv_check_lax() {
	msrv_post - "$LAX" -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_json ".error_description | startswith(\"$MSRV_NO_AUTH\")" true
	msrv_post other "$LAX" -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_json .error_description 'the web server could not verify the client certificate: FAILED:unable to verify the first certificate'
	msrv_post billing "$LAX" -d grant_type=client_credentials
	assert_status 200
}

# msrv_check_metrics MINT-REFUSED AUTHZ-REFUSED: both programs' metrics
# where the shipped
# configuration serves them (jwt-fcgi's METRICS): from 127.0.0.1, 200 in
# the 0.0.4 text format that promtool accepts, counting the token
# requests and decisions the file's tests made; from 127.0.0.2 (this
# host, but not in the shipped allow lists) the status given and no
# metric.
msrv_check_metrics() {
	local refused=$1 url f=$BATS_TEST_TMPDIR/scrape
	for url in "$PLAIN/mint/metrics" "$PLAIN/jwt-authz/metrics"; do
		msrv_http "$url" || return 1
		assert_status 200 &&
		assert_header_contains Content-Type 'text/plain; version=0.0.4' ||
			return 1
		if ! promtool check metrics <"$JF_BODY" >"$f.promtool" 2>&1; then
			echo "promtool check metrics refused $url:" >&2
			cat "$f.promtool" >&2
			return 1
		fi
		msrv_http --interface 127.0.0.2 "$url" || return 1
		assert_status "$refused" &&
		assert_body_lacks '_total' || return 1
		refused=$2
	done
	# The mint counted the token request just made; the authorizer
	# the API request.
	msrv_post billing "$MTLS" -d grant_type=client_credentials &&
	assert_status 200 || return 1
	msrv_http -H "Authorization: Bearer $(jq -r .access_token "$JF_BODY")" \
		"$PLAIN/api/echo" && assert_status 200 || return 1
	msrv_http "$PLAIN/mint/metrics" &&
	awk '$1 == "jwt_mint_tokens_issued_total{method=\"tls_client_auth\"}" &&
		$2 >= 1 { ok = 1 } END { exit !ok }' "$JF_BODY" || {
		echo "no tls_client_auth issuance counted" >&2
		return 1
	}
	msrv_http "$PLAIN/jwt-authz/metrics" &&
	awk '$1 == "jwt_authz_decisions_total{outcome=\"allow\",reason=\"ok\"}" &&
		$2 >= 1 { ok = 1 } END { exit !ok }' "$JF_BODY" || {
		echo "no allowed decision counted" >&2
		return 1
	}
}

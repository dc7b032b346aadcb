#!/usr/bin/env bats
# deploy.bats - the deployment patterns of doc/deploy.md, end to end on
# real lighttpd, nginx and Apache (and a Caddy gateway), from the shipped
# conf/<server>/sidecar and conf/<server>/gateway files (paths and ports
# changed only: helpers/deploy.bash):
#
#   sidecar: the mint on a loopback HTTPS port; a service swaps its
#            client secret (basic or post) or its certificate for a token
#   gateway: every request authorized by jwt-authz.fcgi, then forwarded
#            to a backend on a unix socket that nothing else can reach,
#            with the verified claims as X-Jwt-* headers
#
# Containers cannot start on the test machines: Docker Swarm and Compose
# (doc/deploy.md) are not tested here, the server configs are.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/lighttpd
load helpers/nginx
load helpers/caddy
load helpers/apache
load helpers/deploy

setup_file() {
	deploy_need || return 0
	if ! deploy_start "$BATS_FILE_TMPDIR"; then
		deploy_stop "$BATS_FILE_TMPDIR"
		return 1
	fi
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	deploy_stop "$BATS_FILE_TMPDIR"
}

# --- sidecar ---------------------------------------------------------------

# check_sidecar_secret NODE: client_secret_basic and client_secret_post
# both buy worker's token, an RFC 9068 access token from the one issuer.
check_sidecar_secret() {
	local node=$1
	deploy_secret_token "$node"
	assert_json .token_type Bearer
	assert_header_contains Cache-Control no-store
	assert_equal "$(jwt_header "$DEPLOY_TOKEN" | jq -r .typ)" at+jwt
	assert_equal "$(jwt_payload "$DEPLOY_TOKEN" | jq -r .sub)" worker
	assert_equal "$(jwt_payload "$DEPLOY_TOKEN" | jq -r .iss)" "$ISSUER"

	deploy_token "$node" -d grant_type=client_credentials -d client_id=worker \
		--data-urlencode "client_secret=$(cat "$DIR/worker.secret")"
	assert_status 200
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" | jq -r .sub)" worker

	deploy_token "$node" -u worker:wrong -d grant_type=client_credentials
	assert_status 401
	assert_json .error invalid_client
	assert_json '.access_token // "none"' none
}

# check_sidecar_cert NODE: billing's certificate buys its token on the
# same socket (certificates are optional there, not ignored); a
# certificate of another CA buys nothing.
check_sidecar_cert() {
	local node=$1 port
	deploy_cert_token "$node"
	assert_equal "$(jwt_payload "$DEPLOY_TOKEN" | jq -r .sub)" billing
	assert_equal "$(jwt_payload "$DEPLOY_TOKEN" | jq -r .team)" payments

	port=$(deploy_port "$node")
	run curl -sS --max-time 10 --http1.1 --cacert "$DIR/pki/ca.pem" \
		--cert "$DIR/pki-other/billing.pem" --key "$DIR/pki-other/billing.key" \
		-d grant_type=client_credentials "https://127.0.0.1:$port/mint/token"
	case $node in
	as)
		# Apache's "optional" fails the handshake for a certificate it
		# cannot verify (curl 35, or 56 for the alert after TLS 1.3's).
		[[ $status == 35 || $status == 56 ]] || {
			echo "expected a TLS failure, got $status: $output" >&2
			return 1
		}
		;;
	*) assert_output_contains invalid_client ;;
	esac
	[[ $output != *access_token* ]]
}

# check_sidecar_local NODE MINT-SOCKET MINT-LOG: the server listens on
# 127.0.0.1 only, on its one port, which speaks TLS only (a secret sent
# in clear buys nothing); the mint's FastCGI socket refuses a local user
# who is not the server.
check_sidecar_local() {
	local node=$1 sock=$2 log=$3 pid got port
	pid=$(cat "$DIR/$node/server.pid")
	port=$(deploy_port "$node")
	got=$(deploy_listeners "$pid" | sort -u)
	assert_equal "$got" "127.0.0.1:$port"
	run curl -sS --max-time 10 -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials -w '\n%{http_code}' \
		"http://127.0.0.1:$port/mint/token"
	[[ $output != *access_token* ]]
	[[ $output != *$'\n'200 ]]
	if [ "$(id -u)" != 0 ]; then
		skip "not root: no other local user to try the mint's socket as"
	fi
	deploy_open_path "$(dirname "$sock")"
	mint_check_local_user "$sock" "$DIR/pki/billing.pem" "$log"
}

@test "lighttpd sidecar: a client secret, basic or post, buys a token at https://localhost" {
	check_sidecar_secret ls
}

@test "lighttpd sidecar: a certificate buys a token on the same socket; another CA's does not" {
	check_sidecar_cert ls
}

@test "lighttpd sidecar: listens on 127.0.0.1 only; the mint's socket is the server's" {
	check_sidecar_local ls "$DIR/ls/mint.sock-0" "$DIR/ls/server.log"
}

@test "nginx sidecar: a client secret, basic or post, buys a token at https://localhost" {
	check_sidecar_secret ns
}

@test "nginx sidecar: a certificate buys a token on the same socket; another CA's does not" {
	check_sidecar_cert ns
}

@test "nginx sidecar: listens on 127.0.0.1 only; the mint's socket is the server's" {
	check_sidecar_local ns "$DIR/ns/mint.sock" "$DIR/ns/mint.log"
}

@test "Apache sidecar: a client secret, basic or post, buys a token at https://localhost" {
	check_sidecar_secret as
}

@test "Apache sidecar: a certificate buys a token on the same socket; another CA's does not" {
	check_sidecar_cert as
}

@test "Apache sidecar: listens on 127.0.0.1 only; the mint's socket is the server's" {
	check_sidecar_local as "$DIR/as/mint.sock" "$DIR/as/mint.log"
}

@test "every node's sidecar is the same mint: its token opens every gateway" {
	local node gw
	for node in ls ns as; do
		deploy_secret_token "$node"
		for gw in lg ng cg ag; do
			deploy_call "$gw" -H "Authorization: Bearer $DEPLOY_TOKEN" /v1/items
			assert_status 200
			assert_backend_header x-jwt-sub worker
		done
	done
}

# --- gateway ---------------------------------------------------------------

# check_gateway_ok GW: tokens from a sidecar, by secret and by
# certificate, reach the backend, which gets the claims and not the token.
check_gateway_ok() {
	local gw=$1 log=$DIR/$1/backend.log
	deploy_secret_token ls
	backend_mark "$log"
	deploy_call "$gw" -H "Authorization: Bearer $DEPLOY_TOKEN" "/v1/items?x=1"
	assert_status 200
	assert_backend_reached "$log"
	assert_json .url "/v1/items?x=1"
	assert_backend_header x-jwt-sub worker
	assert_backend_header x-jwt-iss "$ISSUER"
	assert_backend_header x-jwt-aud "$MINT_AUD"
	assert_backend_header x-jwt-scope invoices:read
	assert_backend_header x-jwt-client-id worker
	assert_backend_header authorization ""
	assert_body_lacks "$DEPLOY_TOKEN"
	assert_no_variable_headers

	deploy_cert_token ns
	deploy_call "$gw" -H "Authorization: Bearer $DEPLOY_TOKEN" /v1/items
	assert_status 200
	assert_backend_header x-jwt-sub billing
}

# check_gateway_refused GW: no token, a bad signature, an expired token
# and a token from another key: 401 with the Bearer challenge, and the
# backend never asked.
check_gateway_refused() {
	local gw=$1 log=$DIR/$1/backend.log tok sig c now
	backend_mark "$log"
	deploy_call "$gw" /v1/items
	assert_status 401
	assert_bearer_challenge
	deploy_secret_token ls
	sig=${DEPLOY_TOKEN##*.}
	c=${sig:10:1}
	[ "$c" = A ] && c=B || c=A
	tok=${DEPLOY_TOKEN%.*}.${sig:0:10}$c${sig:11}
	deploy_call "$gw" -H "Authorization: Bearer $tok" /v1/items
	assert_status 401
	assert_bearer_challenge invalid_token
	now=$(date +%s)
	tok=$("$(jf_bin jwt-fcgi)" sign -k "$DIR/mint.key" --iss "$ISSUER" \
		--aud "$MINT_AUD" --sub worker --typ at+jwt --exp $((now - 3600)))
	deploy_call "$gw" -H "Authorization: Bearer $tok" /v1/items
	assert_status 401
	assert_bearer_challenge invalid_token
	tok=$("$(jf_bin jwt-fcgi)" sign -k "$DIR/rogue.key" --iss "$ISSUER" \
		--aud "$MINT_AUD" --sub worker --typ at+jwt)
	deploy_call "$gw" -H "Authorization: Bearer $tok" /v1/items
	assert_status 401
	assert_bearer_challenge invalid_token
	# The authorizer's own public route (RFC 9728 metadata, none
	# configured here) is no way around it either: lighttpd asks for a
	# token there too, nginx and Caddy let the authorizer answer 404.
	deploy_call "$gw" /.well-known/oauth-protected-resource/v1
	[[ $HTTP_CODE == 401 || $HTTP_CODE == 404 ]]
	assert_backend_untouched "$log"
}

# check_gateway_forged GW [HEADER...]: a client's headers posing as the
# claims the gateway passes, in every spelling (and the extra HEADERs),
# with a valid token and without one: no header the backend gets under a
# claim's name (X-Jwt-*, or any name with "_") carries the client's
# value; and without a token the backend gets nothing at all.
check_gateway_forged() {
	local gw=$1 log=$DIR/$1/backend.log h
	shift
	local forged=(-H 'X-Jwt-Sub: admin' -H 'x-jwt-scope: admin'
		-H 'X_Jwt_Sub: admin' -H 'X-JWT-CLIENT-ID: admin'
		-H 'X-Jwt-Iss: admin' -H 'X-Jwt-Aud: admin' -H 'JWT_SUB: admin'
		-H 'Variable-JWT_SUB: admin')
	for h in "$@"; do forged+=(-H "$h"); done
	deploy_secret_token ls
	deploy_call "$gw" -H "Authorization: Bearer $DEPLOY_TOKEN" "${forged[@]}" /v1/items
	assert_status 200
	assert_backend_header x-jwt-sub worker
	assert_backend_header x-jwt-scope invoices:read
	assert_backend_header x-jwt-client-id worker
	assert_backend_header x-jwt-iss "$ISSUER"
	assert_backend_header x-jwt-aud "$MINT_AUD"
	assert_json '[.headers | to_entries[] | select((.key | startswith("x-jwt")) or (.key | contains("_"))) | .value[] | select(. == "admin")] | length' 0

	backend_mark "$log"
	deploy_call "$gw" "${forged[@]}" /v1/items
	assert_status 401
	assert_backend_untouched "$log"
}

# check_gateway_wall GW: the backend listens on its unix socket and on no
# address (TCP or UDP) at all; the server does, on its one port (so ss
# sees listeners by process, and the first check means something).
check_gateway_wall() {
	local gw=$1 pid got
	pid=$(cat "$DIR/$gw/backend.pid")
	got=$(deploy_listeners "$pid")
	assert_equal "$got" ""
	run -0 ss -Hlxp
	# (Apache's nodes are links to their dirs: ss shows the real path.)
	assert_output_contains "$(readlink -f "$DIR/$gw/backend")/api.sock"
	assert_output_contains "pid=$pid,"
	pid=$(cat "$DIR/$gw/server.pid")
	got=$(deploy_listeners "$pid" | sort -u)
	assert_equal "$got" "127.0.0.1:$(deploy_port "$gw")"
	assert_equal "$(stat -c %a "$DIR/$gw/backend")" 700
}

# check_gateway_other_user GW: another local user, who can get as far as
# the gateway's dir, cannot connect to the backend's socket (its 0700
# dir, and the socket's own 0600, keep them out), while the gateway's
# user can: the refusal is the wall, not a dead socket.
check_gateway_other_user() {
	local gw=$1 log=$DIR/$1/backend.log sock=$DIR/$1/backend/api.sock
	if [ "$(id -u)" != 0 ]; then
		skip "not root: no other local user to try the backend as"
	fi
	deploy_open_path "$DIR/$gw"
	run -0 setpriv --reuid=daemon --regid="$(id -g daemon)" --clear-groups \
		test -x "$DIR/$gw"
	backend_mark "$log"
	run setpriv --reuid=daemon --regid="$(id -g daemon)" --clear-groups \
		curl -sS --max-time 10 --unix-socket "$sock" -H 'X-Jwt-Sub: admin' \
		http://localhost/v1/items
	assert_equal "$status" 7
	assert_backend_untouched "$log"
	run -0 curl -sS --max-time 10 --unix-socket "$sock" http://localhost/direct
	assert_output_contains '"url":"/direct"'
}

@test "lighttpd gateway: a sidecar's token (secret, certificate) -> 200; the backend gets the claims, not the token" {
	check_gateway_ok lg
}

@test "lighttpd gateway: no token, bad signature, expired, unknown key -> 401 Bearer; backend untouched" {
	check_gateway_refused lg
}

@test "lighttpd gateway: client headers posing as claims never reach the backend" {
	# jwt-authz-proxy.lua drops every client X-Jwt-* header, also those
	# of claims the gateway does not pass (nginx cannot: README.md).
	check_gateway_forged lg 'X-Jwt-Team: admin'
	assert_backend_header x-jwt-team ""
}

# check_gateway_scope GW: the snippet's example route (/api/admin, scope
# admin) still applies behind the gateway: 403 insufficient_scope.
check_gateway_scope() {
	local gw=$1 log=$DIR/$1/backend.log
	deploy_secret_token ls
	backend_mark "$log"
	deploy_call "$gw" -H "Authorization: Bearer $DEPLOY_TOKEN" /api/admin/x
	assert_status 403
	assert_header_contains WWW-Authenticate 'error="insufficient_scope"'
	assert_backend_untouched "$log"
}

@test "lighttpd gateway: a route's scope still applies: 403 insufficient_scope" {
	check_gateway_scope lg
}

@test "lighttpd gateway: the backend listens on no address, only on its socket" {
	check_gateway_wall lg
}

@test "lighttpd gateway: another local user cannot reach the backend" {
	check_gateway_other_user lg
}

@test "nginx gateway: a sidecar's token (secret, certificate) -> 200; the backend gets the claims, not the token" {
	check_gateway_ok ng
}

@test "nginx gateway: no token, bad signature, expired, unknown key -> 401 Bearer; backend untouched" {
	check_gateway_refused ng
}

@test "nginx gateway: client headers posing as claims never reach the backend" {
	check_gateway_forged ng
}

@test "nginx gateway: the backend listens on no address, only on its socket" {
	check_gateway_wall ng
}

@test "nginx gateway: another local user cannot reach the backend" {
	check_gateway_other_user ng
}

@test "Caddy gateway: a sidecar's token (secret, certificate) -> 200; the backend gets the claims, not the token" {
	check_gateway_ok cg
}

@test "Caddy gateway: no token, bad signature, expired, unknown key -> 401 Bearer; backend untouched" {
	check_gateway_refused cg
}

@test "Caddy gateway: client headers posing as claims never reach the backend" {
	# The jwt_authz snippet deletes every client X-Jwt-* header.
	check_gateway_forged cg 'X-Jwt-Team: admin'
	assert_backend_header x-jwt-team ""
}

@test "Caddy gateway: the backend listens on no address, only on its socket" {
	check_gateway_wall cg
}

@test "Caddy gateway: another local user cannot reach the backend" {
	check_gateway_other_user cg
}

@test "Apache gateway: a sidecar's token (secret, certificate) -> 200; the backend gets the claims, not the token" {
	check_gateway_ok ag
}

@test "Apache gateway: no token, bad signature, expired, unknown key -> 401 Bearer; backend untouched" {
	check_gateway_refused ag
}

@test "Apache gateway: a route's scope still applies: 403 insufficient_scope" {
	check_gateway_scope ag
}

@test "Apache gateway: client headers posing as claims never reach the backend" {
	# jwt-authz-proxy.lua (mod_lua) drops every client X-Jwt-* header.
	check_gateway_forged ag 'X-Jwt-Team: admin'
	assert_backend_header x-jwt-team ""
}

@test "Apache gateway: the backend listens on no address, only on its socket" {
	check_gateway_wall ag
}

@test "Apache gateway: another local user cannot reach the backend" {
	check_gateway_other_user ag
}

# bind.bash - certificate-bound tokens (RFC 8705 §3) end to end, for
# tests/mint_{lighttpd,apache,nginx,caddy}.bats: the mint on the server
# binds search's tokens to its certificate (registry bind_certificate,
# tests/helpers/mint.bash) and not billing's (mint.conf's default), and
# jwt-authz.fcgi on the same server must accept a bound token only with
# that certificate, whatever the client's headers say. Needs common.bash
# and mint.bash loaded; for the servers of mintsrv.bash, mintsrv.bash too.
#
# The test file sets, before calling the scenarios:
#   BIND_MTLS   base URL of a TLS socket that verifies client certificates
#               and serves /api/echo behind jwt-authz.fcgi
#   BIND_TLS    base URL of /api/echo on TLS without client certificates
#   BIND_PLAIN  the same over plain HTTP
# Every one of them serves /api/bound/echo too, whose route sets
# JWT_REQUIRE_BOUND=1 the server's way.
# and, for a server reached as localhost, BIND_HTTP=msrv_http (default:
# http with the test CA, for 127.0.0.1).

BIND_NOT_BOUND_PREFIX='token is bound to a client certificate (cnf x5t#S256) and'

# bind_http [CURL ARGS...] URL
bind_http() {
	if [ -n "${BIND_HTTP:-}" ]; then
		"$BIND_HTTP" "$@"
	else
		http --cacert "$DIR/pki/ca.pem" "$@"
	fi
}

# bind_cert NAME: curl arguments for client certificate NAME of DIR/pki.
bind_cert() {
	printf '%s\n' --cert "$DIR/pki/$1.pem" --key "$DIR/pki/$1.key"
}

# bind_token NAME: a token bought on BIND_MTLS with client certificate
# NAME, into BIND_TOKEN.
bind_token() {
	local cert
	mapfile -t cert < <(bind_cert "$1")
	bind_http "${cert[@]}" -d grant_type=client_credentials \
		"$BIND_MTLS/mint/token" || return 1
	assert_status 200 || return 1
	BIND_TOKEN=$(jq -r .access_token "$JF_BODY")
}

# bind_api CERT URL [CURL ARGS...]: GET URL/api/echo (URL$BIND_PATH if
# set) with the token in BIND_TOKEN and client certificate CERT ("-" for
# none).
bind_api() {
	local name=$1 url=$2 cert=()
	shift 2
	if [ "$name" != - ]; then mapfile -t cert < <(bind_cert "$name"); fi
	bind_http "${cert[@]}" -H "Authorization: Bearer $BIND_TOKEN" "$@" \
		"$url${BIND_PATH:-/api/echo}"
}

# bind_refused WHY: the last answer is a 401 invalid_token whose
# error_description says WHY (after the common start), and the backend
# was not reached.
bind_refused() {
	assert_status 401 &&
	assert_header_contains WWW-Authenticate 'error="invalid_token"' &&
	assert_header_contains WWW-Authenticate \
		"error_description=\"$BIND_NOT_BOUND_PREFIX $1" &&
	assert_backend_untouched "$DIR/backend.log"
}

# bind_allowed SUB: the last answer is the backend's, for SUB.
bind_allowed() {
	assert_status 200 &&
	assert_json .JWT_SUB "$1"
}

# --- scenarios -------------------------------------------------------------

# bind_check_minted: search's token is bound to its certificate, billing's
# (the mint's default) and worker's (a client secret) are not.
bind_check_minted() {
	bind_token search || return 1
	assert_equal "$(jwt_payload "$BIND_TOKEN" | jq -r '.cnf["x5t#S256"]')" \
		"$(cert_x5t "$DIR/pki/search.pem")" || return 1
	assert_equal "$(jwt_payload "$BIND_TOKEN" | jq -c .cnf)" \
		"{\"x5t#S256\":\"$(cert_x5t "$DIR/pki/search.pem")\"}" || return 1
	bind_token billing || return 1
	assert_equal "$(jwt_payload "$BIND_TOKEN" | jq -r '.cnf // "unbound"')" \
		unbound || return 1
	bind_http -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials "$BIND_TLS/mint/token" || return 1
	assert_status 200 &&
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r '.cnf // "unbound"')" unbound
}

# bind_check_right: the bound token with its certificate opens the API,
# again and again (the authorizer's cache hits too).
bind_check_right() {
	local i
	bind_token search || return 1
	for i in 1 2 3; do
		bind_api search "$BIND_MTLS" || return 1
		bind_allowed search || return 1
	done
}

# bind_check_wrong: the bound token with another certificate of the same
# CA (billing), and with none, is refused with the reason, also right
# after the right certificate made the token a cache hit.
bind_check_wrong() {
	local i
	bind_token search || return 1
	for i in 1 2; do
		bind_api search "$BIND_MTLS" && bind_allowed search || return 1
		backend_mark "$DIR/backend.log"
		bind_api billing "$BIND_MTLS" || return 1
		bind_refused "this request's client certificate is another one" ||
			return 1
		bind_api - "$BIND_TLS" || return 1
		bind_refused 'the request came without one' || return 1
		bind_api - "$BIND_PLAIN" || return 1
		bind_refused 'the request came without one' || return 1
	done
}

# bind_check_headers: a client header named like the certificate
# variable, holding the very certificate the token is bound to (a
# certificate is public), changes nothing: with billing's certificate
# the token is still refused as bound to another one, and without a
# certificate as bound to none.
bind_check_headers() {
	local pem h
	bind_token search || return 1
	# Percent-encoded, the one-line form nginx's $ssl_client_escaped_cert
	# has and the authorizer reads.
	pem=$(jq -sRr @uri <"$DIR/pki/search.pem")
	for h in SSL_CLIENT_CERT SSL-Client-Cert X-Client-Cert \
		X-SSL-Client-Cert; do
		backend_mark "$DIR/backend.log"
		bind_api billing "$BIND_MTLS" -H "$h: $pem" || return 1
		bind_refused "this request's client certificate is another one" ||
			{ echo "with header $h" >&2; return 1; }
		bind_api - "$BIND_TLS" -H "$h: $pem" || return 1
		bind_refused 'the request came without one' ||
			{ echo "with header $h" >&2; return 1; }
	done
}

# bind_check_unbound: an unbound token (billing's) opens the API with any
# certificate of the CA, and without one.
bind_check_unbound() {
	bind_token billing || return 1
	bind_api search "$BIND_MTLS" && bind_allowed billing || return 1
	bind_api billing "$BIND_MTLS" && bind_allowed billing || return 1
	bind_api - "$BIND_TLS" && bind_allowed billing
}

# bind_check_route: /api/bound/echo, whose route sets JWT_REQUIRE_BOUND=1,
# takes the bound token with its certificate only, and refuses an unbound
# token whatever the connection.
bind_check_route() {
	local BIND_PATH=/api/bound/echo url
	bind_token search || return 1
	bind_api search "$BIND_MTLS" && bind_allowed search || return 1
	backend_mark "$DIR/backend.log"
	bind_api billing "$BIND_MTLS" || return 1
	bind_refused "this request's client certificate is another one" ||
		return 1
	bind_token billing || return 1
	for url in "$BIND_MTLS" "$BIND_TLS"; do
		bind_api billing "$url" || return 1
		assert_status 401 &&
		assert_header_contains WWW-Authenticate 'error="invalid_token"' &&
		assert_header_contains WWW-Authenticate 'error_description="token is not bound to a client certificate (no cnf claim); this resource requires bound tokens"' &&
		assert_backend_untouched "$DIR/backend.log" || return 1
	done
	# The same token still opens the route without the requirement.
	BIND_PATH=/api/echo
	bind_api billing "$BIND_MTLS" && bind_allowed billing
}

#!/usr/bin/env bats
# attacks_mint.bats - hostile form bodies and client identities sent to
# jwt-mint.fcgi's POST /token through lighttpd (the shipped
# conf/lighttpd/50-jwt-mint.conf, tests/helpers/mint.bash). Every refusal
# is checked for its exact status, RFC 6749 section 5.2 error code and
# error_description, and for having no access_token; controls show that
# the same client gets a token when it asks properly.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl || return 0
	export DIR=$BATS_FILE_TMPDIR
	if ! mint_lighttpd_start "$DIR"; then
		mint_lighttpd_stop "$DIR"
		return 1
	fi
	export LOG=$DIR/lighttpd.log
}

setup() {
	skip_if_file_skipped
	CC=grant_type=client_credentials
}

teardown_file() {
	mint_lighttpd_stop "$BATS_FILE_TMPDIR"
}

# refused STATUS ERROR DESC: the last answer is that status with that
# error code, DESC in error_description, and no token.
refused() {
	assert_status "$1" &&
	assert_json .error "$2" &&
	assert_json '.access_token // "none"' none || return 1
	[[ $(jq -r .error_description "$JF_BODY") == *"$3"* ]] || {
		echo "error_description lacks: $3" >&2
		jf_show_response
		return 1
	}
}

# granted SCOPE: the last answer is a token for billing with SCOPE.
granted() {
	local tok
	assert_status 200 || return 1
	tok=$(jq -r .access_token "$JF_BODY")
	assert_equal "$(jwt_payload "$tok" | jq -r '[.sub, .scope] | join(" ")')" \
		"billing $1"
}

@test "control: billing's certificate and a proper body get a token" {
	mint_post billing -d "$CC&scope=invoices:read+admin"
	granted "invoices:read admin"
}

# RFC 6749 section 3.2: "Request and response parameters MUST NOT be
# included more than once." Either copy could otherwise win.
@test "a parameter sent twice is refused, whatever the values" {
	local f
	for f in "$CC&$CC" "$CC&grant_type=password" "grant_type=password&$CC"; do
		mint_post billing -d "$f"
		refused 400 invalid_request "form field 'grant_type' repeated"
	done
	mint_post billing -d "$CC&scope=invoices:read&scope=admin"
	refused 400 invalid_request "form field 'scope' repeated"
	mint_post billing -d "$CC&resource=$MINT_AUD&resource=$MINT_AUD2"
	refused 400 invalid_request "form field 'resource' repeated"
}

# The token endpoint reads the body only: a query string can neither
# change the grant nor widen the scope, nor rescue a bad body.
@test "parameters in the query string are ignored, never merged" {
	local url=https://127.0.0.1:$MTLS_PORT/mint/token
	http --cacert "$DIR/pki/ca.pem" --cert "$DIR/pki/billing.pem" \
		--key "$DIR/pki/billing.key" -d "$CC" \
		"$url?grant_type=password&scope=admin&resource=$MINT_AUD2"
	granted invoices:read
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r .aud)" "$MINT_AUD"
	http --cacert "$DIR/pki/ca.pem" --cert "$DIR/pki/billing.pem" \
		--key "$DIR/pki/billing.key" -d grant_type=password "$url?$CC"
	refused 400 unsupported_grant_type "grant_type 'password' not supported"
}

@test "control characters in a value: NUL, CRLF, raw CR LF" {
	local v
	for v in 'invoices:read%00admin' 'invoices:read%0d%0aadmin' \
		'invoices:read%0aadmin' 'invoices:read%09admin'; do
		mint_post billing -d "$CC&scope=$v"
		refused 400 invalid_request "malformed value for form field 'scope'"
	done
	mint_post billing --data-binary "$CC&scope=invoices:read"$'\r\n'
	refused 400 invalid_request "malformed value for form field 'scope'"
	# In a name too, and in grant_type itself.
	mint_post billing -d "$CC&sc%00ope=admin"
	refused 400 invalid_request "malformed"
	mint_post billing -d "grant_type=client_credentials%00x"
	refused 400 invalid_request "malformed value for form field 'grant_type'"
}

# The body is capped at 16 KiB (FORM_MAX_BYTES): 10k scopes cannot fit.
@test "size: 10k scopes and a 17 KiB body are 413; 8000 scopes are bounded" {
	local f=$BATS_TEST_TMPDIR/body n0 line
	{ printf '%s&scope=' "$CC"; printf 'invoices:read+%.0s' {1..10000}; } >"$f"
	mint_post billing --data-binary "@$f"
	refused 413 invalid_request "body larger than 16384 bytes"
	{ printf '%s&pad=' "$CC"; head -c 17408 /dev/zero | tr '\0' x; } >"$f"
	mint_post billing --data-binary "@$f"
	refused 413 invalid_request "body larger than 16384 bytes"
	# Just under the cap: 8000 unknown scopes, refused one by one, and
	# the audit line that echoes the request stays short (~600 bytes).
	n0=$(grep -c 'audit: ' "$LOG" || true)
	{ printf '%s&scope=' "$CC"; printf 'a+%.0s' {1..8000}; } >"$f"
	mint_post billing --data-binary "@$f"
	refused 400 invalid_scope "scope 'a' is not granted to service billing"
	wait_for_log "$LOG" '"outcome":"invalid_scope"'
	line=$(grep 'audit: ' "$LOG" | tail -n +"$((n0 + 1))" | head -n 1)
	[ "${#line}" -lt 1024 ] || {
		echo "audit line is ${#line} bytes" >&2
		return 1
	}
}

@test "only application/x-www-form-urlencoded: multipart and JSON are 400" {
	local want="Content-Type must be application/x-www-form-urlencoded"
	mint_post billing -F grant_type=client_credentials
	refused 400 invalid_request "$want"
	mint_post billing -H 'Content-Type: application/json' \
		-d '{"grant_type":"client_credentials"}'
	refused 400 invalid_request "$want"
	mint_post billing -H 'Content-Type: text/plain' -d "$CC"
	refused 400 invalid_request "$want"
	mint_post billing -H \
		'Content-Type: application/x-www-form-urlencoded; charset=latin1' \
		-d "$CC"
	refused 400 invalid_request "$want"
}

@test "identity: another client_id, another CA's billing, audience+resource" {
	# billing's certificate, but the form names search (and worker, a
	# secret-only client): the certificate decides, the claim is refused.
	mint_post billing -d "$CC&client_id=search"
	refused 401 invalid_client "client_id 'search' is not the certificate's service"
	mint_post billing -d "$CC&client_id=worker"
	refused 401 invalid_client "client_id 'worker' is not the certificate's service"
	mint_post billing -d "$CC&client_id=billing"
	granted invoices:read
	# A "billing" certificate from another CA on the socket that asks
	# for certificates but does not enforce them: lighttpd passes the
	# failed verification on, and the CN counts for nothing.
	http --cacert "$DIR/pki/ca.pem" --cert "$DIR/pki-other/billing.pem" \
		--key "$DIR/pki-other/billing.key" -d "$CC" \
		"https://127.0.0.1:$LAX_PORT/mint/token"
	refused 401 invalid_client "could not verify the client certificate"
	mint_post billing -d "$CC&audience=$MINT_AUD&resource=$MINT_AUD"
	refused 400 invalid_request "give resource or audience, not both"
	mint_post billing -d "$CC&audience=$MINT_AUD&resource=$MINT_AUD2"
	refused 400 invalid_request "give resource or audience, not both"
}

# The audit line records who asked for which scope and audience, and
# never the body itself: not a secret, not an assertion, not a field it
# has no use for.
@test "audit: the request body never reaches the log" {
	local canary=CANARY$RANDOM$RANDOM n0
	n0=$(grep -c 'audit: ' "$LOG" || true)
	mint_post billing -d "$CC&client_secret=S$canary&note=N$canary"
	mint_post billing -d "$CC&client_assertion=A$canary&scope=invoices:read"
	mint_post billing -d "$CC&$CC&x=X$canary"
	refused 400 invalid_request "repeated"
	mint_post_plain -u "worker:P$canary" -d "$CC"
	refused 401 invalid_client "only secrets made by jwt-fcgi register --client-secret"
	wait_for_log "$LOG" '"auth_method":"client_secret_basic"'
	[ "$(grep 'audit: ' "$LOG" | tail -n +"$((n0 + 1))" | wc -l)" -ge 4 ]
	[ -s "$LOG" ]
	[ -f "$DIR/lighttpd.error.log" ]
	run -1 grep -F "$canary" "$LOG" "$DIR/lighttpd.error.log"
	run -1 grep -F "$CC&" "$LOG" "$DIR/lighttpd.error.log"
}

#!/usr/bin/env bats
# state_mints.bats - two mints of one issuer sharing one real
# redis-server (`state = redis://...`), as two hosts behind a load
# balancer: both behind one lighttpd (tests/helpers/conf/
# state-mints-lighttpd.conf.in: mint A through the shipped
# 50-jwt-mint.conf on /mint, mint B a second process tree of the same
# program and mint.conf on /mint-b). A private_key_jwt assertion used at
# one is refused at the other; a revocation made through either (RFC 7009
# or `jwt-fcgi revoke`) is in both lists; indexes never collide; Redis
# killed mid-run: /token answers 503 naming Redis and issues nothing;
# Redis back: issuing resumes.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/redis

JWT_BEARER=urn:ietf:params:oauth:client-assertion-type:jwt-bearer

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl && need_redis ||
		return 0
	local why
	why=$(mint_npm_setup) || { jf_missing "$why"; return 0; }
	export DIR=$BATS_FILE_TMPDIR
	start_redis "$DIR/redis" || return 1
	echo "$REDIS_PORT" >"$DIR/redis.port"
	export MINT_LIFETIME=300 MINT_LEEWAY=0
	export MINT_CONF_EXTRA="state = $REDIS_URL
status_list_uri = https://127.0.0.1:@TLS_PORT@/mint/statuslist
status_bits = 2
status_list_ttl = 1
status_list_lifetime = 2"
	if ! sm_start "$DIR"; then
		sm_stop "$DIR"
		return 1
	fi
	export LOG=$DIR/lighttpd.log
	export A=https://127.0.0.1:$TLS_PORT/mint B=https://127.0.0.1:$TLS_PORT/mint-b
	export CLI
	CLI=$(jf_bin jwt-fcgi)
}

setup() {
	skip_if_file_skipped
	REDIS_PORT=$(cat "$DIR/redis.port")
}

teardown_file() {
	sm_stop "$BATS_FILE_TMPDIR"
	stop_redis "$BATS_FILE_TMPDIR/redis"
}

# sm_start DIR: the mint's fixture and configuration (mint.bash), and
# lighttpd with both mints (tried again on a port clash).
sm_start() {
	local dir=$1 try
	MINT=$(jf_bin jwt-mint.fcgi) || return 1
	DIR=$dir SRCDIR=$JF_SRCDIR
	export MINT SRCDIR
	mkdir -p "$dir/htdocs" && mint_fixture "$dir" || return 1
	for try in 1 2 3; do
		sm_try "$dir" && return 0
		grep -q 'Address already in use' "$dir/lighttpd.log" || break
	done
	cat "$dir/lighttpd.log" "$dir/lighttpd.error.log" >&2
	return 1
}

sm_try() {
	local dir=$1 i
	free_port PORT && free_port TLS_PORT && free_port MTLS_PORT || return 1
	ISSUER=https://127.0.0.1:$MTLS_PORT/mint
	export PORT TLS_PORT MTLS_PORT ISSUER
	mint_confs "$dir" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/state-mints-lighttpd.conf.in" \
		"$dir/lighttpd.conf" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/jwt-mint.local.conf.in" \
		"$dir/jwt-mint.local.conf" || return 1
	if ! lighttpd -tt -f "$dir/lighttpd.conf" >"$dir/lighttpd-tt.log" 2>&1; then
		cat "$dir/lighttpd-tt.log" >&2
		return 1
	fi
	start_daemon "$dir" lighttpd lighttpd -D -f "$dir/lighttpd.conf" || return 1
	for i in "$PORT" "$TLS_PORT" "$MTLS_PORT"; do
		if ! wait_for_port "$i" 10 "$dir/lighttpd.pid" 2>/dev/null; then
			stop_daemon "$dir/lighttpd.pid"
			return 1
		fi
	done
}

sm_stop() {
	stop_daemon "$1/lighttpd.pid"
}

# token AT: a fresh token of worker (client_secret_basic) from mint AT
# ($A or $B): $TOK, its jti $JTI and its index $IDX.
token() {
	http --cacert "$DIR/pki/ca.pem" -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials "$1/token"
	assert_status 200 || return 1
	TOK=$(jq -r .access_token "$JF_BODY")
	JTI=$(jwt_payload "$TOK" | jq -r .jti)
	IDX=$(jwt_payload "$TOK" | jq -r .status.status_list.idx)
}

# status_of AT IDX...: mint AT's list now, as jose + zlib read it: the
# status of each index, space-separated. Both mints publish the list as
# the one status_list_uri of mint.conf ($A/statuslist), its sub.
status_of() {
	local at=$1 f out
	shift
	f=$(jf_dir)/list.$RANDOM.jwt
	curl -sS --max-time 10 --cacert "$DIR/pki/ca.pem" \
		-H 'Accept: application/statuslist+jwt' -o "$f" "$at/statuslist" ||
		return 1
	out=$(node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/statuslist-read.mjs" \
		"$DIR/mint.jwks" "$f" "$A/statuslist" "$@") || return 1
	printf '%s\n' "$out" | jq -r '[.statuses[]] | map(tostring) | join(" ")'
}

@test "both mints run on the shared Redis" {
	token "$A"
	token "$B"
	run -0 redis-cli -p "$REDIS_PORT" --scan --pattern "jf:$ISSUER:live"
	assert_equal "$output" "jf:$ISSUER:live"
}

@test "a private_key_jwt assertion used at mint A is refused at mint B" {
	local a
	a=$(mint_assertion)
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a" \
		"$A/token"
	assert_status 200
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a" \
		"$B/token"
	assert_status 401
	assert_json .error invalid_client
	assert_json '.access_token // "none"' none
	assert_body_contains 'single-use'
	# And the other way round.
	a=$(mint_assertion)
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a" \
		"$B/token"
	assert_status 200
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a" \
		"$A/token"
	assert_status 401
	assert_body_contains 'single-use'
}

@test "indexes never collide across 200 tokens from both mints" {
	local i f=$BATS_TEST_TMPDIR/idx
	: >"$f"
	for i in $(seq 1 100); do
		token "$A"
		echo "$IDX" >>"$f"
		token "$B"
		echo "$IDX" >>"$f"
	done
	assert_equal "$(wc -l <"$f")" 200
	assert_equal "$(sort -n "$f" | uniq -d | wc -l)" 0
}

@test "a revocation made through either mint is in both lists" {
	local ta ia jb ib secret
	secret=$(cat "$DIR/worker.secret")
	token "$A"
	ta=$TOK ia=$IDX
	token "$B"
	jb=$JTI ib=$IDX
	# A's token revoked at B (RFC 7009, by its owner).
	http --cacert "$DIR/pki/ca.pem" -u "worker:$secret" \
		--data-urlencode "token=$ta" "$B/revoke"
	assert_status 200
	run -0 status_of "$A" "$ia" "$ib"
	assert_equal "$output" "1 0"
	run -0 status_of "$B" "$ia" "$ib"
	assert_equal "$output" "1 0"
	# B's token revoked by the operator, whose CLI reads mint.conf.
	run -0 "$CLI" revoke --jti "$jb" -c "$DIR/mint.conf"
	run -0 status_of "$A" "$ia" "$ib"
	assert_equal "$output" "1 1"
	run -0 status_of "$B" "$ia" "$ib"
	assert_equal "$output" "1 1"
}

@test "Redis killed: /token answers 503 naming it and issues nothing; Redis back: issuing resumes" {
	local n0 at
	token "$A"
	n0=$(grep -c '"outcome":"issued"' "$LOG" || true)
	kill_redis "$DIR/redis"
	for at in "$A" "$B"; do
		http --cacert "$DIR/pki/ca.pem" \
			-u "worker:$(cat "$DIR/worker.secret")" \
			-d grant_type=client_credentials "$at/token"
		assert_status 503
		assert_json '.access_token // "none"' none
		# The client is told to retry; the operator's log names Redis.
		assert_body_contains "token status store is unavailable"
		wait_for_log "$LOG" "token status store: redis at 127.0.0.1:$REDIS_PORT"
	done
	# An assertion is not let through unchecked either.
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" \
		-d "client_assertion=$(mint_assertion)" "$A/token"
	assert_status 503
	assert_json '.access_token // "none"' none
	assert_equal "$(grep -c '"outcome":"issued"' "$LOG" || true)" "$n0"
	start_redis "$DIR/redis"
	token "$A"
	[ "$IDX" -ge 0 ]
	token "$B"
	[ "$IDX" -ge 0 ]
}

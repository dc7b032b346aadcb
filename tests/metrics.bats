#!/usr/bin/env bats
# metrics.bats - the Prometheus metrics of jwt-authz.fcgi and
# jwt-mint.fcgi behind a real lighttpd through the shipped
# conf/lighttpd snippets: scraped after a known mix of requests, each
# counter checked against the mix; `promtool check metrics` accepts every
# scrape; a real prometheus started here on loopback scrapes both and
# its query API shows the counters; the metrics URLs are not served to
# an address the snippets do not allow.
#
# The tests run in file order and share one lighttpd: the mix test
# counts on the counters being zero before it.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl &&
		need_cmd promtool "apt-get install prometheus" &&
		need_cmd prometheus "apt-get install prometheus" || return 0
	export DIR=$BATS_FILE_TMPDIR
	# The authorizer learns the mint's keys from its jwks_uri, so that
	# its fetcher has fetches to count.
	export MINT_AUTHZ_REMOTE=jwks_uri
	# One authorizer worker: the verified-token cache is per worker, and
	# the mix's hits and misses are exact only with one.
	export MINT_AUTHZ_WORKERS=1
	if ! mint_lighttpd_start "$DIR"; then
		mint_lighttpd_stop "$DIR"
		return 1
	fi
	export AUTHZ_METRICS=http://127.0.0.1:$PORT/jwt-authz/metrics
	export MINT_METRICS=https://127.0.0.1:$TLS_PORT/mint/metrics
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	stop_daemon "$BATS_FILE_TMPDIR/prometheus.pid"
	mint_lighttpd_stop "$BATS_FILE_TMPDIR"
}

# scrape URL FILE: GET the metrics into FILE; 200, the 0.0.4 text type,
# and promtool's check passes.
scrape() {
	http --cacert "$DIR/pki/ca.pem" "$1" &&
	assert_status 200 &&
	assert_header_contains Content-Type 'text/plain; version=0.0.4' &&
	assert_header_contains Cache-Control no-store &&
	cp "$JF_BODY" "$2" || return 1
	if ! promtool check metrics <"$2" >"$2.promtool" 2>&1; then
		echo "promtool check metrics refused $1:" >&2
		cat "$2.promtool" >&2
		return 1
	fi
}

# assert_metric FILE SERIES VALUE: the sample SERIES (name{labels},
# exactly as written) has VALUE in FILE.
assert_metric() {
	local got
	got=$(awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " {
		print substr($0, length(s) + 2) }' "$1")
	if [ "$got" != "$3" ]; then
		printf 'expected %s: %s\nactual %s:   %s\n' "$2" "$3" "$2" \
			"${got:-(absent)}" >&2
		return 1
	fi
}

# api TOKEN|-: GET /api/echo with that bearer token (- for none).
api() {
	local auth=()
	[ "$1" != - ] && auth=(-H "Authorization: Bearer $1")
	http "${auth[@]}" "http://127.0.0.1:$PORT/api/echo"
}

@test "lighttpd accepts the shipped snippets' metrics routes, with their defaults too" {
	local d=$BATS_TEST_TMPDIR
	run -0 lighttpd -tt -f "$DIR/lighttpd.conf"
	printf '%s\n' 'server.document-root = "/tmp"' 'server.port = 1' \
		'server.modules = ( "mod_setenv", "mod_rewrite", "mod_fastcgi", "mod_openssl" )' \
		"include \"$JF_SRCDIR/conf/lighttpd/50-jwt-mint.conf\"" \
		"include \"$JF_SRCDIR/conf/lighttpd/50-jwt-authz.conf\"" \
		>"$d/lighttpd.conf"
	run -0 --separate-stderr lighttpd -p -f "$d/lighttpd.conf"
	[[ $output == *'$HTTP["remoteip"] =~ "^(127\.0\.0\.1|::1)$"'* ]]
	[[ $output == *'$HTTP["url"] == "/jwt-authz/metrics"'* ]]
	[[ $output == *'$HTTP["url"] == "/mint/metrics"'* ]]
	[[ $output == *'"JWT_SERVE" => "metrics"'* ]]
	[ -z "$stderr" ]
}

@test "before any request: every counter is 0, promtool accepts both" {
	scrape "$AUTHZ_METRICS" "$DIR/authz.0"
	assert_metric "$DIR/authz.0" 'jwt_authz_decisions_total{outcome="allow",reason="ok"}' 0
	assert_metric "$DIR/authz.0" 'jwt_authz_token_cache_lookups_total{result="hit"}' 0
	assert_metric "$DIR/authz.0" 'jwt_authz_decision_duration_seconds_count' 0
	assert_metric "$DIR/authz.0" 'jwt_authz_fetches_total{kind="jwks",outcome="error"}' 0
	[ "$(grep -c '^jwt_authz_decisions_total{' "$DIR/authz.0")" -eq "$(grep -c '^jwt_authz_decisions_total{.*} 0$' "$DIR/authz.0")" ]
	scrape "$MINT_METRICS" "$DIR/mint.0"
	assert_metric "$DIR/mint.0" 'jwt_mint_tokens_issued_total{method="tls_client_auth"}' 0
	assert_metric "$DIR/mint.0" 'jwt_mint_replay_capacity' 100000
	assert_metric "$DIR/mint.0" 'jwt_mint_issuance_duration_seconds_count' 0
	# No label but the fixed ones: no subject, client or token.
	run -1 grep -E '\{[^}]*(billing|worker|signer|sub=|client_id=)' \
		"$DIR/authz.0" "$DIR/mint.0"
}

@test "a known mix of requests: each counter matches it, on both programs" {
	local tok secret now expired badsig sig c i
	secret=$(cat "$DIR/worker.secret")
	# The mint: 2 x tls_client_auth, 1 x client_secret_basic,
	# 1 x client_secret_post, 1 x invalid_client, 1 x invalid_scope.
	mint_post billing -d grant_type=client_credentials
	assert_status 200
	tok=$(jq -r .access_token "$JF_BODY")
	mint_post billing -d grant_type=client_credentials
	assert_status 200
	mint_post_plain -u "worker:$secret" -d grant_type=client_credentials
	assert_status 200
	mint_post_plain -d grant_type=client_credentials -d client_id=worker \
		--data-urlencode "client_secret=$secret"
	assert_status 200
	mint_post_plain -u "worker:not-$secret" -d grant_type=client_credentials
	assert_status 401
	assert_json .error invalid_client
	mint_post billing -d grant_type=client_credentials -d scope=nope
	assert_status 400
	assert_json .error invalid_scope
	# The authorizer: the minted token 3 times (one cache miss, then two
	# hits), no token, an expired token twice, a bad signature, junk.
	now=$(date +%s)
	expired=$("$(jf_bin jwt-fcgi)" sign -k "$DIR/mint.key" -t at+jwt \
		--iss "$ISSUER" --aud "$MINT_AUD" --sub billing --client-id billing \
		--scope invoices:read --iat $((now - 7200)) --exp $((now - 3600)))
	sig=${tok##*.}
	c=${sig:10:1}
	[ "$c" = A ] && c=B || c=A
	badsig=${tok%.*}.${sig:0:10}$c${sig:11}
	# The fetcher has the mint's keys before the first token comes (else
	# that decision waits for them, and the cache is flushed after it).
	for i in $(seq 1 60); do
		http "$AUTHZ_METRICS"
		if awk '$1 == "jwt_authz_fetches_total{kind=\"jwks\",outcome=\"ok\"}" &&
			$2 >= 1 { f = 1 } END { exit !f }' "$JF_BODY"; then
			break
		fi
		sleep 0.5
	done
	for i in 1 2 3; do
		api "$tok"
		assert_status 200
	done
	api -
	assert_status 401
	for i in 1 2; do
		api "$expired"
		assert_status 401
		assert_header_contains WWW-Authenticate expired
	done
	api "$badsig"
	assert_status 401
	api not-a-jwt
	assert_status 401

	scrape "$AUTHZ_METRICS" "$DIR/authz.1"
	assert_metric "$DIR/authz.1" 'jwt_authz_decisions_total{outcome="allow",reason="ok"}' 3
	assert_metric "$DIR/authz.1" 'jwt_authz_decisions_total{outcome="deny",reason="no_token"}' 1
	assert_metric "$DIR/authz.1" 'jwt_authz_decisions_total{outcome="deny",reason="expired"}' 2
	assert_metric "$DIR/authz.1" 'jwt_authz_decisions_total{outcome="deny",reason="signature"}' 1
	assert_metric "$DIR/authz.1" 'jwt_authz_decisions_total{outcome="deny",reason="token_malformed"}' 1
	assert_metric "$DIR/authz.1" 'jwt_authz_decisions_total{outcome="error",reason="config"}' 0
	# Nothing else was counted: the five series above sum to the 8.
	assert_equal "$(awk '/^jwt_authz_decisions_total\{/ { s += $2 } END { print s }' "$DIR/authz.1")" 8
	assert_metric "$DIR/authz.1" 'jwt_authz_token_cache_lookups_total{result="hit"}' 2
	assert_metric "$DIR/authz.1" 'jwt_authz_token_cache_lookups_total{result="miss"}' 5
	assert_metric "$DIR/authz.1" 'jwt_authz_decision_duration_seconds_count' 8
	assert_metric "$DIR/authz.1" 'jwt_authz_decision_duration_seconds_bucket{le="+Inf"}' 8
	# The fetcher fetched the mint's keys (again every jwks_refresh, 5 s:
	# at least once), never in vain; they are younger than a refresh or
	# two, and the configuration older than the test.
	run -0 awk '$1 == "jwt_authz_fetches_total{kind=\"jwks\",outcome=\"ok\"}" && $2 >= 1' "$DIR/authz.1"
	[ -n "$output" ]
	assert_metric "$DIR/authz.1" 'jwt_authz_fetches_total{kind="jwks",outcome="error"}' 0
	assert_metric "$DIR/authz.1" 'jwt_authz_fetches_total{kind="client_metadata",outcome="ok"}' 0
	# The mint's tokens carry a status list entry on the keys' origin:
	# the first good token made the fetcher get that list.
	run -0 awk '$1 == "jwt_authz_fetches_total{kind=\"status_list\",outcome=\"ok\"}" && $2 >= 1' "$DIR/authz.1"
	[ -n "$output" ]
	run -0 awk '$1 == "jwt_authz_keys_age_seconds{source=\"remote\"}" && $2 >= 0 && $2 < 60' "$DIR/authz.1"
	[ -n "$output" ]
	run -0 awk '$1 == "jwt_authz_keys_age_seconds{source=\"config\"}" && $2 >= 0 && $2 < 3600' "$DIR/authz.1"
	[ -n "$output" ]

	scrape "$MINT_METRICS" "$DIR/mint.1"
	assert_metric "$DIR/mint.1" 'jwt_mint_tokens_issued_total{method="tls_client_auth"}' 2
	assert_metric "$DIR/mint.1" 'jwt_mint_tokens_issued_total{method="client_secret_basic"}' 1
	assert_metric "$DIR/mint.1" 'jwt_mint_tokens_issued_total{method="client_secret_post"}' 1
	assert_metric "$DIR/mint.1" 'jwt_mint_tokens_issued_total{method="private_key_jwt"}' 0
	assert_metric "$DIR/mint.1" 'jwt_mint_refusals_total{error="invalid_client",reason="invalid_client"}' 1
	assert_metric "$DIR/mint.1" 'jwt_mint_refusals_total{error="invalid_scope",reason="invalid_scope"}' 1
	assert_equal "$(awk '/^jwt_mint_refusals_total\{/ { s += $2 } END { print s }' "$DIR/mint.1")" 2
	assert_metric "$DIR/mint.1" 'jwt_mint_issuance_duration_seconds_count' 6
	assert_metric "$DIR/mint.1" 'jwt_mint_replay_entries' 0
	run -0 awk '$1 == "jwt_mint_keys_age_seconds{key=\"signing\"}" && $2 >= 0' "$DIR/mint.1"
	[ -n "$output" ]
	# Never a subject, client, secret or token in a label.
	run -1 grep -E "\{[^}]*(billing|worker|signer|$secret|${tok:0:20})" \
		"$DIR/authz.1" "$DIR/mint.1"
}

@test "private_key_jwt: issued by that method, and its jti in the replay table" {
	local why a
	why=$(mint_npm_setup) || jf_missing "$why"
	a=$(mint_assertion)
	mint_post_plain -d grant_type=client_credentials \
		-d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
		--data-urlencode "client_assertion=$a"
	assert_status 200
	mint_post_plain -d grant_type=client_credentials \
		-d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
		--data-urlencode "client_assertion=$a"
	assert_status 401
	scrape "$MINT_METRICS" "$DIR/mint.2"
	assert_metric "$DIR/mint.2" 'jwt_mint_tokens_issued_total{method="private_key_jwt"}' 1
	assert_metric "$DIR/mint.2" 'jwt_mint_refusals_total{error="invalid_client",reason="invalid_client"}' 2
	assert_metric "$DIR/mint.2" 'jwt_mint_replay_entries' 1
}

@test "the metrics URLs are not served to an address the snippets do not allow" {
	# 127.0.0.2 is this host too, but not in the default allow list.
	http --interface 127.0.0.2 "http://127.0.0.1:$PORT/jwt-authz/metrics"
	assert_status 404
	assert_body_lacks jwt_authz
	http --interface 127.0.0.2 --cacert "$DIR/pki/ca.pem" "$MINT_METRICS"
	assert_status 404
	assert_body_contains 'no such endpoint'
	assert_body_lacks jwt_mint
	# Nor to a client header pretending to be the route's variable.
	http --interface 127.0.0.2 -H 'JWT-SERVE: metrics' -H 'JWT_SERVE: metrics' \
		--cacert "$DIR/pki/ca.pem" "$MINT_METRICS"
	assert_status 404
	# A POST where it is served: 405.
	http -d x=1 "$AUTHZ_METRICS"
	assert_status 405
	assert_header_contains Allow 'GET, HEAD'
	# None of these was a decision or a token request.
	scrape "$AUTHZ_METRICS" "$DIR/authz.3"
	assert_equal "$(awk '/^jwt_authz_decisions_total\{/ { s += $2 } END { print s }' "$DIR/authz.3")" 8
}

# prom_query EXPR: the single value of an instant query, or "".
prom_query() {
	curl -sS --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // ""'
}

# prom_wait EXPR VALUE: until the query gives VALUE (60 s at most).
prom_wait() {
	local i got=
	for i in $(seq 1 120); do
		got=$(prom_query "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.5
	done
	printf 'prometheus: %s\nexpected: %s\nactual:   %s\n' "$1" "$2" "${got:-(none)}" >&2
	return 1
}

@test "a real prometheus scrapes both programs; its query API shows the counters" {
	local p=$DIR/prom n got
	mkdir -p "$p/data"
	free_port PROM_PORT
	cat >"$p/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: authz
	    metrics_path: /jwt-authz/metrics
	    static_configs:
	      - targets: ["127.0.0.1:$PORT"]
	  - job_name: mint
	    scheme: https
	    metrics_path: /mint/metrics
	    tls_config:
	      ca_file: $DIR/pki/ca.pem
	    static_configs:
	      - targets: ["127.0.0.1:$TLS_PORT"]
	EOF
	run -0 promtool check config "$p/prometheus.yml"
	start_daemon "$DIR" prometheus prometheus \
		--config.file="$p/prometheus.yml" --storage.tsdb.path="$p/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT"
	wait_for_port "$PROM_PORT" 60 "$DIR/prometheus.pid"
	prom_wait 'up{job="authz"}' 1
	prom_wait 'up{job="mint"}' 1
	prom_wait 'jwt_authz_decisions_total{outcome="allow",reason="ok"}' 3
	prom_wait 'jwt_authz_decisions_total{reason="expired"}' 2
	prom_wait 'sum(jwt_authz_decisions_total)' 8
	prom_wait 'jwt_authz_token_cache_lookups_total{result="hit"}' 2
	prom_wait 'jwt_authz_fetches_total{kind="jwks",outcome="ok"} > bool 0' 1
	prom_wait 'jwt_mint_tokens_issued_total{method="tls_client_auth"}' 2
	prom_wait 'jwt_mint_refusals_total{error="invalid_scope"}' 1
	# What the earlier tests left (6 or, with node, 8 token requests).
	scrape "$MINT_METRICS" "$DIR/mint.4"
	n=$(awk '$1 == "jwt_mint_issuance_duration_seconds_count" { print $2 }' "$DIR/mint.4")
	[ "$n" -ge 6 ]
	prom_wait jwt_mint_issuance_duration_seconds_count "$n"
	# The histogram is one Prometheus can use: a median in (0, 2.5 s].
	got=$(prom_query 'histogram_quantile(0.5, jwt_authz_decision_duration_seconds_bucket)')
	run -0 awk -v v="$got" 'BEGIN { exit !(v > 0 && v <= 2.5) }'
	stop_daemon "$DIR/prometheus.pid"
}

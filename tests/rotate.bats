#!/usr/bin/env bats
# rotate.bats - key rotation at the mint: jwt-fcgi keyset init, keys and
# rotate on files, then a rotation with a compressed schedule
# (--prepublish 4, max_token_lifetime 4, leeway 1) against jwt-mint.fcgi
# behind a real lighttpd (tests/helpers/mint.bash) while a client keeps
# asking for tokens and the JWKS: the new kid is published before it
# signs, tokens switch to it at activation, the old kid stays published
# until removed and then leaves, max-age never outlives the published
# keys, the mint reloads the key set by itself, and no request fails.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/cli

# The mint of this file signs from a key set, with short lifetimes so a
# whole rotation fits in seconds (mint_lighttpd_try calls this).
mint_confs() {
	local d=$1 cli
	cli=$(jf_bin jwt-fcgi) || return 1
	rm -rf "$d/keys" && mkdir -p "$d/keys" &&
	cp "$d/mint.key" "$d/keys/mint.key" && chmod 600 "$d/keys/mint.key" ||
		return 1
	printf 'signing_key = %s\n' "$d/keys/mint.key" >"$d/init.conf"
	"$cli" keyset init -c "$d/init.conf" >/dev/null 2>"$d/init.err" || {
		cat "$d/init.err" >&2
		return 1
	}
	cat >"$d/mint.conf" <<-EOF
	issuer = $ISSUER
	keyset = $d/keys/keyset.json
	registry = $d/registry.json
	state_dir = $d/state
	status_list_uri = https://127.0.0.1:$TLS_PORT/mint/statuslist
	token_lifetime = 4
	max_token_lifetime = 4
	leeway = 1
	jwks_max_age = 120
	client_ca = $d/pki/ca.pem
	log_level = info
	EOF
	if [ "$(id -u)" = 0 ]; then
		echo "peer_users = nobody" >>"$d/mint.conf"
	fi
	# The proxy on the same lighttpd learns the keys from the mint's
	# /jwks (issue 10): a rotation touches no proxy. It looks every
	# second, shorter than --prepublish.
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
	EOF
}

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl || return 0
	export DIR=$BATS_FILE_TMPDIR/srv
	mkdir -p "$DIR"
	if ! mint_lighttpd_start "$DIR"; then
		mint_lighttpd_stop "$DIR"
		return 1
	fi
	export LOG=$DIR/lighttpd.log
	export TLS=https://127.0.0.1:$TLS_PORT
}

teardown_file() {
	[ -n "${DIR:-}" ] && mint_lighttpd_stop "$DIR"
}

setup() {
	cli_setup
	MINT=$(jf_bin jwt-mint.fcgi)
}

# Stops a load loop a failed test left running.
teardown() {
	touch "$BATS_TEST_TMPDIR/stop"
}

# need_server: the lighttpd of setup_file, or the reason it is missing.
need_server() {
	skip_if_file_skipped
	[ -f "$DIR/lighttpd.pid" ]
}

# epoch ISO-DATE: unix seconds.
epoch() {
	date -u -d "$1" +%s
}

# log_mark / wait_for_new_log TEXT: TEXT in a line of $LOG written after
# the mark (wait_for_log would find one an earlier test caused).
log_mark() {
	LOG_MARK=$(line_count "$LOG")
}
wait_for_new_log() {
	local i
	for i in $(seq 1 100); do
		tail -n +"$((LOG_MARK + 1))" "$LOG" | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "wait_for_new_log: \"$1\" not in $LOG after the mark" >&2
	tail -n 5 "$LOG" >&2
	return 1
}

# kdate KEYSET KID MEMBER: a key's date, in unix seconds.
kdate() {
	epoch "$(jq -r --arg k "$2" '.keys[] | select(.kid == $k) | .'"$3" "$1")"
}

# cli_conf DIR [LINES...]: DIR/mint.conf with a key set in DIR/keys (one
# fresh key, active from now) and the given extra lines.
cli_conf() {
	local d=$1
	shift
	mkdir -p "$d/keys"
	printf '{"services":[]}\n' >"$d/registry.json"
	{
		printf '%s\n' "issuer = https://mint.test" \
			"keyset = $d/keys/keyset.json" \
			"registry = $d/registry.json" "max_token_lifetime = 600"
		printf '%s\n' "$@"
	} >"$d/mint.conf"
}

# --- the commands, on files ------------------------------------------------

@test "keyset init: signing_key lines become a key set; the first signs" {
	local kid1 kid2 now=1767225600
	mkdir -p "$D/keys"
	kid1=$("$JF" keygen "$D/keys/a.pem")
	kid2=$("$JF" keygen --alg EdDSA "$D/keys/b.pem")
	printf '%s\n' "issuer = https://mint.test" "signing_key = $D/keys/a.pem" \
		"signing_key = $D/keys/b.pem" "registry = $D/r.json" >"$D/mint.conf"
	printf '{"services":[]}\n' >"$D/r.json"
	run -0 --separate-stderr "$JF" keyset init -c "$D/mint.conf" --now "$now"
	assert_equal "$output" "$D/keys/keyset.json"
	assert_err_has "now replace the signing_key lines of $D/mint.conf with: keyset = $D/keys/keyset.json"
	assert_equal "$(jq -c '[.keys[] | [.file, .kid, .published, .activates, .retires // "-"]]' "$D/keys/keyset.json")" \
		"[[\"a.pem\",\"$kid1\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\",\"-\"],[\"b.pem\",\"$kid2\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\"]]"
	# never replaced
	run -1 --separate-stderr "$JF" keyset init -c "$D/mint.conf"
	assert_err_has "$D/keys/keyset.json: exists; not replacing a key set"
	# the mint takes it
	sed -i "/^signing_key/d" "$D/mint.conf"
	echo "keyset = $D/keys/keyset.json" >>"$D/mint.conf"
	run -0 --separate-stderr "$MINT" -t "$D/mint.conf"
	assert_equal "$output" "$D/mint.conf: OK (2 signing keys, 0 services in $D/r.json)"
	run -0 --separate-stderr "$JF" keys -c "$D/mint.conf" --now $((now + 1))
	assert_equal "$output" "$kid1	signing	ES256	2026-01-01T00:00:00Z	2026-01-01T00:00:00Z	never	never	a.pem
$kid2	retired	EdDSA	2026-01-01T00:00:00Z	2026-01-01T00:00:00Z	2026-01-01T00:00:00Z	never	b.pem"
}

@test "keyset init: a key outside the set's directory is refused, nothing written" {
	mkdir -p "$D/keys" "$D/elsewhere"
	"$JF" keygen "$D/keys/a.pem" >/dev/null
	"$JF" keygen "$D/elsewhere/b.pem" >/dev/null
	printf '%s\n' "signing_key = $D/keys/a.pem" "signing_key = $D/elsewhere/b.pem" \
		>"$D/mint.conf"
	run -1 --separate-stderr "$JF" keyset init -c "$D/mint.conf"
	assert_err_has "$D/elsewhere/b.pem: not in $D/keys, the key set's directory: move it there"
	[ ! -e "$D/keys/keyset.json" ]
}

@test "keyset init with keyset = FILE: a fresh key, mode 0600, signing from now" {
	local kid
	cli_conf "$D"
	run -0 --separate-stderr "$JF" keyset init -c "$D/mint.conf" --alg ES384
	assert_equal "$output" "$D/keys/keyset.json"
	kid=$(jq -r '.keys[0].kid' "$D/keys/keyset.json")
	assert_mode "$D/keys/$(jq -r '.keys[0].file' "$D/keys/keyset.json")" 600
	assert_equal "$(jq -r '.keys[0].alg' "$D/keys/keyset.json")" ES384
	run -0 --separate-stderr "$JF" keys -c "$D/mint.conf"
	[[ $output == "$kid	signing	ES384	"* ]]
	run -0 --separate-stderr "$MINT" -t "$D/mint.conf"
	[ -z "$stderr" ]
}

@test "rotate: the new key is published now and signs after --prepublish; the signer retires then and leaves max_token_lifetime + leeway later" {
	local now=1767225600 old new ks=$D/keys/keyset.json
	cli_conf "$D" "leeway = 30"
	"$JF" keyset init -c "$D/mint.conf" --now "$now" 2>/dev/null >/dev/null
	old=$(jq -r '.keys[0].kid' "$ks")
	run -0 --separate-stderr "$JF" rotate -c "$D/mint.conf" --now $((now + 100))
	new=$output
	[[ $new =~ ^[A-Za-z0-9_-]{43}$ ]]
	assert_err_has "added key $new ("
	assert_err_has "published now, signs from 2026-01-01T00:21:40Z"
	# One audit line for the new key: its kid, never the key.
	assert_err_has '"event":"key_added","actor":"cli"'
	assert_err_has "\"kid\":\"$new\",\"alg\":\"ES256\",\"activates\":\"2026-01-01T00:21:40Z\""
	assert_err_has "key $old signs until 2026-01-01T00:21:40Z and leaves the JWKS at 2026-01-01T00:32:10Z"
	assert_equal "$(kdate "$ks" "$new" published)" $((now + 100))
	assert_equal "$(kdate "$ks" "$new" activates)" $((now + 100 + 1200))
	assert_equal "$(kdate "$ks" "$old" retires)" $((now + 1300))
	assert_equal "$(kdate "$ks" "$old" removed)" $((now + 1300 + 600 + 30))
	assert_mode "$D/keys/$(jq -r --arg k "$new" '.keys[] | select(.kid == $k) | .file' "$ks")" 600
	assert_equal "$(jq -r '.keys[1].alg' "$ks")" ES256
	# states at each boundary
	run -0 "$JF" keys -c "$D/mint.conf" --now $((now + 1299))
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" "$old:signing $new:pending "
	run -0 "$JF" keys -c "$D/mint.conf" --now $((now + 1300))
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" "$old:retired $new:signing "
	run -0 "$JF" keys -c "$D/mint.conf" --now $((now + 1929))
	assert_equal "$(cut -f2 <<<"$output" | tr '\n' ' ')" "retired signing "
	run -0 "$JF" keys -c "$D/mint.conf" --now $((now + 1930))
	assert_equal "$(cut -f2 <<<"$output" | tr '\n' ' ')" "gone signing "
	run -0 --separate-stderr "$JF" keys -c "$D/mint.conf" --now $((now + 1930)) --json
	assert_jq "$output" '[.now, .signer, .keys[0].state, .keys[0].removed, .keys[1].retires] | map(tostring) | join(" ")' \
		"2026-01-01T00:32:10Z $new gone 2026-01-01T00:32:10Z null"
	# a second rotation while the new key is pending: refused, nothing changes
	cp "$ks" "$D/before.json"
	run -1 --separate-stderr "$JF" rotate -c "$D/mint.conf" --now $((now + 200))
	assert_err_has "a rotation is under way: key $new activates at 2026-01-01T00:21:40Z; rotate again after that"
	assert_out_empty
	cmp "$ks" "$D/before.json"
	[ "$(ls "$D/keys" | grep -c '\.pem$')" = 2 ]
}

@test "rotate: gone keys are dropped; their files deleted only with --delete-gone" {
	local now=1767225600 old file ks=$D/keys/keyset.json
	cli_conf "$D"
	"$JF" keyset init -c "$D/mint.conf" --now "$now" >/dev/null 2>&1
	old=$(jq -r '.keys[0].kid' "$ks")
	file=$(jq -r '.keys[0].file' "$ks")
	"$JF" rotate -c "$D/mint.conf" --now $((now + 10)) --prepublish 60 >/dev/null 2>&1
	# old: retires now+70, removed now+70+600+60
	run -0 --separate-stderr "$JF" rotate -c "$D/mint.conf" --now $((now + 4000))
	assert_err_has "key $old left the JWKS at 2026-01-01T00:12:10Z: dropped from the key set (its file stays)"
	[ "$(jq '.keys | length' "$ks")" = 2 ]
	[ "$(jq --arg k "$old" '[.keys[].kid] | index($k)' "$ks")" = null ]
	[ -f "$D/keys/$file" ]
	file=$(jq -r '.keys[0].file' "$ks")
	run -0 --separate-stderr "$JF" rotate -c "$D/mint.conf" --now $((now + 9000)) --delete-gone
	assert_err_has "deleted $D/keys/$file"
	[ ! -e "$D/keys/$file" ]
	run -0 --separate-stderr "$MINT" -t "$D/mint.conf"
}

@test "rotate: --alg, and what it refuses (signing_key lines, bad options)" {
	local now=1767225600 ks=$D/keys/keyset.json
	cli_conf "$D"
	"$JF" keyset init -c "$D/mint.conf" --now "$now" >/dev/null 2>&1
	run -0 --separate-stderr "$JF" rotate -c "$D/mint.conf" --now $((now + 1)) --alg EdDSA --prepublish 0
	assert_equal "$(jq -r '.keys[1].alg' "$ks")" EdDSA
	assert_err_has "warning: --prepublish 0: a verifier that refreshes its JWKS every 600 s"
	run -0 "$JF" keys -c "$D/mint.conf" --now $((now + 1))
	assert_equal "$(cut -f2,3 <<<"$output" | tr '\t\n' ': ')" "retired:ES256 signing:EdDSA "
	printf 'signing_key = %s\n' "$D/x.pem" >"$D/old.conf"
	run -2 --separate-stderr "$JF" rotate -c "$D/old.conf"
	assert_err_has "$D/old.conf: the keys are signing_key lines, not a key set: convert them with 'jwt-fcgi keyset init -c $D/old.conf' first"
	run -2 --separate-stderr "$JF" rotate -c "$D/mint.conf" --prepublish -1
	assert_err_has "--prepublish: expected an integer from 0 to 2592000"
	run -2 --separate-stderr "$JF" rotate -c "$D/mint.conf" --bits 3072
	assert_err_has "--bits needs --alg RS256 or PS256"
	run -0 --separate-stderr "$JF" rotate --help
	assert_out_has "Usage: jwt-fcgi rotate"
	assert_out_has "--delete-gone"
}

@test "keys: a broken key set is a configuration error (exit 2) naming the member" {
	cli_conf "$D"
	"$JF" keyset init -c "$D/mint.conf" >/dev/null 2>&1
	jq '.keys[0].activates = "2020-01-01T00:00:00Z"' "$D/keys/keyset.json" >"$D/k.json"
	mv "$D/k.json" "$D/keys/keyset.json"
	run -2 --separate-stderr "$JF" keys -c "$D/mint.conf"
	assert_err_has "$D/keys/keyset.json: keys[0].activates: 2020-01-01T00:00:00Z is before published"
	assert_out_empty
	run -1 --separate-stderr "$MINT" -t "$D/mint.conf"
	assert_err_has "$D/mint.conf:2: keyset: $D/keys/keyset.json: keys[0].activates: 2020-01-01T00:00:00Z is before published"
}

@test "jwt-mint.fcgi -t warns when no key is active, and says when one will be" {
	local kid when
	cli_conf "$D"
	"$JF" keyset init -c "$D/mint.conf" >/dev/null 2>&1
	kid=$(jq -r '.keys[0].kid' "$D/keys/keyset.json")
	when=$(date -u -d @$(($(date +%s) + 7200)) +%Y-%m-%dT%H:%M:%SZ)
	jq --arg w "$when" '.keys[0].activates = $w' "$D/keys/keyset.json" >"$D/k.json"
	mv "$D/k.json" "$D/keys/keyset.json"
	run -0 --separate-stderr "$MINT" -t "$D/mint.conf"
	assert_err_has "$D/mint.conf: warning: no signing key is active: key $kid activates at $when; until then the token endpoint answers 503"
	run -0 --separate-stderr "$JF" keys -c "$D/mint.conf"
	assert_err_has "warning: no signing key is active: key $kid activates at $when"
	[[ $output == "$kid	pending	"* ]]
}

# --- a rotation through a live mint -----------------------------------------

# poll_once OUT: one token request, the token at the API, and one JWKS
# request, each line "token|api|jwks START END STATUS KID-OR-KIDS MAX-AGE"
# in OUT (seconds).
poll_once() {
	local out=$1 t0 t1 kid kids age tok
	t0=$EPOCHSECONDS
	mint_post billing -d '' || return 1
	t1=$EPOCHSECONDS
	kid=-
	[ "$HTTP_CODE" = 200 ] &&
		kid=$(jwt_header "$(jq -r .access_token "$JF_BODY")" | jq -r .kid)
	echo "token $t0 $t1 $HTTP_CODE $kid -" >>"$out"
	# The token at the API behind the proxy (remote keys).
	if [ "$kid" != - ]; then
		tok=$(jq -r .access_token "$JF_BODY")
		t0=$EPOCHSECONDS
		http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo" ||
			return 1
		echo "api $t0 $EPOCHSECONDS $HTTP_CODE $kid -" >>"$out"
	fi
	t0=$EPOCHSECONDS
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/jwks" || return 1
	t1=$EPOCHSECONDS
	kids=$(jq -r '[.keys[].kid] | join(",")' "$JF_BODY")
	age=$(header_value Cache-Control | sed -n 's/.*max-age=\([0-9]*\).*/\1/p')
	echo "jwks $t0 $t1 $HTTP_CODE ${kids:--} ${age:--}" >>"$out"
}

# load_loop DIR: token requests until DIR/stop exists (or a minute
# passed), each status in DIR/codes.
load_loop() {
	local d=$1 end=$((EPOCHSECONDS + 60))
	while [ ! -e "$d/stop" ] && [ "$EPOCHSECONDS" -lt "$end" ]; do
		curl -sS --max-time 10 -o /dev/null -w '%{http_code}\n' \
			--cacert "$DIR/pki/ca.pem" --cert "$DIR/pki/billing.pem" \
			--key "$DIR/pki/billing.key" -d '' \
			"https://127.0.0.1:$MTLS_PORT/mint/token" >>"$d/codes" 2>&1
	done
}

@test "a rotation under load: published first, signs at activation, old kid published until removed, max-age within the schedule, no failed token" {
	need_server
	local ks=$DIR/keys/keyset.json out=$BATS_TEST_TMPDIR/polls old new
	local pid act rem n bad first_new first_jwks_new tok
	pid=$(pgrep -P "$(cat "$DIR/lighttpd.pid")" -f jwt-mint.fcgi)
	old=$(jq -r '.keys[0].kid' "$ks")
	: >"$out"
	poll_once "$out"
	# More load: a second client asking for tokens only, as fast as
	# curl goes, counting the answers.
	load_loop "$BATS_TEST_TMPDIR" 3>&- &
	run -0 --separate-stderr "$JF" rotate -c "$DIR/mint.conf" --prepublish 4
	new=$output
	act=$(kdate "$ks" "$new" activates)
	rem=$(kdate "$ks" "$old" removed)
	assert_equal "$rem" $((act + 4 + 1))
	run -0 --separate-stderr "$JF" keys -c "$DIR/mint.conf"
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" "$old:signing $new:pending "
	# --prepublish 4 is shorter than jwks_max_age: said, not refused
	assert_err_has "warning: key $new signs from "
	while [ "$EPOCHSECONDS" -le $((rem + 2)) ]; do
		poll_once "$out"
	done
	touch "$BATS_TEST_TMPDIR/stop"
	wait
	n=$(grep -c '^token' "$out")
	echo "# $n token and $(grep -c '^jwks' "$out") JWKS requests by the checking client," \
		"$(wc -l <"$BATS_TEST_TMPDIR/codes") tokens by the loading one" >&3
	assert_equal "$(sort -u "$BATS_TEST_TMPDIR/codes")" 200
	# the supervisor lighttpd spawned is the one that started: no restart
	assert_equal "$(pgrep -P "$(cat "$DIR/lighttpd.pid")" -f jwt-mint.fcgi)" "$pid"
	grep -qF "$ks changed; reloading" "$LOG"
	# no token request failed, and the proxy, which learns the keys from
	# the mint's /jwks, refused none of them: pre-publication, switch and
	# retirement without a refused valid token
	bad=$(awk '$1 == "token" && $4 != 200' "$out")
	assert_equal "$bad" ""
	bad=$(awk '$1 == "api" && $4 != 200' "$out")
	assert_equal "$bad" ""
	grep -q "^api .* 200 $new " "$out"
	# the old key signed only before activation, the new one only after
	bad=$(awk -v o="$old" -v a="$act" '$1 == "token" && $5 == o && $2 >= a' "$out")
	assert_equal "$bad" ""
	bad=$(awk -v w="$new" -v a="$act" '$1 == "token" && $5 == w && $3 < a' "$out")
	assert_equal "$bad" ""
	grep -q "^token .* 200 $old " "$out"
	grep -q "^token .* 200 $new " "$out"
	# no token of the new key before a JWKS holding it was served
	first_new=$(grep -n "^token .* 200 $new " "$out" | head -n 1 | cut -d: -f1)
	first_jwks_new=$(grep -n "^jwks .*$new" "$out" | head -n 1 | cut -d: -f1)
	[ "$first_jwks_new" -lt "$first_new" ]
	# published before activation
	awk -v w="$new" -v a="$act" '$1 == "jwks" && $3 < a && index($5, w)' "$out" | grep -q .
	# the old kid in every JWKS before its removal, in none after
	bad=$(awk -v o="$old" -v r="$rem" '$1 == "jwks" && $3 < r && !index($5, o)' "$out")
	assert_equal "$bad" ""
	bad=$(awk -v o="$old" -v r="$rem" '$1 == "jwks" && $2 >= r && index($5, o)' "$out")
	assert_equal "$bad" ""
	awk -v o="$old" -v r="$rem" '$1 == "jwks" && $2 >= r && !index($5, o)' "$out" | grep -q .
	# max-age: at most jwks_max_age, and once the schedule is loaded
	# never past the old key's removal
	bad=$(awk '$1 == "jwks" && ($6 == "-" || $6 > 120)' "$out")
	assert_equal "$bad" ""
	bad=$(awk -v w="$new" -v r="$rem" '$1 == "jwks" && index($5, w) && $3 < r && $6 > r - $2' "$out")
	assert_equal "$bad" ""
	awk -v r="$rem" '$1 == "jwks" && $3 < r && $6 <= 3' "$out" | grep -q .
	awk -v r="$rem" '$1 == "jwks" && $2 >= r && $6 == 120' "$out" | grep -q .
	run -0 --separate-stderr "$JF" keys -c "$DIR/mint.conf"
	assert_equal "$(cut -f1,2 <<<"$output" | tr '\t\n' ': ')" "$old:gone $new:signing "
	# Afterwards a token of the retired key is refused at the proxy,
	# however long it says it lives: the key left the JWKS.
	tok=$("$JF" sign -k "$DIR/keys/$(jq -r --arg k "$old" '.keys[] |
		select(.kid == $k) | .file' "$ks")" --typ at+jwt --iss "$ISSUER" \
		--aud "$MINT_AUD" --sub billing --ttl 600)
	assert_equal "$(jwt_header "$tok" | jq -r .kid)" "$old"
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
	assert_status 401
	assert_header_contains WWW-Authenticate "no key with kid '$old'"
}

@test "a bad key set on reload keeps the last good one, and says why" {
	need_server
	local ks=$DIR/keys/keyset.json kid
	kid=$("$JF" keys -c "$DIR/mint.conf" | awk -F'\t' '$2 == "signing" { print $1 }')
	cp "$ks" "$BATS_TEST_TMPDIR/good.json"
	jq '.keys[0].bogus = "x"' "$ks" >"$ks.tmp"
	log_mark
	mv -f "$ks.tmp" "$ks"
	wait_for_new_log "reload failed, keeping the previous configuration and registry: $DIR/mint.conf:2: keyset: $ks: keys[0]: unknown member \"bogus\""
	mint_post billing -d ''
	assert_status 200
	assert_equal "$(jwt_header "$(jq -r .access_token "$JF_BODY")" | jq -r .kid)" "$kid"
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/jwks"
	assert_json '[.keys[].kid] | index("'"$kid"'") != null' true
	cp "$BATS_TEST_TMPDIR/good.json" "$ks.tmp"
	log_mark
	mv -f "$ks.tmp" "$ks"
	wait_for_new_log "reloaded (7 services, "
}

@test "no key active: the token endpoint answers 503 temporarily_unavailable and says which key activates when" {
	need_server
	local ks=$DIR/keys/keyset.json kid when i
	cp "$ks" "$BATS_TEST_TMPDIR/good.json"
	kid=$(jq -r '.keys[0].kid' "$ks")
	when=$(date -u -d @$((EPOCHSECONDS + 3600)) +%Y-%m-%dT%H:%M:%SZ)
	# every key published and signing only in an hour
	jq --arg w "$when" '.keys |= map(.published = $w | .activates = $w |
		del(.retires, .removed))' "$ks" >"$ks.tmp"
	mv -f "$ks.tmp" "$ks"
	for i in $(seq 1 50); do
		mint_post billing -d ''
		[ "$HTTP_CODE" = 503 ] && break
		sleep 0.1
	done
	assert_status 503
	assert_json .error temporarily_unavailable
	assert_json .error_description "no signing key is active: key $kid activates at $when"
	assert_json '.access_token // "none"' none
	[ "$(header_value Retry-After)" -ge 3590 ]
	wait_for_log "$LOG" "token endpoint: no signing key is active: key $kid activates at $when"
	grep -qF "warn: no signing key is active: key $kid activates at $when; until then the token endpoint answers 503" "$LOG"
	# nothing published either until then: an empty JWKS, cached at
	# most until the key appears
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/jwks"
	assert_json '.keys | length' 0
	cp "$BATS_TEST_TMPDIR/good.json" "$ks.tmp"
	mv -f "$ks.tmp" "$ks"
	for i in $(seq 1 50); do
		mint_post billing -d ''
		[ "$HTTP_CODE" = 200 ] && break
		sleep 0.1
	done
	assert_status 200
}

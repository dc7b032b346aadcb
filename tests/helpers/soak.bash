# soak.bash - load with faults against jwt-authz.fcgi behind lighttpd,
# shared by bench/soak.sh (long) and tests/faults.bats (short): keys and
# a deterministic mix of tokens whose expected status is known, wrk
# phases driven by bench/soak.lua, the authorizer's PIDs and their RSS.
# Needs common.bash, pki.bash and lighttpd.bash loaded.
#
#   soak_fixture DIR        keys a (trusted), b (added by a reload), x
#                           (never trusted); DIR/authz.conf trusting a;
#                           mixes DIR/mix1 (no b tokens) and DIR/mix2
#   soak_trust DIR KEYS...  DIR/issuer.jwks := the JWKS of DIR/KEY.key...
#   soak_break DIR          DIR/authz.conf := a config that cannot load
#   soak_start DIR          lighttpd (lighttpd.bash) with the files
#   soak_phase NAME MIX REQUESTS SECONDS THREADS   wrk in the background
#   soak_wait_progress NAME N   until the phase has N answers
#   soak_phase_end NAME     waits for it; sets SR_* from its summary

SOAK_TTL=${SOAK_TTL:-7200}

# soak_sign KEY [SIGN OPTIONS...]: a token from $JF_ISS lasting SOAK_TTL.
soak_sign() {
	local key=$1
	shift
	"$(jf_bin jwt-fcgi)" sign -k "$key" --iss "$JF_ISS" --typ at+jwt \
		--ttl "$SOAK_TTL" "$@"
}

soak_trust() {
	local d=$1 k keys=()
	shift
	for k in "$@"; do keys+=("$d/$k.key"); done
	"$(jf_bin jwt-fcgi)" jwks "${keys[@]}" >"$d/issuer.jwks.tmp" &&
		mv -f "$d/issuer.jwks.tmp" "$d/issuer.jwks"
}

# soak_conf DIR: the good configuration. A small cache, so that the mix
# of cold tokens keeps evicting and inserting entries.
soak_conf() {
	cat >"$1/authz.conf.tmp" <<-EOF
	realm = $JF_REALM
	leeway = 60
	cache_entries = 8
	log_level = ${SOAK_LOG_LEVEL:-info}

	[issuer $JF_ISS]
	jwks_file = $1/issuer.jwks
	algorithms = ES256
	audience = $JF_AUD
	typ = at+jwt
	EOF
	mv -f "$1/authz.conf.tmp" "$1/authz.conf"
}

soak_break() {
	printf 'realm = %s\nbogus_key = 1\n' "$JF_REALM" >"$1/authz.conf.tmp" &&
		mv -f "$1/authz.conf.tmp" "$1/authz.conf"
}

# soak_fixture DIR: per group of four lines, a hot valid token (one of
# two), a refused one, a cold valid token (one of ten), another refused
# one. Refused: expired, forged signature, wrong audience, unknown key,
# no token. mix2 also has five valid tokens signed by key b.
soak_fixture() {
	local d=$1 cli now g tok sig c
	local -a cold bad newk
	cli=$(jf_bin jwt-fcgi) || return 1
	for k in a b x; do
		"$cli" keygen --alg ES256 "$d/$k.key" >/dev/null || return 1
	done
	soak_trust "$d" a && soak_conf "$d" || return 1
	now=$(date +%s)
	local hot1 hot2
	hot1=$(soak_sign "$d/a.key" --aud "$JF_AUD" --sub hot-1) &&
	hot2=$(soak_sign "$d/a.key" --aud "$JF_AUD" --sub hot-2) || return 1
	for g in 0 1 2 3 4 5 6 7 8 9; do
		cold[g]=$(soak_sign "$d/a.key" --aud "$JF_AUD" --sub "cold-$g") ||
			return 1
	done
	for g in 0 1 2 3 4; do
		newk[g]=$(soak_sign "$d/b.key" --aud "$JF_AUD" --sub "new-$g") ||
			return 1
	done
	sig=${hot1##*.}
	c=${sig:10:1}
	[ "$c" = A ] && c=B || c=A
	bad[0]=$(soak_sign "$d/a.key" --aud "$JF_AUD" --sub expired \
		--iat $((now - 7200)) --exp $((now - 3600))) &&
	bad[1]=${hot1%.*}.${sig:0:10}$c${sig:11} &&
	bad[2]=$(soak_sign "$d/a.key" --aud https://elsewhere.test --sub aud) &&
	bad[3]=$(soak_sign "$d/x.key" --aud "$JF_AUD" --sub stranger) &&
	bad[4]= || return 1
	printf '%s\n' "${newk[@]}" >"$d/new.tokens"
	{
		for g in 0 1 2 3 4 5 6 7 8 9; do
			[ $((g % 2)) = 0 ] && tok=$hot1 || tok=$hot2
			echo "200 /api/ok/file.txt $tok"
			echo "401 /api/bad/file.txt ${bad[$((g % 5))]}"
			echo "200 /api/ok/file.txt ${cold[g]}"
			echo "401 /api/bad/file.txt ${bad[$(((g + 2) % 5))]}"
		done
	} >"$d/mix1"
	cp "$d/mix1" "$d/mix2"
	for g in 0 1 2 3 4; do
		echo "200 /api/ok/file.txt ${newk[g]}"
		echo "401 /api/bad/file.txt ${bad[g]}"
	done >>"$d/mix2"
}

# soak_start DIR: lighttpd with jwt-authz.fcgi (2 workers) through the
# shipped snippet; /api/ok/file.txt and /api/bad/file.txt behind it.
# Another port is tried when one was taken meanwhile.
soak_start() {
	local d=$1 try authz
	authz=$(jf_bin jwt-authz.fcgi) || return 1
	for try in 1 2 3; do
		lighttpd_start "$d" "$authz" 2>"$d/start.err" && break
		lighttpd_stop "$d"
		if [ "$try" = 3 ] ||
			! grep -q 'Address already in use' "$d/lighttpd.log"; then
			cat "$d/start.err" >&2
			return 1
		fi
	done
	mkdir -p "$d/htdocs/api/ok" "$d/htdocs/api/bad" &&
	printf 'served to a valid token\n' >"$d/htdocs/api/ok/file.txt" &&
	printf 'MUST NOT BE SERVED\n' >"$d/htdocs/api/bad/file.txt"
}

# soak_supervisor DIR: the authorizer lighttpd spawned (its child).
soak_supervisor() {
	pgrep -P "$(cat "$1/lighttpd.pid")" -f -- "-c $1/authz.conf"
}

# soak_workers PID: the supervisor's workers, sorted, one line.
soak_workers() {
	pgrep -P "$1" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# soak_rss PID: resident set size in KiB ("-" when gone).
soak_rss() {
	local v
	v=$(ps -o rss= -p "$1" 2>/dev/null | tr -d ' ')
	printf '%s\n' "${v:--}"
}

# soak_phase NAME MIX REQUESTS SECONDS THREADS: wrk in the background
# against $PORT, one connection per thread (see bench/soak.lua), until
# REQUESTS answers or SECONDS. Output in $SOAK_DIR/NAME.wrk.
soak_phase() {
	local name=$1 mix=$2 reqs=$3 secs=$4 th=$5
	rm -f "$SOAK_DIR/$name.state".*
	SOAK_MIX=$mix SOAK_THREAD_REQUESTS=$(((reqs + th - 1) / th)) \
	SOAK_STATE=$SOAK_DIR/$name.state SOAK_TICK=${SOAK_TICK:-200} \
		wrk -t"$th" -c"$th" -d"${secs}s" --timeout 10s \
		-s "$JF_SRCDIR/bench/soak.lua" "http://127.0.0.1:$PORT/" \
		</dev/null >"$SOAK_DIR/$name.wrk" 2>&1 3>&- &
	echo $! >"$SOAK_DIR/$name.wrkpid"
	SOAK_THREADS=$th
}

# soak_progress NAME: answers so far, summed over the threads.
soak_progress() {
	cat "$SOAK_DIR/$1.state".* 2>/dev/null |
		awk '{ n += $2 } END { print n + 0 }'
}

# soak_wait_progress NAME N: until NAME has N answers; fails if wrk
# ended first (the fault would not happen under load).
soak_wait_progress() {
	local pid
	pid=$(cat "$SOAK_DIR/$1.wrkpid")
	while [ "$(soak_progress "$1")" -lt "$2" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "soak: phase $1 ended before $2 answers" >&2
			return 1
		fi
		sleep 0.05
	done
}

# soak_phase_end NAME: waits for wrk (SIGINT once every thread is done)
# and sets SR_REQUESTS, SR_OK_SENT, SR_OK_WRONG, SR_BAD_SENT,
# SR_BAD_WRONG, SR_S2XX, SR_S401, SR_S5XX, SR_OTHER, SR_ERRORS,
# SR_DURATION_US, SR_FIRST_WRONG. Fails when wrk printed no summary.
soak_phase_end() {
	local name=$1 pid line
	pid=$(cat "$SOAK_DIR/$name.wrkpid")
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(grep -lx 'done [0-9]*' "$SOAK_DIR/$name.state".* \
			2>/dev/null | wc -l)" -ge "$SOAK_THREADS" ]; then
			kill -INT "$pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
	line=$(grep '^SOAK ' "$SOAK_DIR/$name.wrk") || {
		echo "soak: phase $name: wrk printed no summary:" >&2
		cat "$SOAK_DIR/$name.wrk" >&2
		return 1
	}
	SR_FIRST_WRONG=$(sed 's/.*first_wrong="\(.*\)"$/\1/' <<<"$line")
	eval "$(awk '{ for (i = 2; i <= NF; i++) if (split($i, kv, "=") == 2 &&
		kv[2] ~ /^[0-9]+$/) printf "SR_%s=%s\n", toupper(kv[1]), kv[2] }' \
		<<<"${line%% first_wrong=*}")"
}

# soak_phase_report NAME: one line for logs.
soak_phase_report() {
	printf '%s: %s answers (%s valid, %s refused): %s wrong (%s to valid tokens, %s to refused ones), %s 5xx, %s other, %s socket errors, %s ms%s\n' \
		"$1" "$SR_REQUESTS" "$SR_OK_SENT" "$SR_BAD_SENT" \
		$((SR_OK_WRONG + SR_BAD_WRONG)) "$SR_OK_WRONG" \
		"$SR_BAD_WRONG" "$SR_S5XX" "$SR_OTHER" "$SR_ERRORS" \
		$((SR_DURATION_US / 1000)) \
		"${SR_FIRST_WRONG:+; first: $SR_FIRST_WRONG}"
}

# --- the mint ------------------------------------------------------------
# Needs mint.bash loaded and mint_lighttpd_start run (DIR, MTLS_PORT).

# soak_mint_load NAME CERT N: POSTs to the token endpoint with client
# certificate CERT, in batches of SOAK_MINT_BATCH (500) on one keep-alive
# connection each (curl's URL glob; the mint ignores the query), in the
# background, until N were sent and soak_mint_stop was called. One line
# per answer in $SOAK_DIR/NAME.codes: "STATUS CONNECTS" (CONNECTS 0: the
# connection was reused); curl's errors, if any, are other lines there.
soak_mint_load() {
	local name=$1 cert=$2 n=$3 batch=${SOAK_MINT_BATCH:-500}
	: >"$SOAK_DIR/$name.codes"
	(
		i=0
		while [ "$i" -lt "$n" ] || [ ! -e "$SOAK_DIR/mint.stop" ]; do
			curl -sS --max-time 300 --cacert "$DIR/pki/ca.pem" \
				--cert "$DIR/pki/$cert.pem" \
				--key "$DIR/pki/$cert.key" -d '' \
				-w '%{stderr}%{http_code} %{num_connects}\n' \
				"https://127.0.0.1:$MTLS_PORT/mint/token?n=[1-$batch]" \
				>/dev/null 2>>"$SOAK_DIR/$name.codes"
			i=$((i + batch))
		done
	) </dev/null 3>&- &
	echo $! >"$SOAK_DIR/$name.curlpid"
}

# soak_mint_progress: answers so far, all clients.
soak_mint_progress() {
	cat "$SOAK_DIR"/*.codes 2>/dev/null | wc -l
}

# soak_mint_wait_progress N: until N answers (fails after 300 s).
soak_mint_wait_progress() {
	local i
	for i in $(seq 1 6000); do
		[ "$(soak_mint_progress)" -ge "$1" ] && return 0
		sleep 0.05
	done
	echo "soak: the mint did not reach $1 answers" >&2
	return 1
}

# soak_mint_stop: the clients finish their batch and end (once they sent N).
soak_mint_stop() {
	touch "$SOAK_DIR/mint.stop"
}

# soak_mint_wait NAME: waits for it; sets SM_TOTAL, SM_S200, SM_S401,
# SM_S5XX, SM_OTHER (other statuses and curl errors), SM_CONNECTS.
soak_mint_wait() {
	local pid
	pid=$(cat "$SOAK_DIR/$1.curlpid")
	wait "$pid" 2>/dev/null
	eval "$(awk '
		$0 ~ /^[0-9][0-9][0-9] [0-9]+$/ { t++; c += $2
			if ($1 == 200) a++; else if ($1 == 401) b++
			else if ($1 >= 500) e++; else o++; next }
		{ o++ }
		END { printf "SM_TOTAL=%d SM_S200=%d SM_S401=%d SM_S5XX=%d SM_OTHER=%d SM_CONNECTS=%d\n",
			t, a, b, e, o, c }' "$SOAK_DIR/$1.codes")"
}

# soak_registry_bad FILE: replaces the registry with a truncated one.
soak_registry_bad() {
	printf '{"services": [ {"id": "billing", ' >"$1.tmp" &&
		mv -f "$1.tmp" "$1"
}

# --- faults ----------------------------------------------------------------

# soak_log_count FILE TEXT: lines of FILE containing TEXT.
soak_log_count() {
	grep -cF -- "$2" "$1" 2>/dev/null || true
}

# soak_wait_log FILE TEXT N: until FILE has N lines with TEXT (SOAK_WAIT
# seconds, 10).
soak_wait_log() {
	local i
	for i in $(seq 1 $((${SOAK_WAIT:-10} * 20))); do
		[ "$(soak_log_count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	echo "soak: $(soak_log_count "$1" "$2") lines with \"$2\" in $1," \
		"expected $3" >&2
	return 1
}

# soak_wait_replaced SUP OLDPID BEFORE: until SUP has two workers again,
# none of them OLDPID (5 s). NEWPID := the one not in BEFORE (the
# workers before the kill).
soak_wait_replaced() {
	local i w p
	for i in $(seq 1 100); do
		w=$(soak_workers "$1")
		if [ "$(wc -w <<<"$w")" = 2 ] && ! grep -qw -- "$2" <<<"$w"; then
			for p in $w; do
				# shellcheck disable=SC2034 # for the caller
				grep -qw -- "$p" <<<"$3" || NEWPID=$p
			done
			return 0
		fi
		sleep 0.05
	done
	echo "soak: worker $2 of $1 not replaced after 5 s (workers: $w)" >&2
	return 1
}

# soak_kill_idle PID...: SIGKILLs one of the PIDs at a moment it holds no
# request: while stopped (SIGSTOP) it has no socket but its listener,
# fd 0, so no request is lost; else SIGCONT and try again. Sets KILLED
# and KILL_TRIES.
soak_kill_idle() {
	local t p n
	for t in $(seq 1 2000); do
		for p in "$@"; do
			kill -STOP "$p" 2>/dev/null || continue
			n=$(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 ! -name 0 \
				-lname 'socket:*' 2>/dev/null | wc -l)
			if [ "$n" = 0 ]; then
				kill -KILL "$p"
				# shellcheck disable=SC2034 # for the caller
				KILLED=$p KILL_TRIES=$t
				return 0
			fi
			kill -CONT "$p"
		done
		sleep 0.01
	done
	echo "soak: none of $* was idle in 2000 tries" >&2
	return 1
}

#!/usr/bin/env bats
# startup_log.bats - a mint that cannot start says why, where
# jwt-mint.fcgi(8) ("LOGGING") says to look. lighttpd spawns the mint
# itself; a signing key readable by its group makes the mint refuse to
# start, and lighttpd's own log then only says "child exited: 1".
#   - lighttpd -D (Debian's lighttpd.service): the mint's stderr is
#     lighttpd's, i.e. the journal; here a file.
#   - lighttpd daemonized without server.breakagelog: the mint's stderr is
#     /dev/null, so the mint logs to syslog. The test runs that lighttpd
#     in a private mount namespace (unshare, as root) whose /dev/log is a
#     datagram socket read by socat, so the host's /dev is never touched.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool || return 0
	DIR=$BATS_FILE_TMPDIR
	export DIR SRCDIR=$JF_SRCDIR
	MINT=$(jf_bin jwt-mint.fcgi) && AUTHZ=$(jf_bin jwt-authz.fcgi) ||
		return 1
	export MINT AUTHZ
	mkdir -p "$DIR/htdocs" && mint_fixture "$DIR" || return 1
	free_port PORT && free_port TLS_PORT && free_port MTLS_PORT &&
	free_port LAX_PORT || return 1
	ISSUER=https://127.0.0.1:$MTLS_PORT/mint
	export PORT TLS_PORT MTLS_PORT LAX_PORT ISSUER
	mint_confs "$DIR" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/mint-lighttpd.conf.in" \
		"$DIR/lighttpd.conf" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/jwt-mint.local.conf.in" \
		"$DIR/jwt-mint.local.conf" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/jwt-authz.local.conf.in" \
		"$DIR/jwt-authz.local.conf" || return 1
	# The mistake: the signing key readable by its group.
	chmod 640 "$DIR/mint.key"
}

setup() {
	skip_if_file_skipped
}

teardown() {
	stop_daemon "$DIR/lighttpd.pid"
}

WHY='signing_key: '
WHY2='is readable by group or others (chmod 600 it)'

@test "lighttpd -D: the mint's reason is on lighttpd's stderr (the journal under systemd)" {
	start_daemon "$DIR" lighttpd lighttpd -D -f "$DIR/lighttpd.conf"
	wait_for_log "$DIR/lighttpd.log" "$WHY2"
	run -0 grep -F "$WHY2" "$DIR/lighttpd.log"
	[[ $output == *"jwt-mint.fcgi["*"]: error: cannot start: $DIR/mint.conf:"*"$WHY$DIR/mint.key $WHY2"* ]]
	# lighttpd's own error log has only the exit, not the reason.
	run ! grep -F "$WHY2" "$DIR/lighttpd.error.log"
}

@test "lighttpd daemonized (stderr /dev/null): the mint's reason goes to syslog" {
	[ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
	need_cmd unshare
	need_cmd socat "apt-get install socat"
	cat >"$DIR/ns.sh" <<-'EOF'
	# In a private mount namespace: a /dev of our own whose log is a
	# datagram socket socat reads into $1/syslog.txt.
	set -e
	d=$1
	mkdir -p "$d/dev"
	for n in null zero random urandom; do
		: >"$d/dev/$n"
		mount --bind "/dev/$n" "$d/dev/$n"
	done
	mount --rbind "$d/dev" /dev
	socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$d/syslog.txt,creat,append" &
	sp=$!
	for i in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
	# No -D: lighttpd forks, and its children's stderr is /dev/null.
	lighttpd -f "$d/lighttpd.conf"
	for i in $(seq 1 100); do
		grep -q 'cannot start' "$d/syslog.txt" 2>/dev/null && break
		sleep 0.1
	done
	kill "$(cat "$d/lighttpd.pid")" 2>/dev/null || true
	kill "$sp"
	EOF
	echo "server.pid-file = \"$DIR/lighttpd.pid\"" >>"$DIR/lighttpd.conf"
	run unshare -m --propagation private bash "$DIR/ns.sh" "$DIR"
	rm -f "$DIR/lighttpd.pid"
	run -0 grep -F "$WHY2" "$DIR/syslog.txt"
	# socat appends each datagram as it came, without a newline: one
	# message a line from each "<PRI>" on (no message here holds a "<").
	run -0 grep -oE '<[0-9]+>[^<]*' "$DIR/syslog.txt"
	# syslog(3): <facility*8+severity>, daemon.err is <27>. lighttpd may
	# start the backend more than once: one such message is enough.
	local line found=
	while IFS= read -r line; do
		if [[ $line == '<27>'*"jwt-mint.fcgi["*"]: cannot start: $DIR/mint.conf:"*"$WHY$DIR/mint.key $WHY2"* ]]; then
			found=1
		fi
	done <<<"$output"
	[ "$found" = 1 ] || { printf 'no daemon.err line in:\n%s\n' "$output"; false; }
	keep_logs "$DIR"
}

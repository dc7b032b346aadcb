# lighttpd.bash - a lighttpd test instance in a dir: the main config from
# tests/helpers/conf/lighttpd.conf.in, which includes the shipped
# conf/lighttpd/50-jwt-authz.conf unmodified, plus the overrides file
# that snippet reads. lighttpd spawns jwt-authz.fcgi itself (bin-path);
# the backend, fcgi-echo, is started here on a unix socket.
#
# Needs common.bash and pki.bash loaded, and DIR (absolute) holding
# authz.conf (see authz_fixture in common.bash).

need_lighttpd() {
	need_cmd lighttpd "apt-get install lighttpd"
}

# need_magnet: lighttpd loads mod_magnet, which
# conf/lighttpd/51-jwt-authz-exchange.conf needs (lighttpd -tt loads
# the modules a config names).
need_magnet() {
	local d
	d=$(jf_dir)/magnet-check
	mkdir -p "$d" || return 1
	printf '%s\n' 'server.document-root = "/tmp"' 'server.port = 1' \
		'server.modules = ( "mod_magnet" )' >"$d/lighttpd.conf" || return 1
	lighttpd -tt -f "$d/lighttpd.conf" >"$d/tt.log" 2>&1 ||
		jf_missing "lighttpd's mod_magnet not installed (apt-get install lighttpd-modules-lua)"
}

# lighttpd_render DIR AUTHZ: writes DIR/lighttpd.conf and
# DIR/jwt-authz.local.conf, with PORT and TLS_PORT picked here.
lighttpd_render() {
	DIR=$1 AUTHZ=$2
	SRCDIR=$JF_SRCDIR
	free_port PORT && free_port TLS_PORT || return 1
	export PORT TLS_PORT
	render_template "$JF_SRCDIR/tests/helpers/conf/lighttpd.conf.in" \
		"$DIR/lighttpd.conf" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/jwt-authz.local.conf.in" \
		"$DIR/jwt-authz.local.conf"
}

# lighttpd_start DIR AUTHZ: content, TLS files, configs, the backend and
# lighttpd -D. Sets PORT and TLS_PORT.
lighttpd_start() {
	local dir=$1 authz=$2 echo i
	echo=$(jf_bin tests/helpers/fcgi-echo) || return 1
	mkdir -p "$dir/htdocs/api/admin" &&
	printf 'static file behind the authorizer\n' >"$dir/htdocs/api/static.txt" &&
	printf 'public\n' >"$dir/htdocs/public.txt" &&
	printf 'next to the prefix\n' >"$dir/htdocs/api-old.txt" || return 1
	pki_init "$dir/pki" && pki_server "$dir/pki" || return 1
	lighttpd_render "$dir" "$authz" || return 1
	if ! lighttpd -tt -f "$dir/lighttpd.conf" >"$dir/lighttpd-tt.log" 2>&1; then
		echo "lighttpd -tt rejected $dir/lighttpd.conf:" >&2
		cat "$dir/lighttpd-tt.log" >&2
		return 1
	fi
	start_daemon "$dir" echo "$echo" --listen "$dir/echo.sock" \
		--log "$dir/backend.log" &&
	wait_for_file "$dir/echo.sock" || return 1
	start_daemon "$dir" lighttpd lighttpd -D -f "$dir/lighttpd.conf" || return 1
	for i in "$PORT" "$TLS_PORT"; do
		if ! wait_for_port "$i" 10 "$dir/lighttpd.pid"; then
			cat "$dir/lighttpd.log" "$dir/lighttpd.error.log" >&2
			return 1
		fi
	done
}

# lighttpd_stop DIR: lighttpd (which stops the authorizer it spawned),
# then the backend.
lighttpd_stop() {
	stop_daemon "$1/lighttpd.pid"
	stop_daemon "$1/echo.pid"
}

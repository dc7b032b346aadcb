# caddy.bash - a private Caddy instance in a dir, from
# tests/helpers/conf/Caddyfile.in, which imports the shipped
# conf/caddy/jwt-authz.caddy unmodified. Caddy does not spawn FastCGI
# programs: jwt-authz.fcgi and the backend (fcgi-echo) are started here
# on loopback ports.
#
# Needs common.bash and pki.bash loaded, and the dir holding authz.conf
# (see authz_fixture in common.bash).

need_caddy() {
	need_cmd caddy "apt-get install caddy" || return 1
	caddy list-modules 2>/dev/null |
		grep -qx 'http.reverse_proxy.transport.fastcgi' ||
		jf_missing "this caddy lacks the fastcgi transport"
}

# caddy_env DIR: sets CADDY_ENV, the env(1) arguments that keep Caddy's
# data and autosaved config in DIR, not in root's home. An array for
# "env", not a function: start_daemon must get Caddy's own PID.
caddy_env() {
	CADDY_ENV=(env HOME="$1/caddy-home" XDG_DATA_HOME="$1/caddy-data"
		XDG_CONFIG_HOME="$1/caddy-config")
}

# caddy_check FILE DIR: caddy validate, its output shown on failure.
caddy_check() {
	caddy_env "$2"
	if ! "${CADDY_ENV[@]}" caddy validate --adapter caddyfile \
		--config "$1" >"$2/caddy-validate.log" 2>&1; then
		echo "caddy validate rejected $1:" >&2
		cat "$2/caddy-validate.log" >&2
		return 1
	fi
}

# caddy_start DIR AUTHZ_BIN: content, TLS files, the authorizer, the
# backend and caddy run. Sets PORT, TLS_PORT, AUTHZ_PORT, ECHO_PORT,
# HTTP_BACKEND_PORT.
caddy_start() {
	local dir=$1 authz=$2 echo
	echo=$(jf_bin tests/helpers/fcgi-echo) || return 1
	mkdir -p "$dir/htdocs/api" "$dir/caddy-home" &&
	printf 'static file behind the authorizer\n' >"$dir/htdocs/api/static.txt" &&
	printf 'public\n' >"$dir/htdocs/public.txt" || return 1
	pki_init "$dir/pki" && pki_server "$dir/pki" || return 1

	DIR=$dir SRCDIR=$JF_SRCDIR
	free_port PORT && free_port TLS_PORT && free_port AUTHZ_PORT &&
	free_port ECHO_PORT && free_port HTTP_BACKEND_PORT || return 1
	export PORT TLS_PORT AUTHZ_PORT ECHO_PORT HTTP_BACKEND_PORT
	render_template "$JF_SRCDIR/tests/helpers/conf/Caddyfile.in" \
		"$dir/Caddyfile" || return 1
	caddy_check "$dir/Caddyfile" "$dir" || return 1

	start_daemon "$dir" authz "$authz" -c "$dir/authz.conf" \
		--listen "127.0.0.1:$AUTHZ_PORT" --workers 2 &&
	start_daemon "$dir" echo "$echo" --listen "127.0.0.1:$ECHO_PORT" \
		--log "$dir/backend.log" || return 1
	caddy_env "$dir"
	start_daemon "$dir" caddy "${CADDY_ENV[@]}" caddy run \
		--adapter caddyfile --config "$dir/Caddyfile" || return 1
	wait_for_port "$AUTHZ_PORT" 10 "$dir/authz.pid" &&
	wait_for_port "$ECHO_PORT" 10 "$dir/echo.pid" || return 1
	if ! wait_for_port "$PORT" 10 "$dir/caddy.pid" ||
		! wait_for_port "$TLS_PORT" 10 "$dir/caddy.pid" ||
		! wait_for_port "$HTTP_BACKEND_PORT" 10 "$dir/caddy.pid"; then
		cat "$dir/caddy.log" >&2
		return 1
	fi
}

# caddy_stop DIR: Caddy, the backend, the authorizer.
caddy_stop() {
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	stop_daemon "$dir/caddy.pid"
	stop_daemon "$dir/echo.pid"
	stop_daemon "$dir/authz.pid"
}

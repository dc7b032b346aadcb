# nginx.bash - a private nginx instance in a dir, from
# tests/helpers/conf/nginx.conf.in, which includes the shipped
# conf/nginx/conf.d and conf/nginx/snippets files unmodified (through
# symlinks, by the names they have under /etc/nginx). nginx does not
# spawn FastCGI programs: jwt-authz.fcgi and the backend (fcgi-echo) are
# started here on loopback ports.
#
# Needs common.bash and pki.bash loaded, and the dir holding authz.conf
# (see authz_fixture in common.bash).

need_nginx() {
	need_cmd nginx "apt-get install nginx" || return 1
	nginx -V 2>&1 | grep -q -- --with-http_auth_request_module ||
		jf_missing "this nginx lacks the auth_request module"
}

# nginx_prefix DIR: what nginx -p DIR -c DIR/nginx.conf expects around
# its main config: the shipped snippets, fastcgi_params, mime.types.
nginx_prefix() {
	local dir=$1 f
	mkdir -p "$dir/tmp" "$dir/run" &&
	ln -sfn "$JF_SRCDIR/conf/nginx/snippets" "$dir/snippets" &&
	ln -sfn "$JF_SRCDIR/conf/nginx/conf.d" "$dir/conf.d" || return 1
	for f in fastcgi_params mime.types; do
		if [ ! -f "/etc/nginx/$f" ]; then
			echo "nginx_prefix: /etc/nginx/$f not found" >&2
			return 1
		fi
		cp "/etc/nginx/$f" "$dir/$f" || return 1
	done
}

# nginx_test_config FILE [DIR]: nginx -t, its output shown on failure.
nginx_test_config() {
	local conf=$1 dir=${2:-$(dirname "$1")}
	if ! nginx -t -q -p "$dir" -c "$conf" >"$dir/nginx-t.log" 2>&1; then
		echo "nginx -t rejected $conf:" >&2
		cat "$dir/nginx-t.log" >&2
		return 1
	fi
}

# nginx_start DIR AUTHZ_BIN: content, TLS files, the authorizer, the
# backend and nginx -g 'daemon off;'. Sets PORT, TLS_PORT, AUTHZ_PORT,
# ECHO_PORT, HTTP_BACKEND_PORT.
nginx_start() {
	local dir=$1 authz=$2 echo
	echo=$(jf_bin tests/helpers/fcgi-echo) || return 1
	mkdir -p "$dir/htdocs/api" &&
	printf 'static file behind the authorizer\n' >"$dir/htdocs/api/static.txt" &&
	printf 'public\n' >"$dir/htdocs/public.txt" || return 1
	pki_init "$dir/pki" && pki_server "$dir/pki" || return 1
	nginx_prefix "$dir" || return 1

	DIR=$dir
	free_port PORT && free_port TLS_PORT && free_port AUTHZ_PORT &&
	free_port ECHO_PORT && free_port HTTP_BACKEND_PORT || return 1
	export PORT TLS_PORT AUTHZ_PORT ECHO_PORT HTTP_BACKEND_PORT
	# As root the workers would run as "nobody", who cannot enter bats'
	# private temp dirs; this instance only listens on loopback.
	USER_LINE=
	[ "$(id -u)" = 0 ] && USER_LINE="user root;"
	render_template "$JF_SRCDIR/tests/helpers/conf/nginx.conf.in" \
		"$dir/nginx.conf" || return 1
	nginx_test_config "$dir/nginx.conf" || return 1

	start_daemon "$dir" authz "$authz" -c "$dir/authz.conf" \
		--listen "127.0.0.1:$AUTHZ_PORT" --workers 2 &&
	start_daemon "$dir" echo "$echo" --listen "127.0.0.1:$ECHO_PORT" \
		--log "$dir/backend.log" || return 1
	start_daemon "$dir" nginx nginx -p "$dir" -c "$dir/nginx.conf" \
		-g "daemon off;" || return 1
	wait_for_port "$AUTHZ_PORT" 10 "$dir/authz.pid" &&
	wait_for_port "$ECHO_PORT" 10 "$dir/echo.pid" || return 1
	if ! wait_for_port "$PORT" 10 "$dir/nginx.pid" ||
		! wait_for_port "$TLS_PORT" 10 "$dir/nginx.pid" ||
		! wait_for_port "$HTTP_BACKEND_PORT" 10 "$dir/nginx.pid"; then
		cat "$dir/nginx.log" "$dir/nginx-error.log" >&2
		return 1
	fi
}

# nginx_stop DIR: nginx (TERM: fast shutdown), the backend, the
# authorizer.
nginx_stop() {
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	stop_daemon "$dir/nginx.pid"
	stop_daemon "$dir/echo.pid"
	stop_daemon "$dir/authz.pid"
}

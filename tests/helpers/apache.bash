# apache.bash - a private Apache instance in a dir, from
# tests/helpers/conf/apache2.conf.in, which includes the shipped
# conf/apache/jwt-authz.conf unmodified. Apache does not spawn FastCGI
# authorizers, so jwt-authz.fcgi and the backend (fcgi-echo) are started
# here on loopback ports.
#
# Needs common.bash and pki.bash loaded, and the dir holding authz.conf
# (see authz_fixture in common.bash).

APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}

need_apache() {
	need_cmd apache2 "apt-get install apache2" || return 1
	[ -f "$APACHE_MODDIR/mod_authnz_fcgi.so" ] ||
		jf_missing "mod_authnz_fcgi not found in $APACHE_MODDIR"
}

# apache_dir: a fresh dir the Apache children can read. As root Apache
# must drop to an unprivileged user, which cannot enter bats' private
# (mode 0700) temp dirs, so the instance lives in its own world-readable
# dir; apache_stop removes it.
apache_dir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/jf-apache.XXXXXX") || return 1
	chmod 755 "$d" && printf '%s\n' "$d"
}

# apache_start DIR AUTHZ_BIN: content, TLS files, the authorizer, the
# backend and apache2 -DFOREGROUND. Sets PORT, TLS_PORT, AUTHZ_PORT,
# ECHO_PORT. JF_APACHE_DEFINES="A B" starts it with -D A -D B, as an
# operator's Define would (e.g. JWT_AUTHZ_PASS_TOKEN).
apache_start() {
	local dir=$1 authz=$2 echo d defs=()
	for d in ${JF_APACHE_DEFINES:-}; do
		defs+=(-D "$d")
	done
	echo=$(jf_bin tests/helpers/fcgi-echo) || return 1
	mkdir -p "$dir/htdocs/api/admin" "$dir/run" &&
	printf 'static file behind the authorizer\n' >"$dir/htdocs/api/static.txt" &&
	printf 'public\n' >"$dir/htdocs/public.txt" &&
	printf 'next to the prefix\n' >"$dir/htdocs/api-old.txt" || return 1
	pki_init "$dir/pki" && pki_server "$dir/pki" || return 1
	chmod -R a+rX "$dir/htdocs"

	DIR=$dir SRCDIR=$JF_SRCDIR MODDIR=$APACHE_MODDIR
	free_port PORT && free_port TLS_PORT && free_port AUTHZ_PORT &&
	free_port ECHO_PORT || return 1
	export PORT TLS_PORT AUTHZ_PORT ECHO_PORT
	USER_GROUP=
	if [ "$(id -u)" = 0 ]; then
		# Apache refuses to serve as root.
		USER_GROUP=$(printf 'User nobody\nGroup %s' \
			"$(id -gn nobody 2>/dev/null || echo nogroup)")
	fi
	render_template "$JF_SRCDIR/tests/helpers/conf/apache2.conf.in" \
		"$dir/apache2.conf" || return 1
	if ! apache2 -t "${defs[@]}" -f "$dir/apache2.conf" \
		>"$dir/apache-t.log" 2>&1; then
		echo "apache2 -t rejected $dir/apache2.conf:" >&2
		cat "$dir/apache-t.log" >&2
		return 1
	fi

	start_daemon "$dir" authz "$authz" -c "$dir/authz.conf" \
		--listen "127.0.0.1:$AUTHZ_PORT" --workers 2 &&
	start_daemon "$dir" echo "$echo" --listen "127.0.0.1:$ECHO_PORT" \
		--log "$dir/backend.log" || return 1
	start_daemon "$dir" apache apache2 -DFOREGROUND "${defs[@]}" \
		-f "$dir/apache2.conf" ||
		return 1
	wait_for_port "$AUTHZ_PORT" 10 "$dir/authz.pid" &&
	wait_for_port "$ECHO_PORT" 10 "$dir/echo.pid" || return 1
	if ! wait_for_port "$PORT" 10 "$dir/apache.pid" ||
		! wait_for_port "$TLS_PORT" 10 "$dir/apache.pid"; then
		cat "$dir/apache.log" "$dir/apache-error.log" >&2
		return 1
	fi
}

# apache_stop DIR: Apache, the backend, the authorizer, then the dir.
apache_stop() {
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	stop_daemon "$dir/apache.pid"
	stop_daemon "$dir/echo.pid"
	stop_daemon "$dir/authz.pid"
	case $dir in */jf-apache.*) rm -rf "$dir" ;; esac
}

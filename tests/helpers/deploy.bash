# deploy.bash - the two deployment patterns of doc/deploy.md on real
# servers, for tests/deploy.bats: seven "nodes", each in its own dir under
# DIR, each run from the pattern's shipped files (conf/<server>/sidecar,
# conf/<server>/gateway) with only their paths and port changed:
#
#   DIR/ls  lighttpd sidecar: spawns the mint, HTTPS on 127.0.0.1:LS_PORT
#   DIR/ns  nginx sidecar: the mint on a unix socket, 127.0.0.1:NS_PORT
#   DIR/lg  lighttpd gateway: spawns the authorizer, HTTPS on LG_PORT,
#           backend on DIR/lg/backend/api.sock
#   DIR/ng  nginx gateway: the authorizer on a unix socket, NG_PORT,
#           backend on DIR/ng/backend/api.sock
#   DIR/cg  Caddy gateway: the same, on CG_PORT
#   DIR/as  Apache sidecar: the mint on a unix socket, 127.0.0.1:AS_PORT
#   DIR/ag  Apache gateway: the authorizer on loopback TCP, AG_PORT,
#           backend on DIR/ag/backend/api.sock
#   (as and ag are links to dirs outside bats' private one: Apache
#   serves as nobody, who must reach the sockets)
#
# The sidecars are one mint as every node of a Swarm would run it: the
# same mint.conf (issuer https://localhost:8443/mint), signing key and
# registry (mint_fixture: worker has a client secret, billing a
# certificate). The gateways trust that issuer (mint_confs' authz.conf).
# Each backend is tests/helpers/http-echo.mjs, in a directory of mode
# 0700. Needs common.bash, pki.bash, mint.bash, lighttpd.bash,
# nginx.bash, caddy.bash and apache.bash loaded.

DEPLOY_NODES="ls ns lg ng cg as ag"

deploy_need() {
	need_lighttpd && need_magnet && need_nginx && need_caddy &&
	need_apache && need_certtool && need_cmd jq && need_cmd curl &&
	need_cmd node "apt-get install nodejs" &&
	need_cmd spawn-fcgi "apt-get install spawn-fcgi" &&
	need_cmd ss "apt-get install iproute2" &&
	need_cmd setpriv "apt-get install util-linux"
}

# deploy_render IN OUT [FROM TO]...: IN with every FROM replaced by TO,
# as make install (the snippet path) and an admin (paths, port) change
# it. Fails when IN lacks a FROM: the shipped file changed, and the test
# must follow it.
deploy_render() {
	local in=$1 out=$2 text
	shift 2
	text=$(<"$in") || return 1
	while [ "$#" -ge 2 ]; do
		if [[ $text != *"$1"* ]]; then
			echo "deploy_render: $in no longer has: $1" >&2
			return 1
		fi
		text=${text//"$1"/"$2"}
		shift 2
	done
	printf '%s\n' "$text" >"$out"
}

# deploy_backend SDIR: the HTTP backend on SDIR/backend/api.sock, its
# request log SDIR/backend.log. The dir is the test user's (the
# gateway's) with mode 0700: the wall of the gateway READMEs.
deploy_backend() {
	local sdir=$1
	mkdir -p "$sdir/backend" || return 1
	chmod 0700 "$sdir/backend" || return 1
	start_daemon "$sdir" backend node "$JF_SRCDIR/tests/helpers/http-echo.mjs" \
		"$sdir/backend/api.sock" "$sdir/backend.log" &&
	wait_for_file "$sdir/backend/api.sock" 20
}

# deploy_lighttpd SDIR sidecar|gateway PORT: the pattern's lighttpd.conf
# (its snippet path rewritten as make install does) and its local conf
# as shipped, the test's settings (helpers/conf/jwt-KIND.local.conf.in),
# then lighttpd -D.
deploy_lighttpd() {
	local sdir=$1 kind=$2 local_in
	SDIR=$sdir PORT=$3
	mkdir -p "$sdir" || return 1
	deploy_render "$JF_SRCDIR/conf/lighttpd/$kind/lighttpd.conf" \
		"$sdir/lighttpd.conf" \
		/usr/local/share/jwt-fcgi/lighttpd "$JF_SRCDIR/conf/lighttpd" ||
		return 1
	case $kind in
	sidecar) cp "$JF_SRCDIR/conf/lighttpd/sidecar/jwt-mint.local.conf" "$sdir/" ;;
	gateway) cp "$JF_SRCDIR/conf/lighttpd/gateway/jwt-authz.local.conf" "$sdir/" ;;
	esac || return 1
	local_in=$JF_SRCDIR/tests/helpers/conf/jwt-$kind.local.conf.in
	render_template "$local_in" "$sdir/jwt-$kind.local.conf" || return 1
	if ! lighttpd -tt -f "$sdir/lighttpd.conf" >"$sdir/lighttpd-tt.log" 2>&1; then
		echo "lighttpd -tt rejected $sdir/lighttpd.conf:" >&2
		cat "$sdir/lighttpd-tt.log" >&2
		return 1
	fi
	start_daemon "$sdir" server lighttpd -D -f "$sdir/lighttpd.conf" &&
	wait_for_port "$PORT" 20 "$sdir/server.pid"
}

# deploy_nginx SDIR sidecar|gateway PORT: the pattern's file as site.conf
# (paths and port changed), the program nginx does not start (the mint
# by spawn-fcgi, the authorizer with --listen, each on a unix socket in
# SDIR), then nginx.
deploy_nginx() {
	local sdir=$1 kind=$2
	SDIR=$sdir PORT=$3
	mkdir -p "$sdir" && nginx_prefix "$sdir" || return 1
	CONFD_LINE=
	case $kind in
	sidecar)
		deploy_render "$JF_SRCDIR/conf/nginx/sidecar/jwt-sidecar.conf" \
			"$sdir/site.conf" \
			unix:/run/jwt-fcgi/mint.sock "unix:$sdir/mint.sock" \
			127.0.0.1:8443 "127.0.0.1:$PORT" \
			/etc/jwt-fcgi/sidecar/localhost.pem "$DIR/pki/server.pem" \
			/etc/jwt-fcgi/sidecar/localhost.key "$DIR/pki/server.key" \
			/etc/jwt-fcgi/ca/ca.crt "$DIR/pki/ca.pem" || return 1
		# As conf/systemd/jwt-mint.socket makes it: 0660, the mint's
		# peer check on top.
		rm -f "$sdir/mint.sock"
		start_daemon "$sdir" mint spawn-fcgi -n -s "$sdir/mint.sock" \
			-M 0660 -- "$MINT" -c "$DIR/mint.conf" --workers 2 &&
		wait_for_file "$sdir/mint.sock" 20 || return 1
		;;
	gateway)
		deploy_render "$JF_SRCDIR/conf/nginx/gateway/jwt-gateway.conf" \
			"$sdir/site.conf" \
			unix:/run/jwt-fcgi/authz.sock "unix:$sdir/authz.sock" \
			unix:/run/jwt-gateway/api.sock "unix:$sdir/backend/api.sock" \
			"listen 443 ssl" "listen 127.0.0.1:$PORT ssl" \
			/etc/jwt-fcgi/gateway/tls.pem "$DIR/pki/server.pem" \
			/etc/jwt-fcgi/gateway/tls.key "$DIR/pki/server.key" ||
			return 1
		CONFD_LINE="include conf.d/jwt-authz.conf;"
		start_daemon "$sdir" authz "$AUTHZ" -c "$DIR/authz.conf" \
			--listen "$sdir/authz.sock" --workers 2 &&
		wait_for_file "$sdir/authz.sock" 20 || return 1
		;;
	esac
	# As root the workers would run as "nobody", who cannot enter bats'
	# private temp dirs; this instance only listens on loopback.
	USER_LINE=
	[ "$(id -u)" = 0 ] && USER_LINE="user root;"
	render_template "$JF_SRCDIR/tests/helpers/conf/deploy-nginx.conf.in" \
		"$sdir/nginx.conf" &&
	nginx_test_config "$sdir/nginx.conf" || return 1
	start_daemon "$sdir" server nginx -p "$sdir" -c "$sdir/nginx.conf" \
		-g 'daemon off;' &&
	wait_for_port "$PORT" 20 "$sdir/server.pid"
}

# deploy_caddy SDIR PORT: the Caddy gateway: the pattern's Caddyfile as
# site.caddy (paths and address changed; bound to loopback), imported by
# the test's own Caddyfile for its global options, the authorizer on a
# unix socket, then caddy run.
deploy_caddy() {
	local sdir=$1
	SDIR=$sdir PORT=$2
	mkdir -p "$sdir/caddy-home" || return 1
	deploy_render "$JF_SRCDIR/conf/caddy/gateway/Caddyfile" "$sdir/site.caddy" \
		/usr/local/share/jwt-fcgi/caddy "$JF_SRCDIR/conf/caddy" \
		https://:443 "https://localhost:$PORT" \
		"	tls /etc/jwt-fcgi/gateway/tls.pem /etc/jwt-fcgi/gateway/tls.key" \
		"	bind 127.0.0.1
	tls $DIR/pki/server.pem $DIR/pki/server.key" \
		unix//run/jwt-fcgi/authz.sock "unix/$sdir/authz.sock" \
		unix//run/jwt-gateway/api.sock "unix/$sdir/backend/api.sock" ||
		return 1
	render_template "$JF_SRCDIR/tests/helpers/conf/deploy-Caddyfile.in" \
		"$sdir/Caddyfile" &&
	caddy_check "$sdir/Caddyfile" "$sdir" || return 1
	start_daemon "$sdir" authz "$AUTHZ" -c "$DIR/authz.conf" \
		--listen "$sdir/authz.sock" --workers 2 &&
	wait_for_file "$sdir/authz.sock" 20 || return 1
	caddy_env "$sdir"
	start_daemon "$sdir" server "${CADDY_ENV[@]}" caddy run \
		--adapter caddyfile --config "$sdir/Caddyfile" &&
	wait_for_port "$PORT" 20 "$sdir/server.pid"
}

# deploy_apache LINK sidecar|gateway PORT: an Apache node in a fresh
# apache_dir (Apache serves as nobody, who cannot enter bats' dirs), LINK
# pointing at it: the pattern's file as site.conf (paths and port
# changed), what Apache does not start (the sidecar's mint on a 0660
# socket of nobody's group, as conf/systemd/jwt-mint.socket makes it for
# www-data, and mint.conf lets nobody in, see mint_confs; the gateway's
# authorizer on loopback TCP, and its backend's dir and socket given to
# nobody), then Apache.
deploy_apache() {
	local link=$1 kind=$2 sdir ug=() port
	sdir=$(apache_dir) || return 1
	ln -sfn "$sdir" "$link" || return 1
	SDIR=$sdir PORT=$3 MODDIR=$APACHE_MODDIR USER_GROUP=
	mkdir -p "$sdir/htdocs" "$sdir/run" || return 1
	if [ "$(id -u)" = 0 ]; then
		# Apache refuses to serve as root.
		USER_GROUP=$(printf 'User nobody\nGroup %s' \
			"$(id -gn nobody 2>/dev/null || echo nogroup)")
		ug=(nobody "$(id -gn nobody 2>/dev/null || echo nogroup)")
	fi
	case $kind in
	sidecar)
		deploy_render "$JF_SRCDIR/conf/apache/sidecar/jwt-sidecar.conf" \
			"$sdir/site.conf" \
			/usr/local/share/jwt-fcgi/apache "$JF_SRCDIR/conf/apache" \
			127.0.0.1:8443 "127.0.0.1:$PORT" \
			/etc/jwt-fcgi/sidecar/localhost.pem "$DIR/pki/server.pem" \
			/etc/jwt-fcgi/sidecar/localhost.key "$DIR/pki/server.key" ||
			return 1
		DEFINES=$(printf '%s\n' \
			"Define JWT_MINT_URL \"unix:$sdir/mint.sock|fcgi://localhost\"" \
			"Define JWT_MINT_CLIENT_CA $DIR/pki/ca.pem")
		start_daemon "$sdir" mint spawn-fcgi -n -s "$sdir/mint.sock" \
			-M 0660 ${ug[1]:+-G "${ug[1]}"} -- "$MINT" -c "$DIR/mint.conf" \
			--workers 2 &&
		wait_for_file "$sdir/mint.sock" 20 || return 1
		;;
	gateway)
		deploy_render "$JF_SRCDIR/conf/apache/gateway/jwt-gateway.conf" \
			"$sdir/site.conf" \
			/usr/local/share/jwt-fcgi/apache "$JF_SRCDIR/conf/apache" \
			"Define JWT_GATEWAY_LISTEN 443" \
			"Define JWT_GATEWAY_LISTEN 127.0.0.1:$PORT" \
			/etc/jwt-fcgi/gateway/tls.pem "$DIR/pki/server.pem" \
			/etc/jwt-fcgi/gateway/tls.key "$DIR/pki/server.key" \
			unix:/run/jwt-gateway/api.sock "unix:$sdir/backend/api.sock" ||
			return 1
		free_port port || return 1
		DEFINES="Define JWT_AUTHZ_ADDR 127.0.0.1:$port"
		start_daemon "$sdir" authz "$AUTHZ" -c "$DIR/authz.conf" \
			--listen "127.0.0.1:$port" --workers 2 &&
		wait_for_port "$port" 20 "$sdir/authz.pid" || return 1
		deploy_backend "$sdir" || return 1
		if [ -n "${ug[0]:-}" ]; then
			chown "${ug[0]}" "$sdir/backend" "$sdir/backend/api.sock" ||
				return 1
		fi
		;;
	esac
	render_template "$JF_SRCDIR/tests/helpers/conf/deploy-apache2.conf.in" \
		"$sdir/apache2.conf" || return 1
	if ! apache2 -t -f "$sdir/apache2.conf" >"$sdir/apache-t.log" 2>&1; then
		echo "apache2 -t rejected $sdir/apache2.conf:" >&2
		cat "$sdir/apache-t.log" >&2
		return 1
	fi
	start_daemon "$sdir" server apache2 -DFOREGROUND -f "$sdir/apache2.conf" &&
	wait_for_port "$PORT" 20 "$sdir/server.pid"
}

# deploy_start DIR: the fixture, then the four nodes; the whole start is
# tried again on a port another test file took meanwhile.
deploy_start() {
	local dir=$1 _
	MINT=$(jf_bin jwt-mint.fcgi) && AUTHZ=$(jf_bin jwt-authz.fcgi) || return 1
	DIR=$dir SRCDIR=$JF_SRCDIR
	ISSUER=https://localhost:8443/mint
	export DIR SRCDIR ISSUER MINT AUTHZ
	mint_fixture "$dir" && mint_confs "$dir" || return 1
	for _ in 1 2 3; do
		free_port LS_PORT && free_port NS_PORT && free_port LG_PORT &&
		free_port NG_PORT && free_port CG_PORT && free_port AS_PORT &&
		free_port AG_PORT || return 1
		export LS_PORT NS_PORT LG_PORT NG_PORT CG_PORT AS_PORT AG_PORT
		deploy_lighttpd "$dir/ls" sidecar "$LS_PORT" &&
		deploy_nginx "$dir/ns" sidecar "$NS_PORT" &&
		deploy_backend "$dir/lg" &&
		deploy_lighttpd "$dir/lg" gateway "$LG_PORT" &&
		deploy_backend "$dir/ng" &&
		deploy_nginx "$dir/ng" gateway "$NG_PORT" &&
		deploy_backend "$dir/cg" &&
		deploy_caddy "$dir/cg" "$CG_PORT" &&
		deploy_apache "$dir/as" sidecar "$AS_PORT" &&
		deploy_apache "$dir/ag" gateway "$AG_PORT" && return 0
		deploy_stop "$dir"
		grep -qi 'address already in use' "$dir"/[lnca][sg]/*.log 2>/dev/null ||
			break
	done
	echo "deploy_start: could not start the nodes; logs:" >&2
	tail -n 20 "$dir"/[lnca][sg]/*.log >&2
	return 1
}

deploy_stop() {
	local n p
	for n in $DEPLOY_NODES; do
		for p in server mint authz backend; do
			stop_daemon "$1/$n/$p.pid"
		done
	done
	for n in as ag; do
		if [ -L "$1/$n" ]; then
			apache_stop "$(readlink "$1/$n")"
			rm -f "$1/$n"
		fi
	done
}

# deploy_port NODE: the HTTPS port of ls, ns, lg, ng, cg, as or ag.
deploy_port() {
	local v=${1^^}_PORT
	printf '%s\n' "${!v}"
}

# deploy_token NODE [CURL ARGS...]: POST the sidecar NODE's token
# endpoint, as a service on that node would (https://localhost:PORT,
# the node CA). Response as for http().
deploy_token() {
	local port
	port=$(deploy_port "$1")
	shift
	http --cacert "$DIR/pki/ca.pem" --resolve "localhost:$port:127.0.0.1" \
		"$@" "https://localhost:$port/mint/token"
}

# deploy_secret_token NODE: worker's token from the sidecar NODE by
# client_secret_basic, in DEPLOY_TOKEN.
deploy_secret_token() {
	deploy_token "$1" -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials || return 1
	assert_status 200 || return 1
	DEPLOY_TOKEN=$(jq -r .access_token "$JF_BODY")
}

# deploy_cert_token NODE: billing's token from the sidecar NODE by its
# certificate (tls_client_auth), in DEPLOY_TOKEN.
deploy_cert_token() {
	deploy_token "$1" --cert "$DIR/pki/billing.pem" \
		--key "$DIR/pki/billing.key" -d grant_type=client_credentials ||
		return 1
	assert_status 200 || return 1
	DEPLOY_TOKEN=$(jq -r .access_token "$JF_BODY")
}

# deploy_call NODE [CURL ARGS...] PATH: a request through the gateway
# NODE, at https://localhost:PORT (Caddy picks its certificate by SNI).
deploy_call() {
	local port path
	port=$(deploy_port "$1")
	shift
	path=${*: -1}
	http --cacert "$DIR/pki/ca.pem" --resolve "localhost:$port:127.0.0.1" \
		"${@:1:$#-1}" "https://localhost:$port$path"
}

# assert_backend_header NAME VALUES: the backend got header NAME (lower
# case) with exactly VALUES (comma-joined, in order; "" for none).
assert_backend_header() {
	assert_json ".headers[\"$1\"] // [] | join(\",\")" "$2"
}

# deploy_open_path DIR: lets other users through DIR and its parents up
# to bats' run dir (mode 0700), so that what keeps another local user
# out of a socket below DIR is the pattern's own wall, not bats' dir.
# (The Apache node's dir is outside it, and open already.)
deploy_open_path() {
	local d=$1
	case $d in "$BATS_RUN_TMPDIR"/*) ;; *) return 0 ;; esac
	while [ "$d" != "$BATS_RUN_TMPDIR" ]; do
		chmod o+x "$d" || return 1
		d=$(dirname "$d")
	done
	chmod o+x "$d"
}

# deploy_listeners PID: the TCP and UDP sockets process PID listens on
# (ss -p), one "address:port" a line.
deploy_listeners() {
	ss -Hltunp | awk -v p="pid=$1," 'index($0, p) { print $5 }'
}

# cimd.bash - self-issued tokens (client ID metadata documents) for
# tests/cimd.bats and tests/cimd_servers.bats: the key host serving the
# documents, the service's keys, the documents and the tokens it signs.
# Needs common.bash, pki.bash and jwkshost.bash loaded, and DIR.
#
#   cimd_fixture       the key host in DIR/kh (HOST, HOST_PORT); keys
#                      DIR/svc.key, svc2.key (not in any document) and
#                      authz-at.key (the authorizer's, for access tokens);
#                      the documents good (/cimd/good.json) and
#                      /other/good.json (a path no [cimd] section names).
#                      Exports API (the audience) and CLI (jwt-fcgi).
#   doc NAME JQ        another document
#   conf NAME [LINES]  DIR/NAME.conf, an authz.conf trusting /cimd/
#   self NAME [OPTS]   a token client NAME signs for API

cimd_fixture() {
	mkdir -p "$DIR/kh" && jwkshost_start "$DIR/kh" || return 1
	export HOST HOST_PORT API=https://service-b.example.com/api/get-counter?v=1
	CLI=$(jf_bin jwt-fcgi) || return 1
	export CLI
	mkdir -p "$DIR/kh/www/cimd" "$DIR/kh/www/other" || return 1
	"$CLI" keygen "$DIR/svc.key" >/dev/null &&
	"$CLI" keygen "$DIR/svc2.key" >/dev/null &&
	"$CLI" keygen "$DIR/authz-at.key" >/dev/null || return 1
	"$CLI" jwks "$DIR/svc.key" >"$DIR/svc.jwks" &&
	"$CLI" jwks "$DIR/svc2.key" >"$DIR/svc2.jwks" || return 1
	doc good '.' || return 1
	cp "$DIR/kh/www/cimd/good.json" "$DIR/kh/www/other/good.json" &&
	sed -i "s|/cimd/good.json|/other/good.json|" "$DIR/kh/www/other/good.json"
}

# doc NAME JQ: www/cimd/NAME.json, a document for its own URL with the
# service's key inline, then JQ applied.
doc() {
	jq -n --arg id "$HOST/cimd/$1.json" --slurpfile k "$DIR/svc.jwks" \
		'{client_id: $id, client_name: "service A",
		  token_endpoint_auth_method: "private_key_jwt", jwks: $k[0]}' |
		jq "$2" >"$DIR/kh/www/cimd/$1.json"
}

# conf NAME [LINES...]: an authz.conf trusting the host's /cimd/ prefix.
conf() {
	local f=$DIR/$1.conf
	shift
	{
		printf '%s\n' "realm = api" "fetch_allow = loopback" \
			"fetch_ca_file = $DIR/kh/pki/ca.pem" "fetch_timeout = 2" \
			"jwks_cold_wait = 3" "jwks_cooldown = 3" "cimd_refresh = 2" \
			"cimd_max_stale = 60"
		printf '%s\n' "$@"
		printf '%s\n' "[cimd $HOST/cimd/]" "audience = $API" \
			"scope = counter.read" "claim = tier gold"
	} >"$f"
}

# self NAME [SIGN OPTS...]: a token that client NAME signs for the API.
self() {
	local u=$HOST/cimd/$1.json
	shift
	"$CLI" sign -k "$DIR/svc.key" --iss "$u" --sub "$u" --aud "$API" \
		--ttl 60 "$@"
}

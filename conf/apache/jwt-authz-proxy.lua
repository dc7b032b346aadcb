-- jwt-authz-proxy.lua - for Apache's mod_lua (LuaHookFixups), in front of
-- an HTTP backend (mod_proxy) behind jwt-authz.conf: the verified claims
-- as X-Jwt-* request headers, as conf/nginx/snippets/jwt-authz-proxy.conf,
-- conf/caddy and conf/lighttpd/jwt-authz-proxy.lua pass them. mod_headers
-- cannot do it: it cannot delete a client's headers by prefix, or by the
-- "_" in their names. gateway/jwt-gateway.conf uses it:
--     LuaHookFixups /usr/local/share/jwt-fcgi/apache/jwt-authz-proxy.lua jwt_authz_proxy
--
-- Fixups run after authentication: mod_authnz_fcgi has put each
-- Variable-JWT_* of the authorizer's answer in the request's environment
-- (a client cannot: its headers are not environment variables). The
-- client's own X-Jwt-* headers, in any case, and every header whose name
-- has a "_" (a backend that maps X_Jwt_Sub to X-Jwt-Sub cannot be fooled)
-- are deleted first; then each non-empty claim becomes its header.
-- jwt-authz.conf has already unset Authorization: the backend gets the
-- claims, not the token.
local claims = {
	{ "JWT_SUB", "X-Jwt-Sub" },
	{ "JWT_ISS", "X-Jwt-Iss" },
	{ "JWT_AUD", "X-Jwt-Aud" },
	{ "JWT_SCOPE", "X-Jwt-Scope" },
	{ "JWT_CLIENT_ID", "X-Jwt-Client-Id" },
	{ "JWT_JTI", "X-Jwt-Jti" },
	{ "JWT_EXP", "X-Jwt-Exp" },
}

function jwt_authz_proxy(r)
	local drop = {}
	for name in pairs(r:headers_in_table()) do
		if name:find("_", 1, true) or name:lower():sub(1, 6) == "x-jwt-" then
			drop[#drop + 1] = name
		end
	end
	for _, name in ipairs(drop) do
		r.headers_in[name] = nil
	end
	for _, c in ipairs(claims) do
		local v = r.subprocess_env[c[1]]
		if v ~= nil and v ~= "" then
			r.headers_in[c[2]] = v
		end
	end
	return apache2.DECLINED
end

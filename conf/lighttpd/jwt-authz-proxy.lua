-- jwt-authz-proxy.lua - for lighttpd's mod_magnet, in front of an HTTP
-- backend (mod_proxy) behind 50-jwt-authz.conf: the verified claims as
-- X-Jwt-* request headers, as conf/nginx/snippets/jwt-authz-proxy.conf
-- and conf/caddy pass them. mod_proxy sends no environment, so without
-- this an HTTP backend gets no claims. gateway/lighttpd.conf uses it.
--
-- Runs at the physical-path step, before and again after the authorizer
-- (whose 200 restarts the request). Every time, it deletes the client's
-- own X-Jwt-* headers, in any case, and every header whose name has a
-- "_" (a backend that maps X_Jwt_Sub to X-Jwt-Sub cannot be fooled).
-- After a 200, and only then, lighttpd has set JWT_ISS and the other
-- variables from the authorizer's answer (the issuer is never empty; a
-- client cannot set them: its headers arrive as HTTP_*); each non-empty
-- claim becomes its header, and the Authorization header is dropped: the
-- backend gets the claims, not the token it could replay elsewhere.
local r = lighty.r
local drop = {}
for name in pairs(r.req_header) do
	if name:find("_", 1, true) or name:lower():sub(1, 6) == "x-jwt-" then
		drop[#drop + 1] = name
	end
end
for _, name in ipairs(drop) do
	r.req_header[name] = nil
end

if r.req_env["JWT_ISS"] == nil then
	return 0
end
local claims = {
	{ "JWT_SUB", "X-Jwt-Sub" },
	{ "JWT_ISS", "X-Jwt-Iss" },
	{ "JWT_AUD", "X-Jwt-Aud" },
	{ "JWT_SCOPE", "X-Jwt-Scope" },
	{ "JWT_CLIENT_ID", "X-Jwt-Client-Id" },
	{ "JWT_JTI", "X-Jwt-Jti" },
	{ "JWT_EXP", "X-Jwt-Exp" },
}
for _, c in ipairs(claims) do
	local v = r.req_env[c[1]]
	if v ~= nil and v ~= "" then
		r.req_header[c[2]] = v
	end
end
r.req_header["Authorization"] = nil
return 0

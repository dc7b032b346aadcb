-- jwt-authz-exchange.lua - for lighttpd's mod_magnet, on an exchange
-- route (51-jwt-authz-exchange.conf): the access token jwt-authz.fcgi
-- issued for a self-issued token, which lighttpd left in the request's
-- environment as JWT_AUTH_INFO (from the authorizer's
-- Variable-JWT_AUTH_INFO), moves into the client's response as the header
-- Authentication-Info. It is taken out of the environment, so no FastCGI,
-- CGI or proxy backend gets the token.
-- Runs at the physical-path step, before and again after the authorizer;
-- only the second time is JWT_AUTH_INFO set (a client cannot set it: its
-- headers arrive as HTTP_*).
local v = lighty.r.req_env["JWT_AUTH_INFO"]
if v ~= nil then
	lighty.r.req_env["JWT_AUTH_INFO"] = nil
	if v ~= "" then
		lighty.r.resp_header["Authentication-Info"] = v
	end
end
return 0

// oauth.mjs - an OAuth 2.0 client that is not jwt-fcgi, against the mint:
// RFC 8414 discovery and client_credentials with RFC 8705 tls_client_auth
// by the npm package oauth4webapi, over an undici Agent carrying the client
// certificate; then the npm package jose verifies the access token against
// the mint's JWKS URL (createRemoteJWKSet) with typ "at+jwt" (RFC 9068).
// Used by tests/mint_lighttpd.bats.
//
//   node oauth.mjs ISSUER --ca CA.pem --cert CERT.pem --key KEY.pem
//        --client-id ID --aud AUD [--scope "a b"]
//
// Exit 0: prints {"metadata":..., "response":..., "header":..., "payload":...}
// (the token itself left out). Exit 1: a step failed; its error on stderr.
// Exit 2: usage.
import { readFileSync } from 'node:fs';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, customFetch as joseFetch, jwtVerify } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';

const USAGE = 'usage: node oauth.mjs ISSUER --ca CA --cert CERT --key KEY ' +
	'--client-id ID --aud AUD [--scope SCOPE]';
const OPTS = ['--ca', '--cert', '--key', '--client-id', '--aud', '--scope'];

function usage(msg) {
	process.stderr.write(`oauth.mjs: ${msg}\n${USAGE}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const pos = [];
	const opt = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (OPTS.includes(a)) {
			if (i + 1 >= argv.length)
				usage(`${a} needs a value`);
			opt[a.slice(2)] = argv[++i];
		} else if (a.startsWith('--')) {
			usage(`unknown option ${a}`);
		} else {
			pos.push(a);
		}
	}
	for (const k of ['ca', 'cert', 'key', 'client-id', 'aud'])
		if (opt[k] === undefined)
			usage(`--${k} is required`);
	if (pos.length !== 1)
		usage('one ISSUER expected');
	return { issuer: pos[0], ...opt };
}

const args = parseArgs(process.argv.slice(2));
// The client certificate goes with every request: token endpoint, metadata
// and JWKS all live on the mint's mTLS socket in the test.
const agent = new Agent({
	connect: {
		ca: readFileSync(args.ca),
		cert: readFileSync(args.cert),
		key: readFileSync(args.key),
	},
});
const viaAgent = (url, init) => undiciFetch(url, { ...init, dispatcher: agent });

try {
	const issuer = new URL(args.issuer);
	const as = await oauth.processDiscoveryResponse(issuer,
		await oauth.discoveryRequest(issuer, {
			algorithm: 'oauth2', [oauth.customFetch]: viaAgent,
		}));
	const client = { client_id: args['client-id'] };
	const params = new URLSearchParams({ resource: args.aud });
	if (args.scope !== undefined)
		params.set('scope', args.scope);
	const response = await oauth.processClientCredentialsResponse(as, client,
		await oauth.clientCredentialsGrantRequest(as, client,
			oauth.TlsClientAuth(), params,
			{ [oauth.customFetch]: viaAgent }));
	const jwks = createRemoteJWKSet(new URL(as.jwks_uri),
		{ [joseFetch]: viaAgent });
	const { payload, protectedHeader } = await jwtVerify(response.access_token,
		jwks, { issuer: as.issuer, audience: args.aud, typ: 'at+jwt' });
	const { access_token: _omitted, ...rest } = response;
	process.stdout.write(JSON.stringify({
		metadata: as, response: rest, header: protectedHeader, payload,
	}) + '\n');
	await agent.close();
} catch (e) {
	process.stderr.write(`oauth.mjs: ${e.code ?? e.name}: ${e.message}` +
		(e.cause ? ` (${JSON.stringify(e.cause)})` : '') + '\n');
	process.exit(1);
}

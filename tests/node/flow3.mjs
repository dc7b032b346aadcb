// flow3.mjs - seed 001's flow 3 by a client that is not jwt-fcgi, starting
// from nothing but the API's URL: the npm package oauth4webapi for every
// OAuth step, jose to sign. Used by tests/cimd_mint.bats.
//
//   1. GET the API with a JWT the client signed itself (iss = sub = its
//      client ID, the URL of its metadata document; aud = the API);
//   2. the 401's WWW-Authenticate names resource_metadata (RFC 9728):
//      fetch that document, check it is the API's;
//   3. RFC 8414 discovery of its first authorization server;
//   4. the jwt-bearer grant (RFC 7523 §2.1) at the token endpoint with a
//      fresh assertion (aud = the issuer, RFC 10070) and resource = the
//      API (RFC 8707);
//   5. GET the API again with the access token.
//
//   node flow3.mjs API_URL --key KEY.pem --kid KID --client-id URL
//
// TLS: the test CA through NODE_EXTRA_CA_CERTS. Exit 0: prints
// {"challenge":..., "prm":..., "metadata":..., "response":..., "api":...}
// (the tokens left out). Exit 1: a step failed; its error on stderr.
// Exit 2: usage.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as oauth from 'oauth4webapi';
import { importPKCS8, SignJWT } from 'jose';

const USAGE = 'usage: node flow3.mjs API_URL --key KEY.pem --kid KID ' +
	'--client-id URL';
const OPTS = ['--key', '--kid', '--client-id'];
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function usage(msg) {
	process.stderr.write(`flow3.mjs: ${msg}\n${USAGE}\n`);
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
	for (const k of ['key', 'kid', 'client-id'])
		if (opt[k] === undefined)
			usage(`--${k} is required`);
	if (pos.length !== 1)
		usage('one API_URL expected');
	return { api: pos[0], ...opt };
}

// Loopback only: a URL any document names must stay on this host.
function local(u, what) {
	const url = new URL(u);
	if (url.protocol !== 'https:' || !['127.0.0.1', '[::1]', 'localhost']
	    .includes(url.hostname))
		throw new Error(`${what} ${u} is not https on loopback`);
	return url;
}

const args = parseArgs(process.argv.slice(2));
const clientId = args['client-id'];

try {
	const api = local(args.api, 'API');
	const key = await importPKCS8(readFileSync(args.key, 'utf8'), 'ES256');
	const sign = (aud) => {
		const now = Math.floor(Date.now() / 1000);
		return new SignJWT({})
			.setProtectedHeader({ alg: 'ES256', kid: args.kid })
			.setIssuer(clientId).setSubject(clientId).setAudience(aud)
			.setJti(randomBytes(16).toString('base64url'))
			.setIssuedAt(now).setExpirationTime(now + 60)
			.sign(key);
	};

	// 1, 2: the API refuses the client's own JWT and says where to look.
	let challenge;
	try {
		await oauth.protectedResourceRequest(await sign(api.href), 'GET',
			api, new Headers(), null);
		throw new Error('the API took the self-signed JWT: no 401');
	} catch (e) {
		if (!(e instanceof oauth.WWWAuthenticateChallengeError))
			throw e;
		challenge = e.cause.find((c) => c.scheme === 'bearer');
	}
	if (challenge?.parameters?.resource_metadata === undefined)
		throw new Error('401 without resource_metadata: ' +
			JSON.stringify(challenge));
	const prmUrl = local(challenge.parameters.resource_metadata,
		'resource_metadata');
	const prm = await oauth.processResourceDiscoveryResponse(api,
		await fetch(prmUrl, { redirect: 'manual' }));
	if (!Array.isArray(prm.authorization_servers) ||
	    prm.authorization_servers.length === 0)
		throw new Error('no authorization_servers in ' + prmUrl.href);

	// 3: the authorization server's metadata (RFC 8414).
	const issuer = local(prm.authorization_servers[0], 'authorization server');
	const as = await oauth.processDiscoveryResponse(issuer,
		await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' }));
	if (as.client_id_metadata_document_supported !== true ||
	    !as.grant_types_supported?.includes(JWT_BEARER))
		throw new Error('the server does not take client ID metadata ' +
			'documents with the jwt-bearer grant');
	local(as.token_endpoint, 'token_endpoint');

	// 4: the jwt-bearer grant; None() sends client_id alone.
	const client = { client_id: clientId };
	const response = await oauth.processGenericTokenEndpointResponse(as,
		client, await oauth.genericTokenEndpointRequest(as, client,
			oauth.None(), JWT_BEARER, new URLSearchParams({
				assertion: await sign(as.issuer),
				resource: prm.resource,
			})));

	// 5: the API with the access token.
	const res = await oauth.protectedResourceRequest(response.access_token,
		'GET', api, new Headers(), null);
	const body = await res.text();
	const { access_token: _omitted, ...rest } = response;
	process.stdout.write(JSON.stringify({
		challenge, prm, metadata: as, response: rest,
		api: { status: res.status, body: JSON.parse(body) },
	}) + '\n');
} catch (e) {
	process.stderr.write(`flow3.mjs: ${e.code ?? e.name}: ${e.message}` +
		(e.cause ? ` (${JSON.stringify(e.cause)})` : '') + '\n');
	process.exit(1);
}

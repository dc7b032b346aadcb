// oauth-secret.mjs - the npm package oauth4webapi as the mint's client,
// authenticating without a certificate: client_credentials with
// ClientSecretBasic (RFC 6749 §2.3.1) or PrivateKeyJwt (RFC 7523), the
// library's own request and response handling, unchanged. Used by
// tests/mint_lighttpd.bats.
//
//   node oauth-secret.mjs ISSUER --ca CA.pem --token-endpoint URL
//        --client-id ID (--secret SECRET | --key KEY.pem --kid KID)
//        --aud AUD [--scope "a b"]
//
// The authorization server is described by hand, not discovered: in the
// test, ISSUER's own socket demands client certificates, and a client
// presenting one would be using two authentication methods at once. So
// --token-endpoint names the same mint on a socket that does not. The
// assertion's aud is as.issuer, as oauth4webapi makes it.
//
// Exit 0: prints {"response":..., "payload":...} (the access token's
// claims, decoded, not verified; the token itself left out). Exit 1: a
// step failed; its error on stderr. Exit 2: usage.
import { readFileSync } from 'node:fs';
import * as oauth from 'oauth4webapi';
import { decodeJwt, importPKCS8 } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';

const USAGE = 'usage: node oauth-secret.mjs ISSUER --ca CA --token-endpoint URL ' +
	'--client-id ID (--secret S | --key KEY --kid KID) --aud AUD [--scope S]';
const OPTS = ['--ca', '--token-endpoint', '--client-id', '--secret', '--key',
	'--kid', '--aud', '--scope'];

function usage(msg) {
	process.stderr.write(`oauth-secret.mjs: ${msg}\n${USAGE}\n`);
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
	for (const k of ['ca', 'token-endpoint', 'client-id', 'aud'])
		if (opt[k] === undefined)
			usage(`--${k} is required`);
	if ((opt.secret === undefined) === (opt.key === undefined))
		usage('give --secret or --key');
	if (opt.key !== undefined && opt.kid === undefined)
		usage('--key needs --kid');
	if (pos.length !== 1)
		usage('one ISSUER expected');
	return { issuer: pos[0], ...opt };
}

const args = parseArgs(process.argv.slice(2));
const agent = new Agent({ connect: { ca: readFileSync(args.ca) } });
const viaAgent = (url, init) => undiciFetch(url, { ...init, dispatcher: agent });

try {
	const as = { issuer: args.issuer, token_endpoint: args['token-endpoint'] };
	const client = { client_id: args['client-id'] };
	let auth;
	if (args.secret !== undefined) {
		auth = oauth.ClientSecretBasic(args.secret);
	} else {
		const key = await importPKCS8(readFileSync(args.key, 'utf8'),
			'ES256', { extractable: false });
		auth = oauth.PrivateKeyJwt({ key, kid: args.kid });
	}
	const params = new URLSearchParams({ resource: args.aud });
	if (args.scope !== undefined)
		params.set('scope', args.scope);
	const response = await oauth.processClientCredentialsResponse(as, client,
		await oauth.clientCredentialsGrantRequest(as, client, auth, params,
			{ [oauth.customFetch]: viaAgent }));
	const payload = decodeJwt(response.access_token);
	const { access_token: _omitted, ...rest } = response;
	process.stdout.write(JSON.stringify({ response: rest, payload }) + '\n');
	await agent.close();
} catch (e) {
	process.stderr.write(`oauth-secret.mjs: ${e.code ?? e.name}: ${e.message}` +
		(e.cause ? ` (${JSON.stringify(e.cause)})` : '') + '\n');
	process.exit(1);
}

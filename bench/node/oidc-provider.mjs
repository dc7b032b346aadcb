// oidc-provider.mjs - node oidc-provider as a token endpoint to compare
// jwt-mint.fcgi with (bench/run-mint.sh): client_credentials for one
// client with client_secret_basic, answered with an ES256 JWT access
// token for one resource, over HTTPS, as the mint does.
//
//   node oidc-provider.mjs PORT CERT KEY SECRET [WORKERS]
//
// WORKERS 1 (the default): one process; N > 1: node:cluster with N
// workers on the same port. Prints "listening" once every process is.
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';

import Provider from 'oidc-provider';

const [port, certFile, keyFile, secret, nw = '1'] = process.argv.slice(2);
const workers = Number(nw);
const RESOURCE = 'https://api.bench.test';

if (workers > 1 && cluster.isPrimary) {
	// One signing key for all workers, as the mint's workers share one.
	const jwk = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
	    .privateKey.export({ format: 'jwk' });
	let up = 0;
	for (let i = 0; i < workers; i++) {
		const w = cluster.fork({ BENCH_JWK: JSON.stringify(jwk) });
		w.on('message', (m) => {
			if (m === 'listening' && ++up === workers)
				console.log('listening');
		});
	}
	process.on('SIGTERM', () => {
		for (const id in cluster.workers)
			cluster.workers[id].kill();
		process.exit(0);
	});
} else {
	const jwk = process.env.BENCH_JWK ? JSON.parse(process.env.BENCH_JWK) :
	    crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
		.privateKey.export({ format: 'jwk' });
	const provider = new Provider(`https://127.0.0.1:${port}`, {
		clients: [{
			client_id: 'worker',
			client_secret: secret,
			grant_types: ['client_credentials'],
			redirect_uris: [],
			response_types: [],
			token_endpoint_auth_method: 'client_secret_basic',
			id_token_signed_response_alg: 'ES256',
			scope: 'invoices:read',
		}],
		scopes: ['openid', 'invoices:read'],
		jwks: { keys: [{ ...jwk, alg: 'ES256', use: 'sig', kid: 'bench' }] },
		features: {
			devInteractions: { enabled: false },
			clientCredentials: { enabled: true },
			resourceIndicators: {
				enabled: true,
				defaultResource: () => RESOURCE,
				useGrantedResource: () => true,
				getResourceServerInfo: () => ({
					scope: 'invoices:read',
					audience: RESOURCE,
					accessTokenFormat: 'jwt',
					accessTokenTTL: 300,
					jwt: { sign: { alg: 'ES256' } },
				}),
			},
		},
	});
	https.createServer({
		cert: fs.readFileSync(certFile),
		key: fs.readFileSync(keyFile),
	}, provider.callback()).listen(Number(port), '127.0.0.1', () => {
		if (process.send)
			process.send('listening');
		else
			console.log('listening');
	});
}

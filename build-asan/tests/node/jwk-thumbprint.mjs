// jwk-thumbprint.mjs - RFC 7638 SHA-256 JWK thumbprints computed by the npm
// `jose` package, to cross-check the kids that jwt-fcgi assigns.
//
//   node jwk-thumbprint.mjs FILE [ALG]
//
// FILE is a JWKS ({"keys": [...]}: one line per key, "KID THUMBPRINT", kid
// "-" when absent), a single JWK (one line, the thumbprint), or a PEM key
// (SPKI public or PKCS#8 private; ALG is then required, e.g. ES256, and the
// thumbprint is that of the public key: one line). Deriving it from the PEM
// with jose, independently of our JWKS writer, is the real cross-check.
// Exit 0 ok, 2 usage or input error.
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI } from 'jose';

function die(msg) {
	process.stderr.write(`jwk-thumbprint.mjs: ${msg}\n`);
	process.exit(2);
}

const [file, alg, ...rest] = process.argv.slice(2);
if (file === undefined || rest.length > 0)
	die('usage: node jwk-thumbprint.mjs FILE [ALG]');

try {
	const text = readFileSync(file, 'utf8');
	if (text.trimStart().startsWith('-----BEGIN')) {
		if (alg === undefined)
			die('a PEM key needs ALG');
		const priv = text.includes('PRIVATE KEY-----');
		const key = priv
			? await importPKCS8(text, alg, { extractable: true })
			: await importSPKI(text, alg, { extractable: true });
		const jwk = await exportJWK(key);
		// calculateJwkThumbprint uses only the required public members,
		// so a private JWK gives the public key's thumbprint; drop d
		// anyway so no private member can ever reach the output.
		for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
			delete jwk[m];
		process.stdout.write(`${await calculateJwkThumbprint(jwk, 'sha256')}\n`);
	} else {
		const doc = JSON.parse(text);
		if (Array.isArray(doc.keys)) {
			for (const jwk of doc.keys)
				process.stdout.write(`${jwk.kid ?? '-'} ${await calculateJwkThumbprint(jwk, 'sha256')}\n`);
		} else {
			process.stdout.write(`${await calculateJwkThumbprint(doc, 'sha256')}\n`);
		}
	}
} catch (e) {
	die(`${file}: ${e.message}`);
}

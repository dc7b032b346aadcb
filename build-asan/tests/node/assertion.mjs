// assertion.mjs - an RFC 7523 private_key_jwt client assertion made with
// the npm `jose` package, as a client that is not jwt-fcgi would make it:
// iss = sub = CLIENT_ID, aud = AUD, a fresh random jti, iat now and exp
// now + lifetime. Used by tests/mint_lighttpd.bats.
//
//   node assertion.mjs KEY.pem CLIENT_ID AUD [--alg ALG] [--kid KID]
//        [--lifetime SECONDS] [--jti JTI]
//
// KEY.pem is a PKCS#8 private key (jwt-fcgi keygen writes one); ALG
// defaults to ES256, lifetime to 60 s. Prints the compact JWS on stdout.
// Exit 0 ok, 2 usage or key error.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';

const USAGE = 'usage: node assertion.mjs KEY.pem CLIENT_ID AUD [--alg ALG] ' +
	'[--kid KID] [--lifetime SECONDS] [--jti JTI]';
const OPTS = ['--alg', '--kid', '--lifetime', '--jti'];

function die(msg) {
	process.stderr.write(`assertion.mjs: ${msg}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const pos = [];
	const opt = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (OPTS.includes(a)) {
			if (i + 1 >= argv.length)
				die(`${a} needs a value\n${USAGE}`);
			opt[a.slice(2)] = argv[++i];
		} else if (a.startsWith('--')) {
			die(`unknown option ${a}\n${USAGE}`);
		} else {
			pos.push(a);
		}
	}
	if (pos.length !== 3)
		die(USAGE);
	return { keyPath: pos[0], clientId: pos[1], aud: pos[2], ...opt };
}

const args = parseArgs(process.argv.slice(2));
const alg = args.alg ?? 'ES256';
const lifetime = Number(args.lifetime ?? 60);
if (!Number.isInteger(lifetime) || lifetime < 1)
	die('--lifetime: expected a positive integer');

let key;
try {
	key = await importPKCS8(readFileSync(args.keyPath, 'utf8'), alg);
} catch (e) {
	die(`${args.keyPath}: ${e.message}`);
}

const now = Math.floor(Date.now() / 1000);
const header = { alg };
if (args.kid !== undefined)
	header.kid = args.kid;
try {
	const jwt = await new SignJWT({})
		.setProtectedHeader(header)
		.setIssuer(args.clientId)
		.setSubject(args.clientId)
		.setAudience(args.aud)
		.setJti(args.jti ?? randomBytes(16).toString('base64url'))
		.setIssuedAt(now)
		.setExpirationTime(now + lifetime)
		.sign(key);
	process.stdout.write(`${jwt}\n`);
} catch (e) {
	die(`sign: ${e.message}`);
}

// sign.mjs - signs a JWT with the npm `jose` package, as a peer that is not
// jwt-fcgi would. Used by tests/interop.bats to prove that jwt-fcgi accepts
// tokens it did not make.
//
//   node sign.mjs ALG KEY.pem CLAIMS_JSON [--kid KID] [--typ TYP]
//
// ALG is a JWS alg (ES256 ES384 RS256 PS256 EdDSA ...), KEY.pem a PKCS#8
// private key, CLAIMS_JSON a JSON object used as the payload. When the
// claims have no "iat" it is set to now, and when they have no "exp" it is
// set to now + 300 s, so a test only spells out what it is about.
// Prints the compact token on stdout. Exit 0 ok, 2 usage or key error.
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';

const USAGE = 'usage: node sign.mjs ALG KEY.pem CLAIMS_JSON [--kid KID] [--typ TYP]';

function die(msg) {
	process.stderr.write(`sign.mjs: ${msg}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const pos = [];
	const opt = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--kid' || a === '--typ') {
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
	return { alg: pos[0], keyPath: pos[1], claimsJson: pos[2], ...opt };
}

const args = parseArgs(process.argv.slice(2));

let claims;
try {
	claims = JSON.parse(args.claimsJson);
} catch (e) {
	die(`claims: ${e.message}`);
}
if (claims === null || typeof claims !== 'object' || Array.isArray(claims))
	die('claims: expected a JSON object');

let key;
try {
	key = await importPKCS8(readFileSync(args.keyPath, 'utf8'), args.alg);
} catch (e) {
	die(`${args.keyPath}: ${e.message}`);
}

const now = Math.floor(Date.now() / 1000);
const header = { alg: args.alg };
if (args.kid !== undefined)
	header.kid = args.kid;
if (args.typ !== undefined)
	header.typ = args.typ;

const jwt = new SignJWT(claims).setProtectedHeader(header);
if (claims.iat === undefined)
	jwt.setIssuedAt(now);
if (claims.exp === undefined)
	jwt.setExpirationTime(now + 300);

try {
	process.stdout.write(`${await jwt.sign(key)}\n`);
} catch (e) {
	die(`sign: ${e.message}`);
}

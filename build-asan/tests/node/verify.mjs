// verify.mjs - verifies a JWT with the npm `jose` package against a JWKS, as
// a relying party that is not jwt-fcgi would. Used by tests/interop.bats to
// prove that tokens made by `jwt-fcgi sign` are standard JWS (for ECDSA: the
// R||S signature of RFC 7515 section 3.4, not DER).
//
//   node verify.mjs JWKS TOKEN --iss ISS --aud AUD [--typ TYP] [--alg ALG]
//
// JWKS is a file path or an http(s):// URL (then createRemoteJWKSet fetches
// it). iss and aud are required so that no test forgets them; typ, when
// given, must match the header exactly (jose compares it case-insensitively
// after dropping an "application/" prefix). --alg may repeat and limits the
// accepted algorithms.
// Exit 0: valid, prints {"header": ..., "payload": ...}. Exit 1: refused,
// prints the jose error code and message on stderr. Exit 2: usage error, or
// the JWKS could not be read or fetched.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';

const USAGE = 'usage: node verify.mjs JWKS TOKEN --iss ISS --aud AUD [--typ TYP] [--alg ALG]...';

function die(msg) {
	process.stderr.write(`verify.mjs: ${msg}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const pos = [];
	const opt = { algs: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (['--iss', '--aud', '--typ', '--alg'].includes(a)) {
			if (i + 1 >= argv.length)
				die(`${a} needs a value\n${USAGE}`);
			const v = argv[++i];
			if (a === '--alg')
				opt.algs.push(v);
			else
				opt[a.slice(2)] = v;
		} else if (a.startsWith('--')) {
			die(`unknown option ${a}\n${USAGE}`);
		} else {
			pos.push(a);
		}
	}
	if (pos.length !== 2 || opt.iss === undefined || opt.aud === undefined)
		die(USAGE);
	return { jwks: pos[0], token: pos[1], ...opt };
}

const args = parseArgs(process.argv.slice(2));

let keySet;
if (/^https?:\/\//.test(args.jwks)) {
	// Bounded: a test must not hang on a server that never answers.
	keySet = createRemoteJWKSet(new URL(args.jwks), { timeoutDuration: 5000 });
	// Fetch now, so that an unreachable or invalid JWKS is exit 2, not a
	// refusal of the token.
	try {
		await keySet.reload();
	} catch (e) {
		die(`${args.jwks}: ${e.code ?? 'ERR'}: ${e.message}`);
	}
} else {
	try {
		keySet = createLocalJWKSet(JSON.parse(readFileSync(args.jwks, 'utf8')));
	} catch (e) {
		die(`${args.jwks}: ${e.message}`);
	}
}

const options = { issuer: args.iss, audience: args.aud };
if (args.typ !== undefined)
	options.typ = args.typ;
if (args.algs.length > 0)
	options.algorithms = args.algs;

try {
	const { payload, protectedHeader } = await jwtVerify(args.token, keySet, options);
	process.stdout.write(`${JSON.stringify({ header: protectedHeader, payload })}\n`);
	process.exit(0);
} catch (e) {
	process.stderr.write(`refused: ${e.code ?? 'ERR'}: ${e.message}\n`);
	process.exit(1);
}

// statuslist-read.mjs - reads a Status List Token
// (draft-ietf-oauth-status-list-21) as a verifier that is not jwt-fcgi
// would: the npm `jose` package checks the signature against the mint's
// JWKS and the header's typ, node's own zlib inflates the list.
//
//   node statuslist-read.mjs JWKS JWT-FILE URI [IDX...]
//
// Checks typ "statuslist+jwt", sub == URI, iat, exp > now, ttl a positive
// number, status_list.bits 1 or 2, lst base64url of zlib (RFC 1950), then
// prints one JSON object: {"bits", "n" (statuses), "ttl", "lifetime"
// (exp - iat), "statuses": [value...]} with the status at each IDX in
// the order given,
// read LSB first (§4.1). Exit 1 with the reason on stderr when anything
// is wrong; 2 for usage.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { createLocalJWKSet, jwtVerify } from 'jose';

function fail(code, msg) {
	process.stderr.write(`statuslist-read.mjs: ${msg}\n`);
	process.exit(code);
}

const [jwksFile, jwtFile, uri, ...idx] = process.argv.slice(2);
if (!jwksFile || !jwtFile || !uri)
	fail(2, 'usage: node statuslist-read.mjs JWKS JWT-FILE URI [IDX...]');
const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
const jwt = readFileSync(jwtFile, 'utf8').trim();

let res;
try {
	res = await jwtVerify(jwt, jwks, { typ: 'statuslist+jwt', subject: uri });
} catch (e) {
	fail(1, `${e.code}: ${e.message}`);
}
const { payload, protectedHeader } = res;
if (protectedHeader.typ !== 'statuslist+jwt')
	fail(1, `typ is ${protectedHeader.typ}, not exactly statuslist+jwt`);
if (!Number.isInteger(payload.iat) || !Number.isInteger(payload.exp))
	fail(1, 'iat and exp must be integers');
if (!Number.isInteger(payload.ttl) || payload.ttl <= 0)
	fail(1, 'ttl must be a positive integer');
const sl = payload.status_list;
if (!sl || (sl.bits !== 1 && sl.bits !== 2) || typeof sl.lst !== 'string')
	fail(1, `bad status_list ${JSON.stringify(sl)}`);
if (!/^[A-Za-z0-9_-]*$/.test(sl.lst))
	fail(1, 'lst is not base64url without padding');
let bytes;
try {
	bytes = inflateSync(Buffer.from(sl.lst, 'base64url'));
} catch (e) {
	fail(1, `lst does not inflate (zlib): ${e.message}`);
}
const n = (bytes.length * 8) / sl.bits;
const statuses = [];
for (const s of idx) {
	const i = Number(s);
	if (!Number.isInteger(i) || i < 0 || i >= n)
		fail(1, `index ${s} is not in the list of ${n}`);
	const bit = i * sl.bits;
	statuses.push((bytes[bit >> 3] >> (bit & 7)) & ((1 << sl.bits) - 1));
}
process.stdout.write(JSON.stringify({ bits: sl.bits, n, ttl: payload.ttl,
	lifetime: payload.exp - payload.iat, statuses }) + '\n');

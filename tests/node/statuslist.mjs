// statuslist.mjs - Token Status Lists (draft-ietf-oauth-status-list-21)
// made and read by an implementation that is not jwt-fcgi's: node's zlib
// and the npm `jose` package. Used by tests/status_authz.bats to publish
// the lists the authorizer fetches, and to cross-check oauth/slist.c.
//
//   node statuslist.mjs encode BITS N [IDX=VAL ...]
//        the status_list object {"bits","lst"} of N statuses, all 0
//        (VALID) but those given
//   node statuslist.mjs decode JSON
//        the statuses of a status_list object, one line, spaces
//   node statuslist.mjs sign KEY.pem ISS URI BITS N [IDX=VAL ...]
//        [--kid KID] [--ttl S] [--life S] [--typ TYP]
//        a Status List Token (§5.1): typ statuslist+jwt, iss, sub = URI,
//        iat now, exp now + life (default 600), ttl, status_list; ES256
// Exit 0 ok, 1 refused, 2 usage.
import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync, constants } from 'node:zlib';
import { importPKCS8, SignJWT } from 'jose';

function die(msg, code = 2) {
	process.stderr.write(`statuslist.mjs: ${msg}\n`);
	process.exit(code);
}

// §4.1: status i in bits [i*bits, (i+1)*bits), from the least
// significant bit of byte 0.
function pack(bits, n, sets) {
	if (![1, 2, 4, 8].includes(bits) || !(n > 0) || (n * bits) % 8)
		die(`bad list shape: ${bits} bits x ${n}`);
	const b = Buffer.alloc((n * bits) / 8);
	for (const s of sets) {
		const m = /^(\d+)=(\d+)$/.exec(s);
		if (!m || +m[1] >= n || +m[2] >= 1 << bits)
			die(`bad IDX=VAL: ${s}`);
		const i = +m[1] * bits;
		b[i >> 3] |= +m[2] << (i & 7);
	}
	return b;
}

function encode(bits, n, sets) {
	const z = deflateSync(pack(bits, n, sets), { level: constants.Z_BEST_COMPRESSION });
	return { bits, lst: z.toString('base64url') };
}

function decode(sl) {
	if (![1, 2, 4, 8].includes(sl.bits) || typeof sl.lst !== 'string')
		die('not a status_list object', 1);
	const b = inflateSync(Buffer.from(sl.lst, 'base64url'));
	const out = [];
	for (let i = 0; i < (b.length * 8) / sl.bits; i++) {
		const at = i * sl.bits;
		out.push((b[at >> 3] >> (at & 7)) & ((1 << sl.bits) - 1));
	}
	return out;
}

const argv = process.argv.slice(2);
const opt = { life: 600, ttl: 60, typ: 'statuslist+jwt' };
const pos = [];
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	if (['--kid', '--ttl', '--life', '--typ'].includes(a)) {
		if (i + 1 >= argv.length)
			die(`${a} needs a value`);
		opt[a.slice(2)] = argv[++i];
	} else {
		pos.push(a);
	}
}
const cmd = pos.shift();
if (cmd === 'encode' && pos.length >= 2) {
	console.log(JSON.stringify(encode(+pos[0], +pos[1], pos.slice(2))));
} else if (cmd === 'decode' && pos.length === 1) {
	console.log(decode(JSON.parse(pos[0])).join(' '));
} else if (cmd === 'sign' && pos.length >= 5) {
	const [keyPath, iss, uri, bits, n, ...sets] = pos;
	const key = await importPKCS8(readFileSync(keyPath, 'utf8'), 'ES256');
	const now = Math.floor(Date.now() / 1000);
	const hdr = { alg: 'ES256', typ: opt.typ };
	if (opt.kid)
		hdr.kid = opt.kid;
	const jwt = await new SignJWT({
		iss, sub: uri, iat: now, exp: now + +opt.life, ttl: +opt.ttl,
		status_list: encode(+bits, +n, sets),
	}).setProtectedHeader(hdr).sign(key);
	console.log(jwt);
} else {
	die('usage: encode BITS N [IDX=VAL ...] | decode JSON | sign KEY.pem ISS URI BITS N [IDX=VAL ...] [--kid KID] [--ttl S] [--life S] [--typ TYP]');
}

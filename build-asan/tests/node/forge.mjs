// forge.mjs - makes hostile JWTs for tests/attacks_authz.bats: tokens
// whose header and payload are exact text (so duplicate members, odd
// numbers and deep nesting survive), signed correctly, with the wrong
// kind of key, or with a crafted signature. Node's built-in crypto only:
// it needs no `npm ci`.
//
//   node forge.mjs OUTDIR < RECIPES
//
// One recipe per line: NAME|HEADER|PAYLOAD|OPS. HEADER and PAYLOAD are
// JSON text used byte for byte, or @FILE to read it from FILE. OPS are
// space-separated and applied in this order:
//
//   key=PEM        sign with a private key, by the header's alg (or as=)
//   as=ALG         the algorithm to sign with, when the header lies
//   hmac=FILE      HS256/384/512 with FILE's bytes as the secret
//   hmac-der=PEM   ... with the DER of a PEM public key as the secret
//   hmac-jwk=JWKS  ... with the compact JSON of the JWKS's first key
//   sig=empty      an empty third segment ("h.p.")
//   sig=absent     no third segment at all ("h.p")
//   sig=zero       ECDSA r = s = 0 (CVE-2022-21449, "psychic")
//   sig=n          ECDSA r = s = n, the group order
//   sig=one        ECDSA r = s = 1
//   sig=highs      a real ECDSA signature with s replaced by n - s
//   sig=der        a real ECDSA signature, DER-encoded instead of R||S
//   sig=junk       64 random bytes
//   sig=of:FILE    the signature segment of the token in FILE (splicing)
//   size=N         the token is exactly N bytes: "@PAD@" in the payload
//                  becomes a run of 'x', "@HPAD@" in the header 0-3 of them
//   pad=SEG        append '=' padding to segment SEG (h, p or s)
//   std=SEG        base64 '+' and '/' instead of '-' and '_' in SEG
//   bits=SEG       set the unused low bits of SEG's last character
//   append=TEXT    append TEXT to the token
//
// Writes OUTDIR/NAME.jwt (no newline). A transform that would not change
// the token (std= on a segment without '-' or '_', say) is an error, so a
// case can never silently test the unmodified token. Exit 0 ok, 2 error.
import { createHmac, createPrivateKey, createPublicKey, randomBytes,
	sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const ORDER = {
	ES256: BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'),
	ES384: BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF' +
	    '581A0DB248B0A77AECEC196ACCC52973'),
};
const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function die(msg) {
	process.stderr.write(`forge.mjs: ${msg}\n`);
	process.exit(2);
}

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const text = (s) => (s.startsWith('@') ? readFileSync(s.slice(1), 'utf8') : s);

// The width in bytes of r and s, from the alg (ES256 -> 32).
function ecWidth(alg) {
	if (!ORDER[alg])
		die(`${alg}: not an ECDSA alg this forger knows`);
	return alg === 'ES256' ? 32 : 48;
}

const int2buf = (v, w) => Buffer.from(v.toString(16).padStart(w * 2, '0'), 'hex');

function signWithKey(alg, pem, input) {
	const key = createPrivateKey(readFileSync(pem));
	const m = /^(ES|RS|PS)(256|384|512)$/.exec(alg);
	if (alg === 'EdDSA')
		return sign(null, input, key);
	if (!m)
		die(`cannot sign with alg ${alg} (use as=)`);
	const opt = { key };
	if (m[1] === 'ES')
		opt.dsaEncoding = 'ieee-p1363';
	if (m[1] === 'PS') {
		opt.padding = 6;        // RSA_PKCS1_PSS_PADDING
		opt.saltLength = Number(m[2]) / 8;
	}
	return sign(HASH[m[2]], input, opt);
}

function hmacSecret(op, arg) {
	const raw = readFileSync(arg);
	if (op === 'hmac')
		return raw;
	if (op === 'hmac-der')
		return createPublicKey(raw).export({ type: 'spki', format: 'der' });
	return Buffer.from(JSON.stringify(JSON.parse(raw).keys[0]));
}

// Changes segment i of the token; the change must really change it.
function editSeg(tok, seg, fn, what) {
	const parts = tok.split('.');
	const i = { h: 0, p: 1, s: 2 }[seg];
	if (i === undefined || parts[i] === undefined)
		die(`${what}=${seg}: no such segment`);
	const before = parts[i];
	parts[i] = fn(before);
	if (parts[i] === before)
		die(`${what}=${seg}: segment ${before.slice(0, 16)}... unchanged`);
	return parts.join('.');
}

function forge(name, header, payload, ops) {
	const o = {};
	for (const op of ops) {
		const eq = op.indexOf('=');
		if (eq < 1)
			die(`${name}: bad op ${op}`);
		o[op.slice(0, eq)] = op.slice(eq + 1);
	}
	let hdr = {};
	try {
		hdr = JSON.parse(header.replace('@HPAD@', ''));
	} catch {
		// Not JSON on purpose (an empty header, say): then as= says
		// how to sign.
	}
	const alg = o.as || hdr.alg;
	const build = (hp, pp) => {
		const h = b64u(header.replace('@HPAD@', 'x'.repeat(hp)));
		const p = b64u(payload.replace('@PAD@', 'x'.repeat(pp)));
		return `${h}.${p}`;
	};
	let input = build(0, 0);
	if (o.size !== undefined) {
		// Find paddings that give the exact size, with a signature of
		// the length this alg produces.
		const want = Number(o.size);
		const siglen = b64u(makeSig(name, o, alg, 'x')).length;
		input = null;
		for (let hp = 0; hp < 4 && input === null; hp++)
			for (let pp = 0; pp < want && input === null; pp++) {
				const t = build(hp, pp);
				if (t.length + 1 + siglen === want)
					input = t;
				if (t.length + 1 + siglen > want)
					break;
			}
		if (input === null)
			die(`${name}: no padding gives exactly ${want} bytes`);
	}
	let tok;
	if (o.sig === 'absent')
		tok = input;
	else
		tok = `${input}.${b64u(makeSig(name, o, alg, input))}`;
	if (o.pad)
		tok = editSeg(tok, o.pad, (s) => s + '='.repeat((4 - s.length % 4) % 4), 'pad');
	if (o.std)
		tok = editSeg(tok, o.std, (s) => s.replace(/-/g, '+').replace(/_/g, '/'), 'std');
	if (o.bits)
		tok = editSeg(tok, o.bits, (s) => {
			const spare = { 2: 15, 3: 3 }[s.length % 4];
			if (!spare)
				return s;       // no unused bits: editSeg says so
			const v = B64U.indexOf(s[s.length - 1]);
			return s.slice(0, -1) + B64U[v | spare];
		}, 'bits');
	if (o.append !== undefined)
		tok += o.append;
	return tok;
}

function makeSig(name, o, alg, input) {
	if (o.key && o.hmac)
		die(`${name}: key= and hmac= together`);
	switch (o.sig) {
	case 'empty':
	case 'absent':
		return Buffer.alloc(0);
	case 'zero':
		return Buffer.alloc(2 * ecWidth(alg));
	case 'n':
	case 'one': {
		const w = ecWidth(alg);
		const v = o.sig === 'n' ? ORDER[alg] : 1n;
		return Buffer.concat([int2buf(v, w), int2buf(v, w)]);
	}
	case 'junk':
		return randomBytes(64);
	case undefined:
	case 'highs':
	case 'der':
		break;
	default:
		if (o.sig.startsWith('of:'))
			return Buffer.from(readFileSync(o.sig.slice(3), 'utf8')
			    .trim().split('.')[2], 'base64url');
		die(`${name}: unknown sig=${o.sig}`);
	}
	for (const h of ['hmac', 'hmac-der', 'hmac-jwk']) {
		if (o[h] === undefined)
			continue;
		const m = /^HS(256|384|512)$/.exec(alg);
		if (!m)
			die(`${name}: ${h}= needs an HS alg, not ${alg}`);
		return createHmac(HASH[m[1]], hmacSecret(h, o[h])).update(input).digest();
	}
	if (!o.key)
		die(`${name}: nothing to sign with (key=, hmac= or sig=)`);
	const sig = signWithKey(alg, o.key, input);
	if (o.sig === 'highs') {
		const w = ecWidth(alg), n = ORDER[alg];
		const s = BigInt('0x' + sig.subarray(w).toString('hex'));
		return Buffer.concat([sig.subarray(0, w), int2buf(n - s, w)]);
	}
	if (o.sig === 'der') {
		const key = createPrivateKey(readFileSync(o.key));
		return sign(HASH[alg.slice(2)], input, { key, dsaEncoding: 'der' });
	}
	return sig;
}

const outdir = process.argv[2];
if (!outdir || process.argv.length !== 3)
	die('usage: node forge.mjs OUTDIR < RECIPES');
const lines = readFileSync(0, 'utf8').split('\n');
for (const line of lines) {
	if (line.trim() === '' || line.trimStart().startsWith('#'))
		continue;
	const f = line.split('|');
	if (f.length !== 4)
		die(`expected NAME|HEADER|PAYLOAD|OPS, got: ${line.slice(0, 80)}`);
	// ASCII blanks only: String.trim() would also eat a U+FEFF (BOM)
	// that a case puts there on purpose.
	const [name, h, p, ops] = f.map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
	if (!/^[A-Za-z0-9_.-]+$/.test(name))
		die(`bad case name ${name}`);
	writeFileSync(`${outdir}/${name}.jwt`,
	    forge(name, text(h), text(p), ops.split(/\s+/).filter(Boolean)));
}

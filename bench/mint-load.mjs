// mint-load.mjs - a keep-alive HTTPS load generator that presents a client
// certificate, which wrk cannot. Used by bench/run-mint.sh.
//
//   node mint-load.mjs --url URL --ca CA --cert CERT --key KEY
//       [--conns N] [--duration S] [--body STRING] [--expect-token]
//
// N requests in flight at once, each on its own keep-alive TLS connection
// (an https.Agent with keepAlive and maxSockets N: the handshakes happen
// once, at the start), POSTing BODY as application/x-www-form-urlencoded
// for S seconds. An answer is good when its status is 200 and, with
// --expect-token, its JSON body has a non-empty access_token. Prints one
// JSON line: requests, good, bad (with the first bad answer), errors,
// TLS connections made (and the first one's protocol and cipher), req/s of good answers, latency avg/p50/p99/max
// in ms. Exits 1 when any answer was bad or any request failed.
import https from 'node:https';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
	options: {
		url: { type: 'string' },
		ca: { type: 'string' },
		cert: { type: 'string' },
		key: { type: 'string' },
		conns: { type: 'string', default: '16' },
		duration: { type: 'string', default: '10' },
		body: { type: 'string', default: '' },
		'expect-token': { type: 'boolean', default: false },
		// client_secret_basic instead of a certificate: "id:secret".
		basic: { type: 'string' },
	},
});
for (const k of o.basic ? ['url', 'ca'] : ['url', 'ca', 'cert', 'key']) {
	if (!o[k]) {
		console.error(`mint-load.mjs: --${k} is required`);
		process.exit(2);
	}
}
const conns = Number(o.conns);
const durationMs = Number(o.duration) * 1000;
if (!(conns >= 1 && conns <= 1024 && durationMs > 0)) {
	console.error('mint-load.mjs: --conns 1..1024, --duration > 0');
	process.exit(2);
}

const url = new URL(o.url);
const agent = new https.Agent({
	keepAlive: true,
	maxSockets: conns,
	ca: fs.readFileSync(o.ca),
	...(o.cert ? { cert: fs.readFileSync(o.cert) } : {}),
	...(o.key ? { key: fs.readFileSync(o.key) } : {}),
});
const body = Buffer.from(o.body);
const headers = {
	'Content-Type': 'application/x-www-form-urlencoded',
	'Content-Length': body.length,
};
if (o.basic) {
	// RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
	const i = o.basic.indexOf(':');
	const enc = (x) => encodeURIComponent(x).replace(/%20/g, '+');
	headers.Authorization = 'Basic ' + Buffer.from(
	    enc(o.basic.slice(0, i)) + ':' + enc(o.basic.slice(i + 1))).toString('base64');
}

let tls = 0, protocol = null, cipher = null;
const lat = [];
let good = 0, bad = 0, errors = 0, firstBad = null;
let stopping = false;

// One request; resolves when its answer was read to the end.
function once() {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		const req = https.request({
			agent, method: 'POST', host: url.hostname, port: url.port,
			path: url.pathname + url.search, headers,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
				const text = Buffer.concat(chunks).toString();
				let ok = res.statusCode === 200;
				if (ok && o['expect-token']) {
					try {
						const j = JSON.parse(text);
						ok = typeof j.access_token === 'string' &&
						    j.access_token.length > 0;
					} catch {
						ok = false;
					}
				}
				if (ok) {
					good++;
				} else {
					bad++;
					firstBad ??= `${res.statusCode} ${text.slice(0, 200)}`;
				}
				resolve();
			});
		});
		req.on('socket', (s) => {
			if (!s.jfCounted) {
				s.jfCounted = true;
				s.once('secureConnect', () => {
					tls++;
					protocol ??= s.getProtocol();
					cipher ??= s.getCipher()?.standardName;
				});
			}
		});
		req.on('error', (e) => {
			errors++;
			firstBad ??= `error ${e.code || e.message}`;
			resolve();
		});
		req.end(body);
	});
}

async function loop() {
	while (!stopping)
		await once();
}

const start = process.hrtime.bigint();
setTimeout(() => { stopping = true; }, durationMs);
await Promise.all(Array.from({ length: conns }, loop));
const secs = Number(process.hrtime.bigint() - start) / 1e9;
agent.destroy();

lat.sort((a, b) => a - b);
const pct = (p) => lat.length ? lat[Math.min(lat.length - 1,
    Math.floor(lat.length * p))] : 0;
const avg = lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : 0;
const r3 = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
	requests: good + bad + errors, good, bad, errors, first_bad: firstBad,
	tls_connections: tls, protocol, cipher,
	seconds: r3(secs), rps: Math.round(good / secs),
	avg_ms: r3(avg), p50_ms: r3(pct(0.5)), p99_ms: r3(pct(0.99)),
	max_ms: r3(lat.length ? lat[lat.length - 1] : 0),
}));
process.exit(bad || errors ? 1 : 0);

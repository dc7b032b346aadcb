// http-echo.mjs - an HTTP test backend on a unix socket, for the gateway
// pattern (tests/deploy.bats): answers every request with 200 and a JSON
// object of the request headers it got (lower-cased names, each a list of
// values in the order received), the method and the URL, and appends
// "METHOD URL" to LOG, so a test sees what reached the backend and when.
//
//   node http-echo.mjs SOCKET LOG
//
// The socket is made with mode 0600 (umask around listen): reaching it
// is up to the directory it is in, as the gateway READMEs say.
import { createServer } from 'node:http';
import { appendFileSync, unlinkSync } from 'node:fs';

const [sock, log] = process.argv.slice(2);
if (!sock || !log) {
	process.stderr.write('usage: node http-echo.mjs SOCKET LOG\n');
	process.exit(2);
}
const server = createServer((req, res) => {
	const headers = {};
	for (let i = 0; i < req.rawHeaders.length; i += 2) {
		const k = req.rawHeaders[i].toLowerCase();
		(headers[k] ??= []).push(req.rawHeaders[i + 1]);
	}
	appendFileSync(log, `${req.method} ${req.url}\n`);
	req.resume();
	req.on('end', () => {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify({ method: req.method, url: req.url, headers }) + '\n');
	});
});
try { unlinkSync(sock); } catch { /* not there */ }
const old = process.umask(0o177);
server.listen(sock, () => { process.umask(old); });
for (const s of ['SIGTERM', 'SIGINT']) {
	process.on(s, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
}

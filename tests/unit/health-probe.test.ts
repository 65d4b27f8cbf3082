import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { checkBarrier, probeLiveness } from '../../electron/core/services/health';
import { httpGet } from '../../electron/core/services/http-probe';

const KEY = 'sk-' + 'd'.repeat(64);
const servers: { close(): void }[] = [];
after(() => servers.forEach((s) => s.close()));

/** A tiny gateway double on 127.0.0.1 whose routes the test chooses. */
function serve(handler: http.RequestListener): Promise<string> {
  return new Promise((resolve) => {
    const srv = http.createServer(handler);
    servers.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`));
  });
}

test('liveness: /health/liveliness, falling back to /health/liveness when it is 404', async () => {
  const both = await serve((req, res) => res.writeHead(req.url === '/health/liveliness' ? 200 : 404).end('"I\'m alive!"'));
  assert.equal(await probeLiveness(both), true);
  const onlyOld = await serve((req, res) => res.writeHead(req.url === '/health/liveness' ? 200 : 404).end());
  assert.equal(await probeLiveness(onlyOld), true);
  const sick = await serve((_req, res) => res.writeHead(503).end());
  assert.equal(await probeLiveness(sick), false);
  assert.equal(await probeLiveness('http://127.0.0.1:9'), false, 'nothing listening');
});

test('the barrier: 401 without the key and 200 with it holds', async () => {
  const url = await serve((req, res) => res.writeHead(req.headers.authorization === `Bearer ${KEY}` ? 200 : 401).end('{}'));
  assert.deepEqual(await checkBarrier(url, KEY), { ok: true });
  assert.deepEqual(await checkBarrier(url, null), { ok: true }, 'status checks without the key');
  const wrong = await checkBarrier(url, 'sk-' + 'e'.repeat(64));
  assert.equal(wrong.ok, false);
  assert.ok(!wrong.ok && !wrong.unsafe && /answered HTTP 401, expected 200/.test(wrong.detail));
});

test('an answer without a key is unsafe', async () => {
  const open = await serve((_req, res) => res.writeHead(200).end('{"data":[]}'));
  const r = await checkBarrier(open, KEY);
  assert.ok(!r.ok && r.unsafe && /without a key \(HTTP 200\)/.test(r.detail));
});

test('every probe has a timeout: a server that accepts and never answers', async () => {
  const hang = await serve(() => undefined);
  const t0 = Date.now();
  await assert.rejects(httpGet(hang + '/health/liveliness', { timeoutMs: 300 }), /no answer .* within 300 ms/);
  assert.ok(Date.now() - t0 < 2000);
});

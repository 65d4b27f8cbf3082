// The certificate and key reach a created gateway container through Docker's archive API (no file
// on this machine), into a volume, owned by uid 1000 with mode 0400; the stand-in then serves
// HTTPS as LiteLLM does with SSL_CERTFILE_PATH / SSL_KEYFILE_PATH. Checked with real curl and
// Node clients that trust only the CA.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { createCa, issueGatewayCertificate } from '../../electron/core/tls/local-ca';
import { deliverTlsFiles, tlsEnv, TLS_MOUNT } from '../../electron/core/tls/container-files';

const docker = new Docker();
const IMAGE = 'gatehouse-test/litellm-standin:plain';
const id = crypto.randomBytes(4).toString('hex');
const LABEL = { 'io.gatehouse.test': `tls-standin-${id}` };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tls-standin-'));

after(async () => {
  const filters = { label: [`io.gatehouse.test=tls-standin-${id}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Real curl; `stdin` feeds `-H @-` (headers from stdin), so the key is in no argv and no file. */
function curl(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile('curl', ['-sS', '--max-time', '5', ...args], (err, out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: stderr }));
    child.stdin?.end(stdin ?? '');
  });
}

function nodeGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function waitFor(fn: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

/** Lists a container path's tar entries (name, mode, uid) through Docker's archive API. */
async function listArchive(container: Docker.Container, p: string): Promise<{ name: string; mode: number; uid: number }[]> {
  const stream = (await container.getArchive({ path: p })) as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  const out: { name: string; mode: number; uid: number }[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    out.push({ name, mode: parseInt(h.subarray(100, 108).toString('ascii'), 8) & 0o7777, uid: parseInt(h.subarray(108, 116).toString('ascii'), 8) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

test('the stand-in serves HTTPS from files delivered into its volume; 401 without a key, 200 with it; plain HTTP gets no answer', { timeout: 60_000 }, async () => {
  const key = 'sk-' + crypto.randomBytes(32).toString('hex');
  const port = await freePort();
  const ca = await createCa('tls-test');
  const gw = await issueGatewayCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, ca.certPem);
  const volume = `gh-tls-test-${id}`;
  await docker.createVolume({ Name: volume, Labels: LABEL });
  const container = await docker.createContainer({
    Image: IMAGE,
    Env: [`LITELLM_MASTER_KEY=${key}`, 'STANDIN_BOOT_MS=100', ...Object.entries(tlsEnv()).map(([k, v]) => `${k}=${v}`)],
    Labels: LABEL,
    ExposedPorts: { '4000/tcp': {} },
    HostConfig: { PortBindings: { '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Mounts: [{ Type: 'volume', Source: volume, Target: TLS_MOUNT }] },
  });
  await deliverTlsFiles(container, gw);
  const entries = await listArchive(container, TLS_MOUNT);
  const files = entries.filter((e) => /gateway\.(crt|key)$/.test(e.name));
  assert.deepEqual(files.map((e) => [path.basename(e.name), e.mode, e.uid]).sort(), [['gateway.crt', 0o400, 1000], ['gateway.key', 0o400, 1000]]);
  await container.start();
  const url = `https://127.0.0.1:${port}`;
  await waitFor(async () => (await nodeGet(`${url}/health/liveliness`, ca.certPem)) === 200, 20_000);

  // Node, trusting only the CA.
  assert.equal(await nodeGet(`${url}/v1/models`, ca.certPem), 401);
  assert.equal(await nodeGet(`${url}/v1/models`, ca.certPem, { authorization: `Bearer ${key}` }), 200);
  const other = await createCa('someone-else');
  await assert.rejects(nodeGet(`${url}/v1/models`, other.certPem), /self[- ]signed|unable to verify|certificate/i);

  // curl, trusting only the CA.
  const noKey = await curl(['--cacert', caFile, '-o', '/dev/null', '-w', '%{http_code}', `${url}/v1/models`]);
  assert.equal(noKey.out, '401', noKey.err);
  const withKey = await curl(['--cacert', caFile, '-H', '@-', '-o', '/dev/null', '-w', '%{http_code}', `${url}/v1/models`], `Authorization: Bearer ${key}\n`);
  assert.equal(withKey.out, '200', withKey.err);
  const untrusted = await curl(['-o', '/dev/null', '-w', '%{http_code}', `${url}/v1/models`]);
  assert.notEqual(untrusted.code, 0);
  assert.match(untrusted.err, /certificate/i);

  // Plain HTTP to the same port: no HTTP answer from the gateway.
  const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/v1/models`]);
  assert.notEqual(plain.code, 0, `plain HTTP must fail, got ${plain.out}`);
  assert.equal(plain.out, '000');
});

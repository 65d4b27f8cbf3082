// HTTPS end to end, as a user runs it: `gatehouse tls enable`, then `start` bound to all
// interfaces. https://127.0.0.1:PORT answers 401 without a key and 200 with it to real curl and
// Node clients that trust `gatehouse tls ca` (and nothing else); plain HTTP gets no answer. The
// CA key is in no file; a key rotation keeps the certificate; a certificate renewal keeps the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import crypto from 'node:crypto';
import path from 'node:path';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { createCa, issueGatewayCertificate } from '../../electron/core/tls/local-ca';
import { docker, PLAIN, readAllFiles, runCli, testStack, type TestStack } from './stack-helpers';

let s: TestStack;
let caFile: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tls-stack-'));

before(async () => {
  s = await testStack('tls', PLAIN, { GATEHOUSE_BIND: '0.0.0.0', STANDIN_BOOT_MS: '200' });
  s.writeSettings({ extraEnv: { STANDIN_BOOT_MS: '200' } });
});
after(async () => {
  await s.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function curl(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile('curl', ['-sS', '--max-time', '5', ...args], (err, out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: stderr }));
    child.stdin?.end(stdin);
  });
}

/** Status of GET /v1/models with real curl trusting only the CA; the key (if any) is read from stdin. */
async function curlStatus(key: string | null): Promise<string> {
  const args = ['--cacert', caFile, '-o', '/dev/null', '-w', '%{http_code}'];
  const r = key ? await curl([...args, '-H', '@-', `https://127.0.0.1:${s.port}/v1/models`], `Authorization: Bearer ${key}\n`) : await curl([...args, `https://127.0.0.1:${s.port}/v1/models`]);
  assert.equal(r.code, 0, r.err);
  return r.out;
}

function nodeStatus(key: string | null, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const req = https.get(`https://127.0.0.1:${s.port}/v1/models`, { ca, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function gatewayEnv(name: string): Promise<string | null> {
  const info = await docker.getContainer(`${s.stack}-litellm`).inspect();
  const line = (info.Config.Env ?? []).find((e) => e.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1) : null;
}

async function tlsStatus(): Promise<{ certificate: { sha256: string; names: string[]; daysLeft: number } }> {
  const r = await runCli(['tls', 'status', '--json'], s.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('tls enable, start on 0.0.0.0: HTTPS only, 401 without a key and 200 with it to curl and Node trusting the CA', { timeout: 180_000 }, async () => {
  const enable = await runCli(['tls', 'enable'], s.env);
  assert.equal(enable.code, 0, enable.stderr);
  assert.match(enable.stdout, /TLS: on, certificate from Gatehouse's local CA/);
  const ca = await runCli(['tls', 'ca'], s.env);
  assert.equal(ca.code, 0, ca.stderr);
  assert.match(ca.stdout, /^-----BEGIN CERTIFICATE-----/);
  caFile = path.join(tmp, 'gatehouse-ca.pem');
  fs.writeFileSync(caFile, ca.stdout);

  const start = await runCli(['start'], s.env, { timeoutMs: 120_000 });
  assert.equal(start.code, 0, start.stderr + start.stdout);
  const st = await runCli(['status', '--json'], s.env);
  assert.equal(JSON.parse(st.stdout).url, `https://127.0.0.1:${s.port}`);

  const key = await s.masterKey();
  assert.ok(key);
  assert.equal(await curlStatus(null), '401');
  assert.equal(await curlStatus(key), '200');
  assert.equal(await nodeStatus(null, ca.stdout), 401);
  assert.equal(await nodeStatus(key, ca.stdout), 200);
  // Without the CA, clients refuse the certificate (nothing here is "insecure").
  const untrusted = await curl(['-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${s.port}/v1/models`]);
  assert.notEqual(untrusted.code, 0);
  // Plain HTTP to the same port: no answer from the gateway.
  const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${s.port}/v1/models`]);
  assert.notEqual(plain.code, 0);
  assert.equal(plain.out, '000');

  // The certificate holds every name of the host, as the status says.
  const tls = await tlsStatus();
  for (const name of ['localhost', '127.0.0.1', os.hostname().toLowerCase()]) assert.ok(tls.certificate.names.includes(name), `${name} in ${tls.certificate.names}`);
  assert.equal(await gatewayEnv('GATEHOUSE_TLS_CERT_SHA256'), tls.certificate.sha256);

  // The security view: the gateway is reachable from other machines, over HTTPS; the barrier probe speaks TLS.
  const sec = await runCli(['security', '--json'], s.env, { timeoutMs: 60_000 });
  const checks = JSON.parse(sec.stdout).checks as { id: string; status: string; finding: string }[];
  const tlsCheck = checks.find((c) => c.id === 'tls');
  assert.equal(tlsCheck?.status, 'pass', tlsCheck?.finding);
  assert.match(tlsCheck?.finding ?? '', /valid until \d{4}-\d\d-\d\d \((29|30) days left\)/);
  const barrier = checks.find((c) => c.id === 'barrier');
  assert.equal(barrier?.status, 'pass', barrier?.finding);
  assert.match(barrier?.finding ?? '', /https:\/\/127\.0\.0\.1/);
});

test('the CA key is in the keychain only: in no file of Gatehouse\'s and not in the gateway\'s volume', async () => {
  const store = new KeytarSecretStore(s.service);
  const caKey = await store.get(ACCOUNTS.tlsCaKey);
  assert.ok(caKey && caKey.includes('PRIVATE KEY'));
  // Past the ASN.1 header every P-256 PKCS#8 key shares: the key's own bytes.
  const body = caKey.replace(/-----[^-]+-----/g, '').replace(/\s/g, '').slice(48);
  const files = readAllFiles(s.home).replace(/\s/g, '');
  assert.ok(!files.includes(body.slice(0, 48)), 'no part of the CA key in GATEHOUSE_HOME');
  assert.ok(!readAllFiles(s.home).includes('PRIVATE KEY'), 'no private key at all in GATEHOUSE_HOME');
  // The gateway's volume holds the gateway's own key (it must serve TLS), never the CA's.
  const stream = (await docker.getContainer(`${s.stack}-litellm`).getArchive({ path: '/etc/gatehouse-tls' })) as NodeJS.ReadableStream;
  let tar = '';
  for await (const c of stream) tar += (c as Buffer).toString('latin1');
  assert.ok(!tar.replace(/\s/g, '').includes(body.slice(0, 48)));
  assert.ok(tar.includes('gateway.key') && tar.includes('gateway.crt'));
});

test('rotating the master key keeps the certificate; the rotated gateway serves HTTPS with the new key', { timeout: 180_000 }, async () => {
  const before = await tlsStatus();
  const oldKey = await s.masterKey();
  const rot = await runCli(['key', 'rotate'], s.env, { timeoutMs: 120_000 });
  assert.equal(rot.code, 0, rot.stderr + rot.stdout);
  const newKey = await s.masterKey();
  assert.ok(newKey && newKey !== oldKey);
  const after = await tlsStatus();
  assert.equal(after.certificate.sha256, before.certificate.sha256);
  assert.equal(await gatewayEnv('GATEHOUSE_TLS_CERT_SHA256'), before.certificate.sha256);
  assert.equal(await curlStatus(newKey), '200');
  assert.equal(await curlStatus(oldKey), '401');
});

test('renewing the certificate keeps the master key: a new certificate recreates the gateway with the same key', { timeout: 180_000 }, async () => {
  const before = await tlsStatus();
  const key = await s.masterKey();
  // Gone: the next start must issue a new one (the same happens 7 days before expiry, or when the names change).
  fs.rmSync(path.join(s.home, 'tls', 'gateway.pem'));
  const start = await runCli(['start'], s.env, { timeoutMs: 120_000 });
  assert.equal(start.code, 0, start.stderr + start.stdout);
  const after = await tlsStatus();
  assert.notEqual(after.certificate.sha256, before.certificate.sha256);
  assert.equal(await gatewayEnv('GATEHOUSE_TLS_CERT_SHA256'), after.certificate.sha256, 'the gateway was recreated with the new certificate');
  assert.equal(await s.masterKey(), key);
  assert.equal(await curlStatus(key), '200');
  assert.equal(await curlStatus(null), '401');
});

test('a certificate of your own: checked at enable (a wrong key is refused), served after the restart', { timeout: 180_000 }, async () => {
  const myCa = await createCa('my-own-ca');
  const mine = await issueGatewayCertificate(myCa, { dns: ['gw.example.test'], ips: ['127.0.0.1'] });
  const stranger = await createCa('stranger');
  const certFile = path.join(tmp, 'gw.pem');
  const keyFile = path.join(tmp, 'gw.key');
  const wrongKey = path.join(tmp, 'wrong.key');
  fs.writeFileSync(certFile, mine.certPem + myCa.certPem);
  fs.writeFileSync(keyFile, mine.keyPem, { mode: 0o600 });
  fs.writeFileSync(wrongKey, stranger.keyPem, { mode: 0o600 });

  const refused = await runCli(['tls', 'enable', '--cert', certFile, '--key', wrongKey], s.env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /does not belong to the certificate/);
  assert.match(refused.stderr, /TLS_INVALID/);
  assert.ok(!refused.stderr.includes('PRIVATE KEY'));

  const ok = await runCli(['tls', 'enable', '--cert', certFile, '--key', keyFile], s.env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /TLS: on, your own certificate/);
  const start = await runCli(['start'], s.env, { timeoutMs: 120_000 });
  assert.equal(start.code, 0, start.stderr + start.stdout);
  const myCaFile = path.join(tmp, 'my-ca.pem');
  fs.writeFileSync(myCaFile, myCa.certPem);
  const key = await s.masterKey();
  const withKey = await curl(['--cacert', myCaFile, '-H', '@-', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${s.port}/v1/models`], `Authorization: Bearer ${key}\n`);
  assert.equal(withKey.out, '200', withKey.err);
  // The local CA no longer vouches for this gateway.
  const oldCa = await curl(['--cacert', caFile, '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${s.port}/v1/models`]);
  assert.notEqual(oldCa.code, 0);
  assert.equal(await gatewayEnv('GATEHOUSE_TLS_CERT_SHA256'), new crypto.X509Certificate(mine.certPem).fingerprint256);
});

test('tls disable: the next start serves plain HTTP again', { timeout: 180_000 }, async () => {
  const off = await runCli(['tls', 'disable'], s.env);
  assert.equal(off.code, 0, off.stderr);
  const start = await runCli(['start'], s.env, { timeoutMs: 120_000 });
  assert.equal(start.code, 0, start.stderr + start.stdout);
  const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${s.port}/v1/models`]);
  assert.equal(plain.out, '401', plain.err);
  assert.equal(await gatewayEnv('SSL_CERTFILE_PATH'), null);
});

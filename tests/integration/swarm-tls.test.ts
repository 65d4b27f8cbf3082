/**
 * HTTPS in swarm mode (settings.target "swarm", publish mode host, the seed stand-in): Swarm
 * publishes on every interface, so `tls enable` + `start` must give a gateway service that serves
 * HTTPS only, its certificate and private key as Swarm secrets `<stack>_tls_cert_<fp>` /
 * `<stack>_tls_key_<fp>` (files of the image's user, mode 0400; only their paths in the Env). The
 * TLS key is in no service spec, no task container's inspect and no file Gatehouse writes; a key
 * rotation keeps the certificate; a new certificate updates the service and removes the old pair;
 * a certificate of your own works the same way; the security view passes "HTTPS beyond this
 * machine". The engine is a swarm manager already (useSingleNodeSwarm); only this test's stack is touched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { LABELS } from '../../electron/core/engine/labels';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { createCa, issueGatewayCertificate } from '../../electron/core/tls/local-ca';
import { removeSwarmObjects, useSingleNodeSwarm } from './swarm-helpers';
import { docker, readAllFiles, runCli, SEED, testStack, type TestStack } from './stack-helpers';

interface SecretMount {
  SecretName: string;
  File: { Name: string; UID: string; GID: string; Mode: number };
}
interface ContainerSpecView {
  Env?: string[];
  Secrets: SecretMount[];
  Healthcheck?: { Test: string[] };
}

describe('swarm mode with HTTPS: the certificate and its key as Swarm secrets', () => {
  let t: TestStack;
  let restore: () => Promise<void> = async () => undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-swarm-tls-'));
  let caFile = '';
  let caPem = '';
  const outputs: string[] = [];

  before(async () => {
    ({ restore } = await useSingleNodeSwarm());
    t = await testStack('swtls', SEED);
    t.writeSettings({ target: 'swarm', publishMode: 'host' });
  });
  after(async () => {
    await removeSwarmObjects(t.stack);
    await t.cleanup();
    await restore();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function curl(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = execFile('curl', ['-sS', '--max-time', '5', ...args], (err, out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: stderr }));
      child.stdin?.end(stdin);
    });
  }

  /** GET /v1/models with real curl trusting only `ca`; the key goes in on stdin, never in argv. */
  async function curlStatus(key: string | null, ca = caFile): Promise<string> {
    const args = ['--cacert', ca, '-o', '/dev/null', '-w', '%{http_code}'];
    const url = `https://127.0.0.1:${t.port}/v1/models`;
    const r = key ? await curl([...args, '-H', '@-', url], `Authorization: Bearer ${key}\n`) : await curl([...args, url]);
    assert.equal(r.code, 0, r.err);
    return r.out;
  }

  function nodeStatus(key: string | null, ca: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = https.get(`https://127.0.0.1:${t.port}/v1/models`, { ca, headers: key ? { authorization: `Bearer ${key}` } : {}, agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  }

  async function service() {
    const all = await docker.listServices({ filters: { label: [`${LABELS.stack}=${t.stack}`] } });
    const svc = all.find((s) => s.Spec?.Name === `${t.stack}_litellm`);
    assert.ok(svc, 'the gateway service exists');
    return svc;
  }

  async function tlsSecretNames(): Promise<string[]> {
    const all = await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${t.stack}`] } });
    return all.map((s) => s.Spec?.Name ?? '').filter((n) => /_tls_(cert|key)_/.test(n)).sort();
  }

  async function tlsStatus(): Promise<{ certificate: { sha256: string; names: string[] } }> {
    const r = await runCli(['tls', 'status', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  /** Runs `cmd` in a container as its own user; stdout (demultiplexed) and the exit code. */
  async function execIn(id: string, cmd: string[]): Promise<{ code: number; out: string }> {
    const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise((r) => {
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', r);
      stream.on('close', r);
    });
    // Docker's multiplexed stream: an 8-byte header before each frame.
    const raw = Buffer.concat(chunks);
    let out = '';
    for (let i = 0; i + 8 <= raw.length; ) {
      const len = raw.readUInt32BE(i + 4);
      out += raw.subarray(i + 8, i + 8 + len).toString('utf8');
      i += 8 + len;
    }
    return { code: (await exec.inspect()).ExitCode ?? -1, out };
  }

  async function taskContainers(serviceId: string): Promise<string[]> {
    const tasks = await docker.listTasks({ filters: { service: [serviceId] } });
    return tasks.map((x) => (x as { Status?: { ContainerStatus?: { ContainerID?: string } } }).Status?.ContainerStatus?.ContainerID).filter((x): x is string => !!x);
  }

  /** The private key's own bytes (past the PKCS#8 header every P-256 key shares), whitespace removed. */
  function keyBody(pem: string): string {
    return pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, '').slice(48, 96);
  }

  /** The TLS key `keyPem` and the master key are in no spec, no task container's inspect, no file of Gatehouse's, no output. */
  async function assertKeysNowhere(keyPem: string, masterKey: string): Promise<void> {
    const body = keyBody(keyPem);
    assert.ok(body.length === 48);
    const svc = await service();
    const specText = JSON.stringify(svc.Spec).replace(/\\n|\s/g, '');
    assert.ok(!specText.includes(body), 'the TLS key is nowhere in the service spec');
    assert.ok(!JSON.stringify(svc).includes('PRIVATE KEY'), 'no private key in the service');
    assert.ok(!JSON.stringify(svc).includes(masterKey), 'the master key is nowhere in the service');
    const ids = await taskContainers(svc.ID);
    assert.ok(ids.length >= 1);
    for (const id of ids) {
      const info = JSON.stringify(await docker.getContainer(id).inspect());
      assert.ok(!info.replace(/\\n|\s/g, '').includes(body), `task container ${id.slice(0, 12)} shows the TLS key to docker inspect`);
      assert.ok(!info.includes('PRIVATE KEY') && !info.includes(masterKey), `task container ${id.slice(0, 12)} shows a secret to docker inspect`);
    }
    const files = readAllFiles(t.home);
    assert.ok(!files.includes('PRIVATE KEY') && !files.replace(/\s/g, '').includes(body), 'no private key in any file Gatehouse writes');
    assert.ok(!files.includes(masterKey));
    for (const o of outputs) assert.ok(!o.includes('PRIVATE KEY') && !o.includes(masterKey));
  }

  test('tls enable + start: HTTPS only, key 200 / no key 401 trusting the CA; certificate and key as Swarm secrets, 0400 for the image\'s user', { timeout: 240_000 }, async () => {
    const enable = await runCli(['tls', 'enable'], t.env);
    assert.equal(enable.code, 0, enable.stderr);
    const ca = await runCli(['tls', 'ca'], t.env);
    assert.equal(ca.code, 0, ca.stderr);
    caPem = ca.stdout;
    caFile = path.join(tmp, 'ca.pem');
    fs.writeFileSync(caFile, caPem);

    const start = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    outputs.push(start.stdout, start.stderr);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const st = await runCli(['status', '--json'], t.env);
    assert.equal(st.code, 0, st.stderr);
    const status = JSON.parse(st.stdout) as { state: string; url: string; replicas: { running: number } };
    assert.equal(status.url, `https://127.0.0.1:${t.port}`);
    assert.equal(status.state, 'healthy', 'the status probe speaks TLS and trusts the CA');

    const key = (await t.masterKey())!;
    assert.ok(key);
    assert.equal(await curlStatus(null), '401');
    assert.equal(await curlStatus(key), '200');
    assert.equal(await nodeStatus(null, caPem), 401);
    assert.equal(await nodeStatus(key, caPem), 200);
    const untrusted = await curl(['-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${t.port}/v1/models`]);
    assert.notEqual(untrusted.code, 0, 'a client that does not trust the CA refuses the certificate');
    const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${t.port}/v1/models`]);
    assert.notEqual(plain.code, 0, 'plain HTTP gets no answer from the gateway');
    assert.equal(plain.out, '000');

    // Swarm publishes on every interface: the certificate holds the host's names, not only the loopback bindAddress.
    const tls = await tlsStatus();
    for (const name of ['localhost', '127.0.0.1', os.hostname().toLowerCase()]) assert.ok(tls.certificate.names.includes(name), `${name} in ${tls.certificate.names}`);

    const store = new KeytarSecretStore(t.service);
    const tlsKey = (await store.get(ACCOUNTS.tlsGatewayKey))!;
    assert.ok(tlsKey.includes('PRIVATE KEY'));
    const certPem = fs.readFileSync(path.join(t.home, 'tls', 'gateway.pem'), 'utf8');
    const certName = `${t.stack}_tls_cert_${fingerprint(certPem).slice('sha256:'.length)}`;
    const keyName = `${t.stack}_tls_key_${fingerprint(tlsKey).slice('sha256:'.length)}`;
    assert.deepEqual(await tlsSecretNames(), [certName, keyName].sort());
    const secrets = await docker.listSecrets({ filters: { name: [keyName] } });
    assert.equal(secrets[0]?.Spec?.Labels?.[LABELS.stack], t.stack);
    assert.equal(secrets[0]?.Spec?.Labels?.[LABELS.role], 'gateway');

    const svc = await service();
    const cs = (svc.Spec?.TaskTemplate as { ContainerSpec: ContainerSpecView }).ContainerSpec;
    for (const name of [certName, keyName]) {
      const m = cs.Secrets.find((s) => s.SecretName === name);
      assert.deepEqual(m?.File, { Name: name, UID: '1000', GID: '1000', Mode: 0o400 }, `${name} is a file of the image's user (claude, 1000), mode 0400`);
    }
    assert.ok((cs.Env ?? []).includes(`SSL_CERTFILE_PATH=/run/secrets/${certName}`));
    assert.ok((cs.Env ?? []).includes(`SSL_KEYFILE_PATH=/run/secrets/${keyName}`));
    assert.deepEqual(cs.Healthcheck?.Test, ['NONE'], 'the image\'s plain-HTTP health check is off, as in container mode');

    // In the task: the key file is the image user's alone; the task runs as that user.
    const [id] = await taskContainers(svc.ID);
    const owner = await execIn(id!, ['/bin/sh', '-c', `id -u; stat -c '%u %g %a' /run/secrets/${keyName} /run/secrets/${certName}`]);
    assert.equal(owner.code, 0, owner.out);
    assert.deepEqual(owner.out.trim().split('\n'), ['1000', '1000 1000 400', '1000 1000 400']);

    await assertKeysNowhere(tlsKey, key);
  });

  test('gatehouse security --json: "HTTPS beyond this machine" passes; the barrier is probed over HTTPS', { timeout: 120_000 }, async () => {
    const sec = await runCli(['security', '--json'], t.env, { timeoutMs: 90_000 });
    outputs.push(sec.stdout, sec.stderr);
    const checks = JSON.parse(sec.stdout).checks as { id: string; status: string; finding: string }[];
    const tlsCheck = checks.find((c) => c.id === 'tls');
    assert.equal(tlsCheck?.status, 'pass', tlsCheck?.finding);
    assert.match(tlsCheck?.finding ?? '', /serves HTTPS with a certificate for .*valid until \d{4}-\d\d-\d\d/);
    const barrier = checks.find((c) => c.id === 'barrier');
    assert.equal(barrier?.status, 'pass', barrier?.finding);
    assert.match(barrier?.finding ?? '', /https:\/\/127\.0\.0\.1/);
    const placement = checks.find((c) => c.id === 'key-placement');
    assert.equal(placement?.status, 'pass', placement?.finding);
  });

  test('key rotate keeps the certificate and its secrets; the new key is served over HTTPS, the old one refused', { timeout: 240_000 }, async () => {
    const before = await tlsStatus();
    const secretsBefore = await tlsSecretNames();
    const oldKey = (await t.masterKey())!;
    const rot = await runCli(['key', 'rotate'], t.env, { timeoutMs: 180_000 });
    outputs.push(rot.stdout, rot.stderr);
    assert.equal(rot.code, 0, rot.stderr + rot.stdout);
    const newKey = (await t.masterKey())!;
    assert.notEqual(newKey, oldKey);
    assert.equal((await tlsStatus()).certificate.sha256, before.certificate.sha256);
    assert.deepEqual(await tlsSecretNames(), secretsBefore);
    assert.equal(await curlStatus(newKey), '200');
    assert.equal(await curlStatus(oldKey), '401');
    assert.equal(await curlStatus(null), '401');
  });

  test('a new certificate (renewal at start) updates the service to a new pair of secrets; the old pair is removed; the key is kept', { timeout: 240_000 }, async () => {
    const before = await tlsStatus();
    const secretsBefore = await tlsSecretNames();
    const key = (await t.masterKey())!;
    // Gone: the start must issue a new one (as it does 7 days before expiry or when the names change).
    fs.rmSync(path.join(t.home, 'tls', 'gateway.pem'));
    const start = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    outputs.push(start.stdout, start.stderr);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const after = await tlsStatus();
    assert.notEqual(after.certificate.sha256, before.certificate.sha256);
    const now = await tlsSecretNames();
    assert.equal(now.length, 2);
    assert.ok(!now.some((n) => secretsBefore.includes(n)), `the old pair is removed (before ${secretsBefore}, now ${now})`);
    const cs = ((await service()).Spec?.TaskTemplate as { ContainerSpec: ContainerSpecView }).ContainerSpec;
    assert.deepEqual(cs.Secrets.map((s) => s.SecretName).filter((n) => /_tls_/.test(n)).sort(), now);
    assert.equal(await t.masterKey(), key);
    assert.equal(await curlStatus(key), '200');
    assert.equal(await curlStatus(null), '401');
    // The task serves the new certificate.
    const served = await new Promise<string>((resolve, reject) => {
      const req = https.get(`https://127.0.0.1:${t.port}/health/liveliness`, { ca: caPem, agent: false, timeout: 5000 }, (res) => {
        resolve((res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '');
        res.resume();
      });
      req.on('error', reject);
    });
    assert.equal(served, after.certificate.sha256);
    await assertKeysNowhere((await new KeytarSecretStore(t.service).get(ACCOUNTS.tlsGatewayKey))!, key);
  });

  test('a certificate of your own (tls enable --cert --key) is served the same way; its key in no spec', { timeout: 240_000 }, async () => {
    const myCa = await createCa('my-own-ca');
    const mine = await issueGatewayCertificate(myCa, { dns: ['gw.example.test', 'localhost'], ips: ['127.0.0.1'] });
    const certFile = path.join(tmp, 'gw.pem');
    const keyFile = path.join(tmp, 'gw.key');
    fs.writeFileSync(certFile, mine.certPem + myCa.certPem);
    fs.writeFileSync(keyFile, mine.keyPem, { mode: 0o600 });
    const localPair = await tlsSecretNames();
    const ok = await runCli(['tls', 'enable', '--cert', certFile, '--key', keyFile], t.env);
    assert.equal(ok.code, 0, ok.stderr);
    const start = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    outputs.push(start.stdout, start.stderr);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const myCaFile = path.join(tmp, 'my-ca.pem');
    fs.writeFileSync(myCaFile, myCa.certPem);
    const key = (await t.masterKey())!;
    assert.equal(await curlStatus(key, myCaFile), '200');
    assert.equal(await curlStatus(null, myCaFile), '401');
    const names = await tlsSecretNames();
    assert.deepEqual(names, [`${t.stack}_tls_cert_${fingerprint(mine.certPem + myCa.certPem).slice(7)}`, `${t.stack}_tls_key_${fingerprint(mine.keyPem).slice(7)}`].sort());
    assert.ok(!names.some((n) => localPair.includes(n)), 'the local CA\'s pair is removed');
    const served = await new Promise<string>((resolve, reject) => {
      const req = https.get(`https://127.0.0.1:${t.port}/health/liveliness`, { ca: myCa.certPem, agent: false, timeout: 5000 }, (res) => {
        resolve((res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '');
        res.resume();
      });
      req.on('error', reject);
    });
    assert.equal(served, new crypto.X509Certificate(mine.certPem).fingerprint256);
    await assertKeysNowhere(mine.keyPem, key);
  });

  test('stop scales the service to 0; its secrets stay until the next deploy', { timeout: 120_000 }, async () => {
    const stop = await runCli(['stop'], t.env, { timeoutMs: 90_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string; replicas: { running: number; desired: number } };
    assert.equal(st.state, 'stopped');
    assert.deepEqual(st.replicas, { running: 0, desired: 0 });
    assert.equal((await tlsSecretNames()).length, 2);
  });
});

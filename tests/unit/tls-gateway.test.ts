// The gateway service with HTTPS, against the in-memory engine: the plan's URL is https, a gateway
// created with the TLS environment mounts the stack's TLS volume, has the image's plain-HTTP health
// check off and gets its certificate and key copied in before it can start; a failed copy removes
// the container; a new certificate is a difference (recreate). The one HTTP probe verifies an
// https:// gateway against the certificates registered for its port, and only those.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../../shared/api';
import { GatehouseError, isGatehouseError } from '../../electron/core/errors';
import { LABELS } from '../../electron/core/engine/labels';
import { GatewayService } from '../../electron/core/services/gateway';
import { httpGet } from '../../electron/core/services/http-probe';
import { SettingsStore } from '../../electron/core/settings';
import { CERT_ENV, TLS_MOUNT, tlsEnv } from '../../electron/core/tls/container-files';
import { createCa, issueGatewayCertificate } from '../../electron/core/tls/local-ca';
import { trustGateway } from '../../electron/core/tls/trust-registry';
import { FakeEngine } from '../support/fake-engine';

const IMAGE = 'fake/litellm:1';
const engines: FakeEngine[] = [];
after(async () => {
  for (const e of engines) await e.close();
});

async function setup(files: (sha: string) => Promise<{ certPem: string; keyPem: string }>) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tlsg-'));
  const base = await new SettingsStore({ home, env: { GATEHOUSE_STACK: `tg${crypto.randomBytes(3).toString('hex')}` } }).get();
  const settings: Settings = { ...base, image: IMAGE, bindAddress: '0.0.0.0', tls: { mode: 'local', certFile: null, keyFile: null } };
  const engine = new FakeEngine();
  engines.push(engine);
  engine.images.add(IMAGE);
  const trusted: string[] = [];
  const gateway = new GatewayService(engine, async () => settings, { trust: async () => trusted, filesFor: async (_s, sha) => files(sha) });
  fs.rmSync(home, { recursive: true, force: true });
  return { engine, gateway, settings };
}

const KEY = { LITELLM_MASTER_KEY: 'sk-' + 'a'.repeat(64) };

test('with TLS: https URL, the TLS volume mounted, the image health check off, files copied in before the start', async () => {
  const delivered: string[] = [];
  const t = await setup(async (sha) => {
    delivered.push(sha);
    return { certPem: 'CERT', keyPem: 'KEY' };
  });
  const plan = await t.gateway.plan();
  assert.match(plan.url, /^https:\/\/127\.0\.0\.1:/);
  const env = { ...KEY, ...tlsEnv('AA:BB') };
  const id = await t.gateway.createGateway(plan, env);
  const c = t.engine.containers.get(id)!;
  assert.deepEqual(c.spec.Healthcheck, { Test: ['NONE'] });
  const mounts = (c.spec.HostConfig?.Mounts ?? []).map((m) => `${m.Source}:${m.Target}`);
  assert.ok(mounts.includes(`${plan.stackName}-tls:${TLS_MOUNT}`), mounts.join(' '));
  assert.ok((c.spec.Env ?? []).includes(`SSL_CERTFILE_PATH=${TLS_MOUNT}/gateway.crt`));
  assert.ok((c.spec.Env ?? []).includes(`${CERT_ENV}=AA:BB`));
  assert.deepEqual(delivered, ['AA:BB']);
  assert.deepEqual(t.engine.calls.slice(-2), [`create ${plan.containerName}`, `put-archive ${TLS_MOUNT}`]);
  const vol = t.engine.volumes.get(`${plan.stackName}-tls`);
  assert.equal(vol?.Labels?.[LABELS.role], 'tls');
  // A new certificate is a new environment: the gateway is recreated with it.
  const details = await t.gateway.inspect(id);
  assert.deepEqual(t.gateway.differences(plan, details!, env), []);
  assert.deepEqual(t.gateway.differences(plan, details!, { ...KEY, ...tlsEnv('CC:DD') }), ['environment or secrets changed']);
});

test('without TLS: no TLS volume, no copy, the image health check left alone', async () => {
  const t = await setup(async () => assert.fail('no files without TLS'));
  const plan = { ...(await t.gateway.plan()), url: 'http://127.0.0.1:4000' };
  const id = await t.gateway.createGateway(plan, KEY);
  const c = t.engine.containers.get(id)!;
  assert.equal(c.spec.Healthcheck, undefined);
  assert.equal((c.spec.HostConfig?.Mounts ?? []).length, 1);
  assert.ok(!t.engine.calls.some((x) => x.startsWith('put-archive')));
});

test('a copy that fails removes the container it was for, and says why', async () => {
  const t = await setup(async () => {
    throw new GatehouseError('TLS_INVALID', 'The gateway certificate changed while the gateway was being created.', 'Start the gateway again.');
  });
  const plan = await t.gateway.plan();
  await assert.rejects(t.gateway.createGateway(plan, { ...KEY, ...tlsEnv('AA:BB') }), (err) => isGatehouseError(err, 'TLS_INVALID'));
  assert.equal([...t.engine.containers.values()].length, 0);
});

test('the probe verifies an https:// gateway against the certificates registered for its port, and nothing else', async () => {
  const ca = await createCa('probe-test');
  const other = await createCa('other');
  const gw = await issueGatewayCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const server = https.createServer({ cert: gw.certPem, key: gw.keyPem }, (_req, res) => res.end('"I\'m alive!"'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const url = `https://127.0.0.1:${port}/health/liveliness`;
    // Nothing registered: Node's public roots, which do not know the local CA.
    await assert.rejects(httpGet(url, { timeoutMs: 2000 }), /self[- ]signed|unable to (verify|get)|certificate/i);
    trustGateway(port, [other.certPem]);
    await assert.rejects(httpGet(url, { timeoutMs: 2000 }), /self[- ]signed|unable to (verify|get)|certificate/i);
    trustGateway(port, [ca.certPem]);
    assert.equal((await httpGet(url, { timeoutMs: 2000 })).status, 200);
    // A plain-HTTP probe of a TLS port gets no HTTP answer.
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/health/liveliness`, { timeoutMs: 2000 }));
  } finally {
    trustGateway(port, null);
    server.close();
  }
});

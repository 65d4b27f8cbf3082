// GatewayTls over a real settings file and an in-memory keychain (same get/set/delete contract as
// the keytar store): enable/disable, what lands in files (never a private key), issuance kept
// across starts, renewal when due or when the names change, custom certificates checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsStore } from '../../electron/core/settings';
import { ACCOUNTS, type SecretStore } from '../../electron/core/secrets/secret-store';
import { GatewayTls } from '../../electron/core/tls/gateway-tls';
import { createCa, issueGatewayCertificate } from '../../electron/core/tls/local-ca';
import { certificateInfo, keyMatchesCertificate } from '../../electron/core/tls/certificate-info';
import { isGatehouseError } from '../../electron/core/errors';
import type { HostIdentity } from '../../electron/core/tls/names';

class MemorySecrets implements SecretStore {
  readonly backendName = 'memory';
  readonly values = new Map<string, string>();
  async get(account: string) {
    return this.values.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.values.set(account, secret);
  }
  async delete(account: string) {
    return this.values.delete(account);
  }
}

function setup() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tlsm-'));
  const secrets = new MemorySecrets();
  const settings = new SettingsStore({ home, env: {} });
  let host: HostIdentity = { hostname: 'desk', addresses: ['127.0.0.1', '192.168.1.20'] };
  let now = new Date();
  const tls = new GatewayTls({ home, secrets, settings, host: () => host, now: () => now });
  return {
    home, secrets, settings, tls,
    setHost: (h: HostIdentity) => (host = h),
    advanceDays: (d: number) => (now = new Date(now.getTime() + d * 86_400_000)),
    cleanup: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

test('tls enable: local mode; the CA key and the gateway key only in the keychain; certificates are public files', async () => {
  const t = setup();
  try {
    await t.settings.update({ bindAddress: '0.0.0.0' });
    const st = await t.tls.enableLocal();
    assert.equal(st.mode, 'local');
    assert.equal((await t.settings.get()).tls.mode, 'local');
    assert.deepEqual(st.certificate?.names, ['desk', 'localhost', '127.0.0.1', '192.168.1.20']);
    assert.ok(st.certificate && st.certificate.daysLeft >= 29);
    assert.equal(st.problem, null);
    const caKey = t.secrets.values.get(ACCOUNTS.tlsCaKey);
    const gwKey = t.secrets.values.get(ACCOUNTS.tlsGatewayKey);
    assert.ok(caKey && gwKey);
    const files = filesUnder(t.home);
    assert.deepEqual(files.map((f) => path.relative(t.home, f)).sort(), ['settings.json', 'tls/ca.pem', 'tls/gateway.pem']);
    const caBody = caKey.split('\n').slice(1, -2).join('');
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      assert.ok(!text.includes('PRIVATE KEY'), `${f} holds no private key`);
      assert.ok(!text.replace(/\s/g, '').includes(caBody.slice(0, 40)), `${f} holds no part of the CA key`);
    }
    assert.equal(fs.statSync(t.tls.caFile).mode & 0o777, 0o644);
    assert.equal(await t.tls.caCertificate(), fs.readFileSync(t.tls.caFile, 'utf8'));
  } finally {
    t.cleanup();
  }
});

test('prepare keeps the certificate until it is due; renews 7 days ahead and when the names change, with a new key; the CA stays', async () => {
  const t = setup();
  try {
    await t.settings.update({ bindAddress: '0.0.0.0' });
    await t.tls.enableLocal();
    const caKey = t.secrets.values.get(ACCOUNTS.tlsCaKey);
    const first = await t.tls.prepare(await t.settings.get());
    assert.ok(first && first.renewed === null);
    assert.ok(keyMatchesCertificate(first.certPem, first.keyPem));
    assert.deepEqual(first.trust, [fs.readFileSync(t.tls.caFile, 'utf8')]);

    t.advanceDays(22); // 8 days left
    const again = await t.tls.prepare(await t.settings.get());
    assert.equal(again?.info.sha256, first.info.sha256);
    assert.equal(again?.renewed, null);

    t.advanceDays(2); // under 6 days left
    const renewed = await t.tls.prepare(await t.settings.get());
    assert.match(renewed?.renewed ?? '', /expires in 5 days/);
    assert.notEqual(renewed?.info.sha256, first.info.sha256);
    assert.notEqual(renewed?.keyPem, first.keyPem, 'a new key per certificate');
    assert.equal(t.secrets.values.get(ACCOUNTS.tlsGatewayKey), renewed?.keyPem);
    assert.equal(t.secrets.values.get(ACCOUNTS.tlsCaKey), caKey, 'renewing the certificate keeps the CA');

    t.setHost({ hostname: 'desk', addresses: ['127.0.0.1', '10.1.2.3'] });
    const moved = await t.tls.prepare(await t.settings.get());
    assert.match(moved?.renewed ?? '', /names changed/);
    assert.deepEqual(moved?.info.names.ips, ['10.1.2.3', '127.0.0.1']);
    const st = await t.tls.status();
    assert.equal(st.problem, null);
  } finally {
    t.cleanup();
  }
});

test('a lost CA certificate is made again from the keychain key; the gateway certificate stays valid and is kept', async () => {
  const t = setup();
  try {
    await t.tls.enableLocal();
    const first = await t.tls.prepare(await t.settings.get());
    fs.rmSync(t.tls.caFile);
    const again = await t.tls.prepare(await t.settings.get());
    assert.equal(again?.renewed, null);
    assert.equal(again?.info.sha256, first?.info.sha256);
    assert.ok(fs.existsSync(t.tls.caFile));
    // A lost gateway key means a new certificate.
    t.secrets.values.delete(ACCOUNTS.tlsGatewayKey);
    assert.match((await t.tls.prepare(await t.settings.get()))?.renewed ?? '', /no key/);
  } finally {
    t.cleanup();
  }
});

test('custom certificate: checked at enable (refused without changing the mode), read at each start; disable keeps the CA', async () => {
  const t = setup();
  try {
    const ca = await createCa('elsewhere');
    const pair = await issueGatewayCertificate(ca, { dns: ['gw.example.org'], ips: ['127.0.0.1'] });
    const other = await createCa('elsewhere');
    const certFile = path.join(t.home, 'mine.crt');
    const keyFile = path.join(t.home, 'mine.key');
    fs.writeFileSync(certFile, pair.certPem + ca.certPem);
    fs.writeFileSync(keyFile, other.keyPem, { mode: 0o600 });
    await assert.rejects(t.tls.enableCustom(certFile, keyFile), (err) => isGatehouseError(err, 'TLS_INVALID') && /does not belong/.test(err.message));
    assert.equal((await t.settings.get()).tls.mode, 'off');

    fs.writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
    const st = await t.tls.enableCustom(certFile, keyFile);
    assert.equal(st.mode, 'custom');
    assert.deepEqual((await t.settings.get()).tls, { mode: 'custom', certFile, keyFile });
    assert.match(st.problem ?? '', /does not hold localhost/);
    const m = await t.tls.prepare(await t.settings.get());
    assert.equal(m?.mode, 'custom');
    assert.equal(m?.keyPem, pair.keyPem);
    assert.deepEqual(m?.trust.map((p) => certificateInfo(p).sha256), [certificateInfo(pair.certPem).sha256, certificateInfo(ca.certPem).sha256]);

    await t.tls.enableLocal();
    const caKey = t.secrets.values.get(ACCOUNTS.tlsCaKey);
    const off = await t.tls.disable();
    assert.equal(off.mode, 'off');
    assert.equal(await t.tls.prepare(await t.settings.get()), null);
    assert.equal(t.secrets.values.get(ACCOUNTS.tlsCaKey), caKey);
    assert.ok(off.ca);
  } finally {
    t.cleanup();
  }
});

test('settings: tls.mode custom needs both files', async () => {
  const t = setup();
  try {
    await assert.rejects(t.settings.update({ tls: { mode: 'custom' } }), (err) => isGatehouseError(err, 'SETTINGS_INVALID') && /tls\.certFile/.test(err.message));
  } finally {
    t.cleanup();
  }
});

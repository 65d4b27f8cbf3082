// `gatehouse tls …` in process, over a real settings file and the suite's real keychain: status
// before anything exists, ca creates the CA (its key in the keychain only), enable/disable switch
// the mode, and a half-given custom pair is a usage error (exit 2) that touches nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { runCliInProcess } from '../support/cli-in-process';

let home: string;
let env: NodeJS.ProcessEnv;
const service = `gatehouse-test-tls-cli-${process.pid}`;

before(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tls-cli-'));
  env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: service, DOCKER_HOST: 'unix:///nonexistent.sock' };
  for (const name of ['GATEHOUSE_STACK', 'GATEHOUSE_IMAGE', 'GATEHOUSE_BIND', 'GATEHOUSE_PORT']) delete env[name];
});
after(async () => {
  const store = new KeytarSecretStore(service);
  await store.delete(ACCOUNTS.tlsCaKey).catch(() => false);
  await store.delete(ACCOUNTS.tlsGatewayKey).catch(() => false);
  fs.rmSync(home, { recursive: true, force: true });
});

test('tls status before anything: off, no CA', async () => {
  const r = await runCliInProcess(['tls', 'status', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout);
  assert.equal(st.mode, 'off');
  assert.equal(st.ca, null);
  assert.equal(st.certificate, null);
  assert.match((await runCliInProcess(['tls', 'status'], env)).stdout, /^TLS: off \(plain HTTP\)/);
});

test('a custom pair needs both --cert and --key: exit 2, nothing changed', async () => {
  const r = await runCliInProcess(['tls', 'enable', '--cert', '/tmp/x.pem'], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs both --cert PATH and --key PATH/);
  assert.equal(JSON.parse((await runCliInProcess(['tls', 'status', '--json'], env)).stdout).mode, 'off');
});

test('tls ca prints the CA certificate (created on first use, key in the keychain); enable and disable switch the mode', async () => {
  const ca = await runCliInProcess(['tls', 'ca'], env);
  assert.equal(ca.code, 0, ca.stderr);
  assert.match(ca.stdout, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  assert.equal(fs.readFileSync(path.join(home, 'tls', 'ca.pem'), 'utf8'), ca.stdout);
  assert.match((await new KeytarSecretStore(service).get(ACCOUNTS.tlsCaKey)) ?? '', /BEGIN PRIVATE KEY/);
  const on = await runCliInProcess(['tls', 'enable'], env);
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /Gateway certificate:\n  subject:  CN=localhost/);
  assert.match(on.stdout, /gatehouse restart/);
  // The same CA: enabling does not replace what clients already trust.
  assert.equal((await runCliInProcess(['tls', 'ca'], env)).stdout, ca.stdout);
  const off = await runCliInProcess(['tls', 'disable', '--json'], env);
  assert.equal(JSON.parse(off.stdout).mode, 'off');
  assert.ok(JSON.parse(off.stdout).ca);
});

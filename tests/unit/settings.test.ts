import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsStore, DEFAULT_SETTINGS } from '../../electron/core/settings';
import { isGatehouseError } from '../../electron/core/errors';

function tmpHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gh-settings-'));
}

test('defaults when no settings file exists', async () => {
  const store = new SettingsStore({ home: tmpHome(), env: {} });
  assert.deepEqual(await store.get(), DEFAULT_SETTINGS);
});

test('update is validated, saved atomically as JSON and read back', async () => {
  const home = tmpHome();
  const store = new SettingsStore({ home, env: {} });
  await store.update({ port: 4100, extraEnv: { LITELLM_LOG: 'DEBUG' } });
  const saved = JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));
  assert.equal(saved.port, 4100);
  assert.equal((await new SettingsStore({ home, env: {} }).get()).extraEnv.LITELLM_LOG, 'DEBUG');
  assert.deepEqual(fs.readdirSync(home).filter((f) => f.endsWith('.tmp')), []);
});

test('invalid settings name the field and why', async () => {
  const store = new SettingsStore({ home: tmpHome(), env: {} });
  await assert.rejects(store.update({ port: 70000 }), (err: unknown) => {
    assert.ok(isGatehouseError(err, 'SETTINGS_INVALID'));
    assert.match(err.message, /"port".*between 1 and 65535/);
    return true;
  });
  await assert.rejects(store.update({ extraEnv: { LITELLM_MASTER_KEY: 'x' } }), /extraEnv\.LITELLM_MASTER_KEY.*keychain/);
  await assert.rejects(store.update({ bindAddress: 'localhost:4000' }), /"bindAddress"/);
  await assert.rejects(store.update({ image: 'Not An Image' }), /"image"/);
});

test('environment overrides apply on top and are never saved', async () => {
  const home = tmpHome();
  const env = { GATEHOUSE_PORT: '4555', GATEHOUSE_STACK: 'ci-stack', GATEHOUSE_IMAGE: 'localhost:5000/x:1', GATEHOUSE_BIND: '0.0.0.0' };
  const store = new SettingsStore({ home, env });
  const s = await store.get();
  assert.equal(s.port, 4555);
  assert.equal(s.stackName, 'ci-stack');
  assert.equal(s.image, 'localhost:5000/x:1');
  assert.equal(s.bindAddress, '0.0.0.0');
  await store.update({ clipboardClearSeconds: 45 });
  const saved = JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));
  assert.equal(saved.port, 4000);
  assert.equal(saved.clipboardClearSeconds, 45);
  await assert.rejects(new SettingsStore({ home, env: { GATEHOUSE_PORT: 'abc' } }).get(), /"port"/);
});

test('a settings file that is not JSON is a clear error', async () => {
  const home = tmpHome();
  fs.writeFileSync(path.join(home, 'settings.json'), '{ nope');
  await assert.rejects(new SettingsStore({ home, env: {} }).get(), (err: unknown) => isGatehouseError(err, 'SETTINGS_INVALID') && /not valid JSON/.test((err as Error).message));
});

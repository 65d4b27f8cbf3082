import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsStore, DEFAULT_SETTINGS, SETTINGS_LIMITS } from '../../electron/core/settings';
import { TypedEmitter } from '../../electron/core/typed-emitter';
import { IPC_SCHEMAS } from '../../shared/ipc-schemas';
import type { EventMap } from '../../shared/api';
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

test('get() sees a change another process wrote, without a new store', async () => {
  const home = tmpHome();
  const running = new SettingsStore({ home, env: {} });
  assert.equal((await running.get()).port, 4000);
  await new SettingsStore({ home, env: {} }).update({ port: 4321 });
  assert.equal((await running.get()).port, 4321, 'not a value cached forever');
  const again = await running.get();
  assert.equal(again, await running.get(), 'an unchanged file is not read again');
});

test('watch() announces each change once, from any writer, and nothing for a rewrite with the same values', async () => {
  const home = tmpHome();
  const events = new TypedEmitter<EventMap>();
  const seen: number[] = [];
  events.on('settings:changed', (s) => seen.push(s.port));
  const store = new SettingsStore({ home, env: {}, events, pollMs: 100 });
  await store.get();
  store.watch();
  try {
    await new SettingsStore({ home, env: {} }).update({ port: 4100 });
    await until(() => seen.length === 1);
    await store.update({ port: 4200 }); // this process's own change: one event, not two
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(seen, [4100, 4200]);
    fs.writeFileSync(path.join(home, 'settings.json'), fs.readFileSync(path.join(home, 'settings.json'), 'utf8') + '\n');
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(seen, [4100, 4200]);
  } finally {
    store.close();
  }
});

test('one schema: the store and the window refuse and accept the same bounds', async () => {
  const store = new SettingsStore({ home: tmpHome(), env: {} });
  const cases: [Partial<Record<keyof typeof SETTINGS_LIMITS, number>>, boolean][] = [
    [{ clipboardClearSeconds: 4 }, false],
    [{ clipboardClearSeconds: 5 }, true],
    [{ clipboardClearSeconds: 600 }, true],
    [{ clipboardClearSeconds: 601 }, false],
    [{ keyMaxAgeDays: 3650 }, true],
    [{ keyMaxAgeDays: 3651 }, false],
    [{ logBufferEntries: 999 }, false],
    [{ logBufferEntries: 1_000_000 }, true],
    [{ logBufferEntries: 1_000_001 }, false],
    [{ startTimeoutSeconds: 3601 }, false],
  ];
  for (const [patch, ok] of cases) {
    const ipc = IPC_SCHEMAS['settings:update'].safeParse([patch]).success;
    const core = await store.update(patch).then(() => true, (err: unknown) => (isGatehouseError(err, 'SETTINGS_INVALID') ? false : Promise.reject(err)));
    assert.equal(ipc, ok, `IPC ${JSON.stringify(patch)}`);
    assert.equal(core, ok, `store ${JSON.stringify(patch)}`);
  }
  await assert.rejects(store.update({ clipboardClearSeconds: 601 }), /"clipboardClearSeconds".*between 5 and 600 seconds/);
});

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('watch() still sees changes when the folder watch goes deaf (the folder was replaced): the stat poll finds them', async () => {
  const home = tmpHome();
  const events = new TypedEmitter<EventMap>();
  const seen: number[] = [];
  events.on('settings:changed', (s) => seen.push(s.port));
  const store = new SettingsStore({ home, env: {}, events, pollMs: 100 });
  await store.get();
  store.watch();
  try {
    await new Promise((r) => setTimeout(r, 100)); // the folder watch is in place
    // A new folder under the old name: the watch still points at the removed one.
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(home);
    await new Promise((r) => setTimeout(r, 300));
    await new SettingsStore({ home, env: {} }).update({ port: 4300 });
    await until(() => seen.includes(4300), 2000);
  } finally {
    store.close();
  }
});

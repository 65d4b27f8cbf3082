/**
 * The renderer's state layer and the small rules under its views, in plain Node: the store
 * against a stand-in for window.gatehouse that answers in the bridge's envelope form.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InvokeEnvelope, Settings } from '../../shared/api';
import { announcedMark } from '../../renderer/src/a11y/countdown';
import { AppStore } from '../../renderer/src/state/app-store';
import { exposureText, patchOf } from '../../renderer/src/views/settings/draft';

type Handler = (...args: unknown[]) => unknown;

/** window.gatehouse as the preload exposes it: every call resolves to an envelope. */
function installBridge(handlers: Record<string, Handler>): string[] {
  const calls: string[] = [];
  (globalThis as unknown as { window: unknown }).window = {
    gatehouse: {
      invoke: async (channel: string, ...args: unknown[]): Promise<InvokeEnvelope<unknown>> => {
        calls.push(channel);
        const h = handlers[channel];
        if (!h) return { ok: false, error: { code: 'INTERNAL', message: `no handler for ${channel}`, fix: null } };
        try {
          return { ok: true, value: await h(...args) };
        } catch (err) {
          return { ok: false, error: err as { code: 'INTERNAL'; message: string; fix: string | null } };
        }
      },
      on: () => () => undefined,
    },
  };
  return calls;
}

const SETTINGS = { image: 'img:1', port: 4000, bindAddress: '127.0.0.1', clipboardClearSeconds: 30, keyMaxAgeDays: 90, stopGatewayOnQuit: false, watchedFolders: [], database: { enabled: false } } as unknown as Settings;

describe('renderer state: AppStore', () => {
  it('loads the settings once for every view that asks, and shares them', async () => {
    const calls = installBridge({ 'settings:get': () => SETTINGS });
    const store = new AppStore('dashboard');
    let notified = 0;
    store.subscribe(() => notified++);
    await Promise.all([store.loadSettings(), store.loadSettings(), store.loadSettings()]);
    assert.deepEqual(calls, ['settings:get']);
    assert.equal(store.get().settings, SETTINGS);
    assert.equal(notified, 1);
  });

  it('a failed settings load is shown as the error notice and tried again on the next use', async () => {
    let fail = true;
    installBridge({
      'settings:get': () => {
        if (fail) throw { code: 'SETTINGS_INVALID', message: 'settings.json is not valid JSON.', fix: 'Correct the file.' };
        return SETTINGS;
      },
    });
    const store = new AppStore('settings');
    await store.loadSettings();
    assert.deepEqual(store.get().error, { code: 'SETTINGS_INVALID', message: 'settings.json is not valid JSON.', fix: 'Correct the file.' });
    fail = false;
    await store.loadSettings();
    assert.equal(store.get().settings, SETTINGS);
  });

  it('refresh: Docker faults switch to the trouble screen, other faults to the notice', async () => {
    installBridge({
      'stack:status': () => {
        throw { code: 'DOCKER_UNREACHABLE', message: 'Docker is not running.', fix: 'Start it.' };
      },
      'key:info': () => ({ exists: true }),
    });
    const store = new AppStore('dashboard');
    await store.refresh();
    assert.equal(store.get().booted, true);
    assert.equal(store.get().dockerError?.code, 'DOCKER_UNREACHABLE');
    assert.equal(store.get().error, null);
    // A status from the core means Docker answered.
    store.setStatus({ state: 'stopped' } as never);
    assert.equal(store.get().dockerError, null);
  });

  it('saveSettings makes the saved settings everyone\'s; a refusal throws and changes nothing', async () => {
    installBridge({
      'settings:update': (patch) => {
        if ((patch as { port?: number }).port === 1) throw { code: 'SETTINGS_INVALID', message: 'port is taken', fix: null };
        return { ...SETTINGS, ...(patch as object) };
      },
    });
    const store = new AppStore('settings');
    store.setSettings(SETTINGS);
    await assert.rejects(store.saveSettings({ port: 1 }), /port is taken/);
    assert.equal(store.get().settings, SETTINGS);
    const saved = await store.saveSettings({ port: 4100 });
    assert.equal(saved.port, 4100);
    assert.equal(store.get().settings?.port, 4100);
  });

  it('navigate notifies only on a change of view', () => {
    installBridge({});
    const store = new AppStore('dashboard');
    let notified = 0;
    store.subscribe(() => notified++);
    store.navigate('dashboard');
    store.navigate('logs');
    assert.equal(store.get().view, 'logs');
    assert.equal(notified, 1);
  });
});

describe('renderer rules', () => {
  it('a countdown is announced at the start, every 10 s and at the end, not every second', () => {
    const marks = new Set<number>();
    for (let left = 30; left >= 0; left--) marks.add(announcedMark(left, 30));
    assert.deepEqual([...marks], [30, 20, 10, 0]);
    // A short countdown: its start and its end only.
    assert.deepEqual([...new Set([5, 4, 3, 2, 1, 0].map((l) => announcedMark(l, 5)))], [5, 0]);
  });

  it('the settings patch holds only what the draft changed', () => {
    const draft = { ...SETTINGS, port: 4100, watchedFolders: ['/srv/a'], database: { ...SETTINGS.database, enabled: true } } as Settings;
    assert.deepEqual(patchOf(SETTINGS, SETTINGS), {});
    assert.deepEqual(patchOf(SETTINGS, draft), { port: 4100, watchedFolders: ['/srv/a'], database: { enabled: true } });
  });

  it('the exposure warning appears off loopback and names neither port nor a typed address', () => {
    assert.equal(exposureText('127.0.0.1'), null);
    assert.equal(exposureText('::1'), null);
    assert.match(exposureText('0.0.0.0') ?? '', /every network this computer is on/);
    const custom = exposureText('192.168.1.20') ?? '';
    assert.match(custom, /the networks that address is on/);
    assert.doesNotMatch(custom, /192\.168|4000/);
  });
});

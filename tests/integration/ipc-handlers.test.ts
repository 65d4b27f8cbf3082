/**
 * The handler table over a real core (real keychain, temp GATEHOUSE_HOME), driven through the real
 * registration and preload bridge, with a real X clipboard (private Xvfb + xclip): the main-side
 * rules that live in the handlers themselves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClipboardState, GatehouseBridge, InvokeChannel, InvokeMap } from '../../shared/api';
import { invokeOrThrow, payloadFromError } from '../../shared/bridge-errors';
import { Gatehouse } from '../../electron/core/gatehouse';
import { GatehouseError } from '../../electron/core/errors';
import { ClipboardGuard, secretHash } from '../../electron/core/secrets/clipboard';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { createHandlers } from '../../electron/main/ipc-handlers';
import { registerIpc, trustedPageGate } from '../../electron/main/ipc-main';
import { createBridge } from '../../electron/preload/preload-api';
import { InProcessIpc } from '../support/in-process-ipc';
import { rand } from './stack-helpers';
import { startXvfb, type XServer } from './key-helpers';

const PAGE = 'file:///app/dist/renderer/index.html';

describe('IPC handlers over the real core', () => {
  let core: Gatehouse;
  let bridge: GatehouseBridge;
  /** A call as the renderer makes it: the envelope opened, a failure thrown with its code and fix. */
  const call = <K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']) => invokeOrThrow(bridge, channel, ...args);
  let home: string;
  let revealAllowed = false;
  let userGesture = true;
  let confirmImage = false;
  const imageQuestions: Array<{ from: string; to: string }> = [];
  let exportPath: string | null = null;
  const opened: string[] = [];
  const states: ClipboardState[] = [];
  let x: XServer;
  let clip: SystemClipboard;
  let guard: ClipboardGuard;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-ipc-'));
    const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: `t-ipc-${rand()}`, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-ipc-${rand()}`, GATEHOUSE_PORT: '4999' };
    core = await Gatehouse.open({ env });
    x = await startXvfb();
    clip = new SystemClipboard(x.env);
    guard = new ClipboardGuard(clip, (s) => states.push(s));
    const handlers = createHandlers(core, {
      keyClipboard: guard,
      copyText: async (t) => void (await clip.writeSecret(t)),
      openExternal: async (url) => void opened.push(url),
      hardening: () => {
        throw new GatehouseError('NOT_FOUND', 'There is no Electron window in this test.', null);
      },
      revealAllowed: () => revealAllowed,
      userGesture: () => userGesture,
      confirmImageChange: async (from, to) => {
        imageQuestions.push({ from, to });
        return confirmImage;
      },
      chooseEnvFile: async () => null,
      chooseExportPath: async () => exportPath,
    });
    const ipc = new InProcessIpc();
    registerIpc(ipc.main, handlers, trustedPageGate(PAGE));
    bridge = createBridge(ipc.renderer(() => ({ url: PAGE, parent: null })));
  });

  after(async () => {
    await guard?.dispose();
    await x?.stop();
    for (const account of Object.values(ACCOUNTS)) await core.secrets.delete(account).catch(() => false);
    await core.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('key:create makes a key; key:info describes it by fingerprint only', async () => {
    const info = await call('key:create');
    assert.equal(info.exists, true);
    assert.match(info.fingerprint ?? '', /^sha256:[0-9a-f]{12}$/);
    const key = (await core.keys.get())!;
    assert.ok(!JSON.stringify(await call('key:info')).includes(key));
  });

  test('key:reveal is refused while the window is not in front, and returns the key when it is', async () => {
    revealAllowed = false;
    await assert.rejects(call('key:reveal'), (err: unknown) => payloadFromError(err).code === 'NOT_FOCUSED');
    revealAllowed = true;
    assert.equal(secretHash(await call('key:reveal')), secretHash((await core.keys.get())!));
  });

  test('key:reveal and key:copy are refused without a user gesture main saw, even with the window in front', async () => {
    revealAllowed = true;
    userGesture = false;
    try {
      for (const channel of ['key:reveal', 'key:copy'] as const) {
        await assert.rejects(call(channel), (err: unknown) => {
          const p = payloadFromError(err);
          return p.code === 'NOT_FOCUSED' && /click or key press/.test(p.message) && !p.message.includes('sk-');
        });
      }
      assert.notEqual(secretHash((await clip.readText()) ?? ''), secretHash((await core.keys.get())!), 'nothing was copied');
    } finally {
      userGesture = true;
    }
  });

  test('key:copy puts the key on the clipboard with the configured countdown, never in the reply', async () => {
    const st = await call('key:copy');
    assert.equal(st.active, true);
    assert.equal(st.secondsLeft, 30);
    assert.equal(secretHash((await clip.readText()) ?? ''), secretHash((await core.keys.get())!));
    assert.ok(!JSON.stringify(st).includes((await core.keys.get())!));
    assert.ok(states.some((s) => s.active));
  });

  test('app:open-external opens allow-listed sites only, and opens the normalised URL it checked', async () => {
    await call('app:open-external', 'https://docs.litellm.ai/docs/');
    assert.deepEqual(opened, ['https://docs.litellm.ai/docs/']);
    // Checked and opened as one parsed URL: host lower-cased, dot segments and backslashes resolved.
    await call('app:open-external', 'https://DOCS.litellm.ai/docs/x/../proxy\\quick_start');
    assert.equal(opened[1], 'https://docs.litellm.ai/docs/proxy/quick_start');
    for (const url of ['https://evil.example/', 'https://github.com/someone-else/litellm', 'https://docs.litellm.ai/docs/../blog']) {
      await assert.rejects(call('app:open-external', url), (err: unknown) => payloadFromError(err).code === 'URL_REFUSED');
    }
    assert.equal(opened.length, 2);
  });

  test('logs:export writes where main’s dialog says, and nothing when the user cancels', async () => {
    exportPath = null;
    assert.deepEqual(await call('logs:export', {}, 'text'), { path: null, entries: 0 });
    exportPath = path.join(home, 'export.jsonl');
    const r = await call('logs:export', {}, 'jsonl');
    assert.equal(r.path, exportPath);
    assert.ok(fs.existsSync(exportPath));
  });

  test('settings:update asks main’s dialog before changing the image, and keeps it when declined', async () => {
    const before = (await core.settings.get()).image;
    const other = `${before.split(':')[0]}:other-tag`;
    confirmImage = false;
    await assert.rejects(call('settings:update', { image: other }), (err: unknown) => payloadFromError(err).code === 'CANCELLED');
    assert.deepEqual(imageQuestions, [{ from: before, to: other }]);
    assert.equal((await core.settings.get()).image, before);
    // The same image, or a patch without one, asks nothing.
    await call('settings:update', { image: before, clipboardClearSeconds: 30 });
    assert.equal(imageQuestions.length, 1);
    confirmImage = true;
    assert.equal((await call('settings:update', { image: other })).image, other);
    assert.equal(imageQuestions.length, 2);
    await core.settings.update({ image: before });
  });

  test('settings:update goes through the core’s validation (field, reason and fix cross the bridge)', async () => {
    assert.equal((await call('settings:update', { clipboardClearSeconds: 12 })).clipboardClearSeconds, 12);
    await assert.rejects(call('settings:update', { bindAddress: 'everywhere' }), (err: unknown) => {
      const p = payloadFromError(err);
      return p.code === 'SETTINGS_INVALID' && /bindAddress/.test(p.message) && /Correct "bindAddress"/.test(p.fix ?? '');
    });
  });
});

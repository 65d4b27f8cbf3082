/**
 * The window's side of Connect, Test and client keys: the real handler table, registration and
 * preload bridge over a real core whose stack runs (stand-in gateway + PostgreSQL) with a real X
 * clipboard. Client keys and "Copy with key" reach the clipboard through main's guard (countdown),
 * never an IPC reply; no reply carries the master key or a client key; copies need a user gesture.
 * The gateway here has LiteLLM's Enterprise /key/regenerate (rotation through it).
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
import { ClipboardGuard } from '../../electron/core/secrets/clipboard';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { clientKeyAccount } from '../../electron/core/clients/client-keys';
import { createHandlers } from '../../electron/main/ipc-handlers';
import { registerIpc, trustedPageGate } from '../../electron/main/ipc-main';
import { createBridge } from '../../electron/preload/preload-api';
import { InProcessIpc } from '../support/in-process-ipc';
import { freePort, rand, removeStackObjects, PLAIN } from './stack-helpers';
import { request, settingsWithDatabase } from './database-helpers';
import { startXvfb, type XServer } from './key-helpers';

const PAGE = 'file:///app/dist/renderer/index.html';

describe('clients over IPC, with a running gateway and database', () => {
  let core: Gatehouse;
  let bridge: GatehouseBridge;
  let home: string;
  let port = 0;
  let userGesture = true;
  const replies: string[] = [];
  const states: ClipboardState[] = [];
  const stack = `t-cipc-${rand()}`;
  let x: XServer;
  let clip: SystemClipboard;
  let guard: ClipboardGuard;
  /** A call as the renderer makes it; every reply is kept for the leak check. */
  const call = async <K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']): Promise<InvokeMap[K]['result']> => {
    const r = await invokeOrThrow(bridge, channel, ...args);
    replies.push(JSON.stringify(r ?? null));
    return r;
  };

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-cipc-'));
    port = await freePort();
    // A licensed LiteLLM: /key/regenerate works (the CLI test covers the unlicensed fallback).
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ ...settingsWithDatabase(), extraEnv: { STANDIN_PREMIUM: '1' } }));
    const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: stack, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-${stack}`, GATEHOUSE_PORT: String(port), GATEHOUSE_IMAGE: PLAIN };
    core = await Gatehouse.open({ env });
    x = await startXvfb();
    clip = new SystemClipboard(x.env);
    guard = new ClipboardGuard(clip, (s) => states.push(s));
    const handlers = createHandlers(core, {
      keyClipboard: guard,
      copyText: async (t) => void (await clip.writeSecret(t)),
      openExternal: async () => undefined,
      hardening: () => {
        throw new GatehouseError('NOT_FOUND', 'There is no Electron window in this test.', null);
      },
      revealAllowed: () => false,
      userGesture: () => userGesture,
      confirmImageChange: async () => false,
      chooseEnvFile: async () => null,
      chooseExportPath: async () => null,
    });
    const ipc = new InProcessIpc();
    registerIpc(ipc.main, handlers, trustedPageGate(PAGE));
    bridge = createBridge(ipc.renderer(() => ({ url: PAGE, parent: null })));
    const st = await call('stack:start');
    assert.equal(st.state, 'healthy');
  });

  after(async () => {
    await guard?.dispose();
    await x?.stop();
    await core?.stack.stop().catch(() => undefined);
    await removeStackObjects(stack);
    for (const account of [...Object.values(ACCOUNTS), clientKeyAccount('webui')]) await core?.secrets.delete(account).catch(() => false);
    await core?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('add → copy (guarded clipboard) → test with the client key → connect snippets → rotate → revoke; no key in any reply', async () => {
    const master = (await core.keys.get())!;
    const added = await call('clients:add', 'webui', { budget: 2, expires: '7d' });
    assert.equal(added.name, 'webui');
    assert.equal(added.maxBudget, 2);
    const key1 = (await core.secrets.get(clientKeyAccount('webui')))!;
    assert.match(key1, /^sk-/);
    assert.equal((await call('clients:list')).length, 1);

    // A client key pasted into a file is found by the security checks' disk scan, like the master key.
    const pasted = path.join(home, 'tool-config.json');
    fs.writeFileSync(pasted, JSON.stringify({ apiKey: key1 }), { mode: 0o600 });
    const leaked = (await call('security:run')).checks.find((c) => c.id === 'plaintext');
    assert.equal(leaked?.status, 'fail');
    assert.match(leaked?.finding ?? '', /a client key/);
    assert.match(leaked?.fix ?? '', /gatehouse clients rotate NAME/);
    fs.rmSync(pasted);

    // A copy without a click in the window is refused, and nothing reaches the clipboard.
    userGesture = false;
    try {
      await assert.rejects(call('clients:copy', 'webui'), (e: unknown) => payloadFromError(e).code === 'NOT_FOCUSED');
      await assert.rejects(call('connect:copy', 'shell', 'webui'), (e: unknown) => payloadFromError(e).code === 'NOT_FOCUSED');
      await assert.rejects(call('chain:test', null, null), (e: unknown) => payloadFromError(e).code === 'NOT_FOCUSED', 'a test spends quota: only on a click');
      assert.notEqual(await clip.readText(), key1);
    } finally {
      userGesture = true;
    }
    const copied = await call('clients:copy', 'webui');
    assert.equal(copied.active, true);
    assert.ok(copied.secondsLeft && copied.secondsLeft > 0, 'the countdown runs');
    assert.equal(await clip.readText(), key1, 'the key is on the clipboard');

    // Test and Connect with the client key.
    const ok = await call('chain:test', null, 'webui');
    assert.equal(ok.ok, true, JSON.stringify(ok.error));
    assert.equal(ok.client, 'webui');
    assert.deepEqual(await call('chain:last'), ok);
    const info = await call('connect:info', 'webui');
    assert.equal(info.baseUrl, `http://127.0.0.1:${port}/v1`);
    assert.match(info.snippets.find((s) => s.tool === 'python')!.text, /os\.environ\["OPENAI_API_KEY"\]/);
    const withKey = await call('connect:copy', 'shell', 'webui');
    assert.equal(withKey.active, true);
    assert.equal(await clip.readText(), `export OPENAI_BASE_URL=http://127.0.0.1:${port}/v1\nexport OPENAI_API_KEY='${key1}'`, '"Copy with key": the snippet with the key inline, on the clipboard only');
    await call('connect:copy', 'anthropic', null);
    assert.match((await clip.readText()) ?? '', new RegExp(`ANTHROPIC_AUTH_TOKEN='${master}'`));

    // No Claude login: the test says so, in plain words, over IPC too.
    assert.equal((await request(port, 'POST', '/__standin/claude-login', master, { state: 'none' })).status, 200);
    const failed = await call('chain:test', null, null);
    assert.equal(failed.ok, false);
    assert.equal(failed.error?.cause, 'no-claude-login');
    const report = await call('security:run');
    assert.equal(report.checks.find((c) => c.id === 'claude-login')?.status, 'fail');
    assert.equal((await request(port, 'POST', '/__standin/claude-login', master, { state: 'ok' })).status, 200);

    const rotated = await call('clients:rotate', 'webui');
    const key2 = (await core.secrets.get(clientKeyAccount('webui')))!;
    assert.notEqual(key2, key1);
    assert.equal(rotated.maxBudget, 2);
    assert.equal((await request(port, 'GET', '/v1/models', key1)).status, 401);
    assert.equal((await request(port, 'GET', '/v1/models', key2)).status, 200);
    await call('clients:revoke', 'webui');
    assert.equal((await request(port, 'GET', '/v1/models', key2)).status, 401, 'revoked: refused at once');
    assert.deepEqual(await call('clients:list'), []);

    // Bad arguments are refused by main's schemas before the core sees them.
    await assert.rejects(call('clients:add', '../x', {}), (e: unknown) => payloadFromError(e).code === 'INVALID_ARGUMENT');
    await assert.rejects(call('clients:add', 'x', { expires: 'forever' }), (e: unknown) => payloadFromError(e).code === 'INVALID_ARGUMENT');

    const all = replies.join('\n');
    for (const k of [master, key1, key2]) assert.equal(all.includes(k), false, 'no key in any IPC reply');
    assert.ok(states.some((s) => s.active), 'the guard pushed its countdown');
  });
});

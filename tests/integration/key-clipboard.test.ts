/**
 * Copy with auto-clear against a real X clipboard (a private Xvfb + xclip): the in-process guard
 * the desktop app uses, and `gatehouse key copy` with its detached clear helper.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClipboardState } from '../../shared/api';
import { ClipboardGuard, secretHash } from '../../electron/core/secrets/clipboard';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';
import { generateMasterKey } from '../../electron/core/secrets/master-key';
import { isGatehouseError } from '../../electron/core/errors';
import { testStack, type TestStack } from './stack-helpers';
import { gatehouse, readStateSection, startXvfb, waitFor, type XServer } from './key-helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('clipboard: copy with auto-clear on a real X clipboard', () => {
  let x: XServer;
  let clip: SystemClipboard;
  before(async () => {
    x = await startXvfb();
    clip = new SystemClipboard(x.env);
  });
  after(async () => {
    await x.stop();
  });

  test('xclip backend: write, read back, clear', async () => {
    const key = generateMasterKey();
    const r = await clip.writeSecret(key);
    assert.equal(r.concealed, false, 'xclip cannot add the secret hint (documented)');
    assert.equal(secretHash((await clip.readText()) ?? ''), secretHash(key));
    await clip.clear();
    assert.equal(await clip.readText(), '');
  });

  test('guard: clears when the time is up if the clipboard still holds the key, with a countdown', async () => {
    const states: ClipboardState[] = [];
    const guard = new ClipboardGuard(clip, (s) => states.push(s));
    const key = generateMasterKey();
    const st = await guard.copy(key, 3);
    assert.equal(st.active, true);
    assert.equal(st.secondsLeft, 3);
    assert.equal(secretHash((await clip.readText()) ?? ''), secretHash(key));
    assert.ok(await waitFor(async () => (await clip.readText()) === '', 5000), 'cleared after ~3 s');
    const ticks = states.filter((s) => s.active && (s.secondsLeft === 1 || s.secondsLeft === 2));
    assert.ok(ticks.length >= 1, 'a per-second countdown was pushed: ' + JSON.stringify(states.map((s) => s.secondsLeft)));
    assert.equal(states.at(-1)?.active, false);
    assert.deepEqual(guard.state(), { active: false, clearsAt: null, secondsLeft: null });
  });

  test('guard: the user copied something else meanwhile — it is left alone', async () => {
    const guard = new ClipboardGuard(clip);
    await guard.copy(generateMasterKey(), 1);
    await clip.writeSecret('the user copied this');
    await sleep(1600);
    assert.equal(await clip.readText(), 'the user copied this');
    assert.equal(guard.state().active, false);
  });

  test('guard: dispose (app quit) clears at once', async () => {
    const guard = new ClipboardGuard(clip);
    const key = generateMasterKey();
    await guard.copy(key, 60);
    await guard.dispose();
    assert.equal(await clip.readText(), '');
  });

  test('no display: CLIPBOARD_UNAVAILABLE with a fix', () => {
    assert.throws(
      () => new SystemClipboard({ PATH: process.env.PATH }),
      (err: unknown) => isGatehouseError(err, 'CLIPBOARD_UNAVAILABLE') && /DISPLAY/.test(err.message) && !!err.fix,
    );
  });

  describe('gatehouse key copy (CLI + detached clear helper)', () => {
    let t: TestStack;
    before(async () => {
      t = await testStack('kcopy');
      t.writeSettings({ clipboardClearSeconds: 5 });
      const r = await gatehouse(['key', 'create'], t.env);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => {
      await t.cleanup();
    });

    test('copies, the CLI exits at once, and the helper clears after clipboardClearSeconds', async () => {
      const env = { ...t.env, DISPLAY: x.display, WAYLAND_DISPLAY: '' };
      const started = Date.now();
      const r = await gatehouse(['key', 'copy'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - started < 15_000);
      assert.match(r.stdout, /cleared in 5 s/);
      const key = (await t.masterKey()) as string;
      assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), 'the key is not printed');
      assert.equal(secretHash((await clip.readText()) ?? ''), secretHash(key), 'the clipboard holds the key');
      assert.ok(readStateSection(t.home, 'clipboard'), 'the countdown is recorded (no secret in it)');
      assert.ok(!JSON.stringify(readStateSection(t.home, 'clipboard')).includes(secretHash(key)));
      assert.ok(await waitFor(async () => (await clip.readText()) === '', 9000, 200), 'cleared by the helper');
      assert.ok(Date.now() - started >= 4500, 'not before its time');
    });

    test('leaves a later copy by the user alone', async () => {
      const env = { ...t.env, DISPLAY: x.display, WAYLAND_DISPLAY: '' };
      const r = await gatehouse(['key', 'copy'], env);
      assert.equal(r.code, 0, r.stderr);
      await clip.writeSecret('something the user copied');
      await sleep(6500);
      assert.equal(await clip.readText(), 'something the user copied');
    });
  });
});

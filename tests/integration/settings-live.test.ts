/**
 * Live settings across processes: the core runs here (as the desktop app runs it), and
 * `gatehouse settings set …` runs in another process, as a user would type it. The running
 * core must see each change within a second (one 'settings:changed') and use it: the stack's
 * plan, the log buffer, the key clipboard's countdown and the security checks. Real files, a
 * real keychain (the suite's own gnome-keyring), a real X clipboard (private Xvfb + xclip).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SecurityReport, Settings } from '../../shared/api';
import { Gatehouse } from '../../electron/core/gatehouse';
import { ClipboardGuard, secretHash } from '../../electron/core/secrets/clipboard';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { freePort, rand, runCli } from './stack-helpers';
import { startXvfb, waitFor, type XServer } from './key-helpers';

describe('settings changed by the CLI in another process reach the running core', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let core: Gatehouse;
  let x: XServer;
  let clip: SystemClipboard;
  let guard: ClipboardGuard;
  const changes: { at: number; settings: Settings }[] = [];
  const reports: { at: number; report: SecurityReport }[] = [];
  const latencies: number[] = [];

  /** Runs `gatehouse settings set KEY VALUE` in its own process; resolves with the change the core announced. */
  async function setFromCli(key: string, value: string): Promise<Settings> {
    const before = changes.length;
    const r = await runCli(['settings', 'set', key, value], env);
    assert.equal(r.code, 0, r.stderr);
    // The file's own time is when the other process wrote it; the event must follow within a second.
    const writtenAt = fs.statSync(path.join(home, 'settings.json')).mtimeMs;
    assert.ok(await waitFor(async () => changes.length > before, 3000, 20), `no settings:changed after ${key}`);
    const change = changes[changes.length - 1]!;
    const latency = change.at - writtenAt;
    latencies.push(latency);
    assert.ok(latency < 1000, `settings:changed came ${Math.round(latency)} ms after the write (budget 1000 ms)`);
    assert.equal(changes.length, before + 1, 'one event per change');
    return change.settings;
  }

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-live-'));
    env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: `t-live-${rand()}`, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-live-${rand()}` };
    // The settings changed below must come from the file, not from an override.
    for (const name of ['GATEHOUSE_PORT', 'GATEHOUSE_BIND', 'GATEHOUSE_IMAGE']) delete env[name];
    core = await Gatehouse.open({ env, watchSecurity: true });
    core.events.on('settings:changed', (settings) => changes.push({ at: Date.now(), settings }));
    core.events.on('security:report', (report) => reports.push({ at: Date.now(), report }));
    x = await startXvfb();
    clip = new SystemClipboard(x.env);
    guard = new ClipboardGuard(clip);
    guard.followSettings(core.events);
    await core.keys.ensure(); // the key-age check then states the configured maximum
  });

  after(async () => {
    await guard?.dispose();
    await x?.stop();
    for (const account of Object.values(ACCOUNTS)) await core?.secrets.delete(account).catch(() => false);
    await core?.close();
    fs.rmSync(home, { recursive: true, force: true });
    if (latencies.length) console.log(`# settings:changed after the CLI's write: ${latencies.map((ms) => Math.round(ms)).join(', ')} ms`);
  });

  test('the log engine resizes its buffer', async () => {
    assert.equal(await core.logs.bufferCapacity(), 100_000);
    const s = await setFromCli('logBufferEntries', '2000');
    assert.equal(s.logBufferEntries, 2000);
    assert.equal(await core.logs.bufferCapacity(), 2000);
  });

  test('the stack plans with the new port on its next operation', async () => {
    const port = await freePort();
    assert.notEqual((await core.stack.plan()).port, port);
    await setFromCli('port', String(port));
    const plan = await core.stack.plan();
    assert.equal(plan.port, port);
    assert.equal(plan.url, `http://127.0.0.1:${port}`);
  });

  test('the key clipboard retimes a countdown under way', async () => {
    const secret = `sk-${crypto.randomBytes(24).toString('base64url')}`;
    const copiedAt = Date.now();
    await guard.copy(secret, (await core.settings.get()).clipboardClearSeconds); // 30 s by default
    assert.equal(secretHash((await clip.readText()) ?? ''), secretHash(secret));
    // 20 s: longer than the CLI takes to start on a busy machine, shorter than the 30 s under way.
    await setFromCli('clipboardClearSeconds', '20');
    const state = guard.state();
    assert.equal(state.active, true);
    const clearsIn = Date.parse(state.clearsAt ?? '') - copiedAt;
    assert.ok(clearsIn >= 19_000 && clearsIn <= 21_000, `clears ${clearsIn} ms after the copy, not 30 s`);
    const cleared = async () => ((await clip.readText()) ?? '') === '';
    assert.ok(await waitFor(cleared, copiedAt + 23_000 - Date.now(), 100), 'cleared about 20 s after the copy');
    assert.ok(Date.now() - copiedAt < 29_000, 'well before the 30 s it was copied with');
    assert.equal(guard.state().active, false);
  });

  test('the security monitor re-evaluates with the new settings', async () => {
    const s = await setFromCli('keyMaxAgeDays', '45');
    const changedAt = changes[changes.length - 1]!.at;
    assert.equal(s.keyMaxAgeDays, 45);
    const fresh = await waitFor(async () => reports.some((r) => r.at > changedAt && keyAgeFinding(r.report).includes('after 45 days')), 30_000, 50);
    assert.ok(fresh, `no report with the new maximum; last key-age finding: ${keyAgeFinding(reports[reports.length - 1]?.report)}`);
  });

  test('an identical rewrite announces nothing; an invalid file neither, and get() names it', async () => {
    const before = changes.length;
    const file = path.join(home, 'settings.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8') + '\n');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(changes.length, before);
    fs.writeFileSync(file, '{ "port": "not a port" }');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(changes.length, before, 'a half-written or wrong file is not announced');
    await assert.rejects(core.settings.get(), /Invalid setting "port"/);
    fs.writeFileSync(file, '{}');
    assert.ok(await waitFor(async () => changes.length === before + 1, 2000, 20));
    assert.equal(changes[changes.length - 1]!.settings.port, 4000, 'back to the defaults');
  });
});

function keyAgeFinding(report: SecurityReport | undefined): string {
  return report?.checks.find((c) => c.id === 'key-age')?.finding ?? '(none)';
}

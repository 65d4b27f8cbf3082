/// <reference lib="dom" />
/**
 * The desktop app end to end, in Debian's Chromium: the built renderer, the real preload bridge,
 * IPC registration and handlers, the real core, real Docker (the stand-in image), the real
 * keychain and a real X clipboard (private Xvfb + xclip). Each view is screenshotted into
 * docs/screenshots for the README. The scenarios run in order on one stack: first run, start,
 * copy, rotate, logs, exposure, then Docker unreachable on a core of its own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright';
import type { LogEntry, LogLevel } from '../../shared/api';
import { secretHash } from '../../electron/core/secrets/clipboard';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { SEED, testStack, type TestStack } from '../integration/stack-helpers';
import { authStatus, startXvfb, waitFor, type XServer } from '../integration/key-helpers';
import { launchApp, launchChromium, type AppUnderTest } from './harness';

const START_TIMEOUT = 90_000;

describe('desktop app in Chromium over the real bridge and core', { timeout: 8 * 60_000 }, () => {
  let x: XServer;
  let stack: TestStack;
  let browser: Browser;
  let app: AppUnderTest;
  let clip: SystemClipboard;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    x = await startXvfb();
    stack = await testStack('e2e', SEED);
    env = { ...stack.env, DISPLAY: x.display, WAYLAND_DISPLAY: '' };
    // The shortest clear time the settings allow, so the test sees the clipboard emptied.
    stack.writeSettings({ clipboardClearSeconds: 5 });
    clip = new SystemClipboard(env);
    browser = await launchChromium();
    app = await launchApp({ browser, env, clipboard: clip });
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.cleanup();
    await x?.stop();
  });

  test('first run: no key yet → one click creates it in the keychain', async () => {
    const { page } = app;
    await page.getByTestId('first-run').waitFor({ timeout: 15_000 });
    await app.screenshot('first-run');
    assert.equal(await stack.masterKey(), null);
    await page.getByTestId('create-key').click();
    await page.getByTestId('dashboard').waitFor({ timeout: 15_000 });
    const key = await stack.masterKey();
    assert.ok(key && key.startsWith('sk-'), 'a key now exists in the keychain');
  });

  test('Start → healthy is shown, and the gateway answers 401 without the key and 200 with it', async () => {
    const { page } = app;
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="healthy"]').waitFor({ timeout: START_TIMEOUT });
    const key = (await stack.masterKey())!;
    assert.equal(await authStatus(stack.port, null), 401);
    assert.equal(await authStatus(stack.port, key), 200);
    assert.equal(await page.getByTestId('endpoint-url').textContent(), `http://127.0.0.1:${stack.port}`);
    assert.match((await page.getByTestId('power').textContent()) ?? '', /Stop gateway/);
    // The page never received the key: it is not in the DOM.
    assert.ok(!(await page.content()).includes(key));
    await app.screenshot('dashboard');
  });

  test('Copy → the clipboard holds the key, with a countdown, then it is cleared', async () => {
    const { page } = app;
    await page.locator('[data-view="key"]').click();
    await page.getByTestId('key-view').waitFor();
    const key = (await stack.masterKey())!;
    assert.equal(await page.getByTestId('key-fingerprint').textContent(), fingerprint(key));
    await page.getByTestId('copy-key').click();
    await page.getByTestId('clipboard-countdown').waitFor({ timeout: 5000 });
    assert.equal(secretHash((await clip.readText()) ?? ''), secretHash(key), 'the clipboard holds the key');
    assert.equal(await page.getByTestId('copy-key').textContent(), 'Copied');
    assert.match((await page.getByTestId('clipboard-countdown').textContent()) ?? '', /cleared in \d+ s/);
    assert.ok(!(await page.content()).includes(key), 'copying does not put the key into the page');
    await app.screenshot('key');
    assert.ok(await waitFor(async () => ((await clip.readText()) ?? '') === '', 9000), 'the clipboard is cleared after 5 s');
    await page.getByTestId('clipboard-countdown').waitFor({ state: 'detached', timeout: 3000 });
  });

  test('Reveal shows the key only after the click, and Hide removes it again', async () => {
    const { page } = app;
    const key = (await stack.masterKey())!;
    await page.getByTestId('reveal-key').click();
    await page.waitForFunction((fp) => document.querySelector('[data-testid="key-value"]')?.textContent?.startsWith('sk-') && !document.querySelector('[data-testid="key-value"]')?.textContent?.includes('•'), fingerprint(key), { timeout: 5000 });
    assert.equal(secretHash((await page.getByTestId('key-value').textContent()) ?? ''), secretHash(key));
    assert.equal(await page.getByTestId('reveal-key').textContent(), 'Hide');
    assert.match((await page.getByTestId('reveal-countdown').textContent()) ?? '', /Hidden again in \d+ s/);
    await page.getByTestId('reveal-key').click();
    assert.ok(!(await page.content()).includes(key), 'hidden again');
  });

  test('a revealed key hides itself after 30 seconds', async () => {
    // Playwright's clock drives the page's timers; the key still comes from the real core.
    const timed = await launchApp({ browser, env, clipboard: null, session: false, hash: '#key', beforeLoad: (p) => p.clock.install() });
    try {
      const { page } = timed;
      const key = (await stack.masterKey())!;
      await page.getByTestId('reveal-key').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid="key-value"]')?.textContent?.includes('•'), null, { timeout: 5000 });
      assert.equal(secretHash((await page.getByTestId('key-value').textContent()) ?? ''), secretHash(key));
      await page.clock.runFor(29_000);
      assert.ok((await page.content()).includes(key), 'still shown before 30 s');
      await page.clock.runFor(2_000);
      await page.waitForFunction(() => document.querySelector('[data-testid="key-value"]')?.textContent?.includes('•'), null, { timeout: 5000 });
      assert.ok(!(await page.content()).includes(key), 'hidden after 30 s');
    } finally {
      await timed.close();
    }
  });

  test('Rotate → the steps are shown, a new fingerprint, the old key refused and the new one accepted', async () => {
    const { page } = app;
    const oldKey = (await stack.masterKey())!;
    await page.getByTestId('rotate-key').click();
    await page.getByTestId('rotate-dialog-confirm').click();
    await page.getByTestId('rotation-result').waitFor({ timeout: START_TIMEOUT });
    const newKey = (await stack.masterKey())!;
    assert.notEqual(secretHash(newKey), secretHash(oldKey));
    await page.waitForFunction((fp) => document.querySelector('[data-testid="key-fingerprint"]')?.textContent === fp, fingerprint(newKey), { timeout: 5000 });
    const steps = await page.getByTestId('rotation-steps').textContent();
    assert.match(steps ?? '', /Recreating the gateway/);
    assert.match((await page.getByTestId('rotation-result').textContent()) ?? '', new RegExp(fingerprint(newKey).replace(/[:]/g, '.')));
    assert.equal(await authStatus(stack.port, oldKey), 401, 'old key refused');
    assert.equal(await authStatus(stack.port, newKey), 200, 'new key accepted');
    assert.equal(await authStatus(stack.port, null), 401);
    await app.screenshot('key-rotated');
  });

  test('Logs: the gateway’s lines and grouped warnings are shown, and search finds a line', async () => {
    const { page } = app;
    await page.locator('[data-view="logs"]').click();
    await page.getByTestId('logs-view').waitFor();
    // The stand-in prints a router WARNING at every boot; the log follower brings it in.
    await page.locator('.log-row', { hasText: 'deployments without rpm/tpm limits' }).first().waitFor({ timeout: 20_000 });
    await page.getByTestId('log-search').fill('Uvicorn running');
    await page.waitForFunction(() => /^1 of \d+$|^\d+ of \d+$/.test(document.querySelector('[data-testid="search-count"]')?.textContent ?? ''), null, { timeout: 5000 });
    assert.ok((await page.locator('.log-row.hit mark').count()) >= 1, 'the match is highlighted');
    assert.equal(await page.getByTestId('follow').getAttribute('aria-pressed'), 'false', 'a search pauses follow');
    await app.screenshot('logs');
    // Export: the core writes the filtered, redacted lines where main's save dialog says.
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const note = page.getByText(/^Exported \d+ lines to /);
    await note.waitFor({ timeout: 10_000 });
    const file = /to (.+)$/.exec((await note.textContent()) ?? '')?.[1] ?? '';
    const exported = fs.readFileSync(file, 'utf8');
    assert.match(exported, /Uvicorn running/);
    assert.ok(!exported.includes((await stack.masterKey())!), 'no key in the export');
    await page.getByTestId('warnings-tab').click();
    const group = page.getByTestId('warnings-list').locator('li', { hasText: 'without rpm/tpm limits' }).first();
    await group.waitFor({ timeout: 10_000 });
    assert.match((await group.locator('.warning-count').textContent()) ?? '', /×\d+/);
    await app.screenshot('warnings');
    await group.getByRole('button', { name: 'Acknowledge' }).click();
    await group.getByText('Acknowledged').waitFor({ timeout: 5000 });
  });

  test('Logs: a 100,000-line buffer (pushed through the real bridge) scrolls, virtualised', async () => {
    const { page, core } = app;
    await page.getByRole('tab', { name: /Lines/ }).click();
    await page.getByTestId('log-search').fill('');
    const last = (await core.logs.query({ limit: 1 })).entries.at(-1)?.seq ?? 0;
    const levels: LogLevel[] = ['info', 'info', 'info', 'warning', 'debug'];
    const N = 100_000;
    for (let from = 0; from < N; from += 10_000) {
      const batch: LogEntry[] = [];
      for (let i = from; i < from + 10_000; i++) {
        batch.push({ seq: last + 1 + i, time: new Date(Date.now() - (N - i) * 10).toISOString(), stream: 'stdout', level: levels[i % 5]!, source: 'LiteLLM Proxy', message: `bulk line ${i} model=claude-sonnet status=200`, containerId: null });
      }
      app.emit('logs:appended', batch);
    }
    await app.drained();
    await page.waitForFunction((n) => Number((document.querySelector('[data-testid="log-count"]')?.textContent ?? '').split(' of ')[1]?.replace(/\D/g, '')) >= n, N, { timeout: 20_000 });
    const rendered = await page.locator('.log-row').count();
    assert.ok(rendered > 10 && rendered < 120, `only the visible rows exist in the DOM (${rendered})`);
    // Following: the last line is on screen.
    await page.locator('.log-row', { hasText: `bulk line ${N - 1} ` }).waitFor({ timeout: 5000 });
    // Scroll to the middle and to the top: the rows there are drawn, follow pauses.
    for (const fraction of [0.5, 0]) {
      await page.getByTestId('log-scroller').evaluate((el, f) => {
        el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
      }, fraction);
      await page.waitForTimeout(100);
      const seqs = await page.locator('.log-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
      assert.ok(seqs.length > 10);
      if (fraction === 0) assert.ok(Math.min(...seqs) <= last + 1, 'the oldest lines are drawn at the top');
      else assert.ok(Math.min(...seqs) > last + N * 0.4 && Math.max(...seqs) < last + N * 0.6, `the middle is drawn (${Math.min(...seqs)}…)`);
    }
    assert.equal(await page.getByTestId('follow').getAttribute('aria-pressed'), 'false', 'scrolling up pauses follow');
    // Level filter: warnings and above only.
    await page.getByTestId('level-filter').selectOption('warning');
    await page.waitForFunction(() => /^[\d,]+ of/.test(document.querySelector('[data-testid="log-count"]')?.textContent ?? ''), null);
    const shown = Number(((await page.getByTestId('log-count').textContent()) ?? '').split(' of ')[0]!.replace(/\D/g, ''));
    assert.ok(shown >= N / 5 && shown < N / 4, `level filter keeps the warnings (${shown})`);
    await page.getByTestId('level-filter').selectOption('debug');
    // Clear empties the view and the core's buffer.
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="log-count"]')?.textContent ?? '').startsWith('0 of 0'), null, { timeout: 10_000 });
    assert.equal((await core.logs.query({})).total, 0);
  });

  test('Bind to all interfaces → Settings says what it exposes, and the Security view warns', async () => {
    const { page } = app;
    await page.locator('[data-view="settings"]').click();
    await page.getByTestId('settings-view').waitFor();
    // A fault from the core is shown with its message and its fix.
    await page.locator('#image').fill('Not A Valid Image');
    await page.getByTestId('save-settings').click();
    const alert = page.locator('.notice-error[data-code="SETTINGS_INVALID"]');
    await alert.waitFor({ timeout: 5000 });
    assert.match((await alert.textContent()) ?? '', /image.*not a valid image reference/i);
    assert.match((await alert.locator('.fix').textContent()) ?? '', /Correct "image"/);
    await page.getByRole('button', { name: 'Revert' }).click();
    await page.getByRole('button', { name: 'Dismiss error' }).click();
    await page.getByTestId('bind-select').selectOption('0.0.0.0');
    await page.getByTestId('exposure-warning').waitFor();
    assert.match((await page.getByTestId('exposure-warning').textContent()) ?? '', /reachable from every network/);
    await app.screenshot('settings');
    await page.getByTestId('save-settings').click();
    await page.getByText('Saved.').waitFor({ timeout: 5000 });
    // The running gateway keeps its old binding until it is recreated: stop and start it.
    await page.locator('[data-view="dashboard"]').click();
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="stopped"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="healthy"]').waitFor({ timeout: START_TIMEOUT });
    await page.locator('[data-view="security"]').click();
    const exposure = page.locator('[data-check="exposure"]');
    await exposure.waitFor({ timeout: 60_000 });
    assert.equal(await exposure.getAttribute('data-status'), 'warn');
    assert.match((await exposure.textContent()) ?? '', /Bind to 127\.0\.0\.1 only/);
    await app.screenshot('security');
  });

  test('Settings: Database section and watched folders; a plaintext .env there is imported from the Security view', async () => {
    const { page, core } = app;
    const folder = fs.mkdtempSync(path.join(stack.home, 'project-'));
    const envFile = path.join(folder, '.env');
    const imported = 'sk-' + crypto.randomBytes(32).toString('base64url');
    fs.writeFileSync(envFile, `# compose stack\nLITELLM_MASTER_KEY=${imported}\nLITELLM_LOG=INFO\n`, { mode: 0o640 });
    await page.locator('[data-view="settings"]').click();
    await page.getByTestId('settings-view').waitFor();
    // Database: off, and the volume it would use is shown.
    assert.equal(await page.getByTestId('database-enabled').isChecked(), false);
    assert.match((await page.getByTestId('database-volume').textContent()) ?? '', new RegExp(`^${stack.stack}-db-data`));
    await page.locator('#watch-folder').fill(folder);
    await page.getByTestId('add-folder').click();
    await page.getByTestId('save-settings').click();
    await page.getByText('Saved.').waitFor({ timeout: 5000 });
    assert.deepEqual((await core.settings.get()).watchedFolders, [folder]);
    await page.getByTestId('database-enabled').scrollIntoViewIfNeeded();
    await app.screenshot('settings-database');
    // The plaintext check finds the .env; its fix imports it and scrubs the file.
    await page.locator('[data-view="security"]').click();
    await page.getByRole('button', { name: 'Check again' }).click();
    const check = page.locator('[data-check="plaintext"][data-status="fail"]');
    await check.waitFor({ timeout: 30_000 });
    await check.getByRole('button', { name: 'Import from .env' }).click();
    app.pickEnvFile(envFile); // what the user picks in main's open dialog
    await page.getByRole('button', { name: 'Choose the .env file…' }).click();
    await page.locator('[data-check="plaintext"][data-status="pass"]').waitFor({ timeout: 30_000 });
    assert.equal(fingerprint((await stack.masterKey()) ?? ''), fingerprint(imported), 'the keychain holds the imported key');
    const left = fs.readFileSync(envFile, 'utf8');
    assert.ok(!left.includes(imported) && left.includes('LITELLM_LOG=INFO'), 'the key was scrubbed, the other lines kept');
    assert.equal(fs.statSync(envFile).mode & 0o777, 0o640, 'the file keeps its mode');
    assert.ok(!(await page.content()).includes(imported), 'the page never held the key');
    // As the import result says: restart the gateway so it runs with the imported key.
    await core.stack.stop();
    await core.stack.start();
    // The Dashboard shows the database next to the gateway when the status carries one (pushed
    // through the real bridge as the core would; the database itself has its own suites). A
    // second window without the app session: no real status event replaces the pushed one.
    const real = await core.stack.status();
    const quiet = await launchApp({ browser, env, clipboard: null, session: false });
    try {
      const q = quiet.page;
      await q.locator('#gateway-state[data-state="healthy"]').waitFor({ timeout: 15_000 });
      assert.equal(await q.getByTestId('database-status').count(), 0, 'no database line while it is off');
      quiet.emit('stack:status', {
        ...real,
        database: { state: 'unhealthy', containerId: 'f'.repeat(64), image: 'postgres:16', volume: `${stack.stack}-db-data`, connected: false, detail: 'pg_isready: no response' },
      });
      const db = q.getByTestId('database-status');
      await db.waitFor({ timeout: 5000 });
      assert.equal(await db.getAttribute('data-state'), 'unhealthy');
      assert.match((await db.textContent()) ?? '', new RegExp(`volume ${stack.stack}-db-data · gateway NOT connected · pg_isready: no response`));
      await quiet.screenshot('dashboard-database');
      quiet.emit('stack:status', real);
      await q.getByTestId('database-status').waitFor({ state: 'detached', timeout: 5000 });
    } finally {
      await quiet.close();
    }
    // The page cannot name a file to import: a path argument is refused before the core sees it.
    // The bridge answers with an envelope: the error crosses as data.
    const invoke = (...a: unknown[]) =>
      page.evaluate((args) => (window as unknown as { gatehouse: { invoke: (c: string, ...a: unknown[]) => Promise<unknown> } }).gatehouse.invoke('key:import', ...args), a);
    const refused = (await invoke('/etc/passwd', false)) as { ok: boolean; error?: { code: string } };
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.code, 'INVALID_ARGUMENT');
    // Cancelling the dialog imports nothing.
    assert.deepEqual(await invoke(false), { ok: true, value: null });
  });

  test('dark theme follows the OS', async () => {
    const dark = await launchApp({ browser, env, clipboard: null, colorScheme: 'dark', session: false });
    try {
      await dark.page.getByTestId('dashboard').waitFor({ timeout: 15_000 });
      const bg = await dark.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
      assert.equal(bg, '#0f1115');
      await dark.page.locator('#gateway-state[data-state="healthy"]').waitFor({ timeout: 15_000 });
      await dark.screenshot('dashboard-dark');
    } finally {
      await dark.close();
    }
  });
});

describe('Docker unreachable', { timeout: 2 * 60_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let app: AppUnderTest;

  before(async () => {
    stack = await testStack('e2e-nodocker', SEED);
    browser = await launchChromium();
  });
  after(async () => {
    await app?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.cleanup();
  });

  test('the trouble screen says how to start Docker and retries by itself', async () => {
    app = await launchApp({ browser, env: { ...stack.env, DOCKER_HOST: 'unix:///nonexistent.sock' }, clipboard: null });
    const { page } = app;
    await page.getByTestId('docker-trouble').waitFor({ timeout: 15_000 });
    const text = (await page.getByTestId('docker-trouble').textContent()) ?? '';
    assert.match(text, /Docker is not running/);
    assert.match(text, /unix:\/\/\/nonexistent\.sock/, 'names the endpoint tried');
    assert.match(text, /Start the Docker engine at that address/, 'shows the fix');
    await page.getByTestId('retry-countdown').waitFor();
    await app.screenshot('docker-trouble');
    // It retries on its own: the attempt counter moves without a click.
    await page.waitForFunction(() => /tried \d+ time/.test(document.querySelector('[data-testid="retry-countdown"]')?.textContent ?? ''), null, { timeout: 12_000 });
  });
});

/// <reference lib="dom" />
/**
 * The main scenarios in the real Electron app, through Playwright's _electron.launch: the built
 * main process (dist/electron/main/main.js), the bundled sandboxed preload, the hardened window.
 * They run wherever an Electron binary is installed (a developer's machine, a CI with network);
 * here electron's postinstall download is blocked, so they skip and say why.
 *
 * The app gets a display of its own (a private Xvfb, or Chromium's headless Ozone platform
 * where Xvfb is not installed) and a temporary --user-data-dir, so it never meets a developer's
 * running Gatehouse (which holds the single-instance lock of the default user data folder).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright';
import { SEED, testStack, type TestStack } from '../integration/stack-helpers';
import { authStatus, startXvfb, type XServer } from '../integration/key-helpers';
import { ROOT } from './harness';

const ELECTRON_DIST = path.join(ROOT, 'node_modules', 'electron', 'dist');
const MAIN = path.join(ROOT, 'dist', 'electron', 'main', 'main.js');
const PRELOAD = path.join(ROOT, 'dist', 'preload.cjs');

function skipReason(): string | false {
  if (!fs.existsSync(ELECTRON_DIST)) {
    return `no Electron binary: ${path.relative(ROOT, ELECTRON_DIST)} is absent (electron's postinstall download cannot reach its server on this machine)`;
  }
  if (!fs.existsSync(MAIN) || !fs.existsSync(PRELOAD)) return 'the app is not built: run `npm run build` first';
  return false;
}

const skip = skipReason();

function hasXvfb(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, 'Xvfb')));
}

/** Switches and environment for one launch: its own display (or none needed) and its own user data. */
function launchOptions(base: NodeJS.ProcessEnv, x: XServer | null, userDataDir: string): { args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(x ? { ...base, DISPLAY: x.display } : base)) if (v !== undefined) env[k] = v;
  delete env.WAYLAND_DISPLAY;
  env.ELECTRON_ENABLE_LOGGING = '0';
  const display = x ? [] : ['--ozone-platform=headless'];
  return { args: [...display, `--user-data-dir=${userDataDir}`, ROOT], env };
}

describe('Electron app (_electron.launch)', { timeout: 5 * 60_000 }, () => {
  let stack: TestStack;
  let app: ElectronApplication;
  let page: Page;
  let x: XServer | null = null;
  let userData: string;

  before(async () => {
    if (skip) return;
    stack = await testStack('e2e-electron', SEED);
    x = hasXvfb() ? await startXvfb() : null;
    userData = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-electron-userdata-'));
    const { args, env } = launchOptions(stack.env, x, userData);
    app = await _electron.launch({ args, env, timeout: 60_000 });
    page = await app.firstWindow();
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await x?.stop();
    await stack?.cleanup();
    if (userData) fs.rmSync(userData, { recursive: true, force: true });
  });

  test('Chromium keeps its data in the given --user-data-dir, outside Gatehouse’s home', { skip }, async () => {
    const dirs = await app.evaluate(({ app: a }) => ({ userData: a.getPath('userData'), name: a.getName() }));
    assert.equal(path.resolve(dirs.userData), path.resolve(userData));
    assert.equal(dirs.name, 'Gatehouse');
    const home = stack.env.GATEHOUSE_HOME!;
    assert.ok(!path.resolve(dirs.userData).startsWith(path.resolve(home) + path.sep));
  });

  test('the app binary given a CLI command runs the CLI and exits with its code (the installed `gatehouse`)', { skip }, async () => {
    // The binary's path as electron's own index.js finds it (path.txt), without loading that module.
    const electron = path.join(ELECTRON_DIST, fs.readFileSync(path.join(ROOT, 'node_modules', 'electron', 'path.txt'), 'utf8').trim());
    const { args, env } = launchOptions(stack.env, x, fs.mkdtempSync(path.join(os.tmpdir(), 'gh-electron-cli-')));
    const run = (cli: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(electron, [...args, ...cli], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    const help = await run(['help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: gatehouse <command>/);
    const unknown = await run(['key', 'no-such-command']);
    assert.equal(unknown.code, 2);
  });

  test('the window is hardened: isolation, sandbox, no Node, CSP, no new windows', { skip }, async () => {
    assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined');
    // Only the bridge is exposed: two functions, no ipcRenderer.
    assert.deepEqual(await page.evaluate(() => Object.keys((window as unknown as { gatehouse: object }).gatehouse).sort()), ['invoke', 'on']);
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
    assert.match(csp ?? '', /default-src 'none'/);
    const windows = app.windows().length;
    await page.evaluate(() => window.open('https://example.com/'));
    await page.waitForTimeout(500);
    assert.equal(app.windows().length, windows, 'window.open is denied');
    const url = page.url();
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    assert.equal(page.url(), url, 'navigation away is blocked');
  });

  test('first run → create key → Start → healthy; the gateway answers 401/200', { skip }, async () => {
    await page.getByTestId('first-run').waitFor({ timeout: 20_000 });
    await page.getByTestId('create-key').click();
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="healthy"]').waitFor({ timeout: 90_000 });
    const key = (await stack.masterKey())!;
    assert.equal(await authStatus(stack.port, null), 401);
    assert.equal(await authStatus(stack.port, key), 200);
  });

  test('Rotate → new fingerprint, old key refused', { skip }, async () => {
    const oldKey = (await stack.masterKey())!;
    await page.locator('[data-view="key"]').click();
    await page.getByTestId('rotate-key').click();
    await page.getByTestId('rotate-dialog-confirm').click();
    await page.getByTestId('rotation-result').waitFor({ timeout: 90_000 });
    assert.equal(await authStatus(stack.port, oldKey), 401);
    assert.equal(await authStatus(stack.port, (await stack.masterKey())!), 200);
  });

  test('quitting leaves the gateway running (stopGatewayOnQuit is off by default)', { skip }, async () => {
    await app.close();
    assert.equal(await authStatus(stack.port, (await stack.masterKey())!), 200);
  });
});

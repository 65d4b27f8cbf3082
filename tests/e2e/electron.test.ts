/// <reference lib="dom" />
/**
 * The main scenarios in the real Electron app, through Playwright's _electron.launch: the built
 * main process (dist/electron/main.js), the bundled sandboxed preload, the hardened window.
 * They run wherever an Electron binary is installed (a developer's machine, a CI with network);
 * here electron's postinstall download is blocked, so they skip and say why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright';
import { SEED, testStack, type TestStack } from '../integration/stack-helpers';
import { authStatus } from '../integration/key-helpers';
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

describe('Electron app (_electron.launch)', { timeout: 5 * 60_000 }, () => {
  let stack: TestStack;
  let app: ElectronApplication;
  let page: Page;

  before(async () => {
    if (skip) return;
    stack = await testStack('e2e-electron', SEED);
    app = await _electron.launch({ args: [ROOT], env: { ...stack.env, ELECTRON_ENABLE_LOGGING: '0' } as Record<string, string>, timeout: 60_000 });
    page = await app.firstWindow();
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await stack?.cleanup();
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
    await page.getByTestId('confirm-rotate').click();
    await page.getByTestId('rotation-result').waitFor({ timeout: 90_000 });
    assert.equal(await authStatus(stack.port, oldKey), 401);
    assert.equal(await authStatus(stack.port, (await stack.masterKey())!), 200);
  });

  test('quitting leaves the gateway running (stopGatewayOnQuit is off by default)', { skip }, async () => {
    await app.close();
    assert.equal(await authStatus(stack.port, (await stack.masterKey())!), 200);
  });
});

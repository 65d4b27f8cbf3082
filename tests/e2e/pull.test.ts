/// <reference lib="dom" />
/**
 * Start with an image the engine does not have: the dashboard shows "pulling" with a progress bar
 * fed by the core's real pull progress (Debian's docker-registry on 127.0.0.1:5000), then healthy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright';
import { httpGet } from '../../electron/core/services/http-probe';
import { docker, PLAIN, rand, testStack, type TestStack } from '../integration/stack-helpers';
import { launchApp, launchChromium, type AppUnderTest } from './harness';

const REGISTRY = '127.0.0.1:5000';

describe('pulling the image, shown on the dashboard', { timeout: 5 * 60_000 }, () => {
  const image = `${REGISTRY}/gatehouse-test-e2e-pull-${rand()}:v1`;
  let stack: TestStack;
  let browser: Browser;
  let app: AppUnderTest;

  before(async () => {
    const up = await httpGet(`http://${REGISTRY}/v2/`, { timeoutMs: 3000 }).catch(() => null);
    assert.ok(up && up.status === 200, `the registry at ${REGISTRY} must run (scripts/services.sh starts it)`);
    // A layer of random bytes that exists nowhere else, big enough that the pull takes a moment.
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-pull-'));
    fs.writeFileSync(path.join(ctx, 'payload.bin'), crypto.randomBytes(48 * 1024 * 1024));
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${PLAIN}\nCOPY payload.bin /opt/payload.bin\n`);
    const sh = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 180_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    sh(['build', '-q', '-t', image, ctx]);
    fs.rmSync(ctx, { recursive: true, force: true });
    sh(['push', image]);
    await docker.getImage(image).remove({ force: true });
    stack = await testStack('e2e-pull', image);
    browser = await launchChromium();
    app = await launchApp({ browser, env: stack.env, clipboard: null });
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.cleanup();
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });

  test('Start → "Downloading the image" with a progress bar; Cancel stops it; Start again → healthy, with the digest shown', async () => {
    const { page } = app;
    await page.getByTestId('create-key').click();
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="pulling"]').waitFor({ timeout: 30_000 });
    const bar = page.getByRole('progressbar', { name: 'Image download' });
    await bar.waitFor({ timeout: 5000 });
    // Real progress arrives from the pull: a byte count in the label.
    await page.waitForFunction(() => /\d+(\.\d)? (B|KB|MB)/.test(document.querySelector('.progress-label')?.textContent ?? ''), null, { timeout: 30_000 });
    await app.screenshot('pulling');
    // The big button cancels a start in progress; a cancel by the user is not reported as a fault.
    assert.match((await page.getByTestId('power').textContent()) ?? '', /Cancel start/);
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="absent"], #gateway-state[data-state="stopped"]').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('.notice-error').count(), 0, 'no error shown for a cancel');
    await page.getByTestId('power').click();
    await page.locator('#gateway-state[data-state="healthy"]').waitFor({ timeout: 120_000 });
    assert.equal(await bar.count(), 0, 'the progress bar is gone once running');
    assert.match((await page.locator('.facts').textContent()) ?? '', /sha256:[0-9a-f]{12}/, 'the digest of the pulled image is shown');
  });
});

/// <reference lib="dom" />
/**
 * The first-run screen with a seed compose stack running: "Take over the running gateway
 * <project>" first, then "Import an existing .env", then "Create a new key"; the plan shown
 * before the one button; the takeover done from the window (real bridge, core, Docker,
 * docker-compose, keychain). Screenshots of the choices and the plan go into docs/screenshots.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { rand, removeStackObjects } from '../integration/stack-helpers';
import { request } from '../integration/database-helpers';
import { seedCompose, type SeedCompose } from '../integration/takeover-helpers';
import { launchApp, launchChromium, type AppUnderTest } from './harness';
import { assertAccessible } from './a11y';

describe('first run with a running seed compose stack', { timeout: 6 * 60_000 }, () => {
  const stack = `t-e2e-takeover-${rand()}`;
  const service = `gatehouse-test-${stack}`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-takeover-'));
  const store = new KeytarSecretStore(service);
  let seed: SeedCompose;
  let browser: Browser;
  let app: AppUnderTest;

  before(async () => {
    seed = await seedCompose();
    // No GATEHOUSE_PORT / GATEHOUSE_IMAGE overrides: the takeover sets port and image.
    const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: stack, GATEHOUSE_KEYCHAIN_SERVICE: service };
    browser = await launchChromium();
    app = await launchApp({ browser, env, clipboard: null, session: false });
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await removeStackObjects(stack);
    await seed?.cleanup();
    for (const account of Object.values(ACCOUNTS)) await store.delete(account).catch(() => false);
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('the takeover is offered first, with its plan, and one click takes it over with the same key', async () => {
    const { page } = app;
    await page.getByTestId('first-run').waitFor({ timeout: 15_000 });
    const takeover = page.getByRole('button', { name: `Take over the running gateway ${seed.project}` });
    await takeover.waitFor({ timeout: 30_000 });
    // The order: takeover, import, create.
    const labels = await page.getByTestId('first-run-choices').getByRole('button').allInnerTexts();
    assert.deepEqual(labels.map((l) => l.trim()), [`Take over the running gateway ${seed.project}`, 'Import an existing .env', 'Create a new key']);
    await app.screenshot('first-run-choices');
    await assertAccessible(page, 'first run with a takeover offered');

    await takeover.click();
    const plan = page.getByTestId('takeover-plan');
    await plan.waitFor({ timeout: 30_000 });
    const text = await plan.innerText();
    assert.match(text, new RegExp(`0\\.0\\.0\\.0:${seed.port} → 127\\.0\\.0\\.1:${seed.port}`));
    assert.match(text, /LITELLM_MASTER_KEY into the keychain/);
    assert.match(text, new RegExp(`volume ${seed.project}_claude-auth \\(login present, kept\\)`));
    assert.match(text, /\/app\/config \(read-only\)/);
    assert.ok(!(await page.content()).includes(seed.masterKey), 'no secret in the page');
    await page.getByText(/lose access/).waitFor();
    await page.evaluate(() => document.querySelector('[data-testid="choice-takeover"]')?.scrollIntoView({ block: 'start' }));
    await app.screenshot('takeover-plan');
    await assertAccessible(page, 'the takeover plan');

    await page.getByTestId('takeover-adopt').click();
    // The key now exists: the app leaves the first run for the Dashboard.
    await page.getByTestId('dashboard').waitFor({ timeout: 180_000 });
    assert.equal(await store.get(ACCOUNTS.masterKey), seed.masterKey);
    assert.equal((await request(seed.port, 'GET', '/v1/models', seed.masterKey)).status, 200);
    assert.equal((await request(seed.port, 'GET', '/v1/models', null)).status, 401);
    assert.deepEqual(await seed.containers(), []);
  });
});

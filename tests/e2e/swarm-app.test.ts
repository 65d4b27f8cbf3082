/// <reference lib="dom" />
/**
 * Swarm mode in the desktop app, in Debian's Chromium over the real bridge and core: Settings →
 * "Where the gateway runs" (target, publish mode, replicas and their limits, the engine's swarm
 * membership), the Dashboard's service line and task list for a running `<stack>_litellm`, and a
 * start refused with SWARM_NOT_MANAGER offering "Make this engine a single-node swarm" behind a
 * confirmation, then retrying the start.
 *
 * The engine is used as found: a manager stays a manager (useSingleNodeSwarm), and a swarm is left
 * only by the test that made it. An engine in no swarm, for the refusal and the confirmation, is
 * the real engine behind engine-without-swarm.ts where the real one already manages a swarm. Only
 * this test's services, secrets, containers and volumes are removed (by its stack label).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { authStatus } from '../integration/key-helpers';
import { leaveSwarm, removeSwarmObjects, swarmState, useSingleNodeSwarm, type SwarmState } from '../integration/swarm-helpers';
import { docker, runCli, SEED, testStack, type TestStack } from '../integration/stack-helpers';
import { assertAccessible, focused, waitForFocus } from './a11y';
import { engineWithoutSwarm, type EngineWithoutSwarm } from './engine-without-swarm';
import { launchApp, launchChromium, type AppUnderTest } from './harness';

const START_TIMEOUT = 180_000;

/** The task ids and node ids of the stack's gateway service, as Docker lists them (current tasks only). */
async function serviceTasks(stack: string): Promise<{ id: string; node: string; state: string }[]> {
  const [svc] = await docker.listServices({ filters: { name: [`${stack}_litellm`] } });
  assert.ok(svc, `the service ${stack}_litellm exists`);
  const tasks = await docker.listTasks({ filters: { service: [svc.ID!], 'desired-state': ['running'] } });
  return tasks.map((t) => ({ id: t.ID!, node: t.NodeID!, state: (t as { Status?: { State?: string } }).Status?.State ?? '' }));
}

/** Waits for "healthy"; a start that fails or hangs fails the test with what the window says. */
async function waitHealthy(page: Page, what: string): Promise<void> {
  const healthy = page.locator('#gateway-state[data-state="healthy"]');
  const refused = page.locator('.notice-error');
  try {
    await Promise.race([healthy.waitFor({ timeout: START_TIMEOUT }), refused.first().waitFor({ timeout: START_TIMEOUT })]);
  } catch {
    // Timed out: said below with the state and its detail.
  }
  if (await healthy.count()) return;
  const state = await page.locator('#gateway-state').getAttribute('data-state');
  const detail = await page.locator('.hero-detail').textContent();
  const notice = (await refused.count()) ? await refused.first().textContent() : null;
  const power = await page.getByTestId('power').textContent();
  assert.fail(`${what}: not healthy (state ${state}; ${detail}; power button "${power}"; error notice: ${notice})`);
}

/** Past the first-run screen: a master key exists (made by the core, as "Create master key" does). */
async function withKey(app: AppUnderTest, hash: string): Promise<void> {
  await app.core.keys.ensure();
  await app.page.evaluate((h) => (location.hash = h), hash);
  await app.page.reload({ waitUntil: 'domcontentloaded' });
}

/** The Dashboard's swarm card says the service and its replicas, and lists each task with its state and node. */
async function assertSwarmCard(page: Page, stack: string): Promise<void> {
  await page.getByTestId('swarm-replicas').waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    (svc) => (document.querySelector('[data-testid="swarm-replicas"]')?.textContent ?? '').includes(`Swarm service ${svc} — replicas 1/1`),
    `${stack}_litellm`,
    { timeout: 30_000 },
  );
  const list = page.getByRole('list', { name: `Tasks of ${stack}_litellm` });
  const items = list.getByRole('listitem');
  assert.equal(await items.count(), 1, 'one task for one replica');
  const [task] = await serviceTasks(stack);
  assert.ok(task);
  const text = ((await items.first().textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(text, new RegExp(`Task ${task.id.slice(0, 12)}`), `the task's short id: ${text}`);
  assert.match(text, /state (running|starting)/, `the task's state in words, not colour alone: ${text}`);
  assert.match(text, new RegExp(`node ${task.node.slice(0, 12)}`), `the task's node, short: ${text}`);
}

describe('swarm mode in the desktop app', { timeout: 10 * 60_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
  });

  // Runs first, while the engine is as it was found: only an engine in no swarm shows the real refusal.
  describe('on the real engine in no swarm: start refused, the confirmed init, the start retried', () => {
    let initial: SwarmState;
    let stack: TestStack | null = null;
    let app: AppUnderTest | null = null;
    before(async () => {
      initial = await swarmState();
    });
    after(async () => {
      await app?.close().catch(() => undefined);
      if (stack) {
        await removeSwarmObjects(stack.stack);
        await stack.cleanup();
      }
      // This case made the swarm (the engine was in none): leave it, so the engine ends as found.
      if (initial.state === 'inactive' && (await swarmState()).state !== 'inactive') await leaveSwarm();
      assert.equal((await swarmState()).state, initial.state, 'the engine is left in the swarm state it was found in');
    });

    test('SWARM_NOT_MANAGER shows "Make this engine a single-node swarm"; confirmed, the engine manages a swarm and the gateway runs', async (ctx) => {
      if (initial.state !== 'inactive') {
        ctx.skip(`the engine is already in a swarm (${initial.state}, manager: ${initial.manager}) and is not left by tests; the same flow runs below against an endpoint that reports no swarm`);
        return;
      }
      stack = await testStack('swarmapp-real', SEED);
      stack.writeSettings({ target: 'swarm', publishMode: 'host' });
      app = await launchApp({ browser, env: stack.env, clipboard: null, session: false });
      await withKey(app, '#dashboard');
      const { page } = app;
      await page.getByTestId('power').click();
      const notice = page.locator('.notice-error[data-code="SWARM_NOT_MANAGER"]');
      await notice.waitFor({ timeout: 30_000 });
      assert.match((await notice.textContent()) ?? '', /not in a swarm/);
      await notice.getByRole('button', { name: 'Make this engine a single-node swarm' }).click();
      await page.getByTestId('swarm-init-dialog-confirm').click();
      // The refusal goes as the start is tried again.
      await page.locator('.notice-error[data-code="SWARM_NOT_MANAGER"]').waitFor({ state: 'detached', timeout: 30_000 });
      await waitHealthy(page, 'after the init, the start retried');
      const now = await swarmState();
      assert.deepEqual(now, { state: 'active', manager: true });
      await assertSwarmCard(page, stack.stack);
    });
  });

  describe('on a swarm manager', () => {
    let swarm: Awaited<ReturnType<typeof useSingleNodeSwarm>>;
    let stack: TestStack;
    let app: AppUnderTest;

    before(async () => {
      swarm = await useSingleNodeSwarm();
      // A swarm made a moment after the one above was left: the engine answers as a manager first.
      const deadline = Date.now() + 30_000;
      while (!(await swarmState()).manager) {
        assert.ok(Date.now() < deadline, 'the engine did not report itself a swarm manager within 30 s of the init');
        await new Promise((r) => setTimeout(r, 250));
      }
      stack = await testStack('swarmapp', SEED);
      app = await launchApp({ browser, env: stack.env, clipboard: null });
      await withKey(app, '#settings');
    });
    after(async () => {
      await app?.close().catch(() => undefined);
      if (stack) {
        await removeSwarmObjects(stack.stack);
        await stack.cleanup();
      }
      await swarm?.restore();
    });

    test('Settings: target "Swarm service" and publish mode "Host" are saved (settings.json, `gatehouse settings`); the engine shows as a manager', async () => {
      const { page } = app;
      const section = page.locator('#target-settings');
      // What the window shows instead, should the section not come: the failure then says it.
      await section.waitFor({ timeout: 45_000 }).catch(async (err: Error) => {
        throw new Error(`${err.message}\nthe window shows: ${((await page.locator('body').innerText().catch(() => '')) || '(nothing)').slice(0, 600)}`);
      });
      assert.equal(await section.getByRole('heading', { level: 2 }).textContent(), 'Where the gateway runs');
      const container = section.getByRole('radio', { name: 'Container (this engine)' });
      assert.equal(await container.isChecked(), true, 'container is the default');
      // Publish mode and replicas belong to swarm mode: not offered for a container.
      assert.equal(await page.locator('#replicas').count(), 0);
      await section.getByRole('radio', { name: 'Swarm service' }).check();
      // Each choice carries its explanation as its description.
      const swarmRadio = section.getByRole('radio', { name: 'Swarm service' });
      const described = await swarmRadio.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
      assert.match(described, /Swarm secret/);
      const ingress = section.getByRole('radio', { name: 'Routing mesh (ingress)' });
      assert.equal(await ingress.isChecked(), true, 'ingress is the default publish mode');
      const ingressHint = await ingress.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
      assert.match(ingressHint, /every node/);
      assert.match(ingressHint, /ignores "Listen on"/);
      await section.getByRole('radio', { name: 'Host' }).check();
      assert.match((await page.locator('#replicas-hint').textContent()) ?? '', /start-first.*routing mesh and 2 or more/);

      // The engine's membership: a manager, with its nodes.
      await page.waitForFunction(() => document.querySelector('[data-testid="swarm-manager"]')?.textContent === 'yes', null, { timeout: 15_000 });
      assert.match((await page.getByTestId('swarm-nodes').textContent()) ?? '', /^[1-9]\d* \(\d+ managers?\)$/);
      assert.equal(await page.getByTestId('swarm-init').count(), 0, 'no init offered on a manager');
      await assertAccessible(page, 'Settings, swarm target chosen');
      await page.evaluate(() => document.getElementById('target-settings')?.scrollIntoView({ block: 'start' }));
      await app.screenshot('settings-swarm');

      await page.getByTestId('save-settings').click();
      await page.getByText('Saved.').waitFor({ timeout: 5000 });
      const file = JSON.parse(fs.readFileSync(path.join(stack.home, 'settings.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(file.target, 'swarm');
      assert.equal(file.publishMode, 'host');
      const cli = await runCli(['settings', '--json'], stack.env);
      assert.equal(cli.code, 0, cli.stderr);
      const shown = JSON.parse(cli.stdout) as { settings: { target: string; publishMode: string; replicas: number } };
      assert.deepEqual([shown.settings.target, shown.settings.publishMode, shown.settings.replicas], ['swarm', 'host', 1]);
    });

    test('Settings: replicas 0 and 33 are refused: the field says why, and Save stops at the field, saving nothing', async () => {
      const { page } = app;
      const field = page.locator('#replicas');
      for (const value of ['0', '33']) {
        await field.fill(value);
        const message = page.getByTestId('replicas-error');
        await message.waitFor({ timeout: 5000 });
        assert.equal(await message.textContent(), 'Replicas must be a whole number from 1 to 32.');
        assert.equal(await field.getAttribute('aria-invalid'), 'true');
        assert.match((await field.getAttribute('aria-describedby')) ?? '', /replicas-error/, 'the message is the field’s description');
        // Save: the form's own check (the shared limits as min/max) stops it at the field, which gets focus.
        await page.getByTestId('save-settings').click();
        await waitForFocus(page, '#replicas', `Save with replicas ${value}`);
        assert.equal(await field.evaluate((el) => (el as HTMLInputElement).validity.valid), false);
        assert.equal((await app.core.settings.get()).replicas, 1, `replicas ${value} was not saved`);
      }
      await field.fill('2');
      await page.getByTestId('replicas-error').waitFor({ state: 'detached', timeout: 5000 });
      assert.equal(await field.getAttribute('aria-invalid'), null);
      await page.getByRole('button', { name: 'Revert' }).click();
      assert.equal(await field.inputValue(), '1');
      assert.equal((await app.core.settings.get()).replicas, 1, 'nothing refused was saved');
    });

    test('Dashboard: Start runs the Swarm service; "replicas 1/1" and the task with its state and node', async () => {
      const { page } = app;
      await page.locator('[data-view="dashboard"]').click();
      await page.getByTestId('dashboard').waitFor();
      await page.getByTestId('power').click();
      await waitHealthy(page, 'Start in swarm mode');
      const key = (await stack.masterKey())!;
      assert.equal(await authStatus(stack.port, null), 401);
      assert.equal(await authStatus(stack.port, key), 200);
      await assertSwarmCard(page, stack.stack);
      await assertAccessible(page, 'Dashboard, swarm service running');
      await app.screenshot('dashboard-swarm');
      await page.getByTestId('power').click();
      await page.locator('#gateway-state[data-state="stopped"]').waitFor({ timeout: 90_000 });
      assert.match((await page.getByTestId('swarm-replicas').textContent()) ?? '', /replicas 0\/0/);
    });
  });

  describe('on an endpoint reporting no swarm (the real manager behind it): the confirmation', () => {
    let engine: EngineWithoutSwarm;
    let swarm: Awaited<ReturnType<typeof useSingleNodeSwarm>>;
    let stack: TestStack;
    let app: AppUnderTest;

    before(async () => {
      swarm = await useSingleNodeSwarm();
      engine = await engineWithoutSwarm();
      stack = await testStack('swarmapp-init', SEED, { DOCKER_HOST: engine.dockerHost });
      stack.writeSettings({ target: 'swarm', publishMode: 'host' });
      app = await launchApp({ browser, env: stack.env, clipboard: null });
      await withKey(app, '#dashboard');
    });
    after(async () => {
      await app?.close().catch(() => undefined);
      await engine?.close();
      if (stack) {
        await removeSwarmObjects(stack.stack);
        await stack.cleanup();
      }
      await swarm?.restore();
    });

    test('an engine in no swarm: the status refusal offers the action; Settings shows manager "no", 0 nodes and offers it too', async () => {
      const { page } = app;
      // The status cannot be read in swarm mode without a manager: said at once, with the fix as a button.
      const boot = page.locator('.notice-error[data-code="SWARM_NOT_MANAGER"]');
      await boot.waitFor({ timeout: 30_000 });
      assert.equal(await boot.getByRole('button', { name: 'Make this engine a single-node swarm' }).count(), 1);
      await page.getByRole('button', { name: 'Dismiss error' }).click();
      await page.locator('[data-view="settings"]').click();
      await page.getByTestId('settings-view').waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="swarm-manager"]')?.textContent === 'no', null, { timeout: 15_000 });
      assert.equal(await page.getByTestId('swarm-state').textContent(), 'in no swarm');
      assert.equal(await page.getByTestId('swarm-nodes').textContent(), '0 (0 managers)');
      assert.equal(await page.locator('#target-settings').getByRole('button', { name: 'Make this engine a single-node swarm' }).count(), 1);
      await assertAccessible(page, 'Settings, swarm target on an engine in no swarm');
      await page.locator('[data-view="dashboard"]').click();
      await page.getByTestId('dashboard').waitFor();
    });

    test('Start → SWARM_NOT_MANAGER with the action; the dialog explains, opens on Cancel, Escape and Cancel close it and change nothing', async () => {
      const { page } = app;
      const before = await swarmState();
      await page.getByTestId('power').click();
      const notice = page.locator('.notice-error[data-code="SWARM_NOT_MANAGER"]');
      await notice.waitFor({ timeout: 30_000 });
      assert.match((await notice.textContent()) ?? '', /not in a swarm/);
      assert.match((await notice.locator('.fix').textContent()) ?? '', /gatehouse swarm init/);
      // Not left showing the refused start's "deploying": nothing runs, Start is offered again.
      assert.equal(await page.locator('#gateway-state').getAttribute('data-state'), 'absent');
      assert.match((await page.locator('.hero-detail').textContent()) ?? '', /manages no swarm/);
      assert.match((await page.getByTestId('power').textContent()) ?? '', /Start gateway/);
      const action = notice.getByRole('button', { name: 'Make this engine a single-node swarm' });
      await assertAccessible(page, 'Dashboard with the swarm refusal');

      for (const close of ['Escape', 'Cancel'] as const) {
        await action.click();
        const dialog = page.getByRole('alertdialog', { name: 'Make this Docker engine a single-node swarm?' });
        await dialog.waitFor({ timeout: 5000 });
        const body = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
        assert.match(body, /docker swarm init --advertise-addr 127\.0\.0\.1/);
        assert.match(body, /docker swarm leave --force/);
        assert.match(body, /start is tried again/);
        assert.equal((await focused(page)).text, 'Cancel', 'the confirmation opens on Cancel');
        if (close === 'Escape') {
          await assertAccessible(page, 'the swarm init confirmation');
          await page.keyboard.press('Escape');
        } else await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached', timeout: 5000 });
        await waitForFocus(page, '[data-testid="swarm-init"]', `after ${close}`);
      }
      assert.deepEqual(engine.inits, [], 'nothing was asked of the engine');
      assert.deepEqual(await swarmState(), before);
      assert.equal(await docker.listServices({ filters: { name: [`${stack.stack}_litellm`] } }).then((s) => s.length), 0, 'no service was created');
    });

    test('Confirm → swarm:init reaches the engine (127.0.0.1), then the start is retried and the service runs', async () => {
      const { page } = app;
      await page.getByTestId('swarm-init').click();
      await page.getByTestId('swarm-init-dialog-confirm').click();
      // The refusal goes as the start is tried again.
      await page.locator('.notice-error[data-code="SWARM_NOT_MANAGER"]').waitFor({ state: 'detached', timeout: 30_000 });
      await waitHealthy(page, 'after the init, the start retried');
      assert.equal(engine.inits.length, 1, 'one init');
      assert.deepEqual(engine.inits[0], { ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
      assert.equal(await page.locator('.notice-error[data-code="SWARM_NOT_MANAGER"]').count(), 0, 'the refusal is gone');
      await waitForFocus(page, '[data-testid="power"]', 'after the init and the retried start (the notice holding the button is gone)');
      await assertSwarmCard(page, stack.stack);
      const key = (await stack.masterKey())!;
      assert.equal(await authStatus(stack.port, key), 200);
    });
  });
});

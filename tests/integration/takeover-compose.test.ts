/**
 * `gatehouse adopt` against a real seed-shaped compose stack (tests/fixtures/seed-compose) run by
 * Debian's docker-compose 1.29: the plan changes nothing; a takeover whose new gateway fails its
 * start puts the compose stack back (running, same key, same data) with keychain and settings as
 * before; a takeover that succeeds keeps the key, port, Claude login, mounts and database data.
 * One compose project for the three steps (2 CPUs are shared): each step starts from the state the
 * previous one proved.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { docker, rand, removeStackObjects, runCli, stackContainers } from './stack-helpers';
import { dbGet, request } from './database-helpers';
import { seedCompose, type SeedCompose } from './takeover-helpers';
import { recreateSpec } from '../../electron/core/takeover/recreate';
import type { ContainerDetails } from '../../electron/core/engine/types';
import type { GatehouseBridge, InvokeChannel, InvokeMap } from '../../shared/api';
import { invokeOrThrow, payloadFromError } from '../../shared/bridge-errors';
import { Gatehouse } from '../../electron/core/gatehouse';
import type { ClipboardGuard } from '../../electron/core/secrets/clipboard';
import { createHandlers } from '../../electron/main/ipc-handlers';
import { registerIpc, trustedPageGate } from '../../electron/main/ipc-main';
import { createBridge } from '../../electron/preload/preload-api';
import { InProcessIpc } from '../support/in-process-ipc';

const stack = `t-takeover-${rand()}`;
const service = `gatehouse-test-${stack}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-takeover-home-'));
const store = new KeytarSecretStore(service);
// No GATEHOUSE_PORT / GATEHOUSE_IMAGE: the takeover's settings are what is tested.
const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: stack, GATEHOUSE_KEYCHAIN_SERVICE: service };
const settingsFile = path.join(home, 'settings.json');
let seed: SeedCompose;
let project = '';
let dir = '';
let port = 0;
let masterKey = '';
let pgPassword = '';
let claudeToken = '';
const waitForKey = (ms: number) => seed.waitForKey(ms);
const composeContainers = () => seed.containers();

before(async () => {
  // The stand-in boots in 8 s: the rollback step's Gatehouse start gives up before.
  seed = await seedCompose(8000);
  ({ project, dir, port, masterKey, pgPassword, claudeToken } = seed);
});

after(async () => {
  await removeStackObjects(stack);
  await seed?.cleanup();
  for (const account of Object.values(ACCOUNTS)) await store.delete(account).catch(() => false);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('gatehouse adopt with a seed compose stack', { timeout: 600_000 }, () => {
  test('without --yes: the plan, and nothing changed', async () => {
    const r = await runCli(['adopt', project, '--json'], env, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(masterKey) && !r.stdout.includes(pgPassword) && !r.stdout.includes(claudeToken), 'no secret in the plan');
    const { applied, plan } = JSON.parse(r.stdout);
    assert.equal(applied, false);
    assert.equal(plan.port, port);
    assert.deepEqual(plan.fromInterfaces, ['0.0.0.0']);
    assert.equal(plan.bindAddress, '127.0.0.1');
    assert.match(plan.exposureLoss, /lose access/);
    assert.equal(plan.credentialsVolume, `${project}_claude-auth`);
    assert.equal(plan.claudeLoginPresent, true);
    assert.deepEqual(plan.database, { image: 'gatehouse-test/postgres:15', volume: `${project}_postgres_data` });
    assert.deepEqual(plan.extraEnv, { LITELLM_LOG: 'INFO', STANDIN_BOOT_MS: '8000', STORE_MODEL_IN_DB: 'True' });
    assert.deepEqual(
      plan.mounts.map((m: { target: string; readOnly: boolean }) => [m.target, m.readOnly]).sort(),
      [['/app/config', true], ['/app/providers', true]],
    );
    assert.equal(plan.saltFromMasterKey, true);
    assert.deepEqual(plan.secrets.map((s: { name: string }) => s.name).sort(), ['CLAUDE_CODE_OAUTH_TOKEN', 'DATABASE_URL', 'LITELLM_MASTER_KEY', 'POSTGRES_PASSWORD']);
    assert.equal(await store.get(ACCOUNTS.masterKey), null);
    assert.equal(fs.existsSync(settingsFile), false);
    assert.ok((await composeContainers()).every((c) => c.State === 'running'));
  });

  test('over IPC: detect and plan as the window sees them (no secret), adopt and db:remove-data refused without a user gesture', async () => {
    const PAGE = 'file:///app/dist/renderer/index.html';
    const core = await Gatehouse.open({ env });
    try {
      const refuse = () => {
        throw new Error('not reached by these channels');
      };
      const handlers = createHandlers(core, {
        // The takeover channels never touch the clipboard.
        keyClipboard: null as unknown as ClipboardGuard,
        copyText: refuse,
        openExternal: refuse,
        hardening: refuse,
        revealAllowed: () => false,
        userGesture: () => false,
        confirmImageChange: refuse,
        chooseEnvFile: refuse,
        chooseExportPath: refuse,
      });
      const ipc = new InProcessIpc();
      registerIpc(ipc.main, handlers, trustedPageGate(PAGE));
      const bridge: GatehouseBridge = createBridge(ipc.renderer(() => ({ url: PAGE, parent: null })));
      const call = <K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']) => invokeOrThrow(bridge, channel, ...args);
      const found = (await call('takeover:detect')).find((p) => p.project === project);
      assert.ok(found, 'the compose project is detected');
      assert.equal(found.gatewayService, 'litellm');
      assert.equal(found.databaseService, 'db');
      assert.equal(found.port, port);
      assert.equal(found.claudeLoginPresent, true);
      assert.equal(found.envFile, path.join(dir, '.env'));
      assert.deepEqual(found.configFiles, [path.join(dir, 'docker-compose.yml')]);
      const plan = await call('takeover:plan', project, { scrub: false, keepExposure: true });
      assert.equal(plan.bindAddress, '0.0.0.0');
      for (const text of [JSON.stringify(found), JSON.stringify(plan)]) for (const secret of [masterKey, pgPassword, claudeToken]) assert.ok(!text.includes(secret));
      await assert.rejects(call('takeover:adopt', project, { scrub: false, keepExposure: false }), (e: unknown) => payloadFromError(e).code === 'NOT_FOCUSED');
      await assert.rejects(call('db:remove-data', `${project}_postgres_data`), (e: unknown) => payloadFromError(e).code === 'NOT_FOCUSED');
      await assert.rejects(call('db:adopt', 'not a volume'), (e: unknown) => payloadFromError(e).code === 'INVALID_ARGUMENT');
      assert.ok((await composeContainers()).every((c) => c.State === 'running'));
      assert.equal(await store.get(ACCOUNTS.masterKey), null);
    } finally {
      await core.close();
    }
  });

  test('a compose container removed meanwhile is made again from its inspect: same name, alias, volume and compose labels', async () => {
    const db = (await composeContainers()).find((c) => c.Labels['com.docker.compose.service'] === 'db');
    assert.ok(db);
    const info = await docker.getContainer(db.Id).inspect();
    await docker.getContainer(db.Id).stop({ t: 30 });
    await docker.getContainer(db.Id).remove({ v: false });
    const made = await docker.createContainer(recreateSpec(info as unknown as ContainerDetails));
    await made.start();
    // The gateway reaches it by its alias `db`, on the same data.
    for (let i = 0; ; i++) {
      try {
        assert.equal(await dbGet(port, masterKey, 'seed-row'), 'kept');
        break;
      } catch (err) {
        if (i > 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const ps = await seed.compose(['ps', '-q', 'db']);
    assert.equal(ps.stdout.trim(), made.id, 'docker-compose still counts it as its db service');
    assert.equal((await made.inspect()).Name, info.Name);
  });

  test('the new gateway fails its start: the compose stack runs again with the same key, keychain and settings as before', async () => {
    // Gatehouse gives up after 3 s; the gateway needs 8 s to boot.
    fs.writeFileSync(settingsFile, JSON.stringify({ startTimeoutSeconds: 3 }, null, 2));
    const settingsBefore = fs.readFileSync(settingsFile, 'utf8');
    const r = await runCli(['adopt', project, '--yes', '--json'], env, { timeoutMs: 240_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /\(error code TAKEOVER_FAILED\)/);
    assert.match(r.stderr, /failed at "start Gatehouse's stack"/);
    assert.match(r.stderr, /runs again as before/);
    assert.ok(!(r.stdout + r.stderr).includes(masterKey));
    // The compose stack: running, the same key answers, the same data.
    const cs = await composeContainers();
    assert.equal(cs.length, 2);
    assert.ok(cs.every((c) => c.State === 'running'), JSON.stringify(cs.map((c) => [c.Names, c.State])));
    await waitForKey(30_000);
    assert.equal((await request(port, 'GET', '/v1/models', null)).status, 401);
    assert.equal(await dbGet(port, masterKey, 'seed-row'), 'kept');
    // Gatehouse: no container left, keychain and settings as before.
    assert.deepEqual(await stackContainers(stack), []);
    for (const account of Object.values(ACCOUNTS)) assert.equal(await store.get(account), null, account);
    assert.equal(fs.readFileSync(settingsFile, 'utf8'), settingsBefore);
  });

  test('--yes --scrub: the same key on the same port, the Claude login, mounts and data kept, the compose containers gone, no volume deleted', async () => {
    fs.rmSync(settingsFile, { force: true });
    const r = await runCli(['adopt', '--yes', '--scrub', '--json'], env, { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.applied, true);
    assert.equal(result.scrubbed, true);
    assert.equal(result.verified.length, 4, result.verified.join('\n'));
    // Clients of http://127.0.0.1:PORT keep working with the old key.
    assert.equal((await request(port, 'GET', '/v1/models', masterKey)).status, 200);
    assert.equal((await request(port, 'GET', '/v1/models', null)).status, 401);
    assert.equal(await dbGet(port, masterKey, 'seed-row'), 'kept');
    assert.equal(await store.get(ACCOUNTS.masterKey), masterKey);
    assert.equal(await store.get(ACCOUNTS.databasePassword), pgPassword);
    assert.equal(await store.get(ACCOUNTS.claudeToken), claudeToken);
    assert.equal(await store.get(ACCOUNTS.saltKey), masterKey);
    // Gatehouse's gateway: on 127.0.0.1, the compose volumes and read-only binds.
    const gw = (await stackContainers(stack)).find((c) => c.Labels['io.gatehouse.role'] === 'gateway');
    assert.ok(gw);
    const info = await docker.getContainer(gw.Id).inspect();
    assert.equal(info.HostConfig.PortBindings['4000/tcp'][0].HostIp, '127.0.0.1');
    const mounts = info.Mounts.map((m) => `${m.Type}:${m.Name ?? path.basename(m.Source)}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`).sort();
    assert.deepEqual(mounts, [`bind:config:/app/config:ro`, `bind:providers:/app/providers:ro`, `volume:${project}_claude-auth:/home/claude/.claude:rw`]);
    // The compose containers are gone; every volume is still there.
    assert.deepEqual(await composeContainers(), []);
    for (const v of [`${project}_claude-auth`, `${project}_postgres_data`]) assert.ok(await docker.getVolume(v).inspect());
    // The .env: secrets and DATABASE_URL scrubbed, the rest kept.
    const text = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    for (const secret of [masterKey, pgPassword, claudeToken]) assert.ok(!text.includes(secret));
    assert.match(text, /^STORE_MODEL_IN_DB=True$/m);
    assert.match(text, /^LITELLM_LOG=INFO$/m);
    // Nothing secret in the settings.
    const saved = fs.readFileSync(settingsFile, 'utf8');
    for (const secret of [masterKey, pgPassword, claudeToken]) assert.ok(!saved.includes(secret));
    assert.equal(JSON.parse(saved).credentialsVolume, `${project}_claude-auth`);
  });
});

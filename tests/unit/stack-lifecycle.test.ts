// The stack's start/stop/recreate logic against the in-memory engine (tests/support/fake-engine.ts):
// joining, cancellation and rollback run in milliseconds here; the integration tests run the same
// code against real Docker.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EventMap, Settings } from '../../shared/api';
import { isGatehouseError } from '../../electron/core/errors';
import { pickByRole } from '../../electron/core/engine/find-by-role';
import { LABELS } from '../../electron/core/engine/labels';
import type { ContainerSummary } from '../../electron/core/engine/types';
import { GatewayService } from '../../electron/core/services/gateway';
import { httpGet } from '../../electron/core/services/http-probe';
import { SettingsStore } from '../../electron/core/settings';
import { StateStore } from '../../electron/core/state-store';
import { OperationQueue } from '../../electron/core/stack/operation-queue';
import { StackController } from '../../electron/core/stack/stack-controller';
import { TypedEmitter } from '../../electron/core/typed-emitter';
import { CRASHING_IMAGE, FakeEngine, SILENT_IMAGE } from '../support/fake-engine';

const IMAGE = 'fake/litellm:1';
const engines: FakeEngine[] = [];
after(async () => {
  for (const e of engines) await e.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function setup() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-fake-'));
  const stackName = `fk${crypto.randomBytes(3).toString('hex')}`;
  const base = await new SettingsStore({ home, env: { GATEHOUSE_STACK: stackName } }).get();
  const settings: { current: Settings } = { current: { ...base, image: IMAGE, port: await freePort(), startTimeoutSeconds: 20 } };
  const engine = new FakeEngine();
  engines.push(engine);
  engine.images.add(IMAGE).add(CRASHING_IMAGE).add(SILENT_IMAGE);
  const gateway = new GatewayService(engine, async () => settings.current);
  const queue = new OperationQueue();
  const events = new TypedEmitter<EventMap>();
  const key = 'sk-' + crypto.randomBytes(24).toString('hex');
  const stack = new StackController({ engine, gateway, queue, state: new StateStore({ home }), events, secretEnv: async (o) => ({ LITELLM_MASTER_KEY: o?.masterKey ?? key }) });
  const gateways = () => [...engine.containers.values()].filter((c) => c.spec.Labels?.[LABELS.role] === 'gateway');
  const plan = await gateway.plan();
  const serves = async (withKey: string) => (await httpGet(`${plan.url}/v1/models`, { timeoutMs: 1000, headers: { authorization: `Bearer ${withKey}` } })).status;
  return { engine, gateway, queue, stack, settings, key, plan, gateways, serves };
}

test('start creates network, volume and gateway; a second start joins it; the next finds it running', async () => {
  const t = await setup();
  const [a, b] = await Promise.all([t.stack.startWithOutcome(), t.stack.startWithOutcome()]);
  assert.equal(a, b, 'the second start joined the first');
  assert.equal(a.outcome, 'created');
  assert.equal(a.status.state, 'healthy');
  assert.ok(t.engine.networks.has(t.plan.networkName));
  assert.ok(t.engine.volumes.has(t.plan.volumeName));
  assert.equal(t.gateways().length, 1);
  assert.equal(await t.serves(t.key), 200);
  assert.equal((await t.stack.startWithOutcome()).outcome, 'already-running');
  const stopped = await t.stack.stop();
  assert.equal(stopped.state, 'stopped');
  assert.equal((await t.stack.startWithOutcome()).outcome, 'restarted');
  await t.stack.stop();
});

test('a stop during a start cancels it: what the start created is removed, the volume is kept', async () => {
  const t = await setup();
  t.settings.current = { ...t.settings.current, image: SILENT_IMAGE };
  const starting = t.stack.startWithOutcome();
  while (!t.engine.calls.some((c) => c.startsWith('start '))) await new Promise((r) => setTimeout(r, 5));
  const stopped = await t.stack.stop();
  await assert.rejects(starting, (err) => isGatehouseError(err, 'CANCELLED') && /a stop was requested/.test(err.message));
  assert.equal(stopped.state, 'absent');
  assert.equal(t.gateways().length, 0, 'the container this start created is gone');
  assert.equal(t.engine.networks.has(t.plan.networkName), false, 'so is the network it created');
  assert.ok(t.engine.volumes.has(t.plan.volumeName), 'the credentials volume is never removed');
});

test('a recreate whose new gateway fails restores the set-aside container, running, under its name', async () => {
  const t = await setup();
  const first = await t.stack.startWithOutcome();
  const oldId = first.status.containerId;
  t.settings.current = { ...t.settings.current, image: CRASHING_IMAGE };
  await assert.rejects(t.stack.startWithOutcome(), (err) => isGatehouseError(err, 'CONTAINER_EXITED'));
  const left = t.gateways();
  assert.equal(left.length, 1, 'exactly one gateway container afterwards');
  assert.equal(left[0]?.id, oldId, 'the old one');
  assert.equal(left[0]?.name, t.plan.containerName, 'under the planned name again');
  assert.equal(left[0]?.running, true, 'running again, as it was');
  assert.equal(await t.serves(t.key), 200, 'and serving');
  const renames = t.engine.calls.filter((c) => c.startsWith('rename '));
  assert.match(renames[0] ?? '', new RegExp(`^rename ${t.plan.containerName} ${t.plan.containerName}-previous-\\d+$`));
  assert.match(renames[1] ?? '', new RegExp(`^rename ${t.plan.containerName}-previous-\\d+ ${t.plan.containerName}$`));
  await t.stack.stop();
});

test('a recreate cancelled by a stop also restores the old container (then stopped by the stop)', async () => {
  const t = await setup();
  const oldId = (await t.stack.startWithOutcome()).status.containerId;
  t.settings.current = { ...t.settings.current, image: SILENT_IMAGE };
  const starting = t.stack.startWithOutcome();
  while (t.engine.calls.filter((c) => c.startsWith('start ')).length < 2) await new Promise((r) => setTimeout(r, 5));
  await t.stack.stop();
  await assert.rejects(starting, (err) => isGatehouseError(err, 'CANCELLED'));
  const left = t.gateways();
  assert.deepEqual(left.map((c) => [c.id, c.name, c.running]), [[oldId, t.plan.containerName, false]]);
});

test('a recreate that works replaces the container and removes the old one', async () => {
  const t = await setup();
  const oldId = (await t.stack.startWithOutcome()).status.containerId;
  t.settings.current = { ...t.settings.current, extraEnv: { LITELLM_LOG: 'DEBUG' } };
  const r = await t.stack.startWithOutcome();
  assert.equal(r.outcome, 'recreated');
  assert.notEqual(r.status.containerId, oldId);
  assert.deepEqual(t.gateways().map((c) => c.name), [t.plan.containerName]);
  await t.stack.stop();
});

test('Docker unreachable: the start says so, and creates nothing', async () => {
  const t = await setup();
  t.engine.down = true;
  await assert.rejects(t.stack.startWithOutcome(), (err) => isGatehouseError(err, 'DOCKER_UNREACHABLE') && /ECONNREFUSED/.test(err.message));
  t.engine.down = false;
  assert.equal(t.gateways().length, 0);
});

test('find-by-role: the running container, else the planned name, else the newest', () => {
  const c = (id: string, name: string, state: string, created: number) =>
    ({ Id: id, Names: ['/' + name], State: state, Created: created, Labels: { [LABELS.stack]: 's', [LABELS.role]: 'gateway' } }) as unknown as ContainerSummary;
  const q = { stackName: 's', role: 'gateway' as const, plannedName: 's-litellm' };
  assert.equal(pickByRole([c('a', 's-litellm', 'exited', 1), c('b', 's-litellm-rotating-1', 'running', 2)], q)?.Id, 'b', 'running wins (a rotation under way)');
  assert.equal(pickByRole([c('a', 's-litellm', 'running', 1), c('b', 's-litellm-rotating-1', 'running', 2)], q)?.Id, 'a', 'two running: the planned name');
  assert.equal(pickByRole([c('a', 's-litellm', 'exited', 1), c('b', 's-litellm-previous-1', 'exited', 2)], q)?.Id, 'a', 'none running: the planned name');
  assert.equal(pickByRole([c('a', 's-litellm-previous-1', 'exited', 1), c('b', 's-litellm-previous-2', 'exited', 2)], q)?.Id, 'b', 'else the newest');
  const foreign = { ...c('x', 's-litellm', 'running', 3), Labels: { [LABELS.stack]: 'other', [LABELS.role]: 'gateway' } } as ContainerSummary;
  assert.equal(pickByRole([foreign], q), null, "another stack's container is never picked");
});

test('what a killed replacement left is settled by the next start: finished when the new one exists, undone when not', async () => {
  const t = await setup();
  const oldId = (await t.stack.startWithOutcome()).status.containerId as string;
  await t.stack.stop();
  // Killed after the set-aside and the create: both exist.
  await t.engine.renameContainer(oldId, `${t.plan.containerName}-previous-1`);
  const secretEnv = { LITELLM_MASTER_KEY: t.key };
  const newId = await t.gateway.createGateway(t.plan, secretEnv);
  assert.equal(t.gateways().length, 2);
  const r = await t.stack.startWithOutcome();
  assert.deepEqual(t.gateways().map((c) => [c.id, c.name]), [[newId, t.plan.containerName]], 'finished: the set-aside one is gone');
  assert.equal(r.status.containerId, newId);
  await t.stack.stop();
  // Killed after the set-aside, before the create: only the set-aside one exists.
  await t.engine.renameContainer(newId, `${t.plan.containerName}-previous-2`);
  assert.equal((await t.stack.startWithOutcome()).outcome, 'restarted');
  assert.deepEqual(t.gateways().map((c) => [c.id, c.name]), [[newId, t.plan.containerName]], 'undone: it has its name back');
  await t.stack.stop();
});

test('a start lists the gateway containers once, cold and warm: the set-aside look-up and the find share one list', async () => {
  const t = await setup();
  let lists = 0;
  const list = t.engine.listContainers.bind(t.engine);
  t.engine.listContainers = (filters, options) => {
    lists++;
    return list(filters, options);
  };
  assert.equal((await t.stack.startWithOutcome()).outcome, 'created');
  assert.equal(lists, 1, 'cold start: one list');
  await t.stack.stop();
  lists = 0;
  assert.equal((await t.stack.startWithOutcome()).outcome, 'restarted');
  assert.equal(lists, 1, 'warm start: one list');
  assert.equal(await t.serves(t.key), 200);
  await t.stack.stop();
});

/**
 * Replacing a gateway on the same port (what key rotation does), real Docker and stand-in:
 * `stopForReplacement` reports the old process's exit before Docker has torn it down, and
 * `startAndVerify(..., { portReleasedBy })` retries a start that met the still-held port once
 * that teardown is done — and only then.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Gatehouse } from '../../electron/core/gatehouse';
import { isGatehouseError } from '../../electron/core/errors';
import type { StackPlan } from '../../electron/core/services/gateway-plan';
import { docker, testStack, type TestStack } from './stack-helpers';

describe('replacing a gateway on the same port', () => {
  let t: TestStack;
  let core: Gatehouse;
  let plan: StackPlan;
  let key: string;

  before(async () => {
    t = await testStack('replace');
    core = await Gatehouse.open({ env: t.env });
    plan = await core.stack.plan();
    key = await core.keys.ensure();
    await core.stack.ensureBase(plan);
  });
  after(async () => {
    await core.close();
    await t.cleanup();
  });

  const secretEnv = () => ({ LITELLM_MASTER_KEY: key });
  const verify = () => ({ masterKey: key, secrets: [key], timeoutMs: 30_000 });
  const running = async (id: string) => (await docker.getContainer(id).inspect()).State.Running;

  test('a start that meets the held port waits for portReleasedBy, then succeeds', async () => {
    const oldId = await core.gateway.createGateway(plan, secretEnv(), `${plan.containerName}-old`);
    await core.gateway.startAndVerify(plan, oldId, verify());
    const newId = await core.gateway.createGateway(plan, secretEnv(), plan.containerName);

    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let settled = false;
    const starting = core.gateway.startAndVerify(plan, newId, { ...verify(), portReleasedBy: released }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(settled, false, 'still waiting for the port');
    assert.equal(await running(newId), false, 'the first start failed on the held port');
    assert.equal(await running(oldId), true, 'the old gateway kept serving meanwhile');

    await core.gateway.stopContainer(oldId, 5);
    release();
    await starting;
    assert.equal(await running(newId), true);
    await core.gateway.removeContainer(oldId);
    await core.gateway.removeContainer(newId);
  });

  test('without portReleasedBy, or when the port stays taken, the start fails with PORT_IN_USE', async () => {
    const holderId = await core.gateway.createGateway(plan, secretEnv(), `${plan.containerName}-holder`);
    await core.gateway.startAndVerify(plan, holderId, verify());
    const newId = await core.gateway.createGateway(plan, secretEnv(), plan.containerName);
    await assert.rejects(core.gateway.startAndVerify(plan, newId, verify()), (err) => isGatehouseError(err, 'PORT_IN_USE'));
    // The promise settles, but the port is still held: one retry, then the same clear error.
    await assert.rejects(core.gateway.startAndVerify(plan, newId, { ...verify(), portReleasedBy: Promise.resolve() }), (err) => isGatehouseError(err, 'PORT_IN_USE'));
    await core.gateway.removeContainer(holderId);
    await core.gateway.removeContainer(newId);
  });

  test('stopForReplacement: exited comes first, the stop stays graceful (SIGTERM, exit 0)', async () => {
    const id = await core.gateway.createGateway(plan, secretEnv(), plan.containerName);
    await core.gateway.startAndVerify(plan, id, verify());
    const order: string[] = [];
    const { exited, stopped } = await core.gateway.stopForReplacement(id, 10);
    await Promise.all([exited.then(() => order.push('exited')), stopped.then(() => order.push('stopped'))]);
    assert.equal(order[0], 'exited');
    const info = await docker.getContainer(id).inspect();
    assert.equal(info.State.Running, false);
    assert.equal(info.State.ExitCode, 0, 'the stand-in exited on SIGTERM by itself, not killed');
    await core.gateway.removeContainer(id);
  });
});

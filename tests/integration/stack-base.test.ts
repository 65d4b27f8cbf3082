/**
 * The stack's base objects (network, credentials volume), real Docker: the network is created
 * first and looked at only on a conflict, so the start path saves a round trip; concurrent calls
 * in one process join (Docker's CheckDuplicate alone lets two concurrent creates make two
 * networks of one name); a same-named network that is not the stack's is never used or touched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Gatehouse } from '../../electron/core/gatehouse';
import { isGatehouseError } from '../../electron/core/errors';
import { docker, stackNetworks, stackVolumes, testStack, type TestStack } from './stack-helpers';

describe('stack base objects (network + volume)', () => {
  let t: TestStack;
  let core: Gatehouse;
  const foreign: string[] = [];

  before(async () => {
    t = await testStack('base');
    core = await Gatehouse.open({ env: t.env });
  });
  after(async () => {
    await core.close();
    for (const name of foreign) await docker.getNetwork(name).remove().catch(() => undefined);
    await t.cleanup();
  });

  test('concurrent ensureBase calls make one network and one volume', async () => {
    const plan = await core.stack.plan();
    const results = await Promise.all([core.stack.ensureBase(plan), core.stack.ensureBase(plan), core.stack.ensureBase(plan)]);
    const named = await docker.listNetworks({ filters: { name: [plan.networkName] } });
    assert.equal(named.filter((n) => n.Name === plan.networkName).length, 1, 'exactly one network of that name');
    assert.deepEqual(await stackNetworks(t.stack), [plan.networkName]);
    assert.deepEqual(await stackVolumes(t.stack), [plan.volumeName]);
    assert.ok(results.every((r) => r.network && r.volume), 'the joined calls report what the one call created');
    assert.deepEqual(await core.stack.ensureBase(plan), { network: false, volume: false }, 'a later call finds them');
  });

  test('a network of that name that is not the stack\'s is refused and left alone', async () => {
    const other = await Gatehouse.open({ env: { ...t.env, GATEHOUSE_STACK: `${t.stack}-x` } });
    try {
      const plan = await other.stack.plan();
      foreign.push(plan.networkName);
      await docker.createNetwork({ Name: plan.networkName, Driver: 'bridge', Labels: { purpose: 'someone-else' } });
      await assert.rejects(other.stack.ensureBase(plan), (err) => isGatehouseError(err, 'SETTINGS_INVALID') && /does not belong to Gatehouse/.test(err.message));
      const info = (await docker.getNetwork(plan.networkName).inspect()) as { Labels?: Record<string, string> };
      assert.deepEqual(info.Labels, { purpose: 'someone-else' });
    } finally {
      await other.close();
      const vols = await docker.listVolumes({ filters: { label: [`io.gatehouse.stack=${t.stack}-x`] } });
      for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    }
  });
});

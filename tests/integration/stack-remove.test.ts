/**
 * `gatehouse remove` against a real Docker engine and the real keychain: the stack's containers
 * and network go, its volumes stay unless named with --volumes --confirm STACK; a wrong or
 * missing confirmation removes nothing; objects of another stack are never touched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, PLAIN, runCli, SEED, stackContainers, stackNetworks, stackVolumes, testStack, type TestStack } from './stack-helpers';
import { LABELS } from '../../electron/core/engine/labels';

describe('gatehouse remove', () => {
  let t: TestStack;
  let other: TestStack;
  const strayVolume = `t-remove-stray-${process.pid}`;
  before(async () => {
    t = await testStack('remove');
    other = await testStack('remove-other');
  });
  after(async () => {
    await t.cleanup();
    await other.cleanup();
    await docker.getVolume(strayVolume).remove().catch(() => undefined);
  });

  test('remove on a running stack: containers and network go, volumes and key stay', async () => {
    const started = await runCli(['start'], t.env);
    assert.equal(started.code, 0, started.stderr);
    const otherStart = await runCli(['start'], other.env);
    assert.equal(otherStart.code, 0, otherStart.stderr);
    // A volume that merely carries a similar name (no label) must survive anything.
    await docker.createVolume({ Name: strayVolume });
    assert.equal((await stackContainers(t.stack)).length, 1);
    const key = await t.masterKey();

    const r = await runCli(['remove'], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Removed the stack "${t.stack}": containers ${t.stack}-litellm; network ${t.stack}-net\\.`));
    assert.match(r.stdout, new RegExp(`Kept the volumes ${t.stack}-claude .*--volumes --confirm ${t.stack}`));
    assert.deepEqual(await stackContainers(t.stack), []);
    assert.deepEqual(await stackNetworks(t.stack), []);
    assert.deepEqual(await stackVolumes(t.stack), [`${t.stack}-claude`]);
    assert.equal(await t.masterKey(), key, 'the key stays in the keychain');
    // The other stack runs on untouched.
    const [o] = await stackContainers(other.stack);
    assert.equal(o?.State, 'running');

    const status = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string };
    assert.equal(status.state, 'absent');
    // The database is off: db status --json still prints an object that says so.
    const db = await runCli(['db', 'status', '--json'], t.env);
    assert.equal(db.code, 0, db.stderr);
    assert.deepEqual(Object.keys(JSON.parse(db.stdout)).sort(), ['detail', 'enabled']);
    assert.equal(JSON.parse(db.stdout).enabled, false);
    // Removing again is fine: nothing left to remove.
    const again = await runCli(['remove', '--json'], t.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).containers, []);
  });

  test('volumes only with --volumes --confirm STACK; a wrong or missing name removes nothing', async () => {
    const started = await runCli(['start'], t.env);
    assert.equal(started.code, 0, started.stderr);
    // A value from a GATEHOUSE_* variable is named as such in the recreate reason.
    const recreated = await runCli(['start'], { ...t.env, GATEHOUSE_IMAGE: SEED });
    assert.equal(recreated.code, 0, recreated.stderr);
    assert.match(recreated.stderr, new RegExp(`image is ${PLAIN}, GATEHOUSE_IMAGE says ${SEED}`));
    assert.doesNotMatch(recreated.stderr, /settings say/);
    const cases: [string[], RegExp][] = [
      [['remove', '--volumes'], /needs the stack's name as confirmation[\s\S]*fix: Run `gatehouse remove --volumes --confirm t-remove-/],
      [['remove', '--volumes', '--confirm', 'gatehouse'], /--confirm "gatehouse" is not the stack's name/],
      [['remove', '--confirm', t.stack], /--confirm only goes with --volumes/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(argv, t.env);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal((await stackContainers(t.stack)).length, 1, 'nothing was removed');
      assert.deepEqual(await stackVolumes(t.stack), [`${t.stack}-claude`]);
    }
    const r = await runCli(['remove', '--volumes', '--confirm', t.stack, '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.deepEqual(res.volumesRemoved, [`${t.stack}-claude`]);
    assert.deepEqual(res.volumesKept, []);
    assert.deepEqual(await stackContainers(t.stack), []);
    assert.deepEqual(await stackVolumes(t.stack), []);
    assert.ok((await docker.getVolume(strayVolume).inspect()).Name, 'an unlabelled volume is never touched');
    const [o] = await stackContainers(other.stack);
    assert.equal(o?.State, 'running');
    assert.equal(o?.Labels[LABELS.stack], other.stack);
    assert.deepEqual(await stackVolumes(other.stack), [`${other.stack}-claude`]);
  });
});

/**
 * Master-key rotation against a real container of the LiteLLM stand-in and the real keychain:
 * the happy path, rotation with the gateway stopped, a failure that rolls back, and a rotation
 * killed (SIGKILL) at every abort point, after which the next gatehouse command recovers it so
 * that the keychain and the running gateway agree and exactly one key works.
 * Keys are compared by fingerprint only, so no assertion can print one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { LABELS } from '../../electron/core/engine/labels';
import { docker, readAllFiles, stackContainers, testStack, type TestStack } from './stack-helpers';
import { authStatus, gatehouse, readJournalFile, tarWith } from './key-helpers';

const fp = (k: string | null) => (k ? fingerprint(k) : null);

/** The invariant after any rotation or recovery: keychain and gateway agree, exactly one key works. */
async function assertConsistent(t: TestStack, otherKeys: (string | null)[]): Promise<string> {
  const store = new KeytarSecretStore(t.service);
  const current = await store.get(ACCOUNTS.masterKey);
  assert.ok(current, 'a current key exists');
  assert.equal(await store.get(ACCOUNTS.pendingMasterKey), null, 'no pending key is left');
  assert.equal(readJournalFile(t.home) ?? null, null, 'no journal is left');
  const gateways = (await stackContainers(t.stack)).filter((c) => c.Labels[LABELS.role] === 'gateway');
  assert.equal(gateways.length, 1, `exactly one gateway container (found ${gateways.map((g) => g.Names[0]).join(', ')})`);
  const g = gateways[0]!;
  assert.equal(g.State, 'running');
  assert.deepEqual(g.Names, [`/${t.stack}-litellm`]);
  assert.equal(g.Labels[LABELS.keyFingerprint], fp(current), 'the running gateway was created with the keychain\'s key');
  assert.equal(await authStatus(t.port, current), 200, 'the current key is accepted');
  assert.equal(await authStatus(t.port, null), 401, 'no key is refused');
  for (const k of otherKeys) if (k && k !== current) assert.equal(await authStatus(t.port, k), 401, `the other key ${fp(k)} is refused`);
  return current;
}

describe('key rotation (real container, real keychain)', () => {
  let t: TestStack;
  let store: KeytarSecretStore;
  before(async () => {
    t = await testStack('krot');
    store = new KeytarSecretStore(t.service);
    const r = await gatehouse(['start'], t.env);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await t.cleanup();
  });

  test('rotate: new key 200, old key 401, volume kept, progress shown, timestamps recorded', async () => {
    const oldKey = (await t.masterKey()) as string;
    const [before] = await stackContainers(t.stack);
    // Something in the credentials volume must survive the recreate.
    await docker.getContainer(before!.Id).putArchive(tarWith('marker.txt', 'kept', 0o644), { path: '/home/claude/.claude' });
    const r = await gatehouse(['key', 'rotate', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { fingerprint: string; previousFingerprint: string; gatewayRecreated: boolean; rotatedAt: string };
    assert.equal(result.previousFingerprint, fp(oldKey));
    assert.equal(result.gatewayRecreated, true);
    for (const step of ['journal', 'recreate', 'verify', 'commit', 'done']) assert.match(r.stderr, new RegExp(`\\[${step}\\]`));
    const current = await assertConsistent(t, [oldKey]);
    assert.equal(fp(current), result.fingerprint);
    const [afterC] = await stackContainers(t.stack);
    assert.notEqual(afterC!.Id, before!.Id, 'the container was recreated');
    const stat = await docker.getContainer(afterC!.Id).infoArchive({ path: '/home/claude/.claude/marker.txt' });
    (stat as unknown as { resume(): void }).resume();
    const info = JSON.parse((await gatehouse(['key', 'info', '--json'], t.env)).stdout) as { rotatedAt: string; fingerprint: string };
    assert.equal(info.rotatedAt, result.rotatedAt);
    assert.equal(info.fingerprint, result.fingerprint);
    assert.ok(!readAllFiles(t.home).includes(current) && !readAllFiles(t.home).includes(oldKey), 'no key in any file Gatehouse wrote');
    assert.ok(!r.stdout.includes(current) && !r.stderr.includes(current) && !r.stderr.includes(oldKey));
  });

  test('a failure while recreating rolls back to the old key and the old container', async () => {
    const oldKey = (await t.masterKey()) as string;
    const [before] = await stackContainers(t.stack);
    // The replacement never listens (a stand-in knob), so it can never be verified.
    t.writeSettings({ extraEnv: { STANDIN_NO_LISTEN: '1' }, startTimeoutSeconds: 3 });
    try {
      const r = await gatehouse(['key', 'rotate'], t.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /ROTATION_FAILED/);
      assert.match(r.stderr, /rolled back/);
      assert.match(r.stderr, /\[rollback\]/);
    } finally {
      t.writeSettings({ extraEnv: {}, startTimeoutSeconds: 120 });
    }
    const current = await assertConsistent(t, []);
    assert.equal(fp(current), fp(oldKey), 'the old key is still current');
    const [afterC] = await stackContainers(t.stack);
    assert.equal(afterC!.Id, before!.Id, 'the old container itself was restored');
  });

  // Abort points 1–7 come before the new gateway is verified (roll back), 8–11 after (roll forward).
  for (let step = 1; step <= 11; step++) {
    test(`killed at abort point ${step}: the next command ${step <= 7 ? 'rolls back' : 'finishes the rotation'}`, async () => {
      const oldKey = (await t.masterKey()) as string;
      const r = await gatehouse(['key', 'rotate'], { ...t.env, GATEHOUSE_TEST_ABORT_AT_STEP: String(step) });
      assert.equal(r.signal, 'SIGKILL', `the rotation was killed at point ${step} (exit ${r.code}): ${r.stderr}`);
      assert.ok(readJournalFile(t.home), 'the journal survived the kill');
      const pendingKey = await store.get(ACCOUNTS.pendingMasterKey);
      if (step >= 2 && step <= 9) assert.ok(pendingKey, 'the new key was pending in the keychain');
      // Any command recovers first; `key info` reports the key without touching Docker otherwise.
      const info = await gatehouse(['key', 'info', '--json'], t.env);
      assert.equal(info.code, 0, info.stderr);
      assert.equal((JSON.parse(info.stdout) as { pendingRotation: boolean }).pendingRotation, false);
      const current = await assertConsistent(t, [oldKey, pendingKey]);
      if (step <= 7) assert.equal(fp(current), fp(oldKey), 'rolled back to the old key');
      else assert.notEqual(fp(current), fp(oldKey), 'rolled forward to the new key');
      if (step >= 8 && pendingKey) assert.equal(fp(current), fp(pendingKey));
    });
  }

  test('recovery that cannot reach Docker blocks every command with a clear error, then succeeds once Docker is back', async () => {
    const oldKey = (await t.masterKey()) as string;
    const r = await gatehouse(['key', 'rotate'], { ...t.env, GATEHOUSE_TEST_ABORT_AT_STEP: '6' });
    assert.equal(r.signal, 'SIGKILL');
    const blocked = await gatehouse(['key', 'print'], { ...t.env, DOCKER_HOST: 'unix:///nonexistent.sock' });
    assert.equal(blocked.code, 1);
    assert.equal(blocked.stdout, '', 'no key is handed out while the rotation is unresolved');
    assert.match(blocked.stderr, /interrupted key rotation could not be finished or rolled back/);
    assert.match(blocked.stderr, /Docker is not reachable/);
    assert.match(blocked.stderr, /ROTATION_FAILED/);
    const info = await gatehouse(['key', 'info'], t.env);
    assert.equal(info.code, 0, info.stderr);
    const current = await assertConsistent(t, []);
    assert.equal(fp(current), fp(oldKey));
  });

  test('with the gateway stopped the keychain changes and the stopped container is replaced, unstarted, with the new key; the next start uses it', async () => {
    assert.equal((await gatehouse(['stop'], t.env)).code, 0);
    const oldKey = (await t.masterKey()) as string;
    const [stopped] = await stackContainers(t.stack);
    const r = await gatehouse(['key', 'rotate', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { gatewayRecreated: boolean }).gatewayRecreated, false);
    assert.doesNotMatch(r.stderr, /\[recreate\]/);
    // A container holding the revoked key would accept it again after a `docker start`.
    const after = await stackContainers(t.stack);
    assert.equal(after.length, 1, 'one gateway container');
    assert.notEqual(after[0]!.Id, stopped!.Id, 'the one holding the old key is gone');
    assert.equal(after[0]!.State, 'created', 'its replacement is not started');
    assert.equal(after[0]!.Labels[LABELS.keyFingerprint], fp(await t.masterKey()));
    assert.notEqual(fp(await t.masterKey()), fp(oldKey));
    const s = await gatehouse(['start'], t.env);
    assert.equal(s.code, 0, s.stderr);
    await assertConsistent(t, [oldKey]);
  });
});

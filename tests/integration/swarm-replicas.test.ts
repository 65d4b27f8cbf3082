/**
 * Swarm mode's `replicas` setting and the update order, against the seed stand-in on the
 * session's single-node swarm (useSingleNodeSwarm): host-mode publishing, since the routing mesh
 * does not answer in this sandbox. Host mode with more replicas than nodes is refused before
 * anything changes; a rotation updates the service stop-first and verifies new / old / no key;
 * an ingress service with 2 replicas is checked by its spec only (start-first, Replicas 2).
 * Only this test's stacks are touched (by their stack label).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { httpGet } from '../../electron/core/services/http-probe';
import { LABELS } from '../../electron/core/engine/labels';
import { removeSwarmObjects, useSingleNodeSwarm } from './swarm-helpers';
import { docker, runCli, SEED, testStack, type TestStack } from './stack-helpers';

interface ServiceView {
  ID: string;
  Version?: { Index?: number };
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number } };
    UpdateConfig?: { Order?: string; Parallelism?: number };
    EndpointSpec?: { Ports?: { PublishMode?: string; PublishedPort?: number }[] };
  };
}

async function stackService(stack: string): Promise<ServiceView> {
  const all = (await docker.listServices({ filters: { label: [`${LABELS.stack}=${stack}`] } })) as ServiceView[];
  assert.equal(all.length, 1, `one service for ${stack}`);
  return all[0]!;
}

async function secretNames(stack: string): Promise<string[]> {
  return (await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${stack}`] } })).map((s) => s.Spec?.Name ?? '').sort();
}

async function statusOf(url: string, key: string | null): Promise<number> {
  return (await httpGet(`${url}/v1/models`, { timeoutMs: 3000, headers: key ? { authorization: `Bearer ${key}` } : undefined })).status;
}

/** The Docker event actions of one container's execs since `since` (seconds), up to now. */
async function execActions(containerId: string, since: number): Promise<string[]> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const stream = await docker.getEvents({ since, until, filters: { type: ['container'], container: [containerId] } });
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { Action?: string }).Action ?? '');
}

describe('swarm mode: replicas and the update order', () => {
  let swarm: Awaited<ReturnType<typeof useSingleNodeSwarm>>;
  let t: TestStack;
  let url: string;
  before(async () => {
    swarm = await useSingleNodeSwarm();
    t = await testStack('swrep', SEED);
    t.writeSettings({ target: 'swarm', publishMode: 'host', replicas: 1 });
    url = `http://127.0.0.1:${t.port}`;
  });
  after(async () => {
    await removeSwarmObjects(t.stack);
    await t.cleanup();
    await swarm.restore();
  });

  test('replicas 1 in host mode: the service has Replicas 1 and UpdateConfig.Order stop-first; status 1/1 healthy', async () => {
    const r = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    const svc = await stackService(t.stack);
    assert.equal(svc.Spec?.Mode?.Replicated?.Replicas, 1);
    assert.equal(svc.Spec?.UpdateConfig?.Order, 'stop-first');
    assert.equal(svc.Spec?.UpdateConfig?.Parallelism, 1);
    assert.equal(svc.Spec?.EndpointSpec?.Ports?.[0]?.PublishMode, 'host');
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string; replicas: { running: number; desired: number } };
    assert.equal(st.state, 'healthy');
    assert.deepEqual(st.replicas, { running: 1, desired: 1 });
  });

  test('replicas 2 in host mode on a single-node swarm: SETTINGS_INVALID with the fix, nothing changed (start and key rotate)', async () => {
    const key = (await t.masterKey())!;
    const before = await stackService(t.stack);
    const secretsBefore = await secretNames(t.stack);
    const set = await runCli(['settings', 'set', 'replicas', '2'], t.env);
    assert.equal(set.code, 0, set.stderr);
    try {
      const r = await runCli(['start'], t.env, { timeoutMs: 120_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /replicas is 2 with publishMode "host" on a single-node swarm/);
      assert.match(r.stderr, new RegExp(`each task publishes port ${t.port} on its own node`));
      assert.match(r.stderr, /fix: .*`gatehouse settings set replicas 1`.*`gatehouse settings set publishMode ingress`/);
      assert.match(r.stderr, /\(error code SETTINGS_INVALID\)/);

      const rot = await runCli(['key', 'rotate'], t.env, { timeoutMs: 120_000 });
      assert.equal(rot.code, 1, rot.stderr);
      assert.match(rot.stderr, /\(error code SETTINGS_INVALID\)/);
      assert.equal(await t.masterKey(), key, 'the refused rotation kept the key');

      const afterRefusal = await stackService(t.stack);
      assert.equal(afterRefusal.Version?.Index, before.Version?.Index, 'the service was not updated');
      assert.deepEqual(afterRefusal.Spec, before.Spec);
      assert.deepEqual(await secretNames(t.stack), secretsBefore, 'no secret made or removed');
      assert.equal(await statusOf(url, key), 200, 'the gateway still serves the key');
    } finally {
      const back = await runCli(['settings', 'set', 'replicas', '1'], t.env);
      assert.equal(back.code, 0, back.stderr);
    }
  });

  test('key rotate: the phases named; new key 200, old key 401, no key 401; the old secret removed; stop-first', async () => {
    const oldKey = (await t.masterKey())!;
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await runCli(['key', 'rotate', '--json'], t.env, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    const newKey = (await t.masterKey())!;
    assert.notEqual(newKey, oldKey);
    assert.match(r.stderr, /\[recreate\] Secret and service update: a new Swarm secret for the new key, the gateway service updated to it \(stop-first, 1 replica; volumes kept\)/);
    assert.match(r.stderr, /\[verify\] Rollout and verification: waiting until all 1 replica run the new secret and none the old, then new key 200, old key 401, no key 401 at http:\/\/127\.0\.0\.1:\d+ and inside every task on this node/);
    assert.match(r.stderr, /\[commit\] Old secret removal/);
    assert.ok(!r.stdout.includes(newKey) && !r.stderr.includes(newKey) && !r.stderr.includes(oldKey));

    assert.equal(await statusOf(url, newKey), 200);
    assert.equal(await statusOf(url, oldKey), 401);
    assert.equal(await statusOf(url, null), 401);
    const master = (await secretNames(t.stack)).filter((n) => n.includes('_litellm_master_key_'));
    assert.deepEqual(master, [`${t.stack}_litellm_master_key_${fingerprint(newKey).slice('sha256:'.length)}`], 'only the new key\'s secret remains');
    const svc = await stackService(t.stack);
    assert.equal(svc.Spec?.UpdateConfig?.Order, 'stop-first');
    assert.equal(svc.Spec?.Labels?.[LABELS.keyFingerprint], fingerprint(newKey));
    const tasks = await docker.listTasks({ filters: { service: [svc.ID], 'desired-state': ['running'] } });
    assert.equal(tasks.length, 1, 'one task wanted running');
    // The per-task check ran inside the new task's container (Docker exec: no key, new key, old key).
    const container = (tasks[0] as { Status?: { ContainerStatus?: { ContainerID?: string } } }).Status?.ContainerStatus?.ContainerID;
    assert.ok(container);
    const probes = (await execActions(container, since)).filter((a) => a.startsWith('exec_start: ') && a.includes('127.0.0.1:4000/v1/models'));
    assert.ok(probes.length >= 3, `the rotation probed inside the task (${probes.length} probe execs seen)`);
  });

  test('a service scaled to 2 outside Gatehouse in host mode: status unhealthy with Swarm\'s reason, 1/2; start scales it back to 1 (an update, not "already running")', async () => {
    const key = (await t.masterKey())!;
    const svc = await stackService(t.stack);
    const service = docker.getService(svc.ID);
    const info = (await service.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await service.update({ ...info.Spec, version: info.Version.Index, Mode: { Replicated: { Replicas: 2 } } });
    let held = '';
    for (let i = 0; i < 100 && !held; i++) {
      const tasks = (await docker.listTasks({ filters: { service: [svc.ID], 'desired-state': ['running'] } })) as { Status?: { State?: string; Err?: string } }[];
      held = tasks.find((x) => x.Status?.State === 'pending' && x.Status.Err)?.Status?.Err ?? '';
      if (!held) await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(held, /host-mode port already in use/, 'Swarm holds the second task back');
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string; detail: string; replicas: { running: number; desired: number } };
    assert.deepEqual(st.replicas, { running: 1, desired: 2 });
    assert.equal(st.state, 'unhealthy');
    assert.match(st.detail, /1\/2 replicas running\. Serving, but 1 replica cannot run: .*host-mode port already in use/);

    const r = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /already running/);
    assert.equal((await stackService(t.stack)).Spec?.Mode?.Replicated?.Replicas, 1);
    const after = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string; replicas: { running: number; desired: number } };
    assert.deepEqual([after.state, after.replicas], ['healthy', { running: 1, desired: 1 }]);
    assert.equal(await statusOf(url, key), 200);
  });

  for (const step of [3, 10]) {
    test(`a swarm rotation killed at abort point ${step} recovers to one agreed key and one master-key secret`, async () => {
      const before = (await t.masterKey())!;
      const killed = await runCli(['key', 'rotate'], { ...t.env, GATEHOUSE_TEST: '1', GATEHOUSE_TEST_ABORT_AT_STEP: String(step) }, { timeoutMs: 180_000 });
      assert.notEqual(killed.code, 0, 'the rotation was killed');
      const st = await runCli(['status', '--json'], t.env, { timeoutMs: 180_000 });
      assert.equal(st.code, 0, st.stderr);
      assert.equal(JSON.parse(st.stdout).state, 'healthy');
      const after = (await t.masterKey())!;
      // Before the service update the old key stays; once the keychain took the new key, the rotation is finished.
      if (step === 3) assert.equal(after, before);
      else assert.notEqual(after, before);
      assert.equal(await statusOf(url, after), 200);
      assert.equal(await statusOf(url, null), 401);
      if (after !== before) assert.equal(await statusOf(url, before), 401);
      const master = (await secretNames(t.stack)).filter((n) => n.includes('_litellm_master_key_'));
      assert.deepEqual(master, [`${t.stack}_litellm_master_key_${fingerprint(after).slice('sha256:'.length)}`]);
    });
  }

  test('ingress with replicas 2: the spec has Replicas 2 and UpdateConfig.Order start-first (the routing mesh does not answer here)', async (ctx) => {
    const other = await testStack('swrepin', SEED);
    try {
      // The start creates the service, then waits for the mesh that does not answer in this sandbox.
      other.writeSettings({ target: 'swarm', publishMode: 'ingress', replicas: 2, startTimeoutSeconds: 5 });
      const r = await runCli(['start'], other.env, { timeoutMs: 120_000 });
      if (r.code !== 0) assert.match(r.stderr, /\(error code HEALTH_TIMEOUT\)/, r.stderr);
      ctx.diagnostic(`gatehouse start with ingress: exit ${r.code}${r.code ? ' (HEALTH_TIMEOUT: the mesh did not answer)' : ' (the mesh answered)'}`);
      const svc = await stackService(other.stack);
      assert.equal(svc.Spec?.Mode?.Replicated?.Replicas, 2);
      assert.equal(svc.Spec?.UpdateConfig?.Order, 'start-first');
      assert.equal(svc.Spec?.UpdateConfig?.Parallelism, 1);
      assert.equal(svc.Spec?.EndpointSpec?.Ports?.[0]?.PublishMode, 'ingress');
    } finally {
      await removeSwarmObjects(other.stack);
      await other.cleanup();
    }
  });
});

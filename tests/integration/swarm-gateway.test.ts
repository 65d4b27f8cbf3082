/**
 * Swarm mode end to end (settings.target "swarm"): `gatehouse swarm init|status`, and start /
 * status / stop of the gateway as the Swarm service `<stack>_litellm` against the seed stand-in,
 * its key a Swarm secret. The swarm is a single-node one this test creates only when the engine
 * is in none, and leaves as found (`swarm leave --force` only if it did the init). Only this
 * test's services, secrets and volumes are touched (by its stack label).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { httpGet } from '../../electron/core/services/http-probe';
import { LABELS } from '../../electron/core/engine/labels';
import { leaveSwarm, removeSwarmObjects, swarmState } from './swarm-helpers';
import { docker, rand, readAllFiles, runCli, runCommand, SEED, testStack, type TestStack } from './stack-helpers';

describe('swarm mode: gatehouse swarm init|status, start/status/stop of the gateway service', () => {
  const initial = { state: 'inactive', manager: false };
  let didInit = false;
  let t: TestStack;
  const outputs: string[] = [];
  before(async () => {
    Object.assign(initial, await swarmState());
    t = await testStack('swarm', SEED);
    t.writeSettings({ target: 'swarm', publishMode: 'host' });
  });
  after(async () => {
    await removeSwarmObjects(t.stack);
    await t.cleanup();
    if (didInit) await leaveSwarm();
    assert.deepEqual(await swarmState(), initial, 'the engine is left in the swarm state it was found in');
  });

  test('target swarm on an engine in no swarm: SWARM_NOT_MANAGER, whose fix is gatehouse swarm init', async (ctx) => {
    if (initial.state !== 'inactive') return ctx.skip(`the engine is already in a swarm (${initial.state}); this case needs one in none`);
    const r = await runCli(['start'], t.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not in a swarm/);
    assert.match(r.stderr, /fix: .*`gatehouse swarm init`/);
    assert.match(r.stderr, /\(error code SWARM_NOT_MANAGER\)/);
    assert.equal(await t.masterKey(), null, 'a swarm start that cannot happen creates no key');
    for (const cmd of [['status'], ['stop']]) {
      const other = await runCli(cmd, t.env);
      assert.equal(other.code, 1, other.stderr);
      assert.match(other.stderr, /\(error code SWARM_NOT_MANAGER\)/, `gatehouse ${cmd.join(' ')} says so too`);
    }
    const s = await runCli(['swarm', 'status', '--json'], t.env);
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual({ ...JSON.parse(s.stdout), nodeId: null }, { state: 'inactive', manager: false, nodeId: null, nodes: 0, managers: 0, target: 'swarm' });
  });

  test('target swarm with Docker not reachable: DOCKER_UNREACHABLE, and no key is created', async () => {
    const down = await testStack('swarm-nodocker', SEED, { DOCKER_HOST: 'unix:///nonexistent-gatehouse.sock' });
    try {
      down.writeSettings({ target: 'swarm' });
      const r = await runCli(['start'], down.env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /\(error code DOCKER_UNREACHABLE\)/);
      assert.equal(await down.masterKey(), null, 'no key is created when Docker is down');
    } finally {
      await down.cleanup();
    }
  });

  test('gatehouse swarm init makes a single-node swarm (or leaves a manager as it is); swarm status reads it', async () => {
    const r = await runCli(['swarm', 'init', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { created: boolean; manager: boolean; nodes: number };
    assert.equal(out.created, !initial.manager);
    didInit = out.created;
    assert.equal(out.manager, true);
    assert.ok(out.nodes >= 1);
    const s = await runCli(['swarm', 'status'], t.env);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /Manager: +yes/);
    const again = await runCli(['swarm', 'init', '--json'], t.env);
    assert.equal(JSON.parse(again.stdout).created, false, 'a second init changes nothing');
  });

  test('start deploys <stack>_litellm with the key as a Swarm secret: 200 with the key, 401 without, the key in no Env', async () => {
    const r = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const key = await t.masterKey();
    assert.ok(key);
    const url = `http://127.0.0.1:${t.port}`;
    assert.equal((await httpGet(`${url}/v1/models`, { timeoutMs: 3000 })).status, 401);
    assert.equal((await httpGet(`${url}/v1/models`, { timeoutMs: 3000, headers: { authorization: `Bearer ${key}` } })).status, 200);

    const services = await docker.listServices({ filters: { label: [`${LABELS.stack}=${t.stack}`] } });
    assert.equal(services.length, 1);
    const svc = services[0]!;
    assert.equal(svc.Spec?.Name, `${t.stack}_litellm`);
    assert.equal(svc.Spec?.Labels?.[LABELS.role], 'gateway');
    assert.equal(svc.Spec?.Labels?.[LABELS.keyFingerprint], fingerprint(key));
    const specText = JSON.stringify(svc.Spec);
    assert.ok(!specText.includes(key), 'the key is nowhere in the service spec');
    const cs = (svc.Spec?.TaskTemplate as { ContainerSpec: { Env?: string[]; Command: string[]; Secrets: { SecretName: string; File: { Name: string } }[]; Healthcheck?: { Test: string[] } } }).ContainerSpec;
    assert.ok(!(cs.Env ?? []).some((e) => /MASTER_KEY|SALT_KEY|OAUTH_TOKEN/.test(e)), 'no secret variable in the spec Env');
    assert.equal(cs.Command[0], '/bin/sh');
    const master = cs.Secrets.find((s) => s.File.Name === 'LITELLM_MASTER_KEY');
    assert.equal(master?.SecretName, `${t.stack}_litellm_master_key_${fingerprint(key).slice('sha256:'.length)}`);
    assert.ok(cs.Secrets.some((s) => s.File.Name === 'LITELLM_SALT_KEY'), 'the salt key is a Swarm secret too');
    assert.match(cs.Healthcheck?.Test.join(' ') ?? '', /\/run\/secrets\/LITELLM_MASTER_KEY/, 'the HEALTHCHECK reads the key from its secret file');

    // Every task container: the key not in its Env, but the file in /run/secrets.
    const tasks = await docker.listTasks({ filters: { service: [svc.ID] } });
    const ids = tasks.map((x) => (x as { Status?: { ContainerStatus?: { ContainerID?: string } } }).Status?.ContainerStatus?.ContainerID).filter((x): x is string => !!x);
    assert.ok(ids.length >= 1);
    for (const id of ids) {
      const info = await docker.getContainer(id).inspect();
      assert.ok(!JSON.stringify(info.Config.Env ?? []).includes(key), `container ${id.slice(0, 12)} has the key in its Env`);
      assert.ok(!JSON.stringify(info).includes(key), `container ${id.slice(0, 12)} shows the key to docker inspect`);
    }
    // The overridden HEALTHCHECK passes in the task (it finds the key in the secret file): run it as Docker would.
    const exec = await docker.getContainer(ids[0]!).exec({ Cmd: ['/bin/sh', '-c', cs.Healthcheck!.Test[1]!], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise((r) => { stream.on('end', r); stream.on('close', r); stream.resume(); });
    assert.equal((await exec.inspect()).ExitCode, 0, 'the HEALTHCHECK command succeeds in the task container');

    const st = await runCli(['status', '--json'], t.env);
    assert.equal(st.code, 0, st.stderr);
    const status = JSON.parse(st.stdout) as { state: string; keyFingerprint: string; replicas: { running: number; desired: number }; tasks: { node: string | null }[] };
    assert.equal(status.state, 'healthy');
    assert.equal(status.keyFingerprint, fingerprint(key));
    assert.deepEqual(status.replicas, { running: 1, desired: 1 });
    assert.ok(status.tasks[0]?.node, 'each task names its node');
    const human = await runCli(['status'], t.env);
    assert.match(human.stdout, /Replicas: +1\/1 running \([0-9a-z]{12} (?:running|starting) on [0-9a-z]{12}\)/);
    assert.ok(!readAllFiles(t.home).includes(key), 'no file Gatehouse writes holds the key');
    for (const o of outputs) assert.ok(!o.includes(key));
  });

  test('a second start finds it running; stop scales it to 0 and keeps service, secret and volume; start again serves', async () => {
    const again = await runCli(['start'], t.env, { timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already running/);
    const stop = await runCli(['stop'], t.env, { timeoutMs: 120_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string; replicas: { running: number; desired: number } };
    assert.equal(st.state, 'stopped');
    assert.deepEqual(st.replicas, { running: 0, desired: 0 });
    assert.equal((await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${t.stack}`] } })).length >= 1, true);
    assert.ok(await docker.getVolume(`${t.stack}-claude`).inspect());
    const start = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    assert.equal(start.code, 0, start.stderr);
    const key = await t.masterKey();
    assert.equal((await httpGet(`http://127.0.0.1:${t.port}/v1/models`, { timeoutMs: 3000, headers: { authorization: `Bearer ${key}` } })).status, 200);
  });

  async function masterKeySecrets(): Promise<string[]> {
    const all = await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${t.stack}`] } });
    return all.map((x) => x.Spec?.Name ?? '').filter((n) => n.includes('_litellm_master_key_'));
  }

  async function expectServing(key: string, refused: string[]): Promise<void> {
    const url = `http://127.0.0.1:${t.port}/v1/models`;
    assert.equal((await httpGet(url, { timeoutMs: 3000, headers: { authorization: `Bearer ${key}` } })).status, 200, 'the keychain key is served');
    assert.equal((await httpGet(url, { timeoutMs: 3000 })).status, 401, 'no key is refused');
    for (const k of refused) assert.equal((await httpGet(url, { timeoutMs: 3000, headers: { authorization: `Bearer ${k}` } })).status, 401, 'the other key is refused');
    assert.deepEqual(await masterKeySecrets(), [`${t.stack}_litellm_master_key_${fingerprint(key).slice('sha256:'.length)}`], 'exactly the current key\'s secret remains');
    const svc = (await docker.listServices({ filters: { label: [`${LABELS.stack}=${t.stack}`] } }))[0]!;
    assert.equal(svc.Spec?.Labels?.[LABELS.keyFingerprint], fingerprint(key));
  }

  test('key rotate in swarm mode: a new secret, the service updated, new key 200 / old 401 / none 401, the old secret removed', async () => {
    const oldKey = (await t.masterKey())!;
    const r = await runCli(['key', 'rotate', '--json'], t.env, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    const newKey = (await t.masterKey())!;
    assert.notEqual(newKey, oldKey);
    assert.equal(JSON.parse(r.stdout).fingerprint, fingerprint(newKey));
    await expectServing(newKey, [oldKey]);
    assert.ok(!r.stdout.includes(newKey) && !r.stderr.includes(newKey));
  });

  for (const step of [7, 9]) {
    test(`a rotation killed at abort point ${step} recovers to one agreed key at the next command`, async () => {
      const before = (await t.masterKey())!;
      const killed = await runCli(['key', 'rotate'], { ...t.env, GATEHOUSE_TEST: '1', GATEHOUSE_TEST_ABORT_AT_STEP: String(step) }, { timeoutMs: 180_000 });
      assert.notEqual(killed.code, 0, 'the rotation was killed');
      const st = await runCli(['status', '--json'], t.env, { timeoutMs: 180_000 });
      assert.equal(st.code, 0, st.stderr);
      const after = (await t.masterKey())!;
      // Before "verified" the old key stays; after the keychain took the new one, the rotation is finished.
      if (step === 7) assert.equal(after, before);
      else assert.notEqual(after, before);
      assert.equal(JSON.parse(st.stdout).state, 'healthy');
      await expectServing(after, after === before ? [] : [before]);
    });
  }

  test('an image without /bin/sh: a clear error before any service is made', async () => {
    const other = await testStack('swarmnosh', `gatehouse-test/no-shell:${rand()}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-nosh-'));
    try {
      fs.writeFileSync(path.join(dir, 'hello'), 'no shell here\n');
      const imp = await runCommand(['bash', '-c', `tar -C ${dir} -cf - . | docker import --change 'CMD ["/hello"]' - ${other.env.GATEHOUSE_IMAGE}`], other.env, 60_000, 'docker import');
      assert.equal(imp.code, 0, imp.stderr);
      other.writeSettings({ target: 'swarm', publishMode: 'host' });
      const r = await runCli(['start'], other.env, { timeoutMs: 120_000 });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /has no \/bin\/sh/);
      assert.equal((await docker.listServices({ filters: { label: [`${LABELS.stack}=${other.stack}`] } })).length, 0);
    } finally {
      await removeSwarmObjects(other.stack);
      await other.cleanup();
      await docker.getImage(other.env.GATEHOUSE_IMAGE!).remove().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

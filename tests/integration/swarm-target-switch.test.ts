/**
 * Changing settings.target with the stack running, as a user switching to server mode and back
 * would: the other target's gateway is stopped first (kept, not removed), so two gateways never
 * share the port — and the start's readiness probe is never answered by the old gateway.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet } from '../../electron/core/services/http-probe';
import { LABELS } from '../../electron/core/engine/labels';
import { engineWithoutSwarm } from '../e2e/engine-without-swarm';
import { removeSwarmObjects, useSingleNodeSwarm } from './swarm-helpers';
import { docker, runCli, SEED, stackContainers, testStack, type TestStack } from './stack-helpers';

describe('switching target between container and swarm with the stack running', () => {
  let t: TestStack;
  let restoreSwarm: () => Promise<void> = async () => undefined;
  before(async () => {
    restoreSwarm = (await useSingleNodeSwarm()).restore;
    t = await testStack('switch', SEED);
  });
  after(async () => {
    await removeSwarmObjects(t.stack);
    await t.cleanup();
    await restoreSwarm();
  });

  async function serviceReplicas(): Promise<number | null> {
    const svc = (await docker.listServices({ filters: { label: [`${LABELS.stack}=${t.stack}`] } }))[0];
    return svc ? ((svc.Spec?.Mode as { Replicated?: { Replicas?: number } })?.Replicated?.Replicas ?? 0) : null;
  }

  async function gatewayContainerRunning(): Promise<boolean> {
    return (await stackContainers(t.stack)).some((c) => c.Labels[LABELS.role] === 'gateway' && c.State === 'running');
  }

  async function answersWithKey(): Promise<number> {
    const key = await t.masterKey();
    return (await httpGet(`http://127.0.0.1:${t.port}/v1/models`, { timeoutMs: 3000, headers: { authorization: `Bearer ${key}` } })).status;
  }

  test('target swarm on an engine that is no manager: SWARM_NOT_MANAGER, and the running container gateway is left running', async () => {
    const first = await runCli(['start'], t.env, { timeoutMs: 120_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await gatewayContainerRunning(), true);
    // The real engine manages a swarm (or is in none); this endpoint in front of it reports none.
    const endpoint = await engineWithoutSwarm();
    try {
      t.writeSettings({ target: 'swarm', publishMode: 'host' });
      const r = await runCli(['start'], { ...t.env, DOCKER_HOST: endpoint.dockerHost }, { timeoutMs: 120_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /\(error code SWARM_NOT_MANAGER\)/);
    } finally {
      await endpoint.close();
    }
    assert.equal(await gatewayContainerRunning(), true, 'a swarm start that cannot happen stops nothing');
    assert.equal(await answersWithKey(), 200);
  });

  test('container → swarm: the container is stopped (kept) before the service is deployed, and the service serves', async () => {
    assert.equal(await gatewayContainerRunning(), true);
    t.writeSettings({ target: 'swarm', publishMode: 'host' });
    const r = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await gatewayContainerRunning(), false, 'the gateway container was stopped');
    assert.ok((await stackContainers(t.stack)).some((c) => c.Labels[LABELS.role] === 'gateway'), 'the gateway container is kept');
    assert.equal(await serviceReplicas(), 1);
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as { state: string; replicas?: { running: number } };
    assert.equal(st.state, 'healthy');
    assert.equal(st.replicas?.running, 1, 'the status is the service\'s: the service, not the old container, serves');
    assert.equal(await answersWithKey(), 200);
  });

  test('swarm → container: the service is scaled to 0 (kept) and the container serves again', async () => {
    t.writeSettings({ target: 'container' });
    const r = await runCli(['start'], t.env, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await serviceReplicas(), 0, 'the service is kept at 0 replicas');
    assert.equal(await gatewayContainerRunning(), true);
    assert.equal(await answersWithKey(), 200);
    const again = await runCli(['start'], t.env, { timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already running/, 'a second container start touches no swarm object');
  });
});

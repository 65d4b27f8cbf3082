/**
 * The swarm gateway's replica rules (update order, host-mode placement) and the pure readings of
 * its tasks: rollout readiness and the stack state for partial replica counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostModeReplicaProblem, updateOrder } from '../../electron/core/swarm/replica-rules';
import { rollout, serviceState } from '../../electron/core/swarm/task-states';
import type { ServiceSpec, TaskDetails } from '../../electron/core/engine/types';
import { isGatehouseError } from '../../electron/core/errors';

test('update order: start-first only with the routing mesh and two or more replicas', () => {
  assert.equal(updateOrder('ingress', 2), 'start-first');
  assert.equal(updateOrder('ingress', 32), 'start-first');
  assert.equal(updateOrder('ingress', 1), 'stop-first', 'one replica: one gateway process at a time');
  assert.equal(updateOrder('host', 1), 'stop-first');
  assert.equal(updateOrder('host', 2), 'stop-first', 'host mode: the replacement cannot bind the port its predecessor holds');
  assert.equal(updateOrder('host', 32), 'stop-first');
});

test('host mode: more replicas than nodes is refused with SETTINGS_INVALID and a fix; everything else fits', () => {
  const e = hostModeReplicaProblem('host', 2, 1, 4000);
  assert.ok(e && isGatehouseError(e, 'SETTINGS_INVALID'));
  assert.match(e.message, /replicas is 2 with publishMode "host" on a single-node swarm/);
  assert.match(e.message, /port 4000/);
  assert.match(e.message, /at most 1 can run/);
  assert.match(e.fix ?? '', /gatehouse settings set replicas 1/);
  assert.match(e.fix ?? '', /gatehouse settings set publishMode ingress/);
  assert.match(hostModeReplicaProblem('host', 5, 3, 4000)?.message ?? '', /a swarm of 3 nodes.*at most 3/);
  assert.equal(hostModeReplicaProblem('host', 1, 1, 4000), null);
  assert.equal(hostModeReplicaProblem('host', 3, 3, 4000), null);
  assert.equal(hostModeReplicaProblem('ingress', 32, 1, 4000), null, 'the mesh puts any number of tasks on one node');
  assert.equal(hostModeReplicaProblem('host', 4, 0, 4000), null, 'an unknown node count is not judged');
});

const SPEC_NEW = { Image: 'gw:1', Args: ['/usr/bin/node', 'server.js'], Secrets: [{ SecretName: 's_key_new' }, { SecretName: 's_salt' }] };
const SPEC_OLD = { ...SPEC_NEW, Secrets: [{ SecretName: 's_salt' }, { SecretName: 's_key_old' }] };

function spec(replicas: number): ServiceSpec {
  return { Name: 'x_litellm', TaskTemplate: { ContainerSpec: SPEC_NEW }, Mode: { Replicated: { Replicas: replicas } } } as ServiceSpec;
}

let n = 0;
function task(state: string, desired: string, cs: object = SPEC_NEW, err?: string): TaskDetails {
  return { ID: `t${++n}`, NodeID: 'node1', DesiredState: desired, Status: { State: state, ...(err ? { Err: err } : {}) }, Spec: { ContainerSpec: cs } } as TaskDetails;
}

test('rollout: ready only when every wanted replica serves the new spec and no task of the old one runs', () => {
  assert.equal(rollout([task('running', 'running')], spec(1)).ready, true);
  assert.equal(rollout([task('starting', 'running')], spec(1)).ready, true, 'a task Docker still health-checks already serves');
  const scaling = rollout([task('running', 'running'), task('preparing', 'running')], spec(2));
  assert.deepEqual([scaling.ready, scaling.serving, scaling.desired], [false, 1, 2]);
  assert.match(scaling.detail, /1\/2 replicas serve the new service spec/);
  // stop-first: the old task is told to shut down and still runs; the new one waits (desired "ready").
  const replacing = rollout([task('running', 'shutdown', SPEC_OLD), task('ready', 'ready')], spec(1));
  assert.deepEqual([replacing.ready, replacing.stale], [false, 1]);
  assert.match(replacing.detail, /1 task of the previous spec still running/);
  // start-first: the new task serves, the old one has not stopped yet: the old key may still answer.
  assert.equal(rollout([task('running', 'running'), task('running', 'shutdown', SPEC_OLD)], spec(1)).ready, false);
  assert.equal(rollout([task('running', 'running'), task('shutdown', 'shutdown', SPEC_OLD)], spec(1)).ready, true);
  // Secret order in a task does not matter; another key's secret does.
  assert.equal(rollout([task('running', 'running', { ...SPEC_NEW, Secrets: [...SPEC_NEW.Secrets].reverse() })], spec(1)).ready, true);
  assert.equal(rollout([task('running', 'running', SPEC_OLD)], spec(1)).ready, false);
  assert.equal(rollout([task('running', 'running', { ...SPEC_NEW, Image: 'gw:1@sha256:abc' })], spec(1)).ready, true, 'a pinned digest is the same image');
  const held = rollout([task('running', 'running'), task('pending', 'running', SPEC_NEW, 'no suitable node (host-mode port already in use on 1 node)')], spec(2));
  assert.equal(held.ready, false);
  assert.match(held.detail, /a task waits: no suitable node/);
});

const ok = { ok: true } as const;
function state(desired: number, tasks: TaskDetails[], live: boolean | null, barrier: Parameters<typeof serviceState>[0]['barrier']) {
  return serviceState({ serviceName: 'x_litellm', desired, tasks, live, barrier });
}

test('status: partial replica counts are never healthy; starting while the rest come, unhealthy with the reason when they cannot', () => {
  assert.deepEqual(serviceState({ serviceName: null, desired: 0, tasks: [], live: null, barrier: null }), { state: 'absent', detail: null });
  assert.equal(state(0, [], null, null).state, 'stopped');
  assert.deepEqual(state(2, [task('running', 'running'), task('running', 'running')], true, ok), { state: 'healthy', detail: 'Swarm service x_litellm: 2/2 replicas running.' });

  const coming = state(2, [task('running', 'running'), task('preparing', 'running')], true, ok);
  assert.equal(coming.state, 'starting');
  assert.match(coming.detail!, /1\/2 replicas running\. Serving meanwhile; 1 more on the way/);

  const stuck = state(2, [task('running', 'running'), task('pending', 'running', SPEC_NEW, 'no suitable node (host-mode port already in use on 1 node)')], true, ok);
  assert.equal(stuck.state, 'unhealthy');
  assert.match(stuck.detail!, /1\/2 replicas running\. Serving, but 1 replica cannot run: no suitable node \(host-mode port already in use on 1 node\)/);

  const none = state(1, [task('pending', 'running')], null, null);
  assert.equal(none.state, 'starting');
  const crashed = state(1, [task('failed', 'shutdown', SPEC_NEW, 'task: non-zero exit (1)')], null, null);
  assert.deepEqual(crashed, { state: 'crashed', detail: 'Swarm service x_litellm: 0/1 replicas running. Last task error: task: non-zero exit (1).' });

  assert.equal(state(1, [task('starting', 'running')], false, null).state, 'starting', 'booting: Docker has not passed its first check');
  assert.equal(state(1, [task('running', 'running')], false, null).state, 'unhealthy', 'runs and does not answer');
  assert.equal(state(2, [task('running', 'running'), task('running', 'running')], true, { ok: false, unsafe: true, detail: 'HTTP 200 without a key' }).state, 'unsafe');
  const refused = state(1, [task('running', 'running')], true, { ok: false, unsafe: false, detail: 'HTTP 401 with the key' });
  assert.equal(refused.state, 'unhealthy');
  assert.match(refused.detail!, /HTTP 401 with the key\.$/);
  // Tasks being replaced or scaled away do not count.
  assert.equal(state(1, [task('running', 'running'), task('running', 'shutdown', SPEC_OLD)], true, ok).state, 'healthy');
});

// Server mode over a remote engine (DOCKER_HOST=ssh://…, the usual way to drive a server's swarm):
// the gateway service's readiness, its "already running" check and its status are asked from
// inside a task's container (Docker exec through the engine's own connection), never by sending
// the key in clear to the server's published port. Here the local engine plays the remote one: it
// reports itself as ssh://me@build-box, so the URL Gatehouse derives for the gateway
// (http://build-box:PORT) resolves nowhere and an answer can only come from inside the task.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEndpoint, type DockerEndpoint } from '../../electron/core/engine/connection';
import { DockerodeEngine } from '../../electron/core/engine/dockerode-engine';
import { Gatehouse } from '../../electron/core/gatehouse';
import { docker, SEED, testStack, type TestStack } from '../integration/stack-helpers';
import { removeSwarmObjects, useSingleNodeSwarm } from '../integration/swarm-helpers';

const REMOTE = 'ssh://me@build-box';

/** The local engine, reporting itself as an ssh:// one: what a remote engine looks like to the core. */
class RemoteLookingEngine extends DockerodeEngine {
  override endpoint(): DockerEndpoint {
    return describeEndpoint({ DOCKER_HOST: REMOTE });
  }
}

let t: TestStack;
let restoreSwarm: () => Promise<void> = async () => undefined;
before(async () => {
  restoreSwarm = (await useSingleNodeSwarm()).restore;
  t = await testStack('swarmremote', SEED);
  t.writeSettings({ target: 'swarm', publishMode: 'host' });
});
after(async () => {
  await removeSwarmObjects(t.stack);
  await t.cleanup();
  await restoreSwarm();
});

test('remote engine, swarm mode: start, a second start and status all verify the key from inside the task, never over the network in clear', { timeout: 240_000 }, async () => {
  const env = { ...t.env };
  const engine = new RemoteLookingEngine(env);
  await engine.ping(); // the client is made now, over the local socket
  env.DOCKER_HOST = REMOTE; // from here on the core derives the gateway's address from it
  const since = Math.floor(Date.now() / 1000) - 1;
  const core = await Gatehouse.open({ env: t.env, engine });
  try {
    const plan = await core.gateway.plan();
    assert.match(core.gateway.probeUrl(plan), /^http:\/\/build-box:\d+$/, 'the address Gatehouse would use for a remote gateway');
    const first = await core.stack.startWithOutcome();
    assert.equal(first.outcome, 'created');
    assert.equal(first.status.state, 'healthy');
    const again = await core.stack.startWithOutcome();
    assert.equal(again.outcome, 'already-running', 'the running check verified the key from inside the task');
    const st = await core.stack.status();
    assert.equal(st.state, 'healthy', st.detail ?? '');
  } finally {
    await core.close();
  }
  // The checks ran as execs in the task's container, the key in no exec's command line.
  const key = (await t.masterKey()) as string;
  const stream = (await docker.getEvents({ since, until: Math.floor(Date.now() / 1000) + 1, filters: { event: ['exec_create'], label: [`io.gatehouse.stack=${t.stack}`] } })) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  const probes = text.split('\n').filter((l) => /exec_create: (node|python3) /.test(l));
  assert.ok(probes.length >= 3, `the probes ran inside the task (${probes.length} probe execs)`);
  assert.ok(!text.includes(key), 'no key in Docker events');
});

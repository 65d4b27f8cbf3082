// A remote engine's gateway is probed from inside its container (Docker exec), so the key never
// travels over plain HTTP off this machine. Here against a real stand-in container on the local
// engine, with an engine that reports itself remote (ssh://): its port is not even published, and
// the host URL handed to the probe is a closed port. The key rides in the exec's Env: neither the
// exec's inspect (ProcessConfig) nor Docker's events show it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Docker from 'dockerode';
import { describeEndpoint, type DockerEndpoint } from '../../electron/core/engine/connection';
import { DockerodeEngine } from '../../electron/core/engine/dockerode-engine';
import { gatewayProbe } from '../../electron/core/services/gateway-probe';
import { checkBarrier, probeLiveness } from '../../electron/core/services/health';
import { GatewayService } from '../../electron/core/services/gateway';
import { DEFAULT_SETTINGS } from '../../shared/settings-schema';
import { freePort } from '../integration/stack-helpers';

const docker = new Docker();
const IMAGE = 'gatehouse-test/litellm-standin:seed';
const tag = `remote-probe-${crypto.randomBytes(4).toString('hex')}`;
const created: string[] = [];
const networks: string[] = [];

after(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`io.gatehouse.test=${tag}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  for (const n of networks) await docker.getNetwork(n).remove().catch(() => undefined);
});

/** The local engine, reporting itself as an ssh:// one: what a remote engine looks like to the core. */
class RemoteLookingEngine extends DockerodeEngine {
  override endpoint(): DockerEndpoint {
    return describeEndpoint({ DOCKER_HOST: 'ssh://me@build-box' });
  }
}

test('remote engine: liveliness 200, no key 401, key 200, wrong key 401, all from inside the container; the key in no exec argv or event', { timeout: 90_000 }, async () => {
  const key = 'sk-' + crypto.randomBytes(32).toString('hex');
  const wrong = 'sk-' + crypto.randomBytes(32).toString('hex');
  const since = Math.floor(Date.now() / 1000) - 1;
  const container = await docker.createContainer({
    Image: IMAGE,
    Env: [`LITELLM_MASTER_KEY=${key}`, 'STANDIN_BOOT_MS=300'],
    Labels: { 'io.gatehouse.test': tag },
    ExposedPorts: { '4000/tcp': {} },
  });
  await container.start();

  const engine = new RemoteLookingEngine({ ...process.env });
  // The host URL is a port nothing listens on: an answer can only come from inside the container.
  const probe = gatewayProbe(engine, 'http://127.0.0.1:9', { id: container.id, scheme: 'http', port: 4000 });
  assert.match(probe.where, /inside the gateway container/);

  const deadline = Date.now() + 60_000;
  while (!(await probeLiveness(probe))) {
    assert.ok(Date.now() < deadline, 'the stand-in never answered its liveliness endpoint from inside');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((await probe.get('/health/liveliness', null)).status, 200);
  assert.equal((await probe.get('/v1/models', null)).status, 401);
  const authed = await probe.get('/v1/models', key);
  assert.equal(authed.status, 200);
  assert.match(authed.body, /data/);
  assert.equal((await probe.get('/v1/models', wrong)).status, 401);
  assert.deepEqual(await checkBarrier(probe, key), { ok: true });
  const refused = await checkBarrier(probe, wrong);
  assert.equal(refused.ok, false);

  // Docker's events name each exec with its command line: no key there.
  const stream = (await docker.getEvents({ since, until: Math.floor(Date.now() / 1000) + 1, filters: { container: [container.id], event: ['exec_create'] } })) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  const created = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
  assert.ok(created.length >= 5, `the probes ran as execs (${created.length} exec_create events)`);
  assert.ok(created.every((e) => /^exec_create: (node|python3) /.test(e.Action)), 'the events carry the command line');
  assert.ok(!text.includes(key) && !text.includes(wrong) && !text.includes('Bearer sk-'), 'no key in Docker events');

  // Each exec's own inspect (ProcessConfig: entrypoint and arguments) holds no key either.
  let inspected = 0;
  for (const e of created) {
    const id = e.Actor.Attributes.execID ?? '';
    const x = (await docker.getExec(id).inspect().catch(() => null)) as { ProcessConfig: unknown } | null;
    if (!x) continue; // Docker may have dropped a finished exec's record already
    inspected++;
    const shown = JSON.stringify(x);
    assert.ok(!shown.includes(key) && !shown.includes(wrong) && !shown.includes('Bearer sk-'), 'no key in an exec inspect');
  }
  console.log(`exec_create events: ${created.length}; exec records still inspectable: ${inspected}`);
});

/** The exec_create events of a container since `since` (epoch seconds), as Docker reports them. */
async function execEvents(containerId: string, since: number): Promise<{ text: string; count: number }> {
  const stream = (await docker.getEvents({ since, until: Math.floor(Date.now() / 1000) + 1, filters: { container: [containerId], event: ['exec_create'] } })) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return { text, count: text.split('\n').filter((l) => l.trim()).length };
}

test('remote engine: the gateway service start readiness (liveness, no key 401, key 200) runs through exec', { timeout: 120_000 }, async () => {
  const key = 'sk-' + crypto.randomBytes(32).toString('hex');
  const since = Math.floor(Date.now() / 1000) - 1;
  const settings = { ...DEFAULT_SETTINGS, image: IMAGE, port: await freePort(), stackName: `ghremote${crypto.randomBytes(3).toString('hex')}`, extraEnv: { STANDIN_BOOT_MS: '300' } };
  const gateway = new GatewayService(new RemoteLookingEngine({ ...process.env }), async () => settings);
  const plan = await gateway.plan();
  await docker.createNetwork({ Name: plan.networkName, Labels: { 'io.gatehouse.test': tag } });
  networks.push(plan.networkName);
  const id = await gateway.createGateway(plan, { LITELLM_MASTER_KEY: key });
  created.push(id);
  await gateway.startAndVerify(plan, id, { masterKey: key, secrets: [key], timeoutMs: 60_000 });
  const ev = await execEvents(id, since);
  assert.ok(ev.count >= 3, `readiness probed through exec (${ev.count} exec_create events)`);
  assert.ok(!ev.text.includes(key), 'no key in Docker events');
});

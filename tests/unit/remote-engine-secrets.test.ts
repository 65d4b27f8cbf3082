// A secret never goes to a Docker engine over plain TCP, and a remote engine's gateway is probed
// from inside its container: the decisions are pure, and the guard fires before any request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { assertSecretsMayCross, describeEndpoint, probeTransportFor, secretTransportRisk } from '../../electron/core/engine/connection';
import { DockerodeEngine } from '../../electron/core/engine/dockerode-engine';
import type { DockerEngine } from '../../electron/core/engine/types';
import { GatehouseError } from '../../electron/core/errors';
import { gatewayProbe } from '../../electron/core/services/gateway-probe';

const KEY = 'sk-unit-' + 'a'.repeat(40);

test('only plain tcp:// is a risk for secrets; TLS, ssh, unix and npipe are not', () => {
  assert.match(secretTransportRisk(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })) ?? '', /without TLS.*cross the network in clear/);
  assert.match(secretTransportRisk(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '0' })) ?? '', /without TLS/);
  assert.equal(secretTransportRisk(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1' })), null);
  assert.equal(secretTransportRisk(describeEndpoint({ DOCKER_HOST: 'ssh://me@build-box' })), null);
  assert.equal(secretTransportRisk(describeEndpoint({ DOCKER_HOST: 'unix:///var/run/docker.sock' })), null);
  assert.equal(secretTransportRisk(describeEndpoint({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })), null);
});

test('the guard: SETTINGS_INVALID naming DOCKER_TLS_VERIFY and ssh://, never the key', () => {
  assert.doesNotThrow(() => assertSecretsMayCross({ DOCKER_HOST: 'ssh://me@build-box' }));
  assert.throws(
    () => assertSecretsMayCross({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }),
    (err: unknown) => {
      assert.ok(err instanceof GatehouseError);
      assert.equal(err.code, 'SETTINGS_INVALID');
      assert.match(err.message, /tcp:\/\/10\.0\.0\.5:2375 \(no TLS\).*in clear/);
      assert.match(err.fix ?? '', /DOCKER_TLS_VERIFY=1/);
      assert.match(err.fix ?? '', /DOCKER_CERT_PATH/);
      assert.match(err.fix ?? '', /ssh:\/\//);
      return true;
    },
  );
});

test('the probe transport: HTTP on this machine for a local engine, exec inside the container for a remote one', () => {
  assert.equal(probeTransportFor(describeEndpoint({ DOCKER_HOST: 'unix:///var/run/docker.sock' })), 'host-http');
  assert.equal(probeTransportFor(describeEndpoint({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })), 'host-http');
  assert.equal(probeTransportFor(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1' })), 'container-exec');
  assert.equal(probeTransportFor(describeEndpoint({ DOCKER_HOST: 'ssh://me@build-box' })), 'container-exec');
});

/** A TCP port that accepts and counts connections: the guard must fire before Docker is contacted. */
async function countingListener(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, count: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

test('a plain tcp:// engine gets no container Env, exec Env or Swarm secret: refused before any connection', async () => {
  const l = await countingListener();
  try {
    const engine = new DockerodeEngine({ DOCKER_HOST: `tcp://127.0.0.1:${l.port}` });
    const refused = (err: unknown) => err instanceof GatehouseError && err.code === 'SETTINGS_INVALID' && !err.message.includes(KEY) && /DOCKER_TLS_VERIFY/.test(err.fix ?? '');
    await assert.rejects(engine.createContainer({ name: 'gh-unit', Image: 'busybox', Env: [`LITELLM_MASTER_KEY=${KEY}`] }), refused);
    await assert.rejects(engine.exec('some-id', ['true'], [`GATEHOUSE_PROBE_KEY=${KEY}`]), refused);
    await assert.rejects(engine.createSecret('gh-unit-key', KEY, {}), refused);
    assert.equal(l.count(), 0, 'no request reached the engine');
    // A request without a secret still goes to the engine (it is what fails here: the listener hangs up).
    await assert.rejects(engine.createContainer({ name: 'gh-unit', Image: 'busybox' }), (err: unknown) => err instanceof GatehouseError && err.code !== 'SETTINGS_INVALID');
    assert.ok(l.count() > 0);
  } finally {
    await l.close();
  }
});

function engineAt(env: NodeJS.ProcessEnv): DockerEngine {
  return { env, endpoint: () => describeEndpoint(env) } as unknown as DockerEngine;
}

test('gatewayProbe: a local engine is probed over HTTP; a remote one from inside the container, never with a key over plain HTTP', async () => {
  const seen: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(req.headers.authorization ? 200 : 401).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  try {
    const local = gatewayProbe(engineAt({}), url, { id: 'c0ffee', scheme: 'http', port: 4000 });
    assert.equal(local.where, url);
    assert.equal((await local.get('/v1/models', null)).status, 401);
    assert.equal((await local.get('/v1/models', KEY)).status, 200);
    assert.deepEqual(seen, [undefined, `Bearer ${KEY}`]);

    const remoteEnv = { DOCKER_HOST: 'ssh://me@build-box' };
    assert.match(gatewayProbe(engineAt(remoteEnv), url, { id: 'c0ffee0123456789', scheme: 'http', port: 4000 }).where, /inside the gateway container c0ffee012345/);

    // Remote and no container to probe from: a keyless request still goes, one with the key does not.
    const bare = gatewayProbe(engineAt(remoteEnv), url, null);
    assert.equal((await bare.get('/v1/models', null)).status, 401);
    await assert.rejects(bare.get('/v1/models', KEY), (err: Error) => /not sent in clear/.test(err.message) && !err.message.includes(KEY));
    assert.equal(seen.length, 3, 'the keyed request never left');
    assert.equal(seen[2], undefined);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

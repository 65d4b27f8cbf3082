// The real adapter (engine/dockerode-engine.ts) against a small HTTP server on a unix socket that
// answers the way the Docker API does: the one place where 304/404/409, connection faults and
// cancellation become Gatehouse's answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isGatehouseError } from '../../electron/core/errors';
import { engineStatus } from '../../electron/core/engine/connection';
import { DockerodeEngine } from '../../electron/core/engine/dockerode-engine';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-engine-'));
const socket = path.join(dir, 'docker.sock');
const seen: string[] = [];
let server: http.Server;

/** method + path (without the API version prefix) → [status, body]. */
const answers: Record<string, [number, unknown]> = {
  'POST /containers/running/start': [304, ''],
  'POST /containers/gone/start': [404, { message: 'No such container: gone' }],
  'POST /containers/stopped/stop': [304, ''],
  'POST /containers/gone/stop': [404, { message: 'No such container: gone' }],
  'DELETE /containers/gone': [404, { message: 'No such container: gone' }],
  'DELETE /containers/busy': [409, { message: 'removal of container busy is already in progress' }],
  'DELETE /containers/pinned': [409, { message: 'cannot remove a running container' }],
  'GET /containers/gone/json': [404, { message: 'No such container: gone' }],
  'POST /networks/create': [409, { message: 'network with name s-net already exists' }],
  'POST /containers/create': [409, { message: 'Conflict. The container name "/s-litellm" is already in use' }],
  'GET /images/nope/json': [404, { message: 'No such image: nope' }],
};

before(async () => {
  server = http.createServer((req, res) => {
    const url = (req.url ?? '').replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '');
    const key = `${req.method} ${url}`;
    seen.push(key);
    if (key === 'GET /containers/slow/json') return; // never answers: only an abort ends it
    // Swarm's answer to an update sent with a version the orchestrator has moved past.
    if (key === 'POST /services/svc/update') {
      const version = new URL(req.url ?? '', 'http://engine').searchParams.get('version');
      res.writeHead(version === '7' ? 200 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(version === '7' ? { Warnings: null } : { message: 'rpc error: code = Unknown desc = update out of sequence' }));
      return;
    }
    if (key === 'GET /services/svc') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ID: 'svc', Version: { Index: 7 }, Spec: { Name: 's_litellm' } }));
      return;
    }
    const [status, body] = answers[key] ?? [500, { message: `unexpected ${key}` }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === '' ? '' : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const engine = () => new DockerodeEngine({ DOCKER_HOST: `unix://${socket}` });

test('answers that are not faults: already started, already stopped, already gone, name taken by a network', async () => {
  const e = engine();
  await e.startContainer('running');
  await e.stopContainer('stopped', 10);
  await e.stopContainer('gone', 10);
  await e.removeContainer('gone');
  await e.removeContainer('busy');
  assert.equal(await e.inspectContainer('gone'), null);
  assert.equal(await e.inspectImage('nope'), null);
  assert.equal(await e.createNetwork({ Name: 's-net', Driver: 'bridge', Labels: {} }), false);
});

test("refusals become one GatehouseError with Docker's words and its status behind it", async () => {
  const e = engine();
  await assert.rejects(e.startContainer('gone', { action: 'start the gateway container' }), (err) => {
    assert.ok(isGatehouseError(err, 'INTERNAL'));
    assert.equal(err.message, 'Docker could not start the gateway container: No such container: gone.');
    assert.equal(engineStatus(err), 404);
    return true;
  });
  await assert.rejects(e.removeContainer('pinned'), (err) => isGatehouseError(err, 'INTERNAL') && engineStatus(err) === 409);
  await assert.rejects(e.createContainer({ name: 's-litellm', Image: 'x' }), (err) => isGatehouseError(err) && engineStatus(err) === 409 && /already in use/.test(err.message));
});

test('no engine at the socket is DOCKER_UNREACHABLE naming it; an aborted call is CANCELLED', async () => {
  const missing = path.join(dir, 'missing.sock');
  const e = new DockerodeEngine({ DOCKER_HOST: `unix://${missing}` });
  await assert.rejects(e.listContainers({}), (err) => isGatehouseError(err, 'DOCKER_UNREACHABLE') && err.message.includes(missing));
  const ac = new AbortController();
  const call = engine().inspectContainer('slow', { signal: ac.signal, action: 'inspect the gateway container' });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(call, (err) => isGatehouseError(err, 'CANCELLED') && /inspect the gateway container was cancelled/.test(err.message));
});

test('a service update sent with a version Swarm has moved past is sent again with the current one', async () => {
  seen.length = 0;
  await engine().updateService('svc', 5, { Name: 's_litellm' });
  assert.deepEqual(seen, ['POST /services/svc/update', 'GET /services/svc', 'POST /services/svc/update']);
});

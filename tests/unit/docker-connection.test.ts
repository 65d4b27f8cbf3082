import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectionError, createDocker, describeEndpoint, dockerFailure } from '../../electron/core/engine/connection';
import { GatehouseError } from '../../electron/core/errors';

interface ModemView {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: string;
  ca?: Buffer;
}
const modem = (env: NodeJS.ProcessEnv) => (createDocker(env) as unknown as { modem: ModemView }).modem;

test('DOCKER_HOST unset: the local socket', () => {
  if (process.platform === 'win32') return;
  assert.deepEqual(describeEndpoint({}), { description: 'unix:///var/run/docker.sock', kind: 'unix', tls: false, socketPath: '/var/run/docker.sock' });
});

test('unix:// sockets', () => {
  const ep = describeEndpoint({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
  assert.equal(ep.kind, 'unix');
  assert.equal(ep.socketPath, '/var/run/docker.sock');
  assert.equal(modem({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).socketPath, '/run/user/1000/docker.sock');
});

test('tcp:// without TLS', () => {
  const env = { DOCKER_HOST: 'tcp://10.1.2.3:2375' };
  assert.deepEqual(describeEndpoint(env), { description: 'tcp://10.1.2.3:2375 (no TLS)', kind: 'tcp', tls: false, socketPath: null });
  const m = modem(env);
  assert.equal(m.host, '10.1.2.3');
  assert.equal(Number(m.port), 2375);
  assert.equal(m.protocol, 'http');
});

test('tcp:// with TLS reads the certificates from DOCKER_CERT_PATH', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-certs-'));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `-----BEGIN ${f}-----\n`);
  const env = { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir };
  assert.equal(describeEndpoint(env).description, 'tcp://docker.example:2376 (TLS)');
  assert.equal(describeEndpoint(env).tls, true);
  const m = modem(env);
  assert.equal(m.protocol, 'https');
  assert.equal(m.host, 'docker.example');
  assert.equal(Number(m.port), 2376);
  assert.match(String(m.ca), /ca\.pem/);
  assert.equal(describeEndpoint({ ...env, DOCKER_TLS_VERIFY: '0' }).tls, false);
  // Missing certificates are an error at creation, not a silent plain-text connection.
  assert.throws(() => createDocker({ ...env, DOCKER_CERT_PATH: path.join(dir, 'missing') }));
});

test('ssh:// goes through the remote docker CLI', () => {
  const env = { DOCKER_HOST: 'ssh://deploy@build-box:2222' };
  assert.equal(describeEndpoint(env).kind, 'ssh');
  const m = modem(env);
  assert.equal(m.protocol, 'ssh');
  assert.equal(m.host, 'build-box');
  assert.equal(Number(m.port), 2222);
});

test('connection errors become DOCKER_UNREACHABLE / DOCKER_PERMISSION naming the endpoint', () => {
  const env = { DOCKER_HOST: 'unix:///nope.sock' };
  const unreachable = connectionError(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }), env);
  assert.equal(unreachable?.code, 'DOCKER_UNREACHABLE');
  assert.match(unreachable!.message, /DOCKER_HOST=unix:\/\/\/nope\.sock \(ENOENT\)/);
  const perm = connectionError(Object.assign(new Error('connect EACCES'), { code: 'EACCES' }), {});
  assert.equal(perm?.code, 'DOCKER_PERMISSION');
  assert.equal(connectionError(Object.assign(new Error('conflict'), { statusCode: 409 }), {}), null);
});

test('dockerFailure: cancelled calls keep the cancel reason; engine answers are named', () => {
  const ac = new AbortController();
  const reason = new GatehouseError('CANCELLED', 'stop requested', null);
  ac.abort(reason);
  assert.equal(dockerFailure(new Error('aborted'), 'start', {}, ac.signal), reason);
  const e = dockerFailure(Object.assign(new Error('x'), { statusCode: 500, json: { message: 'boom' } }), 'start the container', {});
  assert.equal(e.code, 'INTERNAL');
  assert.match(e.message, /Docker could not start the container: boom/);
});

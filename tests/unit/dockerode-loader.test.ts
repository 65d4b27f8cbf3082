import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadDockerode } from '../../electron/core/engine/dockerode-loader';

test('dockerode loads without ssh2 and gRPC, which load on first use', () => {
  const Docker = loadDockerode();
  assert.equal(typeof Docker, 'function');
  const modemDir = path.dirname(require.resolve('docker-modem/package.json', { paths: [path.dirname(require.resolve('dockerode/package.json'))] }));
  const ssh2Path = require.resolve('ssh2', { paths: [modemDir] });
  const stub = require.cache[ssh2Path]?.exports as { Client: new () => { connect?: unknown } } | undefined;
  assert.ok(stub, 'ssh2 is in the module cache as a stand-in');
  assert.equal(stub.Client.name, 'LazySshClient', 'not the real ssh2 yet');
  // Using it builds a real ssh2 client: ssh:// DOCKER_HOST keeps working.
  const client = new stub.Client();
  assert.equal(typeof client.connect, 'function');
  assert.equal(loadDockerode(), Docker, 'loaded once');
});

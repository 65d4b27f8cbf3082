import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StackStatus } from '../../shared/api';
import { formatStatus, formatUptime, startMessage } from '../../electron/cli/stack-commands';
import { STACK_COMMANDS } from '../../electron/cli/stack-commands';
import { COMMANDS } from '../../electron/cli/commands';

const healthy: StackStatus = {
  state: 'healthy',
  stackName: 'gatehouse',
  image: 'ghcr.io/cabinlab/litellm-claude-code:latest',
  imageDigest: 'sha256:' + 'a'.repeat(64),
  imageId: 'sha256:' + 'b'.repeat(64),
  url: 'http://127.0.0.1:4000',
  bindAddress: '127.0.0.1',
  port: 4000,
  containerId: 'c'.repeat(64),
  startedAt: '2030-01-01T00:00:00Z',
  uptimeMs: 3_723_000,
  keyFingerprint: 'sha256:0123456789ab',
  exitCode: null,
  detail: null,
  pull: null,
  database: null,
};

test('status lists state, image and digest, URL, bind address, container, uptime, key fingerprint', () => {
  const out = formatStatus(healthy);
  assert.match(out, /^State:\s+healthy$/m);
  assert.match(out, /^Image:\s+ghcr\.io\/cabinlab\/litellm-claude-code:latest$/m);
  assert.match(out, /^Digest:\s+sha256:a{64}$/m);
  assert.match(out, /^URL:\s+http:\/\/127\.0\.0\.1:4000$/m);
  assert.match(out, /^Bound to:\s+127\.0\.0\.1:4000$/m);
  assert.match(out, /^Container:\s+c{12}$/m);
  assert.match(out, /^Uptime:\s+1h 2m$/m);
  assert.match(out, /^Key:\s+sha256:0123456789ab$/m);
  const crashed = formatStatus({ ...healthy, state: 'crashed', exitCode: 3, uptimeMs: null, detail: 'exited with code 3.' });
  assert.match(crashed, /^State:\s+crashed — exited with code 3\.$/m);
  assert.match(crashed, /^Exit code:\s+3$/m);
  assert.match(crashed, /^Uptime:\s+-$/m);
});

test('uptime and start messages', () => {
  assert.equal(formatUptime(5_000), '5s');
  assert.equal(formatUptime(65_000), '1m 5s');
  assert.equal(formatUptime(90_061_000), '1d 1h 1m');
  assert.equal(startMessage({ status: healthy, outcome: 'created' }), 'Gateway healthy at http://127.0.0.1:4000\n');
  assert.match(startMessage({ status: healthy, outcome: 'already-running' }), /already running and healthy.*nothing changed/);
  assert.match(startMessage({ status: healthy, outcome: 'recreated' }), /recreated/);
});

test('start, stop, restart and status are registered commands', () => {
  for (const name of ['start', 'stop', 'restart', 'status']) {
    assert.ok(COMMANDS.some((c) => c.path.join(' ') === name), name);
  }
  assert.deepEqual(STACK_COMMANDS.find((c) => c.path[0] === 'status')?.flags, { json: false });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';
import { planStack } from '../../electron/core/services/gateway-plan';
import { describeStatus, type StatusInput } from '../../electron/core/stack/status';
import { LABELS } from '../../electron/core/engine/labels';

const plan = planStack({ ...DEFAULT_SETTINGS, stackName: 'demo', startTimeoutSeconds: 60 });
const NOW = Date.parse('2030-01-01T00:10:00Z');

function container(state: Partial<Docker.ContainerInspectInfo['State']>, id = 'c1'): Docker.ContainerInspectInfo {
  return {
    Id: id,
    Image: 'sha256:img',
    Name: '/demo-litellm',
    Config: { Labels: { [LABELS.keyFingerprint]: 'sha256:abcdefabcdef' } },
    State: { Status: 'running', Running: true, Restarting: false, ExitCode: 0, StartedAt: '2030-01-01T00:00:00Z', OOMKilled: false, Error: '', ...state },
  } as unknown as Docker.ContainerInspectInfo;
}

function status(over: Partial<StatusInput>) {
  return describeStatus({ plan, container: null, image: null, marks: {}, transient: null, probe: null, now: NOW, ...over });
}

test('absent without a container', () => {
  const s = status({});
  assert.equal(s.state, 'absent');
  assert.equal(s.url, 'http://127.0.0.1:4000');
  assert.equal(s.containerId, null);
});

test('running: healthy when the live probe holds, with uptime and the key fingerprint', () => {
  const s = status({ container: container({}), probe: 'healthy' });
  assert.equal(s.state, 'healthy');
  assert.equal(s.uptimeMs, 600_000);
  assert.equal(s.keyFingerprint, 'sha256:abcdefabcdef');
  assert.equal(s.imageId, 'sha256:img');
});

test('running but answering without a key is unsafe, whatever Docker says', () => {
  const s = status({ container: container({ Health: { Status: 'healthy' } as never }), probe: 'unsafe' });
  assert.equal(s.state, 'unsafe');
});

test("Docker's health status: starting and unhealthy", () => {
  assert.equal(status({ container: container({ Health: { Status: 'starting' } as never }) }).state, 'starting');
  assert.equal(status({ container: container({ Health: { Status: 'unhealthy' } as never }) }).state, 'unhealthy');
});

test('no answer: starting while young, unhealthy after the start timeout', () => {
  const young = container({ StartedAt: new Date(NOW - 5_000).toISOString() });
  assert.equal(status({ container: young, probe: 'down' }).state, 'starting');
  assert.equal(status({ container: container({}), probe: 'down' }).state, 'unhealthy');
});

test('stopped by the user vs crashed on its own', () => {
  const exited = (code: number) => container({ Status: 'exited', Running: false, ExitCode: code });
  assert.equal(status({ container: exited(0) }).state, 'stopped');
  assert.equal(status({ container: exited(137), marks: { stoppedByUser: 'c1' } }).state, 'stopped');
  const crashed = status({ container: exited(3) });
  assert.equal(crashed.state, 'crashed');
  assert.equal(crashed.exitCode, 3);
  assert.match(crashed.detail ?? '', /code 3/);
  assert.equal(crashed.uptimeMs, null);
  assert.equal(status({ container: container({ Restarting: true, ExitCode: 1 }) }).state, 'crashed');
});

test('an unsafe container that was stopped stays "unsafe" with its detail', () => {
  const s = status({ container: container({ Status: 'exited', Running: false }), marks: { unsafe: { containerId: 'c1', detail: 'open gateway' } } });
  assert.equal(s.state, 'unsafe');
  assert.equal(s.detail, 'open gateway');
});

test('an operation in progress shows through (pulling with progress)', () => {
  const pull = { image: 'x', layers: [], currentBytes: 5, totalBytes: 10, percent: 50, status: 'Downloading' };
  const s = status({ transient: { state: 'pulling', detail: 'Pulling x.', pull } });
  assert.equal(s.state, 'pulling');
  assert.equal(s.pull?.percent, 50);
});

test('the digest comes from the image the registry gave', () => {
  const image = { Id: 'sha256:img', RepoDigests: ['ghcr.io/cabinlab/litellm-claude-code@sha256:' + 'f'.repeat(64)] } as Docker.ImageInspectInfo;
  const s = status({ container: container({}), image, probe: 'healthy' });
  assert.equal(s.imageDigest, 'sha256:' + 'f'.repeat(64));
});

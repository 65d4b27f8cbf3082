import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';
import { clientHost, envFingerprint, gatewayCreateOptions, gatewayEnv, planDifferences, planStack } from '../../electron/core/services/gateway-plan';
import { LABELS, belongsTo, labelFilter } from '../../electron/core/engine/labels';
import { databaseCreateOptions, planDatabase } from '../../electron/core/services/database-plan';
import { fingerprint } from '../../electron/core/secrets/master-key';

const KEY = 'sk-' + 'a1'.repeat(32);
const settings = { ...DEFAULT_SETTINGS, stackName: 'demo', port: 4123, extraEnv: { LITELLM_LOG: 'INFO' } };

test('the plan names every object after the stack and derives the URL', () => {
  const p = planStack(settings);
  assert.equal(p.networkName, 'demo-net');
  assert.equal(p.volumeName, 'demo-claude');
  assert.equal(p.containerName, 'demo-litellm');
  assert.equal(p.url, 'http://127.0.0.1:4123');
  assert.equal(p.startTimeoutMs, 120_000);
  assert.equal(planStack({ ...settings, bindAddress: '0.0.0.0' }).url, 'http://127.0.0.1:4123');
  assert.equal(clientHost('::'), '[::1]');
  assert.equal(clientHost('fd00::5'), '[fd00::5]');
  assert.equal(clientHost('192.168.1.4'), '192.168.1.4');
});

test('the create request: labels, loopback port, restart policy, volume, env with the secret', () => {
  const p = planStack(settings);
  const o = gatewayCreateOptions(p, { LITELLM_MASTER_KEY: KEY });
  assert.equal(o.name, 'demo-litellm');
  assert.equal(o.Image, DEFAULT_SETTINGS.image);
  assert.deepEqual(o.HostConfig?.PortBindings, { '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: '4123' }] });
  assert.equal(o.HostConfig?.RestartPolicy?.Name, 'unless-stopped');
  assert.deepEqual(o.HostConfig?.Mounts, [{ Type: 'volume', Source: 'demo-claude', Target: '/home/claude/.claude' }]);
  assert.equal(o.HostConfig?.NetworkMode, 'demo-net');
  assert.equal(o.Labels?.[LABELS.stack], 'demo');
  assert.equal(o.Labels?.[LABELS.role], 'gateway');
  assert.equal(o.Labels?.[LABELS.keyFingerprint], fingerprint(KEY));
  assert.ok(!JSON.stringify(o.Labels).includes(KEY), 'labels hold fingerprints only');
  assert.deepEqual(o.Env, ['LITELLM_LOG=INFO', `LITELLM_MASTER_KEY=${KEY}`]);
  assert.equal(gatewayCreateOptions(p, { LITELLM_MASTER_KEY: KEY }, 'demo-litellm-next').name, 'demo-litellm-next');
});

test('secrets win over extra env, and the env fingerprint is order-independent', () => {
  const p = planStack({ ...settings, extraEnv: { A: '1', B: '2' } });
  assert.deepEqual(gatewayEnv(p, { LITELLM_MASTER_KEY: KEY }), { A: '1', B: '2', LITELLM_MASTER_KEY: KEY });
  assert.equal(envFingerprint({ A: '1', B: '2' }), envFingerprint({ B: '2', A: '1' }));
  assert.notEqual(envFingerprint({ A: '1' }), envFingerprint({ A: '2' }));
  assert.match(envFingerprint({ A: '1' }), /^sha256:[0-9a-f]{12}$/);
});

function inspectOf(o: Docker.ContainerCreateOptions): Docker.ContainerInspectInfo {
  return {
    Config: { Image: o.Image, Labels: o.Labels },
    HostConfig: { PortBindings: o.HostConfig?.PortBindings, NetworkMode: o.HostConfig?.NetworkMode },
    Mounts: [{ Type: 'volume', Name: 'demo-claude', Destination: '/home/claude/.claude' }],
  } as unknown as Docker.ContainerInspectInfo;
}

test('a container matching the plan needs no recreate; each difference is named', () => {
  const p = planStack(settings);
  const env = { LITELLM_MASTER_KEY: KEY };
  const fp = envFingerprint(gatewayEnv(p, env));
  const info = inspectOf(gatewayCreateOptions(p, env));
  assert.deepEqual(planDifferences(p, info, fp), []);
  assert.match(planDifferences({ ...p, image: 'other:1' }, info, fp).join(), /image is/);
  assert.match(planDifferences({ ...p, port: 4999 }, info, fp).join(), /published port is 4123, settings say 4999/);
  assert.match(planDifferences({ ...p, bindAddress: '0.0.0.0' }, info, fp).join(), /bound to 127\.0\.0\.1/);
  const rotated = envFingerprint(gatewayEnv(p, { LITELLM_MASTER_KEY: 'sk-' + 'b2'.repeat(32) }));
  assert.match(planDifferences(p, info, rotated).join(), /environment or secrets changed/);
});

test('labels: filters and ownership', () => {
  assert.deepEqual(labelFilter('demo'), { label: ['io.gatehouse.stack=demo'] });
  assert.deepEqual(labelFilter('demo', 'gateway'), { label: ['io.gatehouse.stack=demo', 'io.gatehouse.role=gateway'] });
  assert.ok(belongsTo({ [LABELS.stack]: 'demo', [LABELS.role]: 'network' }, 'demo'));
  assert.ok(!belongsTo({ [LABELS.stack]: 'demo', [LABELS.role]: 'network' }, 'demo', 'gateway'));
  assert.ok(!belongsTo({}, 'demo'));
  assert.ok(!belongsTo(null, 'demo'));
  assert.ok(!belongsTo({ [LABELS.stack]: 'demo2' }, 'demo'));
});

test("Docker's own log file of each stack container is bounded (gateway and database)", () => {
  const plan = planStack({ ...DEFAULT_SETTINGS, stackName: 'logcap' });
  const bounded = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } };
  assert.deepEqual(gatewayCreateOptions(plan, { LITELLM_MASTER_KEY: 'sk-x' }).HostConfig?.LogConfig, bounded);
  const db = planDatabase({ ...DEFAULT_SETTINGS, stackName: 'logcap', database: { ...DEFAULT_SETTINGS.database, enabled: true } });
  assert.deepEqual(databaseCreateOptions(db, 'pw').HostConfig?.LogConfig, bounded);
});

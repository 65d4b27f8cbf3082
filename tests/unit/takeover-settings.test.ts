/**
 * The settings a takeover writes: `mounts` (bind mounts, read-only as they were) and
 * `credentialsVolume` (the Claude login's volume; null = `<stack>-claude`), checked by the one
 * schema and honoured by the gateway's create request and its differences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDetails } from '../../electron/core/engine/types';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';
import { settingsSchema } from '../../shared/settings-schema';
import { envFingerprint, gatewayCreateOptions, gatewayEnv, planDifferences, planStack } from '../../electron/core/services/gateway-plan';

const MOUNTS = [
  { source: '/home/me/seed/config', target: '/app/config', readOnly: true },
  { source: '/home/me/seed/providers', target: '/app/providers', readOnly: true },
];

test('the schema: absolute mounts and a volume name; relative paths, ":" and bad names refused', () => {
  const ok = settingsSchema.safeParse({ ...DEFAULT_SETTINGS, mounts: MOUNTS, credentialsVolume: 'seed_claude-auth' });
  assert.equal(ok.success, true);
  for (const bad of [
    { mounts: [{ source: 'config', target: '/app/config', readOnly: true }] },
    { mounts: [{ source: '/x', target: 'app/config', readOnly: true }] },
    { mounts: [{ source: '/x', target: '/app:rw', readOnly: true }] },
    { mounts: [{ source: '/x', target: '/app', readOnly: true, extra: 1 }] },
    { credentialsVolume: 'no spaces' },
    { credentialsVolume: '' },
  ]) {
    assert.equal(settingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...bad }).success, false, JSON.stringify(bad));
  }
  assert.deepEqual(DEFAULT_SETTINGS.mounts, []);
  assert.equal(DEFAULT_SETTINGS.credentialsVolume, null);
});

test('the credentials volume: <stack>-claude by default, the named one when set (then adopted)', () => {
  assert.equal(planStack(DEFAULT_SETTINGS).volumeName, 'gatehouse-claude');
  assert.equal(planStack(DEFAULT_SETTINGS).volumeAdopted, false);
  const p = planStack({ ...DEFAULT_SETTINGS, credentialsVolume: 'seed_claude-auth' });
  assert.equal(p.volumeName, 'seed_claude-auth');
  assert.equal(p.volumeAdopted, true);
});

test('the create request binds the mounts read-only as set, beside the credentials volume', () => {
  const plan = planStack({ ...DEFAULT_SETTINGS, mounts: MOUNTS, credentialsVolume: 'seed_claude-auth' });
  const spec = gatewayCreateOptions(plan, { LITELLM_MASTER_KEY: 'sk-test-0123456789' });
  assert.deepEqual(spec.HostConfig?.Mounts, [
    { Type: 'volume', Source: 'seed_claude-auth', Target: '/home/claude/.claude' },
    { Type: 'bind', Source: '/home/me/seed/config', Target: '/app/config', ReadOnly: true },
    { Type: 'bind', Source: '/home/me/seed/providers', Target: '/app/providers', ReadOnly: true },
  ]);
});

test('a container whose binds differ from the settings is recreated; the same binds are not a difference', () => {
  const plan = planStack({ ...DEFAULT_SETTINGS, mounts: MOUNTS, credentialsVolume: 'seed_claude-auth' });
  const secretEnv = { LITELLM_MASTER_KEY: 'sk-test-0123456789' };
  const wanted = envFingerprint(gatewayEnv(plan, secretEnv));
  const container = (binds: { Source: string; Destination: string; RW: boolean }[]) =>
    ({
      Config: { Image: plan.image, Labels: { 'io.gatehouse.env-fingerprint': wanted } },
      HostConfig: { NetworkMode: plan.networkName, PortBindings: { '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(plan.port) }] } },
      Mounts: [{ Type: 'volume', Name: 'seed_claude-auth', Destination: '/home/claude/.claude', RW: true }, ...binds.map((b) => ({ Type: 'bind', ...b }))],
    }) as unknown as ContainerDetails;
  const same = container(MOUNTS.map((m) => ({ Source: m.source, Destination: m.target, RW: !m.readOnly })));
  assert.deepEqual(planDifferences(plan, same, wanted), []);
  const writable = container(MOUNTS.map((m) => ({ Source: m.source, Destination: m.target, RW: true })));
  assert.deepEqual(planDifferences(plan, writable, wanted), ["bind mounts differ from the settings' mounts"]);
  assert.deepEqual(planDifferences(plan, container([]), wanted), ["bind mounts differ from the settings' mounts"]);
});

/**
 * No message says "the settings" for a value that came from a GATEHOUSE_* variable: the
 * recreate reasons and the exposure check's fix name the variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings } from '../../shared/api';
import { activeOverrides, DEFAULT_SETTINGS } from '../../electron/core/settings';
import { gatewayCreateOptions, planDifferences, planStack } from '../../electron/core/services/gateway-plan';
import { exposureCheck } from '../../electron/core/security/checks';
import type { SecurityFacts } from '../../electron/core/security/facts';
import type { ContainerDetails } from '../../electron/core/engine/types';

test('activeOverrides names the variables set in the environment', () => {
  assert.deepEqual(activeOverrides({ GATEHOUSE_IMAGE: 'x:1', GATEHOUSE_BIND: '0.0.0.0', GATEHOUSE_HOME: '/tmp' }), { image: 'GATEHOUSE_IMAGE', bindAddress: 'GATEHOUSE_BIND' });
  assert.deepEqual(activeOverrides({}), {});
});

test('recreate reasons name GATEHOUSE_IMAGE / GATEHOUSE_PORT / GATEHOUSE_BIND when they set the wanted value', () => {
  const settings: Settings = { ...DEFAULT_SETTINGS, image: 'old:1' };
  const before = planStack(settings);
  const options = gatewayCreateOptions(before, { LITELLM_MASTER_KEY: 'sk-' + 'a'.repeat(64) }) as { Image: string; HostConfig: ContainerDetails['HostConfig']; Labels: Record<string, string> };
  const info = {
    Config: { Image: options.Image, Labels: options.Labels },
    HostConfig: options.HostConfig,
    Mounts: [{ Destination: '/home/claude/.claude', Name: before.volumeName, Type: 'volume' }],
  } as unknown as ContainerDetails;
  info.HostConfig.NetworkMode = before.networkName;
  const fp = options.Labels['io.gatehouse.env-fingerprint']!;
  const fromEnv = planStack({ ...settings, image: 'new:2', port: 4100, bindAddress: '0.0.0.0' }, activeOverrides({ GATEHOUSE_IMAGE: 'new:2', GATEHOUSE_PORT: '4100', GATEHOUSE_BIND: '0.0.0.0' }));
  const why = planDifferences(fromEnv, info, fp).join('; ');
  assert.match(why, /image is old:1, GATEHOUSE_IMAGE says new:2/);
  assert.match(why, /published port is 4000, GATEHOUSE_PORT says 4100/);
  assert.match(why, /bound to 127\.0\.0\.1, GATEHOUSE_BIND says 0\.0\.0\.0/);
  assert.doesNotMatch(why, /settings say/);
  const fromFile = planDifferences(planStack({ ...settings, image: 'new:2' }), info, fp).join('; ');
  assert.match(fromFile, /image is old:1, settings say new:2/);
});

test('the exposure fix names GATEHOUSE_BIND when it set the address, and offers no settings action then', () => {
  const base = {
    exposure: { source: 'container', bindings: [{ hostIp: '0.0.0.0', hostPort: 4000 }], lanAddresses: ['192.168.1.20'], bindFrom: 'GATEHOUSE_BIND' },
    gateway: null,
    tls: { mode: 'off' },
  } as unknown as SecurityFacts;
  const viaEnv = exposureCheck(base);
  assert.equal(viaEnv.status, 'warn');
  assert.match(viaEnv.finding, /comes from GATEHOUSE_BIND/);
  assert.match(viaEnv.fix ?? '', /unset GATEHOUSE_BIND/);
  assert.doesNotMatch(viaEnv.fix ?? '', /settings set bindAddress/);
  assert.equal(viaEnv.action, null);
  const viaFile = exposureCheck({ ...base, exposure: { ...base.exposure, bindFrom: null } } as SecurityFacts);
  assert.match(viaFile.fix ?? '', /gatehouse settings set bindAddress 127\.0\.0\.1/);
  assert.equal(viaFile.action, 'settings:bind-loopback');
});

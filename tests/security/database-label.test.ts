// The database container's env-fingerprint label reveals nothing about the password: a random
// per-create nonce (a short unsalted SHA-256 of "Summer2024!" fell to a dictionary at once);
// a changed password is still found, from the container's environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { ContainerDetails } from '../../electron/core/engine/types';
import { LABELS } from '../../electron/core/engine/labels';
import { databaseCreateOptions, databaseContainerEnv, databasePlanDifferences, planDatabase } from '../../electron/core/services/database-plan';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';

const settings = { ...DEFAULT_SETTINGS, stackName: 'demo', database: { ...DEFAULT_SETTINGS.database, enabled: true } };

function asInspected(o: ReturnType<typeof databaseCreateOptions>): ContainerDetails {
  return {
    Config: { Image: o.Image, Labels: o.Labels, Env: o.Env },
    HostConfig: { NetworkMode: o.HostConfig?.NetworkMode },
    Mounts: [{ Type: 'volume', Name: planDatabase(settings).volumeName, Destination: '/var/lib/postgresql/data' }],
  } as unknown as ContainerDetails;
}

test('database-label: the env-fingerprint label is a random nonce, not derived from the password', () => {
  const plan = planDatabase(settings);
  const password = 'Summer2024!';
  const a = (databaseCreateOptions(plan, password).Labels as Record<string, string>)[LABELS.envFingerprint] as string;
  const b = (databaseCreateOptions(plan, password).Labels as Record<string, string>)[LABELS.envFingerprint] as string;
  assert.match(a, /^nonce:[0-9a-f]{16}$/);
  assert.notEqual(a, b, 'two creates with the same password get different labels');
  // A dictionary attack on the old label: hash a candidate's environment and compare.
  const env = databaseContainerEnv(password);
  const canonical = Object.keys(env).sort().map((k) => `${k}=${env[k as keyof typeof env]}`).join('\0');
  const oldStyle = 'sha256:' + crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 12);
  assert.ok(!a.includes(oldStyle.slice(7)) && !a.includes(crypto.createHash('sha256').update(password).digest('hex').slice(0, 12)));
});

test('database-label: a password changed in the keychain is still found (from the container environment)', () => {
  const plan = planDatabase(settings);
  const info = asInspected(databaseCreateOptions(plan, 'Summer2024!'));
  assert.deepEqual(databasePlanDifferences(plan, info, 'Summer2024!'), []);
  assert.deepEqual(databasePlanDifferences(plan, info, 'Winter2025!'), ['the password in the keychain changed']);
});

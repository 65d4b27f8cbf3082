// The status view with a keychain that cannot be read: what the running gateway holds is
// reported as unchecked (locked), never as matching, and a mismatch is still a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDetails } from '../../electron/core/engine/types';
import { LABELS } from '../../electron/core/engine/labels';
import { planStack } from '../../electron/core/services/gateway-plan';
import { describeStatus } from '../../electron/core/stack/status';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';

const plan = planStack({ ...DEFAULT_SETTINGS, stackName: 'ghsecstatus' });
const NOW = Date.parse('2030-01-01T00:10:00Z');
const running = (keyFp: string): ContainerDetails =>
  ({
    Id: 'c1',
    Name: '/ghsecstatus-litellm',
    Image: 'sha256:x',
    Config: { Labels: { [LABELS.keyFingerprint]: keyFp } },
    State: { Status: 'running', Running: true, Restarting: false, ExitCode: 0, StartedAt: '2030-01-01T00:00:00Z', Health: { Status: 'healthy' } },
  }) as unknown as ContainerDetails;

test('status-keychain: a locked keychain leaves the gateway healthy but says its key could not be checked', () => {
  const st = describeStatus({ plan, container: running('sha256:aaaaaaaaaaaa'), image: null, marks: {}, transient: null, probe: 'healthy', now: NOW, keychainFingerprint: null, keychainProblem: 'The keychain is locked.' });
  assert.equal(st.state, 'healthy');
  assert.match(st.detail ?? '', /The keychain is locked\. Whether the gateway holds the keychain's key cannot be checked until it is unlocked\./);
});

test('status-keychain: with the keychain readable, a gateway holding another key is unsafe', () => {
  const st = describeStatus({ plan, container: running('sha256:aaaaaaaaaaaa'), image: null, marks: {}, transient: null, probe: 'healthy', now: NOW, keychainFingerprint: 'sha256:bbbbbbbbbbbb' });
  assert.equal(st.state, 'unsafe');
  assert.match(st.detail ?? '', /sha256:bbbbbbbbbbbb/);
});

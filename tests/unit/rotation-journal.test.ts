import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRecovery, type RotationJournal } from '../../electron/core/secrets/rotation-journal';

const OLD = 'sha256:000000000001';
const NEW = 'sha256:000000000002';
const journal = (step: RotationJournal['step']): RotationJournal => ({
  id: 'j1',
  step,
  startedAt: '2026-01-01T00:00:00.000Z',
  oldFingerprint: OLD,
  newFingerprint: NEW,
  gatewayWasRunning: true,
  oldContainerId: 'c1',
  oldContainerName: 'gatehouse-litellm',
});

test('nothing in flight: nothing to do; a stray pending key without a journal is discarded', () => {
  assert.equal(decideRecovery(null, OLD, null), 'none');
  assert.equal(decideRecovery(null, OLD, NEW), 'discard-pending');
});

test('before the new gateway is verified, every state rolls back', () => {
  for (const step of ['begun', 'recreating'] as const) {
    assert.equal(decideRecovery(journal(step), OLD, null), 'roll-back', `${step}, pending not yet stored`);
    assert.equal(decideRecovery(journal(step), OLD, NEW), 'roll-back', `${step}, pending stored`);
  }
});

test('once verified, the rotation is finished; so it is when the keychain already holds the new key', () => {
  assert.equal(decideRecovery(journal('verified'), OLD, NEW), 'roll-forward');
  assert.equal(decideRecovery(journal('verified'), NEW, NEW), 'roll-forward');
  assert.equal(decideRecovery(journal('verified'), NEW, null), 'roll-forward');
  // The keychain's current key is the new one only after verification; trust it whatever the step says.
  assert.equal(decideRecovery(journal('recreating'), NEW, null), 'roll-forward');
});

test('a verified journal whose new key is nowhere cannot roll forward: it rolls back to the old key', () => {
  assert.equal(decideRecovery(journal('verified'), OLD, null), 'roll-back');
  assert.equal(decideRecovery(journal('verified'), OLD, 'sha256:ffffffffffff'), 'roll-back');
});

// The weak-key judgement import relies on (secrets/key-strength.ts, shared with the security checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeKeyStrength, MIN_KEY_BITS } from '../../electron/core/secrets/key-strength';
import { generateMasterKey } from '../../electron/core/secrets/master-key';

test('every well-known example key named in the issue is weak', () => {
  for (const k of ['sk-1234', 'sk-dev-test-key', 'sk-your-desired-custom-key', 'sk-development-only', 'your-secret-key-here']) {
    const s = judgeKeyStrength(k);
    assert.equal(s.strong, false, k);
    assert.ok(s.problems.length > 0, k);
  }
});

test('generated keys are strong (64 random hex digits ≈ 256 bits)', () => {
  for (let i = 0; i < 20; i++) {
    const s = judgeKeyStrength(generateMasterKey());
    assert.equal(s.strong, true, s.problems.join('; '));
    assert.ok(s.estimatedBits >= 200);
  }
});

test('short and repetitive keys fall under 128 bits, and the reasons never quote the key', () => {
  const short = 'sk-a1b2c3d4e5f60718';
  const s = judgeKeyStrength(short);
  assert.equal(s.strong, false);
  assert.ok(s.estimatedBits < MIN_KEY_BITS);
  assert.ok(s.problems.every((p) => !p.includes(short.slice(3))));
  assert.equal(judgeKeyStrength('sk-' + 'a'.repeat(80)).strong, false);
});

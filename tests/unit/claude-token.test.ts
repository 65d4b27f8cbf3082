import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { validateClaudeToken } from '../../electron/core/secrets/claude-token';
import { isGatehouseError } from '../../electron/core/errors';

const token = () => 'sk-ant-oat01-' + crypto.randomBytes(70).toString('base64url');

test('a token of the right shape is accepted and trimmed (a pasted newline is fine)', () => {
  const t = token();
  assert.equal(validateClaudeToken(`  ${t}\n`), t);
});

test('wrong shapes are refused with TOKEN_INVALID and a message that never repeats the input', () => {
  const cases = ['', 'sk-ant-api03-' + crypto.randomBytes(40).toString('base64url'), 'hello', 'sk-ant-oat01-short', 'sk-ant-oat01-' + 'a'.repeat(40) + ' b'];
  for (const c of cases) {
    assert.throws(
      () => validateClaudeToken(c),
      (err: unknown) => {
        assert.ok(isGatehouseError(err, 'TOKEN_INVALID'));
        if (c.length > 12) assert.ok(!err.message.includes(c.trim()));
        assert.ok(err.fix);
        return true;
      },
      JSON.stringify(c.slice(0, 16)),
    );
  }
  assert.throws(() => validateClaudeToken('sk-ant-api03-' + 'x'.repeat(40)), /API key/);
});

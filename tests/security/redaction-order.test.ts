// Redaction replaces the exact keychain secrets before the shape rules: a shape rule cuts a value
// at a separator, so run first it would hide a fragment and show the rest of the real secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, type ExactSecretKind } from '../../electron/core/logs/redactor';

const SEPARATORS: [string, string][] = [
  ['semicolon', ';'],
  ['comma', ','],
  ['ampersand', '&'],
  ['space', ' '],
  ['double quote', '"'],
  ['single quote', "'"],
];

/** Every fragment of the secret longer than 2 characters that the output must not show. */
function assertNoFragment(out: string, secret: string): void {
  for (const part of secret.split(/[;,& "']/)) {
    if (part.length > 2) assert.ok(!out.includes(part), `"${part}" of the secret is visible in: ${out}`);
  }
}

for (const [name, sep] of SEPARATORS) {
  test(`redaction-order: an imported password with a ${name} is hidden whole after password=`, () => {
    const secret = `Pa${sep}ss w0rd&x9`;
    const r = new Redactor([{ kind: 'database-password', value: secret }]);
    const out = r.redact(`db connect password=${secret} host=db`);
    assertNoFragment(out, secret);
    assert.match(out, /\[REDACTED:database-password\]/);
    assert.ok(r.lastHadExact, 'counted as an exact keychain secret');
  });

  test(`redaction-order: a key with a ${name} is hidden whole after api_key= and in a URL`, () => {
    const secret = `sk-team${sep}alpha.2024`;
    const kind: ExactSecretKind = 'master-key';
    const r = new Redactor([{ kind, value: secret }]);
    for (const line of [`api_key=${secret}`, `{"master_key": "${secret}"}`, `postgresql://llm:${secret}@db:5432/x`]) {
      const out = r.redact(line);
      assertNoFragment(out, secret);
      assert.match(out, /\[REDACTED:master-key\]/, out);
    }
  });
}

test('redaction-order: shape rules still catch what is not a keychain secret, after the exact pass', () => {
  const r = new Redactor([{ kind: 'database-password', value: 'Pa;ss w0rd&x9' }]);
  const out = r.redact('password=Pa;ss w0rd&x9 api_key=sk-otherkey12345');
  assert.ok(!out.includes('w0rd') && !out.includes('otherkey'), out);
  assert.deepEqual([...r.lastKinds].sort(), ['database-password', 'key-value']);
});

/**
 * The security checks fed by the clients area: the last test of the whole chain decides the
 * Claude-login check (a stored token can have expired), and a client key found on disk fails the
 * plaintext check with the client-rotation fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityFacts } from '../../electron/core/security/facts';
import { claudeLoginCheck, plaintextCheck } from '../../electron/core/security/checks';
import { failure } from '../../electron/core/clients/chain-test';

function claudeFacts(claude: SecurityFacts['claude']): SecurityFacts {
  return { claude } as unknown as SecurityFacts;
}

test('claude login: a test that met no login or an expired one fails the check, even with a token stored; a passing test passes it', () => {
  for (const cause of ['no-claude-login', 'claude-login-expired'] as const) {
    const f = failure(cause, 'x');
    const c = claudeLoginCheck(claudeFacts({ tokenInKeychain: true, volumeHasLogin: null, volume: null, lastTest: { at: '2026-12-01T10:00:00.000Z', ok: false, cause, plain: f.plain, fix: f.fix } }));
    assert.equal(c.status, 'fail', cause);
    assert.match(c.finding, /2026-12-01T10:00:00\.000Z/);
    assert.match(c.finding, new RegExp(f.plain.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(c.fix ?? '', /gatehouse claude set-token/);
    assert.match(c.fix ?? '', /gatehouse test/);
    assert.equal(c.action, 'claude:set-token');
  }
  const ok = claudeLoginCheck(claudeFacts({ tokenInKeychain: false, volumeHasLogin: false, volume: 'v', lastTest: { at: 'T', ok: true, cause: null, plain: null, fix: null } }));
  assert.equal(ok.status, 'pass');
  assert.match(ok.finding, /got an answer from Claude/);
  // A failure of another kind (a model name) says nothing about the login: the files decide.
  const other = claudeLoginCheck(claudeFacts({ tokenInKeychain: false, volumeHasLogin: false, volume: 'v', lastTest: { at: 'T', ok: false, cause: 'model-unknown', plain: 'p', fix: 'f' } }));
  assert.equal(other.status, 'warn');
  assert.equal(claudeLoginCheck(claudeFacts({ tokenInKeychain: true, volumeHasLogin: null, volume: null, lastTest: null })).status, 'pass');
});

test('plaintext: a client key in a file fails and says to rotate that client', () => {
  const c = plaintextCheck({ disk: { hits: [{ file: '/home/u/.config/tool.json', kind: 'client-key', line: 4 }] } } as unknown as SecurityFacts);
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /Found a client key in plain text in \/home\/u\/\.config\/tool\.json:4/);
  assert.match(c.fix ?? '', /gatehouse clients rotate NAME/);
});

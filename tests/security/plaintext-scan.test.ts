// The disk scan looks for every keychain secret, not only the master key, and follows a .env
// that is a symbolic link (reporting the link and its target).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { scanForPlaintextKeys } from '../../electron/core/security/plaintext-scan';
import { plaintextCheck } from '../../electron/core/security/checks';
import { randomKey, tmpDir } from './helpers';

test('plaintext-scan: a symlinked .env in a watched folder is read at its target and reported', async () => {
  const base = tmpDir('scan-link');
  const proj = path.join(base, 'proj');
  const dotfiles = path.join(base, 'dotfiles');
  fs.mkdirSync(proj);
  fs.mkdirSync(dotfiles);
  const key = randomKey();
  fs.writeFileSync(path.join(dotfiles, 'litellm.env'), `LITELLM_MASTER_KEY=${key}\n`);
  fs.symlinkSync('../dotfiles/litellm.env', path.join(proj, '.env'));
  const facts = await scanForPlaintextKeys([{ dir: proj, only: 'env-files', depth: 2 }], [{ kind: 'master-key', value: key }]);
  assert.equal(facts.hits.length, 1, JSON.stringify(facts));
  assert.equal(facts.hits[0]?.kind, 'master-key');
  assert.match(facts.hits[0]?.file ?? '', /proj\/\.env \(→ .*dotfiles\/litellm\.env\)$/);
});

test('plaintext-scan: the salt key, the Claude token and the database password are found, each by name', async () => {
  const dir = tmpDir('scan-all');
  const salt = 'sk-salt-' + crypto.randomBytes(16).toString('hex');
  const token = 'sk-ant-oat01-' + crypto.randomBytes(40).toString('base64url');
  const pg = 'Summer2024!x' + crypto.randomBytes(2).toString('hex');
  fs.writeFileSync(path.join(dir, '.env'), [`SALT=${salt}`, `TOKEN=${token}`, `DATABASE_URL=postgresql://llm:${encodeURIComponent(pg)}@db/x`, ''].join('\n'));
  const facts = await scanForPlaintextKeys([{ dir, only: 'env-files', depth: 1 }], [
    { kind: 'salt-key', value: salt },
    { kind: 'claude-token', value: token },
    { kind: 'database-password', value: pg },
  ]);
  assert.deepEqual(
    facts.hits.map((h) => [h.kind, h.line]),
    [
      ['salt-key', 1],
      ['claude-token', 2],
      ['database-password', 3],
    ],
  );
  const c = plaintextCheck({ disk: facts } as Parameters<typeof plaintextCheck>[0]);
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /the salt key, the Claude token and the database password/);
  for (const s of [salt, token, pg]) assert.ok(!JSON.stringify(c).includes(s), 'the finding never holds a secret');
});

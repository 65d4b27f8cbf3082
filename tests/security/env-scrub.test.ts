// `key import --scrub` on real files and the real keychain: symbolic and hard links, the
// DATABASE_URL that repeats the database password, unterminated quotes, mixed line ends.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importEnvFile } from '../../electron/core/secrets/env-import';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { isGatehouseError } from '../../electron/core/errors';
import { keychainWorld, randomKey, type KeychainWorld } from './helpers';

const worlds: KeychainWorld[] = [];
function world(name: string): KeychainWorld {
  const w = keychainWorld(name);
  worlds.push(w);
  return w;
}
after(async () => {
  for (const w of worlds) await w.cleanup();
});

function envText(key: string, pg: string): string {
  return ['# stack', `LITELLM_MASTER_KEY=${key}`, 'LITELLM_LOG=INFO', `POSTGRES_PASSWORD=${pg}`, `DATABASE_URL=postgresql://llmproxy:${pg}@db:5432/litellm`, ''].join('\n');
}

test('env-scrub: a symlinked .env is scrubbed at its target and the link is kept', async () => {
  const w = world('symlink');
  const key = randomKey();
  const pg = crypto.randomBytes(12).toString('hex');
  const dotfiles = path.join(w.home, 'dotfiles');
  const proj = path.join(w.home, 'proj');
  fs.mkdirSync(dotfiles);
  fs.mkdirSync(proj);
  const real = path.join(dotfiles, 'litellm.env');
  fs.writeFileSync(real, envText(key, pg), { mode: 0o600 });
  const link = path.join(proj, '.env');
  fs.symlinkSync('../dotfiles/litellm.env', link);

  const r = await importEnvFile({ secrets: w.secrets, keys: w.keys }, link, { scrub: true });
  assert.equal(r.scrubbed, true);
  assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.equal(fs.readlinkSync(link), '../dotfiles/litellm.env');
  const text = fs.readFileSync(real, 'utf8');
  assert.ok(!text.includes(key), 'the master key left the real file');
  assert.ok(!text.includes(pg), 'the database password left the real file');
  assert.match(text, /LITELLM_LOG=INFO/);
  assert.ok(r.warnings.some((m) => m.includes('symbolic link') && m.includes(real)), r.warnings.join('\n'));
  assert.equal(await w.secrets.get(ACCOUNTS.masterKey), key);
});

test('env-scrub: a hard-linked .env is scrubbed under every name, with a warning', async () => {
  const w = world('hardlink');
  const key = randomKey();
  const pg = crypto.randomBytes(12).toString('hex');
  const a = path.join(w.home, 'a.env');
  const b = path.join(w.home, 'b.env');
  fs.writeFileSync(a, envText(key, pg), { mode: 0o640 });
  fs.chmodSync(a, 0o640);
  fs.linkSync(a, b);
  const r = await importEnvFile({ secrets: w.secrets, keys: w.keys }, a, { scrub: true });
  assert.equal(r.scrubbed, true);
  for (const name of [a, b]) {
    const text = fs.readFileSync(name, 'utf8');
    assert.ok(!text.includes(key) && !text.includes(pg), `${name} still holds a secret`);
  }
  assert.equal(fs.statSync(a).ino, fs.statSync(b).ino, 'still one file');
  assert.equal(fs.statSync(a).mode & 0o777, 0o640);
  assert.ok(r.warnings.some((m) => m.includes('2 hard links')), r.warnings.join('\n'));
  assert.deepEqual(fs.readdirSync(w.home).filter((n) => n.endsWith('.new')), [], 'no recovery copy left');
});

test('env-scrub: DATABASE_URL that embeds the imported database password is scrubbed too', async () => {
  const w = world('dburl');
  const key = randomKey();
  const pg = 'Summer2024!' + crypto.randomBytes(3).toString('hex');
  const file = path.join(w.home, '.env');
  // The seed's layout, with the password percent-encoded in the URL as a client would write it.
  fs.writeFileSync(file, [`LITELLM_MASTER_KEY=${key}`, `POSTGRES_PASSWORD=${pg}`, `DATABASE_URL=postgresql://llmproxy:${encodeURIComponent(pg)}@db:5432/litellm`, 'KEEP=1', ''].join('\n'));
  const r = await importEnvFile({ secrets: w.secrets, keys: w.keys }, file, { scrub: true });
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(!text.includes(pg) && !text.includes(encodeURIComponent(pg)), text);
  assert.match(text, /^# DATABASE_URL: removed by Gatehouse/m);
  assert.match(text, /^KEEP=1$/m);
  assert.equal(await w.secrets.get(ACCOUNTS.databasePassword), pg);
  assert.ok(r.warnings.some((m) => m.startsWith('DATABASE_URL held the database password')));
});

test('env-scrub: a DATABASE_URL that only references ${POSTGRES_PASSWORD} is kept', async () => {
  const w = world('dbref');
  const file = path.join(w.home, '.env');
  fs.writeFileSync(file, [`LITELLM_MASTER_KEY=${randomKey()}`, `POSTGRES_PASSWORD=${crypto.randomBytes(12).toString('hex')}`, 'DATABASE_URL=postgresql://llm:${POSTGRES_PASSWORD}@db:5432/x', ''].join('\n'));
  await importEnvFile({ secrets: w.secrets, keys: w.keys }, file, { scrub: true });
  assert.match(fs.readFileSync(file, 'utf8'), /^DATABASE_URL=postgresql:\/\/llm:\$\{POSTGRES_PASSWORD\}@db/m);
});

test('env-scrub: an unterminated quote is refused and nothing changes (file and keychain)', async () => {
  const w = world('quote');
  const key = randomKey();
  const file = path.join(w.home, '.env');
  const text = [`LITELLM_MASTER_KEY="${key}`, 'LITELLM_LOG=INFO', 'OTHER=keep', ''].join('\n');
  fs.writeFileSync(file, text);
  await assert.rejects(importEnvFile({ secrets: w.secrets, keys: w.keys }, file, { scrub: true }), (err: unknown) => {
    assert.ok(isGatehouseError(err, 'IMPORT_FAILED'));
    assert.match(err.message, /LITELLM_MASTER_KEY on line 1 opens a double quote that is never closed/);
    assert.ok(!err.message.includes(key), 'the message never holds the value');
    return true;
  });
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  assert.equal(await w.secrets.get(ACCOUNTS.masterKey), null);
});

test('env-scrub: mixed line ends are kept line by line and no other value changes', async () => {
  const w = world('eol');
  const key = randomKey();
  const file = path.join(w.home, '.env');
  const text = `A=one\r\nLITELLM_MASTER_KEY=${key}\nB="two\r\nlines"\nC=three\r\nD=four`;
  fs.writeFileSync(file, text);
  await importEnvFile({ secrets: w.secrets, keys: w.keys }, file, { scrub: true });
  const out = fs.readFileSync(file, 'utf8');
  assert.equal(out, `A=one\r\n# LITELLM_MASTER_KEY: moved to the OS keychain by Gatehouse (gatehouse key import --scrub)\nB="two\r\nlines"\nC=three\r\nD=four`);
});

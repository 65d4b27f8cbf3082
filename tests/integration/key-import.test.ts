/**
 * `gatehouse key import --env-file PATH [--scrub]` against the real keychain: what moves, what
 * stays, the weak-key warning, the salt key for an existing database, and the file's mode.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fingerprint, generateMasterKey } from '../../electron/core/secrets/master-key';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { testStack, type TestStack } from './stack-helpers';
import { gatehouse } from './key-helpers';

const fp = (k: string | null) => (k ? fingerprint(k) : null);

describe('key import from a docker-compose .env', () => {
  let t: TestStack;
  let store: KeytarSecretStore;
  let dir: string;
  before(async () => {
    t = await testStack('kimp');
    store = new KeytarSecretStore(t.service);
    dir = fs.mkdtempSync(path.join(t.home, 'compose-'));
  });
  after(async () => {
    await t.cleanup();
  });

  test('--scrub moves the secrets, keeps every other line and the mode, CRLF and all', async () => {
    const key = generateMasterKey();
    const token = 'sk-ant-oat01-' + crypto.randomBytes(70).toString('base64url');
    const pg = crypto.randomBytes(16).toString('hex');
    const file = path.join(dir, '.env');
    const lines = [
      '# LiteLLM stack',
      `export LITELLM_MASTER_KEY="${key}"   # the gateway key`,
      `CLAUDE_CODE_OAUTH_TOKEN='${token}'`,
      'LITELLM_LOG=INFO',
      '',
      `POSTGRES_PASSWORD=${pg}`,
      'DATABASE_URL=postgresql://llm:${POSTGRES_PASSWORD}@db:5432/litellm',
    ];
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n', { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    const r = await gatehouse(['key', 'import', '--env-file', file, '--scrub', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { imported: string[]; scrubbed: boolean; weak: boolean; saltFromMasterKey: boolean; masterKeyFingerprint: string };
    assert.deepEqual([...out.imported].sort(), ['CLAUDE_CODE_OAUTH_TOKEN', 'LITELLM_MASTER_KEY', 'POSTGRES_PASSWORD']);
    assert.equal(out.scrubbed, true);
    assert.equal(out.weak, false);
    assert.equal(out.masterKeyFingerprint, fp(key));
    // The keychain holds them.
    assert.equal(fp(await store.get(ACCOUNTS.masterKey)), fp(key));
    assert.equal(fp(await store.get(ACCOUNTS.claudeToken)), fp(token));
    assert.equal(fp(await store.get(ACCOUNTS.databasePassword)), fp(pg));
    // DATABASE_URL without LITELLM_SALT_KEY: the old key becomes the salt key.
    assert.equal(out.saltFromMasterKey, true);
    assert.equal(fp(await store.get(ACCOUNTS.saltKey)), fp(key));
    // The file: secrets gone, every other line as it was, CRLF kept, mode kept.
    const after = fs.readFileSync(file, 'utf8');
    assert.ok(!after.includes(key) && !after.includes(token) && !after.includes(pg), 'no plaintext secret is left');
    const keptLines = after.split('\r\n');
    for (const l of [lines[0], lines[3], lines[4], lines[6]]) assert.ok(keptLines.includes(l as string), `kept: ${l}`);
    assert.equal(keptLines.filter((l) => l.startsWith('# ') && l.includes('keychain')).length, 3);
    assert.ok(!/[^\r]\n/.test(after), 'line ends stay CRLF');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    // `key info` sees the imported key with its import time.
    const info = JSON.parse((await gatehouse(['key', 'info', '--json'], t.env)).stdout) as { fingerprint: string; createdAt: string | null };
    assert.equal(info.fingerprint, fp(key));
    assert.ok(info.createdAt);
  });

  test('a well-known key imports with a warning that recommends rotating; without --scrub the file is untouched', async () => {
    const file = path.join(dir, 'weak.env');
    const text = 'LITELLM_MASTER_KEY=sk-dev-test-key\nLITELLM_SALT_KEY=sk-salt-existing\nOTHER=1\n';
    fs.writeFileSync(file, text);
    const r = await gatehouse(['key', 'import', '--env-file', file], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: The imported master key is weak.*gatehouse key rotate/);
    assert.match(r.stdout, /still holds them in plaintext/);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    assert.equal(await store.get(ACCOUNTS.saltKey), 'sk-salt-existing', 'an explicit LITELLM_SALT_KEY is imported as is');
  });

  test('refusals change nothing: no key, a key LiteLLM cannot use, a malformed Claude token, a missing file', async () => {
    const before = fp(await store.get(ACCOUNTS.masterKey));
    const cases: [string, RegExp][] = [
      ['OTHER=1\n', /has no LITELLM_MASTER_KEY/],
      ['LITELLM_MASTER_KEY=not-an-sk-key-0123456789abcdef0123456789abcdef\n', /does not start with "sk-"/],
      [`LITELLM_MASTER_KEY=${generateMasterKey()}\nCLAUDE_CODE_OAUTH_TOKEN=sk-ant-api03-abc\n`, /CLAUDE_CODE_OAUTH_TOKEN.*not usable/],
    ];
    for (const [text, why] of cases) {
      const file = path.join(dir, 'bad.env');
      fs.writeFileSync(file, text);
      const r = await gatehouse(['key', 'import', '--env-file', file, '--scrub'], t.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /IMPORT_FAILED/);
      assert.equal(fs.readFileSync(file, 'utf8'), text, 'the file is untouched');
    }
    const missing = await gatehouse(['key', 'import', path.join(dir, 'nope.env')], t.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not read .*ENOENT/);
    // Node 20 checks `--env-file PATH` anywhere in argv itself and stops before Gatehouse runs.
    const missingFlag = await gatehouse(['key', 'import', '--env-file', path.join(dir, 'nope.env')], t.env);
    assert.notEqual(missingFlag.code, 0);
    assert.match(missingFlag.stderr, /nope\.env.*(not found|ENOENT)/);
    const noFlag = await gatehouse(['key', 'import'], t.env);
    assert.equal(noFlag.code, 2);
    assert.equal(fp(await store.get(ACCOUNTS.masterKey)), before, 'the key in the keychain did not change');
  });
});

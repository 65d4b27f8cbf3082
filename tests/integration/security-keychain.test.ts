// Security checks 1–3 and 11 on the real keychain (gnome-keyring over D-Bus), including a really
// locked keyring in a D-Bus session of its own.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { generateMasterKey } from '../../electron/core/secrets/master-key';
import type { KeyState } from '../../electron/core/secrets/key-manager';
import type { SecurityReport } from '../../shared/api';
import { SecurityWorld, assertNoSecret, byId } from './security-fixture';

const ROOT = path.resolve(__dirname, '..', '..');
const worlds: SecurityWorld[] = [];
function world(): SecurityWorld {
  const w = new SecurityWorld();
  worlds.push(w);
  return w;
}
after(async () => {
  for (const w of worlds) await w.cleanup();
});

test('1: no key in an unlocked keychain fails with key:create; a stored key passes', async () => {
  const w = world();
  const core = await w.core(w.stack('nokey'));
  const before = await core.security.run();
  assert.equal(byId(before, 'keychain').status, 'fail');
  assert.equal(byId(before, 'keychain').action, 'key:create');
  assert.match(byId(before, 'keychain').finding, /unlocked, but it holds no master key/);
  const key = await core.keys.ensure();
  const afterward = await core.security.run();
  const c = byId(afterward, 'keychain');
  assert.equal(c.status, 'pass', c.finding);
  assert.match(c.finding, /sha256:[0-9a-f]{12}.*unlocked and accepts writes/);
  assertNoSecret(afterward, [key]);
  // The write probe leaves nothing behind in the keychain.
  const probe = spawnSync('secret-tool', ['search', '--all', 'service', w.service], { encoding: 'utf8' });
  // (Only the attribute lines are looked at: secret-tool also prints the secrets themselves.)
  const accounts = (probe.stdout + probe.stderr).split('\n').filter((l) => l.startsWith('attribute.account'));
  assert.ok(accounts.length >= 1, 'the master key account is listed');
  assert.ok(accounts.every((l) => !l.includes('gatehouse-probe-')), accounts.join('\n'));
});

test('1: a locked keyring is reported as locked, not as "no key" (own D-Bus session, real gnome-keyring)', () => {
  const w = world();
  const dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-sec-locked-'));
  // Unlock (creating the login keyring), then lock it through the Secret Service API, then run
  // the real CLI against it.
  const script = [
    'echo -n gatehouse-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1',
    'gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets --method org.freedesktop.Secret.Service.Lock "[\'/org/freedesktop/secrets/collection/login\']" >/dev/null',
    'exec node --import tsx electron/cli/main.ts security --json',
  ].join(' && ');
  const r = spawnSync('dbus-run-session', ['--', 'bash', '-c', script], {
    cwd: ROOT,
    env: { ...w.env(w.stack('locked')), XDG_DATA_HOME: dataHome },
    encoding: 'utf8',
    timeout: 60_000,
  });
  fs.rmSync(dataHome, { recursive: true, force: true });
  assert.equal(r.status, 2, r.stderr);
  // If the Lock call wins the race against the daemon claiming its bus name, D-Bus activates a
  // second daemon, which prints its environment on the session's stdout before the CLI's JSON.
  const json = r.stdout.slice(r.stdout.indexOf('{'));
  assert.ok(json.length > 0, `no JSON on stdout: ${r.stdout.slice(0, 200)}`);
  const report = JSON.parse(json) as SecurityReport;
  const c = byId(report, 'keychain');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /is locked/);
  assert.match(c.finding, /locked collection/);
  assert.match(c.fix ?? '', /Unlock/);
  assert.match(byId(report, 'key-strength').finding, /keychain could not be read/);
});

test('2: a generated key passes; a published example key in the keychain fails with key:rotate', async () => {
  const w = world();
  const core = await w.core(w.stack('weak'));
  const key = await core.keys.ensure();
  const good = await core.security.run();
  assert.equal(byId(good, 'key-strength').status, 'pass', byId(good, 'key-strength').finding);
  assertNoSecret(good, [key]);
  await core.secrets.set(ACCOUNTS.masterKey, 'sk-dev-test-key');
  const bad = await core.security.run();
  const c = byId(bad, 'key-strength');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'key:rotate');
  assert.match(c.finding, /published example/);
  assertNoSecret(bad, ['sk-dev-test-key']);
});

test('3: a fresh key passes; one not rotated for longer than keyMaxAgeDays warns and shows the last rotation', async () => {
  const w = world();
  const core = await w.core(w.stack('age'));
  await core.keys.ensure();
  const fresh = await core.security.run();
  assert.equal(byId(fresh, 'key-age').status, 'pass', byId(fresh, 'key-age').finding);
  assert.match(byId(fresh, 'key-age').finding, /0 days old \(created \d{4}-\d\d-\d\d, never rotated\); rotation is due after 90 days/);
  const old = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  await core.state.update<KeyState>('masterKey', (s) => ({ ...(s as KeyState), createdAt: old(200), rotatedAt: old(120) }));
  const stale = await core.security.run();
  const c = byId(stale, 'key-age');
  assert.equal(c.status, 'warn');
  assert.equal(c.action, 'key:rotate');
  assert.match(c.finding, new RegExp(`120 days old \\(last rotated ${old(120).slice(0, 10)}\\)`));
  // The limit is a setting.
  await core.settings.update({ keyMaxAgeDays: 365 });
  assert.equal(byId(await core.security.run(), 'key-age').status, 'pass');
});

test('11: neither a Claude token nor a login volume warns; a token in the keychain passes', async () => {
  const w = world();
  const core = await w.core(w.stack('claude'));
  await core.keys.ensure();
  const none = await core.security.run();
  assert.equal(byId(none, 'claude-login').status, 'warn');
  assert.equal(byId(none, 'claude-login').action, 'claude:set-token');
  const token = 'sk-ant-oat01-' + generateMasterKey().slice(3);
  await core.secrets.set(ACCOUNTS.claudeToken, token);
  const withToken = await core.security.run();
  assert.equal(byId(withToken, 'claude-login').status, 'pass');
  assertNoSecret(withToken, [token]);
});

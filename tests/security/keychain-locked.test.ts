// A locked keyring is never read as "no key yet": every command that reads the keychain says
// KEYCHAIN_LOCKED with the fix. Runs the real CLI against a real gnome-keyring of its own (own
// D-Bus session, own data folder, its own password), which holds a key and is then locked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, tmpDir } from './helpers';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const COMMANDS: Record<string, string[]> = {
  info: ['key', 'info'],
  infoJson: ['key', 'info', '--json'],
  print: ['key', 'print'],
  copy: ['key', 'copy'],
  create: ['key', 'create'],
};

function runLocked(): Record<string, Run> & { before: Run } {
  const dataHome = tmpDir('locked-xdg');
  const home = tmpDir('locked-home');
  const out = tmpDir('locked-out');
  const cli = (name: string, args: string[]) =>
    `node --import tsx electron/cli/main.ts ${args.join(' ')} >${out}/${name}.out 2>${out}/${name}.err; echo $? >${out}/${name}.rc`;
  const script = [
    // A keyring of its own, unlocked with a password no other test uses.
    'echo -n locked-suite-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1',
    cli('before', ['key', 'create']),
    'gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets --method org.freedesktop.Secret.Service.Lock "[\'/org/freedesktop/secrets/collection/login\']" >/dev/null',
    ...Object.entries(COMMANDS).map(([name, args]) => cli(name, args)),
  ].join('; ');
  const r = spawnSync('dbus-run-session', ['--', 'bash', '-c', script], {
    cwd: ROOT,
    env: { ...process.env, XDG_DATA_HOME: dataHome, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: 'gatehouse-sec-locked', GATEHOUSE_STACK: 'ghseclocked', DISPLAY: '' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const read = (name: string): Run => ({
    code: Number(fs.readFileSync(path.join(out, `${name}.rc`), 'utf8').trim()),
    stdout: fs.readFileSync(path.join(out, `${name}.out`), 'utf8'),
    stderr: fs.readFileSync(path.join(out, `${name}.err`), 'utf8'),
  });
  const results = Object.fromEntries(['before', ...Object.keys(COMMANDS)].map((n) => [n, read(n)])) as Record<string, Run> & { before: Run };
  for (const d of [dataHome, home, out]) fs.rmSync(d, { recursive: true, force: true });
  return results;
}

test('keychain-locked: key info, key info --json, key print, key copy and key create all say KEYCHAIN_LOCKED, never "no key"', () => {
  const r = runLocked();
  assert.equal(r.before.code, 0, `key create before locking: ${r.before.stderr}`);
  for (const name of Object.keys(COMMANDS)) {
    const run = r[name] as Run;
    const all = run.stdout + run.stderr;
    assert.notEqual(run.code, 0, `${name} must fail on a locked keyring: ${all}`);
    assert.match(run.stderr, /KEYCHAIN_LOCKED/, `${name}: ${all}`);
    assert.match(run.stderr, /Unlock your login keyring/, `${name}: ${all}`);
    assert.doesNotMatch(all, /No master key yet|NO_KEY|"exists": false|Created a new master key/, `${name}: ${all}`);
    assert.doesNotMatch(run.stdout, /^sk-/m, `${name} printed a key`);
  }
});

function cli(args: string[], env: NodeJS.ProcessEnv): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('keychain-unavailable: no Secret Service at all is KEYCHAIN_UNAVAILABLE, not "no key"', () => {
  const home = tmpDir('unavail');
  const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: 'gatehouse-sec-unavail', GATEHOUSE_STACK: 'ghsecunavail', DBUS_SESSION_BUS_ADDRESS: `unix:path=${home}/no-bus`, DISPLAY: '' };
  for (const args of [['key', 'info', '--json'], ['key', 'print']]) {
    const r = cli(args, env);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /KEYCHAIN_UNAVAILABLE/, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /No master key yet|"exists": false|NO_KEY/);
  }
  fs.rmSync(home, { recursive: true, force: true });
});

test('keychain-absent: an unlocked keyring without a key says so (exit 0, "exists": false) and key print says NO_KEY', () => {
  const home = tmpDir('absent');
  const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-sec-absent-${process.pid}`, GATEHOUSE_STACK: 'ghsecabsent' };
  const info = cli(['key', 'info', '--json'], env);
  assert.equal(info.code, 0, info.stderr);
  assert.equal((JSON.parse(info.stdout) as { exists: boolean }).exists, false);
  const print = cli(['key', 'print'], env);
  assert.equal(print.code, 1);
  assert.match(print.stderr, /NO_KEY/);
  fs.rmSync(home, { recursive: true, force: true });
});

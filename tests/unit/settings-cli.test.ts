/**
 * `gatehouse settings …` in-process over a real settings.json in a temp home (no Docker: Docker is
 * pointed at a socket that does not exist, which these commands never need).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCliInProcess } from '../support/cli-in-process';

let home: string;
let baseEnv: NodeJS.ProcessEnv;

before(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-settings-cli-'));
  baseEnv = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-settings-cli-${process.pid}`, DOCKER_HOST: 'unix:///nonexistent.sock' };
  for (const name of ['GATEHOUSE_STACK', 'GATEHOUSE_IMAGE', 'GATEHOUSE_BIND', 'GATEHOUSE_PORT']) delete baseEnv[name];
});
after(() => fs.rmSync(home, { recursive: true, force: true }));

const run = (argv: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCliInProcess(argv, { ...baseEnv, ...extraEnv });

const file = () => JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));

test('settings --json shows the effective settings and names the GATEHOUSE_* overrides', async () => {
  const r = await run(['settings', '--json'], { GATEHOUSE_PORT: '4555', GATEHOUSE_STACK: 't-settings' });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.settings.port, 4555);
  assert.equal(j.settings.stackName, 't-settings');
  assert.equal(j.settings.database.enabled, false);
  assert.deepEqual(j.overrides, { stackName: 'GATEHOUSE_STACK', port: 'GATEHOUSE_PORT' });
  assert.equal(j.file, path.join(home, 'settings.json'));
  const plain = await run(['settings'], { GATEHOUSE_PORT: '4555' });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /port +4555 +\(from GATEHOUSE_PORT; settings\.json is overridden\)/);
  assert.match(plain.stdout, /database\.enabled +false/);
  assert.match(plain.stdout, /bindAddress +"127\.0\.0\.1"\n/);
});

test('settings set parses numbers and booleans, takes dotted keys, and writes settings.json', async () => {
  assert.equal((await run(['settings', 'set', 'port', '4100'])).code, 0);
  assert.equal((await run(['settings', 'set', 'database.enabled', 'true'])).code, 0);
  assert.equal((await run(['settings', 'set', 'extraEnv.LITELLM_LOG', 'DEBUG'])).code, 0);
  assert.equal((await run(['settings', 'set', 'extraEnv.NUM_WORKERS', '4'])).code, 0);
  assert.equal((await run(['settings', 'set', 'database.volume', 'old-pgdata'])).code, 0);
  const s = file();
  assert.equal(s.port, 4100);
  assert.equal(s.database.enabled, true);
  assert.equal(s.database.volume, 'old-pgdata');
  assert.deepEqual(s.extraEnv, { LITELLM_LOG: 'DEBUG', NUM_WORKERS: '4' }, 'env values stay strings');
  const shown = JSON.parse((await run(['settings', '--json'])).stdout);
  assert.equal(shown.settings.port, 4100);
  assert.deepEqual(shown.overrides, {});
  // A change that an override hides is saved, with a note saying so.
  const hidden = await run(['settings', 'set', 'port', '4200'], { GATEHOUSE_PORT: '4555' });
  assert.equal(hidden.code, 0);
  assert.match(hidden.stderr, /GATEHOUSE_PORT is set in this environment and overrides "port"/);
  assert.equal(file().port, 4200);
});

test('settings unset removes an env variable or restores a default', async () => {
  assert.equal((await run(['settings', 'unset', 'extraEnv.NUM_WORKERS'])).code, 0);
  assert.deepEqual(file().extraEnv, { LITELLM_LOG: 'DEBUG' });
  assert.equal((await run(['settings', 'unset', 'database.volume'])).code, 0);
  assert.equal(file().database.volume, null);
  assert.equal((await run(['settings', 'unset', 'port'])).code, 0);
  assert.equal(file().port, 4000);
  const missing = await run(['settings', 'unset', 'extraEnv.NOPE']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /extraEnv has no variable NOPE[\s\S]*fix: Set ones: LITELLM_LOG/);
});

test('the schema refuses bad values with the field named, and secrets cannot be set', async () => {
  const before = fs.readFileSync(path.join(home, 'settings.json'), 'utf8');
  const cases: [string[], RegExp, number][] = [
    [['settings', 'set', 'port', '70000'], /Invalid setting "port" in the update: must be between 1 and 65535[\s\S]*SETTINGS_INVALID/, 2],
    [['settings', 'set', 'port', 'high'], /Setting "port" takes a number; "high" is not one/, 2],
    [['settings', 'set', 'database.enabled', 'maybe'], /Setting "database.enabled" takes true or false/, 2],
    [['settings', 'set', 'bindAddress', 'localhost'], /Invalid setting "bindAddress" in the update: must be an IP address/, 2],
    [['settings', 'set', 'extraEnv.LITELLM_MASTER_KEY', 'sk-not-a-real-key-0000'], /Invalid setting "extraEnv.LITELLM_MASTER_KEY"[\s\S]*is a secret that Gatehouse keeps in the keychain[\s\S]*fix: Leave "extraEnv.LITELLM_MASTER_KEY" out of the settings: Gatehouse injects it from the keychain/, 2],
    [['settings', 'set', 'extraEnv.DATABASE_URL', 'postgres://u:p@h/db'], /Invalid setting "extraEnv.DATABASE_URL"/, 2],
    [['settings', 'set', 'extraEnv.BAD-NAME', 'x'], /Invalid setting "extraEnv.BAD-NAME"[\s\S]*names must be letters, digits and "_"/, 2],
    [['settings', 'set', 'prot', '4000'], /There is no setting "prot"[\s\S]*fix: Did you mean port\? Settings: image, port,/, 2],
    [['settings', 'set', 'watchedFolders', '/tmp'], /watch-folder add PATH/, 2],
    [['settings', 'set', 'port'], /Expected 2 argument\(s\), got 1/, 2],
  ];
  for (const [argv, re, code] of cases) {
    const r = await run(argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
    // The refused value never comes back in the message.
    if (argv[2]?.startsWith('extraEnv.') && (argv[3]?.length ?? 0) > 8) assert.ok(!r.stderr.includes(argv[3] as string), 'the value is not echoed');
  }
  assert.equal(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'), before, 'nothing refused was written');
});

test('settings watch-folder add|remove keeps an absolute, de-duplicated list', async () => {
  const dir = path.join(home, 'projects');
  let r = await run(['settings', 'watch-folder', 'add', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await run(['settings', 'watch-folder', 'add', dir])).code, 0);
  const rel = path.relative(process.cwd(), path.join(home, 'other'));
  assert.equal((await run(['settings', 'watch-folder', 'add', rel])).code, 0);
  assert.deepEqual(file().watchedFolders, [dir, path.join(home, 'other')]);
  r = await run(['settings', 'watch-folder', 'remove', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(file().watchedFolders, [path.join(home, 'other')]);
  r = await run(['settings', 'watch-folder', 'remove', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not a watched folder/);
});

test('a settings file with a wrong type is named with the commands that repair it, and they do', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-settings-repair-'));
  const settingsFile = path.join(dir, 'settings.json');
  const env = { GATEHOUSE_HOME: dir };
  try {
    fs.writeFileSync(settingsFile, JSON.stringify({ port: '4000', clipboardClearSeconds: 20 }));
    const shown = await run(['settings'], env);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, /Invalid setting "port" in .*settings\.json: must be a number, not the text "4000"\./);
    assert.match(shown.stderr, /fix: Correct it with `gatehouse settings set port VALUE`, or go back to the default with `gatehouse settings unset port`/);
    assert.doesNotMatch(shown.stderr, /received|expected number|Invalid input/, 'no raw schema text');
    // Setting another key does not hide the broken one: it is named as the file's.
    const other = await run(['settings', 'set', 'keyMaxAgeDays', '30'], env);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /Invalid setting "port" in .*settings\.json/);
    const set = await run(['settings', 'set', 'port', '4000'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(fs.readFileSync(settingsFile, 'utf8')).port, 4000);
    assert.equal(JSON.parse(fs.readFileSync(settingsFile, 'utf8')).clipboardClearSeconds, 20, 'the rest of the file is kept');
    fs.writeFileSync(settingsFile, JSON.stringify({ port: '4000' }));
    const unset = await run(['settings', 'unset', 'port'], env);
    assert.equal(unset.code, 0, unset.stderr);
    assert.equal((await run(['settings', '--json'], env)).code, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad GATEHOUSE_* value is named as the variable, not as the settings', async () => {
  const cases: [NodeJS.ProcessEnv, RegExp, RegExp][] = [
    [{ GATEHOUSE_PORT: '99999' }, /GATEHOUSE_PORT=99999 is not a valid "port": must be between 1 and 65535/, /fix: Correct or unset GATEHOUSE_PORT/],
    [{ GATEHOUSE_PORT: 'abc' }, /GATEHOUSE_PORT=abc is not a valid "port": must be a number\./, /fix: Correct or unset GATEHOUSE_PORT/],
    [{ GATEHOUSE_BIND: 'localhost' }, /GATEHOUSE_BIND=localhost is not a valid "bindAddress": must be an IP address/, /fix: Correct or unset GATEHOUSE_BIND/],
    [{ GATEHOUSE_IMAGE: 'Not An Image' }, /GATEHOUSE_IMAGE=Not An Image is not a valid "image"/, /unset GATEHOUSE_IMAGE/],
  ];
  for (const [env, message, fix] of cases) {
    const r = await run(['settings'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, fix);
    assert.doesNotMatch(r.stderr, /settings\.json:|received|Invalid input/, r.stderr);
  }
});

test('settings set says whether a restart is needed', async () => {
  const timeout = await run(['settings', 'set', 'startTimeoutSeconds', '5']);
  assert.equal(timeout.code, 0, timeout.stderr);
  assert.doesNotMatch(timeout.stdout, /restart`/);
  assert.match(timeout.stdout, /applies from the next start; no restart needed/);
  const port = await run(['settings', 'set', 'port', '4100']);
  assert.match(port.stdout, /Run `gatehouse restart` to apply it to a running gateway/);
  assert.equal((await run(['settings', 'unset', 'startTimeoutSeconds'])).code, 0);
});

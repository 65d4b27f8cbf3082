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
    [['settings', 'set', 'port', '70000'], /Invalid setting "port" in the update: must be between 1 and 65535[\s\S]*SETTINGS_INVALID/, 1],
    [['settings', 'set', 'port', 'high'], /Setting "port" takes a number; "high" is not one/, 2],
    [['settings', 'set', 'database.enabled', 'maybe'], /Setting "database.enabled" takes true or false/, 2],
    [['settings', 'set', 'bindAddress', 'localhost'], /Invalid setting "bindAddress" in the update: must be an IP address/, 1],
    [['settings', 'set', 'extraEnv.LITELLM_MASTER_KEY', 'sk-not-a-real-key-0000'], /Invalid setting "extraEnv.LITELLM_MASTER_KEY"[\s\S]*is a secret that Gatehouse keeps in the keychain[\s\S]*fix: Leave "extraEnv.LITELLM_MASTER_KEY" out of the settings: Gatehouse injects it from the keychain/, 1],
    [['settings', 'set', 'extraEnv.DATABASE_URL', 'postgres://u:p@h/db'], /Invalid setting "extraEnv.DATABASE_URL"/, 1],
    [['settings', 'set', 'extraEnv.BAD-NAME', 'x'], /Invalid setting "extraEnv.BAD-NAME"[\s\S]*names must be letters, digits and "_"/, 1],
    [['settings', 'set', 'prot', '4000'], /There is no setting "prot"[\s\S]*fix: Settings: image, port,/, 2],
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

/**
 * `gatehouse` help, versions and mistakes: wrapped to the terminal (a real pty through util-linux
 * `script`), groups list their subcommands, typos get a did-you-mean, every error ends with a fix
 * line and its code, usage errors exit 2 and runtime failures 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCliInProcess } from '../support/cli-in-process';
import { closest, twoColumns, wrapText } from '../../electron/cli/help';

const ROOT = path.resolve(__dirname, '..', '..');

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-cli-help-'));
  const e: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: 't-cli-help', GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-cli-help-${process.pid}`, DOCKER_HOST: 'unix:///nonexistent.sock', ...extra };
  delete e.COLUMNS;
  return { ...e, ...extra };
}

const run = (argv: string[], extra: NodeJS.ProcessEnv = {}) => runCliInProcess(argv, env(extra));

/** The CLI under a real pseudo-terminal of `cols` columns; returns what the terminal showed. */
function onTerminal(args: string[], cols: number, extra: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const cli = [process.execPath, '--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', `stty cols ${cols} rows 40; exec ${cli}`, '/dev/null'], { cwd: ROOT, env: env(extra), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout.replace(/\r\n/g, '\n') };
}

function assertFits(text: string, width: number): void {
  for (const line of text.split('\n')) assert.ok(line.length <= width, `line of ${line.length} > ${width}: ${JSON.stringify(line)}`);
}

test('wrapText and twoColumns keep every line within the width', () => {
  assert.deepEqual(wrapText('one two three four', 9), ['one two', 'three', 'four']);
  const rows: [string, string][] = [
    ['start', 'Start the gateway (creating the key, pulling the image and the stack as needed); prints its URL'],
    ['logs [--follow] [--level L] [--grep RE] [--since 10m] [--json]', 'The gateway\'s logs, secrets redacted'],
  ];
  for (const width of [40, 60, 80, 120]) assertFits(twoColumns(rows, width), width);
  // A usage too long for the column puts its text on the next line, under the column.
  const out = twoColumns(rows, 80).split('\n');
  assert.match(out[0]!, /^ {2}start {2,}Start the gateway/);
  const logsLine = out.findIndex((l) => l.startsWith('  logs [--follow]'));
  assert.match(out[logsLine + 1]!, /^ +The gateway's logs/);
});

test('--help wraps to COLUMNS when not on a terminal, to 80 without it', async () => {
  const narrow = await run(['--help'], { COLUMNS: '60' });
  assert.equal(narrow.code, 0);
  assertFits(narrow.stdout, 60);
  assert.match(narrow.stdout, /key rotate/);
  assert.match(narrow.stdout, /remove/);
  const plain = await run(['--help']);
  assertFits(plain.stdout, 80);
  assert.ok(plain.stdout.split('\n').some((l) => l.length > 60), 'uses the 80 columns it has');
  const wide = await run(['help'], { COLUMNS: '200' });
  assertFits(wide.stdout, 200);
});

test('on a terminal, help fits the terminal\'s own width (pseudo-terminal of 70 columns)', () => {
  const r = onTerminal(['--help'], 70, { COLUMNS: '200' });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Usage: gatehouse <command>/);
  assertFits(r.out, 70);
});

test('a group alone lists its subcommands: gatehouse key, gatehouse db, settings watch-folder', async () => {
  const key = await run(['key']);
  assert.equal(key.code, 0, key.stderr);
  for (const sub of ['key info', 'key create', 'key print', 'key copy', 'key rotate', 'key import']) assert.match(key.stdout, new RegExp(`^ {2}${sub}`, 'm'), sub);
  assert.doesNotMatch(key.stdout, /^ {2}db /m);
  const db = await run(['db']);
  assert.equal(db.code, 0, db.stderr);
  for (const sub of ['db status', 'db enable', 'db disable', 'db adopt', 'db remove-data']) assert.match(db.stdout, new RegExp(`^ {2}${sub}`, 'm'), sub);
  const wf = await run(['settings', 'watch-folder']);
  assert.equal(wf.code, 0, wf.stderr);
  assert.match(wf.stdout, /settings watch-folder add PATH/);
  assert.equal((await run(['help', 'db'])).stdout, db.stdout);
  const one = await run(['logs', '--help']);
  assert.equal(one.code, 0);
  assert.match(one.stdout, /^Usage: gatehouse logs/);
  assert.match(one.stdout, /--tail VALUE/);
});

test('typos get a did-you-mean, with the fix line and code, exit 2', async () => {
  assert.deepEqual(closest('stauts', ['start', 'stop', 'status', 'logs']), ['status', 'start']);
  const r = await run(['stauts']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^gatehouse: Unknown command "stauts"\.\n {2}fix: Did you mean `gatehouse status`/);
  assert.match(r.stderr, /\(error code INVALID_ARGUMENT\)\n$/);
  const sub = await run(['key', 'prnit']);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /`gatehouse key` has no command "prnit"[\s\S]*fix: Did you mean `gatehouse key print`\?/);
  const settings = await run(['settings', 'sett', 'port', '1']);
  assert.equal(settings.code, 2);
  assert.match(settings.stderr, /Did you mean `gatehouse settings set`/);
  const flag = await run(['logs', '--tial', '5']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option --tial\.\n {2}fix: Did you mean --tail\?/);
  const nothing = await run(['zzzzzz']);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /fix: `gatehouse help` lists every command/);
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V', 'version']) {
    const r = await run([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `gatehouse ${pkg.version}\n`);
  }
});

test('argument errors: each has a fix line and exits 2; a bad regex is a usage error too', async () => {
  const cases: [string[], RegExp][] = [
    [['logs', '--tail', '-3'], /--tail needs a whole number of lines \(0 or more\), got "-3"/],
    [['key', 'import', '--env-file'], /Option --env-file needs a value/],
    [['key', 'import', '--env-file', '--scrub'], /Option --env-file needs a value/],
    [['logs', '--grep', '(unclosed'], /not a valid regular expression/],
    [['status', '--json=yes'], /Option --json takes no value/],
    [['start', 'now'], /takes no argument|Unknown/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
    assert.match(r.stderr, /\n {2}fix: \S.*\n {2}\(error code [A-Z_]+\)\n$/, `fix line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /received|expected (number|string)|Invalid input/, 'no raw schema text');
  }
});

test('runtime failures exit 1 with a fix line', async () => {
  const r = await run(['status']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /DOCKER_UNREACHABLE/);
  assert.match(r.stderr, /\n {2}fix: \S/);
});

/**
 * The README's command-line section as a newcomer copies it: the ways of running `gatehouse`
 * from a checkout (npm link, node bin/gatehouse.js, npm run --silent) give clean stdout for
 * scripts; every `gatehouse …` example names a real command with real options; the error table
 * lists every error code; the renderer build prints no config warning.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMMANDS } from '../../electron/cli/commands';

const ROOT = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
let home: string;
let env: NodeJS.ProcessEnv;

before(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-first-use-'));
  env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-first-use-${process.pid}`, DOCKER_HOST: 'unix:///nonexistent.sock' };
  for (const name of ['GATEHOUSE_STACK', 'GATEHOUSE_IMAGE', 'GATEHOUSE_BIND', 'GATEHOUSE_PORT', 'npm_config_loglevel']) delete env[name];
});
after(() => fs.rmSync(home, { recursive: true, force: true }));

function section(title: string): string {
  const start = README.indexOf(`## ${title}\n`);
  assert.ok(start >= 0, `README has a "${title}" section`);
  const end = README.indexOf('\n## ', start + 3);
  return README.slice(start, end === -1 ? undefined : end);
}

/** `gatehouse a b --x V --y` → the command it names and the options it uses, or null for a placeholder. */
function checkExample(example: string): void {
  // `gatehouse tls …`: the group, its commands left open.
  const words = example.trim().split(/\s+/).slice(1).filter((w) => w !== '…');
  if (words.length === 0 || /^[A-Z<]/.test(words[0]!) || words[0] === '…') return; // gatehouse COMMAND, <command>
  if (words[0] === '--version' || words[0] === 'help') return;
  const lead = words.filter((w, i) => !w.startsWith('-') && words.slice(0, i).every((x) => !x.startsWith('-')));
  const command = COMMANDS.filter((c) => c.path.every((p, i) => lead[i] === p)).sort((a, b) => b.path.length - a.path.length)[0];
  const group = COMMANDS.some((c) => c.path.length > lead.length && lead.every((w, i) => c.path[i] === w));
  assert.ok(command || group, `README example names no command: gatehouse ${words.join(' ')}`);
  if (!command) return;
  for (const w of words) {
    if (!w.startsWith('--') || w === '--help') continue;
    const name = w.slice(2).split('=')[0]!;
    assert.ok(name in command.flags, `README example uses an option \`gatehouse ${command.path.join(' ')}\` does not take: ${w} (in "${example}")`);
  }
}

test('every gatehouse example in the README names a real command with its real options', () => {
  const examples: string[] = [];
  for (const m of README.matchAll(/`(gatehouse [^`]+)`/g)) examples.push(m[1]!.replace(/\\\|/g, '|'));
  for (const block of README.matchAll(/```\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      for (const m of line.matchAll(/(?:^|\$\(|\|\s*)(gatehouse(?: [^)|#]*)?)/g)) examples.push(m[1]!.trim());
    }
  }
  assert.ok(examples.length > 20, `found ${examples.length} examples`);
  for (const e of examples) for (const part of e.split(/\s*(?:&&|;)\s*/)) if (part.startsWith('gatehouse')) checkExample(part);
  // The command table lists every command.
  const cli = section('Command line');
  for (const c of COMMANDS) {
    const first = c.path[0]!;
    if (first === 'tls') continue; // documented in its own section
    // `db status \| enable`, `settings watch-folder add\|remove PATH`: alternatives after a group's words.
    const last = c.path[c.path.length - 1]!;
    const listed = cli.includes(`\`${c.path.join(' ')}`) || (cli.includes(c.path.slice(0, -1).join(' ')) && new RegExp(`\\\\\\|\\s?${last}\\b`).test(cli));
    assert.ok(listed, `README's command table lists ${c.path.join(' ')}`);
  }
});

test("the README's error table lists every error code", () => {
  const api = fs.readFileSync(path.join(ROOT, 'shared', 'api.ts'), 'utf8');
  const union = /export type ErrorCode =([\s\S]*?);/.exec(api)?.[1] ?? '';
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
  assert.ok(codes.length >= 20, `codes: ${codes.join(' ')}`);
  const table = section('Troubleshooting');
  for (const code of codes) assert.match(table, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `README's table lists ${code}`);
});

test('npm run --silent gatehouse prints only the command\'s output (JSON parses); without --silent npm adds its banner', () => {
  const quiet = spawnSync('npm', ['run', '--silent', 'gatehouse', '--', 'settings', '--json'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(JSON.parse(quiet.stdout).settings.port, 4000);
  const loud = spawnSync('npm', ['run', 'gatehouse', '--', '--version'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  assert.match(loud.stdout, /^\s*> gatehouse@/m, 'the reason the README asks for --silent');
});

test('after npm run build: node bin/gatehouse.js, and gatehouse on PATH through npm link', () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, timeout: 120_000 });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const direct = spawnSync(process.execPath, ['--', path.join(ROOT, 'bin', 'gatehouse.js'), 'settings', '--json'], { cwd: os.tmpdir(), env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(JSON.parse(direct.stdout).file, path.join(home, 'settings.json'));
  // The README's `node -- bin/gatehouse.js`: Node leaves `--env-file` to Gatehouse (without `--`, Node
  // itself would refuse a missing file with its own message and exit 9).
  const missing = path.join(home, 'no-such.env');
  const imp = spawnSync(process.execPath, ['--', path.join(ROOT, 'bin', 'gatehouse.js'), 'key', 'import', '--env-file', missing], { cwd: os.tmpdir(), env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(imp.status, 1, imp.stderr);
  assert.match(imp.stderr, /^gatehouse: [\s\S]*no-such\.env[\s\S]*\n {2}fix: .*\n {2}\(error code IMPORT_FAILED\)\n$/);
  // npm link into a throw-away prefix: the user's own global folder is not touched.
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-npm-prefix-'));
  try {
    const link = spawnSync('npm', ['link', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: ROOT, env: { ...env, npm_config_prefix: prefix }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(link.status, 0, link.stderr);
    const bin = process.platform === 'win32' ? path.join(prefix, 'gatehouse.cmd') : path.join(prefix, 'bin', 'gatehouse');
    const onPath = spawnSync('gatehouse', ['--version'], { cwd: os.tmpdir(), env: { ...env, PATH: `${path.dirname(bin)}${path.delimiter}${env.PATH}` }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(onPath.status, 0, onPath.stderr);
    assert.equal(onPath.stdout, `gatehouse ${pkg.version}\n`);
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});

test('the renderer build prints no Vite config warning (ESM config in a CommonJS package)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-vite-'));
  try {
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--outDir', out, '--emptyOutDir'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /ESM syntax in a file loaded as CommonJS|configLoader/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

/**
 * The shipped CLI: `bin/gatehouse.js` over the bundle that `npm run build` makes (dist/cli.cjs,
 * scripts/build-cli.mjs), with its code cache. The other CLI tests run the TypeScript sources
 * through tsx; this one runs what an installed user runs, against a real Docker engine and the
 * real Secret Service.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackStatus } from '../../shared/api';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { StateStore } from '../../electron/core/state-store';
import { ROOT, runCommand, stackContainers, stackNetworks, testStack, type CliResult, type TestStack } from './stack-helpers';

const BIN = path.join(ROOT, 'bin', 'gatehouse.js');
const BUNDLE = path.join(ROOT, 'dist', 'cli.cjs');

function run(cmd: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000): Promise<CliResult> {
  return runCommand(cmd, env, timeoutMs, cmd.join(' '), input ?? '');
}

const gatehouse = (args: string[], env: NodeJS.ProcessEnv) => run([process.execPath, BIN, ...args], env);

describe('the shipped CLI (bin/gatehouse.js → dist/cli.cjs, code cache)', () => {
  let t: TestStack;
  let cacheHome: string;
  let env: NodeJS.ProcessEnv;
  const outputs: string[] = [];

  before(async () => {
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(built.status, 0, built.stderr);
    t = await testStack('clibundle');
    cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-clibundle-cache-'));
    env = { ...t.env, XDG_CACHE_HOME: cacheHome };
  });
  after(async () => {
    await t.cleanup();
    fs.rmSync(cacheHome, { recursive: true, force: true });
  });

  /** The code cache: <cache>/gatehouse/cli-<node version>-<arch>-<bundle CRC-32>-<bundle length>-<command>.v8 */
  const cacheFiles = () => {
    const dir = path.join(cacheHome, 'gatehouse');
    return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile()) : [];
  };

  test('the bundle holds the core and zod, and leaves keytar and dockerode’s native/optional parts to node_modules', () => {
    const src = fs.readFileSync(BUNDLE, 'utf8');
    for (const external of ['keytar', 'ssh2', '@grpc/grpc-js', 'tar-fs']) assert.ok(src.includes(`require("${external}")`), `${external} stays external`);
    assert.ok(!src.includes('require("zod")') && !src.includes('require("dockerode")'), 'zod and dockerode are bundled');
    // One-byte source for V8 (scripts/build-cli.mjs): code escaped by esbuild, comments spelled in ASCII.
    assert.equal(/[^\x00-\x7f]/.exec(src), null, 'the bundle is pure ASCII');
  });

  test('help runs from the bundle; the first run writes the code cache (user-only), the next reuses it', async () => {
    const first = await gatehouse(['help'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Usage: gatehouse <command>/);
    const files = cacheFiles();
    assert.equal(files.length, 1, 'one cache entry: the bundle, for this command');
    const file = files[0] as string;
    assert.match(path.basename(file), new RegExp(`^cli-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]+-${fs.statSync(BUNDLE).size}-help\\.v8$`));
    assert.ok(fs.statSync(file).size > 100_000, 'V8 code of the bundle');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(cacheHome, 'gatehouse')).mode & 0o777, 0o700, 'the cache folder is the user’s alone');
    const before = fs.statSync(file).mtimeMs;
    const second = await gatehouse(['help'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(fs.statSync(file).mtimeMs, before, 'an accepted cache is not rewritten');
  });

  test('a corrupt cache only costs speed: V8 rejects it, the command works, the cache is rewritten', async () => {
    const file = cacheFiles()[0] as string;
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    const r = await gatehouse(['help'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: gatehouse/);
    assert.notDeepEqual(fs.readFileSync(file), Buffer.alloc(4096, 7), 'rewritten with real cached data');
  });

  test('each command has its own cache, written after it ran; a rebuilt bundle drops the old bundle\'s caches', async () => {
    const version = await gatehouse(['--version'], env);
    assert.equal(version.code, 0, version.stderr);
    const names = () => cacheFiles().map((f) => path.basename(f)).sort();
    assert.deepEqual(names().map((n) => n.replace(/^.*-/, '')), ['help.v8', 'other.v8'], 'help and an option-only command');
    // Another bundle (one byte more): its first run writes its own cache and removes the others.
    const copy = path.join(cacheHome, 'bundle-copy');
    fs.mkdirSync(path.join(copy, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(copy, 'dist'));
    fs.copyFileSync(BIN, path.join(copy, 'bin', 'gatehouse.js'));
    fs.writeFileSync(path.join(copy, 'dist', 'cli.cjs'), `${fs.readFileSync(BUNDLE, 'utf8')}\n`);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const other = await run([process.execPath, path.join(copy, 'bin', 'gatehouse.js'), 'help'], env);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(names().length, 1, names().join(', '));
    assert.match(names()[0] as string, new RegExp(`-${fs.statSync(BUNDLE).size + 1}-help\\.v8$`));
    fs.rmSync(copy, { recursive: true, force: true });
  });

  test('run as an installed command (its interpreter line), `key import --env-file PATH` reaches Gatehouse, not Node', async () => {
    // Node reads `--env-file` anywhere in its argv and would stop with "node: PATH: not found" (exit 9).
    const missing = path.join(cacheHome, 'missing.env');
    const r = await run([BIN, 'key', 'import', '--env-file', missing], env);
    assert.notEqual(r.code, 9, r.stderr);
    assert.doesNotMatch(r.stderr, /^node: /m);
    assert.match(r.stderr, /IMPORT_FAILED/);
    assert.match(r.stderr, /missing\.env/);
  });

  test('GATEHOUSE_COMPILE_CACHE=0 runs without a cache and writes none', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-clibundle-nocache-'));
    try {
      const r = await gatehouse(['help'], { ...env, XDG_CACHE_HOME: other, GATEHOUSE_COMPILE_CACHE: '0' });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(fs.readdirSync(other), []);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  test('Docker unreachable: the bundled dockerode names the socket tried, exit non-zero', async () => {
    const r = await gatehouse(['start'], { ...env, DOCKER_HOST: 'unix:///nonexistent-gatehouse.sock' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /DOCKER_UNREACHABLE/);
    assert.match(r.stderr, /unix:\/\/\/nonexistent-gatehouse\.sock/);
    assert.equal(await t.masterKey(), null, 'no key created while Docker is down');
  });

  test('start → status --json → stop, end to end through the bundle', async () => {
    const started = await gatehouse(['start'], env);
    outputs.push(started.stdout, started.stderr);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, new RegExp(`Gateway healthy at http://127\\.0\\.0\\.1:${t.port}`));
    assert.deepEqual(await stackNetworks(t.stack), [`${t.stack}-net`]);

    const status = await gatehouse(['status', '--json'], env);
    outputs.push(status.stdout, status.stderr);
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout) as StackStatus;
    assert.equal(st.state, 'healthy');
    const key = await t.masterKey();
    assert.ok(key);
    assert.equal(st.keyFingerprint, fingerprint(key));

    const again = await gatehouse(['start'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await stackContainers(t.stack)).length, 1, 'a second start changes nothing');

    const stopped = await gatehouse(['stop'], env);
    outputs.push(stopped.stdout, stopped.stderr);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal((await stackContainers(t.stack))[0]?.State, 'exited');
    for (const out of outputs) assert.ok(!out.includes(key), 'the key is never printed');
  });

  test('the clipboard helper runs from the bundle without the CLI acting too', async () => {
    // A later copy owns the countdown: the helper must leave the clipboard alone and exit 0.
    const state = new StateStore({ home: t.home });
    await state.update('clipboard', () => ({ copyId: 'a-later-copy', clearsAt: new Date(Date.now() + 60_000).toISOString() }));
    const order = { hash: 'f'.repeat(64), copyId: 'this-copy', clearsAt: new Date(Date.now() - 1000).toISOString(), home: t.home };
    const r = await run([process.execPath, BUNDLE, '--clipboard-clear-helper'], env, JSON.stringify(order) + '\n', 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'the CLI did not also run (no "Unknown command")');
    assert.equal(r.stdout, '');
  });
});

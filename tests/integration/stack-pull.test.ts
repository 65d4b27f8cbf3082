/**
 * The pull path against a real registry (Debian's docker-registry on 127.0.0.1:5000): an image
 * with a layer this engine does not have, pulled on start with per-layer progress, its digest
 * shown in status.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PullProgress, StackStatus } from '../../shared/api';
import { Gatehouse } from '../../electron/core/gatehouse';
import { docker, rand, ROOT, runCli, testStack, PLAIN, type TestStack } from './stack-helpers';
import { httpGet } from '../../electron/core/services/http-probe';

const REGISTRY = '127.0.0.1:5000';

function runCliVia(cmd: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0] as string, cmd.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${out}`));
    }, 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
const repo = `gatehouse-test-pull-${rand()}`;
const image = `${REGISTRY}/${repo}:v1`;
let pushedDigest = '';
const stacks: TestStack[] = [];

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
}

/** Removes the image from this engine (the registry keeps it), so that start must pull it. */
async function removeLocal(): Promise<void> {
  await docker.getImage(image).remove({ force: true }).catch(() => undefined);
}

before(async () => {
  const reachable = await httpGet(`http://${REGISTRY}/v2/`, { timeoutMs: 3000 }).catch(() => null);
  assert.ok(reachable && reachable.status === 200, `the registry at ${REGISTRY} must run (scripts/services.sh starts it)`);
  // A layer of random bytes that exists nowhere else, so the pull really downloads something.
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-pull-'));
  fs.writeFileSync(path.join(ctx, 'payload.bin'), crypto.randomBytes(6 * 1024 * 1024));
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${PLAIN}\nCOPY payload.bin /opt/payload.bin\n`);
  sh('docker', ['build', '-q', '-t', image, ctx]);
  fs.rmSync(ctx, { recursive: true, force: true });
  const out = sh('docker', ['push', image]);
  pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1] ?? '';
  assert.ok(pushedDigest, `push printed a digest: ${out}`);
  await removeLocal();
});

after(async () => {
  for (const t of stacks) await t.cleanup();
  await removeLocal();
  // The registry allows deletes (scripts/services.sh): leave it as it was.
  await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${pushedDigest}`, { method: 'DELETE', signal: AbortSignal.timeout(5000) }).catch(() => undefined);
});

describe('pull on start', () => {
  test('a missing image is pulled with per-layer progress events; status shows its digest', async () => {
    const t = await testStack('pull', image);
    stacks.push(t);
    const core = await Gatehouse.open({ env: t.env });
    try {
      const events: PullProgress[] = [];
      const states: StackStatus[] = [];
      core.events.on('pull:progress', (p) => events.push(p));
      core.events.on('stack:status', (s) => states.push(s));
      const st = await core.stack.start();
      assert.equal(st.state, 'healthy');
      assert.ok(events.length > 2, `progress events: ${events.length}`);
      const downloading = events.filter((e) => e.layers.some((l) => l.status === 'Downloading' && l.total > 0));
      assert.ok(downloading.length > 0, 'at least one layer reported bytes while downloading');
      const last = events.at(-1)!;
      assert.equal(last.image, image);
      assert.ok(last.totalBytes >= 6 * 1024 * 1024 * 0.5, `total bytes ${last.totalBytes}`);
      assert.ok(last.layers.length >= 2, 'one entry per layer');
      const percents = events.map((e) => e.percent).filter((p): p is number => p !== null);
      assert.ok(percents.length > 0);
      for (let i = 1; i < percents.length; i++) assert.ok(percents[i]! >= percents[i - 1]! - 1e-9, 'progress never goes backwards');
      assert.ok(states.some((s) => s.state === 'pulling' && s.pull !== null), 'the status reports "pulling" with the progress');
      assert.equal(st.imageDigest, pushedDigest);
      await core.stack.stop();
    } finally {
      await core.close();
    }
  });

  test('the CLI shows pull progress as plain lines when not on a terminal', async () => {
    await removeLocal();
    const t = await testStack('pullcli', image);
    stacks.push(t);
    const r = await runCli(['start'], t.env, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Pulling ${image.replace(/[.]/g, '\\.')}`));
    assert.ok(!r.stderr.includes('\r'), 'no terminal redraws in a pipe');
    assert.match(r.stdout, /Gateway healthy at/);
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as StackStatus;
    assert.equal(st.imageDigest, pushedDigest);
    const human = await runCli(['status'], t.env);
    assert.match(human.stdout, new RegExp(`Digest:\\s+${pushedDigest}`));
  });

  test('on a terminal the CLI draws a progress bar (run under a pseudo-terminal)', async () => {
    await removeLocal();
    const t = await testStack('pulltty', image);
    stacks.push(t);
    const cli = `'${process.execPath}' --import tsx electron/cli/main.ts start`;
    // util-linux `script` gives the CLI a real pty for stdout and stderr.
    // An 80-column terminal, and a label long enough that bar + label + bytes would not fit in it.
    const r = await runCliVia(['script', '-q', '-e', '-c', `stty cols 80 rows 24; ${cli}`, '/dev/null'], t.env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\r\x1b\[2KPulling .*[█░]+ +\d+ %/, 'a redrawn bar');
    assert.match(r.out, /100 %/);
    // Each redraw is one line that fits (a wrapped one could not be redrawn with \r and would stay behind).
    const draws = r.out.split('\r\x1b[2K').slice(1).map((d) => d.split(/\r?\n/)[0]!);
    assert.ok(draws.length > 1, `redraws: ${draws.length}`);
    for (const d of draws) assert.ok([...d].length <= 79, `a progress line of ${[...d].length} columns: ${JSON.stringify(d)}`);
    assert.match(r.out, /Gateway healthy at/);
  });
});

/**
 * `gatehouse logs` as a user meets it, against a real stack of the stand-in: `--tail` beyond the
 * in-memory buffer reads past it from Docker (and says so);
 * the "Reading the logs…" line comes in time order; the last lines of a container replaced by a
 * rotation stay in `--since 10m`; without a container the output is called history.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { LogEntry } from '../../shared/api';
import path from 'node:path';
import { ROOT, runCli, runCommand, stackContainers, testStack, type TestStack } from './stack-helpers';

function emit(port: number, key: string, lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify({ lines: lines.map((text) => ({ text })) });
    const req = http.request(
      { host: '127.0.0.1', port, path: '/__standin/emit', method: 'POST', timeout: 30_000, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

describe('gatehouse logs (CLI) on a real stack', { timeout: 600_000 }, () => {
  let t: TestStack;
  let key: string;
  const TOTAL = 200_000;

  before(async () => {
    t = await testStack('clilogs');
    t.writeSettings({ logBufferEntries: 1000 });
    const r = await runCli(['start'], t.env, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    key = (await t.masterKey()) as string;
  });
  after(async () => {
    await t.cleanup();
  });

  test('the "Reading the logs" line comes in time order, before the lines it read', async () => {
    const r = await runCli(['logs', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogEntry);
    const marker = entries.findIndex((e) => e.stream === 'system' && /Reading the logs of gateway container/.test(e.message));
    assert.ok(marker >= 0, 'the marker is there');
    // Docker stamps stdout and stderr in two copiers, so across the two streams its own times may
    // be a little out of order; within each stream they never are, and the marker carries the time
    // of the first line it introduces (not the moment it was printed).
    const byStream = new Map<string, LogEntry[]>();
    for (const e of entries) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
    for (const [stream, list] of byStream) {
      for (let i = 1; i < list.length; i++) assert.ok(list[i - 1]!.time <= list[i]!.time, `${stream} time order at ${i}: ${list[i - 1]!.time} > ${list[i]!.time}`);
    }
    const next = entries[marker + 1];
    assert.ok(next && next.stream !== 'system', 'lines follow the marker');
    assert.equal(entries[marker]!.time, next.time, 'the marker is stamped with the time of the first line it read');
  });

  test('--tail beyond the buffer reads past it from Docker and says so (per-line time beside docker logs is logged, not asserted)', async () => {
    for (let i = 0; i < TOTAL; i += 20_000) {
      const lines = Array.from({ length: 20_000 }, (_, j) => `bulk line ${i + j} of the tail test`);
      assert.equal(await emit(t.port, key, lines), 200);
    }
    const [c] = await stackContainers(t.stack);
    // Docker has the whole log once `docker logs` shows the last line.
    for (let tries = 0; ; tries++) {
      // (the stand-in logs each request after the lines it was given)
      const last = spawnSync('docker', ['logs', '--tail', '20', c!.Id], { encoding: 'utf8' });
      if ((last.stdout + last.stderr).includes(`bulk line ${TOTAL - 1} `)) break;
      assert.ok(tries < 100, 'Docker has the lines');
      await new Promise((r) => setTimeout(r, 100));
    }
    const inBuffer = await runCli(['logs', '--tail', '500'], t.env);
    assert.equal(inBuffer.code, 0, inBuffer.stderr);
    assert.equal(inBuffer.stdout.trim().split('\n').length, 500);
    assert.doesNotMatch(inBuffer.stderr, /straight from Docker/);

    const dockerStarted = Date.now();
    const d = spawnSync('docker', ['logs', c!.Id], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const dockerMs = Date.now() - dockerStarted;
    const dockerLines = (d.stdout + d.stderr).trim().split('\n').length;

    // As a script runs it (README): the built CLI, node bin/gatehouse.js.
    spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, timeout: 120_000 });
    const r = await runCommand([process.execPath, path.join(ROOT, 'bin', 'gatehouse.js'), 'logs', '--tail', String(TOTAL * 2)], t.env, 180_000, 'gatehouse logs --tail');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= TOTAL, `${lines.length} lines shown, ${dockerLines} in docker logs`);
    assert.ok(lines.slice(-20).some((l) => l.includes(`bulk line ${TOTAL - 1} of the tail test`)), 'the newest lines are there');
    assert.match(r.stderr, new RegExp(`--tail ${TOTAL * 2} is more than the 1000 entries kept in memory \\(logBufferEntries\\), so the lines were read straight from Docker: ${lines.length} from the current gateway container`));
    const perLineOurs = r.ms / lines.length;
    const perLineDocker = dockerMs / dockerLines;
    console.log(`logs --tail ${TOTAL * 2}: ${lines.length} lines in ${r.ms} ms (${(perLineOurs * 1000).toFixed(2)} µs/line); docker logs: ${dockerLines} lines in ${dockerMs} ms (${(perLineDocker * 1000).toFixed(2)} µs/line)`);
    // Speed is a benchmark's business, not a test's: both wait on the Docker daemon, whose speed
    // swings with the machine's load, so the figures are only logged here.

    const exact = await runCli(['logs', '--tail', '1500'], t.env);
    assert.equal(exact.code, 0, exact.stderr);
    assert.equal(exact.stdout.trim().split('\n').length, 1500);
    assert.ok(exact.stdout.trim().split('\n').slice(-20).some((l) => l.includes(`bulk line ${TOTAL - 1} `)));
  });

  test('lines of a container replaced by a rotation stay in --since 10m', async () => {
    const marker = `before-rotation-${Date.now()}`;
    assert.equal(await emit(t.port, key, [marker]), 200);
    const [old] = await stackContainers(t.stack);
    const rot = await runCli(['key', 'rotate'], t.env, { timeoutMs: 120_000 });
    assert.equal(rot.code, 0, rot.stderr);
    const [now] = await stackContainers(t.stack);
    assert.notEqual(now!.Id, old!.Id, 'the rotation replaced the container');
    const r = await runCli(['logs', '--since', '10m', '--grep', marker], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(marker));
  });

  test('with no gateway container, the output is called the stored history', async () => {
    const removed = await runCli(['remove'], t.env);
    assert.equal(removed.code, 0, removed.stderr);
    const r = await runCli(['logs', '--tail', '5'], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no gateway container now; what follows is the stored history of earlier ones/);
    assert.ok(r.stdout.trim().split('\n').length >= 1, 'the history is still shown');
  });
});

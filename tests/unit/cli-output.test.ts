/**
 * What the CLI prints: the pull progress line fits the terminal, aligned columns, plain wording,
 * `db status --json` always an object, the IMAGE_PULL_FAILED reason said once, and the last log
 * lines of CONTAINER_EXITED in the order they were written.
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { progressLine, ProgressReporter } from '../../electron/cli/output';
import { formatAge, formatClaude, formatKeyInfo } from '../../electron/cli/key-commands';
import { databaseJson } from '../../electron/cli/db-commands';
import { pullFailed } from '../../electron/core/engine/pull';
import { tailLines, type ContainerHandle } from '../../electron/core/engine/container-logs';
import type { DockerEngine } from '../../electron/core/engine/types';

test('the pull progress line fits the terminal at any width, the bar first, then the bytes, then the label', () => {
  const label = 'Pulling 127.0.0.1:5000/gatehouse-test-pull-0123abcd:v1';
  for (const cols of [20, 40, 60, 80, 100, 200]) {
    for (const pct of [null, 0, 42.5, 100]) {
      const line = progressLine(label, pct, '2.1 MB / 6.0 MB', cols);
      assert.ok([...line].length <= cols - 1, `${cols} columns: ${line.length} ${JSON.stringify(line)}`);
    }
  }
  assert.match(progressLine(label, 50, '2.1 MB / 6.0 MB', 120), /^Pulling 127\.0\.0\.1:5000\/gatehouse-test-pull-0123abcd:v1 [█░]{10,40}  50 % 2\.1 MB \/ 6\.0 MB$/);
  // 80 columns: the label stays whole, the bytes give way.
  assert.match(progressLine(label, 50, '2.1 MB / 6.0 MB', 80), /^Pulling 127\.0\.0\.1:5000\/gatehouse-test-pull-0123abcd:v1 [█░]+  50 %$/);
  assert.match(progressLine(label, 50, '', 40), /…/);
  // On a terminal every update is one redraw of one line.
  const err = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  let out = '';
  err.on('data', (c: Buffer) => (out += c.toString()));
  const p = new ProgressReporter({ stdout: new PassThrough(), stderr: err, stdin: new PassThrough() });
  for (const pct of [10, 20, 30]) p.update(label, pct, '1.0 MB / 6.0 MB');
  p.done();
  const draws = out.split('\r\x1b[2K').slice(1);
  assert.equal(draws.length, 3);
  for (const d of draws) assert.ok([...d.replace(/\n$/, '')].length <= 79);
});

test('a counting line (key rotate\'s verify step) shows the seconds waited, redrawn each second on a terminal, once elsewhere, and stops at the next line', () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
  try {
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let out = '';
    tty.on('data', (c: Buffer) => (out += c.toString()));
    const p = new ProgressReporter({ stdout: new PassThrough(), stderr: tty, stdin: new PassThrough() });
    p.counting('verify', (s) => `[verify] Waiting for the new gateway: expecting new key 200 — ${s} s`);
    mock.timers.tick(1000);
    mock.timers.tick(1000);
    p.line('[commit] Making the new key current');
    mock.timers.tick(3000);
    const draws = out.split('\r\x1b[2K').slice(1);
    assert.deepEqual(
      draws.map((d) => / — (\d+) s/.exec(d)?.[1]),
      ['0', '1', '2'],
      `one redraw per second, none after the next line: ${JSON.stringify(out)}`,
    );
    assert.match(out, /2 s\n\[commit\] Making the new key current\n$/, 'the counting line is closed before the next one');

    const pipe = new PassThrough();
    let plain = '';
    pipe.on('data', (c: Buffer) => (plain += c.toString()));
    const q = new ProgressReporter({ stdout: new PassThrough(), stderr: pipe, stdin: new PassThrough() });
    q.counting('verify', (s) => `[verify] waiting — ${s} s`);
    mock.timers.tick(3000);
    q.done();
    assert.equal(plain, '[verify] waiting — 0 s\n', 'not a terminal: written once, no redraws');
  } finally {
    mock.timers.reset();
  }
});

test('key info and claude status: values in one column, the age said plainly', () => {
  assert.equal(formatAge(0), 'less than a day');
  assert.equal(formatAge(1), '1 day');
  assert.equal(formatAge(12), '12 days');
  assert.equal(formatAge(null), 'unknown');
  const info = formatKeyInfo({ exists: true, fingerprint: 'sha256:0123456789ab', createdAt: '2030-01-01T00:00:00Z', rotatedAt: null, ageDays: 0, pendingRotation: false });
  assert.match(info, /^Age: +less than a day$/m);
  assert.doesNotMatch(info, /day\(s\)/);
  const claude = formatClaude({ tokenStored: true, volumeHasLogin: false, volume: 'gatehouse-claude' });
  const lines = claude.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const columns = lines.map((l) => /^[^:]+: +/.exec(l)![0].length);
  assert.ok(columns.every((c) => c === columns[0]), `values start in one column: ${JSON.stringify(lines)}`);
  assert.match(claude, /^Credentials volume: +gatehouse-claude$/m);
});

test('db status --json: an object in both cases, saying whether the database is on', () => {
  const off = databaseJson(null);
  assert.equal(off.enabled, false);
  assert.match(off.detail ?? '', /off/);
  const on = databaseJson({ state: 'healthy', containerId: 'c'.repeat(64), image: 'postgres:16', volume: 'gatehouse-db-data', connected: true, detail: null });
  assert.equal(on.enabled, true);
  assert.equal(on.state, 'healthy');
});

test('IMAGE_PULL_FAILED: the registry reason once, no doubled part, no stray " ."', () => {
  const image = '127.0.0.1:5000/nope:x';
  for (const why of [`manifest for ${image} not found: manifest unknown: manifest unknown`, 'manifest unknown: manifest unknown ', 'manifest unknown: manifest unknown.']) {
    const err = pullFailed(image, why);
    assert.equal(err.message, `The image ${image} is not on this machine and pulling it failed: the registry has no such image or tag (manifest unknown).`);
  }
  assert.match(pullFailed(image, 'unauthorized: authentication required').message, /failed: unauthorized: authentication required\.$/);
});

/** Docker's multiplexed log framing: [stream, 0, 0, 0, size BE] + payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

test('CONTAINER_EXITED quotes the last lines in the order they were written, whole, redacted', async () => {
  // As Docker can hand them out: stderr's frames first, a stdout line split over two frames
  // with the other stream's frame between them.
  const log = Buffer.concat([
    frame(2, '2030-01-01T00:00:01.3Z ERROR: second to last\n'),
    frame(1, '2030-01-01T00:00:01.1Z first line, sta'),
    frame(2, '2030-01-01T00:00:01.5Z CRITICAL: last words, key sk-live-0123456789abcdef\n'),
    frame(1, 'rted\n2030-01-01T00:00:01.2Z second line\n'),
  ]);
  const engine = { containerLogs: async () => log } as unknown as DockerEngine;
  const handle: ContainerHandle = { engine, id: 'x'.repeat(64), inspect: async () => { throw new Error('not used'); } };
  const lines = await tailLines(handle, 20, ['sk-live-0123456789abcdef']);
  assert.deepEqual(lines, ['first line, started', 'second line', 'ERROR: second to last', 'CRITICAL: last words, key [REDACTED]']);
});

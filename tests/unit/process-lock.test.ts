import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ProcessLock } from '../../electron/core/process-lock';

function tmpHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gh-lock-'));
}

test('a second holder waits until the first releases, and is told who holds it', async () => {
  const home = tmpHome();
  const first = ProcessLock.forStack(home, 's');
  const release = await first.acquire('start', new AbortController().signal);
  const seen: { pid: number; label: string }[] = [];
  let acquired = false;
  const second = ProcessLock.forStack(home, 's', (h) => seen.push(h)).acquire('rotate', new AbortController().signal).then((r) => {
    acquired = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(acquired, false, 'still waiting while the first holds the lock');
  assert.deepEqual(seen, [{ pid: process.pid, label: 'start' }]);
  await release();
  const release2 = await second;
  assert.equal(acquired, true);
  await release2();
  assert.equal(fs.existsSync(path.join(home, 'stack-s.lock')), false);
});

test('waiting can be cancelled', async () => {
  const home = tmpHome();
  const release = await ProcessLock.forStack(home, 's').acquire('start', new AbortController().signal);
  const ac = new AbortController();
  const waiting = ProcessLock.forStack(home, 's').acquire('stop', ac.signal);
  setTimeout(() => ac.abort(new Error('cancelled by the test')), 150);
  await assert.rejects(waiting, /cancelled by the test/);
  await release();
});

test('a lock left by a killed process is taken over', async () => {
  const home = tmpHome();
  const file = path.join(home, 'stack-s.lock');
  // A real process that takes the lock file and is then killed without releasing it.
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid: child.pid, label: 'rotate', since: new Date().toISOString() }));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const release = await ProcessLock.forStack(home, 's').acquire('start', AbortSignal.timeout(5000));
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  await release();
});

test('locks of different stacks are independent', async () => {
  const home = tmpHome();
  const a = await ProcessLock.forStack(home, 'a').acquire('start', new AbortController().signal);
  const b = await ProcessLock.forStack(home, 'b').acquire('start', AbortSignal.timeout(2000));
  await a();
  await b();
});

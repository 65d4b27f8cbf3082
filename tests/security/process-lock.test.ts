// The process lock between Gatehouse processes: a stale lock (dead holder, or a pid now used by
// another process) is taken over by exactly one of several waiters, every time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ProcessLock, processStartTime } from '../../electron/core/process-lock';
import { tmpDir } from './helpers';

const WAITERS = 4;
const TRIALS = 12;

let workers: ChildProcess[] = [];
before(async () => {
  workers = Array.from({ length: WAITERS }, () => fork(path.join(__dirname, 'lock-worker.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
});
after(() => {
  for (const w of workers) w.kill();
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid as number;
}

type Reply = { trial: number; overlap?: boolean; error?: string };

test(`process-lock: ${WAITERS} waiters on a stale lock, ${TRIALS} trials: never two holders`, async () => {
  const dir = tmpDir('lock');
  const lockFile = path.join(dir, 'stack-s.lock');
  const insideFile = path.join(dir, 'inside');
  let overlaps = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    // Half the trials: a dead pid; half: a live pid (pid 1) whose start time is not the holder's.
    const stale = trial % 2 === 0 ? { pid: await deadPid(), startTime: null } : { pid: 1, startTime: '1' };
    fs.writeFileSync(lockFile, JSON.stringify({ ...stale, label: 'rotate', since: new Date().toISOString(), nonce: `stale${trial}` }));
    const replies = workers.map(
      (w) =>
        new Promise<Reply>((resolve) => {
          const on = (m: Reply) => {
            if (m.trial !== trial) return;
            w.off('message', on);
            resolve(m);
          };
          w.on('message', on);
        }),
    );
    for (const w of workers) w.send({ trial, lockFile, insideFile });
    const got = await Promise.all(replies);
    for (const g of got) assert.equal(g.error, undefined, g.error);
    overlaps += got.filter((g) => g.overlap).length;
    assert.equal(fs.existsSync(lockFile), false, 'released at the end of the trial');
  }
  assert.equal(overlaps, 0, `two holders at once in ${overlaps} case(s)`);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n !== 'inside'), [], 'no candidate or marker file left behind');
});

test('process-lock: a reused pid does not wedge the lock (the holder\'s start time is recorded)', async () => {
  const dir = tmpDir('lock-reuse');
  const lockFile = path.join(dir, 'stack-s.lock');
  // pid 1 is alive, but it is not the process that wrote this lock (its start time differs).
  fs.writeFileSync(lockFile, JSON.stringify({ pid: 1, startTime: '7', label: 'start', since: new Date().toISOString(), nonce: 'old' }));
  const release = await new ProcessLock(lockFile).acquire('start', AbortSignal.timeout(3000));
  const owner = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number; startTime: string | null };
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.startTime, processStartTime(process.pid));
  assert.ok(owner.startTime, 'the start time is recorded on Linux');
  await release();
});

test('process-lock: a live holder with its own start time is waited for, not taken over', async () => {
  const dir = tmpDir('lock-live');
  const lockFile = path.join(dir, 'stack-s.lock');
  const release = await new ProcessLock(lockFile).acquire('start', AbortSignal.timeout(3000));
  await assert.rejects(new ProcessLock(lockFile, undefined, { pollMs: 10 }).acquire('stop', AbortSignal.timeout(300)));
  await release();
});

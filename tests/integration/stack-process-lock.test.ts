/**
 * The desktop app and a `gatehouse` command acting on the same stack take turns: an operation in
 * one process holds the stack's lock file, and the CLI waits (and says so) until it is released.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Gatehouse } from '../../electron/core/gatehouse';
import { ROOT, testStack, type TestStack } from './stack-helpers';

let t: TestStack;
before(async () => {
  t = await testStack('lock');
});
after(async () => {
  await t.cleanup();
});

const WAITING = /Waiting for another Gatehouse process \(pid (\d+)\) to finish its start/;

test('a CLI stop waits for an operation the app is running on the same stack', async () => {
  const app = await Gatehouse.open({ env: t.env });
  const cli = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'stop'], { cwd: ROOT, env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => cli.kill('SIGKILL'), 60_000);
  try {
    let stderr = '';
    let saidWaiting!: () => void;
    const waiting = new Promise<void>((r) => (saidWaiting = r));
    cli.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (WAITING.test(stderr)) saidWaiting();
    });
    const exited = new Promise<{ code: number | null; at: number }>((r) => cli.on('close', (code) => r({ code, at: Date.now() })));
    let releasedAt = 0;
    let cliExitedEarly = false;
    // The app holds the stack until the CLI has said that it waits (however long the CLI takes
    // to start on a loaded machine), or until the CLI ends without saying it.
    await app.stack.runExclusive('start', async () => {
      await Promise.race([
        waiting,
        exited.then(() => {
          if (releasedAt === 0) cliExitedEarly = true;
        }),
      ]);
      releasedAt = Date.now();
    });
    const done = await exited;
    assert.equal(cliExitedEarly, false, `the CLI ended while the app held the stack:\n${stderr}`);
    assert.equal(done.code, 0, stderr);
    assert.equal(WAITING.exec(stderr)?.[1], String(process.pid), stderr);
    assert.ok(done.at >= releasedAt, 'the CLI finished only after the app released the stack');
  } finally {
    clearTimeout(killer);
    await app.close();
  }
});

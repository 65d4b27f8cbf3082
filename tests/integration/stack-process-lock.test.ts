/**
 * The desktop app and a `gatehouse` command acting on the same stack take turns: an operation in
 * one process holds the stack's lock file, and the CLI waits (and says so) until it is released.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Gatehouse } from '../../electron/core/gatehouse';
import { runCli, testStack, type TestStack } from './stack-helpers';

let t: TestStack;
before(async () => {
  t = await testStack('lock');
});
after(async () => {
  await t.cleanup();
});

test('a CLI stop waits for an operation the app is running on the same stack', async () => {
  const app = await Gatehouse.open({ env: t.env });
  try {
    let releasedAt = 0;
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const op = app.stack.runExclusive('start', async () => {
      holding();
      await new Promise((r) => setTimeout(r, 2500));
      releasedAt = Date.now();
    });
    await held;
    const cli = await runCli(['stop'], t.env, { timeoutMs: 30_000 });
    const cliDoneAt = Date.now();
    await op;
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, new RegExp(`Waiting for another Gatehouse process \\(pid ${process.pid}\\) to finish its start`));
    assert.ok(releasedAt > 0 && cliDoneAt >= releasedAt, 'the CLI finished only after the app released the stack');
  } finally {
    await app.close();
  }
});

/**
 * The order that keeps a typed secret off the screen: raw mode (echo off) before the prompt. The
 * real-pty test (tests/integration/key-claude.test.ts) meets the race only when the machine is
 * busy; this one checks the order itself on every run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readSecret } from '../../electron/cli/secret-input';

test('on a terminal, echo goes off before the prompt is written and comes back after', async () => {
  const events: string[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(raw: boolean) {
      events.push(`raw:${raw}`);
    },
  });
  const stderr = new PassThrough();
  stderr.on('data', (c: Buffer) => events.push(`stderr:${c.toString()}`));
  const value = readSecret({ stdin, stdout: new PassThrough(), stderr }, 'Token: ');
  stdin.write('ab\u007fc\r');
  assert.equal(await value, 'ac');
  assert.deepEqual(events, ['raw:true', 'stderr:Token: ', 'stderr:\n', 'raw:false']);
});

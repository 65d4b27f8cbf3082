/**
 * The project's one wait (shared/sleep.ts) and its wakeable form, whose early end must leave no
 * timer behind: a readiness wait woken by the gateway's log line once kept the CLI open until
 * the poll's timer fired, and a test process for the whole start timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, wakeableSleep } from '../../shared/sleep';

/** Active timers of this process (Node's own diagnostic; the test runner's are there too, so compared before/after). */
const timers = () => (process.getActiveResourcesInfo?.() ?? []).filter((r) => r === 'Timeout').length;

test('sleep resolves after its time and rejects at once with the reason of an aborted signal', async () => {
  const t0 = performance.now();
  await sleep(30);
  assert.ok(performance.now() - t0 >= 25);
  const ac = new AbortController();
  const pending = sleep(60_000, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(pending, /stop/);
});

test('wakeableSleep: woken, it resolves at once and leaves no timer pending', async () => {
  const before = timers();
  const nap = wakeableSleep(60_000);
  assert.equal(timers(), before + 1);
  const t0 = performance.now();
  nap.wake();
  await nap.done;
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(timers(), before, 'the 60 s timer is cleared');
});

test('wakeableSleep: unwoken it ends after its time; its signal still cancels it', async () => {
  await wakeableSleep(20).done;
  const ac = new AbortController();
  const nap = wakeableSleep(60_000, ac.signal);
  ac.abort(new Error('cancelled'));
  await assert.rejects(nap.done, /cancelled/);
  nap.wake(); // after the end: nothing happens
});

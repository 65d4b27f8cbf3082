// The OperationQueue on its own: order, the lock between processes, cancellation of queued and
// running operations, joining a start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGatehouseError } from '../../electron/core/errors';
import { OperationQueue } from '../../electron/core/stack/operation-queue';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('operations run one at a time, in the order they were queued, each inside the lock', async () => {
  const log: string[] = [];
  const queue = new OperationQueue(async (label) => {
    log.push(`lock ${label}`);
    return async () => void log.push(`release ${label}`);
  });
  const gate = deferred();
  const a = queue.runExclusive('a', async () => {
    log.push('a runs');
    await gate.promise;
    log.push('a ends');
    return 1;
  });
  const b = queue.runExclusive('b', async () => {
    log.push('b runs');
    return 2;
  });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(queue.busy(), 'a');
  assert.deepEqual(log, ['lock a', 'a runs'], 'b waits for a');
  gate.resolve();
  assert.deepEqual(await Promise.all([a, b]), [1, 2]);
  assert.deepEqual(log, ['lock a', 'a runs', 'a ends', 'release a', 'lock b', 'b runs', 'release b']);
  assert.equal(queue.busy(), null);
});

test('a failed operation does not stop the next one', async () => {
  const queue = new OperationQueue();
  const a = queue.runExclusive('a', async () => {
    throw new Error('boom');
  });
  const b = queue.runExclusive('b', async () => 'ok');
  await assert.rejects(a, /boom/);
  assert.equal(await b, 'ok');
});

test('cancel: a running operation sees its signal fire; a queued one never runs', async () => {
  const queue = new OperationQueue();
  let ranQueued = false;
  const running = queue.runExclusive('start', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })));
  const queued = queue.runExclusive('start', async () => {
    ranQueued = true;
  });
  const other = queue.runExclusive('stop', async () => 'stopped');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(queue.cancel('start', 'The start was cancelled because a stop was requested.'), 2);
  await assert.rejects(running, (err) => isGatehouseError(err, 'CANCELLED') && /a stop was requested/.test(err.message));
  await assert.rejects(queued, (err) => isGatehouseError(err, 'CANCELLED'));
  assert.equal(ranQueued, false);
  assert.equal(await other, 'stopped', 'other labels are not touched');
});

test("the caller's own signal cancels too, also while it waits for the lock of another process", async () => {
  const lockGate = deferred();
  const queue = new OperationQueue(async (_label, signal) => {
    await Promise.race([lockGate.promise, new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('lock wait aborted')), { once: true }))]);
    return async () => undefined;
  });
  const outer = new AbortController();
  let ran = false;
  const op = queue.runExclusive(
    'rotate',
    async () => {
      ran = true;
    },
    outer.signal,
  );
  await new Promise((r) => setTimeout(r, 10));
  outer.abort();
  await assert.rejects(op, (err) => isGatehouseError(err, 'CANCELLED') && /rotate was cancelled/.test(err.message));
  assert.equal(ran, false);
  lockGate.resolve();
});

test('joinable: a second start joins the one under way, a cancelled one is not joined', async () => {
  const queue = new OperationQueue();
  const gate = deferred<string>();
  assert.equal(queue.joinable('start'), null);
  const started = deferred();
  const first = queue.runExclusive('start', () => (started.resolve(), gate.promise));
  assert.equal(queue.joinable('start'), first);
  await started.promise;
  queue.cancel('start', 'stop');
  assert.equal(queue.joinable('start'), null);
  gate.resolve('done');
  assert.equal(await first, 'done', 'an operation that ignores its signal still ends');
});

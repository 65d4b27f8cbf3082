// A user's search pattern never blocks the process: `(a+)+$` over a long line of "a"s takes a
// backtracking engine minutes, while a timer (the clipboard clear, say) must fire on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry } from '../../shared/api';
import { runQuery, runQueryAsync } from '../../electron/core/logs/query';
import { isGatehouseError } from '../../electron/core/errors';

function entries(n: number, message: string): LogEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    time: `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}.000000000Z`,
    stream: 'stdout' as const,
    level: 'info' as const,
    source: 'gateway',
    message,
    containerId: 'c1',
  }));
}

test('log-search: (a+)+$ over long lines of "a" does not hold a 100 ms timer back', async () => {
  // 25 "a"s and a "!": a backtracking engine tries 2^25 ways per line (seconds each); RE2 a few hundred steps.
  const log = [...entries(3, 'a'.repeat(25) + '!'), ...entries(1, 'aaaa')];
  const firedLate = new Promise<number>((resolve) => {
    const due = Date.now() + 100;
    setTimeout(() => resolve(Date.now() - due), 100);
  });
  // Let the timer be armed, then search (synchronously, as IPC and the CLI do).
  await new Promise((r) => setImmediate(r));
  const started = Date.now();
  const page = runQuery(log, { text: '(a+)+$', regex: true });
  const took = Date.now() - started;
  assert.equal(page.total, 1, 'only the line that ends in "a" matches');
  assert.ok(took < 2000, `the search took ${took} ms`);
  const late = await firedLate;
  assert.ok(late < 1000, `the timer fired ${late} ms late`);
});

test('log-search: case-insensitive regex and plain text still match message and source', () => {
  const log = entries(3, 'Proxy started on PORT 4000');
  assert.equal(runQuery(log, { text: 'port \\d+', regex: true }).total, 3);
  assert.equal(runQuery(log, { text: 'GATEWAY' }).total, 3);
  assert.equal(runQuery(log, { text: '(x' }).total, 0, 'plain text is literal');
});

test('log-search: a look-around or back-reference is refused with INVALID_REGEX and a fix', () => {
  for (const pattern of ['(?<=key)=', '(a)\\1']) {
    assert.throws(
      () => runQuery(entries(1, 'x'), { text: pattern, regex: true }),
      (err: unknown) => isGatehouseError(err, 'INVALID_REGEX') && /not supported/.test(err.fix ?? ''),
    );
  }
});

test('log-search: a search over a full buffer (100,000 lines) lets a 50 ms timer fire on time', async () => {
  const log = Array.from({ length: 100_000 }, (_, i) => ({
    ...(entries(1, `INFO: 172.17.0.1:5000 - "POST /chat/completions HTTP/1.1" 200 OK model=claude-sonnet-4 tokens=${i} latency=0.${i}s`)[0] as LogEntry),
    seq: i + 1,
  }));
  const lateness: number[] = [];
  let due = Date.now() + 50;
  const timer = setInterval(() => {
    lateness.push(Date.now() - due);
    due = Date.now() + 50;
  }, 50);
  try {
    const page = await runQueryAsync(log, { text: 'latency=0\\.9+s$', regex: true, limit: 10 });
    assert.equal(page.total, 5);
    await runQueryAsync(log, { text: '(a+)+$', regex: true });
  } finally {
    clearInterval(timer);
  }
  assert.ok(lateness.length > 0, 'the timer ran during the searches');
  assert.ok(Math.max(...lateness) < 150, `a timer fired ${Math.max(...lateness)} ms late`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogEntry, LogLevel, LogStream } from '../../shared/api';
import { RingBuffer } from '../../electron/core/logs/ring-buffer';
import { WarningGroups, warningPattern } from '../../electron/core/logs/grouping';
import { runQuery, parseTimeArgument } from '../../electron/core/logs/query';
import { LogHistory } from '../../electron/core/logs/history';
import { formatEntryText } from '../../electron/core/logs/export';
import { isGatehouseError } from '../../electron/core/errors';

let seq = 0;
function entry(time: string, level: LogLevel, message: string, stream: LogStream = 'stderr', source = 'LiteLLM Proxy'): LogEntry {
  return { seq: ++seq, time, stream, level, source, message, containerId: 'c1' };
}
const T = (s: number) => `2026-11-28T04:00:${String(s).padStart(2, '0')}.000000000Z`;

test('ring buffer: O(1) append keeps the newest `capacity` items in order', () => {
  const rb = new RingBuffer<number>(3);
  assert.deepEqual(rb.toArray(), []);
  for (let i = 1; i <= 7; i++) rb.push(i);
  assert.equal(rb.size, 3);
  assert.deepEqual(rb.toArray(), [5, 6, 7]);
  assert.deepEqual([...rb], [5, 6, 7]);
  assert.equal(rb.at(0), 5);
  assert.equal(rb.last(), 7);
  assert.equal(rb.at(3), undefined);
  rb.clear();
  assert.equal(rb.size, 0);
  assert.throws(() => new RingBuffer(0), RangeError);
  const big = new RingBuffer<number>(100_000);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1_000_000; i++) big.push(i);
  assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 1000, 'a million appends take well under a second');
  assert.equal(big.at(0), 900_000);
});

test('warning patterns mask numbers, ids, hex, times, IPs and quoted strings', () => {
  assert.equal(
    warningPattern('router.py:4217 - deployment "claude-opus-4" cooldown for 60s after 3 failures (request 5b0e1c1a-1f1e-4a57-bb7e-0e2b1c9b8f1a) from 172.18.0.5:40123 at 2026-11-28T04:00:01.123Z id=deadbeefcafe'),
    'router.py:<n> - deployment <str> cooldown for 60s after <n> failures (request <id>) from <ip> at <time> id=<hex>',
  );
  assert.equal(warningPattern('chatcmpl-8c1d3f9a2 failed\nTraceback…'), '<id> failed');
  assert.equal(warningPattern('Traceback (most recent call last):\n  File "x", line 3\nValueError: bad value 42'), 'ValueError: bad value <n>');
});

test('grouping: same masked message counts together; level is the worst; first/last seen; example is the latest', () => {
  const g = new WarningGroups();
  assert.equal(g.add(entry(T(1), 'info', 'just info')), null);
  const a = g.add(entry(T(2), 'warning', 'cooldown for request 123'));
  assert.equal(a?.fresh, true);
  const b = g.add(entry(T(3), 'error', 'cooldown for request 456'));
  assert.equal(b?.fresh, false);
  g.add(entry(T(4), 'warning', 'something else'));
  const list = g.list();
  assert.equal(list.length, 2);
  const cd = list.find((w) => w.pattern === 'cooldown for request <n>');
  assert.ok(cd);
  assert.equal(cd.count, 2);
  assert.equal(cd.level, 'error');
  assert.equal(cd.firstSeen, T(2));
  assert.equal(cd.lastSeen, T(3));
  assert.equal(cd.example, 'cooldown for request 456');
  assert.equal(cd.acknowledged, false);
  assert.match(cd.id, /^[0-9a-f]{12}$/);
});

test('acknowledged groups stop being new until they occur again', () => {
  const g = new WarningGroups();
  const first = g.add(entry(T(1), 'warning', 'disk 91% full'));
  const id = first!.group.id;
  assert.deepEqual(g.acknowledge(id), { id, through: T(1) });
  assert.equal(g.get(id)?.acknowledged, true);
  assert.equal(g.list().at(-1)?.id, id, 'acknowledged groups sort after new ones');
  const again = g.add(entry(T(5), 'warning', 'disk 95% full'));
  assert.equal(again?.fresh, true, 'seen again after the acknowledgement: new again');
  assert.equal(g.get(id)?.acknowledged, false);
  assert.equal(g.acknowledge('nope'), null);
  // acknowledgements restored from state (another run) apply to groups rebuilt from history
  const g2 = new WarningGroups();
  g2.setAcks({ [id]: T(5) });
  assert.equal(g2.add(entry(T(1), 'warning', 'disk 10% full'))?.fresh, false);
  assert.equal(g2.add(entry(T(6), 'warning', 'disk 10% full'))?.fresh, true);
});

test('grouping is bounded: the least recently seen group goes first', () => {
  const g = new WarningGroups(3);
  g.add(entry(T(1), 'warning', 'alpha'));
  g.add(entry(T(2), 'warning', 'beta'));
  g.add(entry(T(3), 'warning', 'gamma'));
  g.add(entry(T(4), 'warning', 'alpha'));
  g.add(entry(T(5), 'warning', 'delta'));
  assert.deepEqual(g.list().map((w) => w.pattern).sort(), ['alpha', 'delta', 'gamma']);
});

const sample = [
  entry(T(1), 'debug', 'dbg line', 'stdout'),
  entry(T(2), 'info', 'Uvicorn running on http://0.0.0.0:4000', 'stdout', 'uvicorn'),
  entry(T(3), 'warning', 'cooldown for claude-opus-4'),
  entry(T(4), 'error', 'Exception loading config\nTraceback (most recent call last):\nValueError: x'),
  entry(T(5), 'info', 'Reattached', 'system', 'gatehouse'),
  entry(T(6), 'critical', 'fatal error, exiting'),
];

test('queries: minimum level, stream, text, regex, time range', () => {
  const msgs = (q: Parameters<typeof runQuery>[1]) => runQuery(sample, q).entries.map((e) => e.message.split('\n')[0]);
  assert.deepEqual(msgs({ minLevel: 'warning' }), ['cooldown for claude-opus-4', 'Exception loading config', 'fatal error, exiting']);
  assert.deepEqual(msgs({ stream: 'system' }), ['Reattached']);
  assert.deepEqual(msgs({ text: 'UVICORN' }), ['Uvicorn running on http://0.0.0.0:4000'], 'plain text is case-insensitive and also matches the source');
  assert.deepEqual(msgs({ text: 'valueerror' }), ['Exception loading config'], 'text matches inside a traceback');
  assert.deepEqual(msgs({ text: 'claude-opus-\\d', regex: true }), ['cooldown for claude-opus-4']);
  assert.deepEqual(msgs({ text: '((', regex: false }), [], 'plain text is not a pattern');
  assert.deepEqual(msgs({ since: T(3), until: T(4) }), ['cooldown for claude-opus-4', 'Exception loading config']);
  assert.deepEqual(msgs({ since: '2026-11-28T04:00:05Z' }), ['Reattached', 'fatal error, exiting']);
});

test('queries: total counts all matches; limit without offset gives the newest; offset pages from the start', () => {
  const page = runQuery(sample, { limit: 2 });
  assert.equal(page.total, 6);
  assert.deepEqual(page.entries.map((e) => e.time), [T(5), T(6)]);
  assert.deepEqual(runQuery(sample, { offset: 1, limit: 2 }).entries.map((e) => e.time), [T(2), T(3)]);
  assert.deepEqual(runQuery(sample, { offset: 5 }).entries.map((e) => e.time), [T(6)]);
  assert.deepEqual(runQuery(sample, { limit: 0 }).entries, []);
});

test('an invalid regex is INVALID_REGEX with the reason; other bad queries are INVALID_ARGUMENT', () => {
  assert.throws(() => runQuery(sample, { text: 'a(b', regex: true }), (err: unknown) => {
    assert.ok(isGatehouseError(err, 'INVALID_REGEX'));
    assert.match(err.message, /not a valid regular expression: .*(unterminated|missing \)|missing closing \)|Unterminated group)/i);
    assert.ok(err.fix);
    return true;
  });
  assert.throws(() => runQuery(sample, { minLevel: 'loud' as LogLevel }), (err: unknown) => isGatehouseError(err, 'INVALID_ARGUMENT'));
  assert.throws(() => runQuery(sample, { since: 'yesterday-ish' }), (err: unknown) => isGatehouseError(err, 'INVALID_ARGUMENT') && /30s, 10m/.test(err.fix ?? ''));
  assert.throws(() => runQuery(sample, { limit: -1 }), (err: unknown) => isGatehouseError(err, 'INVALID_ARGUMENT'));
});

test('relative times: 10m means ten minutes before now', () => {
  const now = new Date('2026-11-28T04:30:00Z');
  assert.equal(parseTimeArgument('10m', 'since', now), '2026-11-28T04:20:00.000000000Z');
  assert.equal(parseTimeArgument('2h', 'since', now), '2026-11-28T02:30:00.000000000Z');
  assert.equal(parseTimeArgument('1d', 'since', now), '2026-11-27T04:30:00.000000000Z');
  assert.equal(parseTimeArgument('2026-11-28T04:00:00Z', 'since', now), '2026-11-28T04:00:00.000000000Z');
});

test('text export: one entry per line, traceback lines indented', () => {
  assert.equal(
    formatEntryText(sample[3] as LogEntry),
    `${T(4)} stderr ERROR    LiteLLM Proxy: Exception loading config\n    Traceback (most recent call last):\n    ValueError: x`,
  );
});

test('history: appends, rotates by size, stays bounded, loads the newest N in order, skips a torn line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-history-'));
  const h = new LogHistory(dir, { maxFileBytes: 2000, rotatedFiles: 2 });
  for (let i = 0; i < 100; i++) {
    h.append(LogHistory.record(entry(T(i % 60), 'info', `line ${i} ${'x'.repeat(40)}`)));
    if (i % 10 === 9) await h.flush();
  }
  await h.flush();
  const files = await h.files();
  assert.ok(files.length <= 3, 'current + 2 rotated');
  for (const f of files) {
    assert.ok(f.bytes <= 2000 + 200, `${f.file} is ${f.bytes} bytes`);
    assert.equal(fs.statSync(f.file).mode & 0o777, 0o600);
  }
  const loaded = await h.load(1000);
  assert.ok(loaded.length < 100 && loaded.length > 20, `kept ${loaded.length}`);
  assert.equal(loaded.at(-1)?.message.startsWith('line 99 '), true);
  const nums = loaded.map((r) => Number(r.message.split(' ')[1]));
  assert.deepEqual(nums, [...nums].sort((a, b) => a - b), 'oldest first');
  const last5 = await h.load(5);
  assert.deepEqual(last5.map((r) => Number(r.message.split(' ')[1])), [95, 96, 97, 98, 99]);
  fs.appendFileSync(path.join(dir, 'history.jsonl'), '{"time":"2026-11-28T04:01:00.0');
  assert.equal((await h.load(5)).at(-1)?.message.startsWith('line 99 '), true);
  await h.clear();
  assert.deepEqual(await h.files(), []);
  assert.deepEqual(await h.load(10), []);
});

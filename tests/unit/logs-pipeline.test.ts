import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { LogEntry } from '../../shared/api';
import type { RawLine } from '../../electron/core/engine/log-stream';
import { LogPipeline } from '../../electron/core/logs/pipeline';
import { LogHistory, type HistoryRecord } from '../../electron/core/logs/history';

const T = (n: number) => `2026-11-28T04:00:00.${String(n).padStart(9, '0')}Z`;

function lines(key: string): RawLine[] {
  return [
    { time: T(1), stream: 'stdout', text: 'INFO:     Started server process [1]' },
    { time: T(2), stream: 'stderr', text: `04:00:00 - LiteLLM Proxy:DEBUG: proxy_server.py:1690 - cache settings: {'type': 'local', 'master_key': '${key}'}` },
    { time: T(3), stream: 'stderr', text: '04:00:00 - LiteLLM Proxy:ERROR: proxy_server.py:2901 - Exception loading config' },
    { time: T(4), stream: 'stderr', text: 'Traceback (most recent call last):' },
    { time: T(5), stream: 'stderr', text: '  File "x.py", line 1, in f' },
    { time: T(6), stream: 'stderr', text: 'ValueError: bad' },
    { time: T(7), stream: 'stdout', text: 'INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)' },
  ];
}

test('ingest: parse, redact, buffer, group; stats count accepted secrets; re-reading the same lines adds nothing', () => {
  const key = 'sk-' + crypto.randomBytes(32).toString('hex');
  const seen: { e: LogEntry; last: string }[] = [];
  let fresh = 0;
  const p = new LogPipeline(1000, { entry: (e, last) => seen.push({ e, last }), freshGroup: () => fresh++ });
  p.redactor.setSecrets([{ kind: 'master-key', value: key }]);
  p.setContainer('c1');
  for (const l of lines(key)) p.ingest(l);
  p.flush();
  assert.equal(p.buffer.size, 4);
  assert.ok(p.buffer.toArray().every((e) => !e.message.includes(key)));
  assert.deepEqual(p.buffer.toArray().map((e) => e.seq), [1, 2, 3, 4]);
  assert.equal(seen[2]?.last, T(6), 'a traceback entry carries the time of its last line');
  assert.equal(p.stats.total, 1);
  assert.equal(p.stats.exactLines, 1);
  assert.deepEqual(p.stats.byKind, { 'master-key': 1 });
  assert.equal(p.watermarkOf('c1'), T(6), 'the older of the two streams (stderr at 6, stdout at 7)');
  assert.equal(fresh, 1, 'the error group is new');

  // a reconnect re-reads with `since` (inclusive): the same lines again, then a new one
  p.setContainer('c1');
  for (const l of lines(key)) p.ingest(l);
  p.ingest({ time: T(8), stream: 'stdout', text: 'INFO:     new line' });
  p.flush();
  assert.equal(p.buffer.size, 5);
  assert.equal(p.stats.total, 1, 'a secret in a repeated line is not counted twice');

  // stdout and stderr are stamped by separate copiers: a stdout line stamped before the last
  // stderr line can arrive later, and must not be taken for a repeat
  p.ingest({ time: T(10), stream: 'stderr', text: 'WARNING:  late-stamped stderr' });
  p.ingest({ time: T(9), stream: 'stdout', text: 'INFO:     earlier-stamped stdout' });
  p.flush();
  assert.equal(p.buffer.size, 7);

  // another container's lines are its own
  p.setContainer('c2');
  p.ingest({ time: T(1), stream: 'stdout', text: 'INFO:     Started server process [1]' });
  p.flush();
  assert.equal(p.buffer.size, 8);
  assert.equal(p.buffer.last()?.containerId, 'c2');
});

test('system markers are entries of the stream "system" from "gatehouse"', () => {
  const p = new LogPipeline(10);
  p.setContainer('c9');
  p.ingest({ time: T(1), stream: 'stderr', text: '04:00:00 - LiteLLM Proxy:ERROR: x.py:1 - held open' });
  const m = p.system('Gateway container recreated: now following abc.');
  assert.equal(m.stream, 'system');
  assert.equal(m.source, 'gatehouse');
  assert.equal(m.containerId, 'c9');
  assert.deepEqual(p.buffer.toArray().map((e) => e.stream), ['stderr', 'system'], 'the open entry is emitted before the marker');
});

test('restore: history comes back in order with fresh numbers and restores each container watermark', () => {
  const records: HistoryRecord[] = [
    { time: T(1), stream: 'stdout', level: 'info', source: 'uvicorn', message: 'a', containerId: 'c1' },
    LogHistory.record({ seq: 0, time: T(2), stream: 'stderr', level: 'error', source: 'LiteLLM Proxy', message: 'b\nTraceback', containerId: 'c1' }, T(5)),
    { time: T(9), stream: 'system', level: 'info', source: 'gatehouse', message: 'marker', containerId: 'c1' },
  ];
  const p = new LogPipeline(10);
  p.restore(records);
  assert.equal(p.buffer.size, 3);
  assert.equal(p.watermarkOf('c1'), T(1), 'a re-read starts at the older stream’s last line');
  assert.equal(p.groups.size, 1);
  p.setContainer('c1');
  p.ingest({ time: T(1), stream: 'stdout', text: 'INFO:     a' });
  p.ingest({ time: T(4), stream: 'stderr', text: '  File "x"' }); // before the traceback's last line: seen
  p.ingest({ time: T(3), stream: 'stdout', text: 'INFO:     after' }); // stdout is only at T(1): new
  p.flush();
  assert.deepEqual(p.buffer.toArray().map((e) => e.message), ['a', 'b\nTraceback', 'marker', 'after']);
  assert.deepEqual(p.buffer.toArray().map((e) => e.seq), [1, 2, 3, 4]);
});

test('restore drops records that a second writer (app and CLI at once) appended again', () => {
  const rec = (n: number, stream: 'stdout' | 'stderr', message: string): HistoryRecord => ({ time: T(n), stream, level: 'info', source: 'uvicorn', message, containerId: 'c1' });
  const p = new LogPipeline(10);
  p.restore([rec(1, 'stdout', 'a'), rec(2, 'stderr', 'b'), rec(3, 'stdout', 'c'), rec(1, 'stdout', 'a'), rec(2, 'stderr', 'b'), rec(4, 'stderr', 'd'), rec(3, 'stdout', 'c')]);
  assert.deepEqual(p.buffer.toArray().map((e) => e.message), ['a', 'b', 'c', 'd']);
});

test('the buffer is bounded by its capacity', () => {
  const p = new LogPipeline(5);
  p.setContainer('c1');
  for (let i = 1; i <= 20; i++) p.ingest({ time: T(i), stream: 'stdout', text: `INFO:     line ${i}` });
  p.flush();
  assert.equal(p.buffer.size, 5);
  assert.deepEqual(p.buffer.toArray().map((e) => e.message), ['line 16', 'line 17', 'line 18', 'line 19', 'line 20']);
});

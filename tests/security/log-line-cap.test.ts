// A container's endless line (no newline for 256 MiB) is kept to MAX_LINE_CHARS with a marker
// saying how much was cut, in bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, createLineDecoder, type RawLine } from '../../electron/core/engine/log-stream';
import { MAX_LINE_CHARS } from '../../electron/core/logs/line-cap';

test('log-line-cap: a 256 MiB line without a newline is cut to 64 KiB with a marker, in bounded memory', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const total = 256 * 1024 * 1024;
  const before = process.memoryUsage().rss;
  let peak = before;
  for (let sent = 0; sent < total; sent += chunk.length) {
    splitter.push(chunk);
    if ((sent / chunk.length) % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  splitter.push(Buffer.from('\nnext line\n'));
  peak = Math.max(peak, process.memoryUsage().rss);
  assert.equal(lines.length, 2);
  const first = lines[0] as string;
  assert.ok(first.startsWith('a'.repeat(MAX_LINE_CHARS) + ' [… '), first.slice(MAX_LINE_CHARS - 10, MAX_LINE_CHARS + 120));
  assert.match(first.slice(MAX_LINE_CHARS), new RegExp(`\\[… ${total - MAX_LINE_CHARS} more characters cut by Gatehouse`));
  assert.equal(lines[1], 'next line');
  assert.ok(peak - before < 200 * 1024 * 1024, `memory grew by ${Math.round((peak - before) / 1048576)} MiB`);
});

test('log-line-cap: a long line inside one chunk and one that ends the stream are cut too; short lines are untouched', () => {
  const got: RawLine[] = [];
  const dec = createLineDecoder(true, (l) => got.push(l));
  const long = 'b'.repeat(MAX_LINE_CHARS + 10);
  dec.push(Buffer.from(`2026-12-01T10:00:00.000000000Z short\n2026-12-01T10:00:01.000000000Z ${long}\n2026-12-01T10:00:02.000000000Z ${long}`));
  dec.end();
  assert.equal(got[0]?.text, 'short');
  for (const l of got.slice(1)) {
    assert.match(l.text, /more characters cut by Gatehouse/);
    assert.ok(l.text.length < MAX_LINE_CHARS + 200);
  }
  assert.equal(got.length, 3);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameDemuxer,
  LineSplitter,
  createLineDecoder,
  normalizeDockerTime,
  splitTimestamp,
  toDockerSince,
  type RawLine,
} from '../../electron/core/engine/log-stream';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('demux: frames split at every possible byte boundary come out whole and in order', () => {
  const input = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err ü two\n'), frame(1, ''), frame(1, 'out three\n')]);
  for (let cut = 0; cut <= input.length; cut++) {
    const got: [string, string][] = [];
    const demux = new FrameDemuxer((s, p) => got.push([s, p.toString('utf8')]));
    demux.push(input.subarray(0, cut));
    demux.push(input.subarray(cut));
    assert.deepEqual(got, [
      ['stdout', 'out one\n'],
      ['stderr', 'err ü two\n'],
      ['stdout', ''],
      ['stdout', 'out three\n'],
    ], `cut at ${cut}`);
    assert.equal(demux.buffered, 0);
  }
});

test('demux: byte-by-byte feeding, and a partial frame waits for the rest', () => {
  const input = Buffer.concat([frame(2, 'a\n'), frame(1, 'b\n')]);
  const got: string[] = [];
  const demux = new FrameDemuxer((s, p) => got.push(`${s}:${p.toString()}`));
  for (const b of input.subarray(0, input.length - 1)) demux.push(Buffer.from([b]));
  assert.deepEqual(got, ['stderr:a\n']);
  assert.ok(demux.buffered > 0);
  demux.push(input.subarray(input.length - 1));
  assert.deepEqual(got, ['stderr:a\n', 'stdout:b\n']);
});

test('line splitter: lines spanning pushes, several lines per push, multi-byte characters cut in half, CRLF', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  const euro = Buffer.from('€', 'utf8'); // 3 bytes
  s.push(Buffer.from('first part '));
  s.push(Buffer.concat([Buffer.from('and rest '), euro.subarray(0, 1)]));
  s.push(Buffer.concat([euro.subarray(1), Buffer.from('\nsecond\r\nthird\n')]));
  s.push(Buffer.from('no newline at end'));
  assert.deepEqual(lines, ['first part and rest €', 'second', 'third']);
  s.end();
  assert.deepEqual(lines.at(-1), 'no newline at end');
});

test('docker timestamps are normalised to nine fractional digits so strings sort as times', () => {
  assert.equal(normalizeDockerTime('2026-11-28T04:42:18.123456789Z'), '2026-11-28T04:42:18.123456789Z');
  assert.equal(normalizeDockerTime('2026-11-28T04:42:18.12Z'), '2026-11-28T04:42:18.120000000Z');
  assert.equal(normalizeDockerTime('2026-11-28T04:42:18Z'), '2026-11-28T04:42:18.000000000Z');
  assert.equal(normalizeDockerTime('not-a-time'), null);
  const a = normalizeDockerTime('2026-11-28T04:42:18.12Z') as string;
  const b = normalizeDockerTime('2026-11-28T04:42:18.123Z') as string;
  assert.ok(a < b);
  assert.equal(toDockerSince('2026-11-28T04:42:18.120000000Z'), `${Date.parse('2026-11-28T04:42:18Z') / 1000}.120000000`);
});

test('a line without a docker timestamp keeps its text whole', () => {
  const l = splitTimestamp('plain text line', 'stderr');
  assert.equal(l.text, 'plain text line');
  assert.equal(l.stream, 'stderr');
  assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});

test('decoder: framed stream → timestamped lines per stream; TTY stream has no header and is stdout', () => {
  const got: RawLine[] = [];
  const dec = createLineDecoder(false, (l) => got.push(l));
  const data = Buffer.concat([
    frame(1, '2026-11-28T04:00:00.000000001Z INFO:     started\n'),
    frame(2, '2026-11-28T04:00:00.000000002Z ERROR: LITELLM_MASTER_KEY is required.\n'),
  ]);
  dec.push(data.subarray(0, 13));
  dec.push(data.subarray(13));
  dec.end();
  assert.deepEqual(got, [
    { time: '2026-11-28T04:00:00.000000001Z', stream: 'stdout', text: 'INFO:     started' },
    { time: '2026-11-28T04:00:00.000000002Z', stream: 'stderr', text: 'ERROR: LITELLM_MASTER_KEY is required.' },
  ]);

  const tty: RawLine[] = [];
  const t = createLineDecoder(true, (l) => tty.push(l));
  t.push(Buffer.from('2026-11-28T04:00:01.5Z hello\r\n2026-11-28T04:00:02Z wor'));
  t.push(Buffer.from('ld\n'));
  assert.deepEqual(tty, [
    { time: '2026-11-28T04:00:01.500000000Z', stream: 'stdout', text: 'hello' },
    { time: '2026-11-28T04:00:02.000000000Z', stream: 'stdout', text: 'world' },
  ]);
});

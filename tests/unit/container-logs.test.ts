import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demuxDockerLog, redactSecrets } from '../../electron/core/engine/container-logs';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

test("demuxes Docker's multiplexed log frames in order", () => {
  const buf = Buffer.concat([frame(1, 'out one\n'), frame(2, 'ERROR: bad\n'), frame(1, 'out two\n')]);
  assert.deepEqual(demuxDockerLog(buf), [
    { stream: 'stdout', text: 'out one\n' },
    { stream: 'stderr', text: 'ERROR: bad\n' },
    { stream: 'stdout', text: 'out two\n' },
  ]);
  // A torn last frame is read as far as it goes.
  assert.equal(demuxDockerLog(frame(1, 'abcdef').subarray(0, 11))[0]?.text, 'abc');
});

test('redaction removes known secrets and anything shaped like a key', () => {
  const key = 'sk-' + 'c'.repeat(64);
  const out = redactSecrets(`master_key: '${key}' other sk-ABCDEFGHIJKLMNOPQRST and token tok-123456789`, [key, 'tok-123456789']);
  assert.ok(!out.includes(key));
  assert.ok(!out.includes('sk-ABCDEFGHIJKLMNOPQRST'));
  assert.ok(!out.includes('tok-123456789'));
  assert.match(out, /\[REDACTED\]/);
});

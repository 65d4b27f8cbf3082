// The reconnect loop both log followers (container, service) run: markers said once per state
// change, a doubling backoff reset by a successful look, attach only when what is followed
// changes, NOT_FOUND looked at again without backoff, CANCELLED ending the follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatehouseError } from '../../electron/core/errors';
import { runFollowLoop } from '../../electron/core/logs/follow-loop';

const refused = () => Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });

test('the follow loop: markers once per change, doubling backoff reset by a look that works, attach on a new id only, NOT_FOUND and CANCELLED', async () => {
  type Step = { id: string; read?: 'waiting-announced' } | null | Error;
  const steps: Step[] = [
    refused(),
    refused(),
    null,
    null,
    { id: 'a' },
    { id: 'a', read: 'waiting-announced' },
    null,
    { id: 'b' },
    new Error('boom'),
    new Error('boom'),
    new GatehouseError('NOT_FOUND', 'No such container.'),
    new Error('boom'),
    new GatehouseError('CANCELLED', 'Following was cancelled.'),
  ];
  const events: string[] = [];
  const lookedAt: number[] = [];
  const ac = new AbortController();
  await runFollowLoop<{ id: string; read?: 'waiting-announced' }>(
    {
      flush: () => void events.push('flush'),
      marker: (m, level) => void events.push(`${level}: ${m}`),
      find: async () => {
        lookedAt.push(performance.now());
        const step = steps.shift();
        assert.ok(step !== undefined, 'the loop looks no more after CANCELLED');
        if (step instanceof Error) throw step;
        return step;
      },
      idOf: (t) => t.id,
      attach: (t, prev) => void events.push(`attach ${t.id} (was ${prev})`),
      noneMarker: 'Nothing to follow; waiting.',
      waitForOne: async () => void events.push('wait'),
      read: async (t) => {
        events.push(`read ${t.id}`);
        return t.read;
      },
      notFoundRetryMs: 0,
      what: 'the things',
      env: {},
    },
    { signal: ac.signal, minBackoffMs: 60, maxBackoffMs: 180 },
  );
  assert.deepEqual(events, [
    'flush',
    'warning: Docker is not reachable at unix:///var/run/docker.sock (ECONNREFUSED). Reconnecting with backoff.',
    'flush',
    'info: Docker is reachable again; following the gateway logs.',
    'info: Nothing to follow; waiting.',
    'wait',
    'wait',
    'attach a (was null)',
    'read a',
    'read a',
    'wait',
    'attach b (was a)',
    'read b',
    'flush',
    'warning: Following the things failed: boom.',
    'flush',
    'flush',
    'flush',
    'flush',
    'flush',
  ]);
  // Gaps after each look (ms): 60, 120 (doubled), 0 × 6 (looks that worked), 60 (reset), 120, 0 (NOT_FOUND), 180 (capped).
  const gaps = lookedAt.slice(1).map((t, i) => t - (lookedAt[i] as number));
  const want = [60, 120, 0, 0, 0, 0, 0, 0, 60, 120, 0, 180];
  assert.equal(gaps.length, want.length);
  want.forEach((ms, i) => {
    assert.ok((gaps[i] as number) >= ms - 2, `gap ${i}: ${gaps[i]} ms, at least ${ms}`);
    if (ms === 0) assert.ok((gaps[i] as number) < 50, `gap ${i}: ${gaps[i]} ms, no backoff`);
  });
});

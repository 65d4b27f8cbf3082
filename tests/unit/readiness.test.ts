/**
 * Readiness is Gatehouse's own: liveness, then the barrier; Docker's health status is never waited
 * for at start, the gateway's "listening" log line ends the poll's wait at once, and an exit is
 * noticed when the log ends. A real HTTP server plays the gateway; the container handle is a fake
 * with the engine's behaviour on the points the wait relies on (inspect, a followed log that ends
 * when the container stops, a whole log for the last words).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { ContainerHandle } from '../../electron/core/engine/container-logs';
import type { ContainerDetails, DockerEngine, LogQuery } from '../../electron/core/engine/types';
import { isGatehouseError } from '../../electron/core/errors';
import { LISTENING_LINE, waitHealthy, watchLog, type ReadinessProgress } from '../../electron/core/services/health';
import { gatewayCreateOptions, gatewayHealthcheck, planStack } from '../../electron/core/services/gateway-plan';
import { describeStatus, waitingDetail } from '../../electron/core/stack/status';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';

const KEY = 'sk-readiness-test-key-0123456789abcdef';
const S = 1_000_000_000;
const SEED_HC = { Test: ['CMD', '/usr/bin/node', '/app/healthcheck.js'], Interval: 30 * S, Timeout: 10 * S, Retries: 3 };

/** A gateway stand-in on a free port: refuses until `listen()`, then liveliness 200 and the barrier. */
async function gateway(refuseAfterMs = 0): Promise<{ url: string; listen(): void; close(): Promise<void> }> {
  let up = false;
  const srv = http.createServer((req, res) => {
    // Like docker-proxy before the process listens (after `refuseAfterMs`: a probe still in flight).
    if (!up) return void setTimeout(() => req.socket.destroy(), refuseAfterMs);
    if (req.url === '/health/liveliness') return res.writeHead(200).end('"I\'m alive!"');
    if (req.url === '/v1/models') return res.writeHead(req.headers.authorization === `Bearer ${KEY}` ? 200 : 401).end('{}');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    listen: () => (up = true),
    close: () => new Promise((r) => {
      srv.close(() => r());
      srv.closeAllConnections();
    }),
  };
}

interface FakeContainer {
  handle: ContainerHandle;
  log: PassThrough;
  state: { Running: boolean; ExitCode: number; Health: string };
  inspects: number;
}

function fakeContainer(): FakeContainer {
  const log = new PassThrough();
  const fake: FakeContainer = { log, state: { Running: true, ExitCode: 0, Health: 'starting' }, inspects: 0, handle: null as unknown as ContainerHandle };
  const details = (): ContainerDetails =>
    ({
      Id: 'c1',
      Name: '/demo-litellm',
      RestartCount: 0,
      State: { Running: fake.state.Running, Restarting: false, ExitCode: fake.state.ExitCode, StartedAt: '2030-01-01T00:00:00Z', Health: { Status: fake.state.Health, FailingStreak: 0, Log: [] } },
    }) as unknown as ContainerDetails;
  const engine = {
    async containerLogs(_id: string, q: LogQuery) {
      if (q.follow) return log;
      return Buffer.alloc(0); // the last words: none
    },
  } as unknown as DockerEngine;
  fake.handle = {
    engine,
    id: 'c1',
    async inspect() {
      fake.inspects++;
      return details();
    },
  };
  return fake;
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

describe('waitHealthy: Gatehouse’s own readiness', () => {
  test("Docker's health stays \"starting\" (its first check is 30 s away): ready as soon as liveness and the barrier hold", async () => {
    const gw = await gateway();
    closers.push(gw.close);
    const c = fakeContainer();
    const phases: ReadinessProgress[] = [];
    setTimeout(() => gw.listen(), 150);
    await waitHealthy(c.handle, { url: gw.url, masterKey: KEY, secrets: [KEY], timeoutMs: 10_000, pollMs: 20, onProgress: (p) => phases.push(p) });
    assert.equal(c.state.Health, 'starting');
    assert.deepEqual(
      phases.map((p) => p.phase),
      ['booting', 'barrier'],
    );
    assert.equal(phases[0]?.since, phases[1]?.since, 'one wait, one start time');
    assert.equal(phases[0]?.expecting, '/health/liveliness 200');
    assert.equal(phases[1]?.expecting, 'no key 401, key 200');
  });

  test('the "Uvicorn running on" line ends the wait at once, not at the next poll', { timeout: 20_000 }, async () => {
    const gw = await gateway();
    closers.push(gw.close);
    const c = fakeContainer();
    setTimeout(() => {
      gw.listen();
      c.log.write('INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)\n');
    }, 200);
    // A poll interval far beyond the test's own timeout: only the log line can end this wait.
    await waitHealthy(c.handle, { url: gw.url, masterKey: KEY, secrets: [KEY], timeoutMs: 120_000, pollMs: 600_000 });
  });

  test('a listening line heard while a probe is in flight is not lost: the next probe goes out at once', { timeout: 20_000 }, async () => {
    const gw = await gateway(300);
    closers.push(gw.close);
    const c = fakeContainer();
    setTimeout(() => {
      // The first probe is still waiting for its refusal when the gateway comes up.
      gw.listen();
      c.log.write('INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)\n');
    }, 100);
    await waitHealthy(c.handle, { url: gw.url, masterKey: KEY, secrets: [KEY], timeoutMs: 120_000, pollMs: 600_000 });
  });

  test('an exit is noticed when the followed log ends: CONTAINER_EXITED without waiting for a poll', { timeout: 20_000 }, async () => {
    const gw = await gateway();
    closers.push(gw.close);
    const c = fakeContainer();
    setTimeout(() => {
      c.state.Running = false;
      c.state.ExitCode = 3;
      c.log.end();
    }, 100);
    await assert.rejects(
      waitHealthy(c.handle, { url: gw.url, masterKey: KEY, secrets: [KEY], timeoutMs: 120_000, pollMs: 600_000 }),
      (err: unknown) => isGatehouseError(err, 'CONTAINER_EXITED') && /exited with code 3/.test((err as Error).message),
    );
  });

  test('the container is not inspected on every poll (once at first, then about once a second)', async () => {
    const gw = await gateway();
    closers.push(gw.close);
    const c = fakeContainer();
    setTimeout(() => gw.listen(), 500);
    await waitHealthy(c.handle, { url: gw.url, masterKey: KEY, secrets: [KEY], timeoutMs: 10_000, pollMs: 10 });
    assert.ok(c.inspects <= 2, `inspected ${c.inspects} times`);
  });
});

test('each listening line wakes the wait once, also when later chunks are short and the line split over two', async () => {
  const c = fakeContainer();
  let woken = 0;
  const stop = watchLog(c.handle, () => woken++, () => undefined);
  await new Promise((r) => setImmediate(r)); // the follow stream is attached
  c.log.write('INFO:     Waiting for application startup.\nINFO:     Application startup com');
  c.log.write('plete.\n');
  for (const chunk of ['a', 'b', 'INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)\n', 'x', 'y', 'INFO: GET /health/liveliness 200\n']) c.log.write(chunk);
  await new Promise((r) => setImmediate(r));
  stop();
  assert.equal(woken, 2, 'one wake per line that says the gateway listens ("startup complete", "Uvicorn running on")');
});

test('the listening lines are uvicorn’s own', () => {
  assert.match('INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)', LISTENING_LINE);
  assert.match('INFO:     Application startup complete.', LISTENING_LINE);
  assert.doesNotMatch('INFO:     Waiting for application startup.', LISTENING_LINE);
});

describe("the gateway's Healthcheck", () => {
  test('Engine API 1.44+: the image’s test, interval, timeout and retries, plus a start period with a check every second', () => {
    const hc = gatewayHealthcheck(SEED_HC, '1.44', 60_000);
    assert.deepEqual(hc, { ...SEED_HC, StartPeriod: 60 * S, StartInterval: 1 * S });
    assert.equal(gatewayHealthcheck({ ...SEED_HC, StartPeriod: 90 * S }, '1.47', 60_000)?.StartPeriod, 90 * S, 'a longer start period of the image is kept');
  });

  test('older engines, images without a HEALTHCHECK or with NONE: left alone', () => {
    assert.equal(gatewayHealthcheck(SEED_HC, '1.41', 60_000), null);
    assert.equal(gatewayHealthcheck(undefined, '1.45', 60_000), null);
    assert.equal(gatewayHealthcheck({ Test: ['NONE'] }, '1.45', 60_000), null);
  });

  test('the create request carries it only when there is one', () => {
    const plan = planStack({ ...DEFAULT_SETTINGS, stackName: 'demo' });
    const hc = gatewayHealthcheck(SEED_HC, '1.44', plan.startTimeoutMs);
    assert.deepEqual((gatewayCreateOptions(plan, { LITELLM_MASTER_KEY: KEY }, undefined, hc) as { Healthcheck?: unknown }).Healthcheck, hc);
    assert.equal('Healthcheck' in gatewayCreateOptions(plan, { LITELLM_MASTER_KEY: KEY }), false);
  });
});

describe('status while and after waiting', () => {
  const plan = planStack({ ...DEFAULT_SETTINGS, stackName: 'demo', startTimeoutSeconds: 60 });
  const NOW = Date.parse('2030-01-01T00:00:10Z');
  const running = (health: string) =>
    ({
      Id: 'c1',
      Image: 'sha256:img',
      Name: '/demo-litellm',
      Config: { Labels: {} },
      State: { Status: 'running', Running: true, Restarting: false, ExitCode: 0, StartedAt: '2030-01-01T00:00:00Z', Health: { Status: health } },
    }) as unknown as ContainerDetails;

  test('the wording says what is expected and the seconds waited', () => {
    const since = NOW - 3_400;
    assert.equal(waitingDetail({ phase: 'booting', since, expecting: '/health/liveliness 200' }, NOW), 'Waiting for the gateway — 3 s (booting; expecting /health/liveliness 200)');
    assert.equal(waitingDetail({ phase: 'barrier', since, expecting: 'no key 401, key 200' }, NOW), 'Waiting for the gateway — 3 s (checking keys; expecting no key 401, key 200)');
  });

  test('a start that waits carries the phase and since when (for an elapsed-time counter)', () => {
    const since = NOW - 2_000;
    const st = describeStatus({ plan, container: null, image: null, marks: {}, probe: null, now: NOW, transient: { state: 'starting', detail: null, pull: null, waiting: { phase: 'booting', since, expecting: 'x 200' } } });
    assert.equal(st.state, 'starting');
    assert.deepEqual(st.waiting, { phase: 'booting', since: new Date(since).toISOString(), expecting: 'x 200' });
    assert.match(st.detail ?? '', /— 2 s/);
  });

  test("Docker's \"starting\" does not hold up healthy; its \"unhealthy\" still counts; a lagging check is explained", () => {
    const note = 'this engine speaks Engine API 1.41, older than 1.44 (StartInterval), so …';
    const healthy = describeStatus({ plan, container: running('starting'), image: null, marks: {}, transient: null, probe: 'healthy', now: NOW, healthcheckNote: note });
    assert.equal(healthy.state, 'healthy');
    assert.equal(healthy.detail, `Ready; Docker's own health check has not passed yet: ${note}.`);
    assert.equal(describeStatus({ plan, container: running('healthy'), image: null, marks: {}, transient: null, probe: 'healthy', now: NOW }).detail, null);
    assert.equal(describeStatus({ plan, container: running('unhealthy'), image: null, marks: {}, transient: null, probe: 'healthy', now: NOW }).state, 'unhealthy');
  });
});

// The SecurityMonitor's own behaviour (when it evaluates, what it emits), with a gatherer whose
// facts the test controls; the real gatherer is exercised by the integration tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventMap, SecurityCheck, SecurityReport, StackStatus } from '../../shared/api';
import { TypedEmitter } from '../../electron/core/typed-emitter';
import { SecurityMonitor } from '../../electron/core/security/monitor';
import { DEFAULT_SETTINGS } from '../../shared/settings-schema';
import type { SecurityFacts } from '../../electron/core/security/facts';
import type { SecuritySources } from '../../electron/core/security/gather';

function facts(open: boolean): SecurityFacts {
  return {
    keychain: { backend: 'test', status: 'ok', detail: null },
    key: { info: { exists: true, fingerprint: 'sha256:aaaaaaaaaaaa', createdAt: null, rotatedAt: null, ageDays: 1, pendingRotation: false }, strength: { strong: true, estimatedBits: 256, problems: [] } },
    gateway: null,
    dockerError: null,
    probe: open ? { url: 'http://127.0.0.1:1', withoutKey: 200, withKey: 200, error: null } : null,
    exposure: { source: 'settings', bindings: [{ hostIp: '127.0.0.1', hostPort: 4000 }], lanAddresses: [] },
    disk: { scannedFiles: 0, roots: [], hits: [], unreadable: [] },
    logs: { source: 'none', secretLines: null, scannedLines: 0, engine: null, keyChangedAt: null, keyRotatedAt: null, gatewayLogLevel: null, since: null },
    endpoint: { description: 'ssh://x', kind: 'ssh', tls: false, socket: null },
    image: { configured: 'x@sha256:' + 'a'.repeat(64), pinnedByDigest: true },
    claude: { tokenInKeychain: true, volumeHasLogin: null, volume: null },
    app: null,
    keyMaxAgeDays: 90,
    tls: { mode: 'off', certificate: null, problem: null },
    extraEnvNames: [],
  };
}

function setup(home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-mon-'))) {
  const events = new TypedEmitter<EventMap>();
  const state = { open: false, gathers: 0 };
  // The barrier check only looks at the probe when a gateway runs: make one run.
  const gather = async (): Promise<SecurityFacts> => {
    state.gathers++;
    const f = facts(state.open);
    if (state.open) {
      f.gateway = { id: 'c', name: 'c', running: true, imageRef: 'x', imageId: 'x', repoDigests: [], envKeyFingerprint: 'sha256:aaaaaaaaaaaa', envHasClaudeToken: false, servesTls: false, privileged: false, networkMode: 'n', ports: [], mounts: [], user: 'claude', capAdd: [], startedAt: null, logLevel: null };
    }
    return f;
  };
  const sources = { home } as unknown as SecuritySources;
  const monitor = new SecurityMonitor(sources, events, { gather, debounceMs: 20, intervalMs: 60_000 });
  const reports: SecurityReport[] = [];
  const worse: SecurityCheck[][] = [];
  events.on('security:report', (r) => reports.push(r));
  events.on('security:worsened', (w) => worse.push(w));
  return { events, state, monitor, reports, worse, home };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const status = (state: StackStatus['state']) => ({ state }) as StackStatus;

test('run() emits a report, and a check that got worse is emitted as security:worsened', async () => {
  const s = setup();
  const first = await s.monitor.run();
  assert.equal(first.worst, 'pass'); // the app-hardening check is skipped outside the app
  assert.equal(s.worse.length, 0);
  s.state.open = true;
  const second = await s.monitor.run();
  assert.equal(second.worst, 'fail');
  assert.deepEqual(s.worse.map((w) => w.map((c) => c.id)), [['barrier']]);
  assert.equal(s.reports.length, 2);
  assert.equal(s.monitor.lastReport, second);
  await s.monitor.close();
});

test('concurrent run() calls share evaluations', async () => {
  const s = setup();
  await Promise.all([s.monitor.run(), s.monitor.run(), s.monitor.run(), s.monitor.run()]);
  assert.equal(s.state.gathers, 2, 'one evaluation plus one shared follow-up');
  await s.monitor.close();
});

test('while watching: re-evaluates after settled stack changes, rotations and settings changes, not transient states', async () => {
  const s = setup();
  s.monitor.start();
  await until(() => s.reports.length === 1); // the initial evaluation
  s.events.emit('stack:status', status('starting'));
  s.events.emit('stack:status', status('pulling'));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(s.reports.length, 1, 'transient states do not trigger');
  s.events.emit('stack:status', status('healthy'));
  s.events.emit('stack:status', status('healthy'));
  await until(() => s.reports.length === 2);
  s.state.open = true;
  s.events.emit('rotation:progress', { step: 'verify', message: '' });
  s.events.emit('rotation:progress', { step: 'done', message: '' });
  await until(() => s.reports.length === 3);
  assert.deepEqual(s.worse.map((w) => w.map((c) => c.id)), [['barrier']]);
  s.events.emit('settings:changed', DEFAULT_SETTINGS);
  await until(() => s.reports.length === 4);
  await new Promise((r) => setTimeout(r, 100));
  await s.monitor.close();
  const n = s.reports.length;
  s.events.emit('stack:status', status('stopped'));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(s.reports.length, n, 'nothing after close()');
});

test('the timer re-evaluates every interval and does not keep the process alive', async () => {
  const events = new TypedEmitter<EventMap>();
  let n = 0;
  const monitor = new SecurityMonitor({ home: fs.mkdtempSync(path.join(os.tmpdir(), 'gh-mon-')) } as unknown as SecuritySources, events, {
    gather: async () => {
      n++;
      return facts(false);
    },
    debounceMs: 1,
    intervalMs: 50,
  });
  monitor.start();
  await until(() => n >= 3, 2000);
  await monitor.close();
  const after = n;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(n, after);
});

test('during a start or rotation evaluations wait for its end (bounded), so a booting gateway raises no false alarm', async () => {
  const events = new TypedEmitter<EventMap>();
  let n = 0;
  const monitor = new SecurityMonitor({ home: fs.mkdtempSync(path.join(os.tmpdir(), 'gh-mon-')) } as unknown as SecuritySources, events, {
    gather: async () => {
      n++;
      return facts(false);
    },
    debounceMs: 1,
    intervalMs: 30,
    busyGraceMs: 400,
  });
  monitor.start();
  await until(() => n >= 1);
  events.emit('stack:status', status('healthy'));
  events.emit('rotation:progress', { step: 'journal', message: '' });
  await new Promise((r) => setTimeout(r, 50));
  const during = n;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(n, during, 'no evaluation while the rotation runs, though the timer ticks');
  events.emit('rotation:progress', { step: 'done', message: '' });
  await until(() => n > during);
  // A start whose end is never reported holds evaluations back only for the grace time.
  events.emit('stack:status', status('starting'));
  await new Promise((r) => setTimeout(r, 50));
  const stuck = n;
  await until(() => n > stuck, 2000);
  await monitor.close();
});

// `gatehouse security` as a gate: a check that cannot run in the CLI is skipped, so a clean
// report exits 0; the log-secret advice fits its cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appHardeningCheck, logSecretsCheck } from '../../electron/core/security/checks';
import { buildReport, exitCodeFor } from '../../electron/core/security/report';
import type { LogLeakFacts, SecurityFacts } from '../../electron/core/security/facts';
import type { SecurityCheck } from '../../shared/api';

function withLogs(logs: Partial<LogLeakFacts>): SecurityFacts {
  const base: LogLeakFacts = { source: 'container-logs', secretLines: 0, scannedLines: 50, engine: null, keyChangedAt: null, keyRotatedAt: null, gatewayLogLevel: null, since: null };
  return { logs: { ...base, ...logs } } as SecurityFacts;
}

test('security-gate: the desktop hardening check is skipped outside the app, and all-pass-or-skip exits 0', () => {
  const skipped = appHardeningCheck({ app: null } as SecurityFacts);
  assert.equal(skipped.status, 'skip');
  const pass: SecurityCheck = { id: 'x', title: 'x', status: 'pass', finding: 'ok.', fix: null, action: null };
  const report = buildReport([pass, skipped], new Date());
  assert.equal(report.worst, 'pass');
  assert.equal(exitCodeFor(report), 0);
});

test('log-secret advice: after a rotation at the default level the image prints the key: say so, no rotate action', () => {
  const c = logSecretsCheck(withLogs({ secretLines: 2, keyRotatedAt: '2026-12-01T10:00:00.000Z', keyChangedAt: '2026-12-01T10:00:00.000Z', since: '2026-12-01T10:00:05.000000000Z' }));
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /2 log lines since its container started at 2026-12-01T10:00:05/);
  assert.match(c.finding, /default log level.*the image itself prints it/);
  assert.match(c.fix ?? '', /newer gateway image/);
  assert.match(c.fix ?? '', /LITELLM_LOG/);
  assert.match(c.fix ?? '', /redact/);
  assert.equal(c.action, null);
});

test('log-secret advice: at a debug level the fix is to lower it and rotate', () => {
  const c = logSecretsCheck(withLogs({ secretLines: 1, gatewayLogLevel: 'DEBUG', keyRotatedAt: '2026-12-01T10:00:00.000Z', since: '2026-12-01T10:00:05.000000000Z' }));
  assert.match(c.fix ?? '', /Lower the gateway's log level/);
  assert.equal(c.action, 'key:rotate');
});

test('log-secret advice: a key the logs engine redacted after a rotation at the default level points at the image too', () => {
  const c = logSecretsCheck(
    withLogs({ source: 'none', secretLines: null, engine: { lines: 1, exactLines: 1, lastAt: '2026-12-01T10:05:00.000000000Z' }, keyChangedAt: '2026-12-01T10:00:00.000Z', keyRotatedAt: '2026-12-01T10:00:00.000Z' }),
  );
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /the image itself prints it/);
  assert.match(c.fix ?? '', /newer gateway image/);
  assert.equal(c.action, null);
});

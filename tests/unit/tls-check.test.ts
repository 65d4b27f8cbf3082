// The security check "HTTPS beyond this machine": a gateway others can reach without TLS fails
// (with the one-click fix), with TLS it passes naming the expiry, and warns 7 days ahead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityFacts, TlsFacts } from '../../electron/core/security/facts';
import { CHECKS, exposureCheck } from '../../electron/core/security/checks';
import { tlsCheck } from '../../electron/core/security/tls-check';

function facts(o: { bind: string; running?: boolean | null; servesTls?: boolean; tls?: Partial<TlsFacts> }): SecurityFacts {
  const running = o.running ?? true;
  // tlsCheck reads only these parts of the facts.
  return {
    exposure: { source: running ? 'container' : 'settings', bindings: [{ hostIp: o.bind, hostPort: 4000 }], lanAddresses: ['192.168.1.20'] },
    gateway: o.running === null ? null : { running, servesTls: o.servesTls ?? false },
    tls: { mode: 'off', certificate: null, problem: null, ...o.tls },
  } as unknown as SecurityFacts;
}

const cert = (daysLeft: number) => ({ notAfter: new Date(Date.UTC(2026, 11, 1) + daysLeft * 86_400_000).toISOString(), daysLeft, names: ['localhost', '127.0.0.1', '192.168.1.20'] });

test('registered among the checks the security view runs', () => {
  assert.ok(CHECKS.includes(tlsCheck));
});

test('loopback only without TLS: pass (the key never crosses a network)', () => {
  const c = tlsCheck(facts({ bind: '127.0.0.1' }));
  assert.equal(c.status, 'pass');
  assert.equal(c.action, null);
});

test('published beyond loopback without TLS: fail, fix = turn on HTTPS', () => {
  for (const bind of ['0.0.0.0', '192.168.1.20']) {
    const c = tlsCheck(facts({ bind }));
    assert.equal(c.status, 'fail');
    assert.match(c.finding, /master key crosses the network in clear/);
    assert.equal(c.action, 'tls:enable');
    assert.match(c.fix ?? '', /gatehouse tls enable/);
  }
  // Not running: the settings decide what the next start publishes.
  assert.equal(tlsCheck(facts({ bind: '0.0.0.0', running: null })).action, 'tls:enable');
  assert.equal(tlsCheck(facts({ bind: '0.0.0.0', running: null, tls: { mode: 'local', certificate: cert(30) } })).status, 'pass');
});

test('TLS turned on but the running gateway still serves HTTP: fail, fix = restart', () => {
  const c = tlsCheck(facts({ bind: '0.0.0.0', servesTls: false, tls: { mode: 'local', certificate: cert(30) } }));
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'stack:restart');
});

test('with TLS: pass naming the expiry; warn 7 days ahead; fail once expired', () => {
  const ok = tlsCheck(facts({ bind: '0.0.0.0', servesTls: true, tls: { mode: 'local', certificate: cert(20) } }));
  assert.equal(ok.status, 'pass');
  assert.match(ok.finding, /valid until 2026-12-21 \(20 days left\)/);
  assert.match(ok.finding, /192\.168\.1\.20/);
  assert.equal(tlsCheck(facts({ bind: '0.0.0.0', servesTls: true, tls: { mode: 'local', certificate: cert(7) } })).status, 'pass');
  const soon = tlsCheck(facts({ bind: '0.0.0.0', servesTls: true, tls: { mode: 'local', certificate: cert(6) } }));
  assert.equal(soon.status, 'warn');
  assert.match(soon.finding, /6 days left/);
  assert.equal(soon.action, 'stack:restart');
  const custom = tlsCheck(facts({ bind: '0.0.0.0', servesTls: true, tls: { mode: 'custom', certificate: cert(3) } }));
  assert.equal(custom.status, 'warn');
  assert.match(custom.fix ?? '', /Renew your certificate/);
  const expired = tlsCheck(facts({ bind: '127.0.0.1', servesTls: true, tls: { mode: 'local', certificate: cert(-1) } }));
  assert.equal(expired.status, 'fail');
  assert.match(expired.finding, /expired/);
  const unknown = tlsCheck(facts({ bind: '0.0.0.0', servesTls: true, tls: { mode: 'custom', certificate: null, problem: 'The TLS key file /x cannot be read: EACCES.' } }));
  assert.equal(unknown.status, 'warn');
  assert.match(unknown.finding, /EACCES/);
});

test('the exposure check names https:// addresses once the gateway serves HTTPS', () => {
  assert.match(exposureCheck(facts({ bind: '0.0.0.0', servesTls: true, tls: { mode: 'local', certificate: cert(30) } })).finding, /https:\/\/192\.168\.1\.20:4000/);
  assert.match(exposureCheck(facts({ bind: '0.0.0.0' })).finding, /http:\/\/192\.168\.1\.20:4000/);
});

// The security checks as pure functions of facts: for each check, facts that make it pass and
// facts that make it warn or fail (the integration tests produce the same facts from real objects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityFacts } from '../../electron/core/security/facts';
import { evaluate } from '../../electron/core/security/checks';
import { buildReport, exitCodeFor, worsened } from '../../electron/core/security/report';
import { judgeKeyStrength } from '../../electron/core/secrets/key-strength';
import { generateMasterKey } from '../../electron/core/secrets/master-key';

function goodFacts(): SecurityFacts {
  return {
    keychain: { backend: 'Secret Service (libsecret)', status: 'ok', detail: null },
    key: {
      info: { exists: true, fingerprint: 'sha256:aaaaaaaaaaaa', createdAt: '2026-11-01T00:00:00.000Z', rotatedAt: null, ageDays: 10, pendingRotation: false },
      strength: judgeKeyStrength(generateMasterKey()),
    },
    gateway: {
      id: 'c0ffee',
      name: 'gatehouse-litellm',
      running: true,
      imageRef: 'ghcr.io/x/y@sha256:' + 'b'.repeat(64),
      imageId: 'sha256:' + 'c'.repeat(64),
      repoDigests: ['ghcr.io/x/y@sha256:' + 'b'.repeat(64)],
      envKeyFingerprint: 'sha256:aaaaaaaaaaaa',
      envHasClaudeToken: true,
      servesTls: false,
      privileged: false,
      networkMode: 'gatehouse-net',
      ports: [{ hostIp: '127.0.0.1', hostPort: 4000 }],
      mounts: [{ type: 'volume', source: '/var/lib/docker/volumes/gatehouse-claude/_data', destination: '/home/claude/.claude', name: 'gatehouse-claude' }],
      user: 'claude',
      capAdd: [],
      startedAt: '2026-11-02T00:00:00.000000000Z',
      logLevel: null,
    },
    dockerError: null,
    probe: { url: 'http://127.0.0.1:4000', withoutKey: 401, withKey: 200, error: null },
    exposure: { source: 'container', bindings: [{ hostIp: '127.0.0.1', hostPort: 4000 }], lanAddresses: ['192.168.1.20', 'fd00::5'] },
    disk: { scannedFiles: 3, roots: ['/home/u/.config/Gatehouse'], hits: [], unreadable: [] },
    logs: { source: 'container-logs', secretLines: 0, scannedLines: 120, engine: { lines: 0, exactLines: 0, lastAt: null }, keyChangedAt: '2026-11-01T00:00:00.000Z', keyRotatedAt: null, gatewayLogLevel: null, since: '2026-11-02T00:00:00.000000000Z' },
    endpoint: {
      description: 'unix:///var/run/docker.sock',
      kind: 'unix',
      tls: false,
      socket: { path: '/var/run/docker.sock', exists: true, owner: 'root', group: 'docker', mode: 0o660, groupMembers: ['alice'] },
    },
    image: { configured: 'ghcr.io/x/y@sha256:' + 'b'.repeat(64), pinnedByDigest: true },
    claude: { tokenInKeychain: true, volumeHasLogin: null, volume: null },
    app: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      csp: "default-src 'self'; script-src 'self'",
      navigationBlocked: true,
      windowOpenDenied: true,
      permissionsDenied: true,
    },
    keyMaxAgeDays: 90,
    tls: { mode: 'off', certificate: null, problem: null },
    extraEnvNames: [],
  };
}

function check(f: SecurityFacts, id: string) {
  const c = evaluate(f).find((x) => x.id === id);
  assert.ok(c, `check ${id} exists`);
  return c;
}

test('all fifteen checks pass on a well-run gateway, each with a sentence and no fix', () => {
  const checks = evaluate(goodFacts());
  assert.equal(checks.length, 15);
  assert.equal(new Set(checks.map((c) => c.id)).size, 15);
  for (const c of checks) {
    assert.equal(c.status, 'pass', `${c.id}: ${c.finding}`);
    assert.match(c.finding, /\.$/);
    assert.equal(c.fix, null);
    assert.equal(c.action, null);
  }
  assert.equal(exitCodeFor(buildReport(checks, new Date())), 0);
});

test('1 keychain: locked, unavailable and empty keychains fail, each with its own finding', () => {
  const f = goodFacts();
  f.keychain = { backend: 'Secret Service (libsecret)', status: 'locked', detail: 'Cannot create an item in a locked collection' };
  assert.equal(check(f, 'keychain').status, 'fail');
  assert.match(check(f, 'keychain').finding, /locked/);
  f.keychain = { backend: 'Secret Service (libsecret)', status: 'unavailable', detail: 'no D-Bus' };
  assert.match(check(f, 'keychain').finding, /not available/);
  const g = goodFacts();
  g.key = { info: { exists: false, fingerprint: null, createdAt: null, rotatedAt: null, ageDays: null, pendingRotation: false }, strength: null };
  const c = check(g, 'keychain');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'key:create');
});

test('a locked keychain is not "no key": the checks that need the key say it could not be read', () => {
  const f = goodFacts();
  f.keychain = { backend: 'Secret Service (libsecret)', status: 'locked', detail: null };
  f.key = { info: null, strength: null };
  for (const id of ['key-strength', 'key-age', 'key-drift']) {
    const c = check(f, id);
    assert.equal(c.status, 'warn', id);
    assert.match(c.finding, /keychain could not be read/, id);
  }
});

test('2 key strength: a published example key fails with rotate as the fix', () => {
  const f = goodFacts();
  f.key.strength = judgeKeyStrength('sk-dev-test-key');
  const c = check(f, 'key-strength');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'key:rotate');
  assert.ok(!c.finding.includes('sk-dev-test-key'), 'the finding never quotes the key');
});

test('3 key age: over the limit warns and names the last rotation; unknown age warns', () => {
  const f = goodFacts();
  f.key.info = { ...f.key.info!, ageDays: 120, rotatedAt: '2026-07-01T00:00:00.000Z' };
  const c = check(f, 'key-age');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /120 days old \(last rotated 2026-07-01\).*90 days/);
  f.keyMaxAgeDays = 365;
  assert.equal(check(f, 'key-age').status, 'pass');
  f.key.info = { ...f.key.info!, ageDays: null };
  assert.equal(check(f, 'key-age').status, 'warn');
});

test('4 key drift: a running gateway with another key fails with restart as the fix', () => {
  const f = goodFacts();
  f.gateway!.envKeyFingerprint = 'sha256:bbbbbbbbbbbb';
  const c = check(f, 'key-drift');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'stack:restart');
  assert.match(c.fix!, /restart with the keychain key/i);
  f.gateway!.running = false;
  assert.equal(check(f, 'key-drift').status, 'warn');
});

test('5 barrier: an open gateway fails; refusing the keychain key warns; unreachable warns', () => {
  const f = goodFacts();
  f.probe = { url: 'http://127.0.0.1:4000', withoutKey: 200, withKey: 200, error: null };
  assert.equal(check(f, 'barrier').status, 'fail');
  f.probe = { url: 'http://127.0.0.1:4000', withoutKey: 401, withKey: 401, error: null };
  assert.equal(check(f, 'barrier').status, 'warn');
  assert.equal(check(f, 'barrier').action, 'stack:restart');
  f.probe = { url: 'http://127.0.0.1:4000', withoutKey: null, withKey: null, error: 'ECONNREFUSED' };
  assert.match(check(f, 'barrier').finding, /could not be probed.*ECONNREFUSED/);
});

test('6 exposure: all interfaces warns and lists the URLs other machines can use', () => {
  const f = goodFacts();
  f.exposure.bindings = [{ hostIp: '0.0.0.0', hostPort: 4000 }];
  const c = check(f, 'exposure');
  assert.equal(c.status, 'warn');
  assert.equal(c.action, 'settings:bind-loopback');
  assert.match(c.finding, /all interfaces.*http:\/\/192\.168\.1\.20:4000/);
  assert.ok(!c.finding.includes('fd00::5'), '0.0.0.0 serves IPv4 only');
  f.exposure.bindings = [{ hostIp: '::', hostPort: 4000 }];
  assert.match(check(f, 'exposure').finding, /http:\/\/\[fd00::5\]:4000/);
  f.exposure.bindings = [{ hostIp: '192.168.1.20', hostPort: 4000 }];
  assert.match(check(f, 'exposure').finding, /192\.168\.1\.20:4000: other machines can reach it at http:\/\/192\.168\.1\.20:4000/);
});

test('7 plaintext: a hit fails with import-and-scrub, naming the file and line only', () => {
  const f = goodFacts();
  f.disk.hits = [{ file: '/home/u/old-stack/.env', kind: 'env-assignment', line: 3 }];
  const c = check(f, 'plaintext');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'key:import');
  assert.match(c.finding, /\/home\/u\/old-stack\/\.env:3/);
});

test('8 logs: lines with a secret fail; unreadable logs warn', () => {
  const f = goodFacts();
  f.logs = { ...f.logs, secretLines: 2, scannedLines: 100 };
  assert.equal(check(f, 'log-secrets').status, 'fail');
  assert.match(check(f, 'log-secrets').finding, /2 log lines/);
  f.logs = { ...f.logs, secretLines: null, scannedLines: 0 };
  assert.equal(check(f, 'log-secrets').status, 'warn');
});

test('8 logs: the logs engine\'s redactions fail when they concern the current key, not an older one', () => {
  const f = goodFacts();
  f.logs.engine = { lines: 3, exactLines: 1, lastAt: '2026-11-20T10:00:00.000Z' };
  const c = check(f, 'log-secrets');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /redacted a keychain secret from 1 log line.*2026-11-20T10:00:00\.000Z/);
  f.logs.keyChangedAt = '2026-11-21T00:00:00.000Z'; // rotated since: the printed key is dead
  assert.equal(check(f, 'log-secrets').status, 'pass');
  f.logs.keyChangedAt = '2026-11-01T00:00:00.000Z';
  f.logs.engine = { lines: 2, exactLines: 0, lastAt: '2026-11-20T10:00:00.000Z' };
  assert.equal(check(f, 'log-secrets').status, 'warn');
});

test('9 docker access: TCP without TLS and a world-open socket fail; the socket is described', () => {
  const f = goodFacts();
  assert.match(check(f, 'docker-access').finding, /root:docker, mode 660: root and members of group docker \(alice\)/);
  f.endpoint = { description: 'tcp://10.0.0.5:2375 (no TLS)', kind: 'tcp', tls: false, socket: null };
  assert.equal(check(f, 'docker-access').status, 'fail');
  f.endpoint = { description: 'tcp://10.0.0.5:2376 (TLS)', kind: 'tcp', tls: true, socket: null };
  assert.equal(check(f, 'docker-access').status, 'pass');
  const g = goodFacts();
  g.endpoint.socket!.mode = 0o666;
  assert.equal(check(g, 'docker-access').status, 'fail');
});

test('10 image: a tag-only reference warns and shows the running digest', () => {
  const f = goodFacts();
  f.image = { configured: 'ghcr.io/x/y:latest', pinnedByDigest: false };
  const c = check(f, 'image-pin');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /tag only.*runs sha256:b{64}/);
});

test('11 claude login: neither token nor volume login warns with set-token', () => {
  const f = goodFacts();
  f.claude = { tokenInKeychain: false, volumeHasLogin: false, volume: 'gatehouse-claude' };
  const c = check(f, 'claude-login');
  assert.equal(c.status, 'warn');
  assert.equal(c.action, 'claude:set-token');
  f.claude.volumeHasLogin = true;
  assert.equal(check(f, 'claude-login').status, 'pass');
});

test('12 container hardening: privileged, socket mount and host network fail; root warns', () => {
  const f = goodFacts();
  f.gateway!.privileged = true;
  f.gateway!.networkMode = 'host';
  f.gateway!.mounts.push({ type: 'bind', source: '/var/run/docker.sock', destination: '/var/run/docker.sock', name: null });
  const c = check(f, 'container-hardening');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /privileged.*socket.*host network/);
  const g = goodFacts();
  g.gateway!.user = '';
  assert.equal(check(g, 'container-hardening').status, 'warn');
});

test('13 app hardening: absent (CLI) is skipped; a sandbox turned off fails', () => {
  const f = goodFacts();
  f.app = null;
  assert.match(check(f, 'app-hardening').finding, /not running inside the desktop app/i);
  assert.equal(check(f, 'app-hardening').status, 'skip');
  const g = goodFacts();
  g.app!.sandbox = false;
  assert.equal(check(g, 'app-hardening').status, 'fail');
});

test('extra environment: plain settings pass; a proxy, a base URL or injected code warns, naming the variables', () => {
  const f = goodFacts();
  assert.equal(check(f, 'extra-env').status, 'pass');
  f.extraEnvNames = ['LITELLM_LOG', 'STORE_MODEL_IN_DB'];
  assert.equal(check(f, 'extra-env').status, 'pass');
  f.extraEnvNames = ['LITELLM_LOG', 'HTTPS_PROXY', 'ANTHROPIC_BASE_URL', 'LD_PRELOAD'];
  const c = check(f, 'extra-env');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /HTTPS_PROXY, ANTHROPIC_BASE_URL, LD_PRELOAD/);
  assert.doesNotMatch(c.finding, /LITELLM_LOG/);
  assert.match(c.fix ?? '', /gatehouse settings unset extraEnv\.HTTPS_PROXY/);
});

test('Docker unreachable: the checks that need it warn with the reason instead of throwing', () => {
  const f = goodFacts();
  f.gateway = null;
  f.probe = null;
  f.dockerError = 'Docker is not reachable at DOCKER_HOST=unix:///nonexistent.sock (ENOENT).';
  assert.match(check(f, 'key-drift').finding, /nonexistent\.sock/);
  assert.equal(check(f, 'key-drift').status, 'warn');
  assert.equal(check(f, 'container-hardening').status, 'warn');
});

test('report: worst status, exit codes 0/1/2, and which checks got worse', () => {
  const good = buildReport(evaluate(goodFacts()), new Date());
  const f = goodFacts();
  f.image = { configured: 'x:latest', pinnedByDigest: false };
  const warn = buildReport(evaluate(f), new Date());
  f.probe = { url: 'http://127.0.0.1:4000', withoutKey: 200, withKey: 200, error: null };
  const fail = buildReport(evaluate(f), new Date());
  assert.deepEqual([good.worst, warn.worst, fail.worst], ['pass', 'warn', 'fail']);
  assert.deepEqual([exitCodeFor(good), exitCodeFor(warn), exitCodeFor(fail)], [0, 1, 2]);
  assert.deepEqual(worsened(good, fail).map((c) => c.id), ['barrier', 'image-pin']);
  assert.deepEqual(worsened(warn, fail).map((c) => c.id), ['barrier']);
  assert.deepEqual(worsened(fail, good), []);
  assert.deepEqual(worsened(null, fail), []);
});

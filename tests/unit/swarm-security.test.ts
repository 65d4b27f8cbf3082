// The security checks in swarm mode as pure functions of facts (the gateway is the Swarm service
// `<stack>_litellm`, its key a Swarm secret), and the pure search of a service spec and a task
// container for the keychain's secrets: places named, never values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDetails } from '../../electron/core/engine/types';
import type { SecurityFacts, SwarmFacts } from '../../electron/core/security/facts';
import { evaluate } from '../../electron/core/security/checks';
import { containerPlaces, findSecrets, specPlaces } from '../../electron/core/security/swarm-gather';
import { judgeKeyStrength } from '../../electron/core/secrets/key-strength';
import { generateMasterKey } from '../../electron/core/secrets/master-key';

const FP = 'sha256:aaaaaaaaaaaa';

function swarmFacts(): SwarmFacts {
  return {
    service: 'gh_litellm',
    exists: true,
    replicas: { running: 1, desired: 1 },
    labelKeyFingerprint: FP,
    keySecret: { name: 'gh_litellm_master_key_aaaaaaaaaaaa', fingerprint: FP },
    secretHits: [],
    looked: { spec: ['Labels', 'ContainerSpec.Args', 'ContainerSpec.Command', 'ContainerSpec.Labels'], containers: ['0123456789ab'], services: [] },
    notInspected: [],
    publishMode: 'host',
    bindAddressSetting: '127.0.0.1',
  };
}

/** A well-run swarm gateway: a task container on this node stands in for the container. */
function facts(): SecurityFacts {
  return {
    keychain: { backend: 'Secret Service (libsecret)', status: 'ok', detail: null },
    key: {
      info: { exists: true, fingerprint: FP, createdAt: '2026-11-01T00:00:00.000Z', rotatedAt: null, ageDays: 10, pendingRotation: false },
      strength: judgeKeyStrength(generateMasterKey()),
    },
    gateway: {
      id: '0123456789ab' + 'f'.repeat(52),
      name: 'gh_litellm.1.jvimf8rntzjfvcdy624a1fs8h',
      running: true,
      imageRef: 'ghcr.io/x/y@sha256:' + 'b'.repeat(64),
      imageId: 'sha256:' + 'c'.repeat(64),
      repoDigests: ['ghcr.io/x/y@sha256:' + 'b'.repeat(64)],
      envKeyFingerprint: null,
      envHasClaudeToken: false,
      servesTls: false,
      privileged: false,
      networkMode: 'default',
      ports: [{ hostIp: '0.0.0.0', hostPort: 4000 }],
      mounts: [{ type: 'volume', source: '/var/lib/docker/volumes/gh-claude/_data', destination: '/home/claude/.claude', name: 'gh-claude' }],
      user: 'claude',
      capAdd: [],
      startedAt: '2026-11-02T00:00:00.000000000Z',
      logLevel: null,
    },
    dockerError: null,
    probe: { url: 'http://127.0.0.1:4000', withoutKey: 401, withKey: 200, error: null },
    exposure: { source: 'container', bindings: [{ hostIp: '0.0.0.0', hostPort: 4000 }], lanAddresses: ['192.168.1.20', 'fd00::5'] },
    disk: { scannedFiles: 3, roots: ['/home/u/.config/Gatehouse'], hits: [], unreadable: [] },
    logs: { source: 'container-logs', secretLines: 0, scannedLines: 120, engine: { lines: 0, exactLines: 0, lastAt: null }, keyChangedAt: '2026-11-01T00:00:00.000Z', keyRotatedAt: null, gatewayLogLevel: null, since: null },
    endpoint: {
      description: 'unix:///var/run/docker.sock',
      kind: 'unix',
      tls: false,
      socket: { path: '/var/run/docker.sock', exists: true, owner: 'root', group: 'docker', mode: 0o660, groupMembers: ['alice'] },
    },
    image: { configured: 'ghcr.io/x/y@sha256:' + 'b'.repeat(64), pinnedByDigest: true },
    claude: { tokenInKeychain: true, volumeHasLogin: null, volume: null },
    app: null,
    keyMaxAgeDays: 90,
    tls: { mode: 'off', certificate: null, problem: null },
    extraEnvNames: [],
    swarm: swarmFacts(),
  };
}

function check(f: SecurityFacts, id: string) {
  const c = evaluate(f).find((x) => x.id === id);
  assert.ok(c, `check ${id} exists`);
  return c;
}

test('swarm mode adds "Key in no Env, spec or label" after the key-drift check; container mode keeps its fifteen', () => {
  const ids = evaluate(facts()).map((c) => c.id);
  assert.equal(ids.length, 16);
  assert.equal(ids[ids.indexOf('key-drift') + 1], 'key-placement');
  const container = facts();
  container.swarm = null;
  assert.equal(evaluate(container).length, 15);
  assert.ok(!evaluate(container).some((c) => c.id === 'key-placement'));
});

test('the key in no Env: pass, naming what was looked in and the Swarm secret it comes as', () => {
  const c = check(facts(), 'key-placement');
  assert.equal(c.status, 'pass');
  assert.equal(c.finding, "The key is not in any Env: not in the service gh_litellm's spec (Labels, ContainerSpec.Args, ContainerSpec.Command, ContainerSpec.Labels) nor in the Env, Cmd, Entrypoint and Labels of 1 task container (0123456789ab); it reaches the gateway only as the Swarm secret gh_litellm_master_key_aaaaaaaaaaaa.");
  const withDb = facts();
  (withDb.swarm as SwarmFacts).looked.services = ['gh_db'];
  assert.match(check(withDb, 'key-placement').finding, /The stack's other services \(gh_db\) hold no keychain secret in their specs or tasks either\.$/);
  const drift = check(facts(), 'key-drift');
  assert.equal(drift.status, 'pass');
  assert.match(drift.finding, /gets the keychain's key sha256:aaaaaaaaaaaa as the Swarm secret gh_litellm_master_key_aaaaaaaaaaaa: a file in memory in each task \(\/run\/secrets\/LITELLM_MASTER_KEY\)/);
});

test('the key found in the spec or a task container: fail naming each place, rotate as the fix, never the value', () => {
  const f = facts();
  (f.swarm as SwarmFacts).secretHits = [
    { place: 'service gh_litellm: ContainerSpec.Env LEGACY_MASTER_KEY', kind: 'master-key' },
    { place: 'task gh_litellm.1.jvimf8rntzjf (container 0123456789ab): Config.Env LEGACY_MASTER_KEY', kind: 'master-key' },
    { place: 'service gh_litellm: PreviousSpec.ContainerSpec.Args[2]', kind: 'claude-token' },
  ];
  const c = check(f, 'key-placement');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'key:rotate');
  assert.match(c.finding, /^Found the master key and the Claude token outside the Swarm secrets/);
  assert.match(c.finding, /service gh_litellm: ContainerSpec\.Env LEGACY_MASTER_KEY, task gh_litellm\.1\.jvimf8rntzjf \(container 0123456789ab\): Config\.Env LEGACY_MASTER_KEY, service gh_litellm: PreviousSpec\.ContainerSpec\.Args\[2\]/);
  assert.match(c.fix ?? '', /gatehouse key rotate/);
  assert.match(c.fix ?? '', /also replace the Claude token/);
});

test('a running task no container of which this engine can inspect: the placement check warns, hardening is not applicable', () => {
  const f = facts();
  f.gateway = null;
  const s = f.swarm as SwarmFacts;
  s.looked.containers = [];
  s.notInspected = ['gh_litellm.1.jvimf8rntzjf'];
  const placement = check(f, 'key-placement');
  assert.equal(placement.status, 'warn');
  assert.match(placement.finding, /run on other nodes and were not inspected/);
  const hardening = check(f, 'container-hardening');
  assert.equal(hardening.status, 'skip');
  assert.match(hardening.finding, /^Not applicable in swarm mode now: no task of the gateway service gh_litellm runs in a container on this engine's node \(gh_litellm\.1\.jvimf8rntzjf run on other nodes\)/);
  // The barrier is still probed: the service runs, on another node.
  assert.equal(check(f, 'barrier').status, 'pass');
  f.probe = { url: 'http://127.0.0.1:4000', withoutKey: 200, withKey: 200, error: null };
  assert.equal(check(f, 'barrier').status, 'fail', 'a task answering without a key fails even when it runs elsewhere');
});

test('key drift in swarm mode: the Swarm secret carries another key than the keychain (fail when running, warn when scaled to 0); no secret at all', () => {
  const f = facts();
  (f.swarm as SwarmFacts).keySecret = { name: 'gh_litellm_master_key_bbbbbbbbbbbb', fingerprint: 'sha256:bbbbbbbbbbbb' };
  const c = check(f, 'key-drift');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /gets key sha256:bbbbbbbbbbbb from the Swarm secret gh_litellm_master_key_bbbbbbbbbbbb, but the keychain holds sha256:aaaaaaaaaaaa/);
  assert.equal(c.action, 'stack:restart');
  (f.swarm as SwarmFacts).replicas = { running: 0, desired: 0 };
  assert.equal(check(f, 'key-drift').status, 'warn');
  const none = facts();
  (none.swarm as SwarmFacts).keySecret = null;
  assert.match(check(none, 'key-drift').finding, /gets no LITELLM_MASTER_KEY Swarm secret/);
  const absent = facts();
  (absent.swarm as SwarmFacts).exists = false;
  assert.equal(check(absent, 'key-drift').status, 'pass');
  assert.match(check(absent, 'key-placement').finding, /No gateway service gh_litellm exists/);
  // The container's Env has no key in swarm mode: that is not drift.
  assert.equal(facts().gateway?.envKeyFingerprint, null);
  assert.equal(check(facts(), 'key-drift').status, 'pass');
});

test('exposure in swarm mode: all interfaces whatever bindAddress says, a warning with a fix that can work', () => {
  const c = check(facts(), 'exposure');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /^Swarm publishes the gateway's port 4000 on all interfaces of each node that runs a task \(publish mode host\): the bindAddress setting \(127\.0\.0\.1\) does not apply in swarm mode, so other machines can reach it at http:\/\/192\.168\.1\.20:4000\.$/);
  assert.match(c.fix ?? '', /Swarm cannot publish on 127\.0\.0\.1 only/);
  assert.match(c.fix ?? '', /gatehouse settings set target container/);
  assert.equal(c.action, null, 'binding to loopback would change nothing in swarm mode');
  const ingress = facts();
  (ingress.swarm as SwarmFacts).publishMode = 'ingress';
  (ingress.swarm as SwarmFacts).replicas = { running: 0, desired: 0 };
  assert.match(check(ingress, 'exposure').finding, /^Swarm will publish .* every node of the swarm \(the routing mesh, publish mode ingress\)/);
  assert.match(c.fix ?? '', /serve HTTPS \(`gatehouse tls enable`, then `gatehouse restart`\)/);
  // Without HTTPS the TLS check fails, and its fix is the one that works in swarm mode: `gatehouse tls enable`.
  const tls = check(facts(), 'tls');
  assert.equal(tls.status, 'fail');
  assert.match(tls.fix ?? '', /`gatehouse tls enable`/);
  assert.match(tls.fix ?? '', /as Swarm secrets/);
  assert.doesNotMatch(tls.fix ?? '', /127\.0\.0\.1 only/, 'publishing on loopback is no fix in swarm mode');
  assert.equal(tls.action, 'tls:enable');
  // A task serving HTTPS with a valid certificate passes.
  const on = facts();
  on.tls = { mode: 'local', certificate: { notAfter: '2099-01-01T00:00:00.000Z', daysLeft: 29, names: ['localhost', '127.0.0.1'] }, problem: null };
  (on.gateway as NonNullable<SecurityFacts['gateway']>).servesTls = true;
  const served = check(on, 'tls');
  assert.equal(served.status, 'pass', served.finding);
  assert.match(served.finding, /serves HTTPS with a certificate for localhost, 127\.0\.0\.1/);
  assert.match(check(on, 'exposure').fix ?? '', /serve HTTPS \(on\)/);
});

test('who reads the key through Docker, in swarm mode: not docker inspect, but docker exec into a task', () => {
  const c = check(facts(), 'docker-access');
  assert.equal(c.status, 'pass');
  assert.match(c.finding, /can `docker exec` into a gateway task and read the master key from \/run\/secrets \(in swarm mode `docker inspect` does not show it\)/);
  const container = facts();
  container.swarm = null;
  assert.match(check(container, 'docker-access').finding, /can `docker inspect` the gateway and read the master key/);
});

test('a spec and a container searched for secrets: each place named, the value never; JSON-escaped and elsewhere hits', () => {
  const key = generateMasterKey();
  const password = 'Pa"ss w0rd&x';
  const secrets = [
    { kind: 'master-key' as const, value: key },
    { kind: 'database-password' as const, value: password },
    { kind: 'salt-key' as const, value: 'short' },
  ];
  const spec = {
    Name: 'gh_litellm',
    Labels: { 'io.gatehouse.stack': 'gh', leaked: key },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'x',
        Command: ['/bin/sh', '-c', 'wrapper'],
        Args: ['litellm', '--key', key],
        Env: ['LITELLM_LOG=INFO', `DATABASE_URL=postgresql://u:${encodeURIComponent(password)}@db/litellm`],
        Labels: { 'io.gatehouse.stack': 'gh' },
        Healthcheck: { Test: ['CMD-SHELL', `curl -H "Authorization: Bearer ${key}"`] },
      },
    },
  };
  const hits = findSecrets('service gh_litellm: ', specPlaces(spec), spec, 'its spec', secrets);
  assert.deepEqual(hits, [
    { place: 'service gh_litellm: Labels["leaked"]', kind: 'master-key' },
    { place: 'service gh_litellm: ContainerSpec.Args[2]', kind: 'master-key' },
    { place: 'service gh_litellm: ContainerSpec.Env DATABASE_URL', kind: 'database-password' },
  ]);
  assert.ok(!JSON.stringify(hits).includes(key) && !JSON.stringify(hits).includes(password), 'places, never values');
  // Only in a place not listed (the healthcheck): "elsewhere", found through JSON's escaping.
  const quoted = { TaskTemplate: { ContainerSpec: { Env: ['LITELLM_LOG=INFO'], Healthcheck: { Test: ['CMD-SHELL', `echo ${password}`] } } } };
  assert.deepEqual(findSecrets('service gh_litellm: ', specPlaces(quoted), quoted, 'its spec', secrets), [{ place: 'service gh_litellm: elsewhere in its spec', kind: 'database-password' }]);
  const info = { Id: 'f'.repeat(64), Config: { Env: ['PATH=/bin', `LEGACY_MASTER_KEY=${key}`], Cmd: ['litellm'], Entrypoint: ['/bin/sh'], Labels: { a: 'b' } } } as unknown as ContainerDetails;
  assert.deepEqual(findSecrets('task t (container ffffffffffff): ', containerPlaces(info), info, 'its docker inspect', secrets), [{ place: 'task t (container ffffffffffff): Config.Env LEGACY_MASTER_KEY', kind: 'master-key' }]);
  assert.deepEqual(findSecrets('x: ', specPlaces(spec), spec, 'its spec', [{ kind: 'salt-key', value: 'gh' }]), [], 'values under 8 characters are not searched');
});

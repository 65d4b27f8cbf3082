// Security checks 7, 9 and 13 on real files, real sockets and the real Docker engine, the CLI
// command `gatehouse security` with its exit codes, Docker being unreachable, and the monitor
// wired into the core.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../electron/cli/main';
import { Gatehouse } from '../../electron/core/gatehouse';
import { SettingsStore } from '../../electron/core/settings';
import type { AppHardening, SecurityCheck, SecurityReport, StackStatus } from '../../shared/api';
import { SecurityWorld, assertNoSecret, byId } from './security-fixture';

const worlds: SecurityWorld[] = [];
const servers: net.Server[] = [];
function world(): SecurityWorld {
  const w = new SecurityWorld();
  worlds.push(w);
  return w;
}
after(async () => {
  for (const s of servers) s.close();
  for (const w of worlds) await w.cleanup();
});

/** A real Docker endpoint: every connection is piped to the engine's own socket. */
async function dockerProxy(listen: string | number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const engine = net.connect('/var/run/docker.sock');
    client.pipe(engine).pipe(client);
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => (typeof listen === 'number' ? server.listen(listen, '127.0.0.1', resolve) : server.listen(listen, resolve)));
  return server;
}

async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough() }, env);
  return { code, out, err };
}

test('7: no plaintext key passes; the key in Gatehouse\'s folder or a LITELLM_MASTER_KEY= in a watched .env fails with key:import', async () => {
  const w = world();
  const core = await w.core(w.stack('disk'));
  const key = await core.keys.ensure();
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-sec-project-'));
  try {
    fs.writeFileSync(path.join(project, 'docker-compose.yml'), 'services:\n  litellm:\n    env_file: .env\n');
    fs.writeFileSync(path.join(project, '.env'), 'PORT=4000\nLITELLM_MASTER_KEY=\n');
    await core.settings.update({ watchedFolders: [project] });
    const clean = await core.security.run();
    assert.equal(byId(clean, 'plaintext').status, 'pass', byId(clean, 'plaintext').finding);
    assert.match(byId(clean, 'plaintext').finding, /No plaintext key in \d+ files under/);

    fs.writeFileSync(path.join(project, '.env'), 'PORT=4000\nLITELLM_MASTER_KEY=sk-old-compose-key-0123456789abcdef\n');
    const inEnv = byId(await core.security.run(), 'plaintext');
    assert.equal(inEnv.status, 'fail');
    assert.equal(inEnv.action, 'key:import');
    assert.ok(inEnv.finding.includes(`${path.join(project, '.env')}:2`), inEnv.finding);

    fs.writeFileSync(path.join(project, '.env'), 'PORT=4000\n');
    fs.writeFileSync(path.join(w.home, 'notes.txt'), `my key is ${key}\n`);
    const report = await core.security.run();
    const inHome = byId(report, 'plaintext');
    assert.equal(inHome.status, 'fail');
    assert.ok(inHome.finding.includes(`${path.join(w.home, 'notes.txt')}:1`), inHome.finding);
    assert.match(inHome.finding, /the master key/);
    assertNoSecret(report, [key]);
  } finally {
    fs.rmSync(path.join(w.home, 'notes.txt'), { force: true });
    fs.rmSync(project, { recursive: true, force: true });
  }
});

test('9: the real socket is reported with owner, group and mode; a world-open socket and TCP without TLS fail', async () => {
  const w = world();
  const stack = w.stack('sock');
  const st = fs.statSync('/var/run/docker.sock');
  const local = byId(await (await w.core(stack)).security.run(), 'docker-access');
  assert.equal(st.mode & 0o006 ? 'fail' : 'pass', local.status, local.finding);
  assert.match(local.finding, new RegExp(`/var/run/docker\\.sock (is|\\().*mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}`));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-sec-sock-'));
  const sock = path.join(dir, 'docker.sock');
  await dockerProxy(sock);
  fs.chmodSync(sock, 0o666);
  const open = await (await w.core(stack, { DOCKER_HOST: `unix://${sock}` })).security.run();
  const c = byId(open, 'docker-access');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /open to every user of this machine/);
  assert.match(c.finding, /mode 666/);
  // The endpoint is a working engine: the other checks still see Docker.
  assert.equal(byId(open, 'container-hardening').status, 'pass', byId(open, 'container-hardening').finding);

  const tcp = await dockerProxy(0);
  const port = (tcp.address() as net.AddressInfo).port;
  const overTcp = await (await w.core(stack, { DOCKER_HOST: `tcp://127.0.0.1:${port}` })).security.run();
  const t = byId(overTcp, 'docker-access');
  assert.equal(t.status, 'fail');
  assert.match(t.finding, /over TCP without TLS \(tcp:\/\/127\.0\.0\.1:\d+ \(no TLS\)\)/);
  assert.equal(byId(overTcp, 'container-hardening').status, 'pass');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Docker unreachable: the checks that need Docker warn with the endpoint named; the rest still run', async () => {
  const w = world();
  const core = await w.core(w.stack('nodocker'), { DOCKER_HOST: 'unix:///nonexistent.sock' });
  await core.keys.ensure();
  const r = await core.security.run();
  assert.equal(r.checks.length, 15);
  assert.equal(byId(r, 'key-drift').status, 'warn');
  assert.match(byId(r, 'key-drift').finding, /nonexistent\.sock/);
  assert.equal(byId(r, 'docker-access').status, 'warn');
  assert.equal(byId(r, 'keychain').status, 'pass');
});

test('13: outside the app it is skipped; the app\'s own report passes when hardened and fails when not', async () => {
  const w = world();
  const core = await w.core(w.stack('app'));
  await core.keys.ensure();
  const cliSide = byId(await core.security.run(), 'app-hardening');
  assert.equal(cliSide.status, 'skip');
  assert.match(cliSide.finding, /not running inside the desktop app/i);
  const hardened: AppHardening = {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    csp: "default-src 'self'; script-src 'self'; object-src 'none'",
    navigationBlocked: true,
    windowOpenDenied: true,
    permissionsDenied: true,
  };
  let reported = hardened;
  core.security.setAppHardeningProvider(() => reported);
  assert.equal(byId(await core.security.run(), 'app-hardening').status, 'pass');
  reported = { ...hardened, contextIsolation: false, csp: null };
  const c = byId(await core.security.run(), 'app-hardening');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /context isolation is off; there is no Content-Security-Policy/);
});

test('`gatehouse security`: every check with its status, finding and fix; exit 2 on a failure, 1 on warnings only; --json', async () => {
  const w = world();
  const env = w.env(w.stack('cli'));
  const failing = await cli(['security'], env);
  assert.equal(failing.code, 2, failing.err);
  assert.match(failing.out, /^FAIL {2}Master key in the keychain$/m);
  assert.match(failing.out, /action: key:create/);
  assert.match(failing.out, /^SKIP {2}Desktop app hardening\n {6}Skipped: not running inside the desktop app/m);
  assert.match(failing.out, /\d+ passed, \d+ warned, 1 failed/);
  assert.equal(failing.out.match(/^(PASS|WARN|FAIL|SKIP) {2}/gm)?.length, 15);

  const core = await w.core(w.stack('cli'));
  const key = await core.keys.ensure();
  const warning = await cli(['security', '--json'], env);
  assert.equal(warning.code, 1, warning.out);
  const report = JSON.parse(warning.out) as SecurityReport;
  assert.equal(report.worst, 'warn');
  assert.equal(report.checks.length, 15);
  assert.ok(report.checks.every((c) => c.status !== 'fail'));
  assert.ok(!warning.out.includes(key) && !warning.err.includes(key));

  const bad = await cli(['security', '--yaml'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /Unknown option --yaml/);

  // Checks that cannot run (invalid settings) prove nothing: exit 2, with the reason.
  fs.writeFileSync(path.join(w.home, 'settings.json'), '{"port": 70000}');
  const broken = await cli(['security'], env);
  assert.equal(broken.code, 2);
  assert.match(broken.err, /Invalid setting "port"/);
  fs.rmSync(path.join(w.home, 'settings.json'));
});

test('the core\'s monitor re-evaluates on stack changes and settings changes and reports what got worse', async () => {
  const w = world();
  const core = await Gatehouse.open({ env: w.env(w.stack('watch')), watchSecurity: true });
  try {
    await core.keys.ensure();
    const reports: SecurityReport[] = [];
    const worse: SecurityCheck[][] = [];
    core.events.on('security:report', (r) => reports.push(r));
    core.events.on('security:worsened', (c) => worse.push(c));
    const wait = async (n: number) => {
      const end = Date.now() + 15_000;
      while (reports.length < n) {
        if (Date.now() > end) throw new Error(`only ${reports.length} reports`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await wait(1); // the initial evaluation
    core.events.emit('stack:status', { state: 'stopped' } as StackStatus);
    await wait(2);
    // A settings change made elsewhere (another process writes the file) is seen too.
    await new SettingsStore({ home: w.home, env: {} }).update({ bindAddress: '0.0.0.0' });
    await wait(3);
    const last = reports[reports.length - 1] as SecurityReport;
    assert.equal(byId(last, 'exposure').status, 'warn');
    assert.ok(worse.some((list) => list.some((c) => c.id === 'exposure')), 'exposure reported as worsened');
  } finally {
    await core.close();
  }
});

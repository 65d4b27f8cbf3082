/**
 * Every fault a user can meet on `gatehouse start`, provoked for real: each gets its own error
 * code and a message naming what failed, and a failed start leaves no container behind and the
 * previous state intact.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { StackStatus } from '../../shared/api';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { ROOT, freePort, rand, runCli, runCommand, stackContainers, stackNetworks, stackVolumes, testStack, SEED, PLAIN, type CliResult, type TestStack } from './stack-helpers';

const stacks: TestStack[] = [];
async function newStack(area: string, image = PLAIN, env: NodeJS.ProcessEnv = {}): Promise<TestStack> {
  const t = await testStack(area, image, env);
  stacks.push(t);
  return t;
}

function errorCode(r: CliResult): string | undefined {
  return /\(error code ([A-Z_]+)\)/.exec(r.stderr)?.[1];
}

function assertFails(r: CliResult, code: string, message: RegExp): void {
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.equal(errorCode(r), code, r.stderr);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /fix: /);
}

after(async () => {
  for (const t of stacks) await t.cleanup();
});

describe('start faults', () => {
  test('Docker not reachable: names the DOCKER_HOST tried, creates no key', async () => {
    const t = await newStack('nodocker', PLAIN, { DOCKER_HOST: 'unix:///nonexistent-gatehouse.sock' });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'DOCKER_UNREACHABLE', /Docker is not reachable at DOCKER_HOST=unix:\/\/\/nonexistent-gatehouse\.sock/);
    assert.equal(await t.masterKey(), null, 'no key is created when Docker is down');
    const st = await runCli(['status'], t.env);
    assert.equal(errorCode(st), 'DOCKER_UNREACHABLE');
  });

  test('an explicit DOCKER_HOST=unix:///var/run/docker.sock is honoured', async () => {
    const t = await newStack('dockerhost', PLAIN, { DOCKER_HOST: 'unix:///var/run/docker.sock' });
    const r = await runCli(['start'], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stackContainers(t.stack)).length, 1);
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as StackStatus;
    assert.equal(st.state, 'healthy');
    assert.equal((await runCli(['stop'], t.env)).code, 0);
  });

  test('Docker not reachable over tcp: names the address', async () => {
    const closed = await freePort(); // nothing listens there
    const t = await newStack('notcp', PLAIN, { DOCKER_HOST: `tcp://127.0.0.1:${closed}` });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'DOCKER_UNREACHABLE', new RegExp(`DOCKER_HOST=tcp://127\\.0\\.0\\.1:${closed} \\(no TLS\\).*ECONNREFUSED`));
  });

  test('socket permission denied: the CLI run as nobody against the root-owned socket', async () => {
    const t = await newStack('perm');
    fs.chmodSync(t.home, 0o777);
    const r = await runCli(['start'], { ...t.env, HOME: os.tmpdir() }, { wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
    assertFails(r, 'DOCKER_PERMISSION', /Permission denied on the Docker socket unix:\/\/\/var\/run\/docker\.sock/);
    assert.deepEqual(await stackContainers(t.stack), []);
  });

  test('port already taken: names the port, leaves no container', async () => {
    const t = await newStack('port');
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(t.port, '127.0.0.1', resolve));
    try {
      const r = await runCli(['start'], t.env);
      assertFails(r, 'PORT_IN_USE', new RegExp(`Port ${t.port} on 127\\.0\\.0\\.1 is already taken`));
      assert.deepEqual(await stackContainers(t.stack), [], 'the half-created container was removed');
      assert.deepEqual(await stackNetworks(t.stack), []);
      assert.deepEqual(await stackVolumes(t.stack), [`${t.stack}-claude`], 'the volume is never removed');
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });

  test('image missing and the pull failing: names the image and the registry answer', async () => {
    const image = `127.0.0.1:5000/gatehouse-nope-${rand()}:x`;
    const t = await newStack('pullfail', image);
    const r = await runCli(['start'], t.env);
    assertFails(r, 'IMAGE_PULL_FAILED', new RegExp(`The image ${image.replace(/[.]/g, '\\.')} is not on this machine and pulling it failed: .*(not found|unknown)`, 'i'));
    assert.deepEqual(await stackContainers(t.stack), []);
    assert.deepEqual(await stackNetworks(t.stack), [], 'the network this attempt created is removed');
  });

  test('container exiting during start: exit code and its last log lines (seed image, HEALTHCHECK)', async () => {
    const t = await newStack('exit', SEED);
    t.writeSettings({ extraEnv: { STANDIN_EXIT_AFTER_MS: '0', STANDIN_EXIT_CODE: '7', STANDIN_LEAK_KEY: '1' } });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'CONTAINER_EXITED', /exited with code 7 while starting/);
    assert.match(r.stderr, /Last \d+ log lines:/);
    assert.match(r.stderr, /fatal error, exiting \(STANDIN_EXIT_AFTER_MS\)/);
    assert.match(r.stderr, /Uvicorn running on/);
    const key = (await t.masterKey()) as string;
    assert.ok(!r.stderr.includes(key), 'the leaked key is redacted from the quoted log lines');
    assert.match(r.stderr, /master_key': '(\[REDACTED\]|sk-\[REDACTED\])'/);
    assert.deepEqual(await stackContainers(t.stack), []);
  });

  test('health not reached in time: HEALTH_TIMEOUT after startTimeoutSeconds', async () => {
    const t = await newStack('timeout');
    t.writeSettings({ extraEnv: { STANDIN_NO_LISTEN: '1' }, startTimeoutSeconds: 3 });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'HEALTH_TIMEOUT', /did not become healthy within 3 s: .*health\/liveliness did not answer 200/);
    assert.ok(r.ms < 15_000, `bounded by the timeout (took ${r.ms} ms)`);
    assert.deepEqual(await stackContainers(t.stack), []);
  });

  test('an open gateway is GATEWAY_UNSAFE: stopped at once, status "unsafe"', async () => {
    const t = await newStack('unsafe');
    t.writeSettings({ extraEnv: { STANDIN_OPEN: '1' } });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'GATEWAY_UNSAFE', /answered GET \/v1\/models without a key \(HTTP 200\)/);
    const [c] = await stackContainers(t.stack);
    assert.ok(c, 'the unsafe container is kept for inspection');
    assert.notEqual(c.State, 'running', 'but it is not running');
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as StackStatus;
    assert.equal(st.state, 'unsafe');
    assert.match(st.detail ?? '', /without a key/);
    // Once the setting is fixed, start replaces it.
    t.writeSettings({ extraEnv: {} });
    const ok = await runCli(['start'], t.env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /recreated/);
  });

  test('keychain unavailable: KEYCHAIN_UNAVAILABLE, nothing created, no plaintext fallback', async () => {
    const t = await newStack('nokeychain', PLAIN, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent-gatehouse-bus' });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'KEYCHAIN_UNAVAILABLE', /keychain is not available/);
    assert.deepEqual(await stackContainers(t.stack), []);
    assert.deepEqual(await stackNetworks(t.stack), []);
    assert.deepEqual(fs.readdirSync(t.home).filter((f) => !f.startsWith('.')), [], 'nothing written instead');
  });

  test('keychain locked: a keyring created with another password', async () => {
    const t = await newStack('locked');
    const dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-locked-keyring-'));
    try {
      // Session 1 creates the login keyring with one password; session 2 cannot unlock it.
      const create = await inSession(dataHome, 'first-password', [process.execPath, '-e', `require(${JSON.stringify(path.join(ROOT, 'node_modules', 'keytar'))}).setPassword('gh-probe', 'a', 'b').then(() => console.log('stored'))`], t.env);
      assert.match(create.stdout, /stored/, create.stderr);
      const r = await inSession(dataHome, 'another-password', [process.execPath, '--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'start'], t.env);
      assertFails(r, 'KEYCHAIN_LOCKED', /keychain is locked/);
      assert.deepEqual(await stackContainers(t.stack), []);
    } finally {
      fs.rmSync(dataHome, { recursive: true, force: true });
    }
  });

  test('invalid settings: the field and why', async () => {
    const t = await newStack('badsettings', PLAIN, { GATEHOUSE_PORT: 'abc' });
    // A bad override names its variable, not settings.json.
    assertFails(await runCli(['start'], t.env), 'SETTINGS_INVALID', /GATEHOUSE_PORT=abc is not a valid "port"/);
    const t2 = await newStack('badsettings');
    t2.writeSettings({ bindAddress: 'localhost:4000' });
    assertFails(await runCli(['start'], t2.env), 'SETTINGS_INVALID', /Invalid setting "bindAddress".*IP address/);
    t2.writeSettings({ bindAddress: '127.0.0.1', startTimeoutSeconds: 0 });
    assertFails(await runCli(['status'], t2.env), 'SETTINGS_INVALID', /Invalid setting "startTimeoutSeconds"/);
    t2.writeSettings({ startTimeoutSeconds: 120, extraEnv: { LITELLM_MASTER_KEY: 'sk-x' } });
    assertFails(await runCli(['start'], t2.env), 'SETTINGS_INVALID', /extraEnv\.LITELLM_MASTER_KEY/);
    assert.deepEqual(await stackContainers(t2.stack), []);
  });

  test('a failed recreate leaves the previous gateway running, untouched', async () => {
    const t = await newStack('rollback');
    const ok = await runCli(['start'], t.env);
    assert.equal(ok.code, 0, ok.stderr);
    const [before] = await stackContainers(t.stack);
    // A setting change means a new container; this one never becomes healthy.
    t.writeSettings({ extraEnv: { STANDIN_NO_LISTEN: '1' }, startTimeoutSeconds: 3 });
    const r = await runCli(['start'], t.env);
    assertFails(r, 'HEALTH_TIMEOUT', /did not become healthy within 3 s/);
    const list = await stackContainers(t.stack);
    assert.equal(list.length, 1, 'the failed replacement was removed');
    assert.equal(list[0]!.Id, before!.Id);
    assert.equal(list[0]!.Names[0], `/${t.stack}-litellm`, 'the previous container has its name back');
    t.writeSettings({ extraEnv: {}, startTimeoutSeconds: 120 });
    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as StackStatus;
    assert.equal(st.containerId, before!.Id);
    assert.equal(st.keyFingerprint, fingerprint((await t.masterKey()) as string));
    // Restarted after the rollback: healthy again (it boots in ~1.5 s).
    const again = await runCli(['start'], t.env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already running and healthy/);
  });
});

/** Runs a command in its own D-Bus session with a gnome-keyring unlocked (or not) by `password`. */
function inSession(dataHome: string, password: string, cmd: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `printf %s '${password}' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec ${quoted}`;
  return runCommand(['dbus-run-session', '--', 'bash', '-c', script], { ...env, XDG_DATA_HOME: dataHome, DISPLAY: '' }, 60_000, 'keyring session');
}

/**
 * `gatehouse start / stop / status` end to end: the CLI as a user runs it, a real Docker engine,
 * the real Secret Service, the LiteLLM stand-in.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StackStatus } from '../../shared/api';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { httpGet } from '../../electron/core/services/http-probe';
import { LABELS } from '../../electron/core/engine/labels';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { docker, readAllFiles, ROOT, runCli, stackContainers, stackNetworks, stackVolumes, testStack, type TestStack } from './stack-helpers';

describe('gatehouse start/stop/status (CLI, plain image: liveness probe)', () => {
  let t: TestStack;
  const outputs: string[] = [];
  before(async () => {
    t = await testStack('cli');
  });
  after(async () => {
    await t.cleanup();
  });

  test('first start creates the key in the keychain, the stack, and prints the URL when healthy', async () => {
    assert.equal(await t.masterKey(), null, 'no key before the first start');
    const r = await runCli(['start'], t.env);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Gateway healthy at http://127\\.0\\.0\\.1:${t.port}`));
    const key = await t.masterKey();
    assert.ok(key && /^sk-[0-9a-f]{64}$/.test(key), 'a 256-bit sk- key was stored in the keychain');

    // The barrier holds for real: 401 without the key, 200 with it.
    const anon = await httpGet(`http://127.0.0.1:${t.port}/v1/models`, { timeoutMs: 3000 });
    assert.equal(anon.status, 401);
    const authed = await httpGet(`http://127.0.0.1:${t.port}/v1/models`, { timeoutMs: 3000, headers: { authorization: `Bearer ${key}` } });
    assert.equal(authed.status, 200);

    // The stack's objects: labelled, named from the stack, port on loopback, restart policy.
    const [c] = await stackContainers(t.stack);
    assert.ok(c);
    const info = await docker.getContainer(c.Id).inspect();
    assert.equal(info.Name, `/${t.stack}-litellm`);
    assert.equal(info.Config.Labels[LABELS.role], 'gateway');
    assert.equal(info.Config.Labels[LABELS.keyFingerprint], fingerprint(key));
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
    assert.deepEqual(info.HostConfig.PortBindings?.['4000/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(t.port) }]);
    assert.equal(info.Mounts.find((m) => m.Destination === '/home/claude/.claude')?.Name, `${t.stack}-claude`);
    assert.equal(info.HostConfig.NetworkMode, `${t.stack}-net`);
    // The key enters only as container environment.
    assert.ok(info.Config.Env.includes(`LITELLM_MASTER_KEY=${key}`));
  });

  test('a second start on a healthy stack says so and changes nothing', async () => {
    const before = await stackContainers(t.stack);
    const r = await runCli(['start'], t.env);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already running and healthy/);
    const afterList = await stackContainers(t.stack);
    assert.deepEqual(
      afterList.map((c) => [c.Id, c.Created]),
      before.map((c) => [c.Id, c.Created]),
    );
  });

  test('status --json: state, image, URL, bind address, container id, uptime, key fingerprint', async () => {
    const r = await runCli(['status', '--json'], t.env);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const st = JSON.parse(r.stdout) as StackStatus;
    const key = (await t.masterKey()) as string;
    assert.equal(st.state, 'healthy');
    assert.equal(st.stackName, t.stack);
    assert.equal(st.image, 'gatehouse-test/litellm-standin:plain');
    assert.equal(st.url, `http://127.0.0.1:${t.port}`);
    assert.equal(st.bindAddress, '127.0.0.1');
    assert.equal(st.port, t.port);
    assert.equal(st.keyFingerprint, fingerprint(key));
    assert.ok(st.containerId && st.containerId.length === 64);
    assert.ok(st.uptimeMs !== null && st.uptimeMs >= 0);
    assert.ok(st.imageId?.startsWith('sha256:'));

    const human = await runCli(['status'], t.env);
    outputs.push(human.stdout, human.stderr);
    assert.match(human.stdout, /State:\s+healthy/);
    assert.match(human.stdout, new RegExp(`Key:\\s+${fingerprint(key)}`));
  });

  test('stop is graceful and keeps the credentials volume; start brings the same container back', async () => {
    const [c] = await stackContainers(t.stack);
    const r = await runCli(['stop'], t.env);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Gateway stopped/);
    const info = await docker.getContainer(c!.Id).inspect();
    assert.equal(info.State.Running, false);
    // SIGTERM was handled (exit 0), not a SIGKILL after the timeout.
    assert.equal(info.State.ExitCode, 0);
    assert.deepEqual(await stackVolumes(t.stack), [`${t.stack}-claude`]);
    const twice = await runCli(['stop'], t.env);
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /not running; nothing to stop/);

    const st = JSON.parse((await runCli(['status', '--json'], t.env)).stdout) as StackStatus;
    assert.equal(st.state, 'stopped');
    assert.equal(st.uptimeMs, null);

    const again = await runCli(['start'], t.env);
    outputs.push(again.stdout, again.stderr);
    assert.equal(again.code, 0, again.stderr);
    const afterList = await stackContainers(t.stack);
    assert.equal(afterList.length, 1);
    assert.equal(afterList[0]!.Id, c!.Id, 'the stopped container was reused');
    assert.equal(afterList[0]!.State, 'running');
  });

  test('the key appears in no output and no file Gatehouse wrote', async () => {
    const key = (await t.masterKey()) as string;
    for (const o of outputs) assert.ok(!o.includes(key), 'key printed by the CLI');
    assert.ok(!readAllFiles(t.home).includes(key), 'key written to GATEHOUSE_HOME');
  });
});

describe('gatehouse start interrupted', () => {
  let t: TestStack;
  before(async () => {
    t = await testStack('sigint');
  });
  after(async () => {
    await t.cleanup();
  });

  test('Ctrl-C during a start cancels it and removes what it created', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'start'], { cwd: ROOT, env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('Waiting for the gateway')) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /error code CANCELLED/);
    assert.deepEqual(await stackContainers(t.stack), [], 'the container of the cancelled start is removed');
    assert.deepEqual(await stackNetworks(t.stack), []);
  });
});

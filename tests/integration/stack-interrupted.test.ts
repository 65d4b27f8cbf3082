/**
 * What an operation leaves when it is cut short or done while the gateway is stopped: after any
 * operation exactly one gateway container exists, and it holds the keychain's key. Real Docker,
 * real keychain, the CLI as a user runs it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Gatehouse } from '../../electron/core/gatehouse';
import { LABELS } from '../../electron/core/engine/labels';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { httpGet } from '../../electron/core/services/http-probe';
import { ROOT, docker, runCli, stackContainers, testStack, type TestStack } from './stack-helpers';

const stacks: TestStack[] = [];
const cores: Gatehouse[] = [];
after(async () => {
  for (const c of cores) await c.close();
  for (const t of stacks) await t.cleanup();
});

async function newStack(area: string): Promise<TestStack> {
  const t = await testStack(area);
  stacks.push(t);
  return t;
}

async function open(t: TestStack): Promise<Gatehouse> {
  const core = await Gatehouse.open({ env: t.env });
  cores.push(core);
  return core;
}

async function gateways(stack: string) {
  return (await stackContainers(stack)).filter((c) => c.Labels[LABELS.role] === 'gateway');
}

async function answer(port: number, key: string | null): Promise<number> {
  return (await httpGet(`http://127.0.0.1:${port}/v1/models`, { timeoutMs: 1500, headers: key ? { authorization: `Bearer ${key}` } : {} })).status;
}

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('interrupted and offline operations', () => {
  test('a rotation while the gateway is stopped leaves no container that accepts the old key', async () => {
    const t = await newStack('rotoff');
    const core = await open(t);
    await core.stack.start();
    const oldKey = (await t.masterKey()) as string;
    await core.stack.stop();
    const r = await core.rotation.rotate();
    assert.equal(r.gatewayRecreated, false);
    const newKey = (await t.masterKey()) as string;
    assert.notEqual(newKey, oldKey);
    const left = await gateways(t.stack);
    assert.equal(left.length, 1, 'one gateway container');
    assert.equal(left[0]?.Labels[LABELS.keyFingerprint], fingerprint(newKey), 'holding the new key');
    // Started outside Gatehouse (docker start, Docker Desktop's play button).
    await docker.getContainer(`${t.stack}-litellm`).start();
    await until('the gateway to answer', async () => (await answer(t.port, null)) === 401);
    assert.equal(await answer(t.port, newKey), 200, 'the new key is served');
    assert.equal(await answer(t.port, oldKey), 401, 'the revoked key is refused');
    const st = await core.stack.status();
    assert.equal(st.state, 'healthy');
    assert.equal(st.keyFingerprint, fingerprint(newKey));
    await core.stack.stop();
  });

  test('status reports a running gateway that holds another key than the keychain as unsafe', async () => {
    const t = await newStack('keydrift');
    const core = await open(t);
    await core.stack.start();
    const running = (await t.masterKey()) as string;
    // The keychain moved on (another machine's rotation, a restored backup) while this gateway ran.
    const other = 'sk-' + crypto.randomBytes(32).toString('hex');
    await new KeytarSecretStore(t.service).set(ACCOUNTS.masterKey, other);
    const st = await core.stack.status();
    assert.equal(st.state, 'unsafe', st.detail ?? '');
    assert.equal(st.keyFingerprint, fingerprint(running));
    assert.match(st.detail ?? '', new RegExp(`holds key ${fingerprint(running)}, not the keychain's ${fingerprint(other)}`));
    const cli = await runCli(['status', '--json'], t.env);
    assert.equal(JSON.parse(cli.stdout).state, 'unsafe', cli.stderr);
    await core.stack.stop();
  });

  test('a start killed while it recreates the gateway: the next operation leaves exactly one gateway container', async () => {
    const t = await newStack('killrec');
    const first = await runCli(['start'], t.env);
    assert.equal(first.code, 0, first.stderr);
    const oldId = (await gateways(t.stack))[0]?.Id;
    // A changed setting means a recreate; a slow boot keeps the new container in its start long enough.
    t.writeSettings({ extraEnv: { STANDIN_BOOT_MS: '6000' } });
    const cmd = [process.execPath, '--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'start'];
    const child = spawn(cmd[0] as string, cmd.slice(1), { cwd: ROOT, env: t.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      await until('the old container set aside and the new one created', async () => {
        const names = (await gateways(t.stack)).map((c) => c.Names[0] ?? '');
        return names.some((n) => n.startsWith(`/${t.stack}-litellm-previous-`)) && names.includes(`/${t.stack}-litellm`);
      });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const names = (await gateways(t.stack)).map((c) => c.Names[0]);
    assert.equal(names.length, 2, `the killed start left two containers: ${names.join(', ')}`);

    const again = await runCli(['start'], t.env);
    assert.equal(again.code, 0, again.stderr);
    const left = await gateways(t.stack);
    assert.deepEqual(left.map((c) => c.Names[0]), [`/${t.stack}-litellm`], 'exactly one gateway container, under its name');
    assert.notEqual(left[0]?.Id, oldId, 'the replacement was finished, not undone');
    assert.equal(left[0]?.State, 'running');
    const key = (await t.masterKey()) as string;
    assert.equal(left[0]?.Labels[LABELS.keyFingerprint], fingerprint(key));
    assert.equal(await answer(t.port, key), 200);
    assert.equal((await runCli(['stop'], t.env)).code, 0);
  });

  test('a stop after a killed recreate also settles it (the set-aside container goes)', async () => {
    const t = await newStack('killstop');
    assert.equal((await runCli(['start'], t.env)).code, 0);
    t.writeSettings({ extraEnv: { STANDIN_BOOT_MS: '6000' } });
    const cmd = [process.execPath, '--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'start'];
    const child = spawn(cmd[0] as string, cmd.slice(1), { cwd: ROOT, env: t.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      await until('the old container set aside', async () => (await gateways(t.stack)).some((c) => (c.Names[0] ?? '').startsWith(`/${t.stack}-litellm-previous-`)));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const stop = await runCli(['stop'], t.env);
    assert.equal(stop.code, 0, stop.stderr);
    const left = await gateways(t.stack);
    assert.equal(left.length, 1, `one gateway container: ${left.map((c) => c.Names[0]).join(', ')}`);
    assert.equal(left[0]?.Names[0], `/${t.stack}-litellm`);
    assert.notEqual(left[0]?.State, 'running');
  });
});

/**
 * The stack core in-process (as the desktop app holds it): the seed's HEALTHCHECK timing, serialised
 * operations (join, cancel), status from Docker events, finding the stack again by label,
 * recreating on a config change with the volume kept, and never touching unlabelled objects.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackStatus } from '../../shared/api';
import { Gatehouse } from '../../electron/core/gatehouse';
import { isGatehouseError } from '../../electron/core/errors';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { docker, freePort, rand, stackContainers, stackVolumes, testStack, PLAIN, SEED, type TestStack } from './stack-helpers';

/** A one-file tar archive (for docker putArchive), made with the system's tar. */
function tarOf(name: string, content: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tar-'));
  fs.writeFileSync(path.join(dir, name), content);
  const out = execFileSync('tar', ['-C', dir, '--owner=1000', '--group=1000', '-cf', '-', name]);
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

const stacks: TestStack[] = [];
const cores: Gatehouse[] = [];
async function open(t: TestStack, env: NodeJS.ProcessEnv = {}): Promise<Gatehouse> {
  const core = await Gatehouse.open({ env: { ...t.env, ...env } });
  cores.push(core);
  return core;
}
async function newStack(area: string, image = PLAIN): Promise<TestStack> {
  const t = await testStack(area, image);
  stacks.push(t);
  return t;
}

after(async () => {
  for (const c of cores) await c.close();
  for (const t of stacks) await t.cleanup();
});

describe('stack core', () => {
  test("the seed's HEALTHCHECK timing (first check 30 s after start): ready on Gatehouse's own readiness, Docker's status never waited for", async () => {
    const t = await newStack('seed', SEED);
    const core = await open(t);
    const seen: StackStatus[] = [];
    core.events.on('stack:status', (s) => seen.push(s));
    const r = await core.stack.startWithOutcome();
    assert.equal(r.outcome, 'created');
    assert.equal(r.status.state, 'healthy');
    assert.equal(r.status.keyFingerprint, fingerprint((await t.masterKey()) as string));
    // While it waited it said what it expects and since when.
    const waiting = seen.find((s) => s.waiting);
    assert.ok(waiting, 'a status with the wait phase was sent');
    assert.match(waiting.detail ?? '', /^Waiting for the gateway — \d+ s \(booting; expecting \/health\/liveliness 200\)$/);
    assert.ok(!Number.isNaN(Date.parse(waiting.waiting?.since ?? '')));

    const info = await docker.getContainer(r.status.containerId as string).inspect();
    const image = await docker.getImage(SEED).inspect();
    const own = image.Config.Healthcheck as { Test: string[]; Interval: number };
    const hc = info.Config.Healthcheck as { Test: string[]; Interval: number; StartPeriod?: number; StartInterval?: number };
    const api = ((await docker.version()) as { ApiVersion: string }).ApiVersion;
    const [major = 0, minor = 0] = api.split('.').map(Number);
    if (major > 1 || minor >= 44) {
      // The image's test and interval, plus a start period with a check every second.
      assert.deepEqual(hc.Test, own.Test);
      assert.equal(hc.Interval, own.Interval);
      assert.equal(hc.StartInterval, 1e9);
      assert.ok((hc.StartPeriod ?? 0) >= 60e9);
    } else {
      // Too old for StartInterval: the image's healthcheck is left alone, and status says so.
      assert.deepEqual(hc, image.Config.Healthcheck);
      assert.equal(info.State.Health?.Status, 'starting', 'Docker has not run its first check: the start did not wait for it');
      const st = await core.stack.status();
      assert.equal(st.state, 'healthy', "Docker's \"starting\" does not hold up Gatehouse's status");
      assert.match(st.detail ?? '', new RegExp(`Engine API ${api.replace('.', '\\.')}, older than 1\\.44`));
    }
    const stopped = await core.stack.stop();
    assert.equal(stopped.state, 'stopped');
  });

  test('a second start while one runs joins it; a stop during a start cancels it cleanly', async () => {
    const t = await newStack('serial');
    const core = await open(t);
    const a = core.stack.startWithOutcome();
    const b = core.stack.startWithOutcome();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra, rb, 'the second start joined the first');
    assert.equal((await stackContainers(t.stack)).length, 1);
    await core.stack.stop();
    await (await stackContainers(t.stack)).reduce(async (p, c) => {
      await p;
      await docker.getContainer(c.Id).remove({ force: true });
    }, Promise.resolve());

    // Stop while the start waits for health: the start is cancelled, its container removed.
    const starting = core.stack.start();
    const sawStarting = new Promise<void>((resolve) => {
      const off = core.events.on('stack:status', (s) => {
        if (s.detail?.startsWith('Waiting for the gateway')) {
          off();
          resolve();
        }
      });
    });
    await sawStarting;
    const t0 = Date.now();
    const cancelled = assert.rejects(starting, (err: unknown) => isGatehouseError(err, 'CANCELLED') && /stop was requested/.test((err as Error).message));
    const stopped = await core.stack.stop();
    await cancelled;
    assert.ok(Date.now() - t0 < 5000, 'the cancel is prompt');
    assert.equal(stopped.state, 'absent');
    assert.deepEqual(await stackContainers(t.stack), [], 'no half-created container');
    assert.deepEqual(await stackVolumes(t.stack), [`${t.stack}-claude`], 'the volume is kept');
  });

  test('a caller AbortSignal cancels a start too', async () => {
    const t = await newStack('abort');
    const core = await open(t);
    const ac = new AbortController();
    const p = core.stack.start(ac.signal);
    setTimeout(() => ac.abort(), 400);
    await assert.rejects(p, (err: unknown) => isGatehouseError(err, 'CANCELLED') || (err as Error).name === 'AbortError');
    assert.deepEqual(await stackContainers(t.stack), []);
  });

  test('status follows Docker events: a gateway that dies shows "crashed" within a second', async (ctx) => {
    const t = await newStack('events');
    t.writeSettings({ extraEnv: { STANDIN_EXIT_AFTER_MS: '2500', STANDIN_EXIT_CODE: '9' } });
    const core = await open(t);
    await core.stack.watch();
    const st = await core.stack.start();
    assert.equal(st.state, 'healthy');
    const crashed = await new Promise<{ status: StackStatus; at: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "crashed" status within 10 s')), 10_000);
      const off = core.events.on('stack:status', (s) => {
        if (s.state === 'crashed') {
          clearTimeout(timer);
          off();
          resolve({ status: s, at: Date.now() });
        }
      });
    });
    assert.equal(crashed.status.exitCode, 9);
    // FinishedAt is the death Docker recorded (kept across the automatic restart).
    const info = await docker.getContainer(st.containerId as string).inspect();
    const lagMs = crashed.at - Date.parse(info.State.FinishedAt);
    ctx.diagnostic(`crash reported ${lagMs} ms after the container died`);
    assert.ok(lagMs < 1000, `crash reported ${lagMs} ms after the container died`);
    await core.stack.stop();
  });

  test('after a restart of Gatehouse the stack is found again by its labels', async () => {
    const t = await newStack('refind');
    const first = await open(t);
    const st = await first.stack.start();
    await first.close();
    const second = await open(t);
    const again = await second.stack.startWithOutcome();
    assert.equal(again.outcome, 'already-running');
    assert.equal(again.status.containerId, st.containerId);
    const status = await second.stack.status();
    assert.equal(status.state, 'healthy');
    assert.equal(status.containerId, st.containerId);
  });

  test('a config change recreates the gateway and keeps the credentials volume', async () => {
    const t = await newStack('recreate');
    const core = await open(t);
    const first = await core.stack.start();
    // A Claude login in the credentials volume must survive the recreate.
    await docker.getContainer(first.containerId as string).putArchive(tarOf('login.json', '{"login":"kept"}'), { path: '/home/claude/.claude' });
    await core.settings.update({ extraEnv: { LITELLM_LOG: 'DEBUG' } });
    const r = await core.stack.startWithOutcome();
    assert.equal(r.outcome, 'recreated');
    assert.notEqual(r.status.containerId, first.containerId);
    const info = await docker.getContainer(r.status.containerId as string).inspect();
    assert.ok(info.Config.Env.includes('LITELLM_LOG=DEBUG'));
    // A new port (environment override) is a config change too.
    const port = await freePort();
    const moved = await (await open(t, { GATEHOUSE_PORT: String(port) })).stack.startWithOutcome();
    assert.equal(moved.outcome, 'recreated');
    assert.equal(moved.status.url, `http://127.0.0.1:${port}`);
    assert.equal(moved.status.state, 'healthy');
    const list = await stackContainers(t.stack);
    assert.equal(list.length, 1, 'old containers are removed');
    const archive = await docker.getContainer(moved.status.containerId as string).getArchive({ path: '/home/claude/.claude/login.json' });
    const chunks: Buffer[] = [];
    for await (const c of archive as AsyncIterable<Buffer>) chunks.push(c);
    assert.match(Buffer.concat(chunks).toString('utf8'), /"login":"kept"/, 'the login in the volume survived');
  });

  test('objects without the label are never touched', async () => {
    const t = await newStack('foreign');
    // Someone else's volume under the name the stack would use: Gatehouse refuses, keeps it.
    const foreignVolume = `${t.stack}-claude`;
    await docker.createVolume({ Name: foreignVolume });
    // And someone else's running container: a stop of the stack must leave it alone.
    const bystander = await docker.createContainer({ name: `t-bystander-${rand()}`, Image: PLAIN, Env: ['LITELLM_MASTER_KEY=sk-' + 'b'.repeat(64)] });
    await bystander.start();
    try {
      const core = await open(t);
      await assert.rejects(core.stack.start(), (err: unknown) => isGatehouseError(err, 'SETTINGS_INVALID') && /volume .* does not belong to Gatehouse/.test((err as Error).message));
      assert.ok(await docker.getVolume(foreignVolume).inspect(), 'the foreign volume is still there');
      assert.deepEqual(await stackContainers(t.stack), []);
      await core.stack.stop();
      assert.equal((await bystander.inspect()).State.Running, true);
      assert.equal((await core.stack.status()).state, 'absent');
    } finally {
      await bystander.remove({ force: true });
      await docker.getVolume(foreignVolume).remove().catch(() => undefined);
    }
  });
});

/**
 * Docker agrees soon after start, on an engine that can. With Engine API 1.44+ the gateway is
 * created with the image's own health check (test, 30 s interval, timeout, retries) plus a start
 * period checked every second (StartInterval), so `docker ps` says healthy a second or two after
 * Gatehouse's own readiness instead of one 30 s interval after start (the seed image's timing,
 * copied by the :seed stand-in). Debian 12's engine is 20.10 (Engine API 1.41), so this runs
 * against the newer engine of scripts/modern-engine.sh (Debian 13's docker.io 26, API 1.45) and
 * says why when that one is not running. How soon is the bench's figure (npm run bench -- start
 * against that engine); what is checked here is the create request Docker stored and that Docker's
 * verdict comes long before the image's first interval would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Docker from 'dockerode';
import { Gatehouse } from '../../electron/core/gatehouse';
import { LABELS } from '../../electron/core/engine/labels';
import { ROOT, SEED, testStack, type TestStack } from './stack-helpers';

const S = 1_000_000_000;
/** The image's own first check runs one interval after start: a verdict before this cannot be the image's. */
const IMAGE_INTERVAL_MS = 30_000;

function modernEngineHost(): string | null {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'modern-engine.sh'), 'host'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().startsWith('unix://') ? r.stdout.trim() : null;
}

const host = modernEngineHost();
const skip = host ? false : 'needs a Docker engine with Engine API 1.44+ beside this one: sudo bash scripts/modern-engine.sh start';

describe('the gateway health check with StartInterval (Engine API 1.44+)', () => {
  let t: TestStack;
  let engine: Docker;

  before(async () => {
    if (!host) return;
    engine = new Docker({ socketPath: (host as string).slice('unix://'.length) });
    // The stand-in is built on this machine's engine; the newer engine gets a copy.
    if (!(await engine.getImage(SEED).inspect().then(() => true, () => false))) {
      const copied = spawnSync('bash', ['-c', `docker save ${SEED} | DOCKER_HOST=${host} docker load`], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: '' } });
      assert.equal(copied.status, 0, `copying ${SEED} to the newer engine: ${copied.stderr}`);
    }
    t = await testStack('hc-interval', SEED, { DOCKER_HOST: host as string });
  });

  after(async () => {
    if (!host) return;
    const filters = { label: [`${LABELS.stack}=${t.stack}`] };
    for (const c of await engine.listContainers({ all: true, filters })) await engine.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    for (const n of await engine.listNetworks({ filters })) await engine.getNetwork(n.Id).remove().catch(() => undefined);
    for (const v of (await engine.listVolumes({ filters })).Volumes ?? []) await engine.getVolume(v.Name).remove().catch(() => undefined);
    await t.cleanup();
  });

  test('created with the image’s check plus a start period checked every second; Docker says healthy long before the image’s first interval', { skip }, async () => {
    const image = await engine.getImage(SEED).inspect();
    const own = image.Config.Healthcheck as { Test: string[]; Interval: number; Timeout: number; Retries: number };
    assert.equal(own.Interval, 30 * S, 'the stand-in has the seed image’s 30 s interval');

    const core = await Gatehouse.open({ env: t.env });
    try {
      const status = await core.stack.start();
      const readyAt = Date.now();
      assert.equal(status.state, 'healthy');
      const [listed] = await engine.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${t.stack}`] } });
      assert.ok(listed, 'the gateway container runs on the newer engine');
      const container = engine.getContainer(listed.Id);
      const stored = (await container.inspect()).Config.Healthcheck as { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number; StartInterval: number };
      assert.deepEqual(stored.Test, own.Test, 'the image’s own test');
      assert.equal(stored.Interval, own.Interval);
      assert.equal(stored.Timeout, own.Timeout);
      assert.equal(stored.Retries, own.Retries);
      assert.equal(stored.StartInterval, 1 * S, 'checked every second during the start period');
      assert.ok(stored.StartPeriod >= 60 * S, `a start period as long as the start timeout (${stored.StartPeriod / S} s)`);

      let health = '';
      while ((health = (await container.inspect()).State.Health?.Status ?? '') !== 'healthy' && Date.now() - readyAt < IMAGE_INTERVAL_MS - 5_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(health, 'healthy', `Docker still says "${health}" ${Date.now() - readyAt} ms after Gatehouse's readiness`);
      const after = await core.stack.status();
      assert.equal(after.state, 'healthy');
      assert.doesNotMatch(after.detail ?? '', /older than 1\.44/, 'no "engine too old" note on this engine');
    } finally {
      await core.stack.stop().catch(() => undefined);
      await core.close();
    }
  });
});

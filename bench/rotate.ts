/**
 * Rotation budget (issue 3): the longest time the gateway refuses or drops requests during a
 * master-key rotation, divided by the container's own boot time, target ≤ 1.1.
 *
 * Both are measured in this run against the LiteLLM stand-in with the seed image's HEALTHCHECK and its timing
 * (gatehouse-test/litellm-standin:seed: 30 s interval, no start period), so a rotation that waited
 * on Docker's health status would show here:
 * - boot: `docker start` of a container of the same image and config, to its first 200 on an
 *   authenticated GET /v1/models (probed every 20 ms);
 * - outage: while `core.rotation.rotate()` runs, a probe loop sends GET /v1/models every ~20 ms
 *   with the key that is valid at that moment (the old key, and the new one as soon as it is
 *   pending); the outage is the longest window between two answers of 200 by either.
 * Several rounds; the figure is the median of the per-round ratios.
 *
 * It needs a Secret Service: outside a D-Bus session (plain `npm run bench`) the module re-runs
 * itself inside `dbus-run-session` with a throw-away unlocked gnome-keyring, as the tests do.
 */
import fs from 'node:fs';
import Docker from 'dockerode';
import type { BenchModule, BenchResult } from './types';
import { Gatehouse } from '../electron/core/gatehouse';
import { httpGet } from '../electron/core/services/http-probe';
import { gatewayCreateOptions } from '../electron/core/services/gateway-plan';
import { LABELS } from '../electron/core/engine/labels';
import { ACCOUNTS } from '../electron/core/secrets/secret-store';
import { STANDIN_SEED, benchStack, freePort, inKeyringSession, median, needsDockerAndKeyring, removeStack, reportMeasurement, sleep } from './support';

const IMAGE = STANDIN_SEED;
const ROUNDS = 7;
const PROBE_EVERY_MS = 20;
const TARGET = 1.1;

interface Round {
  bootMs: number;
  outageMs: number;
}

/** The measurement itself; runs inside a D-Bus session with a keyring. */
async function measure(): Promise<Round[]> {
  const { stack, home, port, env } = await benchStack('rotate', IMAGE);
  const docker = new Docker();
  const core = await Gatehouse.open({ env });
  const ok = async (p: number, key: string | null): Promise<boolean> => {
    if (!key) return false;
    try {
      return (await httpGet(`http://127.0.0.1:${p}/v1/models`, { timeoutMs: 1000, headers: { authorization: `Bearer ${key}` } })).status === 200;
    } catch {
      return false;
    }
  };
  const rounds: Round[] = [];
  try {
    await core.stack.start();
    const plan = await core.stack.plan();
    for (let i = 0; i < ROUNDS; i++) {
      // Baseline: the same image and configuration, its own port and name, docker start → first 200.
      const key = (await core.keys.require()) as string;
      const secretEnv = { LITELLM_MASTER_KEY: key, LITELLM_SALT_KEY: 'sk-bench-salt' };
      const basePort = await freePort();
      const opts = gatewayCreateOptions({ ...plan, port: basePort }, secretEnv, `${stack}-baseline-${i}`);
      opts.Labels = { ...opts.Labels, [LABELS.role]: 'bench-baseline' };
      const base = await docker.createContainer(opts);
      const t0 = performance.now();
      await base.start();
      while (!(await ok(basePort, key))) {
        if (performance.now() - t0 > 60_000) throw new Error('the baseline container did not answer within 60 s');
        await sleep(PROBE_EVERY_MS);
      }
      const bootMs = performance.now() - t0;
      await base.remove({ force: true });

      // Rotation under a probe loop.
      let oldKey: string | null = key;
      let newKey: string | null = null;
      const off = core.events.on('rotation:progress', (p) => {
        if (p.step === 'recreate') void core.secrets.get(ACCOUNTS.pendingMasterKey).then((k) => (newKey = k));
      });
      let lastOk = performance.now();
      let longest = 0;
      let rotating = true;
      const loop = (async () => {
        while (rotating) {
          const served = (await ok(port, oldKey)) || (await ok(port, newKey));
          const now = performance.now();
          if (served) {
            longest = Math.max(longest, now - lastOk);
            lastOk = now;
          }
          await sleep(PROBE_EVERY_MS);
        }
      })();
      const result = await core.rotation.rotate();
      // Keep probing until the new gateway has answered, so an outage at the very end counts.
      const end = performance.now();
      while (!(await ok(port, await core.keys.get()))) {
        if (performance.now() - end > 30_000) throw new Error('the gateway did not answer after the rotation');
        await sleep(PROBE_EVERY_MS);
      }
      longest = Math.max(longest, performance.now() - lastOk);
      rotating = false;
      await loop;
      off();
      if (!result.gatewayRecreated) throw new Error('the rotation did not recreate the gateway');
      oldKey = null;
      rounds.push({ bootMs, outageMs: longest });
    }
  } finally {
    await core.stack.stop().catch(() => undefined);
    await removeStack(docker, stack);
    for (const account of Object.values(ACCOUNTS)) await core.secrets.delete(account).catch(() => false);
    await core.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
  return rounds;
}

const mod: BenchModule = {
  title: 'rotate: gateway outage during a key rotation ÷ container boot time',
  async available() {
    return needsDockerAndKeyring(IMAGE);
  },
  async run(): Promise<BenchResult[]> {
    const rounds = await inKeyringSession(__filename, measure);
    const ratios = rounds.map((r) => r.outageMs / r.bootMs);
    const detail = `${rounds.length} rounds; outage ms ${rounds.map((r) => r.outageMs.toFixed(0)).join('/')}, boot ms ${rounds.map((r) => r.bootMs.toFixed(0)).join('/')}`;
    return [{ name: 'rotation outage ÷ boot time (median)', value: median(ratios), unit: '×', target: TARGET, better: 'lower', detail }];
  },
};

export default mod;

if (require.main === module) reportMeasurement(measure);

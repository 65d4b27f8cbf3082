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
import { ACCOUNTS } from '../electron/core/secrets/secret-store';
import { bootTime, rotationOutage } from './rotation-outage';
import { STANDIN_SEED, benchStack, freePort, inKeyringSession, median, needsDockerAndKeyring, removeStack, reportMeasurement } from './support';

const IMAGE = STANDIN_SEED;
const ROUNDS = 7;
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
  const rounds: Round[] = [];
  try {
    await core.stack.start();
    const plan = await core.stack.plan();
    for (let i = 0; i < ROUNDS; i++) {
      // Baseline: the same image and configuration, its own port and name, docker start → first 200.
      const key = (await core.keys.require()) as string;
      const bootMs = await bootTime(docker, plan, key, await freePort(), `${stack}-baseline-${i}`);
      // Rotation under a probe loop.
      const outageMs = await rotationOutage(core, port, key);
      rounds.push({ bootMs, outageMs });
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

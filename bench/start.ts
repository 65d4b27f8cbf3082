/**
 * Start budget (issue 2): `gatehouse start` to healthy, image present and stack absent, divided
 * by `docker run` of the same image plus the same health poll; target ≤ 1.10.
 *
 * Measured side by side in one run, over several rounds (order alternating each round), against
 * the LiteLLM stand-in image without a HEALTHCHECK (gatehouse-test/litellm-standin:plain, like
 * LiteLLM's own images):
 * - gatehouse (CLI): what an installed user runs, `node bin/gatehouse.js start`, from spawn to
 *   exit, after the build step that ships it (scripts/build-cli.mjs → dist/cli.cjs). The V8 code
 *   cache lives in a temp XDG_CACHE_HOME: the uncounted warm-up run writes it, as a user's first
 *   run does (its time is reported apart). The CLI creates the network, the volume and the
 *   container, starts it, polls /health/liveliness every 50 ms, then checks the barrier (401
 *   without the key, 200 with it);
 * - gatehouse (core): the same start in-process, as the desktop app's Start button runs it;
 * - baseline: `docker run -d -p 127.0.0.1:PORT:4000 -e LITELLM_MASTER_KEY image` (the key in the
 *   docker CLI's environment, not its argv), then the same probe every 50 ms until it answers 200.
 * The figure is the median of the per-round ratios.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { BenchModule, BenchResult } from './types';
import { Gatehouse } from '../electron/core/gatehouse';
import { HEALTH_POLL_MS, probeLiveness, sleep } from '../electron/core/docker/health';
import { ACCOUNTS } from '../electron/core/secrets/secret-store';
import { ROOT, STANDIN_PLAIN, benchStack, freePort, inKeyringSession, median, needsDockerAndKeyring, removeStack, reportMeasurement, timed } from './support';

const IMAGE = STANDIN_PLAIN;
const ROUNDS = 9;
const TARGET = 1.1;
const BIN = path.join(ROOT, 'bin', 'gatehouse.js');

interface Round {
  cliMs: number;
  coreMs: number;
  dockerMs: number;
}

interface Measured {
  rounds: Round[];
  /** The warm-up run: no V8 code cache yet, as a user's very first `gatehouse start`. */
  cliFirstRunMs: number;
}

/** The build step that produces what bin/gatehouse.js runs (part of `npm run build`). */
function buildCli(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/build-cli.mjs failed');
}

async function measure(): Promise<Measured> {
  buildCli();
  const { stack, home, port, env } = await benchStack('start', IMAGE);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-bench-start-cache-'));
  const docker = new Docker();
  const core = await Gatehouse.open({ env });
  const baselineName = `${stack}-baseline`;
  const rounds: Round[] = [];

  const runCli = async () => (await timed(process.execPath, [BIN, 'start'], { ...env, XDG_CACHE_HOME: cache })).ms;
  const runCore = async () => {
    const c = await Gatehouse.open({ env });
    const t0 = performance.now();
    await c.stack.start();
    const ms = performance.now() - t0;
    await c.close();
    return ms;
  };
  const runBaseline = async (key: string) => {
    const basePort = await freePort();
    const t0 = performance.now();
    await timed('docker', ['run', '-d', '--name', baselineName, '-p', `127.0.0.1:${basePort}:4000`, '-e', 'LITELLM_MASTER_KEY', IMAGE], { ...process.env, LITELLM_MASTER_KEY: key });
    while (!(await probeLiveness(`http://127.0.0.1:${basePort}`))) {
      if (performance.now() - t0 > 60_000) throw new Error('the baseline container did not answer within 60 s');
      await sleep(HEALTH_POLL_MS);
    }
    const ms = performance.now() - t0;
    await docker.getContainer(baselineName).remove({ force: true });
    return ms;
  };

  try {
    // Warm-up, not counted: creates the key and the CLI's code cache, warms the page cache.
    const cliFirstRunMs = await runCli();
    await removeStack(docker, stack);
    const key = (await core.keys.require()) as string;
    await runBaseline(key);
    for (let i = 0; i < ROUNDS; i++) {
      const round: Partial<Round> = {};
      const steps: [keyof Round, () => Promise<number>][] = [
        ['cliMs', runCli],
        ['coreMs', runCore],
        ['dockerMs', () => runBaseline(key)],
      ];
      // Alternate the order so neither side always runs on a warmer engine.
      if (i % 2) steps.reverse();
      for (const [name, fn] of steps) {
        round[name] = await fn();
        await removeStack(docker, stack);
      }
      rounds.push(round as Round);
    }
    return { rounds, cliFirstRunMs };
  } finally {
    await removeStack(docker, stack);
    await docker.getContainer(baselineName).remove({ force: true }).catch(() => undefined);
    for (const account of Object.values(ACCOUNTS)) await core.secrets.delete(account).catch(() => false);
    await core.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

const mod: BenchModule = {
  title: 'start: `gatehouse start` to healthy ÷ `docker run` + the same health poll',
  async available() {
    return needsDockerAndKeyring(IMAGE);
  },
  async run(): Promise<BenchResult[]> {
    const { rounds, cliFirstRunMs } = await inKeyringSession(__filename, measure);
    const ms = (k: keyof Round) => rounds.map((r) => r[k].toFixed(0)).join('/');
    const base = `${rounds.length} rounds, poll ${HEALTH_POLL_MS} ms both sides; docker run ms ${ms('dockerMs')}`;
    return [
      {
        name: 'gatehouse start (bin/gatehouse.js, spawn to exit) ÷ docker run + poll (median)',
        value: median(rounds.map((r) => r.cliMs / r.dockerMs)),
        unit: '×',
        target: TARGET,
        better: 'lower',
        detail: `${base}; CLI ms ${ms('cliMs')}; first run (no code cache yet, not counted) ${cliFirstRunMs.toFixed(0)} ms`,
      },
      {
        name: 'core stack.start() in-process (desktop app) ÷ docker run + poll (median)',
        value: median(rounds.map((r) => r.coreMs / r.dockerMs)),
        unit: '×',
        target: TARGET,
        better: 'lower',
        detail: `${base}; core ms ${ms('coreMs')}`,
      },
    ];
  },
};

export default mod;

if (require.main === module) reportMeasurement(measure);

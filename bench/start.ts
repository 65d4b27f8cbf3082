/**
 * Start budgets, against the LiteLLM stand-in with the seed image's HEALTHCHECK and its timing
 * (gatehouse-test/litellm-standin:seed: 30 s interval, no start period, so Docker cannot say
 * "healthy" before ~30 s while the gateway answers after ~1.5 s):
 * - cold start (image present, no container) ÷ `docker run -d` + the same poll: ≤ 1.05. Both sides
 *   start from the same state: the image and the credentials volume present (the baseline mounts
 *   one too: without it the Claude login would be lost), no container. Gatehouse's own network is
 *   kept as a stop leaves it; a first start ever (no network, no volume) is reported beside it;
 * - warm start (the stopped container) ÷ `docker start` + the same poll: ≤ 1.05;
 * - a first start (no container, network or volume) ÷ `docker-compose up -d` + the same poll
 *   (Debian's docker-compose 1.29; `down -v` before each, so compose creates its network and volume
 *   too): ≤ 0.8;
 * - `docker ps` shows healthy ≤ 2 s after Gatehouse reports ready.
 * Reported beside the budgets (no budget of their own): cold and warm start ÷ `docker run` /
 * `docker start` of the very container Gatehouse creates (its own user-defined network with the
 * alias, no-new-privileges, the bounded log, the restart policy). The plain baselines run on
 * Docker's default bridge, where a container's start is ~100 ms shorter (no network endpoint of its
 * own, no embedded DNS); this pair shows Gatehouse's own cost with the container's configuration
 * taken out.
 *
 * "The same poll" (bench/support.ts pollReady): every 50 ms, /health/liveliness 200, then
 * /v1/models 401 without the key and 200 with it — what Gatehouse checks before it says ready.
 * Measured side by side in one run, over several rounds with the order rotating each round:
 * - gatehouse (CLI): `node bin/gatehouse.js start`, spawn to exit, after the build step that ships
 *   it (scripts/build-cli.mjs → dist/cli.cjs), with its code cache in a temp XDG_CACHE_HOME
 *   written by an uncounted warm-up run (as a user's first run writes it);
 * - gatehouse (core): `stack.start()` in-process, as the desktop app's Start button runs it;
 * - baselines with the key in the docker CLI's environment, never its argv.
 * Each figure is the median of the per-round ratios. The CLI's own overhead is measured apart, per
 * part: Node's boot (`node -e 0`), loading the bundle (`gatehouse --version`), and a `start` that
 * finds the gateway already running (the checks and the barrier, no container work); and where a
 * cold `gatehouse start` spends its time, from GATEHOUSE_DEBUG_TIMING=1 runs apart from the counted
 * ones (electron/core/debug-timing.ts: phases and engine calls stamped in ms since the process began).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { BenchModule, BenchResult } from './types';
import { Gatehouse } from '../electron/core/gatehouse';
import { ACCOUNTS } from '../electron/core/secrets/secret-store';
import {
  POLL_MS,
  ROOT,
  STANDIN_SEED,
  benchStack,
  dockerHealth,
  engineApiVersion,
  freePort,
  inKeyringSession,
  median,
  needsDockerAndKeyring,
  pollReady,
  removeStack,
  removeStackContainers,
  reportMeasurement,
  sleep,
  timed,
} from './support';

const IMAGE = STANDIN_SEED;
const ROUNDS = 5;
const BIN = path.join(ROOT, 'bin', 'gatehouse.js');
/** Docker's StartInterval (health checks during the start period) arrived with Engine API 1.44. */
const START_INTERVAL_API = [1, 44];

interface Round {
  cliCold: number;
  coreCold: number;
  /** No container, network or volume: the very first start. */
  cliFresh: number;
  coreFresh: number;
  dockerRun: number;
  /** `docker run` of the very container Gatehouse makes: its network, alias and hardening flags. */
  dockerRunSame: number;
  compose: number;
  cliWarm: number;
  coreWarm: number;
  dockerStart: number;
  dockerStartSame: number;
}

interface Measured {
  rounds: Round[];
  /** Seconds from "ready" (core start resolved) to `docker ps` saying healthy, per measurement. */
  healthyAfterReadyS: number[];
  apiVersion: string;
  /** The warm-up run: no code cache yet, as a user's very first `gatehouse start`. */
  cliFirstRunMs: number;
  overhead: { nodeBootMs: number; bundleLoadMs: number; startRunningMs: number };
  /** A cold CLI start in parts (medians of a few GATEHOUSE_DEBUG_TIMING=1 runs), ms. */
  coldParts: ColdParts;
}

/** A cold `gatehouse start`, part by part (ms), from its GATEHOUSE_DEBUG_TIMING=1 lines. */
interface ColdParts {
  /** Node's boot and the bundle's load: process start to the CLI's main(). */
  bootAndBundle: number;
  /** Gatehouse.open(): settings, state, the rotation check. */
  coreOpen: number;
  /** Core opened to the container create sent: lock, plan, ping, network and volume, look-ups, keychain. */
  beforeCreate: number;
  /** The container create call. */
  create: number;
  /** The container start call (the network endpoint and the published port are made here). */
  start: number;
  /** The start call's return to readiness (the gateway's boot, liveness, the barrier). */
  bootToReady: number;
  /** Readiness to the process's exit (the status it prints, closing). */
  exit: number;
  engineCalls: number;
}

/** Reads the `[timing] <ms> <what>` lines of one GATEHOUSE_DEBUG_TIMING=1 run. */
export function coldParts(output: string): ColdParts {
  const lines = output.split('\n').flatMap((l) => {
    const m = /^\[timing\]\s+(\d+) (.*)$/.exec(l);
    return m ? [{ at: Number(m[1]), what: m[2] as string }] : [];
  });
  const at = (prefix: string): number => {
    const line = lines.find((l) => l.what.startsWith(prefix));
    if (!line) throw new Error(`no "${prefix}" in the timing lines:\n${output}`);
    return line.at;
  };
  const call = (name: string) => {
    const end = at(`engine ${name} `);
    const ms = Number(/ (\d+) ms$/.exec(lines.find((l) => l.what.startsWith(`engine ${name} `))!.what)?.[1]);
    return { end, ms, begin: end - ms };
  };
  const create = call('createContainer');
  const start = call('startContainer');
  const ready = at('readiness: barrier holds');
  const exit = at('exit');
  return {
    bootAndBundle: at('cli main'),
    coreOpen: at('core opened') - at('cli main'),
    beforeCreate: create.begin - at('core opened'),
    create: create.ms,
    start: start.ms,
    bootToReady: ready - start.end,
    exit: exit - ready,
    engineCalls: Number(/engine calls: (\d+)/.exec(lines.find((l) => l.what.startsWith('exit'))!.what)?.[1]),
  };
}

function apiAtLeast(version: string, [major, minor]: number[]): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > (major as number) || (a === major && b >= (minor as number));
}

/** The build step that produces what bin/gatehouse.js runs (part of `npm run build`). */
function buildCli(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/build-cli.mjs failed');
}

function composeAvailable(): boolean {
  return spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
}

async function measure(): Promise<Measured> {
  buildCli();
  const { stack, home, env } = await benchStack('start', IMAGE);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-bench-start-cache-'));
  const composeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-bench-compose-'));
  const docker = new Docker();
  const apiVersion = await engineApiVersion(docker);
  const core = await Gatehouse.open({ env });
  const baselineName = `${stack}-baseline`;
  const baselineVolume = `${stack}-baseline-claude`;
  const composeProject = `${stack}-compose`.replace(/[^a-z0-9]/g, '');
  const cliEnv = { ...env, XDG_CACHE_HOME: cache };
  const rounds: Round[] = [];
  const healthyAfterReadyS: number[] = [];

  const cli = async (...args: string[]) => (await timed(process.execPath, [BIN, ...args], cliEnv)).ms;
  const coreStart = async (): Promise<number> => {
    const c = await Gatehouse.open({ env });
    try {
      const t0 = performance.now();
      await c.stack.start();
      return performance.now() - t0;
    } finally {
      await c.close();
    }
  };
  const coreStop = async () => {
    const c = await Gatehouse.open({ env });
    await c.stack.stop();
    await c.close();
  };
  const gatewayId = async (): Promise<string> => {
    const list = await docker.listContainers({ all: true, filters: { name: [`${stack}-litellm`] } });
    if (!list[0]) throw new Error('no gateway container');
    return list[0].Id;
  };
  /** From the moment the core said ready, until Docker's own status says healthy. */
  const healthyDelay = async (readyAt: number): Promise<number> => {
    const id = await gatewayId();
    while ((await dockerHealth(docker, id)) !== 'healthy') {
      if (performance.now() - readyAt > 45_000) throw new Error('Docker did not call the gateway healthy within 45 s');
      await sleep(POLL_MS);
    }
    return (performance.now() - readyAt) / 1000;
  };

  // The flags that make the baseline the very container Gatehouse creates (services/gateway-plan.ts,
  // services/container-base.ts): its own user-defined network with the alias, no new privileges, the
  // bounded log, the restart policy. The network exists, as Gatehouse's does after a stop.
  const sameNetwork = `${stack}-baseline-net`;
  const sameContainer = ['--network', sameNetwork, '--network-alias', 'litellm', '--security-opt', 'no-new-privileges:true', '--log-driver', 'json-file', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--restart', 'unless-stopped'];
  const dockerRun = async (key: string, flags: string[] = []): Promise<{ ms: number; port: number }> => {
    const port = await freePort();
    const t0 = performance.now();
    await timed('docker', ['run', '-d', '--name', baselineName, ...flags, '-p', `127.0.0.1:${port}:4000`, '-e', 'LITELLM_MASTER_KEY', '-v', `${baselineVolume}:/home/claude/.claude`, IMAGE], { ...process.env, LITELLM_MASTER_KEY: key });
    await pollReady(`http://127.0.0.1:${port}`, key);
    return { ms: performance.now() - t0, port };
  };
  const dockerStart = async (key: string, flags: string[] = []): Promise<number> => {
    const { port } = await dockerRun(key, flags);
    await timed('docker', ['stop', '-t', '10', baselineName], process.env);
    const t0 = performance.now();
    await timed('docker', ['start', baselineName], process.env);
    await pollReady(`http://127.0.0.1:${port}`, key);
    const ms = performance.now() - t0;
    await docker.getContainer(baselineName).remove({ force: true });
    return ms;
  };
  // The seed's compose service, reduced to what the stand-in needs: published port, the key from
  // the environment (never written to a file here), the credentials volume, restart policy.
  const composeFile = path.join(composeDir, 'docker-compose.yml');
  const composeUp = async (key: string): Promise<number> => {
    const port = await freePort();
    fs.writeFileSync(
      composeFile,
      [
        "version: '3.7'",
        'services:',
        '  litellm:',
        `    image: ${IMAGE}`,
        `    ports: ["127.0.0.1:${port}:4000"]`,
        '    environment: [LITELLM_MASTER_KEY]',
        '    volumes: ["claude-auth:/home/claude/.claude"]',
        '    restart: unless-stopped',
        'volumes:',
        '  claude-auth: {}',
        '',
      ].join('\n'),
    );
    const composeEnv = { ...process.env, LITELLM_MASTER_KEY: key };
    const t0 = performance.now();
    await timed('docker-compose', ['-p', composeProject, '-f', composeFile, 'up', '-d'], composeEnv);
    await pollReady(`http://127.0.0.1:${port}`, key);
    const ms = performance.now() - t0;
    await timed('docker-compose', ['-p', composeProject, '-f', composeFile, 'down', '-v', '-t', '2'], composeEnv);
    return ms;
  };

  try {
    // Warm-up, not counted: creates the key and the CLI's code cache for start, warms the page cache.
    const cliFirstRunMs = await cli('start');
    await removeStack(docker, stack);
    const key = (await core.keys.require()) as string;
    await docker.getContainer(baselineName).remove({ force: true }).catch(() => undefined);
    // Not labelled as the stack's: removeStack between the rounds must leave it.
    await docker.createNetwork({ Name: sameNetwork, Driver: 'bridge' });
    await dockerRun(key);
    await docker.getContainer(baselineName).remove({ force: true });
    const startInterval = apiAtLeast(apiVersion, START_INTERVAL_API);

    for (let i = 0; i < ROUNDS; i++) {
      const round: Partial<Round> = {};
      const steps: [string, () => Promise<void>][] = [
        [
          'cli',
          async () => {
            await removeStack(docker, stack);
            round.cliFresh = await cli('start');
            await removeStackContainers(docker, stack);
            round.cliCold = await cli('start');
            await cli('stop');
            round.cliWarm = await cli('start');
            await removeStack(docker, stack);
          },
        ],
        [
          'core',
          async () => {
            await removeStack(docker, stack);
            round.coreFresh = await coreStart();
            await removeStackContainers(docker, stack);
            round.coreCold = await coreStart();
            // Docker's view: measured every round where StartInterval exists, once otherwise
            // (there it is the image's first check, one 30 s interval after start).
            if (startInterval || healthyAfterReadyS.length === 0) healthyAfterReadyS.push(await healthyDelay(performance.now()));
            await coreStop();
            round.coreWarm = await coreStart();
            await removeStack(docker, stack);
          },
        ],
        [
          'docker',
          async () => {
            round.dockerRun = (await dockerRun(key)).ms;
            await docker.getContainer(baselineName).remove({ force: true });
            round.dockerStart = await dockerStart(key);
            round.dockerRunSame = (await dockerRun(key, sameContainer)).ms;
            await docker.getContainer(baselineName).remove({ force: true });
            round.dockerStartSame = await dockerStart(key, sameContainer);
          },
        ],
        ['compose', async () => void (round.compose = await composeUp(key))],
      ];
      // Rotate the order so no side always runs on a warmer (or busier) engine.
      for (let k = 0; k < steps.length; k++) await (steps[(k + i) % steps.length] as [string, () => Promise<void>])[1]();
      rounds.push(round as Round);
    }

    // The CLI's own overhead, per part (medians of 5).
    const five = async (fn: () => Promise<number>) => {
      const xs: number[] = [];
      for (let j = 0; j < 5; j++) xs.push(await fn());
      return median(xs);
    };
    const nodeBootMs = await five(async () => (await timed(process.execPath, ['-e', '0'], process.env)).ms);
    const bundleLoadMs = await five(() => cli('--version'));
    await cli('start');
    const startRunningMs = await five(() => cli('start'));
    // A cold start in parts, apart from the counted rounds (the timing lines cost a few writes).
    const parts: ColdParts[] = [];
    for (let j = 0; j < 3; j++) {
      await removeStackContainers(docker, stack);
      parts.push(coldParts((await timed(process.execPath, [BIN, 'start'], { ...cliEnv, GATEHOUSE_DEBUG_TIMING: '1' })).out));
    }
    const coldPartsMedian = Object.fromEntries(Object.keys(parts[0] as ColdParts).map((k) => [k, median(parts.map((p) => p[k as keyof ColdParts]))])) as unknown as ColdParts;
    return { rounds, healthyAfterReadyS, apiVersion, cliFirstRunMs, overhead: { nodeBootMs, bundleLoadMs, startRunningMs }, coldParts: coldPartsMedian };
  } finally {
    await removeStack(docker, stack);
    await docker.getContainer(baselineName).remove({ force: true }).catch(() => undefined);
    await docker.getVolume(baselineVolume).remove().catch(() => undefined);
    await docker.getNetwork(sameNetwork).remove().catch(() => undefined);
    if (fs.existsSync(composeFile)) spawnSync('docker-compose', ['-p', composeProject, '-f', composeFile, 'down', '-v', '-t', '1'], { stdio: 'ignore' });
    for (const account of Object.values(ACCOUNTS)) await core.secrets.delete(account).catch(() => false);
    await core.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
    fs.rmSync(composeDir, { recursive: true, force: true });
  }
}

const mod: BenchModule = {
  title: 'start: cold and warm start to ready ÷ docker run / docker start / docker-compose up + the same poll (seed HEALTHCHECK timing)',
  async available() {
    const ok = needsDockerAndKeyring(IMAGE);
    if (ok !== true) return ok;
    return composeAvailable() ? true : "needs docker-compose (Debian: apt-get install docker-compose) for the compose baseline";
  },
  async run(): Promise<BenchResult[]> {
    const m = await inKeyringSession(__filename, measure);
    const { rounds } = m;
    const ms = (k: keyof Round) => rounds.map((r) => r[k].toFixed(0)).join('/');
    const ratio = (a: keyof Round, b: keyof Round) => median(rounds.map((r) => r[a] / r[b]));
    const base = `${rounds.length} rounds, poll ${POLL_MS} ms (liveliness 200, no key 401, key 200) on every side, image ${IMAGE}`;
    const o = m.overhead;
    const p = m.coldParts;
    const overhead =
      `CLI overhead parts (median of 5): node boot ${o.nodeBootMs.toFixed(0)} ms, bundle load (gatehouse --version) ${o.bundleLoadMs.toFixed(0)} ms, start on a running gateway ${o.startRunningMs.toFixed(0)} ms; first run (no code cache yet, not counted) ${m.cliFirstRunMs.toFixed(0)} ms; ` +
      `a cold start in parts (GATEHOUSE_DEBUG_TIMING=1, median of 3): boot + bundle ${p.bootAndBundle.toFixed(0)} ms, core open ${p.coreOpen.toFixed(0)} ms, to the container create (lock, plan, ping, network + volume, look-ups, keychain) ${p.beforeCreate.toFixed(0)} ms, create ${p.create.toFixed(0)} ms, start call ${p.start.toFixed(0)} ms, start to ready ${p.bootToReady.toFixed(0)} ms, ready to exit ${p.exit.toFixed(0)} ms, ${p.engineCalls.toFixed(0)} engine calls`;
    const startInterval = apiAtLeast(m.apiVersion, START_INTERVAL_API);
    return [
      {
        name: 'cold start: gatehouse start (bin/gatehouse.js, spawn to exit) ÷ docker run + poll',
        value: ratio('cliCold', 'dockerRun'),
        unit: '×',
        target: 1.05,
        better: 'lower',
        detail: `${base}; CLI ms ${ms('cliCold')}; docker run ms ${ms('dockerRun')}; ${overhead}`,
      },
      {
        name: 'cold start: core stack.start() (desktop app) ÷ docker run + poll',
        value: ratio('coreCold', 'dockerRun'),
        unit: '×',
        target: 1.05,
        better: 'lower',
        detail: `${base}; core ms ${ms('coreCold')}; docker run ms ${ms('dockerRun')}`,
      },
      {
        name: 'warm start (stopped container): gatehouse start ÷ docker start + poll',
        value: ratio('cliWarm', 'dockerStart'),
        unit: '×',
        target: 1.05,
        better: 'lower',
        detail: `${base}; CLI ms ${ms('cliWarm')}; docker start ms ${ms('dockerStart')}`,
      },
      {
        name: 'warm start (stopped container): core stack.start() ÷ docker start + poll',
        value: ratio('coreWarm', 'dockerStart'),
        unit: '×',
        target: 1.05,
        better: 'lower',
        detail: `${base}; core ms ${ms('coreWarm')}; docker start ms ${ms('dockerStart')}`,
      },
      {
        name: 'cold start: gatehouse start (CLI) ÷ docker run of the same container (its network, alias, hardening flags) + poll',
        value: ratio('cliCold', 'dockerRunSame'),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${base}; reported beside the budget above: Gatehouse's own overhead, the container's configuration taken out; plain docker run ÷ this baseline ${ratio('dockerRun', 'dockerRunSame').toFixed(3)} (the user-defined network's endpoint and embedded DNS at the start call); CLI ms ${ms('cliCold')}; docker run (same container) ms ${ms('dockerRunSame')}`,
      },
      {
        name: 'cold start: core stack.start() ÷ docker run of the same container + poll',
        value: ratio('coreCold', 'dockerRunSame'),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${base}; reported; core ms ${ms('coreCold')}; docker run (same container) ms ${ms('dockerRunSame')}`,
      },
      {
        name: 'warm start: gatehouse start (CLI) ÷ docker start of the same container + poll',
        value: ratio('cliWarm', 'dockerStartSame'),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${base}; reported; plain docker start ÷ this baseline ${ratio('dockerStart', 'dockerStartSame').toFixed(3)}; CLI ms ${ms('cliWarm')}; docker start (same container) ms ${ms('dockerStartSame')}`,
      },
      {
        name: 'warm start: core stack.start() ÷ docker start of the same container + poll',
        value: ratio('coreWarm', 'dockerStartSame'),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${base}; reported; core ms ${ms('coreWarm')}; docker start (same container) ms ${ms('dockerStartSame')}`,
      },
      {
        name: 'first start (no container, network or volume): gatehouse start (CLI) ÷ docker-compose up -d + poll',
        value: ratio('cliFresh', 'compose'),
        unit: '×',
        target: 0.8,
        better: 'lower',
        detail: `${base}; CLI ms ${ms('cliFresh')}; docker-compose up ms ${ms('compose')}`,
      },
      {
        name: 'first start (no container, network or volume): gatehouse start (CLI) ÷ docker run + poll',
        value: ratio('cliFresh', 'dockerRun'),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${base}; reported, no budget: Gatehouse creates its own network (isolation from other containers on Docker's default bridge) and volume here, docker run neither; CLI ms ${ms('cliFresh')}; docker run ms ${ms('dockerRun')}`,
      },
      {
        name: 'first start (no container, network or volume): core stack.start() ÷ docker run + poll',
        value: ratio('coreFresh', 'dockerRun'),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${base}; reported, no budget (see above); core ms ${ms('coreFresh')}; docker run ms ${ms('dockerRun')}`,
      },
      {
        name: '`docker ps` shows healthy, seconds after Gatehouse reports ready',
        value: median(m.healthyAfterReadyS),
        unit: 's',
        target: 2,
        better: 'lower',
        detail: startInterval
          ? `Engine API ${m.apiVersion}: the gateway is created with the image's test and interval plus StartPeriod and StartInterval; ${m.healthyAfterReadyS.map((s) => s.toFixed(2)).join('/')} s`
          : `Engine API ${m.apiVersion} has no StartInterval (1.44+), so Gatehouse leaves the image's HEALTHCHECK alone and Docker's first check runs one 30 s interval after start (measured once: ${m.healthyAfterReadyS.map((s) => s.toFixed(2)).join('/')} s); Gatehouse's own readiness does not wait for it. On a newer engine: sudo bash scripts/modern-engine.sh start, then DOCKER_HOST=$(bash scripts/modern-engine.sh host) npm run bench -- start`,
      },
    ];
  },
};

export default mod;

if (require.main === module) reportMeasurement(measure);

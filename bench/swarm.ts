/**
 * Swarm mode (settings.target "swarm", publishMode "host": the routing mesh does not work in this
 * sandbox), against the LiteLLM stand-in with the seed image's HEALTHCHECK and its timing
 * (gatehouse-test/litellm-standin:seed: 30 s interval, no start period):
 * - start → ready: `gatehouse start` (bin/gatehouse.js, spawn to exit) and the core's
 *   `stack.start()` (the desktop app's Start), each from no service and no secrets, ÷ what a user
 *   scripting Swarm by hand runs: `docker secret create NAME -` for the master key and the salt
 *   key (values on stdin), `docker service create --detach` with the same image, the same secrets
 *   as files in /run/secrets, the same published port in host mode, the same credentials volume,
 *   the same wrapper command (swarm/gateway-service.ts WRAPPER_SCRIPT) before the image's own
 *   entrypoint, the same secret-reading healthcheck, restart and stop settings; then the same poll
 *   (bench/support.ts pollReady: every 50 ms, liveliness 200, no key 401, key 200).
 *   Medians of the per-round ratios over 3 rounds, the order rotating each round; budget ≤ 1.1.
 * - rotation outage: while `core.rotation.rotate()` updates the service to a new Swarm secret
 *   (stop-first: one host port per node), a probe loop sends GET /v1/models every ~20 ms with the
 *   key valid at that moment; the outage is the longest window between two 200s. Divided by the
 *   container's own boot time (`docker start` of a container of the same image and config to its
 *   first authenticated 200), as bench/rotate.ts measures it. Issue 13 sets no budget: reported.
 *
 * The engine must be a Swarm manager; one in no swarm is made a single-node swarm for the run and
 * left again afterwards (an engine already in a swarm is left as it is). Only this run's services,
 * secrets, containers, networks and volumes are touched, by the stack label.
 */
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import type { BenchModule, BenchResult } from './types';
import { Gatehouse } from '../electron/core/gatehouse';
import { LABELS } from '../electron/core/engine/labels';
import { CLAUDE_HOME, GATEWAY_PORT } from '../electron/core/services/gateway-plan';
import { ACCOUNTS } from '../electron/core/secrets/secret-store';
import { bootTime, rotationOutage } from './rotation-outage';
import { WRAPPER_SCRIPT, healthcheckFromSecret } from '../electron/core/swarm/gateway-service';
import {
  POLL_MS,
  ROOT,
  STANDIN_SEED,
  benchStack,
  buildCli,
  freePort,
  inKeyringSession,
  median,
  needsDockerAndKeyring,
  pollReady,
  removeStack,
  reportMeasurement,
  sleep,
  timed,
} from './support';

const IMAGE = STANDIN_SEED;
const ROUNDS = 3;
const ROTATIONS = 3;
const START_TARGET = 1.1;
const BIN = path.join(ROOT, 'bin', 'gatehouse.js');
const NS = 1_000_000_000;

interface StartRound {
  cli: number;
  core: number;
  baseline: number;
}

interface RotationRound {
  bootMs: number;
  outageMs: number;
}

interface Measured {
  rounds: StartRound[];
  rotations: RotationRound[];
  /** The engine's swarm state before the run; "made" when this run created the single-node swarm. */
  swarm: string;
}

/** The engine's Swarm state: in none, a manager, or a worker (which cannot run services). */
async function swarmMembership(docker: Docker): Promise<{ state: string; manager: boolean }> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  return { state: info.Swarm?.LocalNodeState ?? 'inactive', manager: info.Swarm?.ControlAvailable === true };
}

/**
 * Removes this run's services, waits until their task containers are gone (a host-mode port and
 * a secret in use are released only then), then removes its secrets. Volumes and networks stay
 * (removeStack at the end).
 */
async function removeSwarmObjects(docker: Docker, stack: string): Promise<void> {
  const filters = { label: [`${LABELS.stack}=${stack}`] };
  for (const s of await docker.listServices({ filters })) await docker.getService(s.ID).remove().catch(() => undefined);
  const deadline = performance.now() + 90_000;
  for (;;) {
    const containers = (await docker.listContainers({ all: true, filters })).filter((c) => c.Labels['com.docker.swarm.service.id']);
    const secrets = await docker.listSecrets({ filters });
    if (!containers.length && !secrets.length) return;
    for (const s of secrets) await docker.getSecret(s.ID).remove().catch(() => undefined);
    if (performance.now() > deadline) throw new Error(`the swarm objects of ${stack} were not gone within 90 s`);
    await sleep(200);
  }
}

async function measure(): Promise<Measured> {
  buildCli();
  const docker = new Docker();
  const before = await swarmMembership(docker);
  if (before.state !== 'inactive' && !before.manager) throw new Error(`the engine is a swarm worker (${before.state}); the swarm bench needs a manager or no swarm`);
  const made = before.state === 'inactive';
  if (made) await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });

  const { stack, home, env } = await benchStack('swarm', IMAGE);
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ target: 'swarm', publishMode: 'host' }, null, 2));
  const cliEnv = { ...env, XDG_CACHE_HOME: path.join(home, 'cache') };
  const withPort = (e: NodeJS.ProcessEnv, port: number): NodeJS.ProcessEnv => ({ ...e, GATEHOUSE_PORT: String(port) });
  const keyOf = async (): Promise<string> => {
    const c = await Gatehouse.open({ env });
    try {
      return (await c.keys.require()) as string;
    } finally {
      await c.close();
    }
  };
  const saltOf = async (): Promise<string> => {
    const c = await Gatehouse.open({ env });
    try {
      return (await c.secrets.get(ACCOUNTS.saltKey)) as string;
    } finally {
      await c.close();
    }
  };

  const cliStart = async (): Promise<number> => {
    const port = await freePort();
    const { ms } = await timed(process.execPath, [BIN, 'start'], withPort(cliEnv, port), 180_000);
    await pollReady(`http://127.0.0.1:${port}`, await keyOf(), 10_000);
    return ms;
  };
  const coreStart = async (): Promise<number> => {
    const port = await freePort();
    const c = await Gatehouse.open({ env: withPort(env, port) });
    try {
      const t0 = performance.now();
      await c.stack.start();
      const ms = performance.now() - t0;
      await pollReady(`http://127.0.0.1:${port}`, (await c.keys.require()) as string, 10_000);
      return ms;
    } finally {
      await c.close();
    }
  };

  // The hand-made service: what `docker service create` needs to run the same gateway.
  const image = await docker.getImage(IMAGE).inspect();
  const hc = healthcheckFromSecret(image) as { Test: string[]; Interval?: number; Timeout?: number; Retries?: number } | null;
  const entry = [...(image.Config.Entrypoint ?? []), ...(image.Config.Cmd ?? [])];
  const baselineVolume = `${stack}-baseline-claude`;
  await docker.createVolume({ Name: baselineVolume, Labels: { [LABELS.stack]: stack } });
  let serial = 0;
  const baseline = async (key: string, salt: string): Promise<number> => {
    const port = await freePort();
    const n = ++serial;
    const name = `${stack}-baseline${n}`;
    const labels = ['--label', `${LABELS.stack}=${stack}`, '--label', `${LABELS.role}=bench-baseline`];
    const dockerEnv = process.env;
    const t0 = performance.now();
    await timed('docker', ['secret', 'create', ...labels, `${name}_master`, '-'], dockerEnv, 60_000, key);
    await timed('docker', ['secret', 'create', ...labels, `${name}_salt`, '-'], dockerEnv, 60_000, salt);
    await timed(
      'docker',
      [
        'service', 'create', '--detach', '--name', `${name}_litellm`, ...labels,
        '--container-label', `${LABELS.stack}=${stack}`,
        '--secret', `source=${name}_master,target=LITELLM_MASTER_KEY,mode=0444`,
        '--secret', `source=${name}_salt,target=LITELLM_SALT_KEY,mode=0444`,
        '--publish', `mode=host,published=${port},target=${GATEWAY_PORT}`,
        '--mount', `type=volume,source=${baselineVolume},target=${CLAUDE_HOME}`,
        ...(hc ? ['--health-cmd', hc.Test.slice(1).join(' '), '--health-interval', `${(hc.Interval ?? 30 * NS) / NS}s`, '--health-timeout', `${(hc.Timeout ?? 30 * NS) / NS}s`, '--health-retries', String(hc.Retries ?? 3)] : []),
        '--restart-condition', 'on-failure', '--restart-delay', '1s', '--restart-max-attempts', '3',
        '--stop-grace-period', '10s', '--update-order', 'stop-first',
        // The wrapper goes in as arguments, not in --entrypoint (which the CLI splits like a shell line,
        // and the script holds quotes): Command /bin/sh, Args -c SCRIPT gatehouse-wrapper ENTRY…, the same process.
        '--entrypoint', '/bin/sh',
        IMAGE, '-c', WRAPPER_SCRIPT, 'gatehouse-wrapper', ...entry,
      ],
      dockerEnv,
      120_000,
    );
    await pollReady(`http://127.0.0.1:${port}`, key);
    return performance.now() - t0;
  };

  const rounds: StartRound[] = [];
  const rotations: RotationRound[] = [];
  try {
    // Warm-up, not counted: creates the key, the salt key and the CLI's code cache, the
    // credentials volume, and warms the page cache for both sides.
    await cliStart();
    await removeSwarmObjects(docker, stack);
    const key = await keyOf();
    const salt = await saltOf();
    await baseline(key, salt);
    await removeSwarmObjects(docker, stack);

    for (let i = 0; i < ROUNDS; i++) {
      const round: Partial<StartRound> = {};
      const steps: (() => Promise<void>)[] = [
        async () => void (round.cli = await cliStart()),
        async () => void (round.core = await coreStart()),
        async () => void (round.baseline = await baseline(key, salt)),
      ];
      for (let k = 0; k < steps.length; k++) {
        await (steps[(k + i) % steps.length] as () => Promise<void>)();
        await removeSwarmObjects(docker, stack);
      }
      rounds.push(round as StartRound);
    }

    rotations.push(...(await measureRotations(docker, stack, env)));
    return { rounds, rotations, swarm: made ? 'made for this run and left again' : `${before.state}, manager (left as found)` };
  } finally {
    await removeSwarmObjects(docker, stack).catch(() => undefined);
    await removeStack(docker, stack);
    const c = await Gatehouse.open({ env });
    for (const account of Object.values(ACCOUNTS)) await c.secrets.delete(account).catch(() => false);
    await c.close();
    fs.rmSync(home, { recursive: true, force: true });
    if (made) {
      await docker.swarmLeave({ force: true });
      // docker_gwbridge outlives the swarm: the engine is left as it was found.
      await docker.getNetwork('docker_gwbridge').remove().catch(() => undefined);
    }
  }
}

/** Rotation outage in swarm mode ÷ the container's own boot time, as bench/rotate.ts measures both. */
async function measureRotations(docker: Docker, stack: string, baseEnv: NodeJS.ProcessEnv): Promise<RotationRound[]> {
  const port = await freePort();
  const core = await Gatehouse.open({ env: { ...baseEnv, GATEHOUSE_PORT: String(port) } });
  const rounds: RotationRound[] = [];
  try {
    await core.stack.start();
    const plan = await core.stack.plan();
    // The boot baseline is a plain container on a bridge network of the stack's name (swarm mode makes none).
    await docker.createNetwork({ Name: plan.networkName, Labels: { [LABELS.stack]: stack } });
    for (let i = 0; i < ROTATIONS; i++) {
      const key = (await core.keys.require()) as string;
      const bootMs = await bootTime(docker, plan, key, await freePort(), `${stack}-boot-${i}`);
      const outageMs = await rotationOutage(core, port, key);
      rounds.push({ bootMs, outageMs });
    }
  } finally {
    await core.stack.stop().catch(() => undefined);
    await core.close();
  }
  return rounds;
}

const mod: BenchModule = {
  title: 'swarm: start → ready ÷ docker secret/service create + the same poll; rotation outage ÷ boot (host publish mode, seed HEALTHCHECK timing)',
  async available() {
    const ok = needsDockerAndKeyring(IMAGE);
    if (ok !== true) return ok;
    const m = await swarmMembership(new Docker()).catch(() => null);
    if (!m) return 'needs a Docker engine that answers `docker info`';
    if (m.state !== 'inactive' && !m.manager) return `the engine is a swarm worker (${m.state}): needs a manager or no swarm`;
    return true;
  },
  async run(): Promise<BenchResult[]> {
    const m = await inKeyringSession(__filename, measure, 20 * 60_000);
    const ms = (k: keyof StartRound) => m.rounds.map((r) => r[k].toFixed(0)).join('/');
    const ratio = (k: 'cli' | 'core') => median(m.rounds.map((r) => r[k] / r.baseline));
    const base = `${m.rounds.length} rounds, poll ${POLL_MS} ms (liveliness 200, no key 401, key 200) on every side, publish mode host, image ${IMAGE}; swarm: ${m.swarm}`;
    const ratios = m.rotations.map((r) => r.outageMs / r.bootMs);
    return [
      {
        name: 'swarm start → ready: gatehouse start (bin/gatehouse.js, spawn to exit) ÷ docker secret create ×2 + docker service create + poll',
        value: ratio('cli'),
        unit: '×',
        target: START_TARGET,
        better: 'lower',
        detail: `${base}; CLI ms ${ms('cli')}; docker ms ${ms('baseline')}`,
      },
      {
        name: 'swarm start → ready: core stack.start() (desktop app) ÷ docker secret create ×2 + docker service create + poll',
        value: ratio('core'),
        unit: '×',
        target: START_TARGET,
        better: 'lower',
        detail: `${base}; core ms ${ms('core')}; docker ms ${ms('baseline')}`,
      },
      {
        name: 'swarm rotation outage ÷ container boot time (median; stop-first, host publish mode)',
        value: median(ratios),
        unit: '×',
        target: null,
        better: 'lower',
        detail: `${m.rotations.length} rotations; outage ms ${m.rotations.map((r) => r.outageMs.toFixed(0)).join('/')}, boot ms ${m.rotations.map((r) => r.bootMs.toFixed(0)).join('/')}; not measurable here: the routing mesh (ingress) with 2 replicas and start-first`,
      },
    ];
  },
};

export default mod;

if (require.main === module) reportMeasurement(measure);

/**
 * Start budget (issue 2): `gatehouse start` to healthy, image present and stack absent, divided
 * by `docker run` of the same image plus the same health poll; target ≤ 1.10.
 *
 * Measured side by side in one run, over several rounds (order alternating each round), against
 * the LiteLLM stand-in image without a HEALTHCHECK (gatehouse-test/litellm-standin:plain, like
 * LiteLLM's own images):
 * - gatehouse (CLI): the compiled CLI as an installed user runs it (`node cli.js start`, bundled
 *   here with esbuild from electron/cli.ts, packages external), from spawn to exit. It creates the
 *   network, the volume and the container, starts it, polls /health/liveliness every 50 ms,
 *   then checks the barrier (401 without the key, 200 with it);
 * - gatehouse (core): the same start in-process, as the desktop app's Start button runs it;
 * - baseline: `docker run -d -p 127.0.0.1:PORT:4000 -e LITELLM_MASTER_KEY image` (the key in the
 *   docker CLI's environment, not its argv), then the same probe every 50 ms until it answers 200.
 * The figure is the median of the per-round ratios.
 *
 * It needs a Secret Service: outside a D-Bus session the module re-runs itself inside
 * `dbus-run-session` with a throw-away unlocked gnome-keyring, as the tests do.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { BenchModule, BenchResult } from './types';
import { Gatehouse } from '../electron/core/gatehouse';
import { HEALTH_POLL_MS, probeLiveness, sleep } from '../electron/core/docker/health';
import { LABELS } from '../electron/core/docker/labels';
import { ACCOUNTS } from '../electron/core/secrets/secret-store';

const IMAGE = 'gatehouse-test/litellm-standin:plain';
const ROUNDS = 9;
const TARGET = 1.1;
const ROOT = path.resolve(__dirname, '..');

interface Round {
  cliMs: number;
  coreMs: number;
  dockerMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to its exit; resolves with the wall time in ms. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`));
      else resolve({ ms, out });
    });
  });
}

/** The compiled CLI, as `npm run build` + bin/gatehouse.js would run it (one bundled file). */
async function buildCli(): Promise<string> {
  const outfile = path.join(ROOT, '.cache', 'bench-start', 'cli.js');
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'electron', 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

async function removeStack(docker: Docker, stack: string): Promise<void> {
  const filters = { label: [`${LABELS.stack}=${stack}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
}

async function measure(): Promise<Round[]> {
  const cli = await buildCli();
  const stack = `b-start-${crypto.randomBytes(3).toString('hex')}`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-bench-start-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_HOME: home,
    GATEHOUSE_STACK: stack,
    GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-bench-${stack}`,
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_IMAGE: IMAGE,
  };
  const docker = new Docker();
  const core = await Gatehouse.open({ env });
  const baselineName = `${stack}-baseline`;
  const rounds: Round[] = [];

  const runCli = async () => (await timed(process.execPath, [cli, 'start'], env)).ms;
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
    // Warm-up, not counted: creates the key, warms the page cache for the image and the CLI.
    await runCli();
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
  } finally {
    await removeStack(docker, stack);
    await docker.getContainer(baselineName).remove({ force: true }).catch(() => undefined);
    for (const account of Object.values(ACCOUNTS)) await core.secrets.delete(account).catch(() => false);
    await core.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
  return rounds;
}

/** Runs `measure` in a child inside dbus-run-session + a fresh unlocked gnome-keyring. */
function measureInKeyringSession(): Promise<Round[]> {
  return new Promise((resolve, reject) => {
    const dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-bench-keyring-'));
    const script = `echo -n gatehouse-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec '${process.execPath}' --import tsx '${__filename}' --measure`;
    const child = spawn('dbus-run-session', ['--', 'bash', '-c', script], {
      cwd: ROOT,
      env: { ...process.env, XDG_DATA_HOME: dataHome },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fs.rmSync(dataHome, { recursive: true, force: true });
      const line = out.split('\n').find((l) => l.startsWith('ROUNDS '));
      if (code !== 0 || !line) return reject(new Error(`the start measurement failed (exit ${code})`));
      resolve(JSON.parse(line.slice('ROUNDS '.length)) as Round[]);
    });
  });
}

const mod: BenchModule = {
  title: 'start: `gatehouse start` to healthy ÷ `docker run` + the same health poll',
  async available() {
    const docker = spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
    if (docker.status !== 0) return `needs Docker and the stand-in image ${IMAGE} (bash scripts/build-standin.sh)`;
    if (!process.env.DBUS_SESSION_BUS_ADDRESS && spawnSync('which', ['dbus-run-session', 'gnome-keyring-daemon'], { stdio: 'ignore' }).status !== 0) {
      return 'needs a Secret Service (dbus-run-session and gnome-keyring-daemon)';
    }
    return true;
  },
  async run(): Promise<BenchResult[]> {
    const rounds = process.env.DBUS_SESSION_BUS_ADDRESS ? await measure() : await measureInKeyringSession();
    const ms = (k: keyof Round) => rounds.map((r) => r[k].toFixed(0)).join('/');
    const base = `${rounds.length} rounds, poll ${HEALTH_POLL_MS} ms both sides; docker run ms ${ms('dockerMs')}`;
    return [
      {
        name: 'gatehouse start (compiled CLI, spawn to exit) ÷ docker run + poll (median)',
        value: median(rounds.map((r) => r.cliMs / r.dockerMs)),
        unit: '×',
        target: TARGET,
        better: 'lower',
        detail: `${base}; CLI ms ${ms('cliMs')}`,
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

if (require.main === module && process.argv.includes('--measure')) {
  measure().then(
    (rounds) => {
      process.stdout.write(`ROUNDS ${JSON.stringify(rounds)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
      process.exit(1);
    },
  );
}

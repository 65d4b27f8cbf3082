/**
 * What the bench modules share: statistics, free ports, timed child processes, cleanup of a
 * bench stack by label, and the D-Bus session with a throw-away keyring that every module using
 * the real keychain measures in.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { LABELS } from '../electron/core/engine/labels';

export const ROOT = path.resolve(__dirname, '..');

/** The LiteLLM stand-in without a HEALTHCHECK, like LiteLLM's own images. */
export const STANDIN_PLAIN = 'gatehouse-test/litellm-standin:plain';
/** The stand-in with the seed image's HEALTHCHECK and its timing (30 s interval, no start period). */
export const STANDIN_SEED = 'gatehouse-test/litellm-standin:seed';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Nearest-rank percentile (p in 0–100). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** A port nobody listens on right now (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface BenchStack {
  stack: string;
  home: string;
  port: number;
  /** GATEHOUSE_* for this stack: its own home, keychain service, port and image. */
  env: NodeJS.ProcessEnv;
}

/** A bench run's own stack name, temp home, keychain service and free port (removed by the caller). */
export async function benchStack(area: string, image: string): Promise<BenchStack> {
  const stack = `b-${area}-${crypto.randomBytes(3).toString('hex')}`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `gh-bench-${area}-`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_HOME: home,
    GATEHOUSE_STACK: stack,
    GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-bench-${stack}`,
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_IMAGE: image,
  };
  return { stack, home, port, env };
}

/**
 * Runs a command to its exit (killed after `timeoutMs`); resolves with the wall time in ms and its
 * output. `input`, when given, is written to its stdin (how a secret reaches `docker secret create -`).
 */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000, input?: string): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdin?.end(input);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`));
      else resolve({ ms, out });
    });
  });
}

/** The build step that produces what bin/gatehouse.js runs (part of `npm run build`). */
export function buildCli(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/build-cli.mjs failed');
}

/** What every side polls with, Gatehouse's own poll interval (services/health.ts HEALTH_POLL_MS). */
export const POLL_MS = 50;

/** One GET with a hard timeout: the HTTP status, or 0 for any network error (refused, reset, timeout). */
export function getStatus(url: string, key?: string, timeoutMs = 1500): Promise<number> {
  return new Promise((resolve) => {
    const headers = key ? { authorization: `Bearer ${key}` } : undefined;
    const req = http.get(url, { headers, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

/**
 * The readiness poll of the baselines, what a user scripting `docker run` would check: every
 * POLL_MS, /health/liveliness answers 200, then /v1/models answers 401 without the key and 200
 * with it. Resolves when all three hold; throws after `timeoutMs`.
 */
export async function pollReady(base: string, key: string, timeoutMs = 60_000): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    if ((await getStatus(`${base}/health/liveliness`)) === 200 && (await getStatus(`${base}/v1/models`)) === 401 && (await getStatus(`${base}/v1/models`, key)) === 200) return;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${base} was not ready within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

/** Docker's health status of a container ("starting", "healthy", …; "none" without a HEALTHCHECK). */
export async function dockerHealth(docker: Docker, id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  return info.State.Health?.Status ?? 'none';
}

/** The Engine API version the daemon speaks, e.g. "1.41". */
export async function engineApiVersion(docker: Docker): Promise<string> {
  return ((await docker.version()) as { ApiVersion: string }).ApiVersion;
}

/** Removes every container, network and volume labelled with this bench stack (only those). */
/** Removes the stack's containers only: its network and volume stay, as a stop or a rotation leaves them. */
export async function removeStackContainers(docker: Docker, stack: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${stack}`] } })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

export async function removeStack(docker: Docker, stack: string): Promise<void> {
  const filters = { label: [`${LABELS.stack}=${stack}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
}

/** Why a module that needs Docker, `image` and a Secret Service cannot run here; true when it can. */
export function needsDockerAndKeyring(image: string): true | string {
  if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0) return `needs Docker and the stand-in image ${image} (bash scripts/build-standin.sh)`;
  return needsKeyring();
}

export function needsKeyring(): true | string {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS && spawnSync('which', ['dbus-run-session', 'gnome-keyring-daemon'], { stdio: 'ignore' }).status !== 0) {
    return 'needs a Secret Service (dbus-run-session and gnome-keyring-daemon)';
  }
  return true;
}

const RESULT_PREFIX = 'BENCH-RESULT ';

/**
 * Runs `measure` where the real keychain works: in this process when a D-Bus session is already
 * there, otherwise in a child (`tsx <moduleFile> --measure`) inside dbus-run-session with a fresh
 * unlocked gnome-keyring in its own XDG_DATA_HOME, as the tests do. The child reports through
 * `reportMeasurement`.
 */
export function inKeyringSession<T>(moduleFile: string, measure: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  if (process.env.DBUS_SESSION_BUS_ADDRESS) return measure();
  return new Promise((resolve, reject) => {
    const dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-bench-keyring-'));
    const script = `echo -n gatehouse-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec '${process.execPath}' --import tsx '${moduleFile}' --measure`;
    const child = spawn('dbus-run-session', ['--', 'bash', '-c', script], {
      cwd: ROOT,
      env: { ...process.env, XDG_DATA_HOME: dataHome },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fs.rmSync(dataHome, { recursive: true, force: true });
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) return reject(new Error(`the measurement in ${path.basename(moduleFile)} failed (exit ${code}): ${out.slice(-500)}`));
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}

/** The child side of `inKeyringSession`: when run with --measure, measures and prints the result. */
export function reportMeasurement<T>(measure: () => Promise<T>): void {
  if (!process.argv.includes('--measure')) return;
  measure().then(
    (result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}

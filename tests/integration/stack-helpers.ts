/**
 * Shared plumbing for the stack integration tests: unique names, free ports, the CLI as a user
 * runs it, and cleanup by label (only this test's objects, never anyone else's).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { SettingsPatch } from '../../shared/api';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { LABELS } from '../../electron/core/engine/labels';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PLAIN = 'gatehouse-test/litellm-standin:plain';
export const SEED = 'gatehouse-test/litellm-standin:seed';
export const docker = new Docker();

export function rand(): string {
  return crypto.randomBytes(4).toString('hex');
}

/** A port nobody listens on right now (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestStack {
  stack: string;
  service: string;
  home: string;
  port: number;
  env: NodeJS.ProcessEnv;
  /** Writes settings.json in this stack's GATEHOUSE_HOME (merged over what is there). */
  writeSettings(patch: SettingsPatch): void;
  masterKey(): Promise<string | null>;
  cleanup(): Promise<void>;
}

export async function testStack(area: string, image = PLAIN, extraEnv: NodeJS.ProcessEnv = {}): Promise<TestStack> {
  const stack = `t-${area}-${rand()}`;
  const service = `gatehouse-test-${stack}`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `gh-${area}-`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_HOME: home,
    GATEHOUSE_STACK: stack,
    GATEHOUSE_KEYCHAIN_SERVICE: service,
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_IMAGE: image,
    ...extraEnv,
  };
  const store = new KeytarSecretStore(service);
  return {
    stack,
    service,
    home,
    port,
    env,
    writeSettings(patch) {
      const file = path.join(home, 'settings.json');
      const cur = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
      fs.writeFileSync(file, JSON.stringify({ ...cur, ...patch }, null, 2));
    },
    masterKey: () => store.get(ACCOUNTS.masterKey),
    async cleanup() {
      await removeStackObjects(stack);
      for (const account of Object.values(ACCOUNTS)) await store.delete(account).catch(() => false);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Removes every container, network and volume labelled with this stack (and nothing else). */
export async function removeStackObjects(stack: string): Promise<void> {
  const filters = { label: [`${LABELS.stack}=${stack}`] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    // v: anonymous volumes of the test's own containers go with them.
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters })) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  const vols = await docker.listVolumes({ filters });
  for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
}

export async function stackContainers(stack: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${stack}`] } });
}

export async function stackNetworks(stack: string): Promise<string[]> {
  return (await docker.listNetworks({ filters: { label: [`${LABELS.stack}=${stack}`] } })).map((n) => n.Name);
}

export async function stackVolumes(stack: string): Promise<string[]> {
  const vols = await docker.listVolumes({ filters: { label: [`${LABELS.stack}=${stack}`] } });
  return (vols.Volumes ?? []).map((v) => v.Name);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `gatehouse …` as a user would from a checkout (node + tsx), bounded in time. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, options: { timeoutMs?: number; wrap?: string[] } = {}): Promise<CliResult> {
  const cmd = [...(options.wrap ?? []), process.execPath, '--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), ...args];
  return runCommand(cmd, env, options.timeoutMs ?? 60_000, `gatehouse ${args.join(' ')}`);
}

/**
 * Runs a command in the checkout, collecting its output; killed (and an error) past `timeoutMs`.
 * `input`, when given, is written to its stdin (otherwise stdin is closed).
 */
export function runCommand(cmd: string[], env: NodeJS.ProcessEnv, timeoutMs: number, what: string, input?: string): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0] as string, cmd.slice(1), { cwd: ROOT, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] as const });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin?.end(input);
  });
}

/** Every file under `dir`, read as text (for "the key is in no file" checks). */
export function readAllFiles(dir: string): string {
  let out = '';
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out += e.isDirectory() ? readAllFiles(p) : fs.readFileSync(p, 'utf8');
  }
  return out;
}

/**
 * Plumbing for the key-lifecycle integration tests (rotation, copy, import, Claude token):
 * a CLI runner that can feed stdin and reports the killing signal, a private X server with a
 * real clipboard, and probes that never print a key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { httpGet } from '../../electron/core/services/http-probe';
import { ROOT } from './stack-helpers';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse …` from the checkout (node + tsx) with optional stdin, bounded in time. */
export function gatehouse(args: string[], env: NodeJS.ProcessEnv, options: { input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const limit = options.timeoutMs ?? 90_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gatehouse ${args.join(' ')} did not finish within ${limit} ms\nstderr: ${stderr}`));
    }, limit);
    child.on('error', reject);
    // 'exit', not 'close': `key copy` leaves a detached helper (and xclip) that may hold inherited pipes.
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, signal, stdout, stderr });
      }, 50);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** HTTP status of GET /v1/models with this key (null = no key); -1 when nothing answers. */
export async function authStatus(port: number, key: string | null): Promise<number> {
  try {
    const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
    return (await httpGet(`http://127.0.0.1:${port}/v1/models`, { timeoutMs: 3000, headers })).status;
  } catch {
    return -1;
  }
}

export function readStateSection<T>(home: string, section: string): T | undefined {
  const file = path.join(home, 'state.json');
  if (!fs.existsSync(file)) return undefined;
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, T>)[section] ?? undefined;
}

/** The rotation journal (its own file next to state.json); undefined when no rotation is in flight. */
export function readJournalFile<T>(home: string): T | undefined {
  const file = path.join(home, 'rotation-journal.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export interface XServer {
  display: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** A private Xvfb on a display number it picks itself (-displayfd), so parallel runs never collide. */
export function startXvfb(): Promise<XServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '640x480x24'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Xvfb did not start within 10 s: ${err}`));
    }, 10_000);
    child.on('error', reject);
    fd3.on('data', (c: Buffer) => {
      out += c.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const display = ':' + out.trim();
      resolve({
        display,
        env: { ...process.env, DISPLAY: display, WAYLAND_DISPLAY: '' },
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Polls until `fn` returns true or the time is up; returns the last answer. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * A one-file tar archive (ustar) owned by uid/gid 1000 (the image's claude user), enough for
 * Docker's putArchive into the credentials volume.
 */
export function tarWith(name: string, content: string, mode: number): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(mode.toString(8).padStart(7, '0') + '\0', 100);
  header.write('0001750\0', 108);
  header.write('0001750\0', 116);
  header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, pad, Buffer.alloc(1024)]);
}

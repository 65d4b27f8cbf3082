import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import type { ClipboardState } from '../../../shared/api';
import { StateStore } from '../state-store';
import { INACTIVE_CLIPBOARD, clearIfStillHolds } from './clipboard';
import { SystemClipboard } from './clipboard-system';

/**
 * The auto-clear of `gatehouse key copy`. A CLI process cannot stay 30 s in a script, so it hands
 * the countdown to this small detached process and exits. The helper is given the SHA-256 of the
 * key (never the key) on a stdin pipe, not in argv or the environment, so `ps` and /proc show
 * nothing of it. When the time comes it clears the clipboard only if it still holds the key and
 * only if no later `key copy` took over (state.json section "clipboard" names the newest copy),
 * then exits. It inherits the session's DISPLAY / WAYLAND_DISPLAY to reach the same clipboard.
 */

const SECTION = 'clipboard';

export interface ClipboardRecord {
  copyId: string;
  clearsAt: string;
}

interface HelperOrder {
  hash: string;
  copyId: string;
  clearsAt: string;
  home: string;
}

export function clipboardStateFrom(record: ClipboardRecord | undefined | null, now = Date.now()): ClipboardState {
  if (!record) return INACTIVE_CLIPBOARD;
  const left = Date.parse(record.clearsAt) - now;
  if (!(left > 0)) return INACTIVE_CLIPBOARD;
  return { active: true, clearsAt: record.clearsAt, secondsLeft: Math.ceil(left / 1000) };
}

/** Starts the detached helper for a copy just made; returns the countdown it holds. */
export async function scheduleDetachedClear(options: { hash: string; clearSeconds: number; home: string; env: NodeJS.ProcessEnv }): Promise<ClipboardState> {
  const copyId = crypto.randomBytes(8).toString('hex');
  const clearsAt = new Date(Date.now() + options.clearSeconds * 1000).toISOString();
  const state = new StateStore({ home: options.home });
  await state.update<ClipboardRecord>(SECTION, () => ({ copyId, clearsAt }));
  // Run this same file with the same Node flags (under tsx from a checkout, plain in dist).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test') && !a.startsWith('--inspect'));
  const child = spawn(process.execPath, [...execArgv, __filename, '--clipboard-clear-helper'], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: options.env,
    cwd: path.dirname(__filename),
    windowsHide: true,
  });
  const order: HelperOrder = { hash: options.hash, copyId, clearsAt, home: options.home };
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdin!.end(JSON.stringify(order) + '\n', () => resolve());
  });
  child.unref();
  return clipboardStateFrom({ copyId, clearsAt });
}

async function readStdin(): Promise<string> {
  let data = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) data += chunk as string;
  return data;
}

export async function helperMain(): Promise<void> {
  const order = JSON.parse(await readStdin()) as HelperOrder;
  const wait = Math.max(0, Date.parse(order.clearsAt) - Date.now());
  await new Promise((r) => setTimeout(r, wait));
  const state = new StateStore({ home: order.home });
  const current = await state.read<ClipboardRecord>(SECTION);
  if (current && current.copyId !== order.copyId) return; // a newer copy owns the countdown now
  try {
    await clearIfStillHolds(new SystemClipboard(), order.hash);
  } finally {
    await state.update<ClipboardRecord | null>(SECTION, (cur) => (cur && cur.copyId === order.copyId ? null : (cur ?? null)));
  }
}

if (require.main === module && process.argv.includes('--clipboard-clear-helper')) {
  helperMain().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}

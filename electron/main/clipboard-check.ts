import { execFile } from 'node:child_process';
import crypto from 'node:crypto';

/**
 * Checks that a copy of the key really reached the system clipboard. On Wayland a clipboard
 * write from a window without keyboard focus (the tray's "Copy key") is dropped by the
 * compositor, while Electron's own readText() still returns Chromium's copy; so the check reads
 * through another client (wl-paste) instead. Plain Node, tested in Node.
 */

export function isWaylandSession(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  return platform === 'linux' && Boolean(env.WAYLAND_DISPLAY);
}

export type IndependentRead = { kind: 'text'; text: string } | { kind: 'empty' } | { kind: 'unavailable'; reason: string };

/** The clipboard as another Wayland client sees it (wl-paste from wl-clipboard). */
export function readThroughWlPaste(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<IndependentRead> {
  return new Promise((resolve) => {
    execFile('wl-paste', ['--no-newline', '--type', 'text/plain'], { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout === '' ? { kind: 'empty' } : { kind: 'text', text: stdout });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ kind: 'unavailable', reason: 'wl-paste (wl-clipboard) is not installed' });
      // wl-paste exits 1 with "No selection" / "Nothing is copied" when the clipboard is empty.
      if (/no selection|nothing is copied|no suitable type/i.test(String(stderr))) return resolve({ kind: 'empty' });
      resolve({ kind: 'unavailable', reason: `wl-paste failed (${String(stderr).trim().slice(0, 120) || err.message})` });
    });
  });
}

export type CopyVerdict = { ok: true } | { ok: false; why: string };

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Whether the copy of the secret with this SHA-256 is on the clipboard. An unverifiable copy
 * counts only when it came from the focused window (the compositor accepts those).
 */
export function judgeCopy(read: IndependentRead, expectedHash: string, windowFocused: boolean): CopyVerdict {
  if (read.kind === 'text' && sha256(read.text) === expectedHash) return { ok: true };
  if (read.kind === 'unavailable') {
    return windowFocused ? { ok: true } : { ok: false, why: `Gatehouse could not check the clipboard: ${read.reason}.` };
  }
  return { ok: false, why: 'The Wayland compositor did not accept the copy (it takes clipboard writes only from the window in front).' };
}

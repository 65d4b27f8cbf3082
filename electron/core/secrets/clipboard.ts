import crypto from 'node:crypto';
import type { ClipboardState, Settings } from '../../../shared/api';

/**
 * The system clipboard as the core sees it. The CLI and tests use the platform's own commands
 * (clipboard-system.ts); the desktop app supplies one over Electron's clipboard module with the
 * same shape.
 */
export interface ClipboardBackend {
  /** What it is, for messages: "xclip (X11)", "Electron clipboard", … */
  readonly name: string;
  /**
   * Puts the text on the clipboard, marked as a secret where the platform and the backend can
   * (so clipboard managers and history skip it). Returns whether the marker was set.
   */
  writeSecret(text: string): Promise<{ concealed: boolean }>;
  /** The clipboard's text, or null when it holds no text. */
  readText(): Promise<string | null>;
  /** Empties the clipboard. */
  clear(): Promise<void>;
}

/** The clipboard is compared with the key by hash, so the guard never keeps the key itself. */
export function secretHash(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Clears the clipboard only if it still holds the secret with this hash: a later copy by the user is left alone. */
export async function clearIfStillHolds(backend: ClipboardBackend, hash: string): Promise<boolean> {
  const now = await backend.readText();
  if (now === null || secretHash(now) !== hash) return false;
  await backend.clear();
  return true;
}

export const INACTIVE_CLIPBOARD: ClipboardState = { active: false, clearsAt: null, secondsLeft: null };

/**
 * Copy with auto-clear inside a long-lived process (the desktop app): the secret goes to the
 * clipboard, a countdown runs (pushed as ClipboardState every second), and when it ends — or the
 * app quits (dispose) — the clipboard is cleared if it still holds the secret. A short-lived
 * process (the CLI) hands the countdown to a detached helper instead (clipboard-clear-helper.ts).
 */
export class ClipboardGuard {
  private hash: string | null = null;
  private copiedAt: number | null = null;
  private clearsAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly backend: ClipboardBackend,
    private readonly onState: (state: ClipboardState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  state(): ClipboardState {
    if (this.hash === null || this.clearsAt === null) return INACTIVE_CLIPBOARD;
    return {
      active: true,
      clearsAt: new Date(this.clearsAt).toISOString(),
      secondsLeft: Math.max(0, Math.ceil((this.clearsAt - this.now()) / 1000)),
    };
  }

  /** Copies the secret and schedules the clear; a second copy restarts the countdown. */
  async copy(secret: string, clearSeconds: number): Promise<ClipboardState & { concealed: boolean }> {
    this.stopTimers();
    const { concealed } = await this.backend.writeSecret(secret);
    this.hash = secretHash(secret);
    this.copiedAt = this.now();
    this.schedule(this.copiedAt + clearSeconds * 1000);
    this.ticker = setInterval(() => this.onState(this.state()), 1000);
    const state = this.state();
    this.onState(state);
    return { ...state, concealed };
  }

  private schedule(clearsAt: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.clearsAt = clearsAt;
    this.timer = setTimeout(() => void this.clearNow(), Math.max(0, clearsAt - this.now()));
  }

  /**
   * The clear time changed (settings): a countdown under way now ends `clearSeconds` after its
   * copy, so shortening the setting also shortens how long the key already copied stays there.
   */
  setClearSeconds(clearSeconds: number): void {
    if (this.hash === null || this.copiedAt === null) return;
    this.schedule(this.copiedAt + clearSeconds * 1000);
    this.onState(this.state());
  }

  /** Follows `clipboardClearSeconds` as it changes; returns the unsubscribe. */
  followSettings(events: { on(event: 'settings:changed', listener: (s: Settings) => void): () => void }): () => void {
    return events.on('settings:changed', (s) => this.setClearSeconds(s.clipboardClearSeconds));
  }

  /** Clears now if the clipboard still holds the secret; ends the countdown either way. */
  async clearNow(): Promise<boolean> {
    const hash = this.hash;
    this.stopTimers();
    this.hash = null;
    this.copiedAt = null;
    this.clearsAt = null;
    this.onState(INACTIVE_CLIPBOARD);
    if (hash === null) return false;
    try {
      return await clearIfStillHolds(this.backend, hash);
    } catch {
      // The clipboard went away (display closed, app quitting): nothing is left to clear.
      return false;
    }
  }

  /** On quit: clear a clipboard that still holds the secret. */
  async dispose(): Promise<void> {
    await this.clearNow();
  }

  private stopTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.timer = null;
    this.ticker = null;
  }
}

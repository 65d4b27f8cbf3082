/**
 * How the app quits. A quit the user asks for (tray Quit, Cmd+Q) is held back briefly so the
 * clipboard is cleared and, if configured, the gateway stopped. A quit the OS asks for (logout,
 * restart, shutdown) is never held back: Electron would answer the OS with a cancel, and macOS
 * tells the user the app interrupted the logout. Then the clipboard is cleared synchronously,
 * before the handler returns, and the quit goes through. Plain Node, tested in Node.
 *
 * Electron 45's clipboard reads are asynchronous (readText returns a Promise), so a quit the OS
 * asks for cannot first check that the clipboard still holds the key: while the auto-clear
 * countdown runs it clears unconditionally (a later copy by the user may go with it).
 */
export interface BeforeQuitPlan {
  /** Clear a clipboard that still holds the key, synchronously, now. */
  clearClipboardNow: boolean;
  /** Call event.preventDefault() on before-quit. */
  preventDefault: boolean;
  /** Start the asynchronous clean-up, which ends the app itself when done. */
  startCleanup: boolean;
}

export class QuitCoordinator {
  private sessionEnding = false;
  private cleanup: 'idle' | 'running' | 'done' = 'idle';

  /** The OS is ending the session (powerMonitor 'shutdown', a window's 'session-end' on Windows). */
  osSessionEnding(): void {
    this.sessionEnding = true;
  }

  get endingWithSession(): boolean {
    return this.sessionEnding;
  }

  /** What to do on one 'before-quit' event. */
  beforeQuit(): BeforeQuitPlan {
    if (this.sessionEnding) return { clearClipboardNow: true, preventDefault: false, startCleanup: false };
    if (this.cleanup === 'done') return { clearClipboardNow: false, preventDefault: false, startCleanup: false };
    if (this.cleanup === 'running') return { clearClipboardNow: false, preventDefault: true, startCleanup: false };
    this.cleanup = 'running';
    return { clearClipboardNow: false, preventDefault: true, startCleanup: true };
  }

  /** The clean-up finished (or timed out): the next before-quit lets the quit through. */
  cleanupDone(): void {
    this.cleanup = 'done';
  }
}

/** The synchronous part of Electron's clipboard module. */
export interface SyncClearable {
  clear(): void;
}

/**
 * Clears the clipboard now, without awaiting anything (the OS may end the process as soon as
 * the handler returns), if the key's auto-clear countdown is still running.
 */
export function clearNowIfKeyMayBeThere(clipboard: SyncClearable, countdownActive: boolean): boolean {
  if (!countdownActive) return false;
  clipboard.clear();
  return true;
}

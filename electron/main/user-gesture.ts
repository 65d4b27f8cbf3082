/**
 * Main's half of the user-gesture rule for the calls that hand out the master key (the preload
 * checks `navigator.userActivation.isActive`; see USER_GESTURE_CHANNELS). Main cannot read the
 * page's activation state, so it keeps its own record of the real input the OS delivered to the
 * window (webContents 'input-event'; a page cannot forge those) and allows the call only within
 * the same window of time Chromium grants a transient activation. Plain Node, tested in Node.
 */

/** Chromium's transient user activation lasts 5 s after the input that granted it. */
export const USER_ACTIVATION_MS = 5000;

/** The input events that grant activation in Chromium (HTML's "activation triggering input events"). */
const ACTIVATING = new Set(['mouseDown', 'rawKeyDown', 'keyDown', 'pointerDown', 'touchEnd', 'gestureTap']);

/** What the ledger reads of Electron's InputEvent / KeyboardInputEvent. */
export interface InputEventLike {
  type: string;
  keyCode?: string;
}

export class UserInputLedger {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly lifetimeMs = USER_ACTIVATION_MS) {}

  /** Records one input event the window received; only activating ones count. */
  note(event: InputEventLike, now = Date.now()): void {
    if (!ACTIVATING.has(event.type)) return;
    // Escape does not activate in Chromium (it is how users back out of things).
    if ((event.type === 'rawKeyDown' || event.type === 'keyDown') && event.keyCode === 'Escape') return;
    this.last = now;
  }

  /** Whether the user acted on the window within the activation lifetime. */
  recent(now = Date.now()): boolean {
    return now >= this.last && now - this.last <= this.lifetimeMs;
  }

  /** The window lost focus or was closed: input seen before no longer vouches for anything. */
  forget(): void {
    this.last = Number.NEGATIVE_INFINITY;
  }
}

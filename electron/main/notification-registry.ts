/**
 * Keeps each shown notification alive until the user clicks or dismisses it. Electron holds
 * only a weak reference to a Notification: one kept in nothing but a local variable is garbage
 * collected, and its 'click' (open the window) never fires. Plain Node, tested in Node.
 */

/** The part of Electron's Notification the registry uses. */
export interface NotificationLike {
  on(event: 'click' | 'close' | 'failed', listener: (...args: unknown[]) => void): unknown;
  show(): void;
}

export class NotificationRegistry<N extends NotificationLike> {
  private readonly live = new Set<N>();

  /**
   * 'close' is not guaranteed on every platform (a notification can sit in the notification
   * centre for days), so only the newest `limit` are held; older ones may lose their click.
   */
  constructor(private readonly limit = 32) {}

  /** Shows the notification and holds it until 'click', 'close' or 'failed'. */
  show(note: N, onClick: () => void): void {
    this.live.add(note);
    if (this.live.size > this.limit) this.live.delete(this.live.values().next().value as N);
    note.on('click', () => {
      this.live.delete(note);
      onClick();
    });
    note.on('close', () => this.live.delete(note));
    note.on('failed', () => this.live.delete(note));
    note.show();
  }

  get size(): number {
    return this.live.size;
  }

  /** On quit: let go of everything still shown. */
  clear(): void {
    this.live.clear();
  }
}

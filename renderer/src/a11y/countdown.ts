/**
 * The value a live region shows for a countdown: the full time at the start, then each
 * `every`-second mark, then 0 — so a screen reader hears a few updates, not one per second.
 */
export function announcedMark(secondsLeft: number, total: number, every = 10): number {
  if (secondsLeft <= 0) return 0;
  return Math.min(total, Math.ceil(secondsLeft / every) * every);
}

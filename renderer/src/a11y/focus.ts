/** The id every view's h1 carries: where focus goes after a view change. */
export const VIEW_TITLE_ID = 'view-title';

/** Moves focus to the current view's heading (or screen heading), after React has drawn it. */
export function focusViewHeading(): void {
  focusSoon(() => document.getElementById(VIEW_TITLE_ID));
}

/**
 * Focuses what `target` returns once the pending render is on screen. Used after an action that
 * removes or replaces the focused control, so focus never falls back to <body>.
 */
export function focusSoon(target: () => HTMLElement | null | undefined): void {
  setTimeout(() => target()?.focus(), 0);
}

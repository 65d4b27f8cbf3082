/**
 * The window's navigation rule: the main frame may only ever show the app's own page. Electron
 * 45 passes the target in the event's `details.url` (the separate `url` argument is deprecated).
 * Plain Node, tested in Node.
 */
export interface WillNavigateDetails {
  url: string;
}

export function mayNavigate(details: WillNavigateDetails, appUrl: string): boolean {
  let target: URL;
  try {
    target = new URL(details.url);
  } catch {
    return false;
  }
  return target.href === new URL(appUrl).href;
}

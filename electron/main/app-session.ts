import type { AppHardening } from '../../shared/api';
import type { Gatehouse } from '../core/gatehouse';

/**
 * The long-running work the desktop app does on top of the core, in one place for main.ts and
 * the e2e harness: status from Docker events, the log follower, and the app's own hardening
 * reported to the security checks. Plain Node; returns the function that stops it all.
 */
export function startAppSession(core: Gatehouse, hardening: () => AppHardening | null): () => Promise<void> {
  const abort = new AbortController();
  core.security.setAppHardeningProvider(hardening);
  // Docker down at launch is not fatal: the window shows the trouble screen, the follower keeps
  // reconnecting by itself, and status watching is retried until it attaches.
  let watchTimer: NodeJS.Timeout | null = null;
  const watch = (): void => {
    core.stack.watch().catch(() => {
      if (!abort.signal.aborted) watchTimer = setTimeout(watch, 3000);
    });
  };
  watch();
  const following = core.logs.follow({ signal: abort.signal }).catch(() => undefined);
  return async () => {
    abort.abort();
    if (watchTimer) clearTimeout(watchTimer);
    await following;
  };
}

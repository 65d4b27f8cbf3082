import { execFile } from 'node:child_process';

/**
 * Whether a tray icon can be seen. On Linux, Electron's tray is a StatusNotifierItem; GNOME ships
 * no StatusNotifierWatcher, so there the icon never appears and "close to tray" would leave an
 * app running with no way back to it. Then closing the last window quits. Plain Node.
 */
export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

/** Reads dbus-send's reply to NameHasOwner (`   boolean true`); null when it is not one. */
export function parseNameHasOwnerReply(stdout: string): boolean | null {
  const m = /^\s*boolean (true|false)\s*$/m.exec(stdout);
  return m ? m[1] === 'true' : null;
}

/** Asks the session bus whether a StatusNotifierWatcher is there; null when the bus cannot be asked. */
export function hasStatusNotifierWatcher(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1500): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${STATUS_NOTIFIER_WATCHER}`],
      { env, timeout: timeoutMs },
      (err, stdout) => resolve(err ? null : parseNameHasOwnerReply(String(stdout))),
    );
  });
}

export type CloseBehaviour = 'keep-running-in-tray' | 'quit';

/**
 * What closing the last window does. macOS keeps apps running without windows (dock icon);
 * Windows always has a notification area. On Linux, only with a watcher; when the bus could not
 * be asked (null), the icon may still show through an older tray protocol, so the app stays.
 */
export function closeBehaviour(platform: NodeJS.Platform, watcher: boolean | null): CloseBehaviour {
  if (platform !== 'linux') return 'keep-running-in-tray';
  return watcher === false ? 'quit' : 'keep-running-in-tray';
}

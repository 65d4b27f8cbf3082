/**
 * What one start of the app binary is for. The installed packages carry no Node, and the
 * runAsNode fuse is off, so the app binary itself is the installed `gatehouse` command: given a
 * CLI command it runs the CLI in its main process and exits with the CLI's code, before the
 * single-instance lock (a running window must not swallow a script's command). Without one it is
 * the desktop app. Plain Node, tested in Node.
 *
 * process.argv of the app binary: [binary, ...arguments] when packaged; [electron, appPath,
 * ...arguments] when started as `electron .` (process.defaultApp). Chromium's own switches
 * (--no-sandbox, --ozone-platform=…, --user-data-dir=…, macOS's -psn_…) may come anywhere
 * before the command; they are not the CLI's.
 */

export type LaunchMode =
  | { kind: 'gui' }
  | { kind: 'cli'; args: string[] }
  /** The detached clipboard-clear helper `gatehouse key copy` starts (it runs the app binary again). */
  | { kind: 'clipboard-helper' };

export const CLIPBOARD_HELPER_FLAG = '--clipboard-clear-helper';

/** Words that are the CLI's without being a command: help and version. */
const CLI_WORDS = new Set(['help', '--help', '-h', 'version', '--version', '-V']);

export interface LaunchContext {
  /** process.defaultApp: started as `electron <appPath>`, so argv[1] is the app, not an argument. */
  defaultApp: boolean;
  /** The first word of every CLI command (`start`, `key`, `logs`, …). */
  commandWords: ReadonlySet<string>;
}

/** The arguments given to the app itself: the binary (and, unpackaged, the app path) removed. */
export function appArguments(argv: readonly string[], defaultApp: boolean): string[] {
  const rest = argv.slice(1);
  if (!defaultApp) return rest;
  // `electron [switches] <appPath> …`: the first non-switch is the app path.
  const at = rest.findIndex((a) => !a.startsWith('-'));
  return at < 0 ? [] : [...rest.slice(0, at), ...rest.slice(at + 1)];
}

export function decideLaunch(argv: readonly string[], ctx: LaunchContext): LaunchMode {
  const args = appArguments(argv, ctx.defaultApp);
  if (args.includes(CLIPBOARD_HELPER_FLAG)) return { kind: 'clipboard-helper' };
  const at = args.findIndex((a) => CLI_WORDS.has(a) || !a.startsWith('-'));
  if (at < 0) return { kind: 'gui' };
  const first = args[at]!;
  // A positional that is no command (a file a desktop entry passed, a URL) opens the app.
  if (!CLI_WORDS.has(first) && !ctx.commandWords.has(first)) return { kind: 'gui' };
  return { kind: 'cli', args: args.slice(at) };
}

/** The first words of the CLI's command paths (`[['key', 'copy'], ['start']]` → {key, start}). */
export function commandWordsOf(commands: ReadonlyArray<{ path: readonly string[] }>): Set<string> {
  return new Set(commands.map((c) => c.path[0]).filter((w): w is string => typeof w === 'string'));
}

/**
 * Chromium needs a display even when no window opens. On Linux with neither DISPLAY nor
 * WAYLAND_DISPLAY (an ssh session, a server), the CLI relaunches the binary once with Chromium's
 * display-less switches; null when no relaunch is needed (or it already happened).
 */
export function headlessRelaunchArgs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, argv: readonly string[]): string[] | null {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  const given = argv.slice(1);
  if (given.some((a) => a === '--headless' || a.startsWith('--headless=') || a.startsWith('--ozone-platform='))) return null;
  return ['--headless', '--ozone-platform=headless', '--disable-gpu', ...given];
}

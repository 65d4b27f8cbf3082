/**
 * The Electron main process: one hardened window, the tray, native notifications, and the IPC
 * registration over the core. It is also the installed `gatehouse` command: given CLI arguments
 * it runs the CLI and exits (launch-mode.ts). Everything with logic lives in plain-Node modules
 * next to this one (ipc-main, ipc-handlers, notification-rules, tray-state, quit-plan, …); this
 * file only wires Electron in.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, Notification, powerMonitor, shell } from 'electron';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { StackState } from '../../shared/api';
import { COMMANDS } from '../cli/commands';
import { main as runCli } from '../cli/main';
import { toErrorPayload } from '../core/errors';
import { Gatehouse } from '../core/gatehouse';
import { gatehouseHome } from '../core/paths';
import { ClipboardGuard } from '../core/secrets/clipboard';
import { helperMain } from '../core/secrets/clipboard-clear-helper';
import { APP_ID, PRODUCT_NAME, chromiumDataDir } from './app-identity';
import { appMenuTemplate } from './app-menu';
import { startAppSession } from './app-session';
import { ElectronClipboardBackend } from './clipboard-backend';
import { copyKeyToClipboard, createHandlers } from './ipc-handlers';
import { forwardEvents, registerIpc, trustedPageGate, type InvokeHandlers } from './ipc-main';
import { commandWordsOf, decideLaunch, headlessRelaunchArgs, type LaunchMode } from './launch-mode';
import { NotificationRegistry } from './notification-registry';
import { NotificationRules, type NoticeText } from './notification-rules';
import { QuitCoordinator, clearNowIfKeyMayBeThere } from './quit-plan';
import { GatehouseTray } from './tray';
import { closeBehaviour, hasStatusNotifierWatcher, type CloseBehaviour } from './tray-host';
import { UserInputLedger } from './user-gesture';
import { createMainWindow, hardenSession, hardeningReport } from './window';

// dist/electron/main/main.js → dist/
const DIST = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// The installed command line: runs before anything of the desktop app (no single-instance lock,
// no window), then exits with the CLI's code.
// ---------------------------------------------------------------------------------------------

function exitAfterOutput(code: number): void {
  // Let buffered output reach a pipe before the process goes.
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) app.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

function runWithoutWindow(mode: Exclude<LaunchMode, { kind: 'gui' }>): void {
  app.dock?.hide();
  const relaunch = headlessRelaunchArgs(process.platform, process.env, process.argv);
  if (relaunch) {
    // No display: Chromium would stop before the command ran. Run again with its display-less switches.
    const r = spawnSync(process.execPath, relaunch, { stdio: 'inherit' });
    app.exit(r.status ?? 1);
    return;
  }
  if (mode.kind === 'clipboard-helper') {
    // `gatehouse key copy` started this binary again as its clipboard-clear helper.
    helperMain().then(
      () => app.exit(0),
      () => app.exit(1),
    );
    return;
  }
  runCli(mode.args, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(exitAfterOutput, (err: unknown) => {
    process.stderr.write(`gatehouse: ${String(err)}\n`);
    exitAfterOutput(1);
  });
}

// ---------------------------------------------------------------------------------------------
// The desktop app
// ---------------------------------------------------------------------------------------------

let core: Gatehouse | null = null;
let handlers: InvokeHandlers | null = null;
let win: BrowserWindow | null = null;
let appUrl = '';
let tray: GatehouseTray | null = null;
let gatewayUrl: string | null = null;
let keyClipboard: ClipboardGuard | null = null;
let stopSession: (() => Promise<void>) | null = null;
const windowFocused = (): boolean => win !== null && !win.isDestroyed() && win.isVisible() && win.isFocused();
const clipboardBackend = new ElectronClipboardBackend(windowFocused);
const rules = new NotificationRules();
const notifications = new NotificationRegistry<Notification>();
const quit = new QuitCoordinator();
const userInput = new UserInputLedger();

function notify(n: NoticeText | null): void {
  if (!n || !Notification.isSupported()) return;
  const note = new Notification({ title: n.title, body: n.body, urgency: n.urgent ? 'critical' : 'normal', silent: !n.urgent });
  notifications.show(note, showWindow);
}

/** Clears, synchronously, a clipboard that may still hold the key. */
function clearKeyFromClipboardNow(): void {
  clearNowIfKeyMayBeThere({ clear: () => clipboardBackend.clearSync() }, keyClipboard?.state().active === true);
}

/** The OS is ending the session: clear the key from the clipboard before returning, let the quit through. */
function onSessionEnding(): void {
  quit.osSessionEnding();
  clearKeyFromClipboardNow();
}

function showWindow(): void {
  if (!core || !handlers) return;
  if (!win || win.isDestroyed()) {
    const created = createMainWindow(DIST, () => gatewayUrl, !app.isPackaged);
    win = created.win;
    appUrl = created.appUrl;
    // Main's own record of real input, the second half of the gesture rule for the key.
    win.webContents.on('input-event', (_event, input) => userInput.note(input));
    win.on('blur', () => userInput.forget());
    win.on('closed', () => userInput.forget());
    // Windows tells windows, not the app, that the session ends.
    win.on('query-session-end', onSessionEnding);
    win.on('session-end', onSessionEnding);
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

async function lastWindowClosed(): Promise<CloseBehaviour> {
  return closeBehaviour(process.platform, process.platform === 'linux' ? await hasStatusNotifierWatcher() : null);
}

/** Tray actions run the same core calls as the window, so there is one path for each action. */
function runFromTray(action: () => Promise<unknown>, what: string): void {
  action().catch((err: unknown) => {
    const p = toErrorPayload(err);
    notify({ title: `${what} failed`, body: p.fix ? `${p.message} ${p.fix}` : p.message, urgent: true });
  });
}

async function boot(): Promise<void> {
  hardenSession();
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, PRODUCT_NAME)));
  nativeTheme.themeSource = 'system'; // the renderer follows prefers-color-scheme
  powerMonitor.on('shutdown', onSessionEnding); // Linux and macOS: reboot, shutdown, logout
  core = await Gatehouse.open({ watchSecurity: true });
  const c = core;
  const guard = new ClipboardGuard(clipboardBackend, (state) => c.events.emit('clipboard:state', state));
  guard.followSettings(c.events); // a changed clipboardClearSeconds also retimes a countdown under way
  keyClipboard = guard;

  handlers = createHandlers(c, {
    keyClipboard: guard,
    copyText: (text) => clipboardBackend.writeText(text),
    // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK the app:open-external handler calls this only with the href its allow-list returned
    openExternal: (url) => shell.openExternal(url),
    hardening: () => hardeningReport(win),
    revealAllowed: windowFocused,
    userGesture: () => windowFocused() && userInput.recent(),
    confirmImageChange: async (from, to) => {
      const opts = {
        type: 'warning' as const,
        title: 'Change the gateway image?',
        message: 'Run the gateway from another image?',
        detail: `The gateway image gets your master key and your Claude login.\n\nNow: ${from}\nNew: ${to}\n\nChange it only if you trust where the new image comes from.`,
        buttons: ['Keep the current image', 'Use the new image'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
      };
      const r = win && !win.isDestroyed() ? await dialog.showMessageBox(win, opts) : await dialog.showMessageBox(opts);
      return r.response === 1;
    },
    chooseExportPath: async (defaultName) => {
      const opts = { defaultPath: path.join(app.getPath('downloads'), defaultName) };
      const r = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    chooseEnvFile: async () => {
      // .env files are hidden files: show them, and start where compose projects usually live.
      const opts = {
        title: 'Import the master key from a docker-compose .env',
        defaultPath: app.getPath('home'),
        properties: ['openFile', 'showHiddenFiles'] as Array<'openFile' | 'showHiddenFiles'>,
      };
      const r = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
  });
  const h = handlers;

  // Only the main frame of our own index.html may call. appUrl is read at call time because the
  // window can be re-created (closed to the tray, then opened again).
  registerIpc(ipcMain, h, (event) => appUrl !== '' && trustedPageGate(appUrl)(event));
  forwardEvents(c.events, (channel, envelope) => {
    if (win && !win.isDestroyed()) win.webContents.send(channel, envelope);
  });

  tray = new GatehouseTray({
    start: () => runFromTray(() => h['stack:start'](), 'Starting the gateway'),
    stop: () => runFromTray(() => h['stack:stop'](), 'Stopping the gateway'),
    // A tray menu click is a gesture main saw itself, so the tray copies without the page's gate.
    copyKey: () =>
      runFromTray(async () => {
        const s = await copyKeyToClipboard(c, guard);
        notify({ title: 'Key copied', body: `The clipboard is cleared in ${s.secondsLeft ?? '?'} seconds.`, urgent: false });
      }, 'Copying the key'),
    open: showWindow,
    quit: () => app.quit(),
  });

  c.events.on('stack:status', (s) => {
    gatewayUrl = s.url;
    tray?.update(s.state);
    notify(rules.stackStatus(s));
  });
  c.events.on('warnings:new', (g) => notify(rules.warningsNew(g)));
  c.events.on('rotation:progress', (p) => notify(rules.rotation(p)));
  c.events.on('security:worsened', (checks) => notify(rules.securityWorsened(checks)));

  stopSession = startAppSession(c, () => (win ? hardeningReport(win) : null));
  showWindow();
  h['stack:status']()
    .then((s) => {
      gatewayUrl = s.url;
      tray?.update(s.state as StackState);
    })
    .catch(() => tray?.update(null)); // Docker down: the window's trouble screen explains it
}

/** Quit the user asked for: clear the clipboard if it still holds the key; stop the gateway only if asked to. */
async function shutdown(): Promise<void> {
  const c = core;
  if (!c) return;
  try {
    await keyClipboard?.dispose();
    const settings = await c.settings.get();
    if (settings.stopGatewayOnQuit && handlers) await handlers['stack:stop']().catch(() => undefined);
  } finally {
    await stopSession?.();
    await c.close();
    tray?.destroy();
    notifications.clear();
  }
}

function startDesktopApp(): void {
  // Every renderer sandboxed, including any a future feature opens.
  app.enableSandbox();
  // Toasts on Windows belong to the installed app only with the installer's AppUserModelID.
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  // Chromium's caches, cookies and LevelDB go beside the core's home, not into it (the plaintext
  // scan walks the home). A --user-data-dir given on the command line (tests) wins.
  if (!app.commandLine.hasSwitch('user-data-dir')) app.setPath('userData', chromiumDataDir(app.getPath('appData'), gatehouseHome()));

  if (!app.requestSingleInstanceLock()) {
    // Another Gatehouse is running: it gets the 'second-instance' event and comes to the front.
    app.quit();
    return;
  }
  app.on('second-instance', showWindow);
  app.on('activate', showWindow); // macOS dock click
  // Closing the window keeps Gatehouse in the tray where a tray can be seen; Quit is explicit.
  // Asked at close time: a tray host (a GNOME extension, say) can come or go while the app runs.
  app.on('window-all-closed', () => {
    void lastWindowClosed().then((behaviour) => {
      if (behaviour === 'quit') app.quit();
    });
  });
  app.on('before-quit', (event) => {
    const plan = quit.beforeQuit();
    if (plan.clearClipboardNow) clearKeyFromClipboardNow();
    if (plan.preventDefault) event.preventDefault();
    if (!plan.startCleanup) return;
    const done = (): void => {
      quit.cleanupDone();
      app.exit(0);
    };
    // Bounded: a wedged Docker call must not keep the app from quitting.
    const guard = setTimeout(done, 15_000);
    shutdown().finally(() => {
      clearTimeout(guard);
      done();
    });
  });
  app
    .whenReady()
    .then(boot)
    .catch((err: unknown) => {
      const p = toErrorPayload(err);
      dialog.showErrorBox('Gatehouse could not start', p.fix ? `${p.message}\n\n${p.fix}` : p.message);
      app.exit(1);
    });
}

const launch = decideLaunch(process.argv, { defaultApp: process.defaultApp === true, commandWords: commandWordsOf(COMMANDS) });
if (launch.kind === 'gui') startDesktopApp();
else runWithoutWindow(launch);

/**
 * The Electron main process: one hardened window, the tray, native notifications, and the IPC
 * registration over the core. Everything with logic lives in plain-Node modules next to this
 * one (ipc-main, ipc-handlers, notification-rules, tray-state); this file only wires Electron in.
 */
import { app, BrowserWindow, dialog, ipcMain, nativeTheme, Notification, shell } from 'electron';
import path from 'node:path';
import type { StackState } from '../../shared/api';
import { ElectronClipboardBackend } from './clipboard-backend';
import { toErrorPayload } from '../core/errors';
import { Gatehouse } from '../core/gatehouse';
import { ClipboardGuard } from '../core/secrets/clipboard';
import { startAppSession } from './app-session';
import { createHandlers } from './ipc-handlers';
import { forwardEvents, registerIpc, trustedPageGate, type InvokeHandlers } from './ipc-main';
import { NotificationRules, type NoticeText } from './notification-rules';
import { GatehouseTray } from './tray';
import { createMainWindow, hardenSession, hardeningReport } from './window';

// Every renderer sandboxed, including any a future feature opens.
app.enableSandbox();
app.setName('Gatehouse');

// dist/electron/main/main.js → dist/
const DIST = path.resolve(__dirname, '..', '..');

let core: Gatehouse | null = null;
let handlers: InvokeHandlers | null = null;
let win: BrowserWindow | null = null;
let appUrl = '';
let tray: GatehouseTray | null = null;
let gatewayUrl: string | null = null;
let quitting = false;
let keyClipboard: ClipboardGuard | null = null;
let stopSession: (() => Promise<void>) | null = null;
const clipboardBackend = new ElectronClipboardBackend();
const rules = new NotificationRules();

function notify(n: NoticeText | null): void {
  if (!n || !Notification.isSupported()) return;
  const note = new Notification({ title: n.title, body: n.body, urgency: n.urgent ? 'critical' : 'normal', silent: !n.urgent });
  note.on('click', showWindow);
  note.show();
}

function showWindow(): void {
  if (!core || !handlers) return;
  if (!win || win.isDestroyed()) {
    const created = createMainWindow(DIST, () => gatewayUrl);
    win = created.win;
    appUrl = created.appUrl;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/** Tray actions run the same handlers as the window, so there is one path for each action. */
function runFromTray(action: () => Promise<unknown>, what: string): void {
  action().catch((err: unknown) => {
    const p = toErrorPayload(err);
    notify({ title: `${what} failed`, body: p.fix ? `${p.message} ${p.fix}` : p.message, urgent: true });
  });
}

async function boot(): Promise<void> {
  hardenSession();
  nativeTheme.themeSource = 'system'; // the renderer follows prefers-color-scheme
  core = await Gatehouse.open({ watchSecurity: true });
  const c = core;
  keyClipboard = new ClipboardGuard(clipboardBackend, (state) => c.events.emit('clipboard:state', state));

  handlers = createHandlers(c, {
    keyClipboard,
    copyText: (text) => clipboardBackend.writeText(text),
    // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK the app:open-external handler calls this only after the allow-list check
    openExternal: (url) => shell.openExternal(url),
    hardening: () => hardeningReport(win),
    revealAllowed: () => win !== null && !win.isDestroyed() && win.isVisible() && win.isFocused(),
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
    copyKey: () =>
      runFromTray(async () => {
        const s = await h['key:copy']();
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

/** Quit: clear the clipboard if it still holds the key; leave the gateway running unless asked not to. */
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
  }
}

if (!app.requestSingleInstanceLock()) {
  // Another Gatehouse is running: it gets the 'second-instance' event and comes to the front.
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.on('activate', showWindow); // macOS dock click
  // Closing the window keeps Gatehouse in the tray; Quit is explicit.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    const done = (): void => app.exit(0);
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

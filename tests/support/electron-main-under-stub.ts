/**
 * Loads the real electron/main/main.ts with a stand-in for the `electron` module (the binary
 * cannot run here) and reports, as one JSON line on fd 3, what main did with the app: which
 * Electron calls it made and with what. Used by tests/unit/app-shell-entry.test.ts, one child
 * process per launch. The stand-in records calls only; it never pretends a window exists.
 *
 * argv: the app's argv after `--` (argv[0] is the "binary"). Env: STUB_EXEC_PATH replaces
 * process.execPath (to observe a relaunch), STUB_HAS_USER_DATA_DIR=1 makes
 * commandLine.hasSwitch('user-data-dir') true, STUB_EMIT_BEFORE_QUIT=1 emits one before-quit,
 * STUB_EMIT_WINDOW_ALL_CLOSED=1 emits window-all-closed (main then asks the real session bus).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import Module from 'node:module';

const calls: Array<[string, ...unknown[]]> = [];
const record = (name: string) => (...args: unknown[]): unknown => {
  calls.push([name, ...args.filter((a) => typeof a !== 'function')]);
  return undefined;
};

let reported = false;
function report(extra: Record<string, unknown>): void {
  if (reported) return;
  reported = true;
  fs.writeSync(3, `${JSON.stringify({ calls, ...extra })}\n`);
}

class StubApp extends EventEmitter {
  isPackaged = true;
  commandLine = { hasSwitch: (name: string) => name === 'user-data-dir' && process.env.STUB_HAS_USER_DATA_DIR === '1', appendSwitch: record('commandLine.appendSwitch') };
  enableSandbox = record('enableSandbox');
  setAppUserModelId = record('setAppUserModelId');
  setPath = record('setPath');
  getPath = (name: string): string => `/stub/${name}`;
  requestSingleInstanceLock = (): boolean => {
    calls.push(['requestSingleInstanceLock']);
    return true;
  };
  quit = record('quit');
  whenReady = (): Promise<void> => new Promise(() => undefined); // boot is not under test here
  exit = (code = 0): void => {
    calls.push(['exit', code]);
    report({ exitCode: code });
    setImmediate(() => process.exit(0));
  };
}

const app = new StubApp();
const stub = {
  app,
  BrowserWindow: class {},
  dialog: { showErrorBox: record('dialog.showErrorBox') },
  ipcMain: { handle: record('ipcMain.handle'), removeHandler: record('ipcMain.removeHandler') },
  Menu: { setApplicationMenu: record('Menu.setApplicationMenu'), buildFromTemplate: (t: unknown) => t },
  nativeTheme: {},
  Notification: class {},
  powerMonitor: new EventEmitter(),
  shell: { openExternal: record('shell.openExternal') },
  clipboard: {},
  ClipboardItem: class {},
  Tray: class {},
  nativeImage: {},
};

const electronId = require.resolve('electron');
const m = new Module(electronId);
m.exports = stub;
m.loaded = true;
require.cache[electronId] = m;

if (process.env.STUB_EXEC_PATH) process.execPath = process.env.STUB_EXEC_PATH;
const at = process.argv.indexOf('--');
process.argv = process.argv.slice(at + 1);

require('../../electron/main/main');

if (process.env.STUB_EMIT_BEFORE_QUIT === '1') {
  let prevented = false;
  app.emit('before-quit', { preventDefault: () => (prevented = true) });
  calls.push(['before-quit handled', { prevented }]);
}
const closing = process.env.STUB_EMIT_WINDOW_ALL_CLOSED === '1';
if (closing) app.emit('window-all-closed');
// A GUI launch waits for 'ready', which never comes here: report what happened so far.
setTimeout(() => report({ exitCode: null, listeners: app.eventNames().map(String) }), closing ? 2500 : 300);

import { BrowserWindow, nativeTheme, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppHardening } from '../../shared/api';
import { RENDERER_CSP } from './csp';
import { externalUrlToOpen } from './external-links';
import { mayNavigate } from './navigation';

/**
 * One hardening for every window the app opens. The choices follow Electron's security
 * checklist; each deliberately refuses a shortcut other apps take (see DESIGN.md).
 */

export const WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  safeDialogs: true,
  // Middle-click on a link would otherwise open a new window past setWindowOpenHandler's view.
  disableBlinkFeatures: 'Auxclick',
} as const);

const state = { navigationBlocked: false, windowOpenDenied: false, permissionsDenied: false };

/** Applies the session-wide rules once: permission requests denied, CSP header on http(s) responses. */
export function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    // electronegativity-justified: CSP_GLOBAL_CHECK the policy is the RENDERER_CSP constant (electron/csp.ts), which the static check cannot resolve; its literal copy in renderer/index.html is evaluated
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  state.permissionsDenied = true;
}

/** `appUrl` is the one URL the window may show; `gatewayUrl` gives the allow-list its local entry. */
export function hardenWindow(win: BrowserWindow, appUrl: string, gatewayUrl: () => string | null): void {
  const wc: WebContents = win.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    // Links with target=_blank to an allow-listed site open in the browser; nothing opens in-app.
    // What the allow-list judged is what opens: the normalised href, never the raw text.
    const href = externalUrlToOpen(url, gatewayUrl());
    // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK only the href that passed the allow-list (external-links.ts) is opened
    if (href !== null) void shell.openExternal(href);
    return { action: 'deny' };
  });
  wc.on('will-navigate', (event) => {
    if (!mayNavigate(event, appUrl)) event.preventDefault();
  });
  wc.on('will-redirect', (event) => event.preventDefault());
  wc.on('will-attach-webview', (event) => event.preventDefault());
  state.navigationBlocked = true;
  state.windowOpenDenied = true;
}

/**
 * What the window was created with. Electron 45 has no getter for a live window's preferences,
 * so the report reads the exact object passed to BrowserWindow (frozen, so nothing can change it
 * after the fact) and the flags set by the handlers above as they were installed.
 */
export function hardeningReport(win: BrowserWindow | null): AppHardening {
  const prefs = win && !win.isDestroyed() ? WEB_PREFERENCES : null;
  return {
    contextIsolation: prefs?.contextIsolation === true,
    sandbox: prefs?.sandbox === true,
    nodeIntegration: prefs ? Boolean(prefs.nodeIntegration) : true,
    webSecurity: prefs?.webSecurity === true,
    csp: RENDERER_CSP,
    navigationBlocked: state.navigationBlocked,
    windowOpenDenied: state.windowOpenDenied,
    permissionsDenied: state.permissionsDenied,
  };
}

/** `devTools`: false in packaged builds, where code typed into DevTools would pass the trusted-page gate. */
export function createMainWindow(distDir: string, gatewayUrl: () => string | null, devTools: boolean): { win: BrowserWindow; appUrl: string } {
  const indexFile = path.join(distDir, 'renderer', 'index.html');
  const appUrl = pathToFileURL(indexFile).href;
  // electronegativity-justified: CONTEXT_ISOLATION_JS_CHECK contextIsolation: true comes from the frozen WEB_PREFERENCES spread below, which the static check cannot follow
  // electronegativity-justified: SANDBOX_JS_CHECK sandbox: true comes from WEB_PREFERENCES (and app.enableSandbox() in main.ts)
  // electronegativity-justified: AUXCLICK_JS_CHECK WEB_PREFERENCES sets disableBlinkFeatures: 'Auxclick'
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Gatehouse',
    // Match the OS theme from the first frame, so a dark desktop never flashes white.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#0f1115' : '#f6f7f9',
    autoHideMenuBar: true,
    // electronegativity-justified: PRELOAD_JS_CHECK the bundled sandboxed preload exposes only the frozen typed bridge (invoke on contract channels, on for contract events)
    webPreferences: { ...WEB_PREFERENCES, devTools, preload: path.join(distDir, 'preload.cjs') },
  });
  hardenWindow(win, appUrl, gatewayUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(appUrl);
  return { win, appUrl };
}

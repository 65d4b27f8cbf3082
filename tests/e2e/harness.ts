/**
 * The e2e harness: the BUILT renderer (dist/renderer) served on 127.0.0.1, loaded in Debian's
 * Chromium through Playwright, with window.gatehouse wired to the real preload bridge
 * (electron/preload-api createBridge), the real registration and sender gate
 * (electron/ipc-main registerIpc/forwardEvents), the real handler table (electron/ipc-handlers)
 * and the real core (Gatehouse.open): real Docker, real keychain, a real X clipboard.
 *
 * Only the transport is in-process, because there is no Electron binary here: the page calls a
 * Playwright binding, which calls the Node-side bridge for the calling frame; events go from the
 * bridge into the page with page.evaluate. The page-side shim is a few lines and carries no logic.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright';
import { EVENT_NAMES, type EventMap, type EventName, type GatehouseBridge } from '../../shared/api';
import { startAppSession } from '../../electron/main/app-session';
import { GatehouseError } from '../../electron/core/errors';
import { Gatehouse } from '../../electron/core/gatehouse';
import { ClipboardGuard, type ClipboardBackend } from '../../electron/core/secrets/clipboard';
import { createHandlers } from '../../electron/main/ipc-handlers';
import { forwardEvents, registerIpc, trustedPageGate } from '../../electron/main/ipc-main';
import { createBridge } from '../../electron/preload/preload-api';
import { InProcessIpc } from '../support/in-process-ipc';

export const ROOT = path.resolve(__dirname, '..', '..');
export const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
export const SCREENSHOT_DIR = path.join(ROOT, 'docs', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * A tiny static server for the built renderer, on 127.0.0.1 and a free port. The files are read
 * once, up front: the server shares its event loop with the core and Playwright, and disk reads
 * per request would add their jitter to the page-load timings the renderer benchmark takes.
 */
export async function serveRenderer(dir = RENDERER_DIR): Promise<{ origin: string; close(): Promise<void> }> {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`The renderer is not built (${dir}/index.html missing): run \`npm run build:renderer\` or scripts/build-e2e.sh.`);
  }
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set('/' + path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p));
    }
  };
  walk(dir);
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const key = pathname === '/' ? '/index.html' : pathname;
    const body = files.get(key); // only the built files exist: no path ever reaches the disk
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(key)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface AppOptions {
  browser: Browser;
  /** The core's environment (GATEHOUSE_* of a test stack, DISPLAY, DOCKER_HOST, …). */
  env: NodeJS.ProcessEnv;
  /** Clipboard for key:copy and app:copy-text; null when the test has no X server. */
  clipboard: ClipboardBackend | null;
  colorScheme?: 'light' | 'dark';
  /** Path the view loads, e.g. "#logs". */
  hash?: string;
  /** Run the app session (status watch, log follower) as main does; default true. */
  session?: boolean;
  /** Runs before the page loads (e.g. installing Playwright's fake clock). */
  beforeLoad?: (page: Page) => Promise<void>;
}

export interface AppUnderTest {
  page: Page;
  context: BrowserContext;
  core: Gatehouse;
  origin: string;
  /** URLs the app asked main to open in the browser. */
  opened: string[];
  /** Emits a core event, as the engines do; it travels the real forwardEvents → bridge path. */
  emit<K extends EventName>(event: K, data: EventMap[K]): void;
  /** Resolves when every event pushed so far has reached the page. */
  drained(): Promise<void>;
  /** The file the next "choose a .env file" dialog of main returns, as if the user picked it. */
  pickEnvFile(file: string): void;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

const PAGE_SHIM = `(() => {
  const listeners = new Map();
  window.__gatehouseEmit = (event, data) => {
    for (const fn of [...(listeners.get(event) || [])]) fn(data);
  };
  window.gatehouse = Object.freeze({
    invoke: (channel, ...args) => window.__gatehouseInvoke(channel, args),
    on: (event, fn) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return () => listeners.get(event).delete(fn);
    },
  });
})();`;

export async function launchApp(opts: AppOptions): Promise<AppUnderTest> {
  const server = await serveRenderer();
  const pageUrl = `${server.origin}/index.html`;
  const core = await Gatehouse.open({ env: opts.env, watchSecurity: false });
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-export-'));
  const opened: string[] = [];
  const noClipboard = (): never => {
    throw new GatehouseError('CLIPBOARD_UNAVAILABLE', 'This test runs without a clipboard.', null);
  };
  const keyClipboard = new ClipboardGuard(
    opts.clipboard ?? { name: 'none', writeSecret: async () => noClipboard(), readText: async () => null, clear: async () => undefined },
    (state) => core.events.emit('clipboard:state', state),
  );

  const envFilePicks: string[] = [];
  const ipc = new InProcessIpc();
  const handlers = createHandlers(core, {
    keyClipboard,
    copyText: async (text) => {
      if (!opts.clipboard) noClipboard();
      await opts.clipboard!.writeSecret(text);
    },
    openExternal: async (url) => {
      opened.push(url);
    },
    hardening: () => {
      throw new GatehouseError('NOT_FOUND', 'There is no Electron window in the browser harness, so there is no hardening to report.', null);
    },
    // The harness page is always the focused page of its own browser.
    revealAllowed: () => true,
    // Playwright's clicks are real input to the page; main's own input record exists only in Electron.
    userGesture: () => true,
    // Main's image-change dialog: the browser harness has none, so a change is confirmed.
    confirmImageChange: async () => true,
    chooseExportPath: async (name) => path.join(exportDir, name),
    // Main's open dialog, answered by the test (pickEnvFile); nothing picked = cancelled.
    chooseEnvFile: async () => envFilePicks.shift() ?? null,
  });
  const unregister = registerIpc(ipc.main, handlers, trustedPageGate(pageUrl));
  const stopForward = forwardEvents(core.events, (channel, envelope) => ipc.send(channel, envelope));
  // The app session as main runs it (status watch, log follower); no Electron window to report.
  const stopSession = opts.session === false ? async () => undefined : startAppSession(core, () => null);

  const context = await opts.browser.newContext({ viewport: { width: 1100, height: 760 }, colorScheme: opts.colorScheme ?? 'light' });
  const page = await context.newPage();
  const bridges = new WeakMap<Frame, GatehouseBridge>();
  const bridgeFor = (frame: Frame): GatehouseBridge => {
    let b = bridges.get(frame);
    if (!b) {
      b = createBridge(ipc.renderer(() => ({ url: frame.url(), parent: frame.parentFrame() })));
      bridges.set(frame, b);
    }
    return b;
  };
  await page.exposeBinding('__gatehouseInvoke', (source, channel: string, args: unknown[]) =>
    (bridgeFor(source.frame).invoke as (c: string, ...a: unknown[]) => Promise<unknown>)(channel, ...args),
  );
  await page.addInitScript(PAGE_SHIM);

  // Events: the main frame's bridge hears them (real preload code), then they are pushed into
  // the page in order.
  let chain: Promise<unknown> = Promise.resolve();
  const mainBridge = bridgeFor(page.mainFrame());
  const offs = EVENT_NAMES.map((name) =>
    mainBridge.on(name, (data) => {
      chain = chain.then(() =>
        page
          .evaluate(([n, d]) => (globalThis as unknown as { __gatehouseEmit(n: string, d: unknown): void }).__gatehouseEmit(n, d), [name, data] as const)
          .catch(() => undefined),
      );
    }),
  );

  await opts.beforeLoad?.(page);
  await page.goto(pageUrl + (opts.hash ?? ''), { waitUntil: 'domcontentloaded', timeout: 30_000 });

  return {
    page,
    context,
    core,
    origin: server.origin,
    opened,
    emit: (event, data) => core.events.emit(event, data),
    drained: async () => {
      await chain;
    },
    pickEnvFile: (file) => {
      envFilePicks.push(file);
    },
    screenshot: async (name) => {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
    },
    close: async () => {
      for (const off of offs) off();
      await keyClipboard.dispose();
      await context.close().catch(() => undefined);
      stopForward();
      unregister();
      await stopSession();
      await core.close();
      await server.close();
      fs.rmSync(exportDir, { recursive: true, force: true });
    },
  };
}

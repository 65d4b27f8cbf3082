import type { AppHardening, ClipboardState, Settings, SettingsPatch } from '../../shared/api';
import { gatewayUrl } from '../../shared/network';
import { GatehouseError } from '../core/errors';
import type { Gatehouse } from '../core/gatehouse';
import type { ClipboardGuard } from '../core/secrets/clipboard';
import { importEnvFile } from '../core/secrets/env-import';
import { initSingleNodeSwarm, swarmEngine } from '../core/swarm/membership';
import { Takeover } from '../core/takeover/takeover';
import { externalUrlToOpen } from './external-links';
import type { InvokeHandlers } from './ipc-main';

/**
 * What the handlers need from the main process besides the core: things only Electron can do
 * (or, in tests, an in-process stand-in for them). No 'electron' import here.
 */
export interface MainServices {
  /**
   * Copy-with-auto-clear of the key (the key issue's ClipboardGuard over the app's clipboard
   * backend). Main disposes it on quit, which clears a clipboard that still holds the key.
   */
  keyClipboard: ClipboardGuard;
  /** Writes non-secret text (an URL, a fingerprint) to the clipboard. */
  copyText(text: string): Promise<void>;
  /** Opens an already allow-listed, normalised URL (externalUrlToOpen's result) in the user's browser. */
  openExternal(url: string): Promise<void>;
  /** What the window's hardening actually is (read from the live window, not assumed). */
  hardening(): AppHardening;
  /**
   * Whether a reveal may happen now: main allows it only while the app's window is focused, so
   * a background page or a script cannot pull the key unseen.
   */
  revealAllowed(): boolean;
  /**
   * Whether the user has just clicked or typed in the app's window (input main saw itself, within
   * Chromium's activation lifetime): main's confirmation of the page's user gesture for the calls
   * that hand out the key.
   */
  userGesture(): boolean;
  /**
   * Asks the user, in main's own dialog, whether the gateway may run `to` instead of `from`. The
   * image decides what code gets the master key, so the page alone cannot change it.
   */
  confirmImageChange(from: string, to: string): Promise<boolean>;
  /** Asks where to save an export; null when the user cancelled. */
  chooseExportPath(defaultName: string): Promise<string | null>;
  /** Asks which docker-compose .env file to import; null when the user cancelled. */
  chooseEnvFile(): Promise<string | null>;
}

/** The image a settings patch would switch the gateway to, or null when it keeps the current one. */
export function imageChange(current: Pick<Settings, 'image'>, patch: SettingsPatch): { from: string; to: string } | null {
  if (patch.image === undefined || patch.image === current.image) return null;
  return { from: current.image, to: patch.image };
}

/** Copies the key with the configured auto-clear: the window's key:copy and the tray's "Copy key". */
export async function copyKeyToClipboard(core: Gatehouse, keyClipboard: ClipboardGuard): Promise<ClipboardState> {
  return copySecretToClipboard(core, keyClipboard, await core.keys.require());
}

/** Any other secret (a client key, a snippet with a key) on the same guarded clipboard as the master key. */
async function copySecretToClipboard(core: Gatehouse, keyClipboard: ClipboardGuard, secret: string): Promise<ClipboardState> {
  const settings = await core.settings.get();
  const { active, clearsAt, secondsLeft } = await keyClipboard.copy(secret, settings.clipboardClearSeconds);
  return { active, clearsAt, secondsLeft };
}

function requireUserGesture(services: MainServices, what: string): void {
  if (!services.userGesture()) {
    throw new GatehouseError(
      'NOT_FOCUSED',
      `${what} runs only right after a click or key press in the Gatehouse window; this call came without one, so it was refused.`,
      'Click the button in the Gatehouse window again.',
    );
  }
}

export function createHandlers(core: Gatehouse, services: MainServices): InvokeHandlers {
  return {
    'stack:start': () => core.stack.start(),
    'stack:stop': () => core.stack.stop(),
    'stack:status': () => core.stack.status(),

    'key:info': () => core.keys.info(),
    'key:create': async () => {
      await core.keys.ensure();
      return core.keys.info();
    },
    'key:rotate': () => core.rotation.rotate(),
    'key:copy': async (): Promise<ClipboardState> => {
      requireUserGesture(services, 'Copying the key');
      return copyKeyToClipboard(core, services.keyClipboard);
    },
    'key:reveal': async () => {
      if (!services.revealAllowed()) {
        throw new GatehouseError(
          'NOT_FOCUSED',
          'The key can be revealed only while the Gatehouse window is in front.',
          'Bring the Gatehouse window to the front and click Reveal again.',
        );
      }
      requireUserGesture(services, 'Revealing the key');
      return core.keys.require();
    },

    // The same import as `gatehouse key import`; the result holds fingerprints only. The user picks
    // the file in main's own dialog, so the page can never name a file to read or rewrite.
    'key:import': async (scrub) => {
      const file = await services.chooseEnvFile();
      return file === null ? null : importEnvFile({ secrets: core.secrets, keys: core.keys }, file, { scrub });
    },
    'claude:set-token': (token) => core.claude.setToken(token),
    'claude:status': () => core.claude.status(),
    'tls:status': () => core.tls.status(),
    'tls:enable': () => core.tls.enableLocal(),
    'tls:disable': () => core.tls.disable(),
    'tls:ca': () => core.tls.caCertificate(),
    'tls:export-ca': async () => {
      // Main's own dialog: the page never names a path to write.
      const file = await services.chooseExportPath('gatehouse-ca.pem');
      return { path: file === null ? null : await core.tls.exportCa(file) };
    },

    'logs:query': (query) => core.logs.query(query),
    'logs:clear': () => core.logs.clear(),
    'logs:export': async (query, format) => {
      // The user picks the file in main's own dialog: the renderer never names a path to write.
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      const file = await services.chooseExportPath(`gatehouse-logs-${stamp}.${format === 'jsonl' ? 'jsonl' : 'log'}`);
      if (file === null) return { path: null, entries: 0 };
      return core.logs.export(query, format, file);
    },
    'warnings:list': () => core.logs.warnings(),
    'warnings:ack': (id) => core.logs.ack(id),

    'security:run': () => core.security.run(),

    'settings:get': () => core.settings.get(),
    'settings:update': async (patch) => {
      const change = imageChange(await core.settings.get(), patch);
      if (change && !(await services.confirmImageChange(change.from, change.to))) {
        throw new GatehouseError('CANCELLED', `The gateway image stays ${change.from}: the change to ${change.to} was not confirmed.`, null);
      }
      return core.settings.update(patch);
    },

    'app:hardening': async () => services.hardening(),
    'app:open-external': async (url) => {
      const settings = await core.settings.get();
      const gateway = gatewayUrl(settings, settings.tls.mode === 'off' ? 'http' : 'https');
      // What was checked is what is opened: the parsed, normalised href, never the raw text.
      const href = externalUrlToOpen(url, gateway);
      if (href === null) {
        throw new GatehouseError(
          'URL_REFUSED',
          `Gatehouse opens only its documentation sites and your gateway in the browser; "${safeOrigin(url)}" is not one of them.`,
          null,
        );
      }
      // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK reached only with the href externalUrlToOpen allowed above
      await services.openExternal(href);
    },
    'app:copy-text': (text) => services.copyText(text),

    'connect:info': (client) => core.clients.connect({ client }),
    // The key is put into the snippet here, in main, and goes only to the guarded clipboard.
    'connect:copy': async (tool, client) => {
      requireUserGesture(services, 'Copying a snippet with the key');
      return copySecretToClipboard(core, services.keyClipboard, await core.clients.snippetWithKey(tool, client));
    },
    // A test spends quota: only on a click the user made.
    'chain:test': (model, client) => {
      requireUserGesture(services, 'Testing the whole chain');
      return core.clients.test({ model, client });
    },
    'chain:last': () => core.clients.lastTest(),
    'clients:list': () => core.clients.keys.list(),
    'clients:add': (name, options) => core.clients.keys.add(name, options),
    'clients:copy': async (name) => {
      requireUserGesture(services, "Copying a client's key");
      return copySecretToClipboard(core, services.keyClipboard, await core.clients.keys.reveal(name));
    },
    'clients:rotate': (name) => core.clients.keys.rotate(name),
    'clients:revoke': (name) => core.clients.keys.revoke(name),

    'takeover:detect': () => new Takeover({ core }).detect(),
    'takeover:plan': (project, options) => new Takeover({ core }).plan(project ?? undefined, options),
    'takeover:adopt': (project, options) => {
      requireUserGesture(services, 'Taking over a compose stack');
      return new Takeover({ core }).adopt(project ?? undefined, options);
    },
    'db:adopt': async (volume) => {
      const plan = await core.stack.runExclusive('db-adopt', (s) => core.database.adopt(volume, s));
      return { volume: plan.volumeName };
    },
    'db:remove-data': (confirm) => {
      requireUserGesture(services, 'Removing the database data');
      return core.stack.runExclusive('db-remove-data', (s) => core.database.removeData(confirm, s));
    },
    'swarm:status': () => swarmEngine(core.engine).swarmMembership(),
    // The same single-node swarm as `gatehouse swarm init`: it changes the engine, so only on a click
    // the user made (the window asks first, in its confirmation).
    'swarm:init': async () => {
      requireUserGesture(services, 'Making this engine a single-node swarm');
      return initSingleNodeSwarm(core.engine);
    },
  };
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'that address';
  }
}

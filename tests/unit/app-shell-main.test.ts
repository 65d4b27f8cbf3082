/**
 * The decisions of the Electron main process, each in a plain-Node module: notifications kept
 * alive, quit vs. OS session end, the installed `gatehouse` argv dispatch, Chromium's data
 * folder, the menu, navigation, tray-host detection, the user-gesture rule on both sides of
 * the bridge, the Wayland copy check and the image-change confirmation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { INVOKE_CHANNELS } from '../../shared/api';
import { invokeOrThrow, payloadFromError } from '../../shared/bridge-errors';
import { COMMANDS } from '../../electron/cli/commands';
import { APP_ID, PRODUCT_NAME, chromiumDataDir, isSameOrInside } from '../../electron/main/app-identity';
import { FORBIDDEN_MENU_ROLES, appMenuTemplate } from '../../electron/main/app-menu';
import { judgeCopy, sha256, isWaylandSession } from '../../electron/main/clipboard-check';
import { imageChange } from '../../electron/main/ipc-handlers';
import { registerIpc, trustedPageGate, type InvokeHandlers } from '../../electron/main/ipc-main';
import { CLIPBOARD_HELPER_FLAG, appArguments, commandWordsOf, decideLaunch, headlessRelaunchArgs } from '../../electron/main/launch-mode';
import { mayNavigate } from '../../electron/main/navigation';
import { NotificationRegistry } from '../../electron/main/notification-registry';
import { QuitCoordinator, clearNowIfKeyMayBeThere } from '../../electron/main/quit-plan';
import { closeBehaviour, hasStatusNotifierWatcher, parseNameHasOwnerReply } from '../../electron/main/tray-host';
import { USER_ACTIVATION_MS, UserInputLedger } from '../../electron/main/user-gesture';
import { USER_GESTURE_CHANNELS, createBridge } from '../../electron/preload/preload-api';
import { InProcessIpc } from '../support/in-process-ipc';

/** Like Electron's Notification on the points the registry relies on: events, show(). */
class FakeNotification extends EventEmitter {
  shown = 0;
  show(): void {
    this.shown++;
  }
}

describe('notification registry', () => {
  it('holds a shown notification until it is clicked, closed or failed, and runs the click action', () => {
    const reg = new NotificationRegistry<FakeNotification>();
    let opened = 0;
    const [a, b, c] = [new FakeNotification(), new FakeNotification(), new FakeNotification()];
    for (const n of [a, b, c]) reg.show(n, () => opened++);
    assert.equal(reg.size, 3);
    assert.deepEqual([a.shown, b.shown, c.shown], [1, 1, 1]);
    a.emit('click');
    assert.equal(opened, 1);
    assert.equal(reg.size, 2);
    b.emit('close');
    c.emit('failed', 'no daemon');
    assert.equal(reg.size, 0);
    assert.equal(opened, 1);
  });

  it('keeps a notification reachable after the code that made it has returned (no local-only reference)', async () => {
    const reg = new NotificationRegistry<FakeNotification>();
    let clicked = false;
    let ref: WeakRef<FakeNotification>;
    (() => {
      const n = new FakeNotification();
      ref = new WeakRef(n);
      reg.show(n, () => (clicked = true));
    })();
    // With --expose-gc a collection is forced; without it the strong reference is checked anyway.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setImmediate(r));
    const live = ref!.deref();
    assert.ok(live, 'the registry holds it');
    live.emit('click');
    assert.equal(clicked, true);
  });

  it('holds only the newest ones when close never comes', () => {
    const reg = new NotificationRegistry<FakeNotification>(3);
    for (let i = 0; i < 10; i++) reg.show(new FakeNotification(), () => undefined);
    assert.equal(reg.size, 3);
  });
});

describe('quit decision', () => {
  it('a user quit is held once for the clean-up, held while it runs, then let through', () => {
    const q = new QuitCoordinator();
    assert.deepEqual(q.beforeQuit(), { clearClipboardNow: false, preventDefault: true, startCleanup: true });
    assert.deepEqual(q.beforeQuit(), { clearClipboardNow: false, preventDefault: true, startCleanup: false }, 'a second Quit does not skip the clean-up');
    q.cleanupDone();
    assert.deepEqual(q.beforeQuit(), { clearClipboardNow: false, preventDefault: false, startCleanup: false });
  });

  it('an OS session end (logout, restart, shutdown) is never held: the clipboard is cleared at once', () => {
    const q = new QuitCoordinator();
    q.osSessionEnding();
    assert.deepEqual(q.beforeQuit(), { clearClipboardNow: true, preventDefault: false, startCleanup: false });
    // Also when a user quit's clean-up is already under way.
    const r = new QuitCoordinator();
    r.beforeQuit();
    r.osSessionEnding();
    assert.equal(r.beforeQuit().preventDefault, false);
  });

  it('the synchronous clear runs only while the key’s countdown runs', () => {
    let clears = 0;
    const clip = { clear: () => void clears++ };
    assert.equal(clearNowIfKeyMayBeThere(clip, false), false);
    assert.equal(clearNowIfKeyMayBeThere(clip, true), true);
    assert.equal(clears, 1);
  });
});

describe('installed `gatehouse`: argv dispatch of the app binary', () => {
  const commandWords = commandWordsOf(COMMANDS);
  const packaged = (...args: string[]) => decideLaunch(['/opt/Gatehouse/gatehouse', ...args], { defaultApp: false, commandWords });
  const dev = (...args: string[]) => decideLaunch(['/repo/node_modules/electron/dist/electron', ...args], { defaultApp: true, commandWords });

  it('knows every CLI command’s first word', () => {
    for (const w of ['start', 'stop', 'status', 'key', 'logs', 'security', 'settings', 'db']) assert.ok(commandWords.has(w), w);
  });

  it('runs the CLI for a command, with its flags, and the GUI otherwise', () => {
    assert.deepEqual(packaged('status', '--json'), { kind: 'cli', args: ['status', '--json'] });
    assert.deepEqual(packaged('key', 'info'), { kind: 'cli', args: ['key', 'info'] });
    assert.deepEqual(packaged('--help'), { kind: 'cli', args: ['--help'] });
    assert.deepEqual(packaged('help'), { kind: 'cli', args: ['help'] });
    assert.deepEqual(packaged('--version'), { kind: 'cli', args: ['--version'] });
    assert.deepEqual(packaged('-V'), { kind: 'cli', args: ['-V'] });
    assert.deepEqual(packaged(), { kind: 'gui' });
    // Chromium's switches and macOS's process serial number are not the CLI's.
    assert.deepEqual(packaged('--no-sandbox'), { kind: 'gui' });
    assert.deepEqual(packaged('-psn_0_12345'), { kind: 'gui' });
    assert.deepEqual(packaged('--ozone-platform=headless', 'status'), { kind: 'cli', args: ['status'] });
    // A file or URL from a desktop entry opens the app.
    assert.deepEqual(packaged('/home/u/notes.txt'), { kind: 'gui' });
  });

  it('unpackaged (`electron .`), the app path is not an argument', () => {
    assert.deepEqual(appArguments(['electron', '--inspect=0', '.', 'status'], true), ['--inspect=0', 'status']);
    assert.deepEqual(dev('.'), { kind: 'gui' });
    assert.deepEqual(dev('--remote-debugging-port=0', '/repo'), { kind: 'gui' });
    assert.deepEqual(dev('.', 'logs', '--since', '10m'), { kind: 'cli', args: ['logs', '--since', '10m'] });
    // "status" as the app path would be a folder named status: the first positional is the app.
    assert.deepEqual(dev('status'), { kind: 'gui' });
  });

  it('recognises the clipboard-clear helper `key copy` starts through the same binary', () => {
    assert.deepEqual(packaged('/opt/Gatehouse/resources/app.asar/dist/electron/core/secrets/clipboard-clear-helper.js', CLIPBOARD_HELPER_FLAG), { kind: 'clipboard-helper' });
  });

  it('relaunches with Chromium’s display-less switches only on Linux without a display, once', () => {
    const argv = ['/opt/Gatehouse/gatehouse', 'status'];
    assert.deepEqual(headlessRelaunchArgs('linux', {}, argv), ['--headless', '--ozone-platform=headless', '--disable-gpu', 'status']);
    assert.equal(headlessRelaunchArgs('linux', { DISPLAY: ':0' }, argv), null);
    assert.equal(headlessRelaunchArgs('linux', { WAYLAND_DISPLAY: 'wayland-0' }, argv), null);
    assert.equal(headlessRelaunchArgs('darwin', {}, argv), null);
    assert.equal(headlessRelaunchArgs('linux', {}, ['/opt/Gatehouse/gatehouse', '--headless', '--ozone-platform=headless', 'status']), null);
    // The relaunch itself is still a CLI run.
    const again = ['/opt/Gatehouse/gatehouse', ...headlessRelaunchArgs('linux', {}, argv)!];
    assert.deepEqual(decideLaunch(again, { defaultApp: false, commandWords }), { kind: 'cli', args: ['status'] });
  });
});

describe('app identity and data folders', () => {
  const cases: Array<[NodeJS.Platform, string, string]> = [
    ['linux', '/home/u/.config', '/home/u/.config/Gatehouse'],
    ['darwin', '/Users/u/Library/Application Support', '/Users/u/Library/Application Support/Gatehouse'],
    ['win32', '/c/Users/u/AppData/Roaming', '/c/Users/u/AppData/Roaming/gatehouse'], // case differs: same folder on NTFS
  ];
  it('puts Chromium’s data beside the core’s home, never in it (case-insensitively where the OS is)', () => {
    for (const [platform, appData, home] of cases) {
      const dir = chromiumDataDir(appData, home, platform);
      assert.ok(!isSameOrInside(dir, home, platform), `${platform}: ${dir}`);
      assert.ok(!isSameOrInside(home, dir, platform), `${platform}: ${dir}`);
      assert.equal(path.dirname(dir), appData);
    }
    assert.ok(isSameOrInside('/a/Gatehouse', '/a/gatehouse', 'darwin'));
    assert.ok(!isSameOrInside('/a/Gatehouse', '/a/gatehouse', 'linux'));
  });
  it('a GATEHOUSE_HOME that holds appData still gets a separate folder', () => {
    const dir = chromiumDataDir('/data/home/.config', '/data/home', 'linux');
    assert.ok(!isSameOrInside(dir, '/data/home', 'linux'));
  });
  it('the id and name match the installer’s', () => {
    assert.equal(APP_ID, 'io.gatehouse.app');
    assert.equal(PRODUCT_NAME, 'Gatehouse');
  });
});

describe('application menu', () => {
  const roles = (items: unknown[]): string[] =>
    items.flatMap((i) => {
      const item = i as { role?: string; submenu?: unknown[] };
      return [...(item.role ? [item.role] : []), ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])];
    });
  for (const platform of ['linux', 'darwin', 'win32'] as const) {
    it(`${platform}: no DevTools, no reload; quit, copy and paste are there`, () => {
      const r = roles(appMenuTemplate(platform, 'Gatehouse'));
      for (const bad of r) assert.ok(!FORBIDDEN_MENU_ROLES.has(bad), bad);
      for (const need of ['quit', 'copy', 'paste', 'selectAll']) assert.ok(r.includes(need), need);
    });
  }
});

describe('will-navigate', () => {
  const app = 'file:///opt/Gatehouse/resources/app.asar/dist/renderer/index.html';
  it('reads details.url and allows only the app’s own page', () => {
    assert.equal(mayNavigate({ url: app }, app), true);
    assert.equal(mayNavigate({ url: 'https://example.com/' }, app), false);
    assert.equal(mayNavigate({ url: 'file:///etc/passwd' }, app), false);
    assert.equal(mayNavigate({ url: '' }, app), false);
  });
});

describe('tray host', () => {
  it('reads dbus-send’s NameHasOwner reply', () => {
    assert.equal(parseNameHasOwnerReply('method return time=1.2 sender=org.freedesktop.DBus -> destination=:1.5 serial=3 reply_serial=2\n   boolean true\n'), true);
    assert.equal(parseNameHasOwnerReply('method return …\n   boolean false\n'), false);
    assert.equal(parseNameHasOwnerReply('Error org.freedesktop.DBus.Error.ServiceUnknown'), null);
  });
  it('on this test session bus there is no StatusNotifierWatcher (like GNOME’s), so closing quits', async () => {
    const watcher = await hasStatusNotifierWatcher();
    assert.equal(watcher, process.env.DBUS_SESSION_BUS_ADDRESS ? false : null);
    assert.equal(closeBehaviour('linux', false), 'quit');
  });
  it('stays in the tray where one can be seen, or where the bus could not tell', () => {
    assert.equal(closeBehaviour('linux', true), 'keep-running-in-tray');
    assert.equal(closeBehaviour('linux', null), 'keep-running-in-tray');
    assert.equal(closeBehaviour('darwin', false), 'keep-running-in-tray');
    assert.equal(closeBehaviour('win32', null), 'keep-running-in-tray');
  });
});

describe('user gesture for the key: main’s record of real input', () => {
  it('counts clicks and key presses for Chromium’s activation lifetime, not mouse moves or Escape', () => {
    const ledger = new UserInputLedger();
    const t = 1_000_000;
    assert.equal(ledger.recent(t), false);
    ledger.note({ type: 'mouseMove' }, t);
    ledger.note({ type: 'rawKeyDown', keyCode: 'Escape' }, t);
    assert.equal(ledger.recent(t), false);
    ledger.note({ type: 'mouseDown' }, t);
    assert.equal(ledger.recent(t + USER_ACTIVATION_MS), true);
    assert.equal(ledger.recent(t + USER_ACTIVATION_MS + 1), false);
    ledger.note({ type: 'keyDown', keyCode: 'Enter' }, t + 10_000);
    assert.equal(ledger.recent(t + 10_001), true);
    ledger.forget();
    assert.equal(ledger.recent(t + 10_002), false);
  });
});

describe('user gesture for the key: the preload’s check', () => {
  const PAGE = 'file:///opt/Gatehouse/resources/app.asar/dist/renderer/index.html';
  function setup(active: () => boolean) {
    const ipc = new InProcessIpc();
    const calls: string[] = [];
    const handlers = Object.fromEntries(
      INVOKE_CHANNELS.map((ch) => [
        ch,
        async () => {
          calls.push(ch);
          return ch === 'key:reveal' ? 'sk-revealed' : ch === 'key:copy' ? { active: true, clearsAt: null, secondsLeft: 30 } : null;
        },
      ]),
    ) as unknown as InvokeHandlers;
    registerIpc(ipc.main, handlers, trustedPageGate(PAGE));
    return { bridge: createBridge(ipc.renderer(() => ({ url: PAGE, parent: null })), { userActivation: active }), calls };
  }

  it('refuses key:reveal and key:copy without user activation; main never hears of them', async () => {
    const { bridge, calls } = setup(() => false);
    for (const channel of USER_GESTURE_CHANNELS) {
      await assert.rejects(invokeOrThrow(bridge, channel as 'key:reveal'), (err: unknown) => {
        const p = payloadFromError(err);
        return p.code === 'NOT_FOCUSED' && /click or key press/.test(p.message);
      });
    }
    assert.deepEqual(calls, []);
    // Other calls need no gesture (status polling runs on timers).
    await invokeOrThrow(bridge, 'key:info');
    assert.deepEqual(calls, ['key:info']);
  });

  it('passes them on while the page has user activation', async () => {
    const { bridge, calls } = setup(() => true);
    assert.equal(await invokeOrThrow(bridge, 'key:reveal'), 'sk-revealed');
    assert.equal((await invokeOrThrow(bridge, 'key:copy')).secondsLeft, 30);
    assert.deepEqual(calls, ['key:reveal', 'key:copy']);
  });

  it('reads activation at call time, not when the bridge was made', async () => {
    let active = false;
    const { bridge } = setup(() => active);
    await assert.rejects(invokeOrThrow(bridge, 'key:reveal'));
    active = true;
    assert.equal(await invokeOrThrow(bridge, 'key:reveal'), 'sk-revealed');
  });
});

describe('Wayland copy check', () => {
  const key = 'sk-test-not-a-real-key';
  it('only a session with a Wayland display is checked', () => {
    assert.equal(isWaylandSession('linux', { WAYLAND_DISPLAY: 'wayland-0' }), true);
    assert.equal(isWaylandSession('linux', { DISPLAY: ':0' }), false);
    assert.equal(isWaylandSession('darwin', { WAYLAND_DISPLAY: 'wayland-0' }), false);
  });
  it('a dropped write is a failure, whatever Chromium’s own copy says', () => {
    assert.deepEqual(judgeCopy({ kind: 'text', text: key }, sha256(key), false), { ok: true });
    assert.equal(judgeCopy({ kind: 'text', text: 'what the user copied before' }, sha256(key), false).ok, false);
    assert.equal(judgeCopy({ kind: 'empty' }, sha256(key), true).ok, false);
  });
  it('without wl-paste, only a copy from the focused window is taken on trust', () => {
    const missing = { kind: 'unavailable', reason: 'wl-paste (wl-clipboard) is not installed' } as const;
    assert.deepEqual(judgeCopy(missing, sha256(key), true), { ok: true });
    const v = judgeCopy(missing, sha256(key), false);
    assert.ok(!v.ok && /wl-clipboard/.test(v.why));
  });
});

describe('image change needs main’s confirmation', () => {
  it('finds a change of image in a settings patch, and nothing else', () => {
    assert.deepEqual(imageChange({ image: 'ghcr.io/berriai/litellm:main-stable' }, { image: 'evil.example/litellm:latest' }), {
      from: 'ghcr.io/berriai/litellm:main-stable',
      to: 'evil.example/litellm:latest',
    });
    assert.equal(imageChange({ image: 'a:1' }, { image: 'a:1' }), null);
    assert.equal(imageChange({ image: 'a:1' }, { port: 4001 }), null);
  });
});

import type { EventEnvelope, EventMap, EventName, GatehouseBridge, InvokeChannel, InvokeEnvelope, InvokeMap } from '../../shared/api';
import { EVENT_CHANNEL, EVENT_NAMES, INVOKE_CHANNELS } from '../../shared/api';
import type { ErrorPayload } from '../../shared/api';
import { BridgeError } from '../../shared/bridge-errors';

/**
 * The renderer-facing API, built over ipcRenderer. It never imports 'electron' (preload.ts
 * passes ipcRenderer in), so tests run this exact code in Node over an in-process transport.
 * The renderer never sees ipcRenderer itself: only `invoke` for the contract's channels and
 * `on` for its events.
 */

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const invokeChannels = new Set<string>(INVOKE_CHANNELS);

/**
 * Calls that hand out the master key. The page may make them only while the user is acting on
 * it (Chromium's transient user activation: a click or key press within the last few seconds),
 * so a script running on its own, or one injected later, cannot pull the key unseen. Main
 * confirms with the input it saw itself; this is the first of the two checks.
 */
// Also the client keys' and snippets' copies (they hand out a key) and the chain test (it spends quota).
export const USER_GESTURE_CHANNELS: ReadonlySet<InvokeChannel> = new Set<InvokeChannel>(['key:reveal', 'key:copy', 'clients:copy', 'connect:copy', 'chain:test']);

export interface BridgeOptions {
  /**
   * Whether the page has transient user activation now (`navigator.userActivation.isActive` in
   * the preload). Without it the gesture rule is left to main alone.
   */
  userActivation?: () => boolean;
}
const eventNames = new Set<string>(EVENT_NAMES);

/** A failure as the renderer receives it: data in the envelope, which contextBridge copies whole. */
function refused(error: ErrorPayload): { ok: false; error: ErrorPayload } {
  return { ok: false, error };
}

function isEnvelope(value: unknown): value is InvokeEnvelope<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

export function createBridge(ipcRenderer: IpcRendererLike, options: BridgeOptions = {}): GatehouseBridge {
  // One ipcRenderer listener for all events, fanned out here: the renderer can subscribe and
  // unsubscribe freely without piling up listeners on the IPC channel.
  const listeners = new Map<EventName, Set<(data: never) => void>>();
  let attached = false;
  const onEnvelope = (_event: unknown, ...args: unknown[]): void => {
    const env = args[0] as EventEnvelope | undefined;
    if (!env || typeof env !== 'object' || !eventNames.has(env.event)) return;
    for (const fn of [...(listeners.get(env.event) ?? [])]) {
      try {
        (fn as (d: unknown) => void)(env.data);
      } catch (err) {
        // A throwing view must not stop the others from hearing the event.
        console.error(`Gatehouse: a listener for "${env.event}" threw`, err);
      }
    }
  };

  return {
    // Errors travel as data in the envelope (contextBridge would keep only an Error's message);
    // the renderer opens it with unwrapEnvelope/invokeOrThrow from shared/bridge-errors.ts.
    async invoke<K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']): Promise<InvokeEnvelope<InvokeMap[K]['result']>> {
      if (!invokeChannels.has(channel)) {
        return refused({ code: 'INVALID_ARGUMENT', message: `"${String(channel)}" is not a Gatehouse method.`, fix: null });
      }
      if (USER_GESTURE_CHANNELS.has(channel) && options.userActivation && !options.userActivation()) {
        return refused({
          code: 'NOT_FOCUSED',
          message: `"${channel}" hands out the master key, so it runs only right after a click or key press in the Gatehouse window.`,
          fix: 'Click the button in the Gatehouse window.',
        });
      }
      let reply: unknown;
      try {
        reply = await ipcRenderer.invoke(channel, ...args);
      } catch (err) {
        // The transport itself failed (main has no handler yet, the window is closing).
        return refused({ code: 'INTERNAL', message: `The call "${channel}" did not reach Gatehouse: ${err instanceof Error ? err.message : String(err)}`, fix: 'Restart Gatehouse.' });
      }
      if (!isEnvelope(reply)) {
        return refused({ code: 'INTERNAL', message: `The reply to "${channel}" was not understood.`, fix: 'Restart Gatehouse.' });
      }
      return reply as InvokeEnvelope<InvokeMap[K]['result']>;
    },

    on<K extends EventName>(event: K, listener: (data: EventMap[K]) => void): () => void {
      if (!eventNames.has(event)) throw new BridgeError({ code: 'INVALID_ARGUMENT', message: `"${String(event)}" is not a Gatehouse event.`, fix: null });
      if (typeof listener !== 'function') throw new BridgeError({ code: 'INVALID_ARGUMENT', message: 'The listener must be a function.', fix: null });
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (data: never) => void);
      if (!attached) {
        ipcRenderer.on(EVENT_CHANNEL, onEnvelope);
        attached = true;
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        set.delete(listener as (data: never) => void);
        const any = [...listeners.values()].some((s) => s.size > 0);
        if (!any && attached) {
          ipcRenderer.removeListener(EVENT_CHANNEL, onEnvelope);
          attached = false;
        }
      };
    },
  };
}

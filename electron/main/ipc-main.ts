import type { EventEnvelope, EventMap, EventName, InvokeChannel, InvokeEnvelope, InvokeMap } from '../../shared/api';
import { EVENT_CHANNEL, EVENT_NAMES, INVOKE_CHANNELS } from '../../shared/api';
import { IPC_SCHEMAS, argumentsRefusal } from '../../shared/ipc-schemas';
import { GatehouseError, toErrorPayload } from '../core/errors';

/**
 * The main side of the IPC contract. It never imports 'electron': it takes ipcMain (or anything
 * of the same shape) as a parameter, so tests drive this exact code in plain Node.
 */

/** The part of Electron's IpcMainInvokeEvent that the sender gate looks at. */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}

/** The part of Electron's ipcMain that registration uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export type InvokeHandlers = {
  [K in InvokeChannel]: (...args: InvokeMap[K]['args']) => Promise<InvokeMap[K]['result']>;
};

export type SenderGate = (event: InvokeEventLike) => boolean;

/**
 * The gate for the packaged app: only the main frame of the app's own page, loaded from its own
 * file:// URL, may call. An iframe, a navigated-away window or a devtools-injected page is
 * refused. `pageUrl` is the exact URL main loaded (query and hash ignored).
 */
export function trustedPageGate(pageUrl: string): SenderGate {
  const expected = stripQuery(pageUrl);
  return (event) => {
    const frame = event.senderFrame;
    if (!frame) return false; // the frame navigated or was destroyed while the call was in flight
    if (frame.parent !== null && frame.parent !== undefined) return false; // sub-frames never
    return stripQuery(frame.url) === expected;
  };
}

function stripQuery(url: string): string {
  try {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return '\u0000invalid'; // never equal to a valid expected URL
  }
}

function forbidden(channel: string): GatehouseError {
  return new GatehouseError(
    'FORBIDDEN_SENDER',
    `A call to "${channel}" came from a page that is not Gatehouse's own window, so it was refused.`,
    'Only the Gatehouse window may control the gateway. If you see this in the app, restart it and report the issue.',
  );
}

/** Validates and runs one call; always resolves to an envelope so errors keep code and fix. */
export async function dispatch<K extends InvokeChannel>(
  handlers: InvokeHandlers,
  isTrustedSender: SenderGate,
  event: InvokeEventLike,
  channel: K,
  rawArgs: unknown[],
): Promise<InvokeEnvelope<InvokeMap[K]['result']>> {
  try {
    if (!isTrustedSender(event)) throw forbidden(channel);
    const parsed = IPC_SCHEMAS[channel].safeParse(rawArgs);
    if (!parsed.success) {
      const refusal = argumentsRefusal(channel, parsed.error);
      throw new GatehouseError(refusal.code, refusal.message, refusal.fix);
    }
    const handler = handlers[channel] as (...a: unknown[]) => Promise<InvokeMap[K]['result']>;
    const value = await handler(...parsed.data);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: toErrorPayload(err) };
  }
}

/**
 * Registers one handler per channel of the contract. Returns a function that removes them
 * again (used when the app quits and by tests).
 */
export function registerIpc(ipcMain: IpcMainLike, handlers: InvokeHandlers, isTrustedSender: SenderGate): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, ...args) => dispatch(handlers, isTrustedSender, event, channel, args));
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Anything with a typed `on` that returns its unsubscribe (the core's TypedEmitter). */
export interface EventSource {
  on<K extends EventName>(event: K, listener: (data: EventMap[K]) => void): () => void;
}

/**
 * Forwards every core event on the one push channel. `send` delivers to the app's window(s);
 * it is a function so main can skip destroyed windows. Returns the unsubscribe.
 */
export function forwardEvents(events: EventSource, send: (channel: typeof EVENT_CHANNEL, envelope: EventEnvelope) => void): () => void {
  const offs = EVENT_NAMES.map((name) =>
    events.on(name, (data) => {
      send(EVENT_CHANNEL, { event: name, data } as EventEnvelope);
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}

import type { ErrorCode, ErrorPayload, GatehouseBridge, InvokeChannel, InvokeEnvelope, InvokeMap } from './api';

/**
 * Errors on the renderer's side of the bridge. A GatehouseError crosses IPC and the preload as
 * data, `{ code, message, fix, cause? }` inside InvokeEnvelope; here the envelope is opened and
 * a failure becomes a BridgeError that carries the same fields. Nothing is encoded into or
 * parsed out of a message. No runtime dependencies: the renderer bundle imports this file.
 */

export class BridgeError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | null;
  readonly payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = 'GatehouseError';
    this.code = payload.code;
    this.fix = payload.fix;
    this.payload = payload;
  }
}

/** Whether a value has the ErrorPayload shape (it came across a transport as data). */
export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && /^[A-Z_]+$/.test(v.code) && typeof v.message === 'string' && (v.fix === null || typeof v.fix === 'string');
}

/** The value of a successful call; a failed one throws BridgeError with the core's code and fix. */
export function unwrapEnvelope<T>(envelope: InvokeEnvelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new BridgeError(envelope.error);
}

/** Calls a contract method and opens its envelope: the value, or a thrown BridgeError. */
export async function invokeOrThrow<K extends InvokeChannel>(bridge: GatehouseBridge, channel: K, ...args: InvokeMap[K]['args']): Promise<InvokeMap[K]['result']> {
  return unwrapEnvelope(await bridge.invoke(channel, ...args));
}

/** The payload of anything caught: a BridgeError's own, a payload passed as data, else INTERNAL with the message. */
export function payloadFromError(err: unknown): ErrorPayload {
  if (err instanceof BridgeError) return err.payload;
  if (isErrorPayload(err)) return err;
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), fix: null };
}

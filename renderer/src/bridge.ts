import { useEffect, useRef } from 'react';
import type { ErrorPayload, EventMap, EventName, GatehouseBridge, InvokeChannel, InvokeMap } from '../../shared/api';
import { payloadFromError } from '../../shared/bridge-errors';

declare global {
  interface Window {
    gatehouse: GatehouseBridge;
  }
}

/** An error from the core as the UI shows it: what failed, and what to do. */
export class UiError extends Error {
  readonly payload: ErrorPayload;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.payload = payload;
  }
}

/** Calls a contract method; failures come back as UiError with the core's code and fix (data from the envelope). */
export async function call<K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']): Promise<InvokeMap[K]['result']> {
  let envelope;
  try {
    envelope = await window.gatehouse.invoke(channel, ...args);
  } catch (err) {
    throw new UiError(payloadFromError(err));
  }
  if (!envelope.ok) throw new UiError(envelope.error);
  return envelope.value;
}

export function errorOf(err: unknown): ErrorPayload {
  return err instanceof UiError ? err.payload : payloadFromError(err);
}

/** Subscribes for the component's lifetime; the latest listener is used without resubscribing. */
export function useEvent<K extends EventName>(event: K, listener: (data: EventMap[K]) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => window.gatehouse.on(event, (d) => ref.current(d)), [event]);
}

import type { ErrorCode, ErrorPayload } from './api';

/**
 * How a GatehouseError survives the trip to the renderer. Electron's contextBridge (and
 * Playwright's bindings in the e2e tests) copy only an Error's message, so the code and fix are
 * carried inside the message in a fixed, readable shape:
 *
 *     [PORT_IN_USE] Port 4000 is already in use by another program.
 *     Fix: Choose another port in Settings.
 *
 * The preload builds such errors (with code and fix also set as properties, for callers in the
 * same context); the renderer reads them back with payloadFromError. No runtime dependencies:
 * both the sandboxed preload and the renderer bundle import this file.
 */

export class BridgeError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | null;
  /** The message without the code prefix and fix line. */
  readonly detail: string;

  constructor(payload: ErrorPayload) {
    super(encodeMessage(payload));
    this.name = 'GatehouseError';
    this.code = payload.code;
    this.fix = payload.fix;
    this.detail = payload.message;
  }
}

const FIX_SEPARATOR = '\nFix: ';
const PREFIX = /^\[([A-Z_]+)\] /;

export function encodeMessage(p: ErrorPayload): string {
  return `[${p.code}] ${p.message}${p.fix ? FIX_SEPARATOR + p.fix : ''}`;
}

/** Rebuilds the payload from any error that crossed the bridge; unknown errors become INTERNAL. */
export function payloadFromError(err: unknown): ErrorPayload {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; fix?: unknown; detail?: unknown; message?: unknown };
    if (typeof e.code === 'string' && typeof e.detail === 'string') {
      return { code: e.code as ErrorCode, message: e.detail, fix: typeof e.fix === 'string' ? e.fix : null };
    }
  }
  let message = err instanceof Error ? err.message : String(err);
  // Some transports prefix the message ("Error invoking remote method …: Error: …").
  const at = message.search(/\[[A-Z_]+\] /);
  if (at > 0) message = message.slice(at);
  const m = PREFIX.exec(message);
  if (!m) return { code: 'INTERNAL', message, fix: null };
  const rest = message.slice(m[0].length);
  const cut = rest.indexOf(FIX_SEPARATOR);
  return {
    code: m[1] as ErrorCode,
    message: cut >= 0 ? rest.slice(0, cut) : rest,
    fix: cut >= 0 ? rest.slice(cut + FIX_SEPARATOR.length) : null,
  };
}

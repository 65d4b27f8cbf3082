import type { ErrorCode, ErrorPayload } from '../../shared/api';

/**
 * The one error type the core throws. Every fault a user can meet has its own code, a message
 * that says what failed and why, and a fix that says what to do. Messages never contain secrets:
 * callers pass names and fingerprints, never keys.
 */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | null;

  constructor(code: ErrorCode, message: string, fix: string | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatehouseError';
    this.code = code;
    this.fix = fix;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message, fix: this.fix };
  }
}

export function isGatehouseError(err: unknown, code?: ErrorCode): err is GatehouseError {
  return err instanceof GatehouseError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a payload fit for IPC or the CLI; unknown errors become INTERNAL. */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof GatehouseError) return err.toPayload();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, fix: 'This is a bug in Gatehouse; please report it with the steps that led here.' };
}

export function cancelled(what: string): GatehouseError {
  return new GatehouseError('CANCELLED', `${what} was cancelled.`, null);
}

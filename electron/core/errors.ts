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

  /** The error as data: what crosses IPC and what `--json` prints. */
  toPayload(): ErrorPayload {
    const cause = causeText(this.cause);
    return { code: this.code, message: this.message, fix: this.fix, ...(cause ? { cause } : {}) };
  }
}

const MAX_CAUSE_CHARS = 300;

/**
 * The underlying fault in one line: a system error's code and message ("ECONNREFUSED: connect
 * ECONNREFUSED /var/run/docker.sock"), a wrapped GatehouseError's code and message. Bounded,
 * and only from Error objects: a cause is never a value a caller passed in.
 */
function causeText(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as { code?: unknown }).code;
  const head = typeof code === 'string' && !cause.message.startsWith(code) ? `${code}: ` : '';
  const text = `${head}${cause.message}`.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS - 1)}…` : text;
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

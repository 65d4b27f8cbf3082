import type { RotationStep } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import { checkBarrier } from '../services/health';
import { hostProbe, type GatewayProbe } from '../services/gateway-probe';
import type { StackPlan } from '../services/gateway-plan';
import type { RotationJournal } from './rotation-journal';

/**
 * Where the gateway runs during a key rotation: a container (container-rotation.ts) or, in swarm
 * mode, the Swarm service (swarm/service-rotation.ts). rotation.ts picks one per operation and keeps
 * the journal, the keychain steps, the abort points' numbering, progress and errors; a target does
 * only what touches the gateway.
 */
export interface RotationTarget {
  /** Looks for the gateway before anything changes; a failure means the rotation cannot tell whether it runs. */
  find(plan: StackPlan): Promise<FoundGateway>;
  /**
   * Undoes the gateway's side of a rotation that was not verified (only when a gateway was running):
   * the old gateway serves again with `oldKey` (null when the keychain no longer holds it).
   */
  restore(journal: RotationJournal, oldKey: string | null): Promise<void>;
  /**
   * Finishes the gateway's side of a verified rotation (only when a gateway was running) after the
   * new key became current; idempotent, so recovery can run it again after a crash inside it.
   */
  finish(journal: RotationJournal, currentKey: string): Promise<void>;
}

export interface FoundGateway {
  /** The gateway container as found, running or not (the journal's oldContainerId and oldContainerName); a service has none. */
  container: { id: string; name: string } | null;
  /**
   * Null when no gateway runs (only the keychain changes). Otherwise called still before anything
   * changes, its errors thrown as they are: what replacing the running gateway takes.
   */
  replacing: (() => Promise<Replacement>) | null;
}

export interface Replacement {
  /** The progress text of the 'recreate' phase, shown before the journal says "recreating". */
  announce: string;
  /** The progress text of the commit phase, when it is not the container's. */
  committing?: string;
  /**
   * After the journal says "recreating" (abort point 3): the gateway replaced by one with the new
   * key, then verified (new key 200, old key 401, no key 401); abort points 4–7 on the way.
   */
  run(journal: RotationJournal, oldKey: string, newKey: string): Promise<void>;
}

/** What a target needs from the rotation it serves. */
export interface RotationSteps {
  /** The rotation's crash-test hook: kills the process at abort point `n` (rotation.ts numbers them). */
  abortPoint(n: number): void;
  progress(step: RotationStep, message: string): void;
}

const PROBE_TIMEOUT_MS = 1500;

export function rotationFailed(message: string, cause?: unknown): GatehouseError {
  return new GatehouseError(
    'ROTATION_FAILED',
    message,
    'The old key is still the current key (a gateway that was running runs with it again). Fix the cause named above and run the rotation again.',
    cause ? { cause } : undefined,
  );
}

export function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A Docker failure while `doing`, as ROTATION_FAILED (a GatehouseError is kept as it is). */
export function dockerError(err: unknown, doing: string): GatehouseError {
  if (isGatehouseError(err)) return err;
  return rotationFailed(`${doing} failed: ${why(err)}.`, err);
}

/** New key 200, no key 401 (both checked by checkBarrier), old key 401. */
export async function verifyKeys(target: string | GatewayProbe, newKey: string, oldKey: string): Promise<void> {
  const probe = typeof target === 'string' ? hostProbe(target) : target;
  const barrier = await checkBarrier(probe, newKey);
  if (!barrier.ok) throw rotationFailed(`The new gateway did not pass the key check: ${barrier.detail}.`);
  let status: number;
  try {
    status = (await probe.get('/v1/models', oldKey, { timeoutMs: PROBE_TIMEOUT_MS })).status;
  } catch (err) {
    throw rotationFailed(`The new gateway did not answer the old-key check: ${why(err)}.`, err);
  }
  if (status !== 401 && status !== 403) {
    throw rotationFailed(`The new gateway still accepts the old key (HTTP ${status} with it); rotation would not revoke it.`);
  }
}

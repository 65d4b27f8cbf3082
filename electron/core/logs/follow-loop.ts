import type { LogLevel } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import { connectionError } from '../engine/connection';
import { sleep } from '../../../shared/sleep';

/** What a follower writes to the log besides the lines it reads. */
export interface FollowOutput {
  /** A stream ended or broke: emit what the parser holds. */
  flush(): void;
  /** A marker line for the log ("reattached", "lost Docker"). */
  marker(message: string, level: LogLevel): void;
}

/** The follow's signal and timing, as both followers take them. */
export interface FollowTiming {
  signal: AbortSignal;
  /** Reconnect backoff (doubling) bounds. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  recheckMs?: number;
}

/** The timing with its defaults filled in. */
export function followTiming(options: FollowTiming): { minBackoff: number; maxBackoff: number; recheck: number } {
  return { minBackoff: options.minBackoffMs ?? 500, maxBackoff: options.maxBackoffMs ?? 15_000, recheck: options.recheckMs ?? 5_000 };
}

/** What differs between following a container and following a service: what is followed and how. */
export interface FollowSource<T> extends FollowOutput {
  /** Looks for what to follow (throws when Docker cannot be asked); null when there is none. */
  find(): Promise<T | null>;
  /** What is followed is attached to again when this changes (a recreate). */
  idOf(target: T): string;
  /** The follower starts reading a target (first time, or a new one). */
  attach(target: T, previousId: string | null): Promise<void> | void;
  /** Said once while there is nothing to follow. */
  noneMarker: string;
  /** There is nothing to follow: waits until it is worth looking again. */
  waitForOne(): Promise<void>;
  /**
   * Reads the target's log until its stream ends, says why it ended and waits as needed before
   * the next look; returns at once on abort. 'waiting-announced' when it already said that it
   * waits for a new target (the next look that finds none stays quiet).
   */
  read(target: T): Promise<'waiting-announced' | void>;
  /** Wait before looking again when the target was removed between the look and the read. */
  notFoundRetryMs: number;
  /** What is followed, for the message of an unexpected failure ("the gateway logs"). */
  what: string;
  /** The engine's environment: says which Docker endpoint could not be reached. */
  env: NodeJS.ProcessEnv;
}

/**
 * The reconnect loop of both followers: looks for what to follow, attaches to it (again when it
 * changed), reads its log, and looks again, until the signal aborts. Docker errors are retried
 * with a doubling backoff, with one marker when Docker goes away and one when it is back;
 * nothing here throws (an abort resolves).
 */
export async function runFollowLoop<T>(source: FollowSource<T>, timing: FollowTiming): Promise<void> {
  const { signal } = timing;
  const { minBackoff, maxBackoff } = followTiming(timing);
  let backoff = minBackoff;
  let currentId: string | null = null;
  let dockerLost = false;
  let waitingAnnounced = false;
  let lastError = '';

  while (!signal.aborted) {
    try {
      const target = await source.find();
      if (dockerLost) {
        source.marker('Docker is reachable again; following the gateway logs.', 'info');
        dockerLost = false;
      }
      lastError = '';
      backoff = minBackoff;
      if (!target) {
        if (!waitingAnnounced) {
          source.marker(source.noneMarker, 'info');
          waitingAnnounced = true;
        }
        await source.waitForOne();
        continue;
      }
      waitingAnnounced = false;
      const id = source.idOf(target);
      if (id !== currentId) {
        await source.attach(target, currentId);
        currentId = id;
      }
      if ((await source.read(target)) === 'waiting-announced') waitingAnnounced = true;
    } catch (err) {
      source.flush();
      if (signal.aborted || isGatehouseError(err, 'CANCELLED')) break;
      const conn = isGatehouseError(err) ? err : connectionError(err, source.env);
      if (conn?.code === 'DOCKER_UNREACHABLE' || conn?.code === 'DOCKER_PERMISSION') {
        if (!dockerLost) source.marker(`${conn.message} Reconnecting with backoff.`, 'warning');
        dockerLost = true;
      } else if (isGatehouseError(err, 'NOT_FOUND')) {
        // Removed between the look and the read (a rotation): look again.
        if (source.notFoundRetryMs > 0) await sleep(source.notFoundRetryMs, signal).catch(() => undefined);
        continue;
      } else {
        const msg = err instanceof GatehouseError ? err.message : `Following ${source.what} failed: ${(err as Error)?.message ?? String(err)}.`;
        if (msg !== lastError) source.marker(msg, 'warning');
        lastError = msg;
      }
      await sleep(backoff, signal).catch(() => undefined); // aborted: the loop's condition ends the follow
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }
  source.flush();
}

import type { LogLevel } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import { connectionError } from '../engine/connection';
import { labelFilter } from '../engine/labels';
import { findGatewayContainer, streamContainerLogs, type GatewayContainer, type RawLine } from '../engine/log-stream';
import type { DockerEngine } from '../engine/types';
import { sleep } from '../../../shared/sleep';

export interface FollowHooks {
  /** Time of the last line already read from this container, or null. */
  since(containerId: string): string | null;
  /** The follower starts reading a container (first time, or a new one after a recreate). */
  attach(container: GatewayContainer, previousId: string | null): Promise<void> | void;
  line(line: RawLine): void;
  /** A stream ended or broke: emit what the parser holds. */
  flush(): void;
  /** A marker line for the log ("reattached", "lost Docker"). */
  marker(message: string, level: LogLevel): void;
}

export interface FollowOptions {
  signal: AbortSignal;
  /** Lines to read back on the first attach to a container never read before. */
  initialTail?: number;
  /** Reconnect backoff (doubling) bounds. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long to wait for a Docker "start" event before looking again anyway. */
  recheckMs?: number;
}

/**
 * Resolves when a gateway container of the stack starts (a Docker event), after `ms` at the
 * latest, or on abort. `sinceSec` replays events from that second on, so a start that happened
 * between our last look and the subscription is not missed.
 */
async function waitForStart(engine: DockerEngine, stack: string, sinceSec: number, ms: number, signal: AbortSignal): Promise<void> {
  const local = new AbortController();
  const onAbort = () => local.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => local.abort(), ms);
  try {
    const stream = await engine.events({ type: ['container'], event: ['start'], ...labelFilter(stack, 'gateway') }, { signal: local.signal, since: sinceSec });
    await new Promise<void>((resolve) => {
      const end = () => {
        local.signal.removeEventListener('abort', end);
        stream.destroy();
        resolve();
      };
      if (local.signal.aborted) return end();
      local.signal.addEventListener('abort', end, { once: true });
      stream.once('data', end);
      stream.once('end', end);
      stream.once('error', end);
    });
  } catch {
    // The engine may be gone: the caller's next look reports that.
    await sleep(Math.min(ms, 1000), local.signal).catch(() => undefined); // the abort ends the wait, nothing more
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Follows the stack's gateway logs until the signal aborts: finds the gateway container by
 * label, streams its logs (reading back from the last line seen), and when the stream ends
 * (the container stopped, was recreated by a rotation, or Docker went away) waits for the next
 * start and reattaches, with a marker line each time. Docker errors are retried with a
 * doubling backoff; nothing here throws except on abort (it then resolves).
 */
export async function followGateway(engine: DockerEngine, stack: string, hooks: FollowHooks, options: FollowOptions): Promise<void> {
  const { signal } = options;
  const env = engine.env;
  const minBackoff = options.minBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 15_000;
  const recheck = options.recheckMs ?? 5_000;
  let backoff = minBackoff;
  let currentId: string | null = null;
  let dockerLost = false;
  let waitingAnnounced = false;
  let lastError = '';

  while (!signal.aborted) {
    // Events from this second on are replayed, so a start between the look and the wait counts.
    const lookedAt = Math.floor(Date.now() / 1000);
    try {
      const container = await findGatewayContainer(engine, stack);
      if (dockerLost) {
        hooks.marker('Docker is reachable again; following the gateway logs.', 'info');
        dockerLost = false;
      }
      lastError = '';
      backoff = minBackoff;
      if (!container) {
        if (!waitingAnnounced) {
          hooks.marker(`No gateway container for stack "${stack}"; waiting for one to start.`, 'info');
          waitingAnnounced = true;
        }
        await waitForStart(engine, stack, lookedAt, recheck, signal);
        continue;
      }
      waitingAnnounced = false;
      if (container.id !== currentId) {
        await hooks.attach(container, currentId);
        currentId = container.id;
      }
      const since = hooks.since(container.id);
      await streamContainerLogs(
        engine,
        container.id,
        {
          tty: container.tty,
          follow: container.running,
          since,
          ...(since === null && options.initialTail !== undefined ? { tail: options.initialTail } : {}),
          signal,
        },
        hooks.line,
      );
      hooks.flush();
      if (signal.aborted) break;
      if (container.running) {
        // The follow stream ends when the container stops: say so, then wait for the next start.
        // Throws when Docker itself went away (the catch below says so, not "removed").
        const after = await findGatewayContainer(engine, stack);
        const how = after && after.id === container.id && after.exitCode !== null ? ` (exit code ${after.exitCode})` : after && after.id !== container.id ? ' (replaced)' : after ? '' : ' (removed)';
        hooks.marker(`Gateway container ${container.id.slice(0, 12)} stopped${how}; waiting for it to run again.`, 'info');
        if (after && after.running && after.id !== container.id) continue;
        await waitForStart(engine, stack, Math.floor(Date.now() / 1000) - 1, recheck, signal);
      } else {
        await waitForStart(engine, stack, lookedAt, recheck, signal);
      }
    } catch (err) {
      hooks.flush();
      if (signal.aborted || isGatehouseError(err, 'CANCELLED')) break;
      const conn = isGatehouseError(err) ? err : connectionError(err, env);
      if (conn?.code === 'DOCKER_UNREACHABLE' || conn?.code === 'DOCKER_PERMISSION') {
        if (!dockerLost) hooks.marker(`${conn.message} Reconnecting with backoff.`, 'warning');
        dockerLost = true;
      } else if (isGatehouseError(err, 'NOT_FOUND')) {
        // Removed between the look and the read (a rotation): look again at once.
        continue;
      } else {
        const msg = err instanceof GatehouseError ? err.message : `Following the gateway logs failed: ${(err as Error)?.message ?? String(err)}.`;
        if (msg !== lastError) hooks.marker(msg, 'warning');
        lastError = msg;
      }
      await sleep(backoff, signal).catch(() => undefined); // aborted: the loop's condition ends the follow
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }
  hooks.flush();
}

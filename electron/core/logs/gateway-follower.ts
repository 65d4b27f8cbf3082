import { labelFilter } from '../engine/labels';
import { findGatewayContainer, streamContainerLogs, type GatewayContainer, type RawLine } from '../engine/log-stream';
import type { DockerEngine } from '../engine/types';
import { sleep } from '../../../shared/sleep';
import { followTiming, runFollowLoop, type FollowOutput, type FollowTiming } from './follow-loop';

export interface FollowHooks extends FollowOutput {
  /** Time of the last line already read from this container, or null. */
  since(containerId: string): string | null;
  /** The follower starts reading a container (first time, or a new one after a recreate). */
  attach(container: GatewayContainer, previousId: string | null): Promise<void> | void;
  line(line: RawLine): void;
}

export interface FollowOptions extends FollowTiming {
  /** Lines to read back on the first attach to a container never read before. */
  initialTail?: number;
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
  const { recheck } = followTiming(options);
  // Events from this second on are replayed, so a start between the look and the wait counts.
  let lookedAt = 0;
  await runFollowLoop<GatewayContainer>(
    {
      flush: () => hooks.flush(),
      marker: (message, level) => hooks.marker(message, level),
      find: () => {
        lookedAt = Math.floor(Date.now() / 1000);
        return findGatewayContainer(engine, stack);
      },
      idOf: (container) => container.id,
      attach: (container, previousId) => hooks.attach(container, previousId),
      noneMarker: `No gateway container for stack "${stack}"; waiting for one to start.`,
      waitForOne: () => waitForStart(engine, stack, lookedAt, recheck, signal),
      read: async (container) => {
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
        if (signal.aborted) return;
        if (container.running) {
          // The follow stream ends when the container stops: say so, then wait for the next start.
          // Throws when Docker itself went away (the loop says so, not "removed").
          const after = await findGatewayContainer(engine, stack);
          const how = after && after.id === container.id && after.exitCode !== null ? ` (exit code ${after.exitCode})` : after && after.id !== container.id ? ' (replaced)' : after ? '' : ' (removed)';
          hooks.marker(`Gateway container ${container.id.slice(0, 12)} stopped${how}; waiting for it to run again.`, 'info');
          if (after && after.running && after.id !== container.id) return;
          await waitForStart(engine, stack, Math.floor(Date.now() / 1000) - 1, recheck, signal);
        } else {
          await waitForStart(engine, stack, lookedAt, recheck, signal);
        }
      },
      // A container removed between the look and the read (a rotation): look again at once.
      notFoundRetryMs: 0,
      what: 'the gateway logs',
      env: engine.env,
    },
    options,
  );
}

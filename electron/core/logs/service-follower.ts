import { isGatehouseError } from '../errors';
import type { DockerEngine, ServiceDetails, TaskDetails } from '../engine/types';
import { LabelledLines, TaskNames, streamServiceLogs, type ServiceLogLine, type SwarmServiceSource, type TaskLabel } from '../swarm/service-logs';
import { desiredReplicas } from '../swarm/task-states';
import { sleep } from '../../../shared/sleep';
import { followTiming, runFollowLoop, type FollowOutput, type FollowTiming } from './follow-loop';

export interface ServiceFollowHooks extends FollowOutput {
  /** Where a (re-)read of the service starts: from what was read of its tasks; null = never read. */
  since(service: ServiceDetails, tasks: TaskDetails[]): string | null;
  /** The follower starts reading a service (first time, or a new one after a remove and create). */
  attach(service: ServiceDetails, previousId: string | null): Promise<void> | void;
  line(line: ServiceLogLine, task: TaskLabel): void;
}

export interface ServiceFollowOptions extends FollowTiming {
  /** Lines per task to read back on the first attach to a service never read before. */
  initialTail?: number;
  /** How often the service is looked at while its log is followed (removed, replaced, scaled). */
  recheckMs?: number;
}

/**
 * Reads a service's log once, from `since` (or the last `tail` lines of each task), each line
 * handed on with its task's label in the order Docker sent them.
 */
export async function readServiceLogOnce(
  engine: DockerEngine,
  source: SwarmServiceSource,
  service: ServiceDetails,
  tasks: TaskDetails[],
  options: { since: string | null; tail?: number; signal?: AbortSignal },
  onLine: (line: ServiceLogLine, task: TaskLabel) => void,
): Promise<void> {
  const names = new TaskNames(service, (id) => source.tasks(id));
  names.learn(tasks);
  const lines = new LabelledLines(names, onLine);
  try {
    await streamServiceLogs(engine, service, { follow: false, since: options.since, ...(options.tail !== undefined ? { tail: options.tail } : {}), ...(options.signal ? { signal: options.signal } : {}) }, (l) => lines.push(l));
  } finally {
    await lines.idle();
  }
}

/**
 * Follows the gateway service's log (every task's) until the signal aborts. Docker's follow
 * stream takes in new tasks by itself (a rotation, a stop and start, a scale-up), but it neither
 * ends when the service is removed nor says when it is scaled to 0: the service is looked at
 * every `recheckMs`, markers say what changed, and a removed or replaced service is let go and
 * the next one followed. Docker errors are retried with a doubling backoff; nothing here throws
 * (an abort resolves).
 */
export async function followService(engine: DockerEngine, source: SwarmServiceSource, stack: string, hooks: ServiceFollowHooks, options: ServiceFollowOptions): Promise<void> {
  const { signal } = options;
  const { minBackoff, recheck } = followTiming(options);
  await runFollowLoop<ServiceDetails>(
    {
      flush: () => hooks.flush(),
      marker: (message, level) => hooks.marker(message, level),
      find: () => source.find(signal),
      idOf: (service) => service.ID,
      attach: (service, previousId) => hooks.attach(service, previousId),
      noneMarker: `No gateway service ${stack}_litellm in the swarm; waiting for one to be created.`,
      waitForOne: () => sleep(recheck, signal).catch(() => undefined), // aborted: the loop's condition ends it
      read: async (service) => {
        const name = service.Spec.Name ?? service.ID;
        const tasks = await source.tasks(service.ID, signal);
        const since = hooks.since(service, tasks);
        const names = new TaskNames(service, (id) => source.tasks(id));
        names.learn(tasks);
        const lines = new LabelledLines(names, hooks.line);
        const local = new AbortController();
        const onAbort = () => local.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        let gone: string | null = null;
        let replicas = desiredReplicas(service.Spec);
        // The stream outlives a removed service: watch the service and let go of a stream that no longer has one.
        const watch = setInterval(() => {
          void source
            .find(local.signal)
            .then((now) => {
              if (local.signal.aborted) return;
              if (!now || now.ID !== service.ID) {
                gone = now ? 'was replaced by a new service' : 'was removed';
                local.abort();
                return;
              }
              const want = desiredReplicas(now.Spec);
              if (want === 0 && replicas > 0) hooks.marker(`Gateway service ${name} scaled to 0 (stopped); its log is followed for the next start.`, 'info');
              else if (want > 0 && replicas === 0) hooks.marker(`Gateway service ${name} scaled to ${want}; following its tasks.`, 'info');
              replicas = want;
            })
            .catch(() => undefined); // Docker away: the stream breaks too, and the loop says so
        }, recheck);
        try {
          await streamServiceLogs(engine, service, { follow: true, since, ...(since === null && options.initialTail !== undefined ? { tail: options.initialTail } : {}), signal: local.signal }, (l) => lines.push(l));
        } catch (err) {
          // Let go by the watch: not a fault.
          if (!(gone && !signal.aborted && isGatehouseError(err, 'CANCELLED'))) throw err;
        } finally {
          clearInterval(watch);
          signal.removeEventListener('abort', onAbort);
          await lines.idle();
          hooks.flush();
        }
        if (signal.aborted) return;
        if (gone) {
          hooks.marker(`Gateway service ${name} ${gone}; waiting for the gateway service.`, 'info');
          return 'waiting-announced';
        }
        // Docker ended the stream (an engine restart, a leader change): read on from the last line.
        hooks.marker(`The log stream of the gateway service ${name} ended; reading on.`, 'info');
        await sleep(minBackoff, signal).catch(() => undefined);
      },
      // A service removed between the look and the read: look again soon.
      notFoundRetryMs: minBackoff,
      what: 'the gateway service logs',
      env: engine.env,
    },
    options,
  );
}

import { GatehouseError } from '../errors';
import type { DockerEngine, ServiceSpec, TaskDetails } from '../engine/types';
import { containerHandle } from '../engine/container-logs';
import { HEALTH_POLL_MS, ReadinessNap, checkBarrier, probeLiveness, watchLog } from '../services/health';
import type { GatewayProbe } from '../services/gateway-probe';
import { debugTiming } from '../debug-timing';
import { rollout } from './task-states';
import { settledInOrder } from './settled-in-order';

/** While a task is not yet serving, the engine's task list is read at most this often (the published port is probed every HEALTH_POLL_MS). */
const TASKS_EVERY_MS = 250;

/** The gateway service a deploy just created or updated, and how to ask it (SwarmGateway.deploy fills it in). */
export interface GatewayServiceReadiness {
  /** The engine the service runs on: each task container's own log is followed through it. */
  engine: DockerEngine;
  /** `<stack>_litellm`, for messages. */
  serviceName: string;
  /** The spec just created or updated: every replica must serve from it (task-states.ts rollout). */
  spec: ServiceSpec;
  /** The service's tasks as the engine lists them now. */
  tasks: (signal?: AbortSignal) => Promise<TaskDetails[]>;
  /** The gateway's URL: the published port on a local engine; its scheme also decides whether a key may cross the network. */
  url: string;
  /** Only over a remote engine: how the gateway is asked, given the tasks last read (SwarmGateway.probeOf). */
  remoteProbe?: (tasks: TaskDetails[]) => Promise<GatewayProbe>;
  /** The key the barrier must accept. */
  key: string;
  /** When the deploy changed the service (epoch ms): a task that failed before it is not this deploy's. */
  since: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Waits until every replica of `spec` serves (running tasks = desired, none of an earlier spec
 * left: task-states.ts rollout) and the published port answers `key` and refuses no key; a failed
 * task or the timeout is an error.
 */
export async function waitGatewayServiceReady(r: GatewayServiceReadiness): Promise<void> {
  const { serviceName, url, key, since, timeoutMs, signal } = r;
  const deadline = Date.now() + timeoutMs;
  const timing = debugTiming();
  const remoteProbe = r.remoteProbe;
  let last = 'no answer yet';
  let tasksReadAt = 0;
  let answered = false;
  let progress: { ready: boolean; detail: string } = { ready: false, detail: 'no task yet' };
  // The task list says whether a task failed and whether the rollout is complete; the published
  // port says whether the gateway answers. The port is probed every HEALTH_POLL_MS (a boot is
  // noticed within that, as in container mode), and at once when a task's container logs that the
  // gateway listens; the task list is read at most every TASKS_EVERY_MS while nothing answers,
  // and always beside the barrier once something does. Each task container's own log is followed
  // (the service logs API leaves a task out until its health check has passed); a container on
  // another node cannot be, which only costs the shortcut.
  const followed = new Map<string, () => void>();
  const nap = new ReadinessNap();
  const onListening = (): void => {
    timing.mark('swarm readiness: a task logs that the gateway listens');
    nap.wake();
  };
  let latest: TaskDetails[] = [];
  const readTasks = async (): Promise<void> => {
    const tasks = await r.tasks(signal);
    latest = tasks;
    tasksReadAt = Date.now();
    for (const t of tasks) {
      const id = t.DesiredState === 'running' ? t.Status?.ContainerStatus?.ContainerID : undefined;
      if (id && !followed.has(id)) followed.set(id, watchLog(containerHandle(r.engine, id), onListening, () => undefined));
    }
    const failed = tasks.find((t) => ['failed', 'rejected'].includes(t.Status?.State ?? '') && Date.parse((t as { UpdatedAt?: string }).UpdatedAt ?? '') >= since - 1000);
    if (failed) {
      throw new GatehouseError('CONTAINER_EXITED', `A task of the gateway service ${serviceName} ${failed.Status?.State}: ${failed.Status?.Err ?? failed.Status?.Message ?? 'no reason given'}.`, 'Read its log: `gatehouse logs --tail 50`; fix the cause and start again.');
    }
    progress = rollout(tasks, r.spec);
  };
  try {
    for (;;) {
      if (signal?.aborted) throw new GatehouseError('CANCELLED', 'The start was cancelled.', 'Run the command again to finish it.');
      const probe = remoteProbe ? await remoteProbe(latest) : url;
      const [, live] = await settledInOrder<[void, boolean]>([Date.now() - tasksReadAt >= TASKS_EVERY_MS ? readTasks() : Promise.resolve(), probeLiveness(probe, signal)]);
      last = progress.detail;
      if (live) {
        if (!answered) timing.mark('swarm readiness: the published port answers');
        answered = true;
        const [, b] = await settledInOrder<[void, Awaited<ReturnType<typeof checkBarrier>>]>([readTasks(), checkBarrier(probe, key, signal)]);
        if (!b.ok && remoteProbe && progress.ready && typeof probe !== 'string' && !probe.where.startsWith('inside') && !url.startsWith('https:')) {
          throw new GatehouseError(
            'SETTINGS_INVALID',
            `The gateway service ${serviceName} runs, but no task of it is on the node of the engine Gatehouse talks to, so its key could only be checked by sending it in clear over HTTP across the network — which Gatehouse does not do.`,
            'Turn HTTPS on (`gatehouse tls enable`), or point DOCKER_HOST at the manager whose node runs the gateway\'s task.',
          );
        }
        if (b.ok && progress.ready) return;
        if (!b.ok && b.unsafe) throw new GatehouseError('GATEWAY_UNSAFE', `The gateway service ${serviceName} answered without a key: ${b.detail}.`, 'Gatehouse stopped it; check the image and `extraEnv` (`gatehouse settings`).');
        last = b.ok ? progress.detail : `${b.detail}; ${progress.detail}`;
      }
      if (Date.now() > deadline) {
        throw new GatehouseError('HEALTH_TIMEOUT', `The gateway service ${serviceName} was not ready within ${Math.round(timeoutMs / 1000)} s (${last}).`, 'Read `gatehouse logs`; on a slow machine raise it: `gatehouse settings set startTimeoutSeconds 300`.');
      }
      await nap.sleep(HEALTH_POLL_MS);
    }
  } finally {
    for (const stop of followed.values()) stop();
  }
}

import { cancelled } from '../errors';
import { createLineDecoder, logError, pumpLog, toDockerSince, type LogSubject, type RawLine } from '../engine/log-stream';
import type { DockerEngine, EngineStream, ServiceDetails, ServiceLogQuery, TaskDetails } from '../engine/types';
import { swarmEngine } from './membership';

/**
 * The gateway's Swarm service as the logs and the security checks read it. The composition root
 * builds it on SwarmGateway (findService, tasks), so "which service is the gateway" stays one rule.
 */
export interface SwarmServiceSource {
  /** Whether the settings say swarm mode (settings.target "swarm"). */
  enabled(): Promise<boolean>;
  /** The stack's gateway service `<stack>_litellm`; null when there is none. */
  find(signal?: AbortSignal): Promise<ServiceDetails | null>;
  tasks(serviceId: string, signal?: AbortSignal): Promise<TaskDetails[]>;
}

/** A line of a service's log: the line, and the task (and node) Docker says wrote it. */
export interface ServiceLogLine extends RawLine {
  taskId: string | null;
  nodeId: string | null;
}

/**
 * Splits Docker's `details` prefix off a line: `k=v,k=v message`, keys and values URL-escaped
 * (Go's url.QueryEscape, a space as "+"), sorted by key; an empty prefix leaves a lone space.
 * A line that does not start with such a prefix is all message.
 */
export function splitDetails(text: string): { attrs: Record<string, string>; message: string } {
  const sp = text.indexOf(' ');
  const head = sp === -1 ? text : text.slice(0, sp);
  const message = sp === -1 ? '' : text.slice(sp + 1);
  if (head === '') return { attrs: {}, message };
  const attrs: Record<string, string> = {};
  for (const pair of head.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return { attrs: {}, message: text };
    attrs[unescapeQuery(pair.slice(0, eq))] = unescapeQuery(pair.slice(eq + 1));
  }
  return { attrs, message };
}

function unescapeQuery(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** A task as `docker service logs` names it: `<service>.<slot>.<first 12 of the task id>` (no slot known: `<service>.<12>`). */
export function taskName(serviceName: string, taskId: string, slot?: number | null): string {
  const short = taskId.slice(0, 12);
  return slot ? `${serviceName}.${slot}.${short}` : `${serviceName}.${short}`;
}

/** Whether the service's tasks run with a TTY (their log is then one raw stream, not multiplexed). */
export function serviceTty(service: ServiceDetails): boolean {
  return Boolean((service.Spec.TaskTemplate as { ContainerSpec?: { TTY?: boolean } } | undefined)?.ContainerSpec?.TTY);
}

export interface ServiceLogOptions {
  follow: boolean;
  /** A normalized time: only lines from then on (Docker's `since`, inclusive). */
  since?: string | null;
  /** The last N lines of each task (Docker applies `tail` per task). */
  tail?: number;
  signal?: AbortSignal;
}

/**
 * Streams a service's logs (every task's, with timestamps and the task named by `details`) until
 * the stream ends or the signal aborts. Rejects with CANCELLED on abort, DOCKER_UNREACHABLE
 * when the engine goes away, NOT_FOUND when the service is gone.
 */
export async function streamServiceLogs(engine: DockerEngine, service: ServiceDetails, options: ServiceLogOptions, onLine: (line: ServiceLogLine) => void): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw cancelled('Following the gateway logs');
  const name = service.Spec.Name ?? service.ID;
  const query: ServiceLogQuery = { stdout: true, stderr: true, timestamps: true, details: true, follow: options.follow, stream: true };
  if (options.since) query.since = toDockerSince(options.since);
  if (options.tail !== undefined) query.tail = options.tail;
  let res: Buffer | EngineStream;
  try {
    res = await swarmEngine(engine).serviceLogs(service.ID, query, { signal });
  } catch (err) {
    throw logError(err, serviceSubject(name), signal, engine.env);
  }
  const dec = createLineDecoder(serviceTty(service), (l) => {
    const { attrs, message } = splitDetails(l.text);
    onLine({ time: l.time, stream: l.stream, text: message, taskId: attrs['com.docker.swarm.task.id'] ?? null, nodeId: attrs['com.docker.swarm.node.id'] ?? null });
  });
  await pumpLog(res, dec, signal, (err) => logError(err, serviceSubject(name), signal, engine.env));
}

function serviceSubject(name: string): LogSubject {
  return { gone: `The gateway service ${name}`, name: `the service ${name}`, check: `\`docker service logs ${name}\`` };
}

/** What a line's task id stands for: its name as the log shows it, and its container (null when Docker does not say). */
export interface TaskLabel {
  name: string;
  containerId: string | null;
}

/**
 * Names the tasks of one service for its log lines. Asks Docker for the task list when a task id
 * is new (a rotation, a restart, a scale-up), at most once per `minAskMs` for the same unknown id,
 * so a task Docker no longer lists still gets a name without a request per line.
 */
export class TaskNames {
  private readonly known = new Map<string, TaskLabel>();
  private lastAsked = 0;

  constructor(
    private readonly service: ServiceDetails,
    private readonly listTasks: (serviceId: string) => Promise<TaskDetails[]>,
    private readonly minAskMs = 1000,
  ) {}

  get serviceName(): string {
    return this.service.Spec.Name ?? this.service.ID;
  }

  /** Takes in a task list already at hand. */
  learn(tasks: TaskDetails[]): void {
    for (const t of tasks) this.known.set(t.ID, { name: taskName(this.serviceName, t.ID, t.Slot), containerId: t.Status?.ContainerStatus?.ContainerID ?? null });
  }

  /** The label of a known task, without asking Docker. */
  peek(taskId: string): TaskLabel | undefined {
    return this.known.get(taskId);
  }

  async label(taskId: string | null): Promise<TaskLabel> {
    if (!taskId) return { name: this.serviceName, containerId: null };
    const have = this.known.get(taskId);
    // A task listed before its container existed learns its container id on a later ask.
    if (have?.containerId) return have;
    if (Date.now() - this.lastAsked >= this.minAskMs) {
      this.lastAsked = Date.now();
      try {
        this.learn(await this.listTasks(this.service.ID));
      } catch {
        // Named without its slot below; the line itself is not lost.
      }
    }
    return this.known.get(taskId) ?? have ?? { name: taskName(this.serviceName, taskId), containerId: null };
  }
}

/**
 * Hands a service's log lines on in the order they came, each with its task's label: at once for
 * a task already known, after asking Docker for one that is new (later lines wait behind it).
 */
export class LabelledLines {
  private queue: ServiceLogLine[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly names: TaskNames,
    private readonly out: (line: ServiceLogLine, label: TaskLabel) => void,
  ) {}

  push(line: ServiceLogLine): void {
    if (!this.draining) {
      const known = line.taskId ? this.names.peek(line.taskId) : { name: this.names.serviceName, containerId: null };
      if (known && (known.containerId || !line.taskId)) return this.out(line, known);
    }
    this.queue.push(line);
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      for (const l of batch) this.out(l, await this.names.label(l.taskId));
    }
    this.draining = null;
  }

  /** Resolves once every line pushed so far was handed on. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }
}

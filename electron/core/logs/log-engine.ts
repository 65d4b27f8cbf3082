import path from 'node:path';
import type { EventMap, ExportFormat, LogEntry, LogLevel, LogPage, LogQuery, WarningGroup } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import type { SettingsStore } from '../settings';
import type { StateStore } from '../state-store';
import type { SecretStore } from '../secrets/secret-store';
import type { TypedEmitter } from '../typed-emitter';
import { findGatewayContainer, streamContainerLogs, type GatewayContainer, type RawLine } from '../engine/log-stream';
import type { DockerEngine } from '../engine/types';
import { LogPipeline, type RedactionStats } from './pipeline';
import { LogHistory, type HistoryOptions } from './history';
import { readKnownSecrets } from './redactor';
import { runQueryAsync } from './query';
import { writeExport } from './export';
import { followGateway, type FollowOptions } from './gateway-follower';
import type { FollowOutput } from './follow-loop';
import { restoreClearedMarks, restoreCounters, saveAck, saveClearedMarks, saveRedactionStats } from './log-state';
import { inspectGatewayContainer, readGatewayTail, readServiceTail, type LogSourceRead } from './docker-read';
import { followService, readServiceLogOnce } from './service-follower';
import { taskName, type ServiceLogLine, type SwarmServiceSource, type TaskLabel } from '../swarm/service-logs';
import { currentTasks } from '../swarm/task-states';
import type { ServiceDetails, TaskDetails } from '../engine/types';

export interface LogEngineDeps {
  home: string;
  env: NodeJS.ProcessEnv;
  settings: SettingsStore;
  state: StateStore;
  secrets: SecretStore;
  events: TypedEmitter<EventMap>;
  /** Tests shrink these. */
  history?: HistoryOptions;
  /** The core's one Docker adapter. */
  engine: DockerEngine;
  /** Swarm mode (settings.target "swarm"): the gateway's service, whose tasks' logs are read instead of a container's. */
  swarm?: SwarmServiceSource;
}

/** What the gateway's logs are read from: its container, or in swarm mode its service's tasks. */
interface LogSource {
  readonly kind: 'container' | 'service';
  /** What was printed since the last line read (no follow), and what it was read from. */
  readNew(signal?: AbortSignal): Promise<{ container: GatewayContainer | null; service?: ServiceDetails | null }>;
  /** The newest `lines` lines straight from Docker, not kept (see readFromDocker). */
  readTail(lines: number | undefined, onEntry: (e: LogEntry) => void, signal?: AbortSignal): Promise<LogSourceRead | null>;
  /** Follows until the signal aborts; `afterLine` runs after each line is taken in. */
  follow(output: FollowOutput, afterLine: () => void, options: FollowOptions): Promise<void>;
}

const MB = 1024 * 1024;
const BATCH_MS = 100;
const PARSER_IDLE_MS = 250;
const SECRET_REFRESH_MS = 30_000;

/**
 * The log and warning engine (`core.logs`): reads the gateway's logs from Docker, parses,
 * redacts, keeps them in a bounded ring buffer and a bounded history on disk, groups warnings,
 * answers queries and exports. Emits 'logs:appended' (batched) and 'warnings:new'.
 */
export class LogEngine {
  private pipeline: LogPipeline | null = null;
  private history: LogHistory | null = null;
  private ready: Promise<void> | null = null;
  private stack = '';
  private batch: LogEntry[] = [];
  private freshGroups = new Map<string, WarningGroup>();
  private batchTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private statsDirty = false;
  private secretsReadAt = 0;
  private lastLineAt = 0;
  private writeErrorReported = false;
  /** Aborted by close(): a follower still running then stops and writes what it holds. */
  private readonly closing = new AbortController();
  private following = new Set<Promise<void>>();
  /**
   * The "Reading the logs of …" marker of the container just attached: written with the time of
   * the first line read from it, so that the log stays in time order (lines read from Docker are
   * older than the moment of reading).
   */
  private pendingMarker: string | null = null;

  constructor(private readonly deps: LogEngineDeps) {}

  private init(): Promise<void> {
    // A failed load (invalid settings, unreadable folder) is retried on the next call.
    return (this.ready ??= this.load().catch((err: unknown) => {
      this.ready = null;
      throw err;
    }));
  }

  private async load(): Promise<void> {
    const settings = await this.deps.settings.get();
    this.stack = settings.stackName;
    const pipeline = new LogPipeline(settings.logBufferEntries, {
      entry: (e, last) => {
        this.history?.append(LogHistory.record(e, last));
        this.batch.push(e);
        this.scheduleBatch();
      },
      freshGroup: (u) => {
        this.freshGroups.set(u.group.id, pipeline.groups.view(u.group));
        this.scheduleBatch();
      },
      redacted: () => {
        this.statsDirty = true;
      },
    });
    await restoreCounters(this.deps.state, pipeline);
    // Sized from the buffer so that a restart can fill it again: 4 files of ~160 B per buffered
    // entry hold more than the buffer (a typical entry takes ~300 B as a JSON line).
    const maxFileBytes = Math.min(128 * MB, Math.max(8 * MB, settings.logBufferEntries * 160));
    this.history = new LogHistory(path.join(this.deps.home, 'logs', this.stack), { maxFileBytes, rotatedFiles: 3, privateRoot: this.deps.home, ...this.deps.history });
    pipeline.restore(await this.history.load(settings.logBufferEntries));
    await restoreClearedMarks(this.deps.state, pipeline);
    this.pipeline = pipeline;
    // A buffer size changed while running (the app's Settings, `gatehouse settings set`) applies at once.
    const off = this.deps.events.on('settings:changed', (s) => pipeline.buffer.resize(s.logBufferEntries));
    this.closing.signal.addEventListener('abort', off, { once: true });
    await this.refreshSecrets();
  }

  /** Reads the exact secrets again from the keychain (at each attach, on rotation, every 30 s). */
  async refreshSecrets(): Promise<void> {
    const p = this.pipeline;
    if (!p) return this.init();
    p.redactor.setSecrets(await readKnownSecrets(this.deps.secrets));
    this.secretsReadAt = Date.now();
  }

  private scheduleBatch(): void {
    if (this.batchTimer) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      this.flushBatch().catch((err: unknown) => this.reportWriteError(err));
    }, BATCH_MS);
    this.batchTimer.unref?.();
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length) {
      const entries = this.batch;
      this.batch = [];
      this.deps.events.emit('logs:appended', entries);
    }
    if (this.freshGroups.size) {
      const groups = [...this.freshGroups.values()];
      this.freshGroups.clear();
      this.deps.events.emit('warnings:new', groups);
    }
    await this.persist();
  }

  /** A full or read-only disk must not stop the log view: say so once, keep going in memory. */
  private reportWriteError(err: unknown): void {
    if (this.writeErrorReported) return;
    this.writeErrorReported = true;
    const code = isGatehouseError(err) ? `${err.message} ${err.fix ?? ''}`.trim() : ((err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err));
    this.pipeline?.system(`Writing the log history under ${this.history?.dir ?? this.deps.home} failed (${code}); new lines are kept in memory only until the app restarts.`, 'warning');
  }

  private async persist(): Promise<void> {
    const tasks: Promise<unknown>[] = [];
    if (this.history) tasks.push(this.history.flush());
    if (this.statsDirty && this.pipeline) {
      this.statsDirty = false;
      tasks.push(saveRedactionStats(this.deps.state, this.pipeline.stats));
    }
    await Promise.all(tasks);
  }

  /** Parser holds the last entry open until it knows no traceback follows; emit it once quiet. */
  private scheduleIdleFlush(): void {
    // One timer per quiet period, not one per line: a busy gateway prints thousands a second.
    this.lastLineAt = Date.now();
    if (this.idleTimer) return;
    const check = (delay: number) => {
      this.idleTimer = setTimeout(() => {
        const quiet = Date.now() - this.lastLineAt;
        if (quiet < PARSER_IDLE_MS) return check(PARSER_IDLE_MS - quiet);
        this.idleTimer = null;
        this.pipeline?.flush();
      }, delay);
      this.idleTimer.unref?.();
    };
    check(PARSER_IDLE_MS);
  }

  private async attach(container: GatewayContainer, previousId: string | null): Promise<void> {
    const p = this.pipeline as LogPipeline;
    await this.refreshSecrets().catch(() => undefined);
    const seenBefore = p.watermarkOf(container.id) !== null;
    p.setContainer(container.id);
    const short = container.id.slice(0, 12);
    this.emitPendingMarker();
    if (previousId && previousId !== container.id) {
      this.pendingMarker = `Gateway container recreated: now following ${short} (${container.name}), was ${previousId.slice(0, 12)}.`;
    } else if (!seenBefore) {
      this.pendingMarker = `Reading the logs of gateway container ${short} (${container.name}).`;
    }
  }

  /** Where the gateway's logs are read from now: settings.target, asked at each read (it can change while running). */
  private async source(): Promise<LogSource> {
    return (await this.deps.swarm?.enabled()) ? this.serviceSource() : this.containerSource();
  }

  private containerSource(): LogSource {
    return {
      kind: 'container',
      readNew: async (signal) => {
        const container = await findGatewayContainer(this.deps.engine, this.stack, signal);
        if (container) await this.readContainer(container, signal);
        return { container };
      },
      readTail: (lines, onEntry, signal) => readGatewayTail(this.deps.engine, this.deps.secrets, this.stack, lines, onEntry, signal),
      // A container restarted or recreated (a rotation) is found again by the find-by-role rule.
      follow: (output, afterLine, options) =>
        followGateway(
          this.deps.engine,
          this.stack,
          {
            ...output,
            since: (id) => (this.pipeline as LogPipeline).watermarkOf(id),
            attach: (c, prev) => this.attach(c, prev),
            line: (l) => {
              this.ingestLine(l);
              afterLine();
            },
          },
          options,
        ),
    };
  }

  private serviceSource(): LogSource {
    const swarm = this.deps.swarm as SwarmServiceSource;
    return {
      kind: 'service',
      readNew: async (signal) => ({ container: null, service: await this.readService(signal) }),
      readTail: (lines, onEntry, signal) => readServiceTail(this.deps.engine, swarm, this.deps.secrets, lines, onEntry, signal),
      follow: (output, afterLine, options) =>
        followService(
          this.deps.engine,
          swarm,
          this.stack,
          {
            ...output,
            since: (svc, tasks) => this.serviceSince(svc, tasks),
            attach: (svc, prev) => this.attachService(svc, prev),
            line: (l, task) => {
              this.ingestTaskLine(l, task);
              afterLine();
            },
          },
          options,
        ),
    };
  }

  /** Swarm mode: the follower starts reading the gateway service (every task's log). */
  private async attachService(service: ServiceDetails, previousId: string | null): Promise<void> {
    const p = this.pipeline as LogPipeline;
    await this.refreshSecrets().catch(() => undefined);
    this.emitPendingMarker();
    p.setContainer(null);
    const name = service.Spec.Name ?? service.ID;
    if (previousId && previousId !== service.ID) {
      this.pendingMarker = `Gateway service recreated: now following ${name} (${service.ID.slice(0, 12)}), was ${previousId.slice(0, 12)}.`;
    } else if (!Object.keys(p.marks()).some((k) => k.startsWith(`${name}.`))) {
      this.pendingMarker = `Reading the logs of gateway service ${name} (every task).`;
    }
  }

  /**
   * Where a read of the service starts: the oldest last line among its running tasks already
   * read (per-task watermarks drop what is read twice), else the newest line of any of its
   * earlier tasks; null when none of its tasks was read (the caller reads a tail instead).
   */
  private serviceSince(service: ServiceDetails, tasks: TaskDetails[]): string | null {
    const p = this.pipeline as LogPipeline;
    const name = service.Spec.Name ?? service.ID;
    const keys = Object.keys(p.marks()).filter((k) => k.startsWith(`${name}.`));
    const times = (ks: string[]) => ks.map((k) => p.watermarkOf(k)).filter((t): t is string => t !== null).sort();
    const running = new Set(currentTasks(tasks).map((t) => taskName(name, t.ID, t.Slot)));
    const live = times(keys.filter((k) => running.has(k)));
    if (live.length) return live[0] as string;
    const all = times(keys);
    return all.length ? (all[all.length - 1] as string) : null;
  }

  /** A line of a task of the gateway service: the pipeline reads it as that task's (its watermark, its name on the entry). */
  private ingestTaskLine(l: ServiceLogLine, task: TaskLabel): void {
    const p = this.pipeline as LogPipeline;
    if (p.sourceKey !== task.name) {
      if (this.pendingMarker === null && p.watermarkOf(task.name) === null) {
        this.pendingMarker = `Reading the logs of gateway task ${task.name}${task.containerId ? ` (container ${task.containerId.slice(0, 12)})` : ''}.`;
      }
      p.setContainer(task.containerId, task.name);
    }
    this.ingestLine(l);
  }

  /** Swarm mode's readContainer: what the service's tasks printed since the last line read. */
  private async readService(signal?: AbortSignal): Promise<ServiceDetails | null> {
    const swarm = this.deps.swarm as SwarmServiceSource;
    const p = this.pipeline as LogPipeline;
    const service = await swarm.find(signal);
    if (!service) return null;
    await this.attachService(service, null);
    const tasks = await swarm.tasks(service.ID, signal);
    const since = this.serviceSince(service, tasks);
    await readServiceLogOnce(this.deps.engine, swarm, service, tasks, { since, ...(signal ? { signal } : {}) }, (l, t) => this.ingestTaskLine(l, t));
    this.emitPendingMarker();
    p.flush();
    return service;
  }

  /** One line from Docker into the pipeline, after the pending marker (stamped with this line's time). */
  private ingestLine(l: RawLine): void {
    const p = this.pipeline as LogPipeline;
    if (this.pendingMarker !== null) {
      p.system(this.pendingMarker, 'info', l.time);
      this.pendingMarker = null;
    }
    p.ingest(l);
  }

  /** A marker with no line after it (nothing new was read) is stamped now. */
  private emitPendingMarker(): void {
    if (this.pendingMarker === null) return;
    (this.pipeline as LogPipeline).system(this.pendingMarker);
    this.pendingMarker = null;
  }

  /**
   * Reads what the gateway printed since the last line seen (no follow) into the buffer and
   * history. Returns the number of new entries; DOCKER_UNREACHABLE when Docker is not there.
   */
  async sync(signal?: AbortSignal): Promise<number> {
    return (await this.readNew(signal)).added;
  }

  /**
   * sync(), also telling what was read: the gateway container, or in swarm mode the gateway
   * service; null when the stack has none (what the buffer holds is then the history of earlier ones).
   */
  async readNew(signal?: AbortSignal): Promise<{ added: number; container: GatewayContainer | null; service?: ServiceDetails | null }> {
    await this.init();
    const p = this.pipeline as LogPipeline;
    const before = p.scanned;
    const read = await (await this.source()).readNew(signal);
    await this.flushBatch().catch((err: unknown) => this.reportWriteError(err));
    return { added: p.scanned - before, ...read };
  }

  private async readContainer(container: GatewayContainer, signal?: AbortSignal): Promise<void> {
    const p = this.pipeline as LogPipeline;
    await this.attach(container, null);
    const since = p.watermarkOf(container.id);
    await streamContainerLogs(this.deps.engine, container.id, { tty: container.tty, follow: false, since, ...(signal ? { signal } : {}) }, (l) => this.ingestLine(l));
    this.emitPendingMarker();
    p.flush();
  }

  /**
   * Reads what a gateway container printed, before it is removed (a rotation's old container):
   * its last lines stay in the history. Only when nothing follows the logs in this process: a
   * follower has read them already.
   */
  async keepLinesOf(containerId: string, signal?: AbortSignal): Promise<void> {
    if (this.following.size) return;
    await this.init();
    const container = await inspectGatewayContainer(this.deps.engine, containerId, signal);
    if (!container) return;
    await this.readContainer(container, signal);
    await this.flushBatch().catch((err: unknown) => this.reportWriteError(err));
  }

  /**
   * The newest `lines` lines of the gateway's current container, read straight from Docker through
   * the same parse and redaction as every other line, handed to `onEntry` and not kept: for a
   * `logs --tail` larger than the in-memory buffer. `lines` undefined reads them all. Null when
   * the stack has no gateway container.
   */
  async readFromDocker(lines: number | undefined, onEntry: (e: LogEntry) => void, signal?: AbortSignal): Promise<LogSourceRead | null> {
    await this.init();
    return (await this.source()).readTail(lines, onEntry, signal);
  }

  /**
   * Follows the gateway's logs until the signal aborts, across container restarts and
   * recreations (with a marker line) and Docker outages (reconnects with backoff).
   */
  follow(options: { signal: AbortSignal; minBackoffMs?: number; recheckMs?: number }): Promise<void> {
    const run = this.runFollow({ ...options, signal: AbortSignal.any([options.signal, this.closing.signal]) });
    this.following.add(run);
    return run.finally(() => this.following.delete(run));
  }

  private async runFollow(options: { signal: AbortSignal; minBackoffMs?: number; recheckMs?: number }): Promise<void> {
    await this.init();
    const p = this.pipeline as LogPipeline;
    const unsubscribe = this.deps.events.on('rotation:progress', () => {
      void this.refreshSecrets().catch(() => undefined);
    });
    try {
      // A change of settings.target while following switches between a container's log and the service's.
      while (!options.signal.aborted) {
        const source = await this.source();
        const swarm = source.kind === 'service';
        const switched = new AbortController();
        const off = this.deps.events.on('settings:changed', (s) => {
          if ((s.target === 'swarm') !== swarm) switched.abort();
        });
        try {
          await this.followOnce(source, { ...options, signal: AbortSignal.any([options.signal, switched.signal]) });
        } finally {
          off();
        }
        if (switched.signal.aborted && !options.signal.aborted) p.system(`The setting target changed; following the gateway's ${swarm ? 'container' : 'Swarm service'} logs now.`);
      }
    } finally {
      unsubscribe();
      this.emitPendingMarker();
      p.flush();
      await this.flushBatch().catch((err: unknown) => this.reportWriteError(err));
    }
  }

  private async followOnce(source: LogSource, options: { signal: AbortSignal; minBackoffMs?: number; recheckMs?: number }): Promise<void> {
    const p = this.pipeline as LogPipeline;
    const refreshNow = () => {
      if (Date.now() - this.secretsReadAt > SECRET_REFRESH_MS) {
        this.secretsReadAt = Date.now();
        void this.refreshSecrets().catch(() => undefined);
      }
    };
    const output: FollowOutput = {
      flush: () => {
        this.emitPendingMarker();
        p.flush();
      },
      marker: (message: string, level: LogLevel) => {
        p.system(message, level);
      },
    };
    const tuning = {
      signal: options.signal,
      initialTail: p.buffer.capacity,
      ...(options.minBackoffMs !== undefined ? { minBackoffMs: options.minBackoffMs } : {}),
      ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
    };
    await source.follow(
      output,
      () => {
        this.scheduleIdleFlush();
        refreshNow();
      },
      tuning,
    );
  }

  async query(q: LogQuery = {}): Promise<LogPage> {
    await this.init();
    return runQueryAsync((this.pipeline as LogPipeline).buffer, q);
  }

  /** Empties the buffer, the history on disk and the warning groups (acknowledgements stay). */
  async clear(): Promise<void> {
    await this.init();
    const p = this.pipeline as LogPipeline;
    p.clear();
    this.batch = [];
    this.freshGroups.clear();
    await this.history?.clear();
    await saveClearedMarks(this.deps.state, p.marks());
  }

  /** Writes the entries matching `q` (already redacted) to `file`. */
  async export(q: LogQuery, format: ExportFormat, file: string): Promise<{ path: string; entries: number }> {
    await this.init();
    const { entries } = await runQueryAsync((this.pipeline as LogPipeline).buffer, { ...q, limit: undefined, offset: undefined });
    const target = path.resolve(file);
    await writeExport(target, entries, format);
    return { path: target, entries: entries.length };
  }

  async warnings(): Promise<WarningGroup[]> {
    await this.init();
    return (this.pipeline as LogPipeline).groups.list();
  }

  /** Acknowledges a warning group through its last occurrence; kept in state.json. */
  async ack(id: string): Promise<WarningGroup[]> {
    await this.init();
    const groups = (this.pipeline as LogPipeline).groups;
    const done = groups.acknowledge(id);
    if (!done) {
      throw new GatehouseError('NOT_FOUND', `No warning group with id "${id}".`, 'List the warnings (`gatehouse warnings`) and use an id from there.');
    }
    await saveAck(this.deps.state, done.id, done.through);
    return groups.list();
  }

  /** Secrets replaced in the gateway's output so far (kept across restarts). */
  async redactionCount(): Promise<number> {
    await this.init();
    return (this.pipeline as LogPipeline).stats.total;
  }

  /** How many entries the in-memory buffer holds at most now (logBufferEntries, followed live). */
  async bufferCapacity(): Promise<number> {
    await this.init();
    return (this.pipeline as LogPipeline).buffer.capacity;
  }

  async redactionStats(): Promise<RedactionStats & { scannedEntries: number }> {
    await this.init();
    const p = this.pipeline as LogPipeline;
    return { ...structuredClone(p.stats), scannedEntries: p.scanned };
  }

  /** Writes what is pending (history, stats) and stops timers. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.following]);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.batchTimer = this.idleTimer = null;
    if (!this.ready) return;
    await this.ready.catch(() => undefined);
    this.pipeline?.flush();
    await this.flushBatch().catch((err: unknown) => this.reportWriteError(err));
  }
}

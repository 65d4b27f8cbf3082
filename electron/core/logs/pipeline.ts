import type { LogEntry, LogLevel } from '../../../shared/api';
import type { RawLine } from '../engine/log-stream';
import { isoNano } from '../engine/log-stream';
import { LogParser, type ParsedEntry } from './parser';
import { Redactor, type RedactionKind } from './redactor';
import { RingBuffer } from './ring-buffer';
import { WarningGroups, type GroupUpdate } from './grouping';
import type { HistoryRecord } from './history';

export interface StreamMarks {
  stdout: string | null;
  stderr: string | null;
}

/** What the redactor found, for the security check "the gateway printed a secret". */
export interface RedactionStats {
  /** Secrets replaced, all kinds. */
  total: number;
  /** Entries that held at least one. */
  lines: number;
  /** Entries that held one of the exact keychain secrets (master key, pending key, Claude token, salt key, DB password). */
  exactLines: number;
  byKind: Partial<Record<RedactionKind, number>>;
  /** Time of the last entry that held one. */
  lastAt: string | null;
}

export function emptyRedactionStats(): RedactionStats {
  return { total: 0, lines: 0, exactLines: 0, byKind: {}, lastAt: null };
}

export interface PipelineSinks {
  /** Every accepted entry, after redaction, with the time of its last line. */
  entry?(entry: LogEntry, lastLineTime: string): void;
  /** A warning group that just became new (first seen, or back after its acknowledgement). */
  freshGroup?(update: GroupUpdate): void;
  /** A line with a secret was accepted (stats changed). */
  redacted?(): void;
}

/**
 * The core ingest path: timestamped lines → (drop lines already seen) → parse (join tracebacks)
 * → redact → ring buffer + warning groups. Everything downstream of redact() only ever sees
 * redacted text. One pipeline per log engine; the follower tells it which container it reads.
 */
export class LogPipeline {
  readonly buffer: RingBuffer<LogEntry>;
  readonly redactor = new Redactor();
  readonly groups = new WarningGroups();
  readonly stats: RedactionStats = emptyRedactionStats();
  /** Entries taken in since start (loaded history included). */
  scanned = 0;
  private readonly parser: LogParser;
  private containerId: string | null = null;
  /** Swarm mode: the task the lines come from; its name is then the watermark's key. */
  private task: string | null = null;
  private watermark: StreamMarks | null = null;
  /**
   * Time of the last line read per container and stream, so that re-reading with `since` never
   * stores a line twice. Per stream, because Docker stamps stdout and stderr in separate
   * copiers: a stdout line can reach the log after a later-stamped stderr line, and one
   * watermark for both would drop it.
   */
  private readonly watermarks = new Map<string, StreamMarks>();
  private readonly sourceCache = new Map<string, string>();
  private seq = 0;

  constructor(capacity: number, private readonly sinks: PipelineSinks = {}) {
    this.buffer = new RingBuffer<LogEntry>(capacity);
    this.parser = new LogParser((p) => this.accept(p));
  }

  /**
   * Lines that follow belong to this container; in swarm mode to this task (named as
   * `docker service logs` names it), which is then what their watermark is kept under.
   */
  setContainer(containerId: string | null, task: string | null = null): void {
    this.parser.flush();
    this.containerId = containerId;
    this.task = task;
    const key = task ?? containerId;
    this.watermark = key ? this.marksOf(key) : null;
  }

  /** The key of the lines now read (the task, else the container), as watermarkOf takes it. */
  get sourceKey(): string | null {
    return this.task ?? this.containerId;
  }

  private marksOf(containerId: string): StreamMarks {
    let m = this.watermarks.get(containerId);
    if (!m) this.watermarks.set(containerId, (m = { stdout: null, stderr: null }));
    return m;
  }

  /** Where a re-read of a container (or task) starts (Docker's `since`): the older stream's last line; null = never read. */
  watermarkOf(key: string): string | null {
    const m = this.watermarks.get(key);
    if (!m) return null;
    if (m.stdout === null) return m.stderr;
    if (m.stderr === null) return m.stdout;
    return m.stdout < m.stderr ? m.stdout : m.stderr;
  }

  ingest(line: RawLine): void {
    // Lines at or before the watermark were read before (a reconnect, or a restart of the app
    // that re-reads with `since`): Docker's `since` is inclusive and whole lines carry
    // nanosecond times, so "<=" drops exactly the repeats.
    const wm = this.watermark;
    if (wm !== null) {
      const last = wm[line.stream];
      if (last !== null && line.time <= last) return;
      wm[line.stream] = line.time;
    }
    this.parser.push(line);
  }

  /** Emits an entry the parser still holds open (the stream went quiet or ended). */
  flush(): void {
    this.parser.flush();
  }

  get hasPending(): boolean {
    return this.parser.hasPending;
  }

  /** A Gatehouse marker in the log (attached, reattached, lost Docker): stream "system". */
  system(message: string, level: LogLevel = 'info', time: string = isoNano(new Date())): LogEntry {
    this.parser.flush();
    const e: LogEntry = { seq: ++this.seq, time, stream: 'system', level, source: 'gatehouse', message: this.redactor.redact(message), containerId: this.containerId };
    if (this.task !== null) e.task = this.task;
    this.store(e, time);
    return e;
  }

  private accept(p: ParsedEntry): void {
    const r = this.redactor;
    const message = r.redact(p.message);
    const kinds = r.lastKinds;
    const exact = r.lastHadExact;
    let source = this.sourceCache.get(p.source);
    if (source === undefined) {
      source = r.redact(p.source);
      if (this.sourceCache.size < 256) this.sourceCache.set(p.source, source);
    }
    if (kinds.length) this.count(kinds, exact, p.time);
    const e: LogEntry = { seq: ++this.seq, time: p.time, stream: p.stream, level: p.level, source, message, containerId: this.containerId };
    if (this.task !== null) e.task = this.task;
    this.store(e, p.lastLineTime);
  }

  private count(kinds: RedactionKind[], exact: boolean, time: string): void {
    const s = this.stats;
    s.total += kinds.length;
    s.lines++;
    if (exact) s.exactLines++;
    for (const k of kinds) s.byKind[k] = (s.byKind[k] ?? 0) + 1;
    if (!s.lastAt || time > s.lastAt) s.lastAt = time;
    this.sinks.redacted?.();
  }

  private store(e: LogEntry, lastLineTime: string): void {
    this.scanned++;
    this.buffer.push(e);
    const update = this.groups.add(e);
    this.sinks.entry?.(e, lastLineTime);
    if (update?.fresh) this.sinks.freshGroup?.(update);
  }

  /** Every container's per-stream watermark (kept in state.json when the history is cleared). */
  marks(): Record<string, StreamMarks> {
    const out: Record<string, StreamMarks> = {};
    for (const [id, m] of this.watermarks) out[id] = { ...m };
    return out;
  }

  /** Raises watermarks to those given (never lowers them). */
  mergeMarks(marks: Record<string, StreamMarks>): void {
    for (const [id, given] of Object.entries(marks)) {
      const m = this.marksOf(id);
      for (const s of ['stdout', 'stderr'] as const) {
        const v = given?.[s];
        if (typeof v === 'string' && (m[s] === null || v > (m[s] as string))) m[s] = v;
      }
    }
  }

  /** Puts stored history back (already redacted) and restores each container's watermark. */
  restore(records: HistoryRecord[]): void {
    for (const r of records) {
      // A task's lines are keyed by the task (swarm mode), a container's by the container.
      const key = r.task ?? r.containerId;
      if (key && r.stream !== 'system') {
        // The app and a CLI run can both append what they read from the same container: a
        // record at or before what this container's stream already holds is such a repeat.
        const prev = this.watermarks.get(key)?.[r.stream];
        if (prev !== undefined && prev !== null && r.time <= prev) continue;
      }
      const e: LogEntry = { seq: ++this.seq, time: r.time, stream: r.stream, level: r.level, source: r.source, message: r.message, containerId: r.containerId };
      if (r.task !== undefined) e.task = r.task;
      this.buffer.push(e);
      this.groups.add(e);
      this.scanned++;
      if (key && r.stream !== 'system') {
        const last = r.last ?? r.time;
        const m = this.marksOf(key);
        const prev = m[r.stream];
        if (prev === null || last > prev) m[r.stream] = last;
      }
    }
  }

  clear(): void {
    this.parser.flush();
    this.buffer.clear();
    this.groups.clear();
    // Watermarks stay: a cleared view must not fill up again with the same old lines.
  }
}

import type { LogEntry, LogLevel } from '../../../shared/api';
import { LEVEL_RANK } from '../../../shared/log-levels';

export { LEVEL_RANK };

/**
 * The renderer's copy of the gateway's log lines, kept outside React: 100,000 entries never go
 * through component state, the list view reads the slice it draws. Bounded like the core's ring
 * buffer; trimming happens in chunks so appends stay O(1) amortised.
 */
export class LogStore {
  private entries: LogEntry[] = [];
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change that is not a pure append (trim, clear, replace). */
  generation = 0;

  constructor(private cap = 100_000) {}

  get size(): number {
    return this.entries.length;
  }

  at(i: number): LogEntry | undefined {
    return this.entries[i];
  }

  all(): readonly LogEntry[] {
    return this.entries;
  }

  setCap(cap: number): void {
    this.cap = cap;
    this.trim();
  }

  replace(entries: LogEntry[]): void {
    this.entries = entries.slice(-this.cap);
    this.generation++;
    this.emit();
  }

  /**
   * Takes the core's backlog (a query result) and keeps any line that arrived as an event after
   * the query was answered, so opening the view never loses the newest lines.
   */
  loadBacklog(backlog: LogEntry[]): void {
    const lastSeq = backlog.length ? backlog[backlog.length - 1]!.seq : -Infinity;
    const newer = this.entries.filter((e) => e.seq > lastSeq);
    this.entries = backlog.concat(newer).slice(-this.cap);
    this.generation++;
    this.emit();
  }

  append(batch: LogEntry[]): void {
    if (batch.length === 0) return;
    const last = this.entries[this.entries.length - 1];
    // Events can overlap the initial query: drop what the store already has (seq increases).
    const fresh = last ? batch.filter((e) => e.seq > last.seq) : batch;
    for (const e of fresh) this.entries.push(e);
    this.trim();
    this.emit();
  }

  clear(): void {
    this.entries = [];
    this.generation++;
    this.emit();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private trim(): void {
    // Allow 10 % slack before cutting, so a stream of appends does not shift the array each time.
    if (this.entries.length > this.cap * 1.1 || (this.entries.length > this.cap && this.cap < 1000)) {
      this.entries = this.entries.slice(-this.cap);
      this.generation++;
    }
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

export const logStore = new LogStore();

/** Indices (into the store) of the entries at or above `minLevel`; incremental for appends. */
export class LevelIndex {
  private rows: number[] = [];
  private scanned = 0;
  private generation = -1;
  private level: LogLevel | null = null;

  rowsFor(store: LogStore, minLevel: LogLevel): readonly number[] {
    if (store.generation !== this.generation || minLevel !== this.level) {
      this.rows = [];
      this.scanned = 0;
      this.generation = store.generation;
      this.level = minLevel;
    }
    const min = LEVEL_RANK[minLevel];
    const all = store.all();
    for (let i = this.scanned; i < all.length; i++) {
      if (LEVEL_RANK[all[i]!.level] >= min) this.rows.push(i);
    }
    this.scanned = all.length;
    return this.rows;
  }
}

/** Positions (into `rows`) of the entries whose message contains `needle`, case-insensitive. */
export function findMatches(store: LogStore, rows: readonly number[], needle: string): number[] {
  if (!needle) return [];
  const n = needle.toLowerCase();
  const out: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const e = store.at(rows[r]!);
    if (e && e.message.toLowerCase().includes(n)) out.push(r);
  }
  return out;
}

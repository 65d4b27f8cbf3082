import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { LogEntry } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { LEVEL_RANK } from './levels';

/** One stored entry: a LogEntry without its seq (renumbered at load), plus the line watermark. */
export type HistoryRecord = Omit<LogEntry, 'seq'> & {
  /** Time of the entry's last line when it spans several (a traceback). */
  last?: string;
};

export interface HistoryOptions {
  /** Rotate the current file once it passes this size. */
  maxFileBytes?: number;
  /** Rotated files kept besides the current one; the history on disk is bounded by (n+1) × max. */
  rotatedFiles?: number;
  /**
   * The folder up to which the history's folders must be private (the app data folder): owned by
   * this user and writable by nobody else. Default: the history folder itself.
   */
  privateRoot?: string;
}

// Appends never follow a symbolic link: one planted in place of history.jsonl would have
// Gatehouse write into any file the user may write. (O_NOFOLLOW does not exist on Windows.)
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/**
 * Refuses a folder that someone else could swap files in (not owned by this user, or writable by
 * its group or everyone), from `dir` up to `root`. POSIX only: Windows has ACLs, not modes.
 */
async function assertPrivateFolders(dir: string, root: string): Promise<void> {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  const top = path.resolve(root);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    const problem = st.uid !== uid ? `it belongs to uid ${st.uid}, not to you (uid ${uid})` : st.mode & 0o022 ? `it is writable by ${st.mode & 0o002 ? 'every user' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})` : null;
    if (problem) {
      throw new GatehouseError(
        'INTERNAL',
        `The log history was not written to ${d}: ${problem}, so someone else could replace its files.`,
        `Make it yours and private (chown $(id -u) ${d} && chmod 700 ${d}), or point GATEHOUSE_HOME at a folder of your own.`,
      );
    }
    if (d === top || path.dirname(d) === d || !d.startsWith(top)) return;
  }
}

const CURRENT = 'history.jsonl';
const STREAMS = new Set(['stdout', 'stderr', 'system']);

function isRecord(v: unknown): v is HistoryRecord {
  const r = v as HistoryRecord;
  return (
    !!r &&
    typeof r.time === 'string' &&
    STREAMS.has(r.stream) &&
    typeof r.level === 'string' &&
    r.level in LEVEL_RANK &&
    typeof r.source === 'string' &&
    typeof r.message === 'string' &&
    (r.containerId === null || typeof r.containerId === 'string') &&
    (r.task === undefined || typeof r.task === 'string')
  );
}

/**
 * The redacted log history on disk (JSON lines in <app data>/logs/), so that logs survive a
 * restart of the app and a recreated container. Appends are batched and serialised; the file
 * rotates by size (history.jsonl → history.1.jsonl → …), so the folder stays bounded.
 * Only ever receives entries that went through the redactor.
 */
export class LogHistory {
  readonly dir: string;
  private readonly maxFileBytes: number;
  private readonly rotatedFiles: number;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private currentSize: number | null = null;
  private readonly privateRoot: string;
  private foldersChecked = false;

  constructor(dir: string, options: HistoryOptions = {}) {
    this.dir = dir;
    this.privateRoot = options.privateRoot ?? dir;
    this.maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
    this.rotatedFiles = options.rotatedFiles ?? 3;
  }

  private file(n: number): string {
    return path.join(this.dir, n === 0 ? CURRENT : `history.${n}.jsonl`);
  }

  static record(e: LogEntry, lastLineTime?: string): HistoryRecord {
    const r: HistoryRecord = { time: e.time, stream: e.stream, level: e.level, source: e.source, message: e.message, containerId: e.containerId };
    if (e.task !== undefined) r.task = e.task;
    if (lastLineTime && lastLineTime !== e.time) r.last = lastLineTime;
    return r;
  }

  append(record: HistoryRecord): void {
    this.pending.push(JSON.stringify(record));
  }

  /** Writes what was appended so far; resolves when it is on disk (in write order). */
  flush(): Promise<void> {
    if (this.pending.length === 0) return this.writing;
    // Pieces of at most a quarter file, so that even a huge burst rotates on time.
    const pieces: string[] = [];
    let piece = '';
    for (const line of this.pending) {
      piece += line + '\n';
      if (piece.length >= this.maxFileBytes / 4) {
        pieces.push(piece);
        piece = '';
      }
    }
    if (piece) pieces.push(piece);
    this.pending = [];
    const run = this.writing.catch(() => undefined).then(async () => {
      for (const data of pieces) await this.write(data);
    });
    this.writing = run;
    return run;
  }

  private async write(data: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (!this.foldersChecked) {
      await assertPrivateFolders(this.dir, this.privateRoot);
      this.foldersChecked = true;
    }
    if (this.currentSize === null) {
      this.currentSize = await fs.stat(this.file(0)).then((s) => s.size, () => 0);
    }
    const bytes = Buffer.byteLength(data);
    if (this.currentSize > 0 && this.currentSize + bytes > this.maxFileBytes) await this.rotate();
    const handle = await fs.open(this.file(0), APPEND_FLAGS, 0o600);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    this.currentSize += bytes;
  }

  private async rotate(): Promise<void> {
    await fs.rm(this.file(this.rotatedFiles), { force: true });
    for (let n = this.rotatedFiles - 1; n >= 0; n--) {
      await fs.rename(this.file(n), this.file(n + 1)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    this.currentSize = 0;
  }

  /**
   * The last `maxEntries` stored records, oldest first. Reads the newest file first and older
   * ones only while more are wanted. A torn last line (a crash mid-write) is skipped.
   */
  async load(maxEntries: number): Promise<HistoryRecord[]> {
    const chunks: HistoryRecord[][] = [];
    let count = 0;
    for (let n = 0; n <= this.rotatedFiles && count < maxEntries; n++) {
      let text: string;
      try {
        text = await fs.readFile(this.file(n), 'utf8');
      } catch {
        continue;
      }
      const records: HistoryRecord[] = [];
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const r = JSON.parse(line) as unknown;
          if (isRecord(r)) records.push(r);
        } catch {
          // torn or hand-edited line
        }
      }
      chunks.unshift(records);
      count += records.length;
    }
    const all = chunks.flat();
    return all.length > maxEntries ? all.slice(all.length - maxEntries) : all;
  }

  /** Deletes the stored history (the files, not the folder). */
  async clear(): Promise<void> {
    this.pending = [];
    await this.writing.catch(() => undefined);
    for (let n = 0; n <= this.rotatedFiles; n++) await fs.rm(this.file(n), { force: true });
    this.currentSize = 0;
  }

  /** Names and sizes of the files on disk (status views, tests). */
  async files(): Promise<{ file: string; bytes: number }[]> {
    const out: { file: string; bytes: number }[] = [];
    for (let n = 0; n <= this.rotatedFiles; n++) {
      const st = await fs.stat(this.file(n)).catch(() => null);
      if (st) out.push({ file: this.file(n), bytes: st.size });
    }
    return out;
  }
}

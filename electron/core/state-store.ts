import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { gatehouseHome } from './paths';
import { ProcessLock } from './process-lock';

/** How often a process waiting for another's state.json write looks again (writes take a millisecond or two). */
const STATE_LOCK_POLL_MS = 5;

/**
 * Small non-secret state that Gatehouse keeps between runs (key timestamps and fingerprints,
 * acknowledged warnings, …) in one JSON file in the app data folder, one top-level section per
 * owner. Writes are atomic; every read-modify-write holds a lock across processes (the app and
 * a `gatehouse` command update the same file), so no update is lost. A file that does not parse
 * is moved aside (state.json.torn-<time>) and reported, never silently overwritten. Never put a
 * secret here: the keychain is the only secret store.
 */
export class StateStore {
  readonly file: string;
  /** Where damaged copies of the file were moved this run (also reported through `onTorn`). */
  readonly tornFiles: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lock: ProcessLock;
  private readonly onTorn: (aside: string) => void;

  constructor(options: { home?: string; env?: NodeJS.ProcessEnv; onTorn?: (aside: string) => void } = {}) {
    this.file = path.join(options.home ?? gatehouseHome(options.env ?? process.env), 'state.json');
    this.lock = new ProcessLock(`${this.file}.lock`, undefined, { pollMs: STATE_LOCK_POLL_MS });
    this.onTorn =
      options.onTorn ??
      ((aside) =>
        process.emitWarning(`Gatehouse's state file ${this.file} was damaged and could not be read; it was kept as ${aside} and a new one is started (key dates, acknowledged warnings and counts start over).`, {
          code: 'GATEHOUSE_STATE_TORN',
        }));
  }

  /** The file's sections; `torn` when it exists but is not a JSON object. */
  private async readRaw(): Promise<{ all: Record<string, unknown>; torn: boolean }> {
    try {
      const raw = await readJsonFile(this.file);
      if (raw === undefined) return { all: {}, torn: false };
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) return { all: raw as Record<string, unknown>, torn: false };
      return { all: {}, torn: true };
    } catch (err) {
      if (err instanceof SyntaxError) return { all: {}, torn: true };
      throw err;
    }
  }

  /** Moves a damaged file aside (the caller holds the lock, so it is not being replaced meanwhile). */
  private async setAside(): Promise<void> {
    const aside = `${this.file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await fs.rename(this.file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.tornFiles.push(aside);
    this.onTorn(aside);
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.lock.acquire('state', new AbortController().signal);
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  private async readAll(): Promise<Record<string, unknown>> {
    const first = await this.readRaw();
    if (!first.torn) return first.all;
    return this.locked(async () => {
      const again = await this.readRaw();
      if (again.torn) await this.setAside();
      return again.torn ? {} : again.all;
    });
  }

  async read<T>(section: string): Promise<T | undefined> {
    await this.queue.catch(() => undefined);
    return (await this.readAll())[section] as T | undefined;
  }

  /** Read-modify-write of one section, serialised with every other write in any process. */
  update<T>(section: string, fn: (current: T | undefined) => T): Promise<T> {
    const run = this.queue.catch(() => undefined).then(() =>
      this.locked(async () => {
        const { all, torn } = await this.readRaw();
        if (torn) await this.setAside();
        const next = fn(all[section] as T | undefined);
        all[section] = next;
        await writeFileAtomic(this.file, JSON.stringify(all, null, 2) + '\n');
        return next;
      }),
    );
    this.queue = run;
    return run;
  }
}

import path from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { gatehouseHome } from './paths';

/**
 * Small non-secret state that Gatehouse keeps between runs (key timestamps and fingerprints,
 * acknowledged warnings, …) in one JSON file in the app data folder, one top-level section per
 * owner. Writes are atomic and serialised so that two sections updated at once do not lose each
 * other's change. Never put a secret here: the keychain is the only secret store.
 */
export class StateStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: { home?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.file = path.join(options.home ?? gatehouseHome(options.env ?? process.env), 'state.json');
  }

  private async readAll(): Promise<Record<string, unknown>> {
    try {
      const raw = await readJsonFile(this.file);
      return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    } catch {
      // A torn or hand-edited file must not stop the app; the state is rebuilt as it is used.
      return {};
    }
  }

  async read<T>(section: string): Promise<T | undefined> {
    await this.queue.catch(() => undefined);
    return (await this.readAll())[section] as T | undefined;
  }

  /** Read-modify-write of one section, serialised with every other write. */
  update<T>(section: string, fn: (current: T | undefined) => T): Promise<T> {
    const run = this.queue.catch(() => undefined).then(async () => {
      const all = await this.readAll();
      const next = fn(all[section] as T | undefined);
      all[section] = next;
      await writeFileAtomic(this.file, JSON.stringify(all, null, 2) + '\n');
      return next;
    });
    this.queue = run;
    return run;
  }
}

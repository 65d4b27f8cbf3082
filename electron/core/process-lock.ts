import { promises as fs, readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import { GatehouseError } from './errors';
import { sleep } from '../../shared/sleep';

/** What a lock file says about its holder (no secrets: a pid, its start time, an operation name, a time). */
interface LockOwner {
  pid: number;
  /** The holder's start time as the kernel counts it (Linux: /proc/<pid>/stat field 22); null where unknown. */
  startTime: string | null;
  label: string;
  since: string;
  /** Unique per acquisition, so that one holder's file is never mistaken for another's. */
  nonce: string;
}

interface ReadOwner {
  owner: LockOwner;
  /** Names this very file (its nonce, or a hash of an old-format file's text). */
  id: string;
}

const DEFAULT_POLL_MS = 100;
const DAMAGED_AFTER_MS = 5_000;

/** A process's start time, which with its pid names it uniquely (a pid alone is reused). Linux only; null elsewhere. */
export function processStartTime(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall; fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

const MY_START_TIME = processStartTime(process.pid);

/** Whether the process that wrote `owner` still runs: its pid exists and, where known, started when it did. */
function holderAlive(owner: LockOwner): boolean {
  if (owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — judged by its start time below.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === null) return true;
  const now = processStartTime(owner.pid);
  // A pid now used by another process (started at another time): the holder is gone. A start
  // time that cannot be read (another user's process under hidepid) proves nothing: alive.
  return now === null || now === owner.startTime;
}

async function readOwner(file: string): Promise<ReadOwner | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid !== 'number') return null;
    const owner: LockOwner = {
      pid: o.pid,
      startTime: typeof o.startTime === 'string' ? o.startTime : null,
      label: String(o.label ?? '?'),
      since: String(o.since ?? ''),
      nonce: typeof o.nonce === 'string' ? o.nonce : '',
    };
    return { owner, id: owner.nonce || crypto.createHash('sha256').update(text).digest('hex').slice(0, 16) };
  } catch {
    // Lock files are linked into place whole, so one that does not parse is damage (or an older
    // version's file caught mid-write): once it has stayed so for a while, it holds nobody.
    const age = await fs.stat(file).then((st) => Date.now() - st.mtimeMs, () => 0);
    if (age < DAMAGED_AFTER_MS) return null;
    const id = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
    return { owner: { pid: 0, startTime: null, label: '?', since: '', nonce: '' }, id };
  }
}

/**
 * A lock between processes for one stack: the desktop app and a `gatehouse` command (or two
 * commands) must not start, stop or rotate the same stack at once, or one could remove the
 * container the other is verifying. Within one process StackController.runExclusive already
 * queues operations; this extends that queue across processes. The same lock serialises
 * read-modify-writes of state.json (StateStore).
 *
 * Taking it: write a unique file holding the owner (pid, its start time, a nonce), then hard-link
 * it to the lock's name — link() fails if the name exists, so exactly one process wins, and the
 * file appears whole. A lock whose holder is gone (pid dead, or reused by a process that started
 * at another time) is stale. Removing a stale lock is itself claimed by linking a marker named
 * after that lock file's nonce: only the marker's winner may delete that file, it checks the
 * nonce again first, and a deleted nonce never comes back — so two waiters can never both remove
 * a lock, nor remove a fresh one by mistake. A marker whose maker died is stale in turn and is
 * removed the same way.
 */
export class ProcessLock {
  private readonly pollMs: number;
  private swept = false;

  constructor(
    private readonly file: string,
    private readonly onWait?: (holder: { pid: number; label: string }) => void,
    options: { pollMs?: number } = {},
  ) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  static forStack(home: string, stackName: string, onWait?: (holder: { pid: number; label: string }) => void): ProcessLock {
    // In the app data folder itself, so that nothing is left behind once it is released.
    return new ProcessLock(path.join(home, `stack-${stackName}.lock`), onWait);
  }

  private marker(id: string): string {
    return `${this.file}.${id}.takeover`;
  }

  /** Waits until this process holds the lock (or `signal` aborts); returns the release function. */
  async acquire(label: string, signal: AbortSignal): Promise<() => Promise<void>> {
    const dir = path.dirname(this.file);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const me: LockOwner = { pid: process.pid, startTime: MY_START_TIME, label, since: new Date().toISOString(), nonce: crypto.randomBytes(8).toString('hex') };
    const candidate = `${this.file}.${me.nonce}.tmp`;
    try {
      await fs.writeFile(candidate, JSON.stringify(me), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      throw this.cannotCreate(err);
    }
    let told = false;
    try {
      for (;;) {
        try {
          await fs.link(candidate, this.file);
          if (!this.swept) {
            this.swept = true;
            await this.sweep();
          }
          return async () => {
            // Only remove the file if it is still ours (nobody may take over a live holder's lock).
            const now = await readOwner(this.file);
            if (now?.owner.nonce === me.nonce) await fs.rm(this.file, { force: true });
          };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.cannotCreate(err);
        }
        const held = await readOwner(this.file);
        if (held && !holderAlive(held.owner)) {
          await this.removeStale(this.file, held, candidate);
          continue;
        }
        if (held && !told) {
          told = true;
          this.onWait?.({ pid: held.owner.pid, label: held.owner.label });
        }
        // A little jitter, so that waiters that woke together do not keep colliding.
        await sleep(this.pollMs * (0.75 + Math.random() / 2), signal);
      }
    } finally {
      await fs.rm(candidate, { force: true });
    }
  }

  /** Deletes `file` (a lock or a marker) whose holder is gone, if this process wins the claim on it. */
  private async removeStale(file: string, stale: ReadOwner, candidate: string, depth = 0): Promise<void> {
    const marker = this.marker(stale.id);
    try {
      await fs.link(candidate, marker);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.cannotCreate(err);
      // Someone else is removing it; if that someone died on the way, its marker is stale too.
      const claim = await readOwner(marker);
      if (claim && depth < 8 && !holderAlive(claim.owner)) await this.removeStale(marker, claim, candidate, depth + 1);
      return;
    }
    try {
      const now = await readOwner(file);
      if (now?.id === stale.id) await fs.rm(file, { force: true });
    } finally {
      await fs.rm(marker, { force: true });
    }
  }

  /** Removes leftovers of killed processes: candidate files and takeover markers whose maker is gone. */
  private async sweep(): Promise<void> {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(base + '.') || !(name.endsWith('.tmp') || name.endsWith('.takeover'))) continue;
      const p = path.join(dir, name);
      const o = await readOwner(p);
      if (o && !holderAlive(o.owner)) await fs.rm(p, { force: true }).catch(() => undefined);
    }
  }

  private cannotCreate(err: unknown): GatehouseError {
    return new GatehouseError(
      'INTERNAL',
      `Could not create the lock file ${this.file}: ${(err as Error).message}.`,
      `Check that ${path.dirname(this.file)} is writable by you.`,
      { cause: err },
    );
  }
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GatehouseError } from './errors';

/** What the lock file says about its holder (no secrets: a pid, an operation name, a time). */
interface LockOwner {
  pid: number;
  label: string;
  since: string;
}

const POLL_MS = 100;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — still a live holder.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? { pid: owner.pid, label: String(owner.label ?? '?'), since: String(owner.since ?? '') } : null;
  } catch {
    // Missing, or caught between create and write: treated as "try again".
    return null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A lock between processes for one stack: the desktop app and a `gatehouse` command (or two
 * commands) must not start, stop or rotate the same stack at once, or one could remove the
 * container the other is verifying. Within one process StackController.runExclusive already
 * queues operations; this extends that queue across processes.
 *
 * The lock is a file created with O_EXCL holding the owner's pid. A file whose pid is no longer
 * running is stale (a killed process) and is taken over, so a crash never wedges the stack.
 */
export class ProcessLock {
  constructor(
    private readonly file: string,
    private readonly onWait?: (holder: { pid: number; label: string }) => void,
  ) {}

  static forStack(home: string, stackName: string, onWait?: (holder: { pid: number; label: string }) => void): ProcessLock {
    // In the app data folder itself, so that nothing is left behind once it is released.
    return new ProcessLock(path.join(home, `stack-${stackName}.lock`), onWait);
  }

  /** Waits until this process holds the lock (or `signal` aborts); returns the release function. */
  async acquire(label: string, signal: AbortSignal): Promise<() => Promise<void>> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const me: LockOwner = { pid: process.pid, label, since: new Date().toISOString() };
    let told = false;
    for (;;) {
      try {
        const handle = await fs.open(this.file, 'wx', 0o600);
        try {
          await handle.writeFile(JSON.stringify(me));
        } finally {
          await handle.close();
        }
        return async () => {
          // Only remove the file if it is still ours (a stale-lock takeover could have replaced it).
          const owner = await readOwner(this.file);
          if (owner?.pid === process.pid) await fs.rm(this.file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new GatehouseError(
            'INTERNAL',
            `Could not create the lock file ${this.file}: ${(err as Error).message}.`,
            `Check that ${path.dirname(this.file)} is writable by you.`,
            { cause: err },
          );
        }
      }
      const owner = await readOwner(this.file);
      if (owner && owner.pid !== process.pid && !alive(owner.pid)) {
        // The holder died without releasing: take the lock over.
        await fs.rm(this.file, { force: true });
        continue;
      }
      if (owner && !told) {
        told = true;
        this.onWait?.({ pid: owner.pid, label: owner.label });
      }
      await sleep(POLL_MS, signal);
    }
  }
}

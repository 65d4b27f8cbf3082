import { GatehouseError } from '../errors';

interface Operation {
  label: string;
  controller: AbortController;
  promise: Promise<unknown>;
}

/** Takes the lock between processes for one operation; returns its release. */
export type CrossProcessLock = (label: string, signal: AbortSignal) => Promise<() => Promise<void>>;

/** What rotation, the database commands and recovery need of the queue: to run alone. */
export interface Exclusive {
  runExclusive<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T>;
}

function cancelledError(signal: AbortSignal, label: string): GatehouseError {
  return signal.reason instanceof GatehouseError ? signal.reason : new GatehouseError('CANCELLED', `The ${label} was cancelled.`, null);
}

/**
 * Operations on one stack, one at a time: in order within this process, and under the stack's
 * lock file between processes (the app and a `gatehouse` command). Each operation gets a signal
 * that fires when it is cancelled (`cancel(label)`, or the caller's own signal); an operation
 * cancelled while it waits never runs.
 */
export class OperationQueue implements Exclusive {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly ops = new Set<Operation>();

  constructor(private readonly lockAcrossProcesses: CrossProcessLock = async () => async () => undefined) {}

  /**
   * Runs `fn` with the stack to itself: operations queue in order. `fn` gets a signal that fires
   * when the operation is cancelled (by `cancel(label)`, or `outer`).
   */
  runExclusive<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
    const op: Operation = { label, controller, promise: Promise.resolve() };
    const run = this.tail
      .catch(() => undefined)
      .then(async () => {
        if (signal.aborted) throw cancelledError(signal, label);
        const release = await this.lock(label, signal);
        try {
          return await fn(signal);
        } finally {
          // Over for this process before the lock file goes: a status refresh scheduled at the
          // end of `fn` must not see the operation as still running while the file is removed.
          this.ops.delete(op);
          await release();
        }
      })
      .finally(() => this.ops.delete(op));
    op.promise = run;
    this.ops.add(op);
    this.tail = run;
    return run;
  }

  /**
   * The in-process order above cannot see the desktop app and a `gatehouse` command acting on the
   * same stack at once (a CLI rotation could remove the container the app is verifying), so each
   * operation also holds the stack's lock file while it runs.
   */
  private async lock(label: string, signal: AbortSignal): Promise<() => Promise<void>> {
    try {
      return await this.lockAcrossProcesses(label, signal);
    } catch (err) {
      if (signal.aborted) throw cancelledError(signal, label);
      throw err;
    }
  }

  /** The running or queued operation with this label that is not cancelled, to join it. */
  joinable<T>(label: string): Promise<T> | null {
    const running = [...this.ops].find((o) => o.label === label && !o.controller.signal.aborted);
    return running ? (running.promise as Promise<T>) : null;
  }

  /** Cancels every queued or running operation with this label; returns how many. */
  cancel(label: string, reason: string): number {
    let n = 0;
    for (const op of this.ops) {
      if (op.label === label && !op.controller.signal.aborted) {
        op.controller.abort(new GatehouseError('CANCELLED', reason, null));
        n++;
      }
    }
    return n;
  }

  /** The label of the operation running or queued first, or null when idle. */
  busy(): string | null {
    const first = this.ops.values().next();
    return first.done ? null : first.value.label;
  }
}

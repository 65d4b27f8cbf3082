import type { DockerEngine } from './engine/types';

/**
 * GATEHOUSE_DEBUG_TIMING=1: where a command's time goes, on stderr. Each line is
 * `[timing] <ms since the process began> <what>`: the phases a command marks (core opened, start
 * steps) and every Docker engine call with its own duration, then a count of the calls at exit.
 * Off (the default), `mark` does nothing and the engine is not wrapped. For measuring only: the
 * lines name phases and calls, never an argument or a value, so no secret can reach them.
 *
 *   GATEHOUSE_DEBUG_TIMING=1 gatehouse start
 */
export interface DebugTiming {
  readonly enabled: boolean;
  /** A phase reached, stamped with the time since the process began. */
  mark(what: string): void;
  /** `work`, with a mark when it settles. */
  timed<T>(what: string, work: Promise<T>): Promise<T>;
  /** The engine, wrapped so that each call is stamped and counted (the engine itself when off). */
  engine<E extends DockerEngine>(engine: E): E;
}

const OFF: DebugTiming = { enabled: false, mark: () => undefined, timed: (_what, work) => work, engine: (e) => e };

let current: DebugTiming | null = null;

const stamp = () => performance.now().toFixed(0).padStart(6);

function on(write: (line: string) => void): DebugTiming {
  const calls = new Map<string, number>();
  process.once('exit', () => {
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    write(`[timing] ${stamp()} exit; engine calls: ${total}${total ? ` (${[...calls].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}\n`);
  });
  return {
    enabled: true,
    mark: (what) => write(`[timing] ${stamp()} ${what}\n`),
    timed<T>(what: string, work: Promise<T>): Promise<T> {
      const t0 = performance.now();
      return work.finally(() => write(`[timing] ${stamp()} ${what} ${(performance.now() - t0).toFixed(0)} ms\n`));
    },
    engine<E extends DockerEngine>(engine: E): E {
      return new Proxy(engine, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'endpoint') return value;
          return (...args: unknown[]) => {
            const t0 = performance.now();
            calls.set(prop, (calls.get(prop) ?? 0) + 1);
            const done = () => write(`[timing] ${stamp()} engine ${prop} ${(performance.now() - t0).toFixed(0)} ms\n`);
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (result instanceof Promise) return result.finally(done);
            done();
            return result;
          };
        },
      });
    },
  };
}

/** The process's timing: on when GATEHOUSE_DEBUG_TIMING=1 in `env` the first time it is asked. */
export function debugTiming(env: NodeJS.ProcessEnv = process.env): DebugTiming {
  current ??= env.GATEHOUSE_DEBUG_TIMING === '1' ? on((line) => process.stderr.write(line)) : OFF;
  return current;
}

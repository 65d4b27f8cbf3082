import type { Gatehouse } from '../core/gatehouse';
import type { CliIO } from './output';

/**
 * One `gatehouse` sub-command. `run` returns the exit code; a thrown error is printed (with its
 * fix line) and turned into the exit code by electron/cli/main.ts.
 */
export interface CliCommand {
  /** Words that select the command, e.g. ['start'] or ['key', 'rotate']. */
  path: string[];
  usage: string;
  summary: string;
  /** Declared options: name → whether it takes a value. */
  flags: Record<string, boolean>;
  /** How many words may follow the command (default none): [min, max]. */
  positionals?: [number, number];
  /** Runs the command. The core is opened only when `core()` is first called, so commands that need none stay fast. */
  run(ctx: {
    core: () => Promise<Gatehouse>;
    io: CliIO;
    args: import('./args').ParsedArgs;
    signal: AbortSignal;
    /** The environment the command runs in (GATEHOUSE_*, DOCKER_HOST…); commands that need no core read it. */
    env: NodeJS.ProcessEnv;
  }): Promise<number>;
}

import type { Gatehouse } from '../core/gatehouse';
import type { CliIO } from './output';

/** One `gatehouse` sub-command. `run` returns the exit code; thrown errors are printed by cli.ts. */
export interface CliCommand {
  /** Words that select the command, e.g. ['start'] or ['key', 'rotate']. */
  path: string[];
  usage: string;
  summary: string;
  /** Declared options: name → whether it takes a value. */
  flags: Record<string, boolean>;
  /** Whether the command needs the core (most do; `help` does not). */
  run(ctx: { core: () => Promise<Gatehouse>; io: CliIO; args: import('./args').ParsedArgs; signal: AbortSignal }): Promise<number>;
}

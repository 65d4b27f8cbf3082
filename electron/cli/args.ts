import { GatehouseError } from '../core/errors';
import { closest } from './help';

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/**
 * A small, strict argument parser: `--flag`, `--flag value`, `--flag=value`. Flags must be
 * declared by the command (name → takes a value?) so that a typo is an error, not ignored.
 */
export function parseArgs(argv: string[], spec: Record<string, boolean>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!(name in spec)) {
      const known = Object.keys(spec).map((f) => `--${f}`);
      const guess = closest(name, Object.keys(spec)).map((f) => `--${f}`);
      throw new GatehouseError(
        'INVALID_ARGUMENT',
        `Unknown option --${name}.`,
        `${guess.length ? `Did you mean ${guess.join(' or ')}? ` : ''}${known.length ? `Options for this command: ${known.join(', ')}.` : 'This command takes no options.'}`,
      );
    }
    if (spec[name]) {
      // `--env-file --scrub`: the next word is another option, so the value is missing.
      const next = argv[i + 1];
      const value = eq !== -1 ? arg.slice(eq + 1) : next !== undefined && !(next.startsWith('--') && next.slice(2).split('=')[0]! in spec) ? argv[++i] : undefined;
      if (value === undefined || value === '') {
        throw new GatehouseError('INVALID_ARGUMENT', `Option --${name} needs a value.`, `Put the value right after it: --${name} VALUE (or --${name}=VALUE).`);
      }
      flags.set(name, value);
    } else {
      if (eq !== -1) throw new GatehouseError('INVALID_ARGUMENT', `Option --${name} takes no value.`, `Write it alone: --${name}.`);
      flags.set(name, true);
    }
  }
  return { positionals, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

import { GatehouseError } from '../core/errors';

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
      const known = Object.keys(spec).map((f) => `--${f}`).join(', ') || 'none';
      throw new GatehouseError('INVALID_ARGUMENT', `Unknown option --${name}.`, `Options for this command: ${known}.`);
    }
    if (spec[name]) {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new GatehouseError('INVALID_ARGUMENT', `Option --${name} needs a value.`, null);
      flags.set(name, value);
    } else {
      if (eq !== -1) throw new GatehouseError('INVALID_ARGUMENT', `Option --${name} takes no value.`, null);
      flags.set(name, true);
    }
  }
  return { positionals, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

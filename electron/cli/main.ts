#!/usr/bin/env node
/**
 * `gatehouse`: the command line over the same core as the desktop app, for scripts and
 * headless machines. Exit 0 on success; non-zero with a clear message on stderr otherwise.
 * Secrets are read from stdin or the keychain, never from argv.
 */
import './zod-jitless'; // first: before any schema is built
import { parseArgs } from './args';
import type { CliCommand } from './command';
import { printError, type CliIO } from './output';
import { COMMANDS } from './commands';
import { closest, commandUsage, groupCommands, groupUsage, isGroup, outputWidth, packageVersion, usage as usageText } from './help';
import { EXIT_OK, EXIT_USAGE, exitCodeForError } from './exit-codes';
import { Gatehouse } from '../core/gatehouse';
import { GatehouseError, toErrorPayload } from '../core/errors';
import { debugTiming } from '../core/debug-timing';

function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | null {
  let best: { command: CliCommand; rest: string[] } | null = null;
  for (const command of COMMANDS) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((w, i) => argv[i] === w)) {
      if (!best || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

export function usage(width = 80): string {
  return usageText(COMMANDS, width);
}

/** The command words at the front of argv (options and their values end them). */
function leadingWords(argv: string[]): string[] {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  return words;
}

/**
 * An unknown command: the longest known group it starts with, the word that went wrong, and the
 * nearest known words at that place (`stauts` → `status`, `key prnit` → `key print`).
 */
function unknownCommand(words: string[]): GatehouseError {
  let prefix: string[] = [];
  while (prefix.length < words.length && isGroup(COMMANDS, [...prefix, words[prefix.length] as string])) prefix = words.slice(0, prefix.length + 1);
  const wrong = words[prefix.length] ?? '';
  const next = new Set(groupCommands(COMMANDS, prefix).map((c) => c.path[prefix.length] as string));
  if (prefix.length === 0) for (const c of COMMANDS) next.add(c.path[0] as string);
  const guesses = closest(wrong, next).map((w) => `\`gatehouse ${[...prefix, w].join(' ')}\``);
  const where = prefix.length ? `\`gatehouse ${prefix.join(' ')}\` has no command "${wrong}"` : `Unknown command "${wrong}"`;
  const list = prefix.length ? `\`gatehouse ${prefix.join(' ')}\` lists its commands` : '`gatehouse help` lists every command';
  return new GatehouseError('INVALID_ARGUMENT', `${where}.`, guesses.length ? `Did you mean ${guesses.join(' or ')}? (${list}.)` : `${list[0]?.toUpperCase()}${list.slice(1)}.`);
}

/** `help`, `--help`, `-h` anywhere before `--`: the help of the words before it. */
function helpRequest(argv: string[]): string[] | null {
  if (argv[0] === 'help') return argv.slice(1);
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  if (head.includes('--help') || head.includes('-h')) return leadingWords(head.filter((a) => a !== '--help' && a !== '-h'));
  return null;
}

function printHelp(io: CliIO, words: string[], width: number): number {
  const exact = COMMANDS.find((c) => c.path.join(' ') === words.join(' '));
  if (words.length === 0) io.stdout.write(usage(width));
  else if (isGroup(COMMANDS, words)) io.stdout.write(groupUsage(COMMANDS, words, width));
  else if (exact) io.stdout.write(commandUsage(exact, width));
  else {
    printError(io, toErrorPayload(unknownCommand(words)));
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

/** A word too many (`start now`) is a mistake to point out, not something to ignore. */
function checkPositionals(command: CliCommand, positionals: string[]): void {
  const [min, max] = command.positionals ?? [0, 0];
  if (positionals.length >= min && positionals.length <= max) return;
  const name = `gatehouse ${command.path.join(' ')}`;
  const message =
    max === 0
      ? `\`${name}\` takes no arguments, got "${positionals.join(' ')}".`
      : positionals.length > max
        ? `\`${name}\` takes at most ${max} argument(s), got ${positionals.length}: "${positionals.join(' ')}".`
        : `\`${name}\` needs ${min} argument(s), got ${positionals.length}.`;
  throw new GatehouseError('INVALID_ARGUMENT', message, `Usage: gatehouse ${command.usage}`);
}

export async function main(argv: string[], io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  debugTiming(env).mark('cli main');
  const width = outputWidth(io.stdout, env);
  if (argv.length === 0) {
    // Run bare, the command is missing: the list, and the exit code of a usage error.
    io.stdout.write(usage(width));
    return EXIT_USAGE;
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version')) {
    io.stdout.write(`gatehouse ${packageVersion()}\n`);
    return EXIT_OK;
  }
  const help = helpRequest(argv);
  if (help) return printHelp(io, help, width);
  const words = leadingWords(argv);
  const found = findCommand(argv);
  const exact = found !== null && found.command.path.length === words.length;
  // A group alone (`gatehouse key`, `gatehouse settings watch-folder`) asks what it holds.
  if (!exact && words.length === argv.length && isGroup(COMMANDS, words)) return printHelp(io, words, width);
  // A word after a command that is also a group (`settings sett`) is a mistyped subcommand.
  if (!found || (!exact && isGroup(COMMANDS, found.command.path))) {
    printError(io, toErrorPayload(unknownCommand(words.length ? words : argv.slice(0, 1))));
    return EXIT_USAGE;
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort(new GatehouseError('CANCELLED', 'Interrupted.', 'Nothing more was done; run the command again to finish it.'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let core: Gatehouse | null = null;
  try {
    const args = parseArgs(found.rest, found.command.flags);
    checkPositionals(found.command, args.positionals);
    return await found.command.run({
      core: async () => {
        if (core) return core;
        core = await Gatehouse.open({
          env,
          onLockWait: (h) => io.stderr.write(`Waiting for another Gatehouse process (pid ${h.pid}) to finish its ${h.label}…\n`),
        });
        debugTiming(env).mark('core opened');
        return core;
      },
      io,
      args,
      signal: controller.signal,
      env,
    });
  } catch (err) {
    printError(io, toErrorPayload(err));
    return exitCodeForError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (core) await (core as Gatehouse).close();
  }
}

// In the bundle (dist/cli.cjs) this file and the clipboard helper share one module: the helper's
// detached process runs the bundle with --clipboard-clear-helper, and only the helper may act then.
if (require.main === module && !process.argv.includes('--clipboard-clear-helper')) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      printError({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, toErrorPayload(err));
      process.exitCode = 1;
    },
  );
}

#!/usr/bin/env node
/**
 * `gatehouse`: the command line over the same core as the desktop app, for scripts and
 * headless machines. Exit 0 on success; non-zero with a clear message on stderr otherwise.
 * Secrets are read from stdin or the keychain, never from argv.
 */
import { parseArgs } from './args';
import type { CliCommand } from './command';
import { printError, type CliIO } from './output';
import { COMMANDS } from './commands';
import { Gatehouse } from '../core/gatehouse';
import { GatehouseError, toErrorPayload } from '../core/errors';

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

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `Usage: gatehouse <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    printError(io, { code: 'INVALID_ARGUMENT', message: `Unknown command "${argv.join(' ')}".`, fix: 'Run `gatehouse help` for the list of commands.' });
    return 2;
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort(new GatehouseError('CANCELLED', 'Interrupted.', null));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let core: Gatehouse | null = null;
  try {
    const args = parseArgs(found.rest, found.command.flags);
    return await found.command.run({
      core: async () =>
        (core ??= await Gatehouse.open({
          env,
          onLockWait: (h) => io.stderr.write(`Waiting for another Gatehouse process (pid ${h.pid}) to finish its ${h.label}…\n`),
        })),
      io,
      args,
      signal: controller.signal,
    });
  } catch (err) {
    printError(io, toErrorPayload(err));
    return err instanceof GatehouseError && err.code === 'INVALID_ARGUMENT' ? 2 : 1;
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
      process.stderr.write(`gatehouse: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

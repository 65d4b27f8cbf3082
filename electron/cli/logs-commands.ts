import type { ExportFormat, LogEntry, LogQuery, WarningGroup } from '../../shared/api';
import type { Gatehouse } from '../core/gatehouse';
import { GatehouseError, isGatehouseError } from '../core/errors';
import { parseLevelArgument } from '../core/logs/levels';
import { compileQuery, parseTimeArgument } from '../core/logs/query';
import { formatEntryJson, formatEntryText } from '../core/logs/export';
import { flagString, type ParsedArgs } from './args';
import type { CliCommand } from './command';
import { printJson, type CliIO } from './output';

function queryFromArgs(args: ParsedArgs): LogQuery {
  const q: LogQuery = {};
  const level = flagString(args, 'level');
  if (level) q.minLevel = parseLevelArgument(level);
  const grep = flagString(args, 'grep');
  if (grep) {
    q.text = grep;
    q.regex = true;
  }
  const since = flagString(args, 'since');
  if (since) q.since = parseTimeArgument(since, '--since');
  const until = flagString(args, 'until');
  if (until) q.until = parseTimeArgument(until, '--until');
  const stream = flagString(args, 'stream');
  if (stream) {
    if (stream !== 'stdout' && stream !== 'stderr' && stream !== 'system') {
      throw new GatehouseError('INVALID_ARGUMENT', `Unknown stream "${stream}".`, 'Use --stream stdout, stderr or system.');
    }
    q.stream = stream;
  }
  const tail = flagString(args, 'tail');
  if (tail !== undefined) {
    const n = Number(tail);
    if (!Number.isInteger(n) || n < 0) throw new GatehouseError('INVALID_ARGUMENT', `--tail needs a whole number of lines (0 or more), got "${tail}".`, 'For example --tail 100 (the newest 100 lines).');
    q.limit = n;
  }
  return q;
}

/**
 * Reads what the gateway printed since the last look. Without Docker (or without a gateway)
 * the stored history is still worth showing, so that is a note, not a failure.
 */
async function syncQuietly(core: Gatehouse, io: CliIO, signal: AbortSignal): Promise<void> {
  try {
    const { container, service } = await core.logs.readNew(signal);
    if (service === null) io.stderr.write('gatehouse: note: the stack has no gateway service in the swarm now; what follows is the stored history of earlier ones.\n');
    else if (!container && service === undefined) io.stderr.write('gatehouse: note: the stack has no gateway container now; what follows is the stored history of earlier ones.\n');
  } catch (err) {
    if (isGatehouseError(err, 'CANCELLED')) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr.write(`gatehouse: note: ${msg} Showing the stored history.\n`);
  }
}

/**
 * `--tail N` beyond the in-memory buffer: the lines are read straight from Docker (the current
 * container's, parsed and redacted like all others, not kept), filtered, the newest N printed.
 * Returns false when there is no container to read (the buffer is shown instead).
 */
async function tailFromDocker(core: Gatehouse, io: CliIO, q: LogQuery, matches: (e: LogEntry) => boolean, format: (e: LogEntry) => string, capacity: number, signal: AbortSignal): Promise<boolean> {
  const n = q.limit as number;
  // Without filters Docker's own tail does the cutting; with them every line is read and the
  // newest N matching ones kept.
  const filtered = q.minLevel !== undefined || q.text !== undefined || q.stream !== undefined || q.since !== undefined || q.until !== undefined;
  const kept: LogEntry[] = [];
  let shown = 0;
  // Written in batches: one write per entry costs a system call each on a pipe.
  let pending: string[] = [];
  const out = (e: LogEntry) => {
    pending.push(format(e));
    shown++;
    if (pending.length >= 2000) {
      io.stdout.write(pending.join('\n') + '\n');
      pending = [];
    }
  };
  const source = await core.logs.readFromDocker(filtered ? undefined : n, (e) => {
    if (!matches(e)) return;
    if (!filtered) return out(e);
    kept.push(e);
    if (kept.length > 2 * n) kept.splice(0, kept.length - n);
  }, signal);
  if (!source) return false;
  if (filtered) for (const e of kept.slice(-n)) out(e);
  if (pending.length) io.stdout.write(pending.join('\n') + '\n');
  io.stderr.write(
    `gatehouse: note: --tail ${n} is more than the ${capacity} entries kept in memory (logBufferEntries), so the lines were read straight from Docker: ${shown} from ${source.description}.\n`,
  );
  return true;
}

const logs: CliCommand = {
  path: ['logs'],
  usage: 'logs [--follow] [--level L] [--grep RE] [--since 10m] [--json]',
  summary:
    "The gateway's logs, secrets redacted; --follow streams across restarts. Also --until T, --stream S, --tail N, --export PATH [--format text|jsonl]",
  flags: { follow: false, level: true, grep: true, since: true, until: true, stream: true, tail: true, json: false, export: true, format: true },
  async run({ core: open, io, args, signal }) {
    const q = queryFromArgs(args);
    // Validate the whole query (an invalid --grep is INVALID_REGEX) before touching Docker.
    const matches = compileQuery(q);
    const exportPath = flagString(args, 'export');
    const format = flagString(args, 'format');
    if (format !== undefined && format !== 'text' && format !== 'jsonl') {
      throw new GatehouseError('INVALID_ARGUMENT', `Unknown export format "${format}".`, 'Use --format text or --format jsonl.');
    }
    if (format !== undefined && exportPath === undefined) {
      throw new GatehouseError('INVALID_ARGUMENT', '--format applies to --export only.', 'Add --export PATH, or use --json for JSON lines on the terminal.');
    }
    const follow = args.flags.has('follow');
    if (exportPath !== undefined && follow) {
      throw new GatehouseError('INVALID_ARGUMENT', '--export and --follow cannot be combined.', 'Export a snapshot with --export, or follow with --follow.');
    }
    const core = await open();
    const json = args.flags.has('json');
    const line = (e: LogEntry) => (json ? formatEntryJson(e) : formatEntryText(e));
    const print = (e: LogEntry) => io.stdout.write(line(e) + '\n');
    if (q.limit !== undefined && !follow && exportPath === undefined) {
      const capacity = await core.logs.bufferCapacity();
      try {
        if (q.limit > capacity && (await tailFromDocker(core, io, q, matches, line, capacity, signal))) return 0;
      } catch (err) {
        // Docker away: the stored history is shown below, with the note saying why.
        if (isGatehouseError(err, 'CANCELLED')) throw err;
      }
    }
    await syncQuietly(core, io, signal);
    if (exportPath !== undefined) {
      const res = await core.logs.export(q, (format ?? 'text') as ExportFormat, exportPath);
      io.stdout.write(`Exported ${res.entries} entries (redacted) to ${res.path}\n`);
      return 0;
    }
    const page = await core.logs.query(q);
    for (const e of page.entries) print(e);
    if (page.total === 0 && !follow) io.stderr.write('gatehouse: no gateway log lines match (none stored yet, or the filters exclude them).\n');
    if (!follow) return 0;
    let last = page.entries.length ? (page.entries[page.entries.length - 1] as LogEntry).seq : 0;
    const off = core.events.on('logs:appended', (entries) => {
      for (const e of entries) {
        if (e.seq > last && matches(e)) print(e);
        last = Math.max(last, e.seq);
      }
    });
    try {
      await core.logs.follow({ signal });
    } finally {
      off();
    }
    return 0;
  },
};

function formatGroup(g: WarningGroup): string {
  const flag = g.acknowledged ? '   ' : 'NEW';
  const example = g.example.split('\n')[0] ?? '';
  return (
    `${flag} ${g.id}  ${g.level.toUpperCase().padEnd(8)} ×${g.count}  first ${g.firstSeen}  last ${g.lastSeen}\n` +
    `    ${g.pattern}\n` +
    (example !== g.pattern ? `    e.g. ${example}\n` : '')
  );
}

const warnings: CliCommand = {
  path: ['warnings'],
  usage: 'warnings [--json] [--ack ID]',
  summary: 'Distinct warnings and errors, grouped, with counts; --ack stops one being new',
  flags: { json: false, ack: true },
  async run({ core: open, io, args, signal }) {
    const core = await open();
    await syncQuietly(core, io, signal);
    const ackId = flagString(args, 'ack');
    const groups = ackId !== undefined ? await core.logs.ack(ackId) : await core.logs.warnings();
    if (args.flags.has('json')) {
      printJson(io, groups);
      return 0;
    }
    if (groups.length === 0) {
      io.stdout.write('No warnings or errors in the gateway logs.\n');
      return 0;
    }
    const fresh = groups.filter((g) => !g.acknowledged).length;
    io.stdout.write(`${groups.length} warning group(s), ${fresh} new.\n`);
    for (const g of groups) io.stdout.write(formatGroup(g));
    if (ackId !== undefined) io.stdout.write(`Acknowledged ${ackId}.\n`);
    return 0;
  },
};

export const LOGS_COMMANDS: CliCommand[] = [logs, warnings];

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
    await core.logs.sync(signal);
  } catch (err) {
    if (isGatehouseError(err, 'CANCELLED')) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr.write(`gatehouse: note: ${msg} Showing the stored history.\n`);
  }
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
    await syncQuietly(core, io, signal);
    if (exportPath !== undefined) {
      const res = await core.logs.export(q, (format ?? 'text') as ExportFormat, exportPath);
      io.stdout.write(`Exported ${res.entries} entries (redacted) to ${res.path}\n`);
      return 0;
    }
    const json = args.flags.has('json');
    const print = (e: LogEntry) => io.stdout.write((json ? formatEntryJson(e) : formatEntryText(e)) + '\n');
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

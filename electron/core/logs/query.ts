import type { RE2JS } from 're2js';
import type { LogEntry, LogPage, LogQuery } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { isoNano } from '../engine/log-stream';
import { LEVEL_RANK, parseLevelArgument } from './levels';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_PATTERN_LENGTH = 1000;

/**
 * A point in time as a user gives it: a duration back from now ("90s", "10m", "2h", "1d") or an
 * ISO date/time. Returned in the entries' own form (RFC 3339, nine fractional digits) so that it
 * compares with entry times as strings.
 */
export function parseTimeArgument(value: string, what: string, now: Date = new Date()): string {
  const v = value.trim();
  const d = DURATION.exec(v);
  if (d) return isoNano(new Date(now.getTime() - Number(d[1]) * (UNIT_MS[d[2] as string] as number)));
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) {
    throw new GatehouseError(
      'INVALID_ARGUMENT',
      `"${value}" is not a time for ${what}.`,
      'Give a duration back from now such as 30s, 10m, 2h or 1d, or a date and time such as 2026-01-31T14:00:00Z.',
    );
  }
  return isoNano(new Date(ms));
}

/**
 * The query's text filter as a case-insensitive test; INVALID_REGEX says what is wrong. A user's
 * regular expression runs on RE2 (re2js, pure JavaScript), whose time is linear in the text:
 * a pattern such as `(a+)+$` would make a backtracking engine (JavaScript's own) run for minutes
 * on the main thread, and every timer (the clipboard clear among them) would wait for it. RE2 has
 * no look-around and no back-references; such a pattern is refused with a clear message.
 */
export function compileText(text: string, regex: boolean): (s: string) => boolean {
  if (text.length > MAX_PATTERN_LENGTH) {
    throw new GatehouseError('INVALID_ARGUMENT', `The search text is ${text.length} characters long; the limit is ${MAX_PATTERN_LENGTH}.`, 'Search for a shorter text.');
  }
  if (!regex) {
    const needle = text.toLowerCase();
    return (s) => s.toLowerCase().includes(needle);
  }
  // Loaded on first use: most commands never search, and the engine is a quarter megabyte.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RE2JS: Engine } = require('re2js') as { RE2JS: typeof RE2JS };
  let re: RE2JS;
  try {
    re = Engine.compile(text, Engine.CASE_INSENSITIVE);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new GatehouseError(
      'INVALID_REGEX',
      `The search pattern is not a valid regular expression: ${reason}.`,
      'Fix the pattern (for example escape "(", "[", "+" or "*" with a backslash), or search for plain text instead. Look-arounds such as (?=…) and back-references such as \\1 are not supported.',
    );
  }
  // test(): a yes/no answer runs on RE2's DFA, several times faster than a Matcher.
  return (s) => re.test(s);
}

function nonNegativeInt(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) {
    throw new GatehouseError('INVALID_ARGUMENT', `The query's ${name} must be a whole number of 0 or more, got ${value}.`, null);
  }
  return value;
}

/** A predicate for one query; validates the whole query first, so errors come before any work. */
export function compileQuery(q: LogQuery, now: Date = new Date()): (e: LogEntry) => boolean {
  const min = q.minLevel ? LEVEL_RANK[parseLevelArgument(q.minLevel)] : 0;
  const stream = q.stream;
  if (stream !== undefined && stream !== 'stdout' && stream !== 'stderr' && stream !== 'system') {
    throw new GatehouseError('INVALID_ARGUMENT', `Unknown log stream "${String(stream)}".`, 'Use stdout, stderr or system.');
  }
  const re = q.text ? compileText(q.text, Boolean(q.regex)) : null;
  const since = q.since ? parseTimeArgument(q.since, 'since', now) : null;
  const until = q.until ? parseTimeArgument(q.until, 'until', now) : null;
  // A log has a handful of sources: each is tested once per query.
  const sourceMatches = new Map<string, boolean>();
  const source = (s: string): boolean => {
    let hit = sourceMatches.get(s);
    if (hit === undefined) {
      hit = (re as (s: string) => boolean)(s);
      if (sourceMatches.size < 1024) sourceMatches.set(s, hit);
    }
    return hit;
  };
  return (e) =>
    LEVEL_RANK[e.level] >= min &&
    (stream === undefined || e.stream === stream) &&
    (since === null || e.time >= since) &&
    (until === null || e.time <= until) &&
    (re === null || source(e.source) || re(e.message));
}

/** How long a query runs before it lets timers and I/O through (the main process serves the window too). */
const QUERY_SLICE_MS = 8;

/**
 * runQuery for a long-lived process: the same answer, but the matching gives the event loop a
 * turn every QUERY_SLICE_MS, so a search over a full buffer never holds back a timer (the
 * clipboard clear) or an IPC reply. The entries are copied first, so lines that arrive while it
 * runs do not shift the page.
 */
export async function runQueryAsync(entries: Iterable<LogEntry>, q: LogQuery, now: Date = new Date()): Promise<LogPage> {
  const match = compileQuery(q, now);
  const limit = nonNegativeInt(q.limit, 'limit');
  const offset = nonNegativeInt(q.offset, 'offset');
  const all = [...entries];
  const matches: LogEntry[] = [];
  let sliceStart = Date.now();
  for (let i = 0; i < all.length; i++) {
    const e = all[i] as LogEntry;
    if (match(e)) matches.push(e);
    if ((i & 127) === 127 && Date.now() - sliceStart >= QUERY_SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      sliceStart = Date.now();
    }
  }
  return page(matches, limit, offset);
}

function page(matches: LogEntry[], limit: number | undefined, offset: number | undefined): LogPage {
  const total = matches.length;
  if (offset !== undefined) return { entries: matches.slice(offset, limit === undefined ? undefined : offset + limit), total };
  if (limit !== undefined) return { entries: limit === 0 ? [] : matches.slice(-limit), total };
  return { entries: matches, total };
}

/**
 * Runs a query over entries held oldest-first. `total` counts every match. With `offset`, the
 * page is the matches from that index on; without it, the page is the last `limit` matches
 * (the newest, as a log view wants them), newest last either way.
 */
export function runQuery(entries: Iterable<LogEntry>, q: LogQuery, now: Date = new Date()): LogPage {
  const match = compileQuery(q, now);
  const limit = nonNegativeInt(q.limit, 'limit');
  const offset = nonNegativeInt(q.offset, 'offset');
  const matches: LogEntry[] = [];
  for (const e of entries) if (match(e)) matches.push(e);
  return page(matches, limit, offset);
}

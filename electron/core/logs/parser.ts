import type { LogLevel, LogStream } from '../../../shared/api';
import type { RawLine } from '../engine/log-stream';
import { LEVEL_RANK, normalizeLevel } from './levels';

/** A parsed entry before redaction and numbering. */
export interface ParsedEntry {
  time: string;
  stream: LogStream;
  level: LogLevel;
  source: string;
  message: string;
  /** Time of the entry's last line (a traceback's last frame): the watermark for re-reads. */
  lastLineTime: string;
}

/**
 * What the gateway prints, and how each kind becomes an entry:
 *
 * - Python logging (LiteLLM's loggers "LiteLLM", "LiteLLM Proxy", "LiteLLM Router"):
 *   `HH:MM:SS - LiteLLM Proxy:WARNING: router.py:42 - text` → level from the line, source = the
 *   logger, message = `router.py:42 - text` (time and level are fields of their own).
 * - uvicorn: `INFO:     Uvicorn running on …` (level padded to 10 columns) → source "uvicorn".
 * - The seed image's entrypoint: `ERROR: LITELLM_MASTER_KEY is required.` (one space) → source
 *   "entrypoint".
 * - JSON logs (JSON_LOGS=True): `{"message","level","timestamp"}` → level and message from the
 *   object; a "stacktrace"/"exc_info" field is appended to the message.
 * - Python tracebacks: "Traceback (most recent call last):", its indented frames, the chained
 *   exception headers and the final `SomeError: text` line are joined (with "\n") to the warning
 *   or error entry on the same stream that they belong to (LiteLLM logs the error line, then
 *   the traceback); a traceback with no such entry before it becomes an error entry of its own,
 *   source "python". Other indented lines right after an entry on the same stream (multi-line
 *   messages, pretty-printed dicts) are joined the same way.
 * - Anything else is kept exactly as printed, source "gateway", with a level from its stream:
 *   stdout → info; stderr → warning. Python's logging, uvicorn and the entrypoint send their
 *   warnings and errors to stderr, so an unrecognised stderr line is more likely a problem than
 *   chatter; showing it as a warning means it is not hidden under an "info" filter, and the
 *   warning groups keep repeats cheap to look at. Nothing is ever dropped.
 *
 * ANSI colour codes (LiteLLM colours its level names on a terminal) are removed first.
 *
 * The parser keeps the last entry open until the next line shows whether it continues it;
 * callers call flush() when the stream goes quiet or ends.
 */
export class LogParser {
  private open: ParsedEntry | null = null;
  private openLines = 0;
  /** 0: no traceback; 1: inside one; 2: its final line was seen, a chained one may follow. */
  private traceback: 0 | 1 | 2 = 0;

  constructor(private readonly onEntry: (entry: ParsedEntry) => void) {}

  get hasPending(): boolean {
    return this.open !== null;
  }

  push(line: RawLine): void {
    let text = line.text;
    if (text.indexOf('\x1b') !== -1) text = text.replace(ANSI, '');
    if (this.open !== null && this.continues(text, line.stream)) {
      const open = this.open;
      open.message += '\n' + text;
      open.lastLineTime = line.time;
      this.openLines++;
      return;
    }
    this.flush();
    this.open = this.parseLine(text, line);
    this.openLines = 1;
  }

  flush(): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    this.traceback = 0;
    this.onEntry(open);
  }

  /** Whether `text` continues the open entry (a traceback's line, an indented continuation). */
  private continues(text: string, stream: LogStream): boolean {
    const open = this.open as ParsedEntry;
    if (open.stream !== stream || this.openLines >= MAX_JOINED_LINES) return false;
    const c = text.charCodeAt(0);
    if (c === 84 /* T */ && text.startsWith(TRACEBACK)) {
      if (this.traceback !== 0 || LEVEL_RANK[open.level] >= LEVEL_RANK.warning) {
        this.traceback = 1;
        if (LEVEL_RANK[open.level] < LEVEL_RANK.error) open.level = 'error';
        return true;
      }
      return false;
    }
    if (c === 32 /* space */ || c === 9 /* tab */) return true;
    if (this.traceback === 0) return false;
    if (text.length === 0) return true;
    if (text.startsWith('During handling of the above exception') || text.startsWith('The above exception was the direct cause')) {
      this.traceback = 1;
      return true;
    }
    // The final "module.SomeError: text" line ends the traceback; a log line never starts so.
    if (this.traceback === 1 && EXCEPTION_LINE.test(text) && !LEVEL_PREFIX.test(text)) {
      this.traceback = 2;
      return true;
    }
    this.traceback = 0;
    return false;
  }

  private parseLine(text: string, line: RawLine): ParsedEntry {
    const { time, stream } = line;
    const c = text.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      // Python logging: "HH:MM:SS - Logger:LEVEL: text"
      const m = PY_LOG.exec(text);
      // The pattern stops at the prefix: the message is the rest of the line.
      if (m) return entry(time, stream, normalizeLevel(m[2] as string) ?? 'info', m[1] as string, text.slice(m[0].length));
    } else if (c === 123 /* { */) {
      const parsed = parseJsonLine(text);
      if (parsed) return entry(time, stream, parsed.level ?? byStream(stream), parsed.source, parsed.message);
    } else if (c === 84 /* T */ && text.startsWith(TRACEBACK)) {
      this.traceback = 1;
      return entry(time, stream, 'error', 'python', text);
    } else if (c >= 65 && c <= 90) {
      // uvicorn ("INFO:     …", padded to 10 columns) or the entrypoint ("ERROR: …").
      const m = LEVEL_PREFIX.exec(text);
      if (m) {
        const word = m[1] as string;
        const pad = (m[2] as string).length;
        const source = pad > 1 || word.length + 1 + pad === 10 ? 'uvicorn' : 'entrypoint';
        return entry(time, stream, normalizeLevel(word) ?? 'info', source, text.slice(m[0].length));
      }
      if (c === 76 /* L */) {
        // LiteLLM's logger line without the time prefix: "LiteLLM Router:WARNING: …"
        const l = LOGGER_LINE.exec(text);
        if (l) return entry(time, stream, normalizeLevel(l[2] as string) ?? 'info', l[1] as string, l[3] as string);
      }
    }
    return entry(time, stream, byStream(stream), 'gateway', text);
  }
}

const MAX_JOINED_LINES = 500;
const TRACEBACK = 'Traceback (most recent call last):';
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const PY_LOG = /^\d\d:\d\d:\d\d(?:[.,]\d+)? - ([^:\n]{1,64}):(DEBUG|INFO|WARNING|ERROR|CRITICAL|EXCEPTION): ?/;
const LOGGER_LINE = /^(LiteLLM(?: Proxy| Router)?):(DEBUG|INFO|WARNING|ERROR|CRITICAL): ?([\s\S]*)$/;
const LEVEL_PREFIX = /^(TRACE|DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL):( +)/;
const EXCEPTION_LINE = /^[A-Za-z_][A-Za-z0-9_.]*(?::(?: |$)|$)/;

function byStream(stream: LogStream): LogLevel {
  return stream === 'stderr' ? 'warning' : 'info';
}

function entry(time: string, stream: LogStream, level: LogLevel, source: string, message: string): ParsedEntry {
  return { time, stream, level, source, message, lastLineTime: time };
}

/** A JSON log line as LiteLLM prints it with JSON_LOGS=True; null when it is not one. */
function parseJsonLine(text: string): { level: LogLevel | null; source: string; message: string } | null {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  const rawLevel = o.level ?? o.levelname ?? o.severity;
  const level = typeof rawLevel === 'string' ? normalizeLevel(rawLevel) : null;
  const source = typeof o.name === 'string' ? o.name : typeof o.logger === 'string' ? o.logger : 'LiteLLM';
  const msg = o.message ?? o.msg;
  // Without a message field the line is shown whole, as printed.
  let message = typeof msg === 'string' ? msg : msg === undefined ? text : JSON.stringify(msg);
  const trace = o.stacktrace ?? o.exc_info ?? o.traceback;
  if (typeof trace === 'string' && trace.length) message += '\n' + trace.replace(/\n+$/, '');
  return { level, source, message };
}

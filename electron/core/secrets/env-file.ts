import { GatehouseError } from '../errors';

/**
 * Reading and scrubbing docker-compose `.env` files, as Compose reads them: `NAME=value`, an
 * optional `export ` before the name, blank lines and `#` comments, single quotes (literal),
 * double quotes (with \n \t \" \\ escapes, may span lines), unquoted values with an inline
 * comment after whitespace + `#`, LF or CRLF line ends (each line keeps its own). A quote that
 * is never closed is refused, as Compose refuses it: read on, it would swallow the rest of the
 * file, and a scrub would delete those lines.
 */

export interface EnvEntry {
  name: string;
  value: string;
  /** Index of the entry's first line in the file's lines. */
  firstLine: number;
  /** Index of its last line (a quoted value may span lines). */
  lastLine: number;
}

export interface ParsedEnvFile {
  entries: EnvEntry[];
  /** The lines without their terminators. */
  lines: string[];
  /** Each line's own terminator ("\r\n", "\n", or "" for a last line without one), kept when the file is rewritten. */
  terminators: string[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/;

function unescapeDouble(s: string): string {
  return s.replace(/\\([nrt"\\$])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

/** Finds the closing quote of a quoted value starting after the opening quote. */
function closingQuote(s: string, quote: '"' | "'"): number {
  for (let i = 0; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === quote) return i;
  }
  return -1;
}

/** Splits text into lines and the terminator each had, so that joining them gives the text back byte for byte. */
function splitLines(text: string): { lines: string[]; terminators: string[] } {
  const lines: string[] = [];
  const terminators: string[] = [];
  const re = /\r?\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push(text.slice(start, m.index));
    terminators.push(m[0]);
    start = m.index + m[0].length;
  }
  if (start < text.length) {
    lines.push(text.slice(start));
    terminators.push('');
  }
  return { lines, terminators };
}

/** The refusal names the variable and the line, never the value. */
function unterminated(name: string, line: number, quote: string): GatehouseError {
  return new GatehouseError(
    'IMPORT_FAILED',
    `The value of ${name} on line ${line} opens a ${quote === '"' ? 'double' : 'single'} quote that is never closed, so the rest of the file would be read as part of it (Compose refuses such a file too); nothing was changed.`,
    `Close the quote on line ${line} (or remove it) and try again.`,
  );
}

export function parseEnvFile(text: string): ParsedEnvFile {
  const { lines, terminators } = splitLines(text);
  const entries: EnvEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) continue; // Compose rejects such lines; scrubbing keeps them untouched.
    const name = m[1] as string;
    let rest = (m[2] as string).replace(/^\s+/, '');
    const first = i;
    let value: string;
    const q = rest[0];
    if (q === '"' || q === "'") {
      let body = rest.slice(1);
      let end = closingQuote(body, q);
      // A quoted value may continue on the following lines until its closing quote.
      while (end === -1 && i + 1 < lines.length) {
        i++;
        body += '\n' + (lines[i] as string);
        end = closingQuote(body, q);
      }
      if (end === -1) throw unterminated(name, first + 1, q);
      const raw = body.slice(0, end);
      value = q === '"' ? unescapeDouble(raw) : raw;
    } else {
      // Unquoted: an inline comment starts at whitespace + "#"; trailing blanks are not part of it.
      const hash = rest.search(/\s#/);
      if (hash !== -1) rest = rest.slice(0, hash);
      value = rest.trim();
    }
    entries.push({ name, value, firstLine: first, lastLine: i });
  }
  return { entries, lines, terminators };
}

/** The last assignment wins, as in Compose. */
export function envValue(parsed: ParsedEnvFile, name: string): string | undefined {
  let found: string | undefined;
  for (const e of parsed.entries) if (e.name === name) found = e.value;
  return found;
}

/**
 * The file's text with every assignment of `names` replaced by one comment line saying where the
 * value went (ended as the assignment's last line was); every other line is kept byte for byte,
 * its own line end included.
 */
export function scrubEnvText(parsed: ParsedEnvFile, names: readonly string[], note: (name: string) => string): string {
  const drop = new Map<number, EnvEntry>();
  for (const e of parsed.entries) if (names.includes(e.name)) drop.set(e.firstLine, e);
  let out = '';
  for (let i = 0; i < parsed.lines.length; i++) {
    const e = drop.get(i);
    if (e) {
      out += `# ${e.name}: ${note(e.name)}` + (parsed.terminators[e.lastLine] as string);
      i = e.lastLine;
      continue;
    }
    out += (parsed.lines[i] as string) + (parsed.terminators[i] as string);
  }
  return out;
}


/**
 * Reading and scrubbing docker-compose `.env` files, as Compose reads them: `NAME=value`, an
 * optional `export ` before the name, blank lines and `#` comments, single quotes (literal),
 * double quotes (with \n \t \" \\ escapes, may span lines), unquoted values with an inline
 * comment after whitespace + `#`, LF or CRLF line ends.
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
  lines: string[];
  /** The line ending the file uses ("\r\n" or "\n"), kept when it is rewritten. */
  eol: '\n' | '\r\n';
  /** Whether the file ended with a line ending. */
  finalEol: boolean;
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

export function parseEnvFile(text: string): ParsedEnvFile {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalEol = text.endsWith('\n');
  const lines = text.split(/\r?\n/);
  if (finalEol) lines.pop();
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
      const raw = end === -1 ? body : body.slice(0, end);
      value = q === '"' ? unescapeDouble(raw) : raw;
    } else {
      // Unquoted: an inline comment starts at whitespace + "#"; trailing blanks are not part of it.
      const hash = rest.search(/\s#/);
      if (hash !== -1) rest = rest.slice(0, hash);
      value = rest.trim();
    }
    entries.push({ name, value, firstLine: first, lastLine: i });
  }
  return { entries, lines, eol, finalEol };
}

/** The last assignment wins, as in Compose. */
export function envValue(parsed: ParsedEnvFile, name: string): string | undefined {
  let found: string | undefined;
  for (const e of parsed.entries) if (e.name === name) found = e.value;
  return found;
}

/**
 * The file's text with every assignment of `names` replaced by one comment line saying where the
 * value went; every other line is kept byte for byte (line ends included).
 */
export function scrubEnvText(parsed: ParsedEnvFile, names: readonly string[], note: (name: string) => string): string {
  const drop = new Map<number, EnvEntry>();
  for (const e of parsed.entries) if (names.includes(e.name)) drop.set(e.firstLine, e);
  const out: string[] = [];
  for (let i = 0; i < parsed.lines.length; i++) {
    const e = drop.get(i);
    if (e) {
      out.push(`# ${e.name}: ${note(e.name)}`);
      i = e.lastLine;
      continue;
    }
    out.push(parsed.lines[i] as string);
  }
  return out.join(parsed.eol) + (parsed.finalEol ? parsed.eol : '');
}

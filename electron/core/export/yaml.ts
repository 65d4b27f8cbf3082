/**
 * A small block-style YAML writer for the manifests Gatehouse exports: maps (in insertion order),
 * sequences, strings, numbers, booleans, null, and comments. A string is written plain only when
 * no YAML 1.1 or 1.2 reader can take it for anything but that string (no number, boolean, null,
 * indicator or ": "/" #"); every other string is double-quoted with JSON's escapes, which are
 * YAML's, plus \u escapes for what YAML does not allow unescaped. No dependency: the CLI bundle
 * stays as it is.
 */

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlValue[] | YamlMap;
export interface YamlMap {
  [key: string]: YamlValue | YamlComment;
}

/** Comment lines inside a map, written where the entry stands (its key is not written). */
export class YamlComment {
  constructor(readonly lines: readonly string[]) {}
}

export function comment(...lines: string[]): YamlComment {
  return new YamlComment(lines);
}

/** YAML 1.1 reads these as booleans or null (also in any case); 1.2 some of them. */
const RESERVED_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', '~']);

/** Starts with a letter or "/", then letters, digits and `_ . / : -` only, no ":" at the end. */
const PLAIN = /^[A-Za-z/][A-Za-z0-9_./:-]*$/;

/** Characters YAML does not allow unescaped in a double-quoted scalar (or reads as line breaks). */
// eslint-disable-next-line no-control-regex
const NOT_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

export function quoteString(s: string): string {
  if (PLAIN.test(s) && !s.endsWith(':') && !RESERVED_WORDS.has(s.toLowerCase())) return s;
  return JSON.stringify(s).replace(NOT_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function scalar(v: YamlScalar): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`a manifest number must be finite, not ${v}`);
    return String(v);
  }
  return quoteString(v);
}

/** A comment line cannot hold a line break: one would end the comment and start YAML. */
function commentLine(text: string, indent: string): string {
  const clean = text.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ');
  return clean ? `${indent}# ${clean}` : `${indent}#`;
}

function isScalar(v: YamlValue): v is YamlScalar {
  return v === null || typeof v !== 'object';
}

function mapLines(map: YamlMap, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (value instanceof YamlComment) {
      for (const l of value.lines) out.push(commentLine(l, pad));
      continue;
    }
    const k = quoteString(key);
    if (isScalar(value)) out.push(`${pad}${k}: ${scalar(value)}`);
    else if (Array.isArray(value)) {
      if (!value.length) out.push(`${pad}${k}: []`);
      else out.push(`${pad}${k}:`, ...seqLines(value, indent));
    } else if (!Object.keys(value).length) out.push(`${pad}${k}: {}`);
    else out.push(`${pad}${k}:`, ...mapLines(value, indent + 2));
  }
  return out;
}

/** A sequence under a key, at the key's own indentation (the common Kubernetes style). */
function seqLines(items: YamlValue[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const item of items) {
    if (isScalar(item)) {
      out.push(`${pad}- ${scalar(item)}`);
      continue;
    }
    const empty = Array.isArray(item) ? !item.length : !Object.keys(item).length;
    if (empty) {
      out.push(`${pad}- ${Array.isArray(item) ? '[]' : '{}'}`);
      continue;
    }
    const inner = Array.isArray(item) ? seqLines(item, indent + 2) : mapLines(item, indent + 2);
    const first = inner[0] as string;
    // "- key: value" on one line, unless the item starts with a comment ("-" alone, then the item).
    if (first.trimStart().startsWith('#')) out.push(`${pad}-`, ...inner);
    else out.push(`${pad}- ${first.slice(indent + 2)}`, ...inner.slice(1));
  }
  return out;
}

/** One YAML document of a map (no "---"), ending with a newline. */
export function toYaml(doc: YamlMap): string {
  return mapLines(doc, 0).join('\n') + '\n';
}

/** Several documents, separated by "---", after optional leading comment lines. */
export function yamlStream(docs: YamlMap[], leadingComments: readonly string[] = []): string {
  const head = leadingComments.map((l) => commentLine(l, '') + '\n').join('');
  return head + docs.map((d) => `---\n${toYaml(d)}`).join('');
}

import fs from 'node:fs';
import path from 'node:path';
import type { CliCommand } from './command';
import type { CliIO } from './output';

/**
 * Help text of `gatehouse`: the command list, a group's subcommands, one command's options, all
 * wrapped to the width of where it goes, and the did-you-mean for a mistyped word.
 */

/** Where help is printed: a terminal's own width, else `COLUMNS` (set by shells and `script`), else 80. */
export function outputWidth(stream: CliIO['stdout'], env: NodeJS.ProcessEnv): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return 80;
}

/** Greedy word wrap; a word longer than the width (a URL, a long option) stays whole on its own line. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/**
 * Two columns, `left` and its text, fitted to `width`: the text starts at one column for all rows
 * and wraps under itself. A left side too long for that column puts its text on the next line;
 * a terminal too narrow for two columns gets every text on its own indented lines.
 */
export function twoColumns(rows: [string, string][], width: number, indent = 2): string {
  const maxLeftCol = Math.min(30, Math.floor(width * 0.4));
  const fitting = rows.map(([l]) => l.length).filter((n) => n <= maxLeftCol);
  const col = indent + (fitting.length ? Math.max(...fitting) : 0) + 2;
  const narrow = width - col < 24;
  const textCol = narrow ? indent + 4 : col;
  const out: string[] = [];
  for (const [left, text] of rows) {
    const wrapped = wrapText(text, Math.max(20, width - textCol));
    const head = ' '.repeat(indent) + left;
    if (!narrow && head.length + 2 <= textCol) {
      out.push(head.padEnd(textCol) + wrapped[0]);
      for (const l of wrapped.slice(1)) out.push(' '.repeat(textCol) + l);
    } else {
      // A usage wider than the output wraps too, its continuation indented under its first word.
      const lefts = wrapText(left, Math.max(20, width - indent - 2));
      out.push(' '.repeat(indent) + lefts[0]);
      for (const l of lefts.slice(1)) out.push(' '.repeat(indent + 2) + l);
      for (const l of wrapped) out.push(' '.repeat(textCol) + l);
    }
  }
  return out.join('\n') + '\n';
}

/** The command words a group holds: `key` → key info, key create, … */
export function groupCommands(commands: CliCommand[], prefix: string[]): CliCommand[] {
  return commands.filter((c) => c.path.length > prefix.length && prefix.every((w, i) => c.path[i] === w));
}

export function isGroup(commands: CliCommand[], prefix: string[]): boolean {
  return prefix.length > 0 && groupCommands(commands, prefix).length > 0;
}

export function usage(commands: CliCommand[], width: number): string {
  const rows = commands.map((c): [string, string] => [c.usage, c.summary]);
  const footer = [
    'Every command takes --help (its own options); `gatehouse --version` prints the version.',
    'Help on one command or group: gatehouse help COMMAND (e.g. gatehouse help key).',
  ];
  return 'Usage: gatehouse <command> [options]\n\nCommands:\n' + twoColumns(rows, width) + '\n' + footer.map((f) => wrapText(f, width).join('\n') + '\n').join('');
}

export function groupUsage(commands: CliCommand[], prefix: string[], width: number): string {
  const own = commands.find((c) => c.path.join(' ') === prefix.join(' '));
  const members = groupCommands(commands, prefix);
  const rows = [...(own ? [own] : []), ...members].map((c): [string, string] => [c.usage, c.summary]);
  return `Usage: gatehouse ${prefix.join(' ')} <command> [options]\n\nCommands:\n` + twoColumns(rows, width);
}

export function commandUsage(command: CliCommand, width: number): string {
  const flags = Object.entries(command.flags).map(([name, takesValue]) => `--${name}${takesValue ? ' VALUE' : ''}`);
  return (
    wrapText(`Usage: gatehouse ${command.usage}`, width).join('\n    ') +
    '\n\n' +
    wrapText(command.summary, width - 2).map((l) => `  ${l}`).join('\n') +
    '\n' +
    (flags.length ? `\n${wrapText(`Options: ${flags.join(', ')}`, width).join('\n  ')}\n` : '')
  );
}

/** Edit distance (insert, delete, substitute, swap two neighbours): `stauts` is one swap from `status`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidates to a mistyped word (at most a third of its letters off), best first. */
export function closest(word: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const scored = [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter(({ c, d }) => d <= limit || (word.length >= 3 && c.startsWith(word.toLowerCase())));
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, 3).map(({ c }) => c);
}

/** `gatehouse --version`: the version of the package this CLI came from (checkout, bundle or install). */
export function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gatehouse' && pkg.version) return pkg.version;
    } catch {
      // Not here: one folder up.
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

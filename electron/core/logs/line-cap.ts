/**
 * The longest log line Gatehouse keeps, in characters. A container can print a line of any length
 * (a 256 MiB one without a newline took over a gigabyte of memory on its way to the parser), so a
 * line is kept up to this length and the rest is counted, not held.
 */
export const MAX_LINE_CHARS = 64 * 1024;

/** The line cut to MAX_LINE_CHARS, with a marker saying how much was left out (`alreadyCut` counts what was dropped before). */
export function capLine(line: string, alreadyCut = 0): string {
  let cut = alreadyCut;
  let kept = line;
  if (kept.length > MAX_LINE_CHARS) {
    cut += kept.length - MAX_LINE_CHARS;
    kept = kept.slice(0, MAX_LINE_CHARS);
  }
  return cut > 0 ? `${kept} [… ${cut} more characters cut by Gatehouse: lines are kept up to ${MAX_LINE_CHARS} characters]` : kept;
}

/**
 * Appends text to a held partial line without letting it grow past MAX_LINE_CHARS; returns the
 * new partial and how many characters were dropped.
 */
export function holdPartial(partial: string, text: string): { partial: string; dropped: number } {
  const room = MAX_LINE_CHARS - partial.length;
  if (text.length <= room) return { partial: partial + text, dropped: 0 };
  return { partial: room > 0 ? partial + text.slice(0, room) : partial, dropped: text.length - Math.max(room, 0) };
}

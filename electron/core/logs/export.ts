import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportFormat, LogEntry } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { writeFileAtomic } from '../atomic-file';

/**
 * One entry as text: "time stream LEVEL [task] source: message" (the task in swarm mode, as
 * `docker service logs` names it). The lines after the first of a multi-line message (a
 * traceback) are indented, so every entry starts at column 0 and grep sees the continuation
 * belongs to the line above.
 */
export function formatEntryText(e: LogEntry): string {
  const task = e.task ? `${e.task} ` : '';
  const head = `${e.time} ${e.stream.padEnd(6)} ${e.level.toUpperCase().padEnd(8)} ${task}${e.source}: `;
  return e.message.indexOf('\n') === -1 ? head + e.message : head + e.message.replace(/\n/g, '\n    ');
}

/** One entry as a JSON line (the LogEntry fields, stable key order; `task` in swarm mode only). */
export function formatEntryJson(e: LogEntry): string {
  return JSON.stringify({
    seq: e.seq,
    time: e.time,
    stream: e.stream,
    level: e.level,
    source: e.source,
    message: e.message,
    containerId: e.containerId,
    ...(e.task !== undefined ? { task: e.task } : {}),
  });
}

export function formatEntries(entries: LogEntry[], format: ExportFormat): string {
  const fmt = format === 'jsonl' ? formatEntryJson : formatEntryText;
  let out = '';
  for (const e of entries) out += fmt(e) + '\n';
  return out;
}

/**
 * Writes already-redacted entries to `file` (created 0600, written atomically so a reader never
 * sees half an export). The folder must exist: a typo in a path should not create folders.
 */
export async function writeExport(file: string, entries: LogEntry[], format: ExportFormat): Promise<void> {
  if (format !== 'text' && format !== 'jsonl') {
    throw new GatehouseError('INVALID_ARGUMENT', `Unknown export format "${String(format)}".`, 'Use text or jsonl.');
  }
  const target = path.resolve(file);
  const dir = path.dirname(target);
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new GatehouseError('INVALID_ARGUMENT', `Cannot export logs to ${target}: the folder ${dir} does not exist.`, 'Choose a file in an existing folder.', { cause: err });
  }
  try {
    await writeFileAtomic(target, formatEntries(entries, format));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new GatehouseError('INVALID_ARGUMENT', `Writing the log export to ${target} failed (${code}).`, 'Choose a file in a folder you may write to, with free space.', { cause: err });
  }
}

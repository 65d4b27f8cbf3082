import type { StateStore } from '../state-store';
import { emptyRedactionStats, type LogPipeline, type RedactionStats, type StreamMarks } from './pipeline';

/**
 * What the log engine keeps in state.json besides the history: acknowledged warning groups,
 * redaction totals, and where reading stopped when the log was cleared.
 */

/** Acknowledged warning groups, id → time of the last occurrence acknowledged. */
const WARNINGS_SECTION = 'warnings';
/** Redaction totals, kept across restarts and across clearing the log. */
const REDACTIONS_SECTION = 'logRedactions';
/** Where reading stopped when the history was cleared, so a restart does not bring it back. */
const CLEARED_SECTION = 'logsCleared';
const MAX_CLEARED_CONTAINERS = 50;

interface WarningsState {
  acks: Record<string, string>;
}

/** Puts the acknowledgements and redaction totals back into a new pipeline. */
export async function restoreCounters(state: StateStore, pipeline: LogPipeline): Promise<void> {
  const warnings = await state.read<WarningsState>(WARNINGS_SECTION);
  pipeline.groups.setAcks(warnings?.acks ?? {});
  const saved = await state.read<RedactionStats>(REDACTIONS_SECTION);
  if (saved && typeof saved.total === 'number') Object.assign(pipeline.stats, emptyRedactionStats(), saved);
}

/** Read marks of a cleared log, merged after the history is loaded. */
export async function restoreClearedMarks(state: StateStore, pipeline: LogPipeline): Promise<void> {
  const cleared = await state.read<Record<string, StreamMarks>>(CLEARED_SECTION);
  if (cleared && typeof cleared === 'object') pipeline.mergeMarks(cleared);
}

export function saveRedactionStats(state: StateStore, stats: RedactionStats): Promise<unknown> {
  const copy = structuredClone(stats);
  return state.update<RedactionStats>(REDACTIONS_SECTION, () => copy);
}

export function saveAck(state: StateStore, id: string, through: string): Promise<unknown> {
  return state.update<WarningsState>(WARNINGS_SECTION, (cur) => ({ acks: { ...(cur?.acks ?? {}), [id]: through } }));
}

/**
 * Without the history, a restart would re-read the cleared lines from Docker: keep where reading
 * stopped (the most recent containers only; older ones are long gone).
 */
export function saveClearedMarks(state: StateStore, marks: Record<string, StreamMarks>): Promise<unknown> {
  const newest = (m: StreamMarks) => ((m.stdout ?? '') > (m.stderr ?? '') ? (m.stdout ?? '') : (m.stderr ?? ''));
  const kept = Object.entries(marks)
    .sort((a, b) => (newest(a[1]) < newest(b[1]) ? 1 : -1))
    .slice(0, MAX_CLEARED_CONTAINERS);
  return state.update<Record<string, StreamMarks>>(CLEARED_SECTION, () => Object.fromEntries(kept));
}

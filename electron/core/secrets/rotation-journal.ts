import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../atomic-file';
import { GatehouseError } from '../errors';
import type { StateStore } from '../state-store';

/**
 * The rotation journal: what a rotation in flight has done so far, kept in a file of its own
 * next to state.json (rotation-journal.json) so that the next run can finish or undo it, and so
 * that nothing done to state.json (a torn file set aside, another section's update) can drop it.
 * Fingerprints, container ids and the step only; the keys themselves are in the keychain
 * (current and pending accounts).
 */
export type JournalStep =
  /** The journal is written; the pending key may or may not be in the keychain yet; nothing else changed. */
  | 'begun'
  /** The old container was renamed aside; a new one may have been created or started. */
  | 'recreating'
  /** The new gateway answered: new key 200, old key 401, no key 401. From here on, roll forward. */
  | 'verified';

export interface RotationJournal {
  id: string;
  step: JournalStep;
  startedAt: string;
  oldFingerprint: string;
  newFingerprint: string;
  /** Whether a gateway was running when the rotation began (if not, only the keychain changes). */
  gatewayWasRunning: boolean;
  /** The gateway container the rotation replaces (id and name as they were), if one existed. */
  oldContainerId: string | null;
  oldContainerName: string | null;
}

/** The state.json section that held the journal before it had its own file (still read, then cleared). */
export const JOURNAL_SECTION = 'rotation';
export const JOURNAL_FILE = 'rotation-journal.json';

export function journalFile(state: StateStore): string {
  return path.join(path.dirname(state.file), JOURNAL_FILE);
}

function isJournal(v: unknown): v is RotationJournal {
  const j = v as RotationJournal;
  return !!j && typeof j.id === 'string' && typeof j.step === 'string' && typeof j.oldFingerprint === 'string' && typeof j.newFingerprint === 'string';
}

export async function readJournal(state: StateStore): Promise<RotationJournal | null> {
  const file = journalFile(state);
  let raw: unknown;
  try {
    raw = await readJsonFile(file);
  } catch (err) {
    raw = err;
  }
  if (raw !== undefined) {
    if (isJournal(raw)) return raw;
    // Written atomically, so this is damage: refusing is the only safe answer, since a rotation
    // recovered from a guess could throw away the key clients use.
    throw new GatehouseError(
      'ROTATION_FAILED',
      `The rotation journal ${file} cannot be read, so an interrupted key rotation can be neither finished nor rolled back safely.`,
      `Check the file (it holds fingerprints and container ids only); restore it from a backup, or move it away if no rotation was under way, then try again.`,
    );
  }
  return (await state.read<RotationJournal | null>(JOURNAL_SECTION)) ?? null;
}

export async function writeJournal(state: StateStore, journal: RotationJournal | null): Promise<void> {
  const file = journalFile(state);
  if (journal) {
    await writeFileAtomic(file, JSON.stringify(journal, null, 2) + '\n');
  } else {
    await fs.rm(file, { force: true });
  }
  // A journal of an older version lives in state.json: once the file speaks, that one is done.
  if ((await state.read(JOURNAL_SECTION)) !== undefined) {
    await state.update<RotationJournal | null | undefined>(JOURNAL_SECTION, () => undefined);
  }
}

export type RecoveryDecision =
  /** Nothing in flight. */
  | 'none'
  /** A pending key without a journal: the rotation died before it changed anything. Delete it. */
  | 'discard-pending'
  /** The new key was proven (or already made current): finish the rotation. */
  | 'roll-forward'
  /** The new key was never proven: restore the old key and the old container. */
  | 'roll-back';

/**
 * What to do with an interrupted rotation, from the journal and the fingerprints of the
 * keychain's current and pending keys. The order of writes in rotation.ts makes these the only
 * reachable states: the journal is written before the pending key, the current key is replaced
 * only after the journal says "verified", the pending key is deleted only after that, and the
 * journal is cleared last. (A pending key without a journal is left by nothing Gatehouse does
 * today; it is discarded to be safe.)
 */
export function decideRecovery(journal: RotationJournal | null, currentFp: string | null, pendingFp: string | null): RecoveryDecision {
  if (!journal) return pendingFp ? 'discard-pending' : 'none';
  if (currentFp === journal.newFingerprint) return 'roll-forward';
  if (journal.step === 'verified' && pendingFp === journal.newFingerprint) return 'roll-forward';
  return 'roll-back';
}

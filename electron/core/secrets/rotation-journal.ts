import type { StateStore } from '../state-store';

/**
 * The rotation journal: what a rotation in flight has done so far, kept in state.json (section
 * "rotation") so that the next run can finish or undo it. Fingerprints, container ids and the
 * step only; the keys themselves are in the keychain (current and pending accounts).
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

export const JOURNAL_SECTION = 'rotation';

export async function readJournal(state: StateStore): Promise<RotationJournal | null> {
  return (await state.read<RotationJournal | null>(JOURNAL_SECTION)) ?? null;
}

export async function writeJournal(state: StateStore, journal: RotationJournal | null): Promise<void> {
  await state.update<RotationJournal | null>(JOURNAL_SECTION, () => journal);
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

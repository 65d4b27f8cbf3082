import type { KeyInfo } from '../../../shared/api';
import { GatehouseError } from '../errors';
import type { StateStore } from '../state-store';
import { ACCOUNTS, type SecretStore } from './secret-store';
import { fingerprint, generateMasterKey } from './master-key';
import { readJournal } from './rotation-journal';

/** What state.json keeps about the key: timestamps and fingerprints only, never the key. */
export interface KeyState {
  fingerprint: string | null;
  createdAt: string | null;
  rotatedAt: string | null;
}

const SECTION = 'masterKey';
const DAY_MS = 86_400_000;

/**
 * The master key's life in the keychain: created on first use, read for injection at container
 * create time, described by fingerprint and age. Rotation, import and the Claude token build on
 * this class (secrets/rotation.ts and friends).
 */
export class KeyManager {
  constructor(
    private readonly secrets: SecretStore,
    private readonly state: StateStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The current master key, or null when none exists. */
  async get(): Promise<string | null> {
    return this.secrets.get(ACCOUNTS.masterKey);
  }

  /** The current master key; NO_KEY when there is none. */
  async require(): Promise<string> {
    const key = await this.get();
    if (!key) {
      throw new GatehouseError('NO_KEY', 'No master key exists in the keychain yet.', 'Create one with `gatehouse start` (first start creates it) or the "Create key" button.');
    }
    return key;
  }

  /** Returns the existing key, or generates one and stores it (read back to prove it landed). */
  async ensure(): Promise<string> {
    const existing = await this.get();
    if (existing) return existing;
    const key = generateMasterKey();
    await this.secrets.set(ACCOUNTS.masterKey, key);
    const readBack = await this.secrets.get(ACCOUNTS.masterKey);
    if (readBack !== key) {
      // A locked Secret Service can accept nothing and read back null: never use a key that
      // is not safely stored, or it would be lost on the next start.
      throw new GatehouseError(
        'KEYCHAIN_LOCKED',
        'The new master key could not be read back from the keychain, so it was not used.',
        'Unlock your login keyring and try again. Gatehouse never falls back to storing the key in a file.',
      );
    }
    const at = this.now().toISOString();
    await this.state.update<KeyState>(SECTION, () => ({ fingerprint: fingerprint(key), createdAt: at, rotatedAt: null }));
    return key;
  }

  async info(): Promise<KeyInfo> {
    const key = await this.get();
    const st = (await this.state.read<KeyState>(SECTION)) ?? { fingerprint: null, createdAt: null, rotatedAt: null };
    // The journal is written before the pending key (rotation.ts), so either one means "in flight".
    const pending = (await readJournal(this.state)) !== null || (await this.secrets.get(ACCOUNTS.pendingMasterKey)) !== null;
    if (!key) return { exists: false, fingerprint: null, createdAt: null, rotatedAt: null, ageDays: null, pendingRotation: pending };
    const fp = fingerprint(key);
    // A key imported or created by an older version has no timestamps: its age is unknown.
    const since = st.fingerprint === fp ? (st.rotatedAt ?? st.createdAt) : null;
    const ageDays = since ? Math.floor((this.now().getTime() - Date.parse(since)) / DAY_MS) : null;
    return {
      exists: true,
      fingerprint: fp,
      createdAt: st.fingerprint === fp ? st.createdAt : null,
      rotatedAt: st.fingerprint === fp ? st.rotatedAt : null,
      ageDays,
      pendingRotation: pending,
    };
  }

  /** Records key metadata after a rotation or import (used by those modules). */
  async recordKey(key: string, change: 'created' | 'rotated' | 'imported'): Promise<KeyState> {
    const at = this.now().toISOString();
    return this.state.update<KeyState>(SECTION, (prev) => ({
      fingerprint: fingerprint(key),
      createdAt: change === 'rotated' ? (prev?.createdAt ?? at) : at,
      rotatedAt: change === 'rotated' ? at : null,
    }));
  }
}

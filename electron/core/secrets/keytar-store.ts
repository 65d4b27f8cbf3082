import crypto from 'node:crypto';
import { GatehouseError } from '../errors';
import type { SecretStore } from './secret-store';

/** Prefix of the scratch accounts written to tell an empty keychain from a locked one; never a real secret. */
export const PROBE_ACCOUNT_PREFIX = 'gatehouse-probe-';

/** How long a keychain proven writable is trusted before an empty read proves it again. */
const PROBE_TRUST_MS = 2_000;

type Keytar = typeof import('keytar');

/**
 * SecretStore over keytar (macOS Keychain, Windows Credential Manager, libsecret's Secret
 * Service on Linux). Every failure becomes KEYCHAIN_LOCKED or KEYCHAIN_UNAVAILABLE with a fix;
 * there is never a plaintext fallback.
 *
 * A locked Secret Service answers a read with "nothing", exactly as an empty one does (the
 * unlock prompt it tries fails without a display). So a read that finds nothing is only
 * reported as "absent" once the keychain has proven it is open: a scratch value written, read
 * back and deleted. Otherwise the read fails with KEYCHAIN_LOCKED, never "no key yet" (which
 * would invite creating a second key over an existing one).
 */
export class KeytarSecretStore implements SecretStore {
  readonly backendName: string;
  private keytar: Keytar | null = null;
  private provenOpenAt = 0;
  private proving: Promise<void> | null = null;

  constructor(private readonly service: string) {
    this.backendName =
      process.platform === 'darwin' ? 'macOS Keychain' : process.platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service (libsecret)';
  }

  private load(): Keytar {
    if (this.keytar) return this.keytar;
    try {
      // Loaded lazily so that commands that never touch a secret work without the native module.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.keytar = require('keytar') as Keytar;
      return this.keytar;
    } catch (err) {
      throw new GatehouseError(
        'KEYCHAIN_UNAVAILABLE',
        `The keychain module (keytar) could not be loaded: ${(err as Error).message}.`,
        'Reinstall Gatehouse; on Linux from source, install libsecret-1-dev first, then run npm install again.',
        { cause: err },
      );
    }
  }

  private translate(err: unknown, action: string): GatehouseError {
    const msg = err instanceof Error ? err.message : String(err);
    if (/locked/i.test(msg)) {
      return new GatehouseError(
        'KEYCHAIN_LOCKED',
        `The keychain is locked, so Gatehouse could not ${action} (${this.backendName}: ${msg}).`,
        'Unlock your login keyring (for example by logging in to the desktop session, or with your keyring manager such as Seahorse) and try again. Gatehouse never falls back to storing the key in a file.',
        { cause: err },
      );
    }
    return new GatehouseError(
      'KEYCHAIN_UNAVAILABLE',
      `The keychain is not available, so Gatehouse could not ${action} (${this.backendName}: ${msg}).`,
      process.platform === 'linux'
        ? 'Start a Secret Service provider such as gnome-keyring-daemon in your session (it needs a D-Bus session bus, DBUS_SESSION_BUS_ADDRESS) and try again. Gatehouse never falls back to storing the key in a file.'
        : 'Make sure your user keychain is available and try again. Gatehouse never falls back to storing the key in a file.',
      { cause: err },
    );
  }

  async get(account: string): Promise<string | null> {
    const keytar = this.load();
    let value: string | null;
    try {
      value = await keytar.getPassword(this.service, account);
    } catch (err) {
      throw this.translate(err, `read "${account}"`);
    }
    // Only libsecret answers a locked keychain with "nothing"; the macOS Keychain and Windows
    // Credential Manager fail the read itself (or prompt), so there is nothing to tell apart.
    if (value === null && process.platform !== 'darwin' && process.platform !== 'win32') await this.proveOpen(keytar, `read "${account}"`);
    // A locked keychain returns nothing at all: one that returned a secret is open (no probe needed).
    if (value !== null) this.provenOpenAt = Date.now();
    return value;
  }

  /** Throws KEYCHAIN_LOCKED / KEYCHAIN_UNAVAILABLE unless the keychain accepts and returns a scratch value. */
  private proveOpen(keytar: Keytar, action: string): Promise<void> {
    if (Date.now() - this.provenOpenAt < PROBE_TRUST_MS) return Promise.resolve();
    // Reads made at once share one probe.
    this.proving ??= this.probe(keytar, action).finally(() => {
      this.proving = null;
    });
    return this.proving;
  }

  private async probe(keytar: Keytar, action: string): Promise<void> {
    const account = PROBE_ACCOUNT_PREFIX + crypto.randomBytes(6).toString('hex');
    const value = crypto.randomBytes(16).toString('hex');
    try {
      await keytar.setPassword(this.service, account, value);
    } catch (err) {
      throw this.translate(err, action);
    }
    try {
      const back = await keytar.getPassword(this.service, account).catch(() => null);
      if (back !== value) {
        throw this.translate(new Error('a value written to it could not be read back (locked)'), action);
      }
      this.provenOpenAt = Date.now();
    } finally {
      await keytar.deletePassword(this.service, account).catch(() => false);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    const keytar = this.load();
    try {
      await keytar.setPassword(this.service, account, secret);
    } catch (err) {
      throw this.translate(err, `store "${account}"`);
    }
  }

  async delete(account: string): Promise<boolean> {
    const keytar = this.load();
    try {
      return await keytar.deletePassword(this.service, account);
    } catch (err) {
      throw this.translate(err, `delete "${account}"`);
    }
  }
}

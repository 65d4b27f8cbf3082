import crypto from 'node:crypto';
import { isGatehouseError } from '../errors';
import type { SecretStore } from '../secrets/secret-store';
import type { KeychainFacts } from './facts';

import { PROBE_ACCOUNT_PREFIX } from '../secrets/keytar-store';

export { PROBE_ACCOUNT_PREFIX };

/**
 * Tells an unlocked keychain from a locked or missing one. Reading cannot: a locked Secret
 * Service answers a read with null, exactly as an empty one does. So write a random scratch value
 * under a throw-away account, read it back, delete it. A locked collection refuses the write
 * ("Cannot create an item in a locked collection"), or accepts it and reads back nothing.
 */
export async function probeKeychain(secrets: SecretStore): Promise<KeychainFacts> {
  const account = PROBE_ACCOUNT_PREFIX + crypto.randomBytes(6).toString('hex');
  const value = crypto.randomBytes(16).toString('hex');
  const backend = secrets.backendName;
  try {
    await secrets.set(account, value);
    const back = await secrets.get(account);
    if (back !== value) {
      return { backend, status: 'locked', detail: 'a value written to it could not be read back' };
    }
    return { backend, status: 'ok', detail: null };
  } catch (err) {
    // The keychain's own words (the cause) say more than Gatehouse's wrapping of them.
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
    if (isGatehouseError(err, 'KEYCHAIN_LOCKED') || /locked/i.test(detail)) return { backend, status: 'locked', detail };
    return { backend, status: 'unavailable', detail };
  } finally {
    // Best effort: a keychain that refused the write has nothing to delete.
    await secrets.delete(account).catch(() => false);
  }
}

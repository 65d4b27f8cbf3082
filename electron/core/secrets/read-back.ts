import { GatehouseError } from '../errors';
import type { SecretStore } from './secret-store';

/**
 * Stores a secret and reads it back: a keychain that accepts a value but does not return it
 * (a locked or broken collection) must never be trusted with a key nobody else holds. The
 * message and fix say what was being stored and what happens next; never the value.
 */
export async function storeAndReadBack(secrets: SecretStore, account: string, value: string, failure: { message: string; fix: string }): Promise<void> {
  await secrets.set(account, value);
  if ((await secrets.get(account)) !== value) throw new GatehouseError('KEYCHAIN_LOCKED', failure.message, failure.fix);
}

import { ACCOUNTS, type SecretStore } from './secret-store';
import { storeAndReadBack } from './read-back';
import { generateSecret } from './master-key';

/**
 * LITELLM_SALT_KEY: LiteLLM encrypts the credentials it stores in its database with it, or with
 * the master key when it is unset, which would make them unreadable after a master-key rotation.
 * So Gatehouse generates it once, keeps it in the keychain, injects it at every container create,
 * and never rotates it. An import may set it to an existing deployment's value instead
 * (secrets/env-import.ts).
 */
export async function ensureSaltKey(secrets: SecretStore): Promise<string> {
  const existing = await secrets.get(ACCOUNTS.saltKey);
  if (existing) return existing;
  const salt = 'sk-' + generateSecret();
  await storeAndReadBack(secrets, ACCOUNTS.saltKey, salt, {
    message: 'The new salt key could not be read back from the keychain, so it was not used.',
    fix: 'Unlock your login keyring and try again. Gatehouse never falls back to storing secrets in a file.',
  });
  return salt;
}

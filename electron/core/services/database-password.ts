import { generateSecret } from '../secrets/master-key';
import { ACCOUNTS, type SecretStore } from '../secrets/secret-store';
import { storeAndReadBack } from '../secrets/read-back';

/** The database password from the keychain, or null when none is stored. */
export async function readDatabasePassword(secrets: SecretStore): Promise<string | null> {
  return secrets.get(ACCOUNTS.databasePassword);
}

/**
 * Generates the database password (256 bits, hex: safe in a URL and in every shell) and stores it
 * in the keychain, read back to prove it landed: a password that is not safely stored would lock
 * the data away on the next start. Only for a data volume that does not exist yet; a database
 * that exists keeps the password it was created with.
 */
export async function createDatabasePassword(secrets: SecretStore): Promise<string> {
  const password = generateSecret();
  await storeAndReadBack(secrets, ACCOUNTS.databasePassword, password, {
    message: 'The new database password could not be read back from the keychain, so the database was not created.',
    fix: 'Unlock your login keyring and try again. Gatehouse never falls back to storing secrets in a file.',
  });
  return password;
}

import { generateSecret } from '../secrets/master-key';
import { failed } from './database-checks';
import type { DatabasePlan } from './database-plan';
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

/**
 * The password a start uses for the data volume: the keychain's, or a new one when neither a
 * password nor the volume exists yet. A volume without a password in the keychain is refused
 * (its database was created with a password Gatehouse does not know). Both targets (the container
 * and the Swarm service) start the database through this.
 */
export async function passwordForStart(secrets: SecretStore, plan: DatabasePlan, volumeExists: boolean): Promise<string> {
  const password = await readDatabasePassword(secrets);
  if (password) return password;
  if (volumeExists) {
    throw failed(
      `The data volume ${plan.volumeName} already exists, but the keychain holds no database password for it.`,
      plan.adopted
        ? 'Import the password its database was created with (POSTGRES_PASSWORD in the seed\'s .env) with `gatehouse key import --env-file <seed>/.env`, then start again.'
        : `Import the password the database was created with, or, if its data is not needed, remove it with \`gatehouse db remove-data --confirm ${plan.volumeName}\` and start again.`,
    );
  }
  return createDatabasePassword(secrets);
}

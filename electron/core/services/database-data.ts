import { GatehouseError } from '../errors';
import { engineStatus } from '../engine/connection';
import { belongsTo } from '../engine/labels';
import type { SecretStore } from '../secrets/secret-store';
import { failed } from './database-checks';
import { readDatabasePassword } from './database-password';
import { DATA_VOLUME_ROLE, type DatabasePlan } from './database-plan';
import type { DatabaseService } from './database';

/** The data volume: whether a start may use it, its removal, and adopting the seed's. */

/** Whether a start may use the data volume it found (null: none of that name). */
export function checkVolume(plan: DatabasePlan, volume: { labels: Record<string, string> } | null): void {
  if (plan.adopted) {
    if (!volume) {
      throw failed(
        `The data volume ${plan.volumeName} picked for the database does not exist on this Docker engine.`,
        'Check the name with `docker volume ls` and adopt the right one with `gatehouse db adopt VOLUME`, or set the volume back to the default in the settings.',
      );
    }
    return;
  }
  if (volume && !belongsTo(volume.labels, plan.stackName)) {
    throw failed(
      `A Docker volume named ${plan.volumeName} already exists and was not created by Gatehouse for this stack, so Gatehouse does not use it on its own.`,
      `If it holds the database you want to keep using, adopt it explicitly with \`gatehouse db adopt ${plan.volumeName}\`; otherwise choose another stack name.`,
    );
  }
}

/**
 * Deletes the database's data: the one place Gatehouse removes a data volume, and only when the
 * caller names it (`confirm` must equal the volume's name) and nothing runs on it. Removes the
 * stopped database container first (Docker keeps a volume a container refers to).
 */
export async function removeDatabaseData(db: DatabaseService, plan: DatabasePlan, confirm: string, signal?: AbortSignal): Promise<{ volume: string }> {
  if (confirm !== plan.volumeName) {
    throw new GatehouseError(
      'INVALID_ARGUMENT',
      `Removing the database data needs the volume's name as confirmation: "${confirm}" is not ${plan.volumeName}.`,
      `Run \`gatehouse db remove-data --confirm ${plan.volumeName}\` if you really want to delete every virtual key, spend record and model stored in it.`,
    );
  }
  const volume = await db.inspectVolume(plan.volumeName, signal);
  if (!volume) throw new GatehouseError('NOT_FOUND', `The data volume ${plan.volumeName} does not exist.`, 'Nothing to remove.');
  const container = await db.find(plan, signal);
  if (container?.State.Running) {
    throw failed(`The database ${plan.containerName} is running on the volume ${plan.volumeName}, so its data cannot be removed.`, 'Stop the stack first (gatehouse stop), then run the command again.');
  }
  if (container) await db.lifecycle.remove(container.Id, signal);
  await db.releaseVolume(signal);
  try {
    await db.lifecycle.engine.removeVolume(plan.volumeName, { signal });
  } catch (err) {
    if (engineStatus(err) === 409) {
      throw failed(
        `The volume ${plan.volumeName} is still used by another container, so Docker keeps it.`,
        'Find the container with `docker ps -a --filter volume=' + plan.volumeName + '` and remove it, then run the command again.',
        err,
      );
    }
    throw err;
  }
  return { volume: plan.volumeName };
}

/**
 * Uses an existing data volume (the seed's) instead of starting empty: checks that it exists,
 * that the keychain has a password for it, and saves it in the settings with the database on.
 * Nothing in the volume is changed; the next start mounts it.
 */
export async function adoptDatabaseVolume(db: DatabaseService, current: DatabasePlan, volumeName: string, secrets: SecretStore, signal?: AbortSignal): Promise<void> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(volumeName)) {
    throw new GatehouseError('INVALID_ARGUMENT', `"${volumeName}" is not a Docker volume name.`, 'List the volumes with `docker volume ls` and pass one of their names.');
  }
  const volume = await db.inspectVolume(volumeName, signal);
  if (!volume) {
    throw new GatehouseError('NOT_FOUND', `No Docker volume named ${volumeName} exists.`, 'List the volumes with `docker volume ls`; the seed\'s is usually "<folder>_postgres_data".');
  }
  const ours = belongsTo(volume.labels, current.stackName, DATA_VOLUME_ROLE);
  if (!ours && !(await readDatabasePassword(secrets))) {
    throw failed(
      `The volume ${volumeName} holds a database created with its own password, and the keychain has none yet.`,
      'Import the seed\'s .env first (`gatehouse key import --env-file <seed>/.env` moves POSTGRES_PASSWORD into the keychain), then adopt the volume.',
    );
  }
}


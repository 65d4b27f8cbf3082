/**
 * The names of a stack's Docker objects, derived from the stack name: one rule each, for the
 * core, the CLI and the renderer (which shows the database volume before it exists). No runtime
 * dependencies: the renderer bundle imports it.
 */

/** The database's data volume when settings.database.volume is null. */
export function defaultDatabaseVolume(stackName: string): string {
  return `${stackName}-db-data`;
}

/** The data volume the database uses: an adopted one by name, else the stack's own. */
export function databaseVolumeName(settings: { stackName: string; database: { volume: string | null } }): string {
  return settings.database.volume ?? defaultDatabaseVolume(settings.stackName);
}

/** The gateway's Swarm service in swarm mode (settings.target "swarm"). */
export function swarmServiceName(stackName: string): string {
  return `${stackName}_litellm`;
}

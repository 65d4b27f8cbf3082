import { GatehouseError } from '../errors';
import { containerHandle, tailLines } from '../engine/container-logs';
import type { ContainerDetails, DockerEngine } from '../engine/types';
import { parseReadiness, type GatewayDbReport } from './database-status';
import { httpGet } from './http-probe';
import { PG_DATABASE, PG_PORT, PG_USER, type DatabasePlan } from './database-plan';
import { sleep } from '../../../shared/sleep';

const POLL_MS = 150;
/** How long start waits for the gateway to report "database connected" once it is healthy. */
const CONNECTED_TIMEOUT_MS = 20_000;

/** The database's own error: what failed, with the fix. */
export function failed(message: string, fix: string, cause?: unknown): GatehouseError {
  return new GatehouseError('DATABASE_FAILED', message, fix, cause ? { cause } : undefined);
}

/** A start Docker refused: the engine's words and the container's last lines (without the password). */
export async function startFailure(engine: DockerEngine, plan: DatabasePlan, id: string, err: unknown, password: string): Promise<unknown> {
  if (!(err instanceof GatehouseError) || err.code !== 'INTERNAL') return err;
  const raw = err.cause as { json?: { message?: string }; message?: string } | undefined;
  const why = raw?.json?.message ?? raw?.message ?? String(raw);
  const lines = await tailLines(containerHandle(engine, id), 20, [password]);
  return failed(
    `The database container ${plan.containerName} could not be started: ${why}.${lines.length ? `\nLast log lines:\n${lines.map((l) => '  ' + l).join('\n')}` : ''}`,
    `Check the data volume ${plan.volumeName} (it must be a Docker volume the engine can mount) and the image ${plan.image}. Nothing was deleted.`,
    err,
  );
}

/** Polls until pg_isready answers on TCP inside the container; a container that exits fails at once. */
export async function waitReady(engine: DockerEngine, plan: DatabasePlan, id: string, password: string, signal?: AbortSignal): Promise<void> {
  const container = containerHandle(engine, id, 'inspect the database container');
  const deadline = Date.now() + plan.startTimeoutMs;
  let first: ContainerDetails | null = null;
  let lastOutput = '';
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const info = await container.inspect(signal);
    first ??= info;
    if (!info.State.Running || info.State.Restarting || info.RestartCount > first.RestartCount) {
      throw await exitedError(engine, plan, info, password);
    }
    if (info.State.Health?.Status === 'healthy') return;
    const r = await engine.exec(id, ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', PG_USER, '-d', PG_DATABASE], [], { signal, action: 'run a command in the database container' });
    if (r.exitCode === 0) return;
    lastOutput = r.output.trim();
    if (Date.now() >= deadline) {
      throw failed(
        `The database ${plan.containerName} did not accept connections within ${Math.round(plan.startTimeoutMs / 1000)} s${lastOutput ? ` (pg_isready: ${lastOutput})` : ''}.`,
        'Look at its log (docker logs ' + plan.containerName + '); on a slow machine raise "startTimeoutSeconds" in the settings. Nothing was deleted.',
      );
    }
    await sleep(POLL_MS, signal);
  }
}

async function exitedError(engine: DockerEngine, plan: DatabasePlan, info: ContainerDetails, password: string): Promise<GatehouseError> {
  const lines = await tailLines(containerHandle(engine, info.Id), 20, [password]);
  const text = lines.join('\n');
  let fix = `Read the log lines above. Nothing was deleted: the data volume ${plan.volumeName} is as it was.`;
  if (/Permission denied|not writable|cannot take ownership|Operation not permitted/i.test(text)) {
    fix = `The database may not write its data folder in the volume ${plan.volumeName}: fix the volume's ownership/permissions (PostgreSQL runs as uid 999) or adopt another volume. ${fix}`;
  } else if (/not empty|holds no database|directory .* exists but is not empty/i.test(text)) {
    fix = `The volume ${plan.volumeName} holds files but no PostgreSQL data folder: pick the volume that holds the database (gatehouse db adopt VOLUME). ${fix}`;
  } else if (/written by PostgreSQL|incompatible with this version|database files are incompatible/i.test(text)) {
    fix = `The data was written by another PostgreSQL major version: set the database image to that version (settings "database.image"). ${fix}`;
  }
  const tail = lines.length ? `\nLast ${lines.length} log lines:\n${lines.map((l) => '  ' + l).join('\n')}` : '\n(The container wrote no log lines.)';
  return failed(`The database container ${plan.containerName} exited with code ${info.State.ExitCode} while starting.${tail}`, fix);
}

/**
 * Logs in over TCP inside the container with the keychain's password (the way the gateway
 * will), so that a volume created with another password is reported as such before the
 * gateway starts. The password goes in the exec's environment, never in its arguments.
 */
export async function verifyPassword(engine: DockerEngine, plan: DatabasePlan, id: string, password: string, signal?: AbortSignal): Promise<void> {
  const r = await engine.exec(
    id,
    ['psql', '-X', '-q', '-t', '-A', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', PG_USER, '-d', PG_DATABASE, '-c', 'SELECT 1'],
    [`PGPASSWORD=${password}`, 'PGCONNECT_TIMEOUT=5'],
    { signal, action: 'run a command in the database container' },
  );
  if (r.exitCode === 0) return;
  if (r.exitCode === null || /executable file not found|no such file/i.test(r.output)) return; // no psql in this image: readiness checks it later
  const said = r.output.replace(/\s+/g, ' ').replace(/^psql: error: /, '').trim();
  if (/password authentication failed|authentication failed/i.test(said)) {
    throw failed(
      `The database in the volume ${plan.volumeName} refused the password in the keychain (${said.replace(/^.*FATAL:\s*/, '')}). Nothing was changed.`,
      plan.adopted
        ? 'Import the password this database was created with (POSTGRES_PASSWORD in the seed\'s .env) with `gatehouse key import --env-file <seed>/.env`, then start again.'
        : 'The keychain\'s database password does not match this data. Import the right one, or, if the data is not needed, remove it with `gatehouse db remove-data --confirm ' + plan.volumeName + '`.',
    );
  }
  if (/does not exist/i.test(said)) {
    throw failed(
      `The database in the volume ${plan.volumeName} has no user "${PG_USER}" or database "${PG_DATABASE}" (${said.replace(/^.*FATAL:\s*/, '')}).`,
      'The volume holds another application\'s database; adopt the volume of the seed\'s LiteLLM stack instead. Nothing was changed.',
    );
  }
  throw failed(`The database did not accept a login: ${said || `psql exited with code ${r.exitCode}`}.`, `Look at its log (docker logs ${plan.containerName}). Nothing was deleted.`);
}

/**
 * After the gateway is healthy: waits (bounded) until its readiness reports the database
 * connected. LiteLLM answers readiness without a key; `db` is "connected" when its database works.
 */
export async function waitGatewayConnected(plan: DatabasePlan, gatewayUrl: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + CONNECTED_TIMEOUT_MS;
  let last: GatewayDbReport | null = null;
  for (;;) {
    last = await askGateway(gatewayUrl, signal);
    if (last?.connected) return;
    if (Date.now() >= deadline) break;
    await sleep(250, signal);
  }
  throw failed(
    `The gateway is running but does not reach its database ${plan.containerName}: ${last?.error ?? 'its readiness endpoint says nothing about a database'}.`,
    'Look at the gateway logs (gatehouse logs) and the database status (gatehouse db status). The data volume was not touched.',
  );
}

export async function askGateway(gatewayUrl: string, signal?: AbortSignal): Promise<GatewayDbReport | null> {
  try {
    const r = await httpGet(gatewayUrl + '/health/readiness', { timeoutMs: 2000, signal });
    return parseReadiness(r.status, r.body);
  } catch {
    return null;
  }
}

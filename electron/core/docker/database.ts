import type Docker from 'dockerode';
import type { DatabaseStatus } from '../../../shared/api';
import { GatehouseError } from '../errors';
import type { SettingsStore } from '../settings';
import type { SecretStore } from '../secrets/secret-store';
import { ensureSaltKey } from '../secrets/salt-key';
import { dockerFailure, statusCodeOf } from './connection';
import { demuxDockerLog, tailLines } from './container-logs';
import { createDatabasePassword, readDatabasePassword } from './database-password';
import {
  DATA_VOLUME_ROLE,
  PG_DATABASE,
  PG_PORT,
  PG_USER,
  RUNNING_RESTART_POLICY,
  databaseCreateOptions,
  databaseGatewayEnv,
  databasePlanDifferences,
  planDatabase,
  type DatabasePlan,
} from './database-plan';
import { describeDatabaseStatus, parseReadiness, type DatabaseDeath, type GatewayDbReport } from './database-status';
import type { DockerEvent } from './events';
import { sleep } from './health';
import { httpGet } from './http-probe';
import { LABELS, belongsTo, labelFilter, stackLabels } from './labels';

const POLL_MS = 150;
const EXEC_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_S = 30;
/** How long start waits for the gateway to report "database connected" once it is healthy. */
const CONNECTED_TIMEOUT_MS = 20_000;

export interface DatabaseServiceOptions {
  env: NodeJS.ProcessEnv;
  settings: SettingsStore;
  secrets: SecretStore;
  /** The stack's Docker client (shared, so DOCKER_HOST and errors are handled in one place). */
  docker: () => Docker;
  /** Makes sure an image is on this machine (the stack's pull, with its progress events). */
  ensureImage: (image: string, signal?: AbortSignal) => Promise<void>;
  /** Makes sure the stack's network exists (the stack's own ensureBase). */
  ensureNetwork: (signal?: AbortSignal) => Promise<void>;
}

function failed(message: string, fix: string, cause?: unknown): GatehouseError {
  return new GatehouseError('DATABASE_FAILED', message, fix, cause ? { cause } : undefined);
}

/** Output and exit code of a command run inside a container. */
interface ExecResult {
  exitCode: number | null;
  output: string;
}

/**
 * The PostgreSQL service of the seed's stack: `<stack>-db` on the stack's network with its data
 * in a named volume, started before the gateway and stopped after it. The password lives only in
 * the keychain and in the two containers' environments. Gatehouse never deletes the data volume
 * except through `removeData`, which the user confirms by naming the volume.
 *
 * The StackController calls up / down / status / gatewayEnv inside its own exclusive operations;
 * this class holds no lock of its own.
 */
export class DatabaseService {
  private death: DatabaseDeath | null = null;
  /** Container ids this process is stopping: their exit is not a death. */
  private readonly stopping = new Set<string>();
  private transient: { state: 'starting' | 'stopping'; detail: string } | null = null;

  constructor(private readonly opts: DatabaseServiceOptions) {}

  async plan(): Promise<DatabasePlan> {
    return planDatabase(await this.opts.settings.get());
  }

  private docker(): Docker {
    return this.opts.docker();
  }

  private call<T>(action: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return fn().catch((err: unknown) => {
      throw dockerFailure(err, action, this.opts.env, signal);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Finding things
  // -------------------------------------------------------------------------------------------

  /** The stack's database container (by label, preferring the plan's name), or null. */
  async find(plan: DatabasePlan, signal?: AbortSignal): Promise<Docker.ContainerInspectInfo | null> {
    const docker = this.docker();
    const list = (
      await this.call('list containers', signal, () =>
        docker.listContainers({ all: true, filters: labelFilter(plan.stackName, 'database'), abortSignal: signal } as Docker.ContainerListOptions),
      )
    ).filter((c) => belongsTo(c.Labels, plan.stackName, 'database'));
    const chosen = list.find((c) => c.Names.includes('/' + plan.containerName)) ?? list[0];
    if (!chosen) return null;
    try {
      return await docker.getContainer(chosen.Id).inspect({ abortSignal: signal } as object);
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      throw dockerFailure(err, 'inspect the database container', this.opts.env, signal);
    }
  }

  /** The volume's labels, or null when no volume has that name. */
  async inspectVolume(name: string, signal?: AbortSignal): Promise<{ labels: Record<string, string> } | null> {
    try {
      const v = (await this.docker().getVolume(name).inspect({ abortSignal: signal } as object)) as { Labels?: Record<string, string> | null };
      return { labels: v.Labels ?? {} };
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      throw dockerFailure(err, `inspect the volume ${name}`, this.opts.env, signal);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The gateway's side
  // -------------------------------------------------------------------------------------------

  /**
   * What the gateway container gets when the database is on: DATABASE_URL (with the password
   * from the keychain) and STORE_MODEL_IN_DB. Empty when the database is off. (LITELLM_SALT_KEY,
   * which keeps stored credentials readable across master-key rotations, is added by
   * secrets/gateway-env.ts for every gateway; `up` makes sure it exists before the database does.)
   */
  async gatewayEnv(): Promise<Record<string, string>> {
    const plan = await this.plan();
    if (!plan.enabled) return {};
    const password = await readDatabasePassword(this.opts.secrets);
    if (!password) {
      throw failed(
        'The database is on in the settings but the keychain holds no database password yet.',
        'Start the stack (the first start with a database creates the password), or import the seed\'s POSTGRES_PASSWORD with `gatehouse key import --env-file <seed>/.env`.',
      );
    }
    return databaseGatewayEnv(plan, password);
  }

  /**
   * After the gateway is healthy: waits (bounded) until its readiness reports the database
   * connected. LiteLLM answers readiness without a key; `db` is "connected" when its database works.
   */
  async waitGatewayConnected(gatewayUrl: string, signal?: AbortSignal): Promise<void> {
    const plan = await this.plan();
    if (!plan.enabled) return;
    const deadline = Date.now() + CONNECTED_TIMEOUT_MS;
    let last: GatewayDbReport | null = null;
    for (;;) {
      last = await this.askGateway(gatewayUrl, signal);
      if (last?.connected) return;
      if (Date.now() >= deadline) break;
      await sleep(250, signal);
    }
    throw failed(
      `The gateway is running but does not reach its database ${plan.containerName}: ${last?.error ?? 'its readiness endpoint says nothing about a database'}.`,
      'Look at the gateway logs (gatehouse logs) and the database status (gatehouse db status). The data volume was not touched.',
    );
  }

  private async askGateway(gatewayUrl: string, signal?: AbortSignal): Promise<GatewayDbReport | null> {
    try {
      const r = await httpGet(gatewayUrl + '/health/readiness', { timeoutMs: 2000, signal });
      return parseReadiness(r.status, r.body);
    } catch {
      return null;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Up
  // -------------------------------------------------------------------------------------------

  /**
   * Brings the database up before the gateway: the salt key and the password in the keychain,
   * the data volume, the container on the stack's network, started, accepting connections, and
   * accepting the keychain's password. Does nothing when the database is off. Never deletes data;
   * on failure the container is left stopped with its logs for `docker logs` and the status.
   */
  async up(signal?: AbortSignal, onStep: (detail: string) => void = () => undefined): Promise<void> {
    const plan = await this.plan();
    if (!plan.enabled) return;
    this.death = null;
    try {
      this.transient = { state: 'starting', detail: 'Preparing the database.' };
      // The salt key must exist before LiteLLM first writes credentials into the database.
      await ensureSaltKey(this.opts.secrets);
      const volume = await this.inspectVolume(plan.volumeName, signal);
      this.checkVolume(plan, volume);
      let password = await readDatabasePassword(this.opts.secrets);
      if (!password) {
        if (volume) {
          throw failed(
            `The data volume ${plan.volumeName} already exists, but the keychain holds no database password for it.`,
            plan.adopted
              ? 'Import the password its database was created with (POSTGRES_PASSWORD in the seed\'s .env) with `gatehouse key import --env-file <seed>/.env`, then start again.'
              : `Import the password the database was created with, or, if its data is not needed, remove it with \`gatehouse db remove-data --confirm ${plan.volumeName}\` and start again.`,
          );
        }
        password = await createDatabasePassword(this.opts.secrets);
      }
      await this.opts.ensureImage(plan.image, signal);
      await this.opts.ensureNetwork(signal);

      let existing = await this.find(plan, signal);
      if (existing) {
        const diffs = databasePlanDifferences(plan, existing, password);
        if (diffs.length) {
          onStep(`Recreating the database container: ${diffs.join('; ')}.`);
          // The data lives in the volume: replacing the container loses nothing.
          await this.stopContainer(existing.Id, signal);
          await this.removeContainer(existing.Id, signal);
          existing = null;
        }
      }
      if (!volume) {
        await this.call(`create volume ${plan.volumeName}`, signal, () =>
          this.docker().createVolume({ Name: plan.volumeName, Labels: stackLabels(plan.stackName, DATA_VOLUME_ROLE), abortSignal: signal } as Docker.VolumeCreateOptions),
        );
      }
      const id = existing?.Id ?? (await this.create(plan, password, signal));
      const container = this.docker().getContainer(id);
      const info = existing ?? (await container.inspect());
      if (!info.State.Running || info.State.Restarting) {
        // See databaseCreateOptions: no restart loop while a start is being verified.
        await this.call('update the database container', signal, () => container.update({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, abortSignal: signal } as object));
        onStep('Starting the database.');
        this.transient = { state: 'starting', detail: 'Starting the database.' };
        try {
          await container.start({ abortSignal: signal } as object);
        } catch (err) {
          if (statusCodeOf(err) !== 304) throw await this.startFailure(plan, container, err, password, signal);
        }
      }
      onStep('Waiting for the database to accept connections.');
      this.transient = { state: 'starting', detail: 'Waiting for the database to accept connections.' };
      await this.waitReady(plan, container, password, signal);
      onStep('Checking the database password.');
      await this.verifyPassword(plan, container, password, signal);
      await this.call('update the database container', signal, () => container.update({ RestartPolicy: RUNNING_RESTART_POLICY, abortSignal: signal } as object));
    } catch (err) {
      const f = await this.find(plan).catch(() => null);
      if (f?.State.Running) await this.stopContainer(f.Id).catch(() => undefined);
      throw err;
    } finally {
      this.transient = null;
    }
  }

  private checkVolume(plan: DatabasePlan, volume: { labels: Record<string, string> } | null): void {
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

  private async create(plan: DatabasePlan, password: string, signal?: AbortSignal): Promise<string> {
    try {
      const c = await this.docker().createContainer({ ...databaseCreateOptions(plan, password), abortSignal: signal } as Docker.ContainerCreateOptions);
      return c.id;
    } catch (err) {
      if (statusCodeOf(err) === 409) {
        throw failed(
          `A container named ${plan.containerName} already exists and does not belong to this stack.`,
          'Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that container yourself if it is unused.',
          err,
        );
      }
      const conn = dockerFailure(err, `create the database container ${plan.containerName}`, this.opts.env, signal);
      if (conn.code !== 'INTERNAL') throw conn;
      // The engine refuses to prepare the volume (read-only, a broken driver option, …).
      const why = (err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err);
      throw failed(
        `The database container ${plan.containerName} could not be started: Docker could not prepare it on the data volume ${plan.volumeName} (${why}).`,
        `The volume must be a writable Docker volume: check it with \`docker volume inspect ${plan.volumeName}\`, or adopt another one (gatehouse db adopt VOLUME). Nothing was deleted.`,
        err,
      );
    }
  }

  private async startFailure(plan: DatabasePlan, container: Docker.Container, err: unknown, password: string, signal?: AbortSignal): Promise<GatehouseError> {
    const conn = dockerFailure(err, `start the database container ${plan.containerName}`, this.opts.env, signal);
    if (conn.code !== 'INTERNAL') return conn;
    const why = (err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err);
    const lines = await tailLines(container, 20, [password]);
    return failed(
      `The database container ${plan.containerName} could not be started: ${why}.${lines.length ? `\nLast log lines:\n${lines.map((l) => '  ' + l).join('\n')}` : ''}`,
      `Check the data volume ${plan.volumeName} (it must be a Docker volume the engine can mount) and the image ${plan.image}. Nothing was deleted.`,
      err,
    );
  }

  /** Polls until pg_isready answers on TCP inside the container; a container that exits fails at once. */
  private async waitReady(plan: DatabasePlan, container: Docker.Container, password: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + plan.startTimeoutMs;
    let first: Docker.ContainerInspectInfo | null = null;
    let lastOutput = '';
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const info = await this.call('inspect the database container', signal, () => container.inspect({ abortSignal: signal } as object));
      first ??= info;
      if (!info.State.Running || info.State.Restarting || info.RestartCount > first.RestartCount) {
        throw await this.exitedError(plan, container, info, password);
      }
      if (info.State.Health?.Status === 'healthy') return;
      const r = await this.exec(container, ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', PG_USER, '-d', PG_DATABASE], [], signal);
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

  private async exitedError(plan: DatabasePlan, container: Docker.Container, info: Docker.ContainerInspectInfo, password: string): Promise<GatehouseError> {
    const lines = await tailLines(container, 20, [password]);
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
  private async verifyPassword(plan: DatabasePlan, container: Docker.Container, password: string, signal?: AbortSignal): Promise<void> {
    const r = await this.exec(
      container,
      ['psql', '-X', '-q', '-t', '-A', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', PG_USER, '-d', PG_DATABASE, '-c', 'SELECT 1'],
      [`PGPASSWORD=${password}`, 'PGCONNECT_TIMEOUT=5'],
      signal,
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

  /** Runs a command in the container with a hard timeout; output is stdout and stderr together. */
  private async exec(container: Docker.Container, cmd: string[], env: string[], signal?: AbortSignal): Promise<ExecResult> {
    let exec: Docker.Exec;
    try {
      exec = await container.exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true, abortSignal: signal } as Docker.ExecCreateOptions);
    } catch (err) {
      // 409: the container stopped in between; the caller's next inspect reports it.
      if (statusCodeOf(err) === 409) return { exitCode: null, output: '' };
      throw dockerFailure(err, 'run a command in the database container', this.opts.env, signal);
    }
    const stream = (await this.call('run a command in the database container', signal, () => exec.start({ hijack: true, stdin: false } as Docker.ExecStartOptions))) as NodeJS.ReadableStream & { destroy(): void };
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stream.destroy();
        resolve();
      }, EXEC_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    const output = demuxDockerLog(Buffer.concat(chunks))
      .map((f) => f.text)
      .join('');
    const info = await exec.inspect().catch(() => null);
    return { exitCode: info && !info.Running ? (info.ExitCode ?? null) : null, output };
  }

  // -------------------------------------------------------------------------------------------
  // Down, remove
  // -------------------------------------------------------------------------------------------

  /** Stops the stack's database containers (after the gateway). The data volume stays. */
  async down(signal?: AbortSignal): Promise<void> {
    const plan = await this.plan();
    const docker = this.docker();
    const list = (
      await this.call('list containers', signal, () =>
        docker.listContainers({ all: true, filters: labelFilter(plan.stackName, 'database'), abortSignal: signal } as Docker.ContainerListOptions),
      )
    ).filter((c) => belongsTo(c.Labels, plan.stackName, 'database') && (c.State === 'running' || c.State === 'restarting'));
    if (!list.length) return;
    this.transient = { state: 'stopping', detail: 'Stopping the database.' };
    try {
      for (const c of list) await this.stopContainer(c.Id, signal);
    } finally {
      this.transient = null;
      this.death = null;
    }
  }

  private async stopContainer(id: string, signal?: AbortSignal): Promise<void> {
    this.stopping.add(id);
    try {
      await this.docker().getContainer(id).stop({ t: STOP_TIMEOUT_S, abortSignal: signal } as object);
    } catch (err) {
      if (statusCodeOf(err) === 304 || statusCodeOf(err) === 404) return;
      throw dockerFailure(err, 'stop the database container', this.opts.env, signal);
    } finally {
      // The die event arrives after stop returns; forget the id a little later.
      setTimeout(() => this.stopping.delete(id), 5000).unref();
    }
  }

  private async removeContainer(id: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.docker().getContainer(id).remove({ force: true, v: false, abortSignal: signal } as object);
    } catch (err) {
      if (statusCodeOf(err) === 404) return;
      throw dockerFailure(err, 'remove the database container', this.opts.env, signal);
    }
  }

  /**
   * Deletes the database's data: the one place Gatehouse removes a data volume, and only when the
   * caller names it (`confirm` must equal the volume's name) and nothing runs on it. Removes the
   * stopped database container first (Docker keeps a volume a container refers to).
   */
  async removeData(confirm: string, signal?: AbortSignal): Promise<{ volume: string }> {
    const plan = await this.plan();
    if (confirm !== plan.volumeName) {
      throw new GatehouseError(
        'INVALID_ARGUMENT',
        `Removing the database data needs the volume's name as confirmation: "${confirm}" is not ${plan.volumeName}.`,
        `Run \`gatehouse db remove-data --confirm ${plan.volumeName}\` if you really want to delete every virtual key, spend record and model stored in it.`,
      );
    }
    const volume = await this.inspectVolume(plan.volumeName, signal);
    if (!volume) throw new GatehouseError('NOT_FOUND', `The data volume ${plan.volumeName} does not exist.`, 'Nothing to remove.');
    const db = await this.find(plan, signal);
    if (db?.State.Running) {
      throw failed(`The database ${plan.containerName} is running on the volume ${plan.volumeName}, so its data cannot be removed.`, 'Stop the stack first (gatehouse stop), then run the command again.');
    }
    if (db) await this.removeContainer(db.Id, signal);
    try {
      await this.docker().getVolume(plan.volumeName).remove({ abortSignal: signal } as object);
    } catch (err) {
      if (statusCodeOf(err) === 409) {
        throw failed(
          `The volume ${plan.volumeName} is still used by another container, so Docker keeps it.`,
          'Find the container with `docker ps -a --filter volume=' + plan.volumeName + '` and remove it, then run the command again.',
          err,
        );
      }
      throw dockerFailure(err, `remove the volume ${plan.volumeName}`, this.opts.env, signal);
    }
    return { volume: plan.volumeName };
  }

  /**
   * Uses an existing data volume (the seed's) instead of starting empty: checks that it exists,
   * that the keychain has a password for it, and saves it in the settings with the database on.
   * Nothing in the volume is changed; the next start mounts it.
   */
  async adopt(volumeName: string, signal?: AbortSignal): Promise<DatabasePlan> {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(volumeName)) {
      throw new GatehouseError('INVALID_ARGUMENT', `"${volumeName}" is not a Docker volume name.`, 'List the volumes with `docker volume ls` and pass one of their names.');
    }
    const volume = await this.inspectVolume(volumeName, signal);
    if (!volume) {
      throw new GatehouseError('NOT_FOUND', `No Docker volume named ${volumeName} exists.`, 'List the volumes with `docker volume ls`; the seed\'s is usually "<folder>_postgres_data".');
    }
    const current = await this.plan();
    const ours = belongsTo(volume.labels, current.stackName, DATA_VOLUME_ROLE);
    if (!ours && !(await readDatabasePassword(this.opts.secrets))) {
      throw failed(
        `The volume ${volumeName} holds a database created with its own password, and the keychain has none yet.`,
        'Import the seed\'s .env first (`gatehouse key import --env-file <seed>/.env` moves POSTGRES_PASSWORD into the keychain), then adopt the volume.',
      );
    }
    // A running database keeps its previous volume until the next start, which sees the changed
    // volume in its plan and recreates the container (the previous volume is kept too).
    await this.opts.settings.update({ database: { enabled: true, volume: volumeName } });
    return this.plan();
  }

  // -------------------------------------------------------------------------------------------
  // Status and events
  // -------------------------------------------------------------------------------------------

  /**
   * The database's own state and health, and whether the gateway reports it connected (asked
   * only when the gateway runs). Null when the database is off in the settings.
   */
  async status(gatewayUrl: string | null, signal?: AbortSignal): Promise<DatabaseStatus | null> {
    const plan = await this.plan();
    if (!plan.enabled) return null;
    const container = await this.find(plan, signal);
    // Healthy again after a death (Docker restarted it): the death is no longer the news.
    if (this.death && container?.State.Health?.Status === 'healthy' && Date.parse(container.State.StartedAt) >= this.death.at - 1000) this.death = null;
    const gateway = gatewayUrl && container?.State.Running ? await this.askGateway(gatewayUrl, signal) : null;
    return describeDatabaseStatus({ plan, container, transient: this.transient, death: this.death, gateway });
  }

  /** Whether a Docker event is about this stack's database container. */
  ownsEvent(ev: DockerEvent): boolean {
    return ev.Actor?.Attributes?.[LABELS.role] === 'database';
  }

  /** Remembers a death the user did not ask for, so the status says "crashed" until it is healthy again. */
  noteEvent(ev: DockerEvent): void {
    const action = ev.Action ?? ev.status ?? '';
    const id = ev.Actor?.ID ?? ev.id ?? '';
    const code = Number(ev.Actor?.Attributes?.exitCode ?? NaN);
    // Exit 0 is a clean shutdown (someone stopped it): the status says "stopped" from inspect.
    if (action === 'die' && !this.stopping.has(id) && code !== 0) {
      this.death = { containerId: id, exitCode: Number.isFinite(code) ? code : null, at: Date.now() };
    }
  }
}

import type { DatabaseStatus } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { engineReason, engineStatus } from '../engine/connection';
import type { DockerEvent } from '../engine/events';
import { LABELS, stackLabels } from '../engine/labels';
import type { ContainerDetails, DockerEngine } from '../engine/types';
import type { SettingsStore } from '../settings';
import type { SecretStore } from '../secrets/secret-store';
import { ensureSaltKey } from '../secrets/salt-key';
import { askGateway, failed, startFailure, verifyPassword, waitGatewayConnected, waitReady } from './database-checks';
import { adoptDatabaseVolume, checkVolume, removeDatabaseData } from './database-data';
import { passwordForStart, readDatabasePassword } from './database-password';
import { DATABASE_STOP_TIMEOUT_S, DATA_VOLUME_ROLE, RUNNING_RESTART_POLICY, databaseCreateOptions, databaseGatewayEnv, databasePlanDifferences, planDatabase, type DatabasePlan } from './database-plan';
import { describeDatabaseStatus, type DatabaseDeath } from './database-status';
import { ServiceLifecycle } from './lifecycle';
import type { EnsureHooks, ServiceSpec } from './service-spec';


export interface DatabaseServiceOptions {
  engine: DockerEngine;
  settings: SettingsStore;
  secrets: SecretStore;
  /** Makes sure an image is on this machine (the stack's pull, with its progress events). */
  ensureImage: (image: string, signal?: AbortSignal) => Promise<void>;
  /** Makes sure the stack's network exists (the stack's own ensureBase). */
  ensureNetwork: (signal?: AbortSignal) => Promise<void>;
  /**
   * Before the data volume is deleted: lets go of it elsewhere (swarm mode's database service,
   * whose task containers hold it); refuses when the database runs there.
   */
  releaseVolume?: (signal?: AbortSignal) => Promise<void>;
}

/**
 * The PostgreSQL service of the seed's stack: `<stack>-db` on the stack's network with its data
 * in a named volume, started before the gateway and stopped after it, through the one
 * ServiceLifecycle. What is left here is PostgreSQL's own: the password (only in the keychain
 * and the two containers' environments), the data volume (deleted only by `removeData`, which
 * the user confirms by naming it), pg_isready and a login as readiness, and the gateway's view.
 *
 * The StackController calls up / down / status / gatewayEnv inside its own exclusive operations;
 * this class holds no lock of its own.
 */
export class DatabaseService implements ServiceSpec<DatabasePlan, string, string> {
  readonly role = 'database' as const;
  readonly noun = 'the database container';
  readonly stopTimeoutS = DATABASE_STOP_TIMEOUT_S;
  readonly lifecycle: ServiceLifecycle<DatabasePlan, string, string>;
  private readonly engine: DockerEngine;
  private death: DatabaseDeath | null = null;
  /** Container ids this process is stopping: their exit is not a death. */
  private readonly stopping = new Set<string>();
  private transient: { state: 'starting' | 'stopping'; detail: string } | null = null;
  private onStep: (detail: string) => void = () => undefined;

  constructor(private readonly opts: DatabaseServiceOptions) {
    this.engine = opts.engine;
    this.lifecycle = new ServiceLifecycle(opts.engine, this);
  }

  async plan(): Promise<DatabasePlan> {
    return planDatabase(await this.opts.settings.get());
  }

  /** The stack's database container (the find-by-role rule), or null. */
  find(plan: DatabasePlan, signal?: AbortSignal): Promise<ContainerDetails | null> {
    return this.lifecycle.find(plan, signal);
  }

  /** The volume's labels, or null when no volume has that name. */
  async inspectVolume(name: string, signal?: AbortSignal): Promise<{ labels: Record<string, string> } | null> {
    const v = await this.engine.inspectVolume(name, { signal });
    return v ? { labels: v.Labels ?? {} } : null;
  }

  // --- ServiceSpec ----------------------------------------------------------------------------

  createOptions(plan: DatabasePlan, password: string, name: string) {
    return { ...databaseCreateOptions(plan, password), name };
  }

  differences(plan: DatabasePlan, existing: ContainerDetails, password: string): string[] {
    return databasePlanDifferences(plan, existing, password);
  }

  createError(plan: DatabasePlan, name: string, err: unknown): GatehouseError | null {
    if (engineStatus(err) === 409) {
      return failed(
        `A container named ${name} already exists and does not belong to this stack.`,
        'Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that container yourself if it is unused.',
        err,
      );
    }
    if (!(err instanceof GatehouseError) || err.code !== 'INTERNAL') return null;
    // The engine refuses to prepare the volume (read-only, a broken driver option, …).
    return failed(
      `The database container ${name} could not be started: Docker could not prepare it on the data volume ${plan.volumeName} (${engineReason(err)}).`,
      `The volume must be a writable Docker volume: check it with \`docker volume inspect ${plan.volumeName}\`, or adopt another one (gatehouse db adopt VOLUME). Nothing was deleted.`,
      err,
    );
  }

  async start(plan: DatabasePlan, id: string, password: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.engine.startContainer(id, { signal, action: `start the database container ${plan.containerName}` });
    } catch (err) {
      throw await startFailure(this.engine, plan, id, err, password);
    }
  }

  /** pg_isready on TCP inside the container, then a login with the keychain's password. */
  async ready(plan: DatabasePlan, id: string, password: string, signal?: AbortSignal): Promise<void> {
    this.onStep('Waiting for the database to accept connections.');
    this.transient = { state: 'starting', detail: 'Waiting for the database to accept connections.' };
    await waitReady(this.engine, plan, id, password, signal);
    this.onStep('Checking the database password.');
    await verifyPassword(this.engine, plan, id, password, signal);
  }

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
    if (plan.enabled) await waitGatewayConnected(plan, gatewayUrl, signal);
  }

  /** Lets go of the data volume outside this container (swarm mode's database service); see the option. */
  async releaseVolume(signal?: AbortSignal): Promise<void> {
    await this.opts.releaseVolume?.(signal);
  }

  /** Deletes the database's data, only when `confirm` names the volume (database-data.ts). */
  async removeData(confirm: string, signal?: AbortSignal): Promise<{ volume: string }> {
    return removeDatabaseData(this, await this.plan(), confirm, signal);
  }

  /** Uses an existing data volume (the seed's) from the next start on (database-data.ts). */
  async adopt(volumeName: string, signal?: AbortSignal): Promise<DatabasePlan> {
    await adoptDatabaseVolume(this, await this.plan(), volumeName, this.opts.secrets, signal);
    // A running database keeps its previous volume until the next start, which sees the changed
    // volume in its plan and recreates the container (the previous volume is kept too).
    await this.opts.settings.update({ database: { enabled: true, volume: volumeName } });
    return this.plan();
  }

  // --- Up, down ---------------------------------------------------------------------------------

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
    this.onStep = onStep;
    try {
      this.transient = { state: 'starting', detail: 'Preparing the database.' };
      // The salt key must exist before LiteLLM first writes credentials into the database.
      await ensureSaltKey(this.opts.secrets);
      const volume = await this.inspectVolume(plan.volumeName, signal);
      checkVolume(plan, volume);
      const password = await passwordForStart(this.opts.secrets, plan, volume !== null);
      await this.opts.ensureImage(plan.image, signal);
      await this.opts.ensureNetwork(signal);
      const existing = await this.find(plan, signal);
      if (!volume) await this.engine.createVolume({ Name: plan.volumeName, Labels: stackLabels(plan.stackName, DATA_VOLUME_ROLE) }, { signal });
      const id = await this.ensureContainer(plan, password, existing, signal);
      await this.engine.setRestartPolicy(id, RUNNING_RESTART_POLICY, { signal, action: 'update the database container' });
    } catch (err) {
      const f = await this.find(plan).catch(() => null);
      if (f?.State.Running) await this.stopContainer(f.Id).catch(() => undefined);
      throw err;
    } finally {
      this.transient = null;
      this.onStep = () => undefined;
    }
  }

  /** The container running and ready; returns its id. A container that failed is kept (stopped by `up`) for its logs. */
  private async ensureContainer(plan: DatabasePlan, password: string, existing: ContainerDetails | null, signal?: AbortSignal): Promise<string> {
    const hooks: EnsureHooks = {
      step: (phase, why) => {
        // The data lives in the volume: replacing the container loses nothing.
        if (phase === 'recreate') this.onStep(`Recreating the database container: ${(why ?? []).join('; ')}.`);
      },
      settingAside: async (old) => void this.stopping.add(old.Id),
      // See databaseCreateOptions: no restart loop while a start is being verified.
      beforeStart: async (id) => {
        await this.engine.setRestartPolicy(id, { Name: 'no', MaximumRetryCount: 0 }, { signal, action: 'update the database container' });
        this.onStep('Starting the database.');
        this.transient = { state: 'starting', detail: 'Starting the database.' };
      },
      failed: async () => true,
    };
    await this.lifecycle.ensure(plan, password, password, existing, hooks, signal);
    const now = await this.find(plan, signal);
    if (!now) throw failed(`The database container ${plan.containerName} disappeared while starting.`, 'Start the stack again. Nothing was deleted.');
    return now.Id;
  }

  /** Stops the stack's database containers (after the gateway). The data volume stays. */
  async down(signal?: AbortSignal): Promise<void> {
    const plan = await this.plan();
    const list = (await this.lifecycle.list(plan, signal)).filter((c) => c.State === 'running' || c.State === 'restarting');
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
      await this.lifecycle.stop(id, DATABASE_STOP_TIMEOUT_S, signal);
    } finally {
      // The die event arrives after stop returns; forget the id a little later.
      setTimeout(() => this.stopping.delete(id), 5000).unref();
    }
  }

  // --- Status and events ----------------------------------------------------------------------

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
    const gateway = gatewayUrl && container?.State.Running ? await askGateway(gatewayUrl, signal) : null;
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

import type { DatabaseStatus, Settings } from '../../../shared/api';
import { sleep } from '../../../shared/sleep';
import { GatehouseError } from '../errors';
import { LABELS, stackLabels } from '../engine/labels';
import { isSwarmEngine, type DockerEngine, type ServiceDetails, type ServiceSpec, type SwarmEngine, type TaskDetails } from '../engine/types';
import { ensureSaltKey } from '../secrets/salt-key';
import type { SecretStore } from '../secrets/secret-store';
import { askGateway, failed, verifyPassword, waitGatewayConnected, waitReady } from '../services/database-checks';
import { checkVolume } from '../services/database-data';
import { passwordForStart } from '../services/database-password';
import { DATABASE_HEALTHCHECK, DATABASE_STOP_TIMEOUT_S, DATA_VOLUME_ROLE, PG_DATABASE, PG_DATA_DIR, PG_USER, planDatabase, type DatabasePlan } from '../services/database-plan';
import { describeDatabaseStatus } from '../services/database-status';
import { envFingerprint } from '../services/gateway-plan';
import { requireManager, swarmEngine } from './membership';
import { ensureOverlayNetwork, networkNameFor } from './network';
import { waitTaskContainersGone } from './removal';
import { ensureSecret, secretMount, stackSecrets, type SwarmSecretRef } from './secrets';
import { DB_PASSWORD_FILE, checkWrapperPassword } from './wrapper';

const NS = 1_000_000_000;
const POLL_MS = 200;
/** PostgreSQL's own shutdown (SIGINT, then up to DATABASE_STOP_TIMEOUT_S) plus Swarm's bookkeeping. */
const STOP_WAIT_MS = (DATABASE_STOP_TIMEOUT_S + 30) * 1000;

export function databaseServiceNameFor(stackName: string): string {
  return `${stackName}_db`;
}

/**
 * The database plan in swarm mode: container mode's (image, data volume and its rules, timeout),
 * with the service's name where the container's was and the overlay network. The data volume is
 * the same one container mode uses, so switching the target keeps the data.
 */
export function planSwarmDatabase(settings: Settings): DatabasePlan {
  const plan = planDatabase(settings);
  return { ...plan, containerName: databaseServiceNameFor(plan.stackName), networkName: networkNameFor(plan.stackName) };
}

/**
 * `<stack>_db`: PostgreSQL as one replica pinned to the node that holds its data volume, its
 * password a Swarm secret read through POSTGRES_PASSWORD_FILE (the official image's entrypoint,
 * file_env), never in the spec. Endpoint mode dnsrr: the gateway resolves `<stack>_db` to the
 * task's own address on the overlay network. (The default virtual IP goes through IPVS, which is
 * missing where the routing mesh is, as on this sandbox's engine; with one replica dnsrr loses nothing.)
 * stop-first: two PostgreSQL servers must never open one data folder.
 */
export function databaseServiceSpec(plan: DatabasePlan, secret: SwarmSecretRef, nodeId: string): ServiceSpec {
  const env: Record<string, string> = { POSTGRES_USER: PG_USER, POSTGRES_DB: PG_DATABASE, POSTGRES_PASSWORD_FILE: `/run/secrets/${DB_PASSWORD_FILE}` };
  const network = networkNameFor(plan.stackName);
  return {
    Name: databaseServiceNameFor(plan.stackName),
    Labels: {
      ...stackLabels(plan.stackName, 'database'),
      // What the task gets, with the password only through its secret's name (a fingerprint).
      [LABELS.envFingerprint]: envFingerprint({ ...env, image: plan.image, volume: plan.volumeName, secret: secret.name, node: nodeId, network }),
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: plan.image,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        // The stack only, not the database role: container-mode code never takes a task's container for its own.
        Labels: { [LABELS.stack]: plan.stackName },
        // Read by the entrypoint as root before it drops to the postgres user (as the official image does).
        Secrets: [secretMount(secret, 0o400)],
        Mounts: [{ Type: 'volume', Source: plan.volumeName, Target: PG_DATA_DIR }],
        Healthcheck: DATABASE_HEALTHCHECK,
        StopSignal: 'SIGINT',
        StopGracePeriod: DATABASE_STOP_TIMEOUT_S * NS,
      },
      RestartPolicy: { Condition: 'on-failure', Delay: 5 * NS },
      Placement: { Constraints: [`node.id==${nodeId}`] },
      Networks: [{ Target: network, Aliases: ['db'] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause' },
    EndpointSpec: { Mode: 'dnsrr' },
  } as ServiceSpec;
}

function replicasOf(svc: ServiceDetails): number {
  return (svc.Spec.Mode as { Replicated?: { Replicas?: number } } | undefined)?.Replicated?.Replicas ?? 0;
}

function containerOf(t: TaskDetails): string | null {
  return t.Status?.ContainerStatus?.ContainerID || null;
}

/** A task whose container may still run: wanted, or not yet done stopping. */
function mayRun(t: TaskDetails): boolean {
  return t.DesiredState === 'running' || ['starting', 'running'].includes(t.Status?.State ?? '');
}

export interface SwarmDatabaseOptions {
  engine: DockerEngine;
  settings: () => Promise<Settings>;
  secrets: SecretStore;
  /** Makes sure an image is on this machine (the stack's pull, with its progress events). */
  ensureImage: (image: string, signal?: AbortSignal) => Promise<void>;
}

/** What the gateway service needs from a deployed database: the password's secret, mounted as DB_PASSWORD_FILE. */
export interface DatabaseWiring {
  serviceName: string;
  secret: SwarmSecretRef;
}

/**
 * The database of a swarm-mode stack (settings.database.enabled): the same rules as container
 * mode (services/database*.ts: password in the keychain, the data volume's name and ownership,
 * pg_isready and a login as readiness, the gateway's view as "connected"), on a Swarm service.
 */
export class SwarmDatabase {
  constructor(private readonly opts: SwarmDatabaseOptions) {}

  private get swarm(): DockerEngine & SwarmEngine {
    return swarmEngine(this.opts.engine);
  }

  async plan(): Promise<DatabasePlan> {
    return planSwarmDatabase(await this.opts.settings());
  }

  async findService(plan: DatabasePlan, signal?: AbortSignal): Promise<ServiceDetails | null> {
    const name = databaseServiceNameFor(plan.stackName);
    const found = await this.swarm.listServices({ name: [name], label: [`${LABELS.stack}=${plan.stackName}`, `${LABELS.role}=database`] }, { signal });
    // The name filter matches prefixes: the exact name only.
    return found.find((s) => s.Spec.Name === name) ?? null;
  }

  /**
   * Before the gateway: the salt key and password in the keychain, the data volume, the overlay
   * network, the password's secret, the service with one replica on this node, accepting
   * connections and the keychain's password. Null when the database is off. A start that fails
   * scales the service back to 0 (its tasks and logs stay for `docker service ps` / `logs`); the
   * data volume is never touched beyond being created when missing.
   */
  async deploy(signal?: AbortSignal, onStep: (detail: string) => void = () => undefined): Promise<DatabaseWiring | null> {
    const plan = await this.plan();
    if (!plan.enabled) return null;
    const { engine, secrets } = this.opts;
    const membership = await requireManager(engine, { signal });
    if (!membership.nodeId) throw new GatehouseError('SWARM_NOT_MANAGER', 'The Docker engine is a swarm manager but did not say its node id (docker info Swarm.NodeID), which pins the database to its data volume.', 'Check `docker info` on the engine, then start again.');
    onStep('Preparing the database service.');
    // The salt key must exist before LiteLLM first writes credentials into the database.
    await ensureSaltKey(secrets);
    const volume = await engine.inspectVolume(plan.volumeName, { signal });
    checkVolume(plan, volume ? { labels: volume.Labels ?? {} } : null);
    const password = await passwordForStart(secrets, plan, volume !== null);
    checkWrapperPassword(password);
    await this.opts.ensureImage(plan.image, signal);
    await ensureOverlayNetwork(engine, plan.stackName, signal);
    if (!volume) await engine.createVolume({ Name: plan.volumeName, Labels: stackLabels(plan.stackName, DATA_VOLUME_ROLE) }, { signal });
    const secret = await ensureSecret(this.swarm, plan.stackName, 'database', DB_PASSWORD_FILE, password, await stackSecrets(this.swarm, plan.stackName, 'database', signal), signal);
    const spec = databaseServiceSpec(plan, secret, membership.nodeId);
    const wiring = { serviceName: spec.Name!, secret };
    const existing = await this.findService(plan, signal);
    if (existing && existing.Spec.Labels?.[LABELS.envFingerprint] === spec.Labels?.[LABELS.envFingerprint] && replicasOf(existing) > 0) {
      const tasks = await this.swarm.listTasks({ service: [existing.ID], 'desired-state': ['running'] }, { signal });
      if (tasks.some((t) => t.Status?.State === 'running')) return wiring;
    }
    const since = Date.now();
    let serviceId: string;
    try {
      onStep('Starting the database service.');
      if (existing) {
        serviceId = existing.ID;
        await this.swarm.updateService(existing.ID, existing.Version.Index, spec, { signal, action: `update the service ${spec.Name}` });
      } else {
        serviceId = await this.swarm.createService(spec, { signal, action: `create the service ${spec.Name}` });
      }
      await this.waitReady(plan, serviceId, password, since, signal, onStep);
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
    return wiring;
  }

  /**
   * The task's container runs, pg_isready answers on TCP in it and the keychain's password logs
   * in (services/database-checks.ts, as container mode does: the task runs on this node), then
   * Swarm calls the task running, which is when `<stack>_db` resolves on the network.
   *
   * A container Docker could not start yet is waited for, not judged: on a freshly created overlay
   * network the engine's first start of a task's container can fail ("network … not found", exit
   * 128) and Swarm's executor creates the network on the node and starts the same container again.
   * A task Swarm gives up on is replaced (restart policy); the third failed task is the error, with
   * its container's last lines.
   */
  private async waitReady(plan: DatabasePlan, serviceId: string, password: string, since: number, signal: AbortSignal | undefined, onStep: (detail: string) => void): Promise<void> {
    const deadline = Date.now() + plan.startTimeoutMs;
    onStep('Waiting for the database to accept connections.');
    let containerId: string | null = null;
    let last = 'no task yet';
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const tasks = await this.swarm.listTasks({ service: [serviceId] }, { signal });
      const recent = (t: TaskDetails) => Date.parse((t as { UpdatedAt?: string }).UpdatedAt ?? '') >= since - 1000;
      const refused = tasks.find((t) => ['failed', 'rejected'].includes(t.Status?.State ?? '') && recent(t) && !containerOf(t));
      if (refused) {
        throw failed(`A task of the database service ${plan.containerName} ${refused.Status?.State}: ${refused.Status?.Err ?? refused.Status?.Message ?? 'no reason given'}.`, `Check the image ${plan.image} and the data volume ${plan.volumeName} (\`docker service ps ${plan.containerName} --no-trunc\`). Nothing was deleted.`);
      }
      const failedTasks = tasks.filter((t) => t.Status?.State === 'failed' && recent(t) && containerOf(t));
      if (failedTasks.length >= 3) await this.reportExit(plan, containerOf(failedTasks[0]!)!, failedTasks[0]!, password, signal);
      const current = tasks.find((t) => t.DesiredState === 'running' && ['starting', 'running'].includes(t.Status?.State ?? '') && containerOf(t));
      if (current) {
        const id = containerOf(current)!;
        if (containerId !== id) {
          const info = await this.opts.engine.inspectContainer(id, { signal });
          if (info?.State.Running) {
            containerId = id;
            await waitReady(this.opts.engine, plan, id, password, signal);
            onStep('Checking the database password.');
            await verifyPassword(this.opts.engine, plan, id, password, signal);
          } else {
            last = info?.State.Error ? `Docker is starting the task's container again after: ${info.State.Error}` : 'the task\'s container is being started';
          }
        }
        if (containerId === id && current.Status?.State === 'running') return;
        if (containerId === id) last = 'the database accepts connections; Swarm calls its task running once its health check passes';
      } else {
        last = tasks.find((t) => t.DesiredState === 'running')?.Status?.State ?? 'no task yet';
      }
      if (Date.now() > deadline) {
        throw failed(`The database service ${plan.containerName} was not ready within ${Math.round(plan.startTimeoutMs / 1000)} s (${last}).`, `Look at \`docker service ps ${plan.containerName} --no-trunc\` and \`docker service logs ${plan.containerName}\`; on a slow machine raise "startTimeoutSeconds" in the settings. Nothing was deleted.`);
      }
      await sleep(POLL_MS, signal);
    }
  }

  /** The failed task's exit as container mode reports one (its code and last log lines), with Swarm's reason. */
  private async reportExit(plan: DatabasePlan, containerId: string, task: TaskDetails, password: string, signal?: AbortSignal): Promise<never> {
    try {
      // The container no longer runs: waitReady reports its exit with its last lines.
      await waitReady(this.opts.engine, plan, containerId, password, signal);
    } catch (err) {
      if (err instanceof GatehouseError && task.Status?.Err) throw new GatehouseError(err.code, `${err.message}\nSwarm says about the task: ${task.Status.Err}.`, err.fix, { cause: err });
      throw err;
    }
    throw failed(`The database service ${plan.containerName} failed three tasks in a row: ${task.Status?.Err ?? 'no reason given'}.`, `Look at \`docker service ps ${plan.containerName} --no-trunc\`. Nothing was deleted.`);
  }

  /**
   * After the gateway serves: with the database on, waits (bounded) until the gateway reports it
   * connected, then removes the stack's password secrets no service uses any more; with it off,
   * scales a database service left from before to 0 (its data stays).
   */
  async afterGateway(gatewayUrl: string, wiring: DatabaseWiring | null, signal?: AbortSignal): Promise<void> {
    const plan = await this.plan();
    if (!wiring) {
      await this.stop(signal);
      return;
    }
    await waitGatewayConnected(plan, gatewayUrl, signal);
    await this.removeUnusedSecrets(plan, wiring.secret.name, signal);
  }

  /** Password secrets of the stack that are neither `keep` nor mounted by any of the stack's services (Docker refuses those). */
  private async removeUnusedSecrets(plan: DatabasePlan, keep: string, signal?: AbortSignal): Promise<void> {
    const services = await this.swarm.listServices({ label: [`${LABELS.stack}=${plan.stackName}`] }, { signal });
    const used = new Set(services.flatMap((s) => ((s.Spec.TaskTemplate as { ContainerSpec?: { Secrets?: { SecretName?: string }[] } } | undefined)?.ContainerSpec?.Secrets ?? []).map((x) => x.SecretName)));
    for (const s of await stackSecrets(this.swarm, plan.stackName, 'database', signal)) {
      if (s.Spec.Name !== keep && !used.has(s.Spec.Name)) await this.swarm.removeSecret(s.ID, { signal, action: `remove the Swarm secret ${s.Spec.Name}` });
    }
  }

  /**
   * Scales the database service to 0 (after the gateway) and waits until PostgreSQL has shut down
   * (SIGINT: its fast shutdown). The service, its secret and the data volume stay.
   */
  async stop(signal?: AbortSignal): Promise<void> {
    const plan = await this.plan();
    const svc = await this.findService(plan, signal);
    if (!svc) return;
    if (replicasOf(svc) > 0) {
      const spec = { ...svc.Spec, Mode: { Replicated: { Replicas: 0 } } } as ServiceSpec;
      await this.swarm.updateService(svc.ID, svc.Version.Index, spec, { signal, action: `scale the service ${svc.Spec.Name} to 0` });
    }
    const deadline = Date.now() + STOP_WAIT_MS;
    while (Date.now() < deadline) {
      if (!(await this.swarm.listTasks({ service: [svc.ID] }, { signal })).some(mayRun)) return;
      await sleep(POLL_MS, signal);
    }
    throw failed(`The database service ${svc.Spec.Name} still has a running task ${Math.round(STOP_WAIT_MS / 1000)} s after being scaled to 0.`, `Look at \`docker service ps ${svc.Spec.Name}\`, then run \`gatehouse stop\` again. Nothing was deleted.`);
  }

  /**
   * Before `gatehouse db remove-data`: the database service's task containers hold the data volume
   * even when scaled to 0, so a stopped service is removed (its password secret and the volume
   * stay; the next start makes the service again). A running one is refused. Nothing on an engine
   * that manages no swarm.
   */
  async releaseVolume(signal?: AbortSignal): Promise<void> {
    const { engine } = this.opts;
    if (!isSwarmEngine(engine) || !(await engine.swarmMembership({ signal })).controlAvailable) return;
    const plan = await this.plan();
    const svc = await this.findService(plan, signal);
    if (!svc) return;
    if (replicasOf(svc) > 0) {
      throw failed(`The database service ${plan.containerName} is running on the volume ${plan.volumeName}, so its data cannot be removed.`, 'Stop the stack first (gatehouse stop), then run the command again.');
    }
    await this.swarm.removeService(svc.ID, { signal, action: `remove the service ${svc.Spec.Name}` });
    await waitTaskContainersGone(engine, [svc.ID], Date.now() + STOP_WAIT_MS, signal);
  }

  /**
   * DatabaseStatus (the same shape as container mode's) from the service, its current task and
   * that task's container (on this node, where the service is pinned), and whether the gateway
   * reports it connected (asked only when `gatewayUrl` is given: a gateway task serves). Null when
   * the database is off.
   */
  async status(gatewayUrl: string | null, signal?: AbortSignal): Promise<DatabaseStatus | null> {
    const plan = await this.plan();
    if (!plan.enabled) return null;
    const base: DatabaseStatus = { state: 'absent', containerId: null, image: plan.image, volume: plan.volumeName, connected: null, detail: null };
    const svc = await this.findService(plan, signal);
    if (!svc) return { ...base, detail: `No database service exists yet; start creates ${plan.containerName} with the data volume ${plan.volumeName}.` };
    if (replicasOf(svc) === 0) return { ...base, state: 'stopped', detail: `The database service ${plan.containerName} is scaled to 0.` };
    const tasks = await this.swarm.listTasks({ service: [svc.ID], 'desired-state': ['running'] }, { signal });
    const task = tasks.find((t) => containerOf(t)) ?? tasks[0];
    const id = task ? containerOf(task) : null;
    const container = id ? await this.opts.engine.inspectContainer(id, { signal }).catch(() => null) : null;
    if (!container) {
      const why = task?.Status?.Err ? `: ${task.Status.Err}` : '';
      return { ...base, state: task?.Status?.Err ? 'crashed' : 'starting', detail: `The database service ${plan.containerName} has no running task yet (${task?.Status?.State ?? 'none scheduled'})${why}.` };
    }
    const gateway = gatewayUrl && container.State.Running ? await askGateway(gatewayUrl, signal) : null;
    return describeDatabaseStatus({ plan, container, transient: null, death: null, gateway });
  }
}

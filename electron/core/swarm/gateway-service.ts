import type { Settings, StackStatus } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { LABELS, stackLabels } from '../engine/labels';
import type { DockerEngine, ImageDetails, SecretSummary, ServiceDetails, ServiceSpec, SwarmEngine, TaskDetails } from '../engine/types';
import { CLAUDE_HOME, GATEWAY_PORT, envFingerprint, type StackPlan } from '../services/gateway-plan';
import { checkBarrier, probeLiveness } from '../services/health';
import { debugTiming } from '../debug-timing';
import type { StateStore } from '../state-store';
import { fingerprint } from '../secrets/master-key';
import { requireManager, swarmEngine } from './membership';
import type { SwarmDatabase } from './database-service';
import { databaseServiceNameFor } from './database-service';
import { networkNameFor } from './network';
import { ensureSecret, secretMount, stackSecrets, type SwarmSecretRef } from './secrets';
import { DB_PASSWORD_FILE, SWARM_SECRET_NAMES, WRAPPER_SCRIPT, databaseWrapperEnv } from './wrapper';
import { hostModeReplicaProblem, updateOrder, type UpdateOrder } from './replica-rules';
import { PENDING_TASK_STATES, currentTasks, desiredReplicas, serviceState, servingTasks } from './task-states';
import { waitGatewayServiceReady } from './readiness';
import { settledInOrder } from './settled-in-order';
import { execProbe, gatewayProbe, type GatewayProbe } from '../services/gateway-probe';
import { probeTransportFor } from '../engine/connection';
import { ShellCheck } from './shell-check';
import type { GatewayTls } from '../tls/gateway-tls';
import { wantsTls } from '../tls/container-files';
import { TLS_ENV_NAMES, ensureTlsSecrets, isTlsSecret, tlsSecretMount, tlsServiceEnv } from './tls-secrets';

export { SWARM_SECRET_NAMES, WRAPPER_SCRIPT } from './wrapper';
export { secretNameFor, type SwarmSecretRef } from './secrets';

const POLL_MS = 200;
const NS = 1_000_000_000;

/** What SwarmGateway.deploy reads before it changes anything (SwarmGateway.lookups). */
export interface DeployLookups {
  settings: Settings;
  image: ImageDetails | null;
  existing: ServiceDetails | null;
  secrets: SecretSummary[];
}

export function serviceNameFor(stackName: string): string {
  return `${stackName}_litellm`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The image's HEALTHCHECK, reading the key from its secret file instead of the (empty) Env; null: none to override. */
export function healthcheckFromSecret(image: ImageDetails): Record<string, unknown> | null {
  const hc = (image.Config as { Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number } }).Healthcheck;
  const test = hc?.Test;
  if (!test?.length || test[0] === 'NONE') return null;
  const readKey = 'export LITELLM_MASTER_KEY="$(cat /run/secrets/LITELLM_MASTER_KEY)"; ';
  const cmd = test[0] === 'CMD-SHELL' ? test.slice(1).join(' ') : 'exec ' + test.slice(1).map(shellQuote).join(' ');
  return { Test: ['CMD-SHELL', readKey + cmd], Interval: hc?.Interval, Timeout: hc?.Timeout, Retries: hc?.Retries, StartPeriod: hc?.StartPeriod };
}

/**
 * The gateway as the Swarm service `<stack>_litellm` (settings.target "swarm"): its secrets are
 * Swarm secrets (encrypted in the Raft log, a file in memory in the task), never in the service's
 * or a task container's Env. Only objects with the stack's labels are touched; volumes are never
 * removed.
 */
export class SwarmGateway {
  constructor(
    private readonly engine: DockerEngine,
    private readonly settings: () => Promise<Settings>,
    /** The database service `<stack>_db` (settings.database.enabled), deployed before the gateway. */
    private readonly database?: SwarmDatabase,
    /** HTTPS (settings.tls): the certificate and key the gateway environment names, turned into Swarm secrets (tls-secrets.ts). */
    private readonly tls?: Pick<GatewayTls, 'filesFor'>,
    /** Where the image IDs known to hold /bin/sh are remembered (shell-check.ts); without it every create looks. */
    private readonly state?: StateStore,
  ) {}

  private shellCheck?: ShellCheck;
  private get shell(): ShellCheck {
    return (this.shellCheck ??= new ShellCheck(this.engine, this.state));
  }

  private get swarm(): DockerEngine & SwarmEngine {
    return swarmEngine(this.engine);
  }

  async enabled(): Promise<boolean> {
    return (await this.settings()).target === 'swarm';
  }

  async findService(plan: StackPlan, signal?: AbortSignal): Promise<ServiceDetails | null> {
    const found = await this.swarm.listServices({ name: [serviceNameFor(plan.stackName)], label: [`${LABELS.stack}=${plan.stackName}`, `${LABELS.role}=gateway`] }, { signal });
    // The name filter matches prefixes: the exact name only.
    return found.find((s) => s.Spec.Name === serviceNameFor(plan.stackName)) ?? null;
  }

  async tasks(serviceId: string, signal?: AbortSignal): Promise<TaskDetails[]> {
    return this.swarm.listTasks({ service: [serviceId] }, { signal });
  }

  /** The replicas and update order a deploy uses; SETTINGS_INVALID when host mode asks for more replicas than nodes. */
  async replicaPlan(plan: StackPlan, signal?: AbortSignal): Promise<{ replicas: number; order: UpdateOrder }> {
    const membership = await requireManager(this.engine, { signal });
    const { publishMode, replicas } = await this.settings();
    const misfit = hostModeReplicaProblem(publishMode, replicas, membership.nodes, plan.port);
    if (misfit) throw misfit;
    return { replicas, order: updateOrder(publishMode, replicas) };
  }

  /** Whether the engine is on another machine (its published port is not this machine's). */
  private remote(): boolean {
    return probeTransportFor(this.engine.endpoint()) !== 'host-http';
  }

  /**
   * How the gateway is asked: on a local engine at the published port on this machine; on a remote
   * one (ssh://, tcp:// with TLS) from inside a serving task's container on the manager's node
   * (Docker exec, through the engine's own encrypted connection), as container mode does. With no
   * such task the probe is keyless: a key is never sent over plain HTTP across the network.
   */
  async probeOf(plan: StackPlan, url: string, tasks: TaskDetails[], signal?: AbortSignal): Promise<GatewayProbe> {
    if (!this.remote()) return gatewayProbe(this.engine, url, null);
    const { nodeId } = await requireManager(this.engine, { signal });
    const local = servingTasks(tasks).find((t) => t.NodeID === nodeId)?.Status?.ContainerStatus?.ContainerID ?? null;
    const scheme = new URL(plan.url).protocol === 'https:' ? 'https' : 'http';
    return gatewayProbe(this.engine, url, local ? { id: local, scheme, port: GATEWAY_PORT } : null);
  }

  /**
   * A probe inside each serving task's container on this engine's node, and how many serving tasks
   * run on other nodes: Docker exec reaches only the containers of the engine it is sent to.
   */
  async taskProbes(plan: StackPlan, signal?: AbortSignal): Promise<{ local: GatewayProbe[]; elsewhere: number }> {
    const { nodeId } = await requireManager(this.engine, { signal });
    const svc = await this.findService(plan, signal);
    const serving = svc ? servingTasks(await this.tasks(svc.ID, signal)) : [];
    const ids = serving.filter((t) => t.NodeID === nodeId).map((t) => t.Status?.ContainerStatus?.ContainerID).filter((id): id is string => !!id);
    const scheme = new URL(plan.url).protocol === 'https:' ? 'https' : 'http';
    return { local: ids.map((id) => execProbe(this.engine, id, scheme, GATEWAY_PORT)), elsewhere: serving.length - ids.length };
  }

  private stackSecrets(plan: StackPlan, signal?: AbortSignal): Promise<SecretSummary[]> {
    return stackSecrets(this.swarm, plan.stackName, 'gateway', signal);
  }

  /**
   * The secrets for this environment: existing ones (same name = same value) reused, missing ones
   * created side by side; with HTTPS also the certificate and its key (tls-secrets.ts). `known`:
   * the stack's gateway secrets as just listed (deploy lists them beside its other look-ups).
   */
  async ensureSecrets(plan: StackPlan, secretEnv: Record<string, string>, signal?: AbortSignal, known?: SecretSummary[]): Promise<SwarmSecretRef[]> {
    const extra = Object.keys(secretEnv).filter((k) => !(SWARM_SECRET_NAMES as readonly string[]).includes(k) && !TLS_ENV_NAMES.includes(k));
    if (extra.length) {
      // Anything else the gateway environment gains must be carried as a Swarm secret before swarm mode may run it.
      throw new GatehouseError(
        'SETTINGS_INVALID',
        `Swarm mode does not carry ${extra.join(', ')} into the gateway's service.`,
        'Run the gateway as a container (`gatehouse settings set target container`).',
      );
    }
    const have = known ?? (await this.stackSecrets(plan, signal));
    const settings = this.tls ? await this.settings() : null;
    const tlsFiles = this.tls && settings ? { filesFor: (sha256: string) => this.tls!.filesFor(settings, sha256) } : undefined;
    const names = SWARM_SECRET_NAMES.filter((envName) => secretEnv[envName]);
    const [refs, tlsRefs] = await settledInOrder([
      Promise.all(names.map((envName) => ensureSecret(this.swarm, plan.stackName, 'gateway', envName, secretEnv[envName]!, have, signal))),
      ensureTlsSecrets(this.swarm, plan.stackName, secretEnv, have, tlsFiles, signal),
    ] as const);
    return [...refs, ...tlsRefs];
  }

  /** Removes the stack's gateway secrets that no service spec uses any more (Docker refuses those in use). */
  async removeUnusedSecrets(plan: StackPlan, keep: string[], signal?: AbortSignal): Promise<void> {
    for (const s of await this.stackSecrets(plan, signal)) {
      if (!keep.includes(s.Spec.Name)) await this.swarm.removeSecret(s.ID, { signal, action: `remove the Swarm secret ${s.Spec.Name}` });
    }
  }

  /** Refuses an image without /bin/sh before any service exists: the wrapper needs a shell (an image ID once seen with one is not looked at again). */
  async checkShell(plan: StackPlan, imageId: string, signal?: AbortSignal): Promise<void> {
    await this.shell.require(plan.stackName, plan.image, imageId, { signal });
  }

  /** The service spec: the wrapper runs the image's entrypoint + command; secrets as files; no secret in Env. */
  serviceSpec(plan: StackPlan, settings: Settings, image: ImageDetails, secrets: SwarmSecretRef[], secretEnv: Record<string, string>, replicas: number): ServiceSpec {
    const entry = [...(image.Config.Entrypoint ?? []), ...(image.Config.Cmd ?? [])];
    if (!entry.length) throw new GatehouseError('SETTINGS_INVALID', `The image ${plan.image} has neither an entrypoint nor a command to run.`, 'Use the seed image or a LiteLLM image.');
    // With HTTPS the image's check (plain HTTP, as the seed's) would fail and call a good gateway
    // unhealthy: it is off, as in container mode, and Gatehouse's own probes speak TLS.
    const healthcheck = wantsTls(secretEnv) ? { Test: ['NONE'] } : healthcheckFromSecret(image);
    const key = secretEnv.LITELLM_MASTER_KEY ?? '';
    // With the database: the wrapper builds DATABASE_URL from the mounted password file; only its non-secret parts are here.
    // With HTTPS: the paths of the mounted certificate and key secrets, never their content.
    const env = { ...plan.extraEnv, ...(secrets.some((s) => s.envName === DB_PASSWORD_FILE) ? databaseWrapperEnv(databaseServiceNameFor(plan.stackName)) : {}), ...tlsServiceEnv(secrets, secretEnv) };
    // The overlay network is there for the gateway to reach the database: without the database the
    // gateway joins none (a task's first attachment to an overlay network costs ~1.5 s of its start).
    const network = secrets.some((s) => s.envName === DB_PASSWORD_FILE) ? networkNameFor(plan.stackName) : null;
    const labels = {
      ...stackLabels(plan.stackName, 'gateway'),
      [LABELS.keyFingerprint]: fingerprint(key),
      // Covers the secrets' values through their names (fingerprints), never the values themselves.
      [LABELS.envFingerprint]: envFingerprint({ ...env, ...Object.fromEntries(secrets.map((s) => [s.envName, s.name])), ...(network ? { [LABELS.stack + '.network']: network } : {}) }),
    };
    return {
      Name: serviceNameFor(plan.stackName),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: plan.image,
          Command: ['/bin/sh', '-c', WRAPPER_SCRIPT, 'gatehouse-wrapper'],
          Args: entry,
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          // The stack only, not the gateway role: container-mode code never takes a task's container for its own.
          Labels: { [LABELS.stack]: plan.stackName },
          // Readable by the image's user (the seed runs as claude): the wrapper reads them before exec.
          Secrets: secrets.map((s) => (isTlsSecret(s) ? tlsSecretMount(s) : secretMount(s, 0o444))),
          Mounts: [{ Type: 'volume', Source: plan.volumeName, Target: CLAUDE_HOME }, ...plan.mounts.map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly }))],
          ...(healthcheck ? { Healthcheck: healthcheck } : {}),
          StopGracePeriod: 10 * NS,
        },
        RestartPolicy: { Condition: 'on-failure', Delay: 1 * NS, MaxAttempts: 3 },
        ...(network ? { Networks: [{ Target: network }] } : {}),
      },
      Mode: { Replicated: { Replicas: replicas } },
      // start-first only where a replacement can bind beside its predecessor (replica-rules.ts says why).
      UpdateConfig: { Parallelism: 1, Order: updateOrder(settings.publishMode, replicas), FailureAction: 'pause' },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: GATEWAY_PORT, PublishedPort: plan.port, PublishMode: settings.publishMode }] },
    } as ServiceSpec;
  }

  private async ensureVolume(plan: StackPlan, signal?: AbortSignal): Promise<void> {
    if (await this.engine.inspectVolume(plan.volumeName, { signal })) return;
    if (plan.volumeAdopted) throw new GatehouseError('SETTINGS_INVALID', `The credentials volume ${plan.volumeName} named in the settings does not exist.`, 'Create it or `gatehouse settings unset credentialsVolume`.');
    await this.engine.createVolume({ Name: plan.volumeName, Labels: stackLabels(plan.stackName, 'credentials') }, { signal });
  }

  /**
   * What a deploy reads before it changes anything, side by side: the manager and replicas check
   * (first in the order of failures, so it passes before an image is pulled or any secret or service
   * is made), the settings, the image, the service and the stack's gateway secrets.
   */
  lookups(plan: StackPlan, signal?: AbortSignal): Promise<DeployLookups> {
    const work = settledInOrder([this.replicaPlan(plan, signal), this.settings(), this.engine.inspectImage(plan.image, { signal }), this.findService(plan, signal), this.stackSecrets(plan, signal)] as const);
    return debugTiming().timed('swarm deploy: look-ups (membership, settings, image, service, secrets)', work.then(([, settings, image, existing, secrets]) => ({ settings, image, existing, secrets })));
  }

  /**
   * Creates or updates the service to run `secretEnv` with settings.replicas tasks, waits until
   * every one runs and the key barrier holds, then removes the stack's secrets no longer used.
   * Returns what it did; a changed replicas count or publish mode is an update.
   */
  async deploy(
    plan: StackPlan,
    url: string,
    secretEnv: Record<string, string>,
    ensureImage: () => Promise<void>,
    signal?: AbortSignal,
    pruneSecrets = true,
    /** `lookups(plan)` begun by the caller beside its own preparations; begun here when not given. */
    begun?: Promise<DeployLookups>,
  ): Promise<'created' | 'already-running' | 'restarted' | 'recreated'> {
    const timing = debugTiming();
    const { settings, image: found, existing, secrets: haveSecrets } = await (begun ?? this.lookups(plan, signal));
    let image = found;
    if (!image) {
      await ensureImage();
      image = await this.engine.inspectImage(plan.image, { signal });
    }
    if (!image) throw new GatehouseError('IMAGE_PULL_FAILED', `The image ${plan.image} is not on this machine.`, 'Check the image reference and `docker login`.');
    const imageId = image.Id;
    // Side by side, each reused when present: the shell check of a new service's image (first in
    // the order of failures: a refused image makes no service), the gateway's secrets, the
    // credentials volume, and the database with its overlay network (the gateway's tasks join the
    // one and mount the other's password; database-service.ts makes the network).
    const [, gatewaySecrets, , database] = await timing.timed(
      'swarm deploy: shell check, secrets, volume, database',
      settledInOrder([
        existing ? Promise.resolve() : this.checkShell(plan, imageId, signal),
        this.ensureSecrets(plan, secretEnv, signal, haveSecrets),
        existing ? Promise.resolve() : this.ensureVolume(plan, signal),
        this.database ? this.database.deploy(signal) : Promise.resolve(null),
      ] as const),
    );
    const secrets = [...gatewaySecrets, ...(database ? [database.secret] : [])];
    const spec = this.serviceSpec(plan, settings, image, secrets, secretEnv, settings.replicas);
    const key = secretEnv.LITELLM_MASTER_KEY ?? '';
    const since = Date.now();
    let outcome: 'created' | 'already-running' | 'restarted' | 'recreated';
    let serviceId: string;
    if (!existing) {
      serviceId = await this.swarm.createService(spec, { signal, action: `create the service ${spec.Name}` });
      outcome = 'created';
    } else {
      serviceId = existing.ID;
      const sameSpec = existing.Spec.Labels?.[LABELS.envFingerprint] === spec.Labels?.[LABELS.envFingerprint] && (existing.Spec.TaskTemplate as { ContainerSpec?: { Image?: string } }).ContainerSpec?.Image?.split('@')[0] === plan.image;
      const layout = (x: ServiceSpec) => [desiredReplicas(x), x.UpdateConfig?.Order, ...(x.EndpointSpec?.Ports ?? []).map((p) => `${p.PublishMode}:${p.PublishedPort}`)].join(' ');
      const sameLayout = layout(existing.Spec) === layout(spec);
      const probe = this.remote() ? await this.probeOf(plan, url, await this.tasks(existing.ID, signal), signal) : url;
      if (sameSpec && sameLayout && (await checkBarrier(probe, key, signal)).ok) {
        if (pruneSecrets) await this.removeUnusedSecrets(plan, secrets.map((s) => s.name), signal);
        return 'already-running';
      }
      if (!sameSpec) await this.checkShell(plan, imageId, signal);
      await this.swarm.updateService(existing.ID, existing.Version.Index, spec, { signal, action: `update the service ${spec.Name}` });
      outcome = sameSpec ? 'restarted' : 'recreated';
    }
    timing.mark(`swarm deploy: service ${outcome}`);
    const ready = waitGatewayServiceReady({
      engine: this.engine,
      serviceName: serviceNameFor(plan.stackName),
      spec,
      tasks: (s) => this.tasks(serviceId, s),
      url,
      remoteProbe: this.remote() ? (tasks) => this.probeOf(plan, url, tasks, signal) : undefined,
      key,
      since,
      timeoutMs: plan.startTimeoutMs,
      signal,
    });
    await timing.timed('swarm deploy: ready', ready);
    // The database's own follow-up and the gateway's unused secrets are independent of each other.
    await settledInOrder([this.database ? this.database.afterGateway(url, database, signal) : Promise.resolve(), pruneSecrets ? this.removeUnusedSecrets(plan, secrets.map((s) => s.name), signal) : Promise.resolve()] as const);
    return outcome;
  }

  /** Whether the service exists with replicas wanted (a rotation then redeploys it). */
  async running(plan: StackPlan, signal?: AbortSignal): Promise<boolean> {
    const svc = await this.findService(plan, signal);
    return ((svc?.Spec.Mode as { Replicated?: { Replicas?: number } } | undefined)?.Replicated?.Replicas ?? 0) > 0;
  }

  /** Scales the gateway service, then the database service, to 0 (the gateway never runs without its database); services, secrets and volumes stay. */
  async stop(plan: StackPlan, signal?: AbortSignal): Promise<void> {
    await this.stopGateway(plan, signal);
    await this.database?.stop(signal);
  }

  /** Scales the gateway service to 0 and waits until no task runs. */
  private async stopGateway(plan: StackPlan, signal?: AbortSignal): Promise<void> {
    await requireManager(this.engine, { signal });
    const svc = await this.findService(plan, signal);
    if (!svc) return;
    const spec = { ...svc.Spec, Mode: { Replicated: { Replicas: 0 } } } as ServiceSpec;
    await this.swarm.updateService(svc.ID, svc.Version.Index, spec, { signal, action: `scale the service ${svc.Spec.Name} to 0` });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const tasks = await this.tasks(svc.ID, signal);
      if (!tasks.some((t) => t.DesiredState === 'running' || ['running', 'starting', ...PENDING_TASK_STATES].includes(t.Status?.State ?? ''))) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new GatehouseError('HEALTH_TIMEOUT', `The gateway service ${svc.Spec.Name} still has running tasks 60 s after being scaled to 0.`, 'Look at `docker service ps` of the service, then run `gatehouse stop` again.');
  }

  /** The stack's status from the service and its tasks, with the same live probe as container mode. */
  async status(plan: StackPlan, url: string, key: string | null, signal?: AbortSignal): Promise<StackStatus> {
    // Independent look-ups side by side; the manager check first in the order of failures.
    const [, svc, image] = await settledInOrder([requireManager(this.engine, { signal }), this.findService(plan, signal), this.engine.inspectImage(plan.image, { signal })] as const);
    const tasks = svc ? await this.tasks(svc.ID, signal) : [];
    const desired = desiredReplicas(svc?.Spec);
    const current = currentTasks(tasks);
    const running = servingTasks(tasks);
    // The published port answers for whichever task it reaches; the task counts say how many serve.
    const probe = running.length ? await this.probeOf(plan, url, tasks, signal) : null;
    const live = probe ? await probeLiveness(probe, signal) : null;
    const barrier = live && probe ? await checkBarrier(probe, key, signal) : null;
    const { state, detail } = serviceState({ serviceName: svc?.Spec.Name ?? null, desired, tasks, live, barrier });
    const startedAt = running.length ? ((running[0] as { Status?: { Timestamp?: string } }).Status?.Timestamp ?? null) : null;
    return {
      state,
      stackName: plan.stackName,
      image: plan.image,
      imageDigest: image?.RepoDigests?.[0]?.split('@')[1] ?? null,
      imageId: image?.Id ?? null,
      url,
      bindAddress: '0.0.0.0',
      port: plan.port,
      containerId: running[0]?.Status?.ContainerStatus?.ContainerID ?? null,
      startedAt,
      uptimeMs: startedAt ? Date.now() - Date.parse(startedAt) : null,
      keyFingerprint: svc?.Spec.Labels?.[LABELS.keyFingerprint] ?? null,
      exitCode: null,
      detail,
      pull: null,
      database: this.database ? await this.database.status(running.length ? url : null, signal) : null,
      replicas: { running: running.length, desired },
      tasks: current.map((t) => ({ id: t.ID, state: t.Status?.State ?? 'unknown', node: t.NodeID ?? null, error: t.Status?.Err ?? null })),
    };
  }
}

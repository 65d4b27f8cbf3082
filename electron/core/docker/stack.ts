import type Docker from 'dockerode';
import type { EventMap, PullProgress, StackStatus } from '../../../shared/api';
import { ProcessLock } from '../process-lock';
import { GatehouseError, isGatehouseError } from '../errors';
import type { SettingsStore } from '../settings';
import type { StateStore } from '../state-store';
import type { TypedEmitter } from '../typed-emitter';
import { createDocker, describeEndpoint, dockerFailure, pingDocker, statusCodeOf } from './connection';
import { belongsTo, labelFilter, stackLabels } from './labels';
import { clientHost, envFingerprint, gatewayCreateOptions, gatewayEnv, planDifferences, planStack, type StackPlan } from './plan';
import { inspectImage, pullImage } from './pull';
import { checkBarrier, probeLiveness, waitHealthy } from './health';
import { describeStatus, type LiveProbe, type StackMarks, type Transient } from './status';
import { watchStackEvents, type DockerEvent } from './events';
import type { DatabaseService } from './database';

/** Returns the secret environment for a gateway container (see secrets/gateway-env.ts). */
export type SecretEnvProvider = (options?: { masterKey?: string }) => Promise<Record<string, string>>;

export interface StackControllerOptions {
  env: NodeJS.ProcessEnv;
  settings: SettingsStore;
  state: StateStore;
  events: TypedEmitter<EventMap>;
  secretEnv: SecretEnvProvider;
  /** The PostgreSQL service (settings.database): up before the gateway, down after it. */
  database?: DatabaseService;
  /** A Docker client; default from DOCKER_HOST in `env`, created on first use. */
  docker?: Docker;
  /** App data folder: with it, operations also hold a lock between processes (app and CLI). */
  home?: string;
  /** Told when an operation waits for another process's operation on the same stack. */
  onLockWait?: (holder: { pid: number; label: string }) => void;
}

/** What a start did: created the stack, found it healthy, started a stopped one, or replaced one. */
export type StartOutcome = 'created' | 'already-running' | 'restarted' | 'recreated';

export interface StartResult {
  status: StackStatus;
  outcome: StartOutcome;
}

export interface VerifyOptions {
  masterKey: string;
  /** Values redacted from log lines quoted in errors (every secret in the container's env). */
  secrets: string[];
  signal?: AbortSignal;
  /** Default: the settings' startTimeoutSeconds. */
  timeoutMs?: number;
}

export interface StartVerifyOptions extends VerifyOptions {
  /**
   * Settles when the container this one replaces on the same port has been torn down (its stop
   * call returned). A start that meets "port is already allocated" before then waits for it and
   * tries once more, so a replacement can be started as soon as the old process has exited.
   */
  portReleasedBy?: Promise<unknown>;
}

/** What Docker says when the host port is taken (by another program, or a container still tearing down). */
const PORT_CONFLICT = /address already in use|port is already allocated|bind: /i;

function dockerMessage(err: unknown): string {
  return (err as { json?: { message?: string }; message?: string })?.json?.message ?? (err as Error)?.message ?? '';
}

interface Operation {
  label: string;
  controller: AbortController;
  promise: Promise<unknown>;
}

const STOP_TIMEOUT_S = 10;
const MARKS_SECTION = 'stack';

/**
 * The gateway stack of one Gatehouse: plan → pull → create → start → health → barrier; stop;
 * status from inspect, kept current by Docker events. Every object is found by its labels.
 *
 * Operations on the stack are serialised through `runExclusive`: a second start while one runs
 * joins it, and a stop cancels a running start (its AbortSignal reaches dockerode and the health
 * wait), which then removes what it created before the stop runs. The building blocks (create a
 * gateway under a name, start and verify it, find, stop, rename, remove) are public so that key
 * rotation composes them under the same lock.
 */
export class StackController {
  private client: Docker | null;
  private readonly env: NodeJS.ProcessEnv;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ops = new Set<Operation>();
  private readonly baseInFlight = new Map<string, Promise<{ network: boolean; volume: boolean }>>();
  private transient: Transient | null = null;
  private lastContainer: Docker.ContainerInspectInfo | null = null;
  private stopWatching: (() => void) | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private followUpTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private watchTimeoutMs = 120_000;

  constructor(private readonly opts: StackControllerOptions) {
    this.env = opts.env;
    this.client = opts.docker ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------

  /** The Docker client (created on first use, so commands that never touch Docker do not need it). */
  docker(): Docker {
    if (this.client) return this.client;
    try {
      this.client = createDocker(this.env);
    } catch (err) {
      // e.g. DOCKER_TLS_VERIFY set but the certificates are missing.
      throw new GatehouseError(
        'DOCKER_UNREACHABLE',
        `Docker at ${describeEndpoint(this.env).description} cannot be used: ${(err as Error).message}.`,
        'Check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or unset DOCKER_HOST to use the local engine.',
        { cause: err },
      );
    }
    return this.client;
  }

  async plan(): Promise<StackPlan> {
    return planStack(await this.opts.settings.get());
  }

  /** The URL this process reaches the gateway at (the remote engine's host when DOCKER_HOST is remote). */
  probeUrl(plan: StackPlan): string {
    const ep = describeEndpoint(this.env);
    if ((ep.kind === 'tcp' || ep.kind === 'ssh') && this.env.DOCKER_HOST) {
      const host = new URL(this.env.DOCKER_HOST.trim().replace(/^tcp:/, 'http:')).hostname;
      return `http://${clientHost(host)}:${plan.port}`;
    }
    return plan.url;
  }

  private call<T>(action: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return fn().catch((err: unknown) => {
      throw dockerFailure(err, action, this.env, signal);
    });
  }

  /**
   * Runs `fn` with the stack to itself: operations queue in order. `fn` gets a signal that fires
   * when the operation is cancelled (by `cancel(label)`, a stop, or `outer`).
   */
  runExclusive<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const signal = outer ? AbortSignal.any([controller.signal, outer]) : controller.signal;
    const op: Operation = { label, controller, promise: Promise.resolve() };
    const run = this.queue
      .catch(() => undefined)
      .then(async () => {
        if (signal.aborted) throw signal.reason instanceof GatehouseError ? signal.reason : new GatehouseError('CANCELLED', `The ${label} was cancelled.`, null);
        const release = await this.lockAcrossProcesses(label, signal);
        try {
          return await fn(signal);
        } finally {
          // Over for this process before the lock file goes: a status refresh scheduled at the
          // end of `fn` must not see the operation as still running while the file is removed.
          this.ops.delete(op);
          await release();
        }
      })
      .finally(() => this.ops.delete(op));
    op.promise = run;
    this.ops.add(op);
    this.queue = run;
    return run;
  }

  /**
   * The in-process queue above cannot see the desktop app and a `gatehouse` command acting on the
   * same stack at once (a CLI rotation could remove the container the app is verifying), so each
   * operation also holds the stack's lock file in the app data folder while it runs.
   */
  private async lockAcrossProcesses(label: string, signal: AbortSignal): Promise<() => Promise<void>> {
    if (!this.opts.home) return async () => undefined;
    const { stackName } = await this.opts.settings.get();
    try {
      return await ProcessLock.forStack(this.opts.home, stackName, this.opts.onLockWait).acquire(label, signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof GatehouseError ? signal.reason : new GatehouseError('CANCELLED', `The ${label} was cancelled.`, null);
      throw err;
    }
  }

  /** Cancels every queued or running operation with this label; returns how many. */
  cancel(label: string, reason: string): number {
    let n = 0;
    for (const op of this.ops) {
      if (op.label === label && !op.controller.signal.aborted) {
        op.controller.abort(new GatehouseError('CANCELLED', reason, null));
        n++;
      }
    }
    return n;
  }

  /** The label of the operation running or queued first, or null when idle. */
  busy(): string | null {
    const first = this.ops.values().next();
    return first.done ? null : first.value.label;
  }

  private async readMarks(stackName: string): Promise<StackMarks> {
    const all = (await this.opts.state.read<Record<string, StackMarks>>(MARKS_SECTION)) ?? {};
    return all[stackName] ?? {};
  }

  private async writeMarks(stackName: string, patch: Partial<StackMarks>): Promise<void> {
    await this.opts.state.update<Record<string, StackMarks>>(MARKS_SECTION, (all) => ({ ...(all ?? {}), [stackName]: { ...(all?.[stackName] ?? {}), ...patch } }));
  }

  private async setTransient(plan: StackPlan, state: Transient['state'], detail: string | null, pull: PullProgress | null = null): Promise<void> {
    this.transient = { state, detail, pull };
    this.opts.events.emit(
      'stack:status',
      describeStatus({ plan, container: this.lastContainer, image: null, marks: {}, transient: this.transient, probe: null, now: Date.now() }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Building blocks (public: key rotation composes them under runExclusive)
  // -------------------------------------------------------------------------------------------

  /** Every container of this stack with the gateway role. */
  async listGateways(plan: StackPlan, signal?: AbortSignal): Promise<Docker.ContainerInfo[]> {
    const docker = this.docker();
    const list = await this.call('list containers', signal, () => docker.listContainers({ all: true, filters: labelFilter(plan.stackName, 'gateway'), abortSignal: signal } as Docker.ContainerListOptions));
    return list.filter((c) => belongsTo(c.Labels, plan.stackName, 'gateway'));
  }

  /** The gateway container found by label, preferring the one under the plan's name; null if none. */
  async findGateway(plan?: StackPlan, signal?: AbortSignal): Promise<Docker.ContainerInspectInfo | null> {
    const p = plan ?? (await this.plan());
    const list = await this.listGateways(p, signal);
    const chosen = list.find((c) => c.Names.includes('/' + p.containerName)) ?? list[0];
    if (!chosen) return null;
    try {
      return await this.docker().getContainer(chosen.Id).inspect({ abortSignal: signal } as object);
    } catch (err) {
      if (statusCodeOf(err) === 404) return null; // removed between list and inspect
      throw dockerFailure(err, 'inspect the gateway container', this.env, signal);
    }
  }

  /** Pulls the image when it is not on this machine, emitting 'pull:progress'. */
  async ensureImage(plan: StackPlan, signal?: AbortSignal): Promise<void> {
    const docker = this.docker();
    const have = await this.call(`inspect image ${plan.image}`, signal, () => inspectImage(docker, plan.image, signal));
    if (have) return;
    await this.setTransient(plan, 'pulling', `Pulling ${plan.image}.`);
    let last = 0;
    await this.call(`pull ${plan.image}`, signal, () =>
      pullImage(
        docker,
        plan.image,
        (p) => {
          this.transient = { state: 'pulling', detail: `Pulling ${plan.image}.`, pull: p };
          this.opts.events.emit('pull:progress', p);
          // The status event carries the progress too, at a calmer rate.
          const now = Date.now();
          if (now - last > 250 || p.percent === 100) {
            last = now;
            this.opts.events.emit('stack:status', describeStatus({ plan, container: null, image: null, marks: {}, transient: this.transient, probe: null, now }));
          }
        },
        signal,
        this.env,
      ),
    );
  }

  /**
   * Creates the network and the credentials volume when missing; returns what it created.
   * Concurrent calls for the same stack join the one under way (the start sends it alongside the
   * database's ensureNetwork): Docker's CheckDuplicate does not hold against two creates at once,
   * which would leave two networks of one name.
   */
  ensureBase(plan: StackPlan, signal?: AbortSignal): Promise<{ network: boolean; volume: boolean }> {
    const key = `${plan.networkName}\n${plan.volumeName}`;
    const running = this.baseInFlight.get(key);
    if (running) return running;
    const made = this.createBase(plan, signal).finally(() => {
      if (this.baseInFlight.get(key) === made) this.baseInFlight.delete(key);
    });
    this.baseInFlight.set(key, made);
    return made;
  }

  private async createBase(plan: StackPlan, signal?: AbortSignal): Promise<{ network: boolean; volume: boolean }> {
    const docker = this.docker();
    // Create first, look only on a conflict: the create is the longest call on the start path
    // (70–140 ms), so it goes out without a list before it; CheckDuplicate makes an existing name
    // a 409, and then the one by that name is reused if it is this stack's, refused otherwise.
    const network = async (): Promise<boolean> => {
      try {
        await docker.createNetwork({ Name: plan.networkName, Driver: 'bridge', CheckDuplicate: true, Labels: stackLabels(plan.stackName, 'network'), abortSignal: signal } as Docker.NetworkCreateOptions);
        return true;
      } catch (err) {
        if (statusCodeOf(err) !== 409) throw dockerFailure(err, `create network ${plan.networkName}`, this.env, signal);
      }
      const existing = docker.getNetwork(plan.networkName) as unknown as { inspect(o: object): Promise<{ Labels?: Record<string, string> | null }> };
      const net = await this.call(`inspect network ${plan.networkName}`, signal, () => existing.inspect({ abortSignal: signal }));
      if (!belongsTo(net.Labels, plan.stackName)) throw this.foreign('network', plan.networkName);
      return false;
    };
    const volume = async (): Promise<boolean> => {
      const vols = await this.call('list volumes', signal, () => docker.listVolumes({ filters: { name: [plan.volumeName] }, abortSignal: signal } as object));
      const vol = (vols.Volumes ?? []).find((v) => v.Name === plan.volumeName);
      if (vol && !belongsTo(vol.Labels as Record<string, string> | null, plan.stackName)) throw this.foreign('volume', plan.volumeName);
      if (vol) return false;
      await this.call(`create volume ${plan.volumeName}`, signal, () =>
        docker.createVolume({ Name: plan.volumeName, Labels: stackLabels(plan.stackName, 'credentials'), abortSignal: signal } as Docker.VolumeCreateOptions),
      );
      return true;
    };
    // Side by side: each is a round trip or two to the engine, and the start budget is tight.
    const [n, v] = await Promise.allSettled([network(), volume()]);
    if (n.status === 'rejected' || v.status === 'rejected') {
      // Leave nothing half-made: a network made for a start that cannot go on is removed.
      if (n.status === 'fulfilled' && n.value) await this.removeNetworkIfUnused(plan);
      throw n.status === 'rejected' ? n.reason : (v as PromiseRejectedResult).reason;
    }
    return { network: n.value, volume: v.value };
  }

  private foreign(kind: string, name: string): GatehouseError {
    return new GatehouseError(
      'SETTINGS_INVALID',
      `Invalid setting "stackName": a Docker ${kind} named ${name} already exists and does not belong to Gatehouse, which never touches objects it did not create.`,
      `Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that ${kind} yourself if it is unused.`,
    );
  }

  /** Creates (not starts) the gateway container with `secretEnv` under `name`; returns its id. */
  async createGateway(plan: StackPlan, secretEnv: Record<string, string>, name = plan.containerName, signal?: AbortSignal): Promise<string> {
    const docker = this.docker();
    try {
      const c = await docker.createContainer({ ...gatewayCreateOptions(plan, secretEnv, name), abortSignal: signal } as Docker.ContainerCreateOptions);
      return c.id;
    } catch (err) {
      if (statusCodeOf(err) === 409) {
        throw new GatehouseError(
          'SETTINGS_INVALID',
          `Invalid setting "stackName": a container named ${name} already exists and does not belong to this stack.`,
          'Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that container yourself if it is unused.',
          { cause: err },
        );
      }
      throw dockerFailure(err, `create the gateway container ${name}`, this.env, signal);
    }
  }

  /**
   * Starts the container and waits until it is healthy and the barrier holds for `masterKey`.
   * An open gateway is stopped at once (fail closed) and GATEWAY_UNSAFE is thrown; a taken port
   * is PORT_IN_USE. Does not remove anything on failure: the caller decides.
   */
  async startAndVerify(plan: StackPlan, containerId: string, options: StartVerifyOptions): Promise<void> {
    const container = this.docker().getContainer(containerId);
    const signal = options.signal;
    const start = async () => {
      try {
        await container.start({ abortSignal: signal } as object);
      } catch (err) {
        if (statusCodeOf(err) !== 304) throw err;
      }
    };
    try {
      await start();
    } catch (err) {
      if (!options.portReleasedBy || !PORT_CONFLICT.test(dockerMessage(err))) throw this.startError(plan, err, signal);
      // The container being replaced still held the port: once its teardown is done, once more.
      await options.portReleasedBy;
      try {
        await start();
      } catch (again) {
        throw this.startError(plan, again, signal);
      }
    }
    await this.verify(plan, containerId, options);
  }

  /** Waits until a running gateway is healthy and the barrier holds (no start). */
  async verify(plan: StackPlan, containerId: string, options: VerifyOptions): Promise<void> {
    const container = this.docker().getContainer(containerId);
    try {
      await waitHealthy(container, {
        url: this.probeUrl(plan),
        masterKey: options.masterKey,
        secrets: options.secrets,
        timeoutMs: options.timeoutMs ?? plan.startTimeoutMs,
        signal: options.signal,
      });
    } catch (err) {
      if (isGatehouseError(err, 'GATEWAY_UNSAFE')) {
        await this.stopContainer(containerId).catch(() => undefined);
      }
      throw err instanceof GatehouseError ? err : dockerFailure(err, 'check the gateway container', this.env, options.signal);
    }
  }

  private startError(plan: StackPlan, err: unknown, signal?: AbortSignal): GatehouseError {
    if (PORT_CONFLICT.test(dockerMessage(err))) {
      return new GatehouseError(
        'PORT_IN_USE',
        `Port ${plan.port} on ${plan.bindAddress} is already taken by another program, so the gateway cannot listen there.`,
        `Stop the program using port ${plan.port} (e.g. \`ss -ltnp 'sport = :${plan.port}'\` shows it), or choose another port in the settings (or GATEHOUSE_PORT).`,
        { cause: err },
      );
    }
    return dockerFailure(err, 'start the gateway container', this.env, signal);
  }

  /** Graceful stop (SIGTERM, then SIGKILL after `timeoutS`); a stopped container is fine. */
  async stopContainer(containerId: string, timeoutS = STOP_TIMEOUT_S, signal?: AbortSignal): Promise<void> {
    try {
      await this.docker().getContainer(containerId).stop({ t: timeoutS, abortSignal: signal } as object);
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 304 || code === 404) return;
      throw dockerFailure(err, 'stop the gateway container', this.env, signal);
    }
  }

  /**
   * Stops a container that another will replace on the same port, gracefully as stopContainer
   * does. `exited` settles as soon as its process has exited (Docker's "die" event), which comes
   * ~100–250 ms before Docker has torn it down (network endpoint, published port) and the stop
   * call returns; `stopped` when the stop call returns (it rejects if the stop fails). Starting
   * the replacement from `exited`, with `portReleasedBy: stopped`, overlaps that teardown with
   * the replacement's start: the outage of a rotation is shorter, the stop itself is unchanged.
   */
  async stopForReplacement(containerId: string, timeoutS = STOP_TIMEOUT_S): Promise<{ exited: Promise<void>; stopped: Promise<void> }> {
    const docker = this.docker();
    const abort = new AbortController();
    let events: NodeJS.ReadableStream | null = null;
    try {
      events = (await docker.getEvents({
        filters: { type: ['container'], container: [containerId], event: ['die'] },
        abortSignal: abort.signal,
      } as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
      events.on('error', () => undefined); // the abort below ends it with an error: expected
    } catch {
      events = null; // no event stream: wait for the stop call itself, as before
    }
    const stopped = this.stopContainer(containerId, timeoutS);
    const stream = events;
    const died = stream ? new Promise<void>((resolve) => stream.once('data', () => resolve())) : stopped;
    const exited = Promise.race([died, stopped]).finally(() => abort.abort());
    stopped.catch(() => undefined); // the caller awaits it; a rejection is theirs to see
    return { exited, stopped };
  }

  async renameContainer(containerId: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.call(`rename the gateway container to ${name}`, signal, () => this.docker().getContainer(containerId).rename({ name, abortSignal: signal } as object));
  }

  /** Removes a container (never its volumes); a container already gone is fine. */
  async removeContainer(containerId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.docker().getContainer(containerId).remove({ force: true, v: false, abortSignal: signal } as object);
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404) return;
      // 409 "removal already in progress" is someone else finishing the job.
      if (code === 409 && /already in progress/.test(String((err as Error).message))) return;
      throw dockerFailure(err, 'remove the gateway container', this.env, signal);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Start
  // -------------------------------------------------------------------------------------------

  /** Starts the stack; returns when the gateway is healthy and the barrier holds. */
  async start(signal?: AbortSignal): Promise<StackStatus> {
    return (await this.startWithOutcome(signal)).status;
  }

  startWithOutcome(signal?: AbortSignal): Promise<StartResult> {
    const running = [...this.ops].find((o) => o.label === 'start' && !o.controller.signal.aborted);
    if (running) return running.promise as Promise<StartResult>;
    return this.runExclusive('start', (s) => this.doStart(s), signal);
  }

  private async doStart(signal: AbortSignal): Promise<StartResult> {
    const plan = await this.plan();
    try {
      const outcome = await this.startSteps(plan, signal);
      // With a database, healthy includes "database connected" in the gateway's readiness.
      await this.opts.database?.waitGatewayConnected(this.probeUrl(plan), signal);
      this.transient = null;
      // Just verified (health + barrier): no need to probe again for the status it returns.
      return { status: await this.status(undefined, 'healthy'), outcome };
    } finally {
      this.transient = null;
      this.scheduleRefresh(0);
    }
  }

  private async startSteps(plan: StackPlan, signal: AbortSignal): Promise<StartOutcome> {
    const docker = this.docker();
    // The network and the volume are needed whichever way this start goes, and the network's
    // create is the longest call before the container's: it goes out at once, side by side with
    // the ping (the start budget is 10 % over a bare `docker run`). If Docker is down both fail
    // and the ping's error is the one reported.
    const base = this.ensureBase(plan, signal);
    base.catch(() => undefined);
    let secretEnv: Record<string, string>;
    let marks: StackMarks;
    let found: Docker.ContainerInspectInfo | null;
    let image: Docker.ImageInspectInfo | null;
    let created: { network: boolean; volume: boolean };
    try {
      await pingDocker(docker, this.env, signal);
      // The database first (its password and DATABASE_URL go into the gateway's environment).
      await this.opts.database?.up(signal, (detail) => void this.setTransient(plan, 'starting', detail));
      await this.setTransient(plan, 'starting', 'Looking for the stack.');
      // The keychain comes after Docker answered, so that "Docker is down" never creates a key for
      // nothing. From here the independent look-ups run side by side.
      [secretEnv, marks, found, image] = await Promise.all([
        this.opts.secretEnv(),
        this.readMarks(plan.stackName),
        this.findGateway(plan, signal),
        this.call(`inspect image ${plan.image}`, signal, () => inspectImage(docker, plan.image, signal)),
      ]);
      created = await base;
    } catch (err) {
      const made = await base.catch(() => null);
      if (made?.network) await this.removeNetworkIfUnused(plan);
      throw err;
    }
    const masterKey = secretEnv.LITELLM_MASTER_KEY;
    if (!masterKey) throw new GatehouseError('INTERNAL', 'The gateway secret environment has no LITELLM_MASTER_KEY.', 'This is a bug in Gatehouse; please report it.');
    const secrets = Object.values(secretEnv);
    const wantedFp = envFingerprint(gatewayEnv(plan, secretEnv));

    let existing = found;
    existing = await this.recoverInterruptedRecreate(plan, existing, signal);
    this.lastContainer = existing;

    if (existing) {
      const diffs = planDifferences(plan, existing, wantedFp);
      const unsafe = marks.unsafe?.containerId === existing.Id;
      if (diffs.length === 0 && !unsafe) {
        if (existing.State.Running && !existing.State.Restarting) {
          await this.setTransient(plan, 'starting', 'The gateway is running; checking its health.');
          try {
            await this.verify(plan, existing.Id, { masterKey, secrets, signal });
          } catch (err) {
            // verify() stopped an open gateway; remember why. Any other failure leaves it as it was.
            if (isGatehouseError(err, 'GATEWAY_UNSAFE')) await this.writeMarks(plan.stackName, { unsafe: { containerId: existing.Id, detail: err.message } });
            throw err;
          }
          return 'already-running';
        }
        if (marks.stoppedByUser) await this.writeMarks(plan.stackName, { stoppedByUser: null });
        await this.setTransient(plan, 'starting', 'Starting the existing gateway container.');
        try {
          await this.startAndVerify(plan, existing.Id, { masterKey, secrets, signal });
        } catch (err) {
          await this.afterFailure(plan, existing.Id, err, false);
          throw err;
        }
        return 'restarted';
      }
      return this.recreate(plan, existing, secretEnv, diffs.length ? diffs : ['it failed the safety check before'], signal);
    }

    let id: string | null = null;
    try {
      if (!image) await this.ensureImage(plan, signal);
      await this.setTransient(plan, 'starting', 'Creating the stack.');
      id = await this.createGateway(plan, secretEnv, plan.containerName, signal);
      if (marks.stoppedByUser || marks.unsafe) await this.writeMarks(plan.stackName, { stoppedByUser: null, unsafe: null });
      await this.setTransient(plan, 'starting', 'Waiting for the gateway to become healthy.');
      await this.startAndVerify(plan, id, { masterKey, secrets, signal });
      return 'created';
    } catch (err) {
      const kept = await this.afterFailure(plan, id, err, true);
      // The network is removed only when this attempt created it and nothing else uses it; the
      // credentials volume is never removed.
      if (created.network && !kept) await this.removeNetworkIfUnused(plan);
      throw err;
    }
  }

  /**
   * After a failed start: an unsafe container is kept, stopped, and marked (status "unsafe");
   * any other container this attempt created is removed; an existing one is stopped again.
   * Returns whether the container was kept.
   */
  private async afterFailure(plan: StackPlan, id: string | null, err: unknown, createdByThisAttempt: boolean): Promise<boolean> {
    if (!id) return false;
    if (isGatehouseError(err, 'GATEWAY_UNSAFE')) {
      await this.writeMarks(plan.stackName, { unsafe: { containerId: id, detail: err.message } });
      return true;
    }
    // Cleanup runs even when the start was cancelled: no signal here.
    if (createdByThisAttempt) await this.removeContainer(id).catch(() => undefined);
    else {
      await this.writeMarks(plan.stackName, { stoppedByUser: id });
      await this.stopContainer(id, 2).catch(() => undefined);
    }
    return false;
  }

  private previousName(plan: StackPlan): string {
    return `${plan.containerName}-previous-${Date.now()}`;
  }

  /**
   * A crash in the middle of a recreate can leave the old container renamed and no container
   * under the plan's name: give it its name back, so the stack is whole again.
   */
  private async recoverInterruptedRecreate(plan: StackPlan, found: Docker.ContainerInspectInfo | null, signal: AbortSignal): Promise<Docker.ContainerInspectInfo | null> {
    if (!found) return null;
    const name = found.Name.replace(/^\//, '');
    const prefix = `${plan.containerName}-previous-`;
    if (name === plan.containerName || !name.startsWith(prefix)) return found;
    await this.renameContainer(found.Id, plan.containerName, signal);
    return this.findGateway(plan, signal);
  }

  /**
   * Replaces a container whose config no longer matches the plan. The old one is stopped and set
   * aside under another name; if the new one fails, it is removed and the old one restored (and
   * restarted when it was running). The credentials volume stays mounted by name throughout.
   */
  private async recreate(plan: StackPlan, old: Docker.ContainerInspectInfo, secretEnv: Record<string, string>, why: string[], signal: AbortSignal): Promise<StartOutcome> {
    const masterKey = secretEnv.LITELLM_MASTER_KEY as string;
    const secrets = Object.values(secretEnv);
    await this.ensureImage(plan, signal);
    await this.setTransient(plan, 'starting', `Recreating the gateway: ${why.join('; ')}.`);
    await this.ensureBase(plan, signal);
    const wasRunning = old.State.Running;
    await this.writeMarks(plan.stackName, { stoppedByUser: old.Id });
    if (wasRunning) await this.stopContainer(old.Id, STOP_TIMEOUT_S, signal);
    const aside = this.previousName(plan);
    await this.renameContainer(old.Id, aside, signal);
    let id: string | null = null;
    try {
      id = await this.createGateway(plan, secretEnv, plan.containerName, signal);
      await this.startAndVerify(plan, id, { masterKey, secrets, signal });
    } catch (err) {
      const kept = await this.afterFailure(plan, id, err, true);
      if (kept) {
        // The unsafe replacement holds the name; the old container had been replaced on purpose.
        await this.removeContainer(old.Id).catch(() => undefined);
      } else {
        await this.renameContainer(old.Id, plan.containerName).catch(() => undefined);
        if (wasRunning) {
          await this.writeMarks(plan.stackName, { stoppedByUser: null });
          await this.docker().getContainer(old.Id).start().catch(() => undefined);
        }
      }
      throw err;
    }
    await this.writeMarks(plan.stackName, { stoppedByUser: null, unsafe: null });
    await this.removeContainer(old.Id, signal).catch(() => undefined);
    return 'recreated';
  }

  private async removeNetworkIfUnused(plan: StackPlan): Promise<void> {
    try {
      const net = this.docker().getNetwork(plan.networkName);
      const info = (await net.inspect()) as { Labels?: Record<string, string>; Containers?: Record<string, unknown> };
      if (!belongsTo(info.Labels, plan.stackName)) return;
      if (Object.keys(info.Containers ?? {}).length === 0) await net.remove();
    } catch {
      // Best effort: an unused labelled network is harmless and reused by the next start.
    }
  }

  // -------------------------------------------------------------------------------------------
  // Stop
  // -------------------------------------------------------------------------------------------

  /** Stops the gateway gracefully; cancels a start in progress first. Volumes are never deleted. */
  stop(signal?: AbortSignal): Promise<StackStatus> {
    this.cancel('start', 'The start was cancelled because a stop was requested.');
    return this.runExclusive('stop', (s) => this.doStop(s), signal);
  }

  private async doStop(signal: AbortSignal): Promise<StackStatus> {
    const plan = await this.plan();
    try {
      await pingDocker(this.docker(), this.env, signal);
      const gateways = await this.listGateways(plan, signal);
      const running = gateways.filter((g) => g.State === 'running' || g.State === 'restarting');
      if (running.length) {
        this.lastContainer = await this.findGateway(plan, signal);
        await this.setTransient(plan, 'stopping', 'Stopping the gateway.');
        for (const g of running) {
          await this.writeMarks(plan.stackName, { stoppedByUser: g.Id });
          await this.stopContainer(g.Id, STOP_TIMEOUT_S, signal);
        }
      }
      // The database after the gateway, so the gateway never runs without it.
      await this.opts.database?.down(signal);
      this.transient = null;
      return await this.status();
    } finally {
      this.transient = null;
      this.scheduleRefresh(0);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Status
  // -------------------------------------------------------------------------------------------

  /** The stack's status from Docker (inspect), what Gatehouse remembers, and a quick live probe. */
  async status(signal?: AbortSignal, knownProbe?: LiveProbe): Promise<StackStatus> {
    const plan = await this.plan();
    const docker = this.docker();
    const [container, marks] = await Promise.all([this.findGateway(plan, signal), this.readMarks(plan.stackName)]);
    this.lastContainer = container;
    let probe: LiveProbe = null;
    const health = container?.State.Health?.Status;
    const probeNow = !this.transient && container?.State.Running && !container.State.Restarting && health !== 'starting' && health !== 'unhealthy';
    const [image, probed] = await Promise.all([
      this.call('inspect the image', signal, () => inspectImage(docker, container?.Image ?? plan.image, signal)),
      probeNow && knownProbe === undefined ? this.liveProbe(plan, signal) : Promise.resolve(null),
    ]);
    if (probeNow) probe = knownProbe ?? probed;
    const st = describeStatus({ plan, container, image, marks, transient: this.transient, probe, now: Date.now() });
    if (this.opts.database) st.database = await this.opts.database.status(container?.State.Running ? this.probeUrl(plan) : null, signal);
    return st;
  }

  private async liveProbe(plan: StackPlan, signal?: AbortSignal): Promise<LiveProbe> {
    const url = this.probeUrl(plan);
    if (!(await probeLiveness(url, signal))) return 'down';
    const b = await checkBarrier(url, null, signal);
    if (b.ok) return 'healthy';
    return b.unsafe ? 'unsafe' : 'down';
  }

  /**
   * Keeps 'stack:status' current from Docker's events (filtered by the stack's label) in a
   * long-running process (the desktop app). A container that dies is reported within a second.
   */
  async watch(): Promise<void> {
    if (this.stopWatching || this.closed) return;
    const plan = await this.plan();
    this.watchTimeoutMs = plan.startTimeoutMs;
    this.stopWatching = watchStackEvents(this.docker(), plan.stackName, (ev) => this.onDockerEvent(plan, ev));
    this.scheduleRefresh(0);
  }

  private onDockerEvent(plan: StackPlan, ev: DockerEvent): void {
    const action = ev.Action ?? ev.status ?? '';
    if (action.startsWith('exec_')) return; // the image's health check runs as exec: noise
    if (this.opts.database?.ownsEvent(ev)) {
      // The database's events are not the gateway's: its death shows in status.database.
      this.opts.database.noteEvent(ev);
      this.scheduleRefresh(20);
      return;
    }
    if (action === 'die' && !this.transient) {
      // Report the death from the event itself: with restart=unless-stopped Docker may already
      // have restarted the container by the time an inspect would see it.
      const exitCode = Number(ev.Actor?.Attributes?.exitCode ?? NaN);
      const id = ev.Actor?.ID ?? ev.id ?? null;
      void this.readMarks(plan.stackName).then((marks) => {
        if (marks.stoppedByUser === id || exitCode === 0) return this.scheduleRefresh(0);
        const base = describeStatus({ plan, container: this.lastContainer, image: null, marks, transient: null, probe: null, now: Date.now() });
        this.opts.events.emit('stack:status', {
          ...base,
          state: 'crashed',
          containerId: id,
          exitCode: Number.isFinite(exitCode) ? exitCode : null,
          uptimeMs: null,
          detail: `The gateway exited on its own with code ${Number.isFinite(exitCode) ? exitCode : 'unknown'}.`,
        });
        this.scheduleRefresh(300);
      });
      return;
    }
    this.scheduleRefresh(20);
  }

  /** Recomputes the status soon (coalescing bursts of events) and emits it. */
  private scheduleRefresh(delayMs: number): void {
    if (!this.stopWatching || this.closed) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (this.ops.size > 0) return; // the operation emits its own states, and refreshes at its end
      this.status().then(
        (st) => {
          this.opts.events.emit('stack:status', st);
          // A restarted gateway without a HEALTHCHECK sends no event when it turns healthy:
          // look again while it boots (bounded by the start timeout).
          if (this.followUpTimer) clearTimeout(this.followUpTimer);
          if (st.state === 'starting' && (st.uptimeMs ?? 0) < this.watchTimeoutMs) {
            this.followUpTimer = setTimeout(() => this.scheduleRefresh(0), 250);
          }
        },
        () => undefined,
      );
    }, delayMs);
  }

  /** Releases the event stream and timers (does not stop the gateway). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching?.();
    this.stopWatching = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.followUpTimer) clearTimeout(this.followUpTimer);
  }
}

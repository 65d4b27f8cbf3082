import type { EventMap, StackStatus } from '../../../shared/api';
import { isGatehouseError } from '../errors';
import { fingerprint } from '../secrets/master-key';
import type { StateStore } from '../state-store';
import type { TypedEmitter } from '../typed-emitter';
import type { ContainerDetails, DockerEngine, ImageDetails } from '../engine/types';
import type { DatabaseService } from '../services/database';
import { verifyOptionsFor, type GatewayService, type SecretEnvProvider } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import { checkBarrier, probeLiveness, type ReadinessProgress } from '../services/health';
import type { EnsureOutcome } from '../services/service-spec';
import type { Settled } from '../services/lifecycle';
import { StackBase, type BaseCreated } from './base';
import { StackMarksStore } from './marks';
import { StackProgress } from './progress';
import { gatewayStartHooks } from './start-hooks';
import type { OperationQueue } from './operation-queue';
import { StatusWatcher } from './status-watcher';
import { TargetSwitch } from './target-switch';
import { describeStatus, type LiveProbe, type StackMarks } from './status';
import type { SwarmGateway } from '../swarm/gateway-service';
import { debugTiming } from '../debug-timing';

export type { SecretEnvProvider } from '../services/gateway';

export interface StackControllerOptions {
  engine: DockerEngine;
  gateway: GatewayService;
  queue: OperationQueue;
  state: StateStore;
  events: TypedEmitter<EventMap>;
  secretEnv: SecretEnvProvider;
  /** The PostgreSQL service (settings.database): up before the gateway, down after it. */
  database?: DatabaseService;
  /** The keychain's current master key (null: none), to check what the running gateway holds. */
  currentKey?: () => Promise<string | null>;
  /** settings.target "swarm": the gateway as a Swarm service instead of a container (swarm/gateway-service.ts). */
  swarm?: SwarmGateway;
}

/** What a start did: created the stack, found it healthy, started a stopped one, or replaced one. */
export type StartOutcome = EnsureOutcome;

export interface StartResult {
  status: StackStatus;
  outcome: StartOutcome;
}

/**
 * The gateway stack of one Gatehouse: plan → pull → base → database → gateway (through the
 * gateway's ServiceLifecycle) → health → barrier; stop; status from inspect, kept current by
 * the StatusWatcher. Operations run through the OperationQueue: a second start while one runs
 * joins it, and a stop cancels a running start (its AbortSignal reaches the engine and the
 * health wait), which then removes what it created before the stop runs.
 */
export class StackController {
  readonly base: StackBase;
  private readonly marks: StackMarksStore;
  private readonly watcher: StatusWatcher;
  private readonly progress: StackProgress;
  private readonly targets: TargetSwitch;

  constructor(private readonly opts: StackControllerOptions) {
    this.base = new StackBase(opts.engine);
    this.marks = new StackMarksStore(opts.state);
    this.progress = new StackProgress(opts.events);
    this.targets = new TargetSwitch({ gateway: opts.gateway, database: opts.database, swarm: opts.swarm, marks: this.marks, say: (plan, detail) => this.progress.set(plan, 'starting', detail) });
    this.watcher = new StatusWatcher(opts.engine, opts.events, {
      plan: () => this.plan(),
      status: () => this.status(),
      marks: (s) => this.marks.read(s),
      busy: () => opts.queue.busy() !== null,
      inTransition: () => this.progress.transient !== null,
      lastContainer: () => this.progress.lastContainer,
      database: opts.database,
    });
  }

  plan(): Promise<StackPlan> {
    return this.opts.gateway.plan();
  }

  runExclusive<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    return this.opts.queue.runExclusive(label, fn, outer);
  }

  /** Pulls the image when it is not on this machine, emitting 'pull:progress'. */
  async ensureImage(plan: StackPlan, signal?: AbortSignal): Promise<void> {
    if (await this.opts.engine.inspectImage(plan.image, { signal })) return;
    await this.opts.engine.pullImage(plan.image, this.progress.pulling(plan), { signal, action: `pull ${plan.image}` });
  }

  ensureBase(plan: StackPlan, signal?: AbortSignal): Promise<BaseCreated> {
    return this.base.ensure(plan, signal);
  }

  /** Starts the stack; returns when the gateway is healthy and the barrier holds. */
  async start(signal?: AbortSignal): Promise<StackStatus> {
    return (await this.startWithOutcome(signal)).status;
  }

  startWithOutcome(signal?: AbortSignal): Promise<StartResult> {
    return this.opts.queue.joinable<StartResult>('start') ?? this.opts.queue.runExclusive('start', (s) => this.doStart(s), signal);
  }

  private async doStart(signal: AbortSignal): Promise<StartResult> {
    debugTiming().mark('start: the stack lock is held');
    const plan = await this.plan();
    if (await this.opts.swarm?.enabled()) return this.swarmStart(plan, signal);
    debugTiming().mark('start: planned (container mode)');
    try {
      await this.targets.leaveSwarm(plan, signal);
      const outcome = await this.startSteps(plan, signal);
      // With a database, healthy includes "database connected" in the gateway's readiness.
      await this.opts.database?.waitGatewayConnected(this.opts.gateway.probeUrl(plan), signal);
      this.progress.clear();
      // Just verified (health + barrier): no need to probe again for the status it returns.
      return { status: await this.readyStatus(plan), outcome };
    } finally {
      this.progress.clear();
      this.watcher.refresh(0);
    }
  }

  /** The image inspect of the start under way (the plan's image), reused for the status it returns. */
  private startImage: ImageDetails | null = null;

  /**
   * The status a start returns once the gateway is verified (live probe and barrier just passed):
   * one inspect of the container by the name the start gave it, the image inspect the start did
   * already when it is the container's image; no list, no second probe.
   */
  private async readyStatus(plan: StackPlan): Promise<StackStatus> {
    const { engine, gateway } = this.opts;
    const [container, marks] = await Promise.all([gateway.inspect(plan.containerName), this.marks.read(plan.stackName)]);
    if (!container) return this.status(undefined, 'healthy');
    this.progress.lastContainer = container;
    const image = this.startImage?.Id === container.Image ? this.startImage : await engine.inspectImage(container.Image, { action: 'inspect the image' });
    const st = describeStatus({ plan, container, image, marks, transient: null, probe: 'healthy', now: Date.now(), healthcheckNote: gateway.healthcheckNote(plan) });
    if (this.opts.database) st.database = await this.opts.database.status(gateway.probeUrl(plan));
    return st;
  }

  private async startSteps(plan: StackPlan, signal: AbortSignal): Promise<StartOutcome> {
    const { engine, gateway } = this.opts;
    // The network and the volume are needed whichever way this start goes, and the network's
    // create is the longest call before the container's: it goes out at once, side by side with
    // the ping. So do the look-ups that only read (the gateway container, with anything an
    // interrupted replacement set aside settled; the image and the engine's API version; the
    // marks), and a first keychain read, which loads the keychain module and opens its session
    // (~50 ms on a first call, ~2 ms after). If Docker is down all of these fail and the ping's
    // error is the one reported.
    const timing = debugTiming();
    // The ping goes out first: the other calls queue behind it in the engine, and its answer gates the keychain.
    const answered = engine.ping(signal);
    const base = this.ensureBase(plan, signal);
    const lookups = Promise.all([
      timing.timed('marks read', this.marks.read(plan.stackName)),
      gateway.lifecycle.findSettled(plan, signal),
      gateway.inspectImage(plan, signal),
    ]);
    const keychainRefusal = this.openKeychain();
    for (const p of [answered, base, lookups]) p.catch(() => undefined);
    let secretEnv: Record<string, string>;
    let marks: StackMarks;
    let found: Settled;
    let hasImage: boolean;
    let created: BaseCreated;
    try {
      await answered;
      timing.mark('start: docker answered');
      // The database first (its password and DATABASE_URL go into the gateway's environment).
      await this.opts.database?.up(signal, (detail) => this.progress.set(plan, 'starting', detail));
      this.progress.set(plan, 'starting', 'Looking for the stack.');
      // The keychain's secrets only after Docker answered, so that "Docker is down" never creates
      // a key for nothing (the read above creates nothing).
      await keychainRefusal();
      secretEnv = await timing.timed('keychain (secretEnv)', this.opts.secretEnv());
      let image: ImageDetails | null;
      [marks, found, image] = await lookups;
      hasImage = image !== null;
      this.startImage = image;
      timing.mark('start: key, marks, container and image looked up');
      created = await base;
      timing.mark('start: network and volume ready');
    } catch (err) {
      // Everything sent out has settled before the network's fate is decided.
      await lookups.catch(() => null);
      const made = await base.catch(() => null);
      if (made?.network) await this.base.removeNetworkIfUnused(plan);
      throw err;
    }
    const readiness = { ...verifyOptionsFor(secretEnv, signal), onProgress: (p: ReadinessProgress) => this.progress.waiting(plan, p) };
    this.progress.lastContainer = found.settled;
    try {
      return await gateway.lifecycle.ensure(plan, secretEnv, readiness, found, gatewayStartHooks({ plan, marks, hasImage, signal, gateway, write: (patch) => this.marks.write(plan.stackName, patch), progress: this.progress, ensureImage: () => this.ensureImage(plan, signal), ensureBase: () => this.ensureBase(plan, signal) }), signal);
    } catch (err) {
      // The network is removed only when this attempt created it and nothing else uses it; the
      // credentials volume is never removed.
      if (created.network && !(await gateway.findGateway(plan).catch(() => null))) await this.base.removeNetworkIfUnused(plan);
      throw err;
    }
  }

  /** Stops the gateway gracefully; cancels a start in progress first. Volumes are never deleted. */
  stop(signal?: AbortSignal): Promise<StackStatus> {
    this.opts.queue.cancel('start', 'The start was cancelled because a stop was requested.');
    return this.opts.queue.runExclusive('stop', (s) => this.doStop(s), signal);
  }

  private async doStop(signal: AbortSignal): Promise<StackStatus> {
    const { engine, gateway } = this.opts;
    const plan = await this.plan();
    if (await this.opts.swarm?.enabled()) {
      await this.opts.swarm!.stop(plan, signal);
      await this.marks.write(plan.stackName, { swarmDeployed: false });
      return this.status(signal);
    }
    try {
      await engine.ping(signal);
      // What an interrupted replacement left is settled first: one gateway container remains.
      await gateway.lifecycle.settleSetAside(plan, signal);
      const running = (await gateway.listGateways(plan, signal)).filter((g) => g.State === 'running' || g.State === 'restarting');
      if (running.length) {
        this.progress.lastContainer = await gateway.findGateway(plan, signal);
        this.progress.set(plan, 'stopping', 'Stopping the gateway.');
        for (const g of running) {
          await this.marks.write(plan.stackName, { stoppedByUser: g.Id });
          await gateway.stopContainer(g.Id, gateway.stopTimeoutS, signal);
        }
      }
      // The database after the gateway, so the gateway never runs without it.
      await this.opts.database?.down(signal);
      this.progress.clear();
      return await this.status();
    } finally {
      this.progress.clear();
      this.watcher.refresh(0);
    }
  }

  /** The stack's status from Docker (inspect), what Gatehouse remembers, and a quick live probe. */
  async status(signal?: AbortSignal, knownProbe?: LiveProbe): Promise<StackStatus> {
    const { engine, gateway } = this.opts;
    const plan = await this.plan();
    if (await this.opts.swarm?.enabled()) return this.opts.swarm!.status(plan, gateway.probeUrl(plan), await (this.opts.currentKey?.() ?? Promise.resolve(null)).catch(() => null), signal);
    const [container, marks] = await Promise.all([gateway.findGateway(plan, signal), this.marks.read(plan.stackName)]);
    this.progress.lastContainer = container;
    let probe: LiveProbe = null;
    const health = container?.State.Health?.Status;
    // Docker's "starting" is no answer (the seed image's first check runs 30 s after start): probe.
    const probeNow = !this.progress.transient && container?.State.Running && !container.State.Restarting && health !== 'unhealthy';
    // The keychain's key, when a gateway runs: what it holds must be that key (a locked keychain: unknown).
    let keychainProblem: string | null = null;
    const key = container?.State.Running && this.opts.currentKey
      ? await this.opts.currentKey().catch((err: unknown) => {
          if (isGatehouseError(err, 'KEYCHAIN_LOCKED')) keychainProblem = 'The keychain is locked.';
          else if (isGatehouseError(err, 'KEYCHAIN_UNAVAILABLE')) keychainProblem = 'The keychain is not available.';
          return null;
        })
      : null;
    const [image, probed] = await Promise.all([
      engine.inspectImage(container?.Image ?? plan.image, { signal, action: 'inspect the image' }),
      probeNow && knownProbe === undefined ? this.liveProbe(plan, container.Id, key, signal) : Promise.resolve(null),
    ]);
    if (probeNow) probe = knownProbe ?? probed;
    const keychainFingerprint = key ? fingerprint(key) : null;
    const st = describeStatus({ plan, container, image, marks, transient: this.progress.transient, probe, now: Date.now(), healthcheckNote: gateway.healthcheckNote(plan), keychainFingerprint, keychainProblem });
    if (this.opts.database) st.database = await this.opts.database.status(container?.State.Running ? gateway.probeUrl(plan) : null, signal);
    return st;
  }

  /**
   * A first keychain read, sent out beside Docker's look-ups: it loads the keychain module and opens
   * its session (~50 ms on a first call, ~2 ms after) and creates nothing. The function it returns
   * throws the keychain's refusal (locked, unavailable) as it is: asking again would mean a second
   * unlock prompt for one start.
   */
  private openKeychain(): () => Promise<void> {
    const opened = debugTiming().timed('keychain opened', (this.opts.currentKey?.() ?? Promise.resolve(null)).then(() => null, (err: unknown) => err));
    return async () => {
      const refused = await opened;
      if (isGatehouseError(refused, 'KEYCHAIN_LOCKED') || isGatehouseError(refused, 'KEYCHAIN_UNAVAILABLE')) throw refused;
    };
  }

  /** Swarm mode: the service created or updated with the keychain's secrets, ready when it serves the key. */
  private async swarmStart(plan: StackPlan, signal: AbortSignal): Promise<StartResult> {
    const swarm = this.opts.swarm!;
    const lookups = swarm.lookups(plan, signal);
    lookups.catch(() => undefined); // awaited by deploy; a failure before it is not left unhandled
    const keychainRefusal = this.openKeychain();
    try {
      // No container is stopped for a swarm start that cannot happen (no manager, too many replicas).
      await lookups;
      // The keychain's secrets only after Docker answered and the manager check passed, as in
      // container mode: "Docker is down" or "not a manager" never creates a key for nothing.
      await keychainRefusal();
      const secretEnv = await this.opts.secretEnv();
      await this.targets.leaveContainers(plan, signal);
      this.progress.set(plan, 'starting', 'Deploying the gateway as a Swarm service.');
      await this.marks.write(plan.stackName, { swarmDeployed: true });
      const outcome = await swarm.deploy(plan, this.opts.gateway.probeUrl(plan), secretEnv, () => this.ensureImage(plan, signal), signal, true, lookups);
      this.progress.clear();
      return { status: await swarm.status(plan, this.opts.gateway.probeUrl(plan), secretEnv.LITELLM_MASTER_KEY ?? null, signal), outcome };
    } finally {
      this.progress.clear();
      this.watcher.refresh(0);
    }
  }

  /** Liveness, then the barrier without a key, then with the keychain's key (when known). */
  private async liveProbe(plan: StackPlan, containerId: string, key: string | null, signal?: AbortSignal): Promise<LiveProbe> {
    const probe = this.opts.gateway.probeFor(plan, containerId);
    if (!(await probeLiveness(probe, signal))) return 'down';
    const b = await checkBarrier(probe, null, signal);
    if (!b.ok) return b.unsafe ? 'unsafe' : 'down';
    if (key && !(await checkBarrier(probe, key, signal)).ok) return 'key-refused';
    return 'healthy';
  }

  /** Keeps 'stack:status' current from Docker's events in a long-running process (the desktop app). */
  watch(): Promise<void> {
    return this.watcher.watch();
  }

  /** Releases the event stream and timers (does not stop the gateway). */
  async close(): Promise<void> {
    this.watcher.close();
  }
}

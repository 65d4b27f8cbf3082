import type { EventMap, PullProgress, StackStatus } from '../../../shared/api';
import { isGatehouseError } from '../errors';
import { fingerprint } from '../secrets/master-key';
import type { StateStore } from '../state-store';
import type { TypedEmitter } from '../typed-emitter';
import type { ContainerDetails, DockerEngine, ImageDetails } from '../engine/types';
import type { DatabaseService } from '../services/database';
import { verifyOptionsFor, type GatewayService, type SecretEnvProvider } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import { checkBarrier, probeLiveness, type ReadinessProgress } from '../services/health';
import type { EnsureHooks, EnsureOutcome } from '../services/service-spec';
import { StackBase, type BaseCreated } from './base';
import { StackMarksStore } from './marks';
import type { OperationQueue } from './operation-queue';
import { StatusWatcher } from './status-watcher';
import { describeStatus, type LiveProbe, type StackMarks, type Transient } from './status';

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
  private transient: Transient | null = null;
  private lastContainer: ContainerDetails | null = null;

  constructor(private readonly opts: StackControllerOptions) {
    this.base = new StackBase(opts.engine);
    this.marks = new StackMarksStore(opts.state);
    this.watcher = new StatusWatcher(opts.engine, opts.events, {
      plan: () => this.plan(),
      status: () => this.status(),
      marks: (s) => this.marks.read(s),
      busy: () => opts.queue.busy() !== null,
      inTransition: () => this.transient !== null,
      lastContainer: () => this.lastContainer,
      database: opts.database,
    });
  }

  plan(): Promise<StackPlan> {
    return this.opts.gateway.plan();
  }

  runExclusive<T>(label: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    return this.opts.queue.runExclusive(label, fn, outer);
  }

  private setTransient(plan: StackPlan, state: Transient['state'], detail: string | null, pull: PullProgress | null = null, waiting: ReadinessProgress | null = null): void {
    if (!waiting) this.stopWaitTicker();
    this.transient = { state, detail, pull, waiting };
    this.emitTransient(plan);
  }

  private emitTransient(plan: StackPlan): void {
    this.opts.events.emit(
      'stack:status',
      describeStatus({ plan, container: this.lastContainer, image: null, marks: {}, transient: this.transient, probe: null, now: Date.now(), healthcheckNote: null }),
    );
  }

  private waitTicker: NodeJS.Timeout | null = null;

  /**
   * While the start waits on the gateway: the phase and what is expected, re-emitted every second
   * so the app and the CLI show the time waited so far ("Waiting for the gateway — 3 s").
   */
  private waiting(plan: StackPlan, progress: ReadinessProgress): void {
    this.setTransient(plan, 'starting', null, null, progress);
    this.waitTicker ??= setInterval(() => {
      if (this.transient?.waiting) this.emitTransient(plan);
    }, 1000);
    this.waitTicker.unref();
  }

  private stopWaitTicker(): void {
    if (this.waitTicker) clearInterval(this.waitTicker);
    this.waitTicker = null;
  }

  /** Pulls the image when it is not on this machine, emitting 'pull:progress'. */
  async ensureImage(plan: StackPlan, signal?: AbortSignal): Promise<void> {
    const engine = this.opts.engine;
    if (await engine.inspectImage(plan.image, { signal })) return;
    this.setTransient(plan, 'pulling', `Pulling ${plan.image}.`);
    let last = 0;
    const onProgress = (p: PullProgress) => {
      this.transient = { state: 'pulling', detail: `Pulling ${plan.image}.`, pull: p };
      this.opts.events.emit('pull:progress', p);
      // The status event carries the progress too, at a calmer rate.
      const now = Date.now();
      if (now - last > 250 || p.percent === 100) {
        last = now;
        this.opts.events.emit('stack:status', describeStatus({ plan, container: null, image: null, marks: {}, transient: this.transient, probe: null, now }));
      }
    };
    await engine.pullImage(plan.image, onProgress, { signal, action: `pull ${plan.image}` });
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
    const plan = await this.plan();
    try {
      const outcome = await this.startSteps(plan, signal);
      // With a database, healthy includes "database connected" in the gateway's readiness.
      await this.opts.database?.waitGatewayConnected(this.opts.gateway.probeUrl(plan), signal);
      this.transient = null;
      // Just verified (health + barrier): no need to probe again for the status it returns.
      return { status: await this.readyStatus(plan), outcome };
    } finally {
      this.stopWaitTicker();
      this.transient = null;
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
    this.lastContainer = container;
    const image = this.startImage?.Id === container.Image ? this.startImage : await engine.inspectImage(container.Image, { action: 'inspect the image' });
    const st = describeStatus({ plan, container, image, marks, transient: null, probe: 'healthy', now: Date.now(), healthcheckNote: gateway.healthcheckNote(plan) });
    if (this.opts.database) st.database = await this.opts.database.status(gateway.probeUrl(plan));
    return st;
  }

  private async startSteps(plan: StackPlan, signal: AbortSignal): Promise<StartOutcome> {
    const { engine, gateway } = this.opts;
    // The network and the volume are needed whichever way this start goes, and the network's
    // create is the longest call before the container's: it goes out at once, side by side with
    // the ping (the start budget is 10 % over a bare `docker run`). If Docker is down both fail
    // and the ping's error is the one reported.
    const base = this.ensureBase(plan, signal);
    base.catch(() => undefined);
    let secretEnv: Record<string, string>;
    let marks: StackMarks;
    let found: ContainerDetails | null;
    let hasImage: boolean;
    let created: BaseCreated;
    try {
      await engine.ping(signal);
      // The database first (its password and DATABASE_URL go into the gateway's environment).
      await this.opts.database?.up(signal, (detail) => this.setTransient(plan, 'starting', detail));
      this.setTransient(plan, 'starting', 'Looking for the stack.');
      // The keychain comes after Docker answered, so that "Docker is down" never creates a key for
      // nothing. From here the independent look-ups run side by side.
      let image: unknown;
      [secretEnv, marks, found, image] = await Promise.all([this.opts.secretEnv(), this.marks.read(plan.stackName), gateway.findGateway(plan, signal), gateway.inspectImage(plan, signal)]);
      hasImage = image !== null;
      this.startImage = image as ImageDetails | null;
      created = await base;
    } catch (err) {
      const made = await base.catch(() => null);
      if (made?.network) await this.base.removeNetworkIfUnused(plan);
      throw err;
    }
    const readiness = { ...verifyOptionsFor(secretEnv, signal), onProgress: (p: ReadinessProgress) => this.waiting(plan, p) };
    this.lastContainer = found;
    try {
      return await gateway.lifecycle.ensure(plan, secretEnv, readiness, found, this.startHooks(plan, marks, hasImage, signal), signal);
    } catch (err) {
      // The network is removed only when this attempt created it and nothing else uses it; the
      // credentials volume is never removed.
      if (created.network && !(await gateway.findGateway(plan).catch(() => null))) await this.base.removeNetworkIfUnused(plan);
      throw err;
    }
  }

  /** The stack's rules around the gateway's lifecycle: status lines, marks, an unsafe container kept. */
  private startHooks(plan: StackPlan, marks: StackMarks, hasImage: boolean, signal: AbortSignal): EnsureHooks {
    const { gateway } = this.opts;
    const write = (patch: Partial<StackMarks>) => this.marks.write(plan.stackName, patch);
    const markUnsafe = async (id: string, err: unknown): Promise<boolean> => {
      if (!isGatehouseError(err, 'GATEWAY_UNSAFE')) return false;
      await write({ unsafe: { containerId: id, detail: err.message } });
      return true;
    };
    return {
      extraDifferences: (existing) => (marks.unsafe?.containerId === existing.Id ? ['it failed the safety check before'] : []),
      step: async (phase, why) => {
        if (phase === 'verify-running') this.setTransient(plan, 'starting', 'The gateway is running; checking its health.');
        if (phase === 'start-existing') {
          if (marks.stoppedByUser) await write({ stoppedByUser: null });
          this.setTransient(plan, 'starting', 'Starting the existing gateway container.');
        }
        if (phase === 'create') {
          if (!hasImage) {
            await this.ensureImage(plan, signal);
          if (!hasImage) await gateway.inspectImage(plan, signal);
            await gateway.inspectImage(plan, signal); // the pulled image's own healthcheck
          }
          this.setTransient(plan, 'starting', 'Creating the stack.');
        }
        if (phase === 'created') {
          if (marks.stoppedByUser || marks.unsafe) await write({ stoppedByUser: null, unsafe: null });
          this.setTransient(plan, 'starting', 'Waiting for the gateway to become healthy.');
        }
        if (phase === 'recreate') {
          await this.ensureImage(plan, signal);
          this.setTransient(plan, 'starting', `Recreating the gateway: ${(why ?? []).join('; ')}.`);
          await this.ensureBase(plan, signal);
        }
      },
      // verify() stopped an open gateway; remember why. Any other failure leaves it as it was.
      runningFailed: async (id, err) => void (await markUnsafe(id, err)),
      // An unsafe container is kept, stopped, and marked (status "unsafe"); any other container
      // this attempt created is removed; an existing one is stopped again.
      failed: async (id, err, createdHere) => {
        if (await markUnsafe(id, err)) return true;
        // Cleanup runs even when the start was cancelled: no signal here.
        if (createdHere) await gateway.removeContainer(id).catch(() => undefined);
        else {
          await write({ stoppedByUser: id });
          await gateway.stopContainer(id, 2).catch(() => undefined);
        }
        return false;
      },
      settingAside: async (old) => write({ stoppedByUser: old.Id }),
      restoring: async () => write({ stoppedByUser: null }),
      replaced: async () => write({ stoppedByUser: null, unsafe: null }),
    };
  }

  /** Stops the gateway gracefully; cancels a start in progress first. Volumes are never deleted. */
  stop(signal?: AbortSignal): Promise<StackStatus> {
    this.opts.queue.cancel('start', 'The start was cancelled because a stop was requested.');
    return this.opts.queue.runExclusive('stop', (s) => this.doStop(s), signal);
  }

  private async doStop(signal: AbortSignal): Promise<StackStatus> {
    const { engine, gateway } = this.opts;
    const plan = await this.plan();
    try {
      await engine.ping(signal);
      // What an interrupted replacement left is settled first: one gateway container remains.
      await gateway.lifecycle.settleSetAside(plan, signal);
      const running = (await gateway.listGateways(plan, signal)).filter((g) => g.State === 'running' || g.State === 'restarting');
      if (running.length) {
        this.lastContainer = await gateway.findGateway(plan, signal);
        this.setTransient(plan, 'stopping', 'Stopping the gateway.');
        for (const g of running) {
          await this.marks.write(plan.stackName, { stoppedByUser: g.Id });
          await gateway.stopContainer(g.Id, gateway.stopTimeoutS, signal);
        }
      }
      // The database after the gateway, so the gateway never runs without it.
      await this.opts.database?.down(signal);
      this.transient = null;
      return await this.status();
    } finally {
      this.transient = null;
      this.watcher.refresh(0);
    }
  }

  /** The stack's status from Docker (inspect), what Gatehouse remembers, and a quick live probe. */
  async status(signal?: AbortSignal, knownProbe?: LiveProbe): Promise<StackStatus> {
    const { engine, gateway } = this.opts;
    const plan = await this.plan();
    const [container, marks] = await Promise.all([gateway.findGateway(plan, signal), this.marks.read(plan.stackName)]);
    this.lastContainer = container;
    let probe: LiveProbe = null;
    const health = container?.State.Health?.Status;
    // Docker's "starting" is no answer (the seed image's first check runs 30 s after start): probe.
    const probeNow = !this.transient && container?.State.Running && !container.State.Restarting && health !== 'unhealthy';
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
      probeNow && knownProbe === undefined ? this.liveProbe(plan, key, signal) : Promise.resolve(null),
    ]);
    if (probeNow) probe = knownProbe ?? probed;
    const keychainFingerprint = key ? fingerprint(key) : null;
    const st = describeStatus({ plan, container, image, marks, transient: this.transient, probe, now: Date.now(), healthcheckNote: gateway.healthcheckNote(plan), keychainFingerprint, keychainProblem });
    if (this.opts.database) st.database = await this.opts.database.status(container?.State.Running ? gateway.probeUrl(plan) : null, signal);
    return st;
  }

  /** Liveness, then the barrier without a key, then with the keychain's key (when known). */
  private async liveProbe(plan: StackPlan, key: string | null, signal?: AbortSignal): Promise<LiveProbe> {
    const url = this.opts.gateway.probeUrl(plan);
    if (!(await probeLiveness(url, signal))) return 'down';
    const b = await checkBarrier(url, null, signal);
    if (!b.ok) return b.unsafe ? 'unsafe' : 'down';
    if (key && !(await checkBarrier(url, key, signal)).ok) return 'key-refused';
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

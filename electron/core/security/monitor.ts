import type { AppHardening, EventMap, SecurityReport, StackState } from '../../../shared/api';
import type { TypedEmitter } from '../typed-emitter';
import { evaluate } from './checks';
import type { SecurityFacts } from './facts';
import { gatherFacts, type SecuritySources } from './gather';
import { buildReport, worsened } from './report';

export interface SecurityMonitorOptions {
  /** How often to re-evaluate while watching; default 5 minutes. */
  intervalMs?: number;
  /** Quiet time after a trigger before evaluating, so that a burst of events costs one run. */
  debounceMs?: number;
  /** The longest a start, stop or rotation holds evaluations back; default 2 minutes. */
  busyGraceMs?: number;
  now?: () => Date;
  /** Replaces the gatherer (tests of the monitor's own logic). */
  gather?: () => Promise<SecurityFacts>;
}

/** Stack states after which the picture has changed for good (not the transient ones on the way). */
const SETTLED: ReadonlySet<StackState> = new Set(['absent', 'stopped', 'healthy', 'unhealthy', 'unsafe', 'crashed']);

/**
 * Runs the security checks on demand (`run()`), and while watching re-runs them after every
 * start, stop, crash, key rotation and settings change, and on a timer. Each run emits
 * 'security:report'; checks that got worse since the previous run are emitted as
 * 'security:worsened' (the app turns them into notifications).
 */
export class SecurityMonitor {
  private readonly intervalMs: number;
  private readonly debounceMs: number;
  private readonly busyGraceMs: number;
  private readonly now: () => Date;
  private readonly gather: () => Promise<SecurityFacts>;
  private appHardening: (() => AppHardening | null | Promise<AppHardening | null>) | null = null;
  private last: SecurityReport | null = null;
  private inFlight: Promise<SecurityReport> | null = null;
  private queued: Promise<SecurityReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void)[] = [];
  private lastStackState: StackState | null = null;
  /**
   * Until when a start, stop or rotation is taken to be under way: its end triggers an
   * evaluation and triggers meanwhile wait for it. Bounded, so that an operation whose end is
   * never reported (no status watcher) cannot stop the checks for good.
   */
  private busyUntil = 0;
  private closed = false;

  constructor(
    private readonly sources: SecuritySources,
    private readonly events: TypedEmitter<EventMap>,
    options: SecurityMonitorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5 * 60_000;
    this.debounceMs = options.debounceMs ?? 300;
    this.busyGraceMs = options.busyGraceMs ?? 120_000;
    this.now = options.now ?? (() => new Date());
    this.gather =
      options.gather ??
      (() => gatherFacts({ ...this.sources, appHardening: this.appHardening ?? this.sources.appHardening }));
  }

  /** The desktop app reports its own hardening here (check 13); the CLI never does. */
  setAppHardeningProvider(provider: () => AppHardening | null | Promise<AppHardening | null>): void {
    this.appHardening = provider;
  }

  /** The latest report, or null before the first run. */
  get lastReport(): SecurityReport | null {
    return this.last;
  }

  /**
   * Evaluates every check now. Concurrent calls share one evaluation; a call made while one is
   * running gets a fresh evaluation right after it (the facts may have changed meanwhile).
   */
  run(): Promise<SecurityReport> {
    if (!this.inFlight) {
      this.inFlight = this.evaluateOnce().finally(() => {
        this.inFlight = null;
      });
      return this.inFlight;
    }
    // Everyone who asks during an evaluation shares one follow-up evaluation.
    this.queued ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.run();
      });
    return this.queued;
  }

  private async evaluateOnce(): Promise<SecurityReport> {
    const facts = await this.gather();
    const report = buildReport(evaluate(facts), this.now());
    const worse = worsened(this.last, report);
    this.last = report;
    this.events.emit('security:report', report);
    if (worse.length) this.events.emit('security:worsened', worse);
    return report;
  }

  /** Re-evaluates soon: many triggers in a burst cost one run. */
  private trigger(): void {
    if (this.closed) return;
    // Mid-operation facts (a booting container refusing connections) would be false alarms.
    const wait = Math.max(this.debounceMs, this.busyUntil - Date.now());
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      if (Date.now() < this.busyUntil) return this.trigger();
      this.run().catch(() => undefined);
    }, wait);
    this.debounce.unref();
  }

  private setBusy(busy: boolean): void {
    this.busyUntil = busy ? Date.now() + this.busyGraceMs : 0;
  }

  /**
   * Starts watching: an evaluation now, then after stack changes (start, stop, crash), finished
   * or rolled-back rotations, settings changes ('settings:changed': the settings store watches
   * the file, so changes made by another process count), and every interval. Timers are
   * unref'd: they never keep a process alive.
   */
  start(): void {
    if (this.timer || this.closed) return;
    this.unsubscribe.push(
      this.events.on('stack:status', (s) => {
        const settled = SETTLED.has(s.state);
        this.setBusy(!settled);
        // healthy → starting → healthy (a recreate) is a change; healthy → healthy is not.
        if (!settled) this.lastStackState = null;
        if (!settled || s.state === this.lastStackState) return;
        this.lastStackState = s.state;
        this.trigger();
      }),
      this.events.on('rotation:progress', (p) => {
        const over = p.step === 'done' || p.step === 'rollback';
        this.setBusy(!over);
        if (over) this.trigger();
      }),
      this.events.on('settings:changed', () => this.trigger()),
    );
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
    this.timer.unref();
    this.trigger();
  }

  /** Stops watching and waits for an evaluation in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = null;
    this.debounce = null;
    for (const off of this.unsubscribe.splice(0)) off();
    await this.inFlight?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
  }
}

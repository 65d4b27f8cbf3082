import type { EventMap, PullProgress } from '../../../shared/api';
import type { ContainerDetails } from '../engine/types';
import type { StackPlan } from '../services/gateway-plan';
import type { ReadinessProgress } from '../services/health';
import type { TypedEmitter } from '../typed-emitter';
import { describeStatus, type Transient } from './status';

/**
 * What this process is doing to the stack right now (pulling, starting, stopping, waiting on the
 * gateway), emitted as 'stack:status' while it happens; null between operations.
 */
export class StackProgress {
  transient: Transient | null = null;
  /** The gateway container last seen, for the status lines of an operation and a death's report. */
  lastContainer: ContainerDetails | null = null;
  private waitTicker: NodeJS.Timeout | null = null;

  constructor(private readonly events: TypedEmitter<EventMap>) {}

  set(plan: StackPlan, state: Transient['state'], detail: string | null, pull: PullProgress | null = null, waiting: ReadinessProgress | null = null): void {
    if (!waiting) this.stopWaitTicker();
    this.transient = { state, detail, pull, waiting };
    this.emit(plan);
  }

  private emit(plan: StackPlan): void {
    this.events.emit(
      'stack:status',
      describeStatus({ plan, container: this.lastContainer, image: null, marks: {}, transient: this.transient, probe: null, now: Date.now(), healthcheckNote: null }),
    );
  }

  /**
   * While the start waits on the gateway: the phase and what is expected, re-emitted every second
   * so the app and the CLI show the time waited so far ("Waiting for the gateway — 3 s").
   */
  waiting(plan: StackPlan, progress: ReadinessProgress): void {
    this.set(plan, 'starting', null, null, progress);
    this.waitTicker ??= setInterval(() => {
      if (this.transient?.waiting) this.emit(plan);
    }, 1000);
    this.waitTicker.unref();
  }

  /** A pull's progress: 'pull:progress' each time, the status event at a calmer rate. */
  pulling(plan: StackPlan): (p: PullProgress) => void {
    this.set(plan, 'pulling', `Pulling ${plan.image}.`);
    let last = 0;
    return (p) => {
      this.transient = { state: 'pulling', detail: `Pulling ${plan.image}.`, pull: p };
      this.events.emit('pull:progress', p);
      const now = Date.now();
      if (now - last > 250 || p.percent === 100) {
        last = now;
        this.events.emit('stack:status', describeStatus({ plan, container: null, image: null, marks: {}, transient: this.transient, probe: null, now }));
      }
    };
  }

  /** The operation is over. */
  clear(): void {
    this.stopWaitTicker();
    this.transient = null;
  }

  private stopWaitTicker(): void {
    if (this.waitTicker) clearInterval(this.waitTicker);
    this.waitTicker = null;
  }
}

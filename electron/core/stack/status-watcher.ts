import type { EventMap, StackStatus } from '../../../shared/api';
import { watchStackEvents, type DockerEvent } from '../engine/events';
import type { ContainerDetails, DockerEngine } from '../engine/types';
import type { StackPlan } from '../services/gateway-plan';
import type { TypedEmitter } from '../typed-emitter';
import { describeStatus, type StackMarks } from './status';

/** What the watcher reads of the stack it reports on. */
export interface WatchedStack {
  plan(): Promise<StackPlan>;
  status(): Promise<StackStatus>;
  marks(stackName: string): Promise<StackMarks>;
  /** Whether an operation runs (it emits its own states, and refreshes at its end). */
  busy(): boolean;
  /** Whether this process is starting or stopping the stack right now. */
  inTransition(): boolean;
  /** The gateway container last seen, for a death reported from its event. */
  lastContainer(): ContainerDetails | null;
  /** The database's events are not the gateway's: its death shows in status.database. */
  database?: { ownsEvent(ev: DockerEvent): boolean; noteEvent(ev: DockerEvent): void };
}

/**
 * Keeps 'stack:status' current from Docker's events (filtered by the stack's label) in a
 * long-running process (the desktop app). A container that dies is reported within a second,
 * from the "die" event itself, before unless-stopped restarts it.
 */
export class StatusWatcher {
  private stopWatching: (() => void) | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private followUpTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private watchTimeoutMs = 120_000;

  constructor(
    private readonly engine: DockerEngine,
    private readonly events: TypedEmitter<EventMap>,
    private readonly stack: WatchedStack,
  ) {}

  async watch(): Promise<void> {
    if (this.stopWatching || this.closed) return;
    const plan = await this.stack.plan();
    this.watchTimeoutMs = plan.startTimeoutMs;
    this.stopWatching = watchStackEvents(this.engine, plan.stackName, (ev) => this.onDockerEvent(plan, ev));
    this.refresh(0);
  }

  private onDockerEvent(plan: StackPlan, ev: DockerEvent): void {
    const action = ev.Action ?? ev.status ?? '';
    if (action.startsWith('exec_')) return; // the image's health check runs as exec: noise
    if (this.stack.database?.ownsEvent(ev)) {
      this.stack.database.noteEvent(ev);
      this.refresh(20);
      return;
    }
    if (action === 'die' && !this.stack.inTransition()) {
      // Report the death from the event itself: with restart=unless-stopped Docker may already
      // have restarted the container by the time an inspect would see it.
      const exitCode = Number(ev.Actor?.Attributes?.exitCode ?? NaN);
      const id = ev.Actor?.ID ?? ev.id ?? null;
      void this.stack.marks(plan.stackName).then((marks) => {
        if (marks.stoppedByUser === id || exitCode === 0) return this.refresh(0);
        const base = describeStatus({ plan, container: this.stack.lastContainer(), image: null, marks, transient: null, probe: null, now: Date.now() });
        this.events.emit('stack:status', {
          ...base,
          state: 'crashed',
          containerId: id,
          exitCode: Number.isFinite(exitCode) ? exitCode : null,
          uptimeMs: null,
          detail: `The gateway exited on its own with code ${Number.isFinite(exitCode) ? exitCode : 'unknown'}.`,
        });
        this.refresh(300);
      });
      return;
    }
    this.refresh(20);
  }

  /** Recomputes the status soon (coalescing bursts of events) and emits it; only while watching. */
  refresh(delayMs: number): void {
    if (!this.stopWatching || this.closed) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (this.stack.busy()) return;
      this.stack.status().then(
        (st) => {
          this.events.emit('stack:status', st);
          // A restarted gateway without a HEALTHCHECK sends no event when it turns healthy:
          // look again while it boots (bounded by the start timeout).
          if (this.followUpTimer) clearTimeout(this.followUpTimer);
          if (st.state === 'starting' && (st.uptimeMs ?? 0) < this.watchTimeoutMs) {
            this.followUpTimer = setTimeout(() => this.refresh(0), 250);
          }
        },
        () => undefined,
      );
    }, delayMs);
  }

  /** Releases the event stream and timers. */
  close(): void {
    this.closed = true;
    this.stopWatching?.();
    this.stopWatching = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.followUpTimer) clearTimeout(this.followUpTimer);
  }
}

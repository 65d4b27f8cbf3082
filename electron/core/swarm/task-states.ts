import type { StackState } from '../../../shared/api';
import type { ServiceSpec, TaskDetails } from '../engine/types';

/** Task states before its container runs. */
export const PENDING_TASK_STATES = ['new', 'pending', 'assigned', 'accepted', 'ready', 'preparing'];

/**
 * Task states whose container runs. A task with a HEALTHCHECK stays "starting" until Docker's first
 * check passes (30 s on the seed image); it already serves, and the HTTP probes judge it.
 */
export const SERVING_TASK_STATES = ['starting', 'running'];

/** The tasks Swarm wants running now (replaced and scaled-away ones have another desired state). */
export function currentTasks(tasks: TaskDetails[]): TaskDetails[] {
  return tasks.filter((t) => t.DesiredState === 'running');
}

export function servingTasks(tasks: TaskDetails[]): TaskDetails[] {
  return currentTasks(tasks).filter((t) => SERVING_TASK_STATES.includes(t.Status?.State ?? ''));
}

/** Wanted and not yet serving, with no reason the scheduler holds it back (e.g. "no suitable node"). */
function onItsWay(t: TaskDetails): boolean {
  return t.DesiredState === 'running' && PENDING_TASK_STATES.includes(t.Status?.State ?? '') && !t.Status?.Err;
}

/** Wanted, not serving, and held back or failed with a reason Swarm gives. */
function heldBack(t: TaskDetails): boolean {
  return t.DesiredState === 'running' && !SERVING_TASK_STATES.includes(t.Status?.State ?? '') && !!t.Status?.Err;
}

export function desiredReplicas(spec: ServiceSpec | undefined): number {
  return (spec?.Mode as { Replicated?: { Replicas?: number } } | undefined)?.Replicated?.Replicas ?? 0;
}

interface ContainerSpecView {
  Image?: string;
  Env?: string[];
  Args?: string[];
  Secrets?: { SecretName?: string }[];
}

/**
 * What makes a task the current spec's: image, environment, command arguments and secrets (whose
 * names carry the values' fingerprints, so a rotated key is a different secret).
 */
function containerSpecKey(cs: ContainerSpecView | undefined): string {
  return JSON.stringify({
    image: (cs?.Image ?? '').split('@')[0],
    env: cs?.Env ?? [],
    args: cs?.Args ?? [],
    secrets: (cs?.Secrets ?? []).map((s) => s.SecretName ?? '').sort(),
  });
}

export interface Rollout {
  /** Every wanted replica serves from `spec` and no task of an earlier spec serves any more. */
  ready: boolean;
  /** Tasks of `spec` that serve. */
  serving: number;
  desired: number;
  /** Tasks of an earlier spec whose container still runs (being replaced). */
  stale: number;
  /** One clause for a progress or timeout message. */
  detail: string;
}

/**
 * How far the service's tasks are from `spec` (the one just created or updated): readiness waits
 * until this is ready and the key barrier holds, so a deploy or a rotation never returns while a
 * task with the old key or an old image still answers, nor with fewer replicas than asked for.
 */
export function rollout(tasks: TaskDetails[], spec: ServiceSpec): Rollout {
  const want = containerSpecKey((spec.TaskTemplate as { ContainerSpec?: ContainerSpecView } | undefined)?.ContainerSpec);
  const desired = desiredReplicas(spec);
  const isCurrent = (t: TaskDetails) => containerSpecKey(t.Spec?.ContainerSpec as ContainerSpecView | undefined) === want;
  const runningNow = (t: TaskDetails) => SERVING_TASK_STATES.includes(t.Status?.State ?? '');
  const serving = servingTasks(tasks).filter(isCurrent).length;
  const stale = tasks.filter((t) => runningNow(t) && !isCurrent(t)).length;
  let detail = `${serving}/${desired} replicas serve the new service spec`;
  if (stale) detail += `, ${stale} task${stale === 1 ? '' : 's'} of the previous spec still running`;
  const held = tasks.find((t) => heldBack(t) && isCurrent(t));
  if (held) detail += `; a task waits: ${held.Status?.Err}`;
  return { ready: serving === desired && stale === 0, serving, desired, stale, detail };
}

/** checkBarrier's answer (services/health.ts). */
export type BarrierView = { ok: true } | { ok: false; unsafe: boolean; detail: string };

export interface ServiceStateInput {
  /** null: the service does not exist. */
  serviceName: string | null;
  desired: number;
  /** Every task of the service (any desired state). */
  tasks: TaskDetails[];
  /** The published port's liveness probe; null when not probed (no task serves). */
  live: boolean | null;
  /** The key barrier at the published port; null when not probed. */
  barrier: BarrierView | null;
}

/**
 * The stack's state from the service's tasks and the probes. Fewer replicas serving than wanted
 * is never "healthy": "starting" while the missing ones are on their way, "unhealthy" (with the
 * reason Swarm gives) when they are held back or failing, though the ones that run still serve.
 */
export function serviceState(i: ServiceStateInput): { state: StackState; detail: string | null } {
  if (!i.serviceName) return { state: 'absent', detail: null };
  const serving = servingTasks(i.tasks);
  const coming = i.tasks.filter(onItsWay);
  const held = i.tasks.filter(heldBack);
  const reason = held[0]?.Status?.Err ?? i.tasks.find((t) => t.Status?.Err)?.Status?.Err;
  let detail = `Swarm service ${i.serviceName}: ${serving.length}/${i.desired} replicas running.`;
  if (i.desired === 0) return { state: 'stopped', detail };
  if (!serving.length) {
    if (coming.length) return { state: 'starting', detail: `${detail} ${coming.length} on the way.` };
    return { state: 'crashed', detail: reason ? `${detail} Last task error: ${reason}.` : detail };
  }
  if (i.live === false || i.live === null) {
    // A task Docker still calls "starting" is booting; one that runs and does not answer is not.
    const booting = serving.some((t) => t.Status?.State === 'starting');
    return { state: booting ? 'starting' : 'unhealthy', detail: `${detail} The gateway does not answer at its published port yet.` };
  }
  if (i.barrier && !i.barrier.ok) return { state: i.barrier.unsafe ? 'unsafe' : 'unhealthy', detail: `${detail} ${i.barrier.detail}.` };
  if (serving.length >= i.desired) return { state: 'healthy', detail };
  const missing = i.desired - serving.length;
  if (coming.length && !held.length) return { state: 'starting', detail: `${detail} Serving meanwhile; ${coming.length} more on the way.` };
  return {
    state: 'unhealthy',
    detail: `${detail} Serving, but ${missing} replica${missing === 1 ? '' : 's'} cannot run${reason ? `: ${reason}` : ''}.`,
  };
}

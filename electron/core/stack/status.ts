import type { PullProgress, StackState, StackStatus } from '../../../shared/api';
import type { StackPlan } from '../services/gateway-plan';
import { LABELS } from '../engine/labels';
import { repoDigest } from '../engine/pull';
import type { ContainerDetails, ImageDetails } from '../engine/types';
import type { ReadinessProgress } from '../services/health';

/** What Gatehouse remembers about a stack between runs (state.json, no secrets). */
export interface StackMarks {
  /** Container id the user stopped through Gatehouse: its exit is "stopped", not "crashed". */
  stoppedByUser?: string | null;
  /** Container id that failed the barrier and was stopped, with why. */
  unsafe?: { containerId: string; detail: string } | null;
  /** A swarm start left this stack's services deployed (a later container start scales them to 0 first). */
  swarmDeployed?: boolean;
}

/** What is happening right now in this process (an operation in progress). */
export interface Transient {
  state: Extract<StackState, 'pulling' | 'starting' | 'stopping'>;
  detail: string | null;
  pull: PullProgress | null;
  /** While a start waits on the gateway: the phase, since when, what is expected (detail is built from it). */
  waiting?: ReadinessProgress | null;
}

/**
 * The line shown while a start waits on the gateway, with the time waited so far; it says what is
 * expected before a check has run, never what reads like a result.
 */
export function waitingDetail(w: ReadinessProgress, now: number): string {
  const s = Math.max(0, Math.floor((now - w.since) / 1000));
  return w.phase === 'booting'
    ? `Waiting for the gateway — ${s} s (booting; expecting ${w.expecting})`
    : `Waiting for the gateway — ${s} s (checking keys; expecting ${w.expecting})`;
}

/**
 * A quick live check of a running gateway: liveness, then the barrier (no key 401, and the
 * keychain's key 200: 'key-refused' when the gateway refuses it).
 */
export type LiveProbe = 'healthy' | 'unsafe' | 'key-refused' | 'down' | null;

export interface StatusInput {
  plan: StackPlan;
  container: ContainerDetails | null;
  image: ImageDetails | null;
  marks: StackMarks;
  transient: Transient | null;
  probe: LiveProbe;
  now: number;
  /** Why Docker's health status lags behind Gatehouse's readiness on this engine, when it does. */
  healthcheckNote?: string | null;
  /** Fingerprint of the keychain's master key, to compare with the running container's (null: unknown). */
  keychainFingerprint?: string | null;
  /** Why the keychain's key could not be read (a locked or unavailable keychain), when it could not. */
  keychainProblem?: string | null;
}

const NEVER = '0001-01-01T00:00:00Z';

/** StackStatus from what Docker says, what Gatehouse remembers and what is going on (pure). */
export function describeStatus(input: StatusInput): StackStatus {
  const { plan, container: c, marks, transient, probe, now } = input;
  const base: StackStatus = {
    state: 'absent',
    stackName: plan.stackName,
    image: plan.image,
    imageDigest: repoDigest(input.image, plan.image),
    imageId: c?.Image ?? input.image?.Id ?? null,
    url: plan.url,
    bindAddress: plan.bindAddress,
    port: plan.port,
    containerId: c?.Id ?? null,
    startedAt: c && c.State.StartedAt && c.State.StartedAt !== NEVER ? c.State.StartedAt : null,
    uptimeMs: null,
    keyFingerprint: c?.Config.Labels?.[LABELS.keyFingerprint] ?? null,
    exitCode: null,
    detail: null,
    pull: null,
    database: null,
  };
  if (transient) {
    const w = transient.waiting;
    const waiting = w ? { phase: w.phase, since: new Date(w.since).toISOString(), expecting: w.expecting } : null;
    return { ...base, state: transient.state, detail: w ? waitingDetail(w, now) : transient.detail, pull: transient.pull, uptimeMs: uptime(base.startedAt, c, now), ...(waiting ? { waiting } : {}) };
  }
  if (!c) return { ...base, detail: 'No gateway container exists yet; start creates it.' };
  const st = c.State;
  if (marks.unsafe && marks.unsafe.containerId === c.Id && !st.Running) {
    return { ...base, state: 'unsafe', exitCode: st.ExitCode, detail: marks.unsafe.detail };
  }
  if (st.Restarting) {
    return { ...base, state: 'crashed', exitCode: st.ExitCode, detail: `The gateway exited with code ${st.ExitCode} and Docker is restarting it.` };
  }
  if (!st.Running) {
    const byUser = marks.stoppedByUser === c.Id;
    if (st.Status === 'created') return { ...base, state: 'stopped', detail: 'The gateway container exists but was never started.' };
    if (byUser || st.ExitCode === 0) {
      return { ...base, state: 'stopped', exitCode: st.ExitCode, detail: 'The gateway is stopped.' };
    }
    return {
      ...base,
      state: 'crashed',
      exitCode: st.ExitCode,
      detail: `The gateway exited on its own with code ${st.ExitCode}${st.OOMKilled ? ' (out of memory)' : ''}${st.Error ? `: ${st.Error}` : ''}.`,
    };
  }
  const running = { ...base, uptimeMs: uptime(base.startedAt, c, now) };
  const dockerHealth = st.Health?.Status;
  if (probe === 'unsafe') {
    return { ...running, state: 'unsafe', detail: 'The gateway answers without a key: anyone who can reach it can use it.' };
  }
  // A gateway started outside Gatehouse (docker start) after a rotation would accept a revoked key.
  const held = base.keyFingerprint;
  if ((held && input.keychainFingerprint && held !== input.keychainFingerprint) || probe === 'key-refused') {
    return {
      ...running,
      state: 'unsafe',
      detail: `The running gateway holds ${held ? `key ${held}` : 'another key'}, not the keychain's ${input.keychainFingerprint ?? 'key'}: it refuses the current key and may accept one that was rotated away. Restart it (gatehouse restart) to recreate it with the keychain's key.`,
    };
  }
  // Docker's "unhealthy" counts; its "starting" does not hold up readiness (Gatehouse's own probe decides).
  if (dockerHealth === 'unhealthy') return { ...running, state: 'unhealthy', detail: 'Docker\'s health check fails.' };
  if (probe === 'healthy') {
    const lagging = dockerHealth === 'starting' ? `Ready; Docker's own health check has not passed yet${input.healthcheckNote ? `: ${input.healthcheckNote}` : ''}.` : null;
    // A locked keychain is not "no key": say that what the gateway holds could not be checked.
    const unchecked = input.keychainProblem ? `${input.keychainProblem} Whether the gateway holds the keychain's key cannot be checked until it is unlocked.` : null;
    return { ...running, state: 'healthy', detail: [lagging, unchecked].filter(Boolean).join(' ') || null };
  }
  if (probe === 'down') {
    // A gateway that has just started is booting, not unhealthy, until the start timeout passes.
    if ((running.uptimeMs ?? 0) < plan.startTimeoutMs) return { ...running, state: 'starting', detail: 'The gateway is booting.' };
    return { ...running, state: 'unhealthy', detail: `The gateway does not answer on ${plan.url}.` };
  }
  return { ...running, state: dockerHealth === 'healthy' ? 'healthy' : 'starting', detail: null };
}

function uptime(startedAt: string | null, c: ContainerDetails | null, now: number): number | null {
  if (!startedAt || !c?.State.Running) return null;
  return Math.max(0, now - Date.parse(startedAt));
}

import { GatehouseError } from '../errors';
import { hostProbe, type GatewayProbe } from './gateway-probe';
import { tailLines, type ContainerHandle } from '../engine/container-logs';
import type { ContainerDetails } from '../engine/types';
import { wakeableSleep } from '../../../shared/sleep';
import { debugTiming } from '../debug-timing';

/** Fine polling: the rotation budget (downtime ÷ boot time) depends on noticing health quickly. */
export const HEALTH_POLL_MS = 50;
const PROBE_TIMEOUT_MS = 1500;

const LIVENESS_PATHS = ['/health/liveliness', '/health/liveness'];

export interface HealthWaitOptions {
  /** Base URL the host reaches the gateway at, e.g. http://127.0.0.1:4000 */
  url: string;
  masterKey: string;
  /** Values to redact from log lines quoted in errors. */
  secrets: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  pollMs?: number;
  /** How the probes travel (gatewayProbe); HTTP to `url` when absent. */
  probe?: GatewayProbe;
  /** Told when the wait enters a phase (and when it began), for the status line and the CLI. */
  onProgress?: (progress: ReadinessProgress) => void;
}

/**
 * What a start waits for, in order: the gateway answering its liveness endpoint ("booting"), then
 * the barrier ("barrier": no key 401, the key 200). Docker's own health status is not a phase: the
 * seed image's first check runs one 30 s interval after start, while LiteLLM answers in seconds.
 */
export type ReadinessPhase = 'booting' | 'barrier';

export interface ReadinessProgress {
  phase: ReadinessPhase;
  /** When the wait began (epoch ms): an elapsed-time counter counts from here. */
  since: number;
  /** What is expected before a check has run, in words ("/health/liveliness 200"). */
  expecting: string;
}

/**
 * uvicorn's lines when LiteLLM is about to listen ("Application startup complete.") and listens
 * ("Uvicorn running on http://0.0.0.0:4000"): seen in the log, they end the poll's wait at once.
 */
export const LISTENING_LINE = /Uvicorn running on |Application startup complete/;

/** Liveness answered by the gateway: liveliness first, liveness for gateways that only have that. */
export async function probeLiveness(target: string | GatewayProbe, signal?: AbortSignal): Promise<boolean> {
  const probe = typeof target === 'string' ? hostProbe(target) : target;
  for (const p of LIVENESS_PATHS) {
    try {
      const r = await probe.get(p, null, { timeoutMs: PROBE_TIMEOUT_MS, signal });
      if (r.status === 200) return true;
      if (r.status !== 404) return false;
    } catch {
      return false;
    }
  }
  return false;
}

export type BarrierResult = { ok: true } | { ok: false; unsafe: boolean; detail: string };

/**
 * The barrier: without a key the gateway must refuse (401), with the key it must serve (200).
 * An answer without a key is an open gateway; that is never "healthy".
 */
export async function checkBarrier(target: string | GatewayProbe, masterKey: string | null, signal?: AbortSignal): Promise<BarrierResult> {
  const probe = typeof target === 'string' ? hostProbe(target) : target;
  const url = probe.where;
  let anon;
  try {
    anon = await probe.get('/v1/models', null, { timeoutMs: PROBE_TIMEOUT_MS, signal });
  } catch (err) {
    return { ok: false, unsafe: false, detail: `GET /v1/models failed: ${(err as Error).message}` };
  }
  if (anon.status >= 200 && anon.status < 300) {
    return { ok: false, unsafe: true, detail: `the gateway answered GET /v1/models without a key (HTTP ${anon.status}), so anyone who can reach ${url} can use it` };
  }
  if (anon.status !== 401 && anon.status !== 403) {
    return { ok: false, unsafe: false, detail: `GET /v1/models without a key answered HTTP ${anon.status}, expected 401` };
  }
  if (masterKey === null) return { ok: true };
  try {
    const authed = await probe.get('/v1/models', masterKey, { timeoutMs: PROBE_TIMEOUT_MS, signal });
    if (authed.status === 200) return { ok: true };
    return { ok: false, unsafe: false, detail: `GET /v1/models with the keychain's key answered HTTP ${authed.status}, expected 200` };
  } catch (err) {
    return { ok: false, unsafe: false, detail: `GET /v1/models with the key failed: ${(err as Error).message}` };
  }
}

async function exitedError(container: ContainerHandle, info: ContainerDetails, secrets: string[]): Promise<GatehouseError> {
  const lines = await tailLines(container, 20, secrets);
  const code = info.State.ExitCode;
  const name = info.Name.replace(/^\//, '');
  const tail = lines.length ? `\nLast ${lines.length} log lines:\n${lines.map((l) => '  ' + l).join('\n')}` : '\n(The container wrote no log lines.)';
  return new GatehouseError(
    'CONTAINER_EXITED',
    `The gateway container ${name} exited with code ${code} while starting.${tail}`,
    'Read the log lines above: a wrong image, a bad setting in the extra environment or a broken config are the usual causes. Fix it and start again.',
  );
}

/**
 * The poll's sleep in a readiness wait, cut short by the gateway's log. `wake()` (a line says the
 * gateway listens) ends the current sleep and, called while a probe runs, also the next one: no line
 * is lost between two sleeps (uvicorn's "startup complete" comes just before it binds the port,
 * "Uvicorn running on" just after). `interrupt()` only ends a sleep under way.
 */
export class ReadinessNap {
  private heard = false;
  private current: (() => void) | null = null;

  wake(): void {
    this.heard = true;
    this.interrupt();
  }

  interrupt(): void {
    this.current?.();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.heard) {
      const nap = wakeableSleep(ms, signal);
      this.current = nap.wake;
      try {
        await nap.done;
      } finally {
        this.current = null;
      }
    }
    this.heard = false;
  }
}

/**
 * Follows the container's log from now on and calls `onListening` for each line that says the
 * gateway listens, and `onEnd` when Docker ends the stream (the container stopped). A log that
 * cannot be followed only costs the shortcut: the timed poll still runs.
 */
export function watchLog(container: ContainerHandle, onListening: () => void, onEnd: () => void): () => void {
  let closed = false;
  let stream: { destroy(): void } | null = null;
  let tail = '';
  container.engine
    .containerLogs(container.id, { stdout: true, stderr: true, follow: true, since: Math.floor(Date.now() / 1000) - 1 })
    .then((s) => {
      if (Buffer.isBuffer(s)) return; // not a follow stream: nothing to watch
      if (closed) return s.destroy();
      stream = s;
      s.on('data', (chunk: Buffer | string) => {
        // Frame headers and split lines do not matter for a substring test over the seam.
        const text = tail + chunk.toString();
        // The seam keeps the last 64 characters; once a line has matched, only what follows it
        // is kept, or the same line would match again with every later chunk.
        const at = text.search(LISTENING_LINE);
        if (at !== -1) onListening();
        tail = (at === -1 ? text : text.slice(at + 1)).slice(-64);
      });
      s.on('end', () => !closed && onEnd());
      s.on('error', () => undefined);
    })
    .catch(() => undefined);
  return () => {
    closed = true;
    stream?.destroy();
  };
}

/**
 * Waits until the started container answers and the barrier holds for `masterKey`: Gatehouse's
 * own readiness, always. Liveness (/health/liveliness, else /health/liveness) is probed every
 * `pollMs` and at once when the log says the gateway listens; then the barrier (no key 401, key
 * 200). Docker's HEALTHCHECK status is never waited for (the seed image's first check runs 30 s
 * after start); the container is inspected at the start, when its log ends and once a second, to
 * notice an exit or a restart. Fails with CONTAINER_EXITED (exit code + last 20 log lines),
 * GATEWAY_UNSAFE (answers without a key), HEALTH_TIMEOUT, or CANCELLED when `signal` fires.
 */
export async function waitHealthy(container: ContainerHandle, opts: HealthWaitOptions): Promise<void> {
  const since = Date.now();
  const deadline = since + opts.timeoutMs;
  const poll = opts.pollMs ?? HEALTH_POLL_MS;
  let first: ContainerDetails | null = null;
  let lastInspect = 0;
  let lastProblem = 'the gateway has not answered yet';
  let phase: ReadinessPhase | null = null;
  const timing = debugTiming();
  const enter = (next: ReadinessPhase, expecting: string) => {
    if (phase === next) return;
    phase = next;
    timing.mark(`readiness: ${next}`);
    opts.onProgress?.({ phase: next, since, expecting });
  };
  // The poll's sleep is cut short when the log says "listening" or ends (an exit).
  const nap = new ReadinessNap();
  let logEnded = false;
  const stopWatching = watchLog(
    container,
    () => {
      timing.mark('readiness: the log says listening');
      nap.wake();
    },
    () => {
      logEnded = true;
      nap.interrupt();
    },
  );
  const exitedCheck = async (): Promise<void> => {
    const info = await container.inspect(opts.signal);
    lastInspect = Date.now();
    first ??= info;
    // unless-stopped restarts a dying gateway at once: a restart during start is an exit too.
    if (!info.State.Running || info.State.Restarting || info.RestartCount > first.RestartCount || info.State.StartedAt !== first.State.StartedAt) {
      throw await exitedError(container, info, opts.secrets);
    }
    // Still running after its log ended (Docker closed the stream): the timed inspect takes over.
    logEnded = false;
  };
  try {
    enter('booting', '/health/liveliness 200');
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const needInspect = first === null || logEnded || Date.now() - lastInspect >= 1000;
      const [alive] = await Promise.all([probeLiveness(opts.probe ?? opts.url, opts.signal), needInspect ? exitedCheck() : Promise.resolve()]);
      if (alive) {
        enter('barrier', 'no key 401, key 200');
        const barrier = await checkBarrier(opts.probe ?? opts.url, opts.masterKey, opts.signal);
        if (barrier.ok) {
          timing.mark('readiness: barrier holds');
          return;
        }
        if (barrier.unsafe) {
          throw new GatehouseError(
            'GATEWAY_UNSAFE',
            `The gateway is unsafe: ${barrier.detail}. Gatehouse stopped it.`,
            'Use an image that enforces LITELLM_MASTER_KEY (remove any setting that disables auth), then start again.',
          );
        }
        lastProblem = barrier.detail;
      } else {
        lastProblem = `${opts.url}/health/liveliness did not answer 200`;
      }
      if (Date.now() >= deadline) {
        throw new GatehouseError(
          'HEALTH_TIMEOUT',
          `The gateway did not become healthy within ${Math.round(opts.timeoutMs / 1000)} s: ${lastProblem}.`,
          'Look at the gateway logs (gatehouse logs) for what it is waiting on; on a slow machine raise "startTimeoutSeconds" in the settings.',
        );
      }
      if (logEnded) continue; // inspect now: the container stopped
      await nap.sleep(Math.min(poll, Math.max(0, deadline - Date.now())), opts.signal);
    }
  } finally {
    stopWatching();
  }
}

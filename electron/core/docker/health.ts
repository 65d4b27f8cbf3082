import type Docker from 'dockerode';
import { GatehouseError } from '../errors';
import { httpGet } from './http-probe';
import { tailLines } from './container-logs';

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
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Liveness answered by the gateway: liveliness first, liveness for gateways that only have that. */
export async function probeLiveness(url: string, signal?: AbortSignal): Promise<boolean> {
  for (const p of LIVENESS_PATHS) {
    try {
      const r = await httpGet(url + p, { timeoutMs: PROBE_TIMEOUT_MS, signal });
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
export async function checkBarrier(url: string, masterKey: string | null, signal?: AbortSignal): Promise<BarrierResult> {
  let anon;
  try {
    anon = await httpGet(url + '/v1/models', { timeoutMs: PROBE_TIMEOUT_MS, signal });
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
    const authed = await httpGet(url + '/v1/models', { timeoutMs: PROBE_TIMEOUT_MS, signal, headers: { authorization: `Bearer ${masterKey}` } });
    if (authed.status === 200) return { ok: true };
    return { ok: false, unsafe: false, detail: `GET /v1/models with the keychain's key answered HTTP ${authed.status}, expected 200` };
  } catch (err) {
    return { ok: false, unsafe: false, detail: `GET /v1/models with the key failed: ${(err as Error).message}` };
  }
}

async function exitedError(container: Docker.Container, info: Docker.ContainerInspectInfo, secrets: string[]): Promise<GatehouseError> {
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
 * Waits until the started container is healthy and the barrier holds for `masterKey`.
 * Health is Docker's own HEALTHCHECK status when the image has one, else the liveness endpoint.
 * Fails with CONTAINER_EXITED (exit code + last 20 log lines), GATEWAY_UNSAFE (answers without
 * a key), HEALTH_TIMEOUT, or CANCELLED when `signal` fires.
 */
export async function waitHealthy(container: Docker.Container, opts: HealthWaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const poll = opts.pollMs ?? HEALTH_POLL_MS;
  let first: Docker.ContainerInspectInfo | null = null;
  let lastProblem = 'the gateway has not answered yet';
  // Known after the first inspect; without a HEALTHCHECK the liveness probe then runs alongside
  // each inspect rather than after it, so a poll costs one round trip, as a bare probe loop does.
  let imageHealthcheck: boolean | null = null;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const early = imageHealthcheck === false ? probeLiveness(opts.url, opts.signal) : null;
    const info = await container.inspect({ abortSignal: opts.signal } as object);
    first ??= info;
    // unless-stopped restarts a dying gateway at once: a restart during start is an exit too.
    if (!info.State.Running || info.State.Restarting || info.RestartCount > first.RestartCount || info.State.StartedAt !== first.State.StartedAt) {
      await early;
      throw await exitedError(container, info, opts.secrets);
    }
    const dockerHealth = info.State.Health?.Status;
    imageHealthcheck = dockerHealth !== undefined && dockerHealth !== 'none';
    let alive: boolean;
    if (imageHealthcheck) {
      alive = dockerHealth === 'healthy';
      if (!alive) {
        const log = info.State.Health?.Log?.at(-1);
        lastProblem = `Docker's health check says "${dockerHealth}"${log ? ` (last check exit ${log.ExitCode})` : ''}`;
      }
    } else {
      alive = await (early ?? probeLiveness(opts.url, opts.signal));
      if (!alive) lastProblem = `${opts.url}/health/liveliness did not answer 200`;
    }
    if (alive) {
      const barrier = await checkBarrier(opts.url, opts.masterKey, opts.signal);
      if (barrier.ok) return;
      if (barrier.unsafe) {
        throw new GatehouseError(
          'GATEWAY_UNSAFE',
          `The gateway is unsafe: ${barrier.detail}. Gatehouse stopped it.`,
          'Use an image that enforces LITELLM_MASTER_KEY (remove any setting that disables auth), then start again.',
        );
      }
      lastProblem = barrier.detail;
    }
    if (Date.now() >= deadline) {
      throw new GatehouseError(
        'HEALTH_TIMEOUT',
        `The gateway did not become healthy within ${Math.round(opts.timeoutMs / 1000)} s: ${lastProblem}.`,
        'Look at the gateway logs (gatehouse logs) for what it is waiting on; on a slow machine raise "startTimeoutSeconds" in the settings.',
      );
    }
    await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), opts.signal);
  }
}

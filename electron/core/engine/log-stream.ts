import { GatehouseError, cancelled, isGatehouseError } from '../errors';
import { connectionError, engineStatus } from './connection';
import { findByRole } from './find-by-role';
import { containerNameFor } from './labels';
import { createLineDecoder, toDockerSince, type RawLine } from './log-format';
import type { ContainerDetails, DockerEngine, EngineStream, LogQuery } from './types';

// The log format is imported from here by the log pipeline and its tests.
export * from './log-format';

export interface GatewayContainer {
  id: string;
  name: string;
  running: boolean;
  tty: boolean;
  startedAt: string | null;
  exitCode: number | null;
}

/** The stack's gateway container (the one rule of find-by-role.ts); null when there is none. */
export async function findGatewayContainer(engine: DockerEngine, stack: string, signal?: AbortSignal): Promise<GatewayContainer | null> {
  const info = await findByRole(engine, { stackName: stack, role: 'gateway', plannedName: containerNameFor(stack, 'gateway') }, signal);
  return info ? gatewayContainerOf(info) : null;
}

/** What the log engine needs of a gateway container, from its inspect record. */
export function gatewayContainerOf(info: ContainerDetails): GatewayContainer {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    running: info.State.Running,
    tty: Boolean(info.Config.Tty),
    startedAt: info.State.StartedAt && !info.State.StartedAt.startsWith('0001') ? info.State.StartedAt : null,
    exitCode: info.State.Running ? null : info.State.ExitCode,
  };
}

export interface LogStreamOptions {
  tty: boolean;
  follow: boolean;
  /** A normalized time: only lines from then on (Docker's `since`, inclusive). */
  since?: string | null;
  /** Only the last N lines (Docker's `tail`). */
  tail?: number;
  signal?: AbortSignal;
}

/**
 * Streams a container's logs with timestamps, stdout and stderr apart, until the stream ends
 * (the container stopped, or `follow` is off and everything was read) or the signal aborts.
 * Resolves on a normal end; rejects with CANCELLED on abort, DOCKER_UNREACHABLE when the
 * engine goes away, NOT_FOUND when the container is gone.
 */
export async function streamContainerLogs(
  engine: DockerEngine,
  containerId: string,
  options: LogStreamOptions,
  onLine: (line: RawLine) => void,
): Promise<void> {
  const env = engine.env;
  const { signal } = options;
  if (signal?.aborted) throw cancelled('Following the gateway logs');
  // Streamed also when not following: a long log is split and parsed while Docker still sends it.
  const query: LogQuery = { stdout: true, stderr: true, timestamps: true, follow: options.follow, stream: true };
  if (options.since) query.since = toDockerSince(options.since);
  if (options.tail !== undefined) query.tail = options.tail;
  let res: Buffer | EngineStream;
  try {
    // A Buffer instead of a stream when follow is false.
    res = await engine.containerLogs(containerId, query, { signal });
  } catch (err) {
    throw logError(err, containerSubject(containerId), signal, env);
  }
  await pumpLog(res, createLineDecoder(options.tty, onLine), signal, (err) => logError(err, containerSubject(containerId), signal, env));
}

/**
 * Feeds one log answer to a line decoder: a whole Buffer at once, a stream until it ends (or the
 * signal aborts: CANCELLED). A stream that breaks rejects with `mapError(err)`.
 */
export async function pumpLog(res: Buffer | EngineStream, dec: { push(chunk: Buffer): void; end(): void }, signal: AbortSignal | undefined, mapError: (err: unknown) => unknown): Promise<void> {
  if (Buffer.isBuffer(res)) {
    dec.push(res);
    dec.end();
    return;
  }
  const stream = res;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stream.destroy();
      finish(cancelled('Following the gateway logs'));
    };
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else {
        dec.end();
        resolve();
      }
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      try {
        dec.push(chunk);
      } catch (err) {
        finish(err);
      }
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err) => finish(mapError(err)));
  });
}

function containerSubject(containerId: string): LogSubject {
  return { gone: `The gateway container ${containerId.slice(0, 12)}`, name: `container ${containerId.slice(0, 12)}`, check: '`docker logs` on the container' };
}

/** What a log stream reads, as its errors name it. */
export interface LogSubject {
  /** As a 404 names it: "The gateway container 0123456789ab". */
  gone: string;
  /** After "Reading the logs of": "container 0123456789ab". */
  name: string;
  /** The docker command to try by hand. */
  check: string;
}

/** A log read's failure as one GatehouseError: cancelled, gone (404), a connection fault, or Docker's own words. */
export function logError(err: unknown, subject: LogSubject, signal: AbortSignal | undefined, env: NodeJS.ProcessEnv): GatehouseError {
  if (signal?.aborted || (err as Error)?.name === 'AbortError' || isGatehouseError(err, 'CANCELLED')) return cancelled('Following the gateway logs');
  if (engineStatus(err) === 404) {
    return new GatehouseError('NOT_FOUND', `${subject.gone} no longer exists.`, 'Start the gateway again (`gatehouse start`).', { cause: err });
  }
  // Connection faults are mapped by the engine (the call) or here (a stream that broke).
  if (err instanceof GatehouseError && err.code !== 'INTERNAL') return err;
  const conn = connectionError(err, env);
  if (conn) return conn;
  const raw = err instanceof GatehouseError && err.cause ? err.cause : err;
  return new GatehouseError(
    'INTERNAL',
    `Reading the logs of ${subject.name} failed: ${(raw as Error)?.message ?? String(raw)}.`,
    `Check that Docker is healthy (${subject.check}), then try again.`,
    { cause: err },
  );
}

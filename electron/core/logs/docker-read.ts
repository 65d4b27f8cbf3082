import type { LogEntry } from '../../../shared/api';
import type { SecretStore } from '../secrets/secret-store';
import { findGatewayContainer, gatewayContainerOf, streamContainerLogs, type GatewayContainer } from '../engine/log-stream';
import type { DockerEngine } from '../engine/types';
import { LogPipeline } from './pipeline';
import { readKnownSecrets } from './redactor';

/**
 * Reads from Docker outside the engine's buffer: the newest lines of the gateway's current
 * container, and a container's identity from its inspect record.
 */

/**
 * The newest `lines` lines of the stack's gateway container through the same parse and redaction
 * as every other line, handed to `onEntry` and not kept. `lines` undefined reads them all. Null
 * when the stack has no gateway container.
 */
export async function readGatewayTail(
  engine: DockerEngine,
  secrets: SecretStore,
  stack: string,
  lines: number | undefined,
  onEntry: (e: LogEntry) => void,
  signal?: AbortSignal,
): Promise<GatewayContainer | null> {
  const container = await findGatewayContainer(engine, stack, signal);
  if (!container) return null;
  const p = new LogPipeline(1000, { entry: (e) => onEntry(e), freshGroup: () => undefined, redacted: () => undefined });
  p.redactor.setSecrets(await readKnownSecrets(secrets));
  p.setContainer(container.id);
  await streamContainerLogs(engine, container.id, { tty: container.tty, follow: false, ...(lines !== undefined ? { tail: lines } : {}), ...(signal ? { signal } : {}) }, (l) => p.ingest(l));
  p.flush();
  return container;
}

/** A container by id (running or not) as the log engine follows it; null when it is gone. */
export async function inspectGatewayContainer(engine: DockerEngine, containerId: string, signal?: AbortSignal): Promise<GatewayContainer | null> {
  const info = await engine.inspectContainer(containerId, { signal, action: 'inspect the old gateway container' });
  return info ? gatewayContainerOf(info) : null;
}

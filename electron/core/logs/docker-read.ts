import type { LogEntry } from '../../../shared/api';
import type { SecretStore } from '../secrets/secret-store';
import { findGatewayContainer, gatewayContainerOf, streamContainerLogs, type GatewayContainer } from '../engine/log-stream';
import type { DockerEngine } from '../engine/types';
import type { SwarmServiceSource } from '../swarm/service-logs';
import { LogPipeline } from './pipeline';
import { readKnownSecrets } from './redactor';
import { readServiceLogOnce } from './service-follower';

/** What a read straight from Docker read: an id, and words for a note ("the current gateway container …"). */
export interface LogSourceRead {
  id: string;
  description: string;
}

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
): Promise<LogSourceRead | null> {
  const container = await findGatewayContainer(engine, stack, signal);
  if (!container) return null;
  const p = new LogPipeline(1000, { entry: (e) => onEntry(e), freshGroup: () => undefined, redacted: () => undefined });
  p.redactor.setSecrets(await readKnownSecrets(secrets));
  p.setContainer(container.id);
  await streamContainerLogs(engine, container.id, { tty: container.tty, follow: false, ...(lines !== undefined ? { tail: lines } : {}), ...(signal ? { signal } : {}) }, (l) => p.ingest(l));
  p.flush();
  return { id: container.id, description: `the current gateway container ${container.id.slice(0, 12)} (lines of earlier containers are not included)` };
}

/**
 * Swarm mode's readGatewayTail: the newest `lines` lines of the gateway service, over every task
 * Docker still keeps (Docker's `tail` counts per task, so each task's last `lines` are read and
 * the newest `lines` of them all kept, in time order), each entry naming its task. Null when
 * the stack has no gateway service.
 */
export async function readServiceTail(
  engine: DockerEngine,
  swarm: SwarmServiceSource,
  secrets: SecretStore,
  lines: number | undefined,
  onEntry: (e: LogEntry) => void,
  signal?: AbortSignal,
): Promise<LogSourceRead | null> {
  const service = await swarm.find(signal);
  if (!service) return null;
  const tasks = await swarm.tasks(service.ID, signal);
  const entries: LogEntry[] = [];
  const p = new LogPipeline(1000, { entry: (e) => entries.push(e), freshGroup: () => undefined, redacted: () => undefined });
  p.redactor.setSecrets(await readKnownSecrets(secrets));
  await readServiceLogOnce(engine, swarm, service, tasks, { since: null, ...(lines !== undefined ? { tail: lines } : {}), ...(signal ? { signal } : {}) }, (l, task) => {
    if (p.sourceKey !== task.name) p.setContainer(task.containerId, task.name);
    p.ingest(l);
  });
  p.flush();
  // Stable: lines of one task with the same time keep their order.
  entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  for (const e of lines === undefined ? entries : entries.slice(-lines)) onEntry(e);
  const name = service.Spec.Name ?? service.ID;
  return { id: service.ID, description: `the tasks of the gateway service ${name} that Docker still keeps (${tasks.length})` };
}

/** A container by id (running or not) as the log engine follows it; null when it is gone. */
export async function inspectGatewayContainer(engine: DockerEngine, containerId: string, signal?: AbortSignal): Promise<GatewayContainer | null> {
  const info = await engine.inspectContainer(containerId, { signal, action: 'inspect the old gateway container' });
  return info ? gatewayContainerOf(info) : null;
}

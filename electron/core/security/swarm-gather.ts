import type { ContainerDetails, DockerEngine, ServiceDetails, TaskDetails } from '../engine/types';
import { LABELS } from '../engine/labels';
import { GATEWAY_PORT } from '../services/gateway-plan';
import { serviceNameFor } from '../swarm/gateway-service';
import { swarmEngine } from '../swarm/membership';
import { streamServiceLogs, taskName, type SwarmServiceSource } from '../swarm/service-logs';
import { currentTasks, desiredReplicas, servingTasks } from '../swarm/task-states';
import type { SwarmFacts, SwarmSecretHit } from './facts';
import { inspectedGatewayOf, type InspectedGateway } from './gateway-inspect';
import { LOG_SCAN_LINES, countSecretLines } from './log-scan';
import type { SecretToFind } from './plaintext-scan';

/** One place of a spec or inspect record and the strings in it. */
interface Place {
  place: string;
  text: string;
}

/** Values shorter than this would match ordinary words (the disk and log scans use the same floor). */
const MIN_SECRET_CHARS = 8;

function envPlaces(prefix: string, env: string[] | null | undefined): Place[] {
  return (env ?? []).map((e) => ({ place: `${prefix} ${e.includes('=') ? e.slice(0, e.indexOf('=')) : e}`, text: e }));
}

function listPlaces(prefix: string, list: string[] | string | null | undefined): Place[] {
  const items = typeof list === 'string' ? [list] : (list ?? []);
  return items.map((v, i) => ({ place: `${prefix}[${i}]`, text: v }));
}

function labelPlaces(prefix: string, labels: Record<string, string> | null | undefined): Place[] {
  return Object.entries(labels ?? {}).map(([k, v]) => ({ place: `${prefix}["${k}"]`, text: `${k}=${v}` }));
}

/**
 * Where the secrets occur among `places`, and anywhere else in `whole` (its JSON) as "<prefix>
 * elsewhere in <what>". Names places, never values; a secret found in a named place is not
 * reported again as "elsewhere".
 */
export function findSecrets(prefix: string, places: Place[], whole: unknown, what: string, secrets: SecretToFind[]): SwarmSecretHit[] {
  const wanted = secrets.filter((s) => s.value.length >= MIN_SECRET_CHARS);
  const hits: SwarmSecretHit[] = [];
  for (const s of wanted) {
    const named = places.filter((p) => p.text.includes(s.value) || (s.kind === 'database-password' && p.text.includes(encodeURIComponent(s.value))));
    for (const p of named) hits.push({ place: `${prefix}${p.place}`, kind: s.kind });
    // JSON escapes quotes and backslashes: look for the value as JSON writes it.
    if (!named.length && JSON.stringify(whole ?? null).includes(JSON.stringify(s.value).slice(1, -1))) hits.push({ place: `${prefix}elsewhere in ${what}`, kind: s.kind });
  }
  return hits;
}

interface SpecView {
  Labels?: Record<string, string>;
  TaskTemplate?: { ContainerSpec?: { Env?: string[]; Args?: string[]; Command?: string[]; Labels?: Record<string, string>; Secrets?: { SecretName?: string; File?: { Name?: string } }[] } };
  EndpointSpec?: { Ports?: { TargetPort?: number; PublishMode?: string }[] };
}

/** The service spec's places: its labels, and the ContainerSpec's Env, Args, Command and labels. */
export function specPlaces(spec: SpecView | undefined): Place[] {
  const cs = spec?.TaskTemplate?.ContainerSpec;
  return [
    ...labelPlaces('Labels', spec?.Labels),
    ...envPlaces('ContainerSpec.Env', cs?.Env),
    ...listPlaces('ContainerSpec.Args', cs?.Args),
    ...listPlaces('ContainerSpec.Command', cs?.Command),
    ...labelPlaces('ContainerSpec.Labels', cs?.Labels),
  ];
}

/** A task container's places as `docker inspect` shows them: Config.Env, Cmd, Entrypoint and Labels. */
export function containerPlaces(info: ContainerDetails): Place[] {
  const c = info.Config;
  return [
    ...envPlaces('Config.Env', c?.Env),
    ...listPlaces('Config.Cmd', c?.Cmd as string[] | string | undefined),
    ...listPlaces('Config.Entrypoint', c?.Entrypoint as string[] | string | undefined),
    ...labelPlaces('Config.Labels', c?.Labels),
  ];
}

/** The key fingerprint of the Swarm secret delivering LITELLM_MASTER_KEY: its label, else the one its name carries. */
function secretFingerprint(name: string, label: string | undefined): string | null {
  if (label) return label;
  const m = /_([0-9a-f]{12})$/.exec(name);
  return m ? `sha256:${m[1]}` : null;
}

/** Swarm facts before (or without) a look at the service: none found. */
export function noServiceFacts(settings: { stackName: string; bindAddress: string }): SwarmFacts {
  return {
    service: serviceNameFor(settings.stackName),
    exists: false,
    replicas: { running: 0, desired: 0 },
    labelKeyFingerprint: null,
    keySecret: null,
    secretHits: [],
    looked: { spec: [], containers: [], services: [] },
    notInspected: [],
    publishMode: null,
    bindAddressSetting: settings.bindAddress,
  };
}

export interface SwarmGathered {
  facts: SwarmFacts;
  /** A running task's container on this engine's node (for the checks a container answers), or null. */
  gateway: InspectedGateway | null;
  service: ServiceDetails | null;
  /** Tasks meant to run now (their logs are the gateway's current output). */
  currentTaskIds: string[];
}

/**
 * Swarm mode's facts: the gateway service's spec (and the previous spec Docker keeps for a
 * rollback) and every task container this engine can inspect, searched for the keychain's
 * secrets; the Swarm secret that delivers the key; replicas and publishing. Secrets stay here.
 */
export async function gatherSwarm(engine: DockerEngine, source: SwarmServiceSource, settings: { stackName: string; bindAddress: string }, secrets: SecretToFind[]): Promise<SwarmGathered> {
  const name = serviceNameFor(settings.stackName);
  const facts = noServiceFacts(settings);
  const service = await source.find();
  if (!service) return { facts, gateway: null, service: null, currentTaskIds: [] };
  const spec = service.Spec as unknown as SpecView;
  const cs = spec.TaskTemplate?.ContainerSpec;
  facts.exists = true;
  facts.labelKeyFingerprint = service.Spec.Labels?.[LABELS.keyFingerprint] ?? null;
  facts.publishMode = spec.EndpointSpec?.Ports?.find((p) => p.TargetPort === GATEWAY_PORT)?.PublishMode ?? null;
  facts.looked.spec = [...new Set(specPlaces(spec).map((p) => p.place.replace(/\[.*$| .*$/, '')))];
  const keyRef = cs?.Secrets?.find((s) => s.File?.Name === 'LITELLM_MASTER_KEY');
  if (keyRef?.SecretName) {
    const listed = await swarmEngine(engine).listSecrets({ name: [keyRef.SecretName] }).catch(() => []);
    const label = listed.find((s) => s.Spec.Name === keyRef.SecretName)?.Spec.Labels?.[LABELS.keyFingerprint];
    facts.keySecret = { name: keyRef.SecretName, fingerprint: secretFingerprint(keyRef.SecretName, label) };
  }
  const tasks = await source.tasks(service.ID);
  facts.replicas = { running: servingTasks(tasks).length, desired: desiredReplicas(service.Spec) };
  const gateway = await searchService(engine, service, tasks, secrets, facts);
  // The stack's other services (the database) must not hold a keychain secret in a spec or container either.
  const all = await swarmEngine(engine).listServices({ label: [`${LABELS.stack}=${settings.stackName}`] });
  for (const other of all.filter((o) => o.ID !== service.ID && o.Spec.Labels?.[LABELS.stack] === settings.stackName)) {
    facts.looked.services.push(other.Spec.Name ?? other.ID);
    await searchService(engine, other, await swarmEngine(engine).listTasks({ service: [other.ID] }), secrets, facts);
  }
  const current = currentTasks(tasks);
  return { facts, gateway, service, currentTaskIds: current.map((t: TaskDetails) => t.ID) };
}

/**
 * Searches a service's spec, the previous spec Docker keeps for `service rollback` (a key once
 * planted stays there) and every task container this engine can inspect; returns the first
 * running task's container as the checks see it.
 */
async function searchService(engine: DockerEngine, service: ServiceDetails, tasks: TaskDetails[], secrets: SecretToFind[], facts: SwarmFacts): Promise<InspectedGateway | null> {
  const name = service.Spec.Name ?? service.ID;
  const spec = service.Spec as unknown as SpecView;
  facts.secretHits.push(...findSecrets(`service ${name}: `, specPlaces(spec), service.Spec, 'its spec', secrets));
  const previous = (service as { PreviousSpec?: SpecView }).PreviousSpec;
  if (previous) facts.secretHits.push(...findSecrets(`service ${name}: PreviousSpec.`, specPlaces(previous), previous, 'its previous spec', secrets));
  let running: InspectedGateway | null = null;
  for (const t of tasks) {
    const id = t.Status?.ContainerStatus?.ContainerID;
    const label = taskName(name, t.ID, t.Slot);
    const info = id ? await engine.inspectContainer(id) : null;
    if (!info) {
      // A task meant to run whose container this engine does not have runs on another node.
      if (t.DesiredState === 'running' && id) facts.notInspected.push(label);
      continue;
    }
    facts.looked.containers.push(info.Id.slice(0, 12));
    facts.secretHits.push(...findSecrets(`task ${label} (container ${info.Id.slice(0, 12)}): `, containerPlaces(info), info, 'its docker inspect', secrets));
    if (!running && t.DesiredState === 'running' && info.State.Running) running = await inspectedGatewayOf(engine, info);
  }
  return running;
}

/**
 * The service's log (every task's last LOG_SCAN_LINES lines) scanned for secrets; only lines of
 * the tasks meant to run now count (a replaced task's output is history, as a restarted
 * container's earlier run is in container mode).
 */
export async function scanServiceLogs(engine: DockerEngine, service: ServiceDetails, currentTaskIds: string[], secrets: string[]): Promise<{ secretLines: number; scannedLines: number }> {
  const current = new Set(currentTaskIds);
  const lines: string[] = [];
  await streamServiceLogs(engine, service, { follow: false, tail: LOG_SCAN_LINES }, (l) => {
    if (l.taskId !== null && current.has(l.taskId)) lines.push(l.text);
  });
  return { secretLines: countSecretLines(lines, secrets), scannedLines: lines.length };
}

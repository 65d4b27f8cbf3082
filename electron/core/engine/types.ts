import type Docker from 'dockerode';
import type { PullProgress, SwarmMembership } from '../../../shared/api';
import type { DockerEndpoint } from './connection';

/**
 * The shapes Docker answers with, named once here so that nothing outside the engine imports
 * dockerode (even for types): the engine can then be swapped or faked without touching callers.
 */
export type ContainerSummary = Docker.ContainerInfo;
export type ContainerDetails = Docker.ContainerInspectInfo;
export type ImageDetails = Docker.ImageInspectInfo;
export type ContainerCreateSpec = Docker.ContainerCreateOptions;
export type RestartPolicy = { Name: string; MaximumRetryCount?: number };

export interface NetworkDetails {
  Name?: string;
  /** "bridge", "overlay", … */
  Driver?: string;
  Labels?: Record<string, string> | null;
  Containers?: Record<string, unknown> | null;
}

export interface VolumeDetails {
  Name: string;
  Labels?: Record<string, string> | null;
}

export interface NetworkCreateSpec {
  Name: string;
  Driver: string;
  Labels: Record<string, string>;
  /** Overlay networks: plain containers (helpers, probes) may join it as well as services' tasks. */
  Attachable?: boolean;
}

export interface VolumeCreateSpec {
  Name: string;
  Labels: Record<string, string>;
}

/** Docker's filter syntax (`label=k=v`, `name=…`, `type=container`, `event=die`, …). */
export type EngineFilters = Record<string, string[]>;

/** Output and exit code of a command run inside a container (null: it did not finish, or could not run). */
export interface ExecResult {
  exitCode: number | null;
  output: string;
}

export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  timestamps?: boolean;
  follow: boolean;
  since?: string | number;
  tail?: number;
  /** A stream even when not following, so that a long log is processed while it arrives. */
  stream?: boolean;
}

/** A service's log (`GET /services/{id}/logs`): the container log's query plus `details`. */
export interface ServiceLogQuery extends LogQuery {
  details?: boolean;
}

/** A stream Docker keeps open (events, followed logs); `destroy` ends it. */
export type EngineStream = NodeJS.ReadableStream & { destroy(): void };

/**
 * Per call: the signal that cancels it, and what the call is for in words ("stop the gateway
 * container"), used in the message when Docker refuses it.
 */
export interface CallOptions {
  signal?: AbortSignal;
  action?: string;
}

/**
 * The one Docker adapter of a core (see engine/dockerode-engine.ts; tests use an in-memory fake
 * with the same behaviour on the points Gatehouse relies on). Every failure arrives as a
 * GatehouseError: connection faults as DOCKER_UNREACHABLE / DOCKER_PERMISSION naming the
 * endpoint, an aborted call as CANCELLED, any other refusal as INTERNAL with Docker's words;
 * `engineStatus(err)` tells the HTTP status behind it. Answers that are not faults are not
 * thrown: a container already started or stopped (304), an object already gone (404) for
 * inspect / stop / remove, a network that exists already (409) for create.
 */
export interface DockerEngine {
  /** The environment the engine was built from (DOCKER_HOST and friends). */
  readonly env: NodeJS.ProcessEnv;
  endpoint(): DockerEndpoint;
  /** Whether the engine answers; DOCKER_UNREACHABLE after `timeoutMs` of silence. */
  ping(signal?: AbortSignal, timeoutMs?: number): Promise<void>;
  /** The Engine API version the daemon speaks ("1.41"), asked once per engine object. */
  apiVersion(options?: CallOptions): Promise<string>;

  listContainers(filters: EngineFilters, options?: CallOptions): Promise<ContainerSummary[]>;
  /** null when no such container exists. */
  inspectContainer(id: string, options?: CallOptions): Promise<ContainerDetails | null>;
  /** Creates (does not start) a container; returns its id. */
  createContainer(spec: ContainerCreateSpec, options?: CallOptions): Promise<string>;
  /** Starts it; one already running is fine. */
  startContainer(id: string, options?: CallOptions): Promise<void>;
  /** SIGTERM, SIGKILL after `timeoutS`; one already stopped or gone is fine. */
  stopContainer(id: string, timeoutS: number, options?: CallOptions): Promise<void>;
  /** Removes it (force, never its volumes); one already gone, or being removed, is fine. */
  removeContainer(id: string, options?: CallOptions): Promise<void>;
  renameContainer(id: string, name: string, options?: CallOptions): Promise<void>;
  setRestartPolicy(id: string, policy: RestartPolicy, options?: CallOptions): Promise<void>;
  /** The raw log: a Buffer when not following, a stream when following. */
  containerLogs(id: string, query: LogQuery, options?: CallOptions): Promise<Buffer | EngineStream>;
  /** Runs a command inside a running container, with a hard timeout; stdout and stderr together. */
  exec(id: string, cmd: string[], env: string[], options?: CallOptions & { timeoutMs?: number }): Promise<ExecResult>;
  /** Size of a file in a (created, not necessarily started) container; null when it does not exist. */
  statPath(id: string, path: string, options?: CallOptions): Promise<{ size: number } | null>;
  /** Extracts a tar archive (from memory) at `path` in a created container, into its volumes too. */
  putArchive(id: string, path: string, archive: Buffer, options?: CallOptions): Promise<void>;

  /** null when the image is not on this machine. */
  inspectImage(ref: string, options?: CallOptions): Promise<ImageDetails | null>;
  /** Pulls, reporting per-layer progress; IMAGE_PULL_FAILED with the registry's reason. */
  pullImage(ref: string, onProgress: (p: PullProgress) => void, options?: CallOptions): Promise<void>;

  /** true when created, false when a network of that name exists already. */
  createNetwork(spec: NetworkCreateSpec, options?: CallOptions): Promise<boolean>;
  inspectNetwork(name: string, options?: CallOptions): Promise<NetworkDetails | null>;
  removeNetwork(name: string, options?: CallOptions): Promise<void>;

  listVolumes(filters: EngineFilters, options?: CallOptions): Promise<VolumeDetails[]>;
  inspectVolume(name: string, options?: CallOptions): Promise<VolumeDetails | null>;
  createVolume(spec: VolumeCreateSpec, options?: CallOptions): Promise<void>;
  removeVolume(name: string, options?: CallOptions): Promise<void>;

  /** Docker's event stream (JSON lines) from `since` (seconds) on, until the signal aborts. */
  events(filters: EngineFilters, options?: CallOptions & { since?: number }): Promise<EngineStream>;
}

/** What `docker info` says about Swarm (Swarm.LocalNodeState, ControlAvailable, NodeID, Nodes, Managers): the IPC contract's type. */
export type { SwarmMembership };

export type ServiceSpec = Docker.CreateServiceOptions;
export interface ServiceDetails {
  ID: string;
  Version: { Index: number };
  Spec: ServiceSpec & { Labels?: Record<string, string> };
}
export interface TaskDetails {
  ID: string;
  ServiceID?: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string } };
  Spec?: { ContainerSpec?: { Secrets?: { SecretName?: string }[] } };
}
export interface SecretSummary {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string> };
}

/**
 * Swarm objects through the same adapter (DockerodeEngine implements it; the in-memory fake does
 * not, so swarm mode needs a real engine). Failures arrive as GatehouseErrors like the rest.
 */
export interface SwarmEngine {
  swarmMembership(options?: CallOptions): Promise<SwarmMembership>;
  /** A single-node swarm on this engine, advertised on `advertiseAddr`; returns the node id. */
  swarmInit(advertiseAddr: string, options?: CallOptions): Promise<string>;
  /** Leaves the swarm (force: also as its last manager). */
  swarmLeave(force: boolean, options?: CallOptions): Promise<void>;
  /** Creates a secret (the value goes in the request body only); returns its id. */
  createSecret(name: string, value: string, labels: Record<string, string>, options?: CallOptions): Promise<string>;
  listSecrets(filters: EngineFilters, options?: CallOptions): Promise<SecretSummary[]>;
  /** One already gone is fine. */
  removeSecret(id: string, options?: CallOptions): Promise<void>;
  createService(spec: ServiceSpec, options?: CallOptions): Promise<string>;
  /** null when no such service exists. */
  inspectService(id: string, options?: CallOptions): Promise<ServiceDetails | null>;
  listServices(filters: EngineFilters, options?: CallOptions): Promise<ServiceDetails[]>;
  /** Replaces the spec of the service at `version` (Docker refuses a stale version). */
  updateService(id: string, version: number, spec: ServiceSpec, options?: CallOptions): Promise<void>;
  /** One already gone is fine. */
  removeService(id: string, options?: CallOptions): Promise<void>;
  listTasks(filters: EngineFilters, options?: CallOptions): Promise<TaskDetails[]>;
  /**
   * The raw log of every task of a service (multiplexed like a container's unless the service has
   * a TTY). With `details` each line starts with Docker's attributes (`com.docker.swarm.task.id=…,…`)
   * after the timestamp. A follow stream takes in the service's new tasks; it does not end when
   * the service is removed.
   */
  serviceLogs(id: string, query: ServiceLogQuery, options?: CallOptions): Promise<Buffer | EngineStream>;
}

export function isSwarmEngine(engine: DockerEngine): engine is DockerEngine & SwarmEngine {
  return typeof (engine as Partial<SwarmEngine>).swarmMembership === 'function';
}

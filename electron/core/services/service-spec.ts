import type { GatehouseError } from '../errors';
import type { ContainerCreateSpec, ContainerDetails } from '../engine/types';

/** What every service's plan names: whose it is and what its container is called. */
export interface ServicePlan {
  stackName: string;
  containerName: string;
  image: string;
}

/**
 * One service of the stack (the LiteLLM gateway, the PostgreSQL database) described as data and
 * a few functions, so that one ServiceLifecycle can ensure, recreate and remove any of them.
 * `Config` is what its container is created with (the gateway's secret environment, the
 * database's password); `Readiness` what its readiness check needs.
 */
export interface ServiceSpec<Plan extends ServicePlan, Config, Readiness> {
  /** The label role of its container. */
  readonly role: 'gateway' | 'database';
  /** How messages name it: "the gateway container", "the database container". */
  readonly noun: string;
  /** Graceful stop: SIGTERM, then SIGKILL after this many seconds. */
  readonly stopTimeoutS: number;
  /** The create request for its container under `name`. */
  createOptions(plan: Plan, config: Config, name: string): ContainerCreateSpec;
  /** Why an existing container no longer matches the plan (empty: it matches). */
  differences(plan: Plan, existing: ContainerDetails, config: Config): string[];
  /** The service's own error for a create Docker refused (a name taken by a stranger), or null. */
  createError(plan: Plan, name: string, err: unknown): GatehouseError | null;
  /** Before its container is created (e.g. a volume it needs, made with the stack's labels). */
  beforeCreate?(plan: Plan, config: Config, signal?: AbortSignal): Promise<void>;
  /** After its container is created, before it starts (e.g. files copied into its volume); a failure removes the container. */
  afterCreate?(plan: Plan, config: Config, id: string, signal?: AbortSignal): Promise<void>;
  /** Issues the start (a container already running is fine); the service's own errors. */
  start(plan: Plan, id: string, readiness: Readiness, signal?: AbortSignal): Promise<void>;
  /** Resolves when the started container serves; throws why it does not. */
  ready(plan: Plan, id: string, readiness: Readiness, signal?: AbortSignal): Promise<void>;
}

/** What an ensure did: created the container, found it ready, started a stopped one, or replaced one. */
export type EnsureOutcome = 'created' | 'already-running' | 'restarted' | 'recreated';

/** Where an ensure is, for the status line; and the service's own rules at each point. */
export interface EnsureHooks {
  /** Told before each phase (`why`: the differences, for a recreate). */
  step?(phase: 'verify-running' | 'start-existing' | 'create' | 'created' | 'recreate', why?: string[]): Promise<void> | void;
  /** Differences the plan cannot see (a container marked unsafe must be replaced). */
  extraDifferences?(existing: ContainerDetails): string[];
  /** Before a stopped container is started. */
  beforeStart?(id: string): Promise<void>;
  /** A running container failed its readiness check. */
  runningFailed?(id: string, err: unknown): Promise<void>;
  /**
   * A start failed: decide what becomes of the container (`createdHere`: this ensure made it).
   * Returns whether it is kept. Default: a container made here is removed, another is left.
   */
  failed?(id: string, err: unknown, createdHere: boolean): Promise<boolean>;
  /** A container is set aside for a replacement (`wasRunning`), or put back after a failed one. */
  settingAside?(old: ContainerDetails): Promise<void>;
  restoring?(old: ContainerDetails): Promise<void>;
  /** The replacement serves; the old container is about to be removed. */
  replaced?(old: ContainerDetails): Promise<void>;
}

import crypto from 'node:crypto';
import type { Settings } from '../../../shared/api';
import { LABELS, containerNameFor, stackLabels } from '../engine/labels';
import type { ContainerCreateSpec, ContainerDetails } from '../engine/types';
import { stackContainerBase } from './container-base';
import { planStack } from './gateway-plan';
import { databaseVolumeName } from '../../../shared/stack-names';

/** Where PostgreSQL images (the official one and the test image) keep their data. */
export const PG_DATA_DIR = '/var/lib/postgresql/data';
export const PG_PORT = 5432;
/** The seed's docker-compose names: database `litellm`, user `llmproxy`. */
export const PG_USER = 'llmproxy';
export const PG_DATABASE = 'litellm';
/** The data volume's role label (the container's role is 'database'). */
export const DATA_VOLUME_ROLE = 'database-data';

/** What the database service should look like, from the settings alone (pure: no Docker, no secrets). */
export interface DatabasePlan {
  stackName: string;
  enabled: boolean;
  image: string;
  containerName: string;
  /** The data volume: settings.database.volume (an adopted one) or "<stack>-db-data". */
  volumeName: string;
  /** The user picked this volume (adopted): it must exist, Gatehouse never creates it. */
  adopted: boolean;
  /** The stack's network (the gateway reaches the database by container name on it). */
  networkName: string;
  startTimeoutMs: number;
}

export function planDatabase(settings: Settings): DatabasePlan {
  const stack = planStack(settings);
  const s = settings.stackName;
  return {
    stackName: s,
    enabled: settings.database.enabled,
    image: settings.database.image,
    containerName: containerNameFor(s, 'database'),
    volumeName: databaseVolumeName(settings),
    adopted: settings.database.volume !== null,
    networkName: stack.networkName,
    startTimeoutMs: stack.startTimeoutMs,
  };
}

/**
 * The URL LiteLLM connects with. Assembled at launch and only ever put into the gateway
 * container's environment; the password is percent-encoded so any imported password works.
 */
export function databaseUrl(plan: DatabasePlan, password: string): string {
  return `postgresql://${PG_USER}:${encodeURIComponent(password)}@${plan.containerName}:${PG_PORT}/${PG_DATABASE}`;
}

/** The gateway's environment for a stack with a database (what the seed's compose file sets). */
export function databaseGatewayEnv(plan: DatabasePlan, password: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl(plan, password), STORE_MODEL_IN_DB: 'True' };
}

/** The database container's environment: the official image's variables. */
export function databaseContainerEnv(password: string): Record<string, string> {
  return { POSTGRES_USER: PG_USER, POSTGRES_DB: PG_DATABASE, POSTGRES_PASSWORD: password };
}

/**
 * The seed's compose health check. The official postgres image has no HEALTHCHECK of its own,
 * so Gatehouse sets it on the container, as the compose file does.
 */
export const DATABASE_HEALTHCHECK = {
  Test: ['CMD-SHELL', `pg_isready -q -h 127.0.0.1 -p ${PG_PORT} -U ${PG_USER} -d ${PG_DATABASE}`],
  Interval: 2_000_000_000,
  Timeout: 3_000_000_000,
  Retries: 5,
  StartPeriod: 120_000_000_000,
};

/** PostgreSQL finishes its transaction log on SIGINT: it gets longer than the gateway before SIGKILL. */
export const DATABASE_STOP_TIMEOUT_S = 30;

/** Once the database runs: Docker restarts it after a crash and after a reboot, as compose does. */
export const RUNNING_RESTART_POLICY = { Name: 'unless-stopped', MaximumRetryCount: 0 };

export function databaseCreateOptions(plan: DatabasePlan, password: string): ContainerCreateSpec {
  const env = databaseContainerEnv(password);
  return {
    name: plan.containerName,
    Image: plan.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    // A random per-create nonce, not a hash of the environment: labels are shown to more people
    // and tools than the environment, and a short unsalted hash of a chosen password gives it
    // away to a dictionary. A changed password is found by comparing the environment itself.
    Labels: { ...stackLabels(plan.stackName, 'database'), [LABELS.envFingerprint]: `nonce:${crypto.randomBytes(8).toString('hex')}` },
    Healthcheck: DATABASE_HEALTHCHECK,
    // PostgreSQL's "fast" shutdown: finish the transaction log and exit cleanly.
    StopSignal: 'SIGINT',
    StopTimeout: DATABASE_STOP_TIMEOUT_S,
    // No published port: only the gateway, on the stack's network, talks to the database.
    // No restarts until the first start is verified (a database that cannot start would
    // otherwise loop and hide its exit code); then DatabaseService sets RUNNING_RESTART_POLICY.
    ...stackContainerBase({ network: plan.networkName, alias: 'db', volume: plan.volumeName, target: PG_DATA_DIR, restart: { Name: 'no', MaximumRetryCount: 0 } }),
  };
}

function containerEnvValue(info: ContainerDetails, name: string): string | null {
  const line = (info.Config.Env ?? []).find((e) => e.startsWith(`${name}=`));
  return line === undefined ? null : line.slice(name.length + 1);
}

function sameSecret(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Why an existing database container no longer matches the plan (empty = it matches). */
export function databasePlanDifferences(plan: DatabasePlan, info: ContainerDetails, password: string): string[] {
  const reasons: string[] = [];
  if (info.Config.Image !== plan.image) reasons.push(`image is ${info.Config.Image}, settings say ${plan.image}`);
  const mount = (info.Mounts ?? []).find((m) => m.Destination === PG_DATA_DIR);
  if (!mount || mount.Name !== plan.volumeName) reasons.push(`data volume is ${mount?.Name ?? 'none'}, settings say ${plan.volumeName}`);
  if (info.HostConfig.NetworkMode !== plan.networkName) reasons.push(`network is ${info.HostConfig.NetworkMode}, expected ${plan.networkName}`);
  if (!sameSecret(containerEnvValue(info, 'POSTGRES_PASSWORD'), password)) reasons.push('the password in the keychain changed');
  return reasons;
}

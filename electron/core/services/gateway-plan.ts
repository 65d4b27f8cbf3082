import crypto from 'node:crypto';
import type { BindMount, Settings } from '../../../shared/api';
import { gatewayUrl } from '../../../shared/network';
import { LABELS, containerNameFor, stackLabels } from '../engine/labels';
import type { ContainerCreateSpec, ContainerDetails } from '../engine/types';
import { stackContainerBase } from './container-base';
import { fingerprint } from '../secrets/master-key';
import { TLS_MOUNT, tlsVolumeName, wantsTls } from '../tls/container-files';

/** Where the image keeps the Claude login (`~/.claude` of the `claude` user). */
export const CLAUDE_HOME = '/home/claude/.claude';
/** LiteLLM's port inside the container. */
export const GATEWAY_PORT = 4000;
const PORT_KEY = `${GATEWAY_PORT}/tcp`;

/** What the stack should look like, derived from the settings alone (pure: no Docker, no secrets). */
export interface StackPlan {
  stackName: string;
  image: string;
  networkName: string;
  volumeName: string;
  /** The credentials volume was named in the settings (a taken-over one): it must exist, Gatehouse never creates it. */
  volumeAdopted: boolean;
  /** Host folders mounted into the gateway (settings.mounts). */
  mounts: BindMount[];
  containerName: string;
  bindAddress: string;
  port: number;
  /** The URL clients on this machine use. */
  url: string;
  extraEnv: Record<string, string>;
  startTimeoutMs: number;
  /** The GATEHOUSE_* variable behind a planned value, when one set it (settings.ts activeOverrides). */
  overrides?: Partial<Record<'stackName' | 'image' | 'port' | 'bindAddress', string>>;
}

/** The address a client uses to reach a port published on `bind` (one rule, in shared/network.ts). */
export { clientHost } from '../../../shared/network';

export function planStack(settings: Settings, overrides: StackPlan['overrides'] = {}): StackPlan {
  const s = settings.stackName;
  return {
    stackName: s,
    image: settings.image,
    networkName: `${s}-net`,
    volumeName: settings.credentialsVolume ?? `${s}-claude`,
    volumeAdopted: settings.credentialsVolume !== null,
    mounts: (settings.mounts ?? []).map((m) => ({ ...m })),
    containerName: containerNameFor(s, 'gateway'),
    bindAddress: settings.bindAddress,
    port: settings.port,
    url: gatewayUrl(settings, settings.tls.mode === 'off' ? 'http' : 'https'),
    extraEnv: { ...settings.extraEnv },
    startTimeoutMs: settings.startTimeoutSeconds * 1000,
    overrides,
  };
}

/** The container's full environment: extra (non-secret) env, then the secrets, which win. */
export function gatewayEnv(plan: StackPlan, secretEnv: Record<string, string>): Record<string, string> {
  return { ...plan.extraEnv, ...secretEnv };
}

/**
 * A short fingerprint of an environment, order-independent. It covers secrets, so that a new
 * key means a new container, but it is a truncated SHA-256 of at least 256 random bits: nothing
 * can be learnt from it.
 */
export function envFingerprint(env: Record<string, string>): string {
  const canonical = Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k]}`)
    .join('\0');
  return 'sha256:' + crypto.createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 12);
}

/** Docker's HEALTHCHECK settings (durations in nanoseconds), as image and create request carry them. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

/** StartInterval (checks at their own pace during the start period) came with Engine API 1.44. */
export const START_INTERVAL_API = '1.44';
/** How often Docker checks during the start period: `docker ps` says healthy ≤ ~1 s after the gateway is. */
export const HEALTH_START_INTERVAL_MS = 1000;
const NS_PER_MS = 1_000_000;

export function apiAtLeast(version: string, wanted: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [x = 0, y = 0] = wanted.split('.').map(Number);
  return a > x || (a === x && b >= y);
}

/**
 * The gateway's Healthcheck: the image's own test, interval, timeout and retries, plus a start
 * period as long as the start timeout with a check every second in it, so that Docker agrees
 * within a second or two of the gateway answering (the seed image's first check would otherwise
 * run one 30 s interval after start). null = leave the image's healthcheck alone: the image has
 * none, or the engine predates StartInterval (Engine API < 1.44), where a start period alone
 * would change nothing before the first interval.
 */
export function gatewayHealthcheck(image: HealthConfig | null | undefined, apiVersion: string, startTimeoutMs: number): HealthConfig | null {
  const test = image?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE' || !apiAtLeast(apiVersion, START_INTERVAL_API)) return null;
  return {
    Test: test,
    Interval: image.Interval,
    Timeout: image.Timeout,
    Retries: image.Retries,
    StartPeriod: Math.max(image.StartPeriod ?? 0, startTimeoutMs * NS_PER_MS),
    StartInterval: HEALTH_START_INTERVAL_MS * NS_PER_MS,
  };
}

/**
 * The create-container request for the gateway under `name` (the plan's name unless renaming);
 * `healthcheck` from gatewayHealthcheck (omitted: the image's own applies).
 */
export function gatewayCreateOptions(plan: StackPlan, secretEnv: Record<string, string>, name = plan.containerName, healthcheck: HealthConfig | null = null): ContainerCreateSpec {
  const env = gatewayEnv(plan, secretEnv);
  const masterKey = secretEnv.LITELLM_MASTER_KEY;
  const labels: Record<string, string> = {
    ...stackLabels(plan.stackName, 'gateway'),
    [LABELS.envFingerprint]: envFingerprint(env),
  };
  if (masterKey) labels[LABELS.keyFingerprint] = fingerprint(masterKey);
  const base = stackContainerBase({
    network: plan.networkName,
    alias: 'litellm',
    volume: plan.volumeName,
    target: CLAUDE_HOME,
    restart: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    // The certificate and key, copied in before the start (services/gateway.ts afterCreate).
    moreMounts: [
      ...(wantsTls(secretEnv) ? [{ Type: 'volume' as const, Source: tlsVolumeName(plan.stackName), Target: TLS_MOUNT }] : []),
      ...plan.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
    ],
  });
  return {
    name,
    Image: plan.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    ExposedPorts: { [PORT_KEY]: {} },
    // With HTTPS the image's own health check (the seed's calls http://localhost:4000) would
    // fail and call a good gateway unhealthy: it is off, and Gatehouse's own probe speaks TLS.
    ...(wantsTls(secretEnv) ? { Healthcheck: { Test: ['NONE'] } } : healthcheck ? { Healthcheck: healthcheck } : {}),
    HostConfig: {
      ...base.HostConfig,
      PortBindings: { [PORT_KEY]: [{ HostIp: plan.bindAddress, HostPort: String(plan.port) }] },
    },
    NetworkingConfig: base.NetworkingConfig,
  };
}

/**
 * Why an existing gateway container no longer matches the plan (empty = it matches). A
 * mismatch means the container is recreated; the credentials volume is kept.
 */
export function planDifferences(plan: StackPlan, info: ContainerDetails, wantedEnvFingerprint: string): string[] {
  const reasons: string[] = [];
  // Where a wanted value came from: a GATEHOUSE_* variable is named, never passed off as "the settings".
  const say = (k: keyof NonNullable<StackPlan['overrides']>) => (plan.overrides?.[k] ? `${plan.overrides[k]} says` : 'settings say');
  if (info.Config.Image !== plan.image) reasons.push(`image is ${info.Config.Image}, ${say('image')} ${plan.image}`);
  const binding = info.HostConfig.PortBindings?.[PORT_KEY]?.[0] as { HostIp?: string; HostPort?: string } | undefined;
  if (!binding || String(binding.HostPort) !== String(plan.port)) reasons.push(`published port is ${binding?.HostPort ?? 'none'}, ${say('port')} ${plan.port}`);
  if ((binding?.HostIp || '0.0.0.0') !== plan.bindAddress) reasons.push(`bound to ${binding?.HostIp || '0.0.0.0'}, ${say('bindAddress')} ${plan.bindAddress}`);
  if (info.Config.Labels?.[LABELS.envFingerprint] !== wantedEnvFingerprint) reasons.push('environment or secrets changed');
  if (info.HostConfig.NetworkMode !== plan.networkName) reasons.push(`network is ${info.HostConfig.NetworkMode}, expected ${plan.networkName}`);
  const mount = (info.Mounts ?? []).find((m) => m.Destination === CLAUDE_HOME);
  if (!mount || mount.Name !== plan.volumeName) reasons.push(`credentials volume is not ${plan.volumeName}`);
  const binds = (info.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => `${m.Source}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`).sort();
  const wantedBinds = plan.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`).sort();
  if (binds.join('\n') !== wantedBinds.join('\n')) reasons.push('bind mounts differ from the settings\' mounts');
  return reasons;
}

import crypto from 'node:crypto';
import net from 'node:net';
import type Docker from 'dockerode';
import type { Settings } from '../../../shared/api';
import { LABELS, stackLabels } from './labels';
import { fingerprint } from '../secrets/master-key';

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
  containerName: string;
  bindAddress: string;
  port: number;
  /** The URL clients on this machine use. */
  url: string;
  extraEnv: Record<string, string>;
  startTimeoutMs: number;
}

/** The address a client uses to reach a port published on `bind` (a wildcard means "this host"). */
export function clientHost(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::') return '[::1]';
  return net.isIPv6(bind) ? `[${bind}]` : bind;
}

export function planStack(settings: Settings): StackPlan {
  const s = settings.stackName;
  return {
    stackName: s,
    image: settings.image,
    networkName: `${s}-net`,
    volumeName: `${s}-claude`,
    containerName: `${s}-litellm`,
    bindAddress: settings.bindAddress,
    port: settings.port,
    url: `http://${clientHost(settings.bindAddress)}:${settings.port}`,
    extraEnv: { ...settings.extraEnv },
    startTimeoutMs: settings.startTimeoutSeconds * 1000,
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

/** The create-container request for the gateway under `name` (the plan's name unless renaming). */
export function gatewayCreateOptions(plan: StackPlan, secretEnv: Record<string, string>, name = plan.containerName): Docker.ContainerCreateOptions {
  const env = gatewayEnv(plan, secretEnv);
  const masterKey = secretEnv.LITELLM_MASTER_KEY;
  const labels: Record<string, string> = {
    ...stackLabels(plan.stackName, 'gateway'),
    [LABELS.envFingerprint]: envFingerprint(env),
  };
  if (masterKey) labels[LABELS.keyFingerprint] = fingerprint(masterKey);
  return {
    name,
    Image: plan.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    ExposedPorts: { [PORT_KEY]: {} },
    HostConfig: {
      PortBindings: { [PORT_KEY]: [{ HostIp: plan.bindAddress, HostPort: String(plan.port) }] },
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Mounts: [{ Type: 'volume', Source: plan.volumeName, Target: CLAUDE_HOME }],
      NetworkMode: plan.networkName,
      // The gateway never needs to gain privileges (setuid binaries and the like).
      SecurityOpt: ['no-new-privileges:true'],
    },
    NetworkingConfig: { EndpointsConfig: { [plan.networkName]: { Aliases: ['litellm'] } } },
  };
}

/**
 * Why an existing gateway container no longer matches the plan (empty = it matches). A
 * mismatch means the container is recreated; the credentials volume is kept.
 */
export function planDifferences(plan: StackPlan, info: Docker.ContainerInspectInfo, wantedEnvFingerprint: string): string[] {
  const reasons: string[] = [];
  if (info.Config.Image !== plan.image) reasons.push(`image is ${info.Config.Image}, settings say ${plan.image}`);
  const binding = info.HostConfig.PortBindings?.[PORT_KEY]?.[0] as { HostIp?: string; HostPort?: string } | undefined;
  if (!binding || String(binding.HostPort) !== String(plan.port)) reasons.push(`published port is ${binding?.HostPort ?? 'none'}, settings say ${plan.port}`);
  if ((binding?.HostIp || '0.0.0.0') !== plan.bindAddress) reasons.push(`bound to ${binding?.HostIp || '0.0.0.0'}, settings say ${plan.bindAddress}`);
  if (info.Config.Labels?.[LABELS.envFingerprint] !== wantedEnvFingerprint) reasons.push('environment or secrets changed');
  if (info.HostConfig.NetworkMode !== plan.networkName) reasons.push(`network is ${info.HostConfig.NetworkMode}, expected ${plan.networkName}`);
  const mount = (info.Mounts ?? []).find((m) => m.Destination === CLAUDE_HOME);
  if (!mount || mount.Name !== plan.volumeName) reasons.push(`credentials volume is not ${plan.volumeName}`);
  return reasons;
}

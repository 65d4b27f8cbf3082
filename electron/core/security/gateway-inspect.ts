import { findByRole } from '../engine/find-by-role';
import { containerNameFor } from '../engine/labels';
import type { ContainerDetails, DockerEngine } from '../engine/types';
import { GATEWAY_PORT } from '../services/gateway-plan';
import { fingerprint } from '../secrets/master-key';
import type { GatewayFacts, MountFacts, PortBinding } from './facts';

const PORT_KEY = `${GATEWAY_PORT}/tcp`;

/** Secrets read from the container's environment: kept in memory for the log scan, never in facts. */
export interface ContainerSecrets {
  masterKey: string | null;
  claudeToken: string | null;
}

export interface InspectedGateway {
  facts: GatewayFacts;
  /** The container's id, for reading its logs through the engine. */
  id: string;
  /** Whether the container has a TTY (its logs are then not multiplexed). */
  tty: boolean;
  secrets: ContainerSecrets;
}

function envValue(env: string[] | null | undefined, name: string): string | null {
  const prefix = `${name}=`;
  const line = (env ?? []).find((e) => e.startsWith(prefix));
  return line === undefined ? null : line.slice(prefix.length);
}

function bindingsOf(info: ContainerDetails): PortBinding[] {
  // Running containers report what Docker actually published (NetworkSettings); a stopped one
  // only what it asked for (HostConfig), which is what it will get on its next start.
  const live = info.NetworkSettings?.Ports?.[PORT_KEY] as { HostIp: string; HostPort: string }[] | null | undefined;
  const asked = info.HostConfig?.PortBindings?.[PORT_KEY] as { HostIp?: string; HostPort?: string }[] | undefined;
  const list = info.State.Running && live ? live : (asked ?? []);
  return list.map((b) => ({ hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort) || 0 }));
}

function mountsOf(info: ContainerDetails): MountFacts[] {
  return (info.Mounts ?? []).map((m) => ({
    type: String(m.Type ?? ''),
    source: m.Source ?? '',
    destination: m.Destination ?? '',
    name: (m as { Name?: string }).Name ?? null,
  }));
}

/**
 * The stack's gateway container as `docker inspect` describes it, found by the find-by-role rule
 * (during a rotation two can exist; the stack, the logs and these checks look at the same one).
 * Returns null when the stack has no gateway container. Docker errors propagate to the caller.
 */
export async function inspectGateway(engine: DockerEngine, stackName: string): Promise<InspectedGateway | null> {
  const info = await findByRole(engine, { stackName, role: 'gateway', plannedName: containerNameFor(stackName, 'gateway') });
  return info ? inspectedGatewayOf(engine, info) : null;
}

/** What the checks need of a gateway container's inspect record (in swarm mode: a task's container). */
export async function inspectedGatewayOf(engine: DockerEngine, info: ContainerDetails): Promise<InspectedGateway> {
  let repoDigests: string[] = [];
  let imageUser = '';
  try {
    const image = await engine.inspectImage(info.Image);
    repoDigests = image?.RepoDigests ?? [];
    imageUser = image?.Config?.User ?? '';
  } catch {
    // The image can be removed while a container of it exists; the digest is then unknown.
  }
  const masterKey = envValue(info.Config.Env, 'LITELLM_MASTER_KEY');
  const claudeToken = envValue(info.Config.Env, 'CLAUDE_CODE_OAUTH_TOKEN');
  return {
    id: info.Id,
    tty: Boolean(info.Config.Tty),
    secrets: { masterKey, claudeToken },
    facts: {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      running: info.State.Running,
      imageRef: info.Config.Image,
      imageId: info.Image,
      repoDigests,
      envKeyFingerprint: masterKey ? fingerprint(masterKey) : null,
      envHasClaudeToken: Boolean(claudeToken),
      servesTls: envValue(info.Config.Env, 'SSL_CERTFILE_PATH') !== null && envValue(info.Config.Env, 'SSL_KEYFILE_PATH') !== null,
      privileged: Boolean(info.HostConfig?.Privileged),
      networkMode: info.HostConfig?.NetworkMode ?? 'default',
      ports: bindingsOf(info),
      mounts: mountsOf(info),
      user: info.Config.User || imageUser || '',
      capAdd: (info.HostConfig?.CapAdd as string[] | null | undefined) ?? [],
      startedAt: info.State.StartedAt && !info.State.StartedAt.startsWith('0001-') ? info.State.StartedAt : null,
      logLevel: envValue(info.Config.Env, 'LITELLM_LOG'),
    },
  };
}

import type { ContainerCreateSpec, ContainerDetails } from '../engine/types';

/**
 * The create request that makes a container again as Docker's inspect describes it: same name,
 * image, command, environment, labels (Compose's, so docker-compose still owns it), host config
 * (binds, volumes, published ports, restart policy, network) and network aliases (`db`, `litellm`,
 * which the other services reach it by). Used only when a compose container a takeover stopped is
 * gone by the time it must be started again; its data is in its volumes, which are never removed.
 */
export function recreateSpec(info: ContainerDetails): ContainerCreateSpec {
  const c = info.Config;
  const networks = info.NetworkSettings?.Networks ?? {};
  const endpoints: Record<string, { Aliases?: string[] }> = {};
  for (const [name, n] of Object.entries(networks)) {
    // Docker adds the short container id as an alias of its own; it differs for the new container.
    const aliases = ((n as { Aliases?: string[] | null } | undefined)?.Aliases ?? []).filter((a: string) => !info.Id.startsWith(a));
    endpoints[name] = aliases.length ? { Aliases: aliases } : {};
  }
  return {
    name: info.Name.replace(/^\//, ''),
    Image: c.Image,
    Cmd: c.Cmd ?? undefined,
    Entrypoint: c.Entrypoint ?? undefined,
    Env: c.Env ?? [],
    Labels: { ...(c.Labels ?? {}) },
    WorkingDir: c.WorkingDir || undefined,
    User: c.User || undefined,
    ExposedPorts: c.ExposedPorts,
    Healthcheck: (c as { Healthcheck?: ContainerCreateSpec['Healthcheck'] }).Healthcheck,
    StopSignal: (c as { StopSignal?: string }).StopSignal,
    HostConfig: { ...info.HostConfig },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
}

import type { ContainerCreateSpec } from '../engine/types';

/**
 * Docker keeps every line a container prints in its own log file, which grows without bound by
 * default (and LiteLLM has printed secrets before): each container of the stack gets a bounded one,
 * 3 files of 10 MB. Gatehouse's own history is kept apart (logs/history.ts).
 */
export const BOUNDED_LOG = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } };

/** What every container of the stack shares: its named volume, the stack's network, no new privileges, a bounded log. */
export function stackContainerBase(o: {
  network: string;
  /** The name the other containers reach it by on the stack's network. */
  alias: string;
  volume: string;
  /** Where the volume is mounted in the container. */
  target: string;
  restart: { Name: string; MaximumRetryCount: number };
  /** Further volumes it mounts. */
  moreMounts?: { Type: 'volume' | 'bind'; Source: string; Target: string; ReadOnly?: boolean }[];
}): Pick<ContainerCreateSpec, 'HostConfig' | 'NetworkingConfig'> {
  return {
    HostConfig: {
      RestartPolicy: o.restart,
      Mounts: [{ Type: 'volume', Source: o.volume, Target: o.target }, ...(o.moreMounts ?? [])],
      NetworkMode: o.network,
      // Neither service ever needs to gain privileges (setuid binaries and the like).
      SecurityOpt: ['no-new-privileges:true'],
      LogConfig: BOUNDED_LOG,
    },
    NetworkingConfig: { EndpointsConfig: { [o.network]: { Aliases: [o.alias] } } },
  };
}

import { GatehouseError } from './errors';
import { belongsTo, labelFilter, LABELS } from './engine/labels';
import type { ContainerSummary, DockerEngine } from './engine/types';
import type { DatabaseService } from './services/database';
import type { GatewayService } from './services/gateway';
import type { Exclusive } from './stack/operation-queue';
import { removeSwarmStack } from './swarm/removal';

/**
 * `gatehouse remove`: takes a stack apart. Its Swarm services, secrets and overlay network (on a
 * swarm manager, whatever the target: a stack switched back to containers may have left them), its containers (gateway, database, helpers, ones set
 * aside by a rotation) are stopped gracefully and removed, then its network; volumes (the Claude
 * login, the database's data) are kept unless the caller asks for them AND names the stack as
 * confirmation. Only objects labelled with the stack are touched, so an adopted volume (the
 * seed's, unlabelled) is never deleted here. The master key stays in the keychain.
 */

export interface StackRemovalDeps {
  engine: DockerEngine;
  /** The stack's queue: a removal waits for a running start/rotation, in this and other processes. */
  queue: Exclusive;
  gateway: GatewayService;
  database: DatabaseService;
}

export interface RemovalOptions {
  /** Delete the stack's own volumes too. */
  volumes: boolean;
  /** Must equal the stack's name when `volumes` is set. */
  confirm?: string;
}

export interface RemovalResult {
  stackName: string;
  /** Names of the containers removed. */
  containers: string[];
  /** The network removed, or null when there was none. */
  network: string | null;
  /** Swarm services removed (`<stack>_litellm`, `<stack>_db`). */
  services: string[];
  /** Swarm secrets removed (their names carry fingerprints, never values). */
  secrets: string[];
  /** The overlay network `<stack>_net` removed, or null when there was none. */
  overlayNetwork: string | null;
  volumesRemoved: string[];
  /** The stack's volumes left in place (all of them without --volumes). */
  volumesKept: string[];
  /** A volume in use that is not Gatehouse's (an adopted one): never deleted by a removal. */
  foreignVolumes: string[];
}

function nameOf(c: ContainerSummary): string {
  return (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
}

/** Gateways go first (clients lose the gateway before its database), helpers last. */
function removalOrder(c: ContainerSummary): number {
  const role = c.Labels?.[LABELS.role];
  return role === 'gateway' ? 0 : role === 'database' ? 1 : 2;
}

/** The argument check, before anything is touched: volumes only with the stack's name as confirmation. */
export function checkRemovalOptions(stackName: string, options: RemovalOptions): void {
  if (options.confirm !== undefined && !options.volumes) {
    throw new GatehouseError('INVALID_ARGUMENT', '--confirm only goes with --volumes.', `To delete the volumes as well: gatehouse remove --volumes --confirm ${stackName}. Without --volumes the volumes are kept and no confirmation is needed.`);
  }
  if (options.volumes && options.confirm !== stackName) {
    throw new GatehouseError(
      'INVALID_ARGUMENT',
      options.confirm === undefined
        ? `Deleting the volumes of the stack "${stackName}" (the Claude login, the database's data) needs the stack's name as confirmation.`
        : `--confirm "${options.confirm}" is not the stack's name "${stackName}"; nothing was removed.`,
      `Run \`gatehouse remove --volumes --confirm ${stackName}\` if you really want them deleted; \`gatehouse remove\` alone keeps them.`,
    );
  }
}

export async function removeStack(deps: StackRemovalDeps, options: RemovalOptions, signal?: AbortSignal): Promise<RemovalResult> {
  const plan = await deps.gateway.plan();
  const stackName = plan.stackName;
  checkRemovalOptions(stackName, options);
  return deps.queue.runExclusive(
    'removal',
    async (s) => {
      const { engine } = deps;
      const filter = labelFilter(stackName);
      const dbPlan = await deps.database.plan();
      // The services first: their tasks hold the volumes, and Swarm would restart a task container removed under it.
      const swarm = await removeSwarmStack(engine, stackName, s);
      // The database stops the way a stack stop stops it (its own timeout, its events known as ours).
      await deps.database.down(s);
      const containers = (await engine.listContainers(filter, { signal: s, action: 'list the stack\'s containers' }))
        .filter((c) => belongsTo(c.Labels, stackName))
        .sort((a, b) => removalOrder(a) - removalOrder(b));
      const removed: string[] = [];
      for (const c of containers) {
        const role = c.Labels?.[LABELS.role];
        if (role === 'gateway') {
          await deps.gateway.stopContainer(c.Id, undefined, s);
          await deps.gateway.removeContainer(c.Id, s);
        } else if (role === 'database') {
          await deps.database.lifecycle.remove(c.Id, s);
        } else {
          await engine.removeContainer(c.Id, { signal: s, action: `remove the container ${nameOf(c)}` });
        }
        removed.push(nameOf(c));
      }
      const net = await engine.inspectNetwork(plan.networkName, { signal: s });
      let network: string | null = null;
      if (net && belongsTo(net.Labels, stackName)) {
        await engine.removeNetwork(plan.networkName, { signal: s, action: `remove the network ${plan.networkName}` });
        network = plan.networkName;
      }
      const own = (await engine.listVolumes(filter, { signal: s, action: 'list the stack\'s volumes' })).filter((v) => belongsTo(v.Labels, stackName)).map((v) => v.Name);
      const foreignVolumes = dbPlan.adopted && !own.includes(dbPlan.volumeName) ? [dbPlan.volumeName] : [];
      const volumesRemoved: string[] = [];
      if (options.volumes) {
        for (const name of own) {
          await engine.removeVolume(name, { signal: s, action: `remove the volume ${name}` });
          volumesRemoved.push(name);
        }
      }
      return { stackName, containers: removed, network, services: swarm.services, secrets: swarm.secrets, overlayNetwork: swarm.network, volumesRemoved, volumesKept: own.filter((v) => !volumesRemoved.includes(v)), foreignVolumes };
    },
    signal,
  );
}

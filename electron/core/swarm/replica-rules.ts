import type { PublishMode } from '../../../shared/api';
import { GatehouseError } from '../errors';

/** Docker's UpdateConfig.Order: whether Swarm starts a task's replacement before or after stopping it. */
export type UpdateOrder = 'start-first' | 'stop-first';

/**
 * The order the gateway service's tasks are replaced in (a key rotation, a new image, a setting):
 *
 * - `ingress` and 2 or more replicas: start-first. The routing mesh owns the published port on
 *   every node, so a replacement task starts beside the task it replaces and the mesh sends
 *   connections only to tasks that run; with Parallelism 1 the other replicas keep serving, so a
 *   client with a valid key never meets a refused connection. Running side by side adds nothing
 *   new here: with two replicas the tasks already share the credentials volume and the load.
 * - otherwise stop-first. In `host` mode each task binds the published port on its own node, so a
 *   second task on that node cannot bind it while the first holds it: start-first would leave the
 *   replacement pending and the update stuck. With one replica the setting asks for one gateway
 *   process at a time (one writer on the credentials volume, one process's memory), so the old
 *   task stops before the new one starts, as a container-mode recreate does.
 */
export function updateOrder(publishMode: PublishMode, replicas: number): UpdateOrder {
  return publishMode === 'ingress' && replicas >= 2 ? 'start-first' : 'stop-first';
}

/**
 * In `host` mode every task publishes the port on the node it runs on and a node can hold one such
 * task, so more replicas than nodes can never all run (the rest stay pending: "host-mode port
 * already in use"). The error to refuse with before anything is created; null when it fits.
 * `nodes` is the swarm's node count (docker info Swarm.Nodes); 0 means unknown and is not judged.
 * Drained or down nodes count here, so a fit is necessary, not sufficient: status then names the
 * pending task's reason.
 */
export function hostModeReplicaProblem(publishMode: PublishMode, replicas: number, nodes: number, port: number): GatehouseError | null {
  if (publishMode !== 'host' || nodes < 1 || replicas <= nodes) return null;
  const swarm = nodes === 1 ? 'a single-node swarm' : `a swarm of ${nodes} nodes`;
  return new GatehouseError(
    'SETTINGS_INVALID',
    `replicas is ${replicas} with publishMode "host" on ${swarm}: each task publishes port ${port} on its own node and a node can hold only one of them, so at most ${nodes} can run. Nothing was changed.`,
    `Lower it: \`gatehouse settings set replicas ${nodes}\`, or publish through the routing mesh: \`gatehouse settings set publishMode ingress\` (or add nodes to the swarm).`,
  );
}

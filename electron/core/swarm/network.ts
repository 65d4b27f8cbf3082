import { GatehouseError } from '../errors';
import { engineReason } from '../engine/connection';
import { belongsTo, stackLabels } from '../engine/labels';
import type { DockerEngine } from '../engine/types';
import { sleep } from '../../../shared/sleep';

/**
 * The stack's overlay network in swarm mode, `<stack>_net`: the gateway's and the database's
 * tasks join it and find each other by service name. Attachable, so a plain container (a helper,
 * a probe) can join it too. Only a network with the stack's labels is Gatehouse's.
 */
export function networkNameFor(stackName: string): string {
  return `${stackName}_net`;
}

function foreignNetwork(name: string, why: string): GatehouseError {
  return new GatehouseError(
    'SETTINGS_INVALID',
    `Invalid setting "stackName": a Docker network named ${name} already exists and ${why}.`,
    `Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that network yourself if it is unused.`,
  );
}

/** Creates `<stack>_net` when missing; an existing one must be the stack's own overlay network. */
export async function ensureOverlayNetwork(engine: DockerEngine, stackName: string, signal?: AbortSignal): Promise<string> {
  const name = networkNameFor(stackName);
  const found = await engine.inspectNetwork(name, { signal });
  if (!found) {
    // A create racing another one (another Gatehouse process) finds the name taken: inspected below.
    if (await engine.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, Labels: stackLabels(stackName, 'network') }, { signal, action: `create the overlay network ${name}` })) return name;
  }
  const net = found ?? (await engine.inspectNetwork(name, { signal }));
  if (!belongsTo(net?.Labels, stackName)) throw foreignNetwork(name, 'does not belong to Gatehouse, which never touches objects it did not create');
  if (net?.Driver && net.Driver !== 'overlay') throw foreignNetwork(name, `is a ${net.Driver} network, not the overlay network swarm mode needs`);
  return name;
}

/** Docker refuses to remove a network while a task's endpoint is still attached (tasks end asynchronously). */
const ACTIVE_ENDPOINTS = /active endpoints|in use/i;

/**
 * Removes `<stack>_net` when it is the stack's own; returns its name, or null when there was
 * none (or it is someone else's). Waits (bounded) for the endpoints of tasks that are ending, and
 * then until the network is gone: Swarm removes an overlay network a few seconds after the call
 * returns, and a start in between would find the old one and attach its tasks to it.
 */
export async function removeOverlayNetwork(engine: DockerEngine, stackName: string, signal?: AbortSignal): Promise<string | null> {
  const name = networkNameFor(stackName);
  const net = await engine.inspectNetwork(name, { signal });
  if (!net || !belongsTo(net.Labels, stackName)) return null;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await engine.removeNetwork(name, { signal, action: `remove the overlay network ${name}` });
      while (Date.now() < deadline && (await engine.inspectNetwork(name, { signal }))) await sleep(250, signal);
      return name;
    } catch (err) {
      if (Date.now() > deadline || !ACTIVE_ENDPOINTS.test(engineReason(err))) throw err;
      await sleep(250, signal);
    }
  }
}


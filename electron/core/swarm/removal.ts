import { sleep } from '../../../shared/sleep';
import { engineReason } from '../engine/connection';
import { LABELS, belongsTo } from '../engine/labels';
import type { DockerEngine, ServiceDetails } from '../engine/types';
import { isSwarmEngine } from '../engine/types';
import { removeOverlayNetwork } from './network';

/** What `gatehouse remove` took away in Swarm (names; a secret's name carries only a fingerprint). */
export interface SwarmRemoval {
  services: string[];
  secrets: string[];
  /** `<stack>_net`, or null when there was none. */
  network: string | null;
}

const NOTHING: SwarmRemoval = { services: [], secrets: [], network: null };
/** Task containers end after their service is removed (stop signal, grace period): the database's is 30 s. */
const TASKS_GONE_MS = 90_000;

/** Gateways go first (clients lose the gateway before its database). */
function order(s: ServiceDetails): number {
  return s.Spec.Labels?.[LABELS.role] === 'gateway' ? 0 : 1;
}

/**
 * The stack's Swarm objects, by label and only Gatehouse's: its services (the gateway's first),
 * then, once their task containers are gone, its secrets and its overlay network. Volumes are
 * left to the caller (the same rules as container mode). Nothing happens on an engine that
 * manages no swarm: it holds no services or secrets to remove.
 */
export async function removeSwarmStack(engine: DockerEngine, stackName: string, signal?: AbortSignal): Promise<SwarmRemoval> {
  if (!isSwarmEngine(engine) || !(await engine.swarmMembership({ signal })).controlAvailable) return NOTHING;
  const filters = { label: [`${LABELS.stack}=${stackName}`] };
  const services = (await engine.listServices(filters, { signal })).filter((s) => belongsTo(s.Spec.Labels, stackName)).sort((a, b) => order(a) - order(b));
  const removed: string[] = [];
  for (const svc of services) {
    await engine.removeService(svc.ID, { signal, action: `remove the service ${svc.Spec.Name}` });
    removed.push(svc.Spec.Name ?? svc.ID);
  }
  const deadline = Date.now() + TASKS_GONE_MS;
  await waitTaskContainersGone(engine, services.map((s) => s.ID), deadline, signal);
  const secrets: string[] = [];
  for (const s of await engine.listSecrets(filters, { signal })) {
    if (!belongsTo(s.Spec.Labels, stackName)) continue;
    await removeInUse(() => engine.removeSecret(s.ID, { signal, action: `remove the Swarm secret ${s.Spec.Name}` }), deadline, signal);
    secrets.push(s.Spec.Name);
  }
  const network = await removeOverlayNetwork(engine, stackName, signal);
  return { services: removed, secrets, network };
}

/**
 * A volume, secret or network is held until the containers of a removed service's tasks are gone
 * (Swarm removes them after their stop signal and grace period); waits for that, until `deadline`.
 */
export async function waitTaskContainersGone(engine: DockerEngine, serviceIds: string[], deadline: number, signal?: AbortSignal): Promise<void> {
  for (const id of serviceIds) {
    while ((await engine.listContainers({ label: [`com.docker.swarm.service.id=${id}`] }, { signal, action: 'list the service\'s task containers' })).length) {
      if (Date.now() > deadline) return;
      await sleep(250, signal);
    }
  }
}

/** Swarm lets go of a secret a little after the last task that used it: retried while Docker says it is in use. */
async function removeInUse(remove: () => Promise<void>, deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    try {
      return await remove();
    } catch (err) {
      if (Date.now() > deadline || !/in use/i.test(engineReason(err))) throw err;
      await sleep(250, signal);
    }
  }
}

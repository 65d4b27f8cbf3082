/**
 * What the swarm-mode tests share: the engine's swarm state, a single-node swarm made only when
 * the engine is in none (and left again afterwards, so the engine ends as it was found), and the
 * removal of one test stack's services and secrets by its stack label.
 */
import { LABELS } from '../../electron/core/engine/labels';
import { docker } from './stack-helpers';

export interface SwarmState {
  state: string;
  manager: boolean;
}

export async function swarmState(): Promise<SwarmState> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  return { state: info.Swarm?.LocalNodeState ?? 'inactive', manager: info.Swarm?.ControlAvailable === true };
}

/**
 * Makes the engine a single-node swarm manager if it is in no swarm; returns a function that
 * leaves the swarm again only when this call created it.
 */
export async function useSingleNodeSwarm(): Promise<{ initial: SwarmState; restore: () => Promise<void> }> {
  const initial = await swarmState();
  let created = false;
  if (initial.state === 'inactive') {
    await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
    created = true;
  } else if (!initial.manager) {
    throw new Error(`the engine is a swarm worker (${initial.state}); swarm tests need a manager or no swarm`);
  }
  return {
    initial,
    restore: async () => {
      if (created) await leaveSwarm();
    },
  };
}

/**
 * Leaves the swarm this test made, and the bridge Docker made for it (docker_gwbridge outlives
 * the swarm), so the engine ends as it was found.
 */
export async function leaveSwarm(): Promise<void> {
  await docker.swarmLeave({ force: true });
  await docker.getNetwork('docker_gwbridge').remove().catch(() => undefined);
}

export async function removeSwarmObjects(stack: string): Promise<void> {
  const filters = { label: [`${LABELS.stack}=${stack}`] };
  for (const s of await docker.listServices({ filters }).catch(() => [])) await docker.getService(s.ID).remove().catch(() => undefined);
  // Secrets and networks are removable once the services' tasks are gone.
  for (let i = 0; i < 50; i++) {
    const secrets = await docker.listSecrets({ filters }).catch(() => []);
    const networks = (await docker.listNetworks({ filters }).catch(() => [])).filter((n) => n.Driver === 'overlay');
    if (!secrets.length && !networks.length) break;
    for (const s of secrets) await docker.getSecret(s.ID).remove().catch(() => undefined);
    for (const n of networks) await docker.getNetwork(n.Id).remove().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
  }
}

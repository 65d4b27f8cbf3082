import { GatehouseError } from '../errors';
import type { CallOptions, DockerEngine, SwarmEngine, SwarmMembership } from '../engine/types';
import { isSwarmEngine } from '../engine/types';

/** The engine as a Swarm adapter; the in-memory test engine has no Swarm, which is said plainly. */
export function swarmEngine(engine: DockerEngine): DockerEngine & SwarmEngine {
  if (isSwarmEngine(engine)) return engine;
  throw new GatehouseError('INTERNAL', 'This Docker adapter has no Swarm support.', 'Use the real Docker engine for swarm mode.');
}

export function notManagerError(m: SwarmMembership): GatehouseError {
  const why = m.localNodeState === 'active' ? 'is a Swarm worker, not a manager (Swarm.ControlAvailable is false)' : `is not in a swarm (Swarm state "${m.localNodeState}")`;
  return new GatehouseError(
    'SWARM_NOT_MANAGER',
    `The setting target is "swarm", but the Docker engine ${why}: only a manager can create the gateway's service and secrets.`,
    'Run `gatehouse swarm init` (makes this engine a single-node swarm), point DOCKER_HOST at a manager, or `gatehouse settings set target container`.',
  );
}

/** The membership, or SWARM_NOT_MANAGER when this engine cannot manage services and secrets. */
export async function requireManager(engine: DockerEngine, options?: CallOptions): Promise<SwarmMembership> {
  const m = await swarmEngine(engine).swarmMembership(options);
  if (!m.controlAvailable) throw notManagerError(m);
  return m;
}

export interface SwarmInitResult {
  /** false: the engine was a manager already and nothing changed. */
  created: boolean;
  membership: SwarmMembership;
}

/**
 * A single-node swarm on this engine, as `docker swarm init --advertise-addr 127.0.0.1` makes it;
 * an engine already in a swarm is left as it is (a worker is an error: it cannot become a manager
 * of a new swarm without leaving its own).
 */
export async function initSingleNodeSwarm(engine: DockerEngine, advertiseAddr = '127.0.0.1', options?: CallOptions): Promise<SwarmInitResult> {
  const e = swarmEngine(engine);
  const before = await e.swarmMembership(options);
  if (before.controlAvailable) return { created: false, membership: before };
  if (before.localNodeState !== 'inactive') throw notManagerError(before);
  await e.swarmInit(advertiseAddr, options);
  return { created: true, membership: await e.swarmMembership(options) };
}

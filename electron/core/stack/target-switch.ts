import { isGatehouseError } from '../errors';
import type { DatabaseService } from '../services/database';
import type { GatewayService } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import type { SwarmGateway } from '../swarm/gateway-service';
import type { StackMarksStore } from './marks';

export interface TargetSwitchDeps {
  gateway: GatewayService;
  database?: DatabaseService;
  swarm?: SwarmGateway;
  marks: StackMarksStore;
  /** Says what is happening (the stack's progress line). */
  say: (plan: StackPlan, detail: string) => void;
}

/**
 * Changing settings.target while the stack runs: the other target's gateway (and database) is
 * stopped before this target's starts. Otherwise two gateways compete for the port — and a probe
 * would take the old one's answer for the new one's readiness — and two PostgreSQL servers open
 * the same data volume. Nothing is removed: switching back starts the stopped one again.
 */
export class TargetSwitch {
  constructor(private readonly deps: TargetSwitchDeps) {}

  /** Before a swarm start: stops the stack's running gateway and database containers. Returns whether it stopped any. */
  async leaveContainers(plan: StackPlan, signal: AbortSignal): Promise<boolean> {
    const { gateway, database, marks, say } = this.deps;
    const running = (await gateway.listGateways(plan, signal)).filter((g) => g.State === 'running' || g.State === 'restarting');
    if (running.length) {
      say(plan, 'The target is now swarm: stopping the gateway container first (it is kept).');
      for (const g of running) {
        await marks.write(plan.stackName, { stoppedByUser: g.Id });
        await gateway.stopContainer(g.Id, gateway.stopTimeoutS, signal);
      }
    }
    // The database container holds the data volume the database service will open.
    await database?.down(signal);
    return running.length > 0;
  }

  /**
   * Before a container start: when the last swarm start of this stack left its services running
   * (marks.swarmDeployed, a local file: no Docker call on the usual path), scales them to 0.
   * An engine no longer in a swarm has no services left to stop.
   */
  async leaveSwarm(plan: StackPlan, signal: AbortSignal): Promise<boolean> {
    const { swarm, marks, say } = this.deps;
    if (!swarm || !(await marks.read(plan.stackName)).swarmDeployed) return false;
    say(plan, 'The target is now container: scaling the Swarm service to 0 first (it is kept).');
    try {
      await swarm.stop(plan, signal);
    } catch (err) {
      if (!isGatehouseError(err, 'SWARM_NOT_MANAGER')) throw err;
    }
    await marks.write(plan.stackName, { swarmDeployed: false });
    return true;
  }
}

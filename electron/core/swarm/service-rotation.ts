import type { GatewayService, SecretEnvProvider } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import { probeTransportFor } from '../engine/connection';
import type { RotationJournal } from '../secrets/rotation-journal';
import { dockerError, rotationFailed, verifyKeys, type FoundGateway, type Replacement, type RotationSteps, type RotationTarget } from '../secrets/rotation-target';
import type { SwarmGateway } from './gateway-service';

export interface ServiceRotationDeps {
  swarm: SwarmGateway;
  /** The plan, the probe URL and the engine (the services' probe rule is container mode's). */
  gateway: GatewayService;
  secretEnv: SecretEnvProvider;
}

/**
 * Swarm mode's side of a key rotation (secrets/rotation.ts), in the phases its progress names:
 *   secret and service update: the new key becomes a new Swarm secret (named by its fingerprint)
 *     and the service is updated to it in the order replica-rules.ts chooses;
 *   rollout and verification: deploy returns once every replica runs the new spec, no task of
 *     the old spec runs, and the published port answers the new key; then verifyService checks
 *     new key 200, old key 401, no key 401, per task where reachable;
 *   old secret removal: at commit, after verification, so a rollback finds the old secret.
 */
export class ServiceRotation implements RotationTarget {
  constructor(
    private readonly deps: ServiceRotationDeps,
    private readonly steps: RotationSteps,
  ) {}

  async find(plan: StackPlan): Promise<FoundGateway> {
    const running = await this.deps.swarm.running(plan);
    return { container: null, replacing: running ? () => this.replacement(plan) : null };
  }

  private async replacement(plan: StackPlan): Promise<Replacement> {
    // Settings the service cannot run with (host mode, more replicas than nodes) refuse the rotation before anything changes.
    const layout = await this.deps.swarm.replicaPlan(plan);
    const replicas = `${layout.replicas} replica${layout.replicas === 1 ? '' : 's'}`;
    return {
      announce: `Secret and service update: a new Swarm secret for the new key, the gateway service updated to it (${layout.order}, ${replicas}; volumes kept)`,
      committing: 'Old secret removal: making the new key current, then removing the old key\'s Swarm secret',
      run: (_journal, oldKey, newKey) => this.redeploy(plan, replicas, oldKey, newKey),
    };
  }

  private async redeploy(plan: StackPlan, replicas: string, oldKey: string, newKey: string): Promise<void> {
    const url = this.deps.gateway.probeUrl(plan);
    const secretEnv = await this.deps.secretEnv({ masterKey: newKey });
    const atPort = probeTransportFor(this.deps.gateway.engine.endpoint()) === 'host-http';
    // One message for the whole wait: the CLI shows one line per step, counting its seconds.
    this.steps.progress(
      'verify',
      `Rollout and verification: waiting until all ${replicas} run the new secret and none the old, then new key 200, old key 401, no key 401 ${atPort ? `at ${url} and ` : ''}inside every task on this node (a task on another node by its secret only: Docker exec reaches no other node)`,
    );
    await this.deps.swarm.deploy(plan, url, secretEnv, async () => undefined, undefined, false);
    this.steps.abortPoint(7);
    await this.verifyService(plan, atPort, newKey, oldKey);
  }

  /**
   * New key 200, old key 401, no key 401: at the published port (a local engine; over a remote one
   * the key is not sent in clear) and inside every serving task on the engine's own node. Docker
   * exec reaches no other node's containers, so a task elsewhere is vouched for by the rollout only
   * (it mounts the new secret and no task mounting the old one runs). In host mode on one node
   * that is the one task; with the routing mesh the port reaches any task, so the per-task checks
   * are what covers each.
   */
  private async verifyService(plan: StackPlan, atPort: boolean, newKey: string, oldKey: string): Promise<void> {
    const url = this.deps.gateway.probeUrl(plan);
    const { local } = await this.deps.swarm.taskProbes(plan);
    if (!atPort && !local.length) {
      throw rotationFailed(`No task of the gateway service runs on the node of the Docker engine Gatehouse uses, and the key is not sent in clear to ${url}, so the new key could not be verified.`);
    }
    if (atPort) await verifyKeys(url, newKey, oldKey);
    for (const probe of local) await verifyKeys(probe, newKey, oldKey);
  }

  /** The service runs with the old key again (its secret created again if need be), the new key's secret removed. */
  async restore(_journal: RotationJournal, oldKey: string | null): Promise<void> {
    // Without the old key there is nothing the service could run with.
    if (oldKey) await this.settle(oldKey);
  }

  async finish(_journal: RotationJournal, currentKey: string): Promise<void> {
    // Idempotent: after a crash the service is brought to the new key; the old secret is removed.
    await this.settle(currentKey);
    this.steps.abortPoint(11);
  }

  /** The service runs with `key` (its secret created again if need be), other secrets of the stack removed. */
  private async settle(key: string): Promise<void> {
    const plan = await this.deps.gateway.plan();
    try {
      await this.deps.swarm.deploy(plan, this.deps.gateway.probeUrl(plan), await this.deps.secretEnv({ masterKey: key }), async () => undefined);
    } catch (err) {
      throw dockerError(err, 'Updating the gateway service');
    }
  }
}

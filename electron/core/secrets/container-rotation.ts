import { LABELS } from '../engine/labels';
import type { GatewayService, SecretEnvProvider } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import type { RotationJournal } from './rotation-journal';
import { dockerError, verifyKeys, type FoundGateway, type Replacement, type RotationSteps, type RotationTarget } from './rotation-target';

export interface ContainerRotationDeps {
  gateway: GatewayService;
  secretEnv: SecretEnvProvider;
  /** Called before the replaced container is removed (the log engine reads its last lines); failures are ignored. */
  beforeRemovingOld?: (containerId: string) => Promise<void>;
}

/**
 * The gateway as a container during a key rotation: the old container is renamed aside (kept, so
 * a rollback can restart it), a new one created under the gateway's name with the new key (volumes
 * are named, so they carry over), the old one stopped, the new one started and verified; the old
 * one is removed at commit.
 */
export class ContainerRotation implements RotationTarget {
  constructor(
    private readonly deps: ContainerRotationDeps,
    private readonly steps: RotationSteps,
  ) {}

  async find(plan: StackPlan): Promise<FoundGateway> {
    const gateway = this.deps.gateway;
    // A replacement interrupted earlier is finished or undone first: one gateway container remains.
    await gateway.lifecycle.settleSetAside(plan);
    const old = await gateway.findGateway(plan);
    if (!old) return { container: null, replacing: null };
    const oldId = old.Id;
    return {
      container: { id: oldId, name: old.Name.replace(/^\//, '') },
      replacing: old.State.Running
        ? async (): Promise<Replacement> => ({
            announce: 'Recreating the gateway with the new key (volumes kept)',
            run: (journal, oldKey, newKey) => this.recreate(plan, journal, oldId, oldKey, newKey),
          })
        : null,
    };
  }

  private async recreate(plan: StackPlan, journal: RotationJournal, oldId: string, oldKey: string, newKey: string): Promise<void> {
    const gateway = this.deps.gateway;
    const secretEnv = await this.deps.secretEnv({ masterKey: newKey });
    await gateway.renameContainer(oldId, `${plan.containerName}-rotating-${journal.id}`);
    this.steps.abortPoint(4);
    // Created before the old one stops, so the gateway is down only for stop + start + boot.
    const id = await gateway.createGateway(plan, secretEnv);
    this.steps.abortPoint(5);
    // Graceful stop (SIGTERM, in-flight requests finish, SIGKILL after the gateway's stop timeout). The new
    // container is started as soon as the old process has exited, while Docker still tears the
    // old one down (~100–250 ms); a start that finds the port still held retries once the stop
    // call has returned. The outage is then exit + start + boot, not exit + teardown + start + boot.
    const { exited, stopped } = await gateway.stopForReplacement(oldId, gateway.stopTimeoutS);
    await exited;
    this.steps.abortPoint(6);
    this.steps.progress('verify', 'Waiting for the new gateway: expecting new key 200, old key 401, no key 401');
    await gateway.startAndVerify(plan, id, { masterKey: newKey, secrets: [...Object.values(secretEnv), oldKey], portReleasedBy: stopped });
    await stopped;
    this.steps.abortPoint(7);
    await verifyKeys(gateway.probeFor(plan, id), newKey, oldKey);
  }

  /** Removes the new container, renames the old one back and restarts it. */
  async restore(journal: RotationJournal, oldKey: string | null): Promise<void> {
    if (!journal.oldContainerId) return;
    const gateway = this.deps.gateway;
    const plan = await gateway.plan();
    try {
      for (const c of await gateway.listGateways(plan)) {
        if (c.Id !== journal.oldContainerId && c.Labels[LABELS.keyFingerprint] === journal.newFingerprint) {
          await gateway.removeContainer(c.Id);
        }
      }
      const info = await gateway.inspect(journal.oldContainerId);
      if (info) {
        const wanted = journal.oldContainerName ?? plan.containerName;
        if (info.Name.replace(/^\//, '') !== wanted) await gateway.renameContainer(info.Id, wanted);
        if (!info.State.Running && oldKey) {
          const secrets = Object.values(await this.deps.secretEnv({ masterKey: oldKey }));
          await gateway.startAndVerify(plan, info.Id, { masterKey: oldKey, secrets });
        }
      }
    } catch (err) {
      throw dockerError(err, 'Restoring the old gateway');
    }
  }

  /** Removes the old container; a verified new one left stopped is started. */
  async finish(journal: RotationJournal, currentKey: string): Promise<void> {
    if (!journal.oldContainerId) return;
    const gateway = this.deps.gateway;
    const plan = await gateway.plan();
    try {
      await this.deps.beforeRemovingOld?.(journal.oldContainerId).catch(() => undefined);
      await gateway.removeContainer(journal.oldContainerId);
      this.steps.abortPoint(11);
      // After a crash the verified new container may have been left stopped: it must serve.
      for (const c of await gateway.listGateways(plan)) {
        if (c.Labels[LABELS.keyFingerprint] === journal.newFingerprint && c.State !== 'running') {
          const secrets = Object.values(await this.deps.secretEnv({ masterKey: currentKey }));
          await gateway.startAndVerify(plan, c.Id, { masterKey: currentKey, secrets });
        }
      }
    } catch (err) {
      throw dockerError(err, 'Removing the old gateway container');
    }
  }
}

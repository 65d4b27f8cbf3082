import { GatehouseError } from '../errors';
import { belongsTo, stackLabels } from '../engine/labels';
import type { DockerEngine } from '../engine/types';
import type { StackPlan } from '../services/gateway-plan';

export interface BaseCreated {
  network: boolean;
  volume: boolean;
}

function foreign(kind: string, name: string): GatehouseError {
  return new GatehouseError(
    'SETTINGS_INVALID',
    `Invalid setting "stackName": a Docker ${kind} named ${name} already exists and does not belong to Gatehouse, which never touches objects it did not create.`,
    `Choose another stack name in the settings (or GATEHOUSE_STACK), or remove that ${kind} yourself if it is unused.`,
  );
}

/** The stack's network and credentials volume: made when missing, the network removed when unused. */
export class StackBase {
  private readonly inFlight = new Map<string, Promise<BaseCreated>>();

  constructor(private readonly engine: DockerEngine) {}

  /**
   * Creates the network and the credentials volume when missing; returns what it created.
   * Concurrent calls for the same stack join the one under way (the start sends it alongside the
   * database's ensureNetwork): Docker's CheckDuplicate does not hold against two creates at once,
   * which would leave two networks of one name.
   */
  ensure(plan: StackPlan, signal?: AbortSignal): Promise<BaseCreated> {
    const key = `${plan.networkName}\n${plan.volumeName}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const made = this.create(plan, signal).finally(() => {
      if (this.inFlight.get(key) === made) this.inFlight.delete(key);
    });
    this.inFlight.set(key, made);
    return made;
  }

  private async create(plan: StackPlan, signal?: AbortSignal): Promise<BaseCreated> {
    // Create first, look only on a conflict: the create is the longest call on the start path
    // (70–140 ms), so it goes out without a list before it; an existing name is then reused if
    // it is this stack's, refused otherwise.
    const network = async (): Promise<boolean> => {
      if (await this.engine.createNetwork({ Name: plan.networkName, Driver: 'bridge', Labels: stackLabels(plan.stackName, 'network') }, { signal })) return true;
      const net = await this.engine.inspectNetwork(plan.networkName, { signal });
      if (!belongsTo(net?.Labels, plan.stackName)) throw foreign('network', plan.networkName);
      return false;
    };
    const volume = async (): Promise<boolean> => {
      const vol = (await this.engine.listVolumes({ name: [plan.volumeName] }, { signal })).find((v) => v.Name === plan.volumeName);
      // A credentials volume named in the settings (a taken-over stack's) is used as it is, never made.
      if (plan.volumeAdopted) {
        if (vol) return false;
        throw new GatehouseError(
          'SETTINGS_INVALID',
          `Invalid setting "credentialsVolume": the Docker volume ${plan.volumeName} does not exist, so the Claude login it should hold cannot be used.`,
          'Check the name with `docker volume ls` and set the right one (`gatehouse settings set credentialsVolume NAME`), or go back to the default with `gatehouse settings unset credentialsVolume`.',
        );
      }
      if (vol && !belongsTo(vol.Labels, plan.stackName)) throw foreign('volume', plan.volumeName);
      if (vol) return false;
      await this.engine.createVolume({ Name: plan.volumeName, Labels: stackLabels(plan.stackName, 'credentials') }, { signal });
      return true;
    };
    // Side by side: each is a round trip or two to the engine, and the start budget is tight.
    const [n, v] = await Promise.allSettled([network(), volume()]);
    if (n.status === 'rejected' || v.status === 'rejected') {
      // Leave nothing half-made: a network made for a start that cannot go on is removed.
      if (n.status === 'fulfilled' && n.value) await this.removeNetworkIfUnused(plan);
      throw n.status === 'rejected' ? n.reason : (v as PromiseRejectedResult).reason;
    }
    return { network: n.value, volume: v.value };
  }

  /** Best effort: an unused labelled network is harmless and reused by the next start. */
  async removeNetworkIfUnused(plan: StackPlan): Promise<void> {
    try {
      const info = await this.engine.inspectNetwork(plan.networkName);
      if (!info || !belongsTo(info.Labels, plan.stackName)) return;
      if (Object.keys(info.Containers ?? {}).length === 0) await this.engine.removeNetwork(plan.networkName);
    } catch {
      // ignored: see above
    }
  }
}

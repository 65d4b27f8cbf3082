import { findByRole, listByRole, pickByRole } from '../engine/find-by-role';
import type { ContainerDetails, ContainerSummary, DockerEngine } from '../engine/types';
import type { EnsureHooks, EnsureOutcome, ServicePlan, ServiceSpec } from './service-spec';

/** A service's container found after settling what an interrupted replacement left (findSettled). */
export interface Settled {
  settled: ContainerDetails | null;
}

function isSettled(x: ContainerDetails | null | Settled): x is Settled {
  return x !== null && 'settled' in x;
}

/** The name a container is set aside under while its replacement starts. */
export function setAsideName(containerName: string, now = Date.now()): string {
  return `${containerName}-previous-${now}`;
}

/**
 * Ensures, recreates and removes the container of any ServiceSpec through the one engine:
 * find (the find-by-role rule), create, start + ready, stop, rename, remove. A replacement sets
 * the old container aside under another name and restores it (running again if it was) when
 * the new one fails; volumes are named, so they carry over and are never removed here.
 */
export class ServiceLifecycle<Plan extends ServicePlan, Config, Readiness> {
  constructor(
    readonly engine: DockerEngine,
    readonly spec: ServiceSpec<Plan, Config, Readiness>,
  ) {}

  private query(plan: Plan) {
    return { stackName: plan.stackName, role: this.spec.role, plannedName: plan.containerName };
  }

  /** Every container of this service's role in the stack. */
  list(plan: Plan, signal?: AbortSignal): Promise<ContainerSummary[]> {
    return listByRole(this.engine, this.query(plan), signal);
  }

  /** The service's container by the find-by-role rule; null when there is none. */
  find(plan: Plan, signal?: AbortSignal): Promise<ContainerDetails | null> {
    return findByRole(this.engine, this.query(plan), signal);
  }

  inspect(id: string, signal?: AbortSignal): Promise<ContainerDetails | null> {
    return this.engine.inspectContainer(id, { signal, action: `inspect ${this.spec.noun}` });
  }

  /** Creates (not starts) the container under `name`; returns its id. */
  async create(plan: Plan, config: Config, name = plan.containerName, signal?: AbortSignal): Promise<string> {
    await this.spec.beforeCreate?.(plan, config, signal);
    let id: string;
    try {
      id = await this.engine.createContainer(this.spec.createOptions(plan, config, name), { signal, action: `create ${this.spec.noun} ${name}` });
    } catch (err) {
      throw this.spec.createError(plan, name, err) ?? err;
    }
    try {
      await this.spec.afterCreate?.(plan, config, id, signal);
    } catch (err) {
      await this.remove(id).catch(() => undefined);
      throw err;
    }
    return id;
  }

  /** Starts the container and waits until it is ready. Removes nothing on failure: the caller decides. */
  async startAndReady(plan: Plan, id: string, readiness: Readiness, signal?: AbortSignal): Promise<void> {
    await this.spec.start(plan, id, readiness, signal);
    await this.spec.ready(plan, id, readiness, signal);
  }

  /** Graceful stop; a stopped or missing container is fine. */
  stop(id: string, timeoutS = this.spec.stopTimeoutS, signal?: AbortSignal): Promise<void> {
    return this.engine.stopContainer(id, timeoutS, { signal, action: `stop ${this.spec.noun}` });
  }

  rename(id: string, name: string, signal?: AbortSignal): Promise<void> {
    return this.engine.renameContainer(id, name, { signal, action: `rename ${this.spec.noun} to ${name}` });
  }

  /** Removes the container (never its volumes); one already gone is fine. */
  remove(id: string, signal?: AbortSignal): Promise<void> {
    return this.engine.removeContainer(id, { signal, action: `remove ${this.spec.noun}` });
  }

  /**
   * Finishes or undoes what an interrupted replacement left (a killed start, a crash): with a
   * container under the plan's name, the ones set aside are removed (the replacement was made, so
   * it is finished); without one, the newest set-aside container gets the name back and any other
   * goes (it is undone). Afterwards at most one container of the role carries a set-aside name.
   * Returns whether it changed anything.
   */
  async settleSetAside(plan: Plan, signal?: AbortSignal, listed?: ContainerSummary[]): Promise<boolean> {
    const list = listed ?? (await this.list(plan, signal));
    const prefix = `${plan.containerName}-previous-`;
    const name = (c: ContainerSummary) => (c.Names[0] ?? '').replace(/^\//, '');
    const aside = list.filter((c) => name(c).startsWith(prefix)).sort((x, y) => y.Created - x.Created);
    if (aside.length === 0) return false;
    const planned = list.some((c) => name(c) === plan.containerName);
    const [newest, ...older] = aside;
    for (const c of planned ? aside : older) {
      await this.stop(c.Id, this.spec.stopTimeoutS, signal);
      await this.remove(c.Id, signal);
    }
    if (!planned && newest) await this.rename(newest.Id, plan.containerName, signal);
    return true;
  }

  /**
   * The service's container once what an interrupted replacement left is settled: the same
   * answer as settleSetAside followed by find, with one list instead of two when nothing was set
   * aside (the usual case), so that a start spends one engine round trip less before its create.
   */
  async findSettled(plan: Plan, signal?: AbortSignal): Promise<Settled> {
    const list = await this.list(plan, signal);
    if (await this.settleSetAside(plan, signal, list)) return { settled: await this.find(plan, signal) };
    const chosen = pickByRole(list, this.query(plan));
    // null too when it was removed between the list and the inspect.
    return { settled: chosen ? await this.inspect(chosen.Id, signal) : null };
  }

  /**
   * Brings the service to "running and ready" with `config`: a matching running container is
   * checked, a matching stopped one started, a differing one replaced, a missing one created.
   * `existing` is the container found before (the caller may have looked already); from
   * findSettled, the set-aside containers are not looked for again.
   */
  async ensure(plan: Plan, config: Config, readiness: Readiness, existing: ContainerDetails | null | Settled, hooks: EnsureHooks = {}, signal?: AbortSignal): Promise<EnsureOutcome> {
    const found = isSettled(existing) ? existing.settled : (await this.settleSetAside(plan, signal)) ? await this.find(plan, signal) : existing;
    if (found) {
      const diffs = [...this.spec.differences(plan, found, config), ...(hooks.extraDifferences?.(found) ?? [])];
      if (diffs.length) return this.recreate(plan, found, config, readiness, diffs, hooks, signal);
      if (found.State.Running && !found.State.Restarting) {
        await hooks.step?.('verify-running');
        try {
          await this.spec.ready(plan, found.Id, readiness, signal);
        } catch (err) {
          await hooks.runningFailed?.(found.Id, err);
          throw err;
        }
        return 'already-running';
      }
      await hooks.step?.('start-existing');
      await this.startOwned(plan, found.Id, readiness, hooks, false, signal);
      return 'restarted';
    }
    await hooks.step?.('create');
    const id = await this.create(plan, config, plan.containerName, signal);
    await hooks.step?.('created');
    await this.startOwned(plan, id, readiness, hooks, true, signal);
    return 'created';
  }

  /** Starts a container this ensure owns; on failure the hooks decide its fate. */
  private async startOwned(plan: Plan, id: string, readiness: Readiness, hooks: EnsureHooks, createdHere: boolean, signal?: AbortSignal): Promise<void> {
    try {
      await hooks.beforeStart?.(id);
      await this.startAndReady(plan, id, readiness, signal);
    } catch (err) {
      await this.afterFailure(id, err, createdHere, hooks);
      throw err;
    }
  }

  private async afterFailure(id: string, err: unknown, createdHere: boolean, hooks: EnsureHooks): Promise<boolean> {
    if (hooks.failed) return hooks.failed(id, err, createdHere);
    // Cleanup runs even when the start was cancelled: no signal here.
    if (createdHere) await this.remove(id).catch(() => undefined);
    return false;
  }

  /**
   * Replaces a container that no longer matches the plan. The old one is stopped and set aside;
   * if the new one fails, it is removed and the old one restored (and restarted when it was
   * running). When the failed replacement is kept (the hooks say so), the old one goes.
   */
  async recreate(plan: Plan, old: ContainerDetails, config: Config, readiness: Readiness, why: string[], hooks: EnsureHooks = {}, signal?: AbortSignal): Promise<EnsureOutcome> {
    await hooks.step?.('recreate', why);
    const wasRunning = old.State.Running;
    await hooks.settingAside?.(old);
    if (wasRunning) await this.stop(old.Id, this.spec.stopTimeoutS, signal);
    await this.rename(old.Id, setAsideName(plan.containerName), signal);
    let id: string | null = null;
    try {
      id = await this.create(plan, config, plan.containerName, signal);
      await hooks.beforeStart?.(id);
      await this.startAndReady(plan, id, readiness, signal);
    } catch (err) {
      const kept = id ? await this.afterFailure(id, err, true, hooks) : false;
      if (kept) {
        // The failed replacement holds the name; the old container had been replaced on purpose.
        await this.remove(old.Id).catch(() => undefined);
      } else {
        await this.rename(old.Id, plan.containerName).catch(() => undefined);
        if (wasRunning) {
          await hooks.restoring?.(old);
          await this.engine.startContainer(old.Id).catch(() => undefined);
        }
      }
      throw err;
    }
    await hooks.replaced?.(old);
    await this.remove(old.Id, signal).catch(() => undefined);
    return 'recreated';
  }
}

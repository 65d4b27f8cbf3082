import crypto from 'node:crypto';
import type { RotationProgress, RotationResult, RotationStep } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import type { StateStore } from '../state-store';
import { LABELS } from '../engine/labels';
import type { ContainerDetails } from '../engine/types';
import type { GatewayService, SecretEnvProvider } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import { checkBarrier } from '../services/health';
import { hostProbe, type GatewayProbe } from '../services/gateway-probe';
import type { Exclusive } from '../stack/operation-queue';
import type { KeyManager } from './key-manager';
import { ACCOUNTS, type SecretStore } from './secret-store';
import { fingerprint, generateMasterKey } from './master-key';
import { decideRecovery, readJournal, writeJournal, type RotationJournal } from './rotation-journal';
import type { SwarmGateway } from '../swarm/gateway-service';
import type { UpdateOrder } from '../swarm/replica-rules';
import { probeTransportFor } from '../engine/connection';

/**
 * Master-key rotation as a small transaction with a journal (rotation-journal.ts):
 *
 *   1 journal "begun" (fingerprints, the old container's id)      … abort points 1–2
 *   2 new key → keychain as *pending*, read back
 *   3 journal "recreating"; old container renamed aside (kept, so a rollback can restart it);
 *     new container created under the gateway's name with the new key (volumes are named, so
 *     they carry over); old stopped; new started and waited healthy    … abort points 3–7
 *   4 verified: new key 200, old key 401, no key 401; journal "verified"  … abort point 8
 *   5 commit: pending → current (read back), pending deleted, old container removed,
 *     timestamps recorded, journal cleared                              … abort points 9–11
 *
 * A failure before "verified" rolls back (new container removed, old renamed back and restarted,
 * pending deleted) and throws ROTATION_FAILED; after it, the rotation is finished. If the process
 * dies anywhere, `recover()` — called by Gatehouse.open() before anything else — does the same
 * from the journal, so the keychain and the running gateway agree and exactly one key works.
 * With no gateway running, only the keychain changes (the next start creates the container with
 * the new key, since its environment fingerprint differs).
 */

export interface RotationDeps {
  secrets: SecretStore;
  keys: KeyManager;
  state: StateStore;
  /** The stack's operation queue: a rotation runs alone, in this process and between processes. */
  queue: Exclusive;
  /** The gateway's building blocks (find, create, start-and-verify, stop, rename, remove). */
  gateway: GatewayService;
  /** The gateway's complete secret environment (secrets/gateway-env.ts), here with the new key. */
  secretEnv: SecretEnvProvider;
  emit: (progress: RotationProgress) => void;
  env: NodeJS.ProcessEnv;
  /** Called before the replaced container is removed (the log engine reads its last lines); failures are ignored. */
  beforeRemovingOld?: (containerId: string) => Promise<void>;
  /** settings.target "swarm": the gateway is a Swarm service; its key a Swarm secret (swarm/gateway-service.ts). */
  swarm?: SwarmGateway;
  now?: () => Date;
}

const PROBE_TIMEOUT_MS = 1500;

function failed(message: string, cause?: unknown): GatehouseError {
  return new GatehouseError(
    'ROTATION_FAILED',
    message,
    'The old key is still the current key (a gateway that was running runs with it again). Fix the cause named above and run the rotation again.',
    cause ? { cause } : undefined,
  );
}

function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class KeyRotation {
  private readonly now: () => Date;

  constructor(private readonly deps: RotationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Test hook: GATEHOUSE_TEST_ABORT_AT_STEP=N kills this process at abort point N, as a crash or
   * `kill -9` would, so tests can check recovery from every point. Only honoured with GATEHOUSE_TEST=1.
   */
  private abortPoint(n: number): void {
    const env = this.deps.env;
    if (env.GATEHOUSE_TEST === '1' && env.GATEHOUSE_TEST_ABORT_AT_STEP === String(n)) {
      process.kill(process.pid, 'SIGKILL');
    }
  }

  private progress(step: RotationStep, message: string): void {
    this.deps.emit({ step, message });
  }

  private dockerError(err: unknown, doing: string): GatehouseError {
    if (isGatehouseError(err)) return err;
    return failed(`${doing} failed: ${why(err)}.`, err);
  }

  /** Whether a rotation was interrupted and awaits recovery (cheap: reads state.json only). */
  async pending(): Promise<boolean> {
    return (await readJournal(this.deps.state)) !== null;
  }

  /** Runs the whole rotation; throws ROTATION_FAILED after rolling back on any failure. */
  async rotate(): Promise<RotationResult> {
    return this.deps.queue.runExclusive('rotate', () => this.rotateNow());
  }

  private async rotateNow(): Promise<RotationResult> {
    await this.recoverNow(true);
    const { secrets, state } = this.deps;
    const oldKey = await this.deps.keys.require();
    const gateway = this.deps.gateway;
    const plan = await gateway.plan();
    const swarm = (await this.deps.swarm?.enabled()) ? this.deps.swarm! : null;

    let old: ContainerDetails | null = null;
    let swarmRunning = false;
    try {
      if (swarm) swarmRunning = await swarm.running(plan);
      else {
      // A replacement interrupted earlier is finished or undone first: one gateway container remains.
      await gateway.lifecycle.settleSetAside(plan);
      old = await gateway.findGateway(plan);
      }
    } catch (err) {
      const e = this.dockerError(err, 'Looking for the running gateway');
      throw failed(`The key was not rotated: Gatehouse could not tell whether the gateway runs (${e.message}).`, err);
    }
    const running = swarm ? swarmRunning : old?.State.Running === true;
    // Settings the service cannot run with (host mode, more replicas than nodes) refuse the rotation before anything changes.
    const layout = swarm && running ? await swarm.replicaPlan(plan) : null;
    const newKey = generateMasterKey();
    const journal: RotationJournal = {
      id: crypto.randomBytes(4).toString('hex'),
      step: 'begun',
      startedAt: this.now().toISOString(),
      oldFingerprint: fingerprint(oldKey),
      newFingerprint: fingerprint(newKey),
      gatewayWasRunning: running,
      oldContainerId: old?.Id ?? null,
      oldContainerName: old ? old.Name.replace(/^\//, '') : null,
    };

    this.progress('journal', 'Writing the rotation journal and storing the new key as pending in the keychain');
    await writeJournal(state, journal);
    this.abortPoint(1);
    try {
      await secrets.set(ACCOUNTS.pendingMasterKey, newKey);
      if ((await secrets.get(ACCOUNTS.pendingMasterKey)) !== newKey) {
        throw new GatehouseError('KEYCHAIN_LOCKED', 'The new key could not be read back from the keychain.', 'Unlock your login keyring and rotate again.');
      }
      this.abortPoint(2);
      if (running && swarm && layout) {
        await this.redeployService(swarm, plan, journal, layout, oldKey, newKey);
      } else if (running && old) {
        await this.recreate(plan, journal, old, oldKey, newKey);
      }
      journal.step = 'verified';
      await writeJournal(state, journal);
      this.abortPoint(8);
    } catch (err) {
      this.progress('rollback', 'Rotation failed; restoring the old key and the old gateway');
      try {
        await this.rollBack(journal, oldKey);
      } catch (rbErr) {
        throw failed(
          `The key rotation failed (${why(err)}) and so did restoring the old gateway (${why(rbErr)}). The journal is kept; the next gatehouse command retries the recovery.`,
          rbErr,
        );
      }
      throw failed(`The key rotation failed and was rolled back: ${why(err)}`, err);
    }

    this.progress('commit', swarm && running ? 'Old secret removal: making the new key current, then removing the old key\'s Swarm secret' : 'Making the new key current and removing the old gateway container');
    const rotatedAt = await this.commit(journal);
    this.progress('done', `Rotated: new key ${journal.newFingerprint}`);
    return { fingerprint: journal.newFingerprint, previousFingerprint: journal.oldFingerprint, rotatedAt, gatewayRecreated: running };
  }

  private async recreate(plan: StackPlan, journal: RotationJournal, old: ContainerDetails, oldKey: string, newKey: string): Promise<void> {
    const gateway = this.deps.gateway;
    this.progress('recreate', 'Recreating the gateway with the new key (volumes kept)');
    journal.step = 'recreating';
    await writeJournal(this.deps.state, journal);
    this.abortPoint(3);
    const secretEnv = await this.deps.secretEnv({ masterKey: newKey });
    await gateway.renameContainer(old.Id, `${plan.containerName}-rotating-${journal.id}`);
    this.abortPoint(4);
    // Created before the old one stops, so the gateway is down only for stop + start + boot.
    const id = await gateway.createGateway(plan, secretEnv);
    this.abortPoint(5);
    // Graceful stop (SIGTERM, in-flight requests finish, SIGKILL after the gateway's stop timeout). The new
    // container is started as soon as the old process has exited, while Docker still tears the
    // old one down (~100–250 ms); a start that finds the port still held retries once the stop
    // call has returned. The outage is then exit + start + boot, not exit + teardown + start + boot.
    const { exited, stopped } = await gateway.stopForReplacement(old.Id, gateway.stopTimeoutS);
    await exited;
    this.abortPoint(6);
    this.progress('verify', 'Waiting for the new gateway: expecting new key 200, old key 401, no key 401');
    await gateway.startAndVerify(plan, id, { masterKey: newKey, secrets: [...Object.values(secretEnv), oldKey], portReleasedBy: stopped });
    await stopped;
    this.abortPoint(7);
    await this.verifyKeys(gateway.probeFor(plan, id), newKey, oldKey);
  }

  /**
   * Swarm mode, in the phases its progress names:
   *   secret and service update: the new key becomes a new Swarm secret (named by its fingerprint)
   *     and the service is updated to it in the order replica-rules.ts chooses;
   *   rollout and verification: deploy returns once every replica runs the new spec, no task of
   *     the old spec runs, and the published port answers the new key; then verifyService checks
   *     new key 200, old key 401, no key 401, per task where reachable;
   *   old secret removal: at commit, after verification, so a rollback finds the old secret.
   */
  private async redeployService(swarm: SwarmGateway, plan: StackPlan, journal: RotationJournal, layout: { replicas: number; order: UpdateOrder }, oldKey: string, newKey: string): Promise<void> {
    const replicas = `${layout.replicas} replica${layout.replicas === 1 ? '' : 's'}`;
    this.progress('recreate', `Secret and service update: a new Swarm secret for the new key, the gateway service updated to it (${layout.order}, ${replicas}; volumes kept)`);
    journal.step = 'recreating';
    await writeJournal(this.deps.state, journal);
    this.abortPoint(3);
    const url = this.deps.gateway.probeUrl(plan);
    const secretEnv = await this.deps.secretEnv({ masterKey: newKey });
    const atPort = probeTransportFor(this.deps.gateway.engine.endpoint()) === 'host-http';
    // One message for the whole wait: the CLI shows one line per step, counting its seconds.
    this.progress(
      'verify',
      `Rollout and verification: waiting until all ${replicas} run the new secret and none the old, then new key 200, old key 401, no key 401 ${atPort ? `at ${url} and ` : ''}inside every task on this node (a task on another node by its secret only: Docker exec reaches no other node)`,
    );
    await swarm.deploy(plan, url, secretEnv, async () => undefined, undefined, false);
    this.abortPoint(7);
    await this.verifyService(swarm, plan, atPort, newKey, oldKey);
  }

  /**
   * New key 200, old key 401, no key 401: at the published port (a local engine; over a remote one
   * the key is not sent in clear) and inside every serving task on the engine's own node. Docker
   * exec reaches no other node's containers, so a task elsewhere is vouched for by the rollout only
   * (it mounts the new secret and no task mounting the old one runs). In host mode on one node
   * that is the one task; with the routing mesh the port reaches any task, so the per-task checks
   * are what covers each.
   */
  private async verifyService(swarm: SwarmGateway, plan: StackPlan, atPort: boolean, newKey: string, oldKey: string): Promise<void> {
    const url = this.deps.gateway.probeUrl(plan);
    const { local } = await swarm.taskProbes(plan);
    if (!atPort && !local.length) {
      throw failed(`No task of the gateway service runs on the node of the Docker engine Gatehouse uses, and the key is not sent in clear to ${url}, so the new key could not be verified.`);
    }
    if (atPort) await this.verifyKeys(url, newKey, oldKey);
    for (const probe of local) await this.verifyKeys(probe, newKey, oldKey);
  }

  /** Swarm mode: the service runs with `key` (its secret created again if need be), other secrets of the stack removed. */
  private async settleService(key: string): Promise<void> {
    const swarm = this.deps.swarm!;
    const plan = await this.deps.gateway.plan();
    try {
      await swarm.deploy(plan, this.deps.gateway.probeUrl(plan), await this.deps.secretEnv({ masterKey: key }), async () => undefined);
    } catch (err) {
      throw this.dockerError(err, 'Updating the gateway service');
    }
  }

  /** New key 200, no key 401 (both checked by checkBarrier), old key 401. */
  private async verifyKeys(target: string | GatewayProbe, newKey: string, oldKey: string): Promise<void> {
    const probe = typeof target === 'string' ? hostProbe(target) : target;
    const barrier = await checkBarrier(probe, newKey);
    if (!barrier.ok) throw failed(`The new gateway did not pass the key check: ${barrier.detail}.`);
    let status: number;
    try {
      status = (await probe.get('/v1/models', oldKey, { timeoutMs: PROBE_TIMEOUT_MS })).status;
    } catch (err) {
      throw failed(`The new gateway did not answer the old-key check: ${why(err)}.`, err);
    }
    if (status !== 401 && status !== 403) {
      throw failed(`The new gateway still accepts the old key (HTTP ${status} with it); rotation would not revoke it.`);
    }
  }

  /** Undoes a rotation that was not verified: remove the new container, restore the old one, drop the pending key. */
  private async rollBack(journal: RotationJournal, oldKey: string | null): Promise<void> {
    if (journal.gatewayWasRunning && oldKey && (await this.deps.swarm?.enabled())) {
      await this.settleService(oldKey);
    } else if (journal.gatewayWasRunning && journal.oldContainerId) {
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
        throw this.dockerError(err, 'Restoring the old gateway');
      }
    }
    await this.deps.secrets.delete(ACCOUNTS.pendingMasterKey);
    await writeJournal(this.deps.state, null);
  }

  /** Finishes a verified rotation; idempotent, so recovery can run it again after a crash inside it. */
  private async commit(journal: RotationJournal): Promise<string> {
    const { secrets } = this.deps;
    let current = await secrets.get(ACCOUNTS.masterKey);
    if (!current || fingerprint(current) !== journal.newFingerprint) {
      const pendingKey = await secrets.get(ACCOUNTS.pendingMasterKey);
      if (!pendingKey || fingerprint(pendingKey) !== journal.newFingerprint) {
        throw failed('The verified new key is missing from the keychain, so the rotation cannot be finished.');
      }
      await secrets.set(ACCOUNTS.masterKey, pendingKey);
      if ((await secrets.get(ACCOUNTS.masterKey)) !== pendingKey) {
        throw new GatehouseError('KEYCHAIN_LOCKED', 'The new key could not be made current: the keychain did not read it back.', 'Unlock your login keyring; the next gatehouse command finishes the rotation.');
      }
      current = pendingKey;
      this.abortPoint(9);
    }
    await secrets.delete(ACCOUNTS.pendingMasterKey);
    this.abortPoint(10);
    if (journal.gatewayWasRunning && (await this.deps.swarm?.enabled())) {
      // Idempotent: after a crash the service is brought to the new key; the old secret is removed.
      await this.settleService(current);
      this.abortPoint(11);
    } else if (journal.gatewayWasRunning && journal.oldContainerId) {
      const gateway = this.deps.gateway;
      const plan = await gateway.plan();
      try {
        await this.deps.beforeRemovingOld?.(journal.oldContainerId).catch(() => undefined);
        await gateway.removeContainer(journal.oldContainerId);
        this.abortPoint(11);
        // After a crash the verified new container may have been left stopped: it must serve.
        for (const c of await gateway.listGateways(plan)) {
          if (c.Labels[LABELS.keyFingerprint] === journal.newFingerprint && c.State !== 'running') {
            const secrets = Object.values(await this.deps.secretEnv({ masterKey: current }));
            await gateway.startAndVerify(plan, c.Id, { masterKey: current, secrets });
          }
        }
      } catch (err) {
        throw this.dockerError(err, 'Removing the old gateway container');
      }
    }
    await this.replaceStaleGateways(journal.newFingerprint, current);
    const record = await this.deps.keys.recordKey(current, 'rotated');
    await writeJournal(this.deps.state, null);
    return record.rotatedAt ?? this.now().toISOString();
  }

  /**
   * A gateway container that is not running but holds another key (the key was rotated while the
   * gateway was stopped) would accept the revoked key if someone started it outside Gatehouse
   * (`docker start`, Docker Desktop's play button). Each is removed; the one under the planned
   * name is created again with the current key, not started. Idempotent (recovery runs it again);
   * a create that fails (the image is gone) leaves no container, and the next start creates one.
   */
  private async replaceStaleGateways(newFingerprint: string, current: string): Promise<void> {
    const gateway = this.deps.gateway;
    const plan = await gateway.plan();
    try {
      for (const c of await gateway.listGateways(plan)) {
        if (c.State === 'running' || c.Labels[LABELS.keyFingerprint] === newFingerprint) continue;
        await gateway.removeContainer(c.Id);
        if (!c.Names.includes('/' + plan.containerName)) continue;
        const secretEnv = await this.deps.secretEnv({ masterKey: current });
        await gateway.createGateway(plan, secretEnv).catch(() => undefined);
      }
    } catch (err) {
      throw this.dockerError(err, 'Replacing a stopped gateway that holds the old key');
    }
  }

  /**
   * Finishes or rolls back an interrupted rotation. Gatehouse.open() calls it before anything
   * else; it reads only state.json unless a journal exists.
   */
  async recover(): Promise<'none' | 'rolled-forward' | 'rolled-back'> {
    try {
      return await this.deps.queue.runExclusive('recover-rotation', () => this.recoverNow(false));
    } catch (err) {
      // Nothing else may run on a half-rotated stack: say so, with the underlying fix.
      const fix = isGatehouseError(err) && err.fix ? `${err.fix} ` : '';
      throw new GatehouseError(
        'ROTATION_FAILED',
        `An interrupted key rotation could not be finished or rolled back yet: ${why(err)}`,
        `${fix}Gatehouse retries the recovery at its next start and does nothing else until it succeeds.`,
        { cause: err },
      );
    }
  }

  private async recoverNow(checkStrayPending: boolean): Promise<'none' | 'rolled-forward' | 'rolled-back'> {
    const journal = await readJournal(this.deps.state);
    if (!journal && !checkStrayPending) return 'none';
    const { secrets } = this.deps;
    const current = await secrets.get(ACCOUNTS.masterKey);
    const pendingKey = await secrets.get(ACCOUNTS.pendingMasterKey);
    const decision = decideRecovery(journal, current ? fingerprint(current) : null, pendingKey ? fingerprint(pendingKey) : null);
    switch (decision) {
      case 'none':
        return 'none';
      case 'discard-pending':
        await secrets.delete(ACCOUNTS.pendingMasterKey);
        return 'rolled-back';
      case 'roll-forward':
        this.progress('commit', 'Finishing an interrupted key rotation');
        await this.commit(journal!);
        this.progress('done', `Rotation finished: current key ${journal!.newFingerprint}`);
        return 'rolled-forward';
      case 'roll-back':
        this.progress('rollback', 'Rolling back an interrupted key rotation');
        await this.rollBack(journal!, current);
        return 'rolled-back';
    }
  }
}

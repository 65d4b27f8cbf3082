import crypto from 'node:crypto';
import type { RotationProgress, RotationResult, RotationStep } from '../../../shared/api';
import { GatehouseError, isGatehouseError } from '../errors';
import type { StateStore } from '../state-store';
import { LABELS } from '../engine/labels';
import type { GatewayService, SecretEnvProvider } from '../services/gateway';
import type { Exclusive } from '../stack/operation-queue';
import type { KeyManager } from './key-manager';
import { ACCOUNTS, type SecretStore } from './secret-store';
import { fingerprint, generateMasterKey } from './master-key';
import { decideRecovery, readJournal, writeJournal, type RotationJournal } from './rotation-journal';
import { dockerError, rotationFailed, why, type FoundGateway, type RotationSteps, type RotationTarget } from './rotation-target';
import { ContainerRotation } from './container-rotation';
import type { SwarmGateway } from '../swarm/gateway-service';
import { ServiceRotation } from '../swarm/service-rotation';

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
 *
 * What touches the gateway (steps 3–4, the old container's removal in 5, the rollback's restore)
 * is the target's (rotation-target.ts), chosen once per operation: a container as above
 * (container-rotation.ts) or, in swarm mode, the Swarm service (swarm/service-rotation.ts).
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

  /** Whether a rotation was interrupted and awaits recovery (cheap: reads state.json only). */
  async pending(): Promise<boolean> {
    return (await readJournal(this.deps.state)) !== null;
  }

  /** Runs the whole rotation; throws ROTATION_FAILED after rolling back on any failure. */
  async rotate(): Promise<RotationResult> {
    return this.deps.queue.runExclusive('rotate', () => this.rotateNow());
  }

  /** Where the gateway runs for this operation: the Swarm service in swarm mode, else a container. */
  private async target(): Promise<RotationTarget> {
    const { swarm, gateway, secretEnv, beforeRemovingOld } = this.deps;
    const steps: RotationSteps = { abortPoint: (n) => this.abortPoint(n), progress: (step, message) => this.progress(step, message) };
    if (swarm && (await swarm.enabled())) return new ServiceRotation({ swarm, gateway, secretEnv }, steps);
    return new ContainerRotation({ gateway, secretEnv, beforeRemovingOld }, steps);
  }

  private async rotateNow(): Promise<RotationResult> {
    await this.recoverNow(true);
    const { secrets, state } = this.deps;
    const oldKey = await this.deps.keys.require();
    const plan = await this.deps.gateway.plan();
    const target = await this.target();

    let found: FoundGateway;
    try {
      found = await target.find(plan);
    } catch (err) {
      const e = dockerError(err, 'Looking for the running gateway');
      throw rotationFailed(`The key was not rotated: Gatehouse could not tell whether the gateway runs (${e.message}).`, err);
    }
    const running = found.replacing !== null;
    // Still before anything changes: a replacement the settings cannot run refuses the rotation here.
    const replacement = found.replacing ? await found.replacing() : null;
    const newKey = generateMasterKey();
    const journal: RotationJournal = {
      id: crypto.randomBytes(4).toString('hex'),
      step: 'begun',
      startedAt: this.now().toISOString(),
      oldFingerprint: fingerprint(oldKey),
      newFingerprint: fingerprint(newKey),
      gatewayWasRunning: running,
      oldContainerId: found.container?.id ?? null,
      oldContainerName: found.container?.name ?? null,
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
      if (replacement) {
        this.progress('recreate', replacement.announce);
        journal.step = 'recreating';
        await writeJournal(state, journal);
        this.abortPoint(3);
        await replacement.run(journal, oldKey, newKey);
      }
      journal.step = 'verified';
      await writeJournal(state, journal);
      this.abortPoint(8);
    } catch (err) {
      this.progress('rollback', 'Rotation failed; restoring the old key and the old gateway');
      try {
        await this.rollBack(journal, oldKey, target);
      } catch (rbErr) {
        throw rotationFailed(
          `The key rotation failed (${why(err)}) and so did restoring the old gateway (${why(rbErr)}). The journal is kept; the next gatehouse command retries the recovery.`,
          rbErr,
        );
      }
      throw rotationFailed(`The key rotation failed and was rolled back: ${why(err)}`, err);
    }

    this.progress('commit', replacement?.committing ?? 'Making the new key current and removing the old gateway container');
    const rotatedAt = await this.commit(journal, target);
    this.progress('done', `Rotated: new key ${journal.newFingerprint}`);
    return { fingerprint: journal.newFingerprint, previousFingerprint: journal.oldFingerprint, rotatedAt, gatewayRecreated: running };
  }

  /**
   * Undoes a rotation that was not verified: the old gateway restored, the pending key dropped.
   * `target`: the rotation's own; recovery passes none and picks one only if a gateway was running
   * (recovering a keychain-only rotation reads no settings).
   */
  private async rollBack(journal: RotationJournal, oldKey: string | null, target?: RotationTarget): Promise<void> {
    if (journal.gatewayWasRunning) await (target ?? (await this.target())).restore(journal, oldKey);
    await this.deps.secrets.delete(ACCOUNTS.pendingMasterKey);
    await writeJournal(this.deps.state, null);
  }

  /**
   * Finishes a verified rotation; idempotent, so recovery can run it again after a crash inside it.
   * `target` as for rollBack.
   */
  private async commit(journal: RotationJournal, target?: RotationTarget): Promise<string> {
    const { secrets } = this.deps;
    let current = await secrets.get(ACCOUNTS.masterKey);
    if (!current || fingerprint(current) !== journal.newFingerprint) {
      const pendingKey = await secrets.get(ACCOUNTS.pendingMasterKey);
      if (!pendingKey || fingerprint(pendingKey) !== journal.newFingerprint) {
        throw rotationFailed('The verified new key is missing from the keychain, so the rotation cannot be finished.');
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
    // The replaced gateway's leftovers removed (abort point 11 inside), the new one serving.
    if (journal.gatewayWasRunning) await (target ?? (await this.target())).finish(journal, current);
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
      throw dockerError(err, 'Replacing a stopped gateway that holds the old key');
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

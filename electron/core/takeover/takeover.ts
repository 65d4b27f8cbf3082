import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SettingsPatch } from '../../../shared/api';
import type { ComposeGateway, TakeoverPlan, TakeoverResult } from '../../../shared/takeover';
import { sleep } from '../../../shared/sleep';
import { GatehouseError, isGatehouseError } from '../errors';
import { labelFilter } from '../engine/labels';
import type { ContainerDetails, DockerEngine } from '../engine/types';
import type { Gatehouse } from '../gatehouse';
import { writeFileAtomic } from '../atomic-file';
import { parseEnvFile } from '../secrets/env-file';
import { scrubEnvSecrets } from '../secrets/env-import';
import { ACCOUNTS } from '../secrets/secret-store';
import { CLAUDE_HOME } from '../services/gateway-plan';
import { PG_DATABASE, PG_USER } from '../services/database-plan';
import { httpGet } from '../services/http-probe';
import { detectComposeGateways, envMap, type DetectedProject } from './detect';
import { planTakeover, type TakeoverDecision, type TakeoverOptions } from './plan';
import { recreateSpec } from './recreate';

const KEYCHAIN_ACCOUNTS = {
  LITELLM_MASTER_KEY: ACCOUNTS.masterKey,
  LITELLM_SALT_KEY: ACCOUNTS.saltKey,
  CLAUDE_CODE_OAUTH_TOKEN: ACCOUNTS.claudeToken,
  POSTGRES_PASSWORD: ACCOUNTS.databasePassword,
} as const;
const KEY_STATE_SECTION = 'masterKey';
const COMPOSE_STOP_TIMEOUT_S = 10;
/** How long a restored compose gateway gets to answer its key again. */
const RESTORE_WAIT_MS = 90_000;

/** The database's identity and shape: the cluster's system identifier (unique per initdb) and its tables. */
const DATA_FINGERPRINT_SQL =
  "SELECT (SELECT system_identifier::text FROM pg_control_system()) || ':' || coalesce((SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'), '')";

/** What a failure must undo: everything the takeover changed, in reverse. */
interface Undo {
  secrets: Map<string, string | null>;
  settingsText: string | null;
  keyState: unknown;
  /** Compose containers this takeover stopped (they are started again, in this order). */
  stopped: ContainerDetails[];
  /** Gatehouse containers that existed before (any other one of the stack is this takeover's). */
  ownBefore: Set<string>;
}

export interface TakeoverDeps {
  core: Pick<Gatehouse, 'engine' | 'secrets' | 'keys' | 'settings' | 'state' | 'stack' | 'gateway'>;
  /** Told what the takeover is doing, one short line per step. */
  onStep?: (line: string) => void;
}

function failed(message: string, fix: string, cause?: unknown): GatehouseError {
  return new GatehouseError('TAKEOVER_FAILED', message, fix, cause ? { cause } : undefined);
}

function reason(err: unknown): string {
  return isGatehouseError(err) ? err.message : (err as Error)?.message ?? String(err);
}

/**
 * Takes over a running docker-compose stack of the seed in one transaction: its secrets into the
 * keychain, its port, mounts, environment and volumes into the settings, its containers stopped,
 * Gatehouse's stack started on the same volumes and verified (same key 200, no key 401, the
 * Claude login present, the same database), and only then the compose containers removed. Any
 * failure removes Gatehouse's new containers, starts the compose containers again as they were
 * and puts keychain and settings back; no volume and no .env line is ever deleted (the .env is
 * scrubbed only with --scrub, after everything else succeeded).
 */
export class Takeover {
  private readonly engine: DockerEngine;

  constructor(private readonly deps: TakeoverDeps) {
    this.engine = deps.core.engine;
  }

  private step(line: string): void {
    this.deps.onStep?.(line);
  }

  /** The compose projects running a LiteLLM gateway (public view: no secret values). */
  async detect(signal?: AbortSignal): Promise<ComposeGateway[]> {
    return (await detectComposeGateways(this.engine, signal)).map((d) => d.info);
  }

  /** Picks the project (the only one when none is named). */
  private async find(project: string | undefined, signal?: AbortSignal): Promise<DetectedProject> {
    const all = await detectComposeGateways(this.engine, signal);
    if (project) {
      const one = all.find((d) => d.info.project === project);
      if (!one) throw new GatehouseError('NOT_FOUND', `No compose project named ${project} runs a LiteLLM gateway on this Docker engine.`, all.length ? `Projects found: ${all.map((d) => d.info.project).join(', ')}.` : 'Check `docker ps --filter label=com.docker.compose.project`.');
      return one;
    }
    if (all.length === 0) throw new GatehouseError('NOT_FOUND', 'No docker-compose project on this Docker engine runs a LiteLLM gateway.', 'Start Gatehouse on its own with `gatehouse start`, or import a .env with `gatehouse key import --env-file FILE`.');
    if (all.length > 1) throw new GatehouseError('INVALID_ARGUMENT', `Several compose projects run a LiteLLM gateway: ${all.map((d) => d.info.project).join(', ')}.`, 'Name the one to take over: `gatehouse adopt PROJECT`.');
    return all[0]!;
  }

  private async decide(found: DetectedProject, options: TakeoverOptions, signal?: AbortSignal): Promise<TakeoverDecision> {
    const image = await this.engine.inspectImage(found.gateway.Image, { signal, action: 'inspect the compose gateway\'s image' });
    return planTakeover(found, envMap(image?.Config?.Env), options);
  }

  /** What `adopt` would do; changes nothing. */
  async plan(project: string | undefined, options: TakeoverOptions, signal?: AbortSignal): Promise<TakeoverPlan> {
    return (await this.decide(await this.find(project, signal), options, signal)).plan;
  }

  /** The transaction (see the class comment). */
  async adopt(project: string | undefined, options: TakeoverOptions, signal?: AbortSignal): Promise<TakeoverResult> {
    const { core } = this.deps;
    const found = await this.find(project, signal);
    const decision = await this.decide(found, options, signal);
    const plan = decision.plan;
    if (!found.info.running) {
      throw failed(`The gateway of the compose project ${plan.project} is not running, so there is nothing to verify the takeover against.`, `Start it with docker-compose (in ${found.info.workingDir ?? 'its folder'}: \`docker-compose up -d\`), then run \`gatehouse adopt\` again.`);
    }
    const settings = await core.settings.get();
    const own = await this.engine.listContainers(labelFilter(settings.stackName), { signal, action: 'list Gatehouse\'s containers' });
    if (own.some((c) => c.State === 'running' || c.State === 'restarting')) {
      throw failed(`Gatehouse's own stack ${settings.stackName} is running, so it cannot take over the compose project ${plan.project} now.`, 'Stop it with `gatehouse stop`, then run `gatehouse adopt --yes` again.');
    }
    if ((await core.secrets.get(ACCOUNTS.pendingMasterKey)) !== null) {
      throw failed('A key rotation is still pending, so the master key cannot be replaced now.', 'Run any gatehouse command (it finishes or rolls back the rotation), then `gatehouse adopt --yes` again.');
    }
    const undo: Undo = { secrets: new Map(), settingsText: null, keyState: undefined, stopped: [], ownBefore: new Set(own.map((c) => c.Id)) };
    for (const account of Object.values(KEYCHAIN_ACCOUNTS)) undo.secrets.set(account, await core.secrets.get(account));
    undo.settingsText = await fs.readFile(core.settings.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    undo.keyState = await core.state.read(KEY_STATE_SECTION);

    const verified: string[] = [];
    let stage = 'write the secrets into the keychain';
    try {
      this.step('Moving the secrets into the keychain.');
      await this.writeSecrets(decision);
      stage = 'save the settings';
      this.step('Saving the settings (port, mounts, environment, volumes).');
      await core.settings.update(decision.settings as SettingsPatch);
      stage = 'read the database before the takeover';
      const before = found.database && found.database.State.Running ? await this.dataFingerprint(found.database.Id, signal) : null;
      stage = 'stop the compose containers';
      this.step(`Stopping the compose containers of ${plan.project}.`);
      // The gateway first, so no client reaches it without its database.
      for (const c of [found.gateway, ...(found.database ? [found.database] : [])]) {
        if (!c.State.Running) continue;
        await this.engine.stopContainer(c.Id, COMPOSE_STOP_TIMEOUT_S, { signal, action: `stop the compose container ${c.Name.replace(/^\//, '')}` });
        undo.stopped.push(c);
      }
      stage = 'start Gatehouse\'s stack';
      this.step('Starting Gatehouse\'s stack on the same volumes.');
      await core.stack.start(signal);
      stage = 'verify the new gateway';
      this.step('Verifying: the same key, the Claude login, the same data.');
      verified.push(...(await this.verify(found, before, signal)));
    } catch (err) {
      const restoreProblems = await this.rollback(undo, found);
      const tail = restoreProblems.length ? ` Restoring also met problems: ${restoreProblems.join('; ')}.` : ` The compose project ${plan.project} runs again as before; keychain and settings are as they were; nothing was deleted.`;
      throw failed(`Taking over ${plan.project} failed at "${stage}": ${reason(err)}${tail}`, restoreProblems.length ? `Check \`docker ps -a --filter label=com.docker.compose.project=${plan.project}\` and start it with \`docker-compose up -d\` in ${found.info.workingDir ?? 'its folder'}.` : (isGatehouseError(err) && err.fix) || 'Fix the cause and run `gatehouse adopt --yes` again.', err);
    }

    // Verified: the compose containers go (never a volume: they are Gatehouse's now).
    const warnings = [...plan.warnings];
    const removed: string[] = [];
    for (const c of [found.gateway, ...found.info.services.filter((s) => s.role !== 'gateway').map((s) => ({ Id: s.containerId, Name: s.containerName }) as ContainerDetails)]) {
      const name = c.Name.replace(/^\//, '');
      try {
        await this.engine.removeContainer(c.Id, { action: `remove the compose container ${name}` });
        removed.push(name);
      } catch (err) {
        warnings.push(`The compose container ${name} is stopped but could not be removed (${reason(err)}); remove it with \`docker rm ${name}\`.`);
      }
    }
    let scrubbed = false;
    if (plan.scrub && found.info.envFile) {
      try {
        await this.scrub(found.info.envFile, decision, warnings);
        scrubbed = true;
      } catch (err) {
        warnings.push(`The takeover is done, but the .env was not scrubbed: ${reason(err)}`);
      }
    }
    return { plan, verified, removedContainers: removed, scrubbed, warnings };
  }

  private async writeSecrets(decision: TakeoverDecision): Promise<void> {
    const { secrets, keys } = this.deps.core;
    const entries = Object.entries(decision.secrets) as [keyof typeof KEYCHAIN_ACCOUNTS, string][];
    for (const [name, value] of entries) await secrets.set(KEYCHAIN_ACCOUNTS[name], value);
    for (const [name, value] of entries) {
      if ((await secrets.get(KEYCHAIN_ACCOUNTS[name])) !== value) throw failed(`${name} was written to the keychain but did not read back the same.`, 'Unlock your login keyring and run `gatehouse adopt --yes` again.');
    }
    await keys.recordKey(decision.secrets.LITELLM_MASTER_KEY as string, 'imported');
  }

  /** The database's identity read inside its container (a local login: the same rules before and after). */
  private async dataFingerprint(containerId: string, signal?: AbortSignal): Promise<string> {
    const r = await this.engine.exec(containerId, ['psql', '-U', PG_USER, '-d', PG_DATABASE, '-Atc', DATA_FINGERPRINT_SQL], [], { signal, action: 'read the database\'s identity', timeoutMs: 15_000 });
    const line = r.output.trim().split('\n').pop() ?? '';
    if (r.exitCode === null && !line) {
      // The engine refused the exec (409) or it never finished: the container's state says why.
      const c = await this.engine.inspectContainer(containerId, { signal }).catch(() => null);
      const why = !c ? 'it is gone' : c.State.Paused ? 'it is paused (`docker unpause` it)' : !c.State.Running ? `it is ${c.State.Status}` : 'psql did not answer within 15 s';
      throw new Error(`psql could not run in the database container ${c?.Name.replace(/^\//, '') ?? containerId.slice(0, 12)}: ${why}`);
    }
    if (r.exitCode !== 0 || !/^\d+:/.test(line)) throw new Error(`psql answered ${r.exitCode === null ? 'nothing' : `exit ${r.exitCode}`}: ${line.slice(0, 200)}`);
    return line;
  }

  private async verify(found: DetectedProject, before: string | null, signal?: AbortSignal): Promise<string[]> {
    const { gateway } = this.deps.core;
    const plan = await gateway.plan();
    const key = found.values.LITELLM_MASTER_KEY as string;
    const url = `${gateway.probeUrl(plan)}/v1/models`;
    const done: string[] = [];
    const withKey = await httpGet(url, { headers: { authorization: `Bearer ${key}` }, timeoutMs: 5000, signal });
    if (withKey.status !== 200) throw new Error(`the compose project's key got ${withKey.status} from ${url}, not 200`);
    done.push(`the same key answers 200 on ${plan.url}`);
    const noKey = await httpGet(url, { timeoutMs: 5000, signal });
    if (noKey.status !== 401) throw new Error(`a request without a key got ${noKey.status} from ${url}, not 401`);
    done.push('a request without a key gets 401');
    const container = await gateway.findGateway(plan, signal);
    if (!container) throw new Error('Gatehouse\'s gateway container is gone');
    if (found.info.claudeLoginPresent) {
      const file = path.posix.join(CLAUDE_HOME, '.credentials.json');
      if (!(await this.engine.statPath(container.Id, file, { signal }))) throw new Error(`the Claude login (${file}) is not in the new gateway container`);
      done.push(`the Claude login is present (volume ${plan.volumeName})`);
    }
    if (before !== null) {
      const dbs = await this.engine.listContainers({ ...labelFilter(plan.stackName, 'database') }, { signal });
      const db = dbs.find((c) => c.State === 'running');
      if (!db) throw new Error('Gatehouse\'s database container is not running');
      const after = await this.dataFingerprint(db.Id, signal);
      if (after !== before) throw new Error('the database Gatehouse started is not the one the compose stack used (another cluster or other tables)');
      done.push(`the database holds the same data (volume ${found.info.databaseVolume})`);
    }
    return done;
  }

  /** Undoes a failed takeover; returns what could not be restored (empty: all of it). */
  private async rollback(undo: Undo, found: DetectedProject): Promise<string[]> {
    const { core } = this.deps;
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${reason(err)}`);
      }
    };
    this.step('Undoing the takeover.');
    await attempt('remove Gatehouse\'s new containers', async () => {
      const stackName = (await core.settings.get().catch(() => null))?.stackName;
      if (!stackName) return;
      for (const c of await this.engine.listContainers(labelFilter(stackName))) {
        if (undo.ownBefore.has(c.Id)) continue;
        await this.engine.stopContainer(c.Id, 10);
        await this.engine.removeContainer(c.Id);
      }
    });
    await attempt('restore the settings', async () => {
      // A save that failed left them as they were: rewriting them could only fail the same way.
      const now = await fs.readFile(core.settings.file, 'utf8').catch(() => null);
      if (now === undo.settingsText) return;
      if (undo.settingsText === null) await fs.rm(core.settings.file, { force: true });
      else await writeFileAtomic(core.settings.file, undo.settingsText);
    });
    for (const [account, value] of undo.secrets) {
      await attempt(`restore the keychain entry ${account}`, async () => {
        if (value === null) await core.secrets.delete(account);
        else await core.secrets.set(account, value);
      });
    }
    await attempt('restore the key record', () => core.state.update(KEY_STATE_SECTION, () => undo.keyState));
    // The database first, as compose's depends_on has it.
    for (const c of [...undo.stopped].reverse()) {
      await attempt(`start the compose container ${c.Name.replace(/^\//, '')} again`, async () => {
        // Stopped, never removed before the verification; one removed meanwhile is made again from its inspect.
        const id = (await this.engine.inspectContainer(c.Id)) ? c.Id : await this.engine.createContainer(recreateSpec(c), { action: `recreate the compose container ${c.Name.replace(/^\//, '')}` });
        await this.engine.startContainer(id);
      });
    }
    if (undo.stopped.some((c) => c.Id === found.gateway.Id)) {
      await attempt('wait for the compose gateway to answer its key again', () => this.waitComposeGateway(found));
    }
    return problems;
  }

  private async waitComposeGateway(found: DetectedProject): Promise<void> {
    const port = found.info.port;
    const key = found.values.LITELLM_MASTER_KEY;
    if (!port || !key) return;
    const url = `http://127.0.0.1:${port}/v1/models`;
    const deadline = Date.now() + RESTORE_WAIT_MS;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const r = await httpGet(url, { headers: { authorization: `Bearer ${key}` }, timeoutMs: 3000 });
        if (r.status === 200) return;
        last = `answered ${r.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(500);
    }
    throw new Error(`it did not answer 200 within ${RESTORE_WAIT_MS / 1000} s (${last})`);
  }

  /** --scrub: the .env loses the lines now in the keychain, and a DATABASE_URL holding the password (env-import's rules). */
  private async scrub(file: string, decision: TakeoverDecision, warnings: string[]): Promise<void> {
    const real = await fs.realpath(file);
    const parsed = parseEnvFile(await fs.readFile(real, 'utf8'));
    await scrubEnvSecrets(file, real, parsed, Object.values(decision.secrets), Object.keys(decision.secrets), warnings, 'gatehouse adopt --scrub');
  }
}

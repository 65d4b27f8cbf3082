import { promises as fsp, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Settings, SettingsPatch } from '../../shared/api';
import { DEFAULT_SETTINGS, settingsIssue, settingsSchema } from '../../shared/settings-schema';
import { GatehouseError } from './errors';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { gatehouseHome } from './paths';

// The schema, its defaults and limits live in shared/settings-schema.ts (one schema for the
// store, the IPC argument and the CLI); these names stay importable from here.
export { DEFAULT_DB_IMAGE, DEFAULT_IMAGE, DEFAULT_SETTINGS, SETTINGS_LIMITS, settingsSchema } from '../../shared/settings-schema';

/** The dotted setting a SETTINGS_INVALID error is about, kept beside the error (never parsed back out of its message). */
const refusedFields = new WeakMap<GatehouseError, string>();

/** Which setting a refusal names ("port", "extraEnv.NAME"); undefined for other errors. */
export function refusedSetting(err: unknown): string | undefined {
  return err instanceof GatehouseError ? refusedFields.get(err) : undefined;
}

function invalid(error: z.ZodError, source: string, candidate?: unknown): GatehouseError {
  const { field, message, fix } = settingsIssue(error, source, candidate);
  const err = new GatehouseError('SETTINGS_INVALID', message, fix);
  refusedFields.set(err, field);
  return err;
}

/** A value from a GATEHOUSE_* variable is named as such: the file is not where it came from. */
function invalidOverride(error: z.ZodError, candidate: unknown, env: NodeJS.ProcessEnv): GatehouseError {
  const plain = invalid(error, 'the GATEHOUSE_* environment', candidate);
  const top = error.issues[0]?.path[0];
  const name = typeof top === 'string' ? (ENV_OVERRIDE_VARS as Record<string, string>)[top] : undefined;
  if (!name || !env[name]) return plain;
  const reason = plain.message.slice(plain.message.indexOf(': ') + 2);
  return new GatehouseError('SETTINGS_INVALID', `${name}=${env[name]} is not a valid "${String(top)}": ${reason}`, `Correct or unset ${name} in this environment (it overrides "${String(top)}" of settings.json).`);
}

export function validateSettings(candidate: unknown, source: string): Settings {
  const parsed = settingsSchema.safeParse(candidate);
  if (!parsed.success) throw invalid(parsed.error, source, candidate);
  return parsed.data;
}

function mergePatch(base: Settings, patch: SettingsPatch): Settings {
  return { ...base, ...patch, database: { ...base.database, ...(patch.database ?? {}) }, tls: { ...base.tls, ...(patch.tls ?? {}) } };
}

/** The GATEHOUSE_* variable that overrides each setting (`gatehouse settings` names them). */
export const ENV_OVERRIDE_VARS = {
  stackName: 'GATEHOUSE_STACK',
  image: 'GATEHOUSE_IMAGE',
  bindAddress: 'GATEHOUSE_BIND',
  port: 'GATEHOUSE_PORT',
} as const satisfies Partial<Record<keyof Settings, string>>;

/** Which settings a GATEHOUSE_* variable sets in `env` (messages name the variable, not "the settings"). */
export function activeOverrides(env: NodeJS.ProcessEnv): Partial<Record<keyof typeof ENV_OVERRIDE_VARS, (typeof ENV_OVERRIDE_VARS)[keyof typeof ENV_OVERRIDE_VARS]>> {
  const out: Partial<Record<keyof typeof ENV_OVERRIDE_VARS, (typeof ENV_OVERRIDE_VARS)[keyof typeof ENV_OVERRIDE_VARS]>> = {};
  for (const [key, name] of Object.entries(ENV_OVERRIDE_VARS) as [keyof typeof ENV_OVERRIDE_VARS, (typeof ENV_OVERRIDE_VARS)[keyof typeof ENV_OVERRIDE_VARS]][]) if (env[name]) out[key] = name;
  return out;
}

/** Environment overrides for power users and tests; they apply on top of the file and are never saved. */
export function envOverrides(env: NodeJS.ProcessEnv): SettingsPatch {
  const patch: SettingsPatch = {};
  const v = ENV_OVERRIDE_VARS;
  if (env[v.stackName]) patch.stackName = env[v.stackName];
  if (env[v.image]) patch.image = env[v.image];
  if (env[v.bindAddress]) patch.bindAddress = env[v.bindAddress];
  if (env[v.port]) {
    const port = Number(env[v.port]);
    patch.port = Number.isInteger(port) ? port : (NaN as number);
  }
  return patch;
}

/** Where settings changes are announced (the core's TypedEmitter). */
export interface SettingsEvents {
  emit(event: 'settings:changed', data: Settings): void;
}

export interface SettingsStoreOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives one 'settings:changed' per change, whoever made it (this process, the CLI, an editor). */
  events?: SettingsEvents;
  /** How often watch() looks at the file's stat when the folder watch says nothing; default 500 ms. */
  pollMs?: number;
}

/** What identifies one version of the file: a rename-based write changes the inode, an edit in place the mtime or size. */
async function fileStamp(file: string): Promise<string> {
  try {
    const st = await fsp.stat(file, { bigint: true });
    return `${st.ino}:${st.mtimeNs}:${st.ctimeNs}:${st.size}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/**
 * Settings saved as JSON in the app data folder. The effective settings are
 * defaults ← settings.json ← environment overrides; only the file layer is ever written.
 *
 * Settings are live: get() re-reads the file whenever its stat changed (one stat per call, so
 * every operation sees what another process wrote), and watch() follows the file (a watch on
 * the folder, since writes are renames, plus a stat every pollMs for file systems whose
 * watches say nothing), so a change is announced once as 'settings:changed' within a second.
 */
export class SettingsStore {
  readonly file: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly events: SettingsEvents | undefined;
  private readonly pollMs: number;
  private cached: { stamp: string; settings: Settings } | null = null;
  /** The refusal of the file as it is now: an invalid file is not read again until it changes. */
  private refused: { stamp: string; error: unknown } | null = null;
  /** The settings last seen (announced or first read): a change is a difference from these. */
  private seen: string | null = null;
  private watcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;
  private watching = false;

  constructor(options: SettingsStoreOptions = {}) {
    this.env = options.env ?? process.env;
    this.file = path.join(options.home ?? gatehouseHome(this.env), 'settings.json');
    this.events = options.events;
    this.pollMs = options.pollMs ?? 500;
  }

  private async readFileLayer(check = true): Promise<Settings> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.file);
    } catch (err) {
      throw new GatehouseError(
        'SETTINGS_INVALID',
        `Settings file ${this.file} is not valid JSON: ${(err as Error).message}.`,
        `Fix or delete ${this.file}; Gatehouse then starts from its defaults.`,
      );
    }
    if (raw === undefined) return DEFAULT_SETTINGS;
    if (typeof raw !== 'object' || raw === null) {
      throw new GatehouseError('SETTINGS_INVALID', `Settings file ${this.file} does not hold an object.`, `Fix or delete ${this.file}.`);
    }
    if (!check) return mergePatch(DEFAULT_SETTINGS, raw as SettingsPatch);
    return validateSettings(mergePatch(DEFAULT_SETTINGS, raw as SettingsPatch), this.file);
  }

  /** The effective settings as the file holds them now (cached while the file's stat is unchanged). */
  async get(): Promise<Settings> {
    const stamp = await fileStamp(this.file);
    if (this.cached && this.cached.stamp === stamp) return this.cached.settings;
    if (this.refused && this.refused.stamp === stamp) throw this.refused.error;
    let parsed;
    try {
      const fileLayer = await this.readFileLayer();
      const candidate = mergePatch(fileLayer, envOverrides(this.env));
      const result = settingsSchema.safeParse(candidate);
      if (!result.success) throw invalidOverride(result.error, candidate, this.env);
      parsed = result;
    } catch (error) {
      this.refused = { stamp, error };
      throw error;
    }
    this.refused = null;
    this.cached = { stamp, settings: parsed.data };
    this.noticed(parsed.data);
    return parsed.data;
  }

  /** Announces settings that differ from the ones seen before (the first read only records them). */
  private noticed(settings: Settings): void {
    const text = JSON.stringify(settings);
    if (this.seen !== null && this.seen !== text) this.events?.emit('settings:changed', settings);
    this.seen = text;
  }

  /** The file's values over the defaults, not yet validated: what a repairing change starts from. */
  async fileValues(): Promise<Settings> {
    return this.readFileLayer(false);
  }

  /**
   * Applies `patch` to the file's values and validates the result, so that a change can also
   * repair a file holding a wrong value (`"port": "4000"`, fixed by setting or unsetting port);
   * a wrong value the patch does not touch is named as the file's.
   */
  async update(patch: SettingsPatch): Promise<Settings> {
    const merged = mergePatch(await this.readFileLayer(false), patch);
    const parsed = settingsSchema.safeParse(merged);
    if (!parsed.success) {
      const top = parsed.error.issues[0]?.path[0];
      throw invalid(parsed.error, typeof top === 'string' && top in patch ? 'the update' : this.file, merged);
    }
    const next = parsed.data;
    await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n');
    return this.get();
  }

  /**
   * Follows the file until close(): changes made by any process are announced on `events`
   * within a second. An invalid file in between (an editor's half-written save) announces
   * nothing; get() reports it to whoever needs the settings.
   */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    const look = (): void => {
      if (this.watching) this.get().catch(() => undefined);
    };
    void this.get().catch(() => undefined); // what "before" is, for the first change
    const dir = path.dirname(this.file);
    const name = path.basename(this.file);
    fsp
      .mkdir(dir, { recursive: true })
      .then(() => {
        if (!this.watching || this.watcher) return;
        this.watcher = watch(dir, { persistent: false }, (_event, changed) => {
          if (!changed || path.basename(String(changed)) === name) look();
        });
        this.watcher.on('error', () => {
          // The folder went away or the watch failed: the stat poll below still sees changes.
          this.watcher?.close();
          this.watcher = null;
        });
      })
      .catch(() => undefined);
    this.poller = setInterval(look, this.pollMs);
    this.poller.unref();
  }

  /** Stops watching. */
  close(): void {
    this.watching = false;
    this.watcher?.close();
    this.watcher = null;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }
}

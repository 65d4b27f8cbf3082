import path from 'node:path';
import type { Settings, SettingsPatch } from '../../shared/api';
import { GatehouseError } from '../core/errors';
import type { Gatehouse } from '../core/gatehouse';
import { DEFAULT_SETTINGS, ENV_OVERRIDE_VARS } from '../core/settings';
import type { CliCommand } from './command';
import { printJson, type CliIO } from './output';

/**
 * `gatehouse settings …`: the headless way to read and change settings.json. Every change goes
 * through `SettingsStore.update`, so the same zod schema as the desktop app validates it (and
 * refuses secret env names); only the file layer is written, never the GATEHOUSE_* overrides.
 */

type OverrideVar = (typeof ENV_OVERRIDE_VARS)[keyof typeof ENV_OVERRIDE_VARS];

/** Which effective settings come from a GATEHOUSE_* variable rather than settings.json. */
export function activeOverrides(env: NodeJS.ProcessEnv): Record<string, OverrideVar> {
  const out: Record<string, OverrideVar> = {};
  for (const [key, name] of Object.entries(ENV_OVERRIDE_VARS)) if (env[name]) out[key] = name;
  return out;
}

/** A dotted key resolved against the shape of the settings. */
type SettingKey =
  | { kind: 'top'; name: Exclude<keyof Settings, 'database' | 'extraEnv' | 'watchedFolders'> }
  | { kind: 'database'; name: keyof Settings['database'] }
  | { kind: 'extraEnv'; name: string };

function keyList(): string {
  const top = Object.keys(DEFAULT_SETTINGS).filter((k) => k !== 'database' && k !== 'extraEnv' && k !== 'watchedFolders');
  const db = Object.keys(DEFAULT_SETTINGS.database).map((k) => `database.${k}`);
  return [...top, ...db, 'extraEnv.NAME'].join(', ');
}

export function resolveKey(key: string): SettingKey {
  if (key === 'watchedFolders') {
    throw new GatehouseError('INVALID_ARGUMENT', 'The watched folders are a list, not one value.', 'Use `gatehouse settings watch-folder add PATH` or `… remove PATH`.');
  }
  if (key === 'extraEnv' || key === 'database') {
    throw new GatehouseError('INVALID_ARGUMENT', `"${key}" is a group of settings, not one value.`, `Name one of them, e.g. ${key === 'extraEnv' ? 'extraEnv.LITELLM_LOG' : 'database.enabled'}.`);
  }
  if (key.startsWith('extraEnv.') && key.length > 'extraEnv.'.length) return { kind: 'extraEnv', name: key.slice('extraEnv.'.length) };
  if (key.startsWith('database.')) {
    const name = key.slice('database.'.length);
    if (Object.hasOwn(DEFAULT_SETTINGS.database, name)) return { kind: 'database', name: name as keyof Settings['database'] };
  } else if (Object.hasOwn(DEFAULT_SETTINGS, key)) {
    return { kind: 'top', name: key as Extract<SettingKey, { kind: 'top' }>['name'] };
  }
  throw new GatehouseError('INVALID_ARGUMENT', `There is no setting "${key}".`, `Settings: ${keyList()}.`);
}

/**
 * Turns the typed text into the type the setting holds (the default's type tells which), so
 * `port 4100` is a number and `database.enabled true` a boolean. Ranges and formats are left
 * to the schema, which names the field when it refuses.
 */
function parseValue(key: string, template: unknown, raw: string): unknown {
  if (typeof template === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new GatehouseError('INVALID_ARGUMENT', `Setting "${key}" takes a number; "${raw}" is not one.`, `For example: gatehouse settings set ${key} ${String(template)}`);
    return n;
  }
  if (typeof template === 'boolean') {
    if (raw === 'true' || raw === 'on') return true;
    if (raw === 'false' || raw === 'off') return false;
    throw new GatehouseError('INVALID_ARGUMENT', `Setting "${key}" takes true or false; "${raw}" is neither.`, `For example: gatehouse settings set ${key} ${String(!template)}`);
  }
  // database.volume: null means "the stack's own default volume".
  if (template === null && (raw === '' || raw === 'null')) return null;
  return raw;
}

function defaultOf(k: SettingKey): unknown {
  if (k.kind === 'top') return DEFAULT_SETTINGS[k.name];
  if (k.kind === 'database') return DEFAULT_SETTINGS.database[k.name];
  return undefined;
}

function patchFor(current: Settings, k: SettingKey, value: unknown): SettingsPatch {
  if (k.kind === 'database') return { database: { [k.name]: value } };
  if (k.kind === 'top') return { [k.name]: value } as SettingsPatch;
  // extraEnv is replaced whole by an update; the GATEHOUSE_* overrides never touch it, so the
  // effective map is the file's map.
  const extraEnv = { ...current.extraEnv };
  if (value === undefined) delete extraEnv[k.name];
  else extraEnv[k.name] = value as string;
  return { extraEnv };
}

export function patchForSet(current: Settings, key: string, raw: string): SettingsPatch {
  const k = resolveKey(key);
  const value = k.kind === 'extraEnv' ? raw : parseValue(key, defaultOf(k), raw);
  return patchFor(current, k, value);
}

/** `unset extraEnv.NAME` removes the variable; any other key goes back to its default. */
export function patchForUnset(current: Settings, key: string): SettingsPatch {
  const k = resolveKey(key);
  if (k.kind === 'extraEnv' && !Object.hasOwn(current.extraEnv, k.name)) {
    throw new GatehouseError('INVALID_ARGUMENT', `extraEnv has no variable ${k.name}.`, `Set ones: ${Object.keys(current.extraEnv).join(', ') || '(none)'}.`);
  }
  return patchFor(current, k, defaultOf(k));
}

export function watchFolderPatch(current: Settings, op: 'add' | 'remove', dir: string): SettingsPatch {
  const abs = path.resolve(dir);
  const has = current.watchedFolders.includes(abs);
  if (op === 'add') return { watchedFolders: has ? current.watchedFolders : [...current.watchedFolders, abs] };
  if (!has) {
    throw new GatehouseError('INVALID_ARGUMENT', `${abs} is not a watched folder.`, `Watched folders: ${current.watchedFolders.join(', ') || '(none)'}.`);
  }
  return { watchedFolders: current.watchedFolders.filter((d) => d !== abs) };
}

/** `key = value` lines, dotted like the keys `settings set` takes, with the override named. */
export function formatSettings(s: Settings, overrides: Record<string, string>, file: string): string {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (k === 'database') for (const [dk, dv] of Object.entries(v as object)) rows.push([`database.${dk}`, JSON.stringify(dv)]);
    else if (k === 'extraEnv') for (const [ek, ev] of Object.entries(v as object)) rows.push([`extraEnv.${ek}`, JSON.stringify(ev)]);
    else if (k === 'watchedFolders') rows.push([k, (v as string[]).length ? (v as string[]).join(', ') : '(none)']);
    else rows.push([k, JSON.stringify(v) + (overrides[k] ? `   (from ${overrides[k]}; settings.json is overridden)` : '')]);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  return `Settings (file ${file}):\n` + rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

/** Saves one key's change; a GATEHOUSE_* variable still wins over the file, so it says so. */
async function change(c: Gatehouse, io: CliIO, verb: string, key: string, patchOf: (current: Settings) => SettingsPatch): Promise<number> {
  await c.settings.update(patchOf(await c.settings.get()));
  io.stdout.write(`${verb} ${key}. Run \`gatehouse restart\` to apply it to a running gateway.\n`);
  const name = activeOverrides(c.env)[key];
  if (name) io.stderr.write(`Note: ${name} is set in this environment and overrides "${key}" from settings.json.\n`);
  return 0;
}

function needArgs(positionals: string[], n: number, usage: string): void {
  if (positionals.length !== n) throw new GatehouseError('INVALID_ARGUMENT', `Expected ${n} argument(s), got ${positionals.length}.`, `Usage: gatehouse ${usage}`);
}

export const SETTINGS_COMMANDS: CliCommand[] = [
  {
    path: ['settings'],
    usage: 'settings [--json]',
    summary: 'Show the effective settings and which come from GATEHOUSE_* variables',
    flags: { json: false },
    async run({ core, io, args }) {
      if (args.positionals.length) {
        throw new GatehouseError('INVALID_ARGUMENT', `Unknown settings command "${args.positionals.join(' ')}".`, 'Use settings, settings set KEY VALUE, settings unset KEY, settings watch-folder add|remove PATH.');
      }
      const c = await core();
      const settings = await c.settings.get();
      const overrides = activeOverrides(c.env);
      if (args.flags.has('json')) printJson(io, { settings, overrides, file: c.settings.file });
      else io.stdout.write(formatSettings(settings, overrides, c.settings.file));
      return 0;
    },
  },
  {
    path: ['settings', 'set'],
    usage: 'settings set KEY VALUE',
    summary: 'Change one setting in settings.json (dotted keys: port, database.enabled, extraEnv.LITELLM_LOG)',
    flags: {},
    async run({ core, io, args }) {
      needArgs(args.positionals, 2, 'settings set KEY VALUE');
      const [key, raw] = args.positionals as [string, string];
      return change(await core(), io, 'Set', key, (current) => patchForSet(current, key, raw));
    },
  },
  {
    path: ['settings', 'unset'],
    usage: 'settings unset KEY',
    summary: 'Remove extraEnv.NAME, or put another setting back to its default',
    flags: {},
    async run({ core, io, args }) {
      needArgs(args.positionals, 1, 'settings unset KEY');
      const key = args.positionals[0] as string;
      return change(await core(), io, 'Unset', key, (current) => patchForUnset(current, key));
    },
  },
  ...(['add', 'remove'] as const).map(
    (op): CliCommand => ({
      path: ['settings', 'watch-folder', op],
      usage: `settings watch-folder ${op} PATH`,
      summary: op === 'add' ? 'Have the security check scan a folder for plaintext keys' : 'Stop scanning a folder for plaintext keys',
      flags: {},
      async run({ core, io, args }) {
        needArgs(args.positionals, 1, `settings watch-folder ${op} PATH`);
        const c = await core();
        const next = await c.settings.update(watchFolderPatch(await c.settings.get(), op, args.positionals[0] as string));
        io.stdout.write(`Watched folders: ${next.watchedFolders.join(', ') || '(none)'}\n`);
        return 0;
      },
    }),
  ),
];

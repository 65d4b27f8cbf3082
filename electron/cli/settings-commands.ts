import path from 'node:path';
import type { Settings, SettingsPatch } from '../../shared/api';
import { redirectWarning } from '../../shared/extra-env-policy';
import { GatehouseError } from '../core/errors';
import { activeOverrides, DEFAULT_SETTINGS, SettingsStore, refusedSetting } from '../core/settings';
import type { CliCommand } from './command';
import { closest } from './help';
import { asUsageError } from './exit-codes';
import { printJson, type CliIO } from './output';

/**
 * `gatehouse settings …`: the headless way to read and change settings.json. Every change goes
 * through `SettingsStore.update`, so the same zod schema as the desktop app validates it (and
 * refuses secret env names); only the file layer is written, never the GATEHOUSE_* overrides.
 */

/** Settings that hold a group of values (`database.enabled`, `tls.mode`); extraEnv is a map of its own. */
type GroupName = 'database' | 'tls';
const GROUPS = (Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]).filter(
  (k): k is GroupName => k !== 'extraEnv' && typeof DEFAULT_SETTINGS[k] === 'object' && DEFAULT_SETTINGS[k] !== null && !Array.isArray(DEFAULT_SETTINGS[k]),
);

/** A dotted key resolved against the shape of the settings. */
type SettingKey =
  | { kind: 'top'; name: Exclude<keyof Settings, GroupName | 'extraEnv' | 'watchedFolders'> }
  | { kind: 'group'; group: GroupName; name: string }
  | { kind: 'extraEnv'; name: string };

function keyList(): string {
  const top = Object.keys(DEFAULT_SETTINGS).filter((k) => !(GROUPS as string[]).includes(k) && k !== 'extraEnv' && k !== 'watchedFolders');
  const grouped = GROUPS.flatMap((g) => Object.keys(DEFAULT_SETTINGS[g]).map((k) => `${g}.${k}`));
  return [...top, ...grouped, 'extraEnv.NAME'].join(', ');
}

export function resolveKey(key: string): SettingKey {
  if (key === 'watchedFolders') {
    throw new GatehouseError('INVALID_ARGUMENT', 'The watched folders are a list, not one value.', 'Use `gatehouse settings watch-folder add PATH` or `… remove PATH`.');
  }
  if (key === 'extraEnv' || (GROUPS as string[]).includes(key)) {
    const example = key === 'extraEnv' ? 'extraEnv.LITELLM_LOG' : `${key}.${Object.keys(DEFAULT_SETTINGS[key as GroupName])[0]}`;
    throw new GatehouseError('INVALID_ARGUMENT', `"${key}" is a group of settings, not one value.`, `Name one of them, e.g. ${example}.`);
  }
  if (key.startsWith('extraEnv.') && key.length > 'extraEnv.'.length) return { kind: 'extraEnv', name: key.slice('extraEnv.'.length) };
  const dot = key.indexOf('.');
  if (dot !== -1) {
    const group = key.slice(0, dot) as GroupName;
    const name = key.slice(dot + 1);
    if ((GROUPS as string[]).includes(group) && Object.hasOwn(DEFAULT_SETTINGS[group], name)) return { kind: 'group', group, name };
  } else if (Object.hasOwn(DEFAULT_SETTINGS, key)) {
    return { kind: 'top', name: key as Extract<SettingKey, { kind: 'top' }>['name'] };
  }
  const guess = closest(key, keyList().split(', '));
  throw new GatehouseError('INVALID_ARGUMENT', `There is no setting "${key}".`, `${guess.length ? `Did you mean ${guess.join(' or ')}? ` : ''}Settings: ${keyList()}.`);
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
  if (k.kind === 'group') return (DEFAULT_SETTINGS[k.group] as unknown as Record<string, unknown>)[k.name];
  return undefined;
}

function patchFor(current: Settings, k: SettingKey, value: unknown): SettingsPatch {
  if (k.kind === 'group') return { [k.group]: { [k.name]: value } } as SettingsPatch;
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
    if ((GROUPS as string[]).includes(k)) for (const [dk, dv] of Object.entries(v as object)) rows.push([`${k}.${dk}`, JSON.stringify(dv)]);
    else if (k === 'extraEnv') for (const [ek, ev] of Object.entries(v as object)) rows.push([`extraEnv.${ek}`, JSON.stringify(ev)]);
    else if (k === 'watchedFolders') rows.push([k, (v as string[]).length ? (v as string[]).join(', ') : '(none)']);
    else rows.push([k, JSON.stringify(v) + (overrides[k] ? `   (from ${overrides[k]}; settings.json is overridden)` : '')]);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  return `Settings (file ${file}):\n` + rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

/**
 * What a change needs before it counts: settings the gateway container is made from need a
 * restart of a running gateway; the others are read when they are used.
 */
const APPLIES_WHEN: Partial<Record<keyof Settings, string>> = {
  startTimeoutSeconds: 'It applies from the next start; no restart needed.',
  clipboardClearSeconds: 'The running app uses it at once, also for a countdown under way; no restart needed.',
  keyMaxAgeDays: 'The key-age check uses it from now on; no restart needed.',
  logBufferEntries: 'The running app\'s log buffer follows it at once; the gateway needs no restart.',
  stopGatewayOnQuit: 'It applies when the app next quits; no restart needed.',
};

function appliesWhen(key: string): string {
  const top = key.split('.')[0] as keyof Settings;
  return APPLIES_WHEN[top] ?? 'Run `gatehouse restart` to apply it to a running gateway.';
}

/**
 * Saves one key's change. It starts from the file's own values, unvalidated, so that a change
 * also repairs a file holding a wrong value; a GATEHOUSE_* variable still wins over the file,
 * so it says so.
 */
async function change(store: SettingsStore, env: NodeJS.ProcessEnv, io: CliIO, verb: string, key: string, patchOf: (current: Settings) => SettingsPatch): Promise<number> {
  const patch = patchOf(await store.fileValues());
  try {
    await store.update(patch);
  } catch (err) {
    // The typed value refused by the schema is a mistake on the command line (exit 2); another
    // wrong value in the file is not.
    const field = refusedSetting(err);
    if (field !== undefined && field.split('.')[0] === key.split('.')[0]) throw asUsageError(err);
    throw err;
  }
  io.stdout.write(`${verb} ${key}. ${appliesWhen(key)}\n`);
  const warning = verb === 'Set' && key.startsWith('extraEnv.') ? redirectWarning(key.slice('extraEnv.'.length)) : null;
  if (warning) io.stderr.write(`Warning: ${warning}\n`);
  const name = (activeOverrides(env) as Record<string, string | undefined>)[key];
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
    async run({ env, io, args }) {
      // Only settings.json and the environment: no keychain, no Docker, no recovery to wait for.
      const store = new SettingsStore({ env });
      const settings = await store.get();
      const overrides = activeOverrides(env);
      if (args.flags.has('json')) printJson(io, { settings, overrides, file: store.file });
      else io.stdout.write(formatSettings(settings, overrides, store.file));
      return 0;
    },
  },
  {
    path: ['settings', 'set'],
    usage: 'settings set KEY VALUE',
    positionals: [0, 99],
    summary: 'Change one setting in settings.json (dotted keys: port, database.enabled, extraEnv.LITELLM_LOG)',
    flags: {},
    async run({ env, io, args }) {
      needArgs(args.positionals, 2, 'settings set KEY VALUE');
      const [key, raw] = args.positionals as [string, string];
      return change(new SettingsStore({ env }), env, io, 'Set', key, (current) => patchForSet(current, key, raw));
    },
  },
  {
    path: ['settings', 'unset'],
    usage: 'settings unset KEY',
    positionals: [0, 99],
    summary: 'Remove extraEnv.NAME, or put another setting back to its default',
    flags: {},
    async run({ env, io, args }) {
      needArgs(args.positionals, 1, 'settings unset KEY');
      const key = args.positionals[0] as string;
      return change(new SettingsStore({ env }), env, io, 'Unset', key, (current) => patchForUnset(current, key));
    },
  },
  ...(['add', 'remove'] as const).map(
    (op): CliCommand => ({
      path: ['settings', 'watch-folder', op],
      usage: `settings watch-folder ${op} PATH`,
      positionals: [0, 99],
      summary: op === 'add' ? 'Have the security check scan a folder for plaintext keys' : 'Stop scanning a folder for plaintext keys',
      flags: {},
      async run({ env, io, args }) {
        needArgs(args.positionals, 1, `settings watch-folder ${op} PATH`);
        const store = new SettingsStore({ env });
        const next = await store.update(watchFolderPatch(await store.fileValues(), op, args.positionals[0] as string));
        io.stdout.write(`Watched folders: ${next.watchedFolders.join(', ') || '(none)'}\n`);
        return 0;
      },
    }),
  ),
];

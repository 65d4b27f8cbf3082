import path from 'node:path';
import net from 'node:net';
import { z } from 'zod';
import type { Settings, SettingsPatch } from '../../shared/api';
import { GatehouseError } from './errors';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { gatehouseHome } from './paths';

export const DEFAULT_IMAGE = 'ghcr.io/cabinlab/litellm-claude-code:latest';
export const DEFAULT_DB_IMAGE = 'postgres:16';

/** Names that must never be set through extraEnv: they are secrets or derived by Gatehouse. */
const RESERVED_ENV = new Set([
  'LITELLM_MASTER_KEY',
  'LITELLM_SALT_KEY',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'DATABASE_URL',
  'POSTGRES_PASSWORD',
]);

// Docker's own grammar for references is long; this catches the mistakes people make
// (spaces, upper case in the path, empty parts) and leaves the rest to Docker.
const IMAGE_REF = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const imageRef = z.string().trim().regex(IMAGE_REF, 'is not a valid image reference (like "ghcr.io/owner/name:tag")');

export const settingsSchema = z
  .object({
    image: imageRef,
    port: z.number().int().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535'),
    bindAddress: z.string().refine((v) => net.isIP(v) !== 0, 'must be an IP address such as 127.0.0.1 or 0.0.0.0'),
    stackName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1–40 lower-case letters, digits, "-" or "_", starting with a letter or digit'),
    extraEnv: z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'names must be letters, digits and "_"'),
      z.string().max(4096),
    ),
    clipboardClearSeconds: z.number().int().min(5, 'must be at least 5 seconds').max(600, 'must be at most 600 seconds'),
    keyMaxAgeDays: z.number().int().min(1).max(3650),
    logBufferEntries: z.number().int().min(1000).max(1_000_000),
    watchedFolders: z.array(z.string().refine((p) => path.isAbsolute(p), 'must be absolute paths')),
    stopGatewayOnQuit: z.boolean(),
    startTimeoutSeconds: z.number().int().min(1, 'must be at least 1 second').max(3600, 'must be at most 3600 seconds'),
    database: z.object({
      enabled: z.boolean(),
      image: imageRef,
      volume: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a Docker volume name')
        .nullable(),
    }),
    tls: z.object({
      mode: z.enum(['off', 'local', 'custom']),
      certFile: z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path').nullable(),
      keyFile: z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path').nullable(),
    }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.tls.mode === 'custom' && (!s.tls.certFile || !s.tls.keyFile)) {
      ctx.addIssue({ code: 'custom', path: ['tls', s.tls.certFile ? 'keyFile' : 'certFile'], message: 'is needed when tls.mode is "custom" (`gatehouse tls enable --cert PATH --key PATH`)' });
    }
    for (const name of Object.keys(s.extraEnv)) {
      if (RESERVED_ENV.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['extraEnv', name],
          message: 'is a secret that Gatehouse keeps in the keychain; it cannot be set as plain environment',
        });
      }
    }
  });

export const DEFAULT_SETTINGS: Settings = {
  image: DEFAULT_IMAGE,
  port: 4000,
  bindAddress: '127.0.0.1',
  stackName: 'gatehouse',
  extraEnv: {},
  clipboardClearSeconds: 30,
  keyMaxAgeDays: 90,
  logBufferEntries: 100_000,
  watchedFolders: [],
  stopGatewayOnQuit: false,
  // LiteLLM with a large config can take a minute to boot on a slow machine.
  startTimeoutSeconds: 120,
  database: { enabled: false, image: DEFAULT_DB_IMAGE, volume: null },
  tls: { mode: 'off', certFile: null, keyFile: null },
};

/** zod's "Invalid input: expected number, received string" said for a person, with the value found. */
function typeMessage(issue: z.core.$ZodIssueInvalidType, candidate: unknown): string {
  let found: unknown = candidate;
  for (const k of issue.path) found = found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[k] : undefined;
  const want = issue.expected === 'int' ? 'a whole number' : issue.expected === 'object' || issue.expected === 'array' ? `an ${issue.expected}` : `a ${issue.expected}`;
  // NaN is what a GATEHOUSE_PORT that is no number turns into: the variable's text is shown by the caller.
  if (typeof found === 'number' && Number.isNaN(found)) return `must be ${want}`;
  const shown = typeof found === 'string' ? `the text ${JSON.stringify(found)}` : found === undefined ? 'nothing' : JSON.stringify(found);
  return `must be ${want}, not ${shown}`;
}

function invalid(error: z.ZodError, source: string, candidate?: unknown): GatehouseError {
  const issue = error.issues[0];
  const field = issue && issue.path.length ? issue.path.join('.') : '(settings)';
  // A bad record key (extraEnv name) comes as "Invalid key in record" with the key's own
  // message nested: show the one that says what a name may hold.
  const nested = issue && issue.code === 'invalid_key' ? issue.issues[0] : undefined;
  const msg = nested ? nested.message : issue?.code === 'invalid_type' ? typeMessage(issue, candidate) : issue ? issue.message : 'is invalid';
  const secretName = issue?.path[0] === 'extraEnv' && RESERVED_ENV.has(String(issue.path[1]));
  return new GatehouseError(
    'SETTINGS_INVALID',
    `Invalid setting "${field}" in ${source}: ${msg}.`,
    secretName
      ? `Leave "${field}" out of the settings: Gatehouse injects it from the keychain at start (\`gatehouse key import --env-file FILE --scrub\` moves a .env's secrets there).`
      : issue?.path.length && source !== 'the update'
        ? `Correct it with \`gatehouse settings set ${field} VALUE\`, or go back to the default with \`gatehouse settings unset ${field}\`.`
        : `Correct "${field}" and try again.`,
  );
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

/**
 * Settings saved as JSON in the app data folder. The effective settings are
 * defaults ← settings.json ← environment overrides; only the file layer is ever written.
 */
export class SettingsStore {
  readonly file: string;
  private readonly env: NodeJS.ProcessEnv;
  private cached: Settings | null = null;

  constructor(options: { home?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.env = options.env ?? process.env;
    this.file = path.join(options.home ?? gatehouseHome(this.env), 'settings.json');
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

  async get(): Promise<Settings> {
    if (this.cached) return this.cached;
    const fileLayer = await this.readFileLayer();
    const candidate = mergePatch(fileLayer, envOverrides(this.env));
    const parsed = settingsSchema.safeParse(candidate);
    if (!parsed.success) throw invalidOverride(parsed.error, candidate, this.env);
    this.cached = parsed.data;
    return this.cached;
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
    this.cached = null;
    return this.get();
  }
}

import { z } from 'zod';
import type { Settings } from './api';
import { isIpAddress } from './network';
import { isSecretShapedValue, RESERVED_ENV_NAMES, secretEnvFix, secretNameReason } from './extra-env-policy';
import { SETTINGS_LIMITS } from './settings-limits';

export { SETTINGS_LIMITS };

/**
 * The one schema of the settings. The store validates settings.json and every change with it
 * (electron/core/settings.ts), main validates the `settings:update` argument with its partial
 * form (shared/ipc-schemas.ts), and `gatehouse settings set` goes through the store. The bounds
 * are in shared/settings-limits.ts, which the window's forms import without zod. No Node
 * built-ins here.
 */

export const DEFAULT_IMAGE = 'ghcr.io/cabinlab/litellm-claude-code:latest';
export const DEFAULT_DB_IMAGE = 'postgres:16';

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
  mounts: [],
  credentialsVolume: null,
  target: 'container',
  publishMode: 'ingress',
  replicas: 1,
};

// Docker's own grammar for references is long; this catches the mistakes people make
// (spaces, upper case in the path, empty parts) and leaves the rest to Docker.
const IMAGE_REF = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** Absolute on any of the desktop platforms: "/…", "C:\…", "\\server\…". */
function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function intBetween(limits: { min: number; max: number }, unit = ''): z.ZodNumber {
  const range = `must be between ${limits.min} and ${limits.max}${unit}`;
  return z.number().int('must be a whole number').min(limits.min, range).max(limits.max, range);
}

const imageRef = z.string().trim().max(512, 'is too long for an image reference').regex(IMAGE_REF, 'is not a valid image reference (like "ghcr.io/owner/name:tag")');
const absolutePath = (what: string) => z.string().max(4096, 'is too long for a path').refine(isAbsolutePath, `must be ${what}`);

const databaseFields = z.object({
  enabled: z.boolean(),
  image: imageRef,
  volume: z.string().max(255, 'is too long for a volume name').regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a Docker volume name').nullable(),
});

const tlsFields = z.object({
  mode: z.enum(['off', 'local', 'custom']),
  certFile: absolutePath('an absolute path').nullable(),
  keyFile: absolutePath('an absolute path').nullable(),
});

const volumeName = z.string().max(255, 'is too long for a volume name').regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a Docker volume name');

const bindMount = z
  .object({
    source: absolutePath('an absolute path on this machine'),
    target: z.string().max(4096, 'is too long for a path').regex(/^\/[^:]*$/, 'must be an absolute path in the container (no ":")'),
    readOnly: z.boolean(),
  })
  .strict();

const L = SETTINGS_LIMITS;

const settingsFields = z.object({
  image: imageRef,
  port: intBetween(L.port),
  bindAddress: z.string().max(64, 'is too long for an IP address').refine(isIpAddress, 'must be an IP address such as 127.0.0.1 or 0.0.0.0'),
  stackName: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1–40 lower-case letters, digits, "-" or "_", starting with a letter or digit'),
  extraEnv: z.record(
    z.string().max(128, 'names must be at most 128 characters').regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'names must be letters, digits and "_"'),
    z.string().max(4096, 'values must be at most 4096 characters'),
  ),
  clipboardClearSeconds: intBetween(L.clipboardClearSeconds, ' seconds'),
  keyMaxAgeDays: intBetween(L.keyMaxAgeDays, ' days'),
  logBufferEntries: intBetween(L.logBufferEntries, ' entries'),
  watchedFolders: z.array(absolutePath('absolute paths')).max(100, 'can hold at most 100 folders'),
  stopGatewayOnQuit: z.boolean(),
  startTimeoutSeconds: intBetween(L.startTimeoutSeconds, ' seconds'),
  database: databaseFields,
  tls: tlsFields,
  mounts: z.array(bindMount).max(32, 'can hold at most 32 mounts'),
  credentialsVolume: volumeName.nullable(),
  target: z.enum(['container', 'swarm']),
  publishMode: z.enum(['ingress', 'host']),
  replicas: intBetween(L.replicas, ' replicas'),
});

/** Marks an issue about a secret in extraEnv: its fix points to the keychain, not to "correct it". */
const SECRET_ISSUE = { secretEnv: true } as const;

function checkExtraEnv(extraEnv: Record<string, string> | undefined, ctx: z.RefinementCtx): void {
  for (const [name, value] of Object.entries(extraEnv ?? {})) {
    const reason = secretNameReason(name, value);
    if (reason) {
      ctx.addIssue({ code: 'custom', path: ['extraEnv', name], message: reason, params: SECRET_ISSUE });
    } else if (isSecretShapedValue(value)) {
      ctx.addIssue({ code: 'custom', path: ['extraEnv', name], message: 'holds a value shaped like a secret (a key, token, password or private key); secrets are not kept in settings.json or the container\'s plain environment', params: SECRET_ISSUE });
    }
  }
}

export const settingsSchema = settingsFields.strict().superRefine((s, ctx) => {
  if (s.tls.mode === 'custom' && (!s.tls.certFile || !s.tls.keyFile)) {
    ctx.addIssue({ code: 'custom', path: ['tls', s.tls.certFile ? 'keyFile' : 'certFile'], message: 'is needed when tls.mode is "custom" (`gatehouse tls enable --cert PATH --key PATH`)' });
  }
  checkExtraEnv(s.extraEnv, ctx);
});

/**
 * A change as the renderer sends it (`settings:update`): any subset of the fields, each under
 * the same rules; unknown keys are refused, so a typo is an error and not a setting that quietly
 * does nothing. The store validates the merged result again with settingsSchema.
 */
export const settingsPatchSchema = settingsFields
  .extend({ database: databaseFields.partial().strict(), tls: tlsFields.partial().strict() })
  .partial()
  .strict()
  .superRefine((p, ctx) => checkExtraEnv(p.extraEnv, ctx));

/** A refused setting as data: the dotted field, why, and what to do. */
export interface SettingsIssue {
  field: string;
  message: string;
  fix: string;
}

/** zod's "Invalid input: expected number, received string" said for a person, with the value found. */
function typeMessage(issue: z.core.$ZodIssueInvalidType, candidate: unknown): string {
  let found: unknown = candidate;
  for (const k of issue.path) found = found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[k] : undefined;
  const want = issue.expected === 'int' ? 'a whole number' : issue.expected === 'object' || issue.expected === 'array' ? `an ${issue.expected}` : `a ${issue.expected}`;
  // NaN is what a GATEHOUSE_PORT that is no number turns into: the variable's text is shown by the caller.
  if (typeof found === 'number' && Number.isNaN(found)) return `must be ${want}`;
  // A string in an extraEnv position may be a secret: never shown.
  const shown = typeof found === 'string' && issue.path[0] !== 'extraEnv' ? `the text ${JSON.stringify(found.slice(0, 80))}` : found === undefined ? 'nothing' : typeof found === 'string' ? 'text' : JSON.stringify(found);
  return `must be ${want}, not ${shown}`;
}

/**
 * Describes the first problem of a refused settings candidate. `source` says where the value
 * came from ("the update", the file's path); `candidate` lets a wrong type name what was found.
 * Values in extraEnv are never repeated (one may be a secret).
 */
export function settingsIssue(error: z.ZodError, source: string, candidate?: unknown): SettingsIssue {
  const issue = error.issues[0];
  const field = issue && issue.path.length ? issue.path.map(String).join('.') : '(settings)';
  // A bad record key (extraEnv name) comes as "Invalid key in record" with the key's own
  // message nested: show the one that says what a name may hold.
  const nested = issue && issue.code === 'invalid_key' ? issue.issues[0] : undefined;
  const why = nested ? nested.message : issue?.code === 'invalid_type' ? typeMessage(issue, candidate) : issue?.code === 'unrecognized_keys' ? `has no setting ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue ? issue.message : 'is invalid';
  const secret = issue?.code === 'custom' && (issue.params as { secretEnv?: boolean } | undefined)?.secretEnv === true;
  const reserved = secret && RESERVED_ENV_NAMES.has(String(issue?.path[1]));
  const fix = reserved
    ? `Leave "${field}" out of the settings: Gatehouse injects it from the keychain at start (\`gatehouse key import --env-file FILE --scrub\` moves a .env's secrets there).`
    : secret
      ? secretEnvFix(field)
      : issue?.path.length && source !== 'the update'
        ? `Correct it with \`gatehouse settings set ${field} VALUE\`, or go back to the default with \`gatehouse settings unset ${field}\`.`
        : `Correct "${field}" and try again.`;
  return { field, message: `Invalid setting "${field}" in ${source}: ${why}.`, fix };
}

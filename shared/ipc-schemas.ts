import { z } from 'zod';
import type { ErrorPayload, InvokeChannel } from './api';
import { LOG_LEVELS } from './log-levels';
import { CLIENT_EXPIRES_PATTERN, CLIENT_NAME_PATTERN, CONNECT_TOOLS } from './clients';
import { settingsIssue, settingsPatchSchema } from './settings-schema';

export { settingsPatchSchema } from './settings-schema';

/**
 * One zod schema per invoke channel, describing its argument tuple. Main validates every call
 * against these before a handler runs, so a compromised renderer can send nothing the core does
 * not expect. Schemas are strict: unknown keys are refused, not silently dropped, so a typo in
 * the renderer surfaces as INVALID_ARGUMENT instead of a setting that quietly does nothing.
 *
 * `settings:update` takes the partial form of the one settings schema (shared/settings-schema.ts),
 * so the window, the store and `gatehouse settings set` accept and refuse the same values. Deep
 * checks that need the machine (is the port free, is the image there) stay in the core.
 */

const none = z.tuple([]);

const logLevel = z.enum(LOG_LEVELS);
const logStream = z.enum(['stdout', 'stderr', 'system']);
const isoTime = z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date-time');

export const logQuerySchema = z
  .object({
    minLevel: logLevel.optional(),
    stream: logStream.optional(),
    text: z.string().max(1000).optional(),
    regex: z.boolean().optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    limit: z.number().int().min(0).max(1_000_000).optional(),
    offset: z.number().int().min(0).max(10_000_000).optional(),
  })
  .strict();

const clientName = z.string().regex(CLIENT_NAME_PATTERN, 'must be a client name (letters, digits, . _ -)');
const clientKeyOptions = z
  .object({
    models: z.array(z.string().min(1).max(200)).min(1).max(50).optional(),
    budget: z.number().positive().max(1_000_000).optional(),
    expires: z.string().regex(CLIENT_EXPIRES_PATTERN, 'must be a duration such as 30d').optional(),
  })
  .strict();

// Compose normalises project names to lower-case letters, digits, "-" and "_".
const composeProject = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a docker-compose project name');
const takeoverChoice = z.object({ scrub: z.boolean(), keepExposure: z.boolean() }).strict();
const volumeName = z.string().max(255).regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a Docker volume name');

export const IPC_SCHEMAS: { readonly [K in InvokeChannel]: z.ZodType<unknown[]> } = {
  'stack:start': none,
  'stack:stop': none,
  'stack:status': none,
  'key:info': none,
  'key:create': none,
  'key:rotate': none,
  'key:copy': none,
  'key:reveal': none,
  // Only whether to scrub: main asks for the file in its own dialog, the page never names one.
  'key:import': z.tuple([z.boolean()]),
  // The token itself is validated (prefix, shape) by the core; here only its size is bounded.
  'claude:set-token': z.tuple([z.string().min(1).max(4096)]),
  'claude:status': none,
  'tls:status': none,
  'tls:enable': none,
  'tls:disable': none,
  'tls:ca': none,
  'tls:export-ca': none,
  'logs:query': z.tuple([logQuerySchema]),
  'logs:clear': none,
  'logs:export': z.tuple([logQuerySchema, z.enum(['text', 'jsonl'])]),
  'warnings:list': none,
  'warnings:ack': z.tuple([z.string().min(1).max(200)]),
  'security:run': none,
  'settings:get': none,
  'settings:update': z.tuple([settingsPatchSchema]),
  'app:hardening': none,
  'app:open-external': z.tuple([z.string().url().max(2048)]),
  // Only non-secret text (the endpoint URL, a fingerprint); the key is copied by key:copy in main.
  'app:copy-text': z.tuple([z.string().min(1).max(2048)]),
  'connect:info': z.tuple([clientName.nullable()]),
  'connect:copy': z.tuple([z.enum(CONNECT_TOOLS), clientName.nullable()]),
  'chain:test': z.tuple([z.string().min(1).max(200).nullable(), clientName.nullable()]),
  'chain:last': none,
  'clients:list': none,
  'clients:add': z.tuple([clientName, clientKeyOptions]),
  'clients:copy': z.tuple([clientName]),
  'clients:rotate': z.tuple([clientName]),
  'clients:revoke': z.tuple([clientName]),
  'takeover:detect': none,
  'takeover:plan': z.tuple([composeProject.nullable(), takeoverChoice]),
  'takeover:adopt': z.tuple([composeProject.nullable(), takeoverChoice]),
  'db:adopt': z.tuple([volumeName]),
  'db:remove-data': z.tuple([volumeName]),
  'swarm:status': none,
  // No advertise address from the page: the app makes only the single-node swarm on 127.0.0.1.
  'swarm:init': none,
};

/** One line naming what is wrong with a call's arguments (never echoes the values: one may be a token). */
export function describeArgsIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the arguments are invalid';
  const where = issue.path.length ? `argument ${issue.path.join('.')}` : 'the arguments';
  return `${where} ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
}

/** Issues about a value's shape (a string for a number, an unknown key): the window's bug, not the user's entry. */
const SHAPE_ISSUES = new Set(['invalid_type', 'unrecognized_keys', 'invalid_union']);

/**
 * Why a call was refused, as the error the window shows. A settings value the user typed that
 * breaks a rule (a port out of range, a secret in extraEnv) is a SETTINGS_INVALID naming the
 * field, as the store and the CLI say it; anything else is INVALID_ARGUMENT: the window sent
 * what it never should.
 */
export function argumentsRefusal(channel: InvokeChannel, error: z.ZodError): ErrorPayload {
  const first = error.issues[0];
  if (channel === 'settings:update' && first && first.path[0] === 0 && first.path.length > 1 && !SHAPE_ISSUES.has(first.code)) {
    const inner = new z.ZodError(error.issues.map((i) => ({ ...i, path: i.path.slice(1) })));
    const { message, fix } = settingsIssue(inner, 'the update');
    return { code: 'SETTINGS_INVALID', message, fix };
  }
  return {
    code: 'INVALID_ARGUMENT',
    message: `The call "${channel}" was refused: ${describeArgsIssue(error)}.`,
    fix: 'This is a bug in the Gatehouse window; restart the app and report it if it happens again.',
  };
}

import { z } from 'zod';
import type { InvokeChannel } from './api';

/**
 * One zod schema per invoke channel, describing its argument tuple. Main validates every call
 * against these before a handler runs, so a compromised renderer can send nothing the core does
 * not expect. Schemas are strict: unknown keys are refused, not silently dropped, so a typo in
 * the renderer surfaces as INVALID_ARGUMENT instead of a setting that quietly does nothing.
 *
 * Deep checks (is this image reference valid, is the port free) stay in the core; these schemas
 * check shape and bounds only, which is what keeps hostile input from reaching it.
 */

const none = z.tuple([]);

const logLevel = z.enum(['debug', 'info', 'warning', 'error', 'critical']);
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

export const settingsPatchSchema = z
  .object({
    image: z.string().min(1).max(512).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    bindAddress: z.string().min(1).max(64).optional(),
    stackName: z.string().min(1).max(64).optional(),
    extraEnv: z.record(z.string().max(128), z.string().max(4096)).optional(),
    clipboardClearSeconds: z.number().int().min(1).max(3600).optional(),
    keyMaxAgeDays: z.number().int().min(1).max(36500).optional(),
    logBufferEntries: z.number().int().min(1).max(10_000_000).optional(),
    watchedFolders: z.array(z.string().min(1).max(4096)).max(100).optional(),
    stopGatewayOnQuit: z.boolean().optional(),
    startTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
    database: z
      .object({
        enabled: z.boolean().optional(),
        image: z.string().min(1).max(512).optional(),
        volume: z.string().min(1).max(255).nullable().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const IPC_SCHEMAS: { readonly [K in InvokeChannel]: z.ZodType<unknown[]> } = {
  'stack:start': none,
  'stack:stop': none,
  'stack:status': none,
  'key:info': none,
  'key:create': none,
  'key:rotate': none,
  'key:copy': none,
  'key:reveal': none,
  // An absolute path only: the app has no working directory a relative one could mean.
  'key:import': z.tuple([z.boolean()]),
  // The token itself is validated (prefix, shape) by the core; here only its size is bounded.
  'claude:set-token': z.tuple([z.string().min(1).max(4096)]),
  'claude:status': none,
  'tls:status': none,
  'tls:enable': none,
  'tls:disable': none,
  'tls:ca': none,
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
};

/** One line naming what is wrong with a call's arguments (never echoes the values: one may be a token). */
export function describeArgsIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the arguments are invalid';
  const where = issue.path.length ? `argument ${issue.path.join('.')}` : 'the arguments';
  return `${where} ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
}

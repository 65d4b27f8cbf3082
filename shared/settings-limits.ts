/**
 * Bounds of the numeric settings, for the schema (shared/settings-schema.ts) and for the forms
 * that show them. No runtime dependencies: the renderer imports it without pulling in zod.
 *
 * Clipboard: long enough to paste, short enough that a key left there does not linger
 * (5 s – 10 min). Key age: up to 10 years. Log buffer: below 1 000 entries a traceback burst
 * pushes out what one wants to see; above 1 000 000 (~300 MB) the app itself becomes the problem.
 */
export const SETTINGS_LIMITS = {
  port: { min: 1, max: 65535 },
  clipboardClearSeconds: { min: 5, max: 600 },
  keyMaxAgeDays: { min: 1, max: 3650 },
  logBufferEntries: { min: 1000, max: 1_000_000 },
  startTimeoutSeconds: { min: 1, max: 3600 },
  // One host port per node in host mode; more than 32 gateways in front of one Claude login is a mistake.
  replicas: { min: 1, max: 32 },
} as const;

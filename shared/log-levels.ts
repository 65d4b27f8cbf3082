/**
 * The gateway's log levels, least to most severe. One list for the core (parsing, filters),
 * the IPC argument schema, the CLI and the renderer's level picker. No runtime dependencies:
 * the renderer bundle imports it.
 */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** Severity order, for "minimum level" filters and for keeping a group's worst level. */
export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warning: 2, error: 3, critical: 4 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

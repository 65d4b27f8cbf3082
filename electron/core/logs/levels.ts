import { LEVEL_RANK, LOG_LEVELS, type LogLevel } from '../../../shared/log-levels';
import { GatehouseError } from '../errors';

// The list and the order live in shared/log-levels.ts (the renderer and IPC schema use them too).
export { LEVEL_RANK, LOG_LEVELS };

/**
 * Maps the level names the gateway's loggers print (Python logging, uvicorn, JSON logs) to ours.
 * Returns null for anything else, so callers can fall back to their own rule.
 */
export function normalizeLevel(name: string): LogLevel | null {
  switch (name.toLowerCase()) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'info':
    case 'notice':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warning';
    case 'error':
    case 'err':
    case 'exception':
      return 'error';
    case 'critical':
    case 'fatal':
    case 'crit':
      return 'critical';
    default:
      return null;
  }
}

/** A level typed by a user (CLI flag, query); INVALID_ARGUMENT names the accepted ones. */
export function parseLevelArgument(name: string): LogLevel {
  const level = normalizeLevel(name);
  if (!level) {
    throw new GatehouseError('INVALID_ARGUMENT', `Unknown log level "${name}".`, `Use one of: ${LOG_LEVELS.join(', ')}.`);
  }
  return level;
}

export function maxLevel(a: LogLevel, b: LogLevel): LogLevel {
  return LEVEL_RANK[a] >= LEVEL_RANK[b] ? a : b;
}

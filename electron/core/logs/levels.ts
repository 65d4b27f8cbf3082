import type { LogLevel } from '../../../shared/api';
import { GatehouseError } from '../errors';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];

/** Severity order, for "minimum level" filters and for keeping a group's worst level. */
export const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, critical: 4 };

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

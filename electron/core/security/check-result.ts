import type { CheckStatus, FixAction, SecurityCheck } from '../../../shared/api';

/** One verdict; a passing check carries no fix and no action. */
export function result(id: string, title: string, status: CheckStatus, finding: string, fix: string | null = null, action: FixAction | null = null): SecurityCheck {
  return { id, title, status, finding, fix: status === 'pass' ? null : fix, action: status === 'pass' ? null : action };
}

/** "a, b, c and 2 more". */
export function listShort(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

import type { CheckStatus, SecurityCheck, SecurityReport } from '../../../shared/api';

// A skipped check (it cannot run in this front end) counts as nothing found.
const RANK: Record<CheckStatus, number> = { skip: 0, pass: 0, warn: 1, fail: 2 };

export function worstOf(checks: SecurityCheck[]): CheckStatus {
  return checks.reduce<CheckStatus>((w, c) => (RANK[c.status] > RANK[w] ? c.status : w), 'pass');
}

export function buildReport(checks: SecurityCheck[], checkedAt: Date): SecurityReport {
  return { checkedAt: checkedAt.toISOString(), checks, worst: worstOf(checks) };
}

/** Checks whose status is worse than in the previous report (a check new to the report counts from pass). */
export function worsened(previous: SecurityReport | null, next: SecurityReport): SecurityCheck[] {
  if (!previous) return [];
  const before = new Map(previous.checks.map((c) => [c.id, c.status]));
  return next.checks.filter((c) => RANK[c.status] > RANK[before.get(c.id) ?? 'pass']);
}

/** The exit code `gatehouse security` returns: 0 all pass, 1 any warning, 2 any failure. */
export function exitCodeFor(report: SecurityReport): number {
  return RANK[report.worst];
}

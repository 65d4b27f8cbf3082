/**
 * Every Docker object Gatehouse creates carries these labels, so that it finds its own objects
 * again after a restart (as Compose does with its project label) and never touches anyone
 * else's: every lookup filters on `io.gatehouse.stack`.
 */
export const LABELS = {
  stack: 'io.gatehouse.stack',
  role: 'io.gatehouse.role',
  /** Fingerprint of the master key the gateway was created with (a fingerprint is not a secret). */
  keyFingerprint: 'io.gatehouse.key-fingerprint',
  /** Fingerprint of the whole environment (extra env + secrets): a change means "recreate". */
  envFingerprint: 'io.gatehouse.env-fingerprint',
} as const;

export type StackRole = 'gateway' | 'credentials' | 'network' | 'database' | 'database-data' | 'tls';

export function stackLabels(stackName: string, role: StackRole): Record<string, string> {
  return { [LABELS.stack]: stackName, [LABELS.role]: role };
}

/** Docker API filter for objects of one stack (and optionally one role). */
export function labelFilter(stackName: string, role?: StackRole): { label: string[] } {
  const label = [`${LABELS.stack}=${stackName}`];
  if (role) label.push(`${LABELS.role}=${role}`);
  return { label };
}

/** Whether an object's labels say it belongs to this stack. */
export function belongsTo(labels: Record<string, string> | null | undefined, stackName: string, role?: StackRole): boolean {
  if (!labels || labels[LABELS.stack] !== stackName) return false;
  return role === undefined || labels[LABELS.role] === role;
}

/** The name the plan gives a role's container: `<stack>-litellm`, `<stack>-db`. */
export function containerNameFor(stackName: string, role: 'gateway' | 'database'): string {
  return role === 'gateway' ? `${stackName}-litellm` : `${stackName}-db`;
}

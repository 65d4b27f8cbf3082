import { belongsTo, labelFilter, type StackRole } from './labels';
import type { ContainerDetails, ContainerSummary, DockerEngine } from './types';

/** Which container of a role Gatehouse means, e.g. the gateway of stack "gatehouse". */
export interface RoleQuery {
  stackName: string;
  role: StackRole;
  /** The name the plan gives that role's container (`<stack>-litellm`, `<stack>-db`). */
  plannedName: string;
}

const isUp = (c: ContainerSummary): boolean => c.State === 'running' || c.State === 'restarting';

/**
 * The one rule for "which container is the gateway (or the database)": the running container of
 * that role — under the planned name if two run, as for a moment during a rotation — else the one
 * under the planned name, else the newest of that role (a container set aside by an interrupted
 * replacement, which its owner then puts right). Every area asks through here, so the stack, the
 * rotation, the log view and the security checks always look at the same container.
 */
export function pickByRole(list: ContainerSummary[], query: RoleQuery): ContainerSummary | null {
  const mine = list.filter((c) => belongsTo(c.Labels, query.stackName, query.role));
  const planned = (c: ContainerSummary) => c.Names.includes('/' + query.plannedName);
  const rank = (c: ContainerSummary) => (isUp(c) ? 2 : 0) + (planned(c) ? 1 : 0);
  mine.sort((a, b) => rank(b) - rank(a) || b.Created - a.Created);
  return mine[0] ?? null;
}

/** Every container of the role in this stack (by label). */
export async function listByRole(engine: DockerEngine, query: Pick<RoleQuery, 'stackName' | 'role'>, signal?: AbortSignal): Promise<ContainerSummary[]> {
  const list = await engine.listContainers({ ...labelFilter(query.stackName, query.role) }, { signal, action: 'list containers' });
  return list.filter((c) => belongsTo(c.Labels, query.stackName, query.role));
}

/** The container `pickByRole` names, inspected; null when the stack has none of that role. */
export async function findByRole(engine: DockerEngine, query: RoleQuery, signal?: AbortSignal): Promise<ContainerDetails | null> {
  const chosen = pickByRole(await listByRole(engine, query, signal), query);
  // null too when it was removed between the list and the inspect.
  return chosen ? engine.inspectContainer(chosen.Id, { signal, action: `inspect the ${query.role} container` }) : null;
}

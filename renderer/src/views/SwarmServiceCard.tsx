import type { StackStatus } from '../../../shared/api';
import { swarmServiceName } from '../../../shared/stack-names';
import { Badge, Card } from '../components';

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

/** Docker's task states by what they mean for the gateway (the state's name is always shown too). */
function taskTone(state: string): Tone {
  if (state === 'running') return 'ok';
  if (['failed', 'rejected', 'orphaned'].includes(state)) return 'bad';
  if (['complete', 'shutdown', 'remove'].includes(state)) return 'muted';
  return 'info'; // new … starting: on its way
}

/** Ids as `docker service ps` and `gatehouse status` show them. */
const short = (id: string): string => id.slice(0, 12);

/** Swarm mode: the gateway's service, its replicas running/desired, and each current task's state and node. */
export function SwarmServiceCard({ status }: { status: StackStatus }) {
  const service = swarmServiceName(status.stackName);
  const replicas = status.replicas ?? { running: 0, desired: 0 };
  const tasks = status.tasks ?? [];
  return (
    <Card title="Swarm service" id="swarm-service">
      <p data-testid="swarm-replicas">
        Swarm service <code>{service}</code> — replicas {replicas.running}/{replicas.desired} <span className="muted small">(running/desired)</span>
      </p>
      {tasks.length > 0 ? (
        <ul className="task-list" aria-label={`Tasks of ${service}`} data-testid="swarm-tasks">
          {tasks.map((t) => (
            <li key={t.id} data-task={t.id} data-state={t.state}>
              <span>
                Task <code>{short(t.id)}</code>
              </span>
              <span>
                state <Badge tone={taskTone(t.state)}>{t.state}</Badge>
              </span>
              <span>
                node {t.node ? <code>{short(t.node)}</code> : <span className="muted">not placed yet</span>}
              </span>
              {t.error && <span className="task-error">{t.error}</span>}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted" data-testid="swarm-tasks-none">
          No task is meant to run{replicas.desired === 0 ? ' (the service is scaled to 0: stopped)' : ''}.
        </p>
      )}
    </Card>
  );
}

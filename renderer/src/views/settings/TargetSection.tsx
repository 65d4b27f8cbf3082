import { useEffect, useState } from 'react';
import type { GatewayTarget, PublishMode, Settings, SwarmMembership } from '../../../../shared/api';
import { SETTINGS_LIMITS } from '../../../../shared/settings-limits';
import { swarmServiceName } from '../../../../shared/stack-names';
import { call, errorOf } from '../../bridge';
import { Card, Field } from '../../components';
import { SwarmInitAction } from '../SwarmInitAction';
import { replicasProblem, type SetDraft } from './draft';

const { min: MIN_REPLICAS, max: MAX_REPLICAS } = SETTINGS_LIMITS.replicas;

interface Choice<T> {
  value: T;
  label: string;
  hint: string;
}

function RadioGroup<T extends string>({ name, legend, value, choices, onChange }: { name: string; legend: string; value: T; choices: Choice<T>[]; onChange: (v: T) => void }) {
  return (
    <fieldset className="choice-group" data-testid={`${name}-choices`}>
      <legend>{legend}</legend>
      {choices.map((c) => (
        <label className="radio-field" key={c.value}>
          <input type="radio" name={name} value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} aria-describedby={`${name}-${c.value}-hint`} />
          <span>{c.label}</span>
          <span className="hint" id={`${name}-${c.value}-hint`}>
            {c.hint}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * Where the gateway runs: one container on this engine, or a Swarm service (its key a Swarm
 * secret); in swarm mode how its port is published and how many tasks run. Also the engine's
 * place in a swarm (swarm:status), since swarm mode needs a manager.
 */
export function TargetSection({ draft, set }: { draft: Settings; set: SetDraft }) {
  const service = swarmServiceName(draft.stackName);
  const replicasError = replicasProblem(draft.replicas);
  const targets: Choice<GatewayTarget>[] = [
    {
      value: 'container',
      label: 'Container (this engine)',
      hint: "One container on this Docker engine, the default. Its key is in the container's environment, which docker inspect shows to root and the docker group.",
    },
    {
      value: 'swarm',
      label: 'Swarm service',
      hint: `The Swarm service ${service} on a swarm manager, for a server or a small cluster. Its key is a Swarm secret: encrypted by the swarm and given to the gateway only as a file in memory, never in an environment. Needs this engine to be a swarm manager.`,
    },
  ];
  const publishModes: Choice<PublishMode>[] = [
    {
      value: 'ingress',
      label: 'Routing mesh (ingress)',
      hint: 'The port is published on every node of the swarm, which passes requests to a running task. It ignores "Listen on": every interface of every node.',
    },
    {
      value: 'host',
      label: 'Host',
      hint: 'The port is published only on the node running the task (on all its interfaces; "Listen on" is ignored here too). One task per node can hold the port. Use it where the routing mesh does not work.',
    },
  ];
  return (
    <Card title="Where the gateway runs" id="target-settings">
      <RadioGroup name="target" legend="Target" value={draft.target} choices={targets} onChange={(target) => set({ target })} />
      {draft.target === 'swarm' && (
        <>
          <RadioGroup name="publish-mode" legend="Publish mode" value={draft.publishMode} choices={publishModes} onChange={(publishMode) => set({ publishMode })} />
          <p className="hint">In swarm mode the gateway is reachable from the network whatever &quot;Listen on&quot; says: turn HTTPS on (below).</p>
          <div className="field-row">
            <Field
              label="Replicas"
              id="replicas"
              hint={`How many tasks of the gateway run (${MIN_REPLICAS}–${MAX_REPLICAS}). A key rotation keeps serving clients (start-first: new tasks start before the old ones stop) only with the routing mesh and 2 or more replicas; otherwise it is stop-first, a short outage.`}
            >
              <input
                id="replicas"
                type="number"
                min={MIN_REPLICAS}
                max={MAX_REPLICAS}
                step={1}
                value={draft.replicas}
                onChange={(e) => set({ replicas: Number(e.target.value) })}
                aria-invalid={replicasError ? true : undefined}
                aria-describedby={replicasError ? 'replicas-error replicas-hint' : 'replicas-hint'}
              />
              {replicasError && (
                <p className="field-error" id="replicas-error" data-testid="replicas-error">
                  {replicasError}
                </p>
              )}
            </Field>
          </div>
        </>
      )}
      <SwarmMembershipFacts wantsSwarm={draft.target === 'swarm'} />
      <p className="muted small">Target, publish mode and replicas apply at the next start.</p>
    </Card>
  );
}

function membershipText(m: SwarmMembership): string {
  if (m.localNodeState === 'inactive') return 'in no swarm';
  return m.localNodeState === 'active' ? 'in a swarm' : `in a swarm, state "${m.localNodeState}"`;
}

/** This engine in a swarm: manager yes/no and its nodes (`gatehouse swarm status`), and the init action where it needs one. */
function SwarmMembershipFacts({ wantsSwarm }: { wantsSwarm: boolean }) {
  const [membership, setMembership] = useState<SwarmMembership | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    call('swarm:status').then(setMembership, (err) => setProblem(errorOf(err).message));
  }, []);

  return (
    <div data-testid="swarm-membership">
      <dl className="facts">
        <dt>This engine</dt>
        <dd data-testid="swarm-state">{membership ? membershipText(membership) : (problem ?? 'Checking…')}</dd>
        {membership && (
          <>
            <dt>Swarm manager</dt>
            <dd data-testid="swarm-manager">{membership.controlAvailable ? 'yes' : 'no'}</dd>
            <dt>Nodes</dt>
            <dd data-testid="swarm-nodes">
              {membership.nodes} ({membership.managers} manager{membership.managers === 1 ? '' : 's'})
            </dd>
          </>
        )}
      </dl>
      {wantsSwarm && membership && !membership.controlAvailable && (
        <>
          <p className="hint">
            {membership.localNodeState === 'inactive'
              ? 'Swarm mode needs a manager: make this engine a single-node swarm, or point DOCKER_HOST at a manager.'
              : 'This engine is a swarm worker: point DOCKER_HOST at a manager of its swarm.'}
          </p>
          {membership.localNodeState === 'inactive' && <SwarmInitAction onInitialized={setMembership} />}
        </>
      )}
    </div>
  );
}

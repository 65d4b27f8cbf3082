import { useEffect, useState } from 'react';
import type { ComposeGateway, TakeoverPlan, TakeoverResult } from '../../../shared/takeover';
import { call } from '../bridge';
import { Button } from '../components';
import { useAction, useAppStore } from '../state/hooks';

/**
 * Taking over a running docker-compose stack of the seed ('takeover:*', the same transaction as
 * `gatehouse adopt`): the first-run screen offers it first, the Dashboard when such a gateway
 * holds Gatehouse's port. The plan is shown before the one button; nothing changes until then.
 */

/** The compose projects running a LiteLLM gateway, asked once when the component mounts (null until known). */
export function useComposeGateways(): ComposeGateway[] | null {
  const [found, setFound] = useState<ComposeGateway[] | null>(null);
  useEffect(() => {
    let live = true;
    // Detection is a look only; a failure (Docker away) just means nothing to offer.
    call('takeover:detect').then(
      (list) => live && setFound(list),
      () => live && setFound([]),
    );
    return () => {
      live = false;
    };
  }, []);
  return found;
}

function PlanFacts({ plan }: { plan: TakeoverPlan }) {
  return (
    <dl className="facts" data-testid="takeover-plan">
      <dt>Address</dt>
      <dd>
        {plan.fromInterfaces.join(', ')}:{plan.port} → {plan.bindAddress}:{plan.port}
      </dd>
      <dt>Secrets</dt>
      <dd>
        {plan.secrets.map((s) => (
          <div key={s.name}>
            <code>{s.name}</code> {s.name === 'DATABASE_URL' ? 'built by Gatehouse from the keychain\'s password' : 'into the keychain'} <span className="muted small">(now in {s.places.join(', ')}{s.differs ? '; the running value differs and is taken' : ''})</span>
          </div>
        ))}
      </dd>
      <dt>Claude login</dt>
      <dd>{plan.credentialsVolume ? `volume ${plan.credentialsVolume}${plan.claudeLoginPresent ? ' (login present, kept)' : ' (no login in it)'}` : 'none'}</dd>
      <dt>Mounts</dt>
      <dd>
        {plan.mounts.length
          ? plan.mounts.map((m) => (
              <div key={m.target} className="mono">
                {m.source} → {m.target}
                {m.readOnly ? ' (read-only)' : ''}
              </div>
            ))
          : 'none'}
      </dd>
      <dt>Environment</dt>
      <dd className="mono">{Object.keys(plan.extraEnv).length ? Object.entries(plan.extraEnv).map(([k, v]) => `${k}=${v}`).join(' ') : 'none'}</dd>
      <dt>Database</dt>
      <dd>{plan.database ? `${plan.database.image} on volume ${plan.database.volume} (data kept)` : 'none'}</dd>
      <dt>Containers</dt>
      <dd>{plan.containers.join(', ')}: stopped, and removed once Gatehouse's gateway answers with the same key. Volumes are kept.</dd>
      <dt>.env</dt>
      <dd>{plan.envFile ? `${plan.envFile}${plan.scrub ? ': its secrets are removed at the end' : ': left as it is'}` : 'not readable'}</dd>
    </dl>
  );
}

/** The plan of one project and the button that takes it over. */
export function TakeoverPanel({ project, onDone }: { project: ComposeGateway; onDone?: (r: TakeoverResult) => void }) {
  const store = useAppStore();
  const [scrub, setScrub] = useState(false);
  const [keepExposure, setKeepExposure] = useState(false);
  const [plan, setPlan] = useState<TakeoverPlan | null>(null);
  const [result, setResult] = useState<TakeoverResult | null>(null);

  const load = useAction(async () => setPlan(await call('takeover:plan', project.project, { scrub, keepExposure })), { background: true });
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [project.project, scrub, keepExposure]);

  const adopt = useAction(async () => {
    const r = await call('takeover:adopt', project.project, { scrub, keepExposure });
    setResult(r);
    store.setKey(await call('key:info'));
    store.setStatus(await call('stack:status'));
    onDone?.(r);
  });

  if (result) {
    return (
      <div className="notice notice-ok" role="status" data-testid="takeover-result">
        Gatehouse now runs the gateway of {result.plan.project} on port {result.plan.port} with the same key.
        {result.verified.map((v) => (
          <div key={v}>✓ {v}</div>
        ))}
        {result.warnings.map((w) => (
          <div key={w}>{w}</div>
        ))}
      </div>
    );
  }
  return (
    <div className="takeover" data-testid="takeover-panel">
      {plan ? <PlanFacts plan={plan} /> : <p className="muted small">Reading the compose project…</p>}
      {plan?.exposureLoss && <div className="notice notice-warn">{plan.exposureLoss}</div>}
      {plan?.warnings.map((w) => (
        <p key={w} className="muted small">
          {w}
        </p>
      ))}
      <label className="check-field">
        <input type="checkbox" checked={keepExposure} onChange={(e) => setKeepExposure(e.target.checked)} />
        Keep it reachable from other machines (as the compose stack was)
      </label>
      <label className="check-field">
        <input type="checkbox" checked={scrub} onChange={(e) => setScrub(e.target.checked)} />
        Remove the secrets from the .env once the takeover succeeded
      </label>
      <div className="row">
        <Button className="btn btn-primary" onClick={() => void adopt.run()} inactive={adopt.busy || !plan} aria-busy={adopt.busy} data-testid="takeover-adopt">
          {adopt.busy ? 'Taking over…' : `Take over ${project.project}`}
        </Button>
      </div>
    </div>
  );
}

/**
 * On the Dashboard: a compose gateway that publishes Gatehouse's own port is a problem (two
 * gateways fighting for one port), with the takeover as its action.
 */
export function ForeignGatewayProblem({ port }: { port: number | null }) {
  const found = useComposeGateways();
  const [open, setOpen] = useState(false);
  const clash = found?.find((g) => g.running && port !== null && g.port === port);
  if (!clash) return null;
  return (
    <div className="notice notice-warn" role="alert" data-testid="foreign-gateway">
      <strong>Another gateway holds port {port}:</strong> the docker-compose project {clash.project} runs LiteLLM there, so Gatehouse's gateway cannot start on it.
      <div className="row">
        <Button className="btn" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {open ? 'Hide the plan' : `Take over the running gateway ${clash.project}`}
        </Button>
      </div>
      {open && <TakeoverPanel project={clash} />}
    </div>
  );
}

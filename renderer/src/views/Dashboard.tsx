import { useEffect, useRef, useState } from 'react';
import type { DatabaseState, DatabaseStatus, ErrorPayload, PullProgress, StackState } from '../../../shared/api';
import { call, errorOf, useEvent } from '../bridge';
import { Badge, Button, Card, ErrorNotice, ViewTitle } from '../components';
import { ChainTestCard } from './clients/ChainTestCard';
import { SwarmInitAction } from './SwarmInitAction';
import { SwarmServiceCard } from './SwarmServiceCard';
import { focusViewHeading } from '../a11y/focus';
import { ForeignGatewayProblem } from './TakeoverPanel';
import { formatBytes, formatDuration, isLoopback } from '../format';
import { useAction, useAppStore, useStatus } from '../state/hooks';

const BUSY: StackState[] = ['pulling', 'starting', 'stopping'];
const RUNNING: StackState[] = ['healthy', 'unhealthy', 'unsafe', 'pulling', 'starting'];

const LABEL: Record<StackState, string> = {
  absent: 'Start gateway',
  stopped: 'Start gateway',
  crashed: 'Restart gateway',
  pulling: 'Cancel start',
  starting: 'Cancel start',
  healthy: 'Stop gateway',
  unhealthy: 'Stop gateway',
  unsafe: 'Stop gateway',
  stopping: 'Stopping…',
};

const HEADLINE: Record<StackState, string> = {
  absent: 'Not set up yet',
  stopped: 'Stopped',
  crashed: 'Crashed',
  pulling: 'Downloading the image',
  starting: 'Starting',
  healthy: 'Running and protected',
  unhealthy: 'Running, not healthy',
  unsafe: 'Running without protection',
  stopping: 'Stopping',
};

export function Dashboard() {
  const store = useAppStore();
  const status = useStatus();
  const [pending, setPending] = useState<'start' | 'stop' | null>(null);
  const [pull, setPull] = useState<PullProgress | null>(status?.pull ?? null);
  const [copied, setCopied] = useState(false);
  // A start refused because the engine manages no swarm: shown here, with the action that fixes it.
  const [notManager, setNotManager] = useState<ErrorPayload | null>(null);
  const powerButton = useRef<HTMLButtonElement>(null);
  const [, tick] = useState(0);

  useEvent('pull:progress', setPull);
  useEffect(() => {
    if (status?.state !== 'pulling') setPull(status?.pull ?? null);
  }, [status]);
  // Uptime ticks once a second while running.
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);

  // Refused for want of a swarm manager: no status can be read there, so the last one (the refused
  // start's own "deploying") would stay on screen; nothing of Gatehouse's runs in a swarm it cannot manage.
  const state: StackState = notManager
    ? 'absent'
    : pending === 'stop'
      ? 'stopping'
      : pending === 'start' && (!status || !RUNNING.includes(status.state))
        ? 'starting'
        : (status?.state ?? 'absent');
  const running = RUNNING.includes(state);
  // Pulling and starting can be cancelled (a stop cancels a start in the core); stopping cannot.
  const busy = state === 'stopping';

  const power = useAction(
    async (action: 'start' | 'stop') => {
      setPending(action);
      setNotManager(null);
      try {
        store.setStatus(await call(action === 'stop' ? 'stack:stop' : 'stack:start'));
      } catch (err) {
        void store.refreshStatus();
        const e = errorOf(err);
        if (action === 'start' && e.code === 'SWARM_NOT_MANAGER') {
          setNotManager(e);
          return;
        }
        throw err;
      } finally {
        setPending((p) => (p === action ? null : p));
      }
    },
    // A start cancelled by the user's own Cancel is not a fault to report.
    { ignore: (e) => e.code === 'CANCELLED' },
  );

  const copyUrl = useAction(async () => {
    if (!status) return;
    await call('app:copy-text', status.url);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  });

  const startedAt = status?.startedAt ? Date.parse(status.startedAt) : null;
  const uptime = running && startedAt ? Date.now() - startedAt : null;
  const percent = pull?.percent ?? null;

  return (
    <div className="view" data-testid="dashboard">
      <ViewTitle>Dashboard</ViewTitle>
      {!running && <ForeignGatewayProblem port={status?.port ?? null} />}
      <ErrorNotice
        error={notManager}
        onDismiss={() => {
          setNotManager(null);
          focusViewHeading();
        }}
        action={<SwarmInitAction next="Then the start is tried again." onInitialized={() => void power.run('start')} focusAfter={() => powerButton.current} />}
      />
      <section className={`hero hero-${state}`} aria-labelledby="gateway-state">
        <div className="hero-text">
          <div className="eyebrow">LiteLLM gateway</div>
          <h2 id="gateway-state" data-state={state} aria-live="polite">
            {HEADLINE[state]}
          </h2>
          <p className="hero-detail">{notManager ? 'Not running as a Swarm service: this Docker engine manages no swarm.' : (status?.detail ?? (state === 'healthy' ? 'Requests without the master key are refused.' : ' '))}</p>
          {status?.database && <DatabaseLine db={status.database} />}
          {state === 'pulling' && (
            <div className="progress-block">
              <div
                className="progress"
                role="progressbar"
                aria-label="Image download"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent ?? undefined}
              >
                <div className={`progress-bar${percent === null ? ' indeterminate' : ''}`} style={{ width: percent === null ? '30%' : `${percent}%` }} />
              </div>
              <div className="progress-label">
                {pull ? `${pull.status} — ${formatBytes(pull.currentBytes)}${pull.totalBytes ? ` of ${formatBytes(pull.totalBytes)}` : ''}` : 'Waiting for the registry…'}
              </div>
            </div>
          )}
        </div>
        <Button
          className={`power ${BUSY.includes(state) ? 'busy' : running ? 'power-stop' : 'power-start'}`}
          onClick={() => void power.run(running ? 'stop' : 'start')}
          inactive={busy}
          aria-busy={BUSY.includes(state)}
          data-testid="power"
          ref={powerButton}
        >
          <span className="power-icon" aria-hidden="true" />
          <span>{LABEL[state]}</span>
        </Button>
      </section>

      <Card title="Endpoint" id="endpoint">
        <div className="endpoint">
          <code data-testid="endpoint-url">{status?.url ?? '—'}</code>
          <Button onClick={() => void copyUrl.run()} inactive={!status} aria-label={copied ? 'Copied endpoint URL' : 'Copy endpoint URL'}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        </div>
        <p className="muted small">Clients send the master key as <code>Authorization: Bearer …</code>. Copy it from the Key view.</p>
      </Card>

      {status?.replicas && !notManager && <SwarmServiceCard status={status} />}

      {status?.state === 'healthy' && <ChainTestCard />}

      <Card title="Details" id="details">
        <dl className="facts">
          <dt>Image</dt>
          <dd className="mono">{status?.image ?? '—'}</dd>
          <dt>Digest</dt>
          <dd className="mono">{status?.imageDigest ? status.imageDigest.slice(0, 19) + '…' : '—'}</dd>
          <dt>Port</dt>
          <dd>{status?.port ?? '—'}</dd>
          <dt>Bound to</dt>
          <dd>
            {status?.bindAddress ?? '—'}
            {status && !isLoopback(status.bindAddress) && <span className="badge badge-warn">reachable from the network</span>}
          </dd>
          <dt>Uptime</dt>
          <dd data-testid="uptime">{formatDuration(uptime)}</dd>
          <dt>Container</dt>
          <dd className="mono">{status?.containerId ? status.containerId.slice(0, 12) : '—'}</dd>
          <dt>Key fingerprint</dt>
          <dd className="mono">{status?.keyFingerprint ?? '—'}</dd>
        </dl>
      </Card>
    </div>
  );
}

const DB_TONE: Record<DatabaseState, 'ok' | 'warn' | 'bad' | 'info' | 'muted'> = {
  absent: 'muted',
  stopped: 'muted',
  starting: 'info',
  stopping: 'info',
  healthy: 'ok',
  unhealthy: 'warn',
  crashed: 'bad',
};

/** The PostgreSQL service next to the gateway's state (shown only when the database is on). */
function DatabaseLine({ db }: { db: DatabaseStatus }) {
  const conn = db.connected === null ? null : db.connected ? 'gateway connected' : 'gateway NOT connected';
  return (
    <p className="hero-db" data-testid="database-status" data-state={db.state}>
      <span className="eyebrow">PostgreSQL</span> <Badge tone={DB_TONE[db.state]}>{db.state}</Badge>{' '}
      <span className="muted small">
        volume <code>{db.volume}</code>
        {conn && ` · ${conn}`}
        {db.detail && ` · ${db.detail}`}
      </span>
    </p>
  );
}

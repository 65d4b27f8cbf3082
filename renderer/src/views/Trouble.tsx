import { useEffect, useRef, useState } from 'react';
import type { ErrorPayload } from '../../../shared/api';
import { VIEW_TITLE_ID } from '../a11y/focus';
import { call, errorOf } from '../bridge';
import { Button, ErrorNotice } from '../components';
import { useAction, useAppStore, useError } from '../state/hooks';
import type { ComposeGateway } from '../../../shared/takeover';
import { ImportEnvForm } from './ImportEnvForm';
import { TakeoverPanel, useComposeGateways } from './TakeoverPanel';

const RETRY_SECONDS = 5;

/** Docker is not reachable: say how to start it, and keep trying by itself. */
export function DockerTrouble({ error }: { error: ErrorPayload }) {
  const store = useAppStore();
  const [left, setLeft] = useState(RETRY_SECONDS);
  const [last, setLast] = useState(error);
  const [attempts, setAttempts] = useState(0);
  const busy = useRef(false);

  // The failure of a retry is this screen's content, not an error notice: it is kept here.
  async function retry() {
    if (busy.current) return;
    busy.current = true;
    try {
      await call('stack:status');
      await store.refresh();
    } catch (err) {
      setLast(errorOf(err));
      setAttempts((a) => a + 1);
      setLeft(RETRY_SECONDS);
    } finally {
      busy.current = false;
    }
  }

  useEffect(() => {
    const t = setInterval(() => {
      setLeft((l) => {
        if (l <= 1) {
          void retry();
          return RETRY_SECONDS;
        }
        return l - 1;
      });
    }, 1000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Spoken once when retrying starts, not at every tick or attempt.
  const spoken = attempts > 0 ? `Still no Docker engine. Gatehouse keeps trying every ${RETRY_SECONDS} seconds and opens by itself when Docker answers.` : '';

  return (
    <main className="trouble" data-testid="docker-trouble">
      <div className="trouble-card">
        <div className="trouble-icon" aria-hidden="true">
          ⚠
        </div>
        <h1 id={VIEW_TITLE_ID} tabIndex={-1}>
          Docker is not running
        </h1>
        <p>Gatehouse runs the gateway in Docker and cannot reach the Docker engine.</p>
        <ErrorNotice error={last} />
        <h2>How to start it</h2>
        <ul className="howto">
          <li>
            <strong>Linux:</strong> <code>sudo systemctl start docker</code>, or start Docker Desktop.
          </li>
          <li>
            <strong>macOS / Windows:</strong> open Docker Desktop and wait until it says it is running.
          </li>
          <li>
            <strong>Remote engine:</strong> check <code>DOCKER_HOST</code> points at a running engine.
          </li>
        </ul>
        <p className="muted" data-testid="retry-countdown">
          Trying again in {left} s{attempts > 0 ? ` (tried ${attempts} time${attempts === 1 ? '' : 's'})` : ''}.
        </p>
        <p className="sr-only" role="status" data-testid="retry-announcer">
          {spoken}
        </p>
        <Button className="btn btn-primary" onClick={() => void retry()} autoFocus>
          Try now
        </Button>
      </div>
    </main>
  );
}

/**
 * No key yet. The choices, in this order: take over a running compose gateway (when one is
 * found), import an existing .env, create a new key.
 */
export function FirstRun() {
  const store = useAppStore();
  const { error } = useError();
  const create = useAction(async () => store.setKey(await call('key:create')));
  const found = useComposeGateways();
  const [choice, setChoice] = useState<'takeover' | 'import' | null>(null);
  const [project, setProject] = useState<ComposeGateway | null>(null);
  const offered = project ?? found?.[0] ?? null;
  return (
    <main className="trouble" data-testid="first-run">
      <div className="trouble-card">
        <div className="brand-mark large" aria-hidden="true" />
        <h1 id={VIEW_TITLE_ID} tabIndex={-1}>
          Welcome to Gatehouse
        </h1>
        <p>
          Your gateway needs a master key: the only thing that stands between the network and your Claude account. Gatehouse creates a strong one
          and keeps it in your system keychain, never in a file.
        </p>
        <ErrorNotice error={error} />
        <div className="first-run-choices" data-testid="first-run-choices">
          {offered && (
            <section className="choice" data-testid="choice-takeover">
              <Button className="btn btn-primary btn-large" onClick={() => setChoice(choice === 'takeover' ? null : 'takeover')} aria-expanded={choice === 'takeover'}>
                Take over the running gateway {offered.project}
              </Button>
              <p className="muted small">
                Keeps its key, port {offered.port ?? '—'}, Claude login{offered.databaseVolume ? ' and database' : ''}: its clients keep working.
              </p>
              {found && found.length > 1 && (
                <select aria-label="Compose project" value={offered.project} onChange={(e) => setProject(found.find((g) => g.project === e.target.value) ?? null)}>
                  {found.map((g) => (
                    <option key={g.project}>{g.project}</option>
                  ))}
                </select>
              )}
              {choice === 'takeover' && <TakeoverPanel project={offered} />}
            </section>
          )}
          <section className="choice" data-testid="choice-import">
            <Button className="btn btn-large" onClick={() => setChoice(choice === 'import' ? null : 'import')} aria-expanded={choice === 'import'}>
              Import an existing .env
            </Button>
            {choice === 'import' && <ImportEnvForm onDone={() => void call('key:info').then((k) => store.setKey(k))} />}
          </section>
          <section className="choice">
            <Button className={`btn btn-large${offered ? '' : ' btn-primary'}`} onClick={() => void create.run()} inactive={create.busy} autoFocus data-testid="create-key">
              {create.busy ? 'Creating…' : 'Create a new key'}
            </Button>
          </section>
        </div>
      </div>
    </main>
  );
}

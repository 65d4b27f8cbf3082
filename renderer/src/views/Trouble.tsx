import { useEffect, useRef, useState } from 'react';
import type { ErrorPayload, KeyInfo } from '../../../shared/api';
import { call, errorOf } from '../bridge';
import { ErrorNotice } from '../components';

const RETRY_SECONDS = 5;

/** Docker is not reachable: say how to start it, and keep trying by itself. */
export function DockerTrouble({ error, onRecovered }: { error: ErrorPayload; onRecovered: () => Promise<void> }) {
  const [left, setLeft] = useState(RETRY_SECONDS);
  const [last, setLast] = useState(error);
  const [attempts, setAttempts] = useState(0);
  const busy = useRef(false);

  async function retry() {
    if (busy.current) return;
    busy.current = true;
    try {
      await call('stack:status');
      await onRecovered();
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

  return (
    <main className="trouble" data-testid="docker-trouble">
      <div className="trouble-card">
        <div className="trouble-icon" aria-hidden="true">⚠</div>
        <h1>Docker is not running</h1>
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
        <p className="muted" role="status" aria-live="polite" data-testid="retry-countdown">
          Trying again in {left} s{attempts > 0 ? ` (tried ${attempts} time${attempts === 1 ? '' : 's'})` : ''}.
        </p>
        <button className="btn btn-primary" onClick={retry} autoFocus>
          Try now
        </button>
      </div>
    </main>
  );
}

/** No key yet: one click creates it in the keychain. */
export function FirstRun({ onCreated }: { onCreated: (k: KeyInfo) => void }) {
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, setBusy] = useState(false);
  async function create() {
    setBusy(true);
    setError(null);
    try {
      onCreated(await call('key:create'));
    } catch (err) {
      setError(errorOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="trouble" data-testid="first-run">
      <div className="trouble-card">
        <div className="brand-mark large" aria-hidden="true" />
        <h1>Welcome to Gatehouse</h1>
        <p>
          Your gateway needs a master key: the only thing that stands between the network and your Claude account. Gatehouse creates a strong one
          and keeps it in your system keychain, never in a file.
        </p>
        <ErrorNotice error={error} />
        <button className="btn btn-primary btn-large" onClick={create} disabled={busy} autoFocus data-testid="create-key">
          {busy ? 'Creating…' : 'Create master key'}
        </button>
      </div>
    </main>
  );
}

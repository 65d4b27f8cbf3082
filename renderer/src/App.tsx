import { useCallback, useEffect, useState } from 'react';
import type { ErrorPayload, KeyInfo, StackStatus } from '../../shared/api';
import { call, errorOf, useEvent } from './bridge';
import { ErrorNotice } from './components';
import { Dashboard } from './views/Dashboard';
import { KeyView } from './views/KeyView';
import { SecurityView } from './views/SecurityView';
import { LogsView } from './views/LogsView';
import { SettingsView } from './views/SettingsView';
import { DockerTrouble, FirstRun } from './views/Trouble';
import { logStore } from './logs/log-store';

export type ViewId = 'dashboard' | 'key' | 'security' | 'logs' | 'settings';

const VIEWS: { id: ViewId; label: string }[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'key', label: 'Key' },
  { id: 'security', label: 'Security' },
  { id: 'logs', label: 'Logs' },
  { id: 'settings', label: 'Settings' },
];

function viewFromHash(): ViewId | null {
  const id = location.hash.slice(1);
  return VIEWS.find((v) => v.id === id)?.id ?? null;
}

const DOCKER_CODES = new Set(['DOCKER_UNREACHABLE', 'DOCKER_PERMISSION']);

export function App() {
  const [view, setView] = useState<ViewId>(() => viewFromHash() ?? 'dashboard');
  const [status, setStatus] = useState<StackStatus | null>(null);
  const [key, setKey] = useState<KeyInfo | null>(null);
  const [dockerError, setDockerError] = useState<ErrorPayload | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [booted, setBooted] = useState(false);

  const refresh = useCallback(async () => {
    const [s, k] = await Promise.allSettled([call('stack:status'), call('key:info')]);
    if (s.status === 'fulfilled') {
      setStatus(s.value);
      setDockerError(null);
    } else {
      const e = errorOf(s.reason);
      if (DOCKER_CODES.has(e.code)) setDockerError(e);
      else setError(e);
    }
    if (k.status === 'fulfilled') setKey(k.value);
    else setError(errorOf(k.reason));
    setBooted(true);
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    history.replaceState(null, '', `#${view}`);
  }, [view]);
  // The hash is the view (kept across reloads); a changed hash (a link, the tests) switches to it.
  useEffect(() => {
    const onHash = () => {
      const id = viewFromHash();
      if (id) setView(id);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEvent('stack:status', (s) => {
    setStatus(s);
    setDockerError(null);
  });
  // The log store lives outside React so 100,000 lines never pass through component state.
  useEvent('logs:appended', (entries) => logStore.append(entries));

  const refreshKey = useCallback(async () => {
    try {
      setKey(await call('key:info'));
    } catch (err) {
      setError(errorOf(err));
    }
  }, []);

  if (!booted) {
    return (
      <div className="splash" role="status" aria-live="polite">
        <div className="spinner" aria-hidden="true" />
        Connecting to Gatehouse…
      </div>
    );
  }
  if (dockerError) return <DockerTrouble error={dockerError} onRecovered={refresh} />;
  if (key && !key.exists) return <FirstRun onCreated={(k) => setKey(k)} />;

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Sections">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>Gatehouse</span>
        </div>
        <ul>
          {VIEWS.map((v) => (
            <li key={v.id}>
              <button
                className={`nav-item${view === v.id ? ' active' : ''}`}
                aria-current={view === v.id ? 'page' : undefined}
                onClick={() => setView(v.id)}
                data-view={v.id}
              >
                <span className={`nav-icon icon-${v.id}`} aria-hidden="true" />
                {v.label}
              </button>
            </li>
          ))}
        </ul>
        <div className={`sidebar-state state-${status?.state ?? 'unknown'}`} aria-live="polite">
          <span className="dot" aria-hidden="true" />
          {status ? `Gateway ${status.state}` : 'Gateway state unknown'}
        </div>
      </nav>
      <main className="content" id="main">
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        {view === 'dashboard' && <Dashboard status={status} onStatus={setStatus} onError={setError} />}
        {view === 'key' && <KeyView info={key} onChanged={refreshKey} onError={setError} />}
        {view === 'security' && <SecurityView onError={setError} onNavigate={setView} onStatus={setStatus} />}
        {view === 'logs' && <LogsView onError={setError} />}
        {view === 'settings' && <SettingsView onError={setError} />}
      </main>
    </div>
  );
}

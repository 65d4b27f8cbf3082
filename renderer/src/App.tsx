import { useEffect, useRef, useState } from 'react';
import { focusViewHeading } from './a11y/focus';
import { useEvent } from './bridge';
import { ErrorNotice } from './components';
import { logStore } from './logs/log-store';
import { AppStore, type ViewId } from './state/app-store';
import { AppStoreProvider, useAppState, useAppStore, useError, useView } from './state/hooks';
import { Dashboard } from './views/Dashboard';
import { KeyView } from './views/KeyView';
import { ConnectView } from './views/ConnectView';
import { ClientsView } from './views/ClientsView';
import { LogsView } from './views/LogsView';
import { SecurityView } from './views/SecurityView';
import { SettingsView } from './views/SettingsView';
import { SwarmInitAction } from './views/SwarmInitAction';
import { DockerTrouble, FirstRun } from './views/Trouble';

export type { ViewId } from './state/app-store';

const VIEWS: { id: ViewId; label: string }[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'key', label: 'Key' },
  { id: 'connect', label: 'Connect' },
  { id: 'clients', label: 'Clients' },
  { id: 'security', label: 'Security' },
  { id: 'logs', label: 'Logs' },
  { id: 'settings', label: 'Settings' },
];

function viewFromHash(): ViewId | null {
  const id = location.hash.slice(1);
  return VIEWS.find((v) => v.id === id)?.id ?? null;
}

export function App() {
  const [store] = useState(() => new AppStore(viewFromHash() ?? 'dashboard'));
  return (
    <AppStoreProvider store={store}>
      <Screens />
    </AppStoreProvider>
  );
}

type Screen = 'splash' | 'docker-trouble' | 'first-run' | 'app';

const SCREEN_TITLE: Record<Exclude<Screen, 'app'>, string> = {
  splash: 'Connecting',
  'docker-trouble': 'Docker is not running',
  'first-run': 'Welcome',
};

/** Which screen shows: the splash, Docker trouble, first run, or the app with its views. */
function Screens() {
  const store = useAppStore();
  const booted = useAppState((s) => s.booted);
  const dockerError = useAppState((s) => s.dockerError);
  const key = useAppState((s) => s.key);

  useEffect(() => {
    void store.refresh();
  }, [store]);
  useEvent('stack:status', (s) => store.setStatus(s));
  useEvent('settings:changed', (s) => store.setSettings(s));
  // The log store lives outside React so 100,000 lines never pass through component state.
  useEvent('logs:appended', (entries) => logStore.append(entries));

  const screen: Screen = !booted ? 'splash' : dockerError ? 'docker-trouble' : key && !key.exists ? 'first-run' : 'app';

  // Leaving the first-run or Docker screen replaces what had focus: the new view's heading gets it.
  const previous = useRef(screen);
  useEffect(() => {
    if (previous.current !== screen && previous.current !== 'splash') focusViewHeading();
    previous.current = screen;
    if (screen !== 'app') document.title = `${SCREEN_TITLE[screen]} · Gatehouse`;
  }, [screen]);

  if (screen === 'splash') {
    return (
      <div className="splash" role="status" aria-live="polite">
        <div className="spinner" aria-hidden="true" />
        Connecting to Gatehouse…
      </div>
    );
  }
  if (screen === 'docker-trouble') return <DockerTrouble error={dockerError!} />;
  if (screen === 'first-run') return <FirstRun />;
  return <Shell />;
}

function Shell() {
  const store = useAppStore();
  const [view, setView] = useView();
  const status = useAppState((s) => s.status);
  const { error, clear } = useError();

  // The hash is the view (kept across reloads); a changed hash (a link, the tests) switches to it.
  useEffect(() => {
    history.replaceState(null, '', `#${view}`);
    document.title = `${VIEWS.find((v) => v.id === view)!.label} · Gatehouse`;
  }, [view]);
  useEffect(() => {
    const onHash = () => {
      const id = viewFromHash();
      if (id) setView(id);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [setView]);

  // A view change moves focus to the new view's heading (not at the first draw: focus starts at the top).
  const shown = useRef(view);
  useEffect(() => {
    if (shown.current !== view) focusViewHeading();
    shown.current = view;
  }, [view]);

  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          focusViewHeading();
        }}
      >
        Skip to content
      </a>
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
        <ErrorNotice
          error={error}
          onDismiss={() => {
            clear();
            focusViewHeading();
          }}
          // Status or stop refused in swarm mode (a refused start says so on the Dashboard, with a retry).
          action={error?.code === 'SWARM_NOT_MANAGER' ? <SwarmInitAction onInitialized={() => store.refresh()} /> : undefined}
        />
        {view === 'dashboard' && <Dashboard />}
        {view === 'key' && <KeyView />}
        {view === 'connect' && <ConnectView />}
        {view === 'clients' && <ClientsView />}
        {view === 'security' && <SecurityView />}
        {view === 'logs' && <LogsView />}
        {view === 'settings' && <SettingsView />}
      </main>
    </div>
  );
}

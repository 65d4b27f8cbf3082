import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ErrorPayload, ExportFormat, LogLevel, WarningGroup } from '../../../shared/api';
import { call, errorOf, useEvent } from '../bridge';
import { Badge } from '../components';
import { formatTime } from '../format';
import { LevelIndex, findMatches, logStore } from '../logs/log-store';
import { VirtualLog } from '../logs/VirtualLog';

const LEVELS: LogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];

export function LogsView({ onError }: { onError: (e: ErrorPayload | null) => void }) {
  const [tab, setTab] = useState<'lines' | 'warnings'>('lines');
  const [warnings, setWarnings] = useState<WarningGroup[]>([]);

  const loadWarnings = useCallback(async () => {
    try {
      setWarnings(await call('warnings:list'));
    } catch (err) {
      onError(errorOf(err));
    }
  }, [onError]);

  useEffect(() => {
    void loadWarnings();
  }, [loadWarnings]);
  useEvent('warnings:new', () => void loadWarnings());

  const unacked = warnings.filter((w) => !w.acknowledged).length;

  return (
    <div className="view view-fill" data-testid="logs-view">
      <div className="view-head">
        <h1 className="view-title">Logs</h1>
        <div className="tabs" role="tablist" aria-label="Log views">
          <button role="tab" id="tab-lines" aria-selected={tab === 'lines'} aria-controls="panel-lines" className={`tab${tab === 'lines' ? ' active' : ''}`} onClick={() => setTab('lines')}>
            Lines
          </button>
          <button role="tab" id="tab-warnings" aria-selected={tab === 'warnings'} aria-controls="panel-warnings" className={`tab${tab === 'warnings' ? ' active' : ''}`} onClick={() => setTab('warnings')} data-testid="warnings-tab">
            Warnings {unacked > 0 && <span className="count">{unacked}</span>}
          </button>
        </div>
      </div>
      {tab === 'lines' ? (
        <LinesPanel onError={onError} />
      ) : (
        <WarningsPanel warnings={warnings} onChange={setWarnings} onError={onError} />
      )}
    </div>
  );
}

function LinesPanel({ onError }: { onError: (e: ErrorPayload | null) => void }) {
  const version = useSyncExternalStore(
    useCallback((fn: () => void) => logStore.subscribe(fn), []),
    () => logStore.size * 1000 + logStore.generation,
  );
  const [minLevel, setMinLevel] = useState<LogLevel>('debug');
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const [current, setCurrent] = useState(0);
  const [jump, setJump] = useState(0);
  const [exported, setExported] = useState<string | null>(null);
  const index = useRef(new LevelIndex());

  useEffect(() => {
    // The backlog the core already holds (redacted); new lines arrive as events.
    call('logs:query', { limit: 100_000 }).then(
      (page) => logStore.loadBacklog(page.entries),
      (err) => onError(errorOf(err)),
    );
  }, [onError]);

  // Debounce typing: searching 100,000 lines per keystroke is wasted work.
  useEffect(() => {
    const t = setTimeout(() => setSearch(query.trim()), 150);
    return () => clearTimeout(t);
  }, [query]);

  // eslint-disable-next-line react-hooks/exhaustive-deps
  const rows = useMemo(() => index.current.rowsFor(logStore, minLevel).slice(), [version, minLevel]);
  const matches = useMemo(() => findMatches(logStore, rows, search), [rows, search]);
  const matchSet = useMemo(() => new Set(matches), [matches]);

  useEffect(() => {
    setCurrent(matches.length ? matches.length - 1 : 0);
    if (matches.length) {
      setFollow(false);
      setJump((j) => j + 1);
    }
    // Only a new search moves the cursor, not new lines arriving.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, minLevel]);

  function step(delta: number) {
    if (!matches.length) return;
    setFollow(false);
    setCurrent((c) => (c + delta + matches.length) % matches.length);
    setJump((j) => j + 1);
  }

  async function exportLogs(format: ExportFormat) {
    try {
      const q = { minLevel, ...(search ? { text: search } : {}) };
      const r = await call('logs:export', q, format);
      setExported(r.path ? `Exported ${r.entries} lines to ${r.path}` : 'Export cancelled');
    } catch (err) {
      onError(errorOf(err));
    }
  }

  async function clear() {
    try {
      await call('logs:clear');
      logStore.clear();
    } catch (err) {
      onError(errorOf(err));
    }
  }

  return (
    <div className="logs-panel" role="tabpanel" id="panel-lines" aria-labelledby="tab-lines">
      <div className="toolbar" role="toolbar" aria-label="Log tools">
        <label className="inline">
          <span>Level</span>
          <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel)} aria-label="Minimum level" data-testid="level-filter">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l === 'debug' ? 'all' : `${l} and above`}
              </option>
            ))}
          </select>
        </label>
        <div className="search">
          <input
            type="search"
            placeholder="Search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') step(e.shiftKey ? -1 : 1);
            }}
            aria-label="Search the logs"
            data-testid="log-search"
          />
          <span className="search-count" aria-live="polite" data-testid="search-count">
            {search ? (matches.length ? `${current + 1} of ${matches.length}` : 'no match') : ''}
          </span>
          <button className="btn btn-small" onClick={() => step(-1)} disabled={!matches.length} aria-label="Previous match">
            ↑
          </button>
          <button className="btn btn-small" onClick={() => step(1)} disabled={!matches.length} aria-label="Next match">
            ↓
          </button>
        </div>
        <button className={`btn btn-small${follow ? ' btn-on' : ''}`} aria-pressed={follow} onClick={() => setFollow(!follow)} data-testid="follow">
          {follow ? 'Following' : 'Follow paused'}
        </button>
        <button className="btn btn-small" onClick={() => exportLogs('text')}>
          Export
        </button>
        <button className="btn btn-small" onClick={() => exportLogs('jsonl')}>
          Export JSON
        </button>
        <button className="btn btn-small btn-ghost" onClick={clear}>
          Clear
        </button>
      </div>
      {exported && (
        <div className="notice notice-ok" role="status">
          {exported}
        </div>
      )}
      <VirtualLog
        store={logStore}
        rows={rows}
        follow={follow}
        onFollowChange={setFollow}
        search={search}
        current={matches.length ? (matches[current] ?? -1) : -1}
        matchSet={matchSet}
        jump={jump}
      />
      <div className="statusline muted small" data-testid="log-count">
        {rows.length.toLocaleString()} of {logStore.size.toLocaleString()} lines
      </div>
    </div>
  );
}

function WarningsPanel({ warnings, onChange, onError }: { warnings: WarningGroup[]; onChange: (w: WarningGroup[]) => void; onError: (e: ErrorPayload | null) => void }) {
  async function ack(id: string) {
    try {
      onChange(await call('warnings:ack', id));
    } catch (err) {
      onError(errorOf(err));
    }
  }
  if (warnings.length === 0) return <p className="muted" role="tabpanel" id="panel-warnings">No warnings or errors so far.</p>;
  return (
    <ul className="warnings" role="tabpanel" id="panel-warnings" aria-labelledby="tab-warnings" data-testid="warnings-list">
      {warnings.map((w) => (
        <li key={w.id} className={`warning${w.acknowledged ? ' acked' : ''}`}>
          <div className="warning-head">
            <Badge tone={w.level === 'warning' ? 'warn' : w.level === 'info' || w.level === 'debug' ? 'info' : 'bad'}>{w.level}</Badge>
            <span className="warning-count" aria-label={`${w.count} times`}>
              ×{w.count}
            </span>
            <code className="warning-pattern">{w.pattern}</code>
          </div>
          <div className="muted small">
            first {formatTime(w.firstSeen)} · last {formatTime(w.lastSeen)}
          </div>
          <pre className="warning-example">{w.example}</pre>
          {!w.acknowledged ? (
            <button className="btn btn-small" onClick={() => ack(w.id)}>
              Acknowledge
            </button>
          ) : (
            <span className="muted small">Acknowledged</span>
          )}
        </li>
      ))}
    </ul>
  );
}

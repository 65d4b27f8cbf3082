import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ExportFormat, LogLevel } from '../../../../shared/api';
import { call } from '../../bridge';
import { LevelIndex, findMatches, logStore } from '../../logs/log-store';
import { VirtualLog } from '../../logs/VirtualLog';
import { useAction } from '../../state/hooks';
import { LOG_LEVELS } from '../../../../shared/log-levels';

export function LinesPanel() {
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

  // The backlog the core already holds (redacted); new lines arrive as events.
  const backlog = useAction(async () => logStore.loadBacklog((await call('logs:query', { limit: 100_000 })).entries), { background: true });
  useEffect(() => {
    void backlog.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

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

  const exportLogs = useAction(async (format: ExportFormat) => {
    const q = { minLevel, ...(search ? { text: search } : {}) };
    const r = await call('logs:export', q, format);
    setExported(r.path ? `Exported ${r.entries} lines to ${r.path}` : 'Export cancelled');
  });

  const clear = useAction(async () => {
    await call('logs:clear');
    logStore.clear();
  });

  return (
    <div className="logs-panel" role="tabpanel" id="panel-lines" aria-labelledby="tab-lines">
      <div className="toolbar" role="toolbar" aria-label="Log tools">
        <div className="toolbar-find">
          <label className="inline">
            <span>Level</span>
            <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel)} data-testid="level-filter">
              {LOG_LEVELS.map((l) => (
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
        </div>
        <div className="toolbar-actions">
          <button className={`btn btn-small${follow ? ' btn-on' : ''}`} aria-pressed={follow} onClick={() => setFollow(!follow)} data-testid="follow">
            {follow ? 'Following' : 'Follow paused'}
          </button>
          <button className="btn btn-small" onClick={() => void exportLogs.run('text')}>
            Export
          </button>
          <button className="btn btn-small" onClick={() => void exportLogs.run('jsonl')}>
            Export JSON
          </button>
          <button className="btn btn-small btn-ghost" onClick={() => void clear.run()}>
            Clear
          </button>
        </div>
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
      <div className="statusline muted small">
        <span className="key-hint">↑ ↓ choose a line in the log · Enter shows it in full</span>
        <span data-testid="log-count">
          {rows.length.toLocaleString()} of {logStore.size.toLocaleString()} lines
        </span>
      </div>
    </div>
  );
}

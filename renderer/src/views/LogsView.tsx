import { useCallback, useEffect, useRef, useState } from 'react';
import type { WarningGroup } from '../../../shared/api';
import { call, useEvent } from '../bridge';
import { ViewTitle } from '../components';
import { useAction } from '../state/hooks';
import { LinesPanel } from './logs/LinesPanel';
import { WarningsPanel } from './logs/WarningsPanel';

type Tab = 'lines' | 'warnings';
const TABS: Tab[] = ['lines', 'warnings'];

export function LogsView() {
  const [tab, setTab] = useState<Tab>('lines');
  const [warnings, setWarnings] = useState<WarningGroup[]>([]);
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ lines: null, warnings: null });

  const load = useAction(async () => setWarnings(await call('warnings:list')), { background: true });
  const loadWarnings = useCallback(() => void load.run(), [load]);
  useEffect(() => {
    loadWarnings();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEvent('warnings:new', loadWarnings);

  const unacked = warnings.filter((w) => !w.acknowledged).length;

  // The tab pattern: arrows move between tabs (and select them), Home/End to the ends; Tab leaves the tab list.
  function onTabKey(e: React.KeyboardEvent) {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i - 1 + TABS.length) % TABS.length] : e.key === 'Home' ? TABS[0] : e.key === 'End' ? TABS[TABS.length - 1] : null;
    if (!next) return;
    e.preventDefault();
    setTab(next);
    tabRefs.current[next]?.focus();
  }

  const tabProps = (id: Tab) => ({
    role: 'tab',
    id: `tab-${id}`,
    'aria-selected': tab === id,
    'aria-controls': `panel-${id}`,
    tabIndex: tab === id ? 0 : -1,
    className: `tab${tab === id ? ' active' : ''}`,
    onClick: () => setTab(id),
    ref: (el: HTMLButtonElement | null) => {
      tabRefs.current[id] = el;
    },
  });

  return (
    <div className="view view-fill" data-testid="logs-view">
      <div className="view-head">
        <ViewTitle>Logs</ViewTitle>
        <div className="tabs" role="tablist" aria-label="Log views" onKeyDown={onTabKey}>
          <button {...tabProps('lines')}>Lines</button>
          <button {...tabProps('warnings')} data-testid="warnings-tab">
            Warnings {unacked > 0 && <span className="count">{unacked}</span>}
          </button>
        </div>
      </div>
      {tab === 'lines' ? <LinesPanel /> : <WarningsPanel warnings={warnings} onChange={setWarnings} />}
    </div>
  );
}

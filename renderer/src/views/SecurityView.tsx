import { useEffect, useRef, useState } from 'react';
import type { CheckStatus, FixAction, SecurityCheck, SecurityReport } from '../../../shared/api';
import { focusSoon } from '../a11y/focus';
import { call, useEvent } from '../bridge';
import { Badge, Button, ViewTitle } from '../components';
import { formatTime } from '../format';
import { useAction, useAppStore } from '../state/hooks';
import { ImportEnvForm } from './ImportEnvForm';

const TONE: Record<CheckStatus, 'ok' | 'warn' | 'bad' | 'muted'> = { pass: 'ok', warn: 'warn', fail: 'bad', skip: 'muted' };
const WORD: Record<CheckStatus, string> = { pass: 'Pass', warn: 'Warning', fail: 'Fail', skip: 'Skipped' };

const FIX_LABEL: Record<FixAction, string> = {
  'key:create': 'Create key',
  'key:rotate': 'Rotate key',
  'stack:restart': 'Restart with the keychain key',
  'settings:bind-loopback': 'Bind to 127.0.0.1 only',
  'key:import': 'Import from .env',
  'claude:set-token': 'Set Claude token',
  'tls:enable': 'Turn on HTTPS',
};

export function SecurityView() {
  const store = useAppStore();
  const [report, setReport] = useState<SecurityReport | null>(null);
  const [fixing, setFixing] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const list = useRef<HTMLUListElement>(null);

  useEvent('security:report', setReport);

  const check = useAction(async () => setReport(await call('security:run')));

  useEffect(() => {
    void check.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const fix = useAction(async (c: SecurityCheck) => {
    const action = c.action;
    if (!action) return;
    if (action === 'claude:set-token') return store.navigate('settings');
    if (action === 'key:rotate') return store.navigate('key');
    if (action === 'key:import') {
      setImporting((open) => !open);
      return;
    }
    setFixing(c.id);
    try {
      if (action === 'key:create') await call('key:create');
      else if (action === 'settings:bind-loopback') {
        await store.saveSettings({ bindAddress: '127.0.0.1' });
        const st = await call('stack:status');
        // A running gateway keeps its old binding until it is recreated.
        if (st.containerId && st.state !== 'stopped' && st.state !== 'absent') {
          await call('stack:stop');
          store.setStatus(await call('stack:start'));
        }
      } else if (action === 'tls:enable') {
        await call('tls:enable');
        const st = await call('stack:status');
        // A running gateway serves plain HTTP until it is recreated with its certificate.
        if (st.containerId && st.state !== 'stopped' && st.state !== 'absent') {
          await call('stack:stop');
          store.setStatus(await call('stack:start'));
        }
      } else if (action === 'stack:restart') {
        await call('stack:stop');
        store.setStatus(await call('stack:start'));
      }
      await check.run();
    } finally {
      setFixing(null);
      focusRowIfLost(c.id);
    }
  });

  /** A check that passes has no fix button (or form) any more: focus its row, not <body>. */
  function focusRowIfLost(id: string) {
    focusSoon(() => (document.activeElement === document.body ? list.current?.querySelector<HTMLElement>(`[data-check="${id}"]`) : null));
  }

  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of report?.checks ?? []) counts[c.status]++;

  return (
    <div className="view" data-testid="security-view">
      <div className="view-head">
        <ViewTitle>Security</ViewTitle>
        <Button onClick={() => void check.run()} inactive={check.busy} aria-busy={check.busy}>
          {check.busy ? 'Checking…' : 'Check again'}
        </Button>
      </div>
      {report && (
        <div className={`summary summary-${report.worst}`} role="status" data-testid="security-summary" data-worst={report.worst}>
          <strong>
            {report.worst === 'pass' ? 'The barrier holds.' : report.worst === 'warn' ? 'The barrier holds, with warnings.' : 'Something needs your attention.'}
          </strong>{' '}
          {counts.pass} passed, {counts.warn} warnings, {counts.fail} failed{counts.skip ? `, ${counts.skip} skipped` : ''} · checked {formatTime(report.checkedAt)}
        </div>
      )}
      <ul className="checks" aria-label="Security checks" ref={list}>
        {(report?.checks ?? []).map((c) => {
          const canFix = !!c.action && (c.status === 'warn' || c.status === 'fail');
          const importOpen = c.action === 'key:import' && canFix && importing;
          return (
            <li key={c.id} className={`check check-${c.status}`} data-check={c.id} data-status={c.status} tabIndex={-1} aria-labelledby={`check-${c.id}-title`}>
              <Badge tone={TONE[c.status]}>{WORD[c.status]}</Badge>
              <div className="check-body">
                <h2 id={`check-${c.id}-title`}>{c.title}</h2>
                <p>{c.finding}</p>
                {c.fix && <p className="fix">{c.fix}</p>}
              </div>
              {canFix && (
                <Button
                  className="btn btn-small"
                  onClick={() => void fix.run(c)}
                  inactive={fixing !== null}
                  aria-busy={fixing === c.id}
                  aria-expanded={c.action === 'key:import' ? importing : undefined}
                  aria-controls={c.action === 'key:import' ? 'import-form' : undefined}
                >
                  {fixing === c.id ? 'Fixing…' : FIX_LABEL[c.action!]}
                </Button>
              )}
              {/* After its button in the DOM, so Tab reaches the form right after opening it. */}
              {importOpen && (
                <div className="check-extra">
                  <ImportEnvForm onDone={() => void check.run().then(() => focusRowIfLost(c.id))} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {!report && !check.busy && <p className="muted">No report yet.</p>}
    </div>
  );
}

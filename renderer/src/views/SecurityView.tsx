import { useEffect, useState } from 'react';
import type { CheckStatus, ErrorPayload, FixAction, SecurityCheck, SecurityReport, StackStatus } from '../../../shared/api';
import { call, errorOf, useEvent } from '../bridge';
import { Badge } from '../components';
import { formatTime } from '../format';
import type { ViewId } from '../App';
import { ImportEnvForm } from './ImportEnvForm';

interface Props {
  onError: (e: ErrorPayload | null) => void;
  onNavigate: (v: ViewId) => void;
  onStatus: (s: StackStatus) => void;
}

const TONE: Record<CheckStatus, 'ok' | 'warn' | 'bad'> = { pass: 'ok', warn: 'warn', fail: 'bad' };
const WORD: Record<CheckStatus, string> = { pass: 'Pass', warn: 'Warning', fail: 'Fail' };

const FIX_LABEL: Record<FixAction, string> = {
  'key:create': 'Create key',
  'key:rotate': 'Rotate key',
  'stack:restart': 'Restart with the keychain key',
  'settings:bind-loopback': 'Bind to 127.0.0.1 only',
  'key:import': 'Import from .env',
  'claude:set-token': 'Set Claude token',
};

export function SecurityView({ onError, onNavigate, onStatus }: Props) {
  const [report, setReport] = useState<SecurityReport | null>(null);
  const [running, setRunning] = useState(false);
  const [fixing, setFixing] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);

  useEvent('security:report', setReport);

  async function run() {
    setRunning(true);
    try {
      setReport(await call('security:run'));
    } catch (err) {
      onError(errorOf(err));
    } finally {
      setRunning(false);
    }
  }

  useEffect(() => {
    void run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function fix(check: SecurityCheck) {
    const action = check.action;
    if (!action) return;
    onError(null);
    if (action === 'claude:set-token') return onNavigate('settings');
    if (action === 'key:rotate') return onNavigate('key');
    if (action === 'key:import') {
      setImporting((open) => !open);
      return;
    }
    setFixing(check.id);
    try {
      if (action === 'key:create') await call('key:create');
      else if (action === 'settings:bind-loopback') {
        await call('settings:update', { bindAddress: '127.0.0.1' });
        const st = await call('stack:status');
        // A running gateway keeps its old binding until it is recreated.
        if (st.containerId && st.state !== 'stopped' && st.state !== 'absent') {
          await call('stack:stop');
          onStatus(await call('stack:start'));
        }
      } else if (action === 'stack:restart') {
        await call('stack:stop');
        onStatus(await call('stack:start'));
      }
      await run();
    } catch (err) {
      onError(errorOf(err));
    } finally {
      setFixing(null);
    }
  }

  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const c of report?.checks ?? []) counts[c.status]++;

  return (
    <div className="view" data-testid="security-view">
      <div className="view-head">
        <h1 className="view-title">Security</h1>
        <button className="btn" onClick={run} disabled={running} aria-busy={running}>
          {running ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {report && (
        <div className={`summary summary-${report.worst}`} role="status" data-testid="security-summary" data-worst={report.worst}>
          <strong>
            {report.worst === 'pass' ? 'The barrier holds.' : report.worst === 'warn' ? 'The barrier holds, with warnings.' : 'Something needs your attention.'}
          </strong>{' '}
          {counts.pass} passed, {counts.warn} warnings, {counts.fail} failed · checked {formatTime(report.checkedAt)}
        </div>
      )}
      <ul className="checks" aria-label="Security checks">
        {(report?.checks ?? []).map((c) => (
          <li key={c.id} className={`check check-${c.status}`} data-check={c.id} data-status={c.status}>
            <Badge tone={TONE[c.status]}>{WORD[c.status]}</Badge>
            <div className="check-body">
              <h3>{c.title}</h3>
              <p>{c.finding}</p>
              {c.fix && <p className="fix">{c.fix}</p>}
              {c.action === 'key:import' && c.status !== 'pass' && importing && <ImportEnvForm onError={onError} onDone={() => void run()} />}
            </div>
            {c.action && c.status !== 'pass' && (
              <button className="btn btn-small" onClick={() => fix(c)} disabled={fixing !== null} aria-busy={fixing === c.id}>
                {fixing === c.id ? 'Fixing…' : FIX_LABEL[c.action]}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!report && !running && <p className="muted">No report yet.</p>}
    </div>
  );
}

import { useRef } from 'react';
import type { WarningGroup } from '../../../../shared/api';
import { focusSoon } from '../../a11y/focus';
import { call } from '../../bridge';
import { Badge } from '../../components';
import { formatTime } from '../../format';
import { useAction } from '../../state/hooks';

export function WarningsPanel({ warnings, onChange }: { warnings: WarningGroup[]; onChange: (w: WarningGroup[]) => void }) {
  const list = useRef<HTMLUListElement>(null);
  const ack = useAction(async (id: string) => {
    onChange(await call('warnings:ack', id));
    // The Acknowledge button is gone: the group itself keeps focus.
    focusSoon(() => list.current?.querySelector<HTMLElement>(`[data-warning="${CSS.escape(id)}"]`));
  });

  return (
    <div className="warnings-panel" role="tabpanel" id="panel-warnings" aria-labelledby="tab-warnings">
      {warnings.length === 0 ? (
        <p className="muted">No warnings or errors so far.</p>
      ) : (
        <ul className="warnings" data-testid="warnings-list" ref={list}>
          {warnings.map((w) => (
            <li key={w.id} className={`warning${w.acknowledged ? ' acked' : ''}`} data-warning={w.id} tabIndex={-1}>
              <div className="warning-head">
                <Badge tone={w.level === 'warning' ? 'warn' : w.level === 'info' || w.level === 'debug' ? 'info' : 'bad'}>{w.level}</Badge>
                <span className="warning-count">
                  ×{w.count}
                  <span className="sr-only"> ({w.count} times)</span>
                </span>
                <code className="warning-pattern">{w.pattern}</code>
              </div>
              <div className="muted small">
                first {formatTime(w.firstSeen)} · last {formatTime(w.lastSeen)}
              </div>
              <pre className="warning-example" tabIndex={0}>
                {w.example}
              </pre>
              {!w.acknowledged ? (
                <button className="btn btn-small" onClick={() => void ack.run(w.id)}>
                  Acknowledge
                </button>
              ) : (
                <Badge tone="muted">Acknowledged</Badge>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

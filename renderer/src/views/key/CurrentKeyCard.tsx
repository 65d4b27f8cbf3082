import { useEffect, useState } from 'react';
import type { ClipboardState } from '../../../../shared/api';
import { call, useEvent } from '../../bridge';
import { Badge, Button, Card } from '../../components';
import { formatTime } from '../../format';
import { useAction, useKey, useSettings } from '../../state/hooks';
import { ClipboardCountdown } from './ClipboardCountdown';
import { useReveal } from './use-reveal';

/** The key (masked until revealed), Copy and Reveal, and its facts. The key itself never enters the page unless revealed. */
export function CurrentKeyCard() {
  const info = useKey();
  const settings = useSettings();
  const [clip, setClip] = useState<ClipboardState | null>(null);
  const [clipTotal, setClipTotal] = useState(30);
  const reveal = useReveal();

  useEvent('clipboard:state', setClip);
  // A rotation makes a revealed key stale: take it off the screen.
  const { hide } = reveal;
  useEffect(() => hide(), [info?.fingerprint, hide]);

  const copy = useAction(async () => {
    const state = await call('key:copy');
    setClipTotal(state.secondsLeft ?? 30);
    setClip(state);
  });

  const exists = !!info?.exists;
  const masked = info?.fingerprint ? 'sk-' + '•'.repeat(24) : '—';
  const maxAgeDays = settings?.keyMaxAgeDays ?? null;
  const ageDays = info?.ageDays ?? null;
  const stale = maxAgeDays !== null && ageDays !== null && ageDays >= maxAgeDays;

  return (
    <Card title="Current key" id="current-key">
      <div className="key-row">
        <code className={`key-value${reveal.revealed ? ' revealed' : ''}`} data-testid="key-value" aria-label={reveal.revealed ? 'Master key, revealed' : 'Master key, hidden'}>
          {reveal.revealed ?? masked}
        </code>
        <div className="key-buttons">
          {/* The names stay put while the timers run: a screen reader on the button is not told every second. */}
          <Button className="btn btn-primary" onClick={() => void copy.run()} inactive={!exists} data-testid="copy-key">
            {clip?.active ? 'Copied' : 'Copy'}
          </Button>
          <Button onClick={reveal.toggle} inactive={!exists} aria-pressed={reveal.revealed !== null} data-testid="reveal-key">
            {reveal.revealed ? 'Hide' : 'Reveal'}
          </Button>
        </div>
      </div>
      {reveal.revealed && (
        <p className="muted small" data-testid="reveal-countdown">
          Hidden again in {reveal.secondsLeft} s.
        </p>
      )}
      <ClipboardCountdown clip={clip} total={clipTotal} />
      <dl className="facts">
        <dt>Fingerprint</dt>
        <dd className="mono" data-testid="key-fingerprint">
          {info?.fingerprint ?? '—'}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(info?.createdAt ?? null)}</dd>
        <dt>Last rotated</dt>
        <dd>{info?.rotatedAt ? formatTime(info.rotatedAt) : 'never'}</dd>
        <dt>Age</dt>
        <dd>
          {ageDays === null ? 'unknown' : `${ageDays} day${ageDays === 1 ? '' : 's'}`} {stale && <Badge tone="warn">rotate soon</Badge>}
        </dd>
      </dl>
      {info?.pendingRotation && <p className="notice notice-warn">A rotation was interrupted; Gatehouse finishes or rolls it back on its next start.</p>}
    </Card>
  );
}

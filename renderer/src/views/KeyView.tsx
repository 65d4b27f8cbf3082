import { useEffect, useRef, useState } from 'react';
import type { ClipboardState, ErrorPayload, KeyInfo, RotationProgress, RotationResult } from '../../../shared/api';
import { call, errorOf, useEvent } from '../bridge';
import { Badge, Card } from '../components';
import { formatTime } from '../format';

interface Props {
  info: KeyInfo | null;
  onChanged: () => void;
  onError: (e: ErrorPayload | null) => void;
}

/** How long a revealed key stays on screen. */
export const REVEAL_SECONDS = 30;

const STEP_LABEL: Record<RotationProgress['step'], string> = {
  journal: 'Saving the new key as pending in the keychain',
  recreate: 'Recreating the gateway with the new key',
  verify: 'Checking: new key accepted, old key refused',
  commit: 'Making the new key current',
  done: 'Done',
  rollback: 'Rolled back to the previous key',
};

export function KeyView({ info, onChanged, onError }: Props) {
  const [clip, setClip] = useState<ClipboardState | null>(null);
  const [clipTotal, setClipTotal] = useState(30);
  const [maxAgeDays, setMaxAgeDays] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  const [revealed, setRevealed] = useState<string | null>(null);
  const [revealLeft, setRevealLeft] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [steps, setSteps] = useState<RotationProgress[]>([]);
  const [result, setResult] = useState<RotationResult | null>(null);
  const revealTimer = useRef<number | null>(null);

  useEvent('clipboard:state', setClip);
  useEvent('rotation:progress', (p) => setSteps((s) => [...s, p]));

  useEffect(() => {
    call('settings:get').then((s) => setMaxAgeDays(s.keyMaxAgeDays), () => setMaxAgeDays(null));
  }, []);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);

  // The revealed key is dropped from memory when the view goes away, not only on the timer.
  useEffect(() => () => {
    if (revealTimer.current) clearInterval(revealTimer.current);
  }, []);

  const secondsLeft = clip?.active && clip.clearsAt ? Math.max(0, Math.ceil((Date.parse(clip.clearsAt) - now) / 1000)) : 0;

  async function copy() {
    onError(null);
    try {
      const state = await call('key:copy');
      setClipTotal(state.secondsLeft ?? 30);
      setClip(state);
    } catch (err) {
      onError(errorOf(err));
    }
  }

  async function reveal() {
    onError(null);
    if (revealed) {
      hide();
      return;
    }
    try {
      const key = await call('key:reveal');
      setRevealed(key);
      setRevealLeft(REVEAL_SECONDS);
      const started = Date.now();
      revealTimer.current = window.setInterval(() => {
        const left = REVEAL_SECONDS - Math.floor((Date.now() - started) / 1000);
        if (left <= 0) hide();
        else setRevealLeft(left);
      }, 250);
    } catch (err) {
      onError(errorOf(err));
    }
  }

  function hide() {
    if (revealTimer.current) clearInterval(revealTimer.current);
    revealTimer.current = null;
    setRevealed(null);
    setRevealLeft(0);
  }

  async function rotate() {
    setConfirming(false);
    onError(null);
    hide();
    setSteps([]);
    setResult(null);
    setRotating(true);
    try {
      setResult(await call('key:rotate'));
    } catch (err) {
      onError(errorOf(err));
    } finally {
      setRotating(false);
      onChanged();
    }
  }

  const masked = info?.fingerprint ? 'sk-' + '•'.repeat(24) : '—';
  const stale = maxAgeDays !== null && info?.ageDays !== null && info?.ageDays !== undefined && info.ageDays >= maxAgeDays;

  return (
    <div className="view" data-testid="key-view">
      <h1 className="view-title">Master key</h1>
      <Card title="Current key" id="current-key">
        <div className="key-row">
          <code className={`key-value${revealed ? ' revealed' : ''}`} data-testid="key-value" aria-label={revealed ? 'Master key, revealed' : 'Master key, hidden'}>
            {revealed ?? masked}
          </code>
          <div className="key-buttons">
            <button className="btn btn-primary" onClick={copy} disabled={!info?.exists} data-testid="copy-key">
              {clip?.active ? `Copied — clears in ${secondsLeft}s` : 'Copy'}
            </button>
            <button className="btn" onClick={reveal} disabled={!info?.exists} aria-pressed={revealed !== null} data-testid="reveal-key">
              {revealed ? `Hide (${revealLeft}s)` : 'Reveal'}
            </button>
          </div>
        </div>
        {clip?.active && (
          <div className="countdown" role="status" aria-live="polite" data-testid="clipboard-countdown">
            <div className="countdown-bar" style={{ width: `${Math.min(100, (secondsLeft / clipTotal) * 100)}%` }} />
            The key is on the clipboard; it is cleared in {secondsLeft} s (or when Gatehouse quits), unless you copy something else.
          </div>
        )}
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
            {info?.ageDays === null || info?.ageDays === undefined ? 'unknown' : `${info.ageDays} day${info.ageDays === 1 ? '' : 's'}`}{' '}
            {stale && <Badge tone="warn">rotate soon</Badge>}
          </dd>
        </dl>
        {info?.pendingRotation && <p className="notice notice-warn">A rotation was interrupted; Gatehouse finishes or rolls it back on its next start.</p>}
      </Card>

      <Card title="Rotate" id="rotate">
        <p className="muted">
          A new key replaces the current one. A running gateway is recreated with it; afterwards the old key is refused. Clients need the new key.
        </p>
        {!confirming && !rotating && (
          <button className="btn btn-danger" onClick={() => setConfirming(true)} disabled={!info?.exists} data-testid="rotate-key">
            Rotate key…
          </button>
        )}
        {confirming && (
          <div className="confirm" role="alertdialog" aria-labelledby="confirm-rotate-title">
            <p id="confirm-rotate-title">
              <strong>Rotate the master key now?</strong> Every client using the current key stops working until it gets the new one.
            </p>
            <div className="row">
              <button className="btn btn-danger" onClick={rotate} autoFocus data-testid="confirm-rotate">
                Rotate now
              </button>
              <button className="btn" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}
        {(rotating || steps.length > 0) && (
          <ol className="steps" aria-live="polite" data-testid="rotation-steps">
            {steps.map((s, i) => (
              <li key={i} className={`step step-${s.step}`}>
                <span className="step-dot" aria-hidden="true" />
                <span>{STEP_LABEL[s.step]}</span>
                <span className="muted small">{s.message}</span>
              </li>
            ))}
            {rotating && (
              <li className="step step-running">
                <span className="spinner small" aria-hidden="true" /> Working…
              </li>
            )}
          </ol>
        )}
        {result && (
          <div className="notice notice-ok" role="status" data-testid="rotation-result">
            New key <code>{result.fingerprint}</code> replaced <code>{result.previousFingerprint}</code> at {formatTime(result.rotatedAt)}.
            {result.gatewayRecreated ? ' The gateway now accepts only the new key.' : ' The gateway was not running; it uses the new key at its next start.'}
          </div>
        )}
      </Card>
    </div>
  );
}

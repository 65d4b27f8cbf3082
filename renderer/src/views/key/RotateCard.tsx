import { useRef, useState } from 'react';
import type { RotationProgress, RotationResult } from '../../../../shared/api';
import { ConfirmDialog } from '../../a11y/ConfirmDialog';
import { focusSoon } from '../../a11y/focus';
import { call, useEvent } from '../../bridge';
import { Button, Card } from '../../components';
import { formatTime } from '../../format';
import { useAction, useAppStore, useKey } from '../../state/hooks';

const STEP_LABEL: Record<RotationProgress['step'], string> = {
  journal: 'Saving the new key as pending in the keychain',
  recreate: 'Recreating the gateway with the new key',
  verify: 'Checking: new key accepted, old key refused',
  commit: 'Making the new key current',
  done: 'Done',
  rollback: 'Rolled back to the previous key',
};

/** Rotate, behind a confirmation; the steps as the core reports them, then the result. */
export function RotateCard() {
  const store = useAppStore();
  const info = useKey();
  const [confirming, setConfirming] = useState(false);
  const [steps, setSteps] = useState<RotationProgress[]>([]);
  const [result, setResult] = useState<RotationResult | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const stepList = useRef<HTMLOListElement>(null);

  useEvent('rotation:progress', (p) => setSteps((s) => [...s, p]));

  const rotate = useAction(async () => {
    setSteps([]);
    setResult(null);
    try {
      setResult(await call('key:rotate'));
    } finally {
      await store.refreshKey();
    }
  });

  function confirm() {
    setConfirming(false);
    void rotate.run();
    // The dialog and its button are gone: the steps, then the result, are what to read next.
    focusSoon(() => stepList.current);
  }

  return (
    <Card title="Rotate" id="rotate">
      <p className="muted">
        A new key replaces the current one. A running gateway is recreated with it; afterwards the old key is refused. Clients need the new key.
      </p>
      {!rotate.busy && (
        <Button
          className="btn btn-danger"
          onClick={() => setConfirming(true)}
          inactive={!info?.exists}
          aria-haspopup="dialog"
          aria-expanded={confirming}
          ref={opener}
          data-testid="rotate-key"
        >
          Rotate key…
        </Button>
      )}
      {confirming && (
        <ConfirmDialog title="Rotate the master key now?" confirmLabel="Rotate now" onConfirm={confirm} onCancel={() => setConfirming(false)} returnFocus={opener} testId="rotate-dialog">
          <p>Every client using the current key stops working until it gets the new one.</p>
        </ConfirmDialog>
      )}
      {(rotate.busy || steps.length > 0) && (
        <ol className="steps" aria-live="polite" aria-label="Rotation steps" tabIndex={-1} ref={stepList} data-testid="rotation-steps">
          {steps.map((s, i) => (
            <li key={i} className={`step step-${s.step}`}>
              <span className="step-dot" aria-hidden="true" />
              <span>{STEP_LABEL[s.step]}</span>
              <span className="muted small">{s.message}</span>
            </li>
          ))}
          {rotate.busy && (
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
  );
}

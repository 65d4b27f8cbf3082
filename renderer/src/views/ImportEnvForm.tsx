import { useState } from 'react';
import type { ErrorPayload, KeyImportResult } from '../../../shared/api';
import { call, errorOf } from '../bridge';

/**
 * Moves the secrets of a docker-compose .env into the keychain ('key:import', the same import as
 * `gatehouse key import`). Main asks for the file in its own open dialog: the page never names a
 * path, and the values never come through it.
 */
export function ImportEnvForm({ onError, onDone }: { onError: (e: ErrorPayload | null) => void; onDone: (r: KeyImportResult) => void }) {
  const [scrub, setScrub] = useState(true);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<KeyImportResult | null>(null);

  async function choose() {
    onError(null);
    setBusy(true);
    try {
      const r = await call('key:import', scrub);
      if (r) {
        setResult(r);
        onDone(r);
      }
    } catch (err) {
      onError(errorOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="import-form" data-testid="import-form">
      <label className="check-field">
        <input type="checkbox" checked={scrub} onChange={(e) => setScrub(e.target.checked)} />
        Remove the values from the file once they are safely in the keychain
      </label>
      <div className="row">
        <button className="btn btn-primary" type="button" onClick={() => void choose()} disabled={busy} aria-busy={busy}>
          {busy ? 'Importing…' : 'Choose the .env file…'}
        </button>
      </div>
      {result && (
        <div className="notice notice-ok" role="status" data-testid="import-result">
          Imported {result.imported.join(', ')} (master key {result.masterKeyFingerprint}).{' '}
          {result.scrubbed ? 'The file no longer holds them.' : 'The file still holds them in plain text.'} Restart the gateway to use the imported key.
          {result.warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
        </div>
      )}
    </div>
  );
}

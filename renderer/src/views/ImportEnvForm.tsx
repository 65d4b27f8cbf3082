import { useState } from 'react';
import type { ErrorPayload, KeyImportResult } from '../../../shared/api';
import { call, errorOf } from '../bridge';

/**
 * Moves the secrets of a docker-compose .env into the keychain ('key:import', the same import as
 * `gatehouse key import`). The page sends only the path; the values never come through it.
 */
export function ImportEnvForm({ onError, onDone }: { onError: (e: ErrorPayload | null) => void; onDone: (r: KeyImportResult) => void }) {
  const [file, setFile] = useState('');
  const [scrub, setScrub] = useState(true);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<KeyImportResult | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    onError(null);
    setBusy(true);
    try {
      const r = await call('key:import', file.trim(), scrub);
      setResult(r);
      onDone(r);
    } catch (err) {
      onError(errorOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="import-form" onSubmit={submit} data-testid="import-form">
      <div className="row">
        <label htmlFor="import-path" className="sr-only">
          Path of the .env file
        </label>
        <input id="import-path" value={file} onChange={(e) => setFile(e.target.value)} placeholder="/home/you/litellm/.env" spellCheck={false} />
        <button className="btn btn-primary" type="submit" disabled={!file.trim() || busy} aria-busy={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      <label className="check-field">
        <input type="checkbox" checked={scrub} onChange={(e) => setScrub(e.target.checked)} />
        Remove the values from the file once they are safely in the keychain
      </label>
      {result && (
        <div className="notice notice-ok" role="status" data-testid="import-result">
          Imported {result.imported.join(', ')} (master key {result.masterKeyFingerprint}).{' '}
          {result.scrubbed ? 'The file no longer holds them.' : 'The file still holds them in plain text.'} Restart the gateway to use the imported key.
          {result.warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
        </div>
      )}
    </form>
  );
}

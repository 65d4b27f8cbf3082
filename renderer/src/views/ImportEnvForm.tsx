import { useState } from 'react';
import type { KeyImportResult } from '../../../shared/api';
import { call } from '../bridge';
import { Button } from '../components';
import { useAction } from '../state/hooks';

/**
 * Moves the secrets of a docker-compose .env into the keychain ('key:import', the same import as
 * `gatehouse key import`). Main asks for the file in its own open dialog: the page never names a
 * path, and the values never come through it.
 */
export function ImportEnvForm({ onDone }: { onDone: (r: KeyImportResult) => void }) {
  const [scrub, setScrub] = useState(true);
  const [result, setResult] = useState<KeyImportResult | null>(null);

  const choose = useAction(async () => {
    const r = await call('key:import', scrub);
    if (r) {
      setResult(r);
      onDone(r);
    }
  });

  return (
    <div className="import-form" id="import-form" data-testid="import-form">
      <label className="check-field">
        <input type="checkbox" checked={scrub} onChange={(e) => setScrub(e.target.checked)} />
        Remove the values from the file once they are safely in the keychain
      </label>
      <div className="row">
        <Button className="btn btn-primary" type="button" onClick={() => void choose.run()} inactive={choose.busy} aria-busy={choose.busy}>
          {choose.busy ? 'Importing…' : 'Choose the .env file…'}
        </Button>
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

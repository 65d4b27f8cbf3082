import type { Settings } from '../../../../shared/api';
import { Card } from '../../components';
import type { SetDraft } from './draft';
import { databaseVolumeName } from '../../../../shared/stack-names';

export function DatabaseSection({ draft, set }: { draft: Settings; set: SetDraft }) {
  return (
    <Card title="Database" id="database-settings">
      <label className="check-field">
        <input
          type="checkbox"
          checked={draft.database.enabled}
          onChange={(e) => set({ database: { ...draft.database, enabled: e.target.checked } })}
          data-testid="database-enabled"
        />
        Run a PostgreSQL database next to the gateway (virtual keys, spend tracking)
      </label>
      <dl className="facts">
        <dt>Image</dt>
        <dd className="mono">{draft.database.image}</dd>
        <dt>Data volume</dt>
        <dd className="mono" data-testid="database-volume">
          {databaseVolumeName(draft)}
          {draft.database.volume === null && <span className="muted small"> (created at the first start)</span>}
        </dd>
      </dl>
      <p className="muted small">
        The volume is kept when the database is turned off. To adopt the volume of an existing docker-compose stack, run{' '}
        <code>gatehouse db adopt VOLUME</code> (it checks the volume and the keychain password first). The change applies at the next start.
      </p>
    </Card>
  );
}

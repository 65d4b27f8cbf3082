import type { Settings } from '../../../../shared/api';
import { Card, Field } from '../../components';
import type { SetDraft } from './draft';

export function KeySection({ draft, set }: { draft: Settings; set: SetDraft }) {
  return (
    <Card title="Key" id="key-settings">
      <div className="field-row">
        <Field label="Clear clipboard after (seconds)" id="clip">
          <input id="clip" type="number" min={5} max={600} value={draft.clipboardClearSeconds} onChange={(e) => set({ clipboardClearSeconds: Number(e.target.value) })} />
        </Field>
        <Field label="Rotate key after (days)" id="maxage">
          <input id="maxage" type="number" min={1} max={3650} value={draft.keyMaxAgeDays} onChange={(e) => set({ keyMaxAgeDays: Number(e.target.value) })} />
        </Field>
      </div>
    </Card>
  );
}

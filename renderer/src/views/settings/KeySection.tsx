import type { Settings } from '../../../../shared/api';
import { Card, Field } from '../../components';
import type { SetDraft } from './draft';
import { SETTINGS_LIMITS } from '../../../../shared/settings-limits';

export function KeySection({ draft, set }: { draft: Settings; set: SetDraft }) {
  return (
    <Card title="Key" id="key-settings">
      <div className="field-row">
        <Field label="Clear clipboard after (seconds)" id="clip">
          <input id="clip" type="number" min={SETTINGS_LIMITS.clipboardClearSeconds.min} max={SETTINGS_LIMITS.clipboardClearSeconds.max} value={draft.clipboardClearSeconds} onChange={(e) => set({ clipboardClearSeconds: Number(e.target.value) })} />
        </Field>
        <Field label="Rotate key after (days)" id="maxage">
          <input id="maxage" type="number" min={SETTINGS_LIMITS.keyMaxAgeDays.min} max={SETTINGS_LIMITS.keyMaxAgeDays.max} value={draft.keyMaxAgeDays} onChange={(e) => set({ keyMaxAgeDays: Number(e.target.value) })} />
        </Field>
      </div>
    </Card>
  );
}

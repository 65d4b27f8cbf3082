import { useState } from 'react';
import type { Settings } from '../../../../shared/api';
import { Card, Field } from '../../components';
import { BIND_CHOICES, exposureText, type SetDraft } from './draft';
import { SETTINGS_LIMITS } from '../../../../shared/settings-limits';

export function GatewaySection({ draft, set }: { draft: Settings; set: SetDraft }) {
  const [customBind, setCustomBind] = useState(() => !BIND_CHOICES.some((c) => c.value === draft.bindAddress));
  const exposure = exposureText(draft.bindAddress);
  return (
    <Card title="Gateway" id="gateway-settings">
      <Field label="Image" id="image" hint="Any LiteLLM image; pin by digest (…@sha256:…) to run exactly what you checked.">
        <input id="image" value={draft.image} onChange={(e) => set({ image: e.target.value })} spellCheck={false} aria-describedby="image-hint" />
      </Field>
      <div className="field-row">
        <Field label="Port" id="port">
          <input id="port" type="number" min={SETTINGS_LIMITS.port.min} max={SETTINGS_LIMITS.port.max} value={draft.port} onChange={(e) => set({ port: Number(e.target.value) })} />
        </Field>
        <Field label="Listen on" id="bind">
          <select
            id="bind"
            value={customBind ? 'custom' : draft.bindAddress}
            onChange={(e) => {
              if (e.target.value === 'custom') setCustomBind(true);
              else {
                setCustomBind(false);
                set({ bindAddress: e.target.value });
              }
            }}
            data-testid="bind-select"
          >
            {BIND_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
            <option value="custom">A specific address…</option>
          </select>
        </Field>
        {customBind && (
          <Field label="Address" id="bind-custom">
            <input id="bind-custom" value={draft.bindAddress} onChange={(e) => set({ bindAddress: e.target.value })} placeholder="192.168.1.20" />
          </Field>
        )}
      </div>
      {exposure && (
        <div className="notice notice-warn" data-testid="exposure-warning">
          <p role="alert">{exposure}</p>
          <p className="small">
            Exposed: port {draft.port} on {draft.bindAddress}.
          </p>
        </div>
      )}
      <label className="check-field">
        <input type="checkbox" checked={draft.stopGatewayOnQuit} onChange={(e) => set({ stopGatewayOnQuit: e.target.checked })} />
        Stop the gateway when Gatehouse quits
      </label>
    </Card>
  );
}

import { useEffect, useRef, useState } from 'react';
import type { Settings } from '../../../shared/api';
import { Button, ViewTitle } from '../components';
import { useAction, useAppStore, useSettings } from '../state/hooks';
import { ClaudeSection } from './settings/ClaudeSection';
import { DatabaseSection } from './settings/DatabaseSection';
import { patchOf, type SetDraft } from './settings/draft';
import { GatewaySection } from './settings/GatewaySection';
import { KeySection } from './settings/KeySection';
import { TargetSection } from './settings/TargetSection';
import { TlsSection } from './settings/TlsSection';
import { WatchedFoldersSection } from './settings/WatchedFoldersSection';

export { exposureText } from './settings/draft';

/** The settings as a draft of the saved ones: sections edit the draft, Save sends what changed. */
export function SettingsView() {
  const store = useAppStore();
  const saved = useSettings();
  const [draft, setDraft] = useState<Settings | null>(saved);
  const [note, setNote] = useState<string | null>(null);

  // New saved settings (the first load, a save, a change from the CLI) replace the draft unless
  // it holds edits of the user's own; those stay, and Save sends only them.
  const previous = useRef(saved);
  useEffect(() => {
    const before = previous.current;
    previous.current = saved;
    setDraft((d) => (!d || !before || !saved || Object.keys(patchOf(before, d)).length === 0 ? saved : d));
  }, [saved]);

  const save = useAction(async () => {
    if (!saved || !draft) return;
    // As the core stored them (it may normalise a value).
    setDraft(await store.saveSettings(patchOf(saved, draft)));
    setNote('Saved. A running gateway picks up image, port and address changes at its next start.');
  });

  if (!draft || !saved) {
    return (
      <div className="view">
        <ViewTitle>Settings</ViewTitle>
        <p className="muted">Loading…</p>
      </div>
    );
  }

  const set: SetDraft = (patch) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const dirty = Object.keys(patchOf(saved, draft)).length > 0;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (dirty && !save.busy) void save.run();
  }

  return (
    <div className="view" data-testid="settings-view">
      <ViewTitle>Settings</ViewTitle>
      {note && (
        <div className="notice notice-ok" role="status">
          {note}
        </div>
      )}
      <form onSubmit={submit}>
        <GatewaySection draft={draft} set={set} />
        <TargetSection draft={draft} set={set} />
        <DatabaseSection draft={draft} set={set} />
        <WatchedFoldersSection draft={draft} set={set} />
        <KeySection draft={draft} set={set} />
        <div className="form-actions">
          <Button className="btn btn-primary" type="submit" inactive={!dirty || save.busy} data-testid="save-settings">
            {save.busy ? 'Saving…' : 'Save settings'}
          </Button>
          <Button type="button" inactive={!dirty} onClick={() => setDraft(saved)}>
            Revert
          </Button>
        </div>
      </form>
      <ClaudeSection onSaved={setNote} />
      <TlsSection onSaved={setNote} />
    </div>
  );
}
